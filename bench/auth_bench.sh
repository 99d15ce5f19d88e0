#!/usr/bin/env bash
# Decision throughput and latency through the plugin protocol against a real wardend
# holding N devices (default 100 000). Prints the figures of auth_load twice: at full
# speed (window-limited) and paced at 10 000/s.
#
#   bench/auth_bench.sh [DEVICES] [SECONDS]      (after a build: cmake --build --preset default)
set -euo pipefail
cd "$(dirname "$0")/.."
devices="${1:-100000}"
seconds="${2:-5}"
build="${BUILD_DIR:-build/default}"
work=$(mktemp -d /tmp/warden-bench-XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$build/daemon/app/wardend" init --dir "$work/state" --remote 127.0.0.1 --pool 10.64.0.0/12 >/dev/null
# wardend runs in the host's namespace here: keep its nftables table out (the firewall has
# its own benchmark, bench/firewall_bench).
sed -i 's/^enabled = true$/enabled = false/' "$work/state/wardend.conf"
start=$(date +%s.%N)
"$build/bench/seed_devices" "$work/state/warden.db" "$devices" "$work/serials" 10.64.0.0/12 >/dev/null
echo "seeded $devices devices in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
"$build/daemon/app/wardend" --config "$work/state/wardend.conf" 2>"$work/wardend.log" &
pid=$!
for _ in $(seq 1 500); do [ -S "$work/state/run/plugin.sock" ] && break; sleep 0.01; done
[ -S "$work/state/run/plugin.sock" ] || { cat "$work/wardend.log"; exit 1; }
rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
echo "wardend RSS after start: $((rss_kb / 1024)) MB"
grep -m1 "verdict index loaded" "$work/wardend.log" || true
"$build/bench/auth_load" "$work/state/run/plugin.sock" "$work/serials" --connections 4 --seconds "$seconds" --rate 0 --window 64
"$build/bench/auth_load" "$work/state/run/plugin.sock" "$work/serials" --connections 4 --seconds "$seconds" --rate 10000
rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
echo "wardend RSS after load: $((rss_kb / 1024)) MB"

#!/usr/bin/env bash
# Verdicts are not held up by the kernel route sync (issue 13). wardend keeps its routes
# with iproute2's `ip`, a fork + exec that took up to 150 ms on a loaded host; run on the
# event loop, every plugin request waiting behind it missed the plugin's 2 ms budget and
# its client lost OpenVPN's ~1 s deferral cycle. Here a stand-in `ip` (first in wardend's
# PATH) takes 3 s each time (killed at wardend's 2 s bound), and no tun device exists, so
# wardend retries every 500 ms: on the event loop it would be blocked ~80 % of the time.
# Auth requests paced at 50/s through the plugin protocol (bench/auth_load) must all be
# answered, the slowest within 500 ms.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

e2e_require_root_netns --no-tun
auth_load="${WARDEN_BUILD_DIR:-}/bench/auth_load"
[ -x "$auth_load" ] || e2e_skip "bench/auth_load is not built (WARDEN_BENCH=OFF)"
e2e_tmpdir >/dev/null
w_init 10.250.60.1 10.249.60.0/24

# The stand-in: records that it ran, then hangs past wardend's bound for helpers.
mkdir -p "$E2E_DIR/slowbin"
cat >"$E2E_DIR/slowbin/ip" <<EOS
#!/bin/sh
echo run >>"$E2E_DIR/ip-runs"
exec sleep 3
EOS
chmod +x "$E2E_DIR/slowbin/ip"
# (As w_start_wardend, with the stand-in first in wardend's PATH only.)
e2e_make_ns "e2e-rs-$$"
e2e_start_bg "e2e-rs-$$" "$E2E_DIR/wardend.log" env "PATH=$E2E_DIR/slowbin:$PATH" "$WARDEND" --config "$W_STATE/wardend.conf"
e2e_wait_for "[ -S '$WARDEN_SOCKET' ] && '$WARDENCTL' status >/dev/null" 10 || e2e_fail "wardend did not start"
w_add_device laptop
serial=$(w_serial laptop)
[ -n "$serial" ] || e2e_fail "no serial for laptop"
printf '%s\n' "$serial" >"$E2E_DIR/serials"
e2e_wait_for "[ -s '$E2E_DIR/ip-runs' ]" 10 || e2e_fail "wardend never ran ip (route sync)"

out=$("$auth_load" "$W_RUN/plugin.sock" "$E2E_DIR/serials" --connections 1 --seconds 4 --rate 50) ||
  e2e_fail "auth_load failed: $out"
e2e_log "$out"
runs=$(wc -l <"$E2E_DIR/ip-runs")
[ "$runs" -ge 2 ] || e2e_fail "only $runs route syncs ran during the load: the test did not overlap them"
max_us=$(printf '%s\n' "$out" | sed -n 's/.* max=\([0-9]*\)us.*/\1/p')
[ -n "$max_us" ] || e2e_fail "no max latency in: $out"
[ "$max_us" -le 500000 ] || e2e_fail "a verdict took ${max_us} us while a route sync ran (limit 500 ms)"
e2e_pass "$runs slow route syncs, 200 verdicts, slowest $((max_us / 1000)) ms"

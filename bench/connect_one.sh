#!/usr/bin/env bash
# One client at a time: connect time of a bare OpenVPN server against warden with a
# certificate only, with a TOTP code and with a static password, in one run (issue 13).
#
#   bench/connect_one.sh [options]            (needs root: namespaces, tun; oathtool)
#
# One server namespace holds two OpenVPN servers that run for the whole bench: a bare one
# (no plugin, port 1195) and warden's (the plugin and a real wardend from
# bench/storm/warden_hook.sh, port 1194). Clients (`dev null`) connect from a second
# namespace, one at a time, the variants alternating within each round:
#   bare      certificate only, to the bare server
#   cert      certificate only, to warden (a pc device)
#   totp      warden, a pc device with TOTP: username + a fresh oathtool code
#   password  warden, a pc device with a static password, after its first login since
#             wardend started (that first login is a warm-up, not counted)
# Each connect is timed from the client's launch to its "Initialization Sequence
# Completed" (like connect_storm.sh's single rounds). Each connect is isolated: a round's
# clients stay up until the round ends; then they are stopped and the next round starts
# only once both servers have dropped them (a client's exit notice makes the server drop
# it 5 s later; with warden that drop is a plugin call and wardend's session end, which
# would otherwise land inside a later measured connect), each connect starts --settle
# seconds after the previous one completed, and the order of the variants rotates from
# round to round. Every client is a device of its own
# (TOTP: one code per 30 s step per device, so each TOTP device logs in once). Reported:
# medians, ratio to bare (target <= 1.10, one client <= 1.05), and how many verdicts the
# plugin deferred past its budget per variant (the plugin reports each deferral to
# wardend, which logs "verdict deferred" with the common name at any verbosity), and
# wardend's own total from `wardenctl status`.
#
# Options:
#   --rounds K      connects per variant (default 15)
#   --verb V        both servers' verbosity (default 3, what a production server runs)
#   --timeout S     bound for one connect (default 30)
#   --settle S      pause before each connect (default 0.3)
#   --keep          keep the work dir (logs, configs) and print its path
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
E2E_NAME=connect_one
# shellcheck source=SCRIPTDIR/../test/e2e/lib.sh
source "$repo/test/e2e/lib.sh"
# shellcheck source=SCRIPTDIR/lib.sh
source "$here/lib.sh"

rounds=15
verb=3
timeout_s=30
settle=0.3
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift ;;
    --verb) verb="$2"; shift ;;
    --timeout) timeout_s="$2"; shift ;;
    --settle) settle="$2"; shift ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "connect_one: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if ! [[ "$settle" =~ ^[0-9]+(\.[0-9]+)?$ ]]; then echo "connect_one: --settle wants seconds: $settle" >&2; exit 2; fi
for v in "$rounds" "$timeout_s" "$verb"; do
  if ! [[ "$v" =~ ^[1-9][0-9]*$ ]]; then echo "connect_one: not a positive integer: $v" >&2; exit 2; fi
done

e2e_require_root_netns --tun
command -v oathtool >/dev/null || e2e_fail "oathtool is missing (scripts/bootstrap installs it)"
e2e_tmpdir >/dev/null
work="$E2E_DIR"
if [ "$keep" = 1 ]; then
  sed -i '/^rm -rf -- /d' "$E2E_REGISTRY"
  bench_log "connect_one: work dir (kept): $work"
fi

ns_srv="one-srv-$$"
ns_cli="one-cli-$$"
server_ip=10.250.201.1
warden_port=1194
bare_port=1195
export STORM_SERVER_NS="$ns_srv" STORM_CLIENT_NS="$ns_cli" STORM_SERVER_IP="$server_ip" \
  STORM_PORT="$warden_port" STORM_POOL=10.252.0.0/16 STORM_OPENVPN="$E2E_OPENVPN" STORM_REPO="$repo"
bench_net "$ns_srv" "$ns_cli" "$server_ip/24" 10.250.201.2/24

# Devices: bench-1..K certificate only, K+1..2K TOTP, 2K+1..3K static password.
k=$rounds
first() { case "$1" in cert) echo 1 ;; totp) echo $((k + 1)) ;; password) echo $((2 * k + 1)) ;; esac; }
export STORM_TOTP_DEVICES="$((k + 1))-$((2 * k))" STORM_PASSWORD_DEVICES="$((2 * k + 1))-$((3 * k))"
pki="$work/hook"
bench_hook_setup "$here/storm/warden_hook.sh" "$pki" "$((3 * k))" "$work/hook.log"
bench_check_pki "$pki" "$((3 * k))"
wardenctl=$(e2e_warden_bin wardenctl)
admin_sock="$pki/state/run/admin.sock"

# Servers. The bare one gets crl-verify from common.conf but neither its management line
# (that socket is wardend's link to the warden server) nor its tun device's name.
{
  bench_server_conf "$pki" "$server_ip" "$bare_port" 10.253.0.0 255.255.0.0 wbare "$verb"
  grep -vE '^(management|dev) ' "$pki/common.conf" 2>/dev/null || true
} >"$work/server-bare.conf"
{
  bench_server_conf "$pki" "$server_ip" "$warden_port" 10.252.0.0 255.255.0.0 wvpn "$verb"
  cat "$pki/common.conf" 2>/dev/null || true
  cat "$pki/plugin.conf"
} >"$work/server-warden.conf"
for s in bare warden; do
  e2e_start_openvpn "$ns_srv" "$work/server-$s.conf" "$work/server-$s.log"
  e2e_wait_for_log "$work/server-$s.log" "$BENCH_INIT" 30 "$E2E_PID" || e2e_fail "$s server did not start"
done

# connect VARIANT I TAG: one timed connect of device bench-I; sets BENCH_T.
stopped=()
connect() {
  local variant="$1" i="$2" tag="$3" port=$warden_port auth=""
  [ "$variant" = bare ] && port=$bare_port
  if [ "$variant" = totp ] || [ "$variant" = password ]; then
    auth="$work/$tag.auth"
    bench_credentials "$pki" "$i" "$auth"
  fi
  bench_client_conf "$pki" "$server_ip" "$port" "client-$i" "$auth" >"$work/$tag.conf"
  bench_connect "$ns_cli" "$work/$tag.conf" "$work/$tag" "$timeout_s" ||
    e2e_fail "$variant: bench-$i did not connect (see above; server log $work/server-$variant.log)"
  stopped+=("$BENCH_CLIENT_PID")
  if [ "$variant" = bare ]; then connects_bare=$((connects_bare + 1)); else connects_warden=$((connects_warden + 1)); fi
}
# reap: stops the round's clients (SIGTERM: each tells its server it leaves) and waits
# until both servers have dropped every client so far and wardend has ended their sessions.
connects_bare=0
connects_warden=0
exits='client-instance exiting'
reap() {
  local p
  for p in "${stopped[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${stopped[@]}"; do e2e_stop "$p" 10; done
  stopped=()
  e2e_wait_for "[ \$(grep -c '$exits' '$work/server-bare.log') -ge $connects_bare ] &&
    [ \$(grep -c '$exits' '$work/server-warden.log') -ge $connects_warden ]" 20 ||
    e2e_fail "the servers did not drop the stopped clients"
  e2e_wait_for "[ \"\$(WARDEN_SOCKET='$admin_sock' '$wardenctl' --json session list)\" = '[]' ]" 10 ||
    e2e_fail "wardend still lists sessions of stopped clients"
}

bench_log "connect_one: $rounds connects per variant, verb $verb, $("$E2E_OPENVPN" --version | head -n 1 | awk '{print $1, $2}')"
# Warm-up, not counted: one connect to each server, and the first login of every
# password device (the first check after a start may pay the slow hash).
connect bare 1 warm-bare
connect cert 1 warm-cert
for ((r = 0; r < k; r++)); do connect password "$(($(first password) + r))" "warm-pw-$r"; done
reap
mark=$(wc -l <"$work/hook/wardend.log")
status_before=$(bench_status_deferrals "$wardenctl" "$admin_sock")

variants=(bare cert totp password)
declare -A times=()
for ((r = 0; r < k; r++)); do
  # The order rotates from round to round, so no variant always comes first or last.
  for ((j = 0; j < ${#variants[@]}; j++)); do
    v=${variants[$(((j + r) % ${#variants[@]}))]}
    i=$(($(first "${v/bare/cert}") + r))
    # A pause between connects: the previous connect's aftermath (client output, wardend
    # recording the session, firewall update) is over before the next is timed.
    sleep "$settle"
    connect "$v" "$i" "$v-$r"
    times[$v]+="$BENCH_T "
    bench_log "  round $((r + 1)) $v (bench-$i): $(bench_f3 "$BENCH_T") s"
  done
  reap
done
status_after=$(bench_status_deferrals "$wardenctl" "$admin_sock")

# Deferrals per variant, from wardend's "verdict deferred" lines after the warm-up (by device).
declare -A deferred=([cert]=0 [totp]=0 [password]=0)
while read -r i; do
  for v in cert totp password; do
    f=$(first "$v")
    if [ "$i" -ge "$f" ] && [ "$i" -lt $((f + k)) ]; then deferred[$v]=$((deferred[$v] + 1)); fi
  done
done < <(tail -n "+$((mark + 1))" "$work/hook/wardend.log" |
  sed -n 's/.*verdict deferred .*common_name=bench-\([0-9]*\).*/\1/p')

# shellcheck disable=SC2086
base=$(bench_median ${times[bare]})
for v in "${variants[@]}"; do
  # shellcheck disable=SC2086
  med=$(bench_median ${times[$v]})
  extra=""
  if [ "$v" != bare ]; then
    extra="; ratio $(bench_ratio "$med" "$base"); deferred ${deferred[$v]}"
  fi
  # shellcheck disable=SC2086
  printf '%-9s median %s s%s (connects %s)\n' "$v:" "$(bench_f3 "$med")" "$extra" "$(bench_f3_list ${times[$v]})"
done
if [ -n "$status_after" ]; then
  echo "wardenctl status: deferrals during the measured rounds $((status_after - ${status_before:-0}))"
fi
# shellcheck disable=SC2086
awk -v b="$base" -v c="$(bench_median ${times[cert]})" -v t="$(bench_median ${times[totp]})" \
  -v p="$(bench_median ${times[password]})" 'BEGIN {
    ok = (c / b <= 1.10 && t / b <= 1.10 && p / b <= 1.10)
    printf "ratio to bare: cert %.2f, totp %.2f, password %.2f (target <= 1.10): %s\n",
      c / b, t / b, p / b, ok ? "met" : "NOT met" }'

#!/usr/bin/env bash
# kill -9 of wardend:
#  - the established tunnel keeps passing pings;
#  - a client that connects while wardend is down waits (the plugin defers its verdict and
#    queues the request) and gets in once wardend is back: no AUTH_FAILED, its VPN IP;
#  - `session kill NAME` leaves `session list` at once; a refused client (deactivated
#    device, retrying thanks to the profile's auth-retry) never appears there;
#  - a request that waits past the plugin's daemon_wait (10 s) is refused: fail closed.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

e2e_require_root_netns --tun
e2e_tmpdir >/dev/null
w_topology wr 20
ns_a="$W_NS_A"
ns_b="$W_NS_B"
w_init "$W_SRV_IP_A" 10.253.0.0/24
w_start_wardend
w_start_server "$W_NS_SRV"
w_add_device first
w_add_device second
w_for_client_b "$E2E_DIR/second.ovpn"
second_ip=$(w_vpn_ip second)
[ -n "$second_ip" ] || e2e_fail "no VPN IP for second"
grep -q '^auth-retry nointeract$' "$E2E_DIR/second.ovpn" || e2e_fail "profile lacks auth-retry nointeract"

w_start_client "$ns_a" "$E2E_DIR/first.ovpn" "$E2E_DIR/first.log"
first_pid=$E2E_PID
e2e_wait_for_log "$E2E_DIR/first.log" 'Initialization Sequence Completed' 20 "$first_pid" ||
  e2e_fail "first client did not connect"
e2e_ping "$ns_a" 10.253.0.1 || e2e_fail "first client cannot ping the server"

# session_list_has NAME: `session list` shows a session of device NAME right now.
session_list_has() {
  local out
  out=$("$WARDENCTL" --json session list) || e2e_fail "session list failed"
  grep -q "\"device\":\"$1\"" <<<"$out"
}
# count_in FILE REGEX: matching lines (0 when none).
count_in() { grep -Ec -- "$2" "$1" 2>/dev/null || true; }

# --- 1. a client started while wardend is down gets in once it is back -------------------
kill -9 "$W_WARDEND_PID"
e2e_wait_for "! e2e_alive $W_WARDEND_PID" 5 || e2e_fail "wardend survived kill -9"
w_start_client "$ns_b" "$E2E_DIR/second.ovpn" "$E2E_DIR/second.log"
second_pid=$E2E_PID
# Its verdict is deferred and its request queued, wardend still down.
e2e_wait_for_log "$E2E_DIR/server.log" 'request queued until the daemon is back kind=connect' 20 "$second_pid" ||
  e2e_fail "the plugin did not queue the connect of a client arriving while wardend is down"
e2e_alive "$W_WARDEND_PID" && e2e_fail "wardend is up again already"
for i in 1 2 3; do
  e2e_ping "$ns_a" 10.253.0.1 2 || e2e_fail "tunnel stopped passing pings with wardend down (ping $i)"
done
e2e_pass "established tunnel keeps working while wardend is down; a new client waits"

start_ms=$(_e2e_now_ms)
w_start_wardend
e2e_wait_for_log "$E2E_DIR/second.log" 'Initialization Sequence Completed' 10 "$second_pid" ||
  e2e_fail "the client that arrived while wardend was down did not connect after the restart"
took=$(($(_e2e_now_ms) - start_ms))
grep -q 'AUTH_FAILED' "$E2E_DIR/second.log" && e2e_fail "the client was refused (AUTH_FAILED) during the restart"
grep -qF "$second_ip/" "$E2E_DIR/second.log" || e2e_fail "the client did not get its VPN IP $second_ip"
e2e_ping "$ns_b" 10.253.0.1 || e2e_fail "the client that waited cannot ping the server"
e2e_pass "client started while wardend was down got in ${took} ms after wardend was started, with $second_ip, no AUTH_FAILED"
e2e_ping "$ns_a" 10.253.0.1 || e2e_fail "first client lost its tunnel"
"$WARDENCTL" status >/dev/null || e2e_fail "wardenctl status failed after restart"
# The plugin reported that deferral to the new wardend (after the queued request itself):
# one log line, and `status` counts exactly one deferral for want of a daemon.
queued_deferrals() { "$WARDENCTL" --json status | grep -o '"queued":[0-9]*' | cut -d: -f2; }
e2e_wait_for '[ "$(queued_deferrals)" = 1 ]' 5 ||
  e2e_fail "status does not count the queued deferral: $("$WARDENCTL" status | grep deferrals)"
grep -qE 'verdict deferred .*kind=connect common_name=second why=queued' "$E2E_DIR/wardend.log" ||
  e2e_fail "wardend did not log the queued deferral"
e2e_pass "the queued deferral is logged and counted by status: $("$WARDENCTL" status | grep deferrals)"

# --- 2. the session view follows kills at once and lists established sessions only -----
e2e_wait_for "session_list_has second" 10 || e2e_fail "session list does not show second"
"$WARDENCTL" session kill second >/dev/null || e2e_fail "session kill second failed"
session_list_has second && e2e_fail "session list still shows second right after session kill"
e2e_pass "session kill: gone from session list at once"

# The client reconnects (RESTART) and is admitted again; then the device is deactivated:
# every reconnect is refused and it must never show in the list meanwhile.
e2e_wait_for "session_list_has second" 20 || e2e_fail "second did not come back after session kill"
refused_before=$(count_in "$E2E_DIR/second.log" 'AUTH_FAILED')
"$WARDENCTL" device deactivate second >/dev/null || e2e_fail "device deactivate failed"
samples=0
until [ "$(count_in "$E2E_DIR/second.log" 'AUTH_FAILED')" -ge $((refused_before + 2)) ]; do
  session_list_has second && e2e_fail "a refused client appears in session list (sample $samples)"
  samples=$((samples + 1))
  [ "$samples" -lt 1500 ] || e2e_fail "the deactivated client was not refused twice (no auth-retry?)"
  sleep 0.02
done
e2e_alive "$second_pid" || e2e_fail "the refused client exited instead of retrying (auth-retry)"
e2e_pass "refused client retried and never appeared in session list ($samples samples)"

# --- 3. past daemon_wait the plugin refuses (fail closed) -------------------------------
kill -9 "$W_WARDEND_PID"
e2e_wait_for "! e2e_alive $W_WARDEND_PID" 5 || e2e_fail "wardend survived kill -9"
queued_before=$(count_in "$E2E_DIR/server.log" 'request queued until the daemon is back')
e2e_wait_for "[ \$(count_in '$E2E_DIR/server.log' 'request queued until the daemon is back') -gt $queued_before ]" 20 ||
  e2e_fail "the retrying client's request was not queued while wardend is down"
e2e_wait_for_log "$E2E_DIR/server.log" 'deferred request refused kind=connect .*cause=daemon_wait' 25 ||
  e2e_fail "a request waiting past daemon_wait was not refused"
e2e_pass "request waiting past daemon_wait refused (fail closed)"
w_start_wardend
e2e_ping "$ns_a" 10.253.0.1 || e2e_fail "first client lost its tunnel"

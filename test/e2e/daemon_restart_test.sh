#!/usr/bin/env bash
# kill -9 of wardend: the established tunnel keeps passing pings; a new client is refused
# while the daemon is down (fail closed); after wardend restarts, a new client connects
# within 5 s without restarting OpenVPN.
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

w_start_client "$ns_a" "$E2E_DIR/first.ovpn" "$E2E_DIR/first.log"
first_pid=$E2E_PID
e2e_wait_for_log "$E2E_DIR/first.log" 'Initialization Sequence Completed' 20 "$first_pid" ||
  e2e_fail "first client did not connect"
e2e_ping "$ns_a" 10.253.0.1 || e2e_fail "first client cannot ping the server"

kill -9 "$W_WARDEND_PID"
e2e_wait_for "! e2e_alive $W_WARDEND_PID" 5 || e2e_fail "wardend survived kill -9"
for i in 1 2 3 4 5; do
  e2e_ping "$ns_a" 10.253.0.1 2 || e2e_fail "tunnel stopped passing pings with wardend down (ping $i)"
done
e2e_pass "established tunnel keeps working while wardend is down"

w_start_client "$ns_b" "$E2E_DIR/second.ovpn" "$E2E_DIR/second-down.log"
down_pid=$E2E_PID
e2e_wait_for_log "$E2E_DIR/second-down.log" 'AUTH_FAILED' 15 || e2e_fail "new client was not refused while wardend is down"
grep -q 'Initialization Sequence Completed' "$E2E_DIR/second-down.log" && e2e_fail "a client got in while wardend was down"
e2e_stop "$down_pid"
e2e_pass "new client refused while wardend is down"

start_ms=$(_e2e_now_ms)
w_start_wardend
# The plugin reconnects by itself (backoff of at most 1 s); OpenVPN is not touched.
e2e_wait_for "'$WARDENCTL' --json status | grep -q '\"plugin_connections\":[1-9]'" 4 ||
  e2e_fail "the plugin did not reconnect to the restarted wardend"
w_start_client "$ns_b" "$E2E_DIR/second.ovpn" "$E2E_DIR/second.log"
second_pid=$E2E_PID
e2e_wait_for_log "$E2E_DIR/second.log" 'Initialization Sequence Completed' 5 "$second_pid" ||
  e2e_fail "new client did not connect after wardend restarted"
[ $(($(_e2e_now_ms) - start_ms)) -le 5000 ] || e2e_fail "new client needed more than 5 s after the restart"
e2e_pass "after restart a new client connected in $(($(_e2e_now_ms) - start_ms)) ms"
e2e_ping "$ns_a" 10.253.0.1 || e2e_fail "first client lost its tunnel"
"$WARDENCTL" status >/dev/null || e2e_fail "wardenctl status failed after restart"

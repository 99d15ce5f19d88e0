#!/usr/bin/env bash
# Clients over IPv6 (issue 9): the server listens dual-stack (`proto udp6`), two devices
# connect over IPv6 from the same source port on different addresses. Each shows in
# `session list` with its own [address]:port and device, `session kill` ends the right
# one (the other's tunnel is untouched), and a disconnect is credited to its device.
# Before: only untrusted_ip was forwarded, so both were keyed ":40000" (one session
# overwrote the other) and a kill found nothing to kill.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

e2e_require_root_netns --tun
e2e_tmpdir >/dev/null
W_NS_SRV="e2e-v6-srv-$$"
ns_a="e2e-v6-a-$$"
ns_b="e2e-v6-b-$$"
e2e_make_ns "$W_NS_SRV"
e2e_make_ns "$ns_a"
e2e_make_ns "$ns_b"
# Two links with an IPv4 and an IPv6 network each (nodad: usable at once).
e2e_link "$W_NS_SRV" 10.250.70.1/24 "$ns_a" 10.250.70.2/24
ip -n "$W_NS_SRV" addr add fd00:70::1/64 dev "$E2E_IF_A" nodad
ip -n "$ns_a" addr add fd00:70::2/64 dev "$E2E_IF_B" nodad
e2e_link "$W_NS_SRV" 10.250.71.1/24 "$ns_b" 10.250.71.2/24
ip -n "$W_NS_SRV" addr add fd00:71::1/64 dev "$E2E_IF_A" nodad
ip -n "$ns_b" addr add fd00:71::2/64 dev "$E2E_IF_B" nodad

w_init fd00:70::1 10.247.0.0/24
sed -i 's/^proto udp$/proto udp6/' "$W_STATE/server.conf"
grep -qx 'proto udp6' "$W_STATE/server.conf" || e2e_fail "could not switch the server to udp6"
w_start_wardend
w_start_server "$W_NS_SRV"
log="$E2E_DIR/wardend.log"

# client DEVICE NS SERVER_ADDR: laptop/phone profile from source port 40000 (lport
# instead of nobind); sets E2E_PID.
client() {
  w_add_device "$1"
  sed -e 's/^nobind$/lport 40000/' -e "s/^remote fd00:70::1 /remote $3 /" \
    "$E2E_DIR/$1.ovpn" >"$E2E_DIR/$1-v6.ovpn"
  grep -qx 'lport 40000' "$E2E_DIR/$1-v6.ovpn" || e2e_fail "profile of $1 has no nobind to replace"
  w_start_client "$2" "$E2E_DIR/$1-v6.ovpn" "$E2E_DIR/$1.log"
}
client laptop "$ns_a" fd00:70::1
laptop_pid=$E2E_PID
client phone "$ns_b" fd00:71::1
phone_pid=$E2E_PID
e2e_wait_for_log "$E2E_DIR/laptop.log" 'Initialization Sequence Completed' 20 "$laptop_pid" ||
  e2e_fail "laptop did not connect over IPv6"
e2e_wait_for_log "$E2E_DIR/phone.log" 'Initialization Sequence Completed' 20 "$phone_pid" ||
  e2e_fail "phone did not connect over IPv6"
grep -q 'client admitted .*device=laptop address="\?\[fd00:70::2\]:40000' "$log" ||
  e2e_fail "laptop not admitted at [fd00:70::2]:40000: $(grep 'client admitted' "$log")"
e2e_pass "two devices connected over IPv6 from port 40000 on different addresses"

# session list: each with its [v6]:port and its device (status 3 shows no port for IPv6;
# the plugin's session supplies it).
listed() { "$WARDENCTL" --json session list; }
has_session() { listed | grep -q "\"device\":\"$1\"[^}]*\"real_address\":\"\\[$2\\]:40000\""; }
e2e_wait_for "has_session laptop fd00:70::2 && has_session phone fd00:71::2" 10 ||
  e2e_fail "session list lacks [v6]:port per device: $(listed)"
e2e_pass "session list: laptop [fd00:70::2]:40000, phone [fd00:71::2]:40000"

# session kill phone: the phone is told to restart, the laptop's tunnel stays.
"$WARDENCTL" session kill phone >/dev/null || e2e_fail "session kill phone failed"
e2e_wait_for_log "$E2E_DIR/phone.log" 'server-pushed-connection-reset|RESTART' 10 ||
  e2e_fail "phone was not ended by session kill"
grep -q 'ending session .*device=phone .*address="\?\[fd00:71::2\]:40000' "$log" ||
  e2e_fail "wardend did not end the phone's session"
if grep -qE 'server-pushed-connection-reset|RESTART' "$E2E_DIR/laptop.log"; then
  e2e_fail "session kill phone ended the laptop"
fi
e2e_ping "$ns_a" 10.247.0.1 || e2e_fail "laptop lost its tunnel"
e2e_pass "session kill phone ended the phone only"

# A disconnect over IPv6 is credited to its device.
e2e_ping "$ns_a" 10.247.0.1 >/dev/null || true
e2e_stop "$laptop_pid"
e2e_wait_for_log "$log" 'client disconnected .*device=laptop .*address="?\[fd00:70::2\]:40000' 15 ||
  e2e_fail "laptop's disconnect not credited: $(grep 'client disconnected' "$log" || true)"
line=$(grep 'client disconnected .*device=laptop' "$log" | tail -1)
received=$(printf '%s' "$line" | sed -n 's/.*bytes_received=\([0-9]*\).*/\1/p')
[ "${received:-0}" -gt 0 ] || e2e_fail "laptop's disconnect carried no bytes: $line"
e2e_pass "laptop's IPv6 disconnect credited to laptop ($received bytes received)"

#!/usr/bin/env bash
# warden's spine end to end with the real openvpn binary, each party in its own network
# namespace: a registered device connects, gets its assigned address and pings the
# server; an unregistered certificate is refused; revoking the certificate ends the live
# session within 1 s and the reconnect is refused.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

e2e_require_root_netns --tun
e2e_tmpdir >/dev/null
w_topology wf 10
ns_a="$W_NS_A"
ns_b="$W_NS_B"
w_init "$W_SRV_IP_A" 10.252.0.0/24
w_start_wardend
w_start_server "$W_NS_SRV"

# 1. A registered device connects, gets its address, pings the server.
w_add_device laptop
expected_ip=$(w_vpn_ip laptop)
[ -n "$expected_ip" ] || e2e_fail "no VPN address for laptop"
w_start_client "$ns_a" "$E2E_DIR/laptop.ovpn" "$E2E_DIR/laptop.log"
laptop_pid=$E2E_PID
e2e_wait_for_log "$E2E_DIR/laptop.log" 'Initialization Sequence Completed' 20 "$laptop_pid" ||
  e2e_fail "registered client did not connect"
e2e_wait_for "ip -n '$ns_a' -4 addr show | grep -q 'inet $expected_ip/24'" 5 ||
  e2e_fail "client did not get its assigned address $expected_ip"
e2e_ping "$ns_a" 10.252.0.1 || e2e_fail "client cannot ping the server's VPN address"
e2e_pass "registered device connected with $expected_ip and pinged 10.252.0.1"

# 2. A certificate signed by our CA but not registered is refused.
pki="$W_STATE/pki"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$E2E_DIR/rogue.key" \
  -out "$E2E_DIR/rogue.csr" -subj "/CN=rogue" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' >"$E2E_DIR/rogue.ext"
openssl x509 -req -in "$E2E_DIR/rogue.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
  -set_serial "0x$(openssl rand -hex 12)" -days 2 -extfile "$E2E_DIR/rogue.ext" -out "$E2E_DIR/rogue.crt" 2>/dev/null
sed -e '/<cert>/,/<\/cert>/d' -e '/<key>/,/<\/key>/d' "$E2E_DIR/laptop.ovpn" >"$E2E_DIR/rogue.ovpn"
printf 'cert %s\nkey %s\n' "$E2E_DIR/rogue.crt" "$E2E_DIR/rogue.key" >>"$E2E_DIR/rogue.ovpn"
w_for_client_b "$E2E_DIR/rogue.ovpn"
w_start_client "$ns_b" "$E2E_DIR/rogue.ovpn" "$E2E_DIR/rogue.log"
rogue_pid=$E2E_PID
e2e_wait_for_log "$E2E_DIR/wardend.log" 'client refused .*common_name=rogue .*reason="certificate not registered"' 15 ||
  e2e_fail "unregistered certificate was not refused by wardend"
e2e_wait_for_log "$E2E_DIR/rogue.log" 'AUTH_FAILED' 15 || e2e_fail "unregistered client was not told AUTH_FAILED"
grep -q 'Initialization Sequence Completed' "$E2E_DIR/rogue.log" && e2e_fail "unregistered client completed initialization"
e2e_stop "$rogue_pid"
e2e_pass "unregistered certificate refused"

# 3. Revocation ends the live session within 1 s; the reconnect is refused.
serial=$(w_serial laptop)
[ -n "$serial" ] || e2e_fail "no certificate serial for laptop"
before=$(grep -c 'client disconnected.*device=laptop' "$E2E_DIR/wardend.log" || true)
start_ms=$(_e2e_now_ms)
"$WARDENCTL" cert revoke laptop "$serial" >/dev/null || e2e_fail "cert revoke failed"
e2e_wait_for "[ \$(grep -c 'client disconnected.*device=laptop' '$E2E_DIR/wardend.log') -gt $before ]" 1 ||
  e2e_fail "the revoked device's session was not ended within 1 s"
elapsed=$(($(_e2e_now_ms) - start_ms))
e2e_pass "revoked session ended after ${elapsed} ms"
# OpenVPN's crl-verify dir refuses it in the handshake (issue 11): "VERIFY CRL: ... is revoked".
e2e_wait_for_log "$E2E_DIR/server.log" 'VERIFY CRL: depth=0, CN=laptop, serial=[0-9]+ is revoked' 15 ||
  e2e_fail "the revoked certificate's reconnect was not refused"
e2e_ping "$ns_a" 10.252.0.1 1 2>/dev/null && e2e_fail "revoked client still reaches the server"
e2e_pass "revoked certificate's reconnect refused"

#!/usr/bin/env bash
# Sanity test of the e2e harness, no warden involved: a plain OpenVPN 2.6 server in one
# namespace, one client with a tun device in another, linked by a veth pair; the client
# pings the server's VPN address; then everything is stopped and the namespaces must be
# gone. Needs root; otherwise prints SKIP and exits 77.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

e2e_require_root_netns --tun
e2e_tmpdir >/dev/null
dir="$E2E_DIR"
ns_srv="e2e-plain-srv-$$"
ns_cli="e2e-plain-cli-$$"

e2e_make_test_pki "$dir/pki" 1
e2e_make_ns "$ns_srv"
e2e_make_ns "$ns_cli"
e2e_link "$ns_srv" 10.250.1.1/24 "$ns_cli" 10.250.1.2/24
e2e_ping "$ns_cli" 10.250.1.1 || e2e_fail "veth link between the namespaces does not work"

cat >"$dir/server.conf" <<EOF
mode server
tls-server
dev tun
topology subnet
server 10.251.0.0 255.255.255.0
proto udp
local 10.250.1.1
port 1194
ca $dir/pki/ca.crt
cert $dir/pki/server.crt
key $dir/pki/server.key
dh none
tls-crypt $dir/pki/tls-crypt.key
remote-cert-tls client
management $dir/mgmt.sock unix
keepalive 10 60
disable-dco
verb 3
EOF

cat >"$dir/client.conf" <<EOF
client
dev tun
proto udp
remote 10.250.1.1 1194
nobind
ca $dir/pki/ca.crt
cert $dir/pki/client-1.crt
key $dir/pki/client-1.key
tls-crypt $dir/pki/tls-crypt.key
remote-cert-tls server
connect-retry 1
disable-dco
verb 3
EOF

e2e_start_openvpn "$ns_srv" "$dir/server.conf" "$dir/server.log"
srv_pid=$E2E_PID
e2e_wait_for_log "$dir/server.log" 'Initialization Sequence Completed' 15 "$srv_pid" ||
  e2e_fail "OpenVPN server did not start"
e2e_wait_file "$dir/mgmt.sock" 5 || e2e_fail "management socket not created"
e2e_wait_file "$dir/server.pid" 5 || e2e_fail "server --writepid file not written"
[ "$(cat "$dir/server.pid")" = "$srv_pid" ] || e2e_fail "server pid file does not hold the pid we started"

e2e_start_openvpn "$ns_cli" "$dir/client.conf" "$dir/client.log"
cli_pid=$E2E_PID
e2e_wait_for_log "$dir/client.log" 'Initialization Sequence Completed' 30 "$cli_pid" ||
  e2e_fail "OpenVPN client did not connect"
e2e_wait_for "ip -n '$ns_cli' -4 addr show | grep -q 'inet 10\.251\.0\.'" 5 ||
  e2e_fail "client tun device has no VPN address"

e2e_ping "$ns_cli" 10.251.0.1 || e2e_fail "client cannot ping the server's VPN address 10.251.0.1"
e2e_pass "client in $ns_cli reached 10.251.0.1 through the tunnel"

# The root namespace must not have seen any of it.
if ip -4 addr show 2>/dev/null | grep -qE 'inet 10\.25[01]\.'; then
  e2e_fail "a test address leaked into the root namespace"
fi

e2e_stop "$cli_pid"
e2e_stop "$srv_pid"
e2e_alive "$cli_pid" && e2e_fail "client still running after e2e_stop"
e2e_alive "$srv_pid" && e2e_fail "server still running after e2e_stop"

# Run the cleanup now and check that nothing is left behind.
e2e_cleanup
for ns in "$ns_srv" "$ns_cli"; do
  e2e_ns_exists "$ns" && e2e_fail "namespace $ns still exists after cleanup"
done
[ -d "$dir" ] && e2e_fail "temp dir $dir still exists after cleanup"
e2e_pass "server and client stopped, namespaces and temp dir removed"

#!/usr/bin/env bash
# The plugin inside a real OpenVPN 2.6 server, against fake_wardend.py answering every
# request after 50 ms, so both deferred paths are taken (the budget is 2 ms):
#   client-1 sends a username/password: deferred auth -> '1', deferred connect -> the
#            pushed `ifconfig-push` from the verdict's config, then '1': it connects with
#            that address and pings the server through the tunnel;
#   client-2 has no credentials (auth-user-pass-optional; OpenVPN still calls the auth
#            hook, with an empty username): deferred auth -> '1', deferred connect -> '0':
#            refused with AUTH_FAILED.
# Server and clients run in network namespaces made here, linked by veth pairs; nothing
# leaves them. Needs root, iproute2, /dev/net/tun; otherwise prints SKIP and exits 77.
#
# Usage: real_openvpn_defer.sh PATH/openvpn-plugin-warden.so
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../../e2e/lib.sh
source "$here/../../e2e/lib.sh"

PLUGIN="${1:-${PLUGIN:-}}"
{ [ -n "$PLUGIN" ] && [ -f "$PLUGIN" ]; } || e2e_fail "usage: $0 PATH/openvpn-plugin-warden.so"
command -v python3 >/dev/null 2>&1 || e2e_skip "python3 not installed"
e2e_require_root_netns --tun
e2e_tmpdir >/dev/null
dir="$E2E_DIR"
ns_srv="wpd-srv-$$"
ns_c1="wpd-c1-$$"
ns_c2="wpd-c2-$$"
mkdir -p "$dir/tmp"

e2e_make_test_pki "$dir/pki" 2
e2e_make_ns "$ns_srv"
e2e_make_ns "$ns_c1"
e2e_make_ns "$ns_c2"
e2e_link "$ns_srv" 10.250.0.1/30 "$ns_c1" 10.250.0.2/30
e2e_link "$ns_srv" 10.250.0.5/30 "$ns_c2" 10.250.0.6/30

e2e_start_bg - "$dir/daemon.log" python3 "$here/fake_wardend.py" --socket "$dir/plugin.sock" \
  --delay-ms 50 --deny-connect client-2 --config 'ifconfig-push 10.252.0.77 255.255.255.0\npush "setenv-safe WARDEN {cn}"'
e2e_wait_file "$dir/plugin.sock" 5 || e2e_fail "fake daemon did not start"

cat >"$dir/server.conf" <<EOF
mode server
tls-server
dev tun
topology subnet
server 10.252.0.0 255.255.255.0
proto udp
port 1194
ca $dir/pki/ca.crt
cert $dir/pki/server.crt
key $dir/pki/server.key
dh none
tls-crypt $dir/pki/tls-crypt.key
remote-cert-tls client
auth-user-pass-optional
plugin $PLUGIN socket=$dir/plugin.sock budget_ms=2 timeout_s=10
tmp-dir $dir/tmp
keepalive 10 60
disable-dco
verb 4
EOF

client_conf() { # N REMOTE [extra line]
  cat <<EOF
client
dev tun
proto udp
remote $2 1194
nobind
ca $dir/pki/ca.crt
cert $dir/pki/client-$1.crt
key $dir/pki/client-$1.key
tls-crypt $dir/pki/tls-crypt.key
remote-cert-tls server
connect-retry 1
explicit-exit-notify 1
disable-dco
verb 3
${3:-}
EOF
}
printf 'user-1\n123456\n' >"$dir/creds"
chmod 600 "$dir/creds"
client_conf 1 10.250.0.1 "auth-user-pass $dir/creds" >"$dir/client-1.conf"
client_conf 2 10.250.0.5 >"$dir/client-2.conf"

e2e_start_openvpn "$ns_srv" "$dir/server.conf" "$dir/server.log"
srv=$E2E_PID
e2e_wait_for_log "$dir/server.log" 'Initialization Sequence Completed' 15 "$srv" || e2e_fail "server did not start"
e2e_wait_for_log "$dir/daemon.log" 'recv 1 0' 5 || e2e_fail "plugin did not say Hello to the daemon"

t0=$(_e2e_now_ms)
e2e_start_openvpn "$ns_c1" "$dir/client-1.conf" "$dir/client-1.log"
c1=$E2E_PID
e2e_wait_for_log "$dir/client-1.log" 'Initialization Sequence Completed' 30 "$c1" || e2e_fail "client-1 did not connect"
t1=$(_e2e_now_ms)
e2e_wait_for "ip -n '$ns_c1' -4 addr show | grep -q 'inet 10\.252\.0\.77/24'" 5 ||
  e2e_fail "client-1 did not get the pushed ifconfig-push address 10.252.0.77"
e2e_ping "$ns_c1" 10.252.0.1 || e2e_fail "client-1 cannot reach the server through the tunnel"
grep -q 'PLUGIN_CALL: POST .*PLUGIN_AUTH_USER_PASS_VERIFY status=2' "$dir/server.log" ||
  e2e_fail "auth was not deferred (expected status=2 in the server log)"
grep -q 'PLUGIN_CALL: POST .*PLUGIN_CLIENT_CONNECT status=2' "$dir/server.log" ||
  e2e_fail "client-connect was not deferred (expected status=2 in the server log)"
e2e_pass "client-1: deferred auth and connect, got 10.252.0.77, tunnel works ($((t1 - t0)) ms to connect)"

# The certificate's notAfter, read by the plugin at TLS verification into OpenVPN's
# per-client context, reached the daemon with that client's Auth and Connect.
not_after=$(date -u -d "$(openssl x509 -in "$dir/pki/client-1.crt" -noout -enddate | cut -d= -f2)" +%s)
for type in 2 3; do
  grep -q "recv $type [0-9]* cn=client-1 .* cert_not_after=$not_after\$" "$dir/daemon.log" ||
    e2e_fail "message type $type of client-1 lacks cert_not_after=$not_after"
done
e2e_pass "client-1: Auth and Connect carried the certificate's not-after ($not_after)"

e2e_start_openvpn "$ns_c2" "$dir/client-2.conf" "$dir/client-2.log"
c2=$E2E_PID
e2e_wait_for_log "$dir/client-2.log" 'AUTH_FAILED' 30 "$c2" || e2e_fail "client-2 was not refused"
if grep -q 'Initialization Sequence Completed' "$dir/client-2.log"; then
  e2e_fail "client-2 was admitted despite a deferred '0'"
fi
grep -q "recv 3 [0-9]* cn=client-2" "$dir/daemon.log" || e2e_fail "client-2 was refused before its connect request"
e2e_pass "client-2: deferred connect '0' refused it (AUTH_FAILED)"

e2e_stop "$c1" 5
e2e_wait_for_log "$dir/daemon.log" 'recv 4 0 cn=client-1' 10 || e2e_fail "no Disconnect for client-1 reached the daemon"
e2e_pass "Disconnect for client-1 reached the daemon"

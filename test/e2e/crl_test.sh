#!/usr/bin/env bash
# The CRL keeper and the server certificate end to end (issue 9, "time bombs"), with real
# OpenVPN in namespaces. OpenVPN checks the CRL's nextUpdate against the REAL clock, so the
# server runs under libfaketime with an offset read from a file the test rewrites.
# server.conf is switched back to `crl-verify pki/crl.pem`, the line installs made before
# issue 11 keep (new ones read pki/revoked, `crl-verify DIR dir`, which has no nextUpdate):
# wardend keeps crl.pem for them and for other tools.
#  0. pki/revoked (issue 11): a revocation's file exists when `cert revoke` returns; the
#     folder deleted comes back within 5 s, a file deleted within 12 s (the recheck), a
#     stray serial name goes;
#  1. crl.pem deleted while wardend runs: rewritten within 5 s;
#  2. replaced by a CRL of another CA (same CA name): rewritten within 5 s; a re-sign
#     that fails shows as an alarm in `status` and is retried;
#  3. OpenVPN 40 days ahead refuses clients with the CRL signed today ("CRL has expired");
#     once wardend's clock is 40 days ahead too (`testing clock`), the CRL is re-signed
#     within 5 s and a client connects again;
#  4. `status` shows the CRL's nextUpdate and health and the certificates' expiry;
#  5. `pki renew-server` + `vpn restart`: OpenVPN serves the new certificate.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

e2e_require_root_netns --tun
faketime_lib=""
for f in /usr/lib/*/faketime/libfaketime.so.1; do [ -e "$f" ] && faketime_lib="$f" && break; done
[ -n "$faketime_lib" ] || e2e_skip "libfaketime not installed (Debian package faketime)"
# Sanitizer builds preload their runtimes into openvpn (the plugin is instrumented); with
# libfaketime beside them openvpn hangs at start. The default build runs this test.
[ -z "${E2E_OPENVPN_PRELOAD:-}" ] || e2e_skip "libfaketime and the sanitizer runtimes cannot share openvpn"
command -v openssl >/dev/null || e2e_skip "openssl not installed"
e2e_tmpdir >/dev/null
w_topology crl 60
ns_a="$W_NS_A"
w_init "$W_SRV_IP_A" 10.254.0.0/24
printf '\n[testing]\nclock_control = true\n' >>"$W_STATE/wardend.conf"
w_start_wardend
ctl() { "$WARDENCTL" "$@"; }
crl="$W_STATE/pki/crl.pem"
ca="$W_STATE/pki/ca.crt"

# OpenVPN's wall clock is the real one plus the offset in $fake_offset (libfaketime reads
# the file on every call). Its monotonic clock stays real: timeouts keep their length.
fake_offset="$E2E_DIR/faketime-offset"
echo "+0" >"$fake_offset"
sed -i "s|^crl-verify .*|crl-verify $W_STATE/pki/crl.pem|" "$W_STATE/server.conf"
grep -qx "crl-verify $W_STATE/pki/crl.pem" "$W_STATE/server.conf" || e2e_fail "server.conf has no crl-verify line to switch"
e2e_start_bg "$W_NS_SRV" "$E2E_DIR/server.log" env LD_PRELOAD="$faketime_lib" \
  FAKETIME_TIMESTAMP_FILE="$fake_offset" FAKETIME_NO_CACHE=1 DONT_FAKE_MONOTONIC=1 \
  "$E2E_OPENVPN" --config "$W_STATE/server.conf" --writepid "$E2E_DIR/server.pid" --disable-dco
server_pid=$E2E_PID
e2e_wait_for_log "$E2E_DIR/server.log" 'Initialization Sequence Completed' 15 "$server_pid" ||
  e2e_fail "OpenVPN server did not start"

# crl_verified: crl.pem exists and verifies against our CA (`openssl crl` exits 0 either
# way; only its message tells).
crl_verified() {
  local out
  out=$(openssl crl -in "$crl" -CAfile "$ca" -noout 2>&1) || return 1
  [ "$out" = "verify OK" ]
}
# crl_time FIELD: lastupdate or nextupdate of crl.pem in Unix seconds.
crl_time() {
  local line
  line=$(openssl crl -in "$crl" -noout "-$1") || return 1
  date -u -d "${line#*=}" +%s
}
resigns() { grep -c "crl re-signed reason=$1 " "$E2E_DIR/wardend.log" || true; }
connects() {  # connects NAME LOG: the client in namespace A completes its handshake
  w_start_client "$ns_a" "$E2E_DIR/$1.ovpn" "$E2E_DIR/$2"
  client_pid=$E2E_PID
  e2e_wait_for_log "$E2E_DIR/$2" 'Initialization Sequence Completed' 20 "$client_pid"
}

w_add_device laptop
connects laptop laptop1.log || e2e_fail "laptop did not connect with the CRL of wardend init"
e2e_stop "$client_pid"
crl_verified || e2e_fail "the CRL after start does not verify against ca.crt"

# 0. pki/revoked, which new installs' OpenVPN reads (`crl-verify DIR dir`, issue 11).
revoked_dir="$W_STATE/pki/revoked"
[ "$(stat -c %a "$revoked_dir")" = 755 ] || e2e_fail "pki/revoked is not mode 0755"
w_add_device gone
gone_serial=$(w_serial gone)
gone_file=$(w_revoked_file "$gone_serial")
ctl cert revoke gone "$gone_serial" >/dev/null || e2e_fail "cert revoke failed"
[ -f "$gone_file" ] || e2e_fail "no $gone_file when cert revoke returned"
[ "$(stat -c %a:%s "$gone_file")" = 644:0 ] || e2e_fail "$gone_file is not an empty 0644 file"
start_ms=$(_e2e_now_ms)
rm -rf "$revoked_dir"
e2e_wait_for "[ -f '$gone_file' ]" 5 || e2e_fail "the deleted folder did not come back within 5 s"
folder_ms=$(($(_e2e_now_ms) - start_ms))
[ "$(stat -c %a "$revoked_dir")" = 755 ] || e2e_fail "the recreated pki/revoked is not mode 0755"
start_ms=$(_e2e_now_ms)
rm -f "$gone_file"
touch "$revoked_dir/12345" "$revoked_dir/notes"
e2e_wait_for "[ -f '$gone_file' ] && [ ! -e '$revoked_dir/12345' ]" 12 ||
  e2e_fail "a deleted file did not come back (or a stray one did not go) within 12 s"
file_ms=$(($(_e2e_now_ms) - start_ms))
[ -f "$revoked_dir/notes" ] || e2e_fail "a name that is no serial was removed"
e2e_pass "pki/revoked: written before cert revoke returns; deleted folder back after ${folder_ms} ms, deleted file after ${file_ms} ms"

# 1. Deleted while running: rewritten within 5 s.
start_ms=$(_e2e_now_ms)
rm -f "$crl"
e2e_wait_for crl_verified 5 || e2e_fail "crl.pem was not rewritten within 5 s after rm"
elapsed=$(($(_e2e_now_ms) - start_ms))
[ "$(resigns missing)" -ge 1 ] || e2e_fail "no 'crl re-signed reason=missing' in the log"
e2e_pass "deleted crl.pem rewritten after ${elapsed} ms: $(openssl crl -in "$crl" -noout -nextupdate)"

# 2. Replaced by a CRL of another CA with the same name: rewritten within 5 s.
"$WARDEND" init --dir "$E2E_DIR/other" --remote 192.0.2.1 --pool 10.99.0.0/24 \
  --plugin "$PLUGIN" >/dev/null || e2e_fail "wardend init of the other CA failed"
cp "$E2E_DIR/other/pki/crl.pem" "$crl.foreign"
start_ms=$(_e2e_now_ms)
mv "$crl.foreign" "$crl"
e2e_wait_for crl_verified 5 || e2e_fail "a CRL of another CA was not replaced within 5 s"
elapsed=$(($(_e2e_now_ms) - start_ms))
[ "$(resigns foreign)" -ge 1 ] || e2e_fail "no 'crl re-signed reason=foreign' in the log"
e2e_pass "a CRL of another CA was replaced after ${elapsed} ms"

# 2b. A re-sign that fails raises the alarm `status` shows, and is retried. The write is made
#     to fail by a folder in the way of its temporary file (crl.pem.tmp.PID): root ignores
#     file modes.
status_says() {
  local out
  out=$(ctl --json status) || return 1
  grep -q "$1" <<<"$out"
}
mkdir "$crl.tmp.$W_WARDEND_PID"
rm -f "$crl"
e2e_wait_for "status_says '\"crl_health\":\"alarm\"'" 5 || e2e_fail "status shows no CRL alarm: $(ctl status)"
e2e_wait_for_log "$E2E_DIR/wardend.log" 'error crl re-sign failed reason=missing error=' 1 ||
  e2e_fail "the failed re-sign is not logged as an error"
rmdir "$crl.tmp.$W_WARDEND_PID"
e2e_wait_for crl_verified 10 || e2e_fail "the CRL was not written once the write worked again"
e2e_wait_for "status_says '\"crl_health\":\"ok\"'" 2 || e2e_fail "the CRL alarm did not clear: $(ctl status)"
e2e_pass "a failed re-sign shows as crl_health alarm in status and is retried until it works"

# 3. 40 days later. First OpenVPN alone moves: today's CRL has expired for it, every
#    client is refused (so this test would fail if the CRL were not re-signed).
day=86400
echo "+40d" >"$fake_offset"
w_start_client "$ns_a" "$E2E_DIR/laptop.ovpn" "$E2E_DIR/laptop2.log"
client_pid=$E2E_PID
e2e_wait_for_log "$E2E_DIR/server.log" 'CRL has expired' 20 ||
  e2e_fail "OpenVPN 40 days ahead did not refuse the client with the old CRL"
e2e_stop "$client_pid"
e2e_pass "OpenVPN 40 days ahead refuses clients with the CRL signed 40 days earlier"

# Now wardend's clock moves too: the keeper re-signs within 5 s (the clock jump re-checks).
real_now=$(date +%s)
ctl testing clock --advance $((40 * day)) >/dev/null || e2e_fail "testing clock failed"
e2e_wait_for "[ \"\$(crl_time lastupdate)\" -ge $((real_now + 40 * day)) ]" 5 ||
  e2e_fail "the CRL was not re-signed after the clock moved 40 days: $(openssl crl -in "$crl" -noout -lastupdate -nextupdate)"
last=$(crl_time lastupdate)
next=$(crl_time nextupdate)
[ "$next" -eq $((last + 30 * day)) ] || e2e_fail "nextUpdate is not lastUpdate + 30 days ($last, $next)"
crl_verified || e2e_fail "the re-signed CRL does not verify against ca.crt"
[ "$(resigns expired)" -ge 1 ] || e2e_fail "no 'crl re-signed reason=expired' in the log"
connects laptop laptop3.log || e2e_fail "40 days later the laptop could not connect"
e2e_ping "$ns_a" 10.254.0.1 || e2e_fail "no ping through the tunnel 40 days later"
e2e_stop "$client_pid"
e2e_pass "40 days later: CRL re-signed ($(openssl crl -in "$crl" -noout -lastupdate -nextupdate | tr '\n' ' ')) and clients connect"

# 4. status shows the CRL and the certificates' expiry.
status=$(ctl --json status)
grep -q '"crl_health":"ok"' <<<"$status" || e2e_fail "status: CRL health not ok: $status"
expected_next=$(date -u -d "@$next" +%Y-%m-%dT%H:%M:%SZ)
grep -q "\"crl_next_update\":\"$expected_next\"" <<<"$status" ||
  e2e_fail "status does not show the CRL's nextUpdate $expected_next: $status"
server_expires=$(date -u -d "$(openssl x509 -in "$W_STATE/pki/server.crt" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
grep -q "\"server_cert_expires\":\"$server_expires\"" <<<"$status" ||
  e2e_fail "status does not show the server certificate's expiry $server_expires: $status"
grep -q '"ca_expires":"20[0-9-]*T[0-9:]*Z"' <<<"$status" || e2e_fail "status lacks ca_expires: $status"
grep -q '"pki_expiry_warning":false' <<<"$status" || e2e_fail "status warns about expiry: $status"
e2e_pass "status shows the CRL nextUpdate $expected_next (ok) and the server certificate's expiry"

# 5. A new server certificate, served after `vpn restart`. A tls-verify hook in the client
#    records the serial of the certificate the server presents.
cert_serial() {
  openssl x509 -in "$W_STATE/pki/server.crt" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//'
}
old_serial=$(cert_serial)
out=$(ctl pki renew-server) || e2e_fail "pki renew-server failed"
grep -q 'wardenctl vpn restart' <<<"$out" || e2e_fail "renew-server does not mention vpn restart: $out"
new_serial=$(cert_serial)
[ "$new_serial" != "$old_serial" ] || e2e_fail "server.crt has the same serial after renew-server"
[ "$(stat -c %a "$W_STATE/pki/server.key")" = 600 ] || e2e_fail "server.key is not mode 0600"
[ "$(openssl x509 -in "$W_STATE/pki/server.crt" -noout -pubkey)" = "$(openssl pkey -in "$W_STATE/pki/server.key" -pubout)" ] ||
  e2e_fail "server.key does not belong to server.crt"
openssl verify -CAfile "$ca" "$W_STATE/pki/server.crt" >/dev/null || e2e_fail "the new server.crt does not verify"
ctl --json log activity | grep -q '"action":"pki.renew-server"' || e2e_fail "renew-server is not in the activity log"
ctl vpn restart >/dev/null || e2e_fail "vpn restart failed"
e2e_wait_for_log "$E2E_DIR/server.log" 'SIGHUP\[hard,\] received, process restarting' 5 ||
  e2e_fail "OpenVPN did not restart"
e2e_wait_for "[ \$(grep -c 'Initialization Sequence Completed' '$E2E_DIR/server.log') -ge 2 ]" 15 ||
  e2e_fail "OpenVPN did not come back after the restart"
hook="$E2E_DIR/record-serial.sh"
# shellcheck disable=SC2016 # the hook expands $1 and $tls_serial_hex_0, not this shell
printf '#!/bin/sh\n[ "$1" = 0 ] && echo "$tls_serial_hex_0" >>%s\nexit 0\n' "$E2E_DIR/served-serial" >"$hook"
chmod 755 "$hook"
w_start_client "$ns_a" "$E2E_DIR/laptop.ovpn" "$E2E_DIR/laptop4.log" --script-security 2 --tls-verify "$hook"
client_pid=$E2E_PID
e2e_wait_for_log "$E2E_DIR/laptop4.log" 'Initialization Sequence Completed' 20 "$client_pid" ||
  e2e_fail "the laptop did not connect to the renewed server certificate"
served=$(tail -1 "$E2E_DIR/served-serial" | tr -d ':' | tr 'A-F' 'a-f' | sed 's/^0*//')
[ "$served" = "$new_serial" ] || e2e_fail "OpenVPN serves serial $served, expected the new $new_serial"
e2e_pass "renew-server: new serial $new_serial served after vpn restart; clients connect"

#!/usr/bin/env bash
# Enrollment by fingerprint end to end (issue 11, SPEC §5), with real OpenVPN and
# certificates of a second CA made here with openssl:
#  1. `enroll ca add` + `vpn restart`: OpenVPN trusts the vendor CA; warden's own device
#     keeps connecting throughout;
#  2. a vendor certificate is refused and listed as pending with the fingerprint
#     `openssl x509 -fingerprint -sha256` prints, its serial, subject, not-after, IV_VER;
#     after `pending accept` it connects on its next retry with its VPN IP;
#  3. a second one is rejected: retries are refused silently (no log line, a counter);
#     `rejected clear` makes it pending again;
#  4. `device reset-auth` makes the first pending again; accepted again, revoking its
#     serial ends its session within 1 s;
#  5. a certificate of a CA that is not listed never gets past TLS, never pending;
#  6. revoking warden's own device still ends its session and keeps it out;
#  7. [enroll] min_client_version above the installed OpenVPN: "update required".
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

e2e_require_root_netns --tun
command -v openssl >/dev/null || e2e_skip "openssl not installed"
e2e_tmpdir >/dev/null
w_topology en 70
w_init "$W_SRV_IP_A" 10.245.0.0/24
ctl() { "$WARDENCTL" "$@"; }
log="$E2E_DIR/wardend.log"
count() { grep -cE -- "$1" "$log" || true; }
w_start_wardend
w_start_server "$W_NS_SRV"

# --- certificates: a vendor CA (listed later), a stranger CA (never listed) ---------------
pki="$E2E_DIR/vendor"
mkdir -p "$pki"
make_ca() {  # make_ca NAME
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/O=Vendor $1/CN=$1 CA" -keyout "$pki/$1-ca.key" -out "$pki/$1-ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null || e2e_fail "openssl: CA $1"
}
make_client() {  # make_client CA NAME SERIAL
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=Vendor $1/CN=$2" \
    -keyout "$pki/$2.key" -out "$pki/$2.csr" 2>/dev/null || e2e_fail "openssl: key $2"
  printf 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n' >"$pki/client.ext"
  openssl x509 -req -in "$pki/$2.csr" -CA "$pki/$1-ca.crt" -CAkey "$pki/$1-ca.key" \
    -set_serial "$3" -days 20 -extfile "$pki/client.ext" -out "$pki/$2.crt" 2>/dev/null ||
    e2e_fail "openssl: certificate $2"
}
make_ca vendor
make_ca stranger
make_client vendor station1 4097
make_client vendor station2 4098
make_client vendor station3 4099
make_client stranger intruder 4100
fingerprint() { openssl x509 -in "$pki/$1.crt" -noout -fingerprint -sha256 | sed 's/^.*=//'; }

# Profiles: warden's own export with another certificate and key in it. They retry after
# a refusal (auth-retry) every second or two, as a device in the field would.
w_add_device own1
profile() {  # profile NAME: $E2E_DIR/NAME.ovpn with NAME's vendor certificate
  awk -v crt="$pki/$1.crt" -v key="$pki/$1.key" '
    /^<cert>/ { print; while ((getline l < crt) > 0) print l; skip = 1; next }
    /^<key>/  { print; while ((getline l < key) > 0) print l; skip = 1; next }
    /^<\/(cert|key)>/ { skip = 0 }
    !skip' "$E2E_DIR/own1.ovpn" >"$E2E_DIR/$1.ovpn"
  printf 'auth-retry nointeract\nconnect-retry 1 2\n' >>"$E2E_DIR/$1.ovpn"
}
for c in station1 station2 station3 intruder; do profile "$c"; done
w_for_client_b "$E2E_DIR/own1.ovpn"  # own1 runs in namespace B
start() {  # start NAME NS: sets PID_<NAME>
  w_start_client "$2" "$E2E_DIR/$1.ovpn" "$E2E_DIR/$1.log"
  eval "PID_$1=$E2E_PID"
}
pending_json() { ctl --json pending list; }

# --- 1. the vendor CA, OpenVPN restarted; warden's own device connects ---------------------
start own1 "$W_NS_B"
e2e_wait_for_log "$log" 'client admitted .*device=own1' 20 || e2e_fail "own1 did not connect"
ctl enroll ca add vendor "$pki/vendor-ca.crt" >"$E2E_DIR/ca-add.out" || e2e_fail "enroll ca add failed"
grep -q 'vpn restart' "$E2E_DIR/ca-add.out" || e2e_fail "enroll ca add does not say OpenVPN needs a restart"
grep -q "$(fingerprint vendor-ca)" "$W_STATE/pki/ca-bundle.pem" 2>/dev/null ||
  openssl crl2pkcs7 -nocrl -certfile "$W_STATE/pki/ca-bundle.pem" | openssl pkcs7 -print_certs -noout |
  grep -q "CN = vendor CA" || e2e_fail "the CA bundle does not hold the vendor CA"
ctl --json enroll ca list | grep -q '"name":"vendor"' || e2e_fail "enroll ca list misses vendor"
admitted_own1=$(count 'client admitted .*device=own1')
ctl vpn restart >/dev/null || e2e_fail "vpn restart failed"
e2e_wait_for "[ \$(grep -c 'Initialization Sequence Completed' '$E2E_DIR/server.log') -ge 2 ]" 20 ||
  e2e_fail "OpenVPN did not restart"
e2e_wait_for "[ \$(count 'client admitted .*device=own1') -gt $admitted_own1 ]" 30 ||
  e2e_fail "own1 did not reconnect after the restart"
e2e_pass "enroll ca add + vpn restart: OpenVPN trusts the vendor CA; own1 reconnected"

# --- 2. pending, then accepted ----------------------------------------------------------------
fp1=$(fingerprint station1)
start station1 "$W_NS_A"
e2e_wait_for "pending_json | grep -q '$fp1'" 20 || e2e_fail "station1 is not pending"
row=$(pending_json | tr '{' '\n' | grep "$fp1")
for want in '"serial":"1001"' '"common_name":"station1"' '"state":"pending"' '"ca":"vendor"' \
  '"subject":"[^"]*CN=station1' '"issuer":"[^"]*CN=vendor CA' '"client_version":"2\.[0-9]'; do
  printf '%s' "$row" | grep -q -- "$want" || e2e_fail "pending row lacks $want: $row"
done
not_after=$(openssl x509 -in "$pki/station1.crt" -noout -enddate | sed 's/^notAfter=//')
want_after=$(date -u -d "$not_after" +%Y-%m-%dT%H:%M:%SZ)
printf '%s' "$row" | grep -q "\"not_after\":\"$want_after\"" || e2e_fail "not_after is not $want_after: $row"
grep -q 'client refused .*reason="pending authorization"' "$log" || e2e_fail "no refusal logged"
e2e_wait_for "pending_json | grep -q '\"attempts\":[2-9]'" 15 || e2e_fail "retries are not counted"
e2e_pass "station1 pending with openssl's fingerprint $fp1"

ctl pending accept "$fp1" --name station1 --group default >/dev/null || e2e_fail "pending accept failed"
e2e_wait_for_log "$log" 'client admitted .*device=station1' 20 "$PID_station1" ||
  e2e_fail "station1 did not connect after accept"
ip1=$(w_vpn_ip station1)
e2e_wait_for_log "$E2E_DIR/station1.log" "$ip1" 10 || e2e_fail "station1 did not get $ip1"
pending_json | grep -q "$fp1" && e2e_fail "station1 still pending after accept"
e2e_pass "accepted: station1 connected on its next retry with $ip1"

# --- 3. rejected: silent, counted; cleared: pending again ---------------------------------------
fp2=$(fingerprint station2)
start station2 "$W_NS_A"
e2e_wait_for "pending_json | grep -q '$fp2'" 20 || e2e_fail "station2 is not pending"
ctl pending reject "$fp2" >/dev/null || e2e_fail "pending reject failed"
refusals=$(count 'client refused .*common_name=station2')
attempts() { ctl --json rejected list | tr '{' '\n' | grep "$fp2" | sed -n 's/.*"attempts":\([0-9]*\).*/\1/p'; }
e2e_wait_for "[ \"\$(attempts)\" -ge 2 ]" 20 || e2e_fail "rejected retries are not counted"
[ "$(count 'client refused .*common_name=station2')" -eq "$refusals" ] ||
  e2e_fail "a rejected certificate's attempts are logged"
pending_json | grep -q "$fp2" && e2e_fail "a rejected certificate is pending"
e2e_pass "rejected: $(attempts) retries refused silently, only counted"
ctl rejected clear "$fp2" >/dev/null || e2e_fail "rejected clear failed"
e2e_wait_for "pending_json | grep -q '$fp2'" 20 || e2e_fail "station2 is not pending again after clear"
e2e_stop "$PID_station2"
e2e_pass "rejected clear: station2 pending again on its next attempt"

# --- 4. reset-auth, accept again, revoke by serial ----------------------------------------------
ctl device reset-auth station1 >/dev/null || e2e_fail "device reset-auth failed"
e2e_wait_for "pending_json | grep -q '$fp1'" 20 || e2e_fail "station1 is not pending after reset-auth"
ctl pending accept "$fp1" --device station1 >/dev/null || e2e_fail "pending accept --device failed"
admitted=$(count 'client admitted .*device=station1')
e2e_wait_for "[ \$(count 'client admitted .*device=station1') -gt $admitted ]" 20 ||
  e2e_fail "station1 did not connect after the second accept"
ended=$(count 'client disconnected.*device=station1')
start_ms=$(_e2e_now_ms)
ctl cert revoke station1 1001 >/dev/null || e2e_fail "cert revoke failed"
e2e_wait_for "[ \$(count 'client disconnected.*device=station1') -gt $ended ]" 1 ||
  e2e_fail "revoking station1 did not end its session within 1 s"
e2e_pass "reset-auth made station1 pending; revoked, its session ended after $(($(_e2e_now_ms) - start_ms)) ms"
e2e_stop "$PID_station1"

# --- 5. a CA that is not listed -------------------------------------------------------------------
start intruder "$W_NS_A"
e2e_wait_for_log "$E2E_DIR/server.log" 'VERIFY ERROR.*CN=intruder' 20 ||
  e2e_fail "OpenVPN did not refuse the stranger's certificate at TLS"
e2e_stop "$PID_intruder"
grep -q 'intruder' "$log" && e2e_fail "wardend heard of the stranger's certificate"
pending_json | grep -q 'intruder' && e2e_fail "the stranger's certificate is pending"
e2e_pass "a certificate of an unlisted CA never got past TLS"

# --- 6. warden's own device: still connected; revoked, out -----------------------------------------
own_ended=$(count 'client disconnected.*device=own1')
ctl cert revoke own1 "$(w_serial own1)" >/dev/null || e2e_fail "cert revoke own1 failed"
e2e_wait_for "[ \$(count 'client disconnected.*device=own1') -gt $own_ended ]" 1 ||
  e2e_fail "revoking own1 did not end its session within 1 s"
e2e_stop "$PID_own1"
e2e_pass "warden's own device connected throughout; revoked, its session ended"

# --- 7. update required -----------------------------------------------------------------------------
e2e_stop "$W_WARDEND_PID"
sed -i 's/^# min_client_version = .*/min_client_version = "2.7"/' "$W_STATE/wardend.conf"
grep -q '^min_client_version = "2.7"' "$W_STATE/wardend.conf" || e2e_fail "wardend.conf has no [enroll] to edit"
w_start_wardend
fp3=$(fingerprint station3)
start station3 "$W_NS_A"
e2e_wait_for "pending_json | tr '{' '\n' | grep '$fp3' | grep -q '\"state\":\"update-required\"'" 30 ||
  e2e_fail "station3 is not listed as update-required"
grep -q 'client refused .*common_name=station3 .*reason="update required"' "$E2E_DIR/wardend.log" ||
  e2e_fail "station3 was not refused with \"update required\""
ctl pending accept "$fp3" --name station3 >/dev/null 2>&1 && e2e_fail "an update-required certificate was accepted"
e2e_stop "$PID_station3"
e2e_pass "a client below min_client_version: \"update required\", shown so in pending list"

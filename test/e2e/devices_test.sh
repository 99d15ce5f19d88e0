#!/usr/bin/env bash
# Device lifecycle end to end with the real openvpn binary, in network namespaces:
#  1. deactivate ends a live session within 1 s and the reconnect is refused with the
#     reason "device deactivated"; activate lets the client connect again;
#  2. revoking the certificate ends the live session within 1 s and the reconnect is
#     refused by OpenVPN itself: `crl-verify DIR dir` finds the serial's file in
#     pki/revoked, which exists before `cert revoke` returns (issue 11);
#  3. a profile exported with a key password carries an encrypted key: openvpn connects
#     with the right password (--askpass FILE) and cannot load the key with a wrong one.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

e2e_require_root_netns --tun
e2e_tmpdir >/dev/null
w_topology wd 40
ns_a="$W_NS_A"
ns_b="$W_NS_B"
w_init "$W_SRV_IP_A" 10.249.0.0/24
w_start_wardend
w_start_server "$W_NS_SRV"
log="$E2E_DIR/wardend.log"

# disconnects COUNT_BEFORE: true once wardend logged more disconnects of laptop.
disconnects() { grep -c 'client disconnected.*device=laptop' "$log" || true; }

# connect_laptop LOGNAME: start the laptop's client in A, wait until it is up and pings.
connect_laptop() {
  w_start_client "$ns_a" "$E2E_DIR/laptop.ovpn" "$E2E_DIR/$1.log"
  laptop_pid=$E2E_PID
  e2e_wait_for_log "$E2E_DIR/$1.log" 'Initialization Sequence Completed' 20 "$laptop_pid" ||
    e2e_fail "laptop did not connect ($1)"
  e2e_ping "$ns_a" 10.249.0.1 || e2e_fail "laptop cannot ping the server's VPN address ($1)"
}

# ended_within_1s COMMAND...: run COMMAND, wait up to 1 s for wardend to log the laptop's
# disconnect; prints the measured milliseconds.
ended_within_1s() {
  local before start
  before=$(disconnects)
  start=$(_e2e_now_ms)
  "$@" >/dev/null || e2e_fail "$* failed"
  e2e_wait_for "[ \$(disconnects) -gt $before ]" 1 ||
    e2e_fail "the session was not ended within 1 s of: $*"
  echo $(($(_e2e_now_ms) - start))
}

w_add_device laptop
connect_laptop laptop1

# 1. Deactivate, then activate.
ms=$(ended_within_1s "$WARDENCTL" device deactivate laptop)
e2e_pass "deactivate ended the live session after ${ms} ms"
e2e_wait_for_log "$log" 'client refused .*common_name=laptop .*reason="device deactivated"' 15 ||
  e2e_fail "the deactivated device's reconnect was not refused"
"$WARDENCTL" --json device show laptop | grep -q '"state":"deactivated"' ||
  e2e_fail "device show does not say deactivated"
e2e_stop "$laptop_pid"
e2e_pass "the deactivated device's reconnect was refused (device deactivated)"
"$WARDENCTL" device activate laptop >/dev/null || e2e_fail "device activate failed"
connect_laptop laptop2
e2e_pass "after activate the laptop connects and pings again"

# 2. Revoke the certificate the live session uses.
serial=$(w_serial laptop)
[ -n "$serial" ] || e2e_fail "no certificate serial for laptop"
admitted=$(grep -c 'client admitted.*device=laptop' "$log" || true)
ms=$(ended_within_1s "$WARDENCTL" cert revoke laptop "$serial")
e2e_pass "revoke ended the live session after ${ms} ms"
revoked_file=$(w_revoked_file "$serial")
[ -f "$revoked_file" ] || e2e_fail "no $revoked_file after cert revoke returned"
# OpenVPN's line: "VERIFY CRL: depth=0, CN=laptop, serial=DECIMAL is revoked".
e2e_wait_for_log "$E2E_DIR/server.log" "VERIFY CRL: depth=0, CN=laptop, serial=${revoked_file##*/} is revoked" 15 ||
  e2e_fail "OpenVPN's crl-verify dir did not refuse the revoked certificate's reconnect"
[ "$(grep -c 'client admitted.*device=laptop' "$log" || true)" -eq "$admitted" ] ||
  e2e_fail "the revoked certificate was admitted again"
e2e_ping "$ns_a" 10.249.0.1 1 2>/dev/null && e2e_fail "the revoked client still reaches the server"
e2e_stop "$laptop_pid"
e2e_pass "the revoked certificate's reconnect was refused by OpenVPN (pki/revoked/${revoked_file##*/})"

# 3. Key password: the exported key is encrypted; openvpn needs the password.
printf 'correct horse battery\n' >"$E2E_DIR/keyed.pw"
printf 'wrong horse battery\n' >"$E2E_DIR/wrong.pw"
"$WARDENCTL" device add keyed --type pc --key-password-file "$E2E_DIR/keyed.pw" >/dev/null ||
  e2e_fail "device add with a key password failed"
"$WARDENCTL" device export keyed -o "$E2E_DIR/keyed.ovpn" || e2e_fail "export keyed failed"
grep -q 'BEGIN ENCRYPTED PRIVATE KEY' "$E2E_DIR/keyed.ovpn" || e2e_fail "the exported key is not encrypted"
grep -q 'correct horse' "$E2E_DIR/keyed.ovpn" "$log" && e2e_fail "the key password leaked"
"$WARDENCTL" --json device show keyed | grep -q '"key_password":"set"' ||
  e2e_fail "device show does not say a key password is set"
w_for_client_b "$E2E_DIR/keyed.ovpn"
w_start_client "$ns_b" "$E2E_DIR/keyed.ovpn" "$E2E_DIR/keyed-wrong.log" --askpass "$E2E_DIR/wrong.pw"
wrong_pid=$E2E_PID
e2e_wait_for_log "$E2E_DIR/keyed-wrong.log" 'Private key password verification failed|Cannot load private key' 15 ||
  e2e_fail "openvpn did not refuse a wrong key password"
grep -q 'Initialization Sequence Completed' "$E2E_DIR/keyed-wrong.log" &&
  e2e_fail "a wrong key password connected"
e2e_stop "$wrong_pid"
w_start_client "$ns_b" "$E2E_DIR/keyed.ovpn" "$E2E_DIR/keyed.log" --askpass "$E2E_DIR/keyed.pw"
keyed_pid=$E2E_PID
e2e_wait_for_log "$E2E_DIR/keyed.log" 'Initialization Sequence Completed' 20 "$keyed_pid" ||
  e2e_fail "the profile with an encrypted key did not connect with its password"
e2e_ping "$ns_b" 10.249.0.1 || e2e_fail "the keyed client cannot ping the server's VPN address"
e2e_pass "an encrypted key connects with --askpass and its password, not with a wrong one"

#!/usr/bin/env bash
# Availability alerts and operator mails (issue 10, SPEC §8), with real OpenVPN, a real
# SMTP server (aiosmtpd: STARTTLS and login, in the server namespace) and the daemon's
# test clock (`testing clock`) for the threshold ([monitor] offline_after = 5m):
#  1. `device add` mails the operator;
#  2. a wardend restart while the monitored client stays connected mails nothing: its
#     state is rebuilt from OpenVPN's list before its offline clock could run out;
#  3. an OpenVPN restart, and a session killed that comes back at once (a flap), mail
#     nothing;
#  4. the client gone: ONE offline mail to the device's address after the threshold,
#     none more however long it stays away; back (after a wardend restart, so the alert
#     comes from the database): ONE recovery mail;
#  5. `device delete` mails the operator.
# Every mail is read back from the SMTP server: recipient and subject.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

e2e_require_root_netns --tun
e2e_tmpdir >/dev/null
w_topology av 36
ns_a="$W_NS_A"
w_init "$W_SRV_IP_A" 10.253.6.0/24
ctl() { "$WARDENCTL" "$@"; }

# --- the SMTP server, in the server namespace (wardend's loopback) ------------------------
w_start_smtp

grep -q "^offline_after = '5m'$" "$W_STATE/wardend.conf" || e2e_fail "wardend init did not write [monitor]"
w_mail_config 'operator = "ops@example.org"'
cat >>"$W_STATE/wardend.conf" <<CONF

[testing]
clock_control = true
CONF

# mails_to RCPT SUBJECT: how many received mails went to RCPT with exactly SUBJECT.
mails_to() {
  local n=0 f
  for f in "$W_SMTP_DIR"/mail/*.eml; do
    [ -f "$f" ] || continue
    grep -q "^X-Rcpt-To: $1"$'\r'"\$" "$f" && grep -q "^Subject: $2"$'\r'"\$" "$f" && n=$((n + 1))
  done
  echo "$n"
}
# expect_mail RCPT SUBJECT: wait for exactly one such mail.
expect_mail() {
  e2e_wait_for "[ \"\$(mails_to '$1' '$2')\" -ge 1 ]" 20 ||
    e2e_fail "no mail to $1 with subject '$2' (queue: $(ctl mail queue 2>&1))"
  [ "$(mails_to "$1" "$2")" = 1 ] || e2e_fail "more than one mail to $1 with subject '$2'"
}
alerts_logged() { ctl --json log activity --device plant | grep -o '"action":"monitor\.[a-z]*"' | wc -l; }
queue_empty() { [ "$(ctl --json mail queue)" = "[]" ]; }
session_list_has() { ctl --json session list | grep -q "\"device\":\"$1\""; }

w_start_wardend
w_start_server "$W_NS_SRV"

# --- 1. device add mails the operator -------------------------------------------------
ctl device add plant --type pc --monitor --email site@example.org >/dev/null || e2e_fail "device add failed"
ctl device export plant -o "$E2E_DIR/plant.ovpn" || e2e_fail "device export failed"
expect_mail ops@example.org "warden: device plant added"
e2e_pass "device add: mail to the operator (STARTTLS + login), read back from the SMTP server"

w_start_client "$ns_a" "$E2E_DIR/plant.ovpn" "$E2E_DIR/plant.log"
client_pid=$E2E_PID
e2e_wait_for_log "$E2E_DIR/plant.log" 'Initialization Sequence Completed' 20 "$client_pid" ||
  e2e_fail "the client did not connect"
e2e_wait_for "session_list_has plant" 10 || e2e_fail "session list does not show plant"

# --- 2. a wardend restart while the client stays connected: no mail --------------------
e2e_stop "$W_WARDEND_PID" 10
rebuilt_before=$(grep -c 'availability rebuilt live_devices=1 ' "$E2E_DIR/wardend.log" || true)
w_start_wardend
e2e_wait_for "[ \$(grep -c 'availability rebuilt live_devices=1 ' '$E2E_DIR/wardend.log') -gt $rebuilt_before ]" 15 ||
  e2e_fail "wardend did not rebuild the availability state from OpenVPN's list"
ctl testing clock --advance 3600 >/dev/null || e2e_fail "testing clock failed"
[ "$(alerts_logged)" = 0 ] || e2e_fail "an alert after a wardend restart with the client connected"
e2e_pass "wardend restart with the client connected: state rebuilt, no alert an hour later"

admitted() { grep -c 'client admitted .*device=plant' "$E2E_DIR/wardend.log" || true; }
disconnects() { grep -c 'client disconnected .*device=plant' "$E2E_DIR/wardend.log" || true; }

# --- 3. an OpenVPN restart (SIGHUP: the client reconnects at once): no mail --------------
admitted_before=$(admitted)
ctl vpn restart >/dev/null || e2e_fail "vpn restart failed"
e2e_wait_for "[ \$(admitted) -gt $admitted_before ] && session_list_has plant" 30 ||
  e2e_fail "the client did not come back after the OpenVPN restart"
ctl testing clock --advance 3600 >/dev/null || e2e_fail "testing clock failed"
[ "$(alerts_logged)" = 0 ] || e2e_fail "an alert after an OpenVPN restart"
e2e_pass "OpenVPN restart: the client reconnected, no alert an hour later"

# --- 3b. a session killed that comes back at once (a flap): no mail ------------------------
admitted_before=$(admitted)
disconnects_before=$(disconnects)
ctl session kill plant >/dev/null || e2e_fail "session kill failed"
# Both events reached wardend before the clock moves.
e2e_wait_for "[ \$(admitted) -gt $admitted_before ] && [ \$(disconnects) -gt $disconnects_before ] && session_list_has plant" 30 ||
  e2e_fail "the client did not come back after session kill"
ctl testing clock --advance 3600 >/dev/null || e2e_fail "testing clock failed"
[ "$(alerts_logged)" = 0 ] || e2e_fail "an alert for a device back within the threshold"
e2e_pass "a session that came back at once: no alert"

# --- 4. gone past the threshold: one offline mail; back: one recovery mail --------------
disconnects_before=$(disconnects)
e2e_stop "$client_pid" 10
ctl session kill plant >/dev/null 2>&1 || true # the server would wait for its ping timeout
e2e_wait_for "! session_list_has plant" 15 || e2e_fail "the session did not end"
e2e_wait_for "[ \$(disconnects) -gt $disconnects_before ]" 15 ||
  e2e_fail "wardend did not hear of the disconnect"
ctl testing clock --advance 290 >/dev/null || e2e_fail "testing clock failed"
[ "$(alerts_logged)" = 0 ] || e2e_fail "an offline alert before the threshold"
ctl testing clock --advance 20 >/dev/null || e2e_fail "testing clock failed"
expect_mail site@example.org "warden: plant is offline"
ctl testing clock --advance 86400 >/dev/null || e2e_fail "testing clock failed"
e2e_wait_for queue_empty 20 || e2e_fail "mail still queued: $(ctl mail queue)"
[ "$(mails_to site@example.org "warden: plant is offline")" = 1 ] || e2e_fail "a second offline mail"
[ "$(alerts_logged)" = 1 ] || e2e_fail "expected one monitor.offline entry"
e2e_pass "client gone: one offline mail to the device's address after the threshold, no more a day later"

# The offline alert is recorded in the database: the recovery mail comes after a restart.
e2e_stop "$W_WARDEND_PID" 10
w_start_wardend
w_start_client "$ns_a" "$E2E_DIR/plant.ovpn" "$E2E_DIR/plant2.log"
e2e_wait_for_log "$E2E_DIR/plant2.log" 'Initialization Sequence Completed' 20 "$E2E_PID" ||
  e2e_fail "the client did not connect again"
expect_mail site@example.org "warden: plant is back online"
ctl --json log activity --device plant | grep -q '"action":"monitor.recovered"' ||
  e2e_fail "monitor.recovered is not in the activity log"
e2e_pass "client back (after a wardend restart): one recovery mail, monitor.offline and monitor.recovered in the activity log"

# --- 5. device delete mails the operator --------------------------------------------------
ctl device delete plant >/dev/null || e2e_fail "device delete failed"
expect_mail ops@example.org "warden: device plant deleted"
[ "$(mails_to ops@example.org "warden: device plant added")" = 1 ] || e2e_fail "the add notice came twice"
e2e_pass "device delete: mail to the operator"

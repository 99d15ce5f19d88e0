#!/usr/bin/env bash
# Mail while the SMTP server is down (issue 10), with a real SMTP server (smtp_server.py:
# aiosmtpd with STARTTLS and login) and a real wardend:
#  1. `mail test` is delivered (recipient and subject read back from the server);
#  2. with the server stopped, `mail test` queues: the attempt fails, the row stays
#     pending (`mail queue`), the command itself answered at once;
#  3. wardend restarts meanwhile: the row is still pending;
#  4. the server comes back on the same port; once the retry is due (daemon clock moved
#     by `testing clock --advance`) the mail arrives, exactly once.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

e2e_require_root_netns --no-tun
e2e_tmpdir >/dev/null
W_NS_SRV="e2e-mailq-$$"
e2e_make_ns "$W_NS_SRV"
w_init 10.245.0.1 10.245.0.0/24
ctl() { "$WARDENCTL" "$@"; }

w_start_smtp
w_mail_config 'timeout = "5s"'
printf '\n[testing]\nclock_control = true\n' >>"$W_STATE/wardend.conf"
w_start_wardend
log="$E2E_DIR/wardend.log"
state_of() { ctl --json mail queue | grep -o "\"id\":$1,[^}]*" | grep -o '"state":"[a-z]*"' || true; }

# 1. Delivered.
ctl mail test ops@example.org >/dev/null || e2e_fail "mail test failed"
e2e_wait_for '[ "$(w_mails)" -ge 1 ]' 20 || e2e_fail "the first test mail did not arrive: $(ctl --json mail queue)"
head -1 "$W_SMTP_DIR/mail/1.eml" | grep -q '^X-Rcpt-To: ops@example.org' || e2e_fail "wrong recipient: $(head -1 "$W_SMTP_DIR/mail/1.eml")"
grep -q '^Subject: warden test mail' "$W_SMTP_DIR/mail/1.eml" || e2e_fail "wrong subject"
e2e_pass "mail test delivered through STARTTLS and login"

# 2. Server down: the mail queues; the command does not wait for SMTP.
w_stop_smtp
start=$(_e2e_now_ms)
id=$(ctl --json mail test second@example.org | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
elapsed=$(($(_e2e_now_ms) - start))
[ -n "$id" ] || e2e_fail "mail test printed no id"
[ "$elapsed" -lt 2000 ] || e2e_fail "mail test took $elapsed ms with the server down"
e2e_wait_for_log "$log" "mail delayed id=$id " 20 || e2e_fail "no failed attempt logged for mail $id"
[ "$(state_of "$id")" = '"state":"pending"' ] || e2e_fail "mail $id is not pending: $(ctl --json mail queue)"
e2e_pass "server down: mail $id queued and pending ($elapsed ms for the command)"

# 3. wardend restarts: the row survives.
e2e_stop "$W_WARDEND_PID" 10
w_start_wardend
[ "$(state_of "$id")" = '"state":"pending"' ] || e2e_fail "mail $id lost in the restart: $(ctl --json mail queue)"
[ "$(w_mails)" -eq 1 ] || e2e_fail "a mail arrived while the server was down"

# 4. The server is back; the retry (due in a minute) comes when the clock passes it.
w_start_smtp "$W_SMTP_PORT"
ctl testing clock --advance 600 >/dev/null || e2e_fail "testing clock failed"
e2e_wait_for '[ "$(w_mails)" -ge 2 ]' 20 || e2e_fail "the queued mail did not arrive after the server came back"
head -1 "$W_SMTP_DIR/mail/2.eml" | grep -q '^X-Rcpt-To: second@example.org' || e2e_fail "wrong recipient of the queued mail"
e2e_wait_for_log "$log" "mail sent id=$id " 10 || e2e_fail "no 'mail sent' for $id"
[ -z "$(state_of "$id")" ] || e2e_fail "mail $id still listed after it was sent: $(ctl --json mail queue)"
[ "$(w_mails)" -eq 2 ] || e2e_fail "expected 2 mails in all, the server has $(w_mails)"
e2e_pass "after a wardend restart and the server's return, mail $id arrived once"
w_stop_smtp

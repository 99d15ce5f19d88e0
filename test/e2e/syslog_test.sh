#!/usr/bin/env bash
# [log] syslog = true: wardend sends each committed activity entry as one RFC 3164
# datagram to syslog_socket, here a datagram socket this test binds in place of /dev/log
# (hermetic: no syslog daemon). Checks the line's form, that a refused command sends
# nothing (one line per row of `wardenctl log`), that SIGHUP takes over a new ident, and
# that a vanished receiver costs entries, not commands, and is reported once on stderr.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

e2e_require_root_netns --no-tun
command -v python3 >/dev/null 2>&1 || e2e_skip "python3 not installed"
e2e_tmpdir >/dev/null
w_init 127.0.0.1 10.8.0.0/24
conf="$W_STATE/wardend.conf"
sock="$E2E_DIR/log.sock"
lines="$E2E_DIR/syslog.log"
listen="$(dirname "$0")/notify_listen.py"  # appends each datagram to a file

grep -q '^syslog = false$' "$conf" || e2e_fail "the rendered config has no [log] syslog = false"
sed -i -e 's/^syslog = false$/syslog = true/' -e "s|^syslog_socket = .*|syslog_socket = \"$sock\"|" "$conf"
"$WARDEND" --check-config --config "$conf" >/dev/null 2>&1 || e2e_fail "--check-config refused [log] syslog"

e2e_start_bg - "$E2E_DIR/listener.log" python3 "$listen" "$sock" "$lines"
listener_pid=$E2E_PID
e2e_wait_file "$sock" 10 || e2e_fail "syslog listener did not start"
e2e_show_log_on_fail "$lines"
w_start_wardend
grep -q "activity log to syslog socket=$sock facility=authpriv ident=wardend" "$E2E_DIR/wardend.log" ||
  e2e_fail "no startup line for the syslog sender"

activity_lines() { grep -c ' activity id=' "$lines" || true; }

"$WARDENCTL" device add laptop --type pc >/dev/null || e2e_fail "device add failed"
re="^<85>[A-Z][a-z]{2} [ 1-3][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} wardend\[$W_WARDEND_PID\]: activity id=[0-9]+ "
re+="at=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z actor=[^ ]+ action=device.add object=laptop details="
e2e_wait_for_log "$lines" "$re" 10 "$W_WARDEND_PID" || e2e_fail "no RFC 3164 activity line for device add"
e2e_pass "device add: one RFC 3164 line (authpriv.notice, ident[pid], key=value) on the syslog socket"

# A refused command writes no activity row and sends nothing.
if "$WARDENCTL" device add laptop --type pc >/dev/null 2>&1; then e2e_fail "duplicate device accepted"; fi
"$WARDENCTL" device add phone --type pc >/dev/null || e2e_fail "device add phone failed"
e2e_wait_for_log "$lines" 'action=device.add object=phone ' 10 "$W_WARDEND_PID" || e2e_fail "no line for phone"
rows=$("$WARDENCTL" log activity | grep -c 'device.add' || true)
[ "$(activity_lines)" = "$rows" ] && [ "$rows" = 2 ] ||
  e2e_fail "syslog has $(activity_lines) activity lines, the activity log $rows device.add rows"
e2e_pass "a refused command sends nothing: one syslog line per activity row"

# SIGHUP takes over a new ident.
sed -i 's/^ident = .*/ident = "warden-siem"/' "$conf"
kill -HUP "$W_WARDEND_PID"
e2e_wait_for_log "$E2E_DIR/wardend.log" 'config reloaded .*applied=log.ident' 10 "$W_WARDEND_PID" ||
  e2e_fail "log.ident not reloaded"
"$WARDENCTL" device add tablet --type pc >/dev/null || e2e_fail "device add tablet failed"
e2e_wait_for_log "$lines" " warden-siem\[$W_WARDEND_PID\]: activity .*object=tablet " 10 "$W_WARDEND_PID" ||
  e2e_fail "the reloaded ident is not used"
e2e_pass "SIGHUP: [log] ident taken over"

# The receiver goes away: commands still succeed, stderr says so once; back, it resumes.
e2e_stop "$listener_pid" 5
rm -f "$sock"
"$WARDENCTL" device add lost1 --type pc >/dev/null || e2e_fail "device add failed without a syslog receiver"
"$WARDENCTL" device add lost2 --type pc >/dev/null || e2e_fail "device add failed without a syslog receiver"
[ "$(grep -c 'syslog send failed' "$E2E_DIR/wardend.log")" = 1 ] || e2e_fail "the outage is not reported once"
e2e_start_bg - "$E2E_DIR/listener2.log" python3 "$listen" "$sock" "$lines"
e2e_wait_file "$sock" 10 || e2e_fail "syslog listener did not restart"
"$WARDENCTL" device add back --type pc >/dev/null || e2e_fail "device add back failed"
e2e_wait_for_log "$lines" 'action=device.add object=back ' 10 "$W_WARDEND_PID" || e2e_fail "no line after the receiver came back"
grep -q "syslog send resumed socket=$sock dropped=2" "$E2E_DIR/wardend.log" || e2e_fail "no resume line with dropped=2"
if grep -q 'object=lost' "$lines"; then e2e_fail "entries of the outage appeared"; fi
e2e_pass "a missing receiver drops entries (stderr once, dropped=2 on resume), commands succeed"

#!/usr/bin/env bash
# Time-restricted access end to end (SPEC §4) with real OpenVPN clients and a real SMTP
# server (smtp_server.py: aiosmtpd with STARTTLS and login) in the server namespace:
#  1. window mode: the TR device is refused with "time-restricted: not released"; its
#     attempt mails a token (one mail per resend interval, not one per attempt);
#  2. the mail's link, opened in headless Chromium (tr_page_browser.py) in the server
#     namespace, shows the device; its button releases; the token works once (the link
#     then says "already used", `wardenctl tr confirm` refuses it); a guessed token is
#     refused (page and command); the client connects;
#  3. the window's end (daemon clock moved by `testing clock --advance`) ends the live
#     session within 1 s; the reconnect is refused; the end is in the activity log;
#  4. duration mode: `tr send` mails a token; confirming (browser) releases for the duration;
#     the client connects; the duration's end ends the session within 1 s, the reconnect
#     is refused; a token mailed in the activation window has expired after it.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

e2e_require_root_netns --tun
: "${ARTIFACTS:?ARTIFACTS must name the screenshot folder}"
BROWSER="$(dirname "$0")/tr_page_browser.py"
command -v chromium >/dev/null 2>&1 || e2e_skip "chromium is not installed"
command -v chromedriver >/dev/null 2>&1 || e2e_skip "chromedriver (chromium-driver) is not installed"
/usr/bin/python3 -c 'import selenium' 2>/dev/null || e2e_skip "python3-selenium is not installed"
e2e_tmpdir >/dev/null
w_topology tr 54
w_init "$W_SRV_IP_A" 10.246.0.0/24
ctl() { "$WARDENCTL" "$@"; }

# The SMTP server runs in the server namespace (wardend's loopback).
w_start_smtp
w_mail_config
cat >>"$W_STATE/wardend.conf" <<CONF

[tr]
resend_interval = "5m"

[testing]
clock_control = true
CONF
w_start_wardend
w_start_server "$W_NS_SRV"
log="$E2E_DIR/wardend.log"

offset=0  # seconds the daemon's clock runs ahead of the real one
advance() {
  ctl testing clock --advance "$1" >/dev/null || e2e_fail "testing clock --advance $1 failed"
  offset=$((offset + $1))
}
daemon_now() { printf '%s\n' "$(($(date +%s) + offset))"; }
# token_of N: the token in the N-th mail (the code line: two spaces and 32 base32 chars).
token_of() { tr -d '\r' <"$W_SMTP_DIR/mail/$1.eml" | sed -n 's/^  \([A-Z2-7]\{32\}\)$/\1/p' | head -1; }
# link_of N: the confirmation link in the N-th mail ([http] public_url + /tr/TOKEN).
link_of() { tr -d '\r' <"$W_SMTP_DIR/mail/$1.eml" | grep -o 'http://[^ ]*/tr/[A-Z2-7]\{32\}' | head -1; }
# browse URL ARGS...: tr_page_browser.py in the server namespace, where wardend listens.
browse() {
  local rc=0
  ip netns exec "$W_NS_SRV" env HOME="$E2E_DIR" "$BROWSER" "$@" >>"$E2E_DIR/browser.log" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] || e2e_fail "browser check failed ($rc): $* -- $(grep 'FAIL:' "$E2E_DIR/browser.log" | tail -1 || tail -3 "$E2E_DIR/browser.log")"
}
count() { grep -cE -- "$1" "$log" || true; }

# attempt TAG: a client of laptop in namespace A; sets CLIENT_PID and CLIENT_LOG.
attempt() {
  CLIENT_LOG="$E2E_DIR/$1.log"
  w_start_client "$W_NS_A" "$E2E_DIR/laptop.ovpn" "$CLIENT_LOG"
  CLIENT_PID=$E2E_PID
}
# refused_count: how many connects of laptop wardend refused for want of a release.
refused_count() { count 'client refused .*common_name=laptop .*reason="time-restricted: not released"'; }
# ended_within_1s WHAT SECONDS: advancing the clock SECONDS ends the live session within 1 s.
ended_within_1s() {
  local before start elapsed
  before=$(count 'client disconnected.*device=laptop')
  start=$(_e2e_now_ms)
  advance "$2"
  e2e_wait_for "[ \$(count 'client disconnected.*device=laptop') -gt $before ]" 1 ||
    e2e_fail "$1: the live session was not ended within 1 s"
  elapsed=$(($(_e2e_now_ms) - start))
  e2e_wait_for_log "$log" 'tr release ended device=laptop .*sessions_ended=1' 5 ||
    e2e_fail "$1: the release's end is not in the daemon log"
  e2e_pass "$1: the live session ended ${elapsed} ms after the clock passed the end"
}

ctl device add laptop --type pc --email user@example.org >/dev/null || e2e_fail "device add failed"
ctl device export laptop -o "$E2E_DIR/laptop.ovpn" || e2e_fail "export failed"

# 1. Window mode: refused, and the attempt mails a token.
now=$(daemon_now)
ctl tr set laptop --window "$((now - 60))" "$((now + 600))" >/dev/null || e2e_fail "tr set --window failed"
ctl --json tr status laptop | grep -q '"mode":"window"' || e2e_fail "tr status: $(ctl --json tr status laptop)"
attempt refused1
e2e_wait_for '[ "$(refused_count)" -ge 1 ]' 20 || e2e_fail "the TR device was not refused for want of a release"
e2e_wait_for_log "$CLIENT_LOG" 'AUTH_FAILED' 15 || e2e_fail "the refused client was not told AUTH_FAILED"
e2e_stop "$CLIENT_PID"
e2e_wait_for '[ "$(w_mails)" -ge 1 ]' 20 || e2e_fail "no token mail arrived: $(ctl --json mail queue)"
head -1 "$W_SMTP_DIR/mail/1.eml" | grep -q '^X-Rcpt-To: user@example.org' ||
  e2e_fail "the token mail went to $(head -1 "$W_SMTP_DIR/mail/1.eml")"
grep -q '^Subject: VPN access for laptop' "$W_SMTP_DIR/mail/1.eml" || e2e_fail "unexpected subject"
token1=$(token_of 1)
[ ${#token1} -eq 32 ] || e2e_fail "no token in the mail"
# A second attempt within the resend interval: refused again, no second mail.
refusals=$(refused_count)
attempt refused2
e2e_wait_for "[ \$(refused_count) -gt $refusals ]" 20 || e2e_fail "second attempt not refused"
e2e_stop "$CLIENT_PID"
ctl --json log activity --device laptop | grep -q '"action":"tr.sent"' || e2e_fail "tr.sent not in the activity log"
[ "$(w_mails)" -eq 1 ] || e2e_fail "a second attempt within resend_interval mailed again"
e2e_pass "window mode: refused with the reason; one token mail to user@example.org"

# 2. A guess is refused; the mailed link releases in a browser, once; the client connects.
link1=$(link_of 1)
[ "${link1##*/}" = "$token1" ] || e2e_fail "the mail's link is not <public_url>/tr/<token>: '$link1'"
guess="${token1:0:31}$([ "${token1:31:1}" = A ] && echo B || echo A)"
if out=$(ctl tr confirm "$guess" 2>&1); then e2e_fail "a guessed token was accepted"; fi
grep -q 'token: unknown' <<<"$out" || e2e_fail "guessed token: $out"
browse "${link1%/*}/$guess" --screenshot "$E2E_DIR/guessed.png" --expect "Link not valid" --reject laptop
mkdir -p "$ARTIFACTS"
browse "$link1" --screenshot "$ARTIFACTS/tr_e2e_window.png" --expect-device laptop --confirm \
  --answer-screenshot "$ARTIFACTS/tr_e2e_window_released.png" --expect "Access released"
grep -q 'http tr request method=POST .*status=200' "$log" || e2e_fail "wardend logged no confirming POST"
browse "$link1" --screenshot "$E2E_DIR/used.png" --expect "Link already used" --reject laptop
if out=$(ctl tr confirm "$token1" 2>&1); then e2e_fail "a token worked twice"; fi
grep -q 'already used' <<<"$out" || e2e_fail "second confirm: $out"
ctl --json tr status laptop | grep -q '"released":true' || e2e_fail "not released: $(ctl --json tr status laptop)"
attempt released1
e2e_wait_for_log "$CLIENT_LOG" 'Initialization Sequence Completed' 20 "$CLIENT_PID" ||
  e2e_fail "the released client did not connect"
e2e_ping "$W_NS_A" 10.246.0.1 || e2e_fail "released client cannot ping the server"
e2e_pass "guessed token refused; the mail's link released once in a browser; client connected"

# 3. The window's end ends the session within 1 s; the reconnect is refused.
refusals=$(refused_count)
ended_within_1s "window end" 601
e2e_wait_for "[ \$(refused_count) -gt $refusals ]" 20 || e2e_fail "the reconnect after the window was not refused"
e2e_stop "$CLIENT_PID"
activity=$(ctl --json log activity --device laptop)
for action in tr.confirmed tr.released tr.ended; do
  grep -q "\"action\":\"$action\"" <<<"$activity" || e2e_fail "$action not in the activity log"
done
e2e_pass "window end: reconnect refused; confirm, release and end in the activity log"

# 4. Duration mode: an admin's `tr send`, a confirm for 1 h, the duration's end.
now=$(daemon_now)
ctl tr set laptop --duration 1h --activation "$((now - 60))" "$((now + 7200))" >/dev/null ||
  e2e_fail "tr set --duration failed"
ctl tr send laptop >/dev/null || e2e_fail "tr send failed"
e2e_wait_for '[ "$(w_mails)" -ge 2 ]' 20 || e2e_fail "tr send: no mail arrived"
token2=$(token_of 2)
[ -n "$token2" ] && [ "$token2" != "$token1" ] || e2e_fail "no new token in the second mail"
browse "$(link_of 2)" --screenshot "$ARTIFACTS/tr_e2e_duration.png" --expect-device laptop \
  --confirm --expect "Access released"
until=$(ctl --json tr status laptop | sed -n 's/.*"released_until":"\([^"]*\)".*/\1/p')
expected=$(date -u -d "@$(($(daemon_now) + 3600))" +%Y-%m-%dT%H:%M)
[ "${until:0:16}" = "$expected" ] || [ "$(date -u -d "$until" +%s)" -ge "$(($(daemon_now) + 3590))" ] ||
  e2e_fail "duration mode released until $until, expected about $expected"
attempt released2
e2e_wait_for_log "$CLIENT_LOG" 'Initialization Sequence Completed' 20 "$CLIENT_PID" ||
  e2e_fail "duration mode: the released client did not connect"
e2e_pass "duration mode: tr send mailed a token; the browser's confirm released until $until; client connected"
ctl tr send laptop >/dev/null || e2e_fail "second tr send failed"
e2e_wait_for '[ "$(w_mails)" -ge 3 ]' 20 || e2e_fail "second tr send: no mail arrived"
token3=$(token_of 3)
refusals=$(refused_count)
ended_within_1s "duration end" 3601
e2e_wait_for "[ \$(refused_count) -gt $refusals ]" 20 || e2e_fail "the reconnect after the duration was not refused"
e2e_stop "$CLIENT_PID"
advance 3600  # past the activation window: the unused token expired with it
if out=$(ctl tr confirm "$token3" 2>&1); then e2e_fail "an expired token was accepted"; fi
grep -q 'token: expired' <<<"$out" || e2e_fail "expired token: $out"
e2e_pass "duration end: reconnect refused; a token past its activation window is expired"
w_stop_smtp

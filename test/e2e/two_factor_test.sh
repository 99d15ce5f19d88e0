#!/usr/bin/env bash
# Two-factor logins end to end (SPEC §3) with real OpenVPN clients that read their
# credentials from `auth-user-pass FILE`: a TOTP code from oathtool connects; the same
# code on a second connection is refused (replay); a renegotiation every 5 s keeps the
# tunnel up on the session token without a new code, but not after `session kill`; a
# wrong code is refused; a one-time code works once, then is refused, and an expired one
# is refused; five wrong
# codes lock the device (the sixth and a correct code are refused) until the lock
# expires on the daemon's clock (advanced through `testing clock`). The QR code's PNG
# decodes back to the otpauth:// URI.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

e2e_require_root_netns --tun
command -v oathtool >/dev/null || e2e_fail "oathtool is missing (scripts/bootstrap installs it)"
command -v zbarimg >/dev/null || e2e_fail "zbarimg is missing (scripts/bootstrap installs zbar-tools)"
e2e_tmpdir >/dev/null
w_topology tf 50
w_init "$W_SRV_IP_A" 10.249.0.0/24
printf '\n[testing]\nclock_control = true\n' >>"$W_STATE/wardend.conf"
grep -q '^auth-gen-token [0-9]* external-auth$' "$W_STATE/server.conf" || e2e_fail "server.conf lacks auth-gen-token external-auth"
w_start_wardend
w_start_server "$W_NS_SRV"
log="$E2E_DIR/wardend.log"

# The daemon's clock runs `offset` seconds ahead of the real one once tests advance it.
offset=0
advance() {
  "$WARDENCTL" testing clock --advance "$1" >/dev/null || e2e_fail "testing clock --advance $1 failed"
  offset=$((offset + $1))
}
code() { oathtool --totp -b "$secret" -N "@$(($(date +%s) + offset))"; }
count() { grep -cE -- "$1" "$log" || true; }

# login TAG NS PASSWORD [EXTRA_CONFIG]: a client of laptop with username laptop and
# PASSWORD; sets CLIENT_PID, CLIENT_LOG and LOG_MARK (wardend's log lines before it).
login() {
  local tag="$1" ns="$2" password="$3" extra="${4:-}"
  printf 'laptop\n%s\n' "$password" >"$E2E_DIR/$tag.auth"
  sed "s|^auth-user-pass\$|auth-user-pass $E2E_DIR/$tag.auth|" "$E2E_DIR/laptop.ovpn" >"$E2E_DIR/$tag.ovpn"
  if [ -n "$extra" ]; then printf '%s\n' "$extra" >>"$E2E_DIR/$tag.ovpn"; fi
  if [ "$ns" = "$W_NS_B" ]; then w_for_client_b "$E2E_DIR/$tag.ovpn"; fi
  start_client "$ns" "$E2E_DIR/$tag.ovpn" "$E2E_DIR/$tag.log"
}
start_client() {
  LOG_MARK=$(wc -l <"$log")
  CLIENT_LOG="$3"
  w_start_client "$1" "$2" "$CLIENT_LOG"
  CLIENT_PID=$E2E_PID
}
# since_mark: wardend's log lines written since the last login started.
since_mark() { tail -n "+$((LOG_MARK + 1))" "$log"; }
# connected WHAT: the last login got through.
connected() {
  e2e_wait_for_log "$CLIENT_LOG" 'Initialization Sequence Completed' 20 "$CLIENT_PID" ||
    e2e_fail "$1: client did not connect"
}
# refused WHAT DETAIL_REGEX: wardend refused the last login for DETAIL, the client was
# told AUTH_FAILED and never completed initialization.
refused() {
  e2e_wait_for "since_mark | grep -qE 'login refused .*device=laptop .*detail=\"?$2'" 15 ||
    e2e_fail "$1: wardend did not refuse the login with /$2/: $(since_mark | grep 'login refused' | tail -1)"
  e2e_wait_for_log "$CLIENT_LOG" 'AUTH_FAILED' 15 || e2e_fail "$1: client was not told AUTH_FAILED"
  if grep -q 'Initialization Sequence Completed' "$CLIENT_LOG"; then
    e2e_fail "$1: refused client completed initialization"
  fi
  e2e_stop "$CLIENT_PID"
}
# wrong_code: a 6-digit code that is not the current one.
wrong_code() { printf '%06d' $(((10#$(code) + 1) % 1000000)); }

# 1. TOTP setup: URI, QR code (PNG decodes back to the URI), confirm, export.
"$WARDENCTL" device add laptop --type pc >/dev/null || e2e_fail "device add failed"
setup=$("$WARDENCTL" --json totp setup laptop --png "$E2E_DIR/totp.png") || e2e_fail "totp setup failed"
secret=$(printf '%s' "$setup" | sed -n 's/.*"secret":"\([A-Z2-7]*\)".*/\1/p')
uri=$(printf '%s' "$setup" | sed -n 's/.*"uri":"\([^"]*\)".*/\1/p')
[ "$uri" = "otpauth://totp/warden:laptop?secret=$secret&issuer=warden" ] || e2e_fail "unexpected URI $uri"
decoded=$(zbarimg --quiet --raw "$E2E_DIR/totp.png" 2>/dev/null) || e2e_fail "zbarimg could not decode the PNG"
[ "$decoded" = "$uri" ] || e2e_fail "QR code decodes to '$decoded', not the URI"
"$WARDENCTL" totp confirm laptop "$(code)" >/dev/null || e2e_fail "totp confirm failed"
"$WARDENCTL" device export laptop -o "$E2E_DIR/laptop.ovpn" || e2e_fail "export failed"
grep -qx 'auth-user-pass' "$E2E_DIR/laptop.ovpn" || e2e_fail "profile lacks auth-user-pass"
e2e_pass "totp setup: PNG QR code decodes to $uri; confirmed; profile has auth-user-pass"

# 2. Without credentials (certificate only) the device is refused at connect.
grep -vx 'auth-user-pass' "$E2E_DIR/laptop.ovpn" >"$E2E_DIR/certonly.ovpn"
start_client "$W_NS_A" "$E2E_DIR/certonly.ovpn" "$E2E_DIR/certonly.log"
refused "certificate only" 'no credentials checked at auth'
e2e_pass "certificate without credentials refused"

# 3. A fresh code connects (the confirming code's step is used up: move to the next one).
advance 30
first_code=$(code)
login totp "$W_NS_A" "$first_code" 'reneg-sec 5'
connected "totp code"
laptop_pid=$CLIENT_PID
laptop_log=$CLIENT_LOG
grep -qE 'login accepted .*device=laptop .*session_state=Initial method=totp' "$log" || e2e_fail "no totp login in wardend's log"
e2e_ping "$W_NS_A" 10.249.0.1 || e2e_fail "connected client cannot ping the server"
e2e_pass "code from oathtool connected"

# 4. The same code again, on a second connection: refused.
login replay "$W_NS_B" "$first_code"
refused "replayed code" 'code: already used'
e2e_pass "replayed code refused"

# 5. Renegotiation every 5 s uses the session token: no new code, the tunnel stays up.
before=$(count 'login accepted .*device=laptop .*session_state=Authenticated method=token')
ip netns exec "$W_NS_A" ping -n -q -c 14 -i 1 -W 1 10.249.0.1 >"$E2E_DIR/ping.txt" 2>&1 || true
renegs=$(($(count 'login accepted .*device=laptop .*session_state=Authenticated method=token') - before))
[ "$renegs" -ge 2 ] || e2e_fail "expected >= 2 token renegotiations in 14 s, saw $renegs"
received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$E2E_DIR/ping.txt")
[ "${received:-0}" -ge 13 ] || e2e_fail "tunnel interrupted during renegotiation: $(tail -2 "$E2E_DIR/ping.txt")"
e2e_alive "$laptop_pid" || e2e_fail "client exited during renegotiation"
if grep -q 'AUTH_FAILED' "$laptop_log"; then e2e_fail "renegotiation asked for a new login"; fi
e2e_pass "$renegs renegotiations on the session token, $received/14 pings answered"

# 5b. `session kill` forgets the device's session tokens: the client reconnects at once
# with its token (session_state Authenticated) and is refused: it needs a fresh code.
LOG_MARK=$(wc -l <"$log")
"$WARDENCTL" session kill laptop >/dev/null || e2e_fail "session kill laptop failed"
e2e_wait_for "since_mark | grep -qE 'login refused .*device=laptop .*session_state=Authenticated .*detail=\"?session token: no second factor'" 20 ||
  e2e_fail "reconnect after session kill was not refused: $(since_mark | grep -E 'login (accepted|refused)' | tail -2)"
# A renegotiation may land between the mark and the kill: only what follows the kill counts.
if since_mark | sed -n '/ending session .*device=laptop .*reason="ended by admin"/,$p' |
  grep -qE 'login accepted .*device=laptop .*method=token'; then
  e2e_fail "the killed client got back in on its session token"
fi
e2e_stop "$laptop_pid"
e2e_pass "after session kill the token reconnect was refused (a fresh code is needed)"

# 6. A wrong code is refused.
login wrong "$W_NS_A" "$(wrong_code)"
refused "wrong code" 'code: wrong'
e2e_pass "wrong code refused"

# 7. One-time codes: once, then refused; an expired one refused.
otp=$("$WARDENCTL" --json otp issue laptop | sed -n 's/.*"code":"\([A-Z2-7-]*\)".*/\1/p')
[ -n "$otp" ] || e2e_fail "otp issue printed no code"
"$WARDENCTL" otp list | grep -q laptop || e2e_fail "otp list does not show the code"
if "$WARDENCTL" --json otp list | grep -q "$otp"; then e2e_fail "otp list shows the code itself"; fi
login otp "$W_NS_A" "$otp"
connected "one-time code"
grep -qE 'login accepted .*device=laptop .*method="one-time code"' "$log" || e2e_fail "no one-time code login logged"
e2e_stop "$CLIENT_PID"
login otp-again "$W_NS_A" "$otp"
refused "one-time code reused" 'one-time code [0-9]+: already used'
short=$("$WARDENCTL" --json otp issue laptop --ttl 1m | sed -n 's/.*"code":"\([A-Z2-7-]*\)".*/\1/p')
advance 61
login otp-expired "$W_NS_A" "$short"
refused "expired one-time code" 'one-time code [0-9]+: expired'
e2e_pass "one-time code worked once, then refused; expired one refused"

# 8. Lockout: after a good login (failures back to 0), five wrong codes lock the device;
# the sixth and a correct code are refused until the lock runs out on the daemon's clock.
advance 30
login good "$W_NS_A" "$(code)"
connected "good code before the lockout"
e2e_stop "$CLIENT_PID"
for i in 1 2 3 4 5; do
  login "wrong-$i" "$W_NS_A" "$(wrong_code)"
  refused "wrong code $i" 'code: wrong'
done
since_mark | grep -q 'device locked device=laptop seconds=300' || e2e_fail "5 failures did not lock the device"
login wrong-6 "$W_NS_A" "$(wrong_code)"
refused "wrong code 6" 'locked after repeated failed logins'
advance 30
login locked "$W_NS_A" "$(code)"
refused "correct code while locked" 'locked after repeated failed logins'
advance 300
b64=$(printf '%s' "$(code)" | base64)
login unlocked "$W_NS_A" "SCRV1::$b64"
connected "correct code after the lock expired (SCRV1 form)"
since_mark | grep -q 'device unlocked device=laptop' || e2e_fail "unlock not logged"
e2e_stop "$CLIENT_PID"
e2e_pass "5 wrong codes locked the device; correct code refused until the lock expired"

# 9. The activity log holds the security events; no secret reached any log.
actions=$(sqlite3 "$W_STATE/warden.db" "SELECT group_concat(DISTINCT action) FROM activity_log WHERE actor = 'wardend'")
for a in login.failed login.locked login.unlocked otp.used; do
  case ",$actions," in *",$a,"*) ;; *) e2e_fail "activity log lacks $a (has $actions)" ;; esac
done
for s in "$secret" "$otp" "$short"; do
  if grep -q -- "$s" "$log" "$E2E_DIR/server.log"; then e2e_fail "a secret appears in a log"; fi
done
e2e_pass "activity log: $actions; no secret in wardend's or OpenVPN's log"

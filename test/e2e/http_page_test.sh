#!/usr/bin/env bash
# wardend's confirmation page (issue 10) as configured by [http]: `wardend init` writes
# the table; wardend refuses to start, with one clear line, when it cannot listen; it
# serves the pages (a guessed token is "not valid", its request logged with the token cut
# to 4 characters); listen = "off" leaves the port closed. The TR service is not wired
# yet (every token is unknown): the full TR flow is tested with it.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

e2e_require_root_netns --no-tun
e2e_tmpdir >/dev/null
w_init 127.0.0.1:1194 10.254.0.0/24
conf="$W_STATE/wardend.conf"
grep -q '^\[http\]$' "$conf" || e2e_fail "wardend init wrote no [http] table"
grep -q "^listen = .127.0.0.1:8088.$" "$conf" || e2e_fail "wardend init: listen is not the default"
ns="e2e-wd-$$" # w_start_wardend's namespace
e2e_make_ns "$ns"
port=18088
sed -i "/^\[http\]$/,/^\[/ s/^listen = .*/listen = \"127.0.0.1:$port\"/" "$conf" # [metrics] has a listen too

# http METHOD PATH: "STATUS" on the first line, then the headers and the body.
http() {
  ip netns exec "$ns" python3 - "$1" "http://127.0.0.1:$port$2" <<'PY'
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[2], method=sys.argv[1], data=b"" if sys.argv[1] == "POST" else None)
try:
    res = urllib.request.urlopen(req, timeout=5)
except urllib.error.HTTPError as e:
    res = e
print(res.status)
print(res.headers, end="")
print(res.read().decode())
PY
}

# 1. The address is taken: wardend does not start, and says why.
w_refused_while_port_taken "$ns" "$port" "$conf" \
  "wardend not started: the confirmation page cannot listen listen=127.0.0.1:$port"
e2e_pass "an address in use stops wardend with a clear line"

# 2. Served: the home page, a guessed token (GET and POST), nothing else.
w_start_wardend
e2e_wait_for_log "$E2E_DIR/wardend.log" "http listening address=127.0.0.1:$port" 10 "$W_WARDEND_PID" ||
  e2e_fail "wardend does not say it listens"
out=$(http GET /)
[ "$(head -1 <<<"$out")" = 200 ] || e2e_fail "GET / answered $(head -1 <<<"$out")"
grep -q 'time-restricted VPN access' <<<"$out" || e2e_fail "GET / is not the home page"
grep -qi "^Content-Security-Policy: default-src 'none'" <<<"$out" || e2e_fail "no CSP on the page"
guess=QQQQRRRRSSSSTTTTUUUUVVVVWWWWXXXX
for method in GET POST; do
  out=$(http "$method" "/tr/$guess")
  [ "$(head -1 <<<"$out")" = 404 ] || e2e_fail "$method of a guessed token answered $(head -1 <<<"$out")"
  grep -q 'Link not valid' <<<"$out" || e2e_fail "$method of a guessed token: not the unknown page"
  grep -q "http tr request method=$method path=/tr/QQQQ... status=404 peer=127.0.0.1" "$E2E_DIR/wardend.log" ||
    e2e_fail "no log line for the $method token request"
done
grep -q "$guess" "$E2E_DIR/wardend.log" && e2e_fail "the whole token is in the log"
[ "$(http GET /nothing | head -1)" = 404 ] || e2e_fail "an unknown path is not 404"
e2e_pass "pages served, token requests logged without the token"

# 3. listen = "off": nothing listens.
e2e_stop "$W_WARDEND_PID"
sed -i '/^\[http\]$/,/^\[/ s/^listen = .*/listen = "off"/' "$conf"
w_start_wardend
grep -q 'http off' "$E2E_DIR/wardend.log" || e2e_fail "wardend does not say the page is off"
ip netns exec "$ns" python3 -c "
import socket, sys
try:
    socket.create_connection(('127.0.0.1', $port), timeout=5)
except ConnectionRefusedError:
    sys.exit(0)
sys.exit(1)" || e2e_fail "something listens on $port with listen = off"
e2e_pass "listen = off: no page"

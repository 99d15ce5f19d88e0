# shellcheck shell=bash
# Helpers for end-to-end tests of warden itself, on top of lib.sh: a state folder made by
# `wardend init`, wardend and an OpenVPN server with the plugin in a server namespace,
# clients with exported profiles in client namespaces.
#
# Needs WARDEND, WARDENCTL and PLUGIN (paths of the built binaries; ctest sets them).

: "${WARDEND:?WARDEND must name the wardend binary}"
: "${WARDENCTL:?WARDENCTL must name the wardenctl binary}"
: "${PLUGIN:?PLUGIN must name openvpn-plugin-warden.so}"

# w_topology TAG NET: a server namespace W_NS_SRV and two client namespaces W_NS_A and
# W_NS_B, each client on its own veth link: 10.250.NET.0/24 (server .1, A .2) and
# 10.250.NET+1.0/24 (server .1, B .2). Sets W_SRV_IP_A and W_SRV_IP_B.
w_topology() {
  local tag="$1" net="$2"
  W_NS_SRV="e2e-$tag-srv-$$"
  W_NS_A="e2e-$tag-a-$$"
  W_NS_B="e2e-$tag-b-$$"
  e2e_make_ns "$W_NS_SRV"
  e2e_make_ns "$W_NS_A"
  e2e_make_ns "$W_NS_B"
  W_SRV_IP_A="10.250.$net.1"
  W_SRV_IP_B="10.250.$((net + 1)).1"
  e2e_link "$W_NS_SRV" "$W_SRV_IP_A/24" "$W_NS_A" "10.250.$net.2/24"
  e2e_link "$W_NS_SRV" "$W_SRV_IP_B/24" "$W_NS_B" "10.250.$((net + 1)).2/24"
}

# w_for_client_b PROFILE: point a profile at the server's address on client B's link.
w_for_client_b() {
  sed -i "s/^remote $W_SRV_IP_A /remote $W_SRV_IP_B /" "$1"
}

# w_init SERVER_IP POOL [INIT_ARGS...]: state in $W_STATE (wardend init), clients told to
# use SERVER_IP. The sockets are in $W_RUN ($W_STATE/run), apart from the secrets.
w_init() {
  local server_ip="$1" pool="$2"
  shift 2
  W_STATE="$E2E_DIR/state"
  W_RUN="$W_STATE/run"
  "$WARDEND" init --dir "$W_STATE" --remote "$server_ip" --pool "$pool" --plugin "$PLUGIN" "$@" >/dev/null ||
    e2e_fail "wardend init failed"
  # Sanitizer builds (CMakeLists.txt) widen the plugin's budget for their slower code.
  if [ -n "${E2E_PLUGIN_BUDGET_MS:-}" ]; then
    sed -i "s|^plugin .*|& budget_ms=$E2E_PLUGIN_BUDGET_MS|" "$W_STATE/server.conf"
  fi
  export WARDEN_SOCKET="$W_RUN/admin.sock"
}

# w_start_wardend: start wardend in the server namespace when there is one, else in a
# namespace of its own: its nftables table stays out of the host's. Waits for its
# sockets. Sets W_WARDEND_PID.
w_start_wardend() {
  local ns="${W_NS_SRV:-}"
  if [ -z "$ns" ]; then
    ns="e2e-wd-$$"
    e2e_ns_exists "$ns" || e2e_make_ns "$ns"
  fi
  e2e_start_bg "$ns" "$E2E_DIR/wardend.log" "$WARDEND" --config "$W_STATE/wardend.conf"
  W_WARDEND_PID=$E2E_PID
  e2e_wait_for "[ -S '$WARDEN_SOCKET' ] && '$WARDENCTL' status >/dev/null" 10 ||
    e2e_fail "wardend did not start"
}

# w_start_server NS: OpenVPN with the generated server.conf in NS. Sets W_SERVER_PID.
w_start_server() {
  local ns="$1"
  e2e_start_openvpn "$ns" "$W_STATE/server.conf" "$E2E_DIR/server.log" --disable-dco
  W_SERVER_PID=$E2E_PID
  e2e_wait_for_log "$E2E_DIR/server.log" 'Initialization Sequence Completed' 15 "$W_SERVER_PID" ||
    e2e_fail "OpenVPN server did not start"
}

# w_add_device NAME: add a pc and export its profile to $E2E_DIR/NAME.ovpn.
w_add_device() {
  "$WARDENCTL" device add "$1" --type pc >/dev/null || e2e_fail "device add $1 failed"
  "$WARDENCTL" device export "$1" -o "$E2E_DIR/$1.ovpn" || e2e_fail "device export $1 failed"
}

# w_start_client NS PROFILE LOG [OPENVPN_ARGS...]: start a client; sets E2E_PID.
w_start_client() {
  e2e_start_openvpn "$1" "$2" "$3" --disable-dco "${@:4}"
}

# w_vpn_ip NAME: the device's VPN address as wardend assigned it.
w_vpn_ip() {
  "$WARDENCTL" --json device show "$1" | sed -n 's/.*"vpn_ip":"\([0-9.]*\)".*/\1/p'
}

# w_serial NAME: the serial of the device's first certificate.
w_serial() {
  "$WARDENCTL" --json cert list "$1" | sed -n 's/^\[{"serial":"\([0-9a-f]*\)".*/\1/p'
}

# w_start_postgresql TAG: a throwaway PostgreSQL 15 (test/support/pg_cluster.sh) in
# /tmp/warden-e2e-TAG-$$, stopped at exit. Sets W_PG_CLUSTER (that script), W_PG_DIR and
# W_PG_CONNINFO.
w_start_postgresql() {
  [ -x /usr/lib/postgresql/15/bin/initdb ] ||
    e2e_fail "/usr/lib/postgresql/15/bin/initdb missing: scripts/bootstrap installs postgresql-15"
  W_PG_CLUSTER="$(cd "$(dirname "${BASH_SOURCE[0]}")/../support" && pwd)/pg_cluster.sh"
  W_PG_DIR="/tmp/warden-e2e-$1-$$"
  e2e_on_exit "'$W_PG_CLUSTER' stop '$W_PG_DIR' >/dev/null 2>&1"
  "$W_PG_CLUSTER" start "$W_PG_DIR" >/dev/null || e2e_fail "PostgreSQL did not start"
  W_PG_CONNINFO=$(cat "$W_PG_DIR/conninfo")
}

# w_write_fails_clearly OUT CMD...: with the database away, CMD (a wardenctl write) must
# fail and its output (kept in OUT) must name PostgreSQL.
w_write_fails_clearly() {
  local out="$1" rc=0
  shift
  "$@" >"$out" 2>&1 || rc=$?
  [ "$rc" != 0 ] || e2e_fail "$* succeeded without a database"
  grep -qi 'postgresql' "$out" || e2e_fail "no clear error from $*: $(cat "$out")"
}

# w_pg_ctl DIR ARGS...: pg_ctl on the PostgreSQL cluster in DIR, as its owner.
w_pg_ctl() {
  local dir="$1"
  shift
  runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$dir/data" "$@"
}

# w_revoked_file HEX_SERIAL: the file in pki/revoked that makes OpenVPN refuse that serial
# (server.conf's `crl-verify DIR dir` names it in decimal).
w_revoked_file() { echo "$W_STATE/pki/revoked/$(python3 -c "print(int('$1', 16))")"; }

# wardend must refuse to start while 127.0.0.1:PORT in namespace NS is taken, with
# `expected` on a line of its output and no "wardend ready": one listener wardend did not
# open holds the port meanwhile. Usage: w_refused_while_port_taken NS PORT CONF EXPECTED
w_refused_while_port_taken() {
  local ns="$1" port="$2" conf="$3" expected="$4" rc=0
  e2e_start_bg "$ns" "$E2E_DIR/blocker.log" python3 -c "
import signal, socket
s = socket.socket()
s.bind(('127.0.0.1', $port))
s.listen()
print('ready', flush=True)
signal.pause()"
  local blocker=$E2E_PID
  e2e_wait_for_log "$E2E_DIR/blocker.log" '^ready$' 10 "$blocker" || e2e_fail "the blocker did not listen"
  timeout 30 ip netns exec "$ns" "$WARDEND" --config "$conf" >"$E2E_DIR/refused.log" 2>&1 || rc=$?
  [ "$rc" = 1 ] || e2e_fail "wardend exited $rc with 127.0.0.1:$port taken, expected 1"
  grep -qF "$expected" "$E2E_DIR/refused.log" ||
    e2e_fail "no clear refusal line: $(tail -3 "$E2E_DIR/refused.log")"
  grep -q 'wardend ready' "$E2E_DIR/refused.log" && e2e_fail "wardend said ready anyway"
  e2e_stop "$blocker"
}


# --- a real SMTP server for mail tests (issue 10) -----------------------------------------
# w_start_smtp [PORT]: test/unit/daemon/mail/smtp_server.py (aiosmtpd: STARTTLS and login
# required, user "warden", password in $W_STATE/smtp.password) in wardend's namespace
# W_NS_SRV, on PORT (a restart where it was) or a free port. Mail lands in
# $W_SMTP_DIR/mail/N.eml (first line "X-Rcpt-To: ..."). It runs until its stdin, a FIFO
# whose write end only a `sleep` of ours holds, reaches EOF: w_stop_smtp kills the sleep,
# and no other process (wardend) inherits that end. Sets W_SMTP_PID and W_SMTP_PORT; skips
# the test when aiosmtpd is missing.
w_start_smtp() {
  local python=/usr/bin/python3 script
  [ -x "$python" ] || python=python3
  "$python" -c 'import aiosmtpd' 2>/dev/null || e2e_skip "python3-aiosmtpd is not installed"
  script="$(cd "$(dirname "${BASH_SOURCE[0]}")/../unit/daemon/mail" && pwd)/smtp_server.py"
  W_SMTP_DIR="$E2E_DIR/smtp"
  mkdir -p "$W_SMTP_DIR"
  rm -f "$E2E_DIR/smtp.in" && mkfifo "$E2E_DIR/smtp.in"
  : >"$E2E_DIR/smtp.out"
  ip netns exec "$W_NS_SRV" "$python" "$script" "$W_SMTP_DIR" warden s3cret starttls ${1:+"$1"} \
    <"$E2E_DIR/smtp.in" >>"$E2E_DIR/smtp.out" 2>&1 &
  W_SMTP_PID=$!
  sleep infinity >"$E2E_DIR/smtp.in" 2>/dev/null &
  _W_SMTP_HOLDER=$!
  e2e_on_exit "kill $_W_SMTP_HOLDER $W_SMTP_PID 2>/dev/null || true"
  e2e_show_log_on_fail "$E2E_DIR/smtp.out"
  e2e_wait_for "grep -q '^READY [0-9]*' '$E2E_DIR/smtp.out'" 30 ||
    e2e_fail "smtp_server.py did not start: $(cat "$E2E_DIR/smtp.out")"
  W_SMTP_PORT=$(sed -n 's/^READY \([0-9]*\)$/\1/p' "$E2E_DIR/smtp.out" | tail -1)
}

w_stop_smtp() {
  kill "$_W_SMTP_HOLDER" 2>/dev/null || true
  e2e_wait_for "! kill -0 $W_SMTP_PID 2>/dev/null" 10 || e2e_fail "the SMTP server did not stop"
}

# w_mail_config [KEY = VALUE...]: [mail] in wardend.conf for the server w_start_smtp started
# (and its password file, 0600), plus the given lines (e.g. 'operator = "ops@example.org"').
w_mail_config() {
  (umask 077 && printf 's3cret\n' >"$W_STATE/smtp.password")
  {
    printf '\n[mail]\nenabled = true\nserver = "127.0.0.1"\nport = %s\n' "$W_SMTP_PORT"
    printf 'security = "starttls"\nuser = "warden"\npassword_file = "%s"\n' "$W_STATE/smtp.password"
    printf 'ca_file = "%s"\nfrom = "warden@vpn.example.org"\n' "$W_SMTP_DIR/cert.pem"
    [ $# -eq 0 ] || printf '%s\n' "$@"
  } >>"$W_STATE/wardend.conf"
}

# w_mails: how many messages the SMTP server has received.
w_mails() { find "$W_SMTP_DIR/mail" -name '*.eml' | wc -l; }

# shellcheck shell=bash
# Shared machinery of the connect benches (bench/connect_storm.sh, bench/connect_one.sh).
# Source after test/e2e/lib.sh:
#
#   source "$repo/test/e2e/lib.sh"; source "$repo/bench/lib.sh"
#
# It provides the clock and statistics helpers, the server and client configurations,
# the plugin hook's setup (see connect_storm.sh for the hook interface), one timed
# connect of one client, credentials for warden devices that need them (TOTP codes from
# oathtool, static passwords) and the deferral count of a server log.

BENCH_INIT='Initialization Sequence Completed'

bench_log() { printf '%s\n' "$*" >&2; }
bench_now() { printf '%s\n' "${EPOCHREALTIME/,/.}"; }
bench_fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f\n", a - b }'; }
bench_f3() { awk -v a="$1" 'BEGIN { printf "%.3f\n", a }'; }
bench_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", a / b }'; }
bench_median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# bench_f3_list T...: the values with 3 decimals, space-separated.
bench_f3_list() {
  local out="" t
  for t in "$@"; do out+="$(bench_f3 "$t") "; done
  printf '%s\n' "${out% }"
}

# bench_net NS_SRV NS_CLI SERVER_IP/24 CLIENT_IP/24: two namespaces linked by a veth pair.
bench_net() {
  e2e_make_ns "$1"
  e2e_make_ns "$2"
  e2e_link "$1" "$3" "$2" "$4"
  e2e_ping "$2" "${3%/*}" || e2e_fail "veth link does not work"
}

# bench_hook_setup CMD DIR N LOG: runs `CMD setup DIR N` (output to LOG), registers
# `CMD teardown DIR` for exit, and checks that DIR holds plugin.conf.
bench_hook_setup() {
  local cmd="$1" dir="$2" n="$3" log="$4"
  mkdir -p "$dir"
  e2e_on_exit "bash -c '$cmd teardown \"\$1\"' hook '$dir' >>'$log' 2>&1"
  e2e_show_log_on_fail "$log"
  bench_log "plugin hook: setup ($cmd setup $dir $n)"
  # shellcheck disable=SC2016
  bash -c "$cmd"' setup "$1" "$2"' hook "$dir" "$n" >>"$log" 2>&1 ||
    e2e_fail "plugin hook setup failed (see above)"
  [ -f "$dir/plugin.conf" ] || e2e_fail "plugin hook did not write $dir/plugin.conf"
}

# bench_check_pki DIR N: the files every server and client N needs.
bench_check_pki() {
  local f
  for f in ca.crt server.crt server.key tls-crypt.key "client-$2.crt" "client-$2.key"; do
    [ -s "$1/$f" ] || e2e_fail "PKI incomplete: $1/$f missing"
  done
}

# bench_server_conf PKI IP PORT POOL_ADDR POOL_MASK DEV VERB: a UDP server's lines on
# stdout. BENCH_CONNECT_FREQ=1 raises the reflection-attack limiter out of the way,
# BENCH_BIG_BUFFERS=1 gives the UDP socket 4 MiB buffers (see connect_storm.sh --help).
bench_server_conf() {
  cat <<EOF
mode server
tls-server
dev $6
dev-type tun
topology subnet
server $4 $5
proto udp
local $2
port $3
ca $1/ca.crt
cert $1/server.crt
key $1/server.key
dh none
tls-crypt $1/tls-crypt.key
remote-cert-tls client
keepalive 10 60
max-clients 4096
disable-dco
verb $7
EOF
  [ "${BENCH_CONNECT_FREQ:-1}" = 1 ] && echo "connect-freq-initial 100000 10"
  [ "${BENCH_BIG_BUFFERS:-1}" = 1 ] && printf 'rcvbuf %s\nsndbuf %s\n' 4194304 4194304
  [ -z "${BENCH_SERVER_EXTRA:-}" ] || printf '%s\n' "$BENCH_SERVER_EXTRA"
  return 0
}

# bench_client_conf PKI SERVER_IP PORT CERT_NAME [AUTH_FILE]: a `dev null` client of
# certificate PKI/CERT_NAME.crt on stdout; with AUTH_FILE it sends those credentials.
bench_client_conf() {
  cat <<EOF
client
dev null
proto udp
remote $2 $3
nobind
ca $1/ca.crt
cert $1/$4.crt
key $1/$4.key
tls-crypt $1/tls-crypt.key
remote-cert-tls server
pull-filter ignore "ifconfig"
pull-filter ignore "route"
pull-filter ignore "tun-mtu"
explicit-exit-notify 1
connect-retry 1
disable-dco
verb 3
EOF
  [ -z "${5:-}" ] || echo "auth-user-pass $5"
  [ -z "${BENCH_CLIENT_EXTRA:-}" ] || printf '%s\n' "$BENCH_CLIENT_EXTRA"
  return 0
}

# bench_credentials PKI I AUTH_FILE [CODE_OFFSET_S]: writes the login of warden device
# bench-I to AUTH_FILE (0600): a TOTP code for now (+ offset) when the hook enrolled it
# (PKI/client-I.totp), its static password (PKI/client-I.pass), else nothing (returns 1).
bench_credentials() {
  local pki="$1" i="$2" out="$3" offset="${4:-0}" secret
  if [ -f "$pki/client-$i.totp" ]; then
    secret=$(cat "$pki/client-$i.totp")
    (umask 077 && printf 'bench-%s\n%s\n' "$i" \
      "$(oathtool --totp -b "$secret" -N "@$((EPOCHSECONDS + offset))")" >"$out")
  elif [ -f "$pki/client-$i.pass" ]; then
    (umask 077 && printf 'bench-%s\n%s\n' "$i" "$(cat "$pki/client-$i.pass")" >"$out")
  else
    return 1
  fi
}

# bench_connect NS CONFIG DIR TIMEOUT_S [OPENVPN_ARGS...]: starts one client in NS and
# times it from the launch to its Init line, read from its output as it comes (a FIFO,
# so the time is taken when the line is written). Sets BENCH_T (seconds) and
# BENCH_CLIENT_PID: the client still runs, the caller stops it (its later output goes on
# to DIR/client.log through a `cat` that ends with it). Returns 1 (client stopped, last
# lines shown) when the line did not come in time.
# shellcheck disable=SC2034  # BENCH_T and BENCH_CLIENT_PID are read by the caller
bench_connect() {
  local ns="$1" conf="$2" dir="$3" timeout_s="$4"
  shift 4
  local fifo="$dir/client.fifo" fd rfd t0 t1="" line deadline left
  mkdir -p "$dir"
  rm -f "$fifo"
  mkfifo "$fifo"
  exec {fd}<>"$fifo"
  t0=$(bench_now)
  ip netns exec "$ns" "$E2E_OPENVPN" --config "$conf" "$@" >"$fifo" 2>&1 </dev/null &
  BENCH_CLIENT_PID=$!
  deadline=$((${t0%.*} + timeout_s))
  while :; do
    left=$((deadline - EPOCHSECONDS))
    [ "$left" -gt 0 ] || break
    IFS= read -r -t "$left" -u "$fd" line || break
    printf '%s\n' "$line" >>"$dir/client.log"
    case "$line" in *"$BENCH_INIT"*) t1=$(bench_now); break ;; esac
  done
  if [ -z "$t1" ]; then
    e2e_stop "$BENCH_CLIENT_PID" 1
    exec {fd}>&-
    bench_log "no '$BENCH_INIT' within ${timeout_s}s ($conf)"
    tail -n 20 "$dir/client.log" >&2 || true
    return 1
  fi
  # A read-only end passes to cat (inherited at fork, so the FIFO never lacks a reader and
  # OpenVPN never gets EPIPE); cat ends when the client does. (Opening it does not block:
  # our read-write end is a writer.)
  exec {rfd}<"$fifo"
  cat <&"$rfd" >>"$dir/client.log" 2>/dev/null &
  exec {rfd}<&- {fd}>&-
  BENCH_T=$(bench_fsub "$t1" "$t0")
}

# bench_deferrals LOG: verdicts the warden plugin deferred past its budget, from the
# lines it logs at verb 3 when a deferred verdict is written ("deferred request allowed"
# / "deferred request refused"; complete once the server has stopped).
bench_deferrals() {
  grep -cE 'warden: .*deferred request (allowed|refused)' "$1" 2>/dev/null || true
}

# bench_status_deferrals WARDENCTL SOCKET: wardend's own count of deferred verdicts (the
# plugin reports each one), from `wardenctl --json status`; empty when this build has none.
bench_status_deferrals() {
  WARDEN_SOCKET="$2" "$1" --json status 2>/dev/null |
    sed -n 's/.*"deferrals":{"total":\([0-9]*\).*/\1/p' || true
}

#!/usr/bin/env bash
# Connection storm benchmark with real OpenVPN 2.6 in network namespaces (SPEC §12).
#
#   bench/connect_storm.sh [N] [options]          (needs root: namespaces, tun)
#
# Measures, for an OpenVPN server in its own namespace and N clients in a second one
# (linked by a veth pair, 10.250.200.1 <-> 10.250.200.2, nothing leaves the namespaces):
#   * storm:  time from releasing N started, held clients at once until every one of them
#             has logged "Initialization Sequence Completed" (median over --rounds fresh
#             servers; see --no-hold);
#   * single: median connect time of one client alone (process launch -> that line) over
#             --single-rounds rounds, each against a fresh server.
# Clients use `dev null` and ignore pushed ifconfig/route/tun-mtu, so no tun per client;
# only the server has a tun device. The server is restarted for every round, so no stale
# session holds a pool address. With a plugin run, baseline and plugin rounds alternate, so drift on the
# machine hits both alike.
#
# Without a plugin hook it measures the baseline only (throwaway ECDSA P-256 PKI from
# test/e2e/lib.sh). With a hook it measures baseline and plugin run, interleaved round by
# round, both with the PKI the hook provides, and prints both figures and their ratios
# (target: plugin/baseline <= 1.10 for both).
#
# Options:
#   --rounds R            storm rounds per configuration (default 5; the median is reported)
#   --single-rounds K     single-client rounds per configuration (default 15)
#   --timeout S           bound for one storm round / one single connect (default 60)
#   --plugin-cmd CMD      plugin hook (also: env STORM_PLUGIN_CMD), see below
#   --pki DIR             use this PKI instead of a throwaway one (same files as below)
#   --plugin-conf FILE    server lines for the plugin run, without a hook (e.g. wardend
#                         already running): enables the plugin run
#   --default-connect-freq  keep OpenVPN's default `connect-freq-initial 100 10`; by default
#                         the server gets `connect-freq-initial 100000 10`, otherwise the
#                         reflection-attack limiter, not the server, paces a storm above 100
#   --default-buffers     keep the OS default UDP socket buffers on the server (208 KiB); by
#                         default the server gets `rcvbuf`/`sndbuf 4194304` (capped by
#                         net.core.rmem_max/wmem_max): with 208 KiB a storm of 200 overflows
#                         the receive buffer and the dropped clients retransmit 2 s later,
#                         which turns the figure into a step function of the drop count
#   --no-hold             time the storm from spawning the N client processes; by default
#                         the N clients are started first, each held by --management-hold
#                         (port 20000+i on the client namespace's loopback), and the clock
#                         starts when bench/storm/release.sh releases them all at once, so
#                         the figure is the handshakes, not N process start-ups
#   --keep                keep the work dir (logs, configs) and print its path
#
# Plugin hook (--plugin-cmd CMD): CMD is run by bash -c with arguments appended:
#   CMD setup DIR N          before any measurement. Must leave in DIR:
#                              ca.crt server.crt server.key tls-crypt.key
#                              client-1.crt client-1.key ... client-N.crt client-N.key
#                                (client certs the plugin admits, e.g. devices added in warden)
#                              plugin.conf   server-config lines added for the plugin run only,
#                                            e.g. `plugin /path/openvpn-plugin-warden.so
#                                            socket=DIR/run/plugin.sock instance=bench`
#                              common.conf   (optional) lines added to both runs
#                            It may start services (wardend) and must return once they are
#                            ready. Lines are appended after the benchmark's own server config
#                            (so a later single-valued option such as `server ... nopool`
#                            overrides the earlier one).
#   CMD teardown DIR         at exit (also on failure), if setup was started: stop services.
#   Environment given to the hook: STORM_SERVER_NS (server namespace: run anything that needs
#   the network or nftables there, e.g. `ip netns exec $STORM_SERVER_NS wardend ...`),
#   STORM_CLIENT_NS, STORM_SERVER_IP (10.250.200.1), STORM_PORT (1194), STORM_POOL
#   (10.252.0.0/16, the server's VPN network), STORM_OPENVPN (the openvpn binary),
#   STORM_REPO (repo root).
#   bench/storm/warden_hook.sh implements it with wardend/wardenctl/the plugin:
#     bench/connect_storm.sh 200 --plugin-cmd bench/storm/warden_hook.sh
#
# Output: one line per round, then a summary (seconds, 3 decimals), e.g.
#   baseline: storm N=200 all connected 0.912 s (rounds 0.905 0.912 0.950); single median 0.031 s
#   plugin:   storm N=200 all connected 0.950 s (...); single median 0.033 s
#   ratio plugin/baseline: storm 1.04, single 1.06 (target <= 1.10)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
E2E_NAME=connect_storm
# shellcheck source=SCRIPTDIR/../test/e2e/lib.sh
source "$repo/test/e2e/lib.sh"

n=200
rounds=5
single_rounds=15
timeout_s=60
plugin_cmd="${STORM_PLUGIN_CMD:-}"
pki=""
plugin_conf=""
raise_connect_freq=1
keep=0
hold=1
big_buffers=1
mgmt_base=20000
usage() { sed -n '2,60p' "$0" | sed -n '/^#/s/^# \{0,1\}//p'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift ;;
    --single-rounds) single_rounds="$2"; shift ;;
    --timeout) timeout_s="$2"; shift ;;
    --plugin-cmd) plugin_cmd="$2"; shift ;;
    --pki) pki=$(cd "$2" && pwd); shift ;;
    --plugin-conf) plugin_conf=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift ;;
    --default-connect-freq) raise_connect_freq=0 ;;
    --keep) keep=1 ;;
    --no-hold) hold=0 ;;
    --default-buffers) big_buffers=0 ;;
    -h|--help) usage; exit 0 ;;
    [0-9]*) n="$1" ;;
    *) echo "connect_storm: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
for v in "$n" "$rounds" "$single_rounds" "$timeout_s"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "connect_storm: not a positive integer: $v" >&2; exit 2; }
done

e2e_require_root_netns --tun
e2e_tmpdir >/dev/null
work="$E2E_DIR"
if [ "$keep" = 1 ]; then
  # Keep the work dir: drop its removal from the cleanup registry.
  sed -i '/^rm -rf -- /d' "$E2E_REGISTRY"
  echo "connect_storm: work dir (kept): $work" >&2
fi

INIT='Initialization Sequence Completed'
ns_srv="storm-srv-$$"
ns_cli="storm-cli-$$"
server_ip=10.250.200.1
port=1194
pool_addr=10.252.0.0
pool_mask=255.255.0.0
export STORM_SERVER_NS="$ns_srv" STORM_CLIENT_NS="$ns_cli" STORM_SERVER_IP="$server_ip" \
  STORM_PORT="$port" STORM_POOL="$pool_addr/16" STORM_OPENVPN="$E2E_OPENVPN" STORM_REPO="$repo"

log() { printf '%s\n' "$*" >&2; }
now() { printf '%s\n' "${EPOCHREALTIME/,/.}"; }
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f\n", a - b }'; }
f3() { awk -v a="$1" 'BEGIN { printf "%.3f\n", a }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

e2e_make_ns "$ns_srv"
e2e_make_ns "$ns_cli"
e2e_link "$ns_srv" "$server_ip/24" "$ns_cli" 10.250.200.2/24
e2e_ping "$ns_cli" "$server_ip" || e2e_fail "veth link does not work"

# --- PKI and configuration ------------------------------------------------------------------
configs=(baseline)
if [ -n "$plugin_cmd" ]; then
  [ -z "$pki" ] || e2e_fail "--pki and --plugin-cmd exclude each other (the hook provides the PKI)"
  pki="$work/hook"
  mkdir -p "$pki"
  e2e_on_exit "bash -c '$plugin_cmd teardown \"\$1\"' hook '$pki' >>'$work/hook.log' 2>&1"
  e2e_show_log_on_fail "$work/hook.log"
  log "plugin hook: setup ($plugin_cmd setup $pki $n)"
  # shellcheck disable=SC2016
  bash -c "$plugin_cmd"' setup "$1" "$2"' hook "$pki" "$n" >>"$work/hook.log" 2>&1 ||
    e2e_fail "plugin hook setup failed (see above)"
  [ -f "$pki/plugin.conf" ] || e2e_fail "plugin hook did not write $pki/plugin.conf"
  plugin_conf="$pki/plugin.conf"
elif [ -z "$pki" ]; then
  pki="$work/pki"
  log "making a throwaway PKI with $n client certificates"
  e2e_make_test_pki "$pki" "$n"
fi
[ -n "$plugin_conf" ] && configs+=(plugin)
for f in ca.crt server.crt server.key tls-crypt.key "client-$n.crt" "client-$n.key"; do
  [ -s "$pki/$f" ] || e2e_fail "PKI incomplete: $pki/$f missing"
done

write_server_conf() { # CONFIG OUTFILE
  {
    cat <<EOF
mode server
tls-server
dev tun
topology subnet
server $pool_addr $pool_mask
proto udp
local $server_ip
port $port
ca $pki/ca.crt
cert $pki/server.crt
key $pki/server.key
dh none
tls-crypt $pki/tls-crypt.key
remote-cert-tls client
keepalive 10 60
max-clients 4096
disable-dco
verb 3
EOF
    [ "$raise_connect_freq" = 1 ] && echo "connect-freq-initial 100000 10"
    [ "$big_buffers" = 1 ] && printf 'rcvbuf %s\nsndbuf %s\n' 4194304 4194304
    if [ -f "$pki/common.conf" ]; then echo "# common.conf"; cat "$pki/common.conf"; fi
    if [ "$1" = plugin ]; then echo "# plugin.conf"; cat "$plugin_conf"; fi
  } >"$2"
}
for c in "${configs[@]}"; do write_server_conf "$c" "$work/server-$c.conf"; done

mkdir -p "$work/clients"
for ((i = 1; i <= n; i++)); do
  cat >"$work/clients/c-$i.conf" <<EOF
client
dev null
proto udp
remote $server_ip $port
nobind
ca $pki/ca.crt
cert $pki/client-$i.crt
key $pki/client-$i.key
tls-crypt $pki/tls-crypt.key
remote-cert-tls server
pull-filter ignore "ifconfig"
pull-filter ignore "route"
pull-filter ignore "tun-mtu"
explicit-exit-notify 1
connect-retry 1
disable-dco
verb 3
EOF
done

# Starts all clients of a storm from one process inside the client namespace; with hold,
# each waits on its management port (127.0.0.1:BASE+i in the client namespace) until
# bench/storm/release.sh releases them all at once.
cat >"$work/launch.sh" <<'EOF'
# launch.sh OPENVPN N CLIENTDIR LOGDIR HOLD_BASE_PORT|0
for ((i = 1; i <= $2; i++)); do
  hold=()
  [ "$5" = 0 ] || hold=(--management 127.0.0.1 "$(($5 + i))" --management-hold)
  "$1" --config "$3/c-$i.conf" --log "$4/c-$i.log" --writepid "$4/c-$i.pid" "${hold[@]}" </dev/null >/dev/null 2>&1 &
done
wait
EOF

# --- helpers ----------------------------------------------------------------------------------
srv_pid=""
start_server() { # CONFIG LOGFILE
  e2e_start_openvpn "$ns_srv" "$work/server-$1.conf" "$2"
  srv_pid=$E2E_PID
  e2e_wait_for_log "$2" "$INIT" 30 "$srv_pid" || e2e_fail "OpenVPN server ($1) did not start"
}
stop_server() { e2e_stop "$srv_pid" 10; srv_pid=""; }

# Ends every client process in the client namespace (SIGNAL first, SIGKILL after 10 s),
# then reaps the storm launcher (whose children they are), so nothing is left orphaned.
launcher_pid=""
stop_clients() { # SIGNAL
  local pids
  pids=$(ip netns pids "$ns_cli" | grep -vx "${launcher_pid:-none}" | tr '\n' ' ' || true)
  if [ -n "${pids// /}" ]; then
    # shellcheck disable=SC2086
    kill "-$1" $pids 2>/dev/null || true
  fi
  if ! e2e_wait_for "[ -z \"\$(ip netns pids '$ns_cli' | grep -vx '${launcher_pid:-none}')\" ]" 10; then
    pids=$(ip netns pids "$ns_cli" | tr '\n' ' ')
    # shellcheck disable=SC2086
    [ -z "${pids// /}" ] || kill -KILL $pids 2>/dev/null || true
  fi
  if [ -n "$launcher_pid" ]; then
    e2e_stop "$launcher_pid" 5
    launcher_pid=""
  fi
}

# Datagrams the kernel dropped at the server's UDP socket (full receive buffer): each one
# costs its client a TLS retransmission (2 s).
server_drops() {
  ip netns exec "$ns_srv" ss -uamnH "sport = :$port" | grep -o ',d[0-9]*)' | tr -dc '0-9' || true
}

# One storm round; sets STORM_T to the seconds until all N clients were connected.
STORM_T=""
storm_round() { # CONFIG ROUND
  local cfg="$1" r="$2" dir="$work/storm-$1-$2"
  mkdir -p "$dir"
  start_server "$cfg" "$dir/server.log"
  local -A seen=()
  local t0 t_detect deadline count f connected i
  local hold_port=0 rel_pid=""
  [ "$hold" = 1 ] && hold_port=$mgmt_base
  [ "$hold" = 1 ] || t0=$(now)
  ip netns exec "$ns_cli" bash "$work/launch.sh" "$E2E_OPENVPN" "$n" "$work/clients" "$dir" "$hold_port" \
    </dev/null >"$dir/launch.log" 2>&1 &
  launcher_pid=$!
  if [ "$hold" = 1 ]; then
    mkfifo "$dir/go"
    ip netns exec "$ns_cli" bash "$here/storm/release.sh" "$n" "$mgmt_base" "$dir/go" "$timeout_s" \
      </dev/null >"$dir/release.log" 2>&1 &
    rel_pid=$!
    if ! e2e_wait_for_log "$dir/release.log" '^ready$' "$timeout_s" "$rel_pid"; then
      stop_clients KILL
      stop_server
      e2e_fail "storm clients did not come up on hold ($cfg round $r)"
    fi
    t0=$(now)
    echo go >"$dir/go"
    e2e_wait_for_log "$dir/release.log" '^released$' 10 "$rel_pid" || e2e_fail "release of the held clients failed"
    e2e_stop "$rel_pid" 5
  fi
  deadline=$((${t0%.*} + timeout_s))
  while :; do
    connected=$(grep -l -F "$INIT" "$dir"/c-*.log 2>/dev/null || true)
    t_detect=$(now)
    count=0
    for f in $connected; do
      [ -n "${seen[$f]:-}" ] || seen[$f]="$t_detect"
      count=$((count + 1))
    done
    [ "$count" -lt "$n" ] || break
    if [ "$EPOCHSECONDS" -ge "$deadline" ]; then
      log "storm $cfg round $r: only $count of $n clients connected within ${timeout_s}s"
      for ((i = 1; i <= n; i++)); do
        grep -qF "$INIT" "$dir/c-$i.log" 2>/dev/null && continue
        log "--- $dir/c-$i.log (first client not connected) ---"
        tail -n 20 "$dir/c-$i.log" >&2 2>/dev/null || true
        break
      done
      log "--- server log (tail) ---"
      tail -n 20 "$dir/server.log" >&2
      stop_clients KILL
      stop_server
      e2e_fail "storm round timed out ($cfg, N=$n)"
    fi
    # Only ends the wait: the figure comes from the logs' mtimes, so a slow poll is fine
    # and leaves the CPU to OpenVPN.
    sleep 0.05
  done
  # Exact completion time per client: the log's mtime when nothing but the Init line and
  # the lines logged with it came last, else the time we first saw it (upper bound).
  local -A mtime=()
  local m name
  while read -r m name; do mtime[$name]="$m"; done < <(stat -c '%.9Y %n' "$dir"/c-*.log)
  local drops
  drops=$(server_drops)
  stop_clients KILL
  stop_server
  # Lines OpenVPN logs in the same breath right after the Init line do not count as later.
  local -A exact_ok=()
  local ok
  while read -r name ok; do exact_ok[$name]="$ok"; done < <(awk -v init="$INIT" '
    FNR == 1 { if (fn != "") print fn, ok; fn = FILENAME; after = 0; ok = 0 }
    index($0, init) { after = 1; ok = 1; next }
    after && !/(Data Channel: |Timers: |Protocol options: )/ { ok = 0 }
    END { if (fn != "") print fn, ok }' "$dir"/c-*.log)
  local last=0 done_t exact=0
  for f in "${!seen[@]}"; do
    done_t="${seen[$f]}"
    if [ "${exact_ok[$f]:-0}" = 1 ] && [ -n "${mtime[$f]:-}" ]; then done_t="${mtime[$f]}"; exact=$((exact + 1)); fi
    last=$(awk -v a="$last" -v b="$done_t" 'BEGIN { print (b > a) ? b : a }')
  done
  [ "$exact" -eq "$n" ] || log "  ($((n - exact)) of $n clients logged after the Init line: their time is the poll time)"
  [ "${drops:-0}" = 0 ] || log "  (the server's UDP socket dropped $drops datagrams: full receive buffer, clients retransmit after 2 s)"
  STORM_T=$(fsub "$last" "$t0")
}

# One single-client round against a fresh server; sets SINGLE_T to the connect time (s).
SINGLE_T=""
single_round() { # CONFIG ROUND
  local cfg="$1" r="$2" dir="$work/single-$1-$2" fifo t0 t1 line pid fd deadline left
  mkdir -p "$dir"
  start_server "$cfg" "$dir/server.log"
  fifo="$dir/client.fifo"
  mkfifo "$fifo"
  # Read the client's output as it comes (a FIFO held open read-write by us, so OpenVPN
  # never blocks or gets EPIPE) and take the time when the Init line arrives.
  exec {fd}<>"$fifo"
  t0=$(now)
  # (The server is restarted next: no need for the 2 s of explicit-exit-notify on SIGTERM.)
  ip netns exec "$ns_cli" "$E2E_OPENVPN" --config "$work/clients/c-1.conf" --explicit-exit-notify 0 \
    >"$fifo" 2>&1 </dev/null &
  pid=$!
  t1=""
  deadline=$((${t0%.*} + timeout_s))
  while :; do
    left=$((deadline - EPOCHSECONDS))
    [ "$left" -gt 0 ] || break
    IFS= read -r -t "$left" -u "$fd" line || break
    printf '%s\n' "$line" >>"$dir/client.log"
    case "$line" in *"$INIT"*) t1=$(now); break ;; esac
  done
  if [ -z "$t1" ]; then
    log "single $cfg round $r: no '$INIT' within ${timeout_s}s"
    tail -n 20 "$dir/client.log" >&2 || true
    e2e_stop "$pid" 1
    exec {fd}>&-
    e2e_fail "single-client connect timed out ($cfg)"
  fi
  e2e_stop "$pid" 5
  while IFS= read -r -t 0.05 -u "$fd" line; do printf '%s\n' "$line" >>"$dir/client.log"; done || true
  exec {fd}>&-
  stop_server
  SINGLE_T=$(fsub "$t1" "$t0")
}

# --- measurement ------------------------------------------------------------------------------
declare -A storm_times=() single_times=()
log "connect storm: N=$n, $rounds storm round(s), $single_rounds single-client round(s), configs: ${configs[*]}"
log "server $server_ip:$port/udp in netns $ns_srv, clients in netns $ns_cli, $("$E2E_OPENVPN" --version | head -n 1 | awk '{print $1, $2}')"
for ((r = 1; r <= rounds; r++)); do
  for c in "${configs[@]}"; do
    storm_round "$c" "$r"
    storm_times[$c]+="$STORM_T "
    log "  storm  $c round $r: all $n connected in $(f3 "$STORM_T") s"
  done
done
for ((r = 1; r <= single_rounds; r++)); do
  for c in "${configs[@]}"; do
    single_round "$c" "$r"
    single_times[$c]+="$SINGLE_T "
    log "  single $c round $r: connected in $(f3 "$SINGLE_T") s"
  done
done

declare -A storm_med=() single_med=()
for c in "${configs[@]}"; do
  # shellcheck disable=SC2086
  storm_med[$c]=$(median ${storm_times[$c]})
  # shellcheck disable=SC2086
  single_med[$c]=$(median ${single_times[$c]})
  rs=""
  for t in ${storm_times[$c]}; do rs+="$(f3 "$t") "; done
  rc=""
  for t in ${single_times[$c]}; do rc+="$(f3 "$t") "; done
  printf '%-9s storm N=%d all connected %s s (rounds %s); single median %s s (rounds %s)\n' \
    "$c:" "$n" "$(f3 "${storm_med[$c]}")" "${rs% }" "$(f3 "${single_med[$c]}")" "${rc% }"
done
if [ -n "${storm_med[plugin]:-}" ]; then
  awk -v sp="${storm_med[plugin]}" -v sb="${storm_med[baseline]}" -v cp="${single_med[plugin]}" -v cb="${single_med[baseline]}" \
    'BEGIN { rs = sp / sb; rc = cp / cb;
             printf "ratio plugin/baseline: storm %.2f, single %.2f (target <= 1.10): %s\n", rs, rc,
               (rs <= 1.10 && rc <= 1.10) ? "met" : "NOT met" }'
fi

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
#   --mix                 half the clients log in with a TOTP code, a quarter with a static
#                         password, the rest with the certificate only (needs
#                         bench/storm/warden_hook.sh; baseline clients send the same
#                         credentials, the bare server ignores them). Every TOTP client
#                         is a device of its own per round (one code per 30 s step per
#                         device); the password devices log in in every round, after a
#                         first login in a plugin warm-up round that is not counted.
#                         Single-client rounds use a certificate-only client.
#   --variant NAME=ARGS   one more plugin configuration in the same run (repeatable): the
#                         plugin run's server config with ARGS appended to its `plugin`
#                         line, e.g. --variant b20=budget_ms=20; its rounds alternate
#                         with the others' and it gets a ratio line of its own
#   --verb V              server verbosity (default 3; 7 adds the plugin's debug lines,
#                         e.g. "connect deferred common_name=...", to the server logs)
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
# With a warden plugin each plugin round also reports how many verdicts the plugin
# deferred past its budget (each costs its client OpenVPN's ~1 s deferral cycle).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
E2E_NAME=connect_storm
# shellcheck source=SCRIPTDIR/../test/e2e/lib.sh
source "$repo/test/e2e/lib.sh"
# shellcheck source=SCRIPTDIR/lib.sh
source "$here/lib.sh"

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
mix=0
verb=3
declare -A variant_args=()
variant_names=()
mgmt_base=20000
usage() { sed -n '2,80p' "$0" | sed -n '/^#/s/^# \{0,1\}//p'; }
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
    --mix) mix=1 ;;
    --verb) verb="$2"; shift ;;
    --variant)
      [[ "$2" =~ ^[a-z0-9_]+=.+$ ]] || { echo "connect_storm: --variant NAME=ARGS, got $2" >&2; exit 2; }
      variant_names+=("${2%%=*}")
      variant_args[${2%%=*}]="${2#*=}"
      shift ;;
    -h|--help) usage; exit 0 ;;
    [0-9]*) n="$1" ;;
    *) echo "connect_storm: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
for v in "$n" "$rounds" "$single_rounds" "$timeout_s" "$verb"; do
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

log() { bench_log "$@"; }
now() { bench_now; }
f3() { bench_f3 "$1"; }
BENCH_CONNECT_FREQ=$raise_connect_freq
BENCH_BIG_BUFFERS=$big_buffers

bench_net "$ns_srv" "$ns_cli" "$server_ip/24" 10.250.200.2/24

# --- clients: slots 1..N; with --mix slot i logs in as ----------------------------------------
#   1..T (T = N/2)         TOTP; round r >= 1 uses device N + (r-1)*T + i, round 0 (the
#                          plugin warm-up) device i: each TOTP device logs in once
#   T+1..T+P (P = N/4)     static password, device i in every round
#   the rest               certificate only, device i
n_totp=0
n_pass=0
devices=$n
if [ "$mix" = 1 ]; then
  n_totp=$((n / 2))
  n_pass=$((n / 4))
  devices=$((n + n_totp * rounds))
  export STORM_TOTP_DEVICES="1-$n_totp,$((n + 1))-$devices"
  export STORM_PASSWORD_DEVICES="$((n_totp + 1))-$((n_totp + n_pass))"
  command -v oathtool >/dev/null || e2e_fail "oathtool is missing (scripts/bootstrap installs it)"
fi
# device_of SLOT ROUND
device_of() {
  if [ "$1" -le "$n_totp" ] && [ "$2" -ge 1 ]; then echo $((n + ($2 - 1) * n_totp + $1)); else echo "$1"; fi
}

# --- PKI and configuration ------------------------------------------------------------------
configs=(baseline)
if [ -n "$plugin_cmd" ]; then
  [ -z "$pki" ] || e2e_fail "--pki and --plugin-cmd exclude each other (the hook provides the PKI)"
  pki="$work/hook"
  bench_hook_setup "$plugin_cmd" "$pki" "$devices" "$work/hook.log"
  plugin_conf="$pki/plugin.conf"
elif [ "$mix" = 1 ]; then
  e2e_fail "--mix needs --plugin-cmd bench/storm/warden_hook.sh (TOTP and password devices)"
elif [ -z "$pki" ]; then
  pki="$work/pki"
  log "making a throwaway PKI with $n client certificates"
  e2e_make_test_pki "$pki" "$n"
fi
if [ -n "$plugin_conf" ]; then
  configs+=(plugin "${variant_names[@]}")
elif [ "${#variant_names[@]}" -gt 0 ]; then
  e2e_fail "--variant needs a plugin run (--plugin-cmd or --plugin-conf)"
fi
bench_check_pki "$pki" "$devices"

write_server_conf() { # CONFIG OUTFILE
  {
    bench_server_conf "$pki" "$server_ip" "$port" "$pool_addr" "$pool_mask" tun "$verb"
    if [ -f "$pki/common.conf" ]; then echo "# common.conf"; cat "$pki/common.conf"; fi
    if [ "$1" = plugin ]; then echo "# plugin.conf"; cat "$plugin_conf"; fi
    if [ -n "${variant_args[$1]:-}" ]; then
      echo "# plugin.conf, variant $1"
      sed "/^plugin /s|\$| ${variant_args[$1]}|" "$plugin_conf"
    fi
  } >"$2"
}
for c in "${configs[@]}"; do write_server_conf "$c" "$work/server-$c.conf"; done

# write_clients DIR ROUND: the N client configs of a storm round (c-SLOT.conf), with
# their credentials (TOTP codes computed now: call it right before the round).
write_clients() {
  local dir="$1" r="$2" i d auth
  mkdir -p "$dir"
  for ((i = 1; i <= n; i++)); do
    d=$(device_of "$i" "$r")
    auth=""
    if [ "$mix" = 1 ] && [ "$i" -le $((n_totp + n_pass)) ]; then
      auth="$dir/c-$i.auth"
      bench_credentials "$pki" "$d" "$auth" || e2e_fail "no credentials for bench-$d (hook without TOTP/password support?)"
    fi
    bench_client_conf "$pki" "$server_ip" "$port" "client-$d" "$auth" >"$dir/c-$i.conf"
  done
}
# The single-client rounds: the last slot (certificate only also with --mix).
bench_client_conf "$pki" "$server_ip" "$port" "client-$n" >"$work/single.conf"

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

# One storm round; sets STORM_T to the seconds until all N clients were connected and
# STORM_DEFERRED to the verdicts the plugin deferred (empty for the baseline).
STORM_T=""
STORM_DEFERRED=""
storm_round() { # CONFIG ROUND
  local cfg="$1" r="$2" dir="$work/storm-$1-$2"
  mkdir -p "$dir"
  start_server "$cfg" "$dir/server.log"
  write_clients "$dir/clients" "$r"
  local -A seen=()
  local t0 t_detect deadline count f connected i
  local hold_port=0 rel_pid=""
  [ "$hold" = 1 ] && hold_port=$mgmt_base
  [ "$hold" = 1 ] || t0=$(now)
  ip netns exec "$ns_cli" bash "$work/launch.sh" "$E2E_OPENVPN" "$n" "$dir/clients" "$dir" "$hold_port" \
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
  STORM_T=$(bench_fsub "$last" "$t0")
  STORM_DEFERRED=""
  [ "$cfg" = baseline ] || STORM_DEFERRED=$(bench_deferrals "$dir/server.log")
}

# One single-client round against a fresh server; sets SINGLE_T to the connect time (s).
SINGLE_T=""
single_round() { # CONFIG ROUND
  local cfg="$1" r="$2" dir="$work/single-$1-$2"
  mkdir -p "$dir"
  start_server "$cfg" "$dir/server.log"
  # (The server is restarted next: no need for the 2 s of explicit-exit-notify on SIGTERM.)
  bench_connect "$ns_cli" "$work/single.conf" "$dir" "$timeout_s" --explicit-exit-notify 0 ||
    e2e_fail "single-client connect timed out ($cfg round $r)"
  e2e_stop "$BENCH_CLIENT_PID" 5
  stop_server
  SINGLE_T=$BENCH_T
}

# --- measurement ------------------------------------------------------------------------------
declare -A storm_times=() single_times=()
log "connect storm: N=$n, $rounds storm round(s), $single_rounds single-client round(s), configs: ${configs[*]}"
log "server $server_ip:$port/udp in netns $ns_srv, clients in netns $ns_cli, $("$E2E_OPENVPN" --version | head -n 1 | awk '{print $1, $2}')"
declare -A storm_deferred=()
if [ "$mix" = 1 ] && [ -n "$plugin_conf" ]; then
  storm_round plugin 0
  log "  storm  plugin warm-up (first password logins, not counted): $(f3 "$STORM_T") s, deferred $STORM_DEFERRED"
fi
for ((r = 1; r <= rounds; r++)); do
  for c in "${configs[@]}"; do
    storm_round "$c" "$r"
    storm_times[$c]+="$STORM_T "
    storm_deferred[$c]+="${STORM_DEFERRED:+$STORM_DEFERRED }"
    log "  storm  $c round $r: all $n connected in $(f3 "$STORM_T") s${STORM_DEFERRED:+, deferred $STORM_DEFERRED}"
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
mixed_tag=""
[ "$mix" = 0 ] || mixed_tag=" (mixed: $n_totp TOTP, $n_pass password)"
for c in "${configs[@]}"; do
  # shellcheck disable=SC2086
  storm_med[$c]=$(bench_median ${storm_times[$c]})
  # shellcheck disable=SC2086
  single_med[$c]=$(bench_median ${single_times[$c]})
  # shellcheck disable=SC2086
  rs=$(bench_f3_list ${storm_times[$c]})
  # shellcheck disable=SC2086
  rc=$(bench_f3_list ${single_times[$c]})
  d=""
  [ -z "${storm_deferred[$c]:-}" ] || d="; deferred per round ${storm_deferred[$c]% }"
  printf '%-9s storm N=%d%s all connected %s s (rounds %s%s); single median %s s (rounds %s)\n' \
    "$c:" "$n" "$mixed_tag" "$(f3 "${storm_med[$c]}")" "$rs" "$d" "$(f3 "${single_med[$c]}")" "$rc"
done
for c in "${configs[@]}"; do
  [ "$c" != baseline ] || continue
  awk -v c="$c" -v sp="${storm_med[$c]}" -v sb="${storm_med[baseline]}" -v cp="${single_med[$c]}" -v cb="${single_med[baseline]}" \
    'BEGIN { rs = sp / sb; rc = cp / cb;
             printf "ratio %s/baseline: storm %.2f, single %.2f (target <= 1.10): %s\n", c, rs, rc,
               (rs <= 1.10 && rc <= 1.10) ? "met" : "NOT met" }'
done

# shellcheck shell=bash
# shellcheck disable=SC2034  # E2E_* globals are read by the sourcing test scripts
# End-to-end test library for warden: network namespaces, veth links, real OpenVPN.
#
#   source "$(dirname "$0")/lib.sh"
#   e2e_require_root_netns            # prints "SKIP: ..." and exits 77 when not possible
#   e2e_tmpdir; dir=$E2E_DIR
#   e2e_make_ns "srv-$$"; e2e_make_ns "cli-$$"
#   e2e_link "srv-$$" 10.250.1.1/24 "cli-$$" 10.250.1.2/24
#   e2e_start_openvpn "srv-$$" "$dir/server.conf" "$dir/server.log"; srv=$E2E_PID
#   e2e_wait_for_log "$dir/server.log" 'Initialization Sequence Completed' 10 "$srv" || e2e_fail "server did not start"
#   ...
#   e2e_pass "tunnel works"
#
# Rules the library enforces or helps with:
#   * Everything network-related happens inside namespaces the test creates. veth pairs are
#     created directly inside their namespaces (never in the host's root namespace), and the
#     root namespace gets no address and no route.
#   * Namespace names must be unique per run: include $$ (E2E_ID) in them.
#   * Every namespace, process and temp dir is registered for cleanup and removed on exit,
#     also on failure or signal, in reverse order of registration. Registration goes through
#     a file, so functions also register correctly when called inside $(...).
#   * No sleeps as synchronisation: e2e_wait_* poll for the event every 20 ms with a bound.
#
# Return values: functions that create something set a global (E2E_PID, E2E_DIR, E2E_IF_A,
# E2E_IF_B); e2e_tmpdir and e2e_start_* also print the value when called inside $(...),
# so both `f; x=$E2E_PID` and `x=$(f)` work (cleanup is registered either way). Prefer the
# first form for e2e_start_*: a process started inside $(...) is orphaned when the
# subshell ends, so the test cannot `wait` for it.
#
# Environment: E2E_TMP (parent of temp dirs, default /tmp), E2E_KEEP=1 (keep the temp dir
# after a failed run and say where it is), OPENVPN (default /usr/sbin/openvpn, else PATH),
# E2E_VERBOSE=1 (trace cleanup).
#
# The library does not change shell options; it works under `set -euo pipefail`.

E2E_ID="$$"
E2E_NAME="${E2E_NAME:-$(basename "${0%.sh}")}"
E2E_OPENVPN="${OPENVPN:-}"
if [ -z "$E2E_OPENVPN" ]; then
  if [ -x /usr/sbin/openvpn ]; then E2E_OPENVPN=/usr/sbin/openvpn; else E2E_OPENVPN=$(command -v openvpn || echo openvpn); fi
fi
E2E_PID=""
E2E_DIR=""
E2E_IF_A=""
E2E_IF_B=""
# Cleanup registry and list of logs to show on failure: files, so subshells can append.
E2E_REGISTRY=$(mktemp "${E2E_TMP:-/tmp}/warden-e2e-reg-$$-XXXXXX")
E2E_LOGS="$E2E_REGISTRY.logs"
: >"$E2E_LOGS"

# _e2e_ret VALUE: print VALUE only when called inside a subshell ($(...)), where the global
# set by the function would be lost; in the main shell stay quiet.
_e2e_ret() { if [ "$BASH_SUBSHELL" -gt 0 ]; then printf '%s\n' "$1"; fi; }

# --- output -------------------------------------------------------------------------------

e2e_log() { printf '[%s] %s\n' "$E2E_NAME" "$*" >&2; }

# e2e_fail MSG: print "FAIL: <test>: MSG" on stderr and exit 1 (cleanup runs from the trap).
e2e_fail() {
  printf 'FAIL: %s: %s\n' "$E2E_NAME" "$*" >&2
  exit 1
}

# e2e_pass MSG: print "PASS: <test>: MSG" (does not exit).
e2e_pass() { printf 'PASS: %s: %s\n' "$E2E_NAME" "$*"; }

# e2e_skip MSG: print "SKIP: MSG" and exit 77 (ctest SKIP_RETURN_CODE).
e2e_skip() {
  printf 'SKIP: %s\n' "$*"
  exit 77
}

# --- cleanup ------------------------------------------------------------------------------

# e2e_on_exit CMD...: register a command (one string, eval'd) run at exit, last first.
e2e_on_exit() { printf '%s\n' "$*" >>"$E2E_REGISTRY"; }

# e2e_show_log_on_fail FILE: print the tail of FILE if the test fails.
e2e_show_log_on_fail() { printf '%s\n' "$1" >>"$E2E_LOGS"; }

# e2e_cleanup: run every registered command now (reverse order) and empty the registry.
# Called by the EXIT trap; tests may call it early to check that everything is gone.
e2e_cleanup() {
  local cmd
  [ -f "$E2E_REGISTRY" ] || return 0
  while IFS= read -r cmd; do
    [ -n "$cmd" ] || continue
    [ "${E2E_VERBOSE:-0}" = 1 ] && e2e_log "cleanup: $cmd"
    eval "$cmd" >/dev/null 2>&1 || true
  done < <(tac "$E2E_REGISTRY")
  : >"$E2E_REGISTRY"
}

_e2e_exit_trap() {
  local rc=$?
  set +e
  trap - EXIT INT TERM HUP
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -s "$E2E_LOGS" ]; then
    local f
    while IFS= read -r f; do
      [ -f "$f" ] || continue
      printf -- '--- last 40 lines of %s ---\n' "$f" >&2
      tail -n 40 "$f" >&2
    done <"$E2E_LOGS"
  fi
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ "${E2E_KEEP:-0}" = 1 ] && [ -n "$E2E_DIR" ]; then
    # Keep the temp dir(s): drop their removal from the registry.
    grep -v '^rm -rf -- ' "$E2E_REGISTRY" >"$E2E_REGISTRY.tmp" 2>/dev/null
    mv -f "$E2E_REGISTRY.tmp" "$E2E_REGISTRY"
    e2e_log "keeping $E2E_DIR (E2E_KEEP=1)"
  fi
  e2e_cleanup
  rm -f "$E2E_REGISTRY" "$E2E_LOGS" "$E2E_REGISTRY.tmp"
  exit "$rc"
}
trap _e2e_exit_trap EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --- prerequisites ------------------------------------------------------------------------

# e2e_require_root_netns [--tun|--no-tun]: skip (exit 77) unless we are root, iproute2 and
# OpenVPN are there, a namespace and a veth pair can be created and (with --tun, the
# default) a tun device can be created inside a namespace.
e2e_require_root_netns() {
  local need_tun=1
  case "${1:---tun}" in
    --tun) ;;
    --no-tun) need_tun=0 ;;
    *) e2e_fail "e2e_require_root_netns: unknown option $1" ;;
  esac
  [ "$(id -u)" -eq 0 ] || e2e_skip "needs root (network namespaces, tun devices)"
  command -v ip >/dev/null 2>&1 || e2e_skip "iproute2 (ip) not installed"
  [ -x "$E2E_OPENVPN" ] || command -v "$E2E_OPENVPN" >/dev/null 2>&1 || e2e_skip "openvpn not found ($E2E_OPENVPN)"
  local probe="e2e-probe-$$"
  if ! ip netns add "$probe" 2>/dev/null; then
    e2e_skip "cannot create network namespaces (ip netns add failed)"
  fi
  local ok=1 why=""
  if ! ip -n "$probe" link set lo up 2>/dev/null; then ok=0; why="cannot configure links in a namespace"; fi
  if [ "$ok" = 1 ] && [ "$need_tun" = 1 ]; then
    if [ ! -c /dev/net/tun ]; then
      ok=0; why="/dev/net/tun missing"
    elif ! ip -n "$probe" tuntap add dev e2eprobe mode tun 2>/dev/null; then
      ok=0; why="cannot create a tun device (/dev/net/tun not usable)"
    fi
  fi
  if [ "$ok" = 1 ] && ! ip -n "$probe" link add e2epa type veth peer name e2epb 2>/dev/null; then
    ok=0; why="cannot create veth pairs"
  fi
  ip netns del "$probe" 2>/dev/null || true
  [ "$ok" = 1 ] || e2e_skip "$why"
}

# --- temp dirs ----------------------------------------------------------------------------

# e2e_tmpdir: create a per-test temp dir under ${E2E_TMP:-/tmp} (once; later calls reuse
# it), removed at exit. Sets E2E_DIR and prints it.
e2e_tmpdir() {
  if [ -z "$E2E_DIR" ] || [ ! -d "$E2E_DIR" ]; then
    E2E_DIR=$(mktemp -d "${E2E_TMP:-/tmp}/warden-e2e-$E2E_NAME-$$-XXXXXX")
    chmod 755 "$E2E_DIR"
    e2e_on_exit "rm -rf -- '$E2E_DIR'"
  fi
  _e2e_ret "$E2E_DIR"
}

# --- processes ----------------------------------------------------------------------------

# e2e_alive PID: true while PID exists and is not a zombie.
e2e_alive() {
  local st
  [ -n "${1:-}" ] || return 1
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st="${st##*) }"
  st="${st%% *}"
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# e2e_stop PID [TIMEOUT_S=10]: SIGTERM, wait up to TIMEOUT_S, then SIGKILL; reaps it.
e2e_stop() {
  local pid="$1" timeout="${2:-10}"
  [ -n "$pid" ] || return 0
  if e2e_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    if ! _e2e_poll "! e2e_alive $pid" "$timeout"; then
      e2e_log "pid $pid did not stop within ${timeout}s after SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      _e2e_poll "! e2e_alive $pid" 5 || e2e_log "pid $pid survived SIGKILL"
    fi
  fi
  wait "$pid" 2>/dev/null || true
  return 0
}

# e2e_ns_exec NS CMD...: run CMD inside namespace NS ("-" or "" = the current namespace,
# for programs that need no network, e.g. a CLI talking over a UNIX socket).
e2e_ns_exec() {
  local ns="$1"; shift
  if [ -z "$ns" ] || [ "$ns" = - ]; then "$@"; else ip netns exec "$ns" "$@"; fi
}

# e2e_start_bg NS LOGFILE CMD...: start CMD in the background inside NS (see e2e_ns_exec)
# with stdout+stderr appended to LOGFILE. Sets E2E_PID (the pid of CMD itself: `ip netns
# exec` execs it), prints it, registers e2e_stop at exit and shows LOGFILE on failure.
e2e_start_bg() {
  local ns="$1" log="$2"; shift 2
  : >>"$log"
  if [ -z "$ns" ] || [ "$ns" = - ]; then
    "$@" >>"$log" 2>&1 </dev/null &
  else
    ip netns exec "$ns" "$@" >>"$log" 2>&1 </dev/null &
  fi
  E2E_PID=$!
  e2e_on_exit "e2e_stop $E2E_PID 5"
  e2e_show_log_on_fail "$log"
  _e2e_ret "$E2E_PID"
}

# e2e_start_openvpn NS CONFIG LOGFILE [EXTRA_ARGS...]: start OpenVPN (foreground mode, not
# --daemon) in NS with --config CONFIG, log in LOGFILE, --writepid LOGFILE%.log.pid.
# Sets E2E_PID and prints it; stopped at exit.
# With E2E_OPENVPN_PRELOAD (sanitizer builds: the plugin is instrumented, openvpn is not)
# those runtimes are preloaded into openvpn, with leak checks of openvpn itself off.
e2e_start_openvpn() {
  local ns="$1" conf="$2" log="$3"; shift 3
  local pre=()
  if [ -n "${E2E_OPENVPN_PRELOAD:-}" ]; then
    pre=(env "LD_PRELOAD=$E2E_OPENVPN_PRELOAD" "ASAN_OPTIONS=detect_leaks=0")
  fi
  e2e_start_bg "$ns" "$log" "${pre[@]}" "$E2E_OPENVPN" --config "$conf" --writepid "${log%.log}.pid" "$@"
}

# --- waiting ------------------------------------------------------------------------------

_e2e_now_ms() { local t="${EPOCHREALTIME//[!0-9]/}"; printf '%s\n' "$((10#$t / 1000))"; }

# _e2e_poll COND TIMEOUT_S: eval COND every 20 ms until true (0) or timeout (1). No message.
_e2e_poll() {
  local cond="$1" timeout="$2" deadline
  deadline=$(($(_e2e_now_ms) + $(_e2e_secs_to_ms "$timeout")))
  while :; do
    if eval "$cond" >/dev/null 2>&1; then return 0; fi
    [ "$(_e2e_now_ms)" -lt "$deadline" ] || return 1
    sleep 0.02
  done
}

# seconds (may be fractional, e.g. 0.5) -> milliseconds
_e2e_secs_to_ms() { awk -v s="$1" 'BEGIN { printf "%d\n", s * 1000 }'; }

# e2e_wait_for CMD TIMEOUT_S: eval CMD (a string) every 20 ms until it succeeds; on
# timeout print a message and return 1.
e2e_wait_for() {
  local cmd="$1" timeout="$2"
  if _e2e_poll "$cmd" "$timeout"; then return 0; fi
  e2e_log "timeout after ${timeout}s waiting for: $cmd"
  return 1
}

# e2e_wait_file FILE TIMEOUT_S: wait until FILE exists (any type, e.g. a socket).
e2e_wait_file() {
  local f="$1" timeout="$2"
  if _e2e_poll "[ -e '$f' ]" "$timeout"; then return 0; fi
  e2e_log "timeout after ${timeout}s waiting for file $f"
  return 1
}

# e2e_wait_for_log FILE REGEX TIMEOUT_S [PID]: wait until a line of FILE matches the
# extended REGEX. With PID, give up as soon as that process has exited. On failure print
# why and the last lines of FILE, and return 1.
e2e_wait_for_log() {
  local f="$1" re="$2" timeout="$3" pid="${4:-}" deadline
  deadline=$(($(_e2e_now_ms) + $(_e2e_secs_to_ms "$timeout")))
  while :; do
    if grep -Eq -- "$re" "$f" 2>/dev/null; then return 0; fi
    if [ -n "$pid" ] && ! e2e_alive "$pid"; then
      grep -Eq -- "$re" "$f" 2>/dev/null && return 0
      e2e_log "process $pid exited before /$re/ appeared in $f"
      break
    fi
    if [ "$(_e2e_now_ms)" -ge "$deadline" ]; then
      e2e_log "timeout after ${timeout}s waiting for /$re/ in $f"
      break
    fi
    sleep 0.02
  done
  if [ -f "$f" ]; then
    e2e_log "last lines of $f:"
    tail -n 15 "$f" | sed 's/^/    /' >&2
  else
    e2e_log "$f does not exist"
  fi
  return 1
}

# --- namespaces and links -----------------------------------------------------------------

# e2e_make_ns NAME: create network namespace NAME (include $$ in it), bring lo up. At exit
# every process left in it is killed and the namespace deleted.
e2e_make_ns() {
  local ns="$1"
  ip netns add "$ns" || e2e_fail "ip netns add $ns failed"
  e2e_on_exit "_e2e_del_ns '$ns'"
  ip -n "$ns" link set lo up || e2e_fail "cannot bring lo up in $ns"
}

_e2e_del_ns() {
  local ns="$1" pids
  pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
  if [ -n "${pids// /}" ]; then
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null
    if ! _e2e_poll "[ -z \"\$(ip netns pids '$ns' 2>/dev/null)\" ]" 3; then
      pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
      # shellcheck disable=SC2086
      [ -z "${pids// /}" ] || kill -KILL $pids 2>/dev/null
    fi
  fi
  ip netns del "$ns" 2>/dev/null
}

# e2e_ns_exists NAME: true if the namespace NAME exists.
e2e_ns_exists() { [ -e "/run/netns/$1" ] || ip netns list 2>/dev/null | grep -qE "^$1( |$)"; }

# e2e_link NS_A IP_A/PREFIX NS_B IP_B/PREFIX: veth pair created directly inside NS_A and
# NS_B (never in the root namespace), addresses assigned, both ends up. Interface names
# are e2e<k> (first k free in both namespaces); sets E2E_IF_A and E2E_IF_B.
e2e_link() {
  local a="$1" ipa="$2" b="$3" ipb="$4" k=0 ifa ifb
  while ip -n "$a" link show "e2e$k" >/dev/null 2>&1 || ip -n "$b" link show "e2e$k" >/dev/null 2>&1; do
    k=$((k + 1))
  done
  ifa="e2e$k"
  ifb="e2e$k"
  if [ "$a" = "$b" ]; then ifb="e2e${k}p"; fi
  ip -n "$a" link add "$ifa" type veth peer name "$ifb" netns "$b" ||
    e2e_fail "cannot create veth $a/$ifa <-> $b/$ifb"
  ip -n "$a" addr add "$ipa" dev "$ifa" || e2e_fail "cannot add $ipa to $a/$ifa"
  ip -n "$b" addr add "$ipb" dev "$ifb" || e2e_fail "cannot add $ipb to $b/$ifb"
  ip -n "$a" link set "$ifa" up || e2e_fail "cannot set $a/$ifa up"
  ip -n "$b" link set "$ifb" up || e2e_fail "cannot set $b/$ifb up"
  E2E_IF_A="$ifa"
  E2E_IF_B="$ifb"
}

# e2e_ping NS IP [TRIES=5]: ping IP from NS, one packet per try with a 1 s timeout;
# success as soon as one reply comes back.
e2e_ping() {
  local ns="$1" ip="$2" tries="${3:-5}" i
  for ((i = 0; i < tries; i++)); do
    if ip netns exec "$ns" ping -n -q -c 1 -W 1 "$ip" >/dev/null 2>&1; then return 0; fi
  done
  e2e_log "no ping reply from $ip in $ns after $tries tries"
  return 1
}

# --- throwaway PKI (tests without wardend) ------------------------------------------------

# e2e_make_test_pki DIR [N_CLIENTS=1]: ECDSA P-256 CA (ca.crt, ca.key), server cert with
# serverAuth EKU (server.crt, server.key, CN=server), N client certs with clientAuth EKU
# (client-1.crt/.key ... client-N.crt/.key, CN=client-<i>), tls-crypt key (tls-crypt.key).
e2e_make_test_pki() {
  local dir="$1" n="${2:-1}"
  mkdir -p "$dir"
  (
    set -e
    cd "$dir"
    umask 077
    cat >ext.cnf <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
    openssl req -x509 "${ec[@]}" -config ext.cnf -extensions ca -keyout ca.key -out ca.crt \
      -days 30 -subj "/CN=warden e2e test CA" -set_serial "0x$(openssl rand -hex 8)" 2>/dev/null
    _e2e_issue() { # NAME CN SECTION
      openssl req -new "${ec[@]}" -config ext.cnf -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" \
        -days 30 -extfile ext.cnf -extensions "$3" -out "$1.crt" 2>/dev/null
      rm -f "$1.csr"
    }
    _e2e_issue server server server
    local i pids=() running=0
    for ((i = 1; i <= n; i++)); do
      _e2e_issue "client-$i" "client-$i" client &
      pids+=($!)
      running=$((running + 1))
      if [ "$running" -ge 8 ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); running=$((running - 1)); fi
    done
    for i in "${pids[@]}"; do wait "$i"; done
    "$E2E_OPENVPN" --genkey secret tls-crypt.key >/dev/null
    rm -f ext.cnf
    chmod 644 ./*.crt
  ) || e2e_fail "e2e_make_test_pki $dir failed"
  local i
  for ((i = 1; i <= n; i++)); do
    [ -s "$dir/client-$i.crt" ] || e2e_fail "e2e_make_test_pki: client-$i.crt missing"
  done
  { [ -s "$dir/tls-crypt.key" ] && [ -s "$dir/server.crt" ]; } || e2e_fail "e2e_make_test_pki: incomplete PKI in $dir"
}

# --- warden binaries ----------------------------------------------------------------------

# e2e_warden_bin NAME: print the path of a built warden program (wardend, wardenctl,
# openvpn-plugin-warden.so), looked up in $WARDEN_BUILD_DIR (set by ctest to the build
# tree), then build/default of the repo; return 1 if it is not built.
e2e_warden_bin() {
  local name="$1" root b rel
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  case "$name" in
    wardend) rel=daemon/app/wardend ;;
    wardenctl) rel=cli/wardenctl ;;
    openvpn-plugin-warden.so) rel=plugin/openvpn-plugin-warden.so ;;
    *) rel="$name" ;;
  esac
  for b in "${WARDEN_BUILD_DIR:-}" "$root/build/default"; do
    [ -n "$b" ] || continue
    if [ -f "$b/$rel" ]; then printf '%s\n' "$b/$rel"; return 0; fi
  done
  e2e_log "$name is not built (looked in ${WARDEN_BUILD_DIR:+$WARDEN_BUILD_DIR and }$root/build/default)"
  return 1
}

#!/usr/bin/env bash
# Plugin hook for bench/connect_storm.sh: the plugin run uses warden for real.
#   bench/connect_storm.sh 200 --plugin-cmd bench/storm/warden_hook.sh
#
#   warden_hook.sh setup DIR N      wardend init (PKI, database, server.conf) in DIR/state,
#                                   start wardend inside the server namespace, add N pc
#                                   devices bench-1..bench-N, export their profiles and
#                                   take the client certs/keys from them; write plugin.conf
#                                   and common.conf from the server.conf wardend wrote.
#   warden_hook.sh teardown DIR     stop wardend.
#
# Binaries: $WARDEN_BUILD_DIR (default build/default) daemon/app/wardend, cli/wardenctl,
# plugin/openvpn-plugin-warden.so. Environment from connect_storm.sh: STORM_SERVER_NS,
# STORM_SERVER_IP, STORM_PORT, STORM_POOL, STORM_REPO.
#
# plugin.conf (plugin run only): the `server ... nopool`, `auth-user-pass-optional` and
# `plugin` lines of warden's server.conf (the plugin assigns the addresses).
# common.conf (both runs): `crl-verify`, `tmp-dir` (only the plugin run writes files there),
# `management` (wardend follows the sessions on
# the management interface in both runs, so only the plugin differs) and `dev` (the tun
# device wardend keeps its kernel routes on: with another name it would look for the
# device every 500 ms, as while OpenVPN is down, which is not the steady state measured).
#
# Devices that log in with credentials (optional environment: ranges FIRST-LAST of i,
# comma-separated):
#   STORM_TOTP_DEVICES       bench-i gets TOTP (setup, confirmed with the previous step's
#                            code, so every current code is still unused); its base32
#                            secret goes to DIR/client-i.totp (0600)
#   STORM_PASSWORD_DEVICES   bench-i gets a random static password, in DIR/client-i.pass
# bench/lib.sh's bench_credentials turns those files into an auth-user-pass file.
#
# Experiments (optional environment):
#   STORM_WARDEND_NICE=N     run wardend at nice N (e.g. -10; what systemd's Nice= gives)
#   STORM_WARDEND_SESSION=own  wardend in a session of its own (setsid): with the kernel's
#                            autogroup scheduling it then competes with the bench's clients
#                            as a group of its own, as a systemd service (a cgroup of its
#                            own) does; by default it shares the bench's group
#   STORM_PLUGIN_ARGS="k=v"  appended to the plugin line (e.g. budget_ms=20)
#   STORM_FIREWALL=0         wardend without its nftables table ([firewall] enabled =
#                            false): no table checks every 2 s on its event loop
set -euo pipefail
action="$1" dir="$2"
E2E_NAME=warden_hook
# shellcheck source=SCRIPTDIR/../../test/e2e/lib.sh
source "${STORM_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}/test/e2e/lib.sh"
state="$dir/state"

case "$action" in
  setup)
    n="$3"
    wardend=$(e2e_warden_bin wardend) || exit 1
    wardenctl=$(e2e_warden_bin wardenctl) || exit 1
    plugin=$(e2e_warden_bin openvpn-plugin-warden.so) || exit 1
    "$wardend" init --dir "$state" --remote "$STORM_SERVER_IP:$STORM_PORT" --proto udp \
      --pool "$STORM_POOL" --plugin "$plugin"
    if [ "${STORM_FIREWALL:-1}" = 0 ]; then
      sed -i '/^\[firewall\]/,/^\[/s/^enabled = true/enabled = false/' "$state/wardend.conf"
      grep -q '^enabled = false' "$state/wardend.conf" || { echo "warden_hook: cannot disable the firewall" >&2; exit 1; }
    fi
    # Inside the server namespace: whatever wardend does to the network (nftables) stays there.
    own_session=()
    [ "${STORM_WARDEND_SESSION:-}" != own ] || own_session=(setsid)
    ip netns exec "$STORM_SERVER_NS" "${own_session[@]}" nice -n "${STORM_WARDEND_NICE:-0}" "$wardend" --config "$state/wardend.conf" >>"$dir/wardend.log" 2>&1 </dev/null &
    echo $! >"$dir/wardend.pid"
    disown
    e2e_wait_for "[ -S '$state/run/admin.sock' ] && [ -S '$state/run/plugin.sock' ]" 15 || {
      tail -n 20 "$dir/wardend.log" >&2
      exit 1
    }
    export WARDEN_SOCKET="$state/run/admin.sock"
    for ((i = 1; i <= n; i++)); do
      "$wardenctl" device add "bench-$i" --type pc >/dev/null
      "$wardenctl" device export "bench-$i" -o "$dir/client-$i.ovpn"
      sed -n '/^<cert>$/,/^<\/cert>$/{/^<\/\{0,1\}cert>$/d;p}' "$dir/client-$i.ovpn" >"$dir/client-$i.crt"
      sed -n '/^<key>$/,/^<\/key>$/{/^<\/\{0,1\}key>$/d;p}' "$dir/client-$i.ovpn" >"$dir/client-$i.key"
      chmod 600 "$dir/client-$i.key"
      if [ ! -s "$dir/client-$i.crt" ] || [ ! -s "$dir/client-$i.key" ]; then
        echo "warden_hook: no <cert>/<key> in $dir/client-$i.ovpn" >&2
        exit 1
      fi
    done
    # in_range I "A-B,C-D,...": I lies in one of the ranges.
    in_range() {
      local r
      for r in ${2//,/ }; do
        if [ "$1" -ge "${r%-*}" ] && [ "$1" -le "${r#*-}" ]; then return 0; fi
      done
      return 1
    }
    for ((i = 1; i <= n; i++)); do
      if in_range "$i" "${STORM_TOTP_DEVICES:-}"; then
        secret=$("$wardenctl" --json totp setup "bench-$i" | sed -n 's/.*"secret":"\([A-Z2-7]*\)".*/\1/p')
        [ -n "$secret" ] || { echo "warden_hook: totp setup bench-$i printed no secret" >&2; exit 1; }
        (umask 077 && printf '%s\n' "$secret" >"$dir/client-$i.totp")
        # The previous step's code (the current ones stay unused); once more if a step
        # boundary fell between computing it and wardend checking it.
        confirm() { "$wardenctl" totp confirm "bench-$i" "$(oathtool --totp -b "$secret" -N "@$((EPOCHSECONDS - 30))")" >/dev/null; }
        confirm 2>/dev/null || confirm
      elif in_range "$i" "${STORM_PASSWORD_DEVICES:-}"; then
        (umask 077 && head -c 12 /dev/urandom | base64 | tr -d '/+=' >"$dir/client-$i.pass")
        "$wardenctl" device password "bench-$i" --file "$dir/client-$i.pass" >/dev/null
      fi
    done
    for f in ca.crt server.crt server.key tls-crypt.key; do cp "$state/pki/$f" "$dir/$f"; done
    grep -E '^(server |auth-user-pass-optional|plugin )' "$state/server.conf" |
      sed "/^plugin /s|\$|${STORM_PLUGIN_ARGS:+ $STORM_PLUGIN_ARGS}|" >"$dir/plugin.conf"
    grep -E '^(crl-verify |management |dev |tmp-dir )' "$state/server.conf" >"$dir/common.conf" || true
    grep -q '^plugin ' "$dir/plugin.conf" || { echo "warden_hook: no plugin line in $state/server.conf" >&2; exit 1; }
    ;;
  teardown)
    if [ -f "$dir/wardend.pid" ]; then
      e2e_stop "$(cat "$dir/wardend.pid")" 10
      rm -f "$dir/wardend.pid"
    fi
    ;;
  *)
    echo "warden_hook: unknown action $action (setup DIR N | teardown DIR)" >&2
    exit 2
    ;;
esac

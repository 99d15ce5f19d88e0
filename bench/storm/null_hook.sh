#!/usr/bin/env bash
# Plugin hook for bench/connect_storm.sh that loads no warden at all: the throwaway test
# PKI and OpenVPN's own down-root plugin (which does nothing per connection). It checks
# the hook interface and shows the noise floor of the ratio (expect about 1.00):
#   bench/connect_storm.sh 200 --plugin-cmd bench/storm/null_hook.sh
#
#   null_hook.sh setup DIR N | teardown DIR      (interface: see bench/connect_storm.sh)
set -euo pipefail
action="$1" dir="$2"
case "$action" in
  setup)
    n="$3"
    E2E_NAME=null_hook
    # shellcheck source=SCRIPTDIR/../../test/e2e/lib.sh
    source "$STORM_REPO/test/e2e/lib.sh"
    e2e_make_test_pki "$dir" "$n"
    plugin=""
    for d in /usr/lib/x86_64-linux-gnu/openvpn/plugins /usr/lib/openvpn/plugins /usr/lib64/openvpn/plugins; do
      [ -f "$d/openvpn-plugin-down-root.so" ] && plugin="$d/openvpn-plugin-down-root.so" && break
    done
    if [ -n "$plugin" ]; then
      echo "plugin $plugin /bin/true" >"$dir/plugin.conf"
    else
      echo "# no plugin found: the plugin run is a second baseline" >"$dir/plugin.conf"
    fi
    ;;
  teardown) ;;
  *) echo "null_hook: unknown action $action" >&2; exit 2 ;;
esac

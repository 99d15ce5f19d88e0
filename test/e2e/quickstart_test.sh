#!/usr/bin/env bash
# scripts/quickstart, run inside a server namespace, brings up wardend and OpenVPN with
# the plugin; a real client in another namespace connects with the exported profile and
# pings the server. `scripts/quickstart stop` then stops both.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

e2e_require_root_netns --tun
e2e_tmpdir >/dev/null
repo=$(cd "$(dirname "$0")/../.." && pwd)
ns_srv="e2e-qs-srv-$$"
ns_cli="e2e-qs-cli-$$"
e2e_make_ns "$ns_srv"
e2e_make_ns "$ns_cli"
e2e_link "$ns_srv" 10.250.30.1/24 "$ns_cli" 10.250.30.2/24
demo="$E2E_DIR/demo"
e2e_on_exit "'$repo/scripts/quickstart' stop --dir '$demo'"
e2e_show_log_on_fail "$demo/wardend.log"
e2e_show_log_on_fail "$demo/openvpn.log"

ip netns exec "$ns_srv" "$repo/scripts/quickstart" --dir "$demo" --remote 10.250.30.1 >"$E2E_DIR/quickstart.out" 2>&1 ||
  { cat "$E2E_DIR/quickstart.out" >&2; e2e_fail "scripts/quickstart failed"; }
grep -q "warden is running" "$E2E_DIR/quickstart.out" || e2e_fail "quickstart did not report success"
[ -s "$demo/demo-laptop.ovpn" ] || e2e_fail "quickstart exported no profile"

e2e_start_openvpn "$ns_cli" "$demo/demo-laptop.ovpn" "$E2E_DIR/client.log" --disable-dco
e2e_wait_for_log "$E2E_DIR/client.log" 'Initialization Sequence Completed' 20 "$E2E_PID" ||
  e2e_fail "client with the quickstart profile did not connect"
e2e_ping "$ns_cli" 10.8.0.1 || e2e_fail "client cannot ping the server's VPN address"
e2e_pass "quickstart server admitted the demo client"

"$repo/scripts/quickstart" stop --dir "$demo" >/dev/null
[ ! -f "$demo/wardend.pid" ] && [ ! -f "$demo/openvpn.pid" ] || e2e_fail "quickstart stop left pid files"
e2e_pass "quickstart stop stopped wardend and OpenVPN"

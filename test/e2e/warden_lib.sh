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

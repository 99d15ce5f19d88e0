# shellcheck shell=bash
# Helpers for end-to-end tests of warden itself, on top of lib.sh: a state folder made by
# `wardend init`, wardend and an OpenVPN server with the plugin in a server namespace,
# clients with exported profiles in client namespaces.
#
# Needs WARDEND, WARDENCTL and PLUGIN (paths of the built binaries; ctest sets them).

: "${WARDEND:?WARDEND must name the wardend binary}"
: "${WARDENCTL:?WARDENCTL must name the wardenctl binary}"
: "${PLUGIN:?PLUGIN must name openvpn-plugin-warden.so}"

# w_setup SERVER_IP POOL: namespace W_NS_SRV, state in $W_STATE, server reachable at
# SERVER_IP (on a veth to be linked by the caller).
w_init() {
  local server_ip="$1" pool="$2"
  W_STATE="$E2E_DIR/state"
  "$WARDEND" init --dir "$W_STATE" --remote "$server_ip" --pool "$pool" --plugin "$PLUGIN" >/dev/null ||
    e2e_fail "wardend init failed"
  export WARDEN_SOCKET="$W_STATE/admin.sock"
}

# w_start_wardend: start wardend (in the current namespace: it only uses UNIX sockets),
# wait for its sockets. Sets W_WARDEND_PID.
w_start_wardend() {
  rm -f "$W_STATE/admin.sock.ready"
  e2e_start_bg - "$E2E_DIR/wardend.log" "$WARDEND" --config "$W_STATE/wardend.conf"
  W_WARDEND_PID=$E2E_PID
  e2e_wait_for "[ -S '$W_STATE/admin.sock' ] && '$WARDENCTL' status >/dev/null" 10 ||
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

# w_start_client NS PROFILE LOG: start a client; sets E2E_PID.
w_start_client() {
  e2e_start_openvpn "$1" "$2" "$3" --disable-dco
}

# w_vpn_ip NAME: the device's VPN address as wardend assigned it.
w_vpn_ip() {
  "$WARDENCTL" --json device show "$1" | sed -n 's/.*"vpn_ip":"\([0-9.]*\)".*/\1/p'
}

# w_serial NAME: the serial of the device's first certificate.
w_serial() {
  "$WARDENCTL" --json cert list "$1" | sed -n 's/^\[{"serial":"\([0-9a-f]*\)".*/\1/p'
}

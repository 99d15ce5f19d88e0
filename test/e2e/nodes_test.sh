#!/usr/bin/env bash
# Two nodes on one PostgreSQL (issue 14), with real OpenVPN: node a and node b, each an
# OpenVPN server with its own wardend in its own namespace, on one PostgreSQL 15 this
# test starts (test/support/pg_cluster.sh) and stops. Client namespace A reaches node a,
# client namespace B reaches node b.
#  1. node a's state moves to PostgreSQL (migrate-store); node b starts from a copy of
#     its configuration and pki/; both join; a node with another auth-gen-token key is
#     refused;
#  2. devices added on node a connect to node b (its memory follows node a's changes);
#     `session list` on node a shows node b's session;
#  3. a revoke on node a ends the session on node b within 1 s, and node b's
#     pki/revoked has the serial;
#  3b. routes between nodes: a pc on node a pings a host behind a router connected to
#     node b while a rule allows it (node a routes the router's LAN via node b, node b
#     the pc's VPN address via node a), and not once the rule is deleted;
#  4. a TOTP code used on node a is refused on node b;
#  5. `session kill` on node b ends a session on node a;
#  6. PostgreSQL stopped: tunnels stay, a known device connects again, writes fail
#     clearly; started again: a change on node b reaches node a (caught up);
#  7. failover: the primary stopped for good and its streaming-replication standby
#     promoted (both hosts are in [store] url with target_session_attrs=read-write):
#     without a restart, a change on node b reaches node a, which admits alpha again.
#     (The nodes' url names both servers from the start.)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

e2e_require_root_netns --tun
command -v oathtool >/dev/null || e2e_fail "oathtool is missing (scripts/bootstrap installs it)"
e2e_tmpdir >/dev/null
w_start_postgresql nodes
cluster_script=$W_PG_CLUSTER
pg_dir=$W_PG_DIR
conninfo=$W_PG_CONNINFO
standby_dir="/tmp/warden-e2e-nodes-standby-$$"
e2e_on_exit "'$cluster_script' stop '$standby_dir' >/dev/null 2>&1"
"$cluster_script" standby "$pg_dir" "$standby_dir" >/dev/null || e2e_fail "the standby did not start"
pg_user=$(sed -n 's/.*user=\([^ ]*\).*/\1/p' "$pg_dir/conninfo")
url="host=$pg_dir/sock,$standby_dir/sock dbname=postgres user=$pg_user target_session_attrs=read-write"
pg_ctl_as_owner() { w_pg_ctl "$pg_dir" "$@"; }

# Node a: the server namespace of w_topology; node b: a second one, linked to client B.
w_topology nodes 86
ns_b="e2e-nodes-srv2-$$"
e2e_make_ns "$ns_b"
e2e_link "$ns_b" 10.250.88.1/24 "$W_NS_B" 10.250.88.2/24
# The network between the nodes, a router client of node b and a host on its LAN.
e2e_link "$W_NS_SRV" 10.250.90.1/24 "$ns_b" 10.250.90.2/24
ns_r="e2e-nodes-r-$$"
ns_h="e2e-nodes-h-$$"
e2e_make_ns "$ns_r"
e2e_make_ns "$ns_h"
e2e_link "$ns_b" 10.250.92.1/24 "$ns_r" 10.250.92.2/24
e2e_link "$ns_r" 192.168.77.1/24 "$ns_h" 192.168.77.10/24
ip -n "$ns_h" route add default via 192.168.77.1
for ns in "$W_NS_SRV" "$ns_b" "$ns_r"; do ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1; done
w_init "$W_SRV_IP_A" 10.252.0.0/24
state_a="$W_STATE"
state_b="$E2E_DIR/nodeb"
log_a="$E2E_DIR/wardend.log"
log_b="$E2E_DIR/wardend-b.log"
ctl_a() { WARDEN_SOCKET="$state_a/run/admin.sock" "$WARDENCTL" "$@"; }
ctl_b() { WARDEN_SOCKET="$state_b/run/admin.sock" "$WARDENCTL" "$@"; }
count() { grep -cE -- "$2" "$1" || true; }
# for_node_b PROFILE: point a profile at node b.
for_node_b() { sed -i "s/^remote $W_SRV_IP_A /remote 10.250.88.1 /" "$1"; }
start_node_b() {
  e2e_start_bg "$ns_b" "$log_b" "$WARDEND" --config "$state_b/wardend.conf"
  pid_b=$E2E_PID
  e2e_wait_for "[ -S '$state_b/run/admin.sock' ] && ctl_b status >/dev/null" 10 ||
    e2e_fail "node b's wardend did not start: $(tail -3 "$log_b")"
}

# --- 1. two nodes join one database -------------------------------------------------------------------
"$WARDEND" migrate-store --config "$state_a/wardend.conf" --to "$conninfo" >"$E2E_DIR/migrate.log" 2>&1 ||
  e2e_fail "migrate-store failed: $(tail -3 "$E2E_DIR/migrate.log")"
sed -i "s|^backend = 'sqlite'$|backend = \"postgresql\"\nurl = \"$url\"\nnode = \"a\"\nnode_address = \"10.250.90.1\"|" \
  "$state_a/wardend.conf"
grep -q '^node = "a"$' "$state_a/wardend.conf" || e2e_fail "could not set node a's [store]"
# Node b: node a's configuration and pki/ (CA, tls-crypt and auth-gen-token keys), its
# own folder, sockets and node name.
mkdir -p "$state_b"
cp -a "$state_a/pki" "$state_a/wardend.conf" "$state_a/server.conf" "$state_b/"
sed -i "s|$state_a|$state_b|g" "$state_b/wardend.conf" "$state_b/server.conf"
sed -i 's|^node = "a"$|node = "b"|; s|^node_address = .*|node_address = "10.250.90.2"|' "$state_b/wardend.conf"
mkdir -p "$state_b/run"
chmod 0755 "$state_b/run"

export WARDEN_SOCKET="$state_a/run/admin.sock"
w_start_wardend
pid_a=$W_WARDEND_PID
grep -q 'node joined.*node=a' "$log_a" || e2e_fail "node a did not join: $(grep -i node "$log_a" | tail -2)"

# A node with another auth-gen-token key would refuse node a's tokens: it must not start.
cp "$state_b/pki/auth-token.key" "$E2E_DIR/auth-token.key.good"
head -c 64 /dev/urandom | base64 >"$state_b/pki/auth-token.key"
rc=0
timeout 20 ip netns exec "$ns_b" "$WARDEND" --config "$state_b/wardend.conf" >"$E2E_DIR/refused.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || e2e_fail "node b with another auth-token.key exited $rc, not 1"
grep -q 'could not join.*pki/auth-token.key differs from node a' "$E2E_DIR/refused.log" ||
  e2e_fail "no clear refusal: $(tail -2 "$E2E_DIR/refused.log")"
cp "$E2E_DIR/auth-token.key.good" "$state_b/pki/auth-token.key"
e2e_pass "a node with another pki/auth-token.key is refused: $(grep -o 'error=.*' "$E2E_DIR/refused.log" | head -1)"

start_node_b
grep -q 'node joined.*node=b' "$log_b" || e2e_fail "node b did not join"
w_start_server "$W_NS_SRV"
e2e_start_openvpn "$ns_b" "$state_b/server.conf" "$E2E_DIR/server-b.log" --disable-dco
server_b_pid=$E2E_PID
e2e_wait_for_log "$E2E_DIR/server-b.log" 'Initialization Sequence Completed' 15 "$server_b_pid" ||
  e2e_fail "node b's OpenVPN did not start"
e2e_pass "nodes a and b joined one PostgreSQL"

# --- 2. devices added on node a connect to node b ------------------------------------------------------
# A router for 3b, and the rule that lets pcs (group default) reach the routers' group.
ctl_a group add routers >/dev/null || e2e_fail "group add routers failed"
ctl_a device add rtr --type router --network 192.168.77.0/24 --group routers >/dev/null ||
  e2e_fail "device add rtr failed"
ctl_a rule add default routers >/dev/null || e2e_fail "rule add default routers failed"
ctl_a device export rtr -o "$E2E_DIR/rtr.ovpn" || e2e_fail "device export rtr failed"
sed -i "s/^remote $W_SRV_IP_A /remote 10.250.92.1 /" "$E2E_DIR/rtr.ovpn"
w_add_device alpha
w_add_device beta
for_node_b "$E2E_DIR/beta.ovpn"
w_start_client "$W_NS_A" "$E2E_DIR/alpha.ovpn" "$E2E_DIR/alpha.log"
pid_alpha=$E2E_PID
w_start_client "$W_NS_B" "$E2E_DIR/beta.ovpn" "$E2E_DIR/beta.log"
pid_beta=$E2E_PID
e2e_wait_for_log "$E2E_DIR/alpha.log" 'Initialization Sequence Completed' 20 || e2e_fail "alpha did not connect to node a"
e2e_wait_for_log "$E2E_DIR/beta.log" 'Initialization Sequence Completed' 20 || e2e_fail "beta did not connect to node b"
ip netns exec "$W_NS_B" ping -c1 -W2 10.252.0.1 >/dev/null || e2e_fail "beta cannot reach node b over the tunnel"
e2e_wait_for "ctl_a session list | grep -qE '^beta +b '" 5 ||
  e2e_fail "node a does not list beta's session on node b: $(ctl_a session list)"
e2e_wait_for "ctl_b session list | grep -qE '^alpha +a '" 5 ||
  e2e_fail "node b does not list alpha's session on node a: $(ctl_b session list)"
e2e_pass "devices added on node a connected to node b; session list on each node shows both"

# --- 3. a revoke on node a ends the session on node b within 1 s --------------------------------------
serial_beta=$(w_serial beta)
ended=$(count "$log_b" 'client disconnected.*device=beta')
start_ns=$(date +%s%N)
ctl_a cert revoke beta "$serial_beta" >/dev/null || e2e_fail "cert revoke beta failed"
e2e_wait_for "[ \$(count '$log_b' 'client disconnected.*device=beta') -gt $ended ]" 1 ||
  e2e_fail "revoking beta on node a did not end its session on node b within 1 s"
ms=$((($(date +%s%N) - start_ns) / 1000000))
[ -e "$state_b/pki/revoked/$(python3 -c "print(int('$serial_beta', 16))")" ] ||
  e2e_fail "node b's pki/revoked lacks beta's serial"
e2e_stop "$pid_beta"
e2e_pass "revoked on node a: beta's session on node b ended after ${ms} ms; node b's pki/revoked has it"

# --- 3b. a pc on node a reaches a host behind a router on node b, under the rules ----------------------
w_start_client "$ns_r" "$E2E_DIR/rtr.ovpn" "$E2E_DIR/rtr.log"
pid_rtr=$E2E_PID
e2e_wait_for_log "$E2E_DIR/rtr.log" 'Initialization Sequence Completed' 20 || e2e_fail "rtr did not connect to node b"
e2e_wait_for "ip -n '$W_NS_SRV' route show 192.168.77.0/24 proto 87 | grep -q 'via 10.250.90.2'" 5 ||
  e2e_fail "node a does not route rtr's LAN via node b: $(ip -n "$W_NS_SRV" route show proto 87)"
alpha_ip=$(w_vpn_ip alpha)
e2e_wait_for "ip -n '$ns_b' route show '$alpha_ip' proto 87 | grep -q 'via 10.250.90.1'" 5 ||
  e2e_fail "node b does not route alpha's VPN address via node a: $(ip -n "$ns_b" route show proto 87)"
e2e_ping "$W_NS_A" 192.168.77.10 || e2e_fail "alpha on node a cannot reach the host behind rtr on node b"
rule_id=$(ctl_a --json rule list | sed -n 's/.*"id":\([0-9]*\).*/\1/p' | head -1)
ctl_b rule delete "$rule_id" >/dev/null || e2e_fail "rule delete on node b failed"
e2e_wait_for "! ip netns exec '$W_NS_A' ping -c1 -W1 192.168.77.10 >/dev/null 2>&1" 5 ||
  e2e_fail "alpha still reaches the host behind rtr without a rule"
e2e_stop "$pid_rtr"
e2e_pass "alpha on node a pinged a host behind rtr on node b through node b, and not once the rule was deleted"

# --- 4. a TOTP code used on node a is refused on node b ------------------------------------------------
"$WARDENCTL" device add gamma --type pc >/dev/null || e2e_fail "device add gamma failed"
secret=$(ctl_a --json totp setup gamma | sed -n 's/.*secret=\([A-Z2-7]*\).*/\1/p')
[ -n "$secret" ] || e2e_fail "totp setup gamma gave no secret"
code_at() { oathtool --totp -b "$secret" -N "@$(($(date +%s) + $1))"; }
ctl_a totp confirm gamma "$(code_at 0)" >/dev/null || e2e_fail "totp confirm failed"
ctl_a device export gamma -o "$E2E_DIR/gamma.ovpn" || e2e_fail "device export gamma failed"
# The next step's code: accepted (the window is one step either way), above the confirm's.
code=$(code_at 30)
login() { # TAG NS: gamma with `code`
  printf 'gamma\n%s\n' "$code" >"$E2E_DIR/$1.auth"
  sed "s|^auth-user-pass\$|auth-user-pass $E2E_DIR/$1.auth|" "$E2E_DIR/gamma.ovpn" >"$E2E_DIR/$1.ovpn"
  if [ "$2" = "$W_NS_B" ]; then for_node_b "$E2E_DIR/$1.ovpn"; fi
  w_start_client "$2" "$E2E_DIR/$1.ovpn" "$E2E_DIR/$1.log"
}
login gamma-a "$W_NS_A"
pid_gamma=$E2E_PID
e2e_wait_for_log "$E2E_DIR/gamma-a.log" 'Initialization Sequence Completed' 20 ||
  e2e_fail "gamma did not log in on node a with its code"
login gamma-b "$W_NS_B"
pid_gamma_b=$E2E_PID
e2e_wait_for "grep -qE 'login refused .*device=gamma .*already used' '$log_b'" 15 ||
  e2e_fail "node b did not refuse the code node a accepted: $(grep 'device=gamma' "$log_b" | tail -2)"
e2e_wait_for_log "$E2E_DIR/gamma-b.log" 'AUTH_FAILED' 15 || e2e_fail "gamma on node b was not told AUTH_FAILED"
e2e_stop "$pid_gamma_b"
e2e_stop "$pid_gamma"
e2e_pass "a TOTP code used on node a was refused on node b"

# --- 5. session kill on node b ends alpha's session on node a -------------------------------------------
ended=$(count "$log_a" 'client disconnected.*device=alpha')
ctl_b session kill alpha >/dev/null || e2e_fail "session kill alpha on node b failed"
e2e_wait_for "[ \$(count '$log_a' 'client disconnected.*device=alpha') -gt $ended ]" 2 ||
  e2e_fail "session kill on node b did not end alpha's session on node a"
e2e_pass "session kill on node b ended alpha's session on node a"
e2e_wait_for_log "$E2E_DIR/alpha.log" 'Initialization Sequence Completed' 30 || true
e2e_wait_for "ip netns exec '$W_NS_A' ping -c1 -W1 10.252.0.1 >/dev/null" 30 || e2e_fail "alpha did not come back"

# --- 6. PostgreSQL away and back --------------------------------------------------------------------------
pg_ctl_as_owner -m fast -w stop >/dev/null || e2e_fail "could not stop PostgreSQL"
ip netns exec "$W_NS_A" ping -c1 -W2 10.252.0.1 >/dev/null || e2e_fail "alpha's tunnel broke with the database"
# A known device connects again, decided from node a's memory.
e2e_stop "$pid_alpha"
w_start_client "$W_NS_A" "$E2E_DIR/alpha.ovpn" "$E2E_DIR/alpha2.log"
pid_alpha=$E2E_PID
e2e_wait_for_log "$E2E_DIR/alpha2.log" 'Initialization Sequence Completed' 20 "$pid_alpha" ||
  e2e_fail "alpha could not connect again while the database was down"
w_write_fails_clearly "$E2E_DIR/delta.out" ctl_b device add delta --type pc
e2e_pass "database down: tunnels stay, alpha connected again, device add fails: $(head -1 "$E2E_DIR/delta.out")"
pg_ctl_as_owner -l "$pg_dir/server.log" -w start >/dev/null || e2e_fail "could not start PostgreSQL again"
ended=$(count "$log_a" 'client disconnected.*device=alpha')
e2e_wait_for "ctl_b device deactivate alpha >'$E2E_DIR/deactivate.out' 2>&1" 10 ||
  e2e_fail "device deactivate on node b failed after the restart: $(cat "$E2E_DIR/deactivate.out"; tail -5 "$log_b")"
e2e_wait_for "[ \$(count '$log_a' 'client disconnected.*device=alpha') -gt $ended ]" 5 ||
  e2e_fail "node a did not catch up with node b's change after the database came back"
kill -0 "$pid_a" && kill -0 "$pid_b" || e2e_fail "a wardend exited"
e2e_pass "database back: node b's change reached node a ($(grep -c 'change feed connected' "$log_a") reconnect(s) of its feed)"

# --- 7. failover to the promoted standby ------------------------------------------------------------------
e2e_stop "$pid_alpha"  # refused since its deactivation
# Replication is asynchronous: fail over once the standby has replayed everything (else
# the promoted standby lacks the last changes, as in any asynchronous failover).
replayed() {
  [ "$(runuser -u postgres -- psql -X -A -t -q -d "$conninfo" -c \
    "SELECT count(*) FROM pg_stat_replication WHERE replay_lsn >= pg_current_wal_lsn()")" = 1 ]
}
e2e_wait_for replayed 15 || e2e_fail "the standby did not catch up with the primary"
pg_ctl_as_owner -m fast -w stop >/dev/null || e2e_fail "could not stop the primary"
"$cluster_script" promote "$standby_dir" >/dev/null || e2e_fail "could not promote the standby"
e2e_wait_for "ctl_b device activate alpha >'$E2E_DIR/activate.out' 2>&1" 15 ||
  e2e_fail "device activate on node b failed after the failover: $(cat "$E2E_DIR/activate.out")"
# Node a admits alpha again once the change reached it (its verdicts come from memory).
w_start_client "$W_NS_A" "$E2E_DIR/alpha.ovpn" "$E2E_DIR/alpha3.log"
pid_alpha=$E2E_PID
e2e_wait_for_log "$E2E_DIR/alpha3.log" 'Initialization Sequence Completed' 20 "$pid_alpha" ||
  e2e_fail "node a did not admit alpha again after node b activated it on the promoted standby"
kill -0 "$pid_a" && kill -0 "$pid_b" || e2e_fail "a wardend exited"
e2e_stop "$pid_alpha"
e2e_pass "failover: the promoted standby serves both nodes; node b's change reached node a without a restart"

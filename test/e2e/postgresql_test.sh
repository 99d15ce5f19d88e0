#!/usr/bin/env bash
# warden on PostgreSQL end to end (issue 14, first part: one node), with real OpenVPN in
# namespaces and a PostgreSQL 15 this test starts (test/support/pg_cluster.sh) and stops:
#  1. a state made by `wardend init` (SQLite) with a device in it moves to PostgreSQL with
#     `wardend migrate-store --to URL`; the SQLite file is left as it was;
#  2. wardend with [store] backend = "postgresql" lists the migrated device, adds another,
#     and both connect through OpenVPN and reach the server over the tunnel;
#  3. the rows are in PostgreSQL (psql), not in the old SQLite file;
#  4. a revoke ends the session within 1 s; the activity log, read back from PostgreSQL,
#     has the revoke;
#  5. PostgreSQL stopped: a connected client keeps its tunnel, a known device connects
#     again (verdicts from wardend's memory), a write command fails naming PostgreSQL;
#  6. PostgreSQL started again: the next write works, without restarting wardend.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

e2e_require_root_netns --tun
e2e_tmpdir >/dev/null
w_start_postgresql pg
pg_dir=$W_PG_DIR
conninfo=$W_PG_CONNINFO
psql_q() { runuser -u postgres -- psql -X -A -t -q -d "$conninfo" -c "$1"; }
[ "$(id -u)" -eq 0 ] || psql_q() { psql -X -A -t -q -d "$conninfo" -c "$1"; }

w_topology pg 80
w_init "$W_SRV_IP_A" 10.253.0.0/24
ctl() { "$WARDENCTL" "$@"; }
log="$E2E_DIR/wardend.log"
count() { grep -c -- "$1" "$log" || true; }

# --- 1. SQLite -> PostgreSQL -------------------------------------------------------------------------
w_start_wardend
w_add_device alpha
e2e_stop "$W_WARDEND_PID"
sqlite_sum=$(sha256sum "$W_STATE/warden.db" | cut -d' ' -f1)
"$WARDEND" migrate-store --config "$W_STATE/wardend.conf" --to "$conninfo" >"$E2E_DIR/migrate.log" 2>&1 ||
  e2e_fail "migrate-store failed: $(tail -3 "$E2E_DIR/migrate.log")"
grep -q '^migrated ' "$E2E_DIR/migrate.log" || e2e_fail "no summary line: $(tail -3 "$E2E_DIR/migrate.log")"
[ "$(sha256sum "$W_STATE/warden.db" | cut -d' ' -f1)" = "$sqlite_sum" ] ||
  e2e_fail "migrate-store changed the SQLite file"
e2e_pass "migrate-store copied the state: $(grep '^migrated ' "$E2E_DIR/migrate.log")"

# --- 2. wardend on PostgreSQL ------------------------------------------------------------------------
# wardend init wrote [store] backend = 'sqlite'.
grep -q "^backend = 'sqlite'$" "$W_STATE/wardend.conf" || e2e_fail "wardend.conf has no [store] backend line"
sed -i "s|^backend = 'sqlite'$|backend = \"postgresql\"\nurl = \"$conninfo\"|" "$W_STATE/wardend.conf"
w_start_wardend
grep -q 'wardend ready.*store=postgresql' "$log" || e2e_fail "wardend does not say it runs on PostgreSQL"
ctl device list | grep -q alpha || e2e_fail "the migrated device is not listed"
w_add_device beta
w_start_server "$W_NS_SRV"
w_start_client "$W_NS_A" "$E2E_DIR/alpha.ovpn" "$E2E_DIR/alpha.log"
pid_alpha=$E2E_PID
w_for_client_b "$E2E_DIR/beta.ovpn"
w_start_client "$W_NS_B" "$E2E_DIR/beta.ovpn" "$E2E_DIR/beta.log"
pid_beta=$E2E_PID
for c in alpha beta; do
  e2e_wait_for_log "$E2E_DIR/$c.log" 'Initialization Sequence Completed' 20 ||
    e2e_fail "$c did not connect"
done
ip netns exec "$W_NS_A" ping -c1 -W2 10.253.0.1 >/dev/null || e2e_fail "alpha cannot reach the server over the tunnel"
ip netns exec "$W_NS_B" ping -c1 -W2 10.253.0.1 >/dev/null || e2e_fail "beta cannot reach the server over the tunnel"
e2e_pass "the migrated and a new device connected through wardend on PostgreSQL"

# --- 3. where the rows are ---------------------------------------------------------------------------
[ "$(psql_q "SELECT string_agg(name, ',' ORDER BY name) FROM devices")" = "alpha,beta" ] ||
  e2e_fail "PostgreSQL devices: $(psql_q 'SELECT name FROM devices')"
[ "$(sqlite3 "$W_STATE/warden.db" 'SELECT count(*) FROM devices')" = 1 ] ||
  e2e_fail "the SQLite file changed after the move"
e2e_pass "the state is in PostgreSQL; the SQLite file still has only what was migrated"

# --- 4. revoke -> session ended; the activity log from PostgreSQL ------------------------------------
ended=$(count 'client disconnected.*device=beta')
ctl cert revoke beta "$(w_serial beta)" >/dev/null || e2e_fail "cert revoke beta failed"
e2e_wait_for "[ \$(count 'client disconnected.*device=beta') -gt $ended ]" 1 ||
  e2e_fail "revoking beta did not end its session within 1 s"
e2e_stop "$pid_beta"
ctl log activity | grep -q 'beta' || e2e_fail "the activity log has no entry for beta"
[ "$(psql_q "SELECT count(*) FROM activity_log WHERE object = 'beta'")" -ge 1 ] ||
  e2e_fail "PostgreSQL's activity_log has no row for beta"
e2e_pass "revoked on PostgreSQL: the session ended within 1 s, the activity is stored there"

# --- 5. PostgreSQL stopped: tunnels stay, known devices connect, writes fail clearly -----------------
pg_ctl_as_owner() { w_pg_ctl "$pg_dir" "$@"; }
pg_ctl_as_owner -m fast -w stop >/dev/null || e2e_fail "could not stop PostgreSQL"
ip netns exec "$W_NS_A" ping -c1 -W2 10.253.0.1 >/dev/null || e2e_fail "alpha's tunnel broke with the database"
e2e_stop "$pid_alpha"
w_start_client "$W_NS_A" "$E2E_DIR/alpha.ovpn" "$E2E_DIR/alpha2.log"
pid_alpha=$E2E_PID
e2e_wait_for_log "$E2E_DIR/alpha2.log" 'Initialization Sequence Completed' 20 ||
  e2e_fail "a known device could not connect while the database was down"
w_write_fails_clearly "$E2E_DIR/gamma.out" ctl device add gamma --type pc
e2e_pass "database down: the tunnel stayed, alpha reconnected, device add failed: $(head -1 "$E2E_DIR/gamma.out")"

# --- 6. PostgreSQL back: wardend writes again without a restart ---------------------------------------
pg_ctl_as_owner -l "$pg_dir/server.log" -w start >/dev/null || e2e_fail "could not start PostgreSQL again"
ctl device add gamma --type pc >/dev/null || e2e_fail "device add failed after the database came back"
[ "$(psql_q "SELECT count(*) FROM devices WHERE name = 'gamma'")" = 1 ] || e2e_fail "gamma is not in PostgreSQL"
kill -0 "$W_WARDEND_PID" || e2e_fail "wardend exited"
e2e_stop "$pid_alpha"
e2e_pass "database back: wardend wrote again without a restart"

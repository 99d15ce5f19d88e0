#!/bin/bash
# A throwaway PostgreSQL 15 cluster for the store tests (issue 14):
#   pg_cluster.sh start DIR   initdb in DIR, listen on a unix socket in DIR/sock only,
#                             wait until it accepts, write its conninfo to DIR/conninfo
#   pg_cluster.sh stop DIR    stop it (fast) and remove DIR
#   pg_cluster.sh standby PRIMARY_DIR DIR
#                             a streaming-replication standby of the cluster in
#                             PRIMARY_DIR (pg_basebackup -R), on its own socket in DIR/sock
#   pg_cluster.sh promote DIR make the standby in DIR the primary (pg_ctl promote)
# As root the server runs as user postgres (initdb refuses root). No TCP port: tests on
# the same machine cannot collide and nothing listens on the network.
set -euo pipefail

readonly BIN=${WARDEN_PG_BIN:-/usr/lib/postgresql/15/bin}

die() {
    echo "pg_cluster: $*" >&2
    exit 1
}

# Runs a PostgreSQL binary as the cluster's owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start() {
    local dir=$1
    for tool in initdb pg_ctl pg_isready; do
        [ -x "$BIN/$tool" ] ||
            die "$BIN/$tool missing: install postgresql-15 (scripts/bootstrap installs it)"
    done
    if [ -e "$dir/data/postmaster.pid" ]; then stop "$dir" || true; fi
    rm -rf "$dir"
    mkdir -p "$dir/sock"
    local user
    user=$(id -un)
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "user postgres missing (scripts/bootstrap installs postgresql-15)"
        chown -R postgres: "$dir"
        runuser -u postgres -- test -w "$dir/sock" ||
            die "user postgres cannot reach $dir (a parent folder closed to other users?)"
        user=postgres
    fi
    as_owner "$BIN/initdb" -D "$dir/data" -U "$user" -A trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 32MB
CONF
    as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null ||
        { cat "$dir/server.log" >&2; die "pg_ctl start failed"; }
    wait_ready "$dir" "$user"
    echo "pg_cluster: started dir=$dir"
}

# Waits until the server of `dir` accepts connections, then writes its conninfo.
wait_ready() {
    local dir=$1 user=$2 tries=0
    until "$BIN/pg_isready" -q -h "$dir/sock" -d postgres -U "$user"; do
        tries=$((tries + 1))
        [ "$tries" -lt 100 ] || die "server in $dir did not accept connections within 10 s"
        sleep 0.1
    done
    echo "host=$dir/sock dbname=postgres user=$user" >"$dir/conninfo"
}

standby() {
    local primary=$1 dir=$2 user
    user=$(sed -n 's/.*user=\([^ ]*\).*/\1/p' "$primary/conninfo")
    rm -rf "$dir"
    mkdir -p "$dir/sock"
    [ "$(id -u)" -ne 0 ] || chown -R postgres: "$dir"
    as_owner "$BIN/pg_basebackup" -h "$primary/sock" -U "$user" -D "$dir/data" -R -X stream \
        >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; die "pg_basebackup failed"; }
    # The copied postgresql.conf names the primary's socket folder: a later line wins.
    echo "unix_socket_directories = '$dir/sock'" >>"$dir/data/postgresql.conf"
    as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null ||
        { cat "$dir/server.log" >&2; die "pg_ctl start of the standby failed"; }
    wait_ready "$dir" "$user"
    echo "pg_cluster: standby dir=$dir primary=$primary"
}

promote() {
    local dir=$1
    as_owner "$BIN/pg_ctl" -D "$dir/data" -w -t 30 promote >/dev/null || die "pg_ctl promote failed in $dir"
    echo "pg_cluster: promoted dir=$dir"
}

stop() {
    local dir=$1
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null ||
            echo "pg_cluster: pg_ctl stop failed in $dir" >&2
    fi
    rm -rf "$dir"
    echo "pg_cluster: stopped dir=$dir"
}

usage="usage: pg_cluster.sh start|stop|promote DIR, or standby PRIMARY_DIR DIR"
case "${1:-}:$#" in
start:2) start "$(realpath -m "$2")" ;;
stop:2) stop "$(realpath -m "$2")" ;;
promote:2) promote "$(realpath -m "$2")" ;;
standby:3) standby "$(realpath -m "$2")" "$(realpath -m "$3")" ;;
*) die "$usage" ;;
esac

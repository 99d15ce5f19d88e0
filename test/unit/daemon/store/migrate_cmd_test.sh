#!/bin/bash
# `wardend migrate-store` exit codes and summary line (issue 14), on the PostgreSQL of
# ctest fixture `pg`:  migrate_cmd_test.sh WARDEND CONNINFO_FILE
set -euo pipefail
wardend=$1
admin=$(head -n1 "$2")
dir=$(mktemp -d /tmp/warden-migrate-cmd.XXXXXX)
db=warden_migrate_cmd_$$
cleanup() {
    psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

printf 'state_dir = "%s"\n[vpn]\nremote = "vpn.example.org"\n' "$dir" >"$dir/wardend.conf"
psql -q "$admin" -c "CREATE DATABASE $db" >/dev/null
url="$admin dbname=$db"

# No SQLite state: refused, nothing created.
rc=0
"$wardend" migrate-store --to "$url" --config "$dir/wardend.conf" 2>"$dir/err" || rc=$?
[ "$rc" -eq 1 ] || fail "missing state: exit $rc, want 1"
grep -q "nothing migrated: sqlite: no database at $dir/warden.db" "$dir/err" || fail "$(cat "$dir/err")"
[ ! -e "$dir/warden.db" ] || fail "an empty warden.db was created"

# A new (empty) state: its default group and license are copied.
: >"$dir/warden.db"
out=$("$wardend" migrate-store --to "$url" --config "$dir/wardend.conf" 2>/dev/null) ||
    fail "first migrate failed"
[ "$out" = "migrated tables=25 rows=2" ] || fail "summary: $out"

# Again: the database is no longer empty.
rc=0
"$wardend" migrate-store --to "$url" --config "$dir/wardend.conf" >/dev/null 2>"$dir/err" || rc=$?
[ "$rc" -eq 1 ] || fail "second migrate: exit $rc, want 1"
grep -q "is not empty" "$dir/err" || fail "$(cat "$dir/err")"

# Bad configuration: exit 2.
rc=0
"$wardend" migrate-store --to "$url" --config "$dir/none.conf" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "missing config: exit $rc, want 2"
echo "ok"

#!/usr/bin/env bash
# Roles and files (SPEC §13): wardend init creates the admin and viewer groups and puts the
# sockets in a folder they can reach (the state folder stays closed); a viewer reads and
# is denied writes (exit 4), an admin writes, anyone else is denied (exit 4). `backup`
# writes with the caller's own rights: a folder they cannot write is exit 4, a symlink at
# the destination is not followed. Throwaway users and groups, removed at exit.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

[ "$(id -u)" -eq 0 ] || e2e_skip "needs root (useradd, runuser)"
for tool in useradd userdel groupdel runuser getent; do
  command -v "$tool" >/dev/null || e2e_skip "$tool is missing"
done

e2e_tmpdir >/dev/null
# Names of this run only (at most 32 characters), so parallel runs do not clash.
admin_group="wadm$$" viewer_group="wview$$"
u_admin="wa$$" u_viewer="wv$$" u_other="wo$$"
for group in "$admin_group" "$viewer_group"; do
  getent group "$group" >/dev/null && e2e_fail "group $group exists already"
  e2e_on_exit "groupdel '$group'"
done

w_init 127.0.0.1:1194 10.253.0.0/24 --admin-group "$admin_group" --viewer-group "$viewer_group"
for group in "$admin_group" "$viewer_group"; do
  getent group "$group" >/dev/null || e2e_fail "init did not create group $group"
done
e2e_pass "init creates the admin and viewer groups"

add_user() {
  e2e_on_exit "userdel '$1'"
  useradd --system -M -d /nonexistent -s /usr/sbin/nologin -N -g nogroup ${2:+-G "$2"} "$1" ||
    e2e_fail "useradd $1 failed"
}
add_user "$u_admin" "$admin_group"
add_user "$u_viewer" "$viewer_group"
add_user "$u_other" ""

# The users must be able to run wardenctl wherever the build lives.
install -m 755 "$WARDENCTL" "$E2E_DIR/wardenctl"
w_start_wardend

mode() { stat -c %a "$1"; }
[ "$(mode "$W_STATE")" = 711 ] || e2e_fail "state folder is $(mode "$W_STATE"), expected 711"
[ "$(mode "$W_RUN")" = 755 ] || e2e_fail "socket folder is $(mode "$W_RUN"), expected 755"
[ "$(mode "$W_STATE/warden.db")" = 600 ] || e2e_fail "warden.db is $(mode "$W_STATE/warden.db")"
[ "$(mode "$W_STATE/pki")" = 700 ] || e2e_fail "pki/ is $(mode "$W_STATE/pki")"
[ "$(mode "$W_RUN/plugin.sock")" = 660 ] || e2e_fail "plugin.sock is $(mode "$W_RUN/plugin.sock")"
e2e_pass "secrets stay private; only the socket folder is open"

# as USER WANT ARGS...: run wardenctl as USER, fail unless it exits WANT.
as() {
  local user="$1" want="$2" rc=0
  shift 2
  runuser -u "$user" -- "$E2E_DIR/wardenctl" --socket "$WARDEN_SOCKET" "$@" \
    >"$E2E_DIR/out" 2>"$E2E_DIR/err" || rc=$?
  [ "$rc" = "$want" ] || e2e_fail "$user: 'wardenctl $*' exited $rc, expected $want: $(cat "$E2E_DIR/err")"
}

as "$u_viewer" 0 device list
as "$u_viewer" 4 device add roles-v --type pc
as "$u_admin" 0 device add roles-a --type pc
as "$u_viewer" 0 device show roles-a
as "$u_other" 4 device list
as "$u_other" 4 status
e2e_pass "viewer reads, admin writes, viewer writes and outsiders get exit 4"

# Backups: the admin's own folder works, a root folder is exit 4, a symlink is not followed.
home="$E2E_DIR/home-admin"
mkdir -m 700 "$home"
chown "$u_admin" "$home"
as "$u_admin" 0 backup "$home/w.db"
[ "$(stat -c %U "$home/w.db")" = "$u_admin" ] || e2e_fail "backup is not owned by the admin"
[ "$(mode "$home/w.db")" = 600 ] || e2e_fail "backup is $(mode "$home/w.db"), expected 600"
[ "$(sqlite3 "$home/w.db" 'PRAGMA integrity_check')" = ok ] || e2e_fail "backup fails integrity_check"

mkdir -m 755 "$E2E_DIR/rootonly"
as "$u_admin" 4 backup "$E2E_DIR/rootonly/w.db"
[ ! -e "$E2E_DIR/rootonly/w.db" ] || e2e_fail "backup wrote into a folder the admin cannot write"

printf 'keep\n' >"$E2E_DIR/victim"
ln -s "$E2E_DIR/victim" "$home/link.db"
as "$u_admin" 1 backup "$home/link.db"
as "$u_admin" 0 backup --force "$home/link.db"
[ "$(cat "$E2E_DIR/victim")" = keep ] || e2e_fail "backup followed a symlink"
[ "$(stat -c %U "$E2E_DIR/victim")" = root ] || e2e_fail "backup chowned the symlink's target"
[ ! -L "$home/link.db" ] && [ "$(stat -c %U "$home/link.db")" = "$u_admin" ] ||
  e2e_fail "backup --force did not replace the link with the admin's own file"
e2e_pass "backup writes with the caller's rights, never through a symlink"

# Exported profiles (private key) are the caller's 0600 files; a symlink is replaced.
ln -s "$E2E_DIR/victim" "$home/roles-a.ovpn"
as "$u_admin" 0 device export roles-a -o "$home/roles-a.ovpn"
[ "$(cat "$E2E_DIR/victim")" = keep ] || e2e_fail "export followed a symlink"
[ "$(mode "$home/roles-a.ovpn")" = 600 ] || e2e_fail "profile is $(mode "$home/roles-a.ovpn")"
e2e_pass "exported profiles are private and never written through a symlink"

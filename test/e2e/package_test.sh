#!/usr/bin/env bash
# The Debian package on this machine: dpkg -i, every file's path, owner and mode, the
# groups and the socket folder, `wardend init` with the FHS defaults, --check-config,
# wardend started as the unit starts it (NOTIFY_SOCKET: READY=1), OpenVPN with the
# generated /etc/openvpn/server/warden.conf and the installed plugin under Debian's
# LimitNPROC=10, systemd-analyze verify, an upgrade over itself that keeps the database
# and the configuration, dpkg -r (state kept) and dpkg -P (state gone).
#
# Takes WARDEN_DEB, else builds the package from WARDEN_BUILD_DIR with cpack. Leaves the
# machine as it found it: the package is purged on exit, also on failure. Skips when a
# warden package or state is already there (it is not ours to touch).
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

e2e_require_root_netns --tun
command -v dpkg >/dev/null 2>&1 || e2e_skip "not a Debian system (no dpkg)"
command -v python3 >/dev/null 2>&1 || e2e_skip "python3 not installed"
status=$(dpkg-query -W -f='${db:Status-Status}' warden 2>/dev/null || true)
[ -z "$status" ] || [ "$status" = not-installed ] || e2e_skip "a warden package is on this machine already ($status)"
for path in /etc/warden /var/lib/warden /etc/openvpn/server/warden.conf /usr/sbin/wardend; do
  [ ! -e "$path" ] || e2e_skip "$path exists already; not touching this machine's warden"
done
e2e_tmpdir >/dev/null
repo=$(cd "$(dirname "$0")/../.." && pwd)

deb="${WARDEN_DEB:-}"
if [ -z "$deb" ]; then
  build="${WARDEN_BUILD_DIR:?WARDEN_BUILD_DIR or WARDEN_DEB must be set}"
  (cd "$build" && cmake --build . --target warden_package_files >/dev/null &&
    cpack -G DEB --config CPackConfig.cmake >"$E2E_DIR/cpack.log" 2>&1) ||
    { cat "$E2E_DIR/cpack.log" >&2; e2e_fail "cpack failed"; }
  deb=$(ls -t "$build"/package/warden_*_amd64.deb | head -1)
fi
[ -f "$deb" ] || e2e_fail "no package at $deb"

if command -v lintian >/dev/null 2>&1; then
  lintian --fail-on error,warning "$deb" >"$E2E_DIR/lintian.out" 2>&1 || { cat "$E2E_DIR/lintian.out" >&2; e2e_fail "lintian"; }
  e2e_pass "lintian: no error or warning beyond packaging/debian/lintian-overrides"
else
  e2e_log "lintian missing (scripts/bootstrap installs it): package not linted"
fi

# dpkg takes a lock; another apt/dpkg run on the machine may hold it for a while.
dpkg_retry() {
  local i
  for i in $(seq 1 60); do
    if dpkg "$@" >"$E2E_DIR/dpkg.log" 2>&1; then return 0; fi
    grep -q "lock" "$E2E_DIR/dpkg.log" || { cat "$E2E_DIR/dpkg.log" >&2; return 1; }
    sleep 1
  done
  cat "$E2E_DIR/dpkg.log" >&2
  return 1
}

groups_before=""
for g in warden-admin warden-view; do getent group "$g" >/dev/null && groups_before+=" $g"; done
cleanup_machine() {
  dpkg --purge warden >/dev/null 2>&1 || true
  rm -rf /etc/warden /var/lib/warden /run/warden
  rm -f /etc/openvpn/server/warden.conf /run/openvpn-server/warden.mgmt
  local g
  for g in warden-admin warden-view; do
    case " $groups_before " in *" $g "*) ;; *) groupdel "$g" 2>/dev/null || true ;; esac
  done
}
e2e_on_exit cleanup_machine

dpkg_retry -i "$deb" || e2e_fail "dpkg -i failed"
dpkg-query -W -f='${Status}' warden | grep -q "install ok installed" || e2e_fail "warden not installed"
e2e_pass "dpkg -i $(basename "$deb")"

# path:owner:group:mode of everything the package owns (directories shared with other
# packages, e.g. /usr/bin, are checked for root ownership only).
expected="/etc/warden/wardend.conf:root:root:600
/lib/systemd/system/wardend.service:root:root:644
/lib/systemd/system/openvpn-server@warden.service.d:root:root:755
/lib/systemd/system/openvpn-server@warden.service.d/warden.conf:root:root:644
/usr/bin/wardenctl:root:root:755
/usr/sbin/wardend:root:root:755
/usr/lib/x86_64-linux-gnu/openvpn/plugins/openvpn-plugin-warden.so:root:root:644
/usr/lib/sysusers.d/warden.conf:root:root:644
/usr/lib/tmpfiles.d/warden.conf:root:root:644
/usr/share/bash-completion/completions/wardenctl:root:root:644
/usr/share/doc/warden:root:root:755
/usr/share/doc/warden/README.md:root:root:644
/usr/share/doc/warden/changelog.Debian.gz:root:root:644
/usr/share/doc/warden/copyright:root:root:644
/usr/share/doc/warden/manual:root:root:755
/usr/share/doc/warden/manual/configuration.md:root:root:644
/usr/share/man/man8/wardend.8.gz:root:root:644
/usr/share/man/man8/wardenctl.8.gz:root:root:644
/usr/share/man/man5/wardend.conf.5.gz:root:root:644
/usr/share/lintian/overrides/warden:root:root:644
/etc/warden:root:root:755"
while IFS=: read -r path owner group mode; do
  actual=$(stat -c '%U:%G:%a' "$path" 2>/dev/null) || e2e_fail "missing: $path"
  [ "$actual" = "$owner:$group:$mode" ] || e2e_fail "$path is $actual, expected $owner:$group:$mode"
done <<<"$expected"
# Every file the package lists is one of those (or a page of the manual, 0644), and root
# owns everything.
while IFS= read -r path; do
  [ -d "$path" ] && { [ "$(stat -c %U:%G "$path")" = root:root ] || e2e_fail "$path not root's"; continue; }
  case "$path" in /usr/share/doc/warden/manual/*.md)
    [ "$(stat -c %U:%G:%a "$path")" = root:root:644 ] || e2e_fail "$path not root:root:644"
    continue ;;
  esac
  grep -q "^$path:" <<<"$expected" || e2e_fail "unexpected file in the package: $path"
done < <(dpkg -L warden)
dpkg-query -W -f='${Conffiles}' warden | grep -q "^ /etc/warden/wardend.conf " || e2e_fail "wardend.conf is not a conffile"
depends=$(dpkg-query -W -f='${Depends}' warden)
for dep in "openvpn (>= 2.6.14-0+deb12u2)" "libc6" "libssl3" "libsqlite3-0" "libsystemd0"; do
  grep -qF "$dep" <<<"$depends" || e2e_fail "Depends lacks $dep: $depends"
done
getent group warden-admin >/dev/null && getent group warden-view >/dev/null || e2e_fail "postinst made no groups"
[ "$(stat -c '%U:%G:%a' /run/warden 2>/dev/null)" = root:root:755 ] || e2e_fail "/run/warden not made 0755 by tmpfiles"
grep -q "device" /usr/share/bash-completion/completions/wardenctl && bash -n /usr/share/bash-completion/completions/wardenctl ||
  e2e_fail "bash completion lacks the commands"
e2e_pass "every file's path, owner and mode; conffile, Depends, groups, /run/warden, man pages"

# Before init: the packaged default is refused, with what to do.
rc=0; wardend --check-config >"$E2E_DIR/check.out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "wardend init" "$E2E_DIR/check.out" || { cat "$E2E_DIR/check.out" >&2; e2e_fail "--check-config before init: rc=$rc"; }
wardend init --remote 10.250.40.1 >"$E2E_DIR/init.out" 2>&1 || { cat "$E2E_DIR/init.out" >&2; e2e_fail "wardend init (FHS) failed"; }
for spec in /etc/warden/wardend.conf:600 /etc/openvpn/server/warden.conf:600 /var/lib/warden:700 \
  /var/lib/warden/warden.db:600 /var/lib/warden/pki:700 /var/lib/warden/pki/ca.key:600 /run/warden:755 \
  /var/lib/warden/pki/revoked:755; do
  [ "$(stat -c %a "${spec%:*}")" = "${spec##*:}" ] || e2e_fail "${spec%:*} is $(stat -c %a "${spec%:*}"), expected ${spec##*:}"
done
grep -q "^plugin /usr/lib/x86_64-linux-gnu/openvpn/plugins/openvpn-plugin-warden.so socket=/run/warden/plugin.sock " \
  /etc/openvpn/server/warden.conf || e2e_fail "server.conf does not load the installed plugin"
grep -q "^management /run/openvpn-server/warden.mgmt unix" /etc/openvpn/server/warden.conf || e2e_fail "management socket not in /run/openvpn-server"
# OpenVPN (root, CAP_DAC_OVERRIDE in Debian's unit) reads revocations from the folder.
grep -qx "crl-verify /var/lib/warden/pki/revoked dir" /etc/openvpn/server/warden.conf || e2e_fail "server.conf lacks crl-verify DIR dir"
wardend --check-config >"$E2E_DIR/check.out" 2>&1 || { cat "$E2E_DIR/check.out" >&2; e2e_fail "--check-config after init"; }
e2e_pass "wardend init without --dir: /etc/warden, /var/lib/warden, /run/warden, /etc/openvpn/server/warden.conf; --check-config 0"

if command -v systemd-analyze >/dev/null 2>&1; then
  systemd-analyze verify /lib/systemd/system/wardend.service "/lib/systemd/system/openvpn-server@warden.service" \
    >"$E2E_DIR/verify.out" 2>&1 || { cat "$E2E_DIR/verify.out" >&2; e2e_fail "systemd-analyze verify"; }
  e2e_pass "systemd-analyze verify wardend.service openvpn-server@warden.service"
else
  e2e_log "systemd-analyze missing (Debian package systemd): units not verified"
fi

# wardend as the unit starts it, in a namespace of its own (its firewall table), told to
# notify a socket this test listens on.
ns="e2e-pkg-$$"
e2e_make_ns "$ns"
notify="$E2E_DIR/notify.sock"
e2e_start_bg - "$E2E_DIR/listener.log" python3 "$repo/test/e2e/notify_listen.py" "$notify" "$E2E_DIR/notify.log"
e2e_wait_file "$notify" 10 || e2e_fail "notification listener did not start"
start_wardend() {
  e2e_start_bg "$ns" "$E2E_DIR/wardend.log" env NOTIFY_SOCKET="$notify" /usr/sbin/wardend --config /etc/warden/wardend.conf
  wardend_pid=$E2E_PID
}
start_wardend
e2e_wait_for_log "$E2E_DIR/notify.log" '^READY=1$' 15 "$wardend_pid" || e2e_fail "installed wardend sent no READY=1"
wardenctl device add pkg-laptop --type pc >/dev/null || e2e_fail "wardenctl (default socket /run/warden/admin.sock) failed"
e2e_pass "installed wardend: READY=1 with NOTIFY_SOCKET; wardenctl on the default socket"

# OpenVPN as Debian's openvpn-server@warden runs it (cwd /etc/openvpn/server, --config
# warden.conf, LimitNPROC=10, PrivateTmp does not matter): the installed plugin starts
# its thread and reaches wardend.
e2e_start_bg "$ns" "$E2E_DIR/openvpn.log" sh -c \
  'cd /etc/openvpn/server && exec prlimit --nproc=10:10 openvpn --suppress-timestamps --config warden.conf --disable-dco'
openvpn_pid=$E2E_PID
e2e_wait_for_log "$E2E_DIR/openvpn.log" 'Initialization Sequence Completed' 20 "$openvpn_pid" ||
  e2e_fail "OpenVPN with the installed plugin did not start"
e2e_wait_for_log "$E2E_DIR/wardend.log" 'plugin connected' 10 "$wardend_pid" || e2e_fail "the plugin did not connect to wardend"
e2e_wait_for "wardenctl --json status | grep -q '\"management\":\"connected\"'" 10 ||
  e2e_fail "wardend did not reach OpenVPN's management socket"
e2e_stop "$openvpn_pid"
e2e_pass "OpenVPN with /etc/openvpn/server/warden.conf under LimitNPROC=10 loads the plugin, which connects"

e2e_stop "$wardend_pid"
conf_sum=$(md5sum </etc/warden/wardend.conf)
dpkg_retry -i "$deb" || e2e_fail "upgrade (dpkg -i over itself) failed"
[ "$(md5sum </etc/warden/wardend.conf)" = "$conf_sum" ] || e2e_fail "the upgrade replaced wardend.conf"
[ -f /var/lib/warden/warden.db ] || e2e_fail "the upgrade lost the database"
start_wardend
e2e_wait_for "wardenctl device show pkg-laptop >/dev/null" 15 || e2e_fail "the device is gone after the upgrade"
e2e_stop "$wardend_pid"
e2e_pass "upgrade over itself keeps the database (device still there) and the configuration"

dpkg_retry -r warden || e2e_fail "dpkg -r failed"
[ ! -e /usr/sbin/wardend ] || e2e_fail "dpkg -r left /usr/sbin/wardend"
for path in /var/lib/warden/warden.db /var/lib/warden/pki/ca.key /etc/warden/wardend.conf /etc/openvpn/server/warden.conf; do
  [ -f "$path" ] || e2e_fail "dpkg -r removed $path"
done
e2e_pass "dpkg -r keeps the state and the configuration"

dpkg_retry -P warden || e2e_fail "dpkg -P failed"
for path in /var/lib/warden /etc/warden /etc/openvpn/server/warden.conf /run/warden; do
  [ ! -e "$path" ] || e2e_fail "dpkg -P left $path"
done
dpkg-query -W -f='${Status}' warden 2>/dev/null | grep -q "installed" && e2e_fail "still installed after purge"
e2e_pass "dpkg -P removes the state, the configuration and server.conf"

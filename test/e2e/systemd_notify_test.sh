#!/usr/bin/env bash
# wardend under a stand-in for systemd (Type=notify): NOTIFY_SOCKET points at a datagram
# socket this test listens on. wardend must send READY=1 only once its firewall table and
# sockets are in place, STATUS= with devices and sessions, WATCHDOG=1 pings at half of
# WATCHDOG_USEC, RELOADING=1 then READY=1 on SIGHUP (re-reading the reloadable keys, and
# keeping the running config when the file is invalid), STOPPING=1 on SIGTERM. Also
# `wardend --check-config`, the unit's ExecStartPre=.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

e2e_require_root_netns --no-tun
command -v python3 >/dev/null 2>&1 || e2e_skip "python3 not installed"
e2e_tmpdir >/dev/null
w_init 127.0.0.1 10.8.0.0/24
conf="$W_STATE/wardend.conf"

# --check-config: valid state; an invalid file and a missing key are refused with the reason.
"$WARDEND" --check-config --config "$conf" >"$E2E_DIR/check.out" 2>&1 ||
  { cat "$E2E_DIR/check.out" >&2; e2e_fail "--check-config refused a fresh state"; }
sed 's/^port = .*/port = 0/' "$conf" >"$E2E_DIR/bad.conf"
rc=0; "$WARDEND" --check-config --config "$E2E_DIR/bad.conf" >"$E2E_DIR/check.out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "vpn.port" "$E2E_DIR/check.out" ||
  { cat "$E2E_DIR/check.out" >&2; e2e_fail "--check-config: bad port gave rc=$rc"; }
mv "$W_STATE/pki/ca.key" "$E2E_DIR/ca.key"
rc=0; "$WARDEND" --check-config --config "$conf" >"$E2E_DIR/check.out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "ca.key" "$E2E_DIR/check.out" || e2e_fail "--check-config: missing ca.key gave rc=$rc"
mv "$E2E_DIR/ca.key" "$W_STATE/pki/ca.key"
e2e_pass "--check-config: 0 for a valid state, 1 with the reason otherwise"

notify="$E2E_DIR/notify.sock"
messages="$E2E_DIR/notify.log"
e2e_start_bg - "$E2E_DIR/listener.log" python3 "$(dirname "$0")/notify_listen.py" "$notify" "$messages"
e2e_wait_file "$notify" 10 || e2e_fail "notification listener did not start"
e2e_show_log_on_fail "$messages"

# In a namespace of its own: its nftables table stays out of the host's.
ns="e2e-notify-$$"
e2e_make_ns "$ns"
e2e_start_bg "$ns" "$E2E_DIR/wardend.log" env NOTIFY_SOCKET="$notify" WATCHDOG_USEC=400000 \
  "$WARDEND" --config "$conf"
wardend_pid=$E2E_PID

e2e_wait_for_log "$messages" '^READY=1$' 15 "$wardend_pid" || e2e_fail "no READY=1"
# READY=1 came after the table and the sockets: they are there the moment it is seen.
ip netns exec "$ns" nft list table inet warden >/dev/null 2>&1 || e2e_fail "READY=1 before the firewall table"
[ -S "$W_RUN/admin.sock" ] && [ -S "$W_RUN/plugin.sock" ] || e2e_fail "READY=1 before the sockets"
grep -q '^STATUS=0 devices, 0 sessions$' "$messages" || e2e_fail "READY=1 without STATUS="
e2e_pass "READY=1 once the firewall table and the sockets are in place, with STATUS="

# WATCHDOG_USEC=400000: a ping every 200 ms from the event loop.
e2e_wait_for "[ \$(grep -c '^WATCHDOG=1$' '$messages') -ge 5 ]" 5 || e2e_fail "fewer than 5 WATCHDOG=1 pings"
grep -q "systemd watchdog on ping_ms=200" "$E2E_DIR/wardend.log" || e2e_fail "watchdog interval not half of WATCHDOG_USEC"
e2e_pass "WATCHDOG=1 every 200 ms with WATCHDOG_USEC=400000"

"$WARDENCTL" device add laptop --type pc >/dev/null || e2e_fail "device add failed"
e2e_wait_for_log "$messages" '^STATUS=1 device, 0 sessions$' 10 "$wardend_pid" || e2e_fail "STATUS= did not follow the change"
e2e_pass "STATUS= follows the number of devices"

# SIGHUP: a reloadable key and one that needs a restart.
sed -i -e 's/^expiry_warning_days = .*/expiry_warning_days = 10/' -e 's/^admin_max_connections = .*/admin_max_connections = 5/' "$conf"
kill -HUP "$wardend_pid"
e2e_wait_for_log "$messages" '^RELOADING=1$' 10 "$wardend_pid" || e2e_fail "no RELOADING=1 on SIGHUP"
grep -q '^MONOTONIC_USEC=[0-9]\+$' "$messages" || e2e_fail "RELOADING=1 without MONOTONIC_USEC"
e2e_wait_for "[ \$(grep -c '^READY=1$' '$messages') -ge 2 ]" 10 || e2e_fail "no READY=1 after the reload"
grep -q "config reloaded .*applied=pki.expiry_warning_days" "$E2E_DIR/wardend.log" || e2e_fail "expiry_warning_days not reloaded"
grep -q "config change needs a restart keys=admin_max_connections" "$E2E_DIR/wardend.log" ||
  e2e_fail "a restart-only key was not reported"
e2e_alive "$wardend_pid" || e2e_fail "wardend died on SIGHUP"
e2e_pass "SIGHUP: RELOADING=1, reloadable keys taken over, restart-only keys reported, READY=1"

# An invalid file on SIGHUP changes nothing and shows in STATUS=.
cp "$conf" "$E2E_DIR/good.conf"
sed -i "1i bogus_key = 1" "$conf"
kill -HUP "$wardend_pid"
e2e_wait_for_log "$messages" '^STATUS=1 device, 0 sessions; config reload failed: line [0-9]+: unknown key bogus_key$' 10 "$wardend_pid" ||
  e2e_fail "a failed reload is not in STATUS="
"$WARDENCTL" status >/dev/null || e2e_fail "wardend stopped serving after a failed reload"
cp "$E2E_DIR/good.conf" "$conf"
e2e_pass "an invalid file on SIGHUP keeps the running configuration and says so in STATUS="

kill -TERM "$wardend_pid"
e2e_wait_for_log "$messages" '^STOPPING=1$' 10 || e2e_fail "no STOPPING=1 on SIGTERM"
e2e_pass "STOPPING=1 on SIGTERM"

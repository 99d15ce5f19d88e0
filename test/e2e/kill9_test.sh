#!/usr/bin/env bash
# Crash safety of device add (SPEC §11): wardend is killed with SIGKILL while two
# clients stream `device add` calls, three times. After each restart every add that
# wardenctl reported done (exit 0) is present with its certificate, and the database
# passes PRAGMA integrity_check. No OpenVPN and no namespaces: only the admin socket.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

# The admin socket lets root (or the admin group) write; the test runs as root.
[ "$(id -u)" -eq 0 ] || e2e_skip "needs root (admin commands are refused to other users)"
command -v sqlite3 >/dev/null || e2e_skip "sqlite3 CLI not installed"
e2e_tmpdir >/dev/null
w_init 127.0.0.1 10.240.0.0/16
db="$W_STATE/warden.db"
done_list="$E2E_DIR/done"
: >"$done_list"

# adder TAG: add devices TAG-1, TAG-2, ... until $E2E_DIR/stop exists; record each one
# wardenctl reported done.
adder() {
  local i=0
  while [ ! -e "$E2E_DIR/stop" ]; do
    i=$((i + 1))
    if "$WARDENCTL" device add "$1-$i" --type pc >/dev/null 2>&1; then
      echo "$1-$i" >>"$done_list"
    else
      echo "$1-$i" >>"$E2E_DIR/failed"
    fi
  done
}

integrity_ok() {
  local result
  result=$(sqlite3 "$db" 'PRAGMA integrity_check')
  [ "$result" = ok ] || e2e_fail "integrity_check after kill -9: $result"
}

kills=0
for round in 1 2 3; do
  w_start_wardend
  rm -f "$E2E_DIR/stop"
  adder "r$round-a" &
  pid_a=$!
  adder "r$round-b" &
  pid_b=$!
  target=$((round * 30))
  e2e_wait_for "[ \$(wc -l <'$done_list') -ge $target ]" 60 ||
    e2e_fail "round $round: adds did not get done"
  kill -KILL "$W_WARDEND_PID"
  kills=$((kills + 1))
  wait "$W_WARDEND_PID" 2>/dev/null || true
  touch "$E2E_DIR/stop"
  wait "$pid_a" "$pid_b"
  integrity_ok
done

w_start_wardend
integrity_ok
present="$E2E_DIR/present"
"$WARDENCTL" --json device list | grep -o '"name":"[^"]*"' | sed 's/"name":"\(.*\)"/\1/' | sort >"$present"
missing=$(sort "$done_list" | comm -23 - "$present")
[ -z "$missing" ] || e2e_fail "adds reported done but missing after kill -9: $missing"
without_cert=$(sqlite3 "$db" "SELECT COUNT(*) FROM devices d WHERE NOT EXISTS
  (SELECT 1 FROM certificates c WHERE c.device_id = d.id AND c.revoked_at IS NULL)")
[ "$without_cert" -eq 0 ] || e2e_fail "$without_cert devices have no certificate"
failed=$(cat "$E2E_DIR/failed" 2>/dev/null | wc -l)
e2e_pass "$kills kills of wardend during device add streams: $(wc -l <"$done_list") adds reported done, all present ($(wc -l <"$present") devices, $failed calls failed while it was down or dying), every one with its certificate, integrity_check ok"

#!/usr/bin/env bash
# wardenctl against a real wardend (no OpenVPN needed): output shapes and the documented
# exit codes (0 done, 1 refused/invalid, 2 usage, 3 daemon unreachable, 4 denied).
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

e2e_tmpdir >/dev/null
w_init 127.0.0.1:1194 10.254.0.0/24
w_start_wardend

# expect CODE CMD...: run CMD, fail unless it exits with CODE.
expect() {
  local want="$1" rc=0
  shift
  "$@" >"$E2E_DIR/out" 2>"$E2E_DIR/err" || rc=$?
  [ "$rc" = "$want" ] || e2e_fail "'$*' exited $rc, expected $want: $(cat "$E2E_DIR/err")"
}

expect 0 "$WARDENCTL" status
expect 0 "$WARDENCTL" device add r1 --type router --network 192.168.50.0/255.255.255.0
expect 0 "$WARDENCTL" device add pc1 --type pc
expect 0 "$WARDENCTL" device list
grep -q '^NAME ' "$E2E_DIR/out" || e2e_fail "device list has no header"
grep -q '^r1 .*192.168.50.0/24' "$E2E_DIR/out" || e2e_fail "device list lacks r1 with its network"
expect 0 "$WARDENCTL" --json device list
grep -q '"name":"pc1"' "$E2E_DIR/out" || e2e_fail "--json device list lacks pc1"
expect 0 "$WARDENCTL" --json cert list pc1
expect 0 "$WARDENCTL" session list
expect 0 "$WARDENCTL" device export pc1 -o "$E2E_DIR/pc1.ovpn"
[ "$(stat -c %a "$E2E_DIR/pc1.ovpn")" = 600 ] || e2e_fail "exported profile is not mode 600"
grep -q '^remote 127.0.0.1 1194$' "$E2E_DIR/pc1.ovpn" || e2e_fail "profile lacks the remote"
e2e_pass "commands succeed with exit 0"

expect 1 "$WARDENCTL" device add pc1 --type pc
grep -q 'name: a device named pc1 exists' "$E2E_DIR/err" || e2e_fail "duplicate name message: $(cat "$E2E_DIR/err")"
expect 1 "$WARDENCTL" device add r2 --type router --network 192.168.50.128/25
grep -q '^wardenctl: network: ' "$E2E_DIR/err" || e2e_fail "overlap message does not name the field"
expect 1 "$WARDENCTL" device show nope
expect 1 "$WARDENCTL" cert revoke pc1 zz
e2e_pass "refusals exit 1 naming the field"

expect 2 "$WARDENCTL" device add
expect 2 "$WARDENCTL" frobnicate
expect 2 "$WARDENCTL" device add x --type pc --bogus
e2e_pass "usage errors exit 2"

expect 3 "$WARDENCTL" --socket "$E2E_DIR/none.sock" status
e2e_pass "unreachable daemon exits 3"

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
  chmod 755 "$E2E_DIR" "$W_STATE"
  expect 4 setpriv --reuid=65534 --regid=65534 --clear-groups "$WARDENCTL" status
  expect 4 setpriv --reuid=65534 --regid=65534 --clear-groups "$WARDENCTL" device delete pc1
  e2e_pass "callers outside the admin and viewer groups exit 4"
else
  e2e_log "not root: permission check (exit 4) not exercised"
fi
expect 0 "$WARDENCTL" device delete pc1
expect 1 "$WARDENCTL" device delete pc1

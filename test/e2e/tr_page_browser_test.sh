#!/usr/bin/env bash
# The TR confirmation page (issue 10) in a real browser: tr_page_demo serves the page with
# a fake TR service; headless Chromium (tr_page_browser.py) opens a valid token's link,
# checks the device (escaped operator text shown literally), that nothing is loaded from
# another origin, keeps a screenshot, presses the button and checks the answer; then a
# used, an expired and a guessed token's pages, which name no device.
# Server and browser run in a namespace of their own with only loopback: nothing the
# browser might try to reach leaves it.
#
# Needs TR_PAGE_DEMO (the demo binary) and ARTIFACTS (where screenshots go); ctest sets both.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

: "${TR_PAGE_DEMO:?TR_PAGE_DEMO must name the tr_page_demo binary}"
: "${ARTIFACTS:?ARTIFACTS must name the screenshot folder}"
BROWSER="$(dirname "$0")/tr_page_browser.py"
DEVICE='Router <Büro> & "Lager"'

[ "$(id -u)" -eq 0 ] || e2e_skip "needs root (a network namespace keeps the browser on loopback)"
command -v ip >/dev/null 2>&1 || e2e_skip "iproute2 (ip) not installed"
command -v chromium >/dev/null 2>&1 || e2e_skip "chromium is not installed"
command -v chromedriver >/dev/null 2>&1 || e2e_skip "chromedriver (chromium-driver) is not installed"
/usr/bin/python3 -c 'import selenium' 2>/dev/null || e2e_skip "python3-selenium is not installed"

e2e_tmpdir
ns="e2e-trpage-$$"
e2e_make_ns "$ns"
e2e_start_bg "$ns" "$E2E_DIR/demo.log" "$TR_PAGE_DEMO" --device "$DEVICE"
e2e_wait_for_log "$E2E_DIR/demo.log" '^listening ' 10 "$E2E_PID" || e2e_fail "tr_page_demo did not start"
line=$(grep -m1 '^listening ' "$E2E_DIR/demo.log")
address=$(sed -n 's/^listening \([^ ]*\) .*/\1/p' <<<"$line")
token=$(sed -n 's/.* token=\([^ ]*\).*/\1/p' <<<"$line")
used=$(sed -n 's/.* used=\([^ ]*\).*/\1/p' <<<"$line")
expired=$(sed -n 's/.* expired=\([^ ]*\).*/\1/p' <<<"$line")
base="http://$address/tr"

browse() {
  local rc=0
  ip netns exec "$ns" env HOME="$E2E_DIR" "$BROWSER" "$@" || rc=$?
  [ "$rc" -eq 77 ] && e2e_skip "browser: see above"
  [ "$rc" -eq 0 ] || e2e_fail "browser check failed: $*"
}

mkdir -p "$ARTIFACTS"
browse "$base/$token" --screenshot "$ARTIFACTS/tr_page.png" --expect-device "$DEVICE" \
  --confirm --answer-screenshot "$ARTIFACTS/tr_page_released.png" \
  --expect "Access released" --expect "2026-12-02 17:00 UTC" --expect "$DEVICE"
grep -q '^demo: released ' "$E2E_DIR/demo.log" || e2e_fail "the demo service saw no confirm"
e2e_pass "valid token: page, screenshot and confirm"

browse "$base/$token" --screenshot "$E2E_DIR/again.png" \
  --expect "Link already used" --reject "Büro" --reject "Confirm access"
browse "$base/$used" --screenshot "$ARTIFACTS/tr_page_used.png" \
  --expect "Link already used" --reject "Büro"
browse "$base/$expired" --screenshot "$E2E_DIR/expired.png" \
  --expect "Link expired" --reject "Büro"
browse "$base/GUESSEDGUESSEDGUESSEDGUESSED" --screenshot "$E2E_DIR/guessed.png" \
  --expect "Link not valid" --reject "Büro"
[ -s "$ARTIFACTS/tr_page.png" ] || e2e_fail "no screenshot at $ARTIFACTS/tr_page.png"
e2e_pass "used, expired and guessed tokens name no device; screenshots in $ARTIFACTS"

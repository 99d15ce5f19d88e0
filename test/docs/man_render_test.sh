#!/usr/bin/env bash
# Each man page renders without a warning from man/groff (unknown macros, bad escapes,
# lines that cannot be set):  man_render_test.sh PAGE...
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 PAGE..." >&2; exit 2; }
status=0
for page in "$@"; do
  [ -s "$page" ] || { echo "FAIL: $page is missing or empty (build the target warden_man_pages)"; status=1; continue; }
  warnings=$(MANWIDTH=80 LC_ALL=C.UTF-8 man -l --warnings=w "$page" 2>&1 >/dev/null) || {
    echo "FAIL: man -l $page failed: $warnings"; status=1; continue; }
  if [ -n "$warnings" ]; then
    echo "FAIL: $page: $warnings"
    status=1
  fi
  # The page has its NAME section and some body.
  text=$(MANWIDTH=80 man -l "$page" 2>/dev/null)
  grep -q '^NAME' <<<"$text" && [ "$(wc -l <<<"$text")" -gt 40 ] || { echo "FAIL: $page renders too little"; status=1; }
  [ $status -eq 0 ] && echo "ok: $page ($(wc -l <<<"$text") lines)"
done
exit $status

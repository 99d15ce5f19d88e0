#!/usr/bin/env bash
# Every leaf command of `wardenctl --help` (recursively) has its entry in wardenctl(8):
# a term line "wardenctl device add ..." of the COMMANDS section.
#   wardenctl_commands_test.sh WARDENCTL MANPAGE
set -euo pipefail
wardenctl="$1"
page="$2"
here="$(dirname "$0")"
[ -s "$page" ] || { echo "FAIL: $page is missing (build the target warden_man_pages)"; exit 1; }
commands=$("$here/wardenctl_commands.sh" "$wardenctl")
[ "$(wc -l <<<"$commands")" -gt 30 ] || { echo "FAIL: too few commands from --help: $commands"; exit 1; }
# The terms of the page's definition lists (the line after .TP), fonts stripped.
terms=$(awk 'prev == ".TP" { print } { prev = $0 }' "$page" | sed -e 's/\\f\[[A-Z]*\]//g' -e 's/\\f[A-Z]//g' -e 's/\\-/-/g')
missing=0
while IFS= read -r cmd; do
  if ! grep -qE "^wardenctl ${cmd}( |$)" <<<"$terms"; then
    echo "FAIL: wardenctl $cmd is not in $(basename "$page")"
    missing=1
  fi
done <<<"$commands"
[ $missing -eq 0 ] && echo "ok: $(wc -l <<<"$commands") commands, each in $(basename "$page")"
exit $missing

#!/usr/bin/env bash
# Every option of `wardend --help` and of its subcommands (`wardend init --help`) is in
# wardend(8), and every plugin argument the plugin parses is there too.
#   wardend_options_test.sh WARDEND MANPAGE PLUGIN_CONFIG_CPP
set -euo pipefail
wardend="$1"
page="$2"
plugin_config="$3"
[ -s "$page" ] || { echo "FAIL: $page is missing (build the target warden_man_pages)"; exit 1; }
text=$(MANWIDTH=1000 man -l "$page" 2>/dev/null | sed 's/‐/-/g')
# Long options from the help of wardend and each subcommand (not --help itself).
options() { "$wardend" "$@" --help | grep -oE '^  (-[a-z],)?--[a-z-]+' | grep -oE -- '--[a-z-]+' | grep -vx -- --help; }
subs=$("$wardend" --help | awk '/^Subcommands:$/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
status=0
checked=0
for sub in "" $subs; do
  # shellcheck disable=SC2086
  for opt in $(options $sub); do
    checked=$((checked + 1))
    grep -qF -- "$opt" <<<"$text" || { echo "FAIL: wardend ${sub:+$sub }$opt is not in $(basename "$page")"; status=1; }
  done
done
# The plugin's key=value arguments: `key == "NAME"` in its parser.
for arg in $(grep -oE 'key == "[a-z_]+"' "$plugin_config" | grep -oE '"[a-z_]+"' | tr -d '"'); do
  checked=$((checked + 1))
  grep -qE "(^| )$arg=" <<<"$text" || { echo "FAIL: plugin argument $arg= is not in $(basename "$page")"; status=1; }
done
[ $checked -gt 10 ] || { echo "FAIL: only $checked options found"; exit 1; }
[ $status -eq 0 ] && echo "ok: $checked options and plugin arguments, each in $(basename "$page")"
exit $status

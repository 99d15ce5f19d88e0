#!/usr/bin/env bash
# Prints every leaf command of wardenctl, one a line ("device add", "pending accept"),
# walking `--help` recursively. Commands without a description (hidden test hooks such as
# `testing`) are left out, as in the bash completion.
#   wardenctl_commands.sh WARDENCTL
set -euo pipefail
wardenctl="$1"

# The names under "Subcommands:" in --help output (stdin) that have a description.
subcommands() {
  awk '
    /^[A-Za-z]+:$/ { in_section = ($0 == "Subcommands:"); next }
    in_section && /^  [^ ]/ {
      line = substr($0, 3)
      name = line; sub(/ .*/, "", name)
      if (length(line) > 28 && substr(line, 29) ~ /[^ ]/) print name
    }'
}

walk() {
  local subs
  subs=$("$wardenctl" "$@" --help | subcommands)
  if [ -z "$subs" ]; then
    echo "$*"
    return
  fi
  local sub
  for sub in $subs; do walk "$@" "$sub"; done
}

walk

#!/usr/bin/env bash
# Writes a static bash completion for wardenctl from its own --help output, so it lists
# exactly the commands and options of the binary being packaged (run at build time):
#   gen-bash-completion.sh WARDENCTL OUTPUT
# Completes commands, subcommands and each one's options; not device names or values.
set -euo pipefail
wardenctl="$1"
out="$2"

# section NAME: the first words of the lines under "NAME:" in --help output (stdin).
# Entries without a description (hidden test hooks such as `testing`) are left out.
section() {
  awk -v want="$1:" '
    /^[A-Za-z]+:$/ { in_section = ($0 == want); next }
    /^$/ { next }
    in_section && /^  [^ ]/ {
      line = substr($0, 3)
      name = line; sub(/ .*/, "", name)
      desc = substr(line, 29)
      if (length(line) > 28 && desc ~ /[^ ]/) print name
    }'
}

# options ARGS...: the long and short options of `wardenctl ARGS --help`, one line.
options() {
  "$wardenctl" "$@" --help | section Options | tr ',' '\n' | grep '^-' | grep -vx -- '-h\|--help' | sort -u | tr '\n' ' ' | sed 's/ $//'
}

commands=$("$wardenctl" --help | section Subcommands)
{
  echo "# bash completion for wardenctl: generated from \`wardenctl --help\` when the package"
  echo "# was built (packaging/gen-bash-completion.sh). Completes commands, subcommands and options."
  echo "_wardenctl() {"
  echo '  local cur="${COMP_WORDS[COMP_CWORD]}" words=() w i'
  echo '  # The command words typed so far (options and their values skipped).'
  echo '  for ((i = 1; i < COMP_CWORD; i++)); do'
  echo '    w="${COMP_WORDS[i]}"'
  echo '    case "$w" in --socket) ((i++)) ;; -*) ;; *) words+=("$w") ;; esac'
  echo '  done'
  echo '  local choices'
  echo '  case "${words[*]:0:2}" in'
  for cmd in $commands; do
    subs=$("$wardenctl" "$cmd" --help | section Subcommands | tr '\n' ' ' | sed 's/ $//')
    for sub in $subs; do
      echo "    \"$cmd $sub\" | \"$cmd $sub \"*) choices=\"$(options "$cmd" "$sub")\" ;;"
    done
    if [ -n "$subs" ]; then
      echo "    \"$cmd\") choices=\"$subs\" ;;"
    else
      echo "    \"$cmd\" | \"$cmd \"*) choices=\"$(options "$cmd")\" ;;"
    fi
  done
  echo "    \"\") choices=\"$(echo "$commands" | tr '\n' ' ')--socket --json --help\" ;;"
  echo '    *) choices="" ;;'
  echo '  esac'
  echo '  mapfile -t COMPREPLY < <(compgen -W "$choices" -- "$cur")'
  echo "}"
  echo "complete -F _wardenctl wardenctl"
} >"$out.tmp"
mv "$out.tmp" "$out"

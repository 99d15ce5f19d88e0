#!/usr/bin/env bash
# The manual stays inside the repository: README.md and docs/*.md link only to files that
# exist in it (never to ../shared/ or another folder outside), and every chapter the index
# names exists.   links_test.sh SOURCE_DIR
set -euo pipefail
cd "$1"
status=0
for doc in README.md docs/*.md; do
  dir=$(dirname "$doc")
  # Markdown link targets that are relative paths (no scheme, no anchor-only).
  while IFS= read -r target; do
    path="${target%%#*}"
    [ -n "$path" ] || continue
    case "$path" in http://* | https://* | mailto:*) continue ;; esac
    resolved=$(realpath -m "$dir/$path")
    case "$resolved" in "$PWD"/*) ;; *) echo "FAIL: $doc links outside the repository: $target"; status=1; continue ;; esac
    [ -e "$resolved" ] || { echo "FAIL: $doc links to a missing file: $target"; status=1; }
  done < <(grep -oE '\]\([^)[:space:]]+\)' "$doc" | sed -e 's/^](//' -e 's/)$//')
  if grep -n 'shared/' "$doc" | grep -q '\.\./shared'; then
    echo "FAIL: $doc points to ../shared/"; status=1
  fi
done
[ $status -eq 0 ] && echo "ok: links of README.md and docs/ resolve inside the repository"
exit $status

#!/usr/bin/env bash
# wardend.conf(5) documents exactly the keys the parser accepts: every key config_keys()
# lists is a term under its table's subsection, and every term there is such a key.
#   config_keys_test.sh PRINT_CONFIG_KEYS MANPAGE
set -euo pipefail
keys=$("$1")
page="$2"
[ -s "$page" ] || { echo "FAIL: $page is missing (build the target warden_man_pages)"; exit 1; }
[ "$(wc -l <<<"$keys")" -gt 30 ] || { echo "FAIL: too few keys from the parser: $keys"; exit 1; }
# "table.key" for each term: subsections "[table]" / "[[table]]" set the table, "Top level"
# none; other subsections (Example) end the reference.
documented=$(sed -e 's/\\f\[[A-Z]*\]//g' -e 's/\\f[A-Z]//g' -e 's/\\-/-/g' "$page" | awk '
  /^\.S[SH] / {
    title = $0; sub(/^\.S[SH] /, "", title); gsub(/"/, "", title)
    if (title ~ /^\[\[?[a-z_]+\]\]?$/) { gsub(/[][]/, "", title); prefix = title "."; on = 1 }
    else if (title == "Top level") { prefix = ""; on = 1 }
    else on = 0
    next
  }
  on && prev == ".TP" { split($0, w, " "); print prefix w[1] }
  { prev = $0 }' | sort)
status=0
while IFS= read -r key; do
  grep -qxF "$key" <<<"$documented" || { echo "FAIL: $key is read by wardend but not in $(basename "$page")"; status=1; }
done <<<"$keys"
while IFS= read -r key; do
  grep -qxF "$key" <<<"$keys" || { echo "FAIL: $(basename "$page") documents $key, which wardend does not read"; status=1; }
done <<<"$documented"
[ "$(sort <<<"$documented" | uniq -d)" = "" ] || { echo "FAIL: documented twice: $(uniq -d <<<"$documented")"; status=1; }
[ $status -eq 0 ] && echo "ok: $(wc -l <<<"$keys") keys, each documented once"
exit $status

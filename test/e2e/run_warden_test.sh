#!/usr/bin/env bash
# ctest runner for e2e tests of warden itself: SKIP (77) with a clear reason when the
# programs are not built yet (ctest run on a configured but unbuilt tree), else run SCRIPT.
#   run_warden_test.sh SCRIPT      (WARDEND, WARDENCTL, PLUGIN set by CMakeLists.txt)
set -euo pipefail
for var in WARDEND WARDENCTL PLUGIN; do
  path="${!var:-}"
  if [ -z "$path" ]; then
    echo "SKIP: $var is not set (run through ctest)"
    exit 77
  fi
  if [ ! -f "$path" ]; then
    echo "SKIP: $(basename "$path") is not built ($path); build first: cmake --build <build dir>"
    exit 77
  fi
done
exec bash "$1"

#!/usr/bin/env bash
# `make bench`: every benchmark script in bench/ against one build directory.
#   bench/run.sh [BUILD_DIR]
# Each script prints its own table and updates its section of bench/README.md.
set -uo pipefail
cd "$(dirname "$0")"
rc=0
for s in *.sh; do
        [ "$s" = run.sh ] && continue
        echo "== bench/$s"
        ./"$s" "$@" || { echo "bench: $s failed" >&2; rc=1; }
done
exit $rc

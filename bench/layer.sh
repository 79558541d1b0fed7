#!/usr/bin/env bash
# Layer extraction throughput: berth_layer_apply (safe walk, both digests computed) against
# `tar -x` of the same uncompressed tarball (~200 MB of many files from /usr), with hyperfine.
#   bench/layer.sh [BUILD_DIR]      (default build; needs root, hyperfine, a built image_lib)
# BENCH_APPEND=1 appends the results to bench/README.md under "## Layer extraction";
# BENCH_TMP=/dev/shm runs on tmpfs (CPU-bound: shows the hashing cost); RUNS=N.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
WORK=$(mktemp -d "${BENCH_TMP:-/tmp}/berth-bench-layer-XXXXXX") # BENCH_TMP=/dev/shm: tmpfs
trap 'rm -rf "$WORK"' EXIT

# A small driver around the library (our own code; built against the build dir's libs).
cat > "$WORK/apply.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "image/layer.h"
int main(int argc, char **argv)
{
        if (argc != 3)
                return 2;
        int in = open(argv[1], O_RDONLY | O_CLOEXEC);
        int dest = open(argv[2], O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct berth_error err = {0};
        struct berth_layer_result res;
        if (in < 0 || dest < 0 || berth_layer_apply(in, dest, NULL, &res, &err) < 0) {
                fprintf(stderr, "apply: %s\n", err.msg);
                return 1;
        }
        return 0;
}
C
cc -O2 -D_GNU_SOURCE -Isrc -o "$WORK/apply" "$WORK/apply.c" \
        "$BUILD/libberth-image.a" "$BUILD/libberth-fs.a" "$BUILD/libberth-basic.a" \
        $(pkg-config --libs libarchive jansson sqlite3 2>/dev/null || pkg-config --libs libarchive jansson)

SRC_DIRS=${BENCH_LAYER_DIRS:-"usr/include usr/lib/python3.11 usr/lib/python3"}
tar -C / -cf "$WORK/layer.tar" $SRC_DIRS 2>/dev/null || true
size=$(stat -c %s "$WORK/layer.tar")
files=$(tar -tf "$WORK/layer.tar" | wc -l)
echo "layer.tar: $((size / 1000000)) MB, $files entries"

mkdir "$WORK/dest"
hyperfine --warmup 1 --runs ${RUNS:-7} --export-markdown "$WORK/results.md" \
        --prepare "rm -rf $WORK/dest && mkdir $WORK/dest && sync" \
        -n "tar -x" "tar -xf $WORK/layer.tar -C $WORK/dest" \
        -n "berth_layer_apply" "$WORK/apply $WORK/layer.tar $WORK/dest"

# The machine may be shared: also time the two alternately, run by run, and compare medians.
median_ms() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
: > "$WORK/t.tar"
: > "$WORK/t.berth"
for _ in $(seq "${RUNS:-7}"); do
        for which in tar berth; do
                rm -rf "$WORK/dest" && mkdir "$WORK/dest" && sync
                t0=$(date +%s%N)
                if [ $which = tar ]; then
                        tar -xf "$WORK/layer.tar" -C "$WORK/dest"
                else
                        "$WORK/apply" "$WORK/layer.tar" "$WORK/dest"
                fi
                echo $((($(date +%s%N) - t0) / 1000000)) >> "$WORK/t.$which"
        done
done
mt=$(median_ms < "$WORK/t.tar")
mb=$(median_ms < "$WORK/t.berth")
ratio=$(awk -v t="$mt" -v b="$mb" 'BEGIN {printf "%.0f", 100 * t / b}')
echo "interleaved medians: tar -x ${mt} ms, berth_layer_apply ${mb} ms: berth at ${ratio}% of tar's throughput"

# Check the result is the same tree as tar's (names, types, sizes, modes, owners).
rm -rf "$WORK/dest" "$WORK/dest2" && mkdir "$WORK/dest" "$WORK/dest2"
tar -xf "$WORK/layer.tar" -C "$WORK/dest"
"$WORK/apply" "$WORK/layer.tar" "$WORK/dest2"
# Directories tar creates implicitly (the ancestors of SRC_DIRS) get the current time.
implicit=(-e '^\. ')
for d in $SRC_DIRS; do
        while [ "$d" != . ] && [ "$d" != / ]; do
                d=$(dirname "$d")
                [ "$d" != . ] && implicit+=(-e "^\./$d ")
        done
done
(cd "$WORK/dest" && find . -printf '%p %y %s %m %U %G %T@\n' | grep -v "${implicit[@]}" | sort) > "$WORK/a"
(cd "$WORK/dest2" && find . -printf '%p %y %s %m %U %G %T@\n' | grep -v "${implicit[@]}" | sort) > "$WORK/b"
if diff -q "$WORK/a" "$WORK/b" >/dev/null; then
        echo "trees identical"
else
        echo "trees differ:"
        diff "$WORK/a" "$WORK/b" | head -20
fi
cat "$WORK/results.md"
if [ "${BENCH_APPEND:-0}" = 1 ]; then
        if ! grep -q '^## Layer extraction' bench/README.md 2>/dev/null; then
                {
                        echo
                        echo "## Layer extraction"
                        echo
                        echo "bench/layer.sh: berth_layer_apply (O_NOFOLLOW walk, sha256 of the blob and"
                        echo "diff_id computed in the same pass) against GNU \`tar -x\` (as root: owners,"
                        echo "modes, mtimes) of the same uncompressed tar made from /usr."
                } >> bench/README.md
        fi
        {
                echo
                echo "### $(date -u +%Y-%m-%d): $((size / 1000000)) MB tar, $files entries, into ${BENCH_TMP:-/tmp} ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
                echo
                cat "$WORK/results.md"
                echo
                echo "Interleaved runs (medians): tar -x ${mt} ms, berth_layer_apply ${mb} ms:" \
                        "berth at ${ratio}% of tar's throughput (work dir: ${BENCH_TMP:-/tmp})."
        } >> bench/README.md
fi

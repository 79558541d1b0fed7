#!/usr/bin/env bash
# Run every berth test and print one closing line: "N passed, N failed, N skipped".
#   tests/run.sh [BUILD_DIR] [bats files or dirs...]
# Parts: lint, unit tests and fuzz-corpus replays (meson test), system and security tests
# (bats, TAP).  Each part's own output is shown; the counts are summed at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
shift || true
export BERTH_BUILD=$PWD/$BUILD
export PATH="$BERTH_BUILD:$PATH"

passed=0 failed=0 skipped=0
failures=()

count_tap() { # $1 = name prefix; reads TAP on stdin
        local line
        while IFS= read -r line; do
                printf '%s\n' "$line"
                case "$line" in
                ok\ *\#\ skip* | ok\ *\#\ SKIP*) skipped=$((skipped + 1)) ;;
                ok\ *) passed=$((passed + 1)) ;;
                not\ ok\ *)
                        failed=$((failed + 1))
                        failures+=("$1: ${line#not ok }")
                        ;;
                esac
        done
}

# ---- lint: every .c includes basic/banned.h last; formatting matches .clang-format
lint_tap() {
        local n=0 f last
        echo "1..2"
        local bad=()
        for f in $(git ls-files 'src/*.c' 'tests/*.c' 2>/dev/null); do
                last=$(grep -E '^#include' "$f" | tail -n 1)
                case "$last" in *'"basic/banned.h"'*) ;; *) grep -q '^#include' "$f" && bad+=("$f") ;; esac
        done
        if [ ${#bad[@]} -eq 0 ]; then echo "ok 1 banned.h is the last include everywhere"; else
                echo "not ok 1 banned.h is the last include everywhere: ${bad[*]}"; fi
        if ! command -v clang-format >/dev/null; then
                echo "ok 2 clang-format # skip clang-format not installed"
        elif clang-format --dry-run --Werror $(git ls-files '*.c' '*.h') >/tmp/berth-fmt.$$ 2>&1; then
                echo "ok 2 clang-format clean"
        else
                echo "not ok 2 clang-format clean: $(grep -c 'error:' /tmp/berth-fmt.$$) places; run make format"
        fi
        rm -f /tmp/berth-fmt.$$
}
echo "== lint"
count_tap lint < <(lint_tap)

# ---- unit tests and fuzz replays
echo "== unit + fuzz (meson test)"
meson_tap() {
        meson test -C "$BUILD" --suite unit --suite fuzz --print-errorlogs >/tmp/berth-meson.$$ 2>&1
        cat /tmp/berth-meson.$$ >&2
        local i=0 line
        while IFS= read -r line; do
                case "$line" in
                *" OK "* | *" OK") i=$((i + 1)); echo "ok $i ${line}" ;;
                *" SKIP "*) i=$((i + 1)); echo "ok $i # skip ${line}" ;;
                *" FAIL "* | *" ERROR "* | *" TIMEOUT "*) i=$((i + 1)); echo "not ok $i ${line}" ;;
                esac
        done < <(sed '/^Summary of Failures/,$d' /tmp/berth-meson.$$ | grep -E '^ *[0-9]+/[0-9]+ ')
        rm -f /tmp/berth-meson.$$
}
count_tap unit < <(meson_tap 2>/dev/null)

# ---- system and security tests (bats)
if [ $# -gt 0 ]; then
        bats_targets=("$@")
else
        bats_targets=()
        for d in tests/system tests/security; do
                compgen -G "$d/*.bats" >/dev/null && bats_targets+=("$d")
        done
fi
if [ ${#bats_targets[@]} -gt 0 ]; then
        echo "== bats ${bats_targets[*]}"
        count_tap bats < <(bats --tap "${bats_targets[@]}" 2>&1)
fi

if [ ${#failures[@]} -gt 0 ]; then
        echo "== failures"
        printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]

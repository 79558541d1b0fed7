#!/usr/bin/env bash
# Start latency and peak memory of `berth-runtime run` against crun and runc.
#   bench/runtime.sh [BUILD_DIR]          (default build; RUNS=50 WARMUP=5 to change)
# One busybox bundle whose process is /bin/true (pid, network, ipc, uts and mount
# namespaces, no terminal); every runtime gets its own --root in a temp dir.  The script
# re-executes itself in a private mount namespace with an empty file over
# /sys/fs/cgroup/unified/cgroup.controllers (crun refuses this hybrid-cgroup host
# otherwise), so every runtime runs directly and alike.  One hyperfine session; peak RSS
# from GNU time (%M, KiB, the
# largest process of the run: the runtime itself).  Prints a table and replaces the
# "runtime.sh" section of bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
BUILD=${1:-build}
RUNS=${RUNS:-50}
WARMUP=${WARMUP:-5}
RSS_RUNS=${RSS_RUNS:-10}

BERTH=${BERTH_RUNTIME:-$REPO/$BUILD/berth-runtime}
CRUN=$(command -v crun || true)
RUNC=$(command -v runc || true)
command -v hyperfine >/dev/null || { echo "bench: hyperfine not installed" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: GNU time not installed (apt-get install time)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }

# crun refuses this hybrid-cgroup host unless /sys/fs/cgroup/unified/cgroup.controllers
# looks empty.  Rather than wrap every command (a per-run unshare costs ~10 ms and would
# swamp the figures), the whole measurement runs once inside a private mount namespace
# where an empty file is bind-mounted over it; every runtime then runs directly, the same
# way, in that namespace.  `run` deletes the container when it exits, so a fixed id per
# runtime serves every run.
if [ "${BERTH_BENCH_IN_NS:-}" != 1 ]; then
        BERTH_BENCH_IN_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
W=$(mktemp -d /tmp/berth-bench.XXXXXX)
# State roots on tmpfs, as every runtime's default root is (/run/crun, /run/runc,
# /run/berth-runtime): on this machine's ext4 each file creation costs ~1 ms, which would
# measure the disk, not the runtime.
S=$(mktemp -d /run/berth-bench.XXXXXX)
cleanup() {
        local rt id
        for rt in berth crun runc; do
                [ -d "$S/root-$rt" ] || continue
                case $rt in berth) bin=$BERTH ;; crun) bin=$CRUN ;; runc) bin=$RUNC ;; esac
                for id in $("$bin" --root "$S/root-$rt" list -q 2>/dev/null); do
                        "$bin" --root "$S/root-$rt" delete -f "$id" >/dev/null 2>&1 || true
                done
        done
        rm -rf "$W" "$S"
        # the runtimes' default cgroup parents (/berth, crun and runc use the id alone)
        rmdir /sys/fs/cgroup/*/berth 2>/dev/null || true
}
trap cleanup EXIT

# ---- the bundle
sh "$REPO/tests/fixtures/mkbusybox.sh" "$W/bundle/rootfs" >/dev/null
jq -n '{ociVersion: "1.0.2",
  process: {terminal: false, user: {uid: 0, gid: 0}, args: ["/bin/true"], cwd: "/",
    env: ["PATH=/bin"], noNewPrivileges: true,
    capabilities: ($c | {bounding: ., effective: ., permitted: .}),
    rlimits: [{type: "RLIMIT_NOFILE", hard: 1024, soft: 1024}]},
  root: {path: "rootfs", readonly: true}, hostname: "bench",
  mounts: [{destination: "/proc", type: "proc", source: "proc"},
    {destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "mode=755", "size=65536k"]},
    {destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
    {destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]}],
  linux: {namespaces: [{type: "pid"}, {type: "network"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}],
    resources: {devices: [{allow: false, access: "rwm"}]},
    maskedPaths: ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
    readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]}}' \
        --argjson c '["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW",
          "CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT",
          "CAP_KILL","CAP_AUDIT_WRITE"]' >"$W/bundle/config.json"
# Measure berth-runtime as `make install` installs it: stripped (the sealed-memfd re-exec
# copies the binary on every start, so its size is part of the start cost).
cp "$BERTH" "$W/berth-runtime" && strip "$W/berth-runtime" && BERTH=$W/berth-runtime
: >"$W/empty"
mount --bind "$W/empty" /sys/fs/cgroup/unified/cgroup.controllers

declare -a names=() cmds=()
add() { # NAME BINARY
        [ -n "$2" ] && [ -x "$2" ] || { echo "bench: $1 not found, skipped" >&2; return 0; }
        mkdir -p "$S/root-$1"
        # sanity: one run must succeed
        if ! "$2" --root "$S/root-$1" run --bundle "$W/bundle" "check-$1" </dev/null >/dev/null 2>"$W/$1.err"; then
                echo "bench: $1 cannot run the bundle: $(head -c 300 "$W/$1.err")" >&2
                return 0
        fi
        names+=("$1")
        cmds+=("$2 --root $S/root-$1 run --bundle $W/bundle b-$1")
}
add berth "$BERTH"
add crun "$CRUN"
add runc "$RUNC"

# ---- latency: one hyperfine session
hf_args=()
for i in "${!names[@]}"; do hf_args+=(-n "${names[$i]}" "${cmds[$i]}"); done
hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$W/hf.json" "${hf_args[@]}" >&2

# ---- peak RSS (KiB): median over RSS_RUNS runs of GNU time -f %M
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
declare -A rss=() med=()
for i in "${!names[@]}"; do
        n=${names[$i]}
        for ((k = 0; k < RSS_RUNS; k++)); do
                # shellcheck disable=SC2086
                /usr/bin/time -f %M -o "$W/rss.$n.$k" ${cmds[$i]} </dev/null >/dev/null 2>&1 || true
                cat "$W/rss.$n.$k"
        done | median >"$W/rss.$n"
        rss[$n]=$(cat "$W/rss.$n")
        med[$n]=$(jq -r --arg n "$n" '.results[] | select(.command == $n) | .median * 1000' "$W/hf.json")
done

# ---- table
ratio() { # A B -> A/B with 2 decimals, or - if missing
        if [ -n "${1:-}" ] && [ -n "${2:-}" ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; else echo -; fi
}
table() {
        echo "| runtime | median ms | peak RSS KiB |"
        echo "|---|---|---|"
        for n in "${names[@]}"; do
                printf "| %s | %.2f | %s |\n" "$n" "${med[$n]}" "${rss[$n]}"
        done
        echo
        echo "berth/crun: $(ratio "${med[berth]:-}" "${med[crun]:-}") (time), $(ratio "${rss[berth]:-}" "${rss[crun]:-}") (RSS);" \
                "berth/runc: $(ratio "${med[berth]:-}" "${med[runc]:-}") (time), $(ratio "${rss[berth]:-}" "${rss[runc]:-}") (RSS)"
}
table | tee "$W/table.md"

# ---- bench/README.md: replace our section
readme=$REPO/bench/README.md
[ -f "$readme" ] || printf '# berth benchmarks\n' >"$readme"
{
        echo "<!-- runtime.sh begin -->"
        echo "## Runtime start: \`berth-runtime run\` vs crun vs runc (/bin/true)"
        echo
        echo "Produced by \`bench/runtime.sh $BUILD\` on $(date -u +%Y-%m-%d) ($(uname -r), $(nproc) cores):"
        echo "one hyperfine session, $RUNS runs after $WARMUP warm-up runs, \`run\` of a busybox bundle"
        echo "running /bin/true with pid/net/ipc/uts/mount namespaces.  The whole session runs in one"
        echo "private mount namespace with an empty file over .../unified/cgroup.controllers (crun"
        echo "refuses this hybrid-cgroup host otherwise); every runtime runs directly in it.  Peak"
        echo "RSS: median of $RSS_RUNS runs of GNU time %M (largest process: the runtime).  State roots"
        echo "on tmpfs, as each runtime's default root under /run; berth-runtime stripped, as installed."
        echo "Versions: crun $(crun --version 2>/dev/null | head -1 | awk '{print $3}'), runc $(runc --version 2>/dev/null | head -1 | awk '{print $3}'), berth $(git -C "$REPO" rev-parse --short HEAD)."
        echo
        cat "$W/table.md"
        echo "<!-- runtime.sh end -->"
} >"$W/section.md"
if grep -q '<!-- runtime.sh begin -->' "$readme"; then
        awk -v f="$W/section.md" '
                /<!-- runtime.sh begin -->/ { while ((getline l < f) > 0) print l; skip = 1; next }
                /<!-- runtime.sh end -->/ { skip = 0; next }
                !skip { print }' "$readme" >"$W/readme.new"
else
        { cat "$readme"; echo; cat "$W/section.md"; } >"$W/readme.new"
fi
cat "$W/readme.new" >"$readme"
echo "bench: results written to bench/README.md" >&2

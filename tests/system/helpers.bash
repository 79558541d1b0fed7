# Helpers for the berth-runtime system and security tests (bats).  Load with
#   load helpers                 (tests/system)      load ../system/helpers   (tests/security)
#
# The runtime under test is $RUNTIME: by default berth-runtime from $BERTH_BUILD (set by
# tests/run.sh), ./build-core or ./build; set RUNTIME=runc (or a path) to check a test
# against another runtime.  Every test gets:
#   $T   its own temp dir              $R   the runtime's --root ($T/root)
#   $B   a bundle ($T/bundle) with a private copy of the busybox rootfs and a base config
#   $CG  a cgroup path unique to the test (linux.cgroupsPath of the base config)
# and teardown kills and deletes every container under $R, removes $CG from every
# hierarchy, unmounts everything under $T and deletes the network namespaces the test made
# (netns_add), whether the test passed or not.

BERTH_REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
RT_TIMEOUT=${RT_TIMEOUT:-30}

# ---- finding the programs
berth_find_runtime() {
        local cand d
        if [ -n "${RUNTIME:-}" ]; then
                cand=$RUNTIME
                case "$cand" in */*) ;; *) cand=$(command -v "$cand" || true) ;; esac
                [ -n "$cand" ] && [ -x "$cand" ] && { RUNTIME=$cand; return 0; }
                return 1
        fi
        for d in "${BERTH_BUILD:-}" "$BERTH_REPO/build" "$BERTH_REPO/build-core"; do
                [ -n "$d" ] && [ -x "$d/berth-runtime" ] && { RUNTIME=$d/berth-runtime; return 0; }
        done
        return 1
}

# The runtime's short name: berth-runtime, runc, crun.
rt_name() { basename "$RUNTIME"; }
is_runc() { [ "$(rt_name)" = runc ]; }

berth_find_recvtty() {
        local d
        for d in "${BERTH_BUILD:-}" "$BERTH_REPO/build" "$BERTH_REPO/build-core"; do
                [ -n "$d" ] && [ -x "$d/tests/helpers/recvtty" ] && { RECVTTY=$d/tests/helpers/recvtty; return 0; }
        done
        # Not built (e.g. checking the tests against runc before berth builds): compile it.
        RECVTTY=$BATS_FILE_TMPDIR/recvtty
        [ -x "$RECVTTY" ] && return 0
        cc -std=c17 -D_GNU_SOURCE -O1 -I"$BERTH_REPO/src" -o "$RECVTTY" \
                "$BERTH_REPO/tests/helpers/recvtty.c"
}

# ---- per file: the busybox rootfs, built once and copied into each test's bundle
berth_setup_file() {
        export BERTH_ROOTFS_SRC=$BATS_FILE_TMPDIR/rootfs
        [ -x "$BERTH_ROOTFS_SRC/bin/busybox" ] ||
                sh "$BERTH_REPO/tests/fixtures/mkbusybox.sh" "$BERTH_ROOTFS_SRC" >/dev/null
}
setup_file() { berth_setup_file; }

# ---- per test
berth_setup() {
        berth_find_runtime || skip "runtime '${RUNTIME:-berth-runtime}' not found (build it or set RUNTIME)"
        T=$BATS_TEST_TMPDIR
        R=$T/root
        B=$T/bundle
        CG=/berth-test-$$-$BATS_TEST_NUMBER
        NETNS_LIST=$T/.netns
        mkdir -p "$R" "$B"
        [ -n "${BERTH_ROOTFS_SRC:-}" ] || berth_setup_file
        cp -a "$BERTH_ROOTFS_SRC" "$B/rootfs"
        base_config >"$B/config.json"
}
setup() { berth_setup; }

berth_teardown() {
        [ -n "${T:-}" ] || return 0
        local id ids p d ns
        if [ -d "$R" ]; then
                ids=$( (timeout 10 "$RUNTIME" --root "$R" list -q 2>/dev/null; ls "$R" 2>/dev/null) | sort -u)
                for id in $ids; do
                        timeout 10 "$RUNTIME" --root "$R" kill "$id" KILL >/dev/null 2>&1
                        timeout 10 "$RUNTIME" --root "$R" delete -f "$id" >/dev/null 2>&1
                done
        fi
        # Any process still in our cgroups dies; then the cgroups go, children first.
        for d in /sys/fs/cgroup/*"$CG" /sys/fs/cgroup/*/"${CG#/}"; do
                [ -d "$d" ] || continue
                for p in $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null); do
                        kill -9 "$p" 2>/dev/null
                done
                [ -w "$d/freezer.state" ] && echo THAWED >"$d/freezer.state" 2>/dev/null
                find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
        done
        # Everything mounted under the test dir, deepest first.
        awk -v t="$T/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
                while read -r p; do umount -l "$p" 2>/dev/null; done
        if [ -f "$NETNS_LIST" ]; then
                while read -r ns; do ip netns del "$ns" 2>/dev/null; done <"$NETNS_LIST"
        fi
        if [ -f "$T/.bgpids" ]; then
                while read -r p; do kill -9 "$p" 2>/dev/null; done <"$T/.bgpids"
        fi
        if [ -n "${BERTH_CLEANUP:-}" ]; then eval "$BERTH_CLEANUP"; fi
        return 0
}
teardown() { berth_teardown; }

# ---- the bundle's config.json
# A minimal, valid OCI config for the busybox rootfs: Docker's 14 default capabilities
# (bounding/effective/permitted only), NOFILE 1024, no new privileges, the usual mounts,
# pid/net/ipc/uts/mount namespaces and the test's own cgroup path.
base_config() {
        jq -n --arg cg "$CG" '{
  ociVersion: "1.0.2",
  process: {
    terminal: false,
    user: {uid: 0, gid: 0},
    args: ["sh", "-c", "true"],
    env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
    cwd: "/",
    capabilities: ($caps | {bounding: ., effective: ., permitted: .}),
    rlimits: [{type: "RLIMIT_NOFILE", hard: 1024, soft: 1024}],
    noNewPrivileges: true
  },
  root: {path: "rootfs", readonly: false},
  hostname: "berth-test",
  mounts: [
    {destination: "/proc", type: "proc", source: "proc"},
    {destination: "/dev", type: "tmpfs", source: "tmpfs",
     options: ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {destination: "/dev/pts", type: "devpts", source: "devpts",
     options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
    {destination: "/dev/shm", type: "tmpfs", source: "shm",
     options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {destination: "/dev/mqueue", type: "mqueue", source: "mqueue",
     options: ["nosuid", "noexec", "nodev"]},
    {destination: "/sys", type: "sysfs", source: "sysfs",
     options: ["nosuid", "noexec", "nodev", "ro"]}
  ],
  linux: {
    cgroupsPath: $cg,
    resources: {devices: [{allow: false, access: "rwm"}]},
    namespaces: [{type: "pid"}, {type: "network"}, {type: "ipc"}, {type: "uts"},
                 {type: "mount"}],
    maskedPaths: ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                  "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                  "/sys/firmware", "/proc/scsi"],
    readonlyPaths: ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                    "/proc/sysrq-trigger"]
  }
}' --argjson caps '["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD",
  "CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]'
}

# config_set [jq options] FILTER: edit $B/config.json in place, e.g.
#   config_set '.process.args=["true"]'      config_set --arg p "$T/x" '.mounts+=[...]'
config_set() {
        local tmp=$B/config.json.tmp
        jq "$@" "$B/config.json" >"$tmp" && mv "$tmp" "$B/config.json"
}
# set_args ARG...: process.args = the arguments.
set_args() { config_set --argjson a "$(jq -cn '$ARGS.positional' --args "$@")" '.process.args = $a'; }
# set_cmd 'shell command': process.args = ["sh", "-c", command].
set_cmd() { config_set --arg c "$1" '.process.args = ["sh", "-c", $c]'; }

# ---- running the runtime
# rt ARGS...: the runtime with the test's --root, bounded by a timeout.
rt() { timeout "$RT_TIMEOUT" "$RUNTIME" --root "$R" "$@"; }

# rt_run ID [ARGS]: `run` in the foreground, stdin from /dev/null; use under bats `run`.
rt_run() {
        local id=$1
        shift
        rt run --bundle "$B" "$@" "$id" </dev/null
}

# rt_bg VERB ARGS...: a runtime command whose container keeps the stdio it inherits
# (create, run -d, exec -d).  The container's and runtime's stdout and stderr go to
# $T/bg.out and $T/bg.err so that bats is not left waiting on them; sets $status and
# $output (the runtime's stderr) like bats `run`.
rt_bg() {
        status=0
        rt "$@" </dev/null >>"$T/bg.out" 2>"$T/bg.err" || status=$?
        output=$(cat "$T/bg.err")
        return 0
}
# create_ok ID / run_d_ok ID: create (or run -d) that must succeed.
create_ok() {
        rt_bg create --bundle "$B" "$@"
        [ "$status" -eq 0 ] || { echo "create $* failed ($status): $output" >&2; return 1; }
}
run_d_ok() {
        rt_bg run -d --bundle "$B" "$@"
        [ "$status" -eq 0 ] || { echo "run -d $* failed ($status): $output" >&2; return 1; }
}

# state_of ID: prints .status from `state`.
state_of() { rt state "$1" 2>/dev/null | jq -r .status; }
pid_of() { rt state "$1" | jq -r .pid; }

# wait_status ID STATUS [TENTHS]: wait up to TENTHS/10 s (default 10 s) for the status.
wait_status() {
        local i s
        for ((i = 0; i < ${3:-100}; i++)); do
                s=$(state_of "$1")
                [ "$s" = "$2" ] && return 0
                sleep 0.1
        done
        echo "container $1: status '$s', expected '$2'" >&2
        return 1
}

# wait_file PATH [TENTHS]: wait for a file to exist and be non-empty.
wait_file() {
        local i
        for ((i = 0; i < ${2:-100}; i++)); do
                [ -s "$1" ] && return 0
                sleep 0.1
        done
        echo "timed out waiting for $1" >&2
        return 1
}

# start_recvtty: a console-socket receiver on $T/tty.sock writing to $T/tty.out; sets
# RECV_PID (killed in teardown).
start_recvtty() {
        local i
        berth_find_recvtty
        "$RECVTTY" -n "$T/tty.sock" >"$T/tty.out" 2>"$T/tty.err" </dev/null 3>&- &
        RECV_PID=$!
        echo "$RECV_PID" >>"$T/.bgpids"
        for i in $(seq 50); do [ -S "$T/tty.sock" ] && return 0; sleep 0.1; done
        echo "recvtty did not start: $(cat "$T/tty.err")" >&2
        return 1
}

# wait_recvtty: wait (at most 10 s) for recvtty to see the terminal close.
wait_recvtty() {
        local i
        for i in $(seq 100); do kill -0 "$RECV_PID" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$RECV_PID" 2>/dev/null; then
                echo "recvtty still waiting after 10 s; got: $(cat "$T/tty.out")" >&2
                return 1
        fi
        wait "$RECV_PID" || true
}

# ---- host-side checks
# cgroup_dir CONTROLLER: the host path of the test's cgroup in a v1 controller.
cgroup_dir() { echo "/sys/fs/cgroup/$1$CG"; }

# nothing_left ID: no state for ID, no cgroup of the test, nothing mounted in the bundle.
nothing_left() {
        local d bad=0
        if rt state "$1" >/dev/null 2>&1; then
                echo "state of '$1' still there" >&2
                bad=1
        fi
        if [ -e "$R/$1" ]; then
                echo "state dir $R/$1 still there" >&2
                bad=1
        fi
        for d in /sys/fs/cgroup/*"$CG" /sys/fs/cgroup/*/"${CG#/}"; do
                [ -d "$d" ] && { echo "cgroup $d still there" >&2; bad=1; }
        done
        if awk -v t="$B/" 'index($5, t) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
                echo "mounts left under $B" >&2
                bad=1
        fi
        return $bad
}

# one_line_error: $output is one non-empty line (for runc: one level=error line, as
# runc adds fatal lines from its C part before it).
one_line_error() {
        local n
        if is_runc; then
                n=$(printf '%s\n' "$output" | grep -c 'level=error')
        else
                n=$(printf '%s\n' "$output" | grep -c .)
        fi
        [ "$n" -ge 1 ] || { echo "no error message" >&2; return 1; }
        [ "$n" -eq 1 ] || { echo "error message has $n lines: $output" >&2; return 1; }
}

# open_path_to_bundle: let other users traverse the directories down to $B (a user
# namespace's root is an unprivileged host uid; bats makes its temp dirs 0700).
open_path_to_bundle() {
        local d=$B
        while [ "$d" != / ] && [ "$d" != /tmp ]; do
                chmod o+x "$d"
                d=$(dirname "$d")
        done
}

# netns_add NAME: `ip netns add` with cleanup in teardown.
netns_add() {
        ip netns add "$1" && echo "$1" >>"$NETNS_LIST"
}

# assert_eq ACTUAL EXPECTED [what]
assert_eq() {
        [ "$1" = "$2" ] && return 0
        echo "${3:-value}: got '$1', expected '$2'" >&2
        return 1
}
# assert_contains HAYSTACK NEEDLE
assert_contains() {
        case "$1" in *"$2"*) return 0 ;; esac
        echo "'$2' not found in: $1" >&2
        return 1
}

# ---- images for the peers (containerd, podman)
# make_image_archive DEST.tar [REPO:TAG]: a single-layer docker-archive of the busybox rootfs
# (layer tar + image config + manifest.json), loadable by `ctr images import` and
# `podman load`.
make_image_archive() {
        local dest=$1 tag=${2:-docker.io/library/busybox:latest} d diff cfg
        d=$(mktemp -d "$T/img.XXXXXX")
        tar -C "$BERTH_ROOTFS_SRC" --numeric-owner -cf "$d/layer.tar" .
        diff=$(sha256sum "$d/layer.tar" | cut -d' ' -f1)
        mkdir "$d/$diff"
        mv "$d/layer.tar" "$d/$diff/layer.tar"
        jq -n --arg diff "sha256:$diff" '{architecture: "amd64", os: "linux",
                created: "2026-01-01T00:00:00Z",
                config: {Cmd: ["sh"], Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
                rootfs: {type: "layers", diff_ids: [$diff]},
                history: [{created: "2026-01-01T00:00:00Z", created_by: "tests/fixtures/mkbusybox.sh"}]}' >"$d/config.json"
        cfg=$(sha256sum "$d/config.json" | cut -d' ' -f1)
        mv "$d/config.json" "$d/$cfg.json"
        jq -n --arg c "$cfg.json" --arg t "$tag" --arg l "$diff/layer.tar" \
                '[{Config: $c, RepoTags: [$t], Layers: [$l]}]' >"$d/manifest.json"
        tar -C "$d" -cf "$dest" manifest.json "$cfg.json" "$diff"
        rm -rf "$d"
}

# ---- images (tests/system/1NN-image-*.bats): the `berth` CLI against a store of its own
# In those files: `setup() { image_setup; }` and `teardown() { image_teardown; }`; then
#   b ARGS...        berth with the test's --root/--runroot ($IR, $IRUN), bounded by a timeout
#   bootstrap_busybox   `berth image bootstrap busybox` into the test's store
#   make_tiny_archive DEST.tar REF CONTENT [LABEL=VALUE] [CREATED]: a docker-archive of one
#                    image whose single layer holds /f with CONTENT (distinct content gives
#                    distinct images), built with tar, jq and sha256sum
berth_find_berth() {
        local d
        if [ -n "${BERTH:-}" ] && [ -x "$BERTH" ]; then return 0; fi
        for d in "${BERTH_BUILD:-}" "$BERTH_REPO/build" "$BERTH_REPO/build-core"; do
                [ -n "$d" ] && [ -x "$d/berth" ] && { BERTH=$d/berth; return 0; }
        done
        return 1
}

image_setup() {
        berth_find_berth || skip "berth not found (build it or set BERTH_BUILD)"
        T=$BATS_TEST_TMPDIR
        IR=$T/root
        IRUN=$T/run
        mkdir -p "$IR" "$IRUN"
}

image_teardown() {
        [ -n "${T:-}" ] || return 0
        rm -rf "$IR" "$IRUN"
        return 0
}

b() { timeout "$RT_TIMEOUT" "$BERTH" --root "$IR" --runroot "$IRUN" "$@"; }

bootstrap_busybox() {
        b image bootstrap busybox "$@" >/dev/null
}

make_tiny_archive() {
        local dest=$1 ref=$2 content=$3 label=${4:-} created=${5:-2026-01-01T00:00:00Z} d diff cfg
        d=$(mktemp -d "$T/tiny.XXXXXX")
        mkdir "$d/rootfs"
        printf '%s\n' "$content" >"$d/rootfs/f"
        tar -C "$d/rootfs" --numeric-owner --mtime=@0 -cf "$d/layer.tar" .
        diff=$(sha256sum "$d/layer.tar" | cut -d' ' -f1)
        mkdir "$d/$diff"
        mv "$d/layer.tar" "$d/$diff/layer.tar"
        jq -n --arg diff "sha256:$diff" --arg lbl "$label" --arg created "$created" \
                '{architecture: "amd64", os: "linux", created: $created,
                  config: ({Cmd: ["sh"]} + (if $lbl == "" then {} else
                           {Labels: {($lbl | split("=")[0]): ($lbl | split("=")[1:] | join("="))}} end)),
                  rootfs: {type: "layers", diff_ids: [$diff]},
                  history: [{created: $created, created_by: "make_tiny_archive \($lbl)"}]}' \
                >"$d/config.json"
        cfg=$(sha256sum "$d/config.json" | cut -d' ' -f1)
        mv "$d/config.json" "$d/$cfg.json"
        jq -n --arg c "$cfg.json" --arg t "$ref" --arg l "$diff/layer.tar" \
                '[{Config: $c, RepoTags: (if $t == "" then [] else [$t] end), Layers: [$l]}]' \
                >"$d/manifest.json"
        tar -C "$d" -cf "$dest" manifest.json "$cfg.json" "$diff"
        rm -rf "$d"
}

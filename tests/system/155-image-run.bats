#!/usr/bin/env bats
# Images loaded from peers' archives RUN: what `podman save` (docker-archive, oci-archive)
# and `skopeo copy` write is loaded into berth, mounted by the storage driver (overlay of
# the image's layers with a writable upper, through tests/helpers/berth-image-tool mount)
# and run by berth-runtime from a bundle whose root.path is that mount.  A file the
# container writes lands in the container's own writable layer, never in the shared layers.
#
# Each image's rootfs is the busybox rootfs (tests/fixtures/mkbusybox.sh) plus /etc/origin
# naming where it came from, so the output proves which image ran.  Loads go through the
# berth CLI when it is built (else berth-image-tool, the same library calls).  A missing
# peer is a skip naming it.

BERTH_REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

find_build() {
        local d
        for d in "${BERTH_BUILD:-}" "$BERTH_REPO/build" "$BERTH_REPO"/build-*; do
                [ -n "$d" ] && [ -x "$d/tests/helpers/berth-image-tool" ] && [ -x "$d/berth-runtime" ] &&
                        { TOOL=$d/tests/helpers/berth-image-tool; RT=$d/berth-runtime; break; }
        done
        [ -n "${TOOL:-}" ] || return 1
        CLI=
        [ -x "$d/berth" ] && "$d/berth" load --help >/dev/null 2>&1 && CLI=$d/berth
        return 0
}

setup() {
        find_build || skip "berth-image-tool and berth-runtime not built"
        [ -x /bin/busybox ] || skip "busybox-static not installed"
        command -v jq >/dev/null || skip "jq not installed"
        T=$BATS_TEST_TMPDIR
        CG=/berth-test-155-$$-$BATS_TEST_NUMBER
        # "ROOT ID TARGET" of every storage container a test mounted, for teardown
        MOUNTED=$T/.mounted
        : >"$MOUNTED"
}

teardown() {
        [ -n "${T:-}" ] || return 0
        local id root target d p
        if [ -d "$T/rt" ]; then
                for id in $( (timeout 10 "$RT" --root "$T/rt" list -q 2>/dev/null; ls "$T/rt") | sort -u); do
                        timeout 10 "$RT" --root "$T/rt" delete -f "$id" >/dev/null 2>&1
                done
        fi
        for d in /sys/fs/cgroup/*"$CG" /sys/fs/cgroup/*/"${CG#/}"; do
                [ -d "$d" ] || continue
                for p in $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null); do
                        kill -9 "$p" 2>/dev/null
                done
                find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
        done
        if [ -f "$MOUNTED" ]; then
                while read -r root id target; do
                        "$TOOL" --root "$root" umount "$id" "$target" >/dev/null 2>&1
                        "$TOOL" --root "$root" remove "$id" >/dev/null 2>&1
                done <"$MOUNTED"
        fi
        # podman leftovers: processes of our own podman root, then its mounts under $T
        for p in /proc/[0-9]*; do
                { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF -- "--root $T/podman " &&
                        kill -9 "${p#/proc/}" 2>/dev/null
        done
        awk -v t="$T/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
                while read -r p; do umount -l "$p" 2>/dev/null; done
        # Only with nothing mounted under $T any more (rm must never reach a lower layer
        # through a mount).
        if ! awk -v t="$T/" 'index($5, t) == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; then
                find "$T" -mindepth 1 -maxdepth 1 -exec rm -rf {} + 2>/dev/null
        fi
        return 0
}

need() { command -v "$1" >/dev/null || skip "$1 not installed"; }
pm() { timeout 120 podman --root "$T/podman" --runroot "$T/podman-run" --storage-driver vfs "$@"; }

# berth_load ROOT FILE: load an archive into the berth store at ROOT.
berth_load() {
        if [ -n "$CLI" ]; then
                "$CLI" --root "$1" --runroot "$1-run" load -i "$2"
        else
                "$TOOL" --root "$1" load -i "$2"
        fi
}

# rootfs_tar ORIGIN: a tar of the busybox rootfs with /etc/origin = ORIGIN, at $T/rootfs.tar.
rootfs_tar() {
        rm -rf "$T/rootfs"
        sh "$BERTH_REPO/tests/fixtures/mkbusybox.sh" "$T/rootfs" >/dev/null
        echo "$1" >"$T/rootfs/etc/origin"
        tar -C "$T/rootfs" -cf "$T/rootfs.tar" .
}

# run_image ROOT IMAGE NAME ORIGIN: mount IMAGE of the berth store at ROOT as storage container
# NAME on $T/mnt-NAME, run it with berth-runtime from $T/b-NAME, and check that the output
# names ORIGIN (the image's /etc/origin), that the exit code comes back and that the file
# written inside is in the container's upper dir only.
run_image() {
        local root=$1 image=$2 name=$3 origin=$4 mnt=$T/mnt-$3 b=$T/b-$3
        mkdir -p "$mnt" "$b"
        run "$TOOL" --root "$root" mount "$image" "$name" "$mnt"
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        echo "$root $name $mnt" >>"$MOUNTED"
        [ -x "$mnt/bin/busybox" ]
        "$RT" spec --bundle "$b"
        jq --arg root "$mnt" --arg cg "$CG/$name" '.root = {path: $root, readonly: false}
                | .process.terminal = false | .linux.cgroupsPath = $cg
                | .process.args = ["sh", "-c",
                        "echo ran from $(cat /etc/origin); echo inside > /root/written; exit 7"]' \
                "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
        run timeout 60 "$RT" --root "$T/rt" run --bundle "$b" "run-$name" </dev/null
        echo "runtime: status $status, output: $output"
        [ "$status" -eq 7 ]
        [ "$output" = "ran from $origin" ]
        # The write is visible through the mount and lives in the container's own layer.
        [ "$(cat "$mnt/root/written")" = inside ]
        local driver
        driver=$(cat "$root/storage-driver")
        if [ "$driver" = overlay ]; then
                [ "$(cat "$root/containers/$name/upper/root/written")" = inside ]
        else
                [ "$(cat "$root/containers/$name/rootfs/root/written")" = inside ]
        fi
        run find "$root/layers" -path '*/root/written'
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        timeout 10 "$RT" --root "$T/rt" delete -f "run-$name" >/dev/null 2>&1 || true
}

# A second container over the same image starts clean: the first one's write is not there.
check_isolated() {
        local root=$1 image=$2 mnt=$T/mnt-iso
        mkdir -p "$mnt"
        "$TOOL" --root "$root" mount "$image" iso "$mnt"
        echo "$root iso $mnt" >>"$MOUNTED"
        [ -x "$mnt/bin/busybox" ]
        [ ! -e "$mnt/root/written" ]
}

@test "an image podman saved (docker-archive and oci-archive) loads into berth and runs" {
        need podman
        rootfs_tar podman-import
        pm import "$T/rootfs.tar" localhost/bbrun:1 >/dev/null
        pm save -o "$T/pd.tar" localhost/bbrun:1
        pm save --format oci-archive -o "$T/po.tar" localhost/bbrun:1
        run berth_load "$T/s-pd" "$T/pd.tar"
        [ "$status" -eq 0 ]
        [[ "$output" == *"localhost/bbrun:1"* ]]
        run berth_load "$T/s-po" "$T/po.tar"
        [ "$status" -eq 0 ]
        run_image "$T/s-pd" localhost/bbrun:1 pd podman-import
        # podman's oci-archive keeps the name as an annotation; run it by id so the test
        # does not depend on how that name is recorded.
        id=$("$TOOL" --root "$T/s-po" images | awk 'NR == 1 { print $1 }')
        [ -n "$id" ]
        run_image "$T/s-po" "$id" po podman-import
        check_isolated "$T/s-pd" localhost/bbrun:1
}

@test "an image skopeo copied (oci-archive and docker-archive) loads into berth and runs" {
        need skopeo
        rootfs_tar skopeo-copy
        "$TOOL" --root "$T/src" import "$T/rootfs.tar" localhost/bbrun:2 >/dev/null
        "$TOOL" --root "$T/src" save -o "$T/src.tar" localhost/bbrun:2
        timeout 60 skopeo copy -q "docker-archive:$T/src.tar" "oci-archive:$T/so.tar:localhost/bbrun:2"
        timeout 60 skopeo copy -q "docker-archive:$T/src.tar" "docker-archive:$T/sd.tar:localhost/bbrun:2"
        run berth_load "$T/s-so" "$T/so.tar"
        [ "$status" -eq 0 ]
        run berth_load "$T/s-sd" "$T/sd.tar"
        [ "$status" -eq 0 ]
        [[ "$output" == *"localhost/bbrun:2"* ]]
        run_image "$T/s-so" localhost/bbrun:2 so skopeo-copy
        run_image "$T/s-sd" localhost/bbrun:2 sd skopeo-copy
        check_isolated "$T/s-so" localhost/bbrun:2
}

@test "mount of an unknown image fails with a message and leaves no container" {
        mkdir -p "$T/m"
        "$TOOL" --root "$T/s" bootstrap >/dev/null
        run "$TOOL" --root "$T/s" mount no-such-image c1 "$T/m"
        [ "$status" -ne 0 ]
        [[ "$output" == *no-such-image* ]]
        [ ! -e "$T/s/containers/c1" ]
        ! grep -qF " $T/m " /proc/self/mountinfo
}

#!/usr/bin/env bats
# Image archives against real peers: what berth saves, skopeo/podman/umoci read; what
# podman and skopeo write, berth loads; digests and ids survive.  bootstrap, save and the
# berth -> berth load go through the berth CLI when it is built (else
# tests/helpers/berth-image-tool, the same library calls); loads of the peers' archives and
# the checks of the store use berth-image-tool (its inspect prints ids and digests).
# Each peer missing is a skip naming it.

BERTH_REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

find_tool() {
        local d
        for d in "${BERTH_BUILD:-}" "$BERTH_REPO/build" "$BERTH_REPO"/build-*; do
                [ -n "$d" ] && [ -x "$d/tests/helpers/berth-image-tool" ] &&
                        { TOOL=$d/tests/helpers/berth-image-tool; return 0; }
        done
        return 1
}

find_cli() {
        local d
        for d in "${BERTH_BUILD:-}" "$BERTH_REPO/build" "$BERTH_REPO"/build-*; do
                [ -n "$d" ] && [ -x "$d/berth" ] && "$d/berth" save --help >/dev/null 2>&1 &&
                        { CLI=$d/berth; return 0; }
        done
        CLI=
}

setup() {
        find_tool || skip "berth-image-tool not built"
        find_cli
        [ -x /bin/busybox ] || skip "busybox-static not installed"
        T=$BATS_TEST_TMPDIR
        S=$T/berth
        if [ -n "$CLI" ]; then
                "$CLI" --root "$S" --runroot "$T/run" image bootstrap busybox >/dev/null
        else
                "$TOOL" --root "$S" bootstrap >/dev/null
        fi
        ID=$("$TOOL" --root "$S" inspect busybox | awk '$1 == "id" { print $2 }')
        MAN=$("$TOOL" --root "$S" inspect busybox | awk '$1 == "manifest" { print $2 }')
}

teardown() {
        # podman's overlay mounts under the test dir, if any
        [ -n "${T:-}" ] && awk -v t="$T/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo |
                sort -r | while read -r p; do umount -l "$p" 2>/dev/null; done
        return 0
}

need() { command -v "$1" >/dev/null || skip "$1 not installed"; }
# bt save|load ARGS: through the CLI when built, else the tool (same flags).
bt() {
        if [ -n "$CLI" ]; then "$CLI" --root "$S" --runroot "$T/run" "$@"; else "$TOOL" --root "$S" "$@"; fi
}
pm() { timeout 120 podman --root "$T/podman" --runroot "$T/podman-run" --storage-driver vfs "$@"; }

@test "skopeo inspects berth's docker-archive and oci-archive" {
        need skopeo
        need jq
        bt save -o "$T/d.tar" busybox
        bt save --format oci-archive -o "$T/o.tar" busybox
        run timeout 60 skopeo inspect --raw "docker-archive:$T/d.tar"
        [ "$status" -eq 0 ]
        run timeout 60 skopeo inspect --config "docker-archive:$T/d.tar"
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | jq -r '.config.Cmd[0]')" = sh ]
        run timeout 60 skopeo inspect "oci-archive:$T/o.tar"
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | jq -r .Digest)" = "$MAN" ]
}

@test "podman loads berth's docker-archive and oci-archive with the same image id" {
        need podman
        bt save -o "$T/d.tar" busybox
        bt save --format oci-archive -o "$T/o.tar" busybox
        run pm load -i "$T/d.tar"
        [ "$status" -eq 0 ]
        run pm images --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}'
        [[ "$output" == *"$ID docker.io/library/busybox:latest"* ]]
        pm rmi -a >/dev/null
        run pm load -i "$T/o.tar"
        [ "$status" -eq 0 ]
        run pm images --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}'
        [[ "$output" == *"$ID docker.io/library/busybox:latest"* ]]
}

@test "umoci unpacks berth's OCI directory" {
        need umoci
        bt save --format oci-dir -o "$T/layout" busybox
        run timeout 60 umoci unpack --image "$T/layout:latest" "$T/bundle"
        [ "$status" -eq 0 ]
        [ -f "$T/bundle/rootfs/bin/busybox" ]
        [ "$(readlink "$T/bundle/rootfs/bin/sh")" = busybox ]
        [ "$(jq -r '.process.args[0]' "$T/bundle/config.json")" = sh ]
}

@test "berth loads what podman save writes (docker-archive, oci-archive, multi-image)" {
        need podman
        bt save -o "$T/d.tar" busybox
        pm load -i "$T/d.tar" >/dev/null
        pm tag busybox:latest localhost/other:2
        pm save -o "$T/pd.tar" busybox:latest
        pm save --format oci-archive -o "$T/po.tar" busybox:latest
        pm save -m -o "$T/pm.tar" busybox:latest localhost/other:2
        for f in pd po pm; do
                run "$TOOL" --root "$T/b-$f" load -i "$T/$f.tar"
                [ "$status" -eq 0 ]
                [[ "$output" == *"docker.io/library/busybox:latest"* ]]
                run "$TOOL" --root "$T/b-$f" inspect busybox
                [[ "$output" == *"id $ID"* ]]
        done
        run "$TOOL" --root "$T/b-pm" inspect localhost/other:2
        [[ "$output" == *"id $ID"* ]]
}

@test "berth loads what skopeo copy writes, digests survive berth -> berth" {
        need skopeo
        bt save -o "$T/d.tar" busybox
        timeout 60 skopeo copy -q "docker-archive:$T/d.tar" "oci-archive:$T/so.tar:busybox:1"
        timeout 60 skopeo copy -q "docker-archive:$T/d.tar" "docker-archive:$T/sd.tar:busybox:2"
        run "$TOOL" --root "$T/b1" load -i "$T/so.tar"
        [ "$status" -eq 0 ]
        [[ "$output" == *"docker.io/library/busybox:1"* ]]
        run "$TOOL" --root "$T/b2" load -i "$T/sd.tar"
        [ "$status" -eq 0 ]
        run "$TOOL" --root "$T/b2" inspect busybox:2
        [[ "$output" == *"id $ID"* ]]
        # berth -> berth through a pipe keeps the id and the manifest digest.
        bt save --format oci-archive busybox | S=$T/b3 bt load
        run "$TOOL" --root "$T/b3" inspect busybox
        [[ "$output" == *"id $ID"* ]]
        [[ "$output" == *"manifest $MAN"* ]]
}

@test "bootstrap debian:bookworm (debootstrap from deb.debian.org; BERTH_TEST_DEBOOTSTRAP=1)" {
        [ "${BERTH_TEST_DEBOOTSTRAP:-0}" = 1 ] || skip "set BERTH_TEST_DEBOOTSTRAP=1 (downloads ~40 MB)"
        need debootstrap
        need podman
        run timeout 900 "$TOOL" --root "$T/deb" bootstrap debian
        [ "$status" -eq 0 ]
        DID=$output
        "$TOOL" --root "$T/deb" save -o "$T/deb.tar" debian:bookworm
        run "$TOOL" --root "$T/deb2" load -i "$T/deb.tar"
        [ "$status" -eq 0 ]
        run "$TOOL" --root "$T/deb2" inspect debian:bookworm
        [[ "$output" == *"id $DID"* ]]
        pm load -i "$T/deb.tar"
        run pm images --no-trunc --format '{{.ID}}'
        [[ "$output" == *"$DID"* ]]
}

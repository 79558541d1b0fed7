#!/usr/bin/env bats
# berth image bootstrap, load, save, import, system df.

load helpers

setup() { image_setup; }
teardown() { image_teardown; }

@test "bootstrap: busybox, the same id twice, --tag" {
        run b image bootstrap busybox
        [ "$status" -eq 0 ]
        [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
        local id=$output
        run b image bootstrap busybox --tag me/bb:1
        assert_eq "$output" "$id"
        run b images --format '{{.Repository}}:{{.Tag}}'
        assert_contains "$output" "busybox:latest"
        assert_contains "$output" "me/bb:1"
        run b image bootstrap nosuchthing
        [ "$status" -eq 1 ]
        assert_contains "$output" "berth: "
}

@test "load: -i and stdin; both forms; Loaded image lines; -q" {
        make_tiny_archive "$T/a.tar" "docker.io/library/small:1" "aaa"
        run b load -i "$T/a.tar"
        [ "$status" -eq 0 ]
        assert_eq "$(printf '%s\n' "$output" | grep Loaded)" "Loaded image: small:1"
        b rmi small:1 >/dev/null
        run bash -c "'$BERTH' --root '$IR' image load -q <'$T/a.tar'"
        [ "$status" -eq 0 ]
        assert_eq "$output" "Loaded image: small:1"
        run b load -i "$T/nothere.tar"
        [ "$status" -eq 1 ]
        assert_contains "$output" "berth: open '$T/nothere.tar'"
        printf 'not a tar' >"$T/bad.tar"
        run b load -i "$T/bad.tar"
        [ "$status" -eq 1 ]
        assert_contains "$output" "berth: "
}

@test "save: -o and stdout; round trip keeps the id; refuses a terminal" {
        bootstrap_busybox
        local id
        id=$(b image inspect -f '{{.Id}}' busybox)
        run b save -o "$T/bb.tar" busybox
        [ "$status" -eq 0 ]
        tar -tf "$T/bb.tar" | grep -q manifest.json
        b image save busybox >"$T/bb2.tar"
        cmp "$T/bb.tar" "$T/bb2.tar"
        local IR2=$T/root2
        run "$BERTH" --root "$IR2" load -q -i "$T/bb.tar"
        [ "$status" -eq 0 ]
        assert_eq "$output" "Loaded image: busybox:latest"
        assert_eq "$("$BERTH" --root "$IR2" image inspect -f '{{.Id}}' busybox)" "$id"
        rm -rf "$IR2"
        run b save -o "$T/x.tar" nothere
        [ "$status" -eq 1 ]
        assert_eq "$output" "berth: no such image: 'nothere:latest'"
        [ ! -e "$T/x.tar" ]
        # stdout a terminal: script(1) gives the command a pty
        if command -v script >/dev/null; then
                run script -qec "'$BERTH' --root '$IR' save busybox" /dev/null
                assert_contains "$output" "cowardly refusing to save to a terminal. Use the -o flag or redirect"
        fi
}

@test "save: --format oci-archive and oci-dir" {
        bootstrap_busybox
        run b save --format oci-archive -o "$T/oci.tar" busybox
        [ "$status" -eq 0 ]
        tar -tf "$T/oci.tar" | grep -q '^index.json$'
        run b save --format oci-dir -o "$T/ocidir" busybox
        [ "$status" -eq 0 ]
        [ -f "$T/ocidir/index.json" ]
        [ -f "$T/ocidir/oci-layout" ]
        run b save --format oci-dir busybox
        [ "$status" -eq 1 ]
        run b save --format zip -o "$T/z" busybox
        [ "$status" -eq 1 ]
        assert_contains "$output" "unknown archive format 'zip'"
}

@test "import: file, stdin, file:// URL; -c, -m, REPOSITORY[:TAG]; other URLs refused" {
        mkdir -p "$T/fs/etc"
        echo hello >"$T/fs/etc/hello"
        tar -C "$T/fs" -cf "$T/fs.tar" .
        run b import -c 'CMD ["/bin/true"]' -c 'ENV A=b' -m "my import" "$T/fs.tar" imp:1
        [ "$status" -eq 0 ]
        [[ "${lines[-1]}" =~ ^sha256:[0-9a-f]{64}$ ]]
        assert_eq "$(b image inspect -f '{{json .Config.Cmd}}' imp:1)" '["/bin/true"]'
        assert_contains "$(b image inspect -f '{{json .Config.Env}}' imp:1)" '"A=b"'
        assert_eq "$(b history --format '{{.Comment}}' imp:1)" "my import"
        run bash -c "'$BERTH' --root '$IR' image import - imp:2 <'$T/fs.tar'"
        [ "$status" -eq 0 ]
        run b import "file://$T/fs.tar"
        [ "$status" -eq 0 ]
        run b images --format '{{.Repository}}:{{.Tag}}'
        assert_contains "$output" "imp:2"
        assert_contains "$output" "<none>:<none>"
        run b import ftp://example.invalid/x.tar
        [ "$status" -eq 1 ]
        assert_contains "$output" "URLs is not supported"
}

@test "system df: TYPE TOTAL ACTIVE SIZE RECLAIMABLE; --format; -v" {
        run b system df
        [ "$status" -eq 0 ]
        assert_eq "${lines[0]}" "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE"
        assert_eq "${lines[1]}" "Images          0         0         0B        0B"
        assert_eq "${lines[2]}" "Containers      0         0         0B        0B"
        assert_eq "${lines[3]}" "Local Volumes   0         0         0B        0B"
        assert_eq "${lines[4]}" "Build Cache     0         0         0B        0B"
        bootstrap_busybox
        run b system df
        [[ "${lines[1]}" =~ ^Images\ +1\ +0\ +[0-9.]+[kM]B\ +[0-9.]+[kM]B\ \(100%\)$ ]] || { echo "${lines[1]}" >&2; return 1; }
        run b system df --format '{{.Type}}={{.TotalCount}}'
        assert_eq "${lines[0]}" "Images=1"
        run b system df --format json
        assert_eq "$(printf '%s\n' "${lines[0]}" | jq -r '.Type')" "Images"
        run b system df -v
        [ "$status" -eq 0 ]
        assert_contains "$output" "Images space usage:"
        assert_contains "$output" "busybox"
}

# A docker-archive of base:1 (layer L1) and top:1 (layers L1, L2).
make_shared_archive() {
        local d=$T/shared n
        mkdir -p "$d/a"
        for n in 1 2; do
                mkdir -p "$d/fs$n"
                head -c 5000 /dev/urandom >"$d/fs$n/f$n"
                tar -C "$d/fs$n" --numeric-owner -cf "$d/l$n.tar" .
        done
        local d1 d2
        d1=$(sha256sum "$d/l1.tar" | cut -d' ' -f1)
        d2=$(sha256sum "$d/l2.tar" | cut -d' ' -f1)
        mv "$d/l1.tar" "$d/a/$d1.tar"
        mv "$d/l2.tar" "$d/a/$d2.tar"
        jq -cn --arg a "sha256:$d1" '{architecture: "amd64", os: "linux", config: {},
                rootfs: {type: "layers", diff_ids: [$a]}}' >"$d/a/c1.json"
        jq -cn --arg a "sha256:$d1" --arg b "sha256:$d2" '{architecture: "amd64", os: "linux",
                config: {}, rootfs: {type: "layers", diff_ids: [$a, $b]}}' >"$d/a/c2.json"
        jq -n --arg l1 "$d1.tar" --arg l2 "$d2.tar" '[{Config: "c1.json", RepoTags: ["base:1"],
                Layers: [$l1]}, {Config: "c2.json", RepoTags: ["top:1"], Layers: [$l1, $l2]}]' \
                >"$d/a/manifest.json"
        tar -C "$d/a" -cf "$1" .
}

@test "system df -v: shared and unique sizes of images with a common layer" {
        make_shared_archive "$T/shared.tar"
        run b load -i "$T/shared.tar"
        [ "$status" -eq 0 ]
        assert_contains "$output" "Loaded image: base:1"
        assert_contains "$output" "Loaded image: top:1"
        run b system df -v
        [ "$status" -eq 0 ]
        local top base
        top=$(printf '%s\n' "$output" | grep '^top ')
        base=$(printf '%s\n' "$output" | grep '^base ')
        # columns: REPO TAG ID CREATED(3 words) SIZE SHARED UNIQUE CONTAINERS
        read -r -a t <<<"$top"
        read -r -a bb <<<"$base"
        assert_eq "${bb[7]}" "${bb[6]}" "base: shared = size"
        assert_eq "${bb[8]}" "0B" "base: unique"
        assert_eq "${t[7]}" "${bb[6]}" "top: shared = base's size"
        [ "${t[8]}" != "0B" ]
}

@test "load: a progress bar on a terminal, plain lines otherwise" {
        command -v script >/dev/null || skip "no script(1)"
        make_tiny_archive "$T/a.tar" "a:1" "aaa"
        run script -qec "'$BERTH' --root '$IR' load -i '$T/a.tar'" /dev/null
        [ "$status" -eq 0 ]
        assert_contains "$output" $'\r\033[KLoading layer sha256:'
        assert_contains "$output" "==] 10.2kB/10.2kB"
        assert_contains "$output" "Loaded image: a:1"
        b rmi a:1 >/dev/null
        run b load -i "$T/a.tar"
        [ "$status" -eq 0 ]
        [[ "$output" != *$'\r'* ]]
        [[ "$output" != *"=>"* ]]
        assert_contains "$output" "Loading layer"
}

#!/usr/bin/env bats
# berth images / image ls / image list: columns, sizes, times, filters, --format.

load helpers

setup() { image_setup; }
teardown() { image_teardown; }

# Two distinct images with labels and known creation times.
two_images() {
        make_tiny_archive "$T/a.tar" "app/a:1" "aaa" "tier=web" "2025-01-01T00:00:00Z"
        make_tiny_archive "$T/b.tar" "app/b:2" "bbb" "tier=db" "2026-01-01T00:00:00Z"
        b load -q -i "$T/a.tar" >/dev/null
        b load -q -i "$T/b.tar" >/dev/null
}

@test "images: empty store prints the header only" {
        run b images
        [ "$status" -eq 0 ]
        assert_eq "$output" "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE"
}

@test "images: Docker's columns, 12-hex ids, human size and age, aligned" {
        bootstrap_busybox
        local id
        id=$(b image inspect -f '{{.Id}}' busybox)
        run b images
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 2 ]
        assert_eq "${lines[0]}" "REPOSITORY   TAG       IMAGE ID       CREATED        SIZE"
        [[ "${lines[1]}" =~ ^busybox\ \ \ \ \ \ latest\ \ \ \ ${id:7:12}\ \ \ [0-9]+\ years\ ago\ \ \ [0-9.]+[kM]B$ ]] ||
                { echo "row: '${lines[1]}'" >&2; return 1; }
        # every column starts where its header does
        local h=${lines[0]} r=${lines[1]}
        local pos=${h%%IMAGE ID*}
        assert_eq "${r:${#pos}:12}" "${id:7:12}"
}

@test "images: both verb forms and --no-trunc" {
        bootstrap_busybox
        local a b2 c
        a=$(b images)
        b2=$(b image ls)
        c=$(b image list)
        assert_eq "$a" "$b2"
        assert_eq "$a" "$c"
        run b images --no-trunc -q
        [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
        run b images -q
        [[ "$output" =~ ^[0-9a-f]{12}$ ]]
}

@test "images: sorted newest first; created and size as Docker prints them" {
        export TZ=UTC
        two_images
        run b images --format '{{.Repository}}:{{.Tag}} {{.CreatedAt}}'
        [ "$status" -eq 0 ]
        assert_eq "${lines[0]}" "app/b:2 2026-01-01 00:00:00 +0000 UTC"
        assert_eq "${lines[1]}" "app/a:1 2025-01-01 00:00:00 +0000 UTC"
        run b images --format '{{.Size}}|{{.CreatedSince}}' app/a
        [[ "$output" =~ ^[0-9.]+kB\|[0-9]+\ (months|weeks|days)\ ago$ ]] || { echo "$output" >&2; return 1; }
}

@test "images: dangling images show <none>; dangling=true|false" {
        two_images
        b tag app/a:1 keep:1
        b rmi app/a:1 >/dev/null
        b rmi app/b:2 >/dev/null || true
        make_tiny_archive "$T/c.tar" "" "ccc"
        b load -q -i "$T/c.tar"
        run b images --format '{{.Repository}} {{.Tag}}' --filter dangling=true
        [ "$status" -eq 0 ]
        assert_eq "$output" "<none> <none>"
        run b images --format '{{.Repository}} {{.Tag}}' --filter dangling=false
        assert_eq "$output" "keep 1"
        run b images --filter dangling=maybe
        [ "$status" -eq 1 ]
        assert_eq "$output" "berth: invalid filter 'dangling=maybe'"
}

@test "images: reference filter and positional REPOSITORY[:TAG] (globs on familiar names)" {
        two_images
        bootstrap_busybox
        run b images --format '{{.Repository}}' --filter 'reference=app/*'
        assert_eq "${#lines[@]}" 2
        run b images --format '{{.Repository}}:{{.Tag}}' --filter 'reference=*/*:2'
        assert_eq "$output" "app/b:2"
        run b images --format '{{.Repository}}' busybox
        assert_eq "$output" "busybox"
        run b images --format '{{.Repository}}' 'busybox:nope'
        [ -z "$output" ]
        run b images --format '{{.Repository}}' --filter 'reference=*'
        assert_eq "$output" "busybox"
}

@test "images: label, before and since filters" {
        two_images
        run b images --format '{{.Repository}}' --filter label=tier=web
        assert_eq "$output" "app/a"
        run b images --format '{{.Repository}}' --filter label=tier
        assert_eq "${#lines[@]}" 2
        run b images --format '{{.Repository}}' --filter label=tier=none
        [ -z "$output" ]
        run b images --format '{{.Repository}}' --filter before=app/b:2
        assert_eq "$output" "app/a"
        run b images --format '{{.Repository}}' --filter since=app/a:1
        assert_eq "$output" "app/b"
        run b images --filter since=nothere
        [ "$status" -eq 1 ]
        assert_contains "$output" "no such image: 'nothere:latest'"
        run b images --filter bogus=1
        [ "$status" -eq 1 ]
        assert_eq "$output" "berth: invalid filter 'bogus'"
        run b images --filter noequals
        [ "$status" -eq 1 ]
        assert_contains "$output" "bad format of filter"
}

@test "images: --digests adds the DIGEST column" {
        bootstrap_busybox
        run b images --digests
        [ "$status" -eq 0 ]
        [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +DIGEST\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
        assert_contains "${lines[1]}" "<none>"
}

@test "images: --format templates: table, json, plain, functions, bad template" {
        two_images
        run b images --format 'table {{.Repository}}\t{{.Tag}}'
        assert_eq "${lines[0]}" "REPOSITORY   TAG"
        assert_eq "${lines[1]}" "app/b        2"
        run b images --format 'table'
        assert_contains "${lines[0]}" "REPOSITORY   TAG       IMAGE ID"
        run b images --format json
        [ "$status" -eq 0 ]
        assert_eq "$(printf '%s\n' "${lines[0]}" | jq -r '.Repository + ":" + .Tag')" "app/b:2"
        assert_eq "$(printf '%s\n' "${lines[0]}" | jq -r 'keys | join(",")')" \
                "Containers,CreatedAt,CreatedSince,Digest,ID,Repository,SharedSize,Size,Tag,UniqueSize,VirtualSize"
        run b images --format '{{json .ID}}'
        [[ "${lines[0]}" =~ ^\"[0-9a-f]{12}\"$ ]]
        run b images --format '{{upper .Repository}}-{{.Tag}}'
        assert_eq "${lines[1]}" "APP/A-1"
        run b images --format '{{.Repository'
        [ "$status" -eq 1 ]
        assert_contains "$output" "berth: --format: template:"
}

@test "images: -q prints one id per row, a table -q format still ids" {
        two_images
        b tag app/a:1 app/a:again
        run b images -q
        [ "${#lines[@]}" -eq 3 ]
        run b images -q --format table
        [ "${#lines[@]}" -eq 3 ]
        [[ "${lines[0]}" =~ ^[0-9a-f]{12}$ ]]
}

#!/usr/bin/env bats
# berth tag, rmi / image rm / image remove, image prune.

load helpers

setup() { image_setup; }
teardown() { image_teardown; }

@test "tag: both forms; the new tag lists the same image; bad target refused" {
        bootstrap_busybox
        run b tag busybox me/app:1.0
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        run b image tag busybox:latest localhost:5000/x
        [ "$status" -eq 0 ]
        run b images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
        [ "${#lines[@]}" -eq 3 ]
        assert_eq "$(printf '%s\n' "${lines[@]}" | cut -d' ' -f2 | sort -u | wc -l)" 1
        assert_contains "$output" "me/app:1.0"
        assert_contains "$output" "localhost:5000/x:latest"
        run b tag busybox 'Upper:1'
        [ "$status" -eq 1 ]
        assert_contains "$output" "berth: "
        assert_contains "$output" "invalid reference format"
        run b tag nothere x:1
        [ "$status" -eq 1 ]
        assert_eq "$output" "berth: no such image: 'nothere:latest'"
}

@test "rmi: untag one of two tags, then delete with the last (Docker's lines)" {
        bootstrap_busybox
        local id
        id=$(b image inspect -f '{{.Id}}' busybox)
        b tag busybox other:1
        run b rmi other:1
        [ "$status" -eq 0 ]
        assert_eq "$output" "Untagged: other:1"
        run b image rm busybox
        [ "$status" -eq 0 ]
        assert_eq "${lines[0]}" "Untagged: busybox:latest"
        assert_eq "${lines[1]}" "Deleted: $id"
        run b images -q
        [ -z "$output" ]
        # the layer directory went with it
        [ -z "$(ls "$IR/layers")" ]
}

@test "rmi: by id with two tags needs -f (Docker's conflict message); -f removes all" {
        bootstrap_busybox
        local id
        id=$(b image inspect -f '{{.Id}}' busybox)
        b tag busybox other:1
        run b rmi "${id:7:12}"
        [ "$status" -eq 1 ]
        assert_eq "$output" "berth: conflict: unable to delete ${id:7:12} (must be forced) - image is referenced in multiple repositories"
        run b image remove -f "${id:7:12}"
        [ "$status" -eq 0 ]
        assert_contains "$output" "Untagged: busybox:latest"
        assert_contains "$output" "Untagged: other:1"
        assert_contains "$output" "Deleted: $id"
}

@test "rmi: several at once; a missing one is reported, the others removed, exit 1" {
        make_tiny_archive "$T/a.tar" "a:1" "aaa"
        make_tiny_archive "$T/b.tar" "b:1" "bbb"
        b load -q -i "$T/a.tar" >/dev/null
        b load -q -i "$T/b.tar" >/dev/null
        run b rmi a:1 nothere b:1
        [ "$status" -eq 1 ]
        assert_contains "$output" "Untagged: a:1"
        assert_contains "$output" "Untagged: b:1"
        assert_contains "$output" "berth: no such image: 'nothere:latest'"
        run b images -q
        [ -z "$output" ]
}

@test "rmi: missing busybox suggests bootstrap" {
        run b rmi busybox
        [ "$status" -eq 1 ]
        assert_eq "$output" "berth: no such image: 'busybox:latest' (make it with: berth image bootstrap busybox)"
}

@test "image prune: asks first; n keeps, -f removes dangling only" {
        make_tiny_archive "$T/a.tar" "" "dangling"
        make_tiny_archive "$T/b.tar" "kept:1" "kept"
        b load -q -i "$T/a.tar" >/dev/null
        b load -q -i "$T/b.tar" >/dev/null
        run bash -c "echo n | '$BERTH' --root '$IR' image prune"
        [ "$status" -eq 0 ]
        assert_contains "$output" "WARNING! This will remove all dangling images."
        assert_contains "$output" "Are you sure you want to continue? [y/N]"
        [ "$(b images -q | wc -l)" -eq 2 ]
        run b image prune -f
        [ "$status" -eq 0 ]
        assert_eq "${lines[0]}" "Deleted Images:"
        assert_contains "${lines[1]}" "deleted: sha256:"
        assert_contains "$output" "Total reclaimed space: "
        run b images --format '{{.Repository}}'
        assert_eq "$output" "kept"
        run b image prune -f
        assert_eq "$output" "Total reclaimed space: 0B"
}

@test "image prune -a: y removes every unused image" {
        bootstrap_busybox
        run bash -c "echo y | '$BERTH' --root '$IR' image prune -a"
        [ "$status" -eq 0 ]
        assert_contains "$output" "without at least one container"
        assert_contains "$output" "untagged: busybox:latest"
        [ -z "$(b images -q)" ]
}

@test "image prune: until= and label= filters" {
        make_tiny_archive "$T/old.tar" "old:1" "old" "keep=no" "2020-01-01T00:00:00Z"
        make_tiny_archive "$T/new.tar" "new:1" "new" "keep=yes" "2026-01-01T00:00:00Z"
        b load -q -i "$T/old.tar" >/dev/null
        b load -q -i "$T/new.tar" >/dev/null
        run b image prune -a -f --filter until=2021-01-01T00:00:00Z
        [ "$status" -eq 0 ]
        assert_contains "$output" "untagged: old:1"
        run b images --format '{{.Repository}}'
        assert_eq "$output" "new"
        run b image prune -a -f --filter label=keep=no
        assert_eq "$output" "Total reclaimed space: 0B"
        run b image prune -a -f --filter label=keep=yes --filter until=1h
        assert_contains "$output" "untagged: new:1"
        run b image prune -f --filter until=yesterday
        [ "$status" -eq 1 ]
        assert_contains "$output" "invalid filter 'until=yesterday'"
        run b image prune -f --filter what=1
        [ "$status" -eq 1 ]
}

# No verb creates containers yet: the record goes into the state database directly, as
# `berth create` will write it.
add_container_record() { # NAME IMAGE_ID STATE
        command -v sqlite3 >/dev/null || skip "sqlite3 not installed"
        local id
        id=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
        sqlite3 "$IR/berth.db" "INSERT INTO containers (id, name, image_id, created, state)
                VALUES ('$id', '$1', '$2', 0, '$3');"
        echo "$id"
}

@test "rmi: refuses an image a container uses and says which; -f only untags" {
        bootstrap_busybox
        local id cid
        id=$(b image inspect -f '{{.Id}}' busybox)
        cid=$(add_container_record web "$id" exited)
        run b rmi "$id"
        [ "$status" -eq 1 ]
        assert_contains "$output" "conflict: unable to delete"
        assert_contains "$output" "(must be forced) - image is being used by exited container ${cid:0:12}"
        run b rmi busybox
        [ "$status" -eq 1 ]
        assert_contains "$output" "${cid:0:12}"
        run b rmi -f busybox
        [ "$status" -eq 0 ]
        assert_eq "$output" "Untagged: busybox:latest"
        # the image itself stays while the container exists
        run b image inspect -f '{{.Id}}' "$id"
        [ "$status" -eq 0 ]
        assert_eq "$output" "$id"
        run b image prune -a -f
        [ "$status" -eq 0 ]
        run b image inspect -f '{{.Id}}' "$id"
        [ "$status" -eq 0 ]
}

@test "rmi: an image a running container uses cannot be forced" {
        bootstrap_busybox
        local id cid
        id=$(b image inspect -f '{{.Id}}' busybox)
        cid=$(add_container_record web "$id" running)
        run b rmi -f "$id"
        [ "$status" -eq 1 ]
        assert_contains "$output" "(cannot be forced) - image is being used by running container ${cid:0:12}"
}

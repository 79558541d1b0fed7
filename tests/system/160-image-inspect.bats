#!/usr/bin/env bats
# berth inspect / image inspect, history / image history.

load helpers

setup() { image_setup; }
teardown() { image_teardown; }

@test "image inspect: Docker's JSON shape" {
        bootstrap_busybox
        run b image inspect busybox
        [ "$status" -eq 0 ]
        printf '%s\n' "$output" >"$T/i.json"
        assert_eq "$(jq -r 'length' "$T/i.json")" 1
        assert_eq "$(jq -r '.[0] | keys_unsorted | join(",")' "$T/i.json")" \
                "Id,RepoTags,RepoDigests,Parent,Comment,Created,DockerVersion,Author,Config,Architecture,Os,Size,GraphDriver,RootFS,Metadata"
        assert_eq "$(jq -r '.[0].RepoTags[0]' "$T/i.json")" "busybox:latest"
        assert_eq "$(jq -r '.[0].Config.Cmd[0]' "$T/i.json")" "sh"
        assert_eq "$(jq -r '.[0].Config.Tty' "$T/i.json")" "false"
        assert_eq "$(jq -r '.[0].RootFS.Type' "$T/i.json")" "layers"
        assert_eq "$(jq -r '.[0].RootFS.Layers | length' "$T/i.json")" 1
        assert_eq "$(jq -r '.[0].Os + "/" + .[0].Architecture' "$T/i.json")" "linux/amd64"
        [[ "$(jq -r '.[0].Id' "$T/i.json")" =~ ^sha256:[0-9a-f]{64}$ ]]
        [ "$(jq -r '.[0].Size' "$T/i.json")" -gt 100000 ]
        assert_contains "$(jq -r '.[0].GraphDriver.Data.UpperDir' "$T/i.json")" "$IR/layers/"
        # four-space indentation as Docker prints it
        assert_eq "${lines[1]}" "    {"
}

@test "inspect: generic form, -f/--format templates, several names" {
        bootstrap_busybox
        b tag busybox two:1
        run b inspect -f '{{.Os}} {{index .RepoTags 1}}' busybox
        [ "$status" -eq 0 ]
        assert_eq "$output" "linux two:1"
        run b image inspect --format '{{json .Config.Cmd}}' busybox two:1
        [ "${#lines[@]}" -eq 2 ]
        assert_eq "${lines[0]}" '["sh"]'
        run b inspect --type image -f json busybox
        assert_eq "$(printf '%s' "$output" | jq -r .Architecture)" "amd64"
        run b inspect --type bogus busybox
        [ "$status" -eq 1 ]
}

@test "inspect: missing images: error per name, exit 1, found ones still printed" {
        bootstrap_busybox
        run b image inspect nothere
        [ "$status" -eq 1 ]
        assert_contains "$output" "berth: no such image: 'nothere:latest'"
        assert_contains "$output" "[]"
        run b inspect busybox nothere
        [ "$status" -eq 1 ]
        assert_contains "$output" "berth: no such object: nothere"
        assert_contains "$output" '"busybox:latest"'
}

@test "history: columns, both forms, -q, --no-trunc, -H=false, --format" {
        make_tiny_archive "$T/a.tar" "a:1" "aaa" "x=a-rather-long-label-value-for-the-created-by-col" "2025-01-01T00:00:00Z"
        b load -q -i "$T/a.tar" >/dev/null
        run b history a:1
        [ "$status" -eq 0 ]
        [[ "${lines[0]}" =~ ^IMAGE\ +CREATED\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]]
        [[ "${lines[1]}" =~ ^[0-9a-f]{12}\ +[0-9]+\ [a-z]+\ ago\ +make_tiny_archive ]]
        assert_contains "${lines[1]}" "…"
        assert_eq "$(b image history a:1)" "$output"
        run b history -q a:1
        [[ "$output" =~ ^[0-9a-f]{12}$ ]]
        run b history --no-trunc --format '{{.ID}}|{{.CreatedBy}}' a:1
        [[ "$output" =~ ^sha256:[0-9a-f]{64}\|make_tiny_archive\ x=a-rather-long-label-value-for-the-created-by-col$ ]]
        TZ=UTC run b history -H=false --format '{{.CreatedSince}} {{.Size}}' a:1
        [[ "$output" =~ ^2025-01-01T00:00:00Z\ [0-9]+$ ]] || { echo "$output" >&2; return 1; }
        run b history --format json a:1
        assert_eq "$(printf '%s' "$output" | jq -r 'keys | join(",")')" "Comment,CreatedAt,CreatedBy,CreatedSince,ID,Size"
        run b history nothere
        [ "$status" -eq 1 ]
        assert_eq "$output" "berth: no such image: 'nothere:latest'"
}

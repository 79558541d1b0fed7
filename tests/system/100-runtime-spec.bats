#!/usr/bin/env bats
# berth-runtime spec: the example config.

load helpers

@test "spec: writes a config.json that runs with a rootfs" {
        mkdir "$T/b2"
        cp -a "$B/rootfs" "$T/b2/rootfs"
        run rt spec --bundle "$T/b2"
        [ "$status" -eq 0 ]
        jq -e '.ociVersion and .process.args and (.root.path == "rootfs")' "$T/b2/config.json"
        jq -e '[.linux.namespaces[].type] | index("mount") != null' "$T/b2/config.json"
        jq --arg cg "$CG" '.process.terminal = false | .process.args = ["sh", "-c", "echo from-spec"]
                | .linux.cgroupsPath = $cg' "$T/b2/config.json" >"$T/b2/c" && mv "$T/b2/c" "$T/b2/config.json"
        run rt run --bundle "$T/b2" s1 </dev/null
        [ "$status" -eq 0 ]
        assert_contains "$output" from-spec
}

@test "spec: without --bundle writes to the current directory" {
        mkdir "$T/b3"
        cd "$T/b3"
        run rt spec
        [ "$status" -eq 0 ]
        [ -s "$T/b3/config.json" ]
}

@test "spec: refuses to overwrite an existing config.json" {
        echo '{"keep": true}' >"$T/existing.json"
        mkdir "$T/b4"
        cp "$T/existing.json" "$T/b4/config.json"
        run rt spec --bundle "$T/b4"
        [ "$status" -ne 0 ]
        cmp "$T/existing.json" "$T/b4/config.json"
}

@test "spec --rootless: a user namespace with mappings and no network namespace" {
        mkdir "$T/b5"
        run rt spec --rootless --bundle "$T/b5"
        [ "$status" -eq 0 ]
        jq -e '[.linux.namespaces[].type] | index("user") != null' "$T/b5/config.json"
        jq -e '[.linux.namespaces[].type] | index("network") == null' "$T/b5/config.json"
        jq -e '.linux.uidMappings | length >= 1' "$T/b5/config.json"
        jq -e '.linux.gidMappings | length >= 1' "$T/b5/config.json"
        jq -e '.linux.resources.devices == null or (.linux.resources.devices | length == 0)' "$T/b5/config.json"
}

#!/usr/bin/env bats
# berth-runtime bad input: each is refused with a clear one-line error, a non-zero exit,
# and nothing is left behind (no state, no cgroup, no mount).

load helpers

create_fails() { # ID [create args]
        local id=$1
        shift
        rt_bg create --bundle "$B" "$@" "$id"
        [ "$status" -ne 0 ] || { echo "create '$id' succeeded" >&2; return 1; }
        one_line_error
}

@test "bad input: malformed config.json" {
        printf '{"ociVersion": "1.0.2", "process": ' >"$B/config.json"
        create_fails c1
        nothing_left c1
}

@test "bad input: config.json is not an object" {
        echo '[1, 2]' >"$B/config.json"
        create_fails c1
        nothing_left c1
}

@test "bad input: missing config.json" {
        rm "$B/config.json"
        create_fails c1
        nothing_left c1
}

@test "bad input: config.json over 4 MiB" {
        is_runc && skip "runc has no cap on config.json size"
        head -c 5000000 /dev/zero | tr '\0' a >"$T/big"
        config_set --rawfile big "$T/big" '.annotations = {big: $big}'
        [ "$(stat -c %s "$B/config.json")" -gt 4194304 ]
        create_fails c1
        nothing_left c1
}

@test "bad input: unknown namespace type" {
        config_set '.linux.namespaces += [{type: "bogus"}]'
        create_fails c1
        assert_contains "$output" bogus
        nothing_left c1
}

@test "bad input: duplicate namespace" {
        is_runc && skip "runc 1.1 accepts a duplicated namespace entry"
        config_set '.linux.namespaces += [{type: "pid"}]'
        create_fails c1
        nothing_left c1
}

@test "bad input: missing rootfs" {
        rm -rf "$B/rootfs"
        create_fails c1
        nothing_left c1
}

@test "bad input: missing bundle" {
        rt_bg create --bundle "$T/no-such-bundle" c1
        [ "$status" -ne 0 ]
        one_line_error
        nothing_left c1
}

@test "bad input: empty process.args" {
        config_set '.process.args = []'
        create_fails c1
        nothing_left c1
}

@test "bad input: duplicate id leaves the first container alone" {
        set_cmd 'sleep 100'
        create_ok c1
        pid=$(pid_of c1)
        config_set --arg cg "$CG-2" '.linux.cgroupsPath = $cg'
        create_fails c1
        assert_eq "$(state_of c1)" created
        assert_eq "$(pid_of c1)" "$pid"
        [ ! -d "/sys/fs/cgroup/memory$CG-2" ]
}

@test "bad input: invalid ids" {
        for id in "../x" "" "a/b" "." ".." "$(head -c 2000 /dev/zero | tr '\0' a)"; do
                rt_bg create --bundle "$B" -- "$id"
                [ "$status" -ne 0 ] || { echo "id '$id' accepted" >&2; rt delete -f -- "$id"; false; }
        done
        [ ! -e "$T/x" ]
        [ -z "$(ls "$R")" ] || { echo "left in root: $(ls "$R")" >&2; false; }
        nothing_left c1
}

@test "bad input: relative cgroupsPath escaping with .." {
        is_runc && skip "runc cleans '..' out of cgroupsPath instead of refusing it"
        config_set '.linux.cgroupsPath = "/../../berth-escape"'
        create_fails c1
        [ ! -d /sys/fs/cgroup/memory/berth-escape ]
        nothing_left c1
}

@test "bad input: unknown mount type" {
        config_set '.mounts += [{destination: "/x", type: "nosuchfs", source: "none"}]'
        create_fails c1
        nothing_left c1
}

@test "bad input: unknown rlimit" {
        config_set '.process.rlimits += [{type: "RLIMIT_BOGUS", soft: 1, hard: 1}]'
        create_fails c1
        nothing_left c1
}

@test "bad input: unknown global option and unknown command" {
        run timeout 10 "$RUNTIME" --no-such-option list
        [ "$status" -ne 0 ]
        run timeout 10 "$RUNTIME" --root "$R" frobnicate
        [ "$status" -ne 0 ]
}

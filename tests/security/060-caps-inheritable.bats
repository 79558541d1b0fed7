#!/usr/bin/env bats
# CVE-2022-24769 / 2022-29162: inheritable and ambient capability sets are empty unless the
# config asks for them, in run and in exec.

load ../system/helpers

caps_line() { grep -E "^$1:" <<<"$output" | cut -f2; }

@test "24769: run: CapInh and CapAmb are empty by default" {
        set_cmd 'grep ^Cap /proc/self/status'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "$(caps_line CapInh)" 0000000000000000 CapInh
        assert_eq "$(caps_line CapAmb)" 0000000000000000 CapAmb
}

@test "24769: non-root user: no capabilities regained through a file capability exec" {
        config_set '.process.user = {uid: 1000, gid: 1000}'
        set_cmd 'grep ^Cap /proc/self/status'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "$(caps_line CapInh)" 0000000000000000 CapInh
        assert_eq "$(caps_line CapPrm)" 0000000000000000 CapPrm
        assert_eq "$(caps_line CapEff)" 0000000000000000 CapEff
        assert_eq "$(caps_line CapAmb)" 0000000000000000 CapAmb
}

@test "29162: exec: CapInh and CapAmb are empty" {
        set_cmd 'sleep 100'
        run_d_ok c1
        run rt exec c1 grep ^Cap /proc/self/status
        [ "$status" -eq 0 ]
        assert_eq "$(caps_line CapInh)" 0000000000000000 CapInh
        assert_eq "$(caps_line CapAmb)" 0000000000000000 CapAmb
}

@test "29162: exec --cap adds to bounding/effective/permitted, not inheritable" {
        set_cmd 'sleep 100'
        run_d_ok c1
        run rt exec --cap CAP_SYS_ADMIN c1 grep ^Cap /proc/self/status
        [ "$status" -eq 0 ]
        assert_eq "$(caps_line CapInh)" 0000000000000000 CapInh
        assert_eq "$(caps_line CapAmb)" 0000000000000000 CapAmb
}

@test "29162: exec -p process.json without capabilities gets none inheritable" {
        set_cmd 'sleep 100'
        run_d_ok c1
        jq -n '{cwd: "/", env: ["PATH=/bin"], args: ["grep", "^Cap", "/proc/self/status"], user: {uid: 0, gid: 0},
                capabilities: {bounding: ["CAP_CHOWN"], effective: ["CAP_CHOWN"], permitted: ["CAP_CHOWN"]}}' >"$T/p.json"
        run rt exec -p "$T/p.json" c1
        [ "$status" -eq 0 ]
        assert_eq "$(caps_line CapInh)" 0000000000000000 CapInh
        assert_eq "$(caps_line CapAmb)" 0000000000000000 CapAmb
        assert_eq "$(caps_line CapEff)" 0000000000000001 CapEff
}

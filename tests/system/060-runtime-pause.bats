#!/usr/bin/env bats
# berth-runtime pause/resume: the freezer.

load helpers

@test "pause: freezes the cgroup, resume thaws it" {
        set_cmd 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.05; done'
        run_d_ok c1
        wait_file "$B/rootfs/tmp/count"
        run rt pause c1
        [ "$status" -eq 0 ]
        assert_eq "$(state_of c1)" paused
        assert_eq "$(cat "$(cgroup_dir freezer)/freezer.state")" FROZEN
        a=$(cat "$B/rootfs/tmp/count")
        sleep 0.4
        b=$(cat "$B/rootfs/tmp/count")
        assert_eq "$b" "$a" "counter while paused"
        run rt resume c1
        [ "$status" -eq 0 ]
        assert_eq "$(state_of c1)" running
        assert_eq "$(cat "$(cgroup_dir freezer)/freezer.state")" THAWED
        sleep 0.4
        [ "$(cat "$B/rootfs/tmp/count")" -gt "$b" ]
}

@test "pause: a paused container can be deleted with -f" {
        set_cmd 'sleep 100'
        run_d_ok c1
        rt pause c1
        run rt delete -f c1
        [ "$status" -eq 0 ]
        nothing_left c1
}

@test "pause: resume of a running container fails" {
        set_cmd 'sleep 100'
        run_d_ok c1
        run rt resume c1
        [ "$status" -ne 0 ]
}

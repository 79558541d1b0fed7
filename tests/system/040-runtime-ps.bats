#!/usr/bin/env bats
# berth-runtime ps: the processes of a container.

load helpers

@test "ps: --format json lists the host pids of every process" {
        set_cmd 'sleep 100 & echo ready > /tmp/ready; wait'
        run_d_ok c1
        wait_file "$B/rootfs/tmp/ready"
        run rt ps --format json c1
        [ "$status" -eq 0 ]
        [ "$(jq length <<<"$output")" -eq 2 ]
        jq -e --argjson p "$(pid_of c1)" 'index($p) != null' <<<"$output"
        for p in $(jq -r '.[]' <<<"$output"); do
                grep -qx "$p" "$(cgroup_dir pids)/cgroup.procs"
        done
}

@test "ps: table output shows the commands" {
        set_cmd 'sleep 100 & echo ready > /tmp/ready; wait'
        run_d_ok c1
        wait_file "$B/rootfs/tmp/ready"
        run rt ps c1
        [ "$status" -eq 0 ]
        assert_contains "${lines[0]}" PID
        assert_contains "$output" sleep
        [ "${#lines[@]}" -eq 3 ]
}

@test "ps: an unknown container fails" {
        run rt ps nosuch
        [ "$status" -ne 0 ]
        one_line_error
}

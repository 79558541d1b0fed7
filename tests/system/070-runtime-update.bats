#!/usr/bin/env bats
# berth-runtime update: resources of a running container.

load helpers

@test "update: --memory, --pids-limit, --cpu-share" {
        set_cmd 'sleep 100'
        run_d_ok c1
        run rt update --memory 67108864 --pids-limit 50 --cpu-share 512 c1
        [ "$status" -eq 0 ]
        assert_eq "$(cat "$(cgroup_dir memory)/memory.limit_in_bytes")" 67108864 memory
        assert_eq "$(cat "$(cgroup_dir pids)/pids.max")" 50 pids
        assert_eq "$(cat "$(cgroup_dir cpu)/cpu.shares")" 512 cpu.shares
}

@test "update: --cpu-shares (alias of runc's --cpu-share)" {
        set_cmd 'sleep 100'
        run_d_ok c1
        run rt update --cpu-shares 384 c1
        [ "$status" -eq 0 ]
        assert_eq "$(cat "$(cgroup_dir cpu)/cpu.shares")" 384 cpu.shares
}

@test "update: -r resources.json" {
        set_cmd 'sleep 100'
        run_d_ok c1
        echo '{"memory": {"limit": 33554432}, "pids": {"limit": 20}, "cpu": {"quota": 50000, "period": 100000}}' >"$T/r.json"
        run rt update -r "$T/r.json" c1
        [ "$status" -eq 0 ]
        assert_eq "$(cat "$(cgroup_dir memory)/memory.limit_in_bytes")" 33554432 memory
        assert_eq "$(cat "$(cgroup_dir pids)/pids.max")" 20 pids
        assert_eq "$(cat "$(cgroup_dir cpu)/cpu.cfs_quota_us")" 50000 quota
}

@test "update: the new pids limit is enforced" {
        set_cmd 'sleep 100'
        run_d_ok c1
        rt update --pids-limit 3 c1
        run rt exec c1 sh -c 'for i in 1 2 3 4 5; do sleep 10 & done; wait'
        [ "$status" -ne 0 ] || assert_contains "$output" "fork"
        [ "$(cat "$(cgroup_dir pids)/pids.current")" -le 3 ]
}

@test "update: bad values are refused" {
        set_cmd 'sleep 100'
        run_d_ok c1
        run rt update --memory notanumber c1
        [ "$status" -ne 0 ]
        one_line_error
        run rt update --pids-limit 10 nosuch
        [ "$status" -ne 0 ]
}

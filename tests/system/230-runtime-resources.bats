#!/usr/bin/env bats
# berth-runtime: devices, cgroup resources (v1 on this host), sysctl.

load helpers

@test "devices: a char device is created with its mode, owner and allowed in the cgroup" {
        config_set '.linux.devices = [{path: "/dev/fuse", type: "c", major: 10, minor: 229,
                                        fileMode: 432, uid: 0, gid: 0}]
                | .linux.resources.devices += [{allow: true, type: "c", major: 10, minor: 229, access: "rwm"}]'
        set_cmd 'stat -c "%F %t:%T %a %u:%g" /dev/fuse'
        run rt_run c1
        [ "$status" -eq 0 ]
        # 432 = 0660; major/minor in hex
        assert_eq "$output" "character special file a:e5 660 0:0"
}

@test "devices: a device not in the allow list cannot be opened" {
        config_set '.linux.devices = [{path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 438}]'
        set_cmd 'cat /dev/fuse 2>&1 </dev/null; true'
        run rt_run c1
        assert_contains "$output" "Operation not permitted"
}

@test "devices: the devices cgroup denies mknod of other devices" {
        set_cmd 'mknod /tmp/sda b 8 0 && echo MADE; head -c 1 /tmp/sda 2>&1 && echo READ; true'
        run rt_run c1
        [[ "$output" != *READ* ]]
}

@test "resources: memory limit visible in the host's memory cgroup" {
        config_set '.linux.resources.memory = {limit: 52428800}'
        set_cmd 'sleep 100'
        run_d_ok c1
        assert_eq "$(cat "$(cgroup_dir memory)/memory.limit_in_bytes")" 52428800
        grep -qx "$(pid_of c1)" "$(cgroup_dir memory)/cgroup.procs"
}

@test "resources: the memory limit is enforced (OOM kill)" {
        config_set '.linux.resources.memory = {limit: 16777216, swap: 16777216}'
        set_cmd 'dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo SURVIVED-$?'
        run rt_run c1
        [[ "$output" != *SURVIVED-0* ]]
}

@test "resources: pids limit" {
        config_set '.linux.resources.pids = {limit: 5}'
        set_cmd 'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null; for i in 1 2 3 4 5 6 7 8; do sleep 5 & done 2>/dev/null; echo started; sleep 100'
        run_d_ok c1
        assert_eq "$(cat "$(cgroup_dir pids)/pids.max")" 5
        sleep 0.5
        [ "$(cat "$(cgroup_dir pids)/pids.current")" -le 5 ]
}

@test "resources: cpu shares, quota, period and cpuset" {
        config_set '.linux.resources.cpu = {shares: 256, quota: 20000, period: 100000, cpus: "0", mems: "0"}'
        set_cmd 'sleep 100'
        run_d_ok c1
        assert_eq "$(cat "$(cgroup_dir cpu)/cpu.shares")" 256 shares
        assert_eq "$(cat "$(cgroup_dir cpu)/cpu.cfs_quota_us")" 20000 quota
        assert_eq "$(cat "$(cgroup_dir cpu)/cpu.cfs_period_us")" 100000 period
        assert_eq "$(cat "$(cgroup_dir cpuset)/cpuset.cpus")" 0 cpus
}

@test "resources: the container is in its cgroup in every controller" {
        set_cmd 'sleep 100'
        run_d_ok c1
        pid=$(pid_of c1)
        for c in memory pids cpu cpuacct freezer devices blkio cpuset; do
                grep -E "^[0-9]+:([a-z,]*,)?$c(,[a-z]*)*:$CG\$" "/proc/$pid/cgroup" >/dev/null ||
                        { echo "$c: $(cat /proc/$pid/cgroup)" >&2; false; }
        done
}

@test "resources: the cgroup is removed on delete" {
        set_cmd 'sleep 100'
        run_d_ok c1
        [ -d "$(cgroup_dir memory)" ]
        rt delete -f c1
        nothing_left c1
}

@test "sysctl: namespaced sysctls are set" {
        config_set '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmax": "123456789"}'
        set_cmd 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "$output" $'1\n123456789'
}

@test "sysctl: a non-namespaced sysctl is refused, nothing left" {
        config_set '.linux.sysctl = {"kernel.panic": "10"}'
        before=$(cat /proc/sys/kernel/panic)
        rt_bg create --bundle "$B" c1
        [ "$status" -ne 0 ]
        one_line_error
        assert_eq "$(cat /proc/sys/kernel/panic)" "$before"
        nothing_left c1
}

@test "sysctl: a network sysctl without a network namespace is refused" {
        config_set 'del(.linux.namespaces[] | select(.type == "network")) | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
        before=$(cat /proc/sys/net/ipv4/ip_forward)
        rt_bg create --bundle "$B" c1
        [ "$status" -ne 0 ]
        assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$before"
        nothing_left c1
}

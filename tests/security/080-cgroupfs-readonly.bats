#!/usr/bin/env bats
# /sys/fs/cgroup is read-only inside (no cgroup escapes such as release_agent,
# CVE-2022-0492), with or without a cgroup mount in the config.

load ../system/helpers

@test "cgroupfs: with a cgroup mount, nothing under /sys/fs/cgroup is writable" {
        config_set '.mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
                                options: ["nosuid", "noexec", "nodev", "relatime", "ro"]}]'
        set_cmd 'mkdir /sys/fs/cgroup/memory/esc 2>/dev/null && echo MKDIR
                 echo /tmp/x > /sys/fs/cgroup/memory/release_agent 2>/dev/null && echo RELEASE
                 echo 1 > /sys/fs/cgroup/memory/notify_on_release 2>/dev/null && echo NOTIFY
                 echo 1 > /sys/fs/cgroup/pids/cgroup.procs 2>/dev/null && echo PROCS
                 echo 0 > /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null && echo LIMIT
                 awk "\$3 == \"cgroup\" || \$3 == \"cgroup2\"" /proc/self/mounts | grep -vc " ro,"; true'
        run rt_run c1
        [[ "$output" != *MKDIR* && "$output" != *RELEASE* && "$output" != *NOTIFY* ]]
        [[ "$output" != *PROCS* && "$output" != *LIMIT* ]]
        assert_eq "${lines[-1]}" 0 "rw cgroup mounts"
}

@test "cgroupfs: a cgroup mount without ro is still not writable for the container's limits" {
        config_set '.mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
                                options: ["nosuid", "noexec", "nodev"]}]
                    | .linux.resources.memory = {limit: 41943040}'
        set_cmd 'echo 0 > /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null; echo /tmp/x > /sys/fs/cgroup/memory/release_agent 2>/dev/null; true'
        run rt_run c1
        [ ! -e "$(cgroup_dir memory)" ] || assert_eq "$(cat "$(cgroup_dir memory)/memory.limit_in_bytes")" 41943040
        assert_eq "$(cat /sys/fs/cgroup/memory/release_agent)" "" "host release_agent"
}

@test "cgroupfs: without a cgroup mount, /sys is read-only and cgroupfs cannot be mounted" {
        set_cmd 'mkdir /sys/fs/cgroup/x 2>/dev/null && echo MKDIR
                 mount -t cgroup -o memory cgroup /tmp 2>/dev/null && echo MOUNTED; true'
        run rt_run c1
        [[ "$output" != *MKDIR* && "$output" != *MOUNTED* ]]
}

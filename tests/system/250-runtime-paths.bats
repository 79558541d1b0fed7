#!/usr/bin/env bats
# berth-runtime: maskedPaths, readonlyPaths, read-only root, rootfsPropagation, personality.

load helpers

@test "paths: maskedPaths hide files and directories" {
        # (this kernel has no /proc/kcore; timer_list and keys exist)
        set_cmd 'cat /proc/timer_list | wc -c; ls /sys/firmware | wc -l; cat /proc/keys | wc -c'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "${lines[0]}" 0 timer_list
        assert_eq "${lines[1]}" 0 firmware
        assert_eq "${lines[2]}" 0 keys
}

@test "paths: readonlyPaths are read-only" {
        set_cmd 'echo 1 > /proc/sys/kernel/domainname 2>/dev/null && echo WROTE-SYS;
                 echo c > /proc/sysrq-trigger 2>/dev/null && echo WROTE-SYSRQ;
                 grep " /proc/sys " /proc/self/mounts'
        run rt_run c1
        [[ "$output" != *WROTE* ]]
        assert_contains "$output" " ro,"
}

@test "paths: a masked path that does not exist is fine" {
        config_set '.linux.maskedPaths += ["/no/such/path"] | .linux.readonlyPaths += ["/no/such/other"]'
        set_args true
        run rt_run c1
        [ "$status" -eq 0 ]
}

@test "paths: root.readonly makes / read-only" {
        config_set '.root.readonly = true'
        set_cmd 'touch /x 2>&1 && echo WROTE; touch /dev/shm/ok && echo tmpfs-ok'
        run rt_run c1
        [[ "$output" != *WROTE* ]]
        assert_contains "$output" tmpfs-ok
        [ ! -e "$B/rootfs/x" ]
}

@test "paths: rootfsPropagation private and slave" {
        # The host's / is private here: make the rootfs a shared mount of its own.
        mount --bind "$B/rootfs" "$B/rootfs"
        mount --make-shared "$B/rootfs"
        config_set '.linux.rootfsPropagation = "private"'
        set_cmd 'grep -E " / " /proc/self/mountinfo'
        run rt_run c1
        [ "$status" -eq 0 ]
        [[ "$output" != *shared:* ]]
        # slave/shared are accepted (their effect on / depends on where the rootfs is mounted;
        # runc's result shows no peer group here, so only acceptance is checked).
        for p in slave rslave shared rshared; do
                config_set --arg p "$p" '.linux.rootfsPropagation = $p'
                run rt_run "c-$p"
                [ "$status" -eq 0 ] || { echo "$p: $output" >&2; false; }
        done
        # The rootfs is a peer of the host's mount: none of the container's mounts (proc,
        # /dev, ...) may have propagated back into the host's namespace.
        run awk -v r="$B/rootfs/" 'index($5, r) == 1' /proc/self/mountinfo
        [ -z "$output" ] || { echo "leaked to the host: $output" >&2; false; }
}

@test "paths: rootfsPropagation with a bogus value is refused" {
        config_set '.linux.rootfsPropagation = "sideways"'
        rt_bg create --bundle "$B" c1
        [ "$status" -ne 0 ]
        nothing_left c1
}

@test "personality: LINUX32 makes uname -m say i686" {
        is_runc && skip "runc 1.1 ignores linux.personality (supported from runc 1.2)"
        config_set '.linux.personality = {domain: "LINUX32"}'
        set_cmd 'uname -m'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "$output" i686
}

@test "personality: LINUX32 also applies to exec'd processes" {
        is_runc && skip "runc 1.1 ignores linux.personality (supported from runc 1.2)"
        config_set '.linux.personality = {domain: "LINUX32"}'
        set_cmd 'sleep 100'
        run_d_ok c1
        run rt exec c1 uname -m
        [ "$status" -eq 0 ]
        assert_eq "$output" i686
}

@test "personality: LINUX keeps x86_64" {
        config_set '.linux.personality = {domain: "LINUX"}'
        set_cmd 'uname -m'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "$output" x86_64
}

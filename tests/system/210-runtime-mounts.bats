#!/usr/bin/env bats
# berth-runtime mounts: bind (ro, rw, file), rbind, tmpfs options, proc, sysfs, devpts,
# mqueue, cgroup, propagation, the default /dev.

load helpers

add_mount() { # DEST TYPE SOURCE OPTIONS_JSON
        config_set --arg d "$1" --arg t "$2" --arg s "$3" --argjson o "$4" \
                '.mounts += [{destination: $d, type: $t, source: $s, options: $o}]'
}

@test "mounts: read-only bind" {
        mkdir "$T/host"
        echo host-data >"$T/host/f"
        add_mount /mnt bind "$T/host" '["bind", "ro"]'
        set_cmd 'cat /mnt/f; echo x > /mnt/f && echo WROTE; echo y > /mnt/new && echo WROTE'
        run rt_run c1
        assert_contains "$output" host-data
        [[ "$output" != *WROTE* ]]
        assert_eq "$(cat "$T/host/f")" host-data
        [ ! -e "$T/host/new" ]
}

@test "mounts: read-write bind and bind of a file" {
        mkdir "$T/host"
        echo one >"$T/file"
        add_mount /mnt bind "$T/host" '["bind"]'
        add_mount /etc/single bind "$T/file" '["bind", "ro"]'
        set_cmd 'echo from-container > /mnt/out; cat /etc/single'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "$output" one
        assert_eq "$(cat "$T/host/out")" from-container
}

@test "mounts: rbind carries submounts, bind does not" {
        mkdir -p "$T/host/sub"
        mount -t tmpfs tmpfs "$T/host/sub"
        echo in-sub >"$T/host/sub/f"
        add_mount /r bind "$T/host" '["rbind"]'
        add_mount /b bind "$T/host" '["bind"]'
        set_cmd 'cat /r/sub/f; ls /b/sub | wc -l'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "${lines[0]}" in-sub
        assert_eq "${lines[1]}" 0
}

@test "mounts: tmpfs with size and mode, destination created" {
        add_mount /a/b/t tmpfs tmpfs '["size=1m", "mode=0710", "nosuid", "nodev"]'
        set_cmd 'stat -c %a /a/b/t; df -k /a/b/t | tail -n 1; grep " /a/b/t " /proc/self/mounts'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "${lines[0]}" 710 mode
        read -r -a df <<<"${lines[1]}"
        assert_eq "${df[1]}" 1024 "size in kB"
        assert_contains "${lines[2]}" nosuid
        assert_contains "${lines[2]}" nodev
        [ ! -d "$B/rootfs/a/b/t" ] || [ -z "$(ls -A "$B/rootfs/a/b/t")" ]
}

@test "mounts: proc, sysfs (ro), devpts, mqueue and /dev/shm are there" {
        set_cmd 'for m in /proc /sys /dev/pts /dev/mqueue /dev/shm; do
                   awk -v m=$m "\$2 == m { print \$2, \$3, \$4 }" /proc/self/mounts; done'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_contains "${lines[0]}" "/proc proc"
        assert_contains "${lines[1]}" "/sys sysfs ro"
        assert_contains "${lines[2]}" "/dev/pts devpts"
        assert_contains "${lines[3]}" "/dev/mqueue mqueue"
        assert_contains "${lines[4]}" "/dev/shm tmpfs"
}

@test "mounts: proc shows the container's pid namespace" {
        set_cmd 'echo $$; ls /proc | grep -c "^[0-9]"'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "${lines[0]}" 1 "pid of init"
        [ "${lines[1]}" -le 3 ]
}

@test "mounts: cgroup mount, read-only, shows the container's own cgroup" {
        config_set '.mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
                                options: ["nosuid", "noexec", "nodev", "relatime", "ro"]}]'
        set_cmd 'ls /sys/fs/cgroup; cat /sys/fs/cgroup/memory/memory.limit_in_bytes; mkdir /sys/fs/cgroup/memory/x && echo MKDIR-OK'
        config_set '.linux.resources.memory = {limit: 41943040}'
        run rt_run c1
        assert_contains "$output" memory
        assert_contains "$output" pids
        assert_contains "$output" 41943040
        [[ "$output" != *MKDIR-OK* ]]
}

@test "mounts: default /dev has the standard devices and links" {
        set_cmd 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T" /dev/$d; done
                 for l in ptmx fd stdin stdout stderr; do readlink /dev/$l; done'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_contains "$output" "/dev/null character special file 1:3"
        assert_contains "$output" "/dev/zero character special file 1:5"
        assert_contains "$output" "/dev/full character special file 1:7"
        assert_contains "$output" "/dev/random character special file 1:8"
        assert_contains "$output" "/dev/urandom character special file 1:9"
        assert_contains "$output" "/dev/tty character special file 5:0"
        assert_contains "$output" "pts/ptmx"
        assert_contains "$output" "/proc/self/fd"
        assert_contains "$output" "/proc/self/fd/0"
}

@test "mounts: default devices work despite the deny-all device cgroup" {
        set_cmd 'echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "$output" $'4\n4'
}

@test "mounts: rslave bind sees mounts made later on the host, private does not" {
        mkdir -p "$T/prop"
        mount --bind "$T/prop" "$T/prop"
        mount --make-shared "$T/prop"
        add_mount /slave bind "$T/prop" '["rbind", "rslave"]'
        add_mount /private bind "$T/prop" '["rbind", "rprivate"]'
        set_cmd 'echo ready > /tmp/ready; while [ ! -e /tmp/go ]; do sleep 0.1; done
                 cat /slave/new/f 2>&1; ls /private/new | wc -l; echo done > /tmp/done; sleep 100'
        run_d_ok c1
        wait_file "$B/rootfs/tmp/ready"
        mkdir "$T/prop/new"
        mount -t tmpfs tmpfs "$T/prop/new"
        echo propagated >"$T/prop/new/f"
        touch "$B/rootfs/tmp/go"
        wait_file "$B/rootfs/tmp/done"
        run cat "$T/bg.out"
        assert_eq "${lines[0]}" propagated
        assert_eq "${lines[1]}" 0
}

@test "mounts: a mount made inside does not reach the host (rootfs is private/slave)" {
        mkdir -p "$T/shared"
        mount --bind "$T/shared" "$T/shared"
        mount --make-shared "$T/shared"
        add_mount /sh bind "$T/shared" '["rbind"]'
        set_cmd 'mkdir -p /sh/in && mount -t tmpfs none /sh/in && echo MOUNTED'
        config_set '.process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"] | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
        run rt_run c1
        assert_contains "$output" MOUNTED
        ! awk -v t="$T/shared/in" '$5 == t { f = 1 } END { exit !f }' /proc/self/mountinfo
}

@test "mounts: a relative or missing bind source is refused, nothing left" {
        add_mount /mnt bind "$T/does-not-exist" '["bind"]'
        rt_bg create --bundle "$B" c1
        [ "$status" -ne 0 ]
        one_line_error
        nothing_left c1
}

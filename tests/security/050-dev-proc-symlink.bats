#!/usr/bin/env bats
# CVE-2025-31133 / 2025-52565 / 2025-52881 family: /dev, /dev/null, /dev/pts or /proc a
# symlink (or an unexpected file) in the image: refuse or resolve inside the rootfs; the host
# is never touched.

load ../system/helpers

host_victim() {
        mkdir -p "$T/victim"
        echo untouched >"$T/victim/file"
        echo untouched >"$T/victim-file"
}
victim_intact() {
        assert_eq "$(cat "$T/victim/file")" untouched "victim file"
        assert_eq "$(cat "$T/victim-file")" untouched "victim single file"
        assert_eq "$(ls -A "$T/victim" | tr '\n' ' ')" "file " "victim dir"
        [ ! -c "$T/victim/null" ]
        if awk -v t="$T/victim" 'index($5, t) == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; then
                echo "something is mounted on the host under $T/victim" >&2
                return 1
        fi
}

@test "31133: /dev a symlink to a host directory" {
        host_victim
        rmdir "$B/rootfs/dev"
        ln -s "$T/victim" "$B/rootfs/dev"
        set_args true
        run rt_run c1
        victim_intact
}

@test "31133: /dev/null a symlink to a host file, image /dev used (no /dev tmpfs)" {
        host_victim
        config_set 'del(.mounts[] | select(.destination == "/dev" or (.destination | startswith("/dev/"))))'
        ln -s "$T/victim-file" "$B/rootfs/dev/null"
        set_cmd 'echo pwned > /dev/null; true'
        run rt_run c1
        victim_intact
}

@test "31133: /dev/null a symlink to /proc/sys/kernel/core_pattern is never bind-mounted there" {
        # A vulnerable runtime (runc 1.1.5 is) lets the container write the host's
        # core_pattern: restore it whatever happens, and write only a harmless word.
        before=$(cat /proc/sys/kernel/core_pattern)
        printf '%s\n' "$before" >"$T/core_pattern.saved"
        BERTH_CLEANUP='cat "$T/core_pattern.saved" > /proc/sys/kernel/core_pattern'
        config_set 'del(.mounts[] | select(.destination == "/dev" or (.destination | startswith("/dev/"))))'
        ln -s /proc/sys/kernel/core_pattern "$B/rootfs/dev/null"
        # maskedPaths bind /dev/null over files; a following runtime would mask the wrong thing.
        config_set '.linux.maskedPaths += ["/proc/sys/kernel/core_pattern"]'
        set_cmd 'echo berth-test-pwned > /proc/sys/kernel/core_pattern 2>/dev/null; true'
        run rt_run c1
        assert_eq "$(cat /proc/sys/kernel/core_pattern)" "$before" "host core_pattern"
}

@test "52565: /dev/pts a symlink to a host directory" {
        host_victim
        config_set 'del(.mounts[] | select(.destination == "/dev"))'
        rmdir "$B/rootfs/dev/pts" 2>/dev/null || true
        ln -s "$T/victim" "$B/rootfs/dev/pts"
        set_args true
        run rt_run c1
        victim_intact
}

@test "52881: /proc a symlink to a host directory" {
        host_victim
        rmdir "$B/rootfs/proc"
        ln -s "$T/victim" "$B/rootfs/proc"
        set_args true
        run rt_run c1
        victim_intact
}

@test "52881: /proc a symlink to /sys, write to sysctl refused" {
        rmdir "$B/rootfs/proc"
        ln -s /sys "$B/rootfs/proc"
        set_args true
        run rt_run c1
        # Whatever happened, the host's /sys and /proc are as before.
        [ -d /proc/self ]
        [ -d /sys/kernel ]
        ! awk '$5 == "/sys" && $9 == "proc" { f = 1 } END { exit !f }' /proc/self/mountinfo
}

@test "31133: /dev/console symlink with a terminal" {
        host_victim
        start_recvtty
        config_set 'del(.mounts[] | select(.destination == "/dev")) | .process.terminal = true'
        ln -s "$T/victim-file" "$B/rootfs/dev/console"
        set_args true
        rt_bg run -d --bundle "$B" --console-socket "$T/tty.sock" c1
        sleep 0.5
        victim_intact
}

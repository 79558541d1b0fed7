#!/usr/bin/env bats
# CVE-2021-30465 / 2024-45310 family: a mount destination that is a symlink in the image
# pointing at a host path must be resolved inside the rootfs (or refused); the host path
# is never mounted on or written.

load ../system/helpers

host_victim() {
        mkdir -p "$T/victim"
        echo untouched >"$T/victim/file"
}

victim_intact() {
        assert_eq "$(cat "$T/victim/file")" untouched "victim file"
        assert_eq "$(ls -A "$T/victim" | tr '\n' ' ')" "file " "victim dir"
        if awk -v t="$T/victim" '$5 == t || index($5, t "/") == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; then
                echo "something is mounted on the host's $T/victim" >&2
                return 1
        fi
}

@test "30465: absolute symlink as a tmpfs destination" {
        host_victim
        ln -s "$T/victim" "$B/rootfs/mnt"
        config_set '.mounts += [{destination: "/mnt", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]'
        set_cmd 'echo pwned > /mnt/pwned 2>/dev/null; true'
        run rt_run c1
        victim_intact
}

@test "30465: relative ../../ symlink as a bind destination" {
        host_victim
        mkdir -p "$T/src"
        echo bind-src >"$T/src/file2"
        ln -s "../../../../../../../../../../..$T/victim" "$B/rootfs/mnt"
        config_set --arg s "$T/src" '.mounts += [{destination: "/mnt", type: "bind", source: $s, options: ["bind"]}]'
        set_cmd 'echo pwned > /mnt/pwned 2>/dev/null; true'
        run rt_run c1
        victim_intact
}

@test "30465: symlink in an intermediate component of a destination" {
        host_victim
        ln -s "$T" "$B/rootfs/link"
        config_set '.mounts += [{destination: "/link/victim", type: "tmpfs", source: "tmpfs"}]'
        set_cmd 'ls /link/victim; true'
        run rt_run c1
        victim_intact
}

@test "30465: a symlinked destination swapped by another container while mounting" {
        # A sibling container shares a volume with the victim's rootfs and keeps swapping a
        # directory and a symlink to the host path; many creates must never touch the host.
        host_victim
        mkdir -p "$T/shared"
        config_set --arg s "$T/shared" '.mounts += [{destination: "/shared", type: "bind", source: $s, options: ["rbind"]}]'
        set_cmd "while :; do rm -rf /shared/d; mkdir /shared/d; rm -rf /shared/d; ln -s $T/victim /shared/d; done"
        run_d_ok swapper
        B1=$B
        B=$T/bundle2
        mkdir -p "$B"
        cp -a "$BERTH_ROOTFS_SRC" "$B/rootfs"
        base_config >"$B/config.json"
        config_set --arg cg "$CG-2" --arg s "$T/shared" '.linux.cgroupsPath = $cg
                | .mounts += [{destination: "/shared", type: "bind", source: $s, options: ["rbind"]},
                              {destination: "/shared/d", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]'
        BERTH_CLEANUP='for d in /sys/fs/cgroup/*/"${CG#/}-2"; do rmdir "$d" 2>/dev/null; done'
        set_args true
        for i in $(seq 20); do
                timeout 10 "$RUNTIME" --root "$R" run --bundle "$B" "v$i" </dev/null >/dev/null 2>&1 || true
                victim_intact
        done
}

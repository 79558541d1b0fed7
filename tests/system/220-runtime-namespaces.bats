#!/usr/bin/env bats
# berth-runtime namespaces: each created, joined by path (ip netns, another container),
# user namespaces with id mappings.

load helpers

@test "namespaces: every configured namespace is new" {
        config_set '.linux.namespaces += [{type: "cgroup"}]'
        set_cmd 'for n in pid net ipc uts mnt cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done'
        run rt_run c1
        [ "$status" -eq 0 ]
        for n in pid net ipc uts mnt cgroup; do
                inside=$(awk -v n="$n" '$1 == n { print $2 }' <<<"$output")
                [ -n "$inside" ]
                [ "$inside" != "$(readlink /proc/self/ns/$n)" ] || { echo "$n is the host's" >&2; false; }
        done
}

@test "namespaces: without a namespace entry the host's is kept" {
        config_set 'del(.linux.namespaces[] | select(.type == "ipc" or .type == "network"))'
        set_cmd 'readlink /proc/self/ns/ipc; readlink /proc/self/ns/net'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "${lines[0]}" "$(readlink /proc/self/ns/ipc)"
        assert_eq "${lines[1]}" "$(readlink /proc/self/ns/net)"
}

@test "namespaces: a new network namespace has only lo, down" {
        set_cmd 'ls /sys/class/net'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "$output" lo
}

@test "namespaces: cgroup namespace makes the own cgroup the root" {
        config_set '.linux.namespaces += [{type: "cgroup"}]'
        set_cmd 'grep memory /proc/self/cgroup'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_contains "$output" "memory:/"
        [[ "$output" != *berth-test* ]]
}

@test "namespaces: join a network namespace made by ip netns" {
        ns=berth-t-$$-$BATS_TEST_NUMBER
        netns_add "$ns"
        ip netns exec "$ns" ip link add bt0 type veth peer name bt1
        config_set --arg p "/var/run/netns/$ns" '(.linux.namespaces[] | select(.type == "network")) .path = $p'
        set_cmd 'readlink /proc/self/ns/net; ls /sys/class/net'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "${lines[0]}" "net:[$(stat -L -c %i "/var/run/netns/$ns")]"
        assert_contains "$output" bt0
}

@test "namespaces: join another container's namespaces through /proc/PID/ns" {
        config_set '.hostname = "first"'
        set_cmd 'echo shared > /dev/shm/x; sleep 100'
        run_d_ok c1
        pid=$(pid_of c1)
        B1=$B
        B=$T/bundle2
        mkdir -p "$B"
        cp -a "$BERTH_ROOTFS_SRC" "$B/rootfs"
        base_config >"$B/config.json"
        config_set --arg cg "$CG-2" --arg p "/proc/$pid/ns" 'del(.hostname) | .linux.cgroupsPath = $cg
                | .linux.namespaces = [{type: "mount"}, {type: "pid", path: "\($p)/pid"},
                  {type: "network", path: "\($p)/net"}, {type: "ipc", path: "\($p)/ipc"},
                  {type: "uts", path: "\($p)/uts"}]'
        BERTH_CLEANUP='for d in /sys/fs/cgroup/*/"${CG#/}-2"; do rmdir "$d" 2>/dev/null; done'
        set_cmd 'hostname; ps -o comm | grep -c sleep; for n in pid net ipc uts; do readlink /proc/self/ns/$n; done'
        run rt_run c2
        [ "$status" -eq 0 ]
        assert_eq "${lines[0]}" first hostname
        assert_eq "${lines[1]}" 1 "sleep of c1 visible"
        i=2
        for n in pid net ipc uts; do
                assert_eq "${lines[$i]}" "$(readlink "/proc/$pid/ns/$n")" "$n"
                i=$((i + 1))
        done
}

# bg_ns_holder UNSHARE-FLAGS...: a sleeping process in new namespaces (killed by teardown);
# prints its pid once its namespaces exist.
bg_ns_holder() {
        unshare "$@" sleep 1000 </dev/null >/dev/null 2>&1 &
        local p=$! i
        echo "$p" >>"$T/.bgpids"
        for i in $(seq 50); do
                [ "$(readlink /proc/$p/ns/uts)" != "$(readlink /proc/self/ns/uts)" ] ||
                        [ "$(readlink /proc/$p/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] && break
                sleep 0.05
        done
        echo "$p"
}

@test "namespaces: a joined uts namespace takes the config's hostname" {
        pid=$(bg_ns_holder --uts)
        config_set --arg p "/proc/$pid/ns/uts" '.hostname = "joined"
                | (.linux.namespaces[] | select(.type == "uts")) .path = $p'
        set_cmd 'hostname; readlink /proc/self/ns/uts'
        run rt_run c1
        [ "$status" -eq 0 ] || { echo "$output" >&2; false; }
        assert_eq "${lines[0]}" joined hostname
        assert_eq "${lines[1]}" "$(readlink "/proc/$pid/ns/uts")" "uts namespace"
        assert_eq "$(nsenter -t "$pid" -u hostname)" joined "hostname seen by the holder"
        [ "$(hostname)" != joined ]
}

@test "namespaces: join a mount namespace by path; the rootfs is prepared inside it" {
        pid=$(bg_ns_holder --mount --propagation private)
        config_set --arg p "/proc/$pid/ns/mnt" '(.linux.namespaces[] | select(.type == "mount")) .path = $p'
        set_cmd 'readlink /proc/self/ns/mnt; ls /proc/self/ns >/dev/null && echo proc-ok; cat /etc/passwd | head -n 1'
        run rt_run c1
        [ "$status" -eq 0 ] || { echo "$output" >&2; false; }
        assert_eq "${lines[0]}" "$(readlink "/proc/$pid/ns/mnt")" "mount namespace"
        assert_eq "${lines[1]}" proc-ok
        assert_contains "${lines[2]}" root
        # Nothing reached the host's mount table.
        run awk -v r="$B/rootfs" 'index($5, r) == 1' /proc/self/mountinfo
        [ -z "$output" ]
}

@test "namespaces: a config without a mount namespace is refused, nothing left" {
        config_set 'del(.linux.namespaces[] | select(.type == "mount"))'
        rt_bg create --bundle "$B" c1
        [ "$status" -ne 0 ]
        one_line_error
        assert_contains "$output" "mount namespace"
        nothing_left c1
}

@test "namespaces: a path of the wrong type is refused, nothing left" {
        config_set '(.linux.namespaces[] | select(.type == "network")) .path = "/proc/self/ns/ipc"'
        rt_bg create --bundle "$B" c1
        [ "$status" -ne 0 ]
        one_line_error
        nothing_left c1
}

@test "namespaces: a path that does not exist is refused, nothing left" {
        config_set '(.linux.namespaces[] | select(.type == "network")) .path = "/var/run/netns/no-such-berth-ns"'
        rt_bg create --bundle "$B" c1
        [ "$status" -ne 0 ]
        one_line_error
        nothing_left c1
}

@test "namespaces: user namespace with uid and gid mappings" {
        open_path_to_bundle
        config_set '.linux.namespaces += [{type: "user"}]
                | .linux.uidMappings = [{containerID: 0, hostID: 200000, size: 65536}]
                | .linux.gidMappings = [{containerID: 0, hostID: 300000, size: 65536}]'
        set_cmd 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; stat -c %u /bin/busybox; sleep 100'
        run_d_ok c1
        pid=$(pid_of c1)
        for i in $(seq 50); do [ "$(grep -c . "$T/bg.out")" -ge 5 ] && break; sleep 0.1; done
        run cat "$T/bg.out"
        read -r -a m <<<"${lines[0]}"
        assert_eq "${m[*]}" "0 200000 65536" uid_map
        read -r -a m <<<"${lines[1]}"
        assert_eq "${m[*]}" "0 300000 65536" gid_map
        assert_eq "${lines[2]}" 0 "uid inside"
        assert_eq "${lines[3]}" 0 "gid inside"
        assert_eq "${lines[4]}" 65534 "unmapped host root shows as overflow uid"
        read -r -a u <<<"$(grep ^Uid: "/proc/$pid/status")"
        assert_eq "${u[1]}" 200000 "host uid"
        read -r -a g <<<"$(grep ^Gid: "/proc/$pid/status")"
        assert_eq "${g[1]}" 300000 "host gid"
}

@test "namespaces: user namespace without mappings is refused" {
        config_set '.linux.namespaces += [{type: "user"}]'
        rt_bg create --bundle "$B" c1
        [ "$status" -ne 0 ]
        nothing_left c1
}

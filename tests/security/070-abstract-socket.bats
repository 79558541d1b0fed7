#!/usr/bin/env bats
# CVE-2020-15257: the runtime never listens on abstract unix sockets (reachable from any
# process in the host network namespace, which --net=host containers share).

load ../system/helpers

# abstract_of_runtime: '@' sockets in the host netns owned by a process running $RUNTIME.
abstract_of_runtime() {
        local rt_real pids p inodes ino
        rt_real=$(readlink -f "$RUNTIME")
        pids=""
        for p in /proc/[0-9]*; do
                [ "$(readlink "$p/exe" 2>/dev/null)" = "$rt_real" ] && pids="$pids ${p#/proc/}"
                case "$(readlink "$p/exe" 2>/dev/null)" in *memfd:*) pids="$pids ${p#/proc/}" ;; esac
        done
        for p in $pids; do
                for f in /proc/$p/fd/*; do
                        case "$(readlink "$f" 2>/dev/null)" in socket:\[*) echo "$(readlink "$f" | tr -dc 0-9)" ;; esac
                done
        done | sort -u >"$T/inodes"
        awk 'NR > 1 && $8 ~ /^@/ { print $7, $8 }' /proc/net/unix | while read -r ino name; do
                grep -qx "$ino" "$T/inodes" && echo "$name"
        done
        return 0
}

@test "15257: no abstract unix socket of the runtime during create, run and exec" {
        set_cmd 'sleep 100'
        found=""
        rt_bg create --bundle "$B" c1 &
        for i in $(seq 20); do found="$found$(abstract_of_runtime)"; sleep 0.05; done
        wait
        rt start c1
        set_cmd 'sleep 2'
        config_set --arg cg "$CG-2" '.linux.cgroupsPath = $cg | del(.linux.namespaces[] | select(.type == "network"))'
        BERTH_CLEANUP='for d in /sys/fs/cgroup/*/"${CG#/}-2"; do rmdir "$d" 2>/dev/null; done'
        (timeout 20 "$RUNTIME" --root "$R" run --bundle "$B" c2 </dev/null >/dev/null 2>&1) &
        (timeout 20 "$RUNTIME" --root "$R" exec c1 sleep 1 </dev/null >/dev/null 2>&1) &
        for i in $(seq 20); do found="$found$(abstract_of_runtime)"; sleep 0.05; done
        wait
        [ -z "$found" ] || { echo "abstract sockets: $found" >&2; false; }
}

@test "15257: no abstract unix socket inside the container's network namespace" {
        set_cmd 'grep -c " @" /proc/net/unix; true'
        run rt_run c1
        assert_eq "$output" 0
}

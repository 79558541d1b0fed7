#!/usr/bin/env bats
# CVE-2019-5736: a container must not be able to overwrite the runtime binary through
# /proc/<pid>/exe.  The runtime under test is a private copy in the test's dir, so a
# vulnerable runtime corrupts only that copy.

load ../system/helpers

private_runtime() {
        mkdir -p "$T/rtbin"
        cp "$RUNTIME" "$T/rtbin/"
        RUNTIME=$T/rtbin/$(basename "$RUNTIME")
        sha256sum "$RUNTIME" | cut -d' ' -f1 >"$T/rt.sha"
}

@test "5736: /proc/<init>/exe of a created container is not the runtime's file on disk" {
        private_runtime
        set_cmd 'sleep 100'
        create_ok c1
        pid=$(pid_of c1)
        exe=$(readlink "/proc/$pid/exe")
        # Before start the init is either still the runtime or already the process; the
        # runtime may appear only as a memfd or a deleted/read-only copy, never as $RUNTIME.
        [ "$exe" != "$RUNTIME" ] || { echo "init exe is the runtime binary itself: $exe" >&2; false; }
        # And that file cannot be opened for writing even by host root.
        if ! (echo x >>"/proc/$pid/exe") 2>/dev/null; then :; else
                echo "opened /proc/$pid/exe for writing" >&2
                false
        fi
        assert_eq "$(sha256sum "$RUNTIME" | cut -d' ' -f1)" "$(cat "$T/rt.sha")" "runtime hash"
}

@test "5736: a process in the container cannot write the exe of a created container's init" {
        private_runtime
        set_cmd 'sleep 100'
        create_ok c1
        pid=$(pid_of c1)
        # An attacker container in the same pid namespace, with CAP_SYS_PTRACE (its best case).
        B1=$B
        B=$T/bundle2
        mkdir -p "$B"
        cp -a "$BERTH_ROOTFS_SRC" "$B/rootfs"
        base_config >"$B/config.json"
        config_set --arg cg "$CG-2" --arg p "/proc/$pid/ns/pid" '.linux.cgroupsPath = $cg
                | (.linux.namespaces[] | select(.type == "pid")) .path = $p
                | .process.capabilities[] += ["CAP_SYS_PTRACE"]'
        BERTH_CLEANUP='for d in /sys/fs/cgroup/*/"${CG#/}-2"; do rmdir "$d" 2>/dev/null; done'
        set_cmd 'echo PWNED >> /proc/1/exe && echo WROTE-EXE; exec 3</proc/1/exe && echo PWNED >> /proc/self/fd/3 && echo WROTE-FD; true'
        run rt_run c2
        [[ "$output" != *WROTE* ]]
        assert_eq "$(sha256sum "$RUNTIME" | cut -d' ' -f1)" "$(cat "$T/rt.sha")" "runtime hash"
}

@test "5736: #!/proc/self/exe exec'd into the container cannot overwrite the runtime" {
        private_runtime
        printf '#!/proc/self/exe\n' >"$B/rootfs/bin/evil"
        chmod 755 "$B/rootfs/bin/evil"
        # The init watches for new processes, opens their exe and keeps trying to write it
        # through /proc/self/fd after they exit (the original exploit).
        set_cmd 'echo ready > /tmp/ready
          end=$(( $(date +%s) + 12 ))
          while [ $(date +%s) -lt $end ]; do
            for p in /proc/[0-9]*; do
              n=${p#/proc/}
              [ "$n" = 1 ] || [ "$n" = "$$" ] || [ -e /tmp/seen-$n ] && continue
              : > /tmp/seen-$n
              ( exec 3< /proc/$n/exe || exit 0
                echo "$n $(readlink /proc/$n/exe)" >> /tmp/opened
                k=0; while [ $k -lt 60 ]; do
                  if echo PWNED >> /proc/self/fd/3; then echo "$n" >> /tmp/wrote; exit 0; fi
                  k=$((k+1)); sleep 0.05; done ) 2>/dev/null &
            done
          done; wait; echo finished > /tmp/finished; sleep 100'
        run_d_ok c1
        wait_file "$B/rootfs/tmp/ready"
        for i in 1 2 3 4 5; do
                timeout 10 "$RUNTIME" --root "$R" exec c1 /bin/evil </dev/null >/dev/null 2>&1 || true
                sleep 0.3
        done
        wait_file "$B/rootfs/tmp/finished" 200
        cat "$B/rootfs/tmp/opened" 2>/dev/null >&2 || true
        [ ! -e "$B/rootfs/tmp/wrote" ] || { echo "container wrote: $(cat "$B/rootfs/tmp/wrote")" >&2; false; }
        assert_eq "$(sha256sum "$RUNTIME" | cut -d' ' -f1)" "$(cat "$T/rt.sha")" "runtime hash"
}

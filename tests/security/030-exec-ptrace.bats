#!/usr/bin/env bats
# CVE-2016-9962: while exec joins a running container, its process must not be
# inspectable by the container's processes (non-dumpable until the user program runs),
# and nothing of the host (fds, paths, environment) can be taken from it.

load ../system/helpers

@test "9962: container processes cannot read fds or environment of a joining exec" {
        # The runtime is run with a host file open on fd 5 and a marker in its environment;
        # the init scans /proc for processes that entered from outside (PPid 0) and records
        # whatever of that it can see.  A joining runtime must be non-dumpable until it
        # execs, and must not pass fd 5 or its environment on.
        echo secret >"$T/hostsecret"
        set_cmd 'echo ready > /tmp/ready
          end=$(( $(date +%s) + 10 ))
          while [ $(date +%s) -lt $end ]; do
            for p in /proc/[0-9]*; do
              [ "${p#/proc/}" = 1 ] && continue
              grep -q "^PPid:.0$" $p/status 2>/dev/null || continue
              for f in $p/fd/*; do
                case "$(readlink $f 2>/dev/null)" in *hostsecret*) echo "${p#/proc/} $f" >> /tmp/leak ;; esac
              done
              tr "\0" "\n" < $p/environ 2>/dev/null | grep -q BERTH_HOST_SECRET && echo "${p#/proc/} environ" >> /tmp/leak
            done
          done; echo finished > /tmp/finished; sleep 100'
        run_d_ok c1
        wait_file "$B/rootfs/tmp/ready"
        for i in $(seq 15); do
                BERTH_HOST_SECRET=1 timeout 10 "$RUNTIME" --root "$R" exec c1 sleep 0.2 \
                        </dev/null >/dev/null 2>&1 5<"$T/hostsecret" || true
        done
        wait_file "$B/rootfs/tmp/finished" 200
        [ ! -e "$B/rootfs/tmp/leak" ] || { sort -u "$B/rootfs/tmp/leak" >&2; false; }
}

@test "9962: the exec'd process starts untraced and with the container's caps only" {
        set_cmd 'sleep 100'
        run_d_ok c1
        run rt exec c1 grep -E '^(TracerPid|CapEff|CapInh|CapAmb)' /proc/self/status
        [ "$status" -eq 0 ]
        assert_contains "$output" "TracerPid:	0"
        assert_contains "$output" "CapEff:	00000000a80425fb"
        assert_contains "$output" "CapInh:	0000000000000000"
        assert_contains "$output" "CapAmb:	0000000000000000"
}

#!/usr/bin/env bats
# berth-runtime kill: signal names, numbers, the default, --all, bad signals.

load helpers

# The init traps the signal (an init gets only signals it handles) and records it.
trap_init() {
        set_cmd 'for s in TERM USR1 HUP; do trap "echo $s > /tmp/got; exit 0" $s; done
                 echo ready > /tmp/ready; while :; do sleep 0.1; done'
        run_d_ok c1
        wait_file "$B/rootfs/tmp/ready"
}

@test "kill: by name without SIG" {
        trap_init
        run rt kill c1 USR1
        [ "$status" -eq 0 ]
        wait_file "$B/rootfs/tmp/got"
        assert_eq "$(cat "$B/rootfs/tmp/got")" USR1
}

@test "kill: by name with SIG" {
        trap_init
        rt kill c1 SIGHUP
        wait_file "$B/rootfs/tmp/got"
        assert_eq "$(cat "$B/rootfs/tmp/got")" HUP
}

@test "kill: by number" {
        trap_init
        rt kill c1 10
        wait_file "$B/rootfs/tmp/got"
        assert_eq "$(cat "$B/rootfs/tmp/got")" USR1
}

@test "kill: the default signal is TERM" {
        trap_init
        rt kill c1
        wait_file "$B/rootfs/tmp/got"
        assert_eq "$(cat "$B/rootfs/tmp/got")" TERM
        wait_status c1 stopped
}

@test "kill: KILL stops a created container" {
        set_cmd 'sleep 100'
        create_ok c1
        run rt kill c1 KILL
        [ "$status" -eq 0 ]
        wait_status c1 stopped
}

@test "kill: --all kills every process of the container" {
        set_cmd 'sleep 100 & sleep 100 & echo ready > /tmp/ready; wait'
        run_d_ok c1
        wait_file "$B/rootfs/tmp/ready"
        [ "$(wc -l <"$(cgroup_dir pids)/cgroup.procs")" -ge 3 ]
        run rt kill --all c1 KILL
        [ "$status" -eq 0 ]
        wait_status c1 stopped
        for i in $(seq 50); do
                [ -z "$(cat "$(cgroup_dir pids)/cgroup.procs" 2>/dev/null)" ] && break
                sleep 0.1
        done
        [ -z "$(cat "$(cgroup_dir pids)/cgroup.procs" 2>/dev/null)" ]
}

@test "kill: a bad signal name is refused with one line and the container survives" {
        set_cmd 'sleep 100'
        run_d_ok c1
        run rt kill c1 SIGNOPE
        [ "$status" -ne 0 ]
        one_line_error
        assert_eq "$(state_of c1)" running
}

@test "kill: an out-of-range signal number is refused" {
        set_cmd 'sleep 100'
        run_d_ok c1
        run rt kill c1 999
        [ "$status" -ne 0 ]
        one_line_error
        assert_eq "$(state_of c1)" running
}

@test "kill: an unknown container fails" {
        run rt kill nosuch KILL
        [ "$status" -ne 0 ]
        one_line_error
}

@test "kill: a stopped container cannot be signalled" {
        set_args true
        run_d_ok c1
        wait_status c1 stopped
        run rt kill c1 KILL
        [ "$status" -ne 0 ]
}

@test "kill: a trapped signal interrupts 'wait' in the init, which then exits (runtime-tools killsig)" {
        for sig in TERM USR1 USR2; do
                set_cmd "trap 'touch /tmp/$sig' $sig; sleep 10 & wait \$!"
                run_d_ok "k-$sig"
                wait_status "k-$sig" running
                sleep 0.2
                rt kill "k-$sig" "$sig"
                wait_status "k-$sig" stopped 50
                [ -e "$B/rootfs/tmp/$sig" ]
                rt delete "k-$sig"
        done
}

#!/usr/bin/env bats
# berth-runtime lifecycle: create/start/state/delete, run (foreground, --detach, --keep),
# exit codes including 128+signal.

load helpers

@test "lifecycle: create -> created, start -> running, kill -> stopped, delete -> gone" {
        set_cmd 'sleep 100'
        create_ok c1
        run state_of c1
        assert_eq "$output" created
        pid=$(pid_of c1)
        [ "$pid" -gt 1 ]
        [ -d "/proc/$pid" ]
        run rt start c1
        [ "$status" -eq 0 ]
        wait_status c1 running
        run rt state c1
        [ "$status" -eq 0 ]
        assert_eq "$(jq -r .id <<<"$output")" c1 id
        assert_eq "$(jq -r .bundle <<<"$output")" "$B" bundle
        assert_eq "$(jq -r .pid <<<"$output")" "$pid" pid
        [ -n "$(jq -r .ociVersion <<<"$output")" ]
        run rt kill c1 KILL
        [ "$status" -eq 0 ]
        wait_status c1 stopped
        run rt delete c1
        [ "$status" -eq 0 ]
        nothing_left c1
}

@test "lifecycle: the process starts only at start" {
        set_cmd 'echo started > /tmp/marker; sleep 100'
        create_ok c1
        sleep 0.3
        [ ! -e "$B/rootfs/tmp/marker" ]
        rt start c1
        wait_file "$B/rootfs/tmp/marker"
}

@test "lifecycle: start twice fails the second time" {
        set_cmd 'sleep 100'
        create_ok c1
        rt start c1
        run rt start c1
        [ "$status" -ne 0 ]
        one_line_error
}

@test "lifecycle: a process that exits makes the container stopped" {
        set_args true
        create_ok c1
        rt start c1
        wait_status c1 stopped
        run rt delete c1
        [ "$status" -eq 0 ]
        nothing_left c1
}

@test "lifecycle: delete of a running container without -f fails, with -f works" {
        set_cmd 'sleep 100'
        run_d_ok c1
        wait_status c1 running
        run rt delete c1
        [ "$status" -ne 0 ]
        assert_eq "$(state_of c1)" running
        run rt delete -f c1
        [ "$status" -eq 0 ]
        nothing_left c1
}

@test "lifecycle: delete -f of a created container" {
        set_cmd 'sleep 100'
        create_ok c1
        pid=$(pid_of c1)
        run rt delete -f c1
        [ "$status" -eq 0 ]
        sleep 0.2
        [ ! -d "/proc/$pid" ] || ! grep -q . "/proc/$pid/cmdline"
        nothing_left c1
}

@test "lifecycle: run in the foreground prints output and returns the exit code" {
        set_cmd 'echo hello-from-container; exit 7'
        run rt_run c1
        [ "$status" -eq 7 ]
        assert_contains "$output" hello-from-container
        nothing_left c1
}

@test "lifecycle: run exit code 0 and the container is deleted afterwards" {
        set_args true
        run rt_run c1
        [ "$status" -eq 0 ]
        nothing_left c1
}

@test "lifecycle: a process killed by a signal gives 128+signal" {
        # Without a pid namespace sh is not an init, so it can kill itself.
        config_set 'del(.linux.namespaces[] | select(.type == "pid"))'
        set_cmd 'kill -TERM $$; sleep 5'
        run rt_run c1
        [ "$status" -eq 143 ]
        set_cmd 'kill -KILL $$; sleep 5'
        run rt_run c2
        [ "$status" -eq 137 ]
}

@test "lifecycle: run --keep leaves a stopped container" {
        is_runc && ! rt run --help 2>&1 | grep -q -- --keep && skip "runc $(runc --version | head -1 | cut -d' ' -f3) has no run --keep"
        set_args true
        run rt_run c1 --keep
        [ "$status" -eq 0 ]
        assert_eq "$(state_of c1)" stopped
        rt delete c1
        nothing_left c1
}

@test "lifecycle: run --detach returns while the container runs" {
        set_cmd 'sleep 100'
        run_d_ok c1
        assert_eq "$(state_of c1)" running
        rt kill c1 KILL
        wait_status c1 stopped
        rt delete c1
}

@test "lifecycle: --pid-file is written with the init pid" {
        set_cmd 'sleep 100'
        create_ok c1 --pid-file "$T/pidfile"
        [ "$(cat "$T/pidfile")" = "$(pid_of c1)" ]
}

@test "lifecycle: state of an unknown container fails with one line" {
        run rt state nosuch
        [ "$status" -ne 0 ]
        one_line_error
}

@test "lifecycle: two containers from one bundle" {
        set_cmd 'sleep 100'
        create_ok c1
        config_set --arg cg "$CG-2" '.linux.cgroupsPath=$cg'
        BERTH_CLEANUP='for d in /sys/fs/cgroup/*/"${CG#/}-2"; do rmdir "$d" 2>/dev/null; done'
        create_ok c2
        run rt list -q
        assert_eq "$(echo "$output" | sort | tr '\n' ' ')" "c1 c2 "
        rt delete -f c1
        rt delete -f c2
}

@test "lifecycle: an execve failure at start is reported by start, non-zero" {
        # Executable for the PATH lookup at create, but not a format the kernel runs.
        printf 'garbage\n' >"$B/rootfs/bin/notexe"
        chmod 755 "$B/rootfs/bin/notexe"
        set_args /bin/notexe
        create_ok c1
        run rt start c1
        [ "$status" -ne 0 ]
        one_line_error
        assert_contains "$output" notexe
        wait_status c1 stopped
}

@test "lifecycle: start is quick and leaves no start socket behind" {
        set_args sleep 100
        create_ok c1
        [ -S "$R/c1/start.sock" ]
        run rt start c1
        [ "$status" -eq 0 ]
        [ ! -e "$R/c1/start.sock" ]
        assert_eq "$(state_of c1)" running
}

@test "lifecycle: a config without process creates, start fails with one line, run refuses" {
        config_set 'del(.process)'
        create_ok c1
        assert_eq "$(state_of c1)" created
        run rt start c1
        [ "$status" -ne 0 ]
        one_line_error
        assert_contains "$output" process
        wait_status c1 stopped
        rt delete c1
        run rt_run c2
        [ "$status" -ne 0 ]
        assert_contains "$output" process
        nothing_left c2
}

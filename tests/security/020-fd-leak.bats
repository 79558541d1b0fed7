#!/usr/bin/env bats
# CVE-2024-21626: no fd of the runtime reaches the container, and a cwd through a leaked
# /proc/self/fd/N cannot put the process outside the container's root.

load ../system/helpers

# fds_of PID: the fd numbers of a process, seen from the host (no shell inside to add its own).
fds_of() { ls "/proc/$1/fd" | sort -n | tr '\n' ' '; }

@test "21626: run: only fds 0, 1 and 2 in the container" {
        set_args sleep 100
        exec 7</dev/null 8>"$T/somefile"
        rt_bg run -d --bundle "$B" c1
        exec 7<&- 8>&-
        [ "$status" -eq 0 ]
        assert_eq "$(fds_of "$(pid_of c1)")" "0 1 2 " fds
}

@test "21626: exec: only fds 0, 1 and 2 in the exec'd process" {
        set_args sleep 100
        run_d_ok c1
        exec 7</dev/null
        rt_bg exec -d --pid-file "$T/exec.pid" c1 sleep 100
        exec 7<&-
        [ "$status" -eq 0 ]
        assert_eq "$(fds_of "$(cat "$T/exec.pid")")" "0 1 2 " fds
}

@test "21626: --preserve-fds passes exactly the preserved fds" {
        set_args sleep 100
        echo preserved-data >"$T/p"
        status=0
        bash -c "exec 3<'$T/p' 4</dev/null; timeout 20 '$RUNTIME' --root '$R' run -d --preserve-fds 1 --bundle '$B' c1 </dev/null >/dev/null 2>&1" || status=$?
        [ "$status" -eq 0 ]
        pid=$(pid_of c1)
        assert_eq "$(fds_of "$pid")" "0 1 2 3 " fds
        assert_eq "$(readlink "/proc/$pid/fd/3")" "$T/p" "fd 3"
}

# The process's cwd must be inside the container's root: readlink of the cwd names a
# directory that exists inside with the same device:inode.
cwd_check='c=$(readlink /proc/self/cwd); echo "cwd=$c"
  [ "$(stat -c %d:%i .)" = "$(stat -c %d:%i "$c" 2>/dev/null)" ] && echo INSIDE || echo OUTSIDE'

@test "21626: process.cwd /proc/self/fd/N is refused or stays inside the container" {
        for n in 3 4 5 6 7 8 9 10; do
                config_set --arg c "/proc/self/fd/$n" '.process.cwd = $c'
                set_cmd "$cwd_check"
                run rt_run "c$n"
                [[ "$output" != *OUTSIDE* ]] || { echo "fd $n: $output" >&2; false; }
                [ "$status" -ne 0 ] || assert_contains "$output" INSIDE
        done
}

@test "21626: exec --cwd /proc/self/fd/N is refused or stays inside the container" {
        set_cmd 'sleep 100'
        run_d_ok c1
        for n in 3 4 5 6 7 8 9 10; do
                run rt exec --cwd "/proc/self/fd/$n" c1 sh -c "$cwd_check"
                [[ "$output" != *OUTSIDE* ]] || { echo "fd $n: $output" >&2; false; }
                [ "$status" -ne 0 ] || assert_contains "$output" INSIDE
        done
}

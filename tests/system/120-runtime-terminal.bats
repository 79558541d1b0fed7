#!/usr/bin/env bats
# berth-runtime terminal: process.terminal with --console-socket.

load helpers

@test "terminal: run --detach with a console socket gets a pty" {
        start_recvtty
        config_set '.process.terminal = true'
        set_cmd 'tty; test -t 0 && test -t 1 && echo all-tty; stty size'
        run_d_ok t1 --console-socket "$T/tty.sock"
        wait_recvtty
        out=$(tr -d '\r' <"$T/tty.out")
        assert_contains "$out" /dev/pts/0
        assert_contains "$out" all-tty
}

@test "terminal: create + start with a console socket" {
        start_recvtty
        config_set '.process.terminal = true | .process.consoleSize = {height: 30, width: 100}'
        set_cmd 'stty size; echo done'
        create_ok t1 --console-socket "$T/tty.sock"
        rt start t1
        wait_recvtty
        out=$(tr -d '\r' <"$T/tty.out")
        assert_contains "$out" done
        assert_contains "$out" "30 100"
}

@test "terminal: the pty is owned by the process user with the devpts gid" {
        start_recvtty
        # As runc: the uid becomes the process user's, the group stays devpts' gid= (tty).
        config_set '.process.terminal = true | .process.user = {uid: 1000, gid: 1000}
                | (.mounts[] | select(.destination == "/dev/pts")) .options += ["gid=5"]'
        set_cmd 'ls -ln $(tty) | awk "{print \$3, \$4}"'
        run_d_ok t1 --console-socket "$T/tty.sock"
        wait_recvtty
        assert_eq "$(tr -d '\r' <"$T/tty.out" | tail -n 1)" "1000 5" "pty owner and group"
}

@test "terminal: terminal=true without --console-socket is refused for create" {
        config_set '.process.terminal = true'
        set_cmd 'sleep 100'
        rt_bg create --bundle "$B" t1
        [ "$status" -ne 0 ]
        one_line_error
        nothing_left t1
}

@test "terminal: --console-socket with terminal=false is refused" {
        berth_find_recvtty
        set_cmd 'sleep 100'
        rt_bg create --bundle "$B" --console-socket "$T/none.sock" t1
        [ "$status" -ne 0 ]
        one_line_error
        assert_contains "$output" "console-socket"
        assert_contains "$output" "terminal"
        nothing_left t1
}

@test "terminal: exec --console-socket without --tty is refused" {
        set_cmd 'sleep 100'
        run_d_ok t1
        run rt exec --console-socket "$T/none.sock" t1 true
        [ "$status" -ne 0 ]
        one_line_error
        assert_contains "$output" "console-socket"
}

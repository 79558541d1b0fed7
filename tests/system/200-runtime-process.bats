#!/usr/bin/env bats
# berth-runtime: the process section of config.json and hostname/domainname.

load helpers

@test "process: env and cwd" {
        config_set '.process.env = ["PATH=/bin", "A=1", "B=two words"] | .process.cwd = "/etc"'
        set_cmd 'echo "$A|$B"; pwd; env | grep -c .'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "${lines[0]}" "1|two words"
        assert_eq "${lines[1]}" /etc
}

@test "process: a cwd that does not exist is created" {
        config_set '.process.cwd = "/new/dir"'
        set_cmd pwd
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "$output" /new/dir
}

@test "process: a missing cwd is made 0755, owned by root, even for another user" {
        config_set '.process.cwd = "/made/here" | .process.user = {uid: 1000, gid: 1000}'
        set_cmd 'pwd; stat -c "%a %u %g" /made/here /made'
        run rt_run c1
        [ "$status" -eq 0 ] || { echo "$output" >&2; false; }
        assert_eq "${lines[0]}" /made/here
        assert_eq "${lines[1]}" "755 0 0" "cwd mode and owner"
        assert_eq "${lines[2]}" "755 0 0" "parent mode and owner"
}

@test "process: a missing cwd behind a symlink is made inside the rootfs, never on the host" {
        mkdir -p "$T/hostdir"
        ln -s "$T/hostdir" "$B/rootfs/lnk"
        config_set '.process.cwd = "/lnk/new"'
        set_cmd 'stat -c %i .'
        run rt_run c1
        [ "$status" -eq 0 ] || { echo "$output" >&2; false; }
        [ ! -e "$T/hostdir/new" ]
        [ -d "$B/rootfs$T/hostdir/new" ]
        assert_eq "$output" "$(stat -c %i "$B/rootfs$T/hostdir/new")" "cwd inode"
}

@test "process: a missing cwd under /proc/self/fd/N is never made outside the container" {
        for n in 3 4 5 6 7 8 9; do
                config_set --arg c "/proc/self/fd/$n/berth-escape-$$" '.process.cwd = $c'
                set_cmd pwd
                run rt_run "c$n"
                # Refused, or made inside the rootfs (a magic link read as a path in the root).
                [ "$status" -ne 0 ] || [ -d "$B/rootfs/$output" ] ||
                        { echo "fd $n: cwd '$output' not in the rootfs" >&2; false; }
        done
        run find / -xdev -maxdepth 4 -name "berth-escape-$$" -not -path "$B/rootfs/*"
        [ -z "$output" ] || { echo "made on the host: $output" >&2; false; }
}

@test "process: user uid, gid, additionalGids, umask" {
        config_set '.process.user = {uid: 1000, gid: 1001, additionalGids: [7, 8], umask: 63}'
        set_cmd 'id -u; id -g; id -G; umask; touch /tmp/f; stat -c %a /tmp/f'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "${lines[0]}" 1000 uid
        assert_eq "${lines[1]}" 1001 gid
        assert_eq "$(tr ' ' '\n' <<<"${lines[2]}" | sort -n | tr '\n' ' ')" "7 8 1001 " groups
        assert_eq "${lines[3]}" 0077 umask
        assert_eq "${lines[4]}" 600 "file mode"
}

@test "process: a non-root user has no effective capabilities" {
        config_set '.process.user = {uid: 1000, gid: 1000}'
        set_cmd 'grep -E "^Cap(Eff|Prm)" /proc/self/status'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_contains "$output" "CapEff:	0000000000000000"
}

@test "process: capabilities are exactly the configured sets" {
        config_set '.process.capabilities = {bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
                effective: ["CAP_CHOWN", "CAP_KILL"], permitted: ["CAP_CHOWN", "CAP_KILL"],
                inheritable: [], ambient: []}'
        set_cmd 'grep ^Cap /proc/self/status'
        run rt_run c1
        [ "$status" -eq 0 ]
        # CHOWN=0, KILL=5, NET_BIND_SERVICE=10
        assert_contains "$output" "CapInh:	0000000000000000"
        assert_contains "$output" "CapPrm:	0000000000000021"
        assert_contains "$output" "CapEff:	0000000000000021"
        assert_contains "$output" "CapBnd:	0000000000000421"
        assert_contains "$output" "CapAmb:	0000000000000000"
}

@test "process: ambient capabilities reach a non-root user" {
        config_set '.process.user = {uid: 1000, gid: 1000} | .process.noNewPrivileges = true
                | .process.capabilities = {bounding: ["CAP_NET_BIND_SERVICE"], effective: ["CAP_NET_BIND_SERVICE"],
                  permitted: ["CAP_NET_BIND_SERVICE"], inheritable: ["CAP_NET_BIND_SERVICE"],
                  ambient: ["CAP_NET_BIND_SERVICE"]}'
        set_cmd 'grep -E "^Cap(Eff|Amb)" /proc/self/status'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_contains "$output" "CapEff:	0000000000000400"
        assert_contains "$output" "CapAmb:	0000000000000400"
}

@test "process: an unknown capability is refused" {
        is_runc && skip "runc 1.1 only warns about unknown capabilities; the OCI spec says MUST error"
        config_set '.process.capabilities.bounding += ["CAP_NO_SUCH_THING"]'
        rt_bg create --bundle "$B" c1
        [ "$status" -ne 0 ]
        nothing_left c1
}

@test "process: rlimits" {
        config_set '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 123, hard: 456},
                                        {type: "RLIMIT_NPROC", soft: 77, hard: 77}]'
        set_cmd 'ulimit -n; ulimit -Hn; ulimit -u'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "${lines[0]}" 123 soft
        assert_eq "${lines[1]}" 456 hard
        assert_eq "${lines[2]}" 77 nproc
}

@test "process: an rlimit above the host hard limit is refused cleanly (no CAP_SYS_RESOURCE)" {
        hard=$(ulimit -Hn)
        [ "$hard" = unlimited ] && skip "host NOFILE hard limit is unlimited"
        grep -q 'cap_sys_resource' <(capsh --print 2>/dev/null | grep Bounding) && skip "CAP_SYS_RESOURCE available"
        config_set --argjson h $((hard + 1000)) '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: $h, hard: $h}]'
        rt_bg create --bundle "$B" c1
        [ "$status" -ne 0 ]
        nothing_left c1
}

@test "process: noNewPrivileges true and false" {
        set_cmd 'grep NoNewPrivs /proc/self/status'
        config_set '.process.noNewPrivileges = true'
        run rt_run c1
        assert_contains "$output" "NoNewPrivs:	1"
        config_set '.process.noNewPrivileges = false'
        run rt_run c2
        assert_contains "$output" "NoNewPrivs:	0"
}

@test "process: oomScoreAdj" {
        config_set '.process.oomScoreAdj = 345'
        set_cmd 'cat /proc/self/oom_score_adj'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "$output" 345
}

@test "process: hostname in a new uts namespace" {
        config_set '.hostname = "box1"'
        set_cmd 'hostname'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "${lines[0]}" box1
        [ "$(hostname)" != box1 ]
}

@test "process: domainname" {
        is_runc && skip "runc 1.1 does not support domainname (OCI 1.1 field)"
        config_set '.domainname = "example.test"'
        set_cmd 'cat /proc/sys/kernel/domainname'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "$output" example.test
}

@test "process: hostname without a uts namespace is refused" {
        config_set 'del(.linux.namespaces[] | select(.type == "uts"))'
        rt_bg create --bundle "$B" c1
        [ "$status" -ne 0 ]
        nothing_left c1
}

@test "process: args are passed verbatim" {
        set_args printf '[%s]\n' 'a b' '' '$HOME' '*'
        run rt_run c1
        [ "$status" -eq 0 ]
        assert_eq "$output" $'[a b]\n[]\n[$HOME]\n[*]'
}

@test "process: a missing executable fails with non-zero and nothing left" {
        set_args /no/such/binary
        status=0
        rt_run c1 >/dev/null 2>&1 || status=$?
        [ "$status" -ne 0 ]
        nothing_left c1
}

@test "process: stdin, stdout and stderr are passed without a terminal" {
        set_cmd 'cat; echo to-stderr >&2'
        run bash -c "echo from-stdin | timeout 20 '$RUNTIME' --root '$R' run --bundle '$B' c1 2>&1"
        [ "$status" -eq 0 ]
        assert_contains "$output" from-stdin
        assert_contains "$output" to-stderr
}

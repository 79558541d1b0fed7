#!/usr/bin/env bats
# berth-runtime seccomp: actions, errnoRet, argument conditions.

load helpers

@test "seccomp: ERRNO with errnoRet on a syscall" {
        # mkdirat/mkdir fail with ENOTSUP (95) for busybox mkdir.
        config_set '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"],
                syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 95}]}'
        set_cmd 'mkdir /tmp/x 2>&1; echo rc=$?; touch /tmp/y && echo touch-ok'
        run rt_run c1
        assert_contains "$output" "not supported"
        assert_contains "$output" "rc=1"
        assert_contains "$output" touch-ok
}

@test "seccomp: ERRNO default is EPERM" {
        config_set '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
                syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"}]}'
        set_cmd 'mkdir /tmp/x 2>&1; true'
        run rt_run c1
        assert_contains "$output" "not permitted"
}

@test "seccomp: an argument condition only matches the given value" {
        # personality(0xffffffff) queries; personality(PER_LINUX32=8) is refused.
        config_set '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
                syscalls: [{names: ["personality"], action: "SCMP_ACT_ERRNO", errnoRet: 1,
                            args: [{index: 0, value: 8, op: "SCMP_CMP_EQ"}]}]}'
        set_cmd 'linux32 uname -m 2>&1; echo rc=$?; linux64 uname -m'
        run rt_run c1
        assert_contains "${lines[0]}" "not permitted"
        assert_eq "${lines[-1]}" x86_64
}

@test "seccomp: masked equality condition (SCMP_CMP_MASKED_EQ)" {
        # Refuse chmod with the setuid bit (mask 04000 = 2048): 0755 works, 04755 does not.
        config_set '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
                syscalls: [{names: ["chmod"], action: "SCMP_ACT_ERRNO", errnoRet: 1,
                            args: [{index: 1, value: 2048, valueTwo: 2048, op: "SCMP_CMP_MASKED_EQ"}]},
                           {names: ["fchmodat"], action: "SCMP_ACT_ERRNO", errnoRet: 1,
                            args: [{index: 2, value: 2048, valueTwo: 2048, op: "SCMP_CMP_MASKED_EQ"}]}]}'
        set_cmd 'touch /tmp/f; chmod 755 /tmp/f && echo plain-ok; chmod 4755 /tmp/f 2>&1; stat -c %a /tmp/f'
        run rt_run c1
        assert_contains "$output" plain-ok
        assert_contains "$output" "not permitted"
        assert_eq "${lines[-1]}" 755
}

@test "seccomp: KILL action kills the process" {
        config_set '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
                syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_KILL"}]}'
        set_cmd 'mkdir /tmp/x'
        run rt_run c1
        [ "$status" -eq 159 ]
}

@test "seccomp: default ERRNO with an allow list" {
        # Allow-list of what busybox echo needs; everything else fails with EPERM.
        run rt features
        config_set '.linux.seccomp = {defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 1,
                syscalls: [{names: ["write", "exit_group", "exit", "execve", "brk", "arch_prctl",
                  "set_tid_address", "getpid", "getppid", "rt_sigaction", "rt_sigprocmask",
                  "rt_sigreturn", "mmap", "munmap", "fcntl", "close", "read", "fstat", "newfstatat",
                  "stat", "lstat", "getuid", "geteuid", "prctl", "capget", "capset",
                  "futex", "setgroups", "setresuid", "setresgid", "setuid", "setgid", "getcwd",
                  "sched_yield", "poll", "ppoll", "uname", "readlink", "ioctl", "chdir", "dup3",
                  "dup2", "openat", "open", "set_robust_list", "rseq", "prlimit64", "sigaltstack",
                  "getrandom", "mprotect", "clone", "wait4", "faccessat", "faccessat2", "access",
                  "fstatfs", "statx", "getdents64", "lseek", "epoll_pwait", "nanosleep",
                  "clock_nanosleep", "madvise", "membarrier", "close_range", "seccomp", "setsid",
                  "getgid", "getegid", "keyctl", "setns", "unshare", "sethostname"],
                  action: "SCMP_ACT_ALLOW"}]}'
        set_cmd 'echo allowed; mkdir /tmp/x 2>&1; true'
        run rt_run c1
        assert_contains "$output" allowed
        assert_contains "$output" "not permitted"
}

@test "seccomp: an unknown syscall name is ignored or refused cleanly" {
        config_set '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
                syscalls: [{names: ["no_such_syscall_xyz"], action: "SCMP_ACT_ERRNO"}]}'
        set_args true
        run rt_run c1
        # runc and crun skip names libseccomp does not know; refusing is also acceptable.
        [ "$status" -eq 0 ] || one_line_error
        nothing_left c1
}

@test "seccomp: an unknown action is refused, nothing left" {
        config_set '.linux.seccomp = {defaultAction: "SCMP_ACT_BOGUS"}'
        rt_bg create --bundle "$B" c1
        [ "$status" -ne 0 ]
        nothing_left c1
}

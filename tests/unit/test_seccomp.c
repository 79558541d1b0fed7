/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seccomp and process-security tests.  Everything that changes the calling process (a
 * filter, capabilities, ids, rlimits) runs in a forked child that reports through its
 * exit status; the parent makes the assertions.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/sha256.h"
#include "runtime/process.h"
#include "runtime/seccomp.h"
#include "basic/banned.h"

/* ---- helpers ---- */

/* Run fn in a child; returns the raw wait status. */
static int run_child(int (*fn)(void *), void *arg)
{
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(fn(arg));
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        return status;
}

static void assert_exit_ok(int status)
{
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                fail_msg("child failed: %s %d", WIFEXITED(status) ? "exit" : "signal",
                         WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

static int install_or_die(const struct berth_seccomp_bpf *bpf)
{
        struct berth_error err = {0};
        int fd = -1;
        if (geteuid() != 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                _exit(101); /* without CAP_SYS_ADMIN the kernel wants no_new_privs */
        if (berth_seccomp_install(bpf, bpf->notify ? &fd : NULL, &err) < 0)
                _exit(100);
        return fd;
}

/* A syscall's errno after the call, or 0 when it succeeded. */
static int errno_of(long r)
{
        return r < 0 ? errno : 0;
}

#define RULE(act, ...)                                                                             \
        {                                                                                          \
                .names = (char *[]){__VA_ARGS__, NULL}, .action = (act)                            \
        }

/* ---- seccomp ---- */

struct errno_case {
        struct berth_seccomp_bpf *bpf;
};

static int child_uname_errno(void *arg)
{
        install_or_die(arg);
        struct utsname u;
        if (errno_of(uname(&u)) != 1234)
                return 1;
        if (getppid() <= 0) /* not in the profile: default allow */
                return 2;
        return 0;
}

static void test_errno_ret(void **state)
{
        struct berth_seccomp_rule rules[] = {RULE(BERTH_SECCOMP_ERRNO, "uname")};
        rules[0].has_errno_ret = true;
        rules[0].errno_ret = 1234;
        struct berth_seccomp sc = {
            .default_action = BERTH_SECCOMP_ALLOW, .syscalls = rules, .n_syscalls = 1};
        struct berth_seccomp_bpf bpf;
        struct berth_error err = {0};
        assert_int_equal(berth_seccomp_compile(&sc, NULL, &bpf, &err), 0);
        assert_true(bpf.n_insns > 0);
        assert_false(bpf.notify);
        assert_exit_ok(run_child(child_uname_errno, &bpf));
        berth_seccomp_bpf_free(&bpf);
}

static int child_default_eperm(void *arg)
{
        install_or_die(arg);
        struct utsname u;
        if (errno_of(uname(&u)) != EPERM) /* default ERRNO without errnoRet: EPERM */
                return 1;
        if (getppid() <= 0) /* allowed by the rule */
                return 2;
        return 0;
}

static void test_default_errno_is_eperm(void **state)
{
        struct berth_seccomp_rule rules[] = {
            RULE(BERTH_SECCOMP_ALLOW, "getppid", "exit_group", "exit", "write"),
        };
        struct berth_seccomp sc = {
            .default_action = BERTH_SECCOMP_ERRNO, .syscalls = rules, .n_syscalls = 1};
        struct berth_seccomp_bpf bpf;
        assert_int_equal(berth_seccomp_compile(&sc, NULL, &bpf, NULL), 0);
        assert_exit_ok(run_child(child_default_eperm, &bpf));
        berth_seccomp_bpf_free(&bpf);
}

static int child_personality(void *arg)
{
        install_or_die(arg);
        if (errno_of(syscall(SYS_personality, 0xffffffffUL)) != EPERM)
                return 1;
        if (errno_of(syscall(SYS_personality, 0UL)) != 0)
                return 2;
        /* masked: bit 3 (0x8) set in the argument -> denied with 77 */
        if (errno_of(syscall(SYS_getpriority, PRIO_PROCESS, 0x8)) != 77)
                return 3;
        if (errno_of(syscall(SYS_getpriority, PRIO_PROCESS, 0)) != 0)
                return 4;
        return 0;
}

static void test_arg_conditions(void **state)
{
        struct berth_seccomp_arg pers_args[] = {
            {.index = 0, .value = 0xffffffffULL, .op = BERTH_SECCOMP_OP_EQ},
        };
        struct berth_seccomp_arg prio_args[] = {
            {.index = 0, .value = PRIO_PROCESS, .op = BERTH_SECCOMP_OP_EQ},
            {.index = 1, .value = 0x8, .value_two = 0x8, .op = BERTH_SECCOMP_OP_MASKED_EQ},
        };
        struct berth_seccomp_rule rules[] = {
            RULE(BERTH_SECCOMP_ERRNO, "personality"),
            RULE(BERTH_SECCOMP_ERRNO, "getpriority"),
        };
        rules[0].args = pers_args;
        rules[0].n_args = 1;
        rules[1].args = prio_args;
        rules[1].n_args = 2;
        rules[1].has_errno_ret = true;
        rules[1].errno_ret = 77;
        struct berth_seccomp sc = {
            .default_action = BERTH_SECCOMP_ALLOW, .syscalls = rules, .n_syscalls = 2};
        struct berth_seccomp_bpf bpf;
        struct berth_error err = {0};
        assert_int_equal(berth_seccomp_compile(&sc, NULL, &bpf, &err), 0);
        assert_exit_ok(run_child(child_personality, &bpf));
        berth_seccomp_bpf_free(&bpf);
}

static int child_same_index(void *arg)
{
        install_or_die(arg);
        /* two conditions on arg 0: each is its own rule (OR) */
        if (errno_of(syscall(SYS_getpriority, 1000, 0)) != EPERM)
                return 1;
        if (errno_of(syscall(SYS_getpriority, 2000, 0)) != EPERM)
                return 2;
        if (errno_of(syscall(SYS_getpriority, PRIO_PROCESS, 0)) != 0)
                return 3;
        return 0;
}

static void test_same_index_conditions(void **state)
{
        struct berth_seccomp_arg args[] = {
            {.index = 0, .value = 1000, .op = BERTH_SECCOMP_OP_EQ},
            {.index = 0, .value = 2000, .op = BERTH_SECCOMP_OP_EQ},
        };
        struct berth_seccomp_rule rules[] = {RULE(BERTH_SECCOMP_ERRNO, "getpriority")};
        rules[0].args = args;
        rules[0].n_args = 2;
        struct berth_seccomp sc = {
            .default_action = BERTH_SECCOMP_ALLOW, .syscalls = rules, .n_syscalls = 1};
        struct berth_seccomp_bpf bpf;
        assert_int_equal(berth_seccomp_compile(&sc, NULL, &bpf, NULL), 0);
        assert_exit_ok(run_child(child_same_index, &bpf));
        berth_seccomp_bpf_free(&bpf);
}

static int child_getppid(void *arg)
{
        install_or_die(arg);
        syscall(SYS_getppid);
        return 0; /* not reached when the filter kills */
}

static void test_kill_process(void **state)
{
        struct berth_seccomp_rule rules[] = {RULE(BERTH_SECCOMP_KILL_PROCESS, "getppid")};
        struct berth_seccomp sc = {
            .default_action = BERTH_SECCOMP_ALLOW, .syscalls = rules, .n_syscalls = 1};
        struct berth_seccomp_bpf bpf;
        assert_int_equal(berth_seccomp_compile(&sc, NULL, &bpf, NULL), 0);
        int status = run_child(child_getppid, &bpf);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGSYS);
        berth_seccomp_bpf_free(&bpf);
}

static void test_unknown_syscall_skipped(void **state)
{
        struct berth_seccomp_rule rules[] = {
            RULE(BERTH_SECCOMP_ERRNO, "no_such_syscall_at_all", "uname"),
        };
        rules[0].has_errno_ret = true;
        rules[0].errno_ret = 1234;
        struct berth_seccomp sc = {
            .default_action = BERTH_SECCOMP_ALLOW, .syscalls = rules, .n_syscalls = 1};
        struct berth_seccomp_bpf bpf;
        struct berth_error err = {0};
        assert_int_equal(berth_seccomp_compile(&sc, NULL, &bpf, &err), 0);
        assert_exit_ok(run_child(child_uname_errno, &bpf));
        berth_seccomp_bpf_free(&bpf);
}

static void test_rule_equal_to_default_skipped(void **state)
{
        struct berth_seccomp_rule rules[] = {
            RULE(BERTH_SECCOMP_ALLOW, "getppid"),
            RULE(BERTH_SECCOMP_ERRNO, "uname"),
        };
        rules[1].has_errno_ret = true;
        rules[1].errno_ret = 1234;
        struct berth_seccomp sc = {
            .default_action = BERTH_SECCOMP_ALLOW, .syscalls = rules, .n_syscalls = 2};
        struct berth_seccomp_bpf bpf;
        struct berth_error err = {0};
        assert_int_equal(berth_seccomp_compile(&sc, NULL, &bpf, &err), 0);
        assert_exit_ok(run_child(child_uname_errno, &bpf));
        berth_seccomp_bpf_free(&bpf);
}

static void test_refused_inputs(void **state)
{
        struct berth_seccomp_bpf bpf;
        struct berth_error err = {0};
        struct berth_seccomp sc = {.default_action = BERTH_SECCOMP_ALLOW};

        sc.architectures = (char *[]){"SCMP_ARCH_X86_64", "SCMP_ARCH_VAX", NULL};
        assert_int_equal(berth_seccomp_compile(&sc, NULL, &bpf, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "architectures[1]"));
        assert_non_null(strstr(err.msg, "SCMP_ARCH_VAX"));
        sc.architectures = NULL;

        sc.default_action = (enum berth_seccomp_action)99;
        assert_int_equal(berth_seccomp_compile(&sc, NULL, &bpf, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "defaultAction"));
        sc.default_action = BERTH_SECCOMP_NOTIFY;
        assert_int_equal(berth_seccomp_compile(&sc, NULL, &bpf, &err), -EINVAL);
        sc.default_action = BERTH_SECCOMP_ALLOW;

        struct berth_seccomp_rule rules[] = {RULE((enum berth_seccomp_action)42, "uname")};
        sc.syscalls = rules;
        sc.n_syscalls = 1;
        assert_int_equal(berth_seccomp_compile(&sc, NULL, &bpf, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "syscalls[0].action"));
        rules[0].action = BERTH_SECCOMP_ERRNO;
        rules[0].has_errno_ret = true;
        rules[0].errno_ret = 70000;
        assert_int_equal(berth_seccomp_compile(&sc, NULL, &bpf, &err), -EINVAL);
        rules[0].errno_ret = 5;

        struct berth_seccomp_arg args[] = {{.index = 6, .op = BERTH_SECCOMP_OP_EQ}};
        rules[0].args = args;
        rules[0].n_args = 1;
        assert_int_equal(berth_seccomp_compile(&sc, NULL, &bpf, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "args[0].index"));
        args[0].index = 0;
        args[0].op = (enum berth_seccomp_op)17;
        assert_int_equal(berth_seccomp_compile(&sc, NULL, &bpf, &err), -EINVAL);
        rules[0].n_args = 0;

        sc.flags = (char *[]){"SECCOMP_FILTER_FLAG_BOGUS", NULL};
        assert_int_equal(berth_seccomp_compile(&sc, NULL, &bpf, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "SECCOMP_FILTER_FLAG_BOGUS"));
        sc.flags = (char *[]){"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", NULL};
        assert_int_equal(berth_seccomp_compile(&sc, NULL, &bpf, &err), 0);
        assert_int_equal(bpf.flags, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW);
        berth_seccomp_bpf_free(&bpf);
}

static int child_install_only(void *arg)
{
        int fd = install_or_die(arg);
        struct berth_seccomp_bpf *bpf = arg;
        if (bpf->notify) {
                if (fd < 0)
                        return 1;
                int fl = fcntl(fd, F_GETFD);
                if (fl < 0 || !(fl & FD_CLOEXEC))
                        return 2;
        } else if (fd != -1) {
                return 3;
        }
        return 0;
}

static void test_notify_and_flags(void **state)
{
        struct berth_seccomp_rule rules[] = {RULE(BERTH_SECCOMP_NOTIFY, "mknodat")};
        struct berth_seccomp sc = {
            .default_action = BERTH_SECCOMP_ALLOW,
            .syscalls = rules,
            .n_syscalls = 1,
            .flags = (char *[]){"SECCOMP_FILTER_FLAG_LOG", NULL},
        };
        struct berth_seccomp_bpf bpf;
        struct berth_error err = {0};
        assert_int_equal(berth_seccomp_compile(&sc, NULL, &bpf, &err), 0);
        assert_true(bpf.notify);
        assert_int_equal(bpf.flags, SECCOMP_FILTER_FLAG_LOG);
        assert_exit_ok(run_child(child_install_only, &bpf));
        /* a notify program without a place for the fd is refused */
        assert_int_equal(berth_seccomp_install(&bpf, NULL, &err), -EINVAL);
        berth_seccomp_bpf_free(&bpf);
}

/* ---- cache ---- */

static char *make_tmpdir(void)
{
        char *d = strdup("/tmp/berth-test-seccomp-XXXXXX");
        assert_non_null(d);
        assert_non_null(mkdtemp(d));
        return d;
}

/* The only *.bpf file in dir (name into out). */
static void only_cache_file(const char *dir, char *out, size_t outsz)
{
        DIR *d = opendir(dir);
        assert_non_null(d);
        int n = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                if (strlen(de->d_name) == 68 && strcmp(de->d_name + 64, ".bpf") == 0) {
                        snprintf(out, outsz, "%s/%s", dir, de->d_name);
                        n++;
                }
        closedir(d);
        assert_int_equal(n, 1);
}

static void write_bytes(const char *path, const void *buf, size_t len)
{
        int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(berth_write_all(fd, buf, len), 0);
        close(fd);
}

static void test_cache(void **state)
{
        _cleanup_free_ char *dir = make_tmpdir();
        struct berth_seccomp_rule rules[] = {RULE(BERTH_SECCOMP_ERRNO, "uname")};
        rules[0].has_errno_ret = true;
        rules[0].errno_ret = 1234;
        struct berth_seccomp sc = {
            .default_action = BERTH_SECCOMP_ALLOW, .syscalls = rules, .n_syscalls = 1};
        struct berth_seccomp_bpf a, b;
        struct berth_error err = {0};
        assert_int_equal(berth_seccomp_compile(&sc, dir, &a, &err), 0);
        char path[512];
        only_cache_file(dir, path, sizeof(path));
        size_t body = a.n_insns * sizeof(struct sock_filter);

        /* A hit returns what the file holds: plant a different, well-formed program
         * (one "return ALLOW") under the same key and expect exactly it back. */
        struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, 0x7fff0000U);
        char planted[40 + sizeof(allow)];
        memcpy(planted, "BERTHBPF", 8);
        berth_sha256(&allow, sizeof(allow), (uint8_t *)planted + 8);
        memcpy(planted + 40, &allow, sizeof(allow));
        write_bytes(path, planted, sizeof(planted));
        assert_int_equal(berth_seccomp_compile(&sc, dir, &b, &err), 0);
        assert_int_equal(b.n_insns, 1);
        assert_memory_equal(b.insns, &allow, sizeof(allow));
        berth_seccomp_bpf_free(&b);

        /* A corrupt file (checksum mismatch) is ignored and rewritten. */
        planted[40] ^= 0x55;
        write_bytes(path, planted, sizeof(planted));
        assert_int_equal(berth_seccomp_compile(&sc, dir, &b, &err), 0);
        assert_int_equal(b.n_insns, a.n_insns);
        assert_memory_equal(b.insns, a.insns, body);
        berth_seccomp_bpf_free(&b);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        assert_int_equal(berth_read_file_at(AT_FDCWD, path, 1 << 20, &buf, &len, NULL), 0);
        assert_int_equal(len, 40 + body);
        assert_memory_equal(buf + 40, a.insns, body);

        /* Truncated (not a multiple of 8) and empty files are rejected as well. */
        write_bytes(path, buf, 40 + body - 3);
        assert_int_equal(berth_seccomp_compile(&sc, dir, &b, &err), 0);
        assert_int_equal(b.n_insns, a.n_insns);
        assert_memory_equal(b.insns, a.insns, body);
        berth_seccomp_bpf_free(&b);
        write_bytes(path, "", 0);
        assert_int_equal(berth_seccomp_compile(&sc, dir, &b, &err), 0);
        assert_int_equal(b.n_insns, a.n_insns);
        berth_seccomp_bpf_free(&b);

        /* A different profile gets a different key. */
        rules[0].errno_ret = 1235;
        assert_int_equal(berth_seccomp_compile(&sc, dir, &b, &err), 0);
        berth_seccomp_bpf_free(&b);
        int n = 0;
        DIR *d = opendir(dir);
        struct dirent *de;
        while ((de = readdir(d)))
                n += de->d_name[0] != '.';
        closedir(d);
        assert_int_equal(n, 2);

        berth_seccomp_bpf_free(&a);
        assert_int_equal(berth_rm_rf_at(AT_FDCWD, dir), 0);
}

/* ---- default profile ---- */

static int child_default_profile(void *arg)
{
        install_or_die(arg);
        if (errno_of(syscall(SYS_keyctl, 0, 0, 0, 0, 0)) != EPERM)
                return 1;
        if (errno_of(syscall(SYS_add_key, "user", "x", "y", 1, 0)) != EPERM)
                return 2;
        if (errno_of(syscall(SYS_unshare, CLONE_NEWUSER)) != EPERM)
                return 3;
        if (errno_of(syscall(SYS_clone3, NULL, 0)) != ENOSYS)
                return 4;
        if (errno_of(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0)) != EPERM)
                return 5;
        if (errno_of(syscall(SYS_io_uring_setup, 1, NULL)) != EPERM)
                return 6;
        if (errno_of(syscall(SYS_userfaultfd, 0)) != EPERM)
                return 7;
        if (errno_of(syscall(SYS_mount, "none", "/", "tmpfs", 0, NULL)) != EPERM)
                return 8;
        if (errno_of(syscall(SYS_personality, 0x1234UL)) != EPERM)
                return 9;
        if (errno_of(syscall(SYS_personality, 0xffffffffUL)) != 0)
                return 10;
        pid_t pid = fork(); /* plain clone without namespace flags still works */
        if (pid < 0)
                return 11;
        if (pid == 0)
                _exit(0);
        int st;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
                return 12;
        return 0;
}

static int child_default_profile_admin(void *arg)
{
        install_or_die(arg);
        if (errno_of(syscall(SYS_unshare, CLONE_NEWUTS)) != 0)
                return 1;
        if (errno_of(syscall(SYS_keyctl, 0, 0, 0, 0, 0)) != EPERM)
                return 2;
        return 0;
}

static void test_default_profile(void **state)
{
        struct berth_seccomp sc;
        struct berth_seccomp_bpf bpf;
        struct berth_error err = {0};
        uint64_t caps = berth_caps_docker_default();
        assert_int_equal(berth_seccomp_default_profile(caps, &sc, &err), 0);
        assert_int_equal(sc.default_action, BERTH_SECCOMP_ERRNO);
        assert_int_equal(berth_seccomp_compile(&sc, NULL, &bpf, &err), 0);
        assert_exit_ok(run_child(child_default_profile, &bpf));
        berth_seccomp_bpf_free(&bpf);
        berth_seccomp_free(&sc);
        assert_null(sc.syscalls);

        if (geteuid() != 0)
                return; /* unshare(CLONE_NEWUTS) below needs real CAP_SYS_ADMIN */
        caps |= UINT64_C(1) << CAP_SYS_ADMIN;
        assert_int_equal(berth_seccomp_default_profile(caps, &sc, &err), 0);
        assert_int_equal(berth_seccomp_compile(&sc, NULL, &bpf, &err), 0);
        assert_exit_ok(run_child(child_default_profile_admin, &bpf));
        berth_seccomp_bpf_free(&bpf);
        berth_seccomp_free(&sc);
}

static void test_docker_caps(void **state)
{
        uint64_t c = berth_caps_docker_default();
        assert_int_equal(__builtin_popcountll(c), 14);
        int want[] = {CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
                      CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
                      CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
                      CAP_KILL,    CAP_AUDIT_WRITE};
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
                assert_true(c & (UINT64_C(1) << want[i]));
        assert_false(c & (UINT64_C(1) << CAP_SYS_ADMIN));
}

/* ---- process ---- */

/* Value of "Field:" in /proc/self/status, whitespace collapsed to single spaces. */
static int status_field(const char *field, char *out, size_t outsz)
{
        char buf[8192];
        int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return -1;
        buf[n] = '\0';
        size_t fl = strlen(field);
        for (char *line = buf; line && *line;
             line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                if (strncmp(line, field, fl) != 0 || line[fl] != ':')
                        continue;
                char *v = line + fl + 1;
                size_t k = 0;
                bool space = false;
                for (; *v && *v != '\n' && k + 1 < outsz; v++) {
                        if (*v == ' ' || *v == '\t') {
                                space = k > 0;
                                continue;
                        }
                        if (space)
                                out[k++] = ' ';
                        space = false;
                        out[k++] = *v;
                }
                out[k] = '\0';
                return 0;
        }
        return -1;
}

static bool status_caps_equal(const char *field, uint64_t want)
{
        char v[64];
        if (status_field(field, v, sizeof(v)) < 0)
                return false;
        return strtoull(v, NULL, 16) == want;
}

static bool status_is(const char *field, const char *want)
{
        char v[256];
        return status_field(field, v, sizeof(v)) == 0 && strcmp(v, want) == 0;
}

static void docker_process(struct berth_process *p, uint32_t *gids, size_t n_gids)
{
        uint64_t d = berth_caps_docker_default();
        *p = (struct berth_process){
            .user = {.uid = 1000,
                     .gid = 1000,
                     .additional_gids = gids,
                     .n_additional_gids = n_gids},
            .caps = {.present = true, .bounding = d, .effective = d, .permitted = d},
            .no_new_privileges = true,
        };
}

static int child_finalize_basic(void *arg)
{
        uint32_t gids[] = {2000, 3000};
        struct berth_process p;
        docker_process(&p, gids, 2);
        p.user.has_umask = true;
        p.user.umask = 027;
        struct berth_error err = {0};
        if (berth_process_finalize(&p, NULL, true, NULL, &err) < 0)
                return 1;
        uint64_t d = berth_caps_docker_default();
        if (!status_caps_equal("CapBnd", d))
                return 2;
        if (!status_caps_equal("CapInh", 0) || !status_caps_equal("CapAmb", 0))
                return 3;
        if (!status_caps_equal("CapEff", d) || !status_caps_equal("CapPrm", d))
                return 4;
        if (!status_is("Uid", "1000 1000 1000 1000") || !status_is("Gid", "1000 1000 1000 1000"))
                return 5;
        if (!status_is("Groups", "2000 3000"))
                return 6;
        if (!status_is("NoNewPrivs", "1"))
                return 7;
        if (umask(0) != 027)
                return 8;
        return 0;
}

static void test_finalize_basic(void **state)
{
        if (geteuid() != 0)
                skip(); /* switches ids and capabilities: needs root */
        assert_exit_ok(run_child(child_finalize_basic, NULL));
}

static int child_finalize_root_default_umask(void *arg)
{
        struct berth_process p;
        docker_process(&p, NULL, 0);
        p.user.uid = p.user.gid = 0;
        p.no_new_privileges = false;
        umask(077);
        if (berth_process_finalize(&p, NULL, true, NULL, NULL) < 0)
                return 1;
        if (umask(0) != 0022)
                return 2;
        if (!status_is("Groups", "") || !status_is("NoNewPrivs", "0"))
                return 3;
        if (!status_caps_equal("CapEff", berth_caps_docker_default()))
                return 4;
        return 0;
}

static void test_finalize_root_defaults(void **state)
{
        if (geteuid() != 0)
                skip(); /* switches ids and capabilities: needs root */
        assert_exit_ok(run_child(child_finalize_root_default_umask, NULL));
}

static int child_ambient(void *arg)
{
        uint64_t nbs = UINT64_C(1) << CAP_NET_BIND_SERVICE;
        struct berth_process p;
        docker_process(&p, NULL, 0);
        p.caps.inheritable = nbs;
        p.caps.ambient = nbs;
        struct berth_error err = {0};
        if (berth_process_finalize(&p, NULL, true, NULL, &err) < 0)
                return 1;
        if (!status_caps_equal("CapAmb", nbs) || !status_caps_equal("CapInh", nbs))
                return 2;
        return 0;
}

/* Ambient capabilities that are not inheritable (as `runc spec` writes them) are skipped,
 * not an error: the ambient set stays empty. */
static int child_ambient_not_inheritable(void *arg)
{
        struct berth_process p;
        docker_process(&p, NULL, 0);
        p.caps.ambient = UINT64_C(1) << CAP_NET_BIND_SERVICE; /* not inheritable */
        struct berth_error err = {0};
        if (berth_process_finalize(&p, NULL, true, NULL, &err) < 0)
                return 1;
        if (!status_caps_equal("CapAmb", 0) || !status_caps_equal("CapInh", 0))
                return 2;
        return 0;
}

static void test_finalize_ambient(void **state)
{
        if (geteuid() != 0)
                skip(); /* switches ids and capabilities: needs root */
        assert_exit_ok(run_child(child_ambient, NULL));
        assert_exit_ok(run_child(child_ambient_not_inheritable, NULL));
}

static int child_setgroups_denied(void *arg)
{
        uint32_t gids[] = {2000};
        struct berth_process p;
        docker_process(&p, gids, 1);
        struct berth_error err = {0};
        if (berth_process_finalize(&p, NULL, false, NULL, &err) != -EPERM)
                return 1;
        if (!strstr(err.msg, "additionalGids"))
                return 2;
        return 0;
}

static int child_setgroups_skipped(void *arg)
{
        gid_t g = 4242;
        if (setgroups(1, &g) < 0)
                return 1;
        struct berth_process p;
        docker_process(&p, NULL, 0);
        if (berth_process_finalize(&p, NULL, false, NULL, NULL) < 0)
                return 2;
        if (!status_is("Groups", "4242")) /* untouched */
                return 3;
        return 0;
}

static void test_finalize_setgroups_denied(void **state)
{
        if (geteuid() != 0)
                skip(); /* switches ids and capabilities: needs root */
        assert_exit_ok(run_child(child_setgroups_denied, NULL));
        assert_exit_ok(run_child(child_setgroups_skipped, NULL));
}

/* Drop CAP_SYS_RESOURCE from the effective set so the test behaves the same on hosts
 * that have it in their bounding set. */
static int drop_sys_resource(void)
{
        struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct data[2];
        if (syscall(SYS_capget, &hdr, data) < 0)
                return -1;
        data[0].effective &= ~(1U << CAP_SYS_RESOURCE);
        return (int)syscall(SYS_capset, &hdr, data);
}

static int child_rlimits(void *arg)
{
        if (drop_sys_resource() < 0)
                return 1;
        struct rlimit cur;
        if (getrlimit(RLIMIT_NOFILE, &cur) < 0 || cur.rlim_max == RLIM_INFINITY)
                return 2;
        struct berth_rlimit l = {
            .resource = RLIMIT_NOFILE, .soft = cur.rlim_max + 1, .hard = cur.rlim_max + 1};
        struct berth_process p = {.rlimits = &l, .n_rlimits = 1};
        struct berth_error err = {0};
        if (berth_process_set_rlimits(&p, &err) != -EPERM)
                return 3;
        char want[64];
        snprintf(want, sizeof(want), "%llu", (unsigned long long)cur.rlim_max + 1);
        if (!strstr(err.msg, "RLIMIT_NOFILE") || !strstr(err.msg, want))
                return 4;
        snprintf(want, sizeof(want), "%llu", (unsigned long long)cur.rlim_max);
        if (!strstr(err.msg, want))
                return 5;
        struct rlimit after;
        if (getrlimit(RLIMIT_NOFILE, &after) < 0 || after.rlim_max != cur.rlim_max ||
            after.rlim_cur != cur.rlim_cur)
                return 6; /* nothing changed, nothing silently lowered */
        l = (struct berth_rlimit){.resource = RLIMIT_NOFILE, .soft = 64, .hard = 128};
        if (berth_process_set_rlimits(&p, &err) < 0)
                return 7;
        if (getrlimit(RLIMIT_NOFILE, &after) < 0 || after.rlim_cur != 64 || after.rlim_max != 128)
                return 8;
        l.soft = 200;
        if (berth_process_set_rlimits(&p, &err) != -EINVAL)
                return 9;
        return 0;
}

static void test_rlimits(void **state)
{
        if (geteuid() != 0)
                skip(); /* switches ids and capabilities: needs root */
        assert_exit_ok(run_child(child_rlimits, NULL));
}

static struct berth_seccomp_bpf compile_one(const char *name, uint32_t errno_ret)
{
        struct berth_seccomp_rule rules[] = {RULE(BERTH_SECCOMP_ERRNO, (char *)name)};
        rules[0].has_errno_ret = true;
        rules[0].errno_ret = errno_ret;
        struct berth_seccomp sc = {
            .default_action = BERTH_SECCOMP_ALLOW, .syscalls = rules, .n_syscalls = 1};
        struct berth_seccomp_bpf bpf;
        assert_int_equal(berth_seccomp_compile(&sc, NULL, &bpf, NULL), 0);
        return bpf;
}

/* no_new_privileges false: the filter goes in while we are still root, so dropping to
 * uid 1000 without CAP_SYS_ADMIN still ends with the filter loaded. */
static int child_filter_without_nnp(void *arg)
{
        struct berth_process p;
        docker_process(&p, NULL, 0);
        p.no_new_privileges = false;
        struct berth_error err = {0};
        if (berth_process_finalize(&p, arg, true, NULL, &err) < 0)
                return 1;
        struct utsname u;
        if (errno_of(uname(&u)) != 1234)
                return 2;
        if (!status_is("NoNewPrivs", "0") || !status_is("Seccomp", "2"))
                return 3;
        return 0;
}

/* ... and it is loaded before the id switch: a filter denying setresuid makes it fail. */
static int child_filter_before_ids(void *arg)
{
        struct berth_process p;
        docker_process(&p, NULL, 0);
        p.no_new_privileges = false;
        struct berth_error err = {0};
        if (berth_process_finalize(&p, arg, true, NULL, &err) != -99)
                return 1;
        return 0;
}

/* no_new_privileges true: the filter comes last, the id switch is not affected. */
static int child_filter_last_with_nnp(void *arg)
{
        struct berth_process p;
        docker_process(&p, NULL, 0);
        struct berth_error err = {0};
        if (berth_process_finalize(&p, arg, true, NULL, &err) < 0)
                return 1;
        if (!status_is("Uid", "1000 1000 1000 1000") || !status_is("Seccomp", "2"))
                return 2;
        if (errno_of(syscall(SYS_setresuid, -1, -1, -1)) != 99)
                return 3;
        return 0;
}

static void test_finalize_seccomp_order(void **state)
{
        if (geteuid() != 0)
                skip(); /* switches ids and capabilities: needs root */
        struct berth_seccomp_bpf a = compile_one("uname", 1234);
        assert_exit_ok(run_child(child_filter_without_nnp, &a));
        berth_seccomp_bpf_free(&a);
        struct berth_seccomp_bpf b = compile_one("setresuid", 99);
        assert_exit_ok(run_child(child_filter_before_ids, &b));
        assert_exit_ok(run_child(child_filter_last_with_nnp, &b));
        berth_seccomp_bpf_free(&b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_errno_ret),
            cmocka_unit_test(test_default_errno_is_eperm),
            cmocka_unit_test(test_arg_conditions),
            cmocka_unit_test(test_same_index_conditions),
            cmocka_unit_test(test_kill_process),
            cmocka_unit_test(test_unknown_syscall_skipped),
            cmocka_unit_test(test_rule_equal_to_default_skipped),
            cmocka_unit_test(test_refused_inputs),
            cmocka_unit_test(test_notify_and_flags),
            cmocka_unit_test(test_cache),
            cmocka_unit_test(test_default_profile),
            cmocka_unit_test(test_docker_caps),
            cmocka_unit_test(test_finalize_basic),
            cmocka_unit_test(test_finalize_root_defaults),
            cmocka_unit_test(test_finalize_ambient),
            cmocka_unit_test(test_finalize_setgroups_denied),
            cmocka_unit_test(test_rlimits),
            cmocka_unit_test(test_finalize_seccomp_order),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

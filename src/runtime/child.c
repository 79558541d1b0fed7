/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The create path, child side: carry out the plan the parent prepared (create_ctx), in
 * the numbered sync steps of sync.h, then wait on the exec fifo and execve.  Every error
 * travels back to the parent as a BERTH_SYNC_ERROR message; the child then _exit()s.
 */
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/strutil.h"
#include "fs/resolve.h"
#include "runtime/container_internal.h"
#include "runtime/hooks.h"
#include "runtime/process.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "basic/banned.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static _Noreturn void child_fail(int sock, struct berth_error *err, int code)
{
        berth_sync_send_error(sock, err);
        _exit(code);
}

static bool is_executable(const char *path, int *why)
{
        struct stat st;
        if (stat(path, &st) < 0) {
                *why = errno;
                return false;
        }
        if (S_ISDIR(st.st_mode)) {
                *why = EACCES;
                return false;
        }
        if (access(path, X_OK) < 0) {
                *why = errno;
                return false;
        }
        return true;
}

int berth_exec_lookup(char *const *env, const char *file, char **path, struct berth_error *err)
{
        int why = ENOENT;
        if (strchr(file, '/')) {
                if (!is_executable(file, &why))
                        return berth_error_setsys(err, why, "exec: '%s'", file);
                *path = strdup(file);
                return *path ? 0 : -ENOMEM;
        }
        const char *search = DEFAULT_PATH;
        for (char *const *e = env; e && *e; e++)
                if (berth_startswith(*e, "PATH="))
                        search = *e + 5;
        bool saw_eacces = false;
        const char *p = search;
        for (;;) {
                const char *colon = strchr(p, ':');
                size_t n = colon ? (size_t)(colon - p) : strlen(p);
                _cleanup_free_ char *cand = n ? berth_strdup_printf("%.*s/%s", (int)n, p, file)
                                              : berth_strdup_printf("./%s", file);
                if (!cand)
                        return berth_error_set(err, ENOMEM, "out of memory");
                if (is_executable(cand, &why)) {
                        *path = TAKE_PTR(cand);
                        return 0;
                }
                if (why == EACCES)
                        saw_eacces = true;
                if (!colon)
                        break;
                p = colon + 1;
        }
        if (saw_eacces)
                return berth_error_set(err, EACCES, "exec: '%s': permission denied", file);
        return berth_error_set(err, ENOENT, "exec: '%s': executable file not found in $PATH", file);
}

/* Slow path: join the given namespaces (user first), unshare the new ones. */
static int enter_namespaces(struct create_ctx *c, struct berth_error *err)
{
        static const int order[] = {BERTH_NS_USER, BERTH_NS_IPC,    BERTH_NS_UTS,  BERTH_NS_NETWORK,
                                    BERTH_NS_PID,  BERTH_NS_CGROUP, BERTH_NS_TIME, BERTH_NS_MOUNT};
        for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
                int t = order[i];
                if (c->ns_fds[t] < 0)
                        continue;
                if (setns(c->ns_fds[t], berth_ns_type_clone_flag(t)) < 0)
                        return berth_error_errno(err, "join %s namespace '%s'",
                                                 berth_ns_type_to_string(t),
                                                 c->spec->namespaces[t].path);
                close(c->ns_fds[t]);
                c->ns_fds[t] = -1;
        }
        if (c->unshare_flags && unshare(c->unshare_flags) < 0)
                return berth_error_errno(err, "unshare namespaces 0x%x", c->unshare_flags);
        return 0;
}

static int write_time_offsets(const struct berth_spec *s, struct berth_error *err)
{
        if (!s->has_time_offsets)
                return 0;
        char buf[128];
        int n =
            snprintf(buf, sizeof(buf), "monotonic %lld %u\nboottime %lld %u\n",
                     (long long)s->time_offset_monotonic_secs, s->time_offset_monotonic_nanosecs,
                     (long long)s->time_offset_boottime_secs, s->time_offset_boottime_nanosecs);
        _cleanup_close_ int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, buf, (size_t)n) != n)
                return berth_error_errno(err, "linux.timeOffsets");
        return 0;
}

/* Step 1 from the child's side; in the slow path also the extra fork. */
static void child_ns_step(struct create_ctx *c)
{
        struct berth_error e = {0};
        int sock = c->sync[1];
        if (c->slow_path && enter_namespaces(c, &e) < 0)
                child_fail(sock, &e, 1);
        if (berth_sync_send(sock, BERTH_SYNC_NS_READY, getpid(), NULL, 0, -1) < 0)
                _exit(1);
        struct berth_sync_msg m = {.fd = -1};
        if (berth_sync_expect(sock, BERTH_SYNC_NS_DONE, &m, &e) < 0)
                _exit(1);
        c->setgroups_allowed = m.value != 0;
        berth_sync_msg_clear(&m);
        if (c->slow_path && c->spec->namespaces[BERTH_NS_TIME].enabled &&
            !c->spec->namespaces[BERTH_NS_TIME].path && write_time_offsets(c->spec, &e) < 0)
                child_fail(sock, &e, 1);
        if (c->slow_path && c->need_fork) {
                struct clone_args ca = {.flags = CLONE_PARENT, .exit_signal = 0};
                long pid = syscall(SYS_clone3, &ca, sizeof(ca));
                if (pid < 0) {
                        berth_error_errno(&e, "fork into the pid namespace");
                        child_fail(sock, &e, 1);
                }
                if (pid > 0) {
                        (void)berth_sync_send(sock, BERTH_SYNC_PID, (int32_t)pid, NULL, 0, -1);
                        _exit(0);
                }
        }
        if (c->userns) {
                if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
                        berth_error_errno(&e, "become root in the user namespace");
                        child_fail(sock, &e, 1);
                }
        }
        if (c->unshare_cgroupns && unshare(CLONE_NEWCGROUP) < 0) {
                berth_error_errno(&e, "unshare the cgroup namespace");
                child_fail(sock, &e, 1);
        }
}

static int child_setup_rootfs(struct create_ctx *c, struct berth_error *err)
{
        const struct berth_spec *s = c->spec;
        if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
                return berth_error_errno(err, "sethostname '%s'", s->hostname);
        if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0)
                return berth_error_errno(err, "setdomainname '%s'", s->domainname);
        int r = berth_rootfs_prepare(&c->rctx, err);
        if (r < 0)
                return r;
        if (berth_sync_send(c->sync[1], BERTH_SYNC_MOUNTS_DONE, 0, NULL, 0, -1) < 0)
                _exit(1);
        struct berth_sync_msg m = {.fd = -1};
        if (berth_sync_expect(c->sync[1], BERTH_SYNC_HOOKS_DONE, &m, err) < 0)
                _exit(1);
        c->state_json = TAKE_PTR(m.payload);
        berth_sync_msg_clear(&m);
        /* createContainer: in the container's namespaces, before pivot_root, so the
         * path resolves in the runtime's mount namespace. */
        r = berth_hooks_run(s, BERTH_HOOK_CREATE_CONTAINER, c->state_json, err);
        if (r < 0)
                return r;
        if ((r = berth_rootfs_pivot(&c->rctx, err)) < 0)
                return r;
        return berth_rootfs_finalize(&c->rctx, err);
}

static int child_terminal(struct create_ctx *c, struct berth_error *err)
{
        const struct berth_process *p = &c->spec->process;
        if (!p->terminal)
                return 0;
        _cleanup_close_ int master = -1;
        int r = berth_terminal_setup_child(p->has_console_size ? p->console_height : 0,
                                           p->has_console_size ? p->console_width : 0, p->user.uid,
                                           &master, err);
        if (r < 0)
                return r;
        if (c->console_fd >= 0) {
                r = berth_terminal_send_console(c->console_fd, master, err);
                close(c->console_fd);
                c->console_fd = -1;
                return r;
        }
        if (berth_sync_send(c->sync[1], BERTH_SYNC_PTY, 0, NULL, 0, master) < 0)
                return berth_error_errno(err, "send the pty master");
        return 0;
}

/* cwd inside the root: resolved with the resolver against "/" (already the container's
 * root: after pivot_root, chroot, or the exec's setns), so neither a symlink nor a leaked
 * fd's /proc/self/fd/N (CVE-2024-21626) leads out of it.  A missing cwd is made as runc
 * does (mkdir -p, 0755, owned by the current user: root before finalize). */
int berth_child_chdir(const char *cwd, struct berth_error *err)
{
        _cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return berth_error_errno(err, "open /");
        _cleanup_close_ int dfd = -1;
        int r = berth_fs_open_in_root(rootfd, cwd, O_PATH | O_DIRECTORY, 0, &dfd, NULL);
        if (r == -ENOENT) {
                mode_t old = umask(022);
                r = berth_fs_mkdir_p_in_root(rootfd, cwd, 0755, &dfd, NULL);
                umask(old);
        }
        if (r < 0)
                return berth_error_setsys(err, -r, "process.cwd '%s'", cwd);
        if (fchdir(dfd) < 0)
                return berth_error_errno(err, "process.cwd '%s'", cwd);
        char buf[4096];
        if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
                return berth_error_set(err, EPERM,
                                       "process.cwd '%s' resolves outside the container", cwd);
        return 0;
}

int berth_child_personality(const struct berth_spec *s, struct berth_error *err)
{
        if (!s->personality.present)
                return 0;
        if (personality(s->personality.domain) < 0)
                return berth_error_errno(err, "linux.personality 0x%lx", s->personality.domain);
        return 0;
}

/* Keep 0-2 and the preserved fds 3..3+n-1; everything else is closed at execve. */
int berth_child_fds(unsigned preserve, struct berth_error *err)
{
        for (unsigned fd = 3; fd < 3 + preserve; fd++) {
                int fl = fcntl((int)fd, F_GETFD);
                if (fl >= 0)
                        fcntl((int)fd, F_SETFD, fl & ~FD_CLOEXEC);
        }
        if (syscall(SYS_close_range, 3 + preserve, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                return berth_error_errno(err, "close_range");
        return 0;
}

static void wait_for_start(int fifo)
{
        for (;;) {
                struct pollfd p = {.fd = fifo, .events = POLLIN};
                int r = poll(&p, 1, -1);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        _exit(1);
                char b;
                ssize_t n = read(fifo, &b, 1);
                if (n == 1)
                        return;
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        continue;
                _exit(1); /* writer went away without a byte: not started */
        }
}

/* After `start`: report to the parent (run) if it listens, and to a separate `start`
 * through the start report; with neither, to our stderr. */
static _Noreturn void late_fail(int sock, int report_fd, struct berth_error *err, int code)
{
        const char *msg = err->code ? err->msg : "unknown error";
        uint32_t type = code == 126 || code == 127 ? BERTH_SYNC_EXEC_FAILED : BERTH_SYNC_ERROR;
        bool told = berth_start_report_send(report_fd, err);
        if (berth_sync_send(sock, type, err->code ? err->code : EIO, msg, strlen(msg), -1) < 0 &&
            !told)
                dprintf(2, "berth-runtime: %s\n", msg);
        _exit(code);
}

/* A config without a process: created as any other, but `start` gets an error (runtime
 * spec: start MUST fail when process is not set) and the init exits. */
static _Noreturn void child_no_process(struct create_ctx *c)
{
        struct berth_error e = {0};
        if (berth_sync_send(c->sync[1], BERTH_SYNC_READY, 0, NULL, 0, -1) < 0)
                _exit(1);
        wait_for_start(c->fifo_fd);
        int report = berth_start_report_accept(c->start_listen_fd);
        berth_error_set(&e, EINVAL, "process: not set in config.json, nothing to start");
        late_fail(c->sync[1], report, &e, 1);
}

_Noreturn void berth_child_main(struct create_ctx *c)
{
        struct berth_error e = {0};
        int sock = c->sync[1];
        close(c->sync[0]);
        c->sync[0] = -1;
        /* The state directory's fd carries the parent's flock: drop it (and every other
         * parent-only fd) now, not at execve. */
        close(c->dirfd);
        close(c->rootfd);
        if (c->cgroup_fd >= 0)
                close(c->cgroup_fd);
        c->dirfd = c->rootfd = c->cgroup_fd = -1;
        /* Not ptrace-able (and /proc/PID/fd closed) to the container's own processes, e.g.
         * an `exec` while we wait for `start`, until execve resets it. */
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        child_ns_step(c);
        if (child_setup_rootfs(c, &e) < 0)
                child_fail(sock, &e, 1);
        const struct berth_process *p = &c->spec->process;
        _cleanup_free_ char *exe = NULL;
        if (!c->spec->has_process)
                child_no_process(c);
        if (berth_process_set_rlimits(p, &e) < 0 || child_terminal(c, &e) < 0)
                child_fail(sock, &e, 1);
        if (berth_exec_lookup(p->env, p->args[0], &exe, &e) < 0) {
                (void)berth_sync_send(sock, BERTH_SYNC_EXEC_FAILED, e.code, e.msg, strlen(e.msg),
                                      -1);
                _exit(e.code == EACCES ? 126 : 127);
        }
        if (berth_child_chdir(p->cwd ? p->cwd : "/", &e) < 0 ||
            berth_child_fds(c->opts->preserve_fds, &e) < 0)
                child_fail(sock, &e, 1);
        if (berth_sync_send(sock, BERTH_SYNC_READY, 0, NULL, 0, -1) < 0)
                _exit(1);
        wait_for_start(c->fifo_fd);
        close(c->fifo_fd);
        /* A separate `start` connected before it released us: it reads our failure, or
         * EOF when execve closes this fd. */
        int report = berth_start_report_accept(c->start_listen_fd);
        c->start_listen_fd = -1;
        if (c->spec->n_hooks[BERTH_HOOK_START_CONTAINER] &&
            berth_hooks_run(c->spec, BERTH_HOOK_START_CONTAINER, c->state_json, &e) < 0)
                late_fail(sock, report, &e, 1);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < 32; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        signal(sig, SIG_DFL);
        if (berth_child_personality(c->spec, &e) < 0)
                late_fail(sock, report, &e, 1);
        int notify_fd = -1;
        if (berth_process_finalize(p, c->has_bpf ? &c->bpf : NULL, c->setgroups_allowed, &notify_fd,
                                   &e) < 0)
                late_fail(sock, report, &e, 1);
        execve(exe, p->args, p->env ? p->env : (char *[]){NULL});
        int code = errno == ENOENT ? 127 : 126;
        berth_error_errno(&e, "exec '%s'", p->args[0]);
        late_fail(sock, report, &e, code);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec: run a new process inside a running container.  The joining process is not
 * dumpable (no ptrace from the container, CVE-2016-9962) until its execve, joins the
 * namespaces of the init through /proc/PID/ns (user first; a pid namespace join needs a
 * fork), is put in the container's cgroup by us, and keeps no host fd past execve.
 */
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/log.h"
#include "basic/strutil.h"
#include "runtime/container_internal.h"
#include "runtime/process.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "basic/banned.h"

#define EXEC_MAX_ADDITIONAL_GIDS 65536 /* NGROUPS_MAX */

struct exec_ctx {
        const struct berth_exec_opts *opts;
        struct loaded l;
        struct berth_spec *spec;
        struct berth_process proc; /* the process to run (owned) */
        struct berth_seccomp_bpf bpf;
        bool has_bpf;
        int ns_fds[BERTH_NS__COUNT];
        bool need_fork;
        int sync[2];
        int console_fd;
        int pty_master;
        char *root_dir;
        pid_t child, pid;
        int exec_failed_status; /* 127/126 when the executable could not be found/run */
};

static char **strv_concat(char **a, char **b)
{
        char **v = berth_strv_copy(a);
        if (!v && a)
                return NULL;
        for (char **p = b; p && *p; p++)
                if (berth_strv_push(&v, *p) < 0) {
                        berth_strv_free(v);
                        return NULL;
                }
        if (!v)
                v = calloc(1, sizeof(char *));
        return v;
}

/* --user uid[:gid] (a missing gid keeps the config's, as runc).  The config's additional
 * gids stay only when the user is still the config's one. */
static int parse_user(const char *s, struct berth_user *u, struct berth_error *err)
{
        _cleanup_free_ char *copy = strdup(s);
        if (!copy)
                return berth_error_set(err, ENOMEM, "out of memory");
        char *colon = strchr(copy, ':');
        if (colon)
                *colon++ = 0;
        uint64_t uid, gid = u->gid;
        if (berth_parse_uint64(copy, UINT32_MAX - 1, &uid) < 0 ||
            (colon && berth_parse_uint64(colon, UINT32_MAX - 1, &gid) < 0))
                return berth_error_set(err, EINVAL, "--user: expected uid[:gid], got '%s'", s);
        if (uid != u->uid || gid != u->gid) {
                free(u->additional_gids);
                u->additional_gids = NULL;
                u->n_additional_gids = 0;
        }
        u->uid = (uint32_t)uid;
        u->gid = (uint32_t)gid;
        return 0;
}

/* -g/--additional-gids: each value one gid or a comma-separated list; appended. */
static int add_gids(char **vals, struct berth_user *u, struct berth_error *err)
{
        for (char **v = vals; v && *v; v++) {
                _cleanup_free_ char *copy = strdup(*v);
                if (!copy)
                        return berth_error_set(err, ENOMEM, "out of memory");
                char *save = NULL;
                for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                        uint64_t gid;
                        if (berth_parse_uint64(t, UINT32_MAX - 1, &gid) < 0)
                                return berth_error_set(err, EINVAL,
                                                       "--additional-gids: invalid gid '%s'", t);
                        if (u->n_additional_gids >= EXEC_MAX_ADDITIONAL_GIDS)
                                return berth_error_set(err, E2BIG,
                                                       "--additional-gids: more than %d gids",
                                                       EXEC_MAX_ADDITIONAL_GIDS);
                        uint32_t *n = realloc(u->additional_gids,
                                              (u->n_additional_gids + 1) * sizeof(uint32_t));
                        if (!n)
                                return berth_error_set(err, ENOMEM, "out of memory");
                        u->additional_gids = n;
                        u->additional_gids[u->n_additional_gids++] = (uint32_t)gid;
                }
        }
        return 0;
}

static int copy_process(const struct berth_process *src, struct berth_process *dst)
{
        memset(dst, 0, sizeof(*dst));
        dst->terminal = src->terminal;
        dst->cwd = src->cwd ? strdup(src->cwd) : NULL;
        dst->env = berth_strv_copy(src->env);
        dst->user = src->user;
        dst->user.additional_gids = NULL;
        dst->user.n_additional_gids = 0;
        if (src->user.n_additional_gids) {
                size_t sz = src->user.n_additional_gids * sizeof(uint32_t);
                if (!(dst->user.additional_gids = malloc(sz)))
                        return -ENOMEM;
                memcpy(dst->user.additional_gids, src->user.additional_gids, sz);
                dst->user.n_additional_gids = src->user.n_additional_gids;
        }
        dst->caps = src->caps;
        /* The container's rlimits, as runc's exec without -p. */
        if (src->n_rlimits) {
                size_t sz = src->n_rlimits * sizeof(*src->rlimits);
                if (!(dst->rlimits = malloc(sz)))
                        return -ENOMEM;
                memcpy(dst->rlimits, src->rlimits, sz);
                dst->n_rlimits = src->n_rlimits;
        }
        dst->no_new_privileges = src->no_new_privileges;
        dst->apparmor_profile = src->apparmor_profile ? strdup(src->apparmor_profile) : NULL;
        dst->selinux_label = src->selinux_label ? strdup(src->selinux_label) : NULL;
        return 0;
}

static int build_process(struct exec_ctx *x, struct berth_error *err)
{
        const struct berth_exec_opts *o = x->opts;
        const struct berth_process *cp = &x->spec->process;
        int r;
        if (o->process_json) {
                r = berth_spec_parse_process(o->process_json, strlen(o->process_json), &x->proc,
                                             err);
                if (r < 0)
                        return berth_error_prefix(err, r, "process");
                if (!x->proc.caps.present)
                        x->proc.caps = cp->caps;
                if (cp->no_new_privileges)
                        x->proc.no_new_privileges = true;
        } else {
                if (!o->args || !o->args[0])
                        return berth_error_set(err, EINVAL, "exec: no command given");
                if (copy_process(cp, &x->proc) < 0)
                        return berth_error_set(err, ENOMEM, "out of memory");
                if (!(x->proc.args = berth_strv_copy(o->args)))
                        return berth_error_set(err, ENOMEM, "out of memory");
                char **env = strv_concat(x->proc.env, o->env);
                if (!env)
                        return berth_error_set(err, ENOMEM, "out of memory");
                berth_strv_free(x->proc.env);
                x->proc.env = env;
                x->proc.terminal = o->tty;
                if (o->cwd) {
                        free(x->proc.cwd);
                        x->proc.cwd = strdup(o->cwd);
                }
                if (o->user && (r = parse_user(o->user, &x->proc.user, err)) < 0)
                        return r;
                if ((r = add_gids(o->additional_gids, &x->proc.user, err)) < 0)
                        return r;
        }
        for (char **c = o->caps; c && *c; c++) {
                int n = berth_cap_from_name(*c);
                if (n < 0)
                        return berth_error_set(err, EINVAL, "--cap: unknown capability '%s'", *c);
                uint64_t bit = 1ULL << n;
                x->proc.caps.present = true;
                x->proc.caps.bounding |= bit;
                x->proc.caps.effective |= bit;
                x->proc.caps.permitted |= bit;
        }
        if (o->no_new_privs)
                x->proc.no_new_privileges = true;
        if (o->apparmor) {
                free(x->proc.apparmor_profile);
                x->proc.apparmor_profile = strdup(o->apparmor);
        }
        if (o->process_label) {
                free(x->proc.selinux_label);
                x->proc.selinux_label = strdup(o->process_label);
        }
        if (o->console_socket && !x->proc.terminal)
                return berth_error_set(err, EINVAL,
                                       "--console-socket '%s' given but the process has no "
                                       "terminal (use --tty)",
                                       o->console_socket);
        if (x->proc.terminal && o->detach && !o->console_socket)
                return berth_error_set(err, EINVAL,
                                       "cannot allocate a tty for a detached exec without "
                                       "--console-socket");
        return 0;
}

static bool same_ns(const char *a, const char *b)
{
        struct stat sa, sb;
        return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
               sa.st_dev == sb.st_dev;
}

static int open_namespaces(struct exec_ctx *x, struct berth_error *err)
{
        for (int t = 0; t < BERTH_NS__COUNT; t++) {
                if (!x->spec->namespaces[t].enabled)
                        continue;
                char path[64], self[64];
                snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)x->l.st->pid,
                         berth_ns_type_proc_name(t));
                snprintf(self, sizeof(self), "/proc/self/ns/%s", berth_ns_type_proc_name(t));
                if (same_ns(path, self))
                        continue;
                x->ns_fds[t] = open(path, O_RDONLY | O_CLOEXEC);
                if (x->ns_fds[t] < 0)
                        return berth_error_errno(err, "open %s", path);
                if (t == BERTH_NS_PID || t == BERTH_NS_TIME)
                        x->need_fork = true;
        }
        /* The init must still be the one we recorded. */
        uint64_t st = 0;
        if (berth_proc_start_time(x->l.st->pid, &st, NULL) < 0 || st != x->l.st->start_time)
                return berth_error_set(err, ESRCH, "container '%s' is not running", x->l.st->id);
        return 0;
}

static _Noreturn void exec_fail(int sock, struct berth_error *e, int code)
{
        berth_sync_send_error(sock, e);
        _exit(code);
}

static void exec_child_join(struct exec_ctx *x, int sock)
{
        static const int order[] = {BERTH_NS_USER, BERTH_NS_IPC,    BERTH_NS_UTS,  BERTH_NS_NETWORK,
                                    BERTH_NS_PID,  BERTH_NS_CGROUP, BERTH_NS_TIME, BERTH_NS_MOUNT};
        struct berth_error e = {0};
        for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
                int t = order[i];
                if (x->ns_fds[t] < 0)
                        continue;
                if (setns(x->ns_fds[t], berth_ns_type_clone_flag(t)) < 0) {
                        berth_error_errno(&e, "join the container's %s namespace",
                                          berth_ns_type_to_string(t));
                        exec_fail(sock, &e, 1);
                }
                close(x->ns_fds[t]);
                x->ns_fds[t] = -1;
        }
        if (berth_sync_send(sock, BERTH_SYNC_NS_READY, getpid(), NULL, 0, -1) < 0)
                _exit(1);
        struct berth_sync_msg m = {.fd = -1};
        if (berth_sync_expect(sock, BERTH_SYNC_NS_DONE, &m, &e) < 0)
                _exit(1);
        berth_sync_msg_clear(&m);
        if (x->need_fork) {
                struct clone_args ca = {.flags = CLONE_PARENT};
                long pid = syscall(SYS_clone3, &ca, sizeof(ca));
                if (pid < 0) {
                        berth_error_errno(&e, "fork into the container's pid namespace");
                        exec_fail(sock, &e, 1);
                }
                if (pid > 0) {
                        (void)berth_sync_send(sock, BERTH_SYNC_PID, (int32_t)pid, NULL, 0, -1);
                        _exit(0);
                }
        }
}

static _Noreturn void exec_child(struct exec_ctx *x)
{
        struct berth_error e = {0};
        int sock = x->sync[1];
        close(x->sync[0]);
        /* No host directory fd travels into the container's namespaces. */
        close(x->l.dirfd);
        close(x->l.rootfd);
        x->l.dirfd = x->l.rootfd = -1;
        exec_child_join(x, sock);
        const struct berth_process *p = &x->proc;
        _cleanup_free_ char *exe = NULL;
        if (berth_process_set_rlimits(p, &e) < 0)
                exec_fail(sock, &e, 1);
        if (p->terminal) {
                int master = -1;
                if (berth_terminal_setup_child(0, 0, p->user.uid, &master, &e) < 0)
                        exec_fail(sock, &e, 1);
                if (x->console_fd >= 0) {
                        if (berth_terminal_send_console(x->console_fd, master, &e) < 0)
                                exec_fail(sock, &e, 1);
                        close(x->console_fd);
                } else if (berth_sync_send(sock, BERTH_SYNC_PTY, 0, NULL, 0, master) < 0) {
                        _exit(1);
                }
                close(master);
        }
        if (berth_exec_lookup(p->env, p->args[0], &exe, &e) < 0) {
                (void)berth_sync_send(sock, BERTH_SYNC_EXEC_FAILED, e.code, e.msg, strlen(e.msg),
                                      -1);
                _exit(e.code == EACCES ? 126 : 127);
        }
        if (berth_child_chdir(p->cwd ? p->cwd : "/", &e) < 0 ||
            berth_child_fds(x->opts->preserve_fds, &e) < 0)
                exec_fail(sock, &e, 1);
        if (berth_sync_send(sock, BERTH_SYNC_READY, 0, NULL, 0, -1) < 0)
                _exit(1);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < 32; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        signal(sig, SIG_DFL);
        if (berth_child_personality(x->spec, &e) < 0)
                exec_fail(sock, &e, 1);
        int notify_fd = -1;
        if (berth_process_finalize(p, x->has_bpf ? &x->bpf : NULL, true, &notify_fd, &e) < 0)
                exec_fail(sock, &e, 1);
        execve(exe, p->args, p->env ? p->env : (char *[]){NULL});
        int code = errno == ENOENT ? 127 : 126;
        berth_error_errno(&e, "exec '%s'", p->args[0]);
        (void)berth_sync_send(sock, BERTH_SYNC_EXEC_FAILED, e.code, e.msg, strlen(e.msg), -1);
        _exit(code);
}

static int exec_prepare(struct exec_ctx *x, struct berth_error *err)
{
        const struct berth_exec_opts *o = x->opts;
        int r = berth_load(o->root, o->id, false, &x->l, err);
        if (r < 0)
                return r;
        if (x->l.status == BERTH_STATUS_PAUSED && !o->ignore_paused)
                return berth_error_set(err, EBUSY,
                                       "cannot exec in container '%s': container is paused "
                                       "(resume it, or use --ignore-paused)",
                                       o->id);
        if (x->l.status != BERTH_STATUS_RUNNING && x->l.status != BERTH_STATUS_CREATED &&
            x->l.status != BERTH_STATUS_PAUSED)
                return berth_error_set(err, EINVAL, "cannot exec in container '%s': it is %s",
                                       o->id, berth_status_to_string(x->l.status));
        if ((r = berth_load_saved_config(x->l.dirfd, &x->spec, err)) < 0 ||
            (r = build_process(x, err)) < 0 || (r = open_namespaces(x, err)) < 0)
                return r;
        if (x->spec->has_seccomp) {
                const char *root = o->root ? o->root : BERTH_RUNTIME_DEFAULT_ROOT;
                _cleanup_free_ char *cache = berth_strdup_printf("%s/seccomp-cache", root);
                if (!cache)
                        return berth_error_set(err, ENOMEM, "out of memory");
                if ((r = berth_seccomp_compile(&x->spec->seccomp, cache, &x->bpf, err)) < 0)
                        return berth_error_prefix(err, r, "linux.seccomp");
                x->has_bpf = true;
        }
        if (x->proc.terminal && o->console_socket &&
            (r = berth_console_socket_connect(o->console_socket, &x->console_fd, err)) < 0)
                return r;
        return berth_sync_pair(x->sync, err);
}

static int exec_parent(struct exec_ctx *x, struct berth_error *err)
{
        struct berth_sync_msg m = {.fd = -1};
        int sock = x->sync[0];
        int r = berth_sync_expect(sock, BERTH_SYNC_NS_READY, &m, err);
        if (r < 0)
                return r;
        berth_sync_msg_clear(&m);
        if (x->l.cg && (r = berth_cgroup_enter(x->l.cg, x->child, err)) < 0)
                return berth_error_prefix(err, r, "join the container's cgroup");
        if (berth_sync_send(sock, BERTH_SYNC_NS_DONE, 1, NULL, 0, -1) < 0)
                return berth_error_errno(err, "sync with exec process");
        if (x->need_fork) {
                if ((r = berth_sync_expect(sock, BERTH_SYNC_PID, &m, err)) < 0)
                        return r;
                x->pid = m.value;
                berth_sync_msg_clear(&m);
                while (waitpid(x->child, NULL, 0) < 0 && errno == EINTR)
                        ;
                x->child = x->pid;
        }
        if (x->proc.terminal && x->console_fd < 0) {
                if ((r = berth_sync_expect(sock, BERTH_SYNC_PTY, &m, err)) < 0)
                        return r;
                x->pty_master = TAKE_FD(m.fd);
                berth_sync_msg_clear(&m);
        }
        if ((r = berth_sync_expect(sock, BERTH_SYNC_READY, &m, err)) < 0) {
                if (m.type == BERTH_SYNC_EXEC_FAILED)
                        x->exec_failed_status = m.value == EACCES ? 126 : 127;
                return r;
        }
        berth_sync_msg_clear(&m);
        /* EOF: execve happened; a message: it failed. */
        r = berth_sync_recv(sock, &m);
        if (r == 0 && (m.type == BERTH_SYNC_EXEC_FAILED || m.type == BERTH_SYNC_ERROR)) {
                if (m.type == BERTH_SYNC_EXEC_FAILED)
                        x->exec_failed_status = m.value == ENOENT ? 127 : 126;
                r = berth_error_set(err, m.value > 0 ? m.value : EIO, "%s",
                                    m.payload ? m.payload : "exec failed");
                berth_sync_msg_clear(&m);
                return r;
        }
        berth_sync_msg_clear(&m);
        if (x->opts->pid_file && (r = berth_write_pid_file(x->opts->pid_file, x->pid, err)) < 0)
                return r;
        berth_log_debug("exec: process %d started in container %s", (int)x->pid, x->opts->id);
        return 0;
}

static int forward_signal(int sig, void *data)
{
        pid_t pid = *(pid_t *)data;
        if (sig != SIGCHLD && sig != SIGWINCH)
                kill(pid, sig);
        /* SIGCHLD: the process may be gone; the pty hang-up ends the proxy. */
        return 0;
}

static int exec_wait(struct exec_ctx *x, int sigfd, int *exit_status, struct berth_error *err)
{
        if (x->pty_master >= 0) {
                /* The proxy ends when the pty hangs up; signals are forwarded meanwhile. */
                struct berth_error ignore = {0};
                (void)berth_terminal_proxy(x->pty_master, sigfd, forward_signal, &x->pid, &ignore);
        }
        for (;;) {
                int st;
                pid_t p = waitpid(x->pid, &st, WNOHANG);
                if (p == x->pid) {
                        *exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                        return 0;
                }
                if (p < 0 && errno != EINTR)
                        return berth_error_errno(err, "wait for exec process");
                struct signalfd_siginfo si;
                ssize_t n = read(sigfd, &si, sizeof(si));
                if (n == sizeof(si) && si.ssi_signo != SIGCHLD && si.ssi_signo != SIGWINCH)
                        kill(x->pid, (int)si.ssi_signo);
        }
}

static void exec_ctx_free(struct exec_ctx *x)
{
        berth_loaded_free(&x->l);
        berth_spec_free(x->spec);
        berth_process_free(&x->proc);
        if (x->has_bpf)
                berth_seccomp_bpf_free(&x->bpf);
        for (int t = 0; t < BERTH_NS__COUNT; t++)
                if (x->ns_fds[t] >= 0)
                        close(x->ns_fds[t]);
        for (int i = 0; i < 2; i++)
                if (x->sync[i] >= 0)
                        close(x->sync[i]);
        if (x->console_fd >= 0)
                close(x->console_fd);
        if (x->pty_master >= 0)
                close(x->pty_master);
}

int berth_container_exec(const struct berth_exec_opts *opts, pid_t *pid, int *exit_status,
                         struct berth_error *err)
{
        struct exec_ctx x = {.opts = opts, .sync = {-1, -1}, .console_fd = -1, .pty_master = -1};
        x.l.rootfd = x.l.dirfd = -1;
        for (int t = 0; t < BERTH_NS__COUNT; t++)
                x.ns_fds[t] = -1;
        /* CVE-2016-9962: not ptrace-able from the container until execve. */
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        int r = exec_prepare(&x, err);
        sigset_t all, old;
        sigfillset(&all);
        sigdelset(&all, SIGSEGV);
        sigdelset(&all, SIGBUS);
        int sigfd = -1;
        if (r == 0 && !opts->detach) {
                sigprocmask(SIG_BLOCK, &all, &old);
                sigfd = signalfd(-1, &all, SFD_CLOEXEC);
                if (sigfd < 0)
                        r = berth_error_errno(err, "signalfd");
        }
        if (r == 0) {
                long child = syscall(SYS_clone3, &(struct clone_args){.exit_signal = SIGCHLD},
                                     sizeof(struct clone_args));
                if (child < 0)
                        r = berth_error_errno(err, "fork");
                else if (child == 0)
                        exec_child(&x);
                else {
                        x.child = x.pid = (pid_t)child;
                        close(x.sync[1]);
                        x.sync[1] = -1;
                        r = exec_parent(&x, err);
                        if (r < 0) {
                                kill(x.pid, SIGKILL);
                                while (waitpid(x.pid, NULL, 0) < 0 && errno == EINTR)
                                        ;
                        }
                }
        }
        if (r < 0 && x.exec_failed_status) {
                /* The command's status, with the reason left in err for the caller. */
                *exit_status = x.exec_failed_status;
                r = 0;
                opts = &(struct berth_exec_opts){.detach = true}; /* nothing to wait for */
        }
        if (r == 0 && pid)
                *pid = x.pid;
        if (r == 0 && !opts->detach)
                r = exec_wait(&x, sigfd, exit_status, err);
        if (sigfd >= 0) {
                close(sigfd);
                sigprocmask(SIG_SETMASK, &old, NULL);
        }
        exec_ctx_free(&x);
        return r;
}

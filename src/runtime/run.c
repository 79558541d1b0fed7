/* SPDX-License-Identifier: Apache-2.0 */
/* run = create + start (+ wait with signal forwarding, + delete unless --keep). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/log.h"
#include "runtime/container_internal.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "basic/banned.h"

struct waiter {
        pid_t pid;
        bool done;
        int status; /* exit code or 128+signal */
};

/* Reap children; record the init's status. */
static void reap(struct waiter *w)
{
        for (;;) {
                int st;
                pid_t p = waitpid(-1, &st, WNOHANG);
                if (p <= 0)
                        return;
                if (p == w->pid) {
                        w->done = true;
                        w->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                }
        }
}

static int on_signal(int sig, void *data)
{
        struct waiter *w = data;
        if (sig == SIGCHLD) {
                reap(w);
                return w->done;
        }
        if (sig != SIGWINCH)
                kill(w->pid, sig);
        return 0;
}

static int wait_loop(int sigfd, struct waiter *w, struct berth_error *err)
{
        reap(w);
        while (!w->done) {
                struct signalfd_siginfo si;
                ssize_t n = read(sigfd, &si, sizeof(si));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n != sizeof(si))
                        return berth_error_errno(err, "read signalfd");
                on_signal((int)si.ssi_signo, w);
        }
        return 0;
}

/* After start: wait for the exec (EOF on the sync socket) or its failure message. */
static int wait_exec(struct create_ctx *c, struct berth_run_result *res, bool *exec_failed,
                     struct berth_error *err)
{
        struct berth_sync_msg m = {.fd = -1};
        int r = berth_sync_recv(c->sync[0], &m);
        if (r == -EPIPE)
                return 0;
        if (r < 0)
                return 0; /* cannot tell: the wait will show */
        if (m.type == BERTH_SYNC_EXEC_FAILED || m.type == BERTH_SYNC_ERROR) {
                berth_error_set(err, m.value > 0 ? m.value : EIO, "%s",
                                m.payload ? m.payload : "exec failed");
                *exec_failed = true;
                if (m.type == BERTH_SYNC_ERROR)
                        res->exit_status = -1; /* a setup error, not the command's */
                else
                        res->exit_status = m.value == ENOENT ? 127 : 126;
        }
        berth_sync_msg_clear(&m);
        return 0;
}

static void run_cleanup(struct create_ctx *c, bool keep, struct berth_error *warn)
{
        c->dir_created = false;
        if (keep)
                return;
        /* Re-take the lock dropped for the wait; a `delete --force` from elsewhere may
         * have removed the container meanwhile. */
        while (flock(c->dirfd, LOCK_EX) < 0 && errno == EINTR)
                ;
        struct stat st;
        if (fstat(c->dirfd, &st) < 0 || st.st_nlink == 0)
                return;
        struct loaded l = {.rootfd = c->rootfd, .dirfd = c->dirfd, .cg = c->cg};
        l.status = BERTH_STATUS_STOPPED;
        (void)berth_state_read(c->dirfd, &l.st, NULL);
        struct berth_error e = {0};
        (void)berth_destroy_locked(&l, c->opts->id, warn, &e);
        berth_state_free(l.st);
        c->cg = NULL;
        berth_cgroup_free(l.cg);
        c->dir_created = false;
}

static int start_and_wait(struct create_ctx *c, int sigfd, struct berth_run_result *res,
                          struct berth_error *err)
{
        struct loaded l = {.rootfd = c->rootfd, .dirfd = c->dirfd, .status = BERTH_STATUS_CREATED};
        int r = berth_state_read(c->dirfd, &l.st, err);
        if (r == 0)
                r = berth_start_locked(&l, &res->warning, err);
        berth_state_free(l.st);
        if (r < 0)
                return r;
        bool exec_failed = false;
        wait_exec(c, res, &exec_failed, err);
        if (exec_failed) {
                /* The init is exiting: reap it (it is our child) and report. */
                while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                return 1;
        }
        if (c->opts->detach)
                return 0;
        /* Other commands (kill, state, exec, pause) must work while we wait. */
        flock(c->dirfd, LOCK_UN);
        struct waiter w = {.pid = c->pid};
        if (c->pty_master >= 0) {
                r = berth_terminal_proxy(c->pty_master, sigfd, on_signal, &w, err);
                if (r < 0)
                        return r;
        }
        r = wait_loop(sigfd, &w, exec_failed ? NULL : err);
        if (r < 0)
                return r;
        berth_log_debug("run: container %s pid %d exited, status %d", c->opts->id, (int)c->pid,
                        w.status);
        if (!exec_failed)
                res->exit_status = w.status;
        return 0;
}

int berth_container_run(const struct berth_create_opts *opts, struct berth_run_result *res,
                        struct berth_error *err)
{
        memset(res, 0, sizeof(*res));
        sigset_t all, old;
        sigfillset(&all);
        sigdelset(&all, SIGKILL);
        sigdelset(&all, SIGSTOP);
        /* Fatal synchronous signals stay deliverable. */
        sigdelset(&all, SIGSEGV);
        sigdelset(&all, SIGBUS);
        sigdelset(&all, SIGILL);
        sigdelset(&all, SIGFPE);
        _cleanup_close_ int sigfd = -1;
        if (!opts->detach) {
                sigprocmask(SIG_BLOCK, &all, &old);
                sigfd = signalfd(-1, &all, SFD_CLOEXEC);
                if (sigfd < 0) {
                        int e = errno;
                        sigprocmask(SIG_SETMASK, &old, NULL);
                        return berth_error_setsys(err, e, "signalfd");
                }
                (void)prctl(PR_SET_CHILD_SUBREAPER, 1);
        }
        struct create_ctx c;
        create_ctx_init(&c, opts);
        c.run_mode = true;
        int r = create_container(&c, err);
        if (r == 0) {
                res->pid = c.pid;
                r = start_and_wait(&c, sigfd, res, err);
                if (r < 0) {
                        create_ctx_rollback(&c);
                } else if (!opts->detach || r == 1) {
                        struct berth_error warn = {0};
                        run_cleanup(&c, opts->keep && r != 1, &warn);
                        if (warn.code && !res->warning.code)
                                res->warning = warn;
                        if (r == 1 && res->exit_status < 0)
                                r = -(err->code ? err->code : EIO);
                        else
                                r = 0;
                }
        }
        if (r < 0 && c.exec_failed_status) {
                /* Not found / not executable: the command's status, with the reason. */
                res->exit_status = c.exec_failed_status;
                r = 0;
        }
        create_ctx_destroy(&c);
        if (!opts->detach)
                sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/banned.h"

const char *berth_hook_kind_name(enum berth_hook_kind kind)
{
        static const char *const names[] = {"prestart",       "createRuntime", "createContainer",
                                            "startContainer", "poststart",     "poststop"};
        return kind < BERTH_HOOK__COUNT ? names[kind] : "?";
}

static void hook_child(const struct berth_hook *hook, int exec_fd, int in_fd)
{
        /* stdin: the state; stdout: our stderr. */
        if (dup2(in_fd, 0) < 0 || dup2(2, 1) < 0)
                _exit(127);
        /* Default signal dispositions and mask for the hook. */
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        signal(SIGPIPE, SIG_DFL);
        char *empty_env[] = {NULL};
        char *default_argv[] = {hook->path, NULL};
        char **argv = hook->args && hook->args[0] ? hook->args : default_argv;
        char **envp = hook->env ? hook->env : empty_env;
        if (exec_fd >= 0)
                syscall(SYS_execveat, exec_fd, "", argv, envp, AT_EMPTY_PATH);
        else
                execve(hook->path, argv, envp);
        _exit(127);
}

static int wait_hook(pid_t pid, const struct berth_hook *hook, int *status, struct berth_error *err)
{
        if (!hook->has_timeout) {
                while (waitpid(pid, status, 0) < 0)
                        if (errno != EINTR)
                                return berth_error_errno(err, "wait for hook '%s'", hook->path);
                return 0;
        }
        int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pfd < 0)
                return berth_error_errno(err, "pidfd_open for hook '%s'", hook->path);
        struct timespec start, now;
        clock_gettime(CLOCK_MONOTONIC, &start);
        long long limit_ms = (long long)hook->timeout * 1000;
        for (;;) {
                clock_gettime(CLOCK_MONOTONIC, &now);
                long long el =
                    (now.tv_sec - start.tv_sec) * 1000LL + (now.tv_nsec - start.tv_nsec) / 1000000;
                if (el >= limit_ms)
                        break;
                struct pollfd p = {.fd = pfd, .events = POLLIN};
                int r = poll(&p, 1, (int)(limit_ms - el));
                if (r > 0) {
                        close(pfd);
                        while (waitpid(pid, status, 0) < 0)
                                if (errno != EINTR)
                                        return berth_error_errno(err, "wait for hook '%s'",
                                                                 hook->path);
                        return 0;
                }
                if (r < 0 && errno != EINTR) {
                        close(pfd);
                        break;
                }
        }
        close(pfd);
        kill(pid, SIGKILL);
        while (waitpid(pid, status, 0) < 0 && errno == EINTR)
                ;
        return berth_error_set(err, ETIMEDOUT, "hook '%s' timed out after %d s", hook->path,
                               hook->timeout);
}

int berth_hook_run(const struct berth_hook *hook, int exec_fd, const char *state_json,
                   struct berth_error *err)
{
        int sp[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
                return berth_error_errno(err, "socketpair for hook '%s'", hook->path);
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(sp[0]);
                close(sp[1]);
                return berth_error_setsys(err, e, "fork hook '%s'", hook->path);
        }
        if (pid == 0) {
                close(sp[0]);
                hook_child(hook, exec_fd, sp[1]);
        }
        close(sp[1]);
        /* The hook may not read its stdin: we never block on it, and a buffer as large as
         * the state lets a hook that reads late still get all of it. */
        if (state_json) {
                size_t len = strlen(state_json), off = 0;
                int want = len + 4096 > (size_t)INT32_MAX / 2 ? INT32_MAX / 2 : (int)len + 4096;
                if (setsockopt(sp[0], SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) < 0)
                        (void)setsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
                while (off < len) {
                        ssize_t w =
                            send(sp[0], state_json + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w <= 0)
                                break;
                        off += (size_t)w;
                }
        }
        shutdown(sp[0], SHUT_WR);
        int status = 0;
        int r = wait_hook(pid, hook, &status, err);
        close(sp[0]);
        if (r < 0)
                return r;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (WIFEXITED(status))
                return berth_error_set(err, EIO, "hook '%s' exited with status %d", hook->path,
                                       WEXITSTATUS(status));
        return berth_error_set(err, EIO, "hook '%s' killed by signal %d", hook->path,
                               WTERMSIG(status));
}

int berth_hooks_run(const struct berth_spec *spec, enum berth_hook_kind kind,
                    const char *state_json, struct berth_error *err)
{
        for (size_t i = 0; i < spec->n_hooks[kind]; i++) {
                int r = berth_hook_run(&spec->hooks[kind][i], -1, state_json, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "%s hook %zu", berth_hook_kind_name(kind),
                                                  i);
        }
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Lifecycle operations on an existing container: start, state, list, kill, delete, ps,
 * pause, resume, update, stats. */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/json.h"
#include "basic/log.h"
#include "basic/strutil.h"
#include "runtime/container_internal.h"
#include "runtime/hooks.h"
#include "runtime/sync.h"
#include "basic/banned.h"

static const char *root_or_default(const char *root)
{
        return root ? root : BERTH_RUNTIME_DEFAULT_ROOT;
}

void berth_loaded_free(struct loaded *l)
{
        if (l->dirfd >= 0)
                close(l->dirfd);
        if (l->rootfd >= 0)
                close(l->rootfd);
        berth_state_free(l->st);
        berth_cgroup_free(l->cg);
        l->dirfd = l->rootfd = -1;
        l->st = NULL;
        l->cg = NULL;
}

static int load_status(struct loaded *l, struct berth_error *err)
{
        bool frozen = false;
        if (l->cg && l->st && l->st->pid > 0) {
                struct berth_error ignore = {0};
                if (berth_cgroup_is_frozen(l->cg, &frozen, &ignore) < 0)
                        frozen = false;
        }
        l->status = berth_state_status(l->dirfd, l->st, frozen);
        return 0;
}

static void load_early_cgroup(struct loaded *l)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        if (berth_read_file_at(l->dirfd, "cgroup.json", 1u << 20, &buf, &len, NULL) < 0)
                return;
        _cleanup_json_ json_t *j = NULL;
        if (berth_json_parse(buf, len, 1u << 20, &j, NULL) < 0)
                return;
        (void)berth_cgroup_from_json(CGROUPFS_ROOT_DEFAULT, j, &l->cg, NULL);
}

int berth_load(const char *root, const char *id, bool lock, struct loaded *l,
               struct berth_error *err)
{
        memset(l, 0, sizeof(*l));
        l->rootfd = l->dirfd = -1;
        int r = berth_state_validate_id(id, err);
        if (r < 0)
                return r;
        root = root_or_default(root);
        if ((r = berth_state_open_root(root, false, &l->rootfd, err)) < 0) {
                if (r == -ENOENT)
                        return berth_error_set(err, ENOENT, "container '%s' does not exist", id);
                return r;
        }
        if (lock) {
                r = berth_state_open_dir(l->rootfd, id, &l->dirfd, err);
        } else {
                l->dirfd = openat(l->rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (l->dirfd < 0)
                        r = errno == ENOENT
                                ? berth_error_set(err, ENOENT, "container '%s' does not exist", id)
                                : berth_error_errno(err, "open container '%s'", id);
        }
        if (r < 0)
                goto fail;
        r = berth_state_read(l->dirfd, &l->st, err);
        if (r == -ENOENT) {
                /* Creating, or a create that died: its cgroup (if any) is in cgroup.json. */
                l->st = NULL;
                l->status = BERTH_STATUS_CREATING;
                load_early_cgroup(l);
                return 0;
        }
        if (r < 0)
                goto fail;
        if (l->st->cgroup) {
                const char *fsroot =
                    l->st->cgroupfs_root ? l->st->cgroupfs_root : CGROUPFS_ROOT_DEFAULT;
                r = berth_cgroup_from_json(fsroot, l->st->cgroup, &l->cg, err);
                if (r < 0)
                        goto fail;
        }
        return load_status(l, err);
fail:
        berth_loaded_free(l);
        return r;
}

int berth_load_saved_config(int dirfd, struct berth_spec **spec, struct berth_error *err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = berth_read_file_at(dirfd, "config.json", BERTH_SPEC_MAX_BYTES, &buf, &len, err);
        if (r < 0)
                return berth_error_prefix(err, r, "saved config");
        r = berth_spec_parse(buf, len, spec, err);
        return r < 0 ? berth_error_prefix(err, r, "saved config") : 0;
}

static char *oci_state_string(struct loaded *l)
{
        _cleanup_json_ json_t *o = berth_state_to_oci(l->st, l->status);
        return o ? berth_json_dump(o, false) : NULL;
}

int berth_start_locked(struct loaded *l, struct berth_error *warn, struct berth_error *err)
{
        const char *id = l->st ? l->st->id : "?";
        if (l->status != BERTH_STATUS_CREATED)
                return berth_error_set(err, EINVAL, "cannot start container '%s': it is %s", id,
                                       berth_status_to_string(l->status));
        _cleanup_close_ int fd = openat(l->dirfd, "exec.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENXIO)
                        return berth_error_set(err, ESRCH,
                                               "cannot start container '%s': its init is gone", id);
                return berth_error_errno(err, "open exec.fifo of '%s'", id);
        }
        /* Connected before the init is released, so it sees us (sync.h, start report). */
        _cleanup_close_ int report = berth_start_report_connect(l->dirfd);
        if (write(fd, "0", 1) != 1)
                return berth_error_errno(err, "start container '%s'", id);
        unlinkat(l->dirfd, "exec.fifo", 0);
        if (report >= 0) {
                unlinkat(l->dirfd, BERTH_START_SOCK, 0);
                int r = berth_start_report_wait(report, id, err);
                if (r < 0) {
                        l->status = BERTH_STATUS_STOPPED;
                        return r;
                }
        }
        l->status = BERTH_STATUS_RUNNING;
        berth_log_debug("start: container %s started (pid %d)", id, (int)l->st->pid);
        if (!(l->st->hook_mask & (1u << BERTH_HOOK_POSTSTART)))
                return 0;
        _cleanup_spec_ struct berth_spec *spec = NULL;
        struct berth_error e = {0};
        _cleanup_free_ char *state = oci_state_string(l);
        int r = berth_load_saved_config(l->dirfd, &spec, &e);
        if (r == 0)
                r = berth_hooks_run(spec, BERTH_HOOK_POSTSTART, state, &e);
        if (r < 0 && warn)
                *warn = e;
        return 0;
}

int berth_container_start(const char *root, const char *id, struct berth_error *warn,
                          struct berth_error *err)
{
        struct loaded l;
        int r = berth_load(root, id, true, &l, err);
        if (r < 0)
                return r;
        r = berth_start_locked(&l, warn, err);
        berth_loaded_free(&l);
        return r;
}

static json_t *state_object(struct loaded *l, const char *id)
{
        if (l->st)
                return berth_state_to_oci(l->st, l->status);
        return json_pack("{s:s,s:s,s:s,s:i,s:s,s:{}}", "ociVersion", "1.2.0", "id", id, "status",
                         "creating", "pid", 0, "bundle", "", "annotations");
}

int berth_container_state(const char *root, const char *id, json_t **out, struct berth_error *err)
{
        struct loaded l;
        int r = berth_load(root, id, false, &l, err);
        if (r < 0)
                return r;
        *out = state_object(&l, id);
        berth_loaded_free(&l);
        return *out ? 0 : berth_error_set(err, ENOMEM, "out of memory");
}

int berth_container_status(const char *root, const char *id, char **status, struct berth_error *err)
{
        struct loaded l;
        int r = berth_load(root, id, false, &l, err);
        if (r < 0)
                return r;
        *status = strdup(berth_status_to_string(l.status));
        berth_loaded_free(&l);
        return *status ? 0 : berth_error_set(err, ENOMEM, "out of memory");
}

int berth_container_list(const char *root, json_t **out, struct berth_error *err)
{
        root = root_or_default(root);
        json_t *arr = json_array();
        if (!arr)
                return berth_error_set(err, ENOMEM, "out of memory");
        _cleanup_closedir_ DIR *d = opendir(root);
        if (!d) {
                if (errno == ENOENT) {
                        *out = arr;
                        return 0;
                }
                json_decref(arr);
                return berth_error_errno(err, "open state root '%s'", root);
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || berth_state_validate_id(de->d_name, NULL) < 0)
                        continue;
                struct loaded l;
                if (berth_load(root, de->d_name, false, &l, NULL) < 0)
                        continue;
                json_t *o = state_object(&l, de->d_name);
                berth_loaded_free(&l);
                if (o)
                        json_array_append_new(arr, o);
        }
        *out = arr;
        return 0;
}

static bool is_alive(enum berth_status st)
{
        return st == BERTH_STATUS_CREATED || st == BERTH_STATUS_RUNNING ||
               st == BERTH_STATUS_PAUSED;
}

/* Signal the init through a pidfd, after checking the pidfd is still that process. */
static int signal_init(struct loaded *l, int sig, struct berth_error *err)
{
        _cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, l->st->pid, 0);
        if (pfd < 0)
                return berth_error_errno(err, "container '%s': open its init %d", l->st->id,
                                         (int)l->st->pid);
        uint64_t st = 0;
        if (berth_proc_start_time(l->st->pid, &st, NULL) < 0 || st != l->st->start_time)
                return berth_error_set(err, ESRCH, "container '%s' is not running", l->st->id);
        if (syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0)
                return berth_error_errno(err, "kill container '%s' with signal %d", l->st->id, sig);
        return 0;
}

int berth_container_kill(const char *root, const char *id, int sig, bool all,
                         struct berth_error *err)
{
        struct loaded l;
        int r = berth_load(root, id, true, &l, err);
        if (r < 0)
                return r;
        if (!l.st || !is_alive(l.status)) {
                r = berth_error_set(err, ESRCH, "container '%s' is not running: %s", id,
                                    berth_status_to_string(l.status));
        } else if (all && l.cg) {
                r = berth_cgroup_kill_all(l.cg, sig, err);
        } else {
                r = signal_init(&l, sig, err);
        }
        if (r == 0)
                berth_log_debug("kill: signal %d sent to container %s (%s)", sig, id,
                                all ? "every process" : "init");
        berth_loaded_free(&l);
        return r;
}

/* Wait up to ~10 s for the init to be gone. */
static void wait_gone(struct loaded *l)
{
        _cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, l->st->pid, 0);
        if (pfd < 0)
                return;
        uint64_t st = 0;
        if (berth_proc_start_time(l->st->pid, &st, NULL) < 0 || st != l->st->start_time)
                return;
        for (int i = 0; i < 100; i++) {
                struct pollfd p = {.fd = pfd, .events = POLLIN};
                if (poll(&p, 1, 100) > 0)
                        break;
        }
        /* A zombie of someone else's counts as gone: only the directory matters now. */
        l->status = BERTH_STATUS_STOPPED;
}

int berth_destroy_locked(struct loaded *l, const char *id, struct berth_error *warn,
                         struct berth_error *err)
{
        if (l->cg) {
                /* Stray processes (no pid namespace) die with the container. */
                (void)berth_cgroup_kill_all(l->cg, SIGKILL, NULL);
                int r = 0;
                for (int i = 0; i < 50; i++) {
                        r = berth_cgroup_destroy(l->cg, err);
                        if (r != -EBUSY)
                                break;
                        struct timespec ts = {0, 20 * 1000 * 1000};
                        nanosleep(&ts, NULL);
                }
                if (r < 0 && r != -ENOENT)
                        return berth_error_prefix(err, r, "delete container '%s'", id);
        }
        if (l->st && (l->st->hook_mask & (1u << BERTH_HOOK_POSTSTOP))) {
                _cleanup_spec_ struct berth_spec *spec = NULL;
                struct berth_error e = {0};
                _cleanup_free_ char *state = oci_state_string(l);
                int r = berth_load_saved_config(l->dirfd, &spec, &e);
                if (r == 0)
                        r = berth_hooks_run(spec, BERTH_HOOK_POSTSTOP, state, &e);
                if (r < 0 && warn)
                        *warn = e;
        }
        int r = berth_state_remove_dir(l->rootfd, id);
        if (r < 0)
                return berth_error_setsys(err, -r, "remove state of '%s'", id);
        berth_log_debug("delete: container %s deleted (cgroup and state removed)", id);
        return 0;
}

int berth_container_delete(const char *root, const char *id, bool force, struct berth_error *warn,
                           struct berth_error *err)
{
        struct loaded l;
        int r = berth_load(root, id, true, &l, err);
        if (r < 0)
                return r;
        if (l.st && (l.status == BERTH_STATUS_RUNNING || l.status == BERTH_STATUS_PAUSED) &&
            !force) {
                r = berth_error_set(err, EBUSY,
                                    "cannot delete container '%s' that is not stopped: %s", id,
                                    berth_status_to_string(l.status));
                goto out;
        }
        if (l.st && is_alive(l.status)) {
                if (l.cg)
                        (void)berth_cgroup_kill_all(l.cg, SIGKILL, NULL);
                (void)signal_init(&l, SIGKILL, NULL);
                wait_gone(&l);
        }
        r = berth_destroy_locked(&l, id, warn, err);
out:
        berth_loaded_free(&l);
        return r;
}

int berth_container_pids(const char *root, const char *id, pid_t **pids, size_t *n,
                         struct berth_error *err)
{
        struct loaded l;
        int r = berth_load(root, id, false, &l, err);
        if (r < 0)
                return r;
        if (!l.cg) {
                *pids = NULL;
                *n = 0;
        } else {
                r = berth_cgroup_pids(l.cg, pids, n, err);
        }
        berth_loaded_free(&l);
        return r;
}

static int freeze(const char *root, const char *id, bool frozen, struct berth_error *err)
{
        struct loaded l;
        int r = berth_load(root, id, true, &l, err);
        if (r < 0)
                return r;
        enum berth_status need = frozen ? BERTH_STATUS_RUNNING : BERTH_STATUS_PAUSED;
        if (l.status != need || !l.cg)
                r = berth_error_set(err, EINVAL, "container '%s' is %s, not %s", id,
                                    berth_status_to_string(l.status), berth_status_to_string(need));
        else
                r = berth_cgroup_freeze(l.cg, frozen, err);
        if (r == 0)
                berth_log_debug("%s: container %s %s", frozen ? "pause" : "resume", id,
                                frozen ? "frozen" : "thawed");
        berth_loaded_free(&l);
        return r;
}

int berth_container_pause(const char *root, const char *id, struct berth_error *err)
{
        return freeze(root, id, true, err);
}

int berth_container_resume(const char *root, const char *id, struct berth_error *err)
{
        return freeze(root, id, false, err);
}

int berth_container_update(const char *root, const char *id, const struct berth_resources *res,
                           struct berth_error *err)
{
        struct loaded l;
        int r = berth_load(root, id, true, &l, err);
        if (r < 0)
                return r;
        if (!is_alive(l.status) || !l.cg)
                r = berth_error_set(err, EINVAL, "cannot update container '%s': it is %s", id,
                                    berth_status_to_string(l.status));
        else
                r = berth_cgroup_update(l.cg, res, err);
        if (r == 0)
                berth_log_debug("update: container %s resources applied", id);
        berth_loaded_free(&l);
        return r;
}

int berth_container_stats(const char *root, const char *id, json_t **out, struct berth_error *err)
{
        struct loaded l;
        int r = berth_load(root, id, false, &l, err);
        if (r < 0)
                return r;
        if (!is_alive(l.status) || !l.cg)
                r = berth_error_set(err, ESRCH, "container '%s' is not running: %s", id,
                                    berth_status_to_string(l.status));
        else
                r = berth_cgroup_stats(l.cg, out, err);
        berth_loaded_free(&l);
        return r;
}

int berth_container_oom_killed(const char *root, const char *id, bool *killed,
                               struct berth_error *err)
{
        struct loaded l;
        int r = berth_load(root, id, false, &l, err);
        if (r < 0)
                return r;
        *killed = false;
        if (l.cg)
                r = berth_cgroup_oom_killed(l.cg, killed, err);
        berth_loaded_free(&l);
        return r;
}

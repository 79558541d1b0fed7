/* SPDX-License-Identifier: Apache-2.0 */
/* The create path, parent side: plan, validate, prepare, clone, drive the sync steps. */
#include "runtime/container.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/json.h"
#include "basic/log.h"
#include "basic/strutil.h"
#include "runtime/container_internal.h"
#include "runtime/hooks.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "basic/banned.h"

void create_ctx_init(struct create_ctx *c, const struct berth_create_opts *opts)
{
        memset(c, 0, sizeof(*c));
        c->opts = opts;
        c->root = opts->root ? opts->root : BERTH_RUNTIME_DEFAULT_ROOT;
        c->rootfd = c->dirfd = -1;
        for (int i = 0; i < BERTH_NS__COUNT; i++)
                c->ns_fds[i] = -1;
        c->sync[0] = c->sync[1] = -1;
        c->fifo_fd = c->console_fd = c->cgroup_fd = c->pty_master = c->start_listen_fd = -1;
        c->setgroups_allowed = true;
}

static void close_fd(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

void create_ctx_destroy(struct create_ctx *c)
{
        close_fd(&c->rootfd);
        close_fd(&c->dirfd);
        for (int i = 0; i < BERTH_NS__COUNT; i++)
                close_fd(&c->ns_fds[i]);
        close_fd(&c->sync[0]);
        close_fd(&c->sync[1]);
        close_fd(&c->fifo_fd);
        close_fd(&c->start_listen_fd);
        close_fd(&c->console_fd);
        close_fd(&c->cgroup_fd);
        close_fd(&c->pty_master);
        berth_spec_free(c->spec);
        c->spec = NULL;
        free(c->config_buf);
        c->config_buf = NULL;
        free(c->bundle);
        free(c->rootfs);
        c->bundle = c->rootfs = NULL;
        berth_cgroup_free(c->cg);
        c->cg = NULL;
        if (c->has_bpf)
                berth_seccomp_bpf_free(&c->bpf);
        c->has_bpf = false;
        if (c->cgmi)
                berth_cgroup_mountinfo_free(c->cgmi, c->n_cgmi);
        c->cgmi = NULL;
        free(c->state_json);
        c->state_json = NULL;
}

void create_ctx_rollback(struct create_ctx *c)
{
        if (c->pid > 0) {
                kill(c->pid, SIGKILL);
                if (c->pid != c->child)
                        (void)0; /* not our child: reaped by its reaper */
        }
        if (c->child > 0) {
                kill(c->child, SIGKILL);
                while (waitpid(c->child, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        if (c->pid > 0 && c->pid != c->child) {
                while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        c->child = c->pid = 0;
        if (c->cg && c->cg_created) {
                (void)berth_cgroup_kill_all(c->cg, SIGKILL, NULL);
                (void)berth_cgroup_destroy(c->cg, NULL);
                c->cg_created = false;
        }
        if (c->dir_created && c->rootfd >= 0) {
                berth_state_remove_dir(c->rootfd, c->opts->id);
                c->dir_created = false;
        }
}

/* ---- planning and validation ---- */

static int load_bundle(struct create_ctx *c, struct berth_error *err)
{
        const char *bundle = c->opts->bundle ? c->opts->bundle : ".";
        char buf[PATH_MAX];
        if (!realpath(bundle, buf))
                return berth_error_errno(err, "bundle '%s'", bundle);
        if (!(c->bundle = strdup(buf)))
                return berth_error_set(err, ENOMEM, "out of memory");
        _cleanup_close_ int bfd = open(c->bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (bfd < 0)
                return berth_error_errno(err, "open bundle '%s'", c->bundle);
        int r = berth_read_file_at(bfd, "config.json", BERTH_SPEC_MAX_BYTES, &c->config_buf,
                                   &c->config_len, err);
        if (r < 0)
                return berth_error_prefix(err, r, "bundle '%s'", c->bundle);
        r = berth_spec_parse(c->config_buf, c->config_len, &c->spec, err);
        if (r < 0)
                return berth_error_prefix(err, r, "bundle '%s': config.json", c->bundle);
        const struct berth_spec *s = c->spec;
        /* Without a process, create succeeds and start fails (runtime spec); run has
         * nothing to run. */
        if (!s->has_process && c->run_mode)
                return berth_error_set(err, EINVAL, "process: not set in config.json");
        if (s->has_process && (!s->process.args || !s->process.args[0]))
                return berth_error_set(err, EINVAL, "process.args: must not be empty");
        if (!s->root_path)
                return berth_error_set(err, EINVAL, "root.path: missing");
        _cleanup_free_ char *rp = s->root_path[0] == '/'
                                      ? strdup(s->root_path)
                                      : berth_strdup_printf("%s/%s", c->bundle, s->root_path);
        if (!rp)
                return berth_error_set(err, ENOMEM, "out of memory");
        if (!realpath(rp, buf))
                return berth_error_errno(err, "root.path '%s'", s->root_path);
        struct stat st;
        if (stat(buf, &st) < 0)
                return berth_error_errno(err, "root.path '%s'", s->root_path);
        if (!S_ISDIR(st.st_mode))
                return berth_error_set(err, ENOTDIR, "root.path '%s': not a directory",
                                       s->root_path);
        if (!(c->rootfs = strdup(buf)))
                return berth_error_set(err, ENOMEM, "out of memory");
        return 0;
}

static int plan_namespaces(struct create_ctx *c, struct berth_error *err)
{
        const struct berth_spec *s = c->spec;
        const struct berth_namespace *ns = s->namespaces;
        /* Joined by path (linux.namespaces[].path) or new: either way the rootfs is
         * prepared and pivoted inside it.  Without one we would change the host's mounts. */
        if (!ns[BERTH_NS_MOUNT].enabled)
                return berth_error_set(err, EINVAL,
                                       "linux.namespaces: a mount namespace (new or joined by "
                                       "path) is required; berth never changes the host's "
                                       "mounts");
        /* A joined uts namespace may be given a hostname too (as runc). */
        if ((s->hostname || s->domainname) && !ns[BERTH_NS_UTS].enabled)
                return berth_error_set(err, EINVAL, "%s '%s' requires a uts namespace",
                                       s->hostname ? "hostname" : "domainname",
                                       s->hostname ? s->hostname : s->domainname);
        bool any_join = false;
        int new_flags = 0;
        for (int t = 0; t < BERTH_NS__COUNT; t++) {
                if (!ns[t].enabled)
                        continue;
                if (ns[t].path) {
                        any_join = true;
                        c->ns_fds[t] = open(ns[t].path, O_RDONLY | O_CLOEXEC);
                        if (c->ns_fds[t] < 0)
                                return berth_error_errno(err, "linux.namespaces: open '%s'",
                                                         ns[t].path);
                } else {
                        new_flags |= berth_ns_type_clone_flag(t);
                }
        }
        c->userns = ns[BERTH_NS_USER].enabled && !ns[BERTH_NS_USER].path;
        if (c->userns && (s->n_uid_mappings == 0 || s->n_gid_mappings == 0))
                return berth_error_set(err, EINVAL,
                                       "linux.uidMappings/gidMappings: required with a new user "
                                       "namespace");
        bool new_time = ns[BERTH_NS_TIME].enabled && !ns[BERTH_NS_TIME].path;
        c->slow_path = any_join || new_time;
        /* The cgroup namespace is made by the child once it is in its cgroup (even with
         * CLONE_INTO_CGROUP: clone3 makes the namespaces before it moves the child). */
        if (new_flags & CLONE_NEWCGROUP) {
                c->unshare_cgroupns = true;
                new_flags &= ~CLONE_NEWCGROUP;
        }
        if (c->slow_path) {
                c->unshare_flags = new_flags;
                c->need_fork = ns[BERTH_NS_PID].enabled || new_time;
        } else {
                c->clone_ns_flags = new_flags;
        }
        return 0;
}

static bool spec_has_cgroup_mount(const struct berth_spec *s)
{
        for (size_t i = 0; i < s->n_mounts; i++)
                if (berth_streq(s->mounts[i].type, "cgroup") ||
                    berth_streq(s->mounts[i].type, "cgroup2"))
                        return true;
        return false;
}

/* The device rules the cgroup gets: the config's, then the devices every container
 * needs (null, zero, full, random, urandom, tty, console, ptmx, pts, tun, and mknod of
 * anything), then every linux.devices entry.  Without these a "deny all" rule would
 * forbid the container's own /dev. */
static const struct berth_device_rule default_rules[] = {
    {true, 'c', -1, -1, "m"},    {true, 'b', -1, -1, "m"}, {true, 'c', 1, 3, "rwm"},
    {true, 'c', 1, 8, "rwm"},    {true, 'c', 1, 7, "rwm"}, {true, 'c', 5, 0, "rwm"},
    {true, 'c', 1, 5, "rwm"},    {true, 'c', 1, 9, "rwm"}, {true, 'c', 5, 1, "rwm"},
    {true, 'c', 136, -1, "rwm"}, {true, 'c', 5, 2, "rwm"}, {true, 'c', 10, 200, "rwm"},
};

static int cgroup_resources(const struct berth_spec *s, struct berth_resources *out,
                            struct berth_device_rule **rules, struct berth_error *err)
{
        if (s->has_resources)
                *out = s->resources; /* shallow: only `devices` is replaced */
        else
                memset(out, 0, sizeof(*out));
        size_t n = out->n_devices + ARRAY_SIZE(default_rules) + s->n_devices;
        struct berth_device_rule *v = calloc(n, sizeof(*v));
        if (!v)
                return berth_error_set(err, ENOMEM, "out of memory");
        size_t k = 0;
        for (size_t i = 0; i < out->n_devices; i++)
                v[k++] = out->devices[i];
        for (size_t i = 0; i < ARRAY_SIZE(default_rules); i++)
                v[k++] = default_rules[i];
        for (size_t i = 0; i < s->n_devices; i++) {
                const struct berth_device *d = &s->devices[i];
                if (d->type != 'c' && d->type != 'b' && d->type != 'u')
                        continue;
                v[k++] = (struct berth_device_rule){true, d->type == 'b' ? 'b' : 'c', d->major,
                                                    d->minor, "rwm"};
        }
        out->devices = v;
        out->n_devices = k;
        *rules = v;
        return 0;
}

static int prepare(struct create_ctx *c, struct berth_error *err)
{
        const struct berth_create_opts *o = c->opts;
        int r = berth_state_validate_id(o->id, err);
        if (r < 0)
                return r;
        if ((r = load_bundle(c, err)) < 0)
                return r;
        const struct berth_spec *s = c->spec;
        if (s->process.terminal && !o->console_socket &&
            (o->detach || (!c->run_mode && !o->pty_master)))
                return berth_error_set(err, EINVAL,
                                       "cannot allocate a tty for a detached container without "
                                       "--console-socket");
        if (o->console_socket && !s->process.terminal)
                return berth_error_set(err, EINVAL,
                                       "--console-socket '%s' given but process.terminal is false",
                                       o->console_socket);
        if (s->has_seccomp && s->seccomp.listener_path)
                return berth_error_set(err, ENOTSUP,
                                       "linux.seccomp.listenerPath: not supported ('%s')",
                                       s->seccomp.listener_path);
        for (int k = 0; k < BERTH_HOOK__COUNT; k++)
                if (s->n_hooks[k])
                        c->hook_mask |= 1u << k;

        if ((r = berth_state_open_root(c->root, true, &c->rootfd, err)) < 0)
                return r;
        if ((r = berth_state_create_dir(c->rootfd, o->id, &c->dirfd, err)) < 0)
                return r;
        c->dir_created = true;

        const char *fsroot = o->cgroupfs_root ? o->cgroupfs_root : CGROUPFS_ROOT_DEFAULT;
        if ((r = berth_cgroup_new(fsroot, s->cgroups_path, o->id, &c->cg, err)) < 0)
                return r;
        struct berth_resources res;
        _cleanup_free_ struct berth_device_rule *rules = NULL;
        if ((r = cgroup_resources(s, &res, &rules, err)) < 0)
                return r;
        if ((r = berth_cgroup_create(c->cg, &res, err)) < 0)
                return berth_error_prefix(err, r, "cgroup");
        c->cg_created = true;
        /* If we die before state.json exists, `delete` still finds the cgroup here. */
        json_t *cgj = berth_cgroup_to_json(c->cg);
        _cleanup_free_ char *cgs = cgj ? berth_json_dump(cgj, false) : NULL;
        if (cgj)
                json_decref(cgj);
        if (!cgs)
                return berth_error_set(err, ENOMEM, "out of memory");
        if ((r = berth_write_file_atomic(c->dirfd, "cgroup.json", cgs, strlen(cgs), 0600, 0, err)) <
            0)
                return r;
        c->cgroup_fd = berth_cgroup_open_unified_fd(c->cg);
        if ((r = plan_namespaces(c, err)) < 0)
                return r;
        if (spec_has_cgroup_mount(s) &&
            (r = berth_cgroup_mountinfo(c->cg, &c->cgmi, &c->n_cgmi, err)) < 0)
                return r;

        if (s->has_seccomp) {
                _cleanup_free_ char *cache = berth_strdup_printf("%s/seccomp-cache", c->root);
                if (!cache)
                        return berth_error_set(err, ENOMEM, "out of memory");
                if (mkdir(cache, 0700) < 0 && errno != EEXIST)
                        return berth_error_errno(err, "create '%s'", cache);
                if ((r = berth_seccomp_compile(&s->seccomp, cache, &c->bpf, err)) < 0)
                        return berth_error_prefix(err, r, "linux.seccomp");
                c->has_bpf = true;
        }
        if (mkfifoat(c->dirfd, "exec.fifo", 0600) < 0)
                return berth_error_errno(err, "create exec.fifo");
        c->fifo_fd = openat(c->dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (c->fifo_fd < 0)
                return berth_error_errno(err, "open exec.fifo");
        /* run starts the init itself and hears of its failure over the sync socket. */
        if (!c->run_mode && (r = berth_start_report_listen(c->dirfd, &c->start_listen_fd, err)) < 0)
                return r;
        if (s->process.terminal) {
                if (o->console_socket) {
                        r = berth_console_socket_connect(o->console_socket, &c->console_fd, err);
                        if (r < 0)
                                return r;
                } else {
                        c->pty_to_parent = true;
                }
        }
        c->rctx = (struct berth_rootfs_ctx){
            .spec = s,
            .rootfs = c->rootfs,
            .bundle = c->bundle,
            .no_pivot = o->no_pivot,
            .in_userns = c->userns || s->namespaces[BERTH_NS_USER].path,
            .new_cgroupns = s->namespaces[BERTH_NS_CGROUP].enabled,
            .cgroup_mounts = c->cgmi,
            .n_cgroup_mounts = c->n_cgmi,
        };
        return berth_sync_pair(c->sync, err);
}

/* ---- the child's birth ---- */

static int do_clone(struct create_ctx *c, struct berth_error *err)
{
        struct clone_args ca = {
            .flags = c->slow_path ? 0 : (uint64_t)c->clone_ns_flags,
            .exit_signal = SIGCHLD,
        };
        if (c->cgroup_fd >= 0) {
                ca.flags |= CLONE_INTO_CGROUP;
                ca.cgroup = (uint64_t)c->cgroup_fd;
        }
        long pid = syscall(SYS_clone3, &ca, sizeof(ca));
        if (pid < 0)
                return berth_error_errno(err, "clone3 (flags 0x%llx)",
                                         (unsigned long long)ca.flags);
        if (pid == 0)
                berth_child_main(c);
        c->child = c->pid = (pid_t)pid;
        close_fd(&c->sync[1]);
        return 0;
}

static int write_map(pid_t pid, const char *file, const struct berth_id_mapping *m, size_t n,
                     struct berth_error *err)
{
        struct berth_buf b = {0};
        for (size_t i = 0; i < n; i++)
                if (berth_buf_printf(&b, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size) <
                    0) {
                        berth_buf_free(&b);
                        return berth_error_set(err, ENOMEM, "out of memory");
                }
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        int r = 0;
        if (fd < 0)
                r = berth_error_errno(err, "open %s", path);
        else if (write(fd, b.data, b.len) != (ssize_t)b.len)
                r = berth_error_errno(err, "write %s", file);
        berth_buf_free(&b);
        return r;
}

/* Step 1: the child's namespaces exist -> maps, cgroup, oom_score_adj. */
static int parent_ns_step(struct create_ctx *c, struct berth_error *err)
{
        struct berth_sync_msg m = {.fd = -1};
        int r = berth_sync_expect(c->sync[0], BERTH_SYNC_NS_READY, &m, err);
        if (r < 0)
                return r;
        berth_sync_msg_clear(&m);
        const struct berth_spec *s = c->spec;
        if (c->userns) {
                if (geteuid() != 0) {
                        char path[64];
                        snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)c->child);
                        if ((r = berth_write_string_at(AT_FDCWD, path, "deny", err)) < 0)
                                return r;
                        c->setgroups_allowed = false;
                }
                if ((r = write_map(c->child, "uid_map", s->uid_mappings, s->n_uid_mappings, err)) <
                        0 ||
                    (r = write_map(c->child, "gid_map", s->gid_mappings, s->n_gid_mappings, err)) <
                        0)
                        return berth_error_prefix(err, r, "user namespace");
        }
        /* A v1 cgroup attach waits for an RCU grace period (milliseconds): unless the
         * child must be in its cgroup now (to unshare its cgroup namespace, or to fork
         * the init), let it prepare its mounts meanwhile; it cannot get past step 2
         * before we are done. */
        bool join_late = c->cgroup_fd < 0 && !c->unshare_cgroupns && !c->need_fork;
        if (c->cgroup_fd < 0 && !join_late && (r = berth_cgroup_enter(c->cg, c->child, err)) < 0)
                return berth_error_prefix(err, r, "join cgroup");
        if (s->process.has_oom_score_adj) {
                char path[64], val[16];
                snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)c->child);
                snprintf(val, sizeof(val), "%d", s->process.oom_score_adj);
                if ((r = berth_write_string_at(AT_FDCWD, path, val, err)) < 0)
                        return berth_error_prefix(err, r, "process.oomScoreAdj");
        }
        if (berth_sync_send(c->sync[0], BERTH_SYNC_NS_DONE, c->setgroups_allowed, NULL, 0, -1) < 0)
                return berth_error_errno(err, "sync with container init");
        if (join_late && (r = berth_cgroup_enter(c->cg, c->child, err)) < 0)
                return berth_error_prefix(err, r, "join cgroup");
        if (c->slow_path && c->need_fork) {
                r = berth_sync_expect(c->sync[0], BERTH_SYNC_PID, &m, err);
                if (r < 0)
                        return r;
                c->pid = m.value;
                berth_sync_msg_clear(&m);
                /* The intermediate exits right after; with CLONE_PARENT the init is our
                 * child too. */
                while (waitpid(c->child, NULL, 0) < 0 && errno == EINTR)
                        ;
                c->child = c->pid;
        }
        return 0;
}

static char *make_state_json(struct create_ctx *c, const char *status)
{
        _cleanup_json_ json_t *a = json_object();
        for (size_t i = 0; a && i < c->spec->n_annotations; i++)
                json_object_set_new(a, c->spec->annotations[i].key,
                                    json_string(c->spec->annotations[i].value));
        _cleanup_json_ json_t *o =
            json_pack("{s:s,s:s,s:s,s:i,s:s,s:O}", "ociVersion", "1.2.0", "id", c->opts->id,
                      "status", status, "pid", (int)c->pid, "bundle", c->bundle, "annotations", a);
        return o ? berth_json_dump(o, false) : NULL;
}

/* Step 2: mounts prepared -> prestart + createRuntime hooks. Step 3: ready. */
static int parent_hooks_and_ready(struct create_ctx *c, struct berth_error *err)
{
        struct berth_sync_msg m = {.fd = -1};
        int r = berth_sync_expect(c->sync[0], BERTH_SYNC_MOUNTS_DONE, &m, err);
        if (r < 0)
                return r;
        berth_sync_msg_clear(&m);
        if (!(c->state_json = make_state_json(c, "creating")))
                return berth_error_set(err, ENOMEM, "out of memory");
        if ((r = berth_hooks_run(c->spec, BERTH_HOOK_PRESTART, c->state_json, err)) < 0 ||
            (r = berth_hooks_run(c->spec, BERTH_HOOK_CREATE_RUNTIME, c->state_json, err)) < 0)
                return r;
        if (berth_sync_send(c->sync[0], BERTH_SYNC_HOOKS_DONE, 0, c->state_json,
                            strlen(c->state_json), -1) < 0)
                return berth_error_errno(err, "sync with container init");
        if (c->pty_to_parent) {
                r = berth_sync_expect(c->sync[0], BERTH_SYNC_PTY, &m, err);
                if (r < 0)
                        return r;
                c->pty_master = TAKE_FD(m.fd);
                berth_sync_msg_clear(&m);
                if (c->pty_master < 0)
                        return berth_error_set(err, EPROTO, "no pty master received");
        }
        r = berth_sync_expect(c->sync[0], BERTH_SYNC_READY, &m, err);
        if (r < 0 && m.type == BERTH_SYNC_EXEC_FAILED)
                c->exec_failed_status = m.value == EACCES ? 126 : 127;
        berth_sync_msg_clear(&m);
        return r;
}

int berth_write_pid_file(const char *path, pid_t pid, struct berth_error *err)
{
        _cleanup_free_ char *copy = strdup(path);
        if (!copy)
                return berth_error_set(err, ENOMEM, "out of memory");
        char *slash = strrchr(copy, '/');
        const char *dir = ".", *name = copy;
        if (slash) {
                *slash = 0;
                dir = slash == copy ? "/" : copy;
                name = slash + 1;
        }
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return berth_error_errno(err, "pid file '%s'", path);
        char buf[16];
        int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
        int r = berth_write_file_atomic(dfd, name, buf, (size_t)n, 0644, 0, err);
        return r < 0 ? berth_error_prefix(err, r, "pid file '%s'", path) : 0;
}

static int record_state(struct create_ctx *c, struct berth_error *err)
{
        struct berth_state st = {0};
        bool zombie = false;
        int r = berth_proc_start_time(c->pid, &st.start_time, &zombie);
        if (r < 0 || zombie)
                return berth_error_set(err, ESRCH, "container init %d exited during create",
                                       (int)c->pid);
        st.id = (char *)c->opts->id;
        st.bundle = c->bundle;
        st.rootfs = c->rootfs;
        st.pid = c->pid;
        st.created = berth_now_rfc3339();
        st.owner = (char *)"";
        st.annotations = json_object();
        for (size_t i = 0; i < c->spec->n_annotations; i++)
                json_object_set_new(st.annotations, c->spec->annotations[i].key,
                                    json_string(c->spec->annotations[i].value));
        st.cgroup = berth_cgroup_to_json(c->cg);
        st.userns = c->userns;
        st.cgroupfs_root = (char *)c->opts->cgroupfs_root;
        st.hook_mask = c->hook_mask;
        char paths[BERTH_NS__COUNT][64];
        for (int t = 0; t < BERTH_NS__COUNT; t++) {
                if (!c->spec->namespaces[t].enabled)
                        continue;
                snprintf(paths[t], sizeof(paths[t]), "/proc/%d/ns/%s", (int)c->pid,
                         berth_ns_type_proc_name(t));
                st.ns_paths[t] = paths[t];
        }
        r = berth_state_write(c->dirfd, &st, err);
        free(st.created);
        json_decref(st.annotations);
        if (st.cgroup)
                json_decref(st.cgroup);
        if (r < 0)
                return r;
        if (c->opts->pid_file && (r = berth_write_pid_file(c->opts->pid_file, c->pid, err)) < 0)
                return r;
        return 0;
}

static int save_config(struct create_ctx *c, struct berth_error *err)
{
        return berth_write_file_atomic(c->dirfd, "config.json", c->config_buf, c->config_len, 0600,
                                       0, err);
}

int create_container(struct create_ctx *c, struct berth_error *err)
{
        int r = prepare(c, err);
        if (r < 0)
                goto fail;
        berth_log_debug("create: container %s: config parsed, state dir and cgroup made",
                        c->opts->id);
        if ((r = save_config(c, err)) < 0)
                goto fail;
        if ((r = do_clone(c, err)) < 0)
                goto fail;
        berth_log_debug("create: container %s: init cloned (pid %d, %s path)", c->opts->id,
                        (int)c->child, c->slow_path ? "setns/unshare" : "clone3");
        if ((r = parent_ns_step(c, err)) < 0)
                goto fail;
        berth_log_debug("create: container %s: namespaces and cgroup ready", c->opts->id);
        if ((r = parent_hooks_and_ready(c, err)) < 0 || (r = record_state(c, err)) < 0)
                goto fail;
        berth_log_debug("create: container %s pid %d (bundle %s, rootfs %s)", c->opts->id,
                        (int)c->pid, c->bundle, c->rootfs);
        close_fd(&c->console_fd);
        close_fd(&c->fifo_fd);
        close_fd(&c->start_listen_fd);
        return 0;
fail:
        create_ctx_rollback(c);
        return r;
}

int berth_container_create(const struct berth_create_opts *opts, pid_t *pid,
                           struct berth_error *err)
{
        struct create_ctx c;
        create_ctx_init(&c, opts);
        int r = create_container(&c, err);
        if (r == 0 && pid)
                *pid = c.pid;
        if (r == 0 && opts->pty_master)
                *opts->pty_master = TAKE_FD(c.pty_master);
        create_ctx_destroy(&c);
        return r;
}

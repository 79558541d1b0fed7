/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/state.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/json.h"
#include "basic/strutil.h"
#include "basic/banned.h"

#define STATE_MAX_BYTES (8u << 20)

int berth_state_validate_id(const char *id, struct berth_error *err)
{
        if (!id || !*id)
                return berth_error_set(err, EINVAL, "container id must not be empty");
        size_t len = strlen(id);
        if (len > BERTH_ID_MAX)
                return berth_error_set(err, EINVAL, "container id is longer than %d bytes",
                                       BERTH_ID_MAX);
        for (size_t i = 0; i < len; i++) {
                char c = id[i];
                bool alnum =
                    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                if (alnum || (i > 0 && (c == '_' || c == '.' || c == '-')))
                        continue;
                return berth_error_set(err, EINVAL,
                                       "invalid container id '%s': must match "
                                       "[A-Za-z0-9][A-Za-z0-9_.-]*",
                                       id);
        }
        return 0;
}

void berth_state_free(struct berth_state *s)
{
        if (!s)
                return;
        free(s->id);
        free(s->bundle);
        free(s->rootfs);
        free(s->created);
        free(s->owner);
        free(s->cgroupfs_root);
        if (s->annotations)
                json_decref(s->annotations);
        if (s->cgroup)
                json_decref(s->cgroup);
        for (int i = 0; i < BERTH_NS__COUNT; i++)
                free(s->ns_paths[i]);
        free(s);
}

int berth_state_open_root(const char *root, bool create, int *rootfd, struct berth_error *err)
{
        if (create) {
                int r = berth_mkdir_p(root, 0700);
                if (r < 0)
                        return berth_error_setsys(err, -r, "create state root '%s'", root);
        }
        int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return berth_error_errno(err, "open state root '%s'", root);
        *rootfd = fd;
        return 0;
}

static int lock_dir(int fd, const char *id, struct berth_error *err)
{
        while (flock(fd, LOCK_EX) < 0) {
                if (errno != EINTR)
                        return berth_error_errno(err, "lock container '%s'", id);
        }
        return 0;
}

int berth_state_create_dir(int rootfd, const char *id, int *dirfd, struct berth_error *err)
{
        int r = berth_state_validate_id(id, err);
        if (r < 0)
                return r;
        if (mkdirat(rootfd, id, 0700) < 0) {
                if (errno == EEXIST)
                        return berth_error_set(err, EEXIST, "container '%s' already exists", id);
                return berth_error_errno(err, "create state directory for '%s'", id);
        }
        _cleanup_close_ int fd =
            openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                r = berth_error_errno(err, "open state directory for '%s'", id);
                unlinkat(rootfd, id, AT_REMOVEDIR);
                return r;
        }
        r = lock_dir(fd, id, err);
        if (r < 0) {
                unlinkat(rootfd, id, AT_REMOVEDIR);
                return r;
        }
        *dirfd = TAKE_FD(fd);
        return 0;
}

int berth_state_open_dir(int rootfd, const char *id, int *dirfd, struct berth_error *err)
{
        int r = berth_state_validate_id(id, err);
        if (r < 0)
                return r;
        _cleanup_close_ int fd =
            openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                if (errno == ENOENT)
                        return berth_error_set(err, ENOENT, "container '%s' does not exist", id);
                return berth_error_errno(err, "open state directory for '%s'", id);
        }
        r = lock_dir(fd, id, err);
        if (r < 0)
                return r;
        /* Deleted while we waited for the lock? */
        struct stat st;
        if (fstat(fd, &st) == 0 && st.st_nlink == 0)
                return berth_error_set(err, ENOENT, "container '%s' does not exist", id);
        *dirfd = TAKE_FD(fd);
        return 0;
}

int berth_state_remove_dir(int rootfd, const char *id)
{
        return berth_rm_rf_at(rootfd, id);
}

static json_t *json_str_or_null(const char *s)
{
        return s ? json_string(s) : json_null();
}

int berth_state_write(int dirfd, const struct berth_state *s, struct berth_error *err)
{
        _cleanup_json_ json_t *o = json_object();
        if (!o)
                return berth_error_set(err, ENOMEM, "out of memory");
        json_object_set_new(o, "id", json_str_or_null(s->id));
        json_object_set_new(o, "bundle", json_str_or_null(s->bundle));
        json_object_set_new(o, "rootfs", json_str_or_null(s->rootfs));
        json_object_set_new(o, "pid", json_integer(s->pid));
        json_object_set_new(o, "start_time", json_integer((json_int_t)s->start_time));
        json_object_set_new(o, "created", json_str_or_null(s->created));
        json_object_set_new(o, "owner", json_str_or_null(s->owner ? s->owner : ""));
        json_object_set(o, "annotations", s->annotations ? s->annotations : json_object());
        if (!s->annotations)
                json_decref(json_object_get(o, "annotations")); /* drop the extra ref */
        if (s->cgroup)
                json_object_set(o, "cgroup", s->cgroup);
        if (s->cgroupfs_root)
                json_object_set_new(o, "cgroupfs_root", json_string(s->cgroupfs_root));
        json_t *ns = json_object();
        for (int i = 0; i < BERTH_NS__COUNT; i++)
                if (s->ns_paths[i])
                        json_object_set_new(ns, berth_ns_type_to_string(i),
                                            json_string(s->ns_paths[i]));
        json_object_set_new(o, "namespaces", ns);
        json_object_set_new(o, "userns", json_boolean(s->userns));
        json_object_set_new(o, "hook_mask", json_integer(s->hook_mask));
        _cleanup_free_ char *text = berth_json_dump(o, false);
        if (!text)
                return berth_error_set(err, ENOMEM, "out of memory");
        return berth_write_file_atomic(dirfd, "state.json", text, strlen(text), 0600, 0, err);
}

static int dup_string(json_t *o, const char *key, char **out, struct berth_error *err)
{
        const char *v = NULL;
        int r = berth_json_get_string(o, key, key, &v, err);
        if (r < 0)
                return r;
        if (v && !(*out = strdup(v)))
                return berth_error_set(err, ENOMEM, "out of memory");
        return 0;
}

static int state_from_json(json_t *o, struct berth_state *s, struct berth_error *err)
{
        int r;
        if ((r = dup_string(o, "id", &s->id, err)) < 0 ||
            (r = dup_string(o, "bundle", &s->bundle, err)) < 0 ||
            (r = dup_string(o, "rootfs", &s->rootfs, err)) < 0 ||
            (r = dup_string(o, "created", &s->created, err)) < 0 ||
            (r = dup_string(o, "owner", &s->owner, err)) < 0 ||
            (r = dup_string(o, "cgroupfs_root", &s->cgroupfs_root, err)) < 0)
                return r;
        int64_t pid = 0, st = 0;
        if ((r = berth_json_get_int64(o, "pid", "pid", &pid, err)) < 0 ||
            (r = berth_json_get_int64(o, "start_time", "start_time", &st, err)) < 0)
                return r;
        if (pid < 0 || pid > INT32_MAX)
                return berth_error_set(err, EINVAL, "pid: out of range %lld", (long long)pid);
        s->pid = (pid_t)pid;
        s->start_time = (uint64_t)st;
        json_t *a = json_object_get(o, "annotations");
        s->annotations = json_is_object(a) ? json_incref(a) : json_object();
        json_t *cg = json_object_get(o, "cgroup");
        s->cgroup = cg ? json_incref(cg) : NULL;
        json_t *ns = json_object_get(o, "namespaces");
        if (json_is_object(ns)) {
                const char *k;
                json_t *v;
                json_object_foreach (ns, k, v) {
                        int t = berth_ns_type_from_string(k);
                        if (t < 0 || !json_is_string(v))
                                return berth_error_set(err, EINVAL, "namespaces: bad entry '%s'",
                                                       k);
                        if (!(s->ns_paths[t] = strdup(json_string_value(v))))
                                return berth_error_set(err, ENOMEM, "out of memory");
                }
        }
        s->userns = json_is_true(json_object_get(o, "userns"));
        int64_t mask = 0;
        if ((r = berth_json_get_int64(o, "hook_mask", "hook_mask", &mask, err)) < 0)
                return r;
        s->hook_mask = (uint32_t)mask;
        return 0;
}

int berth_state_read(int dirfd, struct berth_state **out, struct berth_error *err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        _cleanup_close_ int fd = openat(dirfd, "state.json", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                if (errno == ENOENT)
                        return -ENOENT;
                return berth_error_errno(err, "open state.json");
        }
        int r = berth_read_fd(fd, STATE_MAX_BYTES, &buf, &len, err);
        if (r < 0)
                return berth_error_prefix(err, r, "read state.json");
        _cleanup_json_ json_t *o = NULL;
        r = berth_json_parse(buf, len, STATE_MAX_BYTES, &o, err);
        if (r < 0)
                return berth_error_prefix(err, r, "parse state.json");
        struct berth_state *s = calloc(1, sizeof(*s));
        if (!s)
                return berth_error_set(err, ENOMEM, "out of memory");
        r = state_from_json(o, s, err);
        if (r < 0) {
                berth_state_free(s);
                return berth_error_prefix(err, r, "state.json");
        }
        *out = s;
        return 0;
}

int berth_proc_start_time(pid_t pid, uint64_t *start_time, bool *zombie)
{
        char path[64], buf[1024];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return n < 0 ? -errno : -EIO;
        buf[n] = 0;
        /* comm may contain spaces and parentheses: fields start after the last ')'. */
        char *p = strrchr(buf, ')');
        if (!p || p[1] != ' ')
                return -EIO;
        p += 2; /* field 3: state */
        if (zombie)
                *zombie = (*p == 'Z' || *p == 'X');
        for (int field = 3; field < 22; field++) {
                p = strchr(p, ' ');
                if (!p)
                        return -EIO;
                p++;
        }
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (errno || end == p)
                return -EIO;
        if (start_time)
                *start_time = v;
        return 0;
}

const char *berth_status_to_string(enum berth_status st)
{
        static const char *const names[] = {"creating", "created", "running", "paused", "stopped"};
        return names[st];
}

enum berth_status berth_state_status(int dirfd, const struct berth_state *s, bool frozen)
{
        if (!s)
                return BERTH_STATUS_CREATING;
        if (s->pid <= 0)
                return BERTH_STATUS_STOPPED;
        uint64_t st = 0;
        bool zombie = false;
        if (berth_proc_start_time(s->pid, &st, &zombie) < 0 || zombie || st != s->start_time)
                return BERTH_STATUS_STOPPED;
        if (faccessat(dirfd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                return BERTH_STATUS_CREATED;
        return frozen ? BERTH_STATUS_PAUSED : BERTH_STATUS_RUNNING;
}

json_t *berth_state_to_oci(const struct berth_state *s, enum berth_status st)
{
        json_t *o = json_object();
        if (!o)
                return NULL;
        json_object_set_new(o, "ociVersion", json_string("1.2.0"));
        json_object_set_new(o, "id", json_str_or_null(s->id));
        json_object_set_new(o, "pid",
                            json_integer(st == BERTH_STATUS_STOPPED ? 0 : (json_int_t)s->pid));
        json_object_set_new(o, "status", json_string(berth_status_to_string(st)));
        json_object_set_new(o, "bundle", json_str_or_null(s->bundle));
        json_object_set_new(o, "rootfs", json_str_or_null(s->rootfs));
        json_object_set_new(o, "created", json_str_or_null(s->created));
        json_object_set_new(o, "owner", json_string(s->owner ? s->owner : ""));
        json_object_set(o, "annotations", s->annotations ? s->annotations : json_object());
        if (!s->annotations)
                json_decref(json_object_get(o, "annotations"));
        return o;
}

char *berth_now_rfc3339(void)
{
        struct timespec ts;
        struct tm tm;
        char buf[64];
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, sizeof(buf) - n, ".%09ldZ", ts.tv_nsec);
        return strdup(buf);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's filesystem: mounts, devices, pivot_root, masked and read-only paths.
 * Every path inside the rootfs goes through src/fs/resolve.h and every mount goes onto an
 * fd from it (src/fs/mount.h).  Host paths (the rootfs itself, bind sources, the bundle)
 * come from the trusted configuration and are opened as they are.
 */
#include "runtime/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/strutil.h"
#include "fs/mount.h"
#include "fs/resolve.h"
#include "basic/banned.h"

/* ---- small helpers ------------------------------------------------------------------- */

/* "/dev", "/dev/", "//dev" all name /dev. */
static bool path_equal(const char *a, const char *b)
{
        for (;;) {
                while (*a == '/' && (a[1] == '/' || a[1] == '\0'))
                        a++;
                while (*b == '/' && (b[1] == '/' || b[1] == '\0'))
                        b++;
                if (*a != *b)
                        return false;
                if (!*a)
                        return true;
                a++;
                b++;
        }
}

static bool mount_is_bind(const struct berth_mount *m)
{
        return m->is_bind || !m->type || berth_streq(m->type, "bind") ||
               berth_streq(m->type, "rbind");
}

static bool spec_mounts(const struct berth_spec *s, const char *dest, const char *type)
{
        for (size_t i = 0; i < s->n_mounts; i++) {
                const struct berth_mount *m = &s->mounts[i];
                if (path_equal(m->destination, dest) &&
                    (!type || (!mount_is_bind(m) && berth_streq(m->type, type))))
                        return true;
        }
        return false;
}

/* Refuse `path` when it is a symlink in the rootfs (a missing path is fine). */
static int refuse_symlink(int rootfd, const char *path, const char *what, struct berth_error *err)
{
        struct stat st;
        struct berth_error e2 = {0};
        int r = berth_fs_lstat_in_root(rootfd, path, &st, &e2);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return berth_error_set(err, -r, "%s", e2.msg);
        if (S_ISLNK(st.st_mode))
                return berth_error_set(err, ELOOP,
                                       "%s '%s' is a symlink in the rootfs: refusing to use it",
                                       what, path);
        return 0;
}

/* Open `path` inside the root without following a final symlink, and refuse one. */
static int open_target(int rootfd, const char *path, int *out, struct berth_error *err)
{
        _cleanup_close_ int fd = -1;
        int r = berth_fs_open_in_root(rootfd, path, O_PATH | O_NOFOLLOW, 0, &fd, err);
        if (r < 0)
                return r;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return berth_error_errno(err, "stat '%s'", path);
        if (S_ISLNK(st.st_mode))
                return berth_error_set(err, ELOOP, "mount target '%s' is a symlink: refusing",
                                       path);
        *out = TAKE_FD(fd);
        return 0;
}

/* Create the mount target (a directory, or an empty file when the source is not a
 * directory) and open it. */
static int make_target(int rootfd, const char *dest, bool is_file, int *out,
                       struct berth_error *err)
{
        int r = refuse_symlink(rootfd, dest, "mount destination", err);
        if (r < 0)
                return r;
        if (is_file)
                r = berth_fs_create_file_in_root(rootfd, dest, 0644, NULL, err);
        else
                r = berth_fs_mkdir_p_in_root(rootfd, dest, 0755, NULL, err);
        if (r < 0)
                return r;
        return open_target(rootfd, dest, out, err);
}

/* ---- mounts ------------------------------------------------------------------------- */

static int open_bind_source(const struct berth_rootfs_ctx *ctx, const struct berth_mount *m,
                            int *out, struct berth_error *err)
{
        if (!m->source)
                return berth_error_set(err, EINVAL, "bind mount without a source");
        int fd;
        if (m->source[0] == '/' || !ctx->bundle) {
                fd = open(m->source, O_PATH | O_CLOEXEC);
        } else {
                _cleanup_close_ int b = open(ctx->bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (b < 0)
                        return berth_error_errno(err, "open bundle '%s'", ctx->bundle);
                fd = openat(b, m->source, O_PATH | O_CLOEXEC);
        }
        if (fd < 0)
                return berth_error_errno(err, "open bind source '%s'", m->source);
        *out = fd;
        return 0;
}

static int mount_bind(const struct berth_rootfs_ctx *ctx, int rootfd, const struct berth_mount *m,
                      struct berth_error *err)
{
        _cleanup_close_ int src = -1, tgt = -1;
        int r = open_bind_source(ctx, m, &src, err);
        if (r < 0)
                return r;
        struct stat st;
        if (fstat(src, &st) < 0)
                return berth_error_errno(err, "stat bind source '%s'", m->source);
        r = make_target(rootfd, m->destination, !S_ISDIR(st.st_mode), &tgt, err);
        if (r < 0)
                return r;
        struct berth_bind_opts o = {
            .recursive = (m->flags & MS_REC) || berth_streq(m->type, "rbind"),
            .attr_set = berth_mount_flags_to_attr(m->flags),
            .attr_clr = berth_mount_flags_to_attr(m->clear_flags),
            .rattr_set = m->attr_set,
            .rattr_clr = m->attr_clr,
        };
        _cleanup_close_ int userns = -1;
        if (m->idmap) {
                /* The mount's own mappings, else the container's user namespace ones. */
                const struct berth_spec *s = ctx->spec;
                bool own = m->n_uid_mappings > 0;
                r = berth_mount_make_userns(own ? m->uid_mappings : s->uid_mappings,
                                            own ? m->n_uid_mappings : s->n_uid_mappings,
                                            own ? m->gid_mappings : s->gid_mappings,
                                            own ? m->n_gid_mappings : s->n_gid_mappings, &userns,
                                            err);
                if (r < 0)
                        return r;
                o.idmap = true;
                o.idmap_recursive = m->idmap_recursive;
                o.userns_fd = userns;
        }
        return berth_mount_bind(src, &o, tgt, err);
}

/* A tmpfs on the cgroup destination with one entry per hierarchy (v1 and hybrid hosts). */
static int mount_cgroup_v1(const struct berth_rootfs_ctx *ctx, int rootfd,
                           const struct berth_mount *m, int tgt, uint64_t attr,
                           struct berth_error *err)
{
        int r = berth_mount_fs("tmpfs", "cgroup", "mode=755", 0,
                               attr & ~(uint64_t)MOUNT_ATTR_RDONLY, tgt, err);
        if (r < 0)
                return r;
        _cleanup_close_ int dir = -1;
        r = open_target(rootfd, m->destination, &dir, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ctx->n_cgroup_mounts; i++) {
                const struct berth_cgroup_mountinfo *c = &ctx->cgroup_mounts[i];
                if (!c->name || !*c->name || strchr(c->name, '/') || !strcmp(c->name, ".") ||
                    !strcmp(c->name, ".."))
                        return berth_error_set(err, EINVAL, "cgroup hierarchy name '%s'",
                                               c->name ? c->name : "");
                if (c->symlink_target) {
                        if (symlinkat(c->symlink_target, dir, c->name) < 0 && errno != EEXIST)
                                return berth_error_errno(err, "cgroup link '%s'", c->name);
                        continue;
                }
                if (mkdirat(dir, c->name, 0755) < 0 && errno != EEXIST)
                        return berth_error_errno(err, "cgroup directory '%s'", c->name);
                _cleanup_close_ int sub = openat(dir, c->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0)
                        return berth_error_errno(err, "open cgroup directory '%s'", c->name);
                if (ctx->new_cgroupns) {
                        r = berth_mount_fs(c->fstype ? c->fstype : "cgroup", "cgroup", c->options,
                                           0, attr, sub, err);
                } else {
                        _cleanup_close_ int src =
                            open(c->host_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                        if (src < 0)
                                return berth_error_errno(err, "open cgroup '%s'", c->host_path);
                        struct berth_bind_opts o = {.attr_set = attr};
                        r = berth_mount_bind(src, &o, sub, err);
                }
                if (r < 0)
                        return berth_error_prefix(err, r, "cgroup hierarchy '%s'", c->name);
        }
        if (attr & MOUNT_ATTR_RDONLY)
                return berth_mount_setattr(dir, false, MOUNT_ATTR_RDONLY, 0, err);
        return 0;
}

static int mount_cgroup(const struct berth_rootfs_ctx *ctx, int rootfd, const struct berth_mount *m,
                        struct berth_error *err)
{
        _cleanup_close_ int tgt = -1;
        int r = make_target(rootfd, m->destination, false, &tgt, err);
        if (r < 0)
                return r;
        uint64_t attr = berth_mount_flags_to_attr(m->flags) | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                        MOUNT_ATTR_NOEXEC;
        size_t n = ctx->n_cgroup_mounts;
        if (n == 0) {
                /* Only a cgroup namespace makes a fresh mount show the container's own
                 * subtree; without one it would show the host's. */
                if (!ctx->new_cgroupns)
                        return berth_error_set(err, EINVAL,
                                               "cgroup mount on '%s' needs the container's "
                                               "cgroup mount info",
                                               m->destination);
                return berth_mount_fs("cgroup2", "cgroup", NULL, 0, attr, tgt, err);
        }
        const struct berth_cgroup_mountinfo *c = &ctx->cgroup_mounts[0];
        if (n == 1 && (!c->name || !*c->name)) { /* pure v2 */
                if (ctx->new_cgroupns)
                        return berth_mount_fs("cgroup2", "cgroup", c->options, 0, attr, tgt, err);
                _cleanup_close_ int src = open(c->host_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (src < 0)
                        return berth_error_errno(err, "open cgroup '%s'", c->host_path);
                struct berth_bind_opts o = {.attr_set = attr};
                return berth_mount_bind(src, &o, tgt, err);
        }
        return mount_cgroup_v1(ctx, rootfd, m, tgt, attr, err);
}

static int mount_sysfs(const struct berth_rootfs_ctx *ctx, const struct berth_mount *m, int tgt,
                       uint64_t attr, struct berth_error *err)
{
        struct berth_error e2 = {0};
        int r = berth_mount_fs("sysfs", m->source ? m->source : "sysfs", m->data, m->flags, attr,
                               tgt, &e2);
        if (r == 0)
                return 0;
        /* In a user namespace without its own network namespace the kernel refuses a
         * fresh sysfs: bind the host's /sys instead (runc does the same). */
        if (!ctx->in_userns || (r != -EPERM && r != -EACCES))
                return berth_error_set(err, -r, "%s", e2.msg);
        _cleanup_close_ int src = open("/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (src < 0)
                return berth_error_errno(err, "open /sys");
        struct berth_bind_opts o = {.recursive = true, .attr_set = attr};
        return berth_mount_bind(src, &o, tgt, err);
}

static bool has_option(const char *data, const char *name)
{
        size_t n = strlen(name);
        for (const char *p = data; p && *p;) {
                if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == '=' || !p[n]))
                        return true;
                p = strchr(p, ',');
                if (p)
                        p++;
        }
        return false;
}

/* devpts always gets its own instance and a usable ptmx node (/dev/ptmx links to it). */
static int devpts_data(const char *data, char **out, struct berth_error *err)
{
        struct berth_buf b = {0};
        int r = berth_buf_printf(&b, "%s", data ? data : "");
        if (r == 0 && !has_option(data, "newinstance"))
                r = berth_buf_printf(&b, "%snewinstance", b.len ? "," : "");
        if (r == 0 && !has_option(data, "ptmxmode"))
                r = berth_buf_printf(&b, "%sptmxmode=0666", b.len ? "," : "");
        if (r < 0) {
                berth_buf_free(&b);
                return berth_error_set(err, ENOMEM, "out of memory");
        }
        *out = b.data;
        return 0;
}

static int mount_one(const struct berth_rootfs_ctx *ctx, int rootfd, const struct berth_mount *m,
                     struct berth_error *err)
{
        int r;
        if (mount_is_bind(m)) {
                r = mount_bind(ctx, rootfd, m, err);
        } else if (berth_streq(m->type, "cgroup") || berth_streq(m->type, "cgroup2")) {
                r = mount_cgroup(ctx, rootfd, m, err);
        } else {
                _cleanup_close_ int tgt = -1;
                r = make_target(rootfd, m->destination, false, &tgt, err);
                if (r < 0)
                        return r;
                uint64_t attr = berth_mount_flags_to_attr(m->flags);
                _cleanup_free_ char *data = NULL;
                if (berth_streq(m->type, "devpts")) {
                        r = devpts_data(m->data, &data, err);
                        if (r < 0)
                                return r;
                }
                if (berth_streq(m->type, "sysfs"))
                        r = mount_sysfs(ctx, m, tgt, attr, err);
                else
                        r = berth_mount_fs(m->type, m->source, data ? data : m->data, m->flags,
                                           attr, tgt, err);
        }
        if (r < 0 || !m->propagation)
                return r;
        _cleanup_close_ int mfd = -1; /* now the root of the new mount */
        r = open_target(rootfd, m->destination, &mfd, err);
        if (r < 0)
                return r;
        return berth_mount_set_propagation(mfd, m->propagation, err);
}

/* ---- devices -------------------------------------------------------------------------- */

struct dev_default {
        const char *path;
        unsigned major, minor;
};

static const struct dev_default default_devices[] = {
    {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

static int make_device(const struct berth_rootfs_ctx *ctx, int rootfd, const char *path,
                       mode_t mode, dev_t dev, uid_t uid, gid_t gid, struct berth_error *err)
{
        int r;
        if (ctx->in_userns) {
                /* mknod is not allowed in a user namespace: bind the host's node onto an
                 * empty file (same path on the host, as runc). */
                _cleanup_close_ int tgt = -1, src = open(path, O_PATH | O_CLOEXEC);
                if (src < 0)
                        return berth_error_errno(err, "open host device '%s'", path);
                r = berth_fs_create_file_in_root(rootfd, path, 0000, &tgt, err);
                if (r < 0)
                        return r;
                return berth_mount_bind(src, NULL, tgt, err);
        }
        r = berth_fs_mknod_in_root(rootfd, path, mode, dev, err);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = -1;
        r = open_target(rootfd, path, &fd, err);
        if (r < 0)
                return r;
        if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
                return berth_error_errno(err, "chown device '%s' to %u:%u", path, uid, gid);
        return 0;
}

static bool spec_has_device(const struct berth_spec *s, const char *path)
{
        for (size_t i = 0; i < s->n_devices; i++)
                if (path_equal(s->devices[i].path, path))
                        return true;
        return false;
}

static int create_devices(const struct berth_rootfs_ctx *ctx, int rootfd, struct berth_error *err)
{
        const struct berth_spec *s = ctx->spec;
        int r;
        for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++) {
                const struct dev_default *d = &default_devices[i];
                if (spec_has_device(s, d->path))
                        continue;
                r = make_device(ctx, rootfd, d->path, S_IFCHR | 0666, makedev(d->major, d->minor),
                                0, 0, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "default device '%s'", d->path);
        }
        for (size_t i = 0; i < s->n_devices; i++) {
                const struct berth_device *d = &s->devices[i];
                mode_t type;
                switch (d->type) {
                case 'c':
                case 'u':
                        type = S_IFCHR;
                        break;
                case 'b':
                        type = S_IFBLK;
                        break;
                case 'p':
                        type = S_IFIFO;
                        break;
                default:
                        return berth_error_set(err, EINVAL, "linux.devices[%zu].type: '%c'", i,
                                               d->type);
                }
                mode_t perm = d->has_file_mode ? (d->file_mode & 07777) : 0666;
                r = make_device(ctx, rootfd, d->path, type | perm,
                                makedev((unsigned)d->major, (unsigned)d->minor),
                                d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "linux.devices[%zu] '%s'", i, d->path);
        }
        return 0;
}

static int dev_link(int rootfd, const char *target, const char *path, struct berth_error *err)
{
        struct berth_error e2 = {0};
        int r = berth_fs_symlink_in_root(rootfd, target, path, &e2);
        if (r == -EEXIST)
                return 0; /* the image or a mount already provides it */
        if (r < 0)
                return berth_error_set(err, -r, "%s", e2.msg);
        return 0;
}

static int create_dev_links(const struct berth_rootfs_ctx *ctx, int rootfd, struct berth_error *err)
{
        static const char *const links[][2] = {
            {"/proc/self/fd", "/dev/fd"},
            {"/proc/self/fd/0", "/dev/stdin"},
            {"/proc/self/fd/1", "/dev/stdout"},
            {"/proc/self/fd/2", "/dev/stderr"},
        };
        int r;
        for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
                r = dev_link(rootfd, links[i][0], links[i][1], err);
                if (r < 0)
                        return r;
        }
        if (spec_mounts(ctx->spec, "/proc", "proc")) {
                r = dev_link(rootfd, "/proc/kcore", "/dev/core", err);
                if (r < 0)
                        return r;
        }
        if (spec_mounts(ctx->spec, "/dev/pts", "devpts")) {
                _cleanup_close_ int dfd = -1;
                r = berth_fs_open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY, 0, &dfd, err);
                if (r < 0)
                        return r;
                struct stat st;
                if (fstatat(dfd, "ptmx", &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode) &&
                    unlinkat(dfd, "ptmx", 0) < 0)
                        return berth_error_errno(err, "remove /dev/ptmx");
                if (symlinkat("pts/ptmx", dfd, "ptmx") < 0)
                        return berth_error_errno(err, "symlink /dev/ptmx -> pts/ptmx");
        }
        _cleanup_close_ int dfd = -1;
        _cleanup_free_ char *base = NULL;
        r = berth_fs_open_parent_in_root(rootfd, "/dev/shm", true, &dfd, &base, err);
        if (r < 0)
                return r;
        if (mkdirat(dfd, base, 01777) == 0) {
                if (fchmodat(dfd, base, 01777, 0) < 0)
                        return berth_error_errno(err, "chmod /dev/shm");
        } else if (errno != EEXIST) {
                return berth_error_errno(err, "create /dev/shm");
        }
        return 0;
}

/* ---- prepare ------------------------------------------------------------------------ */

/* Make the mount that host directory `fd` lies in private (not recursive).  Propagation
 * can only be changed at a mount's root, so walk up with ".." to it. */
static int make_private_mount_of(int fd, struct berth_error *err)
{
        _cleanup_close_ int cur = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (cur < 0)
                return berth_error_errno(err, "dup");
        for (int depth = 0; depth < 4096; depth++) {
                struct statx sx;
                if (statx(cur, "", AT_EMPTY_PATH, STATX_INO, &sx) < 0)
                        return berth_error_errno(err, "statx");
                struct stat st, up;
                if (fstat(cur, &st) < 0 || fstatat(cur, "..", &up, 0) < 0)
                        return berth_error_errno(err, "stat");
                bool top = st.st_dev == up.st_dev && st.st_ino == up.st_ino; /* "/" */
                if ((sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) == 0)
                        return berth_error_set(err, ENOSYS, "statx has no mount-root attribute");
                if ((sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) || top)
                        return berth_mount_set_propagation(cur, MS_PRIVATE, err);
                int next = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (next < 0)
                        return berth_error_errno(err, "open ..");
                close(cur);
                cur = next;
        }
        return berth_error_set(err, ELOOP, "no mount root above the rootfs");
}

/* Is the mount that `fd` lies in shared (a member of a peer group)?  Looked up in
 * /proc/self/mountinfo by the mount id statx reports. */
static int mount_is_shared(int fd, bool *shared, struct berth_error *err)
{
        struct statx sx;
        if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) < 0)
                return berth_error_errno(err, "statx");
        if (!(sx.stx_mask & STATX_MNT_ID))
                return berth_error_set(err, ENOSYS, "statx reports no mount id");
        _cleanup_free_ char *buf = NULL;
        int r = berth_read_file_at(AT_FDCWD, "/proc/self/mountinfo", 64u << 20, &buf, NULL, err);
        if (r < 0)
                return r;
        char id[32];
        snprintf(id, sizeof(id), "%llu ", (unsigned long long)sx.stx_mnt_id);
        for (char *line = buf; line && *line;) {
                char *nl = strchr(line, '\n');
                if (nl)
                        *nl = 0;
                if (berth_startswith(line, id)) {
                        /* optional fields sit between the 6th field and " - " */
                        char *dash = strstr(line, " - ");
                        if (dash)
                                *dash = 0;
                        *shared = strstr(line, " shared:") != NULL;
                        return 0;
                }
                line = nl ? nl + 1 : NULL;
        }
        return berth_error_set(err, ENOENT, "mount %llu not in /proc/self/mountinfo",
                               (unsigned long long)sx.stx_mnt_id);
}

static int make_private_if_shared(int fd, const char *what, struct berth_error *err)
{
        bool shared = false;
        int r = mount_is_shared(fd, &shared, err);
        if (r == 0 && shared)
                r = make_private_mount_of(fd, err);
        return r < 0 ? berth_error_prefix(err, r, "make the mount of %s private", what) : 0;
}

/* Propagation of "/" (default rslave: nothing we mount leaks to the host), then the rootfs
 * bound onto itself so it is a mount point pivot_root accepts.  *rootfd gets it.
 * Whatever the configured propagation, the mount the rootfs lies in and "/" must not be
 * shared when we bind: a bind of a shared mount joins its peer group, so every mount we
 * make in the rootfs would appear in the host's namespace, and pivot_root refuses a
 * shared new root, parent of the new root or current root (EINVAL).  Those mounts are
 * made private in our namespace only; the configured propagation is applied to the new
 * "/" after pivot_root (berth_rootfs_finalize). */
static int prepare_root(const struct berth_rootfs_ctx *ctx, int *rootfd, struct berth_error *err)
{
        unsigned long prop = ctx->spec->rootfs_propagation;
        if (!prop)
                prop = MS_SLAVE | MS_REC;
        _cleanup_close_ int slash = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (slash < 0)
                return berth_error_errno(err, "open /");
        /* An unbindable tree cannot be a bind source: rslave until every bind is done
         * (berth_rootfs_finalize applies it to the container's tree at its end). */
        bool unbindable = prop & MS_UNBINDABLE;
        int r = berth_mount_set_propagation(slash, unbindable ? MS_SLAVE | MS_REC : prop, err);
        if (r < 0)
                return berth_error_prefix(err, r, "rootfsPropagation of /");
        _cleanup_close_ int under = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (under < 0)
                return berth_error_errno(err, "open rootfs '%s'", ctx->rootfs);
        if ((r = make_private_if_shared(under, "the rootfs", err)) < 0 ||
            (r = make_private_if_shared(slash, "/", err)) < 0)
                return r;
        struct berth_bind_opts o = {.recursive = true};
        r = berth_mount_bind(under, &o, under, err);
        if (r < 0)
                return berth_error_prefix(err, r, "bind rootfs '%s' onto itself", ctx->rootfs);
        int fd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return berth_error_errno(err, "open rootfs '%s'", ctx->rootfs);
        /* The bind's submounts (an rbind of shared mounts under the rootfs) may still be
         * peers of the host's: make the new root and everything below it a slave at most. */
        if (prop != (MS_PRIVATE | MS_REC) && prop != (MS_SLAVE | MS_REC) && !unbindable) {
                r = berth_mount_set_propagation(fd, MS_SLAVE | MS_REC, err);
                if (r < 0) {
                        close(fd);
                        return berth_error_prefix(err, r, "make the rootfs rslave");
                }
        }
        *rootfd = fd;
        return 0;
}

int berth_rootfs_prepare(const struct berth_rootfs_ctx *ctx, struct berth_error *err)
{
        const struct berth_spec *s = ctx->spec;
        if (!ctx->rootfs || ctx->rootfs[0] != '/')
                return berth_error_set(err, EINVAL, "rootfs path '%s' is not absolute",
                                       ctx->rootfs ? ctx->rootfs : "");
        _cleanup_close_ int rootfd = -1;
        int r = prepare_root(ctx, &rootfd, err);
        if (r < 0)
                return r;
        /* CVE-2025-31133/52565/52881: an image that makes these symlinks would redirect
         * our writes and binds; refuse before touching anything. */
        static const char *const critical[] = {"/dev", "/dev/null", "/proc"};
        for (size_t i = 0; i < ARRAY_SIZE(critical); i++) {
                r = refuse_symlink(rootfd, critical[i], "rootfs entry", err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < s->n_mounts; i++) {
                const struct berth_mount *m = &s->mounts[i];
                if (!m->destination)
                        return berth_error_set(err, EINVAL, "mounts[%zu]: no destination", i);
                r = mount_one(ctx, rootfd, m, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "mounts[%zu] '%s' (%s)", i,
                                                  m->destination, m->type ? m->type : "bind");
        }
        if (spec_mounts(s, "/dev", NULL)) {
                r = create_devices(ctx, rootfd, err);
                if (r < 0)
                        return r;
                r = create_dev_links(ctx, rootfd, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- pivot ---------------------------------------------------------------------------- */

int berth_rootfs_pivot(const struct berth_rootfs_ctx *ctx, struct berth_error *err)
{
        _cleanup_close_ int newroot = open(ctx->rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (newroot < 0)
                return berth_error_errno(err, "open rootfs '%s'", ctx->rootfs);
        if (fchdir(newroot) < 0)
                return berth_error_errno(err, "chdir to rootfs '%s'", ctx->rootfs);
        if (ctx->no_pivot) {
                /* --no-pivot: move the rootfs mount over "/" and chroot into it. */
                if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
                        return berth_error_errno(err, "move rootfs '%s' onto /", ctx->rootfs);
                if (chroot(".") < 0)
                        return berth_error_errno(err, "chroot to rootfs");
        } else {
                _cleanup_close_ int oldroot = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (oldroot < 0)
                        return berth_error_errno(err, "open /");
                /* new and old root on the same directory: the old root ends up stacked on
                 * top of "/" and is detached right away, no put_old directory needed. */
                if (syscall(SYS_pivot_root, ".", ".") < 0)
                        return berth_error_errno(err, "pivot_root to '%s'", ctx->rootfs);
                if (fchdir(oldroot) < 0)
                        return berth_error_errno(err, "chdir to the old root");
                /* The unmount must not propagate to the host. */
                if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                        return berth_error_errno(err, "make the old root rslave");
                if (umount2(".", MNT_DETACH) < 0)
                        return berth_error_errno(err, "detach the old root");
        }
        if (chdir("/") < 0)
                return berth_error_errno(err, "chdir /");
        return 0;
}

/* ---- finalize ------------------------------------------------------------------------- */

static bool sysctl_key_valid(const char *k)
{
        if (!*k || k[0] == '.' || berth_endswith(k, ".") || strstr(k, ".."))
                return false;
        for (const char *p = k; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
                        return false;
        return true;
}

static int sysctl_allowed(const struct berth_spec *s, const char *k, struct berth_error *err)
{
        bool ipc = s->namespaces[BERTH_NS_IPC].enabled;
        if (berth_startswith(k, "kernel.msg") || berth_startswith(k, "kernel.shm") ||
            !strcmp(k, "kernel.sem") || berth_startswith(k, "fs.mqueue.")) {
                if (!ipc)
                        return berth_error_set(err, EPERM,
                                               "linux.sysctl '%s': needs an ipc namespace", k);
                return 0;
        }
        if (berth_startswith(k, "net.")) {
                const struct berth_namespace *n = &s->namespaces[BERTH_NS_NETWORK];
                if (!n->enabled || n->path)
                        return berth_error_set(
                            err, EPERM, "linux.sysctl '%s': needs a new network namespace", k);
                return 0;
        }
        return berth_error_set(err, EPERM,
                               "linux.sysctl '%s': not namespaced, not allowed in a container", k);
}

static int apply_sysctls(const struct berth_spec *s, int rootfd, struct berth_error *err)
{
        for (size_t i = 0; i < s->n_sysctl; i++) {
                const char *k = s->sysctl[i].key, *v = s->sysctl[i].value;
                if (!k || !sysctl_key_valid(k))
                        return berth_error_set(err, EINVAL, "linux.sysctl: invalid key '%s'",
                                               k ? k : "");
                int r = sysctl_allowed(s, k, err);
                if (r < 0)
                        return r;
                _cleanup_free_ char *p = berth_strdup_printf("/proc/sys/%s", k);
                if (!p)
                        return berth_error_set(err, ENOMEM, "out of memory");
                for (char *c = p + strlen("/proc/sys/"); *c; c++)
                        if (*c == '.')
                                *c = '/';
                _cleanup_close_ int fd = -1;
                r = berth_fs_open_in_root(rootfd, p, O_WRONLY | O_NOFOLLOW, 0, &fd, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "linux.sysctl '%s'", k);
                struct statfs sf;
                if (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
                        return berth_error_set(err, EPERM, "linux.sysctl '%s': %s is not on procfs",
                                               k, p);
                r = berth_write_all(fd, v ? v : "", v ? strlen(v) : 0);
                if (r < 0)
                        return berth_error_setsys(err, -r, "linux.sysctl '%s' = '%s'", k,
                                                  v ? v : "");
        }
        return 0;
}

/* /dev/null of the container, checked to be the real character device 1:3 so a bind of it
 * can never expose something else (CVE-2025-31133). */
static int open_dev_null(int rootfd, int *out, struct berth_error *err)
{
        _cleanup_close_ int fd = -1;
        int r = berth_fs_open_in_root(rootfd, "/dev/null", O_PATH | O_NOFOLLOW, 0, &fd, err);
        if (r < 0)
                return berth_error_prefix(err, r, "maskedPaths");
        struct stat st;
        if (fstat(fd, &st) < 0)
                return berth_error_errno(err, "stat /dev/null");
        if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
                return berth_error_set(err, EPERM,
                                       "maskedPaths: /dev/null in the container is not the "
                                       "null device: refusing");
        *out = TAKE_FD(fd);
        return 0;
}

static int mask_paths(const struct berth_spec *s, int rootfd, struct berth_error *err)
{
        _cleanup_close_ int devnull = -1;
        for (char **p = s->masked_paths; p && *p; p++) {
                _cleanup_close_ int fd = -1;
                struct berth_error e2 = {0};
                int r = berth_fs_open_in_root(rootfd, *p, O_PATH, 0, &fd, &e2);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return berth_error_set(err, -r, "maskedPaths: %s", e2.msg);
                struct stat st;
                if (fstat(fd, &st) < 0)
                        return berth_error_errno(err, "maskedPaths: stat '%s'", *p);
                if (S_ISDIR(st.st_mode)) {
                        r = berth_mount_fs("tmpfs", "tmpfs", NULL, 0, MOUNT_ATTR_RDONLY, fd, err);
                } else {
                        if (devnull < 0) {
                                r = open_dev_null(rootfd, &devnull, err);
                                if (r < 0)
                                        return r;
                        }
                        r = berth_mount_bind(devnull, NULL, fd, err);
                }
                if (r < 0)
                        return berth_error_prefix(err, r, "maskedPaths '%s'", *p);
        }
        return 0;
}

static int readonly_paths(const struct berth_spec *s, int rootfd, struct berth_error *err)
{
        for (char **p = s->readonly_paths; p && *p; p++) {
                _cleanup_close_ int fd = -1;
                struct berth_error e2 = {0};
                int r = berth_fs_open_in_root(rootfd, *p, O_PATH, 0, &fd, &e2);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return berth_error_set(err, -r, "readonlyPaths: %s", e2.msg);
                /* Bind it onto itself, read-only down the whole tree. */
                struct berth_bind_opts o = {.recursive = true, .rattr_set = MOUNT_ATTR_RDONLY};
                r = berth_mount_bind(fd, &o, fd, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "readonlyPaths '%s'", *p);
        }
        return 0;
}

int berth_rootfs_finalize(const struct berth_rootfs_ctx *ctx, struct berth_error *err)
{
        const struct berth_spec *s = ctx->spec;
        _cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return berth_error_errno(err, "open /");
        int r = apply_sysctls(s, rootfd, err);
        if (r < 0)
                return r;
        r = mask_paths(s, rootfd, err);
        if (r < 0)
                return r;
        r = readonly_paths(s, rootfd, err);
        if (r < 0)
                return r;
        if (s->root_readonly) {
                r = berth_mount_setattr(rootfd, false, MOUNT_ATTR_RDONLY, 0, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "root.readonly");
        }
        /* The configured propagation, now that "/" is the container's own root (the
         * mounts it was bound from were made private in prepare_root).  Only the root
         * mount itself: the mounts below it keep the propagation their own config entries
         * gave them, except that a recursive unbindable applies to the whole tree (an
         * unbindable tree cannot be a bind source, so it could not be set earlier). */
        if (s->rootfs_propagation) {
                unsigned long prop = s->rootfs_propagation;
                if (!(prop & MS_UNBINDABLE))
                        prop &= ~(unsigned long)MS_REC;
                r = berth_mount_set_propagation(rootfd, prop, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "rootfsPropagation of /");
        }
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer entries onto the filesystem: every entry is created with *at() calls in a parent
 * directory fd walked from the root with O_NOFOLLOW (layer_path.c), so nothing is written
 * through a symlink or outside the root.  Whiteouts per opts->whiteout.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/strutil.h"
#include "fs/resolve.h"
#include "image/layer_internal.h"
#include "basic/banned.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"
#define WH_META   ".wh..wh."

size_t layer_max_meta_bytes = LAYER_MAX_META_BYTES;

void layer_extract_init(struct layer_extract *x, int rootfd, const struct berth_layer_opts *opts)
{
        memset(x, 0, sizeof(*x));
        x->rootfd = rootfd;
        x->opts = opts;
        layer_dircache_init(&x->dc, rootfd);
}

void layer_extract_free(struct layer_extract *x)
{
        layer_dircache_flush(&x->dc);
        layer_pathset_free(&x->created);
        for (size_t i = 0; i < x->ndirs; i++)
                free(x->dirs[i].path);
        free(x->dirs);
        x->dirs = NULL;
        x->ndirs = x->dirs_cap = 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
        ts[1].tv_sec = archive_entry_mtime(e);
        ts[1].tv_nsec = archive_entry_mtime_nsec(e);
        if (archive_entry_atime_is_set(e)) {
                ts[0].tv_sec = archive_entry_atime(e);
                ts[0].tv_nsec = archive_entry_atime_nsec(e);
        } else {
                ts[0] = ts[1];
        }
}

static int entry_owner(struct archive_entry *e, const char *path, uid_t *uid, gid_t *gid,
                       struct berth_error *err)
{
        la_int64_t u = archive_entry_uid(e), g = archive_entry_gid(e);
        if (u < 0 || u >= (la_int64_t)UINT32_MAX || g < 0 || g >= (la_int64_t)UINT32_MAX)
                return berth_error_set(err, EINVAL, "entry '%s': uid/gid %lld:%lld out of range",
                                       path, (long long)u, (long long)g);
        *uid = (uid_t)u;
        *gid = (gid_t)g;
        return 0;
}

static mode_t entry_perm(const struct layer_extract *x, struct archive_entry *e)
{
        mode_t m = archive_entry_perm(e) & 07777;
        if (!x->opts->keep_setid)
                m &= ~(mode_t)(S_ISUID | S_ISGID);
        return m;
}

/* xattrs: user.* and security.capability applied, trusted.* refused, the rest skipped.
 * fd < 0: only check (symlinks, where user xattrs cannot be set). */
static int apply_xattrs(int fd, struct archive_entry *e, const char *path, struct berth_error *err)
{
        const char *name;
        const void *value;
        size_t size;
        if (archive_entry_xattr_reset(e) == 0)
                return 0;
        while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
                if (!name)
                        continue;
                if (strncmp(name, "trusted.", 8) == 0)
                        return berth_error_set(err, EPERM,
                                               "entry '%s': xattr '%s' is not allowed in a layer",
                                               path, name);
                if (fd < 0)
                        continue;
                if (strncmp(name, "user.", 5) != 0 && strcmp(name, "security.capability") != 0)
                        continue;
                if (fsetxattr(fd, name, value, size, 0) < 0)
                        return berth_error_errno(err, "entry '%s': set xattr '%s'", path, name);
        }
        return 0;
}

/* Owner, mode, xattrs (and times unless a directory) on an open fd. */
static int apply_meta_fd(struct layer_extract *x, int fd, struct archive_entry *e, const char *path,
                         bool times, struct berth_error *err)
{
        uid_t uid;
        gid_t gid;
        int r = entry_owner(e, path, &uid, &gid, err);
        if (r < 0)
                return r;
        if (fchown(fd, uid, gid) < 0)
                return berth_error_errno(err, "entry '%s': chown %u:%u", path, uid, gid);
        /* After chown, which clears setuid/setgid and file capabilities. */
        if (fchmod(fd, entry_perm(x, e)) < 0)
                return berth_error_errno(err, "entry '%s': chmod", path);
        r = apply_xattrs(fd, e, path, err);
        if (r < 0)
                return r;
        if (times) {
                struct timespec ts[2];
                entry_times(e, ts);
                if (futimens(fd, ts) < 0)
                        return berth_error_errno(err, "entry '%s': set times", path);
        }
        return 0;
}

/* Owner, mode (not for symlinks) and times of dfd/base, never following a symlink. */
static int apply_meta_at(struct layer_extract *x, int dfd, const char *base,
                         struct archive_entry *e, const char *path, bool is_link,
                         struct berth_error *err)
{
        uid_t uid;
        gid_t gid;
        int r = entry_owner(e, path, &uid, &gid, err);
        if (r < 0)
                return r;
        if (fchownat(dfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return berth_error_errno(err, "entry '%s': chown %u:%u", path, uid, gid);
        if (!is_link && fchmodat(dfd, base, entry_perm(x, e), AT_SYMLINK_NOFOLLOW) < 0)
                return berth_error_errno(err, "entry '%s': chmod", path);
        r = apply_xattrs(-1, e, path, err);
        if (r < 0)
                return r;
        struct timespec ts[2];
        entry_times(e, ts);
        if (utimensat(dfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return berth_error_errno(err, "entry '%s': set times", path);
        return 0;
}

/* Make room for a new entry at dfd/base: a non-directory there is unlinked; a directory is
 * kept when keep_dir (a directory entry over a directory), else removed recursively. */
static int remove_existing(struct layer_extract *x, int dfd, const char *base, bool keep_dir,
                           const char *path, bool *kept, struct berth_error *err)
{
        struct stat st;
        if (kept)
                *kept = false;
        if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : berth_error_errno(err, "entry '%s': stat", path);
        if (S_ISDIR(st.st_mode)) {
                if (keep_dir) {
                        if (kept)
                                *kept = true;
                        return 0;
                }
                int r = berth_rm_rf_at(dfd, base);
                layer_dircache_flush(&x->dc);
                if (r < 0)
                        return berth_error_set(err, -r, "entry '%s': remove existing directory",
                                               path);
                return 0;
        }
        if (unlinkat(dfd, base, 0) < 0 && errno != ENOENT)
                return berth_error_errno(err, "entry '%s': remove existing entry", path);
        return 0;
}

static int write_data(struct archive *a, struct archive_entry *e, int fd, const char *path,
                      struct berth_error *err)
{
        la_int64_t pos = 0;
        for (;;) {
                const void *buf;
                size_t size;
                la_int64_t off;
                int r = archive_read_data_block(a, &buf, &size, &off);
                if (r == ARCHIVE_EOF)
                        break;
                if (r != ARCHIVE_OK)
                        return berth_error_set(err, EINVAL, "entry '%s': read data: %s", path,
                                               archive_error_string(a) ? archive_error_string(a)
                                                                       : "unknown error");
                if (off != pos && lseek(fd, off, SEEK_SET) < 0)
                        return berth_error_errno(err, "entry '%s': seek", path);
                pos = off;
                r = berth_write_all(fd, buf, size);
                if (r < 0)
                        return berth_error_set(err, -r, "entry '%s': write: %s", path,
                                               strerror(-r));
                pos += (la_int64_t)size;
        }
        la_int64_t want = archive_entry_size(e);
        if (want > pos && ftruncate(fd, want) < 0) /* sparse tail */
                return berth_error_errno(err, "entry '%s': truncate", path);
        return 0;
}

static int make_file(struct layer_extract *x, struct archive *a, struct archive_entry *e, int dfd,
                     const char *base, const char *path, struct berth_error *err)
{
        int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
        _cleanup_close_ int fd = openat(dfd, base, flags, 0600);
        if (fd < 0 && errno == EEXIST) {
                int r = remove_existing(x, dfd, base, false, path, NULL, err);
                if (r < 0)
                        return r;
                fd = openat(dfd, base, flags, 0600);
        }
        if (fd < 0)
                return berth_error_errno(err, "entry '%s': create file", path);
        int r = write_data(a, e, fd, path, err);
        if (r < 0)
                return r;
        return apply_meta_fd(x, fd, e, path, true, err);
}

static int record_dir_time(struct layer_extract *x, struct archive_entry *e, const char *path)
{
        if (x->ndirs == x->dirs_cap) {
                size_t ncap = x->dirs_cap ? x->dirs_cap * 2 : 256;
                struct layer_dirtime *n = realloc(x->dirs, ncap * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                x->dirs = n;
                x->dirs_cap = ncap;
        }
        char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        x->dirs[x->ndirs].path = p;
        entry_times(e, x->dirs[x->ndirs].ts);
        x->ndirs++;
        return 0;
}

static int make_dir(struct layer_extract *x, struct archive_entry *e, int dfd, const char *base,
                    const char *path, struct berth_error *err)
{
        _cleanup_close_ int fd = -1;
        if (!*path) {
                fd = openat(x->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        } else {
                if (mkdirat(dfd, base, 0700) < 0) {
                        if (errno != EEXIST)
                                return berth_error_errno(err, "entry '%s': mkdir", path);
                        bool kept;
                        int r = remove_existing(x, dfd, base, true, path, &kept, err);
                        if (r < 0)
                                return r;
                        if (!kept && mkdirat(dfd, base, 0700) < 0)
                                return berth_error_errno(err, "entry '%s': mkdir", path);
                }
                fd = openat(dfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0)
                return berth_error_errno(err, "entry '%s': open directory", path);
        int r = apply_meta_fd(x, fd, e, path, false, err);
        if (r < 0)
                return r;
        if (record_dir_time(x, e, path) < 0)
                return berth_error_set(err, ENOMEM, "out of memory");
        return 0;
}

static int make_symlink(struct layer_extract *x, struct archive_entry *e, int dfd, const char *base,
                        const char *path, struct berth_error *err)
{
        const char *target = archive_entry_symlink(e);
        if (!target || !*target)
                return berth_error_set(err, EINVAL, "entry '%s': symlink without a target", path);
        if (strnlen(target, BERTH_LAYER_PATH_MAX) >= BERTH_LAYER_PATH_MAX)
                return berth_error_set(err, ENAMETOOLONG,
                                       "entry '%s': symlink target longer than %d bytes", path,
                                       BERTH_LAYER_PATH_MAX - 1);
        if (symlinkat(target, dfd, base) < 0) {
                if (errno != EEXIST)
                        return berth_error_errno(err, "entry '%s': symlink", path);
                int r = remove_existing(x, dfd, base, false, path, NULL, err);
                if (r < 0)
                        return r;
                if (symlinkat(target, dfd, base) < 0)
                        return berth_error_errno(err, "entry '%s': symlink", path);
        }
        return apply_meta_at(x, dfd, base, e, path, true, err);
}

static int make_hardlink(struct layer_extract *x, struct archive_entry *e, int dfd,
                         const char *base, const char *path, struct berth_error *err)
{
        char target[BERTH_LAYER_PATH_MAX];
        int r = layer_path_clean(archive_entry_hardlink(e), "hardlink target", target, err);
        if (r < 0)
                return berth_error_prefix(err, r, "entry '%s'", path);
        if (!*target || strcmp(target, path) == 0)
                return berth_error_set(err, EINVAL, "entry '%s': bad hardlink target '%s'", path,
                                       archive_entry_hardlink(e));
        /* Both ends inside the root: the target through the resolver. */
        _cleanup_close_ int tdfd = -1;
        _cleanup_free_ char *tbase = NULL;
        r = berth_fs_open_parent_in_root(x->rootfd, target, false, &tdfd, &tbase, err);
        if (r == -ENOENT || r == -ENOTDIR)
                return berth_error_set(
                    err, -r, "entry '%s': hardlink target '%s' is not in the layer", path, target);
        if (r < 0)
                return berth_error_prefix(err, r, "entry '%s': hardlink target '%s'", path, target);
        struct stat st;
        if (fstatat(tdfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return berth_error_errno(
                    err, "entry '%s': hardlink target '%s' is not in the layer", path, target);
        if (S_ISDIR(st.st_mode))
                return berth_error_set(
                    err, EPERM, "entry '%s': hardlink target '%s' is a directory", path, target);
        if (linkat(tdfd, tbase, dfd, base, 0) < 0) {
                if (errno != EEXIST)
                        return berth_error_errno(err, "entry '%s': link to '%s'", path, target);
                r = remove_existing(x, dfd, base, false, path, NULL, err);
                if (r < 0)
                        return r;
                if (linkat(tdfd, tbase, dfd, base, 0) < 0)
                        return berth_error_errno(err, "entry '%s': link to '%s'", path, target);
        }
        return 0;
}

static int make_node(struct layer_extract *x, struct archive_entry *e, int dfd, const char *base,
                     const char *path, mode_t type, struct berth_error *err)
{
        dev_t dev = 0;
        if (type != S_IFIFO) {
                if (!x->opts->allow_devices)
                        return berth_error_set(err, EPERM,
                                               "entry '%s': device nodes are not allowed in a "
                                               "layer",
                                               path);
                dev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
        }
        if (mknodat(dfd, base, type | 0600, dev) < 0) {
                if (errno != EEXIST)
                        return berth_error_errno(err, "entry '%s': mknod", path);
                int r = remove_existing(x, dfd, base, false, path, NULL, err);
                if (r < 0)
                        return r;
                if (mknodat(dfd, base, type | 0600, dev) < 0)
                        return berth_error_errno(err, "entry '%s': mknod", path);
        }
        return apply_meta_at(x, dfd, base, e, path, false, err);
}

/* ---- whiteouts --------------------------------------------------------------------------- */

/* Remove what dir (fd dfd, path dir) held before this layer. */
static int clear_opaque_dir(struct layer_extract *x, int dfd, const char *dir,
                            struct berth_error *err)
{
        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return berth_error_errno(err, "opaque directory '%s': open", dir);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return berth_error_errno(err, "opaque directory '%s': open", dir);
        }
        _cleanup_strv_free_ char **victims = NULL;
        struct dirent *de;
        char child[BERTH_LAYER_PATH_MAX];
        while ((de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                int n = snprintf(child, sizeof(child), "%s%s%s", dir, *dir ? "/" : "", de->d_name);
                if (n < 0 || (size_t)n >= sizeof(child))
                        return berth_error_set(err, ENAMETOOLONG, "opaque directory '%s': name",
                                               dir);
                if (layer_pathset_contains(&x->created, child))
                        continue;
                if (berth_strv_push(&victims, de->d_name) < 0)
                        return berth_error_set(err, ENOMEM, "out of memory");
        }
        for (char **v = victims; v && *v; v++) {
                int r = berth_rm_rf_at(dirfd(d), *v);
                if (r < 0)
                        return berth_error_set(err, -r, "opaque directory '%s': remove '%s'", dir,
                                               *v);
        }
        layer_dircache_flush(&x->dc);
        return 0;
}

static int whiteout_opaque(struct layer_extract *x, const char *dir, const char *path,
                           struct berth_error *err)
{
        bool apply = x->opts->whiteout == BERTH_WHITEOUT_APPLY;
        int dfd;
        int r = layer_dircache_walk(&x->dc, x->rootfd, dir, !apply, &dfd, err);
        if (r == -ENOENT && apply)
                return 0;
        if (r < 0)
                return berth_error_prefix(err, r, "entry '%s'", path);
        if (apply)
                return clear_opaque_dir(x, dfd, dir, err);
        _cleanup_close_ int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return berth_error_errno(err, "entry '%s': open directory", path);
        if (fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) < 0)
                return berth_error_errno(err, "entry '%s': set trusted.overlay.opaque", path);
        return 0;
}

static int whiteout(struct layer_extract *x, const char *dir, const char *base, const char *path,
                    struct berth_error *err)
{
        if (strcmp(base, WH_OPAQUE) == 0)
                return whiteout_opaque(x, dir, path, err);
        const char *name = base + strlen(WH_PREFIX);
        if (!*name || !strcmp(name, ".") || !strcmp(name, "..") ||
            strncmp(base, WH_META, strlen(WH_META)) == 0)
                return berth_error_set(err, EINVAL, "whiteout '%s' names no valid entry: refused",
                                       path);
        bool apply = x->opts->whiteout == BERTH_WHITEOUT_APPLY;
        int dfd;
        int r = layer_dircache_walk(&x->dc, x->rootfd, dir, !apply, &dfd, err);
        if (r == -ENOENT && apply)
                return 0;
        if (r < 0)
                return berth_error_prefix(err, r, "whiteout '%s'", path);
        if (apply) {
                r = berth_rm_rf_at(dfd, name);
                layer_dircache_flush(&x->dc);
                if (r < 0)
                        return berth_error_set(err, -r, "whiteout '%s': remove '%s': %s", path,
                                               name, strerror(-r));
                return 0;
        }
        r = remove_existing(x, dfd, name, false, path, NULL, err);
        if (r < 0)
                return r;
        if (mknodat(dfd, name, S_IFCHR, makedev(0, 0)) < 0)
                return berth_error_errno(err, "whiteout '%s': mknod", path);
        return 0;
}

/* ---- entries ------------------------------------------------------------------------------ */

static int extract_typed(struct layer_extract *x, struct archive *a, struct archive_entry *e,
                         int dfd, const char *base, const char *path, struct berth_error *err)
{
        if (archive_entry_hardlink(e))
                return make_hardlink(x, e, dfd, base, path, err);
        mode_t type = archive_entry_filetype(e);
        switch (type) {
        case AE_IFREG:
                return make_file(x, a, e, dfd, base, path, err);
        case AE_IFDIR:
                return make_dir(x, e, dfd, base, path, err);
        case AE_IFLNK:
                return make_symlink(x, e, dfd, base, path, err);
        case AE_IFIFO:
        case AE_IFCHR:
        case AE_IFBLK:
                return make_node(x, e, dfd, base, path, type, err);
        default:
                return berth_error_set(err, EINVAL, "entry '%s': unsupported entry type 0%o", path,
                                       (unsigned)type);
        }
}

int layer_extract_entry(struct layer_extract *x, struct archive *a, struct archive_entry *e,
                        struct berth_error *err)
{
        const char *name = archive_entry_pathname(e);
        if (!name)
                return berth_error_set(err, EINVAL, "entry without a name");
        char path[BERTH_LAYER_PATH_MAX];
        int r = layer_path_clean(name, "entry", path, err);
        if (r < 0)
                return r;
        char dir[BERTH_LAYER_PATH_MAX];
        const char *slash = strrchr(path, '/');
        const char *base = slash ? slash + 1 : path;
        size_t dlen = slash ? (size_t)(slash - path) : 0;
        memcpy(dir, path, dlen);
        dir[dlen] = '\0';

        if (strncmp(base, WH_PREFIX, strlen(WH_PREFIX)) == 0)
                return whiteout(x, dir, base, path, err);

        bool is_dir = archive_entry_filetype(e) == AE_IFDIR && !archive_entry_hardlink(e);
        if (!*path && !is_dir)
                return berth_error_set(err, EINVAL, "entry '%s' names the layer root", name);
        int dfd = x->rootfd;
        if (*path) {
                r = layer_dircache_walk(&x->dc, x->rootfd, dir, true, &dfd, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "entry '%s'", path);
        }
        size_t cost = 0;
        if (is_dir)
                cost += strlen(path) + 1 + sizeof(struct layer_dirtime);
        if (x->opts->whiteout == BERTH_WHITEOUT_APPLY)
                cost += strlen(path) + 1 + 2 * sizeof(char *);
        if (x->meta_bytes + cost > layer_max_meta_bytes)
                return berth_error_set(err, EFBIG,
                                       "entry '%s': layer needs more than %zu KiB to track its "
                                       "directories and paths",
                                       path, layer_max_meta_bytes >> 10);
        x->meta_bytes += cost;
        r = extract_typed(x, a, e, dfd, base, path, err);
        if (r < 0)
                return r;
        if (x->opts->whiteout == BERTH_WHITEOUT_APPLY && *path &&
            layer_pathset_add(&x->created, path) < 0)
                return berth_error_set(err, ENOMEM, "out of memory");
        return 0;
}

int layer_extract_finish(struct layer_extract *x, struct berth_error *err)
{
        for (size_t i = 0; i < x->ndirs; i++) {
                const char *path = x->dirs[i].path;
                if (!*path) {
                        _cleanup_close_ int fd =
                            openat(x->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (fd < 0 || futimens(fd, x->dirs[i].ts) < 0)
                                return berth_error_errno(err, "layer root: set times");
                        continue;
                }
                const char *slash = strrchr(path, '/');
                char dir[BERTH_LAYER_PATH_MAX];
                size_t dlen = slash ? (size_t)(slash - path) : 0;
                memcpy(dir, path, dlen);
                dir[dlen] = '\0';
                int dfd;
                int r = layer_dircache_walk(&x->dc, x->rootfd, dir, false, &dfd, NULL);
                if (r == -ENOENT || r == -ENOTDIR || r == -ELOOP)
                        continue; /* removed or replaced by a later entry */
                if (r < 0)
                        return berth_error_set(err, -r, "directory '%s': set times", path);
                if (utimensat(dfd, slash ? slash + 1 : path, x->dirs[i].ts, AT_SYMLINK_NOFOLLOW) <
                        0 &&
                    errno != ENOENT)
                        return berth_error_errno(err, "directory '%s': set times", path);
        }
        return 0;
}

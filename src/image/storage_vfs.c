/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vfs backend: each container gets a full copy of its flattened layers in
 * containers/<id>/rootfs (storage_copy.c), mounted by a bind.  Works on any filesystem
 * (overlay on overlay, old kernels, some user namespaces), at the cost of the copy.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/strutil.h"
#include "fs/mount.h"
#include "fs/resolve.h"
#include "image/storage_internal.h"
#include "basic/banned.h"

#define VFS_ROOTFS "rootfs"

static int vfs_probe(const char *root, struct berth_error *err)
{
        return 0; /* copying works everywhere */
}

static int flatten(int dfd, const struct storage_lowers *l, struct berth_error *err)
{
        for (size_t i = l->n; i-- > 0;) {
                int r = storage_copy_layer(l->fds[i], dfd, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "copy layer '%s'", l->paths[i]);
        }
        return 0;
}

static int vfs_prepare(struct berth_storage *s, int cdirfd, const struct storage_lowers *l,
                       struct berth_error *err)
{
        if (mkdirat(cdirfd, VFS_ROOTFS, 0755) < 0)
                return berth_error_errno(err, "create rootfs");
        _cleanup_close_ int dfd =
            openat(cdirfd, VFS_ROOTFS, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return berth_error_errno(err, "open rootfs");
        return flatten(dfd, l, err);
}

static int vfs_mount(struct berth_storage *s, const char *id, int cdirfd,
                     const struct storage_lowers *l, int target_fd, unsigned flags,
                     struct berth_error *err)
{
        if (cdirfd < 0)
                return berth_error_set(err, EOPNOTSUPP,
                                       "vfs storage cannot mount layers without a container");
        _cleanup_close_ int rfd = -1;
        int r = berth_fs_open_in_root_ex(cdirfd, VFS_ROOTFS, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0,
                                         BERTH_RESOLVE_NO_XDEV, &rfd, err);
        if (r < 0)
                return berth_error_prefix(err, r, "rootfs");
        struct berth_bind_opts o = {0};
        if (flags & BERTH_STORAGE_MOUNT_RO)
                o.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV;
        return berth_mount_bind(rfd, &o, target_fd, err);
}

/* ------------------------------------------------------------------ diff */

struct vfs_diff {
        berth_storage_diff_fn fn;
        void *userdata;
        struct berth_error *err;
};

static int report(struct vfs_diff *d, enum berth_storage_change_kind kind, const char *rel)
{
        _cleanup_free_ char *abs = berth_strdup_printf("/%s", rel);
        if (!abs)
                return berth_error_set(d->err, ENOMEM, "out of memory");
        struct berth_storage_change c = {.kind = kind, .path = abs};
        int r = d->fn(&c, d->userdata);
        if (r != 0)
                berth_error_set(d->err, r < 0 ? -r : ECANCELED, "diff stopped at '%s'", abs);
        return r;
}

static int open_dir_at(int dfd, const char *name, DIR **out)
{
        int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        *out = fdopendir(fd);
        if (!*out) {
                close(fd);
                return -errno;
        }
        return 0;
}

static bool same_link(int adir, int bdir, const char *name)
{
        char a[4097], b[4097];
        ssize_t na = readlinkat(adir, name, a, sizeof(a));
        ssize_t nb = readlinkat(bdir, name, b, sizeof(b));
        return na >= 0 && na == nb && !memcmp(a, b, (size_t)na);
}

static bool same_entry(const struct stat *a, const struct stat *b, int adir, int bdir,
                       const char *name)
{
        if (a->st_mode != b->st_mode || a->st_uid != b->st_uid || a->st_gid != b->st_gid)
                return false;
        if (S_ISLNK(a->st_mode))
                return same_link(adir, bdir, name);
        if (S_ISCHR(a->st_mode) || S_ISBLK(a->st_mode))
                return a->st_rdev == b->st_rdev;
        return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
               a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Walk `cur` (the container); `base` is the flattened lowers' dir here, or -1 when the
 * directory is new (everything in it is Added). */
static int compare_dir(struct vfs_diff *d, DIR *cur, int base, const char *rel)
{
        struct dirent *de;
        int r = 0;
        while (r == 0 && (errno = 0, de = readdir(cur))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *path = storage_join(rel, de->d_name);
                if (!path)
                        return berth_error_set(d->err, ENOMEM, "out of memory");
                struct stat st, bst;
                if (fstatat(dirfd(cur), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return berth_error_errno(d->err, "diff: stat '/%s'", path);
                bool below = base >= 0 && fstatat(base, de->d_name, &bst, AT_SYMLINK_NOFOLLOW) == 0;
                if (!below)
                        r = report(d, BERTH_CHANGE_ADDED, path);
                else if (!same_entry(&st, &bst, dirfd(cur), base, de->d_name))
                        r = report(d, BERTH_CHANGE_CHANGED, path);
                if (r != 0 || !S_ISDIR(st.st_mode))
                        continue;
                _cleanup_closedir_ DIR *sub = NULL;
                _cleanup_close_ int bsub = -1;
                if (open_dir_at(dirfd(cur), de->d_name, &sub) < 0)
                        return berth_error_errno(d->err, "diff: open '/%s'", path);
                if (below && S_ISDIR(bst.st_mode))
                        bsub = openat(base, de->d_name,
                                      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                r = compare_dir(d, sub, bsub, path);
        }
        if (r == 0 && errno != 0)
                return berth_error_errno(d->err, "diff: readdir '/%s'", rel);
        return r;
}

/* What the flattened lowers have here that the container does not: Deleted. */
static int deleted_in(struct vfs_diff *d, DIR *base, int cur, const char *rel)
{
        struct dirent *de;
        int r = 0;
        while (r == 0 && (errno = 0, de = readdir(base))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *path = storage_join(rel, de->d_name);
                if (!path)
                        return berth_error_set(d->err, ENOMEM, "out of memory");
                struct stat st, cst;
                if (fstatat(cur, de->d_name, &cst, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = report(d, BERTH_CHANGE_DELETED, path);
                        continue;
                }
                if (fstatat(dirfd(base), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISDIR(st.st_mode) || !S_ISDIR(cst.st_mode))
                        continue;
                _cleanup_closedir_ DIR *sub = NULL;
                _cleanup_close_ int csub =
                    openat(cur, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (csub < 0 || open_dir_at(dirfd(base), de->d_name, &sub) < 0)
                        return berth_error_errno(d->err, "diff: open '/%s'", path);
                r = deleted_in(d, sub, csub, path);
        }
        if (r == 0 && errno != 0)
                return berth_error_errno(d->err, "diff: readdir '/%s'", rel);
        return r;
}

static int diff_trees(struct vfs_diff *d, int cdirfd, int basefd)
{
        _cleanup_closedir_ DIR *cur = NULL, *base = NULL;
        if (open_dir_at(cdirfd, VFS_ROOTFS, &cur) < 0 || open_dir_at(basefd, ".", &base) < 0)
                return berth_error_errno(d->err, "diff: open rootfs");
        int r = compare_dir(d, cur, dirfd(base), "");
        if (r == 0) {
                rewinddir(cur);
                r = deleted_in(d, base, dirfd(cur), "");
        }
        return r;
}

static int vfs_diff(struct berth_storage *s, const char *id, int cdirfd,
                    const struct storage_lowers *l, berth_storage_diff_fn fn, void *userdata,
                    struct berth_error *err)
{
        _cleanup_free_ char *tmpl =
            berth_strdup_printf("%s/%s/.diff-XXXXXX", s->root, STORAGE_CONTAINERS_DIR);
        if (!tmpl)
                return berth_error_set(err, ENOMEM, "out of memory");
        if (!mkdtemp(tmpl))
                return berth_error_errno(err, "diff: scratch dir '%s'", tmpl);
        const char *name = strrchr(tmpl, '/') + 1;
        int r;
        _cleanup_close_ int basefd =
            openat(s->containersfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (basefd < 0)
                r = berth_error_errno(err, "diff: open '%s'", tmpl);
        else if ((r = flatten(basefd, l, err)) >= 0) {
                struct vfs_diff d = {.fn = fn, .userdata = userdata, .err = err};
                r = diff_trees(&d, cdirfd, basefd);
        }
        (void)berth_rm_rf_at(s->containersfd, name);
        return r < 0 ? berth_error_prefix(err, r, "diff container '%s'", id) : r;
}

const struct berth_storage_ops berth_storage_vfs_ops = {
    .name = BERTH_STORAGE_VFS,
    .probe = vfs_probe,
    .prepare = vfs_prepare,
    .mount = vfs_mount,
    .umount = storage_generic_umount,
    .remove = storage_generic_remove,
    .diff = vfs_diff,
};

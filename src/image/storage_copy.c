/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Applying an unpacked layer (overlay-form whiteouts) onto a directory by copying: the vfs
 * backend's flattening.  The walk opens one component at a time with O_NOFOLLOW below the
 * two directory fds it is given, so no symlink is ever followed, in the layer or in the
 * destination; hardlink targets are reached through the resolver (src/fs/resolve.h).
 * Device nodes and fifos are never opened: their metadata is set with *at() calls.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/strutil.h"
#include "fs/resolve.h"
#include "image/storage_internal.h"
#include "basic/banned.h"

#define XATTR_LIST_MAX_BYTES (64 * 1024)
#define COPY_CHUNK           (1 << 20)

struct hardlink {
        dev_t dev;
        ino_t ino;
        char *path; /* relative to the destination root */
};

struct copy_ctx {
        int dst_root;
        struct hardlink *links;
        size_t n_links, cap_links;
        struct berth_error *err;
};

/* "/proc/self/fd/N/name", or "/proc/self/fd/N" for the directory itself (name ""). */
static void fd_name_path(char *buf, size_t size, int dirfd, const char *name)
{
        if (*name)
                snprintf(buf, size, "/proc/self/fd/%d/%s", dirfd, name);
        else
                snprintf(buf, size, "/proc/self/fd/%d", dirfd);
}

static int copy_xattrs(struct copy_ctx *c, int sdir, int ddir, const char *name, const char *rel)
{
        char sp[PATH_MAX], dp[PATH_MAX];
        fd_name_path(sp, sizeof(sp), sdir, name);
        fd_name_path(dp, sizeof(dp), ddir, name);
        bool self = !*name; /* the dir itself: follow the magic link to it */
        ssize_t n = self ? listxattr(sp, NULL, 0) : llistxattr(sp, NULL, 0);
        if (n < 0)
                return errno == ENOTSUP ? 0
                                        : berth_error_errno(c->err, "list xattrs of '/%s'", rel);
        if (n == 0)
                return 0;
        if (n > XATTR_LIST_MAX_BYTES)
                return berth_error_set(c->err, E2BIG, "xattr names of '/%s': %zd bytes", rel, n);
        _cleanup_free_ char *names = malloc((size_t)n);
        _cleanup_free_ char *val = malloc(XATTR_SIZE_MAX);
        if (!names || !val)
                return berth_error_set(c->err, ENOMEM, "out of memory");
        n = self ? listxattr(sp, names, (size_t)n) : llistxattr(sp, names, (size_t)n);
        if (n < 0)
                return berth_error_errno(c->err, "list xattrs of '/%s'", rel);
        for (char *k = names; k < names + n; k += strlen(k) + 1) {
                if (berth_startswith(k, "trusted.overlay.") ||
                    (storage_in_user_namespace() && berth_startswith(k, "user.overlay.")))
                        continue;
                ssize_t vl = self ? getxattr(sp, k, val, XATTR_SIZE_MAX)
                                  : lgetxattr(sp, k, val, XATTR_SIZE_MAX);
                if (vl < 0) {
                        if (errno == ENODATA)
                                continue;
                        return berth_error_errno(c->err, "xattr %s of '/%s'", k, rel);
                }
                int r = self ? setxattr(dp, k, val, (size_t)vl, 0)
                             : lsetxattr(dp, k, val, (size_t)vl, 0);
                if (r < 0 && errno != ENOTSUP)
                        return berth_error_errno(c->err, "set xattr %s on '/%s'", k, rel);
        }
        return 0;
}

/* Owner, mode, xattrs, times of sdir/name onto ddir/name (name "" = the dirs themselves,
 * which must then be real directory fds). */
static int copy_meta(struct copy_ctx *c, int sdir, int ddir, const char *name,
                     const struct stat *st, const char *rel)
{
        int flags = *name ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH;
        /* chown first: it clears setuid bits and security.capability. */
        if (fchownat(ddir, name, st->st_uid, st->st_gid, flags) < 0)
                return berth_error_errno(c->err, "chown '/%s'", rel);
        if (!S_ISLNK(st->st_mode)) {
                int r = *name ? fchmodat(ddir, name, st->st_mode & 07777, AT_SYMLINK_NOFOLLOW)
                              : fchmod(ddir, st->st_mode & 07777);
                if (r < 0)
                        return berth_error_errno(c->err, "chmod '/%s'", rel);
        }
        int r = copy_xattrs(c, sdir, ddir, name, rel);
        if (r < 0)
                return r;
        struct timespec ts[2] = {st->st_atim, st->st_mtim};
        r = *name ? utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) : futimens(ddir, ts);
        if (r < 0)
                return berth_error_errno(c->err, "set times of '/%s'", rel);
        return 0;
}

/* Plain copy of [off, end) with copy_file_range, or read/write where that is refused. */
static int copy_range(int in, int out, off_t off, off_t end)
{
        bool plain = false;
        while (off < end) {
                size_t want = (size_t)(end - off) < COPY_CHUNK ? (size_t)(end - off) : COPY_CHUNK;
                if (!plain) {
                        off_t io = off, oo = off;
                        ssize_t n = copy_file_range(in, &io, out, &oo, want, 0);
                        if (n > 0) {
                                off += n;
                                continue;
                        }
                        if (n == 0)
                                return -EIO; /* shrank under us */
                        if (errno != EXDEV && errno != EINVAL && errno != ENOSYS &&
                            errno != EOPNOTSUPP)
                                return -errno;
                        plain = true;
                }
                char buf[65536];
                ssize_t n = pread(in, buf, want < sizeof(buf) ? want : sizeof(buf), off);
                if (n <= 0)
                        return n < 0 ? -errno : -EIO;
                for (ssize_t w = 0; w < n;) {
                        ssize_t k = pwrite(out, buf + w, (size_t)(n - w), off + w);
                        if (k < 0)
                                return -errno;
                        w += k;
                }
                off += n;
        }
        return 0;
}

/* Reflink when the filesystem can, else the data segments only (holes stay holes). */
static int copy_data(int in, int out, off_t size)
{
        if (ioctl(out, FICLONE, in) == 0)
                return 0;
        off_t off = 0;
        while (off < size) {
                off_t data = lseek(in, off, SEEK_DATA);
                if (data < 0) {
                        if (errno == ENXIO)
                                break; /* only a hole is left */
                        data = off;    /* no SEEK_DATA: copy everything */
                }
                off_t hole = lseek(in, data, SEEK_HOLE);
                if (hole < 0 || hole > size)
                        hole = size;
                int r = copy_range(in, out, data, hole);
                if (r < 0)
                        return r;
                off = hole;
        }
        return ftruncate(out, size) < 0 ? -errno : 0;
}

static int copy_file(struct copy_ctx *c, int sdir, int ddir, const char *name,
                     const struct stat *st, const char *rel)
{
        _cleanup_close_ int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (in < 0)
                return berth_error_errno(c->err, "open '/%s' in the layer", rel);
        _cleanup_close_ int out =
            openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
                return berth_error_errno(c->err, "create '/%s'", rel);
        int r = copy_data(in, out, st->st_size);
        if (r < 0)
                return berth_error_set(c->err, -r, "copy '/%s': %s", rel, strerror(-r));
        return 0;
}

static int remember_link(struct copy_ctx *c, const struct stat *st, const char *rel)
{
        if (c->n_links == c->cap_links) {
                size_t ncap = c->cap_links ? c->cap_links * 2 : 64;
                struct hardlink *p = realloc(c->links, ncap * sizeof(*p));
                if (!p)
                        return berth_error_set(c->err, ENOMEM, "out of memory");
                c->links = p;
                c->cap_links = ncap;
        }
        char *path = strdup(rel);
        if (!path)
                return berth_error_set(c->err, ENOMEM, "out of memory");
        c->links[c->n_links++] = (struct hardlink){st->st_dev, st->st_ino, path};
        return 0;
}

/* 1 when the entry was made as a hardlink to an earlier copy of the same inode. */
static int try_link(struct copy_ctx *c, int ddir, const char *name, const struct stat *st,
                    const char *rel)
{
        for (size_t i = 0; i < c->n_links; i++) {
                if (c->links[i].dev != st->st_dev || c->links[i].ino != st->st_ino)
                        continue;
                _cleanup_close_ int pfd = -1;
                _cleanup_free_ char *base = NULL;
                int r = berth_fs_open_parent_in_root(c->dst_root, c->links[i].path, false, &pfd,
                                                     &base, c->err);
                if (r < 0)
                        return berth_error_prefix(c->err, r, "hardlink '/%s'", rel);
                if (linkat(pfd, base, ddir, name, 0) < 0)
                        return berth_error_errno(c->err, "hardlink '/%s' to '/%s'", rel,
                                                 c->links[i].path);
                return 1;
        }
        return 0;
}

static int make_entry(struct copy_ctx *c, int sdir, int ddir, const char *name,
                      const struct stat *st, const char *rel)
{
        if (st->st_nlink > 1) {
                int r = try_link(c, ddir, name, st, rel);
                if (r != 0)
                        return r < 0 ? r : 1;
        }
        int r = 0;
        if (S_ISREG(st->st_mode)) {
                r = copy_file(c, sdir, ddir, name, st, rel);
        } else if (S_ISLNK(st->st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlinkat(sdir, name, target, sizeof(target) - 1);
                if (n < 0)
                        return berth_error_errno(c->err, "readlink '/%s'", rel);
                target[n] = '\0';
                if (symlinkat(target, ddir, name) < 0)
                        r = berth_error_errno(c->err, "symlink '/%s'", rel);
        } else if (mknodat(ddir, name, st->st_mode & (S_IFMT | 0600), st->st_rdev) < 0) {
                r = berth_error_errno(c->err, "mknod '/%s'", rel);
        }
        if (r >= 0 && st->st_nlink > 1)
                r = remember_link(c, st, rel);
        return r;
}

/* Remove everything in the directory fd (an opaque dir hides what was below). */
static int clear_dir(struct copy_ctx *c, int dfd, const char *rel)
{
        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_closedir_ DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                if (fd >= 0)
                        close(fd);
                return berth_error_errno(c->err, "open '/%s'", rel);
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                int r = berth_rm_rf_at(dfd, de->d_name);
                if (r < 0)
                        return berth_error_set(c->err, -r, "clear opaque '/%s': %s", rel,
                                               strerror(-r));
        }
        return 0;
}

static int apply_dir(struct copy_ctx *c, int sdir, int ddir, const char *rel);

static int apply_subdir(struct copy_ctx *c, int sdir, int ddir, const char *name,
                        const struct stat *st, const char *rel)
{
        struct stat dst;
        if (fstatat(ddir, name, &dst, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(dst.st_mode)) {
                int r = berth_rm_rf_at(ddir, name);
                if (r < 0)
                        return berth_error_set(c->err, -r, "replace '/%s': %s", rel, strerror(-r));
        }
        if (mkdirat(ddir, name, 0700) < 0 && errno != EEXIST)
                return berth_error_errno(c->err, "mkdir '/%s'", rel);
        _cleanup_close_ int s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0 || d < 0)
                return berth_error_errno(c->err, "open directory '/%s'", rel);
        int r = 0;
        if (storage_is_opaque(s))
                r = clear_dir(c, d, rel);
        if (r >= 0)
                r = apply_dir(c, s, d, rel);
        /* Metadata last, so the entries made inside do not change the mtime again. */
        return r < 0 ? r : copy_meta(c, s, d, "", st, rel);
}

static int apply_entry(struct copy_ctx *c, int sdir, int ddir, const char *name, const char *rel)
{
        struct stat st;
        if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return berth_error_errno(c->err, "stat '/%s' in the layer", rel);
        if (S_ISDIR(st.st_mode))
                return apply_subdir(c, sdir, ddir, name, &st, rel);
        int r = berth_rm_rf_at(ddir, name);
        if (r < 0)
                return berth_error_set(c->err, -r, "replace '/%s': %s", rel, strerror(-r));
        if (storage_is_whiteout(&st))
                return 0;
        r = make_entry(c, sdir, ddir, name, &st, rel);
        if (r != 0)
                return r < 0 ? r : 0; /* 1: a hardlink, its metadata is shared */
        return copy_meta(c, sdir, ddir, name, &st, rel);
}

static int apply_dir(struct copy_ctx *c, int sdir, int ddir, const char *rel)
{
        int fd = openat(sdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_closedir_ DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                if (fd >= 0)
                        close(fd);
                return berth_error_errno(c->err, "read '/%s' in the layer", rel);
        }
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *path = storage_join(rel, de->d_name);
                if (!path)
                        return berth_error_set(c->err, ENOMEM, "out of memory");
                int r = apply_entry(c, sdir, ddir, de->d_name, path);
                if (r < 0)
                        return r;
        }
        if (errno != 0)
                return berth_error_errno(c->err, "read '/%s' in the layer", rel);
        return 0;
}

int storage_copy_layer(int srcfd, int dstfd, struct berth_error *err)
{
        _cleanup_close_ int s = openat(srcfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int d = openat(dstfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s < 0 || d < 0)
                return berth_error_errno(err, "open layer or destination");
        struct copy_ctx c = {.dst_root = d, .err = err};
        struct stat st;
        int r = fstat(s, &st) < 0 ? berth_error_errno(err, "stat layer root") : 0;
        if (r >= 0)
                r = apply_dir(&c, s, d, "");
        if (r >= 0)
                r = copy_meta(&c, s, d, "", &st, "");
        for (size_t i = 0; i < c.n_links; i++)
                free(c.links[i].path);
        free(c.links);
        return r;
}

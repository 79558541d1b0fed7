/* SPDX-License-Identifier: Apache-2.0 */
#include "basic/fileutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/banned.h"

int berth_read_fd(int fd, size_t max, char **out, size_t *len, struct berth_error *err)
{
        size_t cap = 4096, n = 0;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return berth_error_set(err, ENOMEM, "out of memory");
        for (;;) {
                if (n + 1 >= cap) {
                        if (cap > max + 1)
                                return berth_error_set(err, EFBIG, "file larger than %zu bytes",
                                                       max);
                        cap *= 2;
                        char *nb = realloc(buf, cap);
                        if (!nb)
                                return berth_error_set(err, ENOMEM, "out of memory");
                        buf = nb;
                }
                ssize_t r = read(fd, buf + n, cap - n - 1);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return berth_error_errno(err, "read");
                }
                if (r == 0)
                        break;
                n += (size_t)r;
                if (n > max)
                        return berth_error_set(err, EFBIG, "file larger than %zu bytes", max);
        }
        buf[n] = '\0';
        if (len)
                *len = n;
        *out = TAKE_PTR(buf);
        return 0;
}

int berth_read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len,
                       struct berth_error *err)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return berth_error_errno(err, "open '%s'", path);
        int r = berth_read_fd(fd, max, out, len, err);
        if (r < 0)
                return berth_error_prefix(err, r, "read '%s'", path);
        return 0;
}

int berth_write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;
        while (len > 0) {
                ssize_t r = write(fd, p, len);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += r;
                len -= (size_t)r;
        }
        return 0;
}

int berth_read_exact(int fd, void *buf, size_t len)
{
        char *p = buf;
        while (len > 0) {
                ssize_t r = read(fd, p, len);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (r == 0)
                        return -EPIPE;
                p += r;
                len -= (size_t)r;
        }
        return 0;
}

int berth_write_file_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                            int durable, struct berth_error *err)
{
        if (strchr(name, '/'))
                return berth_error_set(err, EINVAL, "'%s' is not a plain file name", name);
        char tmp[256];
        int n = snprintf(tmp, sizeof(tmp), ".%s.tmp.%d", name, (int)getpid());
        if (n < 0 || (size_t)n >= sizeof(tmp))
                return berth_error_set(err, ENAMETOOLONG, "file name too long: '%s'", name);
        _cleanup_close_ int fd =
            openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return berth_error_errno(err, "create '%s'", tmp);
        int r = berth_write_all(fd, data, len);
        if (r == 0 && durable && fsync(fd) < 0)
                r = -errno;
        if (r < 0) {
                unlinkat(dirfd, tmp, 0);
                return berth_error_setsys(err, -r, "write '%s'", name);
        }
        if (renameat(dirfd, tmp, dirfd, name) < 0) {
                int e = errno;
                unlinkat(dirfd, tmp, 0);
                return berth_error_setsys(err, e, "rename to '%s'", name);
        }
        if (durable)
                fsync(dirfd);
        return 0;
}

int berth_write_string_at(int dirfd, const char *path, const char *value, struct berth_error *err)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return berth_error_errno(err, "open '%s'", path);
        size_t len = strlen(value);
        ssize_t w = write(fd, value, len);
        if (w < 0)
                return berth_error_errno(err, "write '%s' to '%s'", value, path);
        if ((size_t)w != len)
                return berth_error_set(err, EIO, "short write to '%s'", path);
        return 0;
}

int berth_mkdir_p(const char *path, mode_t mode)
{
        char buf[4096];
        size_t len = strlen(path);
        if (len == 0 || len >= sizeof(buf))
                return -ENAMETOOLONG;
        memcpy(buf, path, len + 1);
        for (char *p = buf + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(buf, mode) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static int rm_rf_children(int dfd, dev_t dev)
{
        _cleanup_closedir_ DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return -errno;
        }
        int ret = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                struct stat st;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno != ENOENT)
                                ret = -errno;
                        continue;
                }
                if (S_ISDIR(st.st_mode)) {
                        if (st.st_dev != dev) {
                                ret = -EBUSY; /* a mount point: never cross it */
                                continue;
                        }
                        int cfd = openat(dirfd(d), de->d_name,
                                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (cfd < 0) {
                                ret = -errno;
                                continue;
                        }
                        int r = rm_rf_children(cfd, dev);
                        if (r < 0)
                                ret = r;
                        if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                                ret = -errno;
                } else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
                        ret = -errno;
                }
        }
        return ret;
}

int berth_rm_rf_at(int dirfd, const char *name)
{
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = rm_rf_children(fd, st.st_dev);
        if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
                r = -errno;
        return r;
}

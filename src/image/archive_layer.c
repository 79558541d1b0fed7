/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A layer tar made from an unpacked layer directory (overlay form), for images whose
 * layers have no stored blob (built on this host).  The walk goes through directory fds
 * with O_NOFOLLOW, names sorted, so the same directory always gives the same bytes:
 *   - a 0:0 character device (overlay whiteout) becomes an empty ".wh.NAME" file;
 *   - a directory with trusted.overlay.opaque="y" gets a ".wh..wh..opq" entry after it;
 *   - files with several links become hard links to the first path written;
 *   - owner, mode, mtime are kept; xattrs user.* and security.capability of files and
 *     directories are kept (pax headers).
 * The tar goes straight into the blob store (uncompressed: its digest is its diff_id).
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/strutil.h"
#include "image/archive_internal.h"
#include "basic/banned.h"

#define WALK_DEPTH_MAX 256
#define XATTR_LIST_MAX 65536

struct link_seen {
        dev_t dev;
        ino_t ino;
        char *path;
};

struct walk {
        struct archive *a;
        struct link_seen *links;
        size_t n_links;
        char *buf;
        struct berth_error *err;
};

static int oom(struct berth_error *err)
{
        return berth_error_set(err, ENOMEM, "out of memory");
}

static la_ssize_t blob_cb(struct archive *a, void *ud, const void *buf, size_t n)
{
        if (berth_blob_writer_write(ud, buf, n, NULL) < 0) {
                archive_set_error(a, EIO, "write layer blob");
                return -1;
        }
        return (la_ssize_t)n;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_xattrs(struct archive_entry *e, int fd)
{
        char list[XATTR_LIST_MAX];
        ssize_t n = flistxattr(fd, list, sizeof(list));
        for (ssize_t off = 0; n > 0 && off < n; off += (ssize_t)strlen(list + off) + 1) {
                const char *k = list + off;
                if (!berth_startswith(k, "user.") && strcmp(k, "security.capability"))
                        continue;
                char val[4096];
                ssize_t vn = fgetxattr(fd, k, val, sizeof(val));
                if (vn >= 0)
                        archive_entry_xattr_add_entry(e, k, val, (size_t)vn);
        }
}

static struct archive_entry *entry_of(const char *path, const struct stat *st)
{
        struct archive_entry *e = archive_entry_new();
        if (!e)
                return NULL;
        archive_entry_set_pathname(e, path);
        archive_entry_set_mode(e, st->st_mode);
        archive_entry_set_uid(e, st->st_uid);
        archive_entry_set_gid(e, st->st_gid);
        archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
        return e;
}

static int put(struct walk *w, struct archive_entry *e, const char *path)
{
        int r = archive_write_header(w->a, e);
        archive_entry_free(e);
        if (r != ARCHIVE_OK)
                return berth_error_set(w->err, EIO, "layer tar entry '%.200s': %s", path,
                                       archive_error_string(w->a));
        return 0;
}

static int put_empty(struct walk *w, const char *path, const struct stat *like)
{
        struct stat st = *like;
        st.st_mode = S_IFREG | 0644;
        struct archive_entry *e = entry_of(path, &st);
        if (!e)
                return oom(w->err);
        archive_entry_set_size(e, 0);
        return put(w, e, path);
}

static int put_file(struct walk *w, int dirfd, const char *name, const char *path,
                    const struct stat *st)
{
        struct archive_entry *e = entry_of(path, st);
        if (!e)
                return oom(w->err);
        if (st->st_nlink > 1) {
                for (size_t i = 0; i < w->n_links; i++)
                        if (w->links[i].dev == st->st_dev && w->links[i].ino == st->st_ino) {
                                archive_entry_set_hardlink(e, w->links[i].path);
                                archive_entry_set_size(e, 0);
                                return put(w, e, path);
                        }
                struct link_seen *v = realloc(w->links, (w->n_links + 1) * sizeof(*v));
                if (!v || !(v[w->n_links].path = strdup(path))) {
                        archive_entry_free(e);
                        w->links = v ? v : w->links;
                        return oom(w->err);
                }
                w->links = v;
                v[w->n_links].dev = st->st_dev;
                v[w->n_links++].ino = st->st_ino;
        }
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                archive_entry_free(e);
                return berth_error_errno(w->err, "open '%.200s'", path);
        }
        archive_entry_set_size(e, st->st_size);
        add_xattrs(e, fd);
        int r = put(w, e, path);
        for (off_t done = 0; r >= 0 && done < st->st_size;) {
                ssize_t n = read(fd, w->buf, 1u << 20);
                if (n <= 0)
                        return berth_error_set(w->err, EIO, "read '%.200s'", path);
                if (archive_write_data(w->a, w->buf, (size_t)n) != n)
                        return berth_error_set(w->err, EIO, "layer tar data '%.200s'", path);
                done += n;
        }
        return r;
}

static int walk_dir(struct walk *w, int dirfd, const char *prefix, int depth);

static int walk_entry(struct walk *w, int dirfd, const char *name, const char *prefix, int depth)
{
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return berth_error_errno(w->err, "stat '%s%s'", prefix, name);
        _cleanup_free_ char *path = berth_strdup_printf("%s%s", prefix, name);
        if (!path)
                return oom(w->err);
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
                _cleanup_free_ char *wh = berth_strdup_printf("%s.wh.%s", prefix, name);
                return wh ? put_empty(w, wh, &st) : oom(w->err);
        }
        if (S_ISREG(st.st_mode))
                return put_file(w, dirfd, name, path, &st);
        if (S_ISSOCK(st.st_mode))
                return 0;
        struct archive_entry *e = entry_of(path, &st);
        if (!e)
                return oom(w->err);
        if (S_ISLNK(st.st_mode)) {
                char target[4097];
                ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
                if (n < 0) {
                        archive_entry_free(e);
                        return berth_error_errno(w->err, "readlink '%.200s'", path);
                }
                target[n] = '\0';
                archive_entry_set_symlink(e, target);
                return put(w, e, path);
        }
        if (!S_ISDIR(st.st_mode)) { /* devices, fifos */
                archive_entry_set_rdev(e, st.st_rdev);
                return put(w, e, path);
        }
        _cleanup_close_ int fd =
            openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                archive_entry_free(e);
                return berth_error_errno(w->err, "open '%.200s'", path);
        }
        add_xattrs(e, fd);
        _cleanup_free_ char *dpath = berth_strdup_printf("%s/", path);
        if (!dpath) {
                archive_entry_free(e);
                return oom(w->err);
        }
        archive_entry_set_pathname(e, dpath);
        int r = put(w, e, path);
        char v[2];
        if (r >= 0 && fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y') {
                _cleanup_free_ char *opq = berth_strdup_printf("%s.wh..wh..opq", dpath);
                r = opq ? put_empty(w, opq, &st) : oom(w->err);
        }
        return r < 0 ? r : walk_dir(w, fd, dpath, depth + 1);
}

static int walk_dir(struct walk *w, int dirfd, const char *prefix, int depth)
{
        if (depth > WALK_DEPTH_MAX)
                return berth_error_set(w->err, ELOOP, "layer deeper than %d directories",
                                       WALK_DEPTH_MAX);
        int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                if (fd >= 0)
                        close(fd);
                return berth_error_errno(w->err, "read directory '%s'", prefix);
        }
        _cleanup_strv_free_ char **names = NULL;
        struct dirent *de;
        int r = 0;
        while (r >= 0 && (de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        r = berth_strv_push(&names, de->d_name) < 0 ? oom(w->err) : 0;
        closedir(d);
        if (r < 0 || !names)
                return r;
        qsort(names, berth_strv_length(names), sizeof(char *), cmp_str);
        for (size_t i = 0; r >= 0 && names[i]; i++)
                r = walk_entry(w, dirfd, names[i], prefix, depth);
        return r;
}

int archive_layer_tar(struct berth_image_store *s, const char *dir, char *digest_out,
                      struct berth_error *err)
{
        _cleanup_close_ int fd = openat(berth_image_store_layers_fd(s), dir,
                                        O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return berth_error_errno(err, "open layer directory %s", dir);
        struct walk w = {.err = err};
        struct berth_blob_writer *bw = NULL;
        int r = (w.buf = malloc(1u << 20)) ? 0 : oom(err);
        if (r >= 0)
                r = berth_blob_writer_begin(berth_image_store_blobs(s), NULL, -1, &bw, err);
        if (r >= 0 && (!(w.a = archive_write_new()) ||
                       archive_write_set_format_pax_restricted(w.a) != ARCHIVE_OK ||
                       archive_write_set_bytes_in_last_block(w.a, 1) != ARCHIVE_OK ||
                       archive_write_open2(w.a, bw, NULL, blob_cb, NULL, NULL) != ARCHIVE_OK))
                r = berth_error_set(err, EIO, "start layer tar");
        if (r >= 0)
                r = walk_dir(&w, fd, "", 0);
        if (r >= 0 && archive_write_close(w.a) != ARCHIVE_OK)
                r = berth_error_set(err, EIO, "finish layer tar");
        if (w.a)
                archive_write_free(w.a);
        if (r >= 0)
                r = berth_blob_writer_commit(bw, digest_out, NULL, err);
        else
                berth_blob_writer_abort(bw);
        for (size_t i = 0; i < w.n_links; i++)
                free(w.links[i].path);
        free(w.links);
        free(w.buf);
        return r < 0 ? berth_error_prefix(err, r, "tar of layer %s", dir) : 0;
}

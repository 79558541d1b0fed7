/* SPDX-License-Identifier: Apache-2.0 */
#include "image/blobstore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/sha256.h"
#include "basic/strutil.h"
#include "image/reference.h"
#include "basic/banned.h"

#define TMP_PREFIX "blob-"

struct berth_blobstore {
        int blobfd; /* <root>/blobs/sha256 */
        int tmpfd;  /* <root>/tmp */
};

struct berth_blob_writer {
        struct berth_blobstore *bs;
        int fd;
        char tmpname[64];
        char expected[BERTH_DIGEST_MAX];
        int64_t expected_size;
        int64_t written;
        struct berth_sha256 h;
};

static int open_dir(const char *root, const char *sub, int *out, struct berth_error *err)
{
        _cleanup_free_ char *p = berth_strdup_printf("%s/%s", root, sub);
        if (!p)
                return berth_error_set(err, ENOMEM, "out of memory");
        int r = berth_mkdir_p(p, 0700);
        if (r < 0)
                return berth_error_set(err, -r, "create '%s': %s", p, strerror(-r));
        int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return berth_error_errno(err, "open '%s'", p);
        *out = fd;
        return 0;
}

int berth_blobstore_open(const char *root, struct berth_blobstore **out, struct berth_error *err)
{
        struct berth_blobstore *bs = calloc(1, sizeof(*bs));
        if (!bs)
                return berth_error_set(err, ENOMEM, "out of memory");
        bs->blobfd = bs->tmpfd = -1;
        int r = open_dir(root, BERTH_BLOBSTORE_BLOBDIR, &bs->blobfd, err);
        if (r >= 0)
                r = open_dir(root, BERTH_BLOBSTORE_TMPDIR, &bs->tmpfd, err);
        if (r >= 0)
                r = berth_blobstore_clean_tmp(bs, BERTH_BLOB_TMP_MAX_AGE, err);
        if (r < 0) {
                berth_blobstore_close(bs);
                return berth_error_prefix(err, r, "blob store in '%s'", root);
        }
        *out = bs;
        return 0;
}

void berth_blobstore_close(struct berth_blobstore *bs)
{
        if (!bs)
                return;
        if (bs->blobfd >= 0)
                close(bs->blobfd);
        if (bs->tmpfd >= 0)
                close(bs->tmpfd);
        free(bs);
}

/* "blob-<pid>-<hex>" -> pid, or 0 when the name is not ours. */
static pid_t tmp_owner(const char *name)
{
        if (!berth_startswith(name, TMP_PREFIX))
                return 0;
        const char *p = name + strlen(TMP_PREFIX);
        const char *dash = strchr(p, '-');
        if (!dash || dash == p || dash - p > 10)
                return 0;
        char num[16];
        memcpy(num, p, (size_t)(dash - p));
        num[dash - p] = '\0';
        int pid;
        if (berth_parse_int(num, 1, INT32_MAX, &pid) < 0)
                return 0;
        return (pid_t)pid;
}

int berth_blobstore_clean_tmp(struct berth_blobstore *bs, time_t max_age, struct berth_error *err)
{
        int fd = fcntl(bs->tmpfd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return berth_error_errno(err, "tmp directory");
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return berth_error_errno(err, "tmp directory");
        }
        rewinddir(d);
        time_t now = time(NULL);
        int removed = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                pid_t pid = tmp_owner(de->d_name);
                if (pid <= 0)
                        continue;
                struct stat st;
                if (fstatat(bs->tmpfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISREG(st.st_mode))
                        continue;
                bool dead = pid != getpid() && kill(pid, 0) < 0 && errno == ESRCH;
                bool old = now - st.st_mtime > max_age;
                if (!dead && !old)
                        continue;
                if (unlinkat(bs->tmpfd, de->d_name, 0) == 0)
                        removed++;
        }
        return removed;
}

/* Validate and turn "sha256:<hex>" into the file name <hex>. */
static int blob_name(const char *digest, const char **hex, struct berth_error *err)
{
        if (!digest)
                return berth_error_set(err, EINVAL, "missing digest");
        int r = berth_digest_validate(digest, err);
        if (r < 0)
                return r;
        if (!berth_startswith(digest, "sha256:"))
                return berth_error_set(err, EOPNOTSUPP,
                                       "blob store keeps sha256 content only, not '%.10s'", digest);
        *hex = digest + strlen("sha256:");
        return 0;
}

int berth_blob_writer_begin(struct berth_blobstore *bs, const char *expected_digest,
                            int64_t expected_size, struct berth_blob_writer **out,
                            struct berth_error *err)
{
        const char *hex;
        if (expected_digest) {
                int r = blob_name(expected_digest, &hex, err);
                if (r < 0)
                        return r;
        }
        struct berth_blob_writer *w = calloc(1, sizeof(*w));
        if (!w)
                return berth_error_set(err, ENOMEM, "out of memory");
        w->bs = bs;
        w->expected_size = expected_size;
        if (expected_digest)
                snprintf(w->expected, sizeof(w->expected), "%s", expected_digest);
        berth_sha256_init(&w->h);
        for (int tries = 0;; tries++) {
                uint64_t rnd;
                if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
                        rnd = (uint64_t)time(NULL) ^ ((uint64_t)tries << 32);
                snprintf(w->tmpname, sizeof(w->tmpname), TMP_PREFIX "%d-%016llx", (int)getpid(),
                         (unsigned long long)rnd);
                w->fd = openat(bs->tmpfd, w->tmpname,
                               O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (w->fd >= 0)
                        break;
                if (errno != EEXIST || tries > 8) {
                        int r = berth_error_errno(err, "create temp blob '%s'", w->tmpname);
                        free(w);
                        return r;
                }
        }
        *out = w;
        return 0;
}

int berth_blob_writer_write(struct berth_blob_writer *w, const void *data, size_t len,
                            struct berth_error *err)
{
        if (w->expected_size >= 0 && (uint64_t)w->written + len > (uint64_t)w->expected_size)
                return berth_error_set(err, EFBIG, "blob %s: more than the expected %lld bytes",
                                       w->expected[0] ? w->expected : "(new)",
                                       (long long)w->expected_size);
        berth_sha256_update(&w->h, data, len);
        int r = berth_write_all(w->fd, data, len);
        if (r < 0)
                return berth_error_set(err, -r, "write temp blob: %s", strerror(-r));
        w->written += (int64_t)len;
        return 0;
}

void berth_blob_writer_abort(struct berth_blob_writer *w)
{
        if (!w)
                return;
        if (w->fd >= 0)
                close(w->fd);
        unlinkat(w->bs->tmpfd, w->tmpname, 0);
        free(w);
}

static int writer_finish(struct berth_blob_writer *w, char *digest, struct berth_error *err)
{
        uint8_t d[BERTH_SHA256_DIGEST_SIZE];
        char hex[BERTH_SHA256_HEX_SIZE];
        berth_sha256_final(&w->h, d);
        berth_sha256_hex(d, hex);
        snprintf(digest, BERTH_DIGEST_MAX, "sha256:%s", hex);
        if (w->expected_size >= 0 && w->written != w->expected_size)
                return berth_error_set(err, EBADMSG, "blob %s: got %lld bytes, expected %lld",
                                       w->expected[0] ? w->expected : digest, (long long)w->written,
                                       (long long)w->expected_size);
        if (w->expected[0] && strcmp(w->expected, digest) != 0)
                return berth_error_set(err, EBADMSG, "blob digest mismatch: expected %s, got %s",
                                       w->expected, digest);
        if (fsync(w->fd) < 0)
                return berth_error_errno(err, "fsync temp blob");
        int r = close(w->fd);
        w->fd = -1;
        if (r < 0)
                return berth_error_errno(err, "close temp blob");
        const char *name = digest + strlen("sha256:");
        struct stat st;
        if (fstatat(w->bs->blobfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
            st.st_size == w->written)
                return 0; /* already stored: same digest, same bytes */
        if (renameat(w->bs->tmpfd, w->tmpname, w->bs->blobfd, name) < 0)
                return berth_error_errno(err, "store blob %s", digest);
        w->tmpname[0] = '\0';
        if (fsync(w->bs->blobfd) < 0)
                return berth_error_errno(err, "fsync blob directory");
        return 0;
}

int berth_blob_writer_commit(struct berth_blob_writer *w, char *digest_out, int64_t *size_out,
                             struct berth_error *err)
{
        char digest[BERTH_DIGEST_MAX];
        int r = writer_finish(w, digest, err);
        if (r >= 0) {
                if (digest_out)
                        memcpy(digest_out, digest, sizeof(digest));
                if (size_out)
                        *size_out = w->written;
        }
        if (w->fd >= 0)
                close(w->fd);
        if (w->tmpname[0])
                unlinkat(w->bs->tmpfd, w->tmpname, 0);
        free(w);
        return r;
}

int berth_blobstore_put(struct berth_blobstore *bs, const void *data, size_t len,
                        const char *expected_digest, char *digest_out, struct berth_error *err)
{
        struct berth_blob_writer *w;
        int r = berth_blob_writer_begin(bs, expected_digest, (int64_t)len, &w, err);
        if (r < 0)
                return r;
        r = berth_blob_writer_write(w, data, len, err);
        if (r < 0) {
                berth_blob_writer_abort(w);
                return r;
        }
        return berth_blob_writer_commit(w, digest_out, NULL, err);
}

int berth_blobstore_put_fd(struct berth_blobstore *bs, int fd, const char *expected_digest,
                           int64_t expected_size, char *digest_out, struct berth_error *err)
{
        struct berth_blob_writer *w;
        int r = berth_blob_writer_begin(bs, expected_digest, expected_size, &w, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *buf = malloc(1 << 16);
        if (!buf) {
                berth_blob_writer_abort(w);
                return berth_error_set(err, ENOMEM, "out of memory");
        }
        for (;;) {
                ssize_t n = read(fd, buf, 1 << 16);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = berth_error_errno(err, "read blob source");
                        berth_blob_writer_abort(w);
                        return r;
                }
                if (n == 0)
                        break;
                r = berth_blob_writer_write(w, buf, (size_t)n, err);
                if (r < 0) {
                        berth_blob_writer_abort(w);
                        return r;
                }
        }
        return berth_blob_writer_commit(w, digest_out, NULL, err);
}

int berth_blobstore_exists(struct berth_blobstore *bs, const char *digest, struct berth_error *err)
{
        const char *hex;
        int r = blob_name(digest, &hex, err);
        if (r < 0)
                return r;
        struct stat st;
        if (fstatat(bs->blobfd, hex, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                return berth_error_errno(err, "stat blob %s", digest);
        }
        return S_ISREG(st.st_mode) ? 1 : 0;
}

static int hash_fd(int fd, char *digest, int64_t *size, struct berth_error *err)
{
        struct berth_sha256 h;
        berth_sha256_init(&h);
        _cleanup_free_ char *buf = malloc(1 << 16);
        if (!buf)
                return berth_error_set(err, ENOMEM, "out of memory");
        int64_t total = 0;
        for (;;) {
                ssize_t n = pread(fd, buf, 1 << 16, total);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_error_errno(err, "read blob");
                if (n == 0)
                        break;
                berth_sha256_update(&h, buf, (size_t)n);
                total += n;
        }
        uint8_t d[BERTH_SHA256_DIGEST_SIZE];
        char hex[BERTH_SHA256_HEX_SIZE];
        berth_sha256_final(&h, d);
        berth_sha256_hex(d, hex);
        snprintf(digest, BERTH_DIGEST_MAX, "sha256:%s", hex);
        *size = total;
        return 0;
}

int berth_blobstore_open_blob(struct berth_blobstore *bs, const char *digest, bool verify,
                              int *fd_out, int64_t *size_out, struct berth_error *err)
{
        const char *hex;
        int r = blob_name(digest, &hex, err);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = openat(bs->blobfd, hex, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                if (errno == ENOENT)
                        return berth_error_set(err, ENOENT, "blob %s not found", digest);
                return berth_error_errno(err, "open blob %s", digest);
        }
        struct stat st;
        if (fstat(fd, &st) < 0)
                return berth_error_errno(err, "stat blob %s", digest);
        if (!S_ISREG(st.st_mode))
                return berth_error_set(err, EBADMSG, "blob %s is not a regular file", digest);
        if (verify) {
                char got[BERTH_DIGEST_MAX];
                int64_t n;
                r = hash_fd(fd, got, &n, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "verify blob %s", digest);
                if (strcmp(got, digest) != 0)
                        return berth_error_set(err, EBADMSG, "blob %s is corrupt (content is %s)",
                                               digest, got);
        }
        if (size_out)
                *size_out = st.st_size;
        *fd_out = TAKE_FD(fd);
        return 0;
}

int berth_blobstore_read(struct berth_blobstore *bs, const char *digest, size_t max, char **out,
                         size_t *len, struct berth_error *err)
{
        _cleanup_close_ int fd = -1;
        int r = berth_blobstore_open_blob(bs, digest, false, &fd, NULL, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        r = berth_read_fd(fd, max, &buf, &n, err);
        if (r < 0)
                return berth_error_prefix(err, r, "blob %s", digest);
        uint8_t d[BERTH_SHA256_DIGEST_SIZE];
        char hex[BERTH_SHA256_HEX_SIZE];
        berth_sha256(buf, n, d);
        berth_sha256_hex(d, hex);
        if (strcmp(hex, digest + strlen("sha256:")) != 0)
                return berth_error_set(err, EBADMSG, "blob %s is corrupt (content is sha256:%s)",
                                       digest, hex);
        if (len)
                *len = n;
        *out = TAKE_PTR(buf);
        return 0;
}

int berth_blobstore_delete(struct berth_blobstore *bs, const char *digest, struct berth_error *err)
{
        const char *hex;
        int r = blob_name(digest, &hex, err);
        if (r < 0)
                return r;
        if (unlinkat(bs->blobfd, hex, 0) < 0) {
                if (errno == ENOENT)
                        return berth_error_set(err, ENOENT, "blob %s not found", digest);
                return berth_error_errno(err, "remove blob %s", digest);
        }
        return 0;
}

static bool is_hex64(const char *s)
{
        size_t n = 0;
        for (; s[n]; n++)
                if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
                        return false;
        return n == 64;
}

int berth_blobstore_list(struct berth_blobstore *bs, char ***out, struct berth_error *err)
{
        int fd = fcntl(bs->blobfd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return berth_error_errno(err, "blob directory");
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return berth_error_errno(err, "blob directory");
        }
        rewinddir(d);
        _cleanup_strv_free_ char **v = calloc(1, sizeof(char *));
        if (!v)
                return berth_error_set(err, ENOMEM, "out of memory");
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!is_hex64(de->d_name))
                        continue;
                char digest[BERTH_DIGEST_MAX];
                snprintf(digest, sizeof(digest), "sha256:%s", de->d_name);
                if (berth_strv_push(&v, digest) < 0)
                        return berth_error_set(err, ENOMEM, "out of memory");
        }
        *out = TAKE_PTR(v);
        return 0;
}

int berth_blobstore_mtime(struct berth_blobstore *bs, const char *digest, time_t *out,
                          struct berth_error *err)
{
        const char *hex;
        int r = blob_name(digest, &hex, err);
        if (r < 0)
                return r;
        struct stat st;
        if (fstatat(bs->blobfd, hex, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return berth_error_errno(err, "stat blob %s", digest);
        *out = st.st_mtime;
        return 0;
}

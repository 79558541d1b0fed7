/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by test_layer.c and test_layer_attacks.c: tarballs built in memory with
 * libarchive's writer, a scratch directory with dest/ and a sentinel/ beside it, and
 * applying a buffer through a memfd. */
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fileutil.h"
#include "basic/sha256.h"
#include "image/layer.h"

struct tbuf {
        uint8_t *data;
        size_t len, cap;
};

static inline la_ssize_t tbuf_write_cb(struct archive *a, void *ud, const void *buf, size_t n)
{
        struct tbuf *b = ud;
        if (b->len + n > b->cap) {
                size_t ncap = b->cap ? b->cap : 65536;
                while (ncap < b->len + n)
                        ncap *= 2;
                uint8_t *p = realloc(b->data, ncap);
                if (!p)
                        return -1;
                b->data = p;
                b->cap = ncap;
        }
        memcpy(b->data + b->len, buf, n);
        b->len += n;
        return (la_ssize_t)n;
}

struct tarb {
        struct archive *a;
        struct tbuf out;
};

/* filter: ARCHIVE_FILTER_NONE, _GZIP or _ZSTD */
static inline void tarb_init(struct tarb *t, int filter)
{
        memset(t, 0, sizeof(*t));
        t->a = archive_write_new();
        if (archive_write_set_format_pax(t->a) != ARCHIVE_OK ||
            archive_write_set_format_option(t->a, "pax", "hdrcharset", "BINARY") != ARCHIVE_OK)
                abort();
        if (filter == ARCHIVE_FILTER_GZIP)
                archive_write_add_filter_gzip(t->a);
        else if (filter == ARCHIVE_FILTER_ZSTD)
                archive_write_add_filter_zstd(t->a);
        archive_write_set_bytes_in_last_block(t->a, 1);
        if (archive_write_open(t->a, &t->out, NULL, tbuf_write_cb, NULL) != ARCHIVE_OK)
                abort();
}

static inline struct archive_entry *tarb_entry(const char *name, mode_t type, mode_t perm)
{
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, perm);
        archive_entry_set_uid(e, 0);
        archive_entry_set_gid(e, 0);
        archive_entry_set_mtime(e, 1000000000, 0);
        return e;
}

/* Write the header of e (freed) and `len` bytes of data. */
static inline void tarb_add(struct tarb *t, struct archive_entry *e, const void *data, size_t len)
{
        if (archive_write_header(t->a, e) != ARCHIVE_OK) {
                fprintf(stderr, "write header: %s\n", archive_error_string(t->a));
                abort();
        }
        if (len && archive_write_data(t->a, data, len) != (la_ssize_t)len)
                abort();
        archive_entry_free(e);
}

static inline void tarb_file(struct tarb *t, const char *name, const char *data, mode_t perm)
{
        struct archive_entry *e = tarb_entry(name, AE_IFREG, perm);
        archive_entry_set_size(e, (la_int64_t)strlen(data));
        tarb_add(t, e, data, strlen(data));
}

static inline void tarb_dir(struct tarb *t, const char *name, mode_t perm)
{
        tarb_add(t, tarb_entry(name, AE_IFDIR, perm), NULL, 0);
}

static inline void tarb_symlink(struct tarb *t, const char *name, const char *target)
{
        struct archive_entry *e = tarb_entry(name, AE_IFLNK, 0777);
        archive_entry_set_symlink(e, target);
        tarb_add(t, e, NULL, 0);
}

static inline void tarb_hardlink(struct tarb *t, const char *name, const char *target)
{
        struct archive_entry *e = tarb_entry(name, AE_IFREG, 0644);
        archive_entry_set_hardlink(e, target);
        archive_entry_set_size(e, 0);
        tarb_add(t, e, NULL, 0);
}

/* Finish; the caller owns the returned bytes. */
static inline struct tbuf tarb_finish(struct tarb *t)
{
        if (archive_write_close(t->a) != ARCHIVE_OK)
                abort();
        archive_write_free(t->a);
        return t->out;
}

/* Compress bytes with a libarchive filter (raw format): independent of the reader. */
static inline struct tbuf compress_bytes(const struct tbuf *in, int filter)
{
        struct tbuf out = {0};
        struct archive *a = archive_write_new();
        archive_write_set_format_raw(a);
        if (filter == ARCHIVE_FILTER_GZIP)
                archive_write_add_filter_gzip(a);
        else
                archive_write_add_filter_zstd(a);
        archive_write_set_bytes_in_last_block(a, 1);
        if (archive_write_open(a, &out, NULL, tbuf_write_cb, NULL) != ARCHIVE_OK)
                abort();
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, "data");
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, (la_int64_t)in->len);
        if (archive_write_header(a, e) != ARCHIVE_OK ||
            archive_write_data(a, in->data, in->len) != (la_ssize_t)in->len)
                abort();
        archive_entry_free(e);
        archive_write_close(a);
        archive_write_free(a);
        return out;
}

/* A scratch dir holding dest/ (the layer) and sentinel/ (must stay empty). */
struct scratch {
        char dir[64];
        int fd;   /* of dir */
        int dest; /* O_PATH of dir/dest */
};

static inline void scratch_init(struct scratch *s)
{
        snprintf(s->dir, sizeof(s->dir), "/tmp/berth-test-layer-XXXXXX");
        if (!mkdtemp(s->dir))
                abort();
        s->fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->fd < 0 || mkdirat(s->fd, "dest", 0755) < 0 || mkdirat(s->fd, "sentinel", 0755) < 0)
                abort();
        s->dest = openat(s->fd, "dest", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (s->dest < 0)
                abort();
}

static inline int scratch_count(int dirfd, const char *name)
{
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        DIR *d = fdopendir(fd);
        int n = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        n++;
        closedir(d);
        return n;
}

/* The sentinel beside dest must still be empty, and nothing new appeared next to it. */
static inline int scratch_outside_clean(struct scratch *s)
{
        return scratch_count(s->fd, "sentinel") == 0 && scratch_count(s->fd, ".") == 2;
}

static inline void scratch_free(struct scratch *s)
{
        close(s->dest);
        berth_rm_rf_at(AT_FDCWD, s->dir);
        close(s->fd);
}

static inline int memfd_of(const void *data, size_t len)
{
        int fd = memfd_create("layer", MFD_CLOEXEC);
        if (fd < 0 || berth_write_all(fd, data, len) < 0 || lseek(fd, 0, SEEK_SET) < 0)
                abort();
        return fd;
}

static inline int apply_buf(const struct tbuf *b, int dest, const struct berth_layer_opts *o,
                            struct berth_layer_result *res, struct berth_error *err)
{
        int fd = memfd_of(b->data, b->len);
        int r = berth_layer_apply(fd, dest, o, res, err);
        close(fd);
        return r;
}

static inline void digest_of(const void *data, size_t len, char out[BERTH_LAYER_DIGEST_SIZE])
{
        uint8_t d[BERTH_SHA256_DIGEST_SIZE];
        char hex[BERTH_SHA256_HEX_SIZE];
        berth_sha256(data, len, d);
        berth_sha256_hex(d, hex);
        snprintf(out, BERTH_LAYER_DIGEST_SIZE, "sha256:%s", hex);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer application: the stream.  Two libarchive readers in a row:
 *
 *   src_fd --read_fd_cb (sha256: digest)--> `raw` (gzip/zstd/none filter, raw format)
 *          --read_tar_cb (sha256: diff_id, size and ratio caps)--> `tar` (tar formats only)
 *          --> layer_extract_entry() for each entry.
 *
 * Both hashes are computed in the one pass that extracts; after the tar's end-of-archive
 * both streams are drained so the digests cover every byte.  For an uncompressed blob the
 * two streams are the same bytes and are hashed once.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/sha256.h"
#include "image/layer.h"
#include "image/layer_internal.h"
#include "basic/banned.h"

#define LAYER_READ_SIZE (1u << 20)

struct layer_stream {
        int fd;
        struct layer_hasher hasher; /* zhash, on its own thread */
        struct berth_sha256 zhash;  /* bytes read from fd */
        uint64_t zbytes;
        struct archive *raw;
        struct berth_sha256 hash; /* decompressed bytes */
        uint64_t bytes;
        bool same;       /* no compression: one hash serves both */
        bool compressed; /* ratio cap applies */
        bool raw_eof;
        uint64_t max_size;
        uint64_t max_ratio;
        int error; /* first failure inside a callback, negative errno */
        struct berth_error err;
};

void berth_layer_opts_init(struct berth_layer_opts *opts)
{
        memset(opts, 0, sizeof(*opts));
        opts->whiteout = BERTH_WHITEOUT_OVERLAY;
        opts->keep_setid = true;
        opts->max_size = BERTH_LAYER_DEFAULT_MAX_SIZE;
        opts->max_ratio = BERTH_LAYER_DEFAULT_MAX_RATIO;
        opts->max_entries = BERTH_LAYER_DEFAULT_MAX_ENTRIES;
}

static la_ssize_t read_fd_cb(struct archive *a, void *data, const void **buf)
{
        struct layer_stream *s = data;
        uint8_t *b = layer_hasher_buffer(&s->hasher);
        ssize_t n;
        do
                n = read(s->fd, b, LAYER_READ_SIZE);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
                s->error = berth_error_errno(&s->err, "read layer");
                archive_set_error(a, errno, "read layer failed");
                return -1;
        }
        layer_hasher_submit(&s->hasher, (size_t)n);
        s->zbytes += (uint64_t)n;
        if (s->zbytes > s->max_size) {
                s->error = berth_error_set(&s->err, EFBIG,
                                           "layer blob is larger than %llu bytes (max_size)",
                                           (unsigned long long)s->max_size);
                archive_set_error(a, EFBIG, "layer too large");
                return -1;
        }
        *buf = b;
        return n;
}

static int check_caps(struct layer_stream *s)
{
        if (s->bytes > s->max_size)
                return berth_error_set(&s->err, EFBIG,
                                       "layer expands beyond %llu bytes (max_size) after "
                                       "%llu compressed bytes",
                                       (unsigned long long)s->max_size,
                                       (unsigned long long)s->zbytes);
        if (!s->compressed || s->bytes <= BERTH_LAYER_RATIO_GRACE)
                return 0;
        /* Compressed bytes the decompressor consumed (not what is read ahead). */
        la_int64_t used = archive_filter_bytes(s->raw, -1);
        if (used <= 0)
                used = 1;
        if (s->bytes / (uint64_t)used > s->max_ratio)
                return berth_error_set(&s->err, EFBIG,
                                       "layer expands beyond %llu:1 compression ratio (%llu "
                                       "bytes from %lld)",
                                       (unsigned long long)s->max_ratio,
                                       (unsigned long long)s->bytes, (long long)used);
        return 0;
}

/* The decompressed stream, block by block, for the tar reader. */
static la_ssize_t read_tar_cb(struct archive *a, void *data, const void **buf)
{
        struct layer_stream *s = data;
        if (s->raw_eof || s->error)
                return s->error ? -1 : 0;
        size_t size;
        la_int64_t off;
        int r = archive_read_data_block(s->raw, buf, &size, &off);
        if (r == ARCHIVE_EOF) {
                s->raw_eof = true;
                return 0;
        }
        if (r != ARCHIVE_OK) {
                if (!s->error) {
                        const char *m = archive_error_string(s->raw);
                        s->error = berth_error_set(&s->err, EINVAL, "layer stream: %s",
                                                   m ? m : "read error");
                }
                archive_set_error(a, EINVAL, "layer stream failed");
                return -1;
        }
        if (!s->same)
                berth_sha256_update(&s->hash, *buf, size);
        s->bytes += size;
        r = check_caps(s);
        if (r < 0) {
                s->error = r;
                archive_set_error(a, EFBIG, "layer too large");
                return -1;
        }
        return (la_ssize_t)size;
}

static int archive_fail(struct layer_stream *s, struct archive *a, const char *what,
                        struct berth_error *err)
{
        if (s->error) {
                if (err)
                        *err = s->err;
                return s->error;
        }
        const char *m = archive_error_string(a);
        return berth_error_set(err, EINVAL, "%s: %s", what, m ? m : "unknown error");
}

static const char *filter_name(int code)
{
        switch (code) {
        case ARCHIVE_FILTER_NONE:
                return "none";
        case ARCHIVE_FILTER_GZIP:
                return "gzip";
        case ARCHIVE_FILTER_ZSTD:
                return "zstd";
        default:
                return NULL;
        }
}

static void archive_freep(struct archive **a)
{
        if (*a)
                archive_read_free(*a);
}

/* Open the decompressing reader on the fd and check what compression it found. */
static int open_raw(struct layer_stream *s, const char **compression, struct berth_error *err)
{
        s->raw = archive_read_new();
        if (!s->raw)
                return berth_error_set(err, ENOMEM, "out of memory");
        if (archive_read_support_filter_gzip(s->raw) != ARCHIVE_OK ||
            archive_read_support_filter_zstd(s->raw) != ARCHIVE_OK ||
            archive_read_support_filter_none(s->raw) != ARCHIVE_OK ||
            archive_read_support_format_raw(s->raw) != ARCHIVE_OK)
                return archive_fail(s, s->raw, "layer: set up decompression", err);
        if (archive_read_open(s->raw, s, NULL, read_fd_cb, NULL) != ARCHIVE_OK) {
                if (!s->error && s->zbytes == 0)
                        return berth_error_set(err, EINVAL, "layer: empty stream");
                return archive_fail(s, s->raw, "layer: open stream", err);
        }
        struct archive_entry *e;
        int r = archive_read_next_header(s->raw, &e);
        if (r == ARCHIVE_EOF)
                return berth_error_set(err, EINVAL, "layer: empty stream");
        if (r != ARCHIVE_OK)
                return archive_fail(s, s->raw, "layer: read stream", err);
        int n = archive_filter_count(s->raw);
        int code = archive_filter_code(s->raw, 0);
        const char *name = filter_name(code);
        if (!name)
                return berth_error_set(err, EINVAL, "layer: unsupported compression '%s'",
                                       archive_filter_name(s->raw, 0));
        if (n > 2 || (code == ARCHIVE_FILTER_NONE && n > 1))
                return berth_error_set(err, EINVAL, "layer: nested compression refused");
        s->same = code == ARCHIVE_FILTER_NONE;
        s->compressed = !s->same;
        *compression = name;
        return 0;
}

static int open_tar(struct layer_stream *s, struct archive **out, struct berth_error *err)
{
        struct archive *t = archive_read_new();
        if (!t)
                return berth_error_set(err, ENOMEM, "out of memory");
        *out = t;
        if (archive_read_support_filter_none(t) != ARCHIVE_OK ||
            archive_read_support_format_tar(t) != ARCHIVE_OK ||
            archive_read_support_format_gnutar(t) != ARCHIVE_OK)
                return archive_fail(s, t, "layer: set up tar reader", err);
        /* Keep names as bytes: no charset conversion of pax UTF-8 names. */
        archive_read_set_format_option(t, "tar", "hdrcharset", "BINARY");
        if (archive_read_open(t, s, NULL, read_tar_cb, NULL) != ARCHIVE_OK)
                return archive_fail(s, t, "layer: open tar", err);
        return 0;
}

/* Read the rest of both streams so the digests cover every byte. */
static int drain(struct layer_stream *s, struct archive *tar, struct berth_error *err)
{
        const void *b;
        while (!s->raw_eof) {
                la_ssize_t n = read_tar_cb(tar, s, &b);
                if (n < 0)
                        return archive_fail(s, tar, "layer: read to end", err);
                if (n == 0)
                        break;
        }
        for (;;) {
                la_ssize_t n = read_fd_cb(s->raw, s, &b);
                if (n < 0)
                        return archive_fail(s, s->raw, "layer: read to end", err);
                if (n == 0)
                        return 0;
        }
}

/* libarchive warns, and goes on, about names it cannot convert to the locale's charset
 * (the bytes are still right: names are bytes to us); every other warning (a malformed or
 * oversized pax header skipped, ...) refuses the layer. */
static int warn_is_fatal(struct archive *a)
{
        const char *m = archive_error_string(a);
        return !m || !strstr(m, "can't be converted");
}

static int extract_all(struct layer_stream *s, struct archive *tar, struct layer_extract *x,
                       uint64_t max_entries, uint64_t *count, struct berth_error *err)
{
        for (;;) {
                struct archive_entry *e;
                int r = archive_read_next_header(tar, &e);
                if (r == ARCHIVE_EOF)
                        return 0;
                if (r == ARCHIVE_WARN && warn_is_fatal(tar))
                        return berth_error_set(
                            err, EINVAL, "layer: entry %llu: %s", (unsigned long long)*count + 1,
                            archive_error_string(tar) ? archive_error_string(tar) : "bad header");
                if (r != ARCHIVE_OK && r != ARCHIVE_WARN && !s->error &&
                    archive_error_string(tar) && strstr(archive_error_string(tar), "too large"))
                        return berth_error_set(err, EFBIG,
                                               "layer: entry %llu: pax or GNU long-name header "
                                               "larger than 1 MiB: %s",
                                               (unsigned long long)*count + 1,
                                               archive_error_string(tar));
                if (r != ARCHIVE_OK && r != ARCHIVE_WARN) /* also ARCHIVE_RETRY: bad header */
                        return archive_fail(s, tar, "layer: read tar header", err);
                if (++*count > max_entries)
                        return berth_error_set(err, EFBIG,
                                               "layer has more than %llu entries (max_entries)",
                                               (unsigned long long)max_entries);
                r = layer_extract_entry(x, tar, e, err);
                if (r < 0) {
                        if (s->error) { /* the stream failed under the entry: say why */
                                if (err)
                                        *err = s->err;
                                return s->error;
                        }
                        return r;
                }
        }
}

static void digest_string(struct berth_sha256 *h, char out[BERTH_LAYER_DIGEST_SIZE])
{
        uint8_t d[BERTH_SHA256_DIGEST_SIZE];
        char hex[BERTH_SHA256_HEX_SIZE];
        berth_sha256_final(h, d);
        berth_sha256_hex(d, hex);
        snprintf(out, BERTH_LAYER_DIGEST_SIZE, "sha256:%s", hex);
}

int berth_layer_apply(int src_fd, int dest_dirfd, const struct berth_layer_opts *opts_in,
                      struct berth_layer_result *res, struct berth_error *err)
{
        struct berth_layer_opts opts;
        if (opts_in)
                opts = *opts_in;
        else
                berth_layer_opts_init(&opts);
        if (!opts.max_size)
                opts.max_size = BERTH_LAYER_DEFAULT_MAX_SIZE;
        if (!opts.max_ratio)
                opts.max_ratio = BERTH_LAYER_DEFAULT_MAX_RATIO;
        if (!opts.max_entries)
                opts.max_entries = BERTH_LAYER_DEFAULT_MAX_ENTRIES;
        if (opts.whiteout != BERTH_WHITEOUT_OVERLAY && opts.whiteout != BERTH_WHITEOUT_APPLY)
                return berth_error_set(err, EINVAL, "layer: unknown whiteout mode %d",
                                       (int)opts.whiteout);

        struct layer_stream s = {
            .fd = src_fd, .max_size = opts.max_size, .max_ratio = opts.max_ratio};
        berth_sha256_init(&s.zhash);
        berth_sha256_init(&s.hash);
        if (layer_hasher_start(&s.hasher, &s.zhash, LAYER_READ_SIZE) < 0)
                return berth_error_set(err, ENOMEM, "out of memory");
        __attribute__((cleanup(archive_freep))) struct archive *tar = NULL;
        const char *compression = NULL;
        int r = open_raw(&s, &compression, err);
        if (r >= 0)
                r = open_tar(&s, &tar, err);
        struct layer_extract x;
        layer_extract_init(&x, dest_dirfd, &opts);
        uint64_t count = 0;
        if (r >= 0)
                r = extract_all(&s, tar, &x, opts.max_entries, &count, err);
        if (r >= 0)
                r = layer_extract_finish(&x, err);
        layer_extract_free(&x);
        if (r >= 0)
                r = drain(&s, tar, err);
        if (s.raw)
                archive_read_free(s.raw);
        layer_hasher_stop(&s.hasher); /* zhash complete */
        if (r < 0)
                return r;
        if (res) {
                memset(res, 0, sizeof(*res));
                digest_string(&s.zhash, res->digest);
                if (s.same)
                        memcpy(res->diff_id, res->digest, sizeof(res->diff_id));
                else
                        digest_string(&s.hash, res->diff_id);
                res->compressed_size = s.zbytes;
                res->uncompressed_size = s.bytes;
                res->entries = count;
                res->compression = compression;
        }
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The content-addressed blob store: <root>/blobs/sha256/<64 hex>.
 *
 * Writing streams into a temporary file in <root>/tmp/ (named blob-<pid>-<random>) while
 * hashing; commit checks the digest and size against what the caller expected, fsyncs the
 * file, renames it into place (a no-op when the blob is already there) and fsyncs the
 * directory.  A blob path therefore only ever holds complete, verified content.  Temp
 * files of dead writers, or older than an hour, are removed when the store is opened.
 *
 * Only sha256 is stored (sha512 digests are -EOPNOTSUPP).  Digests handed in are validated
 * with berth_digest_validate() before they are used to build a path.
 *
 * Errors: -EINVAL bad digest string, -ENOENT no such blob, -EBADMSG content does not match
 * its digest or expected size, -EFBIG more bytes than expected, -EIO/-ENOSPC from the disk.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "basic/error.h"

#define BERTH_DIGEST_MAX        72 /* "sha256:" + 64 hex + NUL */
#define BERTH_BLOB_TMP_MAX_AGE  3600
#define BERTH_BLOBSTORE_BLOBDIR "blobs/sha256"
#define BERTH_BLOBSTORE_TMPDIR  "tmp"

struct berth_blobstore;
struct berth_blob_writer;

/* Open (creating blobs/sha256 and tmp/ under root, mode 0700) and clean stale temp
 * files.  Owned by the caller: berth_blobstore_close(). */
int berth_blobstore_open(const char *root, struct berth_blobstore **out, struct berth_error *err);
void berth_blobstore_close(struct berth_blobstore *bs);

/* Remove temp files whose writer pid is gone or that are older than max_age seconds.
 * Returns the number removed. */
int berth_blobstore_clean_tmp(struct berth_blobstore *bs, time_t max_age, struct berth_error *err);

/* Start a write.  expected_digest (NULL: not known) and expected_size (-1: not known) are
 * checked at commit; more bytes than expected_size fail at once with -EFBIG. */
int berth_blob_writer_begin(struct berth_blobstore *bs, const char *expected_digest,
                            int64_t expected_size, struct berth_blob_writer **out,
                            struct berth_error *err);
int berth_blob_writer_write(struct berth_blob_writer *w, const void *data, size_t len,
                            struct berth_error *err);
/* Verify, fsync, rename into place.  Fills digest_out (BERTH_DIGEST_MAX bytes) and
 * *size_out when non-NULL.  The writer is freed whatever the result. */
int berth_blob_writer_commit(struct berth_blob_writer *w, char *digest_out, int64_t *size_out,
                             struct berth_error *err);
/* Drop a write: the temp file is removed, the writer freed.  NULL is fine. */
void berth_blob_writer_abort(struct berth_blob_writer *w);

/* One-shot writes from memory or from an fd read to EOF. */
int berth_blobstore_put(struct berth_blobstore *bs, const void *data, size_t len,
                        const char *expected_digest, char *digest_out, struct berth_error *err);
int berth_blobstore_put_fd(struct berth_blobstore *bs, int fd, const char *expected_digest,
                           int64_t expected_size, char *digest_out, struct berth_error *err);

/* 1 when the blob is present, 0 when not, negative errno (bad digest). */
int berth_blobstore_exists(struct berth_blobstore *bs, const char *digest, struct berth_error *err);
/* Open a blob read-only (O_CLOEXEC); *size_out (may be NULL) gets its size.  With verify,
 * the content is hashed first (-EBADMSG on mismatch) and the fd returned at offset 0. */
int berth_blobstore_open_blob(struct berth_blobstore *bs, const char *digest, bool verify,
                              int *fd_out, int64_t *size_out, struct berth_error *err);
/* Read a whole blob of at most max bytes into a malloc'ed NUL-terminated buffer,
 * verifying its digest (the bytes returned are the bytes hashed). */
int berth_blobstore_read(struct berth_blobstore *bs, const char *digest, size_t max, char **out,
                         size_t *len, struct berth_error *err);
/* Remove a blob; -ENOENT when absent. */
int berth_blobstore_delete(struct berth_blobstore *bs, const char *digest, struct berth_error *err);
/* All stored digests ("sha256:<hex>"), a malloc'ed NULL-terminated vector.  Files whose
 * names are not 64 lower-case hex are skipped. */
int berth_blobstore_list(struct berth_blobstore *bs, char ***out, struct berth_error *err);
/* Modification time of a stored blob (for garbage collection grace periods). */
int berth_blobstore_mtime(struct berth_blobstore *bs, const char *digest, time_t *out,
                          struct berth_error *err);

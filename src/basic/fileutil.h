/* SPDX-License-Identifier: Apache-2.0 */
/* Whole-file reads with a size cap, atomic writes, small fd helpers. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "basic/error.h"

/* Read all of fd / path (relative to dirfd, AT_FDCWD for cwd) into a malloc'ed,
 * NUL-terminated buffer.  More than `max` bytes is -EFBIG.  *len may be NULL. */
int berth_read_fd(int fd, size_t max, char **out, size_t *len, struct berth_error *err);
int berth_read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len,
                       struct berth_error *err);

/* Write `data` to dirfd/name atomically: a temporary file in the same directory, fsync'd
 * only when `durable`, then renameat over the name.  Readers see the old or the new file,
 * never a half-written one.  `name` is one path component. */
int berth_write_file_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                            int durable, struct berth_error *err);

/* write(2) all of buf, retrying on EINTR and short writes. */
int berth_write_all(int fd, const void *buf, size_t len);
/* read(2) exactly len bytes; -EPIPE on early EOF. */
int berth_read_exact(int fd, void *buf, size_t len);

/* Write a short string to an existing file (cgroup and /proc knobs). */
int berth_write_string_at(int dirfd, const char *path, const char *value, struct berth_error *err);

/* mkdir -p, mode for created components. */
int berth_mkdir_p(const char *path, mode_t mode);

/* Remove a directory tree below dirfd/name, never following symlinks or crossing mounts. */
int berth_rm_rf_at(int dirfd, const char *name);

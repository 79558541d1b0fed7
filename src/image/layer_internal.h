/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of layer application, shared by layer.c (stream, digests, caps) and
 * layer_extract.c (entries onto the filesystem).  Not a public API.
 */
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "basic/error.h"
#include "image/layer.h"

/* Directory fds along the last parent path, so consecutive entries in one directory (the
 * usual tar order) cost no path walk.  Level 0 is the root (not owned). */
#define LAYER_DIRCACHE_DEPTH 48

struct layer_dircache {
        int fds[LAYER_DIRCACHE_DEPTH + 1];
        size_t ends[LAYER_DIRCACHE_DEPTH + 1]; /* length of path[] covered by level i */
        size_t depth;                          /* cached levels below the root */
        int tail;                              /* owned fd past the cached depth, or -1 */
        char path[BERTH_LAYER_PATH_MAX];
};

/* A set of paths created by this layer (BERTH_WHITEOUT_APPLY needs it for opaque dirs). */
struct layer_pathset {
        char **slots;
        size_t cap, count;
};

struct layer_dirtime {
        char *path;
        struct timespec ts[2];
};

struct layer_extract {
        int rootfd;
        const struct berth_layer_opts *opts;
        struct layer_dircache dc;
        struct layer_pathset created;
        struct layer_dirtime *dirs;
        size_t ndirs, dirs_cap;
        size_t meta_bytes; /* memory held by dirs and created: capped */
};

/* Memory for per-entry bookkeeping (deferred directory times, the created-path set):
 * LAYER_MAX_META_BYTES; tests may lower it. */
#define LAYER_MAX_META_BYTES (256u << 20)
extern size_t layer_max_meta_bytes;

/* Clean a tar entry name into out (no leading, trailing or doubled '/', no "." and no ".."
 * components; "" is the root).  Absolute names and ".." above the root are -EINVAL; too
 * long a name or component is -ENAMETOOLONG.  `what` names the field in the message. */
int layer_path_clean(const char *name, const char *what, char out[BERTH_LAYER_PATH_MAX],
                     struct berth_error *err);

void layer_extract_init(struct layer_extract *x, int rootfd, const struct berth_layer_opts *opts);
void layer_extract_free(struct layer_extract *x);
/* Create one entry (its data read from a).  The message names the entry. */
int layer_extract_entry(struct layer_extract *x, struct archive *a, struct archive_entry *e,
                        struct berth_error *err);
/* After the last entry: directory mtimes. */
int layer_extract_finish(struct layer_extract *x, struct berth_error *err);

/* A second thread hashing the blob's bytes while entries are extracted
 * (layer_hasher.c).  layer_hasher_buffer() gives the buffer to read the next block into
 * (waiting until the hasher is done with it); layer_hasher_submit() hands over its first
 * len bytes; layer_hasher_stop() hashes what is left, joins and frees (the digest is then
 * complete).  Without a thread everything is hashed inline. */
#define LAYER_HASHER_NBUF 4

struct layer_hasher {
        struct berth_sha256 *h;
        uint8_t *bufs;
        size_t bufsize;
        size_t len[LAYER_HASHER_NBUF];
        uint64_t submitted, done;
        bool stop, threaded;
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t cond;
};

int layer_hasher_start(struct layer_hasher *hs, struct berth_sha256 *h, size_t bufsize);
uint8_t *layer_hasher_buffer(struct layer_hasher *hs);
void layer_hasher_submit(struct layer_hasher *hs, size_t len);
void layer_hasher_stop(struct layer_hasher *hs);

/* Path set (layer_path.c). */
int layer_pathset_add(struct layer_pathset *s, const char *path);
bool layer_pathset_contains(const struct layer_pathset *s, const char *path);
void layer_pathset_free(struct layer_pathset *s);

/* Directory walk (layer_walk.c): an fd (borrowed, valid until the next call) of directory
 * `dir` (a cleaned path, "" = root), each component opened with O_NOFOLLOW; missing ones are
 * created 0755 when `create`.  A symlink component is -ELOOP, another non-directory
 * -ENOTDIR, a missing one without `create` -ENOENT. */
int layer_dircache_walk(struct layer_dircache *dc, int rootfd, const char *dir, bool create,
                        int *out, struct berth_error *err);
void layer_dircache_init(struct layer_dircache *dc, int rootfd);
/* Forget every cached fd (after something was removed). */
void layer_dircache_flush(struct layer_dircache *dc);

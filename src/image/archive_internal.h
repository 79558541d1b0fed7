/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared between src/image/archive*.c: the spool of an archive read as a stream, the plan of
 * one image to load, the unpack-and-record step every way into the store ends with, and the
 * writers save uses (a tar stream or an OCI layout directory).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "basic/error.h"
#include "image/archive.h"
#include "image/image.h"
#include "image/manifest.h"

#define BERTH_ARCHIVE_JSON_MAX    (4u << 20) /* each JSON document */
#define BERTH_ARCHIVE_MAX_ENTRIES 65536u     /* outer tar entries */
#define BERTH_ARCHIVE_MAX_IMAGES  1024u      /* images in one archive */
#define BERTH_ARCHIVE_NAME_MAX    1024u      /* an entry name */

/* ------------------------------------------------------------------ reading */

/* One regular file (or symlink) of the outer tar; regular files are in the blob store. */
struct archive_file {
        char *name;                    /* normalised: no "./", no trailing "/" */
        char *link;                    /* symlink: the normalised target; NULL otherwise */
        char digest[BERTH_DIGEST_MAX]; /* of the bytes stored */
        int64_t size;
};

struct archive_spool {
        struct archive_file *files;
        size_t n_files, cap_files;
        size_t *hash, hash_cap;                        /* name index (archive.c) */
        char *manifest_json, *index_json, *oci_layout; /* NULL when absent */
        size_t manifest_json_len, index_json_len, oci_layout_len;
        char *rbuf; /* read buffer */
        /* unpacking while spooling (archive_prefetch.c) */
        struct berth_image_store *store; /* NULL: no prefetch */
        struct archive_prefetch *pre;
        size_t n_pre;
        struct archive_extractors *ex;
};
void archive_spool_clear(struct archive_spool *sp);
/* The stored file `name` is (symlinks followed, bounded); NULL when absent. */
const struct archive_file *archive_spool_find(const struct archive_spool *sp, const char *name);

/* One image to load or save. */
struct archive_image {
        struct berth_image_config *config;
        struct berth_manifest *manifest; /* the stored one, or one made here */
        char **tags;                     /* full references, NULL-terminated; may be empty */
};
void archive_image_clear(struct archive_image *im);

struct archive_plan {
        struct archive_image *images;
        size_t n;
        const struct archive_spool *spool; /* load: layers unpacked while spooling */
};
void archive_plan_clear(struct archive_plan *p);
/* A new zeroed image at the end of p (borrowed pointer). */
int archive_plan_add(struct archive_plan *p, struct archive_image **out, struct berth_error *err);

/* Unpacking while spooling (archive_prefetch.c).  begin: a file of `size` bytes starts
 * (1 = an unpack thread is fed, 0 = too small, < 0 no thread: load goes on without);
 * feed: its bytes; end: it was stored as digest (failed: it was not); finish: wait for the
 * last thread; take: if blob was unpacked, move its directory to <root>/layers/<dir> and
 * give its diff_id and size (1), else 0; clear: remove what was not taken. */
#define BERTH_PREFETCH_MIN (64 << 10)
int archive_prefetch_begin(struct archive_spool *sp, struct berth_image_store *s, int64_t size);
void archive_prefetch_feed(struct archive_spool *sp, const void *data, size_t len);
void archive_prefetch_end(struct archive_spool *sp, const char *digest, bool failed);
void archive_prefetch_finish(struct archive_spool *sp);
int archive_prefetch_take(const struct archive_spool *sp, const char *blob, const char *dir,
                          char *diff_id_out, int64_t *size_out);
void archive_prefetch_clear(struct archive_spool *sp);

/* Build the plan from a spooled docker-archive (manifest.json) or OCI layout (index.json). */
int archive_docker_plan(struct berth_image_store *s, const struct archive_spool *sp,
                        struct archive_plan *plan, struct berth_error *err);
int archive_oci_plan(struct berth_image_store *s, const struct archive_spool *sp,
                     struct archive_plan *plan, struct berth_error *err);
/* oci-layout must be {"imageLayoutVersion": "1.0.0"}. */
int archive_oci_check_layout(const char *buf, size_t len, struct berth_error *err);

/* Read and parse a stored config / manifest blob (JSON cap, digest verified). */
int archive_read_config(struct berth_image_store *s, const char *digest,
                        struct berth_image_config **out, struct berth_error *err);
int archive_read_manifest(struct berth_image_store *s, const char *digest, const char *media_type,
                          struct berth_manifest **out, struct berth_error *err);
/* The layer media type of a stored blob, by its first bytes (gzip, zstd, else tar). */
int archive_blob_media_type(struct berth_image_store *s, const char *digest, bool docker,
                            const char **out, struct berth_error *err);
/* Make (and with store, write to the blob store) an OCI manifest for config and the stored
 * layer blobs.  Deterministic: the same inputs give the same bytes. */
int archive_make_manifest(struct berth_image_store *s, const struct berth_image_config *config,
                          char *const *layer_blobs, bool store, struct berth_manifest **out,
                          struct berth_error *err);
/* Checks a manifest against its config and the blob store: the config matches, every layer
 * blob is stored with the size the manifest says. */
int archive_check_image(struct berth_image_store *s, const struct archive_image *im,
                        struct berth_error *err);

/* Claim, unpack (berth_layer_apply; the diff_id computed must equal the config's) and mark
 * ready every layer of each image, then record all images with all their tags in one
 * transaction.  out (may be NULL) gets the references or ids recorded. */
int archive_commit(struct berth_image_store *s, struct archive_plan *plan,
                   berth_progress_fn progress, void *userdata, struct berth_load_result *out,
                   struct berth_error *err);

/* Unpack a stored layer blob whose diff_id is not known yet (import): into a temporary
 * directory under <root>/layers, then claimed by the diff_id found and renamed into place
 * (or dropped when that layer is already there).  Bottom layers only.  diff_id_out gets
 * BERTH_DIGEST_MAX bytes. */
int archive_unpack_blob(struct berth_image_store *s, const char *blob, char *diff_id_out,
                        struct berth_error *err);

/* Apply --change instructions (see archive_import.c) to a config{} object; a bad one is
 * -EINVAL naming it. */
int archive_apply_changes(json_t *cfg, char *const *changes, struct berth_error *err);

/* Now as RFC 3339 UTC with nanoseconds (malloc'ed; NULL on ENOMEM). */
char *archive_now_rfc3339(void);
/* "tmp-<what>-<pid>-<16 hex>": a temporary directory name under <root>/layers. */
int archive_tmp_name(const char *what, char out[64]);
/* Claim the bottom layer diff_id (from blob) and move the complete directory
 * <root>/layers/<tmp> into place, ready with size; when that layer is already there tmp is
 * removed.  tmp is gone on every path. */
int archive_adopt_dir(struct berth_image_store *s, const char *tmp, const char *diff_id,
                      const char *blob, int64_t size, struct berth_error *err);

/* Write an uncompressed tar of the unpacked layer <root>/layers/<dir> (overlay whiteouts
 * back to .wh. files, see archive_layer.c) into the blob store; digest_out gets its
 * digest (BERTH_DIGEST_MAX bytes). */
int archive_layer_tar(struct berth_image_store *s, const char *dir, char *digest_out,
                      struct berth_error *err);

/* Parse a reference for a tag: full normalised string (malloc'ed). */
int archive_normalise_tag(const char *s, char **out, struct berth_error *err);
/* "sha256:<hex>" -> "blobs/sha256/<hex>" (malloc'ed); NULL on ENOMEM. */
char *archive_blob_path(const char *digest);

/* ------------------------------------------------------------------ writing */

struct archive_out;
/* A tar stream to fd, or (dir_path != NULL) an OCI layout directory. */
int archive_out_open(int fd, const char *dir_path, struct archive_out **out,
                     struct berth_error *err);
/* name NULL: a blob, written as blobs/sha256/<sha256 of data>.  Each name once. */
int archive_out_bytes(struct archive_out *o, const char *name, const void *data, size_t len,
                      struct berth_error *err);
/* The stored blob as blobs/sha256/<hex>, once per archive. */
int archive_out_blob(struct archive_out *o, struct berth_image_store *s, const char *digest,
                     struct berth_error *err);
/* Finish (tar trailer / directory sync) and free, whatever the result. */
int archive_out_close(struct archive_out *o, struct berth_error *err);
void archive_out_abort(struct archive_out *o);

/* Load the images to save into plan (tags from the store, or just the name given). */
int archive_save_plan(struct berth_image_store *s, char *const *names, struct archive_plan *plan,
                      struct berth_error *err);
int archive_docker_write(struct berth_image_store *s, const struct archive_plan *plan,
                         struct archive_out *o, berth_progress_fn progress, void *userdata,
                         struct berth_error *err);
int archive_oci_write(struct berth_image_store *s, const struct archive_plan *plan,
                      struct archive_out *o, berth_progress_fn progress, void *userdata,
                      struct berth_error *err);
/* index.json of an OCI layout for plan (docker: Docker's annotations). malloc'ed. */
int archive_oci_index(const struct archive_plan *plan, char **out, size_t *len,
                      struct berth_error *err);

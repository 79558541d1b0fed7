/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Images on this host: the records in the state database (src/store/db.h) over the blob
 * store (src/image/blobstore.h) and the unpacked layers in <root>/layers/<dir>.
 *
 * Crash safety: the database transaction is the commit point.  Blobs and layer directories
 * are written before it and only become part of an image when the transaction that records
 * the image commits; whatever a killed process left behind is unreferenced and
 * berth_image_gc() removes it.
 *
 * Layer protocol (for the code that unpacks layers):
 *   1. berth_image_layer_claim(chain id ...): 1 = already unpacked (use info.dir);
 *      0 = the caller now owns an 'incomplete' row (committed) and unpacks into
 *      <root>/layers/<info.dir>, removing whatever is there first; -EBUSY = another live
 *      process is unpacking it (wait and claim again).
 *   2. berth_image_layer_ready(chain id, size) when the directory is complete and synced,
 *      or berth_image_layer_abandon() on failure (then remove the directory).
 *   3. berth_image_record() the image: every layer of its config must be ready.  A layer
 *      row can vanish between claim and record when another process removes the last image
 *      using it; record then fails with -ENOENT and the caller claims again.
 *
 * Reference strings given to these functions are anything berth_reference_parse accepts
 * ("busybox", "docker.io/library/busybox:1.36", "repo@sha256:..."), a full image id
 * ("sha256:<hex>" or "<64 hex>") or a unique id prefix (at least 1 hex digit, with or
 * without "sha256:").  An ambiguous prefix is -ENOTUNIQ naming the candidates; nothing found
 * is -ENOENT ("no such image: x").
 *
 * Transactions: every function here runs in one transaction of its own, which nests (as a
 * savepoint) inside a transaction the caller opened with berth_db_begin() on
 * berth_image_store_db(), so a command can make all its changes in one.  Then files are
 * only removed after the outermost commit: berth_image_remove() leaves blob files to gc
 * when nested (and the caller removes out->layer_dirs after its own commit);
 * berth_image_layer_claim() should run outside a transaction so other processes see the
 * claim; berth_image_prune() and berth_image_gc() refuse to run nested (-EINVAL).
 *
 * All results are owned by the caller and released with the matching free function.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "basic/error.h"
#include "image/blobstore.h"
#include "image/manifest.h"
#include "store/db.h"

#define BERTH_LAYERS_DIR "layers" /* <root>/layers/<dir> */

struct berth_image_store;

/* Open the database, the blob store and <root>/layers (mode 0700).  Owned by the caller. */
int berth_image_store_open(const char *root, struct berth_image_store **out,
                           struct berth_error *err);
void berth_image_store_close(struct berth_image_store *s);
/* The store's database connection (shared by the rest of berth for its one transaction per
 * command) and blob store.  Borrowed. */
struct berth_db *berth_image_store_db(struct berth_image_store *s);
struct berth_blobstore *berth_image_store_blobs(struct berth_image_store *s);
/* fd of <root>/layers (borrowed). */
int berth_image_store_layers_fd(struct berth_image_store *s);

/* ------------------------------------------------------------------ layers */

struct berth_layer_info {
        char *chain_id, *diff_id, *parent, *blob_digest;
        char *dir; /* name under <root>/layers */
        int64_t size;
        int64_t refcount;
        bool ready;
};
void berth_layer_info_clear(struct berth_layer_info *l);

/* See the protocol above.  parent is the chain id below (NULL for the bottom layer) and must
 * exist; blob_digest (may be NULL) is the compressed blob it came from. */
int berth_image_layer_claim(struct berth_image_store *s, const char *chain_id, const char *diff_id,
                            const char *parent, const char *blob_digest,
                            struct berth_layer_info *out, struct berth_error *err);
/* Mark a layer this process claimed as ready with its unpacked size. */
int berth_image_layer_ready(struct berth_image_store *s, const char *chain_id, int64_t size,
                            struct berth_error *err);
/* Drop this process's claim (the row goes; the caller removes the directory). */
int berth_image_layer_abandon(struct berth_image_store *s, const char *chain_id,
                              struct berth_error *err);
/* -ENOENT when unknown. */
int berth_image_layer_get(struct berth_image_store *s, const char *chain_id,
                          struct berth_layer_info *out, struct berth_error *err);

/* ------------------------------------------------------------------ records */

struct berth_image_blob {
        const char *digest;
        const char *media_type; /* may be NULL */
};

struct berth_image_record {
        const struct berth_image_config *config; /* its digest is the image id, raw is stored */
        const char *manifest_digest;             /* NULL for images built here */
        const char *manifest_media_type;
        const struct berth_image_blob *blobs; /* blobs this image holds; all must be stored */
        size_t n_blobs;
        const char *tag;         /* reference to point at the image (tag added), or NULL */
        const char *repo_digest; /* "name@sha256:..." the registry knows it by, or NULL */
};

/* Record an image in one transaction: the image row (or nothing new when the id exists),
 * its layer stack (every layer ready; refcounts taken), its blobs, the tag (moved from
 * another image if needed) and the repo digest. */
int berth_image_record(struct berth_image_store *s, const struct berth_image_record *rec,
                       struct berth_error *err);

struct berth_image_info {
        char *id; /* "sha256:<hex>" */
        int64_t created, added, size;
        char *platform; /* "linux/amd64" */
        char *manifest_digest, *manifest_media_type, *top_chain_id;
        char **tags;      /* full normalised references, sorted */
        char **digests;   /* "name@sha256:..." */
        char **chain_ids; /* bottom first */
        size_t n_layers;
};
void berth_image_info_free(struct berth_image_info *i);

/* Resolve a name (see the header comment) to a full image id (malloc'ed). */
int berth_image_resolve(struct berth_image_store *s, const char *name, char **id_out,
                        struct berth_error *err);
int berth_image_get(struct berth_image_store *s, const char *name, struct berth_image_info **out,
                    struct berth_error *err);
/* The stored config of an image, parsed. */
int berth_image_get_config(struct berth_image_store *s, const char *name,
                           struct berth_image_config **out, struct berth_error *err);
/* Digests of the blobs an image holds (for save/push), sorted. */
int berth_image_get_blobs(struct berth_image_store *s, const char *name, char ***out,
                          struct berth_error *err);

/* Point reference `target` (a tag is added when missing; a digest is refused) at the image
 * `source` names. */
int berth_image_tag(struct berth_image_store *s, const char *source, const char *target,
                    struct berth_error *err);
/* Remove one tag; -ENOENT when not tagged.  The image stays (maybe dangling). */
int berth_image_untag(struct berth_image_store *s, const char *ref, struct berth_error *err);

/* ------------------------------------------------------------------ listing */

struct berth_image_summary {
        char *id;
        char *repo;   /* "docker.io/library/busybox"; when dangling, a repository the image
                       * has a digest in (pulled by digest), else NULL */
        char *tag;    /* NULL when dangling */
        char *digest; /* repo digest of repo, or NULL */
        int64_t created, size;
        bool dangling; /* the image has no tags at all */
};

enum berth_image_filter {
        BERTH_IMAGES_ALL,
        BERTH_IMAGES_TAGGED,
        BERTH_IMAGES_DANGLING,
};

/* One row per (image, tag), dangling images once; newest first.  One query. */
int berth_image_list(struct berth_image_store *s, enum berth_image_filter filter,
                     struct berth_image_summary **out, size_t *n, struct berth_error *err);
void berth_image_list_free(struct berth_image_summary *v, size_t n);

/* `system df`: counts and bytes, from one query. */
struct berth_image_usage {
        int64_t images, dangling;
        int64_t layers, layers_size; /* ready layers and their unpacked bytes (each once) */
        int64_t shared_size;         /* bytes of layers more than one image holds */
        int64_t blobs, blobs_size;   /* blobs images hold and their bytes */
};
int berth_image_disk_usage(struct berth_image_store *s, struct berth_image_usage *out,
                           struct berth_error *err);

struct berth_image_history_entry {
        char *id; /* the image id on the top entry, NULL ("<missing>") below */
        int64_t created;
        char *created_by, *author, *comment;
        int64_t size; /* unpacked size of the layer the step made, 0 for empty layers */
        bool empty_layer;
};

/* History from the config, newest first, with layer sizes matched to non-empty steps. */
int berth_image_history(struct berth_image_store *s, const char *name,
                        struct berth_image_history_entry **out, size_t *n, struct berth_error *err);
void berth_image_history_free(struct berth_image_history_entry *v, size_t n);

/* ------------------------------------------------------------------ removal */

/* Asked, inside the removal transaction, whether containers use an image: > 0 in use (put
 * who in err), 0 free, < 0 error (aborts).  It may query the same database. */
typedef int (*berth_image_in_use_fn)(const char *image_id, void *userdata, struct berth_error *err);

struct berth_image_removal {
        char **untagged;   /* references removed */
        char **deleted;    /* image ids removed */
        char **layer_dirs; /* directories under <root>/layers whose rows are gone: remove them */
        char **blobs;      /* blobs no longer held by any image (already unlinked) */
};
void berth_image_removal_clear(struct berth_image_removal *r);

/* `berth rmi`: a tag of an image with other tags is only untagged; otherwise the image is
 * untagged and deleted.  An id naming an image with several tags needs force.  An image
 * in_use says is used is not deleted (-EBUSY; with force its tag is still removed when a
 * tag was named).  Layer refcounts drop; layers no image holds lose their rows and are
 * reported in out->layer_dirs for the caller to remove (berth_image_remove_layer_dirs).
 * Blobs no image holds are unlinked after the commit.  out is filled even on error with
 * what was done. */
int berth_image_remove(struct berth_image_store *s, const char *name, bool force,
                       berth_image_in_use_fn in_use, void *userdata,
                       struct berth_image_removal *out, struct berth_error *err);

/* rm -rf each <root>/layers/<dir> (names are checked to be single components). */
int berth_image_remove_layer_dirs(struct berth_image_store *s, char *const *dirs,
                                  struct berth_error *err);

/* `image prune`: delete dangling images (all images no container uses with `all`), then
 * berth_image_gc() with the default grace.  Results appended to out; unlike remove, the
 * layer directories and blobs in out are already gone. */
int berth_image_prune(struct berth_image_store *s, bool all, berth_image_in_use_fn in_use,
                      void *userdata, struct berth_image_removal *out, struct berth_error *err);

struct berth_image_gc_result {
        char **layer_dirs; /* removed */
        char **blobs;      /* removed */
        int tmp_files;     /* stale temp files removed */
};
void berth_image_gc_result_clear(struct berth_image_gc_result *r);

/* Remove what no image holds: 'incomplete' layers whose writer is dead (or older than
 * grace), ready layers with refcount 0 older than grace, blob rows no image holds,
 * directories in <root>/layers and blob files without a row, older than grace seconds
 * (0 in tests; BERTH_BLOB_TMP_MAX_AGE by default, so a concurrent pull's fresh files are
 * left alone), and stale temp files. */
int berth_image_gc(struct berth_image_store *s, time_t grace, struct berth_image_gc_result *out,
                   struct berth_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every way into the store ends with (load, import, bootstrap): check each image
 * against the blob store, unpack its layers under the claim protocol of src/image/image.h
 * (the diff_id computed while unpacking must equal the config's), then record every image
 * with every tag in one transaction.
 */
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/json.h"
#include "basic/strutil.h"
#include "image/archive_internal.h"
#include "image/layer.h"
#include "image/reference.h"
#include "basic/banned.h"

#define CLAIM_WAIT_MS    100
#define CLAIM_WAIT_TRIES 6000 /* ten minutes for another process's unpack */

static int oom(struct berth_error *err)
{
        return berth_error_set(err, ENOMEM, "out of memory");
}

void archive_image_clear(struct archive_image *im)
{
        berth_image_config_free(im->config);
        berth_manifest_free(im->manifest);
        berth_strv_free(im->tags);
        memset(im, 0, sizeof(*im));
}

void archive_plan_clear(struct archive_plan *p)
{
        for (size_t i = 0; i < p->n; i++)
                archive_image_clear(&p->images[i]);
        free(p->images);
        memset(p, 0, sizeof(*p));
}

int archive_plan_add(struct archive_plan *p, struct archive_image **out, struct berth_error *err)
{
        if (p->n >= BERTH_ARCHIVE_MAX_IMAGES)
                return berth_error_set(err, EFBIG, "more than %u images", BERTH_ARCHIVE_MAX_IMAGES);
        struct archive_image *v = realloc(p->images, (p->n + 1) * sizeof(*v));
        if (!v)
                return oom(err);
        p->images = v;
        memset(&v[p->n], 0, sizeof(v[p->n]));
        if (!(v[p->n].tags = calloc(1, sizeof(char *))))
                return oom(err);
        *out = &v[p->n++];
        return 0;
}

int archive_read_config(struct berth_image_store *s, const char *digest,
                        struct berth_image_config **out, struct berth_error *err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = berth_blobstore_read(berth_image_store_blobs(s), digest, BERTH_ARCHIVE_JSON_MAX,
                                     &buf, &len, err);
        if (r >= 0)
                r = berth_image_config_parse(buf, len, out, err);
        return r < 0 ? berth_error_prefix(err, r, "config %s", digest) : 0;
}

int archive_read_manifest(struct berth_image_store *s, const char *digest, const char *media_type,
                          struct berth_manifest **out, struct berth_error *err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = berth_blobstore_read(berth_image_store_blobs(s), digest, BERTH_ARCHIVE_JSON_MAX,
                                     &buf, &len, err);
        if (r >= 0)
                r = berth_manifest_parse(buf, len, media_type, out, err);
        return r < 0 ? berth_error_prefix(err, r, "manifest %s", digest) : 0;
}

int archive_blob_media_type(struct berth_image_store *s, const char *digest, bool docker,
                            const char **out, struct berth_error *err)
{
        _cleanup_close_ int fd = -1;
        int r =
            berth_blobstore_open_blob(berth_image_store_blobs(s), digest, false, &fd, NULL, err);
        if (r < 0)
                return r;
        uint8_t m[4] = {0};
        ssize_t n = pread(fd, m, sizeof(m), 0);
        if (n < 0)
                return berth_error_errno(err, "read blob %s", digest);
        bool gz = n >= 2 && m[0] == 0x1f && m[1] == 0x8b;
        bool zst = n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd;
        if (docker)
                *out = gz    ? BERTH_MT_DOCKER_LAYER
                       : zst ? BERTH_MT_OCI_LAYER_ZSTD
                             : "application/vnd.docker.image.rootfs.diff.tar";
        else
                *out = gz    ? BERTH_MT_OCI_LAYER_GZIP
                       : zst ? BERTH_MT_OCI_LAYER_ZSTD
                             : BERTH_MT_OCI_LAYER;
        return 0;
}

static json_t *descriptor(const char *media_type, const char *digest, int64_t size)
{
        return json_pack("{s:s, s:s, s:I}", "mediaType", media_type, "digest", digest, "size",
                         (json_int_t)size);
}

int archive_make_manifest(struct berth_image_store *s, const struct berth_image_config *config,
                          char *const *layer_blobs, bool store, struct berth_manifest **out,
                          struct berth_error *err)
{
        _cleanup_json_ json_t *layers = json_array();
        if (!layers)
                return oom(err);
        for (size_t i = 0; layer_blobs[i]; i++) {
                const char *mt;
                int64_t size = 0;
                _cleanup_close_ int fd = -1;
                int r = berth_blobstore_open_blob(berth_image_store_blobs(s), layer_blobs[i], false,
                                                  &fd, &size, err);
                if (r >= 0)
                        r = archive_blob_media_type(s, layer_blobs[i], false, &mt, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "layer %zu", i);
                if (json_array_append_new(layers, descriptor(mt, layer_blobs[i], size)) < 0)
                        return oom(err);
        }
        _cleanup_json_ json_t *m = json_pack(
            "{s:i, s:s, s:o, s:O}", "schemaVersion", 2, "mediaType", BERTH_MT_OCI_MANIFEST,
            "config", descriptor(BERTH_MT_OCI_CONFIG, config->digest, (int64_t)config->raw_len),
            "layers", layers);
        _cleanup_free_ char *raw = m ? json_dumps(m, JSON_COMPACT) : NULL;
        if (!raw)
                return oom(err);
        int r = 0;
        if (store)
                r = berth_blobstore_put(berth_image_store_blobs(s), raw, strlen(raw), NULL,
                                        (char[BERTH_DIGEST_MAX]){0}, err);
        if (r >= 0)
                r = berth_manifest_parse(raw, strlen(raw), BERTH_MT_OCI_MANIFEST, out, err);
        return r < 0 ? berth_error_prefix(err, r, "make manifest") : 0;
}

int archive_check_image(struct berth_image_store *s, const struct archive_image *im,
                        struct berth_error *err)
{
        const struct berth_manifest *m = im->manifest;
        int r = berth_manifest_check_config(m, im->config, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_layers; i++) {
                const struct berth_descriptor *d = &m->layers[i];
                _cleanup_close_ int fd = -1;
                int64_t size = 0;
                r = berth_blobstore_open_blob(berth_image_store_blobs(s), d->digest, false, &fd,
                                              &size, err);
                if (r == -ENOENT)
                        return berth_error_set(err, ENOENT,
                                               "layer %zu: blob %s is not in the "
                                               "archive",
                                               i, d->digest);
                if (r < 0)
                        return berth_error_prefix(err, r, "layer %zu", i);
                if (size != d->size)
                        return berth_error_set(err, EINVAL,
                                               "layer %zu: blob %s has %lld bytes, the manifest "
                                               "says %lld",
                                               i, d->digest, (long long)size, (long long)d->size);
        }
        return 0;
}

/* ------------------------------------------------------------------ unpack */

static int claim(struct berth_image_store *s, const char *chain, const char *diff_id,
                 const char *parent, const char *blob, struct berth_layer_info *li,
                 struct berth_error *err)
{
        for (int tries = 0;; tries++) {
                int r = berth_image_layer_claim(s, chain, diff_id, parent, blob, li, err);
                if (r != -EBUSY || tries >= CLAIM_WAIT_TRIES)
                        return r;
                struct timespec ts = {0, CLAIM_WAIT_MS * 1000000L};
                nanosleep(&ts, NULL);
        }
}

static int apply_into(struct berth_image_store *s, const struct berth_layer_info *li,
                      const char *blob, struct berth_layer_result *res, struct berth_error *err)
{
        int lfd = berth_image_store_layers_fd(s);
        int r = berth_rm_rf_at(lfd, li->dir);
        if (r < 0 && r != -ENOENT)
                return berth_error_set(err, -r, "remove stale layer directory %s", li->dir);
        if (mkdirat(lfd, li->dir, 0755) < 0)
                return berth_error_errno(err, "create layer directory %s", li->dir);
        _cleanup_close_ int dfd = openat(lfd, li->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return berth_error_errno(err, "open layer directory %s", li->dir);
        _cleanup_close_ int bfd = -1;
        r = berth_blobstore_open_blob(berth_image_store_blobs(s), blob, false, &bfd, NULL, err);
        if (r < 0)
                return r;
        struct berth_layer_opts o;
        berth_layer_opts_init(&o);
        if ((r = berth_layer_apply(bfd, dfd, &o, res, err)) < 0)
                return r;
        if (strcmp(res->digest, blob))
                return berth_error_set(err, EBADMSG, "blob %s changed on disk (read %s)", blob,
                                       res->digest);
        if (syncfs(dfd) < 0)
                return berth_error_errno(err, "sync layer %s", li->dir);
        return 0;
}

/* The layer unpacked while the archive was spooled, moved into place; 0 when there is
 * none (unpack now). */
static int take_prefetched(const struct archive_spool *sp, const struct berth_layer_info *li,
                           const char *blob, struct berth_layer_result *res,
                           struct berth_error *err)
{
        int64_t size = 0;
        int r = archive_prefetch_take(sp, blob, li->dir, res->diff_id, &size);
        if (r < 0)
                return berth_error_set(err, -r, "move unpacked layer %s into %s", blob, li->dir);
        res->uncompressed_size = (uint64_t)size;
        return r;
}

static int unpack_layer(struct berth_image_store *s, const struct archive_spool *sp,
                        const char *chain, const char *diff_id, const char *parent,
                        const char *blob, struct berth_error *err)
{
        struct berth_layer_info li;
        int r = claim(s, chain, diff_id, parent, blob, &li, err);
        if (r < 0)
                return r;
        if (r > 0) {
                berth_layer_info_clear(&li);
                return 0;
        }
        struct berth_layer_result res;
        r = take_prefetched(sp, &li, blob, &res, err);
        if (r == 0)
                r = apply_into(s, &li, blob, &res, err);
        if (r >= 0 && strcmp(res.diff_id, diff_id))
                r = berth_error_set(err, EINVAL,
                                    "blob %s unpacks to diff_id %s, the config says %s", blob,
                                    res.diff_id, diff_id);
        if (r >= 0)
                r = berth_image_layer_ready(s, chain, (int64_t)res.uncompressed_size, err);
        if (r < 0) {
                berth_image_layer_abandon(s, chain, NULL);
                berth_rm_rf_at(berth_image_store_layers_fd(s), li.dir);
        }
        berth_layer_info_clear(&li);
        return r;
}

int archive_tmp_name(const char *what, char out[64])
{
        uint8_t rnd[8] = {0};
        if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
                return -EIO;
        snprintf(out, 64, "tmp-%s-%d-%02x%02x%02x%02x%02x%02x%02x%02x", what, (int)getpid(), rnd[0],
                 rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
        return 0;
}

int archive_adopt_dir(struct berth_image_store *s, const char *tmp, const char *diff_id,
                      const char *blob, int64_t size, struct berth_error *err)
{
        struct berth_layer_info claimed;
        int lfd = berth_image_store_layers_fd(s);
        int r = claim(s, diff_id, diff_id, NULL, blob, &claimed, err);
        if (r != 0) { /* failed, or already unpacked */
                berth_layer_info_clear(&claimed);
                berth_rm_rf_at(lfd, tmp);
                return r < 0 ? r : 0;
        }
        r = berth_rm_rf_at(lfd, claimed.dir);
        if (r < 0 && r != -ENOENT)
                r = berth_error_set(err, -r, "remove stale layer directory %s", claimed.dir);
        else if (renameat(lfd, tmp, lfd, claimed.dir) < 0)
                r = berth_error_errno(err, "rename layer directory %s", claimed.dir);
        else
                r = berth_image_layer_ready(s, diff_id, size, err);
        if (r < 0) {
                berth_image_layer_abandon(s, diff_id, NULL);
                berth_rm_rf_at(lfd, claimed.dir);
                berth_rm_rf_at(lfd, tmp);
        }
        berth_layer_info_clear(&claimed);
        return r;
}

int archive_unpack_blob(struct berth_image_store *s, const char *blob, char *diff_id_out,
                        struct berth_error *err)
{
        char tmp[64];
        if (archive_tmp_name("import", tmp) < 0)
                return berth_error_set(err, EIO, "getrandom failed");
        struct berth_layer_info li = {.dir = tmp};
        struct berth_layer_result res;
        int r = apply_into(s, &li, blob, &res, err);
        if (r < 0) {
                berth_rm_rf_at(berth_image_store_layers_fd(s), tmp);
                return r;
        }
        snprintf(diff_id_out, BERTH_DIGEST_MAX, "%s", res.diff_id);
        return archive_adopt_dir(s, tmp, res.diff_id, blob, (int64_t)res.uncompressed_size, err);
}

static int unpack_image(struct berth_image_store *s, const struct archive_image *im,
                        const struct archive_spool *sp, berth_progress_fn progress, void *userdata,
                        struct berth_error *err)
{
        const struct berth_image_config *c = im->config;
        _cleanup_strv_free_ char **chain = NULL;
        int r = berth_layer_chain_ids(c->diff_ids, c->n_diff_ids, &chain, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->n_diff_ids; i++) {
                const struct berth_descriptor *d = &im->manifest->layers[i];
                if (progress)
                        progress(userdata, "Loading layer", d->digest, 0, (uint64_t)d->size);
                r = unpack_layer(s, sp, chain[i], c->diff_ids[i], i ? chain[i - 1] : NULL,
                                 d->digest, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "layer %zu", i);
                if (progress)
                        progress(userdata, "Loading layer", d->digest, (uint64_t)d->size,
                                 (uint64_t)d->size);
        }
        return 0;
}

/* ------------------------------------------------------------------ record */

static int record_one(struct berth_image_store *s, const struct archive_image *im,
                      struct berth_error *err)
{
        const struct berth_manifest *m = im->manifest;
        struct berth_image_blob *blobs = calloc(m->n_layers + 2, sizeof(*blobs));
        if (!blobs)
                return oom(err);
        size_t n = 0;
        blobs[n++] = (struct berth_image_blob){im->config->digest, m->config.media_type};
        blobs[n++] = (struct berth_image_blob){m->digest, m->media_type};
        for (size_t i = 0; i < m->n_layers; i++)
                blobs[n++] =
                    (struct berth_image_blob){m->layers[i].digest, m->layers[i].media_type};
        struct berth_image_record rec = {
            .config = im->config,
            .manifest_digest = m->digest,
            .manifest_media_type = m->media_type,
            .blobs = blobs,
            .n_blobs = n,
            .tag = im->tags[0],
        };
        int r = berth_image_record(s, &rec, err);
        free(blobs);
        for (size_t i = 1; r >= 0 && im->tags[i]; i++)
                r = berth_image_tag(s, im->config->digest, im->tags[i], err);
        return r;
}

/* "Loaded image: busybox:latest" (Docker's short name) or "Loaded image ID: sha256:...". */
static void progress_loaded(berth_progress_fn progress, void *userdata, const char *tag,
                            const char *name)
{
        struct berth_reference ref;
        _cleanup_free_ char *familiar = NULL;
        if (tag && berth_reference_parse(tag, true, &ref, NULL) == 0) {
                familiar = berth_reference_familiar(&ref);
                berth_reference_clear(&ref);
        }
        _cleanup_free_ char *msg = berth_strdup_printf(
            "%s: %s", tag ? "Loaded image" : "Loaded image ID", familiar ? familiar : name);
        if (msg)
                progress(userdata, msg, name, 0, 0);
}

static int report(const struct archive_plan *plan, berth_progress_fn progress, void *userdata,
                  struct berth_load_result *out, struct berth_error *err)
{
        for (size_t i = 0; i < plan->n; i++) {
                const struct archive_image *im = &plan->images[i];
                for (size_t t = 0; im->tags[t] || t == 0; t++) {
                        const char *name = im->tags[t] ? im->tags[t] : im->config->digest;
                        if (out && !berth_strv_contains(out->images, name) &&
                            berth_strv_push(&out->images, name) < 0)
                                return oom(err);
                        if (progress)
                                progress_loaded(progress, userdata, im->tags[t], name);
                        if (!im->tags[t])
                                break;
                }
        }
        return 0;
}

int archive_commit(struct berth_image_store *s, struct archive_plan *plan,
                   berth_progress_fn progress, void *userdata, struct berth_load_result *out,
                   struct berth_error *err)
{
        int r = 0;
        for (size_t i = 0; r >= 0 && i < plan->n; i++) {
                r = archive_check_image(s, &plan->images[i], err);
                if (r >= 0)
                        r = unpack_image(s, &plan->images[i], plan->spool, progress, userdata, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "image %s",
                                                  plan->images[i].config->digest);
        }
        struct berth_db *db = berth_image_store_db(s);
        if ((r = berth_db_begin(db, err)) < 0)
                return r;
        for (size_t i = 0; r >= 0 && i < plan->n; i++)
                r = record_one(s, &plan->images[i], err);
        if (r >= 0)
                r = berth_db_commit(db, err);
        else
                berth_db_rollback(db);
        if (r < 0)
                return r;
        return report(plan, progress, userdata, out, err);
}

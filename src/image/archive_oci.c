/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI image layouts (oci-archive and directories): oci-layout {"imageLayoutVersion":
 * "1.0.0"}, index.json, blobs/sha256/<hex>.  Names come from the index entries'
 * annotations: "io.containerd.image.name" (a full reference, containerd and Docker 25
 * write it) or else "org.opencontainers.image.ref.name" when it is a reference with a
 * repository ("busybox:1.36"); a bare tag ("latest") names nothing.  A nested index
 * (multi-platform) gives the host's manifest.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cleanup.h"
#include "basic/json.h"
#include "basic/strutil.h"
#include "image/archive_internal.h"
#include "image/reference.h"
#include "basic/banned.h"

#define ANN_CONTAINERD "io.containerd.image.name"
#define ANN_REF_NAME   "org.opencontainers.image.ref.name"

static int oom(struct berth_error *err)
{
        return berth_error_set(err, ENOMEM, "out of memory");
}

int archive_oci_check_layout(const char *buf, size_t len, struct berth_error *err)
{
        _cleanup_json_ json_t *j = NULL;
        int r = berth_json_parse(buf, len, BERTH_ARCHIVE_JSON_MAX, &j, err);
        if (r < 0)
                return berth_error_prefix(err, r, "oci-layout");
        json_t *v = json_is_object(j) ? json_object_get(j, "imageLayoutVersion") : NULL;
        if (!json_is_string(v))
                return berth_error_set(err, EINVAL, "oci-layout: imageLayoutVersion missing");
        if (strcmp(json_string_value(v), "1.0.0"))
                return berth_error_set(err, EINVAL,
                                       "oci-layout: imageLayoutVersion '%.40s' is not 1.0.0",
                                       json_string_value(v));
        return 0;
}

static bool is_manifest_type(const char *mt)
{
        return !strcmp(mt, BERTH_MT_OCI_MANIFEST) || !strcmp(mt, BERTH_MT_DOCKER_MANIFEST);
}

static bool is_index_type(const char *mt)
{
        return !strcmp(mt, BERTH_MT_OCI_INDEX) || !strcmp(mt, BERTH_MT_DOCKER_LIST);
}

/* The blob is in the archive (not merely in the store) with the size the descriptor says. */
static int in_archive(const struct archive_spool *sp, const struct berth_descriptor *d,
                      const char *what, struct berth_error *err)
{
        _cleanup_free_ char *path = archive_blob_path(d->digest);
        if (!path)
                return oom(err);
        const struct archive_file *f = archive_spool_find(sp, path);
        if (!f)
                return berth_error_set(err, ENOENT, "%s: blob %s is not in the archive", what,
                                       d->digest);
        if (f->size != d->size)
                return berth_error_set(err, EINVAL, "%s: blob %s has %lld bytes, not %lld", what,
                                       d->digest, (long long)f->size, (long long)d->size);
        return 0;
}

static int name_from_annotations(json_t *entry, size_t i, char **out, struct berth_error *err)
{
        json_t *ann = json_object_get(entry, "annotations");
        if (!ann || json_is_null(ann))
                return 0;
        if (!json_is_object(ann))
                return berth_error_set(err, EINVAL,
                                       "index.json manifests[%zu].annotations must "
                                       "be an object",
                                       i);
        json_t *full = json_object_get(ann, ANN_CONTAINERD);
        json_t *ref = json_object_get(ann, ANN_REF_NAME);
        const char *name = NULL;
        if (json_is_string(full))
                name = json_string_value(full);
        else if (json_is_string(ref) &&
                 strpbrk(json_string_value(ref), ":/")) /* a bare tag names no repository */
                name = json_string_value(ref);
        if (!name)
                return 0;
        int r = archive_normalise_tag(name, out, err);
        return r < 0 ? berth_error_prefix(err, r, "index.json manifests[%zu] name", i) : 0;
}

/* The image manifest an index entry leads to: itself, or the host's in a nested index. */
static int entry_manifest(struct berth_image_store *s, const struct archive_spool *sp,
                          const struct berth_descriptor *d, const char *what,
                          struct berth_manifest **out, struct berth_error *err)
{
        int r = in_archive(sp, d, what, err);
        if (r < 0)
                return r;
        if (is_manifest_type(d->media_type))
                return archive_read_manifest(s, d->digest, d->media_type, out, err);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        struct berth_index *idx = NULL;
        r = berth_blobstore_read(berth_image_store_blobs(s), d->digest, BERTH_ARCHIVE_JSON_MAX,
                                 &buf, &len, err);
        if (r >= 0)
                r = berth_index_parse(buf, len, d->media_type, &idx, err);
        const struct berth_descriptor *pick = NULL;
        if (r >= 0)
                r = berth_index_select(idx, NULL, &pick, err);
        if (r >= 0 && !is_manifest_type(pick->media_type))
                r = berth_error_set(err, EINVAL, "nested index %s: more than two levels",
                                    d->digest);
        if (r >= 0)
                r = in_archive(sp, pick, what, err);
        if (r >= 0)
                r = archive_read_manifest(s, pick->digest, pick->media_type, out, err);
        berth_index_free(idx);
        return r < 0 ? berth_error_prefix(err, r, "%s", what) : 0;
}

static int plan_merge(struct archive_plan *plan, struct berth_manifest *m, char *tag, bool *merged,
                      struct berth_error *err)
{
        *merged = false;
        for (size_t i = 0; i < plan->n; i++) {
                struct archive_image *im = &plan->images[i];
                if (strcmp(im->manifest->digest, m->digest))
                        continue;
                *merged = true;
                if (tag && !berth_strv_contains(im->tags, tag) &&
                    berth_strv_push(&im->tags, tag) < 0)
                        return oom(err);
                return 0;
        }
        return 0;
}

static int plan_index_entry(struct berth_image_store *s, const struct archive_spool *sp,
                            const struct berth_descriptor *d, json_t *entry, size_t i,
                            struct archive_plan *plan, struct berth_error *err)
{
        char what[64];
        snprintf(what, sizeof(what), "index.json manifests[%zu]", i);
        if (!is_manifest_type(d->media_type) && !is_index_type(d->media_type))
                return 0; /* artifacts, attestations */
        _cleanup_free_ char *tag = NULL;
        struct berth_manifest *m = NULL;
        int r = name_from_annotations(entry, i, &tag, err);
        if (r >= 0)
                r = entry_manifest(s, sp, d, what, &m, err);
        bool merged = false;
        if (r >= 0)
                r = plan_merge(plan, m, tag, &merged, err);
        if (r < 0 || merged) {
                berth_manifest_free(m);
                return r;
        }
        struct archive_image *im;
        if ((r = archive_plan_add(plan, &im, err)) < 0) {
                berth_manifest_free(m);
                return r;
        }
        im->manifest = m;
        if (tag && berth_strv_push(&im->tags, tag) < 0)
                return oom(err);
        r = in_archive(sp, &m->config, what, err);
        if (r >= 0)
                r = archive_read_config(s, m->config.digest, &im->config, err);
        return r < 0 ? berth_error_prefix(err, r, "%s", what) : 0;
}

int archive_oci_plan(struct berth_image_store *s, const struct archive_spool *sp,
                     struct archive_plan *plan, struct berth_error *err)
{
        struct berth_index *idx = NULL;
        _cleanup_json_ json_t *j = NULL;
        int r = berth_index_parse(sp->index_json, sp->index_json_len, NULL, &idx, err);
        if (r >= 0)
                r = berth_json_parse(sp->index_json, sp->index_json_len, BERTH_ARCHIVE_JSON_MAX, &j,
                                     err);
        if (r < 0) {
                berth_index_free(idx);
                return berth_error_prefix(err, r, "index.json");
        }
        json_t *arr = json_object_get(j, "manifests");
        for (size_t i = 0; r >= 0 && i < idx->n_manifests; i++)
                r = plan_index_entry(s, sp, &idx->manifests[i], json_array_get(arr, i), i, plan,
                                     err);
        berth_index_free(idx);
        return r;
}

/* ------------------------------------------------------------------ save */

static json_t *index_entry(const struct berth_manifest *m, const char *tag)
{
        json_t *e = json_pack("{s:s, s:s, s:I}", "mediaType", m->media_type, "digest", m->digest,
                              "size", (json_int_t)m->raw_len);
        if (!e || !tag)
                return e;
        struct berth_reference ref;
        if (berth_reference_parse(tag, true, &ref, NULL) < 0)
                return e;
        json_t *ann = json_pack("{s:s, s:s}", ANN_CONTAINERD, tag, ANN_REF_NAME,
                                ref.tag ? ref.tag : "latest");
        berth_reference_clear(&ref);
        if (!ann || json_object_set_new(e, "annotations", ann) < 0) {
                json_decref(e);
                return NULL;
        }
        return e;
}

int archive_oci_index(const struct archive_plan *plan, char **out, size_t *len,
                      struct berth_error *err)
{
        _cleanup_json_ json_t *mans = json_array();
        if (!mans)
                return oom(err);
        for (size_t i = 0; i < plan->n; i++) {
                const struct archive_image *im = &plan->images[i];
                for (size_t t = 0; t == 0 || im->tags[t]; t++) {
                        if (json_array_append_new(mans, index_entry(im->manifest, im->tags[t])) < 0)
                                return oom(err);
                        if (!im->tags[t])
                                break;
                }
        }
        _cleanup_json_ json_t *idx = json_pack("{s:i, s:s, s:O}", "schemaVersion", 2, "mediaType",
                                               BERTH_MT_OCI_INDEX, "manifests", mans);
        char *s = idx ? json_dumps(idx, JSON_COMPACT) : NULL;
        if (!s)
                return oom(err);
        *out = s;
        *len = strlen(s);
        return 0;
}

int archive_oci_write(struct berth_image_store *s, const struct archive_plan *plan,
                      struct archive_out *o, berth_progress_fn progress, void *userdata,
                      struct berth_error *err)
{
        int r = 0;
        for (size_t i = 0; r >= 0 && i < plan->n; i++) {
                const struct berth_manifest *m = plan->images[i].manifest;
                for (size_t l = 0; r >= 0 && l < m->n_layers; l++) {
                        if (progress)
                                progress(userdata, "Copying", m->layers[l].digest, 0,
                                         (uint64_t)m->layers[l].size);
                        r = archive_out_blob(o, s, m->layers[l].digest, err);
                }
                if (r >= 0)
                        r = archive_out_blob(o, s, m->config.digest, err);
                if (r >= 0)
                        r = archive_out_bytes(o, NULL, m->raw, m->raw_len, err);
        }
        _cleanup_free_ char *index = NULL;
        size_t len = 0;
        static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
        if (r >= 0)
                r = archive_out_bytes(o, "oci-layout", layout, strlen(layout), err);
        if (r >= 0)
                r = archive_oci_index(plan, &index, &len, err);
        if (r >= 0)
                r = archive_out_bytes(o, "index.json", index, len, err);
        return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker-archive: manifest.json, an array of {"Config": file, "RepoTags": [...], "Layers":
 * [files]}.  Before Docker 25 the files are "<hex>.json" and "<dir>/layer.tar"; since, the
 * archive is also an OCI layout ("blobs/sha256/<hex>", index.json, oci-layout) and
 * manifest.json names blobs.  When the archive's index.json holds a manifest for the same
 * config and layers it is kept (so digests survive), otherwise an OCI manifest is made.
 * Save writes the Docker 25 form.
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

static int oom(struct berth_error *err)
{
        return berth_error_set(err, ENOMEM, "out of memory");
}

/* The manifests index.json offers, parsed (docker 25+); none when there is no index. */
struct known_manifests {
        struct berth_manifest **v;
        size_t n;
};

static void known_clear(struct known_manifests *k)
{
        for (size_t i = 0; i < k->n; i++)
                berth_manifest_free(k->v[i]);
        free(k->v);
}

static int known_load(struct berth_image_store *s, const struct archive_spool *sp,
                      struct known_manifests *k, struct berth_error *err)
{
        if (!sp->index_json)
                return 0;
        struct berth_index *idx = NULL;
        int r = berth_index_parse(sp->index_json, sp->index_json_len, NULL, &idx, err);
        if (r < 0)
                return berth_error_prefix(err, r, "index.json");
        if (!(k->v = calloc(idx->n_manifests + 1, sizeof(*k->v)))) {
                berth_index_free(idx);
                return oom(err);
        }
        for (size_t i = 0; i < idx->n_manifests; i++) {
                const struct berth_descriptor *d = &idx->manifests[i];
                if (strcmp(d->media_type, BERTH_MT_OCI_MANIFEST) &&
                    strcmp(d->media_type, BERTH_MT_DOCKER_MANIFEST))
                        continue;
                _cleanup_free_ char *path = archive_blob_path(d->digest);
                if (!path) {
                        r = oom(err);
                        break;
                }
                if (!archive_spool_find(sp, path))
                        continue; /* Docker 25 lists only what it wrote, but be lenient */
                r = archive_read_manifest(s, d->digest, d->media_type, &k->v[k->n], err);
                if (r < 0)
                        break;
                k->n++;
        }
        berth_index_free(idx);
        return r < 0 ? berth_error_prefix(err, r, "index.json") : 0;
}

static struct berth_manifest *known_match(const struct known_manifests *k, const char *config,
                                          char *const *layers, size_t n)
{
        for (size_t i = 0; i < k->n; i++) {
                const struct berth_manifest *m = k->v[i];
                if (strcmp(m->config.digest, config) || m->n_layers != n)
                        continue;
                bool same = true;
                for (size_t l = 0; same && l < n; l++)
                        same = !strcmp(m->layers[l].digest, layers[l]);
                if (same)
                        return k->v[i];
        }
        return NULL;
}

static int file_digest(const struct archive_spool *sp, json_t *v, const char *what,
                       const char **out, struct berth_error *err)
{
        if (!json_is_string(v))
                return berth_error_set(err, EINVAL, "%s must be a string", what);
        const struct archive_file *f = archive_spool_find(sp, json_string_value(v));
        if (!f)
                return berth_error_set(err, ENOENT, "%s: '%.200s' is not in the archive", what,
                                       json_string_value(v));
        *out = f->digest;
        return 0;
}

static int entry_tags(json_t *e, const char *what, char ***tags, struct berth_error *err)
{
        json_t *t = json_object_get(e, "RepoTags");
        if (!t || json_is_null(t))
                return 0;
        if (!json_is_array(t) || json_array_size(t) > 4096)
                return berth_error_set(err, EINVAL, "%s.RepoTags must be an array of strings",
                                       what);
        size_t i;
        json_t *v;
        json_array_foreach (t, i, v) {
                if (!json_is_string(v))
                        return berth_error_set(err, EINVAL, "%s.RepoTags[%zu] must be a string",
                                               what, i);
                _cleanup_free_ char *full = NULL;
                int r = archive_normalise_tag(json_string_value(v), &full, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "%s.RepoTags[%zu]", what, i);
                if (!berth_strv_contains(*tags, full) && berth_strv_push(tags, full) < 0)
                        return oom(err);
        }
        return 0;
}

static int plan_entry(struct berth_image_store *s, const struct archive_spool *sp, json_t *e,
                      size_t idx, const struct known_manifests *known, struct archive_plan *plan,
                      struct berth_error *err)
{
        char what[64];
        snprintf(what, sizeof(what), "manifest.json[%zu]", idx);
        if (!json_is_object(e))
                return berth_error_set(err, EINVAL, "%s must be an object", what);
        const char *cfg;
        char w2[96];
        snprintf(w2, sizeof(w2), "%s.Config", what);
        int r = file_digest(sp, json_object_get(e, "Config"), w2, &cfg, err);
        if (r < 0)
                return r;
        json_t *layers = json_object_get(e, "Layers");
        if (!json_is_array(layers) || json_array_size(layers) > BERTH_MANIFEST_LAYERS)
                return berth_error_set(err, EINVAL,
                                       "%s.Layers must be an array of at most %d "
                                       "strings",
                                       what, BERTH_MANIFEST_LAYERS);
        size_t n = json_array_size(layers);
        _cleanup_free_ char **blobs = calloc(n + 1, sizeof(char *));
        if (!blobs)
                return oom(err);
        for (size_t i = 0; i < n; i++) {
                snprintf(w2, sizeof(w2), "%s.Layers[%zu]", what, i);
                if ((r = file_digest(sp, json_array_get(layers, i), w2, (const char **)&blobs[i],
                                     err)) < 0)
                        return r;
        }
        struct archive_image *im;
        if ((r = archive_plan_add(plan, &im, err)) < 0)
                return r;
        if ((r = entry_tags(e, what, &im->tags, err)) < 0)
                return r;
        if ((r = archive_read_config(s, cfg, &im->config, err)) < 0)
                return berth_error_prefix(err, r, "%s", what);
        if (im->config->n_diff_ids != n)
                return berth_error_set(err, EINVAL,
                                       "%s: %zu layers but the config has %zu "
                                       "diff_ids",
                                       what, n, im->config->n_diff_ids);
        const struct berth_manifest *m = known_match(known, cfg, blobs, n);
        if (m)
                r = berth_manifest_parse(m->raw, m->raw_len, m->media_type, &im->manifest, err);
        else
                r = archive_make_manifest(s, im->config, blobs, true, &im->manifest, err);
        return r < 0 ? berth_error_prefix(err, r, "%s", what) : 0;
}

int archive_docker_plan(struct berth_image_store *s, const struct archive_spool *sp,
                        struct archive_plan *plan, struct berth_error *err)
{
        _cleanup_json_ json_t *j = NULL;
        int r = berth_json_parse(sp->manifest_json, sp->manifest_json_len, BERTH_ARCHIVE_JSON_MAX,
                                 &j, err);
        if (r < 0)
                return berth_error_prefix(err, r, "manifest.json");
        if (!json_is_array(j) || json_array_size(j) == 0 ||
            json_array_size(j) > BERTH_ARCHIVE_MAX_IMAGES)
                return berth_error_set(err, EINVAL,
                                       "manifest.json must be an array of 1 to %u "
                                       "images",
                                       BERTH_ARCHIVE_MAX_IMAGES);
        struct known_manifests known = {0};
        r = known_load(s, sp, &known, err);
        for (size_t i = 0; r >= 0 && i < json_array_size(j); i++)
                r = plan_entry(s, sp, json_array_get(j, i), i, &known, plan, err);
        known_clear(&known);
        return r;
}

/* ------------------------------------------------------------------ save */

static int write_image_blobs(struct berth_image_store *s, const struct archive_image *im,
                             struct archive_out *o, berth_progress_fn progress, void *userdata,
                             struct berth_error *err)
{
        const struct berth_manifest *m = im->manifest;
        for (size_t i = 0; i < m->n_layers; i++) {
                if (progress)
                        progress(userdata, "Copying", m->layers[i].digest, 0,
                                 (uint64_t)m->layers[i].size);
                int r = archive_out_blob(o, s, m->layers[i].digest, err);
                if (r < 0)
                        return r;
        }
        int r = archive_out_blob(o, s, im->config->digest, err);
        if (r >= 0)
                r = archive_out_bytes(o, NULL, m->raw, m->raw_len, err);
        return r;
}

static json_t *docker_entry(const struct archive_image *im)
{
        _cleanup_json_ json_t *tags = json_array(), *layers = json_array();
        _cleanup_free_ char *cfg = archive_blob_path(im->config->digest);
        if (!tags || !layers || !cfg)
                return NULL;
        for (size_t i = 0; im->tags[i]; i++) {
                struct berth_reference ref;
                if (berth_reference_parse(im->tags[i], true, &ref, NULL) < 0)
                        continue;
                char *f = berth_reference_familiar(&ref);
                berth_reference_clear(&ref);
                if (!f || json_array_append_new(tags, json_string(f)) < 0) {
                        free(f);
                        return NULL;
                }
                free(f);
        }
        for (size_t i = 0; i < im->manifest->n_layers; i++) {
                _cleanup_free_ char *p = archive_blob_path(im->manifest->layers[i].digest);
                if (!p || json_array_append_new(layers, json_string(p)) < 0)
                        return NULL;
        }
        return json_pack("{s:s, s:O, s:O}", "Config", cfg, "RepoTags",
                         json_array_size(tags) ? tags : json_null(), "Layers", layers);
}

int archive_docker_write(struct berth_image_store *s, const struct archive_plan *plan,
                         struct archive_out *o, berth_progress_fn progress, void *userdata,
                         struct berth_error *err)
{
        _cleanup_json_ json_t *man = json_array();
        if (!man)
                return oom(err);
        for (size_t i = 0; i < plan->n; i++) {
                int r = write_image_blobs(s, &plan->images[i], o, progress, userdata, err);
                if (r < 0)
                        return r;
                if (json_array_append_new(man, docker_entry(&plan->images[i])) < 0)
                        return oom(err);
        }
        _cleanup_free_ char *index = NULL, *mj = json_dumps(man, JSON_COMPACT);
        size_t index_len = 0;
        if (!mj)
                return oom(err);
        int r = archive_oci_index(plan, &index, &index_len, err);
        if (r >= 0)
                r = archive_out_bytes(o, "index.json", index, index_len, err);
        if (r >= 0)
                r = archive_out_bytes(o, "manifest.json", mj, strlen(mj), err);
        if (r >= 0) {
                static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
                r = archive_out_bytes(o, "oci-layout", layout, strlen(layout), err);
        }
        return r;
}

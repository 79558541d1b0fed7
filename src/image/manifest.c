/* SPDX-License-Identifier: Apache-2.0 */
/* OCI / Docker schema2 manifests and indexes, platform matching. */
#include "image/manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cleanup.h"
#include "basic/json.h"
#include "basic/sha256.h"
#include "basic/strutil.h"
#include "image/manifest_internal.h"
#include "image/reference.h"
#include "basic/banned.h"

static const struct {
        const char *media_type;
        enum berth_layer_compression compression;
        bool foreign;
} layer_types[] = {
    {BERTH_MT_OCI_LAYER, BERTH_LAYER_TAR, false},
    {BERTH_MT_OCI_LAYER_GZIP, BERTH_LAYER_GZIP, false},
    {BERTH_MT_OCI_LAYER_ZSTD, BERTH_LAYER_ZSTD, false},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar", BERTH_LAYER_TAR, true},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", BERTH_LAYER_GZIP, true},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", BERTH_LAYER_ZSTD, true},
    {BERTH_MT_DOCKER_LAYER, BERTH_LAYER_GZIP, false},
    {BERTH_MT_DOCKER_FOREIGN, BERTH_LAYER_GZIP, true},
};

void berth_manifest_raw_digest(const char *buf, size_t len, char out[72])
{
        uint8_t d[BERTH_SHA256_DIGEST_SIZE];
        char hex[BERTH_SHA256_HEX_SIZE];
        berth_sha256(buf, len, d);
        berth_sha256_hex(d, hex);
        snprintf(out, 72, "sha256:%s", hex);
}

int berth_manifest_copy_raw(const char *buf, size_t len, char **raw, size_t *raw_len,
                            char digest[72], struct berth_error *err)
{
        char *c = malloc(len + 1);
        if (!c)
                return berth_error_set(err, ENOMEM, "out of memory");
        memcpy(c, buf, len);
        c[len] = '\0';
        *raw = c;
        *raw_len = len;
        berth_manifest_raw_digest(buf, len, digest);
        return 0;
}

int berth_manifest_dup_string(json_t *o, const char *key, const char *what, bool required,
                              char **out, struct berth_error *err)
{
        const char *s = NULL;
        int r = berth_json_get_string(o, key, what, &s, err);
        if (r < 0)
                return r;
        if (!s) {
                if (required)
                        return berth_error_set(err, EINVAL, "%s%s%s is required", what,
                                               *what ? "." : "", key);
                return 0;
        }
        free(*out);
        *out = strdup(s);
        return *out ? 0 : berth_error_set(err, ENOMEM, "out of memory");
}

static int check_string_map(json_t *o, const char *key, const char *what, struct berth_error *err)
{
        json_t *m = NULL;
        int r = berth_json_get_object(o, key, what, &m, err);
        if (r < 0 || !m)
                return r;
        const char *k;
        json_t *v;
        json_object_foreach (m, k, v)
                if (!json_is_string(v))
                        return berth_error_set(err, EINVAL, "%s.%s[\"%.64s\"] must be a string",
                                               what, key, k);
        return 0;
}

static int parse_platform(json_t *o, const char *what, struct berth_platform **out,
                          struct berth_error *err)
{
        json_t *p = NULL;
        int r = berth_json_get_object(o, "platform", what, &p, err);
        if (r < 0 || !p)
                return r;
        _cleanup_free_ char *pw = berth_strdup_printf("%s.platform", what);
        struct berth_platform *pl = calloc(1, sizeof(*pl));
        if (!pw || !pl) {
                free(pl);
                return berth_error_set(err, ENOMEM, "out of memory");
        }
        *out = pl;
        r = berth_manifest_dup_string(p, "os", pw, true, &pl->os, err);
        if (r >= 0)
                r = berth_manifest_dup_string(p, "architecture", pw, true, &pl->architecture, err);
        if (r >= 0)
                r = berth_manifest_dup_string(p, "variant", pw, false, &pl->variant, err);
        if (r >= 0)
                r = berth_manifest_dup_string(p, "os.version", pw, false, &pl->os_version, err);
        if (r >= 0) {
                _cleanup_strv_free_ char **features = NULL;
                r = berth_json_get_strv(p, "os.features", pw, &features, err);
        }
        return r;
}

static void descriptor_clear(struct berth_descriptor *d)
{
        free(d->media_type);
        free(d->digest);
        free(d->artifact_type);
        berth_strv_free(d->urls);
        if (d->platform) {
                berth_platform_clear(d->platform);
                free(d->platform);
        }
        memset(d, 0, sizeof(*d));
}

/* A descriptor: mediaType, digest, size required; urls, annotations, platform optional. */
static int parse_descriptor(json_t *o, const char *what, bool with_platform,
                            struct berth_descriptor *d, struct berth_error *err)
{
        if (!json_is_object(o))
                return berth_error_set(err, EINVAL, "%s must be an object", what);
        int r = berth_manifest_dup_string(o, "mediaType", what, true, &d->media_type, err);
        if (r >= 0)
                r = berth_manifest_dup_string(o, "digest", what, true, &d->digest, err);
        if (r < 0)
                return r;
        r = berth_digest_validate(d->digest, err);
        if (r < 0)
                return berth_error_prefix(err, r, "%s.digest", what);
        json_t *sz = json_object_get(o, "size");
        if (!sz)
                return berth_error_set(err, EINVAL, "%s.size is required", what);
        if (!json_is_integer(sz) || json_integer_value(sz) < 0)
                return berth_error_set(err, EINVAL, "%s.size must be a non-negative integer", what);
        d->size = json_integer_value(sz);
        r = berth_json_get_strv(o, "urls", what, &d->urls, err);
        if (r >= 0)
                r = berth_manifest_dup_string(o, "artifactType", what, false, &d->artifact_type,
                                              err);
        if (r >= 0)
                r = check_string_map(o, "annotations", what, err);
        if (r >= 0 && with_platform)
                r = parse_platform(o, what, &d->platform, err);
        else if (r >= 0 && json_object_get(o, "platform"))
                r = berth_error_set(err, EINVAL, "%s.platform is only allowed in an index", what);
        return r;
}

static int classify_layer(struct berth_descriptor *d, const char *what, struct berth_error *err)
{
        for (size_t i = 0; i < ARRAY_SIZE(layer_types); i++)
                if (strcmp(d->media_type, layer_types[i].media_type) == 0) {
                        d->compression = layer_types[i].compression;
                        d->foreign = layer_types[i].foreign;
                        return 0;
                }
        return berth_error_set(err, EMEDIUMTYPE, "%s.mediaType: unknown layer media type '%.128s'",
                               what, d->media_type);
}

static int kind_of_media_type(const char *mt, enum berth_manifest_kind *kind)
{
        if (strcmp(mt, BERTH_MT_OCI_MANIFEST) == 0)
                *kind = BERTH_KIND_OCI_MANIFEST;
        else if (strcmp(mt, BERTH_MT_DOCKER_MANIFEST) == 0)
                *kind = BERTH_KIND_DOCKER_MANIFEST;
        else if (strcmp(mt, BERTH_MT_OCI_INDEX) == 0)
                *kind = BERTH_KIND_OCI_INDEX;
        else if (strcmp(mt, BERTH_MT_DOCKER_LIST) == 0)
                *kind = BERTH_KIND_DOCKER_LIST;
        else
                return -EMEDIUMTYPE;
        return 0;
}

static bool kind_is_index(enum berth_manifest_kind k)
{
        return k == BERTH_KIND_OCI_INDEX || k == BERTH_KIND_DOCKER_LIST;
}

static const char *kind_media_type(enum berth_manifest_kind k)
{
        switch (k) {
        case BERTH_KIND_OCI_MANIFEST:
                return BERTH_MT_OCI_MANIFEST;
        case BERTH_KIND_DOCKER_MANIFEST:
                return BERTH_MT_DOCKER_MANIFEST;
        case BERTH_KIND_OCI_INDEX:
                return BERTH_MT_OCI_INDEX;
        case BERTH_KIND_DOCKER_LIST:
                return BERTH_MT_DOCKER_LIST;
        }
        return "";
}

static int detect_json(json_t *j, const char *hint, enum berth_manifest_kind *out,
                       struct berth_error *err)
{
        if (!json_is_object(j))
                return berth_error_set(err, EINVAL, "manifest must be a JSON object");
        json_t *sv = json_object_get(j, "schemaVersion");
        if (!sv)
                return berth_error_set(err, EINVAL, "schemaVersion is required");
        if (!json_is_integer(sv))
                return berth_error_set(err, EINVAL, "schemaVersion must be an integer");
        if (json_integer_value(sv) == 1)
                return berth_error_set(err, EMEDIUMTYPE,
                                       "docker schema1 manifests are not supported");
        if (json_integer_value(sv) != 2)
                return berth_error_set(err, EINVAL, "schemaVersion %lld is not supported",
                                       (long long)json_integer_value(sv));
        const char *mt = NULL;
        int r = berth_json_get_string(j, "mediaType", "manifest", &mt, err);
        if (r < 0)
                return r;
        bool has_manifests = json_object_get(j, "manifests") != NULL;
        bool has_layers = json_object_get(j, "layers") != NULL;
        bool has_config = json_object_get(j, "config") != NULL;
        if (has_manifests && (has_layers || has_config))
                return berth_error_set(err, EINVAL,
                                       "ambiguous document: it has both \"manifests\" and \"%s\"",
                                       has_layers ? "layers" : "config");
        if (mt && hint && *hint && strcmp(mt, hint) != 0)
                return berth_error_set(err, EMEDIUMTYPE,
                                       "mediaType '%.128s' does not match the expected '%.128s'",
                                       mt, hint);
        const char *eff = mt ? mt : (hint && *hint ? hint : NULL);
        enum berth_manifest_kind kind;
        if (eff) {
                if (kind_of_media_type(eff, &kind) < 0)
                        return berth_error_set(err, EMEDIUMTYPE,
                                               "unsupported manifest media type '%.128s'", eff);
                if (!mt && (kind == BERTH_KIND_DOCKER_MANIFEST || kind == BERTH_KIND_DOCKER_LIST))
                        return berth_error_set(err, EINVAL, "mediaType is required in a docker %s",
                                               kind_is_index(kind) ? "manifest list" : "manifest");
        } else if (has_manifests) {
                kind = BERTH_KIND_OCI_INDEX;
        } else if (has_config) {
                kind = BERTH_KIND_OCI_MANIFEST;
        } else {
                return berth_error_set(err, EINVAL,
                                       "not a manifest or index: no mediaType, config or "
                                       "manifests");
        }
        if (kind_is_index(kind) && (has_layers || has_config))
                return berth_error_set(err, EINVAL,
                                       "mediaType '%s' is an index but the document "
                                       "has \"layers\" or \"config\"",
                                       kind_media_type(kind));
        if (!kind_is_index(kind) && has_manifests)
                return berth_error_set(err, EINVAL,
                                       "mediaType '%s' is a manifest but the document has "
                                       "\"manifests\"",
                                       kind_media_type(kind));
        *out = kind;
        return 0;
}

int berth_manifest_detect(const char *buf, size_t len, const char *media_type,
                          enum berth_manifest_kind *out, struct berth_error *err)
{
        _cleanup_json_ json_t *j = NULL;
        int r = berth_json_parse(buf, len, BERTH_MANIFEST_MAX, &j, err);
        if (r < 0)
                return berth_error_prefix(err, r, "manifest");
        return detect_json(j, media_type, out, err);
}

static int parse_manifest_json(json_t *j, struct berth_manifest *m, struct berth_error *err)
{
        json_t *cfg = json_object_get(j, "config");
        if (!cfg)
                return berth_error_set(err, EINVAL, "manifest.config is required");
        int r = parse_descriptor(cfg, "config", false, &m->config, err);
        if (r < 0)
                return r;
        if (strcmp(m->config.media_type, BERTH_MT_OCI_CONFIG) != 0 &&
            strcmp(m->config.media_type, BERTH_MT_DOCKER_CONFIG) != 0)
                return berth_error_set(err, EMEDIUMTYPE,
                                       "config.mediaType '%.128s' is not an image config",
                                       m->config.media_type);
        json_t *layers = json_object_get(j, "layers");
        if (!layers)
                return berth_error_set(err, EINVAL, "manifest.layers is required");
        if (!json_is_array(layers))
                return berth_error_set(err, EINVAL, "manifest.layers must be an array");
        size_t n = json_array_size(layers);
        if (n > BERTH_MANIFEST_LAYERS)
                return berth_error_set(err, E2BIG, "manifest has %zu layers, more than %u", n,
                                       BERTH_MANIFEST_LAYERS);
        m->layers = calloc(n ? n : 1, sizeof(*m->layers));
        if (!m->layers)
                return berth_error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
                char what[32];
                snprintf(what, sizeof(what), "layers[%zu]", i);
                m->n_layers = i + 1;
                r = parse_descriptor(json_array_get(layers, i), what, false, &m->layers[i], err);
                if (r >= 0)
                        r = classify_layer(&m->layers[i], what, err);
                if (r < 0)
                        return r;
                m->has_foreign_layers |= m->layers[i].foreign;
        }
        json_t *subject = json_object_get(j, "subject");
        if (subject) {
                struct berth_descriptor s = {0};
                r = parse_descriptor(subject, "subject", false, &s, err);
                descriptor_clear(&s);
                if (r < 0)
                        return r;
        }
        return check_string_map(j, "annotations", "manifest", err);
}

int berth_manifest_parse(const char *buf, size_t len, const char *media_type,
                         struct berth_manifest **out, struct berth_error *err)
{
        _cleanup_json_ json_t *j = NULL;
        int r = berth_json_parse(buf, len, BERTH_MANIFEST_MAX, &j, err);
        if (r < 0)
                return berth_error_prefix(err, r, "manifest");
        enum berth_manifest_kind kind;
        r = detect_json(j, media_type, &kind, err);
        if (r < 0)
                return r;
        if (kind_is_index(kind))
                return berth_error_set(err, EMEDIUMTYPE, "expected an image manifest, got %s",
                                       kind_media_type(kind));
        struct berth_manifest *m = calloc(1, sizeof(*m));
        if (!m)
                return berth_error_set(err, ENOMEM, "out of memory");
        m->kind = kind;
        m->media_type = strdup(kind_media_type(kind));
        r = m->media_type ? parse_manifest_json(j, m, err)
                          : berth_error_set(err, ENOMEM, "out of memory");
        if (r >= 0)
                r = berth_manifest_copy_raw(buf, len, &m->raw, &m->raw_len, m->digest, err);
        if (r < 0) {
                berth_manifest_free(m);
                return berth_error_prefix(err, r, "manifest");
        }
        *out = m;
        return 0;
}

void berth_manifest_free(struct berth_manifest *m)
{
        if (!m)
                return;
        descriptor_clear(&m->config);
        for (size_t i = 0; i < m->n_layers; i++)
                descriptor_clear(&m->layers[i]);
        free(m->layers);
        free(m->media_type);
        free(m->raw);
        free(m);
}

static int parse_index_json(json_t *j, struct berth_index *idx, struct berth_error *err)
{
        json_t *arr = json_object_get(j, "manifests");
        if (!arr)
                return berth_error_set(err, EINVAL, "index.manifests is required");
        if (!json_is_array(arr))
                return berth_error_set(err, EINVAL, "index.manifests must be an array");
        size_t n = json_array_size(arr);
        if (n > BERTH_INDEX_ENTRIES)
                return berth_error_set(err, E2BIG, "index has %zu entries, more than %u", n,
                                       BERTH_INDEX_ENTRIES);
        idx->manifests = calloc(n ? n : 1, sizeof(*idx->manifests));
        if (!idx->manifests)
                return berth_error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
                char what[32];
                snprintf(what, sizeof(what), "manifests[%zu]", i);
                idx->n_manifests = i + 1;
                int r =
                    parse_descriptor(json_array_get(arr, i), what, true, &idx->manifests[i], err);
                if (r < 0)
                        return r;
        }
        json_t *subject = json_object_get(j, "subject");
        if (subject) {
                struct berth_descriptor s = {0};
                int r = parse_descriptor(subject, "subject", false, &s, err);
                descriptor_clear(&s);
                if (r < 0)
                        return r;
        }
        return check_string_map(j, "annotations", "index", err);
}

int berth_index_parse(const char *buf, size_t len, const char *media_type, struct berth_index **out,
                      struct berth_error *err)
{
        _cleanup_json_ json_t *j = NULL;
        int r = berth_json_parse(buf, len, BERTH_MANIFEST_MAX, &j, err);
        if (r < 0)
                return berth_error_prefix(err, r, "index");
        enum berth_manifest_kind kind;
        r = detect_json(j, media_type, &kind, err);
        if (r < 0)
                return r;
        if (!kind_is_index(kind))
                return berth_error_set(err, EMEDIUMTYPE, "expected an index, got %s",
                                       kind_media_type(kind));
        struct berth_index *idx = calloc(1, sizeof(*idx));
        if (!idx)
                return berth_error_set(err, ENOMEM, "out of memory");
        idx->kind = kind;
        idx->media_type = strdup(kind_media_type(kind));
        r = idx->media_type ? parse_index_json(j, idx, err)
                            : berth_error_set(err, ENOMEM, "out of memory");
        if (r >= 0)
                r = berth_manifest_copy_raw(buf, len, &idx->raw, &idx->raw_len, idx->digest, err);
        if (r < 0) {
                berth_index_free(idx);
                return berth_error_prefix(err, r, "index");
        }
        *out = idx;
        return 0;
}

void berth_index_free(struct berth_index *idx)
{
        if (!idx)
                return;
        for (size_t i = 0; i < idx->n_manifests; i++)
                descriptor_clear(&idx->manifests[i]);
        free(idx->manifests);
        free(idx->media_type);
        free(idx->raw);
        free(idx);
}

/* ------------------------------------------------------------------ platforms */

void berth_platform_clear(struct berth_platform *p)
{
        if (!p)
                return;
        free(p->os);
        free(p->architecture);
        free(p->variant);
        free(p->os_version);
        memset(p, 0, sizeof(*p));
}

const struct berth_platform *berth_platform_host(void)
{
#if defined(__x86_64__)
        static const struct berth_platform host = {(char *)"linux", (char *)"amd64", NULL, NULL};
#elif defined(__aarch64__)
        static const struct berth_platform host = {(char *)"linux", (char *)"arm64", (char *)"v8",
                                                   NULL};
#elif defined(__arm__)
        static const struct berth_platform host = {(char *)"linux", (char *)"arm", (char *)"v7",
                                                   NULL};
#elif defined(__i386__)
        static const struct berth_platform host = {(char *)"linux", (char *)"386", NULL, NULL};
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        static const struct berth_platform host = {(char *)"linux", (char *)"ppc64le", NULL, NULL};
#elif defined(__s390x__)
        static const struct berth_platform host = {(char *)"linux", (char *)"s390x", NULL, NULL};
#elif defined(__riscv) && __riscv_xlen == 64
        static const struct berth_platform host = {(char *)"linux", (char *)"riscv64", NULL, NULL};
#else
#error "unknown host architecture"
#endif
        return &host;
}

char *berth_platform_string(const struct berth_platform *p)
{
        return berth_strdup_printf("%s/%s%s%s", p->os ? p->os : "",
                                   p->architecture ? p->architecture : "", p->variant ? "/" : "",
                                   p->variant ? p->variant : "");
}

static bool platform_token_ok(const char *s, size_t n)
{
        if (n == 0 || n > 32)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
                      s[i] == '.' || s[i] == '-'))
                        return false;
        return true;
}

int berth_platform_parse(const char *s, struct berth_platform *out, struct berth_error *err)
{
        const char *parts[4] = {0};
        size_t lens[4] = {0}, n = 0;
        for (const char *p = s;; n++) {
                if (n == 3)
                        return berth_error_set(
                            err, EINVAL, "invalid platform '%.64s': want os/arch[/variant]", s);
                const char *slash = strchr(p, '/');
                parts[n] = p;
                lens[n] = slash ? (size_t)(slash - p) : strlen(p);
                if (!platform_token_ok(p, lens[n]))
                        return berth_error_set(err, EINVAL,
                                               "invalid platform '%.64s': want os/arch[/variant] "
                                               "in lower case",
                                               s);
                if (!slash) {
                        n++;
                        break;
                }
                p = slash + 1;
        }
        if (n < 2)
                return berth_error_set(err, EINVAL,
                                       "invalid platform '%.64s': want os/arch[/variant]", s);
        struct berth_platform p = {0};
        p.os = strndup(parts[0], lens[0]);
        p.architecture = strndup(parts[1], lens[1]);
        if (n == 3)
                p.variant = strndup(parts[2], lens[2]);
        if (!p.os || !p.architecture || (n == 3 && !p.variant)) {
                berth_platform_clear(&p);
                return berth_error_set(err, ENOMEM, "out of memory");
        }
        const char *arch = NULL, *variant = NULL;
        if (!strcmp(p.architecture, "x86_64") || !strcmp(p.architecture, "x86-64"))
                arch = "amd64";
        else if (!strcmp(p.architecture, "aarch64"))
                arch = "arm64";
        else if (!strcmp(p.architecture, "armhf"))
                arch = "arm", variant = "v7";
        else if (!strcmp(p.architecture, "armel"))
                arch = "arm", variant = "v6";
        else if (!strcmp(p.architecture, "i386") || !strcmp(p.architecture, "i686"))
                arch = "386";
        if (arch) {
                free(p.architecture);
                p.architecture = strdup(arch);
                if (variant && !p.variant)
                        p.variant = strdup(variant);
                if (!p.architecture || (variant && !p.variant)) {
                        berth_platform_clear(&p);
                        return berth_error_set(err, ENOMEM, "out of memory");
                }
        }
        *out = p;
        return 0;
}

/* The variant an architecture implies when none is written. */
static const char *norm_variant(const char *arch, const char *variant)
{
        if (variant && *variant)
                return variant;
        if (arch && !strcmp(arch, "arm64"))
                return "v8";
        if (arch && !strcmp(arch, "arm"))
                return "v7";
        return NULL;
}

bool berth_platform_match(const struct berth_platform *want, const struct berth_platform *cand)
{
        if (!cand || !cand->os || !cand->architecture)
                return false;
        if (!berth_streq(want->os, cand->os) ||
            !berth_streq(want->architecture, cand->architecture))
                return false;
        if (!want->variant)
                return true;
        return berth_streq(norm_variant(want->architecture, want->variant),
                           norm_variant(cand->architecture, cand->variant));
}

int berth_index_select(const struct berth_index *idx, const struct berth_platform *want,
                       const struct berth_descriptor **out, struct berth_error *err)
{
        if (!want)
                want = berth_platform_host();
        const struct berth_descriptor *best = NULL;
        int best_score = 0;
        for (size_t i = 0; i < idx->n_manifests; i++) {
                const struct berth_descriptor *d = &idx->manifests[i];
                enum berth_manifest_kind k;
                if (kind_of_media_type(d->media_type, &k) < 0)
                        continue; /* attestations, artifacts: not for running */
                if (!berth_platform_match(want, d->platform))
                        continue;
                /* With no variant asked, the variant the architecture implies wins. */
                int score =
                    berth_streq(norm_variant(want->architecture, want->variant),
                                norm_variant(d->platform->architecture, d->platform->variant))
                        ? 2
                        : 1;
                if (score > best_score) {
                        best = d;
                        best_score = score;
                }
        }
        if (best) {
                *out = best;
                return 0;
        }
        struct berth_buf avail = {0};
        for (size_t i = 0; i < idx->n_manifests && avail.len < 400; i++) {
                const struct berth_platform *p = idx->manifests[i].platform;
                if (!p)
                        continue;
                _cleanup_free_ char *ps = berth_platform_string(p);
                if (ps)
                        berth_buf_printf(&avail, "%s%s", avail.len ? ", " : "", ps);
        }
        _cleanup_free_ char *ws = berth_platform_string(want);
        int r = berth_error_set(err, ENOENT, "no manifest for platform %s in the index (has: %s)",
                                ws ? ws : "?", avail.len ? avail.data : "none");
        berth_buf_free(&avail);
        return r;
}

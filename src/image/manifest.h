/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict parsers for the OCI image format and Docker's schema2:
 *   - image manifests: OCI (application/vnd.oci.image.manifest.v1+json) and Docker schema2
 *     (application/vnd.docker.distribution.manifest.v2+json);
 *   - indexes: OCI (application/vnd.oci.image.index.v1+json) and Docker manifest lists
 *     (application/vnd.docker.distribution.manifest.list.v2+json);
 *   - image configs (OCI application/vnd.oci.image.config.v1+json and Docker
 *     application/vnd.docker.container.image.v1+json).
 *
 * Rules: documents are at most BERTH_MANIFEST_MAX bytes of one JSON object with no
 * duplicate keys; schemaVersion is 2; "mediaType", when present, must be the one of the
 * document kind (and equal to the media type the caller was given, e.g. the registry's
 * Content-Type); a document with "manifests" and also "layers" or "config" is ambiguous
 * and refused (CVE-2021-41190); every digest is validated; sizes are >= 0; layer media
 * types must be known (foreign / non-distributable layers are accepted and flagged).
 *
 * Each parsed document keeps the exact bytes it was parsed from (raw, raw_len) and their
 * sha256 digest: the bytes parsed are the bytes hashed.  All structs are owned by the
 * caller and released with the matching free function (NULL is fine).
 *
 * Errors: -EINVAL with a message naming the field and value, -EFBIG oversize,
 * -EMEDIUMTYPE wrong or unsupported media type, -ENOENT no manifest for a platform.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/kv.h"
#include "basic/error.h"

#define BERTH_MANIFEST_MAX    (4u << 20)
#define BERTH_MANIFEST_LAYERS 1024 /* most layers one manifest may list */
#define BERTH_INDEX_ENTRIES   4096

#define BERTH_MT_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define BERTH_MT_OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define BERTH_MT_OCI_CONFIG      "application/vnd.oci.image.config.v1+json"
#define BERTH_MT_OCI_LAYER       "application/vnd.oci.image.layer.v1.tar"
#define BERTH_MT_OCI_LAYER_GZIP  "application/vnd.oci.image.layer.v1.tar+gzip"
#define BERTH_MT_OCI_LAYER_ZSTD  "application/vnd.oci.image.layer.v1.tar+zstd"
#define BERTH_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define BERTH_MT_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define BERTH_MT_DOCKER_CONFIG   "application/vnd.docker.container.image.v1+json"
#define BERTH_MT_DOCKER_LAYER    "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define BERTH_MT_DOCKER_FOREIGN  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

enum berth_manifest_kind {
        BERTH_KIND_OCI_MANIFEST,
        BERTH_KIND_DOCKER_MANIFEST,
        BERTH_KIND_OCI_INDEX,
        BERTH_KIND_DOCKER_LIST,
};

enum berth_layer_compression {
        BERTH_LAYER_TAR,
        BERTH_LAYER_GZIP,
        BERTH_LAYER_ZSTD,
};

struct berth_platform {
        char *os;           /* "linux" */
        char *architecture; /* "amd64" */
        char *variant;      /* "v8" or NULL */
        char *os_version;   /* NULL unless given */
};

struct berth_descriptor {
        char *media_type;
        char *digest; /* validated "algo:hex" */
        int64_t size; /* >= 0 */
        char **urls;  /* NULL-terminated or NULL */
        char *artifact_type;
        struct berth_platform *platform; /* index entries only; NULL when absent */
        /* Layers only: */
        enum berth_layer_compression compression;
        bool foreign; /* foreign / non-distributable: may have to come from `urls` */
};

struct berth_manifest {
        enum berth_manifest_kind kind;
        char *media_type; /* the document's kind, always set */
        struct berth_descriptor config;
        struct berth_descriptor *layers;
        size_t n_layers;
        bool has_foreign_layers;
        char *raw; /* the bytes parsed (NUL-terminated copy) */
        size_t raw_len;
        char digest[72]; /* sha256 of raw */
};

struct berth_index {
        enum berth_manifest_kind kind;
        char *media_type;
        struct berth_descriptor *manifests;
        size_t n_manifests;
        char *raw;
        size_t raw_len;
        char digest[72];
};

/* Which kind of document buf is, by its mediaType and shape (and media_type, the type
 * the caller was told, may be NULL).  Refuses ambiguous documents and mismatches. */
int berth_manifest_detect(const char *buf, size_t len, const char *media_type,
                          enum berth_manifest_kind *out, struct berth_error *err);

/* Parse an image manifest.  media_type as for detect. */
int berth_manifest_parse(const char *buf, size_t len, const char *media_type,
                         struct berth_manifest **out, struct berth_error *err);
void berth_manifest_free(struct berth_manifest *m);

int berth_index_parse(const char *buf, size_t len, const char *media_type, struct berth_index **out,
                      struct berth_error *err);
void berth_index_free(struct berth_index *idx);

/* "os/arch[/variant]" (--platform).  Architecture aliases are normalised the way the
 * registries write them: x86_64 -> amd64, aarch64 -> arm64, armhf -> arm/v7. */
int berth_platform_parse(const char *s, struct berth_platform *out, struct berth_error *err);
/* The platform this berth runs on (static storage; do not free). */
const struct berth_platform *berth_platform_host(void);
/* "os/arch[/variant]", malloc'ed; NULL on ENOMEM. */
char *berth_platform_string(const struct berth_platform *p);
/* true when candidate satisfies want: same os and architecture, and the same variant when
 * want has one (arm64 with no variant means v8). */
bool berth_platform_match(const struct berth_platform *want, const struct berth_platform *cand);
void berth_platform_clear(struct berth_platform *p);

/* Pick the manifest for `want` (NULL: the host) from an index: the first entry whose
 * platform matches and whose media type is a manifest or index; with no variant asked,
 * an entry without a variant wins over one with.  -ENOENT names the platforms on offer. */
int berth_index_select(const struct berth_index *idx, const struct berth_platform *want,
                       const struct berth_descriptor **out, struct berth_error *err);

/* ------------------------------------------------------------------ image config */

struct berth_healthcheck {
        char **test; /* ["CMD", ...], ["CMD-SHELL", "..."], ["NONE"] */
        int64_t interval_ns, timeout_ns, start_period_ns, start_interval_ns;
        int64_t retries;
};

struct berth_history {
        char *created; /* RFC 3339 as written, or NULL */
        int64_t created_unix;
        char *created_by;
        char *author;
        char *comment;
        bool empty_layer;
};

struct berth_image_config {
        char *architecture, *os, *variant, *os_version;
        char *created; /* RFC 3339 as written, or NULL */
        int64_t created_unix;
        char *author;
        /* config{} (the runtime defaults) */
        char *user;
        char **env, **entrypoint, **cmd, **shell, **onbuild; /* NULL when absent */
        bool entrypoint_set, cmd_set; /* present and not null (possibly []) */
        char *working_dir;
        char *stop_signal;
        struct berth_kv *labels;
        size_t n_labels;
        char **exposed_ports;                  /* "80/tcp" */
        char **volumes;                        /* "/data" */
        struct berth_healthcheck *healthcheck; /* NULL when absent */
        bool args_escaped;
        /* rootfs */
        char **diff_ids; /* validated digests, NULL-terminated (may be empty) */
        size_t n_diff_ids;
        struct berth_history *history;
        size_t n_history;
        char *raw;
        size_t raw_len;
        char digest[72]; /* sha256 of raw: the image id */
};

int berth_image_config_parse(const char *buf, size_t len, struct berth_image_config **out,
                             struct berth_error *err);
void berth_image_config_free(struct berth_image_config *c);

/* Cross-checks between a manifest and its config: the config descriptor's digest and size
 * match the config bytes, and the number of layers equals the number of diff_ids. */
int berth_manifest_check_config(const struct berth_manifest *m, const struct berth_image_config *c,
                                struct berth_error *err);

/* Chain ids of a layer stack: chain[0] = diff_ids[0], chain[i] = sha256(chain[i-1] + " " +
 * diff_ids[i]).  Malloc'ed NULL-terminated vector. */
int berth_layer_chain_ids(char *const *diff_ids, size_t n, char ***out, struct berth_error *err);

/* RFC 3339 ("2024-01-02T03:04:05.123Z", "+01:00" offsets) to unix seconds. */
int berth_parse_rfc3339(const char *s, int64_t *out);

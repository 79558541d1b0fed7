/* SPDX-License-Identifier: Apache-2.0 */
/* Every manifest/index/config parser over the same input; what parses must keep the exact
 * bytes and their digest, and pass its own invariants. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/sha256.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "basic/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_raw(const char *raw, size_t raw_len, const char *digest, const uint8_t *data,
                      size_t size)
{
        if (raw_len != size || memcmp(raw, data, size) != 0)
                abort();
        uint8_t d[BERTH_SHA256_DIGEST_SIZE];
        char hex[BERTH_SHA256_HEX_SIZE];
        berth_sha256(data, size, d);
        berth_sha256_hex(d, hex);
        if (strncmp(digest, "sha256:", 7) != 0 || strcmp(digest + 7, hex) != 0)
                abort();
}

static void check_descriptor(const struct berth_descriptor *d)
{
        if (!d->media_type || d->size < 0 || berth_digest_validate(d->digest, NULL) < 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *buf = (const char *)data;
        static const char *const hints[] = {NULL, BERTH_MT_OCI_MANIFEST, BERTH_MT_DOCKER_LIST};
        const char *hint = hints[size % 3];

        struct berth_manifest *m = NULL;
        if (berth_manifest_parse(buf, size, hint, &m, NULL) == 0) {
                check_raw(m->raw, m->raw_len, m->digest, data, size);
                check_descriptor(&m->config);
                for (size_t i = 0; i < m->n_layers; i++)
                        check_descriptor(&m->layers[i]);
                berth_manifest_free(m);
        }
        struct berth_index *idx = NULL;
        if (berth_index_parse(buf, size, hint, &idx, NULL) == 0) {
                check_raw(idx->raw, idx->raw_len, idx->digest, data, size);
                for (size_t i = 0; i < idx->n_manifests; i++)
                        check_descriptor(&idx->manifests[i]);
                const struct berth_descriptor *sel = NULL;
                if (berth_index_select(idx, NULL, &sel, NULL) == 0 &&
                    !berth_platform_match(berth_platform_host(), sel->platform))
                        abort();
                berth_index_free(idx);
        }
        struct berth_image_config *c = NULL;
        if (berth_image_config_parse(buf, size, &c, NULL) == 0) {
                check_raw(c->raw, c->raw_len, c->digest, data, size);
                char **chain = NULL;
                if (berth_layer_chain_ids(c->diff_ids, c->n_diff_ids, &chain, NULL) < 0)
                        abort();
                for (size_t i = 0; i < c->n_diff_ids; i++)
                        free(chain[i]);
                free(chain);
                berth_image_config_free(c);
        }
        enum berth_manifest_kind k;
        (void)berth_manifest_detect(buf, size, hint, &k, NULL);

        /* Short inputs are also tried as --platform strings and RFC 3339 times. */
        if (size < 64) {
                char *s = strndup(buf, size);
                if (s) {
                        struct berth_platform p;
                        if (berth_platform_parse(s, &p, NULL) == 0) {
                                char *str = berth_platform_string(&p);
                                if (!str || !berth_platform_match(&p, &p))
                                        abort();
                                free(str);
                                berth_platform_clear(&p);
                        }
                        int64_t t;
                        (void)berth_parse_rfc3339(s, &t);
                        free(s);
                }
        }
        return 0;
}

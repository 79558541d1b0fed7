/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "basic/cleanup.h"
#include "basic/sha256.h"
#include "basic/strutil.h"
#include "image/manifest.h"
#include "basic/banned.h"

#define H(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
#define D(c) "sha256:" H(c) H(c)
#define DA   D("a")
#define DB   D("b")
#define DC   D("c")
#define DD   D("d")

#define OCI_CONFIG_DESC                                                                            \
        "{\"mediaType\":\"" BERTH_MT_OCI_CONFIG "\",\"digest\":\"" DA "\",\"size\":10}"
#define OCI_LAYER(d, mt) "{\"mediaType\":\"" mt "\",\"digest\":\"" d "\",\"size\":100}"

static const char oci_manifest[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" BERTH_MT_OCI_MANIFEST "\",\"config\":" OCI_CONFIG_DESC
    ",\"layers\":[" OCI_LAYER(DB, BERTH_MT_OCI_LAYER_GZIP) "," OCI_LAYER(
        DC,
        BERTH_MT_OCI_LAYER_ZSTD) "," OCI_LAYER(DD,
                                               BERTH_MT_OCI_LAYER) "],"
                                                                   "\"annotations\":{\"a\":\"b\"}}";

static void test_oci_manifest(void **state)
{
        struct berth_manifest *m = NULL;
        struct berth_error err = {0};
        int r = berth_manifest_parse(oci_manifest, strlen(oci_manifest), NULL, &m, &err);
        if (r < 0)
                fail_msg("%s", err.msg);
        assert_int_equal(m->kind, BERTH_KIND_OCI_MANIFEST);
        assert_string_equal(m->config.digest, DA);
        assert_int_equal(m->config.size, 10);
        assert_int_equal(m->n_layers, 3);
        assert_int_equal(m->layers[0].compression, BERTH_LAYER_GZIP);
        assert_int_equal(m->layers[1].compression, BERTH_LAYER_ZSTD);
        assert_int_equal(m->layers[2].compression, BERTH_LAYER_TAR);
        assert_false(m->has_foreign_layers);
        /* The bytes parsed are the bytes hashed. */
        uint8_t d[32];
        char hex[65];
        berth_sha256(oci_manifest, strlen(oci_manifest), d);
        berth_sha256_hex(d, hex);
        assert_string_equal(m->digest + 7, hex);
        assert_memory_equal(m->raw, oci_manifest, m->raw_len);
        berth_manifest_free(m);

        /* The same with the Content-Type given, and without mediaType in the document. */
        assert_int_equal(berth_manifest_parse(oci_manifest, strlen(oci_manifest),
                                              BERTH_MT_OCI_MANIFEST, &m, NULL),
                         0);
        berth_manifest_free(m);
        static const char nomt[] =
            "{\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC ",\"layers\":[]}";
        assert_int_equal(berth_manifest_parse(nomt, strlen(nomt), NULL, &m, &err), 0);
        assert_int_equal(m->kind, BERTH_KIND_OCI_MANIFEST);
        assert_int_equal(m->n_layers, 0);
        berth_manifest_free(m);
}

static void test_docker_manifest(void **state)
{
        static const char doc[] =
            "{\"schemaVersion\":2,\"mediaType\":\"" BERTH_MT_DOCKER_MANIFEST
            "\",\"config\":{\"mediaType\":\"" BERTH_MT_DOCKER_CONFIG "\",\"size\":1457,\"digest\":"
            "\"" DA "\"},\"layers\":[{\"mediaType\":\"" BERTH_MT_DOCKER_LAYER
            "\",\"size\":5,\"digest\":\"" DB "\"},{\"mediaType\":\"" BERTH_MT_DOCKER_FOREIGN
            "\",\"size\":7,\"digest\":\"" DC "\",\"urls\":[\"https://example.com/x\"]}]}";
        struct berth_manifest *m = NULL;
        struct berth_error err = {0};
        if (berth_manifest_parse(doc, strlen(doc), BERTH_MT_DOCKER_MANIFEST, &m, &err) < 0)
                fail_msg("%s", err.msg);
        assert_int_equal(m->kind, BERTH_KIND_DOCKER_MANIFEST);
        assert_int_equal(m->n_layers, 2);
        assert_false(m->layers[0].foreign);
        assert_true(m->layers[1].foreign);
        assert_true(m->has_foreign_layers);
        assert_string_equal(m->layers[1].urls[0], "https://example.com/x");
        berth_manifest_free(m);
}

static void refuse_manifest(const char *doc, const char *mt, int code, const char *part)
{
        struct berth_manifest *m = NULL;
        struct berth_error err = {0};
        int r = berth_manifest_parse(doc, strlen(doc), mt, &m, &err);
        if (r != -code)
                fail_msg("expected %d, got %d (%s) for %s", -code, r, err.msg, doc);
        if (!strstr(err.msg, part))
                fail_msg("message '%s' lacks '%s'", err.msg, part);
        assert_null(m);
}

static void refuse_index(const char *doc, const char *mt, int code, const char *part)
{
        struct berth_index *idx = NULL;
        struct berth_error err = {0};
        int r = berth_index_parse(doc, strlen(doc), mt, &idx, &err);
        if (r != -code)
                fail_msg("expected %d, got %d (%s) for %s", -code, r, err.msg, doc);
        if (!strstr(err.msg, part))
                fail_msg("message '%s' lacks '%s'", err.msg, part);
        assert_null(idx);
}

static void test_manifest_invalid(void **state)
{
        /* Ambiguous: manifests together with config/layers (CVE-2021-41190). */
        refuse_manifest("{\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC
                        ",\"layers\":[],\"manifests\":[]}",
                        NULL, EINVAL, "ambiguous");
        refuse_index("{\"schemaVersion\":2,\"mediaType\":\"" BERTH_MT_OCI_INDEX
                     "\",\"manifests\":[],\"layers\":[]}",
                     NULL, EINVAL, "ambiguous");
        /* mediaType says index, document is a manifest. */
        refuse_manifest("{\"schemaVersion\":2,\"mediaType\":\"" BERTH_MT_OCI_INDEX
                        "\",\"config\":" OCI_CONFIG_DESC ",\"layers\":[]}",
                        NULL, EINVAL, "is an index");
        /* Document's mediaType differs from what the registry said. */
        refuse_manifest(oci_manifest, BERTH_MT_DOCKER_MANIFEST, EMEDIUMTYPE, "does not match");
        refuse_manifest(
            "{\"schemaVersion\":2,\"mediaType\":\"text/plain\",\"config\":" OCI_CONFIG_DESC
            ",\"layers\":[]}",
            NULL, EMEDIUMTYPE, "unsupported manifest media type");
        /* Docker kinds need their mediaType in the document. */
        refuse_manifest("{\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC ",\"layers\":[]}",
                        BERTH_MT_DOCKER_MANIFEST, EINVAL, "mediaType is required");
        /* Duplicate keys. */
        refuse_manifest("{\"schemaVersion\":2,\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC
                        ",\"layers\":[]}",
                        NULL, EINVAL, "duplicate");
        /* Bad digests. */
        refuse_manifest("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" BERTH_MT_OCI_CONFIG
                        "\",\"digest\":\"sha256:abc\",\"size\":1},\"layers\":[]}",
                        NULL, EINVAL, "config.digest");
        refuse_manifest("{\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC
                        ",\"layers\":[{\"mediaType\":\"" BERTH_MT_OCI_LAYER
                        "\",\"digest\":\"md5:00\",\"size\":1}]}",
                        NULL, EINVAL, "layers[0].digest");
        refuse_manifest("{\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC
                        ",\"layers\":[{\"mediaType\":\"" BERTH_MT_OCI_LAYER "\",\"digest\":\"" DB
                        "/../x\",\"size\":1}]}",
                        NULL, EINVAL, "layers[0].digest");
        /* Negative or missing sizes. */
        refuse_manifest("{\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC
                        ",\"layers\":[{\"mediaType\":\"" BERTH_MT_OCI_LAYER "\",\"digest\":\"" DB
                        "\",\"size\":-1}]}",
                        NULL, EINVAL, "layers[0].size");
        refuse_manifest("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" BERTH_MT_OCI_CONFIG
                        "\",\"digest\":\"" DA "\"},\"layers\":[]}",
                        NULL, EINVAL, "config.size is required");
        /* Unknown layer and config media types. */
        refuse_manifest("{\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC
                        ",\"layers\":[" OCI_LAYER(DB, "application/x-tar") "]}",
                        NULL, EMEDIUMTYPE, "unknown layer media type");
        refuse_manifest("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/x-helm\","
                        "\"digest\":\"" DA "\",\"size\":1},\"layers\":[]}",
                        NULL, EMEDIUMTYPE, "not an image config");
        /* Schema 1 and other versions; not an object; missing parts. */
        refuse_manifest("{\"schemaVersion\":1,\"name\":\"x\"}", NULL, EMEDIUMTYPE, "schema1");
        refuse_manifest("{\"schemaVersion\":3,\"config\":" OCI_CONFIG_DESC ",\"layers\":[]}", NULL,
                        EINVAL, "schemaVersion 3");
        refuse_manifest("[1,2]", NULL, EINVAL, "object");
        refuse_manifest("{\"schemaVersion\":2,\"layers\":[]}", NULL, EINVAL, "not a manifest");
        refuse_manifest("{\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC "}", NULL, EINVAL,
                        "layers is required");
        refuse_manifest("{\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC
                        ",\"layers\":[],\"annotations\":{\"a\":1}}",
                        NULL, EINVAL, "annotations");
        /* An index is not a manifest. */
        refuse_manifest("{\"schemaVersion\":2,\"manifests\":[]}", NULL, EMEDIUMTYPE,
                        "expected an image manifest");
}

static void test_oversize(void **state)
{
        size_t n = BERTH_MANIFEST_MAX + 16;
        char *big = malloc(n + 1);
        assert_non_null(big);
        memset(big, ' ', n);
        memcpy(big, "{\"schemaVersion\":2}", 19);
        big[n] = '\0';
        refuse_manifest(big, NULL, EFBIG, "limit");
        refuse_index(big, NULL, EFBIG, "limit");
        struct berth_image_config *c = NULL;
        assert_int_equal(berth_image_config_parse(big, n, &c, NULL), -EFBIG);
        free(big);
        /* Too many layers. */
        struct berth_buf b = {0};
        berth_buf_printf(&b, "{\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC ",\"layers\":[");
        for (int i = 0; i <= BERTH_MANIFEST_LAYERS; i++)
                berth_buf_printf(&b, "%s" OCI_LAYER(DB, BERTH_MT_OCI_LAYER), i ? "," : "");
        berth_buf_printf(&b, "]}");
        refuse_manifest(b.data, NULL, E2BIG, "layers");
        berth_buf_free(&b);
}

static const char index_doc[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" BERTH_MT_OCI_INDEX "\",\"manifests\":["
    "{\"mediaType\":\"" BERTH_MT_OCI_MANIFEST "\",\"digest\":\"" DA
    "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"ppc64le\"}},"
    "{\"mediaType\":\"application/vnd.in-toto+json\",\"digest\":\"" DB
    "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
    "{\"mediaType\":\"" BERTH_MT_OCI_MANIFEST "\",\"digest\":\"" DC
    "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\",\"variant\":\"v3\"}},"
    "{\"mediaType\":\"" BERTH_MT_OCI_MANIFEST "\",\"digest\":\"" DD
    "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
    "{\"mediaType\":\"" BERTH_MT_OCI_MANIFEST "\",\"digest\":\"" D(
        "e") "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
             "{\"mediaType\":\"" BERTH_MT_OCI_MANIFEST "\",\"digest\":\"" D(
                 "f") "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\","
                      "\"variant\":\"v6\"}},"
                      "{\"mediaType\":\"" BERTH_MT_DOCKER_MANIFEST
                      "\",\"digest\":\"" D("0") "\",\"size\":1,\"platform\":{\"os\":\"linux\","
                                                "\"architecture\":\"arm\",\"variant\":\"v7\"}}"
                                                "]}";

static const char *select_digest(const struct berth_index *idx, const char *platform)
{
        struct berth_platform p = {0};
        const struct berth_descriptor *d = NULL;
        struct berth_error err = {0};
        if (platform && berth_platform_parse(platform, &p, &err) < 0)
                fail_msg("%s", err.msg);
        int r = berth_index_select(idx, platform ? &p : NULL, &d, &err);
        berth_platform_clear(&p);
        if (r < 0)
                return NULL;
        return d->digest;
}

static void test_index_and_platforms(void **state)
{
        struct berth_index *idx = NULL;
        struct berth_error err = {0};
        if (berth_index_parse(index_doc, strlen(index_doc), BERTH_MT_OCI_INDEX, &idx, &err) < 0)
                fail_msg("%s", err.msg);
        assert_int_equal(idx->n_manifests, 7);
        assert_string_equal(idx->manifests[0].platform->architecture, "ppc64le");
        /* Host (amd64 here): the entry without a variant beats amd64/v3; the attestation
         * media type is skipped. */
#if defined(__x86_64__)
        assert_string_equal(select_digest(idx, NULL), DD);
#endif
        assert_string_equal(select_digest(idx, "linux/amd64"), DD);
        assert_string_equal(select_digest(idx, "linux/x86_64"), DD);
        assert_string_equal(select_digest(idx, "linux/amd64/v3"), DC);
        assert_string_equal(select_digest(idx, "linux/arm64"), D("e"));
        assert_string_equal(select_digest(idx, "linux/arm64/v8"), D("e")); /* v8 implied */
        assert_string_equal(select_digest(idx, "linux/arm/v6"), D("f"));
        assert_string_equal(select_digest(idx, "linux/arm"), D("0")); /* v7 preferred */
        assert_string_equal(select_digest(idx, "linux/armhf"), D("0"));
        assert_string_equal(select_digest(idx, "linux/ppc64le"), DA);
        assert_null(select_digest(idx, "linux/s390x"));
        assert_null(select_digest(idx, "windows/amd64"));
        struct berth_platform p = {0};
        const struct berth_descriptor *d;
        assert_int_equal(berth_platform_parse("linux/riscv64", &p, NULL), 0);
        assert_int_equal(berth_index_select(idx, &p, &d, &err), -ENOENT);
        assert_non_null(strstr(err.msg, "linux/riscv64"));
        assert_non_null(strstr(err.msg, "linux/arm64"));
        berth_platform_clear(&p);
        berth_index_free(idx);

        /* A Docker manifest list. */
        static const char list[] =
            "{\"schemaVersion\":2,\"mediaType\":\"" BERTH_MT_DOCKER_LIST "\",\"manifests\":[{"
            "\"mediaType\":\"" BERTH_MT_DOCKER_MANIFEST "\",\"size\":527,\"digest\":\"" DA
            "\",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\",\"os.features\":[]}}]}";
        assert_int_equal(berth_index_parse(list, strlen(list), NULL, &idx, &err), 0);
        assert_int_equal(idx->kind, BERTH_KIND_DOCKER_LIST);
        assert_string_equal(select_digest(idx, "linux/amd64"), DA);
        berth_index_free(idx);

        /* Index errors. */
        refuse_index("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"x\",\"digest\":\"" DA
                     "\",\"size\":1,\"platform\":{\"os\":\"linux\"}}]}",
                     NULL, EINVAL, "platform.architecture is required");
        refuse_index("{\"schemaVersion\":2,\"manifests\":{}}", NULL, EINVAL, "must be an array");
        refuse_index(oci_manifest, NULL, EMEDIUMTYPE, "expected an index");
        refuse_index("{\"schemaVersion\":2,\"manifests\":[]}", BERTH_MT_DOCKER_LIST, EINVAL,
                     "mediaType is required");

        /* Platform strings. */
        assert_int_equal(berth_platform_parse("linux", &p, &err), -EINVAL);
        assert_int_equal(berth_platform_parse("linux/amd64/v2/x", &p, NULL), -EINVAL);
        assert_int_equal(berth_platform_parse("Linux/amd64", &p, NULL), -EINVAL);
        assert_int_equal(berth_platform_parse("linux//v7", &p, NULL), -EINVAL);
        assert_int_equal(berth_platform_parse("linux/aarch64", &p, NULL), 0);
        char *s = berth_platform_string(&p);
        assert_string_equal(s, "linux/arm64");
        free(s);
        berth_platform_clear(&p);
}

static void test_detect(void **state)
{
        enum berth_manifest_kind k;
        assert_int_equal(berth_manifest_detect(index_doc, strlen(index_doc), NULL, &k, NULL), 0);
        assert_int_equal(k, BERTH_KIND_OCI_INDEX);
        assert_int_equal(berth_manifest_detect(oci_manifest, strlen(oci_manifest), NULL, &k, NULL),
                         0);
        assert_int_equal(k, BERTH_KIND_OCI_MANIFEST);
        static const char noshape[] = "{\"schemaVersion\":2,\"manifests\":[]}";
        assert_int_equal(berth_manifest_detect(noshape, strlen(noshape), NULL, &k, NULL), 0);
        assert_int_equal(k, BERTH_KIND_OCI_INDEX);
}

static const char config_doc[] =
    "{\"created\":\"2015-10-31T22:22:56.015925234Z\",\"author\":\"Alyssa\","
    "\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"alice\","
    "\"ExposedPorts\":{\"8080/tcp\":{},\"53/udp\":{}},\"Env\":[\"PATH=/bin\",\"FOO=a=b\"],"
    "\"Entrypoint\":[\"/bin/app\"],\"Cmd\":null,\"Volumes\":{\"/data\":{}},"
    "\"WorkingDir\":\"/home/alice\",\"Labels\":{\"k\":\"v\"},\"StopSignal\":\"SIGTERM\","
    "\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"true\"],\"Interval\":30000000000,"
    "\"Retries\":3}},\"rootfs\":{\"diff_ids\":[\"" DA "\",\"" DB "\"],\"type\":\"layers\"},"
    "\"history\":[{\"created\":\"2015-10-31T22:22:54.690851953Z\",\"created_by\":\"ADD x\"},"
    "{\"created\":\"2015-10-31T22:22:55+01:00\",\"created_by\":\"CMD\",\"empty_layer\":true},"
    "{\"created_by\":\"RUN apk add curl\",\"comment\":\"c\"}]}";

static void test_config(void **state)
{
        struct berth_image_config *c = NULL;
        struct berth_error err = {0};
        if (berth_image_config_parse(config_doc, strlen(config_doc), &c, &err) < 0)
                fail_msg("%s", err.msg);
        assert_string_equal(c->architecture, "amd64");
        assert_string_equal(c->os, "linux");
        assert_int_equal(c->created_unix, 1446330176);
        assert_string_equal(c->user, "alice");
        assert_string_equal(c->env[1], "FOO=a=b");
        assert_string_equal(c->entrypoint[0], "/bin/app");
        assert_true(c->entrypoint_set);
        assert_null(c->cmd);
        assert_false(c->cmd_set);
        assert_string_equal(c->working_dir, "/home/alice");
        assert_int_equal(c->n_labels, 1);
        assert_string_equal(c->labels[0].key, "k");
        assert_string_equal(c->labels[0].value, "v");
        assert_int_equal(berth_strv_length(c->exposed_ports), 2);
        assert_string_equal(c->volumes[0], "/data");
        assert_string_equal(c->stop_signal, "SIGTERM");
        assert_non_null(c->healthcheck);
        assert_int_equal(c->healthcheck->interval_ns, 30000000000LL);
        assert_int_equal(c->healthcheck->retries, 3);
        assert_int_equal(c->n_diff_ids, 2);
        assert_int_equal(c->n_history, 3);
        assert_true(c->history[1].empty_layer);
        assert_int_equal(c->history[1].created_unix, 1446330175 - 3600);
        assert_null(c->history[2].created);
        assert_string_equal(c->history[2].comment, "c");
        assert_memory_equal(c->raw, config_doc, c->raw_len);

        /* Manifest <-> config checks. */
        struct berth_manifest m = {0};
        m.config.digest = c->digest;
        m.config.size = (int64_t)c->raw_len;
        m.n_layers = 2;
        assert_int_equal(berth_manifest_check_config(&m, c, &err), 0);
        m.n_layers = 3;
        assert_int_equal(berth_manifest_check_config(&m, c, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "3 layers but the config has 2 diff_ids"));
        m.n_layers = 2;
        m.config.size++;
        assert_int_equal(berth_manifest_check_config(&m, c, &err), -EBADMSG);
        m.config.size--;
        m.config.digest = (char *)DA;
        assert_int_equal(berth_manifest_check_config(&m, c, &err), -EBADMSG);
        berth_image_config_free(c);
}

static void refuse_config(const char *doc, const char *part)
{
        struct berth_image_config *c = NULL;
        struct berth_error err = {0};
        int r = berth_image_config_parse(doc, strlen(doc), &c, &err);
        if (r >= 0)
                fail_msg("accepted: %s", doc);
        if (!strstr(err.msg, part))
                fail_msg("message '%s' lacks '%s'", err.msg, part);
        assert_null(c);
}

#define CFG(extra, rootfs)                                                                         \
        "{\"architecture\":\"amd64\",\"os\":\"linux\"" extra ",\"rootfs\":" rootfs "}"
#define RFS "{\"type\":\"layers\",\"diff_ids\":[\"" DA "\"]}"

static void test_config_invalid(void **state)
{
        struct berth_image_config *c = NULL;
        assert_int_equal(berth_image_config_parse(CFG("", RFS), strlen(CFG("", RFS)), &c, NULL), 0);
        berth_image_config_free(c);
        refuse_config("{\"os\":\"linux\",\"rootfs\":" RFS "}", "architecture is required");
        refuse_config("{\"architecture\":\"amd64\",\"os\":\"linux\"}", "rootfs is required");
        refuse_config(CFG("", "{\"type\":\"tar\",\"diff_ids\":[]}"), "rootfs.type");
        refuse_config(CFG("", "{\"type\":\"layers\"}"), "diff_ids must be an array");
        refuse_config(CFG("", "{\"type\":\"layers\",\"diff_ids\":[\"sha256:zz\"]}"),
                      "rootfs.diff_ids[0]");
        refuse_config(CFG(",\"created\":\"yesterday\"", RFS), "RFC 3339");
        refuse_config(CFG(",\"config\":{\"Env\":[\"NOEQUALS\"]}", RFS), "config.Env[0]");
        refuse_config(CFG(",\"config\":{\"Env\":\"PATH=/\"}", RFS), "config.Env");
        refuse_config(CFG(",\"config\":{\"Cmd\":[1]}", RFS), "config.Cmd[0]");
        refuse_config(CFG(",\"config\":{\"ExposedPorts\":{\"99999/tcp\":{}}}", RFS),
                      "ExposedPorts");
        refuse_config(CFG(",\"config\":{\"ExposedPorts\":{\"80/icmp\":{}}}", RFS), "ExposedPorts");
        refuse_config(CFG(",\"config\":{\"Volumes\":{\"rel\":{}}}", RFS), "Volumes");
        refuse_config(CFG(",\"config\":{\"Labels\":{\"a\":1}}", RFS), "Labels");
        refuse_config(CFG(",\"config\":{\"WorkingDir\":\"rel\"}", RFS), "WorkingDir");
        refuse_config(CFG(",\"config\":{\"Healthcheck\":{\"Test\":[\"BOGUS\"]}}", RFS),
                      "Healthcheck.Test");
        refuse_config(CFG(",\"config\":{\"Healthcheck\":{\"Interval\":-1}}", RFS), ">= 0");
        refuse_config(CFG(",\"history\":[1]", RFS), "history[0]");
        refuse_config(CFG(",\"history\":[{\"empty_layer\":\"yes\"}]", RFS), "empty_layer");
        refuse_config("{\"architecture\":\"amd64\",\"architecture\":\"arm64\",\"os\":\"linux\","
                      "\"rootfs\":" RFS "}",
                      "duplicate");
}

static void test_chain_ids(void **state)
{
        char *diff[] = {(char *)DA, (char *)DB, (char *)DC, NULL};
        char **chain = NULL;
        assert_int_equal(berth_layer_chain_ids(diff, 3, &chain, NULL), 0);
        assert_string_equal(chain[0], DA);
        char buf[200], hex[65];
        uint8_t d[32];
        snprintf(buf, sizeof(buf), "%s %s", DA, DB);
        berth_sha256(buf, strlen(buf), d);
        berth_sha256_hex(d, hex);
        assert_string_equal(chain[1] + 7, hex);
        snprintf(buf, sizeof(buf), "%s %s", chain[1], DC);
        berth_sha256(buf, strlen(buf), d);
        berth_sha256_hex(d, hex);
        assert_string_equal(chain[2] + 7, hex);
        assert_null(chain[3]);
        berth_strv_free(chain);
        char *bad[] = {(char *)"sha256:x", NULL};
        assert_int_equal(berth_layer_chain_ids(bad, 1, &chain, NULL), -EINVAL);
}

static void test_rfc3339(void **state)
{
        int64_t t;
        assert_int_equal(berth_parse_rfc3339("1970-01-01T00:00:00Z", &t), 0);
        assert_int_equal(t, 0);
        assert_int_equal(berth_parse_rfc3339("2000-02-29T12:00:00.5-02:30", &t), 0);
        assert_int_equal(t, 951825600 + 2 * 3600 + 1800);
        assert_int_equal(berth_parse_rfc3339("0001-01-01T00:00:00Z", &t), 0);
        assert_int_equal(t, -62135596800LL);
        assert_int_equal(berth_parse_rfc3339("2001-02-29T00:00:00Z", &t), -EINVAL);
        assert_int_equal(berth_parse_rfc3339("2001-13-01T00:00:00Z", &t), -EINVAL);
        assert_int_equal(berth_parse_rfc3339("2001-01-01T00:00:00", &t), -EINVAL);
        assert_int_equal(berth_parse_rfc3339("2001-01-01T00:00:00Zjunk", &t), -EINVAL);
        assert_int_equal(berth_parse_rfc3339("2001-01-01T00:00:00.Z", &t), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_oci_manifest),
            cmocka_unit_test(test_docker_manifest),
            cmocka_unit_test(test_manifest_invalid),
            cmocka_unit_test(test_oversize),
            cmocka_unit_test(test_index_and_platforms),
            cmocka_unit_test(test_detect),
            cmocka_unit_test(test_config),
            cmocka_unit_test(test_config_invalid),
            cmocka_unit_test(test_chain_ids),
            cmocka_unit_test(test_rfc3339),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/sha256.h"
#include "basic/strutil.h"
#include "image/image.h"
#include "image/reference.h"
#include "basic/banned.h"

struct fx {
        char *dir;
        char *root;
        struct berth_image_store *s;
};

static int setup(void **state)
{
        struct fx *f = calloc(1, sizeof(*f));
        char tmpl[] = "/tmp/berth-test-image-XXXXXX";
        assert_non_null(mkdtemp(tmpl));
        f->dir = strdup(tmpl);
        f->root = berth_strdup_printf("%s/root", tmpl);
        struct berth_error err = {0};
        if (berth_image_store_open(f->root, &f->s, &err) < 0)
                fail_msg("%s", err.msg);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fx *f = *state;
        berth_image_store_close(f->s);
        berth_rm_rf_at(AT_FDCWD, f->dir);
        free(f->dir);
        free(f->root);
        free(f);
        return 0;
}

static void digest_of(const char *s, char out[BERTH_DIGEST_MAX])
{
        uint8_t d[32];
        char hex[65];
        berth_sha256(s, strlen(s), d);
        berth_sha256_hex(d, hex);
        snprintf(out, BERTH_DIGEST_MAX, "sha256:%s", hex);
}

/* Make an image whose layers have the diff ids of "layer-<name>" for each name in `layers`
 * (space separated), unpack (claim + ready) them, store config/manifest/layer blobs and
 * record it.  Returns the image id (malloc'ed). */
static char *make_image(struct berth_image_store *s, const char *layers, int64_t created,
                        const char *tag)
{
        struct berth_error err = {0};
        char diff[16][BERTH_DIGEST_MAX], blob[16][BERTH_DIGEST_MAX];
        size_t n = 0;
        struct berth_buf cfg = {0}, ids = {0}, hist = {0};
        _cleanup_free_ char *copy = strdup(layers);
        char *save = NULL;
        for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save), n++) {
                char content[64];
                snprintf(content, sizeof(content), "layer-%s", t);
                digest_of(content, diff[n]);
                snprintf(content, sizeof(content), "blob-%s", t);
                assert_int_equal(berth_blobstore_put(berth_image_store_blobs(s), content,
                                                     strlen(content), NULL, blob[n], &err),
                                 0);
                berth_buf_printf(&ids, "%s\"%s\"", n ? "," : "", diff[n]);
                berth_buf_printf(&hist,
                                 "%s{\"created_by\":\"ADD %s\"},{\"created_by\":\"ENV x\","
                                 "\"empty_layer\":true}",
                                 n ? "," : "", t);
        }
        struct tm tm;
        time_t ct = (time_t)created;
        gmtime_r(&ct, &tm);
        char when[64];
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        berth_buf_printf(&cfg,
                         "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"%s\","
                         "\"config\":{\"Cmd\":[\"sh\"],\"Labels\":{\"layers\":\"%s\"}},"
                         "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[%s]},\"history\":[%s]}",
                         when, layers, ids.data ? ids.data : "", hist.data ? hist.data : "");
        struct berth_image_config *c = NULL;
        if (berth_image_config_parse(cfg.data, cfg.len, &c, &err) < 0)
                fail_msg("%s", err.msg);
        char **chain = NULL;
        char *dv[17];
        for (size_t i = 0; i < n; i++)
                dv[i] = diff[i];
        dv[n] = NULL;
        assert_int_equal(berth_layer_chain_ids(dv, n, &chain, NULL), 0);
        for (size_t i = 0; i < n; i++) {
                struct berth_layer_info l;
                int r = berth_image_layer_claim(s, chain[i], diff[i], i ? chain[i - 1] : NULL,
                                                blob[i], &l, &err);
                if (r < 0)
                        fail_msg("claim: %s", err.msg);
                if (r == 0) {
                        /* "Unpack": a directory with a file. */
                        int lfd = berth_image_store_layers_fd(s);
                        assert_int_equal(mkdirat(lfd, l.dir, 0755), 0);
                        assert_int_equal(
                            berth_image_layer_ready(s, chain[i], 1000 * (int64_t)(i + 1), &err), 0);
                } else {
                        assert_true(l.ready);
                }
                berth_layer_info_clear(&l);
        }
        berth_strv_free(chain);
        char cfgd[BERTH_DIGEST_MAX], mand[BERTH_DIGEST_MAX];
        assert_int_equal(
            berth_blobstore_put(berth_image_store_blobs(s), cfg.data, cfg.len, NULL, cfgd, &err),
            0);
        assert_string_equal(cfgd, c->digest);
        struct berth_buf man = {0};
        berth_buf_printf(&man, "{\"schemaVersion\":2,\"config\":{\"digest\":\"%s\"},\"n\":\"%s\"}",
                         cfgd, layers);
        assert_int_equal(
            berth_blobstore_put(berth_image_store_blobs(s), man.data, man.len, NULL, mand, &err),
            0);
        struct berth_image_blob blobs[18];
        size_t nb = 0;
        blobs[nb++] = (struct berth_image_blob){cfgd, BERTH_MT_OCI_CONFIG};
        blobs[nb++] = (struct berth_image_blob){mand, BERTH_MT_OCI_MANIFEST};
        for (size_t i = 0; i < n; i++)
                blobs[nb++] = (struct berth_image_blob){blob[i], BERTH_MT_OCI_LAYER_GZIP};
        char rd[300];
        if (tag) {
                struct berth_reference ref;
                assert_int_equal(berth_reference_parse(tag, true, &ref, NULL), 0);
                char *name = berth_reference_name(&ref);
                snprintf(rd, sizeof(rd), "%s@%s", name, mand);
                free(name);
                berth_reference_clear(&ref);
        }
        struct berth_image_record rec = {
            .config = c,
            .manifest_digest = mand,
            .manifest_media_type = BERTH_MT_OCI_MANIFEST,
            .blobs = blobs,
            .n_blobs = nb,
            .tag = tag,
            .repo_digest = tag ? rd : NULL,
        };
        if (berth_image_record(s, &rec, &err) < 0)
                fail_msg("record: %s", err.msg);
        char *id = strdup(c->digest);
        berth_image_config_free(c);
        berth_buf_free(&cfg);
        berth_buf_free(&ids);
        berth_buf_free(&hist);
        berth_buf_free(&man);
        return id;
}

static int64_t q(struct berth_image_store *s, const char *sql)
{
        sqlite3_stmt *st;
        struct berth_db *db = berth_image_store_db(s);
        assert_int_equal(berth_db_prepare(db, sql, &st, NULL), 0);
        assert_int_equal(berth_db_step(db, st, NULL), 1);
        int64_t v = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return v;
}

static void expect_resolve(struct berth_image_store *s, const char *name, const char *id)
{
        char *got = NULL;
        struct berth_error err = {0};
        if (berth_image_resolve(s, name, &got, &err) < 0)
                fail_msg("resolve '%s': %s", name, err.msg);
        assert_string_equal(got, id);
        free(got);
}

static void test_record_lookup(void **state)
{
        struct fx *f = *state;
        struct berth_error err = {0};
        char *id = make_image(f->s, "a b", 1700000000, "busybox");
        expect_resolve(f->s, "busybox", id);
        expect_resolve(f->s, "busybox:latest", id);
        expect_resolve(f->s, "docker.io/library/busybox:latest", id);
        expect_resolve(f->s, id, id);
        expect_resolve(f->s, id + 7, id);
        char prefix[20];
        snprintf(prefix, sizeof(prefix), "%.12s", id + 7);
        expect_resolve(f->s, prefix, id);
        snprintf(prefix, sizeof(prefix), "sha256:%.5s", id + 7);
        expect_resolve(f->s, prefix, id);
        char *missing = NULL;
        assert_int_equal(berth_image_resolve(f->s, "busybox:1.0", &missing, &err), -ENOENT);
        assert_non_null(strstr(err.msg, "no such image: busybox:1.0"));
        assert_int_equal(berth_image_resolve(f->s, "sha256:zz", &missing, &err), -EINVAL);

        struct berth_image_info *info = NULL;
        assert_int_equal(berth_image_get(f->s, "busybox", &info, &err), 0);
        assert_string_equal(info->id, id);
        assert_int_equal(info->created, 1700000000);
        assert_int_equal(info->size, 1000 + 2000);
        assert_string_equal(info->platform, "linux/amd64");
        assert_int_equal(info->n_layers, 2);
        assert_string_equal(info->top_chain_id, info->chain_ids[1]);
        assert_string_equal(info->tags[0], "docker.io/library/busybox:latest");
        assert_null(info->tags[1]);
        assert_true(berth_startswith(info->digests[0], "docker.io/library/busybox@sha256:"));
        /* By repo digest. */
        expect_resolve(f->s, info->digests[0], id);
        berth_image_info_free(info);

        struct berth_image_config *c = NULL;
        assert_int_equal(berth_image_get_config(f->s, "busybox", &c, &err), 0);
        assert_string_equal(c->cmd[0], "sh");
        berth_image_config_free(c);
        char **blobs = NULL;
        assert_int_equal(berth_image_get_blobs(f->s, "busybox", &blobs, &err), 0);
        assert_int_equal(berth_strv_length(blobs), 4);
        berth_strv_free(blobs);

        /* Untagged but pulled by digest: dangling, listed under its repository. */
        assert_int_equal(berth_image_untag(f->s, "busybox", &err), 0);
        struct berth_image_summary *v = NULL;
        size_t n = 0;
        assert_int_equal(berth_image_list(f->s, BERTH_IMAGES_DANGLING, &v, &n, &err), 0);
        assert_int_equal(n, 1);
        assert_true(v[0].dangling);
        assert_null(v[0].tag);
        assert_string_equal(v[0].repo, "docker.io/library/busybox");
        assert_non_null(v[0].digest);
        berth_image_list_free(v, n);
        assert_int_equal(berth_image_tag(f->s, id, "busybox", &err), 0);

        /* Recording the same image again only adds the tag; refcounts are unchanged. */
        char *again = make_image(f->s, "a b", 1700000000, "busybox:other");
        assert_string_equal(again, id);
        assert_int_equal(q(f->s, "SELECT count(*) FROM images"), 1);
        assert_int_equal(q(f->s, "SELECT max(refcount) FROM layers"), 1);
        assert_int_equal(q(f->s, "SELECT count(*) FROM image_tags"), 2);
        free(again);
        free(id);
}

static void test_record_needs_ready_layers(void **state)
{
        struct fx *f = *state;
        struct berth_error err = {0};
        char diff[BERTH_DIGEST_MAX];
        digest_of("layer-x", diff);
        char cfg[512];
        snprintf(cfg, sizeof(cfg),
                 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                 "\"diff_ids\":[\"%s\"]}}",
                 diff);
        struct berth_image_config *c = NULL;
        assert_int_equal(berth_image_config_parse(cfg, strlen(cfg), &c, NULL), 0);
        struct berth_image_record rec = {.config = c, .tag = "x"};
        assert_int_equal(berth_image_record(f->s, &rec, &err), -ENOENT);
        assert_non_null(strstr(err.msg, "not unpacked"));
        /* Claimed but not ready: still refused, and nothing was written. */
        struct berth_layer_info l;
        assert_int_equal(berth_image_layer_claim(f->s, diff, diff, NULL, NULL, &l, &err), 0);
        assert_false(l.ready);
        assert_int_equal(berth_image_record(f->s, &rec, &err), -ENOENT);
        assert_int_equal(q(f->s, "SELECT count(*) FROM images"), 0);
        assert_int_equal(q(f->s, "SELECT count(*) FROM image_tags"), 0);
        /* A claim by this process again gives the same directory. */
        struct berth_layer_info l2;
        assert_int_equal(berth_image_layer_claim(f->s, diff, diff, NULL, NULL, &l2, &err), 0);
        assert_string_equal(l.dir, l2.dir);
        berth_layer_info_clear(&l2);
        /* A blob that is not stored is refused. */
        assert_int_equal(berth_image_layer_ready(f->s, diff, 5, &err), 0);
        char nob[BERTH_DIGEST_MAX];
        digest_of("never stored", nob);
        struct berth_image_blob b = {nob, NULL};
        rec.blobs = &b;
        rec.n_blobs = 1;
        assert_int_equal(berth_image_record(f->s, &rec, &err), -ENOENT);
        assert_int_equal(q(f->s, "SELECT count(*) FROM images"), 0);
        rec.n_blobs = 0;
        assert_int_equal(berth_image_record(f->s, &rec, &err), 0);
        assert_int_equal(q(f->s, "SELECT refcount FROM layers"), 1);
        /* Ready twice is an error: the claim is gone. */
        assert_int_equal(berth_image_layer_ready(f->s, diff, 5, &err), -ESTALE);
        /* A bad parent is refused. */
        char other[BERTH_DIGEST_MAX];
        digest_of("other", other);
        assert_int_equal(berth_image_layer_claim(f->s, other, other, nob, NULL, &l2, &err),
                         -ENOENT);
        berth_layer_info_clear(&l);
        berth_image_config_free(c);
}

/* A layer being unpacked by a live process is -EBUSY for others; once that process is
 * gone, the next claimer takes the row (and its directory name) over. */
static void test_layer_claim_busy(void **state)
{
        struct fx *f = *state;
        struct berth_error err = {0};
        char chain[BERTH_DIGEST_MAX];
        digest_of("busy", chain);
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct berth_image_store *cs = NULL;
                struct berth_layer_info l;
                if (berth_image_store_open(f->root, &cs, NULL) < 0 ||
                    berth_image_layer_claim(cs, chain, chain, NULL, NULL, &l, NULL) != 0)
                        _exit(1);
                if (write(p[1], l.dir, strlen(l.dir)) < 0)
                        _exit(1);
                pause();
                _exit(0);
        }
        char dir[64] = {0};
        assert_true(read(p[0], dir, sizeof(dir) - 1) > 0);
        struct berth_layer_info l;
        assert_int_equal(berth_image_layer_claim(f->s, chain, chain, NULL, NULL, &l, &err), -EBUSY);
        assert_non_null(strstr(err.msg, "being unpacked"));
        /* Not ours: ready and abandon leave it alone. */
        assert_int_equal(berth_image_layer_ready(f->s, chain, 1, &err), -ESTALE);
        assert_int_equal(berth_image_layer_abandon(f->s, chain, &err), 0);
        assert_int_equal(berth_image_layer_get(f->s, chain, &l, &err), 0);
        berth_layer_info_clear(&l);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        close(p[0]);
        close(p[1]);
        assert_int_equal(berth_image_layer_claim(f->s, chain, chain, NULL, NULL, &l, &err), 0);
        assert_string_equal(l.dir, dir);
        berth_layer_info_clear(&l);
        /* Abandoned by its owner: the row goes. */
        assert_int_equal(berth_image_layer_abandon(f->s, chain, &err), 0);
        assert_int_equal(berth_image_layer_get(f->s, chain, &l, &err), -ENOENT);
}

static void test_tags_and_prefixes(void **state)
{
        struct fx *f = *state;
        struct berth_error err = {0};
        /* Make images until two ids share a first hex digit. */
        char *ids[40] = {0};
        int a = -1, b = -1;
        for (int i = 0; i < 40 && a < 0; i++) {
                char layers[16];
                snprintf(layers, sizeof(layers), "p%d", i);
                ids[i] = make_image(f->s, layers, 1600000000 + i, NULL);
                for (int j = 0; j < i; j++)
                        if (ids[j][7] == ids[i][7]) {
                                a = j;
                                b = i;
                                break;
                        }
        }
        assert_true(a >= 0);
        char one[2] = {ids[a][7], 0};
        char *got = NULL;
        assert_int_equal(berth_image_resolve(f->s, one, &got, &err), -ENOTUNIQ);
        assert_non_null(strstr(err.msg, "ambiguous"));
        char prefix[80];
        snprintf(prefix, sizeof(prefix), "sha256:%s", one);
        assert_int_equal(berth_image_resolve(f->s, prefix, &got, &err), -ENOTUNIQ);
        /* A longer prefix tells them apart (they differ somewhere). */
        size_t k = 0;
        while (ids[a][7 + k] == ids[b][7 + k])
                k++;
        snprintf(prefix, sizeof(prefix), "%.*s", (int)k + 1, ids[b] + 7);
        expect_resolve(f->s, prefix, ids[b]);

        /* Tag, retag (moves), untag. */
        assert_int_equal(berth_image_tag(f->s, ids[a], "me/app:1", &err), 0);
        expect_resolve(f->s, "me/app:1", ids[a]);
        assert_int_equal(berth_image_tag(f->s, ids[b], "docker.io/me/app:1", &err), 0);
        expect_resolve(f->s, "me/app:1", ids[b]);
        assert_int_equal(berth_image_tag(f->s, "me/app:1", "localhost:5000/x", &err), 0);
        expect_resolve(f->s, "localhost:5000/x:latest", ids[b]);
        assert_int_equal(
            berth_image_tag(f->s, ids[a],
                            "x@sha256:"
                            "0000000000000000000000000000000000000000000000000000000000000000",
                            &err),
            -EINVAL);
        assert_int_equal(berth_image_tag(f->s, ids[a], "Bad", &err), -EINVAL);
        assert_int_equal(berth_image_tag(f->s, "nosuch", "y", &err), -ENOENT);
        assert_int_equal(berth_image_untag(f->s, "me/app:1", &err), 0);
        assert_int_equal(berth_image_untag(f->s, "me/app:1", &err), -ENOENT);
        assert_int_equal(berth_image_resolve(f->s, "me/app:1", &got, &err), -ENOENT);

        /* Listing: dangling vs tagged. */
        struct berth_image_summary *v = NULL;
        size_t n = 0;
        assert_int_equal(berth_image_list(f->s, BERTH_IMAGES_TAGGED, &v, &n, &err), 0);
        assert_int_equal(n, 1);
        assert_string_equal(v[0].repo, "localhost:5000/x");
        assert_string_equal(v[0].tag, "latest");
        assert_string_equal(v[0].id, ids[b]);
        assert_false(v[0].dangling);
        berth_image_list_free(v, n);
        int total = b + 1;
        assert_int_equal(berth_image_list(f->s, BERTH_IMAGES_DANGLING, &v, &n, &err), 0);
        assert_int_equal(n, (size_t)total - 1);
        for (size_t i = 0; i < n; i++) {
                assert_true(v[i].dangling);
                assert_null(v[i].tag);
                if (i)
                        assert_true(v[i - 1].created >= v[i].created); /* newest first */
        }
        berth_image_list_free(v, n);
        assert_int_equal(berth_image_list(f->s, BERTH_IMAGES_ALL, &v, &n, &err), 0);
        assert_int_equal(n, (size_t)total);
        berth_image_list_free(v, n);
        for (int i = 0; i < 40; i++)
                free(ids[i]);
}

struct use {
        const char *busy_id;
};

static int in_use(const char *id, void *ud, struct berth_error *err)
{
        struct use *u = ud;
        if (u->busy_id && !strcmp(id, u->busy_id))
                return berth_error_set(err, EBUSY, "image is used by container c1"), 1;
        return 0;
}

static bool dir_exists(struct fx *f, const char *dir)
{
        struct stat st;
        return fstatat(berth_image_store_layers_fd(f->s), dir, &st, 0) == 0;
}

static void test_remove_refcounts(void **state)
{
        struct fx *f = *state;
        struct berth_error err = {0};
        struct use u = {0};
        /* Two images sharing the bottom layer "base". */
        char *x = make_image(f->s, "base x1", 100, "x");
        char *y = make_image(f->s, "base y1 y2", 200, "y");
        struct berth_image_usage du;
        assert_int_equal(berth_image_disk_usage(f->s, &du, &err), 0);
        assert_int_equal(du.images, 2);
        assert_int_equal(du.dangling, 0);
        assert_int_equal(du.layers, 4);
        /* make_image sizes layer i as 1000 * (i + 1): base 1000, x1 2000, y1 2000, y2 3000 */
        assert_int_equal(du.layers_size, 8000);
        assert_int_equal(du.shared_size, 1000);
        assert_int_equal(du.blobs, 2 * 2 + 4); /* configs, manifests, 4 distinct layer blobs */
        assert_int_equal(q(f->s, "SELECT count(*) FROM layers"), 4);
        assert_int_equal(q(f->s, "SELECT refcount FROM layers WHERE parent IS NULL"), 2);
        assert_int_equal(berth_image_tag(f->s, "x", "x:two", &err), 0);

        /* A tag of an image with two tags: only untagged. */
        struct berth_image_removal out = {0};
        assert_int_equal(berth_image_remove(f->s, "x:two", false, in_use, &u, &out, &err), 0);
        assert_string_equal(out.untagged[0], "docker.io/library/x:two");
        assert_null(out.deleted);
        berth_image_removal_clear(&out);
        /* By id with several tags: needs force. */
        assert_int_equal(berth_image_tag(f->s, "x", "x:two", &err), 0);
        assert_int_equal(berth_image_remove(f->s, x, false, in_use, &u, &out, &err), -EBUSY);
        assert_non_null(strstr(err.msg, "must be forced"));
        /* In use: refused even with force; with force and a tag named, the tag goes. */
        u.busy_id = x;
        assert_int_equal(berth_image_remove(f->s, x, true, in_use, &u, &out, &err), -EBUSY);
        assert_non_null(strstr(err.msg, "container c1"));
        assert_int_equal(berth_image_untag(f->s, "x:two", &err), 0);
        assert_int_equal(berth_image_remove(f->s, "x", false, in_use, &u, &out, &err), -EBUSY);
        assert_int_equal(berth_image_remove(f->s, "x", true, in_use, &u, &out, &err), 0);
        assert_string_equal(out.untagged[0], "docker.io/library/x:latest");
        assert_null(out.deleted);
        berth_image_removal_clear(&out);
        expect_resolve(f->s, x, x); /* still there, dangling */
        u.busy_id = NULL;

        /* Delete x: base stays (y holds it), x1 goes. */
        struct berth_image_info *yi = NULL;
        assert_int_equal(berth_image_get(f->s, y, &yi, &err), 0);
        assert_int_equal(berth_image_remove(f->s, x, false, in_use, &u, &out, &err), 0);
        assert_string_equal(out.deleted[0], x);
        assert_int_equal(berth_strv_length(out.layer_dirs), 1);
        assert_true(dir_exists(f, out.layer_dirs[0]));
        /* blobs: config, manifest and x1's layer blob went; base's is still held by y. */
        assert_int_equal(berth_strv_length(out.blobs), 3);
        assert_int_equal(berth_blobstore_exists(berth_image_store_blobs(f->s), out.blobs[0], NULL),
                         0);
        assert_int_equal(berth_image_remove_layer_dirs(f->s, out.layer_dirs, &err), 0);
        assert_false(dir_exists(f, out.layer_dirs[0]));
        berth_image_removal_clear(&out);
        assert_int_equal(q(f->s, "SELECT count(*) FROM layers"), 3);
        assert_int_equal(q(f->s, "SELECT refcount FROM layers WHERE parent IS NULL"), 1);
        assert_int_equal(berth_image_resolve(f->s, x, &(char *){NULL}, &err), -ENOENT);

        /* Delete y by its tag: every layer goes, top first. */
        assert_int_equal(berth_image_remove(f->s, "y", false, in_use, &u, &out, &err), 0);
        assert_int_equal(berth_strv_length(out.layer_dirs), 3);
        assert_int_equal(q(f->s, "SELECT count(*) FROM layers"), 0);
        assert_int_equal(q(f->s, "SELECT count(*) FROM blobs"), 0);
        assert_int_equal(q(f->s, "SELECT count(*) FROM image_tags"), 0);
        assert_int_equal(q(f->s, "SELECT count(*) FROM image_digests"), 0);
        assert_int_equal(berth_image_remove_layer_dirs(f->s, out.layer_dirs, &err), 0);
        berth_image_removal_clear(&out);
        char **left = NULL;
        assert_int_equal(berth_blobstore_list(berth_image_store_blobs(f->s), &left, NULL), 0);
        assert_null(left[0]);
        berth_strv_free(left);
        assert_int_equal(berth_image_remove(f->s, "y", false, NULL, NULL, &out, &err), -ENOENT);

        /* Nested in a command's transaction that rolls back: the image is back, with its
         * blobs (files are only removed after the outermost commit). */
        char *z = make_image(f->s, "z1", 400, "z");
        struct berth_db *db = berth_image_store_db(f->s);
        assert_int_equal(berth_db_begin(db, &err), 0);
        assert_int_equal(berth_image_remove(f->s, "z", false, NULL, NULL, &out, &err), 0);
        assert_int_equal(berth_strv_length(out.blobs), 3);
        struct berth_image_gc_result gc = {0};
        assert_int_equal(berth_image_gc(f->s, 0, &gc, &err), -EINVAL);
        berth_db_rollback(db);
        char **zb = NULL;
        assert_int_equal(berth_image_get_blobs(f->s, "z", &zb, &err), 0);
        for (size_t i = 0; zb[i]; i++)
                assert_int_equal(berth_blobstore_exists(berth_image_store_blobs(f->s), zb[i], NULL),
                                 1);
        berth_strv_free(zb);
        berth_image_removal_clear(&out);
        /* Committed: rows gone, files left for gc. */
        assert_int_equal(berth_db_begin(db, &err), 0);
        assert_int_equal(berth_image_remove(f->s, "z", false, NULL, NULL, &out, &err), 0);
        assert_int_equal(berth_db_commit(db, &err), 0);
        assert_int_equal(berth_blobstore_exists(berth_image_store_blobs(f->s), out.blobs[0], NULL),
                         1);
        assert_int_equal(berth_image_gc(f->s, 0, &gc, &err), 0);
        assert_int_equal(berth_blobstore_exists(berth_image_store_blobs(f->s), out.blobs[0], NULL),
                         0);
        assert_int_equal(berth_strv_length(gc.blobs), 3);
        assert_int_equal(berth_strv_length(gc.layer_dirs), 1); /* z1's dir, row gone */
        berth_image_gc_result_clear(&gc);
        berth_image_removal_clear(&out);
        free(z);
        berth_image_info_free(yi);
        free(x);
        free(y);
}

static void test_history(void **state)
{
        struct fx *f = *state;
        struct berth_error err = {0};
        char *id = make_image(f->s, "h1 h2", 300, "h");
        struct berth_image_history_entry *v = NULL;
        size_t n = 0;
        assert_int_equal(berth_image_history(f->s, "h", &v, &n, &err), 0);
        assert_int_equal(n, 4);
        /* Newest first: ENV (empty), ADD h2 (2000), ENV (empty), ADD h1 (1000). */
        assert_string_equal(v[0].id, id);
        assert_null(v[1].id);
        assert_true(v[0].empty_layer);
        assert_int_equal(v[0].size, 0);
        assert_string_equal(v[1].created_by, "ADD h2");
        assert_int_equal(v[1].size, 2000);
        assert_string_equal(v[3].created_by, "ADD h1");
        assert_int_equal(v[3].size, 1000);
        berth_image_history_free(v, n);
        free(id);
}

static void test_prune_and_gc(void **state)
{
        struct fx *f = *state;
        struct berth_error err = {0};
        struct use u = {0};
        char *keep = make_image(f->s, "k1", 100, "keep");
        char *dang = make_image(f->s, "d1", 200, "dang");
        char *used = make_image(f->s, "u1", 300, NULL);
        assert_int_equal(berth_image_untag(f->s, "dang", &err), 0);
        u.busy_id = used;
        struct berth_image_removal out = {0};
        assert_int_equal(berth_image_prune(f->s, false, in_use, &u, &out, &err), 0);
        assert_int_equal(berth_strv_length(out.deleted), 1);
        assert_string_equal(out.deleted[0], dang);
        /* prune removed the layer directory itself. */
        assert_int_equal(berth_strv_length(out.layer_dirs), 1);
        assert_false(dir_exists(f, out.layer_dirs[0]));
        berth_image_removal_clear(&out);
        expect_resolve(f->s, keep, keep);
        expect_resolve(f->s, used, used);

        /* Garbage: a blob no image holds, a layer directory with no row, an incomplete
         * layer claimed by a process that died, a ready layer no image holds. */
        char orphan[BERTH_DIGEST_MAX];
        assert_int_equal(
            berth_blobstore_put(berth_image_store_blobs(f->s), "orphan", 6, NULL, orphan, &err), 0);
        int lfd = berth_image_store_layers_fd(f->s);
        assert_int_equal(mkdirat(lfd, "straydir", 0700), 0);
        char dead_chain[BERTH_DIGEST_MAX], free_chain[BERTH_DIGEST_MAX];
        digest_of("dead", dead_chain);
        digest_of("free", free_chain);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct berth_image_store *cs = NULL;
                struct berth_layer_info l;
                if (berth_image_store_open(f->root, &cs, NULL) < 0 ||
                    berth_image_layer_claim(cs, dead_chain, dead_chain, NULL, NULL, &l, NULL) != 0)
                        _exit(1);
                if (mkdirat(berth_image_store_layers_fd(cs), l.dir, 0700) < 0)
                        _exit(1);
                raise(SIGKILL);
        }
        int status;
        waitpid(pid, &status, 0);
        assert_true(WIFSIGNALED(status));
        struct berth_layer_info l;
        /* Another process claiming it while the dead one's row is there takes it over. */
        assert_int_equal(berth_image_layer_get(f->s, dead_chain, &l, &err), 0);
        assert_false(l.ready);
        char *dead_dir = strdup(l.dir);
        berth_layer_info_clear(&l);
        assert_int_equal(
            berth_image_layer_claim(f->s, free_chain, free_chain, NULL, NULL, &l, &err), 0);
        assert_int_equal(mkdirat(lfd, l.dir, 0700), 0);
        assert_int_equal(berth_image_layer_ready(f->s, free_chain, 1, &err), 0);
        char *free_dir = strdup(l.dir);
        berth_layer_info_clear(&l);

        /* With the default grace, fresh unreferenced files and rows stay... */
        struct berth_image_gc_result gc = {0};
        assert_int_equal(berth_image_gc(f->s, BERTH_BLOB_TMP_MAX_AGE, &gc, &err), 0);
        assert_int_equal(berth_blobstore_exists(berth_image_store_blobs(f->s), orphan, NULL), 1);
        assert_true(dir_exists(f, "straydir"));
        assert_true(dir_exists(f, free_dir));
        /* ...but the dead writer's incomplete layer goes at once. */
        assert_false(dir_exists(f, dead_dir));
        assert_int_equal(berth_image_layer_get(f->s, dead_chain, &l, NULL), -ENOENT);
        berth_image_gc_result_clear(&gc);
        /* With no grace, everything unreferenced goes; images keep theirs. */
        assert_int_equal(berth_image_gc(f->s, 0, &gc, &err), 0);
        assert_int_equal(berth_blobstore_exists(berth_image_store_blobs(f->s), orphan, NULL), 0);
        assert_false(dir_exists(f, "straydir"));
        assert_false(dir_exists(f, free_dir));
        assert_int_equal(q(f->s, "SELECT count(*) FROM layers"), 2);
        assert_int_equal(q(f->s, "SELECT count(*) FROM images"), 2);
        char **blobs = NULL;
        assert_int_equal(berth_image_get_blobs(f->s, keep, &blobs, &err), 0);
        for (size_t i = 0; blobs[i]; i++)
                assert_int_equal(
                    berth_blobstore_exists(berth_image_store_blobs(f->s), blobs[i], NULL), 1);
        berth_strv_free(blobs);
        berth_image_gc_result_clear(&gc);
        /* prune -a with one image in use deletes the other. */
        assert_int_equal(berth_image_prune(f->s, true, in_use, &u, &out, &err), 0);
        assert_int_equal(berth_strv_length(out.deleted), 1);
        assert_string_equal(out.deleted[0], keep);
        berth_image_removal_clear(&out);
        free(dead_dir);
        free(free_dir);
        free(keep);
        free(dang);
        free(used);
}

/* A process killed inside the transaction recording an image leaves no trace of it. */
static void test_crash_mid_record(void **state)
{
        struct fx *f = *state;
        struct berth_error err = {0};
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct berth_image_store *cs = NULL;
                if (berth_image_store_open(f->root, &cs, NULL) < 0)
                        _exit(1);
                /* The command's one transaction, with the record nested inside it. */
                if (berth_db_begin(berth_image_store_db(cs), NULL) < 0)
                        _exit(1);
                char *id = make_image(cs, "c1 c2", 1, "crash");
                free(id);
                if (write(p[1], "x", 1) != 1)
                        _exit(1);
                pause();
                _exit(0);
        }
        char x;
        assert_int_equal(read(p[0], &x, 1), 1);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        close(p[0]);
        close(p[1]);
        /* A fresh store (as the next command would open it). */
        struct berth_image_store *s2 = NULL;
        assert_int_equal(berth_image_store_open(f->root, &s2, &err), 0);
        char *got = NULL;
        assert_int_equal(berth_image_resolve(s2, "crash", &got, &err), -ENOENT);
        assert_int_equal(q(s2, "SELECT count(*) FROM images"), 0);
        assert_int_equal(q(s2, "SELECT count(*) FROM image_layers"), 0);
        assert_int_equal(q(s2, "SELECT count(*) FROM blobs"), 0);
        /* The claims made by the make_image (committed layer rows, inside the outer
         * transaction here: so also gone) and the blobs written before the commit are
         * garbage that gc removes. */
        struct berth_image_gc_result gc = {0};
        assert_int_equal(berth_image_gc(s2, 0, &gc, &err), 0);
        assert_true(berth_strv_length(gc.blobs) >= 4);
        berth_image_gc_result_clear(&gc);
        char **left = NULL;
        assert_int_equal(berth_blobstore_list(berth_image_store_blobs(s2), &left, NULL), 0);
        assert_null(left[0]);
        berth_strv_free(left);
        assert_int_equal(q(s2, "SELECT count(*) FROM layers"), 0);
        struct berth_image_summary *v = NULL;
        size_t n = 0;
        assert_int_equal(berth_image_list(s2, BERTH_IMAGES_ALL, &v, &n, &err), 0);
        assert_int_equal(n, 0);
        berth_image_list_free(v, n);
        berth_image_store_close(s2);
}

/* 1,000 images: the list works in one query (timing belongs in bench/). */
static void test_many_images(void **state)
{
        struct fx *f = *state;
        struct berth_error err = {0};
        struct berth_db *db = berth_image_store_db(f->s);
        assert_int_equal(berth_db_begin(db, &err), 0);
        for (int i = 0; i < 1000; i++) {
                char layers[32], tag[32];
                snprintf(layers, sizeof(layers), "m%d", i);
                snprintf(tag, sizeof(tag), "many/img:%d", i);
                free(make_image(f->s, layers, 1000 + i, i % 10 ? tag : NULL));
        }
        assert_int_equal(berth_db_commit(db, &err), 0);
        struct berth_image_summary *v = NULL;
        size_t n = 0;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(berth_image_list(f->s, BERTH_IMAGES_ALL, &v, &n, &err), 0);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        assert_int_equal(n, 1000);
        assert_int_equal(v[0].created, 1999);
        assert_string_equal(v[0].tag, "999");
        assert_non_null(v[0].digest);
        /* Untagged (image 990): dangling, but named by the repo it has a digest in. */
        assert_true(v[999 - 990].dangling);
        assert_null(v[999 - 990].tag);
        assert_null(v[999 - 990].repo); /* make_image gives untagged images no digest */
        print_message("listed %zu images in %.2f ms\n", n,
                      (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
        berth_image_list_free(v, n);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_record_lookup, setup, teardown),
            cmocka_unit_test_setup_teardown(test_record_needs_ready_layers, setup, teardown),
            cmocka_unit_test_setup_teardown(test_layer_claim_busy, setup, teardown),
            cmocka_unit_test_setup_teardown(test_tags_and_prefixes, setup, teardown),
            cmocka_unit_test_setup_teardown(test_remove_refcounts, setup, teardown),
            cmocka_unit_test_setup_teardown(test_history, setup, teardown),
            cmocka_unit_test_setup_teardown(test_prune_and_gc, setup, teardown),
            cmocka_unit_test_setup_teardown(test_crash_mid_record, setup, teardown),
            cmocka_unit_test_setup_teardown(test_many_images, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Image records over the state database and the blob store.  See image.h. */
#include "image/image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/strutil.h"
#include "image/reference.h"
#include "basic/banned.h"

struct berth_image_store {
        char *root;
        struct berth_db *db;
        struct berth_blobstore *bs;
        int layersfd;
};

static int64_t now_s(void)
{
        return (int64_t)time(NULL);
}

static int oom(struct berth_error *err)
{
        return berth_error_set(err, ENOMEM, "out of memory");
}

int berth_image_store_open(const char *root, struct berth_image_store **out,
                           struct berth_error *err)
{
        struct berth_image_store *s = calloc(1, sizeof(*s));
        if (!s)
                return oom(err);
        s->layersfd = -1;
        s->root = strdup(root);
        if (!s->root) {
                free(s);
                return oom(err);
        }
        int r = berth_db_open(root, &s->db, err);
        if (r >= 0)
                r = berth_blobstore_open(root, &s->bs, err);
        if (r >= 0) {
                _cleanup_free_ char *p = berth_strdup_printf("%s/%s", root, BERTH_LAYERS_DIR);
                if (!p)
                        r = oom(err);
                else if ((r = berth_mkdir_p(p, 0700)) < 0)
                        r = berth_error_set(err, -r, "create '%s': %s", p, strerror(-r));
                else if ((s->layersfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) <
                         0)
                        r = berth_error_errno(err, "open '%s'", p);
        }
        if (r < 0) {
                berth_image_store_close(s);
                return r;
        }
        *out = s;
        return 0;
}

void berth_image_store_close(struct berth_image_store *s)
{
        if (!s)
                return;
        berth_db_close(s->db);
        berth_blobstore_close(s->bs);
        if (s->layersfd >= 0)
                close(s->layersfd);
        free(s->root);
        free(s);
}

struct berth_db *berth_image_store_db(struct berth_image_store *s)
{
        return s->db;
}

struct berth_blobstore *berth_image_store_blobs(struct berth_image_store *s)
{
        return s->bs;
}

int berth_image_store_layers_fd(struct berth_image_store *s)
{
        return s->layersfd;
}

/* Prepare a cached statement and bind text parameters (NULL binds NULL). */
static int prep(struct berth_image_store *s, const char *sql, sqlite3_stmt **st,
                struct berth_error *err, int n, ...)
{
        int r = berth_db_prepare(s->db, sql, st, err);
        if (r < 0)
                return r;
        va_list ap;
        va_start(ap, n);
        for (int i = 1; i <= n && r >= 0; i++)
                r = berth_db_bind_text(s->db, *st, i, va_arg(ap, const char *), err);
        va_end(ap);
        return r;
}

/* Strings of column 0 of every row of a prepared statement into a vector. */
static int collect_strings(struct berth_image_store *s, sqlite3_stmt *st, char ***out,
                           struct berth_error *err)
{
        _cleanup_strv_free_ char **v = calloc(1, sizeof(char *));
        if (!v)
                return oom(err);
        size_t n = 0;
        int r;
        while ((r = berth_db_step(s->db, st, err)) > 0) {
                const char *t = (const char *)sqlite3_column_text(st, 0);
                char **nv = realloc(v, (n + 2) * sizeof(char *));
                if (!nv) {
                        sqlite3_reset(st);
                        return oom(err);
                }
                v = nv;
                v[n] = strdup(t ? t : "");
                v[++n] = NULL;
                if (!v[n - 1]) {
                        sqlite3_reset(st);
                        return oom(err);
                }
        }
        if (r < 0)
                return r;
        *out = TAKE_PTR(v);
        return 0;
}

static int strv_add(char ***v, const char *s, struct berth_error *err)
{
        if (berth_strv_push(v, s) < 0)
                return oom(err);
        return 0;
}

/* ------------------------------------------------------------------ layers */

void berth_layer_info_clear(struct berth_layer_info *l)
{
        if (!l)
                return;
        free(l->chain_id);
        free(l->diff_id);
        free(l->parent);
        free(l->blob_digest);
        free(l->dir);
        memset(l, 0, sizeof(*l));
}

#define LAYER_COLS                                                                                 \
        "chain_id, diff_id, parent, blob_digest, dir, size, refcount, state, writer_pid, created"

static int layer_from_row(sqlite3_stmt *st, struct berth_layer_info *l, struct berth_error *err)
{
        memset(l, 0, sizeof(*l));
        if (berth_db_column_strdup(st, 0, &l->chain_id) < 0 ||
            berth_db_column_strdup(st, 1, &l->diff_id) < 0 ||
            berth_db_column_strdup(st, 2, &l->parent) < 0 ||
            berth_db_column_strdup(st, 3, &l->blob_digest) < 0 ||
            berth_db_column_strdup(st, 4, &l->dir) < 0) {
                berth_layer_info_clear(l);
                return oom(err);
        }
        l->size = sqlite3_column_int64(st, 5);
        l->refcount = sqlite3_column_int64(st, 6);
        l->ready = strcmp((const char *)sqlite3_column_text(st, 7), "ready") == 0;
        return 0;
}

int berth_image_layer_get(struct berth_image_store *s, const char *chain_id,
                          struct berth_layer_info *out, struct berth_error *err)
{
        sqlite3_stmt *st;
        int r =
            prep(s, "SELECT " LAYER_COLS " FROM layers WHERE chain_id = ?1", &st, err, 1, chain_id);
        if (r < 0)
                return r;
        r = berth_db_step(s->db, st, err);
        if (r == 0)
                return berth_error_set(err, ENOENT, "no such layer %s", chain_id);
        if (r > 0) {
                r = layer_from_row(st, out, err);
                sqlite3_reset(st);
        }
        return r;
}

static bool pid_alive(int64_t pid)
{
        if (pid <= 0 || pid > INT32_MAX)
                return false;
        return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

static int random_dir_name(char out[33])
{
        uint8_t b[16];
        if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
                return -EIO;
        for (size_t i = 0; i < sizeof(b); i++)
                snprintf(out + 2 * i, 3, "%02x", b[i]);
        return 0;
}

/* Inside a transaction: the existing row decides, or a new incomplete row is inserted. */
static int layer_claim_locked(struct berth_image_store *s, const char *chain_id,
                              const char *diff_id, const char *parent, const char *blob_digest,
                              struct berth_layer_info *out, struct berth_error *err)
{
        sqlite3_stmt *st;
        int r =
            prep(s, "SELECT " LAYER_COLS " FROM layers WHERE chain_id = ?1", &st, err, 1, chain_id);
        if (r < 0)
                return r;
        r = berth_db_step(s->db, st, err);
        if (r < 0)
                return r;
        if (r > 0) {
                int64_t pid = sqlite3_column_int64(st, 8), created = sqlite3_column_int64(st, 9);
                r = layer_from_row(st, out, err);
                sqlite3_reset(st);
                if (r < 0)
                        return r;
                if (out->ready)
                        return 1;
                if (pid != getpid() && pid_alive(pid) &&
                    now_s() - created < BERTH_BLOB_TMP_MAX_AGE) {
                        berth_layer_info_clear(out);
                        return berth_error_set(err, EBUSY, "layer %s is being unpacked by pid %lld",
                                               chain_id, (long long)pid);
                }
                r = prep(s, "UPDATE layers SET writer_pid = ?2, created = ?3 WHERE chain_id = ?1",
                         &st, err, 1, chain_id);
                if (r >= 0)
                        r = berth_db_bind_int64(s->db, st, 2, getpid(), err);
                if (r >= 0)
                        r = berth_db_bind_int64(s->db, st, 3, now_s(), err);
                if (r >= 0)
                        r = berth_db_step_done(s->db, st, err);
                if (r < 0)
                        berth_layer_info_clear(out);
                return r;
        }
        if ((r = berth_digest_validate(chain_id, err)) < 0 ||
            (r = berth_digest_validate(diff_id, err)) < 0 ||
            (parent && (r = berth_digest_validate(parent, err)) < 0) ||
            (blob_digest && (r = berth_digest_validate(blob_digest, err)) < 0))
                return r;
        if (parent) {
                struct berth_layer_info p;
                r = berth_image_layer_get(s, parent, &p, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "parent of layer %s", chain_id);
                berth_layer_info_clear(&p);
        }
        char dir[33];
        if (random_dir_name(dir) < 0)
                return berth_error_set(err, EIO, "getrandom failed");
        r = prep(s,
                 "INSERT INTO layers (chain_id, diff_id, parent, blob_digest, dir, state, "
                 "writer_pid, created) VALUES (?1, ?2, ?3, ?4, ?5, 'incomplete', ?6, ?7)",
                 &st, err, 5, chain_id, diff_id, parent, blob_digest, dir);
        if (r >= 0)
                r = berth_db_bind_int64(s->db, st, 6, getpid(), err);
        if (r >= 0)
                r = berth_db_bind_int64(s->db, st, 7, now_s(), err);
        if (r >= 0)
                r = berth_db_step_done(s->db, st, err);
        if (r < 0)
                return r;
        memset(out, 0, sizeof(*out));
        out->chain_id = strdup(chain_id);
        out->diff_id = strdup(diff_id);
        out->parent = parent ? strdup(parent) : NULL;
        out->blob_digest = blob_digest ? strdup(blob_digest) : NULL;
        out->dir = strdup(dir);
        if (!out->chain_id || !out->diff_id || !out->dir || (parent && !out->parent) ||
            (blob_digest && !out->blob_digest)) {
                berth_layer_info_clear(out);
                return oom(err);
        }
        return 0;
}

int berth_image_layer_claim(struct berth_image_store *s, const char *chain_id, const char *diff_id,
                            const char *parent, const char *blob_digest,
                            struct berth_layer_info *out, struct berth_error *err)
{
        int r = berth_db_begin(s->db, err);
        if (r < 0)
                return berth_error_prefix(err, r, "claim layer %s", chain_id);
        int res = layer_claim_locked(s, chain_id, diff_id, parent, blob_digest, out, err);
        if (res < 0) {
                berth_db_rollback(s->db);
                return berth_error_prefix(err, res, "claim layer %s", chain_id);
        }
        r = berth_db_commit(s->db, err);
        if (r < 0) {
                berth_layer_info_clear(out);
                return berth_error_prefix(err, r, "claim layer %s", chain_id);
        }
        return res;
}

int berth_image_layer_ready(struct berth_image_store *s, const char *chain_id, int64_t size,
                            struct berth_error *err)
{
        if (size < 0)
                return berth_error_set(err, EINVAL, "layer %s: negative size %lld", chain_id,
                                       (long long)size);
        sqlite3_stmt *st;
        int r = prep(s,
                     "UPDATE layers SET state = 'ready', size = ?2, writer_pid = 0 "
                     "WHERE chain_id = ?1 AND state = 'incomplete' AND writer_pid = ?3",
                     &st, err, 1, chain_id);
        if (r >= 0)
                r = berth_db_bind_int64(s->db, st, 2, size, err);
        if (r >= 0)
                r = berth_db_bind_int64(s->db, st, 3, getpid(), err);
        if (r >= 0)
                r = berth_db_step_done(s->db, st, err);
        if (r < 0)
                return berth_error_prefix(err, r, "layer %s ready", chain_id);
        if (berth_db_changes(s->db) == 0)
                return berth_error_set(err, ESTALE, "layer %s is not claimed by this process",
                                       chain_id);
        return 0;
}

int berth_image_layer_abandon(struct berth_image_store *s, const char *chain_id,
                              struct berth_error *err)
{
        sqlite3_stmt *st;
        int r = prep(s,
                     "DELETE FROM layers WHERE chain_id = ?1 AND state = 'incomplete' AND "
                     "writer_pid = ?2",
                     &st, err, 1, chain_id);
        if (r >= 0)
                r = berth_db_bind_int64(s->db, st, 2, getpid(), err);
        if (r >= 0)
                r = berth_db_step_done(s->db, st, err);
        if (r < 0)
                return berth_error_prefix(err, r, "abandon layer %s", chain_id);
        return 0;
}

/* ------------------------------------------------------------------ tags and lookup */

static bool all_hex(const char *s, size_t *len)
{
        size_t n = 0;
        for (; s[n]; n++)
                if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
                        return false;
        *len = n;
        return n > 0;
}

static int find_id_exact(struct berth_image_store *s, const char *id, char **out,
                         struct berth_error *err)
{
        sqlite3_stmt *st;
        int r = prep(s, "SELECT id FROM images WHERE id = ?1", &st, err, 1, id);
        if (r < 0)
                return r;
        r = berth_db_step(s->db, st, err);
        if (r <= 0)
                return r;
        r = berth_db_column_strdup(st, 0, out);
        sqlite3_reset(st);
        return r < 0 ? oom(err) : 1;
}

/* Ids starting with sha256:<hex>: 1 found, 0 none, -ENOTUNIQ several. */
static int find_id_prefix(struct berth_image_store *s, const char *hex, char **out,
                          struct berth_error *err)
{
        _cleanup_free_ char *lo = berth_strdup_printf("sha256:%s", hex);
        _cleanup_free_ char *hi = lo ? strdup(lo) : NULL;
        if (!hi)
                return oom(err);
        hi[strlen(hi) - 1]++; /* "abc" .. "abd": every id with the prefix sorts in between */
        sqlite3_stmt *st;
        int r = prep(s, "SELECT id FROM images WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 3", &st,
                     err, 2, lo, hi);
        if (r < 0)
                return r;
        _cleanup_strv_free_ char **ids = NULL;
        r = collect_strings(s, st, &ids, err);
        if (r < 0)
                return r;
        size_t n = berth_strv_length(ids);
        if (n == 0)
                return 0;
        if (n > 1)
                return berth_error_set(err, ENOTUNIQ,
                                       "short id '%s' is ambiguous: it matches %.19s, %.19s%s", hex,
                                       ids[0], ids[1], n > 2 ? " and more" : "");
        *out = TAKE_PTR(ids[0]);
        return 1;
}

static int find_by_reference(struct berth_image_store *s, const struct berth_reference *ref,
                             char **out, struct berth_error *err)
{
        sqlite3_stmt *st;
        int r;
        if (ref->digest) {
                _cleanup_free_ char *name = berth_reference_name(ref);
                if (!name)
                        return oom(err);
                r = prep(s,
                         "SELECT image_id FROM image_digests WHERE repo = ?1 AND digest = ?2 "
                         "UNION ALL SELECT id FROM images WHERE manifest_digest = ?2 LIMIT 1",
                         &st, err, 2, name, ref->digest);
        } else {
                _cleanup_free_ char *full = berth_reference_string(ref);
                if (!full)
                        return oom(err);
                r = prep(s, "SELECT image_id FROM image_tags WHERE name = ?1", &st, err, 1, full);
        }
        if (r < 0)
                return r;
        r = berth_db_step(s->db, st, err);
        if (r <= 0)
                return r;
        r = berth_db_column_strdup(st, 0, out);
        sqlite3_reset(st);
        return r < 0 ? oom(err) : 1;
}

int berth_image_resolve(struct berth_image_store *s, const char *name, char **id_out,
                        struct berth_error *err)
{
        size_t n = 0;
        int r;
        if (!name || !*name)
                return berth_error_set(err, EINVAL, "empty image name");
        if (berth_startswith(name, "sha256:")) {
                const char *hex = name + strlen("sha256:");
                if (!all_hex(hex, &n) || n > 64)
                        return berth_error_set(err, EINVAL, "invalid image id '%.80s'", name);
                r = n == 64 ? find_id_exact(s, name, id_out, err)
                            : find_id_prefix(s, hex, id_out, err);
        } else if (all_hex(name, &n) && n == 64) {
                _cleanup_free_ char *id = berth_strdup_printf("sha256:%s", name);
                r = id ? find_id_exact(s, id, id_out, err) : oom(err);
        } else {
                struct berth_reference ref;
                r = 0;
                if (berth_reference_parse(name, true, &ref, NULL) == 0) {
                        r = find_by_reference(s, &ref, id_out, err);
                        berth_reference_clear(&ref);
                }
                if (r == 0 && all_hex(name, &n) && n < 64)
                        r = find_id_prefix(s, name, id_out, err);
        }
        if (r == 0)
                return berth_error_set(err, ENOENT, "no such image: %.200s", name);
        return r < 0 ? r : 0;
}

/* Insert or move tag `ref` to image id. */
static int tag_locked(struct berth_image_store *s, const char *id, const char *target,
                      char **full_out, struct berth_error *err)
{
        struct berth_reference ref;
        int r = berth_reference_parse(target, true, &ref, err);
        if (r < 0)
                return r;
        if (ref.digest) {
                berth_reference_clear(&ref);
                return berth_error_set(err, EINVAL, "cannot tag with a digest: '%.200s'", target);
        }
        _cleanup_free_ char *full = berth_reference_string(&ref);
        _cleanup_free_ char *repo = berth_reference_name(&ref);
        if (!full || !repo) {
                berth_reference_clear(&ref);
                return oom(err);
        }
        sqlite3_stmt *st;
        r = prep(s,
                 "INSERT INTO image_tags (name, repo, tag, image_id, created) "
                 "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO UPDATE SET "
                 "image_id = excluded.image_id, created = excluded.created",
                 &st, err, 4, full, repo, ref.tag, id);
        berth_reference_clear(&ref);
        if (r >= 0)
                r = berth_db_bind_int64(s->db, st, 5, now_s(), err);
        if (r >= 0)
                r = berth_db_step_done(s->db, st, err);
        if (r >= 0 && full_out)
                *full_out = TAKE_PTR(full);
        return r;
}

int berth_image_tag(struct berth_image_store *s, const char *source, const char *target,
                    struct berth_error *err)
{
        int r = berth_db_begin(s->db, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *id = NULL;
        r = berth_image_resolve(s, source, &id, err);
        if (r >= 0)
                r = tag_locked(s, id, target, NULL, err);
        if (r >= 0)
                r = berth_db_commit(s->db, err);
        else
                berth_db_rollback(s->db);
        return r < 0 ? berth_error_prefix(err, r, "tag '%.200s'", target) : 0;
}

static int untag_locked(struct berth_image_store *s, const char *full, struct berth_error *err)
{
        sqlite3_stmt *st;
        int r = prep(s, "DELETE FROM image_tags WHERE name = ?1", &st, err, 1, full);
        if (r >= 0)
                r = berth_db_step_done(s->db, st, err);
        if (r >= 0 && berth_db_changes(s->db) == 0)
                r = berth_error_set(err, ENOENT, "no such tag: %.200s", full);
        return r;
}

int berth_image_untag(struct berth_image_store *s, const char *name, struct berth_error *err)
{
        struct berth_reference ref;
        int r = berth_reference_parse(name, true, &ref, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *full = berth_reference_string(&ref);
        bool digest = ref.digest != NULL;
        berth_reference_clear(&ref);
        if (!full)
                return oom(err);
        if (digest)
                return berth_error_set(err, EINVAL, "'%.200s' is not a tag", name);
        return untag_locked(s, full, err);
}

/* ------------------------------------------------------------------ record */

static int record_blobs(struct berth_image_store *s, const char *id,
                        const struct berth_image_record *rec, struct berth_error *err)
{
        for (size_t i = 0; i < rec->n_blobs; i++) {
                const struct berth_image_blob *b = &rec->blobs[i];
                _cleanup_close_ int fd = -1;
                int64_t size = 0;
                int r = berth_blobstore_open_blob(s->bs, b->digest, false, &fd, &size, err);
                if (r < 0)
                        return r;
                sqlite3_stmt *st;
                r = prep(s,
                         "INSERT INTO blobs (digest, size, media_type, added) VALUES (?1, ?3, "
                         "?2, ?4) ON CONFLICT (digest) DO UPDATE SET media_type = "
                         "coalesce(blobs.media_type, excluded.media_type)",
                         &st, err, 2, b->digest, b->media_type);
                if (r >= 0)
                        r = berth_db_bind_int64(s->db, st, 3, size, err);
                if (r >= 0)
                        r = berth_db_bind_int64(s->db, st, 4, now_s(), err);
                if (r >= 0)
                        r = berth_db_step_done(s->db, st, err);
                if (r >= 0)
                        r = prep(s,
                                 "INSERT OR IGNORE INTO image_blobs (image_id, digest) "
                                 "VALUES (?1, ?2)",
                                 &st, err, 2, id, b->digest);
                if (r >= 0)
                        r = berth_db_step_done(s->db, st, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The image row and its layer stack (refcounts taken). */
static int record_new_image(struct berth_image_store *s, const struct berth_image_record *rec,
                            struct berth_error *err)
{
        const struct berth_image_config *c = rec->config;
        _cleanup_strv_free_ char **chain = NULL;
        int r = berth_layer_chain_ids(c->diff_ids, c->n_diff_ids, &chain, err);
        if (r < 0)
                return r;
        int64_t total = 0;
        sqlite3_stmt *st;
        for (size_t i = 0; i < c->n_diff_ids; i++) {
                r = prep(s, "SELECT state, size FROM layers WHERE chain_id = ?1", &st, err, 1,
                         chain[i]);
                if (r >= 0)
                        r = berth_db_step(s->db, st, err);
                if (r < 0)
                        return r;
                bool ready = r > 0 && !strcmp((const char *)sqlite3_column_text(st, 0), "ready");
                if (r > 0)
                        total += sqlite3_column_int64(st, 1);
                sqlite3_reset(st);
                if (!ready)
                        return berth_error_set(err, ENOENT, "layer %zu (%s) is not unpacked", i,
                                               chain[i]);
        }
        _cleanup_free_ char *platform =
            berth_strdup_printf("%s/%s%s%s", c->os, c->architecture, c->variant ? "/" : "",
                                c->variant ? c->variant : "");
        if (!platform)
                return oom(err);
        r = prep(s,
                 "INSERT INTO images (id, created, added, size, config, manifest_digest, "
                 "manifest_media_type, platform, top_chain_id) "
                 "VALUES (?1, ?6, ?7, ?8, ?9, ?2, ?3, ?4, ?5)",
                 &st, err, 5, c->digest, rec->manifest_digest, rec->manifest_media_type, platform,
                 c->n_diff_ids ? chain[c->n_diff_ids - 1] : NULL);
        if (r >= 0)
                r = berth_db_bind_int64(s->db, st, 6, c->created_unix, err);
        if (r >= 0)
                r = berth_db_bind_int64(s->db, st, 7, now_s(), err);
        if (r >= 0)
                r = berth_db_bind_int64(s->db, st, 8, total, err);
        if (r >= 0)
                r = berth_db_bind_blob(s->db, st, 9, c->raw, c->raw_len, err);
        if (r >= 0)
                r = berth_db_step_done(s->db, st, err);
        for (size_t i = 0; r >= 0 && i < c->n_diff_ids; i++) {
                r = prep(s,
                         "INSERT INTO image_layers (image_id, idx, chain_id) VALUES (?1, ?3, ?2)",
                         &st, err, 2, c->digest, chain[i]);
                if (r >= 0)
                        r = berth_db_bind_int64(s->db, st, 3, (int64_t)i, err);
                if (r >= 0)
                        r = berth_db_step_done(s->db, st, err);
                if (r >= 0)
                        r = prep(s, "UPDATE layers SET refcount = refcount + 1 WHERE chain_id = ?1",
                                 &st, err, 1, chain[i]);
                if (r >= 0)
                        r = berth_db_step_done(s->db, st, err);
        }
        return r;
}

static int record_repo_digest(struct berth_image_store *s, const char *id, const char *rd,
                              struct berth_error *err)
{
        struct berth_reference ref;
        int r = berth_reference_parse(rd, false, &ref, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *name = berth_reference_name(&ref);
        if (!ref.digest || !name) {
                berth_reference_clear(&ref);
                return name ? berth_error_set(err, EINVAL, "repo digest '%.200s' has no digest", rd)
                            : oom(err);
        }
        sqlite3_stmt *st;
        r = prep(
            s, "INSERT OR REPLACE INTO image_digests (repo, digest, image_id) VALUES (?1, ?2, ?3)",
            &st, err, 3, name, ref.digest, id);
        berth_reference_clear(&ref);
        if (r >= 0)
                r = berth_db_step_done(s->db, st, err);
        return r;
}

int berth_image_record(struct berth_image_store *s, const struct berth_image_record *rec,
                       struct berth_error *err)
{
        const char *id = rec->config->digest;
        if (rec->manifest_digest) {
                int r = berth_digest_validate(rec->manifest_digest, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "record image %s", id);
        }
        int r = berth_db_begin(s->db, err);
        if (r < 0)
                return berth_error_prefix(err, r, "record image %s", id);
        _cleanup_free_ char *existing = NULL;
        r = find_id_exact(s, id, &existing, err);
        if (r == 0)
                r = record_new_image(s, rec, err);
        if (r >= 0)
                r = record_blobs(s, id, rec, err);
        if (r >= 0 && rec->tag)
                r = tag_locked(s, id, rec->tag, NULL, err);
        if (r >= 0 && rec->repo_digest)
                r = record_repo_digest(s, id, rec->repo_digest, err);
        if (r >= 0)
                r = berth_db_commit(s->db, err);
        else
                berth_db_rollback(s->db);
        return r < 0 ? berth_error_prefix(err, r, "record image %s", id) : 0;
}

/* ------------------------------------------------------------------ inspect */

void berth_image_info_free(struct berth_image_info *i)
{
        if (!i)
                return;
        free(i->id);
        free(i->platform);
        free(i->manifest_digest);
        free(i->manifest_media_type);
        free(i->top_chain_id);
        berth_strv_free(i->tags);
        berth_strv_free(i->digests);
        berth_strv_free(i->chain_ids);
        free(i);
}

static int info_lists(struct berth_image_store *s, struct berth_image_info *i,
                      struct berth_error *err)
{
        sqlite3_stmt *st;
        int r = prep(s, "SELECT name FROM image_tags WHERE image_id = ?1 ORDER BY name", &st, err,
                     1, i->id);
        if (r >= 0)
                r = collect_strings(s, st, &i->tags, err);
        if (r >= 0)
                r = prep(s,
                         "SELECT repo || '@' || digest FROM image_digests WHERE image_id = ?1 "
                         "ORDER BY 1",
                         &st, err, 1, i->id);
        if (r >= 0)
                r = collect_strings(s, st, &i->digests, err);
        if (r >= 0)
                r = prep(s, "SELECT chain_id FROM image_layers WHERE image_id = ?1 ORDER BY idx",
                         &st, err, 1, i->id);
        if (r >= 0)
                r = collect_strings(s, st, &i->chain_ids, err);
        if (r >= 0)
                i->n_layers = berth_strv_length(i->chain_ids);
        return r;
}

int berth_image_get(struct berth_image_store *s, const char *name, struct berth_image_info **out,
                    struct berth_error *err)
{
        _cleanup_free_ char *id = NULL;
        int r = berth_image_resolve(s, name, &id, err);
        if (r < 0)
                return r;
        sqlite3_stmt *st;
        r = prep(s,
                 "SELECT id, created, added, size, platform, manifest_digest, "
                 "manifest_media_type, top_chain_id FROM images WHERE id = ?1",
                 &st, err, 1, id);
        if (r >= 0)
                r = berth_db_step(s->db, st, err);
        if (r == 0)
                return berth_error_set(err, ENOENT, "no such image: %.200s", name);
        if (r < 0)
                return r;
        struct berth_image_info *i = calloc(1, sizeof(*i));
        if (!i) {
                sqlite3_reset(st);
                return oom(err);
        }
        i->created = sqlite3_column_int64(st, 1);
        i->added = sqlite3_column_int64(st, 2);
        i->size = sqlite3_column_int64(st, 3);
        if (berth_db_column_strdup(st, 0, &i->id) < 0 ||
            berth_db_column_strdup(st, 4, &i->platform) < 0 ||
            berth_db_column_strdup(st, 5, &i->manifest_digest) < 0 ||
            berth_db_column_strdup(st, 6, &i->manifest_media_type) < 0 ||
            berth_db_column_strdup(st, 7, &i->top_chain_id) < 0)
                r = oom(err);
        sqlite3_reset(st);
        if (r >= 0)
                r = info_lists(s, i, err);
        if (r < 0) {
                berth_image_info_free(i);
                return r;
        }
        *out = i;
        return 0;
}

static int load_config(struct berth_image_store *s, const char *id, struct berth_image_config **out,
                       struct berth_error *err)
{
        sqlite3_stmt *st;
        int r = prep(s, "SELECT config FROM images WHERE id = ?1", &st, err, 1, id);
        if (r >= 0)
                r = berth_db_step(s->db, st, err);
        if (r == 0)
                return berth_error_set(err, ENOENT, "no such image: %s", id);
        if (r < 0)
                return r;
        r = berth_image_config_parse(sqlite3_column_blob(st, 0),
                                     (size_t)sqlite3_column_bytes(st, 0), out, err);
        sqlite3_reset(st);
        if (r >= 0 && strcmp((*out)->digest, id) != 0) {
                berth_image_config_free(*out);
                *out = NULL;
                return berth_error_set(err, EUCLEAN, "stored config of %s does not hash to its id",
                                       id);
        }
        return r;
}

int berth_image_get_config(struct berth_image_store *s, const char *name,
                           struct berth_image_config **out, struct berth_error *err)
{
        _cleanup_free_ char *id = NULL;
        int r = berth_image_resolve(s, name, &id, err);
        if (r < 0)
                return r;
        return load_config(s, id, out, err);
}

int berth_image_get_blobs(struct berth_image_store *s, const char *name, char ***out,
                          struct berth_error *err)
{
        _cleanup_free_ char *id = NULL;
        int r = berth_image_resolve(s, name, &id, err);
        if (r < 0)
                return r;
        sqlite3_stmt *st;
        r = prep(s, "SELECT digest FROM image_blobs WHERE image_id = ?1 ORDER BY digest", &st, err,
                 1, id);
        if (r < 0)
                return r;
        return collect_strings(s, st, out, err);
}

/* ------------------------------------------------------------------ list and history */

void berth_image_list_free(struct berth_image_summary *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++) {
                free(v[i].id);
                free(v[i].repo);
                free(v[i].tag);
                free(v[i].digest);
        }
        free(v);
}

int berth_image_list(struct berth_image_store *s, enum berth_image_filter filter,
                     struct berth_image_summary **out, size_t *n_out, struct berth_error *err)
{
/* One row per (image, tag); an untagged image gets a repository it has a digest in. */
#define LIST_SQL(join, where)                                                                      \
        "SELECT id, created, size, repo, tag, (SELECT min(d.digest) FROM image_digests d WHERE "   \
        "d.image_id = x.id AND +d.repo = x.repo) FROM (SELECT i.id AS id, i.created AS created, "  \
        "i.size AS size, t.tag AS tag, t.name AS name, coalesce(t.repo, (SELECT min(d2.repo) "     \
        "FROM image_digests d2 WHERE d2.image_id = i.id)) AS repo FROM images i " join             \
        " image_tags t ON t.image_id = i.id " where ") x ORDER BY created DESC, id DESC, name"
        static const char *const sql[] = {
            [BERTH_IMAGES_ALL] = LIST_SQL("LEFT JOIN", ""),
            [BERTH_IMAGES_TAGGED] = LIST_SQL("JOIN", ""),
            [BERTH_IMAGES_DANGLING] = LIST_SQL("LEFT JOIN", "WHERE t.name IS NULL"),
        };
#undef LIST_SQL
        if ((unsigned)filter >= ARRAY_SIZE(sql))
                return berth_error_set(err, EINVAL, "unknown image filter %d", (int)filter);
        sqlite3_stmt *st;
        int r = berth_db_prepare(s->db, sql[filter], &st, err);
        if (r < 0)
                return r;
        struct berth_image_summary *v = NULL;
        size_t n = 0, cap = 0;
        while ((r = berth_db_step(s->db, st, err)) > 0) {
                if (n == cap) {
                        cap = cap ? cap * 2 : 64;
                        struct berth_image_summary *nv = realloc(v, cap * sizeof(*v));
                        if (!nv) {
                                r = oom(err);
                                break;
                        }
                        v = nv;
                }
                struct berth_image_summary *e = &v[n++];
                memset(e, 0, sizeof(*e));
                e->created = sqlite3_column_int64(st, 1);
                e->size = sqlite3_column_int64(st, 2);
                e->dangling = sqlite3_column_type(st, 4) == SQLITE_NULL;
                if (berth_db_column_strdup(st, 0, &e->id) < 0 ||
                    berth_db_column_strdup(st, 3, &e->repo) < 0 ||
                    berth_db_column_strdup(st, 4, &e->tag) < 0 ||
                    berth_db_column_strdup(st, 5, &e->digest) < 0) {
                        r = oom(err);
                        break;
                }
        }
        sqlite3_reset(st);
        if (r < 0) {
                berth_image_list_free(v, n);
                return berth_error_prefix(err, r, "list images");
        }
        *out = v;
        *n_out = n;
        return 0;
}

int berth_image_disk_usage(struct berth_image_store *s, struct berth_image_usage *out,
                           struct berth_error *err)
{
        sqlite3_stmt *st;
        int r = berth_db_prepare(
            s->db,
            "SELECT (SELECT count(*) FROM images), (SELECT count(*) FROM images i WHERE NOT "
            "EXISTS (SELECT 1 FROM image_tags t WHERE t.image_id = i.id)), (SELECT count(*) "
            "FROM layers WHERE state = 'ready'), (SELECT total(size) FROM layers WHERE state = "
            "'ready'), (SELECT total(size) FROM layers WHERE refcount > 1), (SELECT count(*) "
            "FROM blobs), (SELECT total(size) FROM blobs)",
            &st, err);
        if (r >= 0)
                r = berth_db_step(s->db, st, err);
        if (r > 0) {
                int64_t *f[] = {&out->images,      &out->dangling,    &out->layers,
                                &out->layers_size, &out->shared_size, &out->blobs,
                                &out->blobs_size};
                for (size_t i = 0; i < ARRAY_SIZE(f); i++)
                        *f[i] = sqlite3_column_int64(st, (int)i);
                sqlite3_reset(st);
        }
        return r < 0 ? berth_error_prefix(err, r, "disk usage") : 0;
}

void berth_image_history_free(struct berth_image_history_entry *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++) {
                free(v[i].id);
                free(v[i].created_by);
                free(v[i].author);
                free(v[i].comment);
        }
        free(v);
}

static char *dup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

int berth_image_history(struct berth_image_store *s, const char *name,
                        struct berth_image_history_entry **out, size_t *n_out,
                        struct berth_error *err)
{
        _cleanup_free_ char *id = NULL;
        int r = berth_image_resolve(s, name, &id, err);
        if (r < 0)
                return r;
        struct berth_image_config *c = NULL;
        r = load_config(s, id, &c, err);
        if (r < 0)
                return r;
        /* Layer sizes bottom first, matched in order to the non-empty history steps. */
        sqlite3_stmt *st;
        int64_t sizes[BERTH_MANIFEST_LAYERS];
        size_t n_sizes = 0;
        r = prep(s,
                 "SELECT l.size FROM image_layers il JOIN layers l ON l.chain_id = il.chain_id "
                 "WHERE il.image_id = ?1 ORDER BY il.idx",
                 &st, err, 1, id);
        while (r >= 0 && (r = berth_db_step(s->db, st, err)) > 0)
                if (n_sizes < ARRAY_SIZE(sizes))
                        sizes[n_sizes++] = sqlite3_column_int64(st, 0);
        /* Without history, one step per layer. */
        size_t n = c->n_history ? c->n_history : c->n_diff_ids;
        struct berth_image_history_entry *v = r < 0 ? NULL : calloc(n ? n : 1, sizeof(*v));
        if (r >= 0 && !v)
                r = oom(err);
        size_t layer = 0;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                struct berth_image_history_entry *e = &v[n - 1 - i]; /* newest first */
                const struct berth_history *h = c->n_history ? &c->history[i] : NULL;
                e->empty_layer = h ? h->empty_layer : false;
                e->created = h ? h->created_unix : c->created_unix;
                e->created_by = dup_or_null(h ? h->created_by : NULL);
                e->author = dup_or_null(h ? h->author : NULL);
                e->comment = dup_or_null(h ? h->comment : NULL);
                if (!e->empty_layer && layer < n_sizes)
                        e->size = sizes[layer++];
                if ((h && h->created_by && !e->created_by) || (h && h->author && !e->author) ||
                    (h && h->comment && !e->comment))
                        r = oom(err);
        }
        if (r >= 0 && n > 0 && !(v[0].id = strdup(id)))
                r = oom(err);
        berth_image_config_free(c);
        if (r < 0) {
                berth_image_history_free(v, n);
                return r;
        }
        *out = v;
        *n_out = n;
        return 0;
}

/* ------------------------------------------------------------------ removal */

void berth_image_removal_clear(struct berth_image_removal *r)
{
        if (!r)
                return;
        berth_strv_free(r->untagged);
        berth_strv_free(r->deleted);
        berth_strv_free(r->layer_dirs);
        berth_strv_free(r->blobs);
        memset(r, 0, sizeof(*r));
}

static int strv_append_all(char ***dst, char **src, struct berth_error *err)
{
        for (size_t i = 0; src && src[i]; i++)
                if (strv_add(dst, src[i], err) < 0)
                        return -ENOMEM;
        return 0;
}

static int removal_merge(struct berth_image_removal *out, struct berth_image_removal *add,
                         struct berth_error *err)
{
        if (strv_append_all(&out->untagged, add->untagged, err) < 0 ||
            strv_append_all(&out->deleted, add->deleted, err) < 0 ||
            strv_append_all(&out->layer_dirs, add->layer_dirs, err) < 0 ||
            strv_append_all(&out->blobs, add->blobs, err) < 0)
                return -ENOMEM;
        return 0;
}

/* Delete a layer row when no image holds it and no layer sits on it: 1 deleted, 0 kept. */
static int release_layer_locked(struct berth_image_store *s, const char *chain_id, char ***dirs,
                                struct berth_error *err)
{
        sqlite3_stmt *st;
        int r = prep(s,
                     "SELECT dir FROM layers l WHERE chain_id = ?1 AND refcount = 0 AND state = "
                     "'ready' AND NOT EXISTS (SELECT 1 FROM layers c WHERE c.parent = l.chain_id)",
                     &st, err, 1, chain_id);
        if (r >= 0)
                r = berth_db_step(s->db, st, err);
        if (r <= 0)
                return r;
        _cleanup_free_ char *dir = NULL;
        r = berth_db_column_strdup(st, 0, &dir);
        sqlite3_reset(st);
        if (r < 0)
                return oom(err);
        r = prep(s, "DELETE FROM layers WHERE chain_id = ?1", &st, err, 1, chain_id);
        if (r >= 0)
                r = berth_db_step_done(s->db, st, err);
        if (r >= 0)
                r = strv_add(dirs, dir, err);
        return r < 0 ? r : 1;
}

/* Drop blob rows no image holds any more; their digests go to *gone for unlinking. */
static int release_blob_locked(struct berth_image_store *s, const char *digest, char ***gone,
                               struct berth_error *err)
{
        sqlite3_stmt *st;
        int r = prep(s,
                     "DELETE FROM blobs WHERE digest = ?1 AND NOT EXISTS (SELECT 1 FROM "
                     "image_blobs WHERE digest = ?1)",
                     &st, err, 1, digest);
        if (r >= 0)
                r = berth_db_step_done(s->db, st, err);
        if (r >= 0 && berth_db_changes(s->db) > 0)
                r = strv_add(gone, digest, err);
        return r;
}

static int delete_image_locked(struct berth_image_store *s, const char *id,
                               struct berth_image_removal *out, struct berth_error *err)
{
        _cleanup_strv_free_ char **chains = NULL, **blobs = NULL, **tags = NULL;
        sqlite3_stmt *st;
        int r = prep(s, "SELECT chain_id FROM image_layers WHERE image_id = ?1 ORDER BY idx DESC",
                     &st, err, 1, id);
        if (r >= 0)
                r = collect_strings(s, st, &chains, err);
        if (r >= 0)
                r = prep(s, "SELECT digest FROM image_blobs WHERE image_id = ?1", &st, err, 1, id);
        if (r >= 0)
                r = collect_strings(s, st, &blobs, err);
        if (r >= 0)
                r = prep(s, "SELECT name FROM image_tags WHERE image_id = ?1 ORDER BY name", &st,
                         err, 1, id);
        if (r >= 0)
                r = collect_strings(s, st, &tags, err);
        if (r >= 0)
                r = prep(s,
                         "UPDATE layers SET refcount = refcount - 1 WHERE chain_id IN (SELECT "
                         "chain_id FROM image_layers WHERE image_id = ?1)",
                         &st, err, 1, id);
        if (r >= 0)
                r = berth_db_step_done(s->db, st, err);
        if (r >= 0)
                r = prep(s, "DELETE FROM images WHERE id = ?1", &st, err, 1, id);
        if (r >= 0)
                r = berth_db_step_done(s->db, st, err);
        /* Top of the stack first, so a parent is free once its child row is gone. */
        for (size_t i = 0; r >= 0 && chains[i]; i++)
                r = release_layer_locked(s, chains[i], &out->layer_dirs, err);
        for (size_t i = 0; r >= 0 && blobs[i]; i++)
                r = release_blob_locked(s, blobs[i], &out->blobs, err);
        if (r >= 0)
                r = strv_append_all(&out->untagged, tags, err);
        if (r >= 0)
                r = strv_add(&out->deleted, id, err);
        return r < 0 ? berth_error_prefix(err, r, "delete image %s", id) : 0;
}

static void unlink_blobs(struct berth_image_store *s, char **blobs)
{
        for (size_t i = 0; blobs && blobs[i]; i++)
                (void)berth_blobstore_delete(s->bs, blobs[i], NULL);
}

/* The full tag `name` stands for when it names a tag of image id, else NULL. */
static int named_tag(struct berth_image_store *s, const char *name, const char *id, char **out,
                     struct berth_error *err)
{
        struct berth_reference ref;
        *out = NULL;
        if (berth_reference_parse(name, true, &ref, NULL) < 0)
                return 0;
        _cleanup_free_ char *full = ref.digest ? NULL : berth_reference_string(&ref);
        berth_reference_clear(&ref);
        if (!full)
                return 0;
        sqlite3_stmt *st;
        int r = prep(s, "SELECT 1 FROM image_tags WHERE name = ?1 AND image_id = ?2", &st, err, 2,
                     full, id);
        if (r >= 0)
                r = berth_db_step(s->db, st, err);
        sqlite3_reset(st);
        if (r > 0)
                *out = TAKE_PTR(full);
        return r;
}

static int count_tags(struct berth_image_store *s, const char *id, int64_t *n,
                      struct berth_error *err)
{
        sqlite3_stmt *st;
        int r = prep(s, "SELECT count(*) FROM image_tags WHERE image_id = ?1", &st, err, 1, id);
        if (r >= 0)
                r = berth_db_step(s->db, st, err);
        if (r > 0)
                *n = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return r < 0 ? r : 0;
}

static int remove_locked(struct berth_image_store *s, const char *name, bool force,
                         berth_image_in_use_fn in_use, void *userdata,
                         struct berth_image_removal *tmp, struct berth_error *err)
{
        _cleanup_free_ char *id = NULL, *tag = NULL;
        int64_t ntags = 0;
        int r = berth_image_resolve(s, name, &id, err);
        if (r >= 0)
                r = named_tag(s, name, id, &tag, err);
        if (r >= 0)
                r = count_tags(s, id, &ntags, err);
        if (r < 0)
                return r;
        if (tag && ntags > 1) {
                r = untag_locked(s, tag, err);
                return r < 0 ? r : strv_add(&tmp->untagged, tag, err);
        }
        if (!tag && ntags > 1 && !force)
                return berth_error_set(err, EBUSY,
                                       "conflict: unable to delete %.19s (must be forced): image "
                                       "is referenced in %lld repositories",
                                       id, (long long)ntags);
        r = in_use ? in_use(id, userdata, err) : 0;
        if (r < 0)
                return r;
        if (r > 0) {
                if (tag && force) {
                        r = untag_locked(s, tag, err);
                        return r < 0 ? r : strv_add(&tmp->untagged, tag, err);
                }
                return berth_error_prefix(err, -EBUSY, "conflict: unable to delete %.19s", id);
        }
        return delete_image_locked(s, id, tmp, err);
}

int berth_image_remove(struct berth_image_store *s, const char *name, bool force,
                       berth_image_in_use_fn in_use, void *userdata,
                       struct berth_image_removal *out, struct berth_error *err)
{
        struct berth_image_removal tmp = {0};
        int r = berth_db_begin(s->db, err);
        if (r < 0)
                return berth_error_prefix(err, r, "remove image '%.200s'", name);
        r = remove_locked(s, name, force, in_use, userdata, &tmp, err);
        if (r >= 0)
                r = berth_db_commit(s->db, err);
        else
                berth_db_rollback(s->db);
        if (r >= 0) {
                /* Inside the caller's transaction the rows may yet come back (rollback):
                 * leave the files for gc, which removes blob files without rows. */
                if (!berth_db_in_transaction(s->db))
                        unlink_blobs(s, tmp.blobs);
                r = removal_merge(out, &tmp, err);
        }
        berth_image_removal_clear(&tmp);
        return r;
}

static bool dir_name_ok(const char *d)
{
        return d && *d && strcmp(d, ".") && strcmp(d, "..") && !strchr(d, '/');
}

int berth_image_remove_layer_dirs(struct berth_image_store *s, char *const *dirs,
                                  struct berth_error *err)
{
        int ret = 0;
        for (size_t i = 0; dirs && dirs[i]; i++) {
                if (!dir_name_ok(dirs[i])) {
                        ret = berth_error_set(err, EINVAL, "bad layer directory name '%.80s'",
                                              dirs[i]);
                        continue;
                }
                int r = berth_rm_rf_at(s->layersfd, dirs[i]);
                if (r < 0 && ret == 0)
                        ret = berth_error_set(err, -r, "remove layer directory '%s': %s", dirs[i],
                                              strerror(-r));
        }
        return ret;
}

int berth_image_prune(struct berth_image_store *s, bool all, berth_image_in_use_fn in_use,
                      void *userdata, struct berth_image_removal *out, struct berth_error *err)
{
        struct berth_image_removal tmp = {0};
        _cleanup_strv_free_ char **ids = NULL;
        sqlite3_stmt *st;
        if (berth_db_in_transaction(s->db))
                return berth_error_set(err, EINVAL, "prune runs outside a transaction");
        int r = berth_db_begin(s->db, err);
        if (r < 0)
                return berth_error_prefix(err, r, "prune images");
        r = prep(s,
                 all ? "SELECT id FROM images ORDER BY id"
                     : "SELECT id FROM images i WHERE NOT EXISTS (SELECT 1 FROM image_tags t "
                       "WHERE t.image_id = i.id) ORDER BY id",
                 &st, err, 0);
        if (r >= 0)
                r = collect_strings(s, st, &ids, err);
        for (size_t i = 0; r >= 0 && ids[i]; i++) {
                struct berth_error used = {0};
                int u = in_use ? in_use(ids[i], userdata, &used) : 0;
                if (u < 0)
                        r = berth_error_set(err, -u, "%s", used.msg);
                else if (u == 0)
                        r = delete_image_locked(s, ids[i], &tmp, err);
        }
        if (r >= 0)
                r = berth_db_commit(s->db, err);
        else
                berth_db_rollback(s->db);
        if (r >= 0) {
                unlink_blobs(s, tmp.blobs);
                r = berth_image_remove_layer_dirs(s, tmp.layer_dirs, err);
                int m = removal_merge(out, &tmp, err);
                r = r < 0 ? r : m;
        }
        berth_image_removal_clear(&tmp);
        if (r < 0)
                return berth_error_prefix(err, r, "prune images");
        struct berth_image_gc_result gc = {0};
        r = berth_image_gc(s, BERTH_BLOB_TMP_MAX_AGE, &gc, err);
        if (r >= 0 && (strv_append_all(&out->layer_dirs, gc.layer_dirs, err) < 0 ||
                       strv_append_all(&out->blobs, gc.blobs, err) < 0))
                r = -ENOMEM;
        berth_image_gc_result_clear(&gc);
        return r;
}

/* ------------------------------------------------------------------ garbage collection */

void berth_image_gc_result_clear(struct berth_image_gc_result *r)
{
        if (!r)
                return;
        berth_strv_free(r->layer_dirs);
        berth_strv_free(r->blobs);
        memset(r, 0, sizeof(*r));
}

/* One pass over the layers nothing sits on: incomplete ones whose writer is gone (or that
 * are older than the temp-file age), ready ones no image holds that are older than grace.
 * Returns how many rows went. */
static int gc_layers_pass(struct berth_image_store *s, time_t grace, char ***dirs,
                          struct berth_error *err)
{
        sqlite3_stmt *st;
        int r = berth_db_prepare(s->db,
                                 "SELECT chain_id, dir, state, writer_pid, created FROM layers l "
                                 "WHERE (state = 'incomplete' OR refcount = 0) AND NOT EXISTS "
                                 "(SELECT 1 FROM layers c WHERE c.parent = l.chain_id)",
                                 &st, err);
        _cleanup_strv_free_ char **victims = NULL, **vdirs = NULL;
        int64_t now = now_s();
        while (r >= 0 && (r = berth_db_step(s->db, st, err)) > 0) {
                bool incomplete = !strcmp((const char *)sqlite3_column_text(st, 2), "incomplete");
                int64_t pid = sqlite3_column_int64(st, 3), created = sqlite3_column_int64(st, 4);
                bool go = incomplete ? (pid != getpid() && !pid_alive(pid)) ||
                                           now - created > BERTH_BLOB_TMP_MAX_AGE
                                     : now - created >= grace;
                if (go && (strv_add(&victims, (const char *)sqlite3_column_text(st, 0), err) < 0 ||
                           strv_add(&vdirs, (const char *)sqlite3_column_text(st, 1), err) < 0))
                        r = -ENOMEM;
        }
        sqlite3_reset(st);
        int n = 0;
        for (size_t i = 0; r >= 0 && victims && victims[i]; i++, n++) {
                r = prep(s, "DELETE FROM layers WHERE chain_id = ?1", &st, err, 1, victims[i]);
                if (r >= 0)
                        r = berth_db_step_done(s->db, st, err);
                if (r >= 0)
                        r = strv_add(dirs, vdirs[i], err);
        }
        return r < 0 ? r : n;
}

static int gc_rows(struct berth_image_store *s, time_t grace, char ***dirs, char ***blobs,
                   struct berth_error *err)
{
        int r = berth_db_begin(s->db, err);
        if (r < 0)
                return r;
        while ((r = gc_layers_pass(s, grace, dirs, err)) > 0)
                ;
        sqlite3_stmt *st;
        _cleanup_strv_free_ char **orphans = NULL;
        if (r >= 0)
                r = berth_db_prepare(s->db,
                                     "SELECT digest FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM "
                                     "image_blobs ib WHERE ib.digest = b.digest)",
                                     &st, err);
        if (r >= 0)
                r = collect_strings(s, st, &orphans, err);
        for (size_t i = 0; r >= 0 && orphans[i]; i++)
                r = release_blob_locked(s, orphans[i], blobs, err);
        if (r >= 0)
                r = berth_db_commit(s->db, err);
        else
                berth_db_rollback(s->db);
        return r;
}

/* 1 when a row with this value exists. */
static int row_exists(struct berth_image_store *s, const char *sql, const char *value,
                      struct berth_error *err)
{
        sqlite3_stmt *st;
        int r = prep(s, sql, &st, err, 1, value);
        if (r >= 0)
                r = berth_db_step(s->db, st, err);
        sqlite3_reset(st);
        return r;
}

static int gc_layer_dirs(struct berth_image_store *s, time_t grace, char ***removed,
                         struct berth_error *err)
{
        int fd = fcntl(s->layersfd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return berth_error_errno(err, "layers directory");
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return berth_error_errno(err, "layers directory");
        }
        rewinddir(d); /* the duplicate shares its offset with layersfd */
        _cleanup_strv_free_ char **names = NULL;
        struct dirent *de;
        time_t now = time(NULL);
        while ((de = readdir(d))) {
                struct stat st;
                if (!dir_name_ok(de->d_name) || !strcmp(de->d_name, ".."))
                        continue;
                if (fstatat(s->layersfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    now - st.st_mtime < grace)
                        continue;
                if (strv_add(&names, de->d_name, err) < 0)
                        return -ENOMEM;
        }
        for (size_t i = 0; names && names[i]; i++) {
                int r = row_exists(s, "SELECT 1 FROM layers WHERE dir = ?1", names[i], err);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                r = berth_rm_rf_at(s->layersfd, names[i]);
                if (r < 0)
                        return berth_error_set(err, -r, "remove layer directory '%s': %s", names[i],
                                               strerror(-r));
                if (strv_add(removed, names[i], err) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int gc_blob_files(struct berth_image_store *s, time_t grace, char ***removed,
                         struct berth_error *err)
{
        _cleanup_strv_free_ char **all = NULL;
        int r = berth_blobstore_list(s->bs, &all, err);
        time_t now = time(NULL);
        for (size_t i = 0; r >= 0 && all[i]; i++) {
                time_t mtime;
                if (berth_blobstore_mtime(s->bs, all[i], &mtime, NULL) < 0 || now - mtime < grace)
                        continue;
                r = row_exists(s, "SELECT 1 FROM blobs WHERE digest = ?1", all[i], err);
                if (r != 0)
                        continue;
                r = berth_blobstore_delete(s->bs, all[i], err);
                if (r == -ENOENT)
                        r = 0;
                else if (r >= 0)
                        r = strv_add(removed, all[i], err);
        }
        return r < 0 ? r : 0;
}

int berth_image_gc(struct berth_image_store *s, time_t grace, struct berth_image_gc_result *out,
                   struct berth_error *err)
{
        _cleanup_strv_free_ char **dirs = NULL, **blobs = NULL;
        /* Files go after the commit: it must be the real one. */
        if (berth_db_in_transaction(s->db))
                return berth_error_set(err, EINVAL,
                                       "garbage collection runs outside a transaction");
        int r = gc_rows(s, grace, &dirs, &blobs, err);
        if (r < 0)
                return berth_error_prefix(err, r, "garbage collection");
        /* The rows are gone: what follows only removes files nothing refers to. */
        unlink_blobs(s, blobs);
        r = berth_image_remove_layer_dirs(s, dirs, err);
        if (r >= 0)
                r = strv_append_all(&out->layer_dirs, dirs, err);
        if (r >= 0)
                r = strv_append_all(&out->blobs, blobs, err);
        if (r >= 0)
                r = gc_layer_dirs(s, grace, &out->layer_dirs, err);
        if (r >= 0)
                r = gc_blob_files(s, grace, &out->blobs, err);
        if (r >= 0) {
                r = berth_blobstore_clean_tmp(s->bs, BERTH_BLOB_TMP_MAX_AGE, err);
                if (r >= 0)
                        out->tmp_files += r;
        }
        return r < 0 ? berth_error_prefix(err, r, "garbage collection") : 0;
}

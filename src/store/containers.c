/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container records: see containers.h.  Names are generated from berth's own word lists,
 * an adjective and a harbour/sea noun.
 */
#include "store/containers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "basic/cleanup.h"
#include "basic/strutil.h"

#include "basic/banned.h"

#define NAME_MAX_LEN      255
#define NAME_SUFFIX_MAX   100000
#define NAME_RANDOM_TRIES 3

static const char *const adjectives[] = {
    "amber",    "azure",  "bold",      "brave",     "breezy",   "bright",   "brisk",    "calm",
    "cheerful", "clever", "coral",     "dapper",    "eager",    "earnest",  "fearless", "foggy",
    "gallant",  "gentle", "golden",    "hardy",     "hearty",   "humble",   "jolly",    "keen",
    "kind",     "lively", "loyal",     "lucky",     "mellow",   "merry",    "misty",    "modest",
    "nimble",   "noble",  "patient",   "plucky",    "polished", "proud",    "quick",    "quiet",
    "restless", "rugged", "salty",     "serene",    "silver",   "sleepy",   "steady",   "stout",
    "sturdy",   "sunny",  "swift",     "tidal",     "tidy",     "tranquil", "trusty",   "upbeat",
    "valiant",  "vivid",  "wandering", "weathered", "windy",    "wise",     "zesty",
};

static const char *const nouns[] = {
    "anchor",     "beacon",  "bilge",   "bollard",   "bow",     "breakwater", "buoy",
    "bulkhead",   "capstan", "cargo",   "channel",   "cleat",   "compass",    "crane",
    "current",    "dinghy",  "dock",    "drydock",   "estuary", "fathom",     "fender",
    "ferry",      "galley",  "gangway", "gunwale",   "harbour", "hawser",     "helm",
    "hull",       "inlet",   "jetty",   "keel",      "lagoon",  "lanyard",    "lifeboat",
    "lighthouse", "marina",  "mast",    "mooring",   "oar",     "pier",       "pontoon",
    "porthole",   "quay",    "reef",    "rigging",   "rudder",  "sail",       "schooner",
    "sextant",    "skiff",   "slipway", "spinnaker", "stern",   "tide",       "tiller",
    "trawler",    "tugboat", "wake",    "wharf",     "winch",   "windlass",   "yardarm",
};

static const char *const states[] = {
    "created", "running", "paused", "restarting", "exited", "dead",
};

#define COLUMNS                                                                                    \
        "id, name, image_id, image_ref, created, state, pid, exit_code, started_at, "              \
        "finished_at, oom_killed, restart_count, config, host_config, labels, storage_driver, "    \
        "rw_layer"

#define SELECT_ALL "SELECT " COLUMNS " FROM containers "

void berth_container_rec_clear(struct berth_container_rec *rec)
{
        if (!rec)
                return;
        free(rec->id);
        free(rec->name);
        free(rec->image_id);
        free(rec->image_ref);
        free(rec->state);
        free(rec->config);
        free(rec->host_config);
        free(rec->labels);
        free(rec->storage_driver);
        free(rec->rw_layer);
        *rec = (struct berth_container_rec){0};
}

void berth_container_recs_free(struct berth_container_rec *recs, size_t n)
{
        if (!recs)
                return;
        for (size_t i = 0; i < n; i++)
                berth_container_rec_clear(&recs[i]);
        free(recs);
}

static bool name_char_ok(char c, bool first)
{
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
                return true;
        return !first && (c == '_' || c == '.' || c == '-');
}

bool berth_container_name_valid(const char *name)
{
        if (!name)
                return false;
        size_t n = strlen(name);
        if (n < 2 || n > NAME_MAX_LEN)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!name_char_ok(name[i], i == 0))
                        return false;
        return true;
}

bool berth_container_state_valid(const char *state)
{
        for (size_t i = 0; state && i < ARRAY_SIZE(states); i++)
                if (strcmp(state, states[i]) == 0)
                        return true;
        return false;
}

static bool is_hex(const char *s, size_t max)
{
        size_t n = strlen(s);
        if (n == 0 || n > max)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

static const char *strip_slash(const char *name)
{
        return name && name[0] == '/' ? name + 1 : name;
}

static int64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int random_bytes(void *buf, size_t n, struct berth_error *err)
{
        ssize_t got = getrandom(buf, n, 0);
        if (got < 0)
                return berth_error_errno(err, "getrandom");
        if ((size_t)got != n)
                return berth_error_set(err, EIO, "getrandom: short read (%zd of %zu bytes)", got,
                                       n);
        return 0;
}

/* 64 hex; like Docker, never an id whose 12-character short form is all digits (it would
 * read as a number). */
static int generate_id(char out[BERTH_CONTAINER_ID_LEN + 1], struct berth_error *err)
{
        static const char hex[] = "0123456789abcdef";
        for (;;) {
                unsigned char b[BERTH_CONTAINER_ID_LEN / 2];
                int r = random_bytes(b, sizeof(b), err);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < sizeof(b); i++) {
                        out[2 * i] = hex[b[i] >> 4];
                        out[2 * i + 1] = hex[b[i] & 0xf];
                }
                out[BERTH_CONTAINER_ID_LEN] = '\0';
                if (strspn(out, "0123456789") < 12)
                        return 0;
        }
}

static int conflict(struct berth_error *err, const char *name, const char *id)
{
        return berth_error_set(err, EEXIST,
                               "Conflict. The container name \"/%s\" is already in use by "
                               "container \"%s\". You have to remove (or rename) that container "
                               "to be able to reuse that name.",
                               name, id);
}

/* 1 and *id_out (owned) when a container has this name, 0 when none has. */
static int name_owner(struct berth_db *db, const char *name, char **id_out, struct berth_error *err)
{
        sqlite3_stmt *st;
        int r = berth_db_prepare(db, "SELECT id FROM containers WHERE name = ?1", &st, err);
        if (r < 0)
                return r;
        r = berth_db_bind_text(db, st, 1, name, err);
        if (r < 0)
                return r;
        r = berth_db_step(db, st, err);
        if (r <= 0)
                return r;
        r = berth_db_column_strdup(st, 0, id_out);
        sqlite3_reset(st);
        if (r < 0)
                return berth_error_set(err, -r, "out of memory");
        return 1;
}

static int generate_name(struct berth_db *db, char **out, struct berth_error *err)
{
        for (unsigned attempt = 0; attempt < NAME_RANDOM_TRIES; attempt++) {
                uint32_t rnd[2];
                int r = random_bytes(rnd, sizeof(rnd), err);
                if (r < 0)
                        return r;
                _cleanup_free_ char *base =
                    berth_strdup_printf("%s_%s", adjectives[rnd[0] % ARRAY_SIZE(adjectives)],
                                        nouns[rnd[1] % ARRAY_SIZE(nouns)]);
                if (!base)
                        return berth_error_set(err, ENOMEM, "out of memory");
                /* The last try walks numeric suffixes: base, base2, base3, ... */
                unsigned max = attempt + 1 == NAME_RANDOM_TRIES ? NAME_SUFFIX_MAX : 1;
                for (unsigned k = 1; k <= max; k++) {
                        _cleanup_free_ char *name =
                            k == 1 ? strdup(base) : berth_strdup_printf("%s%u", base, k);
                        _cleanup_free_ char *owner = NULL;
                        if (!name)
                                return berth_error_set(err, ENOMEM, "out of memory");
                        r = name_owner(db, name, &owner, err);
                        if (r < 0)
                                return r;
                        if (r == 0) {
                                *out = TAKE_PTR(name);
                                return 0;
                        }
                }
        }
        return berth_error_set(err, EEXIST, "no free container name left to generate");
}

static int image_exists(struct berth_db *db, const char *image_id, struct berth_error *err)
{
        sqlite3_stmt *st;
        int r = berth_db_prepare(db, "SELECT 1 FROM images WHERE id = ?1", &st, err);
        if (r < 0)
                return r;
        r = berth_db_bind_text(db, st, 1, image_id, err);
        if (r < 0)
                return r;
        r = berth_db_step(db, st, err);
        sqlite3_reset(st);
        return r;
}

static int insert_row(struct berth_db *db, const struct berth_container_rec *rec, const char *id,
                      const char *name, const char *state, int64_t created, struct berth_error *err)
{
        sqlite3_stmt *st;
        int r = berth_db_prepare(
            db,
            "INSERT INTO containers (" COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
            "?10, ?11, ?12, coalesce(?13, '{}'), coalesce(?14, '{}'), coalesce(?15, '{}'), "
            "?16, ?17)",
            &st, err);
        if (r < 0)
                return r;
        const struct {
                int idx;
                const char *v;
        } texts[] = {
            {1, id},
            {2, name},
            {3, rec->image_id},
            {4, rec->image_ref},
            {6, state},
            {13, rec->config},
            {14, rec->host_config},
            {15, rec->labels},
            {16, rec->storage_driver},
            {17, rec->rw_layer},
        };
        const struct {
                int idx;
                int64_t v;
        } ints[] = {
            {5, created},
            {7, rec->pid},
            {8, rec->exit_code},
            {9, rec->started_at},
            {10, rec->finished_at},
            {11, rec->oom_killed ? 1 : 0},
            {12, rec->restart_count},
        };
        for (size_t i = 0; i < ARRAY_SIZE(texts) && r >= 0; i++)
                r = berth_db_bind_text(db, st, texts[i].idx, texts[i].v, err);
        for (size_t i = 0; i < ARRAY_SIZE(ints) && r >= 0; i++)
                r = berth_db_bind_int64(db, st, ints[i].idx, ints[i].v, err);
        if (r < 0)
                return r;
        return berth_db_step_done(db, st, err);
}

static int insert_locked(struct berth_db *db, const struct berth_container_rec *rec,
                         const char *name_in, const char *state, int64_t created, char **id_out,
                         char **name_out, struct berth_error *err)
{
        _cleanup_free_ char *name = NULL;
        int r = image_exists(db, rec->image_id, err);
        if (r < 0)
                return r;
        if (r == 0)
                return berth_error_set(err, ENOENT, "image_id: no such image: %s", rec->image_id);
        if (name_in) {
                _cleanup_free_ char *owner = NULL;
                r = name_owner(db, name_in, &owner, err);
                if (r < 0)
                        return r;
                if (r > 0)
                        return conflict(err, name_in, owner);
                name = strdup(name_in);
                if (!name)
                        return berth_error_set(err, ENOMEM, "out of memory");
        } else {
                r = generate_name(db, &name, err);
                if (r < 0)
                        return r;
        }
        char id[BERTH_CONTAINER_ID_LEN + 1];
        r = generate_id(id, err);
        if (r < 0)
                return r;
        r = insert_row(db, rec, id, name, state, created, err);
        if (r < 0)
                return r;
        *id_out = strdup(id);
        if (!*id_out)
                return berth_error_set(err, ENOMEM, "out of memory");
        *name_out = TAKE_PTR(name);
        return 0;
}

int berth_containers_insert(struct berth_db *db, struct berth_container_rec *rec,
                            struct berth_error *err)
{
        if (rec->id)
                return berth_error_set(err, EINVAL, "id: must be empty, ids are generated");
        if (!rec->image_id || !*rec->image_id)
                return berth_error_set(err, EINVAL, "image_id: missing");
        const char *name_in = strip_slash(rec->name);
        if (name_in && !berth_container_name_valid(name_in))
                return berth_error_set(
                    err, EINVAL,
                    "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] "
                    "are allowed",
                    rec->name);
        const char *state = rec->state ? rec->state : "created";
        if (!berth_container_state_valid(state))
                return berth_error_set(err, EINVAL, "state: unknown container state '%s'", state);
        int64_t created = rec->created ? rec->created : now_ns();
        _cleanup_free_ char *state_copy = strdup(state);
        if (!state_copy)
                return berth_error_set(err, ENOMEM, "out of memory");

        int r = berth_db_begin(db, err);
        if (r < 0)
                return berth_error_prefix(err, r, "insert container");
        char *id = NULL, *name = NULL;
        r = insert_locked(db, rec, name_in, state, created, &id, &name, err);
        if (r >= 0)
                r = berth_db_commit(db, err);
        if (r < 0) {
                berth_db_rollback(db);
                free(id);
                free(name);
                return berth_error_prefix(err, r, "insert container");
        }
        rec->id = id;
        free(rec->name);
        rec->name = name;
        free(rec->state);
        rec->state = TAKE_PTR(state_copy);
        rec->created = created;
        return 0;
}

static int read_row(sqlite3_stmt *st, struct berth_container_rec *out, struct berth_error *err)
{
        struct berth_container_rec rec = {0};
        const struct {
                int col;
                char **dst;
        } texts[] = {
            {0, &rec.id},           {1, &rec.name},    {2, &rec.image_id},
            {3, &rec.image_ref},    {5, &rec.state},   {12, &rec.config},
            {13, &rec.host_config}, {14, &rec.labels}, {15, &rec.storage_driver},
            {16, &rec.rw_layer},
        };
        for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
                if (berth_db_column_strdup(st, texts[i].col, texts[i].dst) < 0) {
                        berth_container_rec_clear(&rec);
                        return berth_error_set(err, ENOMEM, "out of memory");
                }
        }
        rec.created = sqlite3_column_int64(st, 4);
        rec.pid = sqlite3_column_int64(st, 6);
        rec.exit_code = sqlite3_column_int64(st, 7);
        rec.started_at = sqlite3_column_int64(st, 8);
        rec.finished_at = sqlite3_column_int64(st, 9);
        rec.oom_killed = sqlite3_column_int64(st, 10) != 0;
        rec.restart_count = sqlite3_column_int64(st, 11);
        *out = rec;
        return 0;
}

/* One row of `sql` with ?1 (and ?2 if given) bound: 1 and *out filled, 0 when none. */
static int get_one(struct berth_db *db, const char *sql, const char *a1, const char *a2,
                   struct berth_container_rec *out, struct berth_error *err)
{
        sqlite3_stmt *st;
        int r = berth_db_prepare(db, sql, &st, err);
        if (r < 0)
                return r;
        r = berth_db_bind_text(db, st, 1, a1, err);
        if (r >= 0 && a2)
                r = berth_db_bind_text(db, st, 2, a2, err);
        if (r < 0)
                return r;
        r = berth_db_step(db, st, err);
        if (r <= 0)
                return r;
        r = read_row(st, out, err);
        sqlite3_reset(st);
        return r < 0 ? r : 1;
}

/* By unique id prefix: rows with prefix <= id < prefix + "g" (every hex digit sorts below
 * 'g'), at most two read to tell unique from ambiguous. */
static int get_by_prefix(struct berth_db *db, const char *prefix, struct berth_container_rec *out,
                         struct berth_error *err)
{
        _cleanup_free_ char *upper = berth_strdup_printf("%sg", prefix);
        if (!upper)
                return berth_error_set(err, ENOMEM, "out of memory");
        sqlite3_stmt *st;
        int r = berth_db_prepare(db, SELECT_ALL "WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 2",
                                 &st, err);
        if (r < 0)
                return r;
        r = berth_db_bind_text(db, st, 1, prefix, err);
        if (r >= 0)
                r = berth_db_bind_text(db, st, 2, upper, err);
        if (r < 0)
                return r;
        r = berth_db_step(db, st, err);
        if (r <= 0)
                return r;
        struct berth_container_rec rec = {0};
        r = read_row(st, &rec, err);
        if (r < 0) {
                sqlite3_reset(st);
                return r;
        }
        r = berth_db_step(db, st, err);
        sqlite3_reset(st);
        if (r != 0) {
                berth_container_rec_clear(&rec);
                if (r < 0)
                        return r;
                return berth_error_set(err, EINVAL,
                                       "container id prefix '%s' is ambiguous: it matches "
                                       "several containers",
                                       prefix);
        }
        *out = rec;
        return 1;
}

int berth_containers_get(struct berth_db *db, const char *ref, struct berth_container_rec *out,
                         struct berth_error *err)
{
        if (!ref || !*ref)
                return berth_error_set(err, EINVAL, "container name or id: empty");
        int r = 0;
        if (strlen(ref) == BERTH_CONTAINER_ID_LEN && is_hex(ref, BERTH_CONTAINER_ID_LEN))
                r = get_one(db, SELECT_ALL "WHERE id = ?1", ref, NULL, out, err);
        if (r == 0 && *strip_slash(ref))
                r = get_one(db, SELECT_ALL "WHERE name = ?1", strip_slash(ref), NULL, out, err);
        if (r == 0 && is_hex(ref, BERTH_CONTAINER_ID_LEN))
                r = get_by_prefix(db, ref, out, err);
        if (r == 0)
                return berth_error_set(err, ENOENT, "no such container: %s", ref);
        return r < 0 ? berth_error_prefix(err, r, "container '%s'", ref) : 0;
}

int berth_containers_list(struct berth_db *db, bool running_only, struct berth_container_rec **out,
                          size_t *n_out, struct berth_error *err)
{
        const char *sql = running_only ? SELECT_ALL
                              "WHERE state IN ('running', 'paused', 'restarting') "
                              "ORDER BY created DESC, id DESC"
                                       : SELECT_ALL "ORDER BY created DESC, id DESC";
        *out = NULL;
        *n_out = 0;
        sqlite3_stmt *st;
        int r = berth_db_prepare(db, sql, &st, err);
        if (r < 0)
                return berth_error_prefix(err, r, "list containers");
        struct berth_container_rec *recs = NULL;
        size_t n = 0, cap = 0;
        while ((r = berth_db_step(db, st, err)) > 0) {
                if (n == cap) {
                        size_t ncap = cap ? cap * 2 : 16;
                        struct berth_container_rec *nr = realloc(recs, ncap * sizeof(*recs));
                        if (!nr) {
                                r = berth_error_set(err, ENOMEM, "out of memory");
                                break;
                        }
                        recs = nr;
                        cap = ncap;
                }
                r = read_row(st, &recs[n], err);
                if (r < 0)
                        break;
                n++;
        }
        sqlite3_reset(st);
        if (r < 0) {
                berth_container_recs_free(recs, n);
                return berth_error_prefix(err, r, "list containers");
        }
        *out = recs;
        *n_out = n;
        return 0;
}

/* End a transaction begun by the caller: commit when r >= 0, else roll back. */
static int finish(struct berth_db *db, int r, struct berth_error *err)
{
        if (r >= 0)
                r = berth_db_commit(db, err);
        if (r < 0)
                berth_db_rollback(db);
        return r;
}

int berth_containers_update_state(struct berth_db *db, const char *id,
                                  const struct berth_container_status *s, struct berth_error *err)
{
        if (!berth_container_state_valid(s->state))
                return berth_error_set(err, EINVAL, "state: unknown container state '%s'",
                                       s->state ? s->state : "(null)");
        if (s->pid < 0 || s->restart_count < 0)
                return berth_error_set(err, EINVAL, "pid %lld / restart_count %lld: negative",
                                       (long long)s->pid, (long long)s->restart_count);
        sqlite3_stmt *st;
        int r = berth_db_begin(db, err);
        if (r < 0)
                return berth_error_prefix(err, r, "update container %s", id);
        r = berth_db_prepare(db,
                             "UPDATE containers SET state = ?2, pid = ?3, exit_code = ?4, "
                             "started_at = ?5, finished_at = ?6, oom_killed = ?7, "
                             "restart_count = ?8 WHERE id = ?1",
                             &st, err);
        if (r >= 0)
                r = berth_db_bind_text(db, st, 1, id, err);
        if (r >= 0)
                r = berth_db_bind_text(db, st, 2, s->state, err);
        const int64_t v[] = {s->pid,         s->exit_code,          s->started_at,
                             s->finished_at, s->oom_killed ? 1 : 0, s->restart_count};
        for (size_t i = 0; i < ARRAY_SIZE(v) && r >= 0; i++)
                r = berth_db_bind_int64(db, st, (int)(3 + i), v[i], err);
        if (r >= 0)
                r = berth_db_step_done(db, st, err);
        if (r >= 0 && berth_db_changes(db) == 0)
                r = berth_error_set(err, ENOENT, "no such container: %s", id);
        r = finish(db, r, err);
        return r < 0 ? berth_error_prefix(err, r, "update container") : 0;
}

static int rename_locked(struct berth_db *db, const char *id, const char *name,
                         struct berth_error *err)
{
        struct berth_container_rec cur = {0};
        int r = get_one(db, SELECT_ALL "WHERE id = ?1", id, NULL, &cur, err);
        if (r == 0)
                return berth_error_set(err, ENOENT, "no such container: %s", id);
        if (r < 0)
                return r;
        bool same = strcmp(cur.name, name) == 0;
        berth_container_rec_clear(&cur);
        if (same)
                return berth_error_set(err, EINVAL, "container %s is already named \"/%s\"", id,
                                       name);
        _cleanup_free_ char *owner = NULL;
        r = name_owner(db, name, &owner, err);
        if (r < 0)
                return r;
        if (r > 0)
                return conflict(err, name, owner);
        sqlite3_stmt *st;
        r = berth_db_prepare(db, "UPDATE containers SET name = ?2 WHERE id = ?1", &st, err);
        if (r >= 0)
                r = berth_db_bind_text(db, st, 1, id, err);
        if (r >= 0)
                r = berth_db_bind_text(db, st, 2, name, err);
        if (r >= 0)
                r = berth_db_step_done(db, st, err);
        return r;
}

int berth_containers_rename(struct berth_db *db, const char *id, const char *new_name,
                            struct berth_error *err)
{
        const char *name = strip_slash(new_name);
        if (!berth_container_name_valid(name))
                return berth_error_set(
                    err, EINVAL,
                    "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] "
                    "are allowed",
                    new_name ? new_name : "");
        int r = berth_db_begin(db, err);
        if (r < 0)
                return berth_error_prefix(err, r, "rename container");
        r = finish(db, rename_locked(db, id, name, err), err);
        return r < 0 ? berth_error_prefix(err, r, "rename container") : 0;
}

int berth_containers_remove(struct berth_db *db, const char *id, struct berth_error *err)
{
        sqlite3_stmt *st;
        int r = berth_db_begin(db, err);
        if (r < 0)
                return berth_error_prefix(err, r, "remove container");
        r = berth_db_prepare(db, "DELETE FROM containers WHERE id = ?1", &st, err);
        if (r >= 0)
                r = berth_db_bind_text(db, st, 1, id, err);
        if (r >= 0)
                r = berth_db_step_done(db, st, err);
        if (r >= 0 && berth_db_changes(db) == 0)
                r = berth_error_set(err, ENOENT, "no such container: %s", id);
        r = finish(db, r, err);
        return r < 0 ? berth_error_prefix(err, r, "remove container") : 0;
}

int berth_containers_image_in_use(struct berth_db *db, const char *image_id, char **container_out,
                                  struct berth_error *err)
{
        sqlite3_stmt *st;
        int r = berth_db_prepare(db,
                                 "SELECT id FROM containers WHERE image_id = ?1 "
                                 "ORDER BY created DESC, id DESC LIMIT 1",
                                 &st, err);
        if (r >= 0)
                r = berth_db_bind_text(db, st, 1, image_id, err);
        if (r >= 0)
                r = berth_db_step(db, st, err);
        if (r < 0)
                return berth_error_prefix(err, r, "containers of image %s", image_id);
        if (r == 0)
                return 0;
        if (container_out && berth_db_column_strdup(st, 0, container_out) < 0) {
                sqlite3_reset(st);
                return berth_error_set(err, ENOMEM, "out of memory");
        }
        sqlite3_reset(st);
        return 1;
}

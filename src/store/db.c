/* SPDX-License-Identifier: Apache-2.0 */
#include "store/db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/strutil.h"
#include "basic/banned.h"

struct stmt_entry {
        char *sql;
        sqlite3_stmt *st;
};

struct berth_db {
        sqlite3 *h;
        char *root;
        unsigned depth; /* 0: autocommit; 1: BEGIN IMMEDIATE; >1: savepoints */
        struct stmt_entry *cache;
        size_t n_cache, cap_cache;
};

static int errno_of(int rc)
{
        switch (rc & 0xff) {
        case SQLITE_OK:
                return 0;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return EBUSY;
        case SQLITE_CONSTRAINT:
                if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
                        return EEXIST;
                return EINVAL;
        case SQLITE_NOMEM:
                return ENOMEM;
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_AUTH:
                return EACCES;
        case SQLITE_FULL:
                return ENOSPC;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
                return EUCLEAN;
        case SQLITE_CANTOPEN:
                return ENOENT;
        case SQLITE_TOOBIG:
                return EFBIG;
        case SQLITE_MISUSE:
        case SQLITE_RANGE:
                return EINVAL;
        default:
                return EIO;
        }
}

int berth_db_error(struct berth_db *db, int rc, struct berth_error *err, const char *what)
{
        int e = errno_of(rc);
        if (e == 0)
                e = EIO;
        const char *m = db && db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc);
        return berth_error_set(err, e, "%s: %s", what, m);
}

sqlite3 *berth_db_handle(struct berth_db *db)
{
        return db->h;
}

const char *berth_db_root(struct berth_db *db)
{
        return db->root;
}

bool berth_db_in_transaction(struct berth_db *db)
{
        return db->depth > 0;
}

int berth_db_exec(struct berth_db *db, const char *sql, struct berth_error *err)
{
        int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
        if (rc != SQLITE_OK)
                return berth_db_error(db, sqlite3_extended_errcode(db->h), err, "exec");
        return 0;
}

int berth_db_prepare(struct berth_db *db, const char *sql, sqlite3_stmt **out,
                     struct berth_error *err)
{
        for (size_t i = 0; i < db->n_cache; i++) {
                struct stmt_entry *e = &db->cache[i];
                if (e->sql == sql || strcmp(e->sql, sql) == 0) {
                        sqlite3_reset(e->st);
                        sqlite3_clear_bindings(e->st);
                        *out = e->st;
                        return 0;
                }
        }
        if (db->n_cache == db->cap_cache) {
                size_t ncap = db->cap_cache ? db->cap_cache * 2 : 32;
                struct stmt_entry *n = realloc(db->cache, ncap * sizeof(*n));
                if (!n)
                        return berth_error_set(err, ENOMEM, "out of memory");
                db->cache = n;
                db->cap_cache = ncap;
        }
        _cleanup_free_ char *copy = strdup(sql);
        if (!copy)
                return berth_error_set(err, ENOMEM, "out of memory");
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
        if (rc != SQLITE_OK)
                return berth_db_error(db, rc, err, "prepare");
        db->cache[db->n_cache++] = (struct stmt_entry){TAKE_PTR(copy), st};
        *out = st;
        return 0;
}

static void reset_all(struct berth_db *db)
{
        for (size_t i = 0; i < db->n_cache; i++)
                sqlite3_reset(db->cache[i].st);
}

int berth_db_bind_text(struct berth_db *db, sqlite3_stmt *st, int idx, const char *s,
                       struct berth_error *err)
{
        int rc =
            s ? sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, idx);
        return rc == SQLITE_OK ? 0 : berth_db_error(db, rc, err, "bind");
}

int berth_db_bind_int64(struct berth_db *db, sqlite3_stmt *st, int idx, int64_t v,
                        struct berth_error *err)
{
        int rc = sqlite3_bind_int64(st, idx, v);
        return rc == SQLITE_OK ? 0 : berth_db_error(db, rc, err, "bind");
}

int berth_db_bind_blob(struct berth_db *db, sqlite3_stmt *st, int idx, const void *data, size_t len,
                       struct berth_error *err)
{
        int rc = sqlite3_bind_blob64(st, idx, data, len, SQLITE_TRANSIENT);
        return rc == SQLITE_OK ? 0 : berth_db_error(db, rc, err, "bind");
}

int berth_db_step(struct berth_db *db, sqlite3_stmt *st, struct berth_error *err)
{
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                return 1;
        if (rc == SQLITE_DONE) {
                sqlite3_reset(st);
                return 0;
        }
        rc = sqlite3_extended_errcode(db->h);
        int r = berth_db_error(db, rc, err, "step");
        sqlite3_reset(st);
        return r;
}

int berth_db_step_done(struct berth_db *db, sqlite3_stmt *st, struct berth_error *err)
{
        int r = berth_db_step(db, st, err);
        if (r > 0) {
                sqlite3_reset(st);
                return 0;
        }
        return r;
}

int64_t berth_db_changes(struct berth_db *db)
{
        return sqlite3_changes64(db->h);
}

int berth_db_column_strdup(sqlite3_stmt *st, int col, char **out)
{
        const unsigned char *s = sqlite3_column_text(st, col);
        if (!s) {
                *out = NULL;
                return 0;
        }
        *out = strdup((const char *)s);
        return *out ? 0 : -ENOMEM;
}

int berth_db_begin(struct berth_db *db, struct berth_error *err)
{
        char sql[64];
        if (db->depth == 0) {
                reset_all(db);
                snprintf(sql, sizeof(sql), "BEGIN IMMEDIATE");
        } else {
                snprintf(sql, sizeof(sql), "SAVEPOINT berth_sp%u", db->depth);
        }
        int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
        if (rc != SQLITE_OK)
                return berth_db_error(db, sqlite3_extended_errcode(db->h), err,
                                      "begin transaction");
        db->depth++;
        return 0;
}

int berth_db_commit(struct berth_db *db, struct berth_error *err)
{
        char sql[64];
        if (db->depth == 0)
                return berth_error_set(err, EINVAL, "commit without a transaction");
        if (db->depth == 1) {
                reset_all(db);
                snprintf(sql, sizeof(sql), "COMMIT");
        } else {
                snprintf(sql, sizeof(sql), "RELEASE berth_sp%u", db->depth - 1);
        }
        int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
                int r = berth_db_error(db, sqlite3_extended_errcode(db->h), err, "commit");
                berth_db_rollback(db);
                return r;
        }
        db->depth--;
        return 0;
}

void berth_db_rollback(struct berth_db *db)
{
        char sql[96];
        if (db->depth == 0)
                return;
        if (db->depth == 1) {
                reset_all(db);
                /* COMMIT failing may already have ended the transaction. */
                if (!sqlite3_get_autocommit(db->h))
                        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
        } else {
                snprintf(sql, sizeof(sql), "ROLLBACK TO berth_sp%u; RELEASE berth_sp%u",
                         db->depth - 1, db->depth - 1);
                sqlite3_exec(db->h, sql, NULL, NULL, NULL);
        }
        db->depth--;
}

static int pragma_int(struct berth_db *db, const char *sql, int *out, struct berth_error *err)
{
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
        if (rc != SQLITE_OK)
                return berth_db_error(db, rc, err, sql);
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
                int r = berth_db_error(db, sqlite3_extended_errcode(db->h), err, sql);
                sqlite3_finalize(st);
                return r;
        }
        *out = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        return 0;
}

int berth_db_schema_version(struct berth_db *db, struct berth_error *err)
{
        int v = 0;
        int r = pragma_int(db, "PRAGMA user_version", &v, err);
        return r < 0 ? r : v;
}

static int journal_is_wal(struct berth_db *db, bool *wal, struct berth_error *err)
{
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(db->h, "PRAGMA journal_mode", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return berth_db_error(db, rc, err, "journal_mode");
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
                int r = berth_db_error(db, sqlite3_extended_errcode(db->h), err, "journal_mode");
                sqlite3_finalize(st);
                return r;
        }
        const char *m = (const char *)sqlite3_column_text(st, 0);
        *wal = m && strcmp(m, "wal") == 0;
        sqlite3_finalize(st);
        return 0;
}

/* Switching to WAL needs a moment of exclusive access; SQLite does not always call the
 * busy handler for it (two processes creating the database at once), so retry here for
 * as long as the busy timeout. */
static int set_wal(struct berth_db *db, struct berth_error *err)
{
        for (unsigned waited_ms = 0, switched = 0;; waited_ms += 5) {
                bool wal = false;
                int r = journal_is_wal(db, &wal, err);
                if (r >= 0 && wal)
                        return 0;
                if (r >= 0 && switched > 3)
                        return berth_error_set(err, EIO, "the database refuses WAL journaling");
                if (r >= 0)
                        r = berth_db_exec(db, "PRAGMA journal_mode=WAL", err);
                if (r >= 0) {
                        switched++;
                        continue; /* check it took */
                }
                if (r != -EBUSY || waited_ms >= BERTH_DB_BUSY_TIMEOUT_MS)
                        return berth_error_prefix(err, r, "switch to WAL");
                usleep(5000);
        }
}

/* Apply migrations [current, n), each in its own transaction; the version is re-read under
 * the write lock so two processes opening a fresh root at once do not both apply one. */
static int migrate(struct berth_db *db, const char *const *migrations, unsigned n,
                   struct berth_error *err)
{
        for (;;) {
                int v = berth_db_schema_version(db, err);
                if (v < 0)
                        return v;
                if ((unsigned)v > n)
                        return berth_error_set(err, EPROTO,
                                               "database schema version %d is newer than this "
                                               "berth knows (%u)",
                                               v, n);
                if ((unsigned)v >= n)
                        return 0;
                int r = berth_db_begin(db, err);
                if (r < 0)
                        return r;
                v = berth_db_schema_version(db, err);
                if (v < 0 || (unsigned)v >= n) {
                        berth_db_rollback(db);
                        if (v < 0)
                                return v;
                        continue;
                }
                r = berth_db_exec(db, migrations[v], err);
                if (r < 0) {
                        berth_db_rollback(db);
                        return berth_error_prefix(err, r, "schema migration %d", v + 1);
                }
                char sql[64];
                snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
                r = berth_db_exec(db, sql, err);
                if (r >= 0)
                        r = berth_db_commit(db, err);
                else
                        berth_db_rollback(db);
                if (r < 0)
                        return berth_error_prefix(err, r, "schema migration %d", v + 1);
        }
}

static int open_file(const char *root, char **path_out, struct berth_error *err)
{
        int r = berth_mkdir_p(root, 0700);
        if (r < 0)
                return berth_error_set(err, -r, "create state root '%s': %s", root, strerror(-r));
        _cleanup_free_ char *path = berth_strdup_printf("%s/%s", root, BERTH_DB_FILE);
        if (!path)
                return berth_error_set(err, ENOMEM, "out of memory");
        /* Create it ourselves so the mode is 0600 whatever the umask says. */
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0)
                return berth_error_errno(err, "open '%s'", path);
        struct stat st;
        if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
                (void)fchmod(fd, st.st_mode & 0700);
        close(fd);
        *path_out = TAKE_PTR(path);
        return 0;
}

int berth_db_open_with(const char *root, const char *const *migrations, unsigned n,
                       struct berth_db **out, struct berth_error *err)
{
        _cleanup_free_ char *path = NULL;
        int r = open_file(root, &path, err);
        if (r < 0)
                return r;
        struct berth_db *db = calloc(1, sizeof(*db));
        if (!db)
                return berth_error_set(err, ENOMEM, "out of memory");
        db->root = strdup(root);
        if (!db->root) {
                berth_db_close(db);
                return berth_error_set(err, ENOMEM, "out of memory");
        }
        int rc = sqlite3_open_v2(path, &db->h,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                                     SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE,
                                 NULL);
        if (rc != SQLITE_OK) {
                r = berth_db_error(db, rc, err, "open database");
                goto fail;
        }
        sqlite3_extended_result_codes(db->h, 1);
        sqlite3_busy_timeout(db->h, BERTH_DB_BUSY_TIMEOUT_MS);
        r = set_wal(db, err);
        if (r < 0)
                goto fail;
        r = berth_db_exec(db,
                          "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                          "PRAGMA temp_store=MEMORY",
                          err);
        if (r < 0)
                goto fail;
        r = migrate(db, migrations, n, err);
        if (r < 0)
                goto fail;
        *out = db;
        return 0;
fail:
        berth_db_close(db);
        return berth_error_prefix(err, r, "state database '%s'", path);
}

int berth_db_open(const char *root, struct berth_db **out, struct berth_error *err)
{
        return berth_db_open_with(root, berth_db_migrations, berth_db_n_migrations, out, err);
}

void berth_db_close(struct berth_db *db)
{
        if (!db)
                return;
        while (db->depth > 0)
                berth_db_rollback(db);
        for (size_t i = 0; i < db->n_cache; i++) {
                sqlite3_finalize(db->cache[i].st);
                free(db->cache[i].sql);
        }
        free(db->cache);
        if (db->h)
                sqlite3_close_v2(db->h);
        free(db->root);
        free(db);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth's state database: one SQLite file, <root>/berth.db, in WAL mode.
 *
 * One connection per process (opened NOMUTEX: a connection is used by one thread at a
 * time).  Every change is a transaction started with berth_db_begin() (BEGIN IMMEDIATE, so
 * a writer waits for the write lock at the start instead of failing at commit).  Calls
 * nest: an inner begin is a SAVEPOINT, so a command can wrap several library operations
 * in its one transaction.  Readers outside a transaction see the last committed state.
 *
 * Schema: src/store/schema.c holds the migrations, an ordered array of SQL scripts.
 * PRAGMA user_version is the number applied; each pending one runs in its own transaction
 * at open.  New tables come as new migrations appended there; old ones are never edited.
 *
 * Errors: SQLite result codes become negative errnos with a message naming the statement:
 *   SQLITE_BUSY/LOCKED -> -EBUSY, CONSTRAINT -> -EEXIST (unique/primary key) or -EINVAL
 *   (check, not null, foreign key), NOMEM -> -ENOMEM, READONLY/PERM/AUTH -> -EACCES,
 *   FULL -> -ENOSPC, CORRUPT/NOTADB -> -EUCLEAN, CANTOPEN -> -ENOENT or -EACCES, IOERR
 *   -> -EIO, anything else -> -EIO.  A database newer than this berth is -EPROTO.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "basic/error.h"

#define BERTH_DB_FILE            "berth.db"
#define BERTH_DB_BUSY_TIMEOUT_MS 10000

struct berth_db;

/* The migrations (src/store/schema.c): berth_db_migrations[i] brings user_version i to
 * i + 1.  Only append. */
extern const char *const berth_db_migrations[];
extern const unsigned berth_db_n_migrations;

/* Open (creating if needed) <root>/berth.db.  The root directory is created with mode 0700
 * when missing, the database file with mode 0600.  Pending migrations are applied.
 * *out is owned by the caller: berth_db_close(). */
int berth_db_open(const char *root, struct berth_db **out, struct berth_error *err);
/* Finalises cached statements and closes; rolls back an open transaction.  NULL is fine. */
void berth_db_close(struct berth_db *db);

/* Open with an explicit migration list (tests use it to check upgrades).  n may be
 * smaller than the full list to leave the database at an older version. */
int berth_db_open_with(const char *root, const char *const *migrations, unsigned n,
                       struct berth_db **out, struct berth_error *err);

sqlite3 *berth_db_handle(struct berth_db *db);
const char *berth_db_root(struct berth_db *db);
/* PRAGMA user_version (>= 0) or a negative errno. */
int berth_db_schema_version(struct berth_db *db, struct berth_error *err);

/* Transactions.  begin: BEGIN IMMEDIATE at depth 0 (waits up to the busy timeout for other
 * writers, then -EBUSY), SAVEPOINT when nested.  commit: COMMIT / RELEASE.  rollback:
 * ROLLBACK / ROLLBACK TO + RELEASE; never fails from the caller's point of view. */
int berth_db_begin(struct berth_db *db, struct berth_error *err);
int berth_db_commit(struct berth_db *db, struct berth_error *err);
void berth_db_rollback(struct berth_db *db);
bool berth_db_in_transaction(struct berth_db *db);

/* Run SQL without results (may hold several statements).  Not cached. */
int berth_db_exec(struct berth_db *db, const char *sql, struct berth_error *err);

/* A prepared statement from the per-connection cache, keyed by the SQL text; it comes back
 * reset with its bindings cleared.  The cache owns it: do not finalise it, and do not hold
 * it across another berth_db_prepare() of the same SQL. */
int berth_db_prepare(struct berth_db *db, const char *sql, sqlite3_stmt **out,
                     struct berth_error *err);

/* Typed binds (1-based index as in SQLite).  Text and blobs are copied (SQLITE_TRANSIENT).
 * A NULL string binds SQL NULL. */
int berth_db_bind_text(struct berth_db *db, sqlite3_stmt *st, int idx, const char *s,
                       struct berth_error *err);
int berth_db_bind_int64(struct berth_db *db, sqlite3_stmt *st, int idx, int64_t v,
                        struct berth_error *err);
int berth_db_bind_blob(struct berth_db *db, sqlite3_stmt *st, int idx, const void *data, size_t len,
                       struct berth_error *err);

/* Step: 1 when a row is ready, 0 when done, negative errno on error (statement reset). */
int berth_db_step(struct berth_db *db, sqlite3_stmt *st, struct berth_error *err);
/* Step a statement that returns no row (INSERT/UPDATE/DELETE); 0 or negative errno. */
int berth_db_step_done(struct berth_db *db, sqlite3_stmt *st, struct berth_error *err);
/* Rows changed by the last INSERT/UPDATE/DELETE. */
int64_t berth_db_changes(struct berth_db *db);

/* Column helpers: a malloc'ed copy of a text column (NULL for SQL NULL; -ENOMEM). */
int berth_db_column_strdup(sqlite3_stmt *st, int col, char **out);

/* Translate an SQLite result code into a negative errno and fill err with
 * "what: sqlite message". */
int berth_db_error(struct berth_db *db, int rc, struct berth_error *err, const char *what);

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
#include <unistd.h>

#include <cmocka.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/sha256.h"
#include "basic/strutil.h"
#include "image/blobstore.h"
#include "store/db.h"
#include "basic/banned.h"

static int setup(void **state)
{
        char tmpl[] = "/tmp/berth-test-store-XXXXXX";
        char *dir = mkdtemp(tmpl);
        assert_non_null(dir);
        /* A root that does not exist yet: open must create it 0700. */
        *state = berth_strdup_printf("%s/root", dir);
        return 0;
}

static int teardown(void **state)
{
        char *root = *state;
        char *slash = strrchr(root, '/');
        *slash = '\0';
        berth_rm_rf_at(AT_FDCWD, root);
        free(root);
        return 0;
}

static struct berth_db *open_db(const char *root)
{
        struct berth_db *db = NULL;
        struct berth_error err = {0};
        if (berth_db_open(root, &db, &err) < 0)
                fail_msg("open: %s", err.msg);
        return db;
}

static int64_t count(struct berth_db *db, const char *sql)
{
        sqlite3_stmt *st;
        assert_int_equal(berth_db_prepare(db, sql, &st, NULL), 0);
        assert_int_equal(berth_db_step(db, st, NULL), 1);
        int64_t n = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return n;
}

static void check_integrity(struct berth_db *db)
{
        sqlite3_stmt *st;
        assert_int_equal(berth_db_prepare(db, "PRAGMA integrity_check", &st, NULL), 0);
        assert_int_equal(berth_db_step(db, st, NULL), 1);
        assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
        sqlite3_reset(st);
        assert_int_equal(count(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
}

static void test_create(void **state)
{
        const char *root = *state;
        struct berth_db *db = open_db(root);
        struct stat st;
        assert_int_equal(stat(root, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0700);
        char path[4096];
        snprintf(path, sizeof(path), "%s/berth.db", root);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(berth_db_schema_version(db, NULL), (int)berth_db_n_migrations);
        /* WAL, foreign keys, synchronous=NORMAL (1). */
        sqlite3_stmt *s;
        assert_int_equal(berth_db_prepare(db, "PRAGMA journal_mode", &s, NULL), 0);
        assert_int_equal(berth_db_step(db, s, NULL), 1);
        assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
        sqlite3_reset(s);
        assert_int_equal(count(db, "PRAGMA foreign_keys"), 1);
        assert_int_equal(count(db, "PRAGMA synchronous"), 1);
        /* The v1 tables exist. */
        assert_int_equal(count(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
                                   "name IN ('images','image_tags','image_digests','layers',"
                                   "'image_layers','blobs','image_blobs')"),
                         7);
        check_integrity(db);
        berth_db_close(db);
        /* Reopening applies nothing and keeps the version. */
        db = open_db(root);
        assert_int_equal(berth_db_schema_version(db, NULL), (int)berth_db_n_migrations);
        berth_db_close(db);
}

static void test_migrations(void **state)
{
        const char *root = *state;
        static const char *const migs[] = {
            "CREATE TABLE t1 (a INTEGER PRIMARY KEY, b TEXT NOT NULL UNIQUE)",
            "ALTER TABLE t1 ADD COLUMN c INTEGER NOT NULL DEFAULT 7",
            "CREATE TABLE t2 (x INTEGER); INSERT INTO nosuchtable VALUES (1)",
        };
        struct berth_db *db = NULL;
        struct berth_error err = {0};
        assert_int_equal(berth_db_open_with(root, migs, 1, &db, &err), 0);
        assert_int_equal(berth_db_schema_version(db, NULL), 1);
        assert_int_equal(berth_db_exec(db, "INSERT INTO t1 (b) VALUES ('x')", NULL), 0);
        berth_db_close(db);
        /* Upgrade 1 -> 2 keeps the data and adds the column. */
        assert_int_equal(berth_db_open_with(root, migs, 2, &db, &err), 0);
        assert_int_equal(berth_db_schema_version(db, NULL), 2);
        assert_int_equal(count(db, "SELECT c FROM t1 WHERE b = 'x'"), 7);
        berth_db_close(db);
        /* A failing migration is rolled back as a whole: no t2, version stays 2. */
        assert_int_equal(berth_db_open_with(root, migs, 3, &db, &err), -EIO);
        assert_non_null(strstr(err.msg, "schema migration 3"));
        assert_int_equal(berth_db_open_with(root, migs, 2, &db, &err), 0);
        assert_int_equal(berth_db_schema_version(db, NULL), 2);
        assert_int_equal(count(db, "SELECT count(*) FROM sqlite_schema WHERE name = 't2'"), 0);
        berth_db_close(db);
        /* A database newer than this berth is refused. */
        assert_int_equal(berth_db_open_with(root, migs, 1, &db, &err), -EPROTO);
        assert_non_null(strstr(err.msg, "newer"));
}

static void test_transactions(void **state)
{
        const char *root = *state;
        struct berth_db *db = open_db(root);
        struct berth_error err = {0};
        assert_int_equal(berth_db_exec(db,
                                       "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER CHECK "
                                       "(v >= 0))",
                                       NULL),
                         0);
        static const char ins[] = "INSERT INTO t (k, v) VALUES (?1, ?2)";
        sqlite3_stmt *st, *st2;
        /* Commit. */
        assert_int_equal(berth_db_begin(db, NULL), 0);
        assert_true(berth_db_in_transaction(db));
        assert_int_equal(berth_db_prepare(db, ins, &st, NULL), 0);
        assert_int_equal(berth_db_bind_text(db, st, 1, "a", NULL), 0);
        assert_int_equal(berth_db_bind_int64(db, st, 2, 1, NULL), 0);
        assert_int_equal(berth_db_step_done(db, st, NULL), 0);
        assert_int_equal(berth_db_commit(db, NULL), 0);
        assert_false(berth_db_in_transaction(db));
        /* The cache hands back the same statement for the same SQL. */
        assert_int_equal(berth_db_prepare(db, ins, &st2, NULL), 0);
        assert_ptr_equal(st, st2);
        /* Rollback. */
        assert_int_equal(berth_db_begin(db, NULL), 0);
        assert_int_equal(berth_db_bind_text(db, st2, 1, "b", NULL), 0);
        assert_int_equal(berth_db_step_done(db, st2, NULL), 0);
        berth_db_rollback(db);
        assert_int_equal(count(db, "SELECT count(*) FROM t"), 1);
        /* Nested: an inner rollback undoes only the inner part. */
        assert_int_equal(berth_db_begin(db, NULL), 0);
        assert_int_equal(berth_db_exec(db, "INSERT INTO t VALUES ('outer', 1)", NULL), 0);
        assert_int_equal(berth_db_begin(db, NULL), 0);
        assert_int_equal(berth_db_exec(db, "INSERT INTO t VALUES ('inner', 1)", NULL), 0);
        berth_db_rollback(db);
        assert_true(berth_db_in_transaction(db));
        assert_int_equal(berth_db_begin(db, NULL), 0);
        assert_int_equal(berth_db_exec(db, "INSERT INTO t VALUES ('inner2', 1)", NULL), 0);
        assert_int_equal(berth_db_commit(db, NULL), 0);
        assert_int_equal(berth_db_commit(db, NULL), 0);
        assert_int_equal(count(db, "SELECT count(*) FROM t"), 3);
        assert_int_equal(count(db, "SELECT count(*) FROM t WHERE k = 'inner'"), 0);
        /* Error translation. */
        assert_int_equal(berth_db_exec(db, "INSERT INTO t VALUES ('a', 2)", &err), -EEXIST);
        assert_non_null(strstr(err.msg, "UNIQUE"));
        assert_int_equal(berth_db_exec(db, "INSERT INTO t VALUES ('neg', -1)", &err), -EINVAL);
        assert_int_equal(berth_db_prepare(db, "SELECT * FROM nowhere", &st, &err), -EIO);
        assert_non_null(strstr(err.msg, "nowhere"));
        assert_int_equal(berth_db_commit(db, &err), -EINVAL);
        /* Typed step and column helpers. */
        assert_int_equal(berth_db_prepare(db, "SELECT k FROM t WHERE k = ?1", &st, NULL), 0);
        assert_int_equal(berth_db_bind_text(db, st, 1, "outer", NULL), 0);
        assert_int_equal(berth_db_step(db, st, NULL), 1);
        char *k = NULL;
        assert_int_equal(berth_db_column_strdup(st, 0, &k), 0);
        assert_string_equal(k, "outer");
        free(k);
        assert_int_equal(berth_db_step(db, st, NULL), 0);
        berth_db_close(db);
}

/* Another process holding the write lock: begin waits for it (busy timeout), and while it
 * is held past the timeout the error is -EBUSY. */
static void test_busy(void **state)
{
        const char *root = *state;
        struct berth_db *db = open_db(root);
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct berth_db *c = NULL;
                if (berth_db_open(root, &c, NULL) < 0 || berth_db_begin(c, NULL) < 0)
                        _exit(1);
                if (write(p[1], "x", 1) != 1)
                        _exit(1);
                usleep(300 * 1000);
                _exit(berth_db_commit(c, NULL) < 0);
        }
        char x;
        assert_int_equal(read(p[0], &x, 1), 1);
        /* Waits for the child's commit (300 ms < 10 s busy timeout). */
        assert_int_equal(berth_db_begin(db, NULL), 0);
        berth_db_rollback(db);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        /* With a short timeout, a held lock is -EBUSY. */
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct berth_db *c = NULL;
                if (berth_db_open(root, &c, NULL) < 0 || berth_db_begin(c, NULL) < 0)
                        _exit(1);
                if (write(p[1], "x", 1) != 1)
                        _exit(1);
                pause();
                _exit(0);
        }
        assert_int_equal(read(p[0], &x, 1), 1);
        sqlite3_busy_timeout(berth_db_handle(db), 50);
        struct berth_error err = {0};
        assert_int_equal(berth_db_begin(db, &err), -EBUSY);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        /* The dead writer's lock is gone. */
        sqlite3_busy_timeout(berth_db_handle(db), BERTH_DB_BUSY_TIMEOUT_MS);
        assert_int_equal(berth_db_begin(db, NULL), 0);
        assert_int_equal(berth_db_commit(db, NULL), 0);
        close(p[0]);
        close(p[1]);
        berth_db_close(db);
}

#define N_WRITES 150

static void writer(const char *root, int who)
{
        struct berth_db *db = NULL;
        if (berth_db_open(root, &db, NULL) < 0)
                _exit(2);
        for (int i = 0; i < N_WRITES; i++) {
                sqlite3_stmt *st;
                if (berth_db_begin(db, NULL) < 0)
                        _exit(3);
                if (berth_db_prepare(db, "INSERT INTO w (who, i) VALUES (?1, ?2)", &st, NULL) < 0 ||
                    berth_db_bind_int64(db, st, 1, who, NULL) < 0 ||
                    berth_db_bind_int64(db, st, 2, i, NULL) < 0 ||
                    berth_db_step_done(db, st, NULL) < 0)
                        _exit(4);
                if (berth_db_prepare(db, "UPDATE c SET n = n + 1", &st, NULL) < 0 ||
                    berth_db_step_done(db, st, NULL) < 0)
                        _exit(5);
                if (berth_db_commit(db, NULL) < 0)
                        _exit(6);
        }
        berth_db_close(db);
        _exit(0);
}

static void test_concurrent_writers(void **state)
{
        const char *root = *state;
        struct berth_db *db = open_db(root);
        assert_int_equal(berth_db_exec(db,
                                       "CREATE TABLE w (who INTEGER, i INTEGER, PRIMARY KEY (who, "
                                       "i)); CREATE TABLE c (n INTEGER); INSERT INTO c VALUES (0)",
                                       NULL),
                         0);
        berth_db_close(db);
        pid_t kids[2];
        for (int k = 0; k < 2; k++) {
                kids[k] = fork();
                assert_true(kids[k] >= 0);
                if (kids[k] == 0)
                        writer(root, k);
        }
        for (int k = 0; k < 2; k++) {
                int status;
                assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        fail_msg("writer %d failed: status %d", k, status);
        }
        db = open_db(root);
        assert_int_equal(count(db, "SELECT count(*) FROM w"), 2 * N_WRITES);
        /* No lost update: the counter saw every increment. */
        assert_int_equal(count(db, "SELECT n FROM c"), 2 * N_WRITES);
        check_integrity(db);
        berth_db_close(db);
}

/* Two processes opening a fresh root at the same instant: both succeed, the schema is
 * applied once. */
static void test_concurrent_create(void **state)
{
        const char *root = *state;
        for (int round = 0; round < 8; round++) {
                char *r = berth_strdup_printf("%s-%d", root, round);
                pid_t kids[2];
                for (int k = 0; k < 2; k++) {
                        kids[k] = fork();
                        assert_true(kids[k] >= 0);
                        if (kids[k] == 0) {
                                struct berth_db *db = NULL;
                                struct berth_error err = {0};
                                if (berth_db_open(r, &db, &err) < 0) {
                                        fprintf(stderr, "child: %s\n", err.msg);
                                        _exit(1);
                                }
                                berth_db_close(db);
                                _exit(0);
                        }
                }
                for (int k = 0; k < 2; k++) {
                        int status;
                        assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
                        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
                }
                struct berth_db *db = open_db(r);
                assert_int_equal(berth_db_schema_version(db, NULL), (int)berth_db_n_migrations);
                check_integrity(db);
                berth_db_close(db);
                berth_rm_rf_at(AT_FDCWD, r);
                free(r);
        }
}

/* A file that is not a database is reported, not overwritten. */
static void test_not_a_database(void **state)
{
        const char *root = *state;
        assert_int_equal(berth_mkdir_p(root, 0700), 0);
        char path[4096];
        snprintf(path, sizeof(path), "%s/berth.db", root);
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        char junk[4096];
        memset(junk, 'J', sizeof(junk));
        assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
        close(fd);
        struct berth_db *db = NULL;
        struct berth_error err = {0};
        assert_int_equal(berth_db_open(root, &db, &err), -EUCLEAN);
        assert_non_null(strstr(err.msg, "berth.db"));
        assert_null(db);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_size, (off_t)sizeof(junk));
}

/* A child that is killed in the middle of a transaction and of a blob write leaves a store
 * the next process opens and finds consistent: no partial rows, no partial blob. */
static void test_crash(void **state)
{
        const char *root = *state;
        struct berth_db *db = open_db(root);
        assert_int_equal(berth_db_exec(db, "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)", NULL),
                         0);
        assert_int_equal(berth_db_exec(db, "INSERT INTO t VALUES (1, 'committed')", NULL), 0);
        berth_db_close(db);
        static char data[1 << 20];
        memset(data, 'z', sizeof(data));
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct berth_db *c = NULL;
                struct berth_blobstore *bs = NULL;
                struct berth_blob_writer *w = NULL;
                if (berth_db_open(root, &c, NULL) < 0 || berth_blobstore_open(root, &bs, NULL) < 0)
                        _exit(1);
                if (berth_db_begin(c, NULL) < 0)
                        _exit(1);
                for (int i = 2; i < 2000; i++) {
                        char sql[96];
                        snprintf(sql, sizeof(sql), "INSERT INTO t VALUES (%d, 'partial')", i);
                        if (berth_db_exec(c, sql, NULL) < 0)
                                _exit(1);
                }
                if (berth_blob_writer_begin(bs, NULL, -1, &w, NULL) < 0 ||
                    berth_blob_writer_write(w, data, sizeof(data) / 2, NULL) < 0)
                        _exit(1);
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
        /* The dead writer's temp file is there until a store is opened. */
        char tmpdir[4096];
        snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", root);
        int tfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(tfd >= 0);
        char name[64];
        snprintf(name, sizeof(name), "blob-%d-", (int)pid);
        DIR *d = fdopendir(tfd);
        struct dirent *de;
        int found = 0;
        while ((de = readdir(d)))
                found += berth_startswith(de->d_name, name);
        assert_int_equal(found, 1);

        db = open_db(root);
        struct berth_blobstore *bs = NULL;
        assert_int_equal(berth_blobstore_open(root, &bs, NULL), 0);
        assert_int_equal(count(db, "SELECT count(*) FROM t"), 1);
        check_integrity(db);
        /* The half-written blob is nowhere: not in the store, not in tmp. */
        char **all = NULL;
        assert_int_equal(berth_blobstore_list(bs, &all, NULL), 0);
        assert_null(all[0]);
        berth_strv_free(all);
        rewinddir(d);
        found = 0;
        while ((de = readdir(d)))
                found += berth_startswith(de->d_name, name);
        assert_int_equal(found, 0);
        closedir(d);
        /* And the store takes writes. */
        assert_int_equal(berth_db_begin(db, NULL), 0);
        assert_int_equal(berth_db_exec(db, "INSERT INTO t VALUES (2, 'after')", NULL), 0);
        assert_int_equal(berth_db_commit(db, NULL), 0);
        berth_blobstore_close(bs);
        berth_db_close(db);
}

static void touch(const char *path)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        close(fd);
}

static void test_blobstore(void **state)
{
        const char *root = *state;
        struct berth_blobstore *bs = NULL;
        struct berth_error err = {0};
        assert_int_equal(berth_blobstore_open(root, &bs, &err), 0);
        static const char hello[] = "hello blob";
        uint8_t d[32];
        char hex[65], want[80], got[BERTH_DIGEST_MAX];
        berth_sha256(hello, strlen(hello), d);
        berth_sha256_hex(d, hex);
        snprintf(want, sizeof(want), "sha256:%s", hex);
        /* Wrong expected digest: refused, nothing stored. */
        char wrong[80];
        snprintf(wrong, sizeof(wrong), "sha256:%064d", 0);
        assert_int_equal(berth_blobstore_put(bs, hello, strlen(hello), wrong, got, &err), -EBADMSG);
        assert_non_null(strstr(err.msg, "mismatch"));
        assert_int_equal(berth_blobstore_exists(bs, wrong, NULL), 0);
        assert_int_equal(berth_blobstore_exists(bs, want, NULL), 0);
        /* Right digest. */
        assert_int_equal(berth_blobstore_put(bs, hello, strlen(hello), want, got, &err), 0);
        assert_string_equal(got, want);
        assert_int_equal(berth_blobstore_exists(bs, want, NULL), 1);
        /* Again: a no-op. */
        assert_int_equal(berth_blobstore_put(bs, hello, strlen(hello), NULL, got, &err), 0);
        char *buf = NULL;
        size_t len = 0;
        assert_int_equal(berth_blobstore_read(bs, want, 1024, &buf, &len, &err), 0);
        assert_int_equal(len, strlen(hello));
        assert_memory_equal(buf, hello, len);
        free(buf);
        /* Size checks: too many bytes fail at once, too few at commit. */
        struct berth_blob_writer *w = NULL;
        assert_int_equal(berth_blob_writer_begin(bs, NULL, 4, &w, NULL), 0);
        assert_int_equal(berth_blob_writer_write(w, hello, 5, &err), -EFBIG);
        berth_blob_writer_abort(w);
        assert_int_equal(berth_blob_writer_begin(bs, want, 100, &w, NULL), 0);
        assert_int_equal(berth_blob_writer_write(w, hello, strlen(hello), NULL), 0);
        assert_int_equal(berth_blob_writer_commit(w, got, NULL, &err), -EBADMSG);
        /* Bad digest strings never become paths. */
        assert_int_equal(berth_blobstore_exists(bs, "sha256:../../etc/passwd", &err), -EINVAL);
        assert_int_equal(berth_blobstore_delete(bs, "sha256:", &err), -EINVAL);
        char s512[200];
        snprintf(s512, sizeof(s512), "sha512:%0128d", 0);
        assert_int_equal(berth_blobstore_exists(bs, s512, &err), -EOPNOTSUPP);
        /* Corruption is detected on verified reads. */
        char path[4096];
        snprintf(path, sizeof(path), "%s/blobs/sha256/%s", root, hex);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(pwrite(fd, "J", 1, 0), 1);
        close(fd);
        assert_int_equal(berth_blobstore_read(bs, want, 1024, &buf, &len, &err), -EBADMSG);
        int bfd = -1;
        assert_int_equal(berth_blobstore_open_blob(bs, want, true, &bfd, NULL, &err), -EBADMSG);
        assert_int_equal(berth_blobstore_open_blob(bs, want, false, &bfd, NULL, &err), 0);
        close(bfd);
        /* List and delete; nothing left in tmp. */
        char **all = NULL;
        assert_int_equal(berth_blobstore_list(bs, &all, NULL), 0);
        assert_int_equal(berth_strv_length(all), 1);
        assert_string_equal(all[0], want);
        berth_strv_free(all);
        assert_int_equal(berth_blobstore_delete(bs, want, NULL), 0);
        assert_int_equal(berth_blobstore_delete(bs, want, NULL), -ENOENT);
        assert_int_equal(berth_blobstore_open_blob(bs, want, false, &bfd, NULL, NULL), -ENOENT);
        /* From an fd. */
        int pp[2];
        assert_int_equal(pipe2(pp, O_CLOEXEC), 0);
        assert_int_equal(write(pp[1], hello, strlen(hello)), (ssize_t)strlen(hello));
        close(pp[1]);
        assert_int_equal(berth_blobstore_put_fd(bs, pp[0], want, -1, got, &err), 0);
        close(pp[0]);
        assert_string_equal(got, want);
        /* A stale temp file of a dead pid and an old one are cleaned; a live one stays. */
        snprintf(path, sizeof(path), "%s/tmp/blob-999999999-dead", root);
        touch(path);
        snprintf(path, sizeof(path), "%s/tmp/blob-%d-live", root, (int)getpid());
        touch(path);
        snprintf(path, sizeof(path), "%s/tmp/other-file", root);
        touch(path);
        assert_int_equal(berth_blobstore_clean_tmp(bs, 3600, NULL), 1);
        assert_int_equal(berth_blobstore_clean_tmp(bs, -1, NULL), 1); /* "older than -1 s" */
        assert_int_equal(access(path, F_OK), 0);                      /* not ours: kept */
        berth_blobstore_close(bs);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_create, setup, teardown),
            cmocka_unit_test_setup_teardown(test_migrations, setup, teardown),
            cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
            cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
            cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
            cmocka_unit_test_setup_teardown(test_concurrent_create, setup, teardown),
            cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
            cmocka_unit_test_setup_teardown(test_crash, setup, teardown),
            cmocka_unit_test_setup_teardown(test_blobstore, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

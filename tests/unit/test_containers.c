/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/strutil.h"
#include "store/containers.h"
#include "store/db.h"
#include "basic/banned.h"

#define IMG_A "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define IMG_B "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define IMG_X "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

static const char conflict_fmt[] =
    "Conflict. The container name \"/%s\" is already in use by container \"%s\". You have to "
    "remove (or rename) that container to be able to reuse that name.";

struct fixture {
        char *dir;
        struct berth_db *db;
};

static void add_image(struct berth_db *db, const char *id)
{
        _cleanup_free_ char *sql = berth_strdup_printf(
            "INSERT INTO images (id, added, config, platform) VALUES ('%s', 1, x'7b7d', "
            "'linux/amd64')",
            id);
        assert_int_equal(berth_db_exec(db, sql, NULL), 0);
}

static int setup_dir(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        char tmpl[] = "/tmp/berth-test-containers-XXXXXX";
        assert_non_null(mkdtemp(tmpl));
        f->dir = strdup(tmpl);
        *state = f;
        return 0;
}

static int setup(void **state)
{
        setup_dir(state);
        struct fixture *f = *state;
        struct berth_error err = {0};
        _cleanup_free_ char *root = berth_strdup_printf("%s/root", f->dir);
        if (berth_db_open(root, &f->db, &err) < 0)
                fail_msg("open: %s", err.msg);
        add_image(f->db, IMG_A);
        add_image(f->db, IMG_B);
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        berth_db_close(f->db);
        berth_rm_rf_at(AT_FDCWD, f->dir);
        free(f->dir);
        free(f);
        return 0;
}

/* Insert a container named `name` (NULL: generated); returns its id (owned). */
static char *add(struct berth_db *db, const char *name, const char *image, int64_t created)
{
        struct berth_container_rec rec = {
            .name = name ? strdup(name) : NULL, .image_id = strdup(image), .created = created};
        struct berth_error err = {0};
        if (berth_containers_insert(db, &rec, &err) < 0)
                fail_msg("insert %s: %s", name ? name : "(generated)", err.msg);
        char *id = TAKE_PTR(rec.id);
        berth_container_rec_clear(&rec);
        return id;
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

static void test_migration_from_v1(void **state)
{
        struct fixture *f = *state;
        _cleanup_free_ char *root = berth_strdup_printf("%s/root", f->dir);
        struct berth_error err = {0};
        assert_int_equal(berth_db_open_with(root, berth_db_migrations, 1, &f->db, &err), 0);
        assert_int_equal(berth_db_schema_version(f->db, NULL), 1);
        add_image(f->db, IMG_A);
        assert_int_equal(
            count(f->db, "SELECT count(*) FROM sqlite_schema WHERE name = 'containers'"), 0);
        berth_db_close(f->db);

        f->db = NULL;
        assert_true(berth_db_n_migrations >= 2);
        assert_int_equal(berth_db_open(root, &f->db, &err), 0);
        assert_int_equal(berth_db_schema_version(f->db, NULL), (int)berth_db_n_migrations);
        /* The v1 data is kept and the new table works with it. */
        assert_int_equal(count(f->db, "SELECT count(*) FROM images"), 1);
        assert_int_equal(
            count(f->db, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN "
                         "('containers_image', 'containers_state', 'containers_created')"),
            3);
        _cleanup_free_ char *id = add(f->db, "web", IMG_A, 0);
        assert_int_equal(count(f->db, "SELECT count(*) FROM containers"), 1);
        assert_int_equal(count(f->db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
}

static bool all_hex(const char *s)
{
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}

static void test_insert_get(void **state)
{
        struct fixture *f = *state;
        struct berth_error err = {0};
        struct berth_container_rec rec = {
            .name = strdup("/web"),
            .image_id = strdup(IMG_A),
            .image_ref = strdup("busybox"),
            .config = strdup("{\"Cmd\":[\"sh\"]}"),
            .labels = strdup("{\"a\":\"b\"}"),
            .storage_driver = strdup("overlay"),
            .rw_layer = strdup("rw/1"),
        };
        assert_int_equal(berth_containers_insert(f->db, &rec, &err), 0);
        assert_non_null(rec.id);
        assert_int_equal(strlen(rec.id), 64);
        assert_true(all_hex(rec.id));
        assert_string_equal(rec.name, "web");
        assert_string_equal(rec.state, "created");
        assert_true(rec.created > 1000000000LL * 1000000000LL); /* ns, after 2001 */

        const char *refs[] = {rec.id, "web", "/web", NULL};
        char prefix[13];
        memcpy(prefix, rec.id, 12);
        prefix[12] = '\0';
        refs[3] = prefix;
        for (size_t i = 0; i < ARRAY_SIZE(refs); i++) {
                struct berth_container_rec got = {0};
                if (berth_containers_get(f->db, refs[i], &got, &err) < 0)
                        fail_msg("get %s: %s", refs[i], err.msg);
                assert_string_equal(got.id, rec.id);
                assert_string_equal(got.name, "web");
                assert_string_equal(got.image_id, IMG_A);
                assert_string_equal(got.image_ref, "busybox");
                assert_string_equal(got.state, "created");
                assert_int_equal(got.created, rec.created);
                assert_string_equal(got.config, "{\"Cmd\":[\"sh\"]}");
                assert_string_equal(got.host_config, "{}");
                assert_string_equal(got.labels, "{\"a\":\"b\"}");
                assert_string_equal(got.storage_driver, "overlay");
                assert_string_equal(got.rw_layer, "rw/1");
                assert_int_equal(got.pid, 0);
                assert_false(got.oom_killed);
                berth_container_rec_clear(&got);
        }

        struct berth_container_rec got = {0};
        assert_int_equal(berth_containers_get(f->db, "nosuch", &got, &err), -ENOENT);
        assert_string_equal(err.msg, "no such container: nosuch");
        assert_null(got.id);
        assert_int_equal(berth_containers_get(f->db, "", &got, &err), -EINVAL);
        /* Not JSON: refused by the schema. */
        struct berth_container_rec bad = {.image_id = strdup(IMG_A), .config = strdup("{nope")};
        assert_int_equal(berth_containers_insert(f->db, &bad, &err), -EINVAL);
        assert_null(bad.id);
        berth_container_rec_clear(&bad);
        assert_int_equal(count(f->db, "SELECT count(*) FROM containers"), 1);
        berth_container_rec_clear(&rec);
}

static void test_prefix_ambiguous(void **state)
{
        struct fixture *f = *state;
        struct berth_error err = {0};
        /* 17 ids over 16 first hex digits: two share their first character. */
        char *ids[17];
        for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
                ids[i] = add(f->db, NULL, IMG_A, 0);
        char shared[2] = {0};
        for (size_t i = 0; i < ARRAY_SIZE(ids) && !shared[0]; i++)
                for (size_t j = i + 1; j < ARRAY_SIZE(ids); j++)
                        if (ids[i][0] == ids[j][0])
                                shared[0] = ids[i][0];
        assert_true(shared[0] != 0);
        struct berth_container_rec got = {0};
        assert_int_equal(berth_containers_get(f->db, shared, &got, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "ambiguous"));
        _cleanup_free_ char *quoted = berth_strdup_printf("'%s'", shared);
        assert_non_null(strstr(err.msg, quoted));
        assert_null(got.id);

        /* A full id minus its last character is unique. */
        _cleanup_free_ char *p63 = strndup(ids[3], 63);
        assert_int_equal(berth_containers_get(f->db, p63, &got, &err), 0);
        assert_string_equal(got.id, ids[3]);
        berth_container_rec_clear(&got);

        /* A name wins over an id prefix: a container named like the shared prefix. */
        char name[3] = {shared[0], shared[0], 0};
        _cleanup_free_ char *named = add(f->db, name, IMG_B, 0);
        assert_int_equal(berth_containers_get(f->db, name, &got, &err), 0);
        assert_string_equal(got.id, named);
        berth_container_rec_clear(&got);
        for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
                free(ids[i]);
}

static void test_names(void **state)
{
        struct fixture *f = *state;
        struct berth_error err = {0};
        const char *bad[] = {"a",     "_web",  ".web", "-web",  "we b",
                             "web/x", "web:1", "/",    "//web", "wéb"};
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                assert_false(berth_container_name_valid(bad[i]));
                struct berth_container_rec rec = {.name = strdup(bad[i]),
                                                  .image_id = strdup(IMG_A)};
                assert_int_equal(berth_containers_insert(f->db, &rec, &err), -EINVAL);
                assert_non_null(strstr(err.msg, "Invalid container name"));
                assert_null(rec.id);
                berth_container_rec_clear(&rec);
        }
        assert_false(berth_container_name_valid(""));
        assert_false(berth_container_name_valid(NULL));
        const char *good[] = {"a1", "Web.1-x_y", "9lives", "A-"};
        for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
                assert_true(berth_container_name_valid(good[i]));
                free(add(f->db, good[i], IMG_A, 0));
        }
        assert_int_equal(count(f->db, "SELECT count(*) FROM containers"), ARRAY_SIZE(good));

        _cleanup_free_ char *id = add(f->db, "web", IMG_A, 0);
        _cleanup_free_ char *want = berth_strdup_printf(conflict_fmt, "web", id);
        const char *again[] = {"web", "/web"};
        for (size_t i = 0; i < ARRAY_SIZE(again); i++) {
                struct berth_container_rec rec = {.name = strdup(again[i]),
                                                  .image_id = strdup(IMG_B)};
                assert_int_equal(berth_containers_insert(f->db, &rec, &err), -EEXIST);
                assert_true(strstr(err.msg, want) != NULL);
                assert_null(rec.id);
                assert_string_equal(rec.name, again[i]);
                berth_container_rec_clear(&rec);
        }
        /* Names are case-sensitive, as in Docker. */
        free(add(f->db, "WEB", IMG_A, 0));
}

static void test_rename(void **state)
{
        struct fixture *f = *state;
        struct berth_error err = {0};
        _cleanup_free_ char *a = add(f->db, "alpha", IMG_A, 0);
        _cleanup_free_ char *b = add(f->db, "beta", IMG_A, 0);
        assert_int_equal(berth_containers_rename(f->db, a, "/gamma", &err), 0);
        struct berth_container_rec got = {0};
        assert_int_equal(berth_containers_get(f->db, "alpha", &got, &err), -ENOENT);
        assert_int_equal(berth_containers_get(f->db, "gamma", &got, &err), 0);
        assert_string_equal(got.id, a);
        assert_string_equal(got.name, "gamma");
        berth_container_rec_clear(&got);

        /* Taken: Docker's conflict message naming the holder. */
        assert_int_equal(berth_containers_rename(f->db, a, "beta", &err), -EEXIST);
        _cleanup_free_ char *want = berth_strdup_printf(conflict_fmt, "beta", b);
        assert_non_null(strstr(err.msg, want));
        assert_int_equal(berth_containers_rename(f->db, a, "gamma", &err), -EINVAL);
        assert_int_equal(berth_containers_rename(f->db, a, "bad name", &err), -EINVAL);
        assert_non_null(strstr(err.msg, "Invalid container name (bad name)"));
        assert_int_equal(berth_containers_rename(f->db, a, "x", &err), -EINVAL);
        char missing[65];
        memset(missing, '0', 64);
        missing[64] = '\0';
        assert_int_equal(berth_containers_rename(f->db, missing, "delta", &err), -ENOENT);
        assert_non_null(strstr(err.msg, "no such container"));
        /* Nothing changed by the failures; the old name is free again. */
        assert_int_equal(berth_containers_get(f->db, "gamma", &got, &err), 0);
        assert_string_equal(got.id, a);
        berth_container_rec_clear(&got);
        free(add(f->db, "alpha", IMG_B, 0));
}

static void set_state(struct berth_db *db, const char *id, const char *state, int64_t pid)
{
        struct berth_container_status s = {.state = state, .pid = pid};
        struct berth_error err = {0};
        if (berth_containers_update_state(db, id, &s, &err) < 0)
                fail_msg("update %s: %s", id, err.msg);
}

static void test_list_order(void **state)
{
        struct fixture *f = *state;
        struct berth_error err = {0};
        struct berth_container_rec *recs = (void *)1;
        size_t n = 99;
        assert_int_equal(berth_containers_list(f->db, false, &recs, &n, &err), 0);
        assert_int_equal(n, 0);
        assert_null(recs);

        _cleanup_free_ char *c1 = add(f->db, "c100", IMG_A, 100);
        _cleanup_free_ char *c3 = add(f->db, "c300", IMG_A, 300);
        _cleanup_free_ char *c2 = add(f->db, "c200", IMG_B, 200);
        _cleanup_free_ char *c4 = add(f->db, "c400", IMG_B, 400);
        assert_int_equal(berth_containers_list(f->db, false, &recs, &n, &err), 0);
        assert_int_equal(n, 4);
        const char *order[] = {c4, c3, c2, c1};
        for (size_t i = 0; i < n; i++)
                assert_string_equal(recs[i].id, order[i]);
        assert_string_equal(recs[0].name, "c400");
        berth_container_recs_free(recs, n);

        set_state(f->db, c1, "running", 11);
        set_state(f->db, c2, "paused", 12);
        set_state(f->db, c4, "exited", 0);
        assert_int_equal(berth_containers_list(f->db, true, &recs, &n, &err), 0);
        assert_int_equal(n, 2);
        assert_string_equal(recs[0].id, c2);
        assert_string_equal(recs[0].state, "paused");
        assert_string_equal(recs[1].id, c1);
        assert_int_equal(recs[1].pid, 11);
        berth_container_recs_free(recs, n);
}

static void test_update_state(void **state)
{
        struct fixture *f = *state;
        struct berth_error err = {0};
        _cleanup_free_ char *id = add(f->db, "svc", IMG_A, 0);
        struct berth_container_status run = {.state = "running", .pid = 4242, .started_at = 5000};
        assert_int_equal(berth_containers_update_state(f->db, id, &run, &err), 0);
        struct berth_container_rec got = {0};
        assert_int_equal(berth_containers_get(f->db, id, &got, &err), 0);
        assert_string_equal(got.state, "running");
        assert_int_equal(got.pid, 4242);
        assert_int_equal(got.started_at, 5000);
        assert_int_equal(got.finished_at, 0);
        berth_container_rec_clear(&got);

        struct berth_container_status ex = {.state = "exited",
                                            .exit_code = 137,
                                            .started_at = 5000,
                                            .finished_at = 9000,
                                            .oom_killed = true,
                                            .restart_count = 3};
        assert_int_equal(berth_containers_update_state(f->db, id, &ex, &err), 0);
        assert_int_equal(berth_containers_get(f->db, "svc", &got, &err), 0);
        assert_string_equal(got.state, "exited");
        assert_int_equal(got.pid, 0);
        assert_int_equal(got.exit_code, 137);
        assert_int_equal(got.finished_at, 9000);
        assert_true(got.oom_killed);
        assert_int_equal(got.restart_count, 3);
        berth_container_rec_clear(&got);

        struct berth_container_status bogus = {.state = "sleeping"};
        assert_int_equal(berth_containers_update_state(f->db, id, &bogus, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "'sleeping'"));
        char missing[65];
        memset(missing, 'e', 64);
        missing[64] = '\0';
        assert_int_equal(berth_containers_update_state(f->db, missing, &run, &err), -ENOENT);
        assert_non_null(strstr(err.msg, "no such container"));
        /* The refused updates changed nothing. */
        assert_int_equal(berth_containers_get(f->db, id, &got, &err), 0);
        assert_string_equal(got.state, "exited");
        berth_container_rec_clear(&got);
}

static void test_image_in_use_remove(void **state)
{
        struct fixture *f = *state;
        struct berth_error err = {0};
        char *user = (char *)"unset";
        assert_int_equal(berth_containers_image_in_use(f->db, IMG_A, &user, &err), 0);
        _cleanup_free_ char *old = add(f->db, "old", IMG_A, 10);
        _cleanup_free_ char *new = add(f->db, "new", IMG_A, 20);
        assert_int_equal(berth_containers_image_in_use(f->db, IMG_A, &user, &err), 1);
        assert_string_equal(user, new);
        free(user);
        assert_int_equal(berth_containers_image_in_use(f->db, IMG_B, NULL, &err), 0);
        assert_int_equal(berth_containers_image_in_use(f->db, IMG_A, NULL, &err), 1);

        /* The image cannot go while a container refers to it. */
        assert_int_equal(berth_db_exec(f->db, "DELETE FROM images WHERE id = '" IMG_A "'", &err),
                         -EINVAL);

        assert_int_equal(berth_containers_remove(f->db, new, &err), 0);
        struct berth_container_rec got = {0};
        assert_int_equal(berth_containers_get(f->db, new, &got, &err), -ENOENT);
        assert_int_equal(berth_containers_remove(f->db, new, &err), -ENOENT);
        assert_non_null(strstr(err.msg, "no such container"));
        assert_int_equal(berth_containers_image_in_use(f->db, IMG_A, &user, &err), 1);
        assert_string_equal(user, old);
        free(user);
        assert_int_equal(berth_containers_remove(f->db, old, &err), 0);
        assert_int_equal(berth_containers_image_in_use(f->db, IMG_A, NULL, &err), 0);
        assert_int_equal(berth_db_exec(f->db, "DELETE FROM images WHERE id = '" IMG_A "'", &err),
                         0);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_generated_names(void **state)
{
        struct fixture *f = *state;
        struct berth_error err = {0};
        enum { N = 500 };
        char **names = calloc(N, sizeof(char *));
        assert_int_equal(berth_db_begin(f->db, &err), 0);
        for (size_t i = 0; i < N; i++) {
                struct berth_container_rec rec = {.image_id = strdup(IMG_A)};
                if (berth_containers_insert(f->db, &rec, &err) < 0)
                        fail_msg("insert %zu: %s", i, err.msg);
                assert_true(berth_container_name_valid(rec.name));
                const char *us = strchr(rec.name, '_');
                assert_non_null(us);
                assert_true(us > rec.name && us[1] != '\0');
                names[i] = TAKE_PTR(rec.name);
                berth_container_rec_clear(&rec);
        }
        assert_int_equal(berth_db_commit(f->db, &err), 0);
        qsort(names, N, sizeof(char *), cmp_str);
        for (size_t i = 1; i < N; i++)
                assert_string_not_equal(names[i - 1], names[i]);
        assert_int_equal(count(f->db, "SELECT count(DISTINCT name) FROM containers"), N);
        for (size_t i = 0; i < N; i++)
                free(names[i]);
        free(names);
}

static void test_unknown_image(void **state)
{
        struct fixture *f = *state;
        struct berth_error err = {0};
        struct berth_container_rec rec = {.name = strdup("orphan"), .image_id = strdup(IMG_X)};
        assert_int_equal(berth_containers_insert(f->db, &rec, &err), -ENOENT);
        assert_non_null(strstr(err.msg, IMG_X));
        assert_null(rec.id);
        berth_container_rec_clear(&rec);
        /* The schema itself refuses it too (the foreign key), not only the library. */
        assert_int_equal(
            berth_db_exec(f->db,
                          "INSERT INTO containers (id, name, image_id, created) VALUES ('"
                          "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', "
                          "'orphan', '" IMG_X "', 1)",
                          &err),
            -EINVAL);
        assert_non_null(strstr(err.msg, "FOREIGN KEY"));
        assert_int_equal(count(f->db, "SELECT count(*) FROM containers"), 0);
        /* And the same row with a known image is accepted, so the refusal was the key. */
        assert_int_equal(
            berth_db_exec(f->db,
                          "INSERT INTO containers (id, name, image_id, created) VALUES ('"
                          "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', "
                          "'orphan', '" IMG_A "', 1)",
                          &err),
            0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_migration_from_v1, setup_dir, teardown),
            cmocka_unit_test_setup_teardown(test_insert_get, setup, teardown),
            cmocka_unit_test_setup_teardown(test_prefix_ambiguous, setup, teardown),
            cmocka_unit_test_setup_teardown(test_names, setup, teardown),
            cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
            cmocka_unit_test_setup_teardown(test_list_order, setup, teardown),
            cmocka_unit_test_setup_teardown(test_update_state, setup, teardown),
            cmocka_unit_test_setup_teardown(test_image_in_use_remove, setup, teardown),
            cmocka_unit_test_setup_teardown(test_generated_names, setup, teardown),
            cmocka_unit_test_setup_teardown(test_unknown_image, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

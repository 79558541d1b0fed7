/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/cleanup.h"
#include "basic/error.h"
#include "basic/fileutil.h"
#include "basic/json.h"
#include "basic/strutil.h"
#include "basic/banned.h"

static void test_parse_int(void **state)
{
        int64_t v = 0;
        assert_int_equal(berth_parse_int64("42", 0, 100, &v), 0);
        assert_int_equal(v, 42);
        assert_int_equal(berth_parse_int64("-5", -10, 10, &v), 0);
        assert_int_equal(v, -5);
        assert_int_equal(berth_parse_int64("101", 0, 100, &v), -ERANGE);
        assert_int_equal(berth_parse_int64("12x", 0, 100, &v), -EINVAL);
        assert_int_equal(berth_parse_int64("", 0, 100, &v), -EINVAL);
        assert_int_equal(berth_parse_int64(" 1", 0, 100, &v), -EINVAL);
        assert_int_equal(berth_parse_int64("99999999999999999999", INT64_MIN, INT64_MAX, &v),
                         -ERANGE);
        uint64_t u;
        assert_int_equal(berth_parse_uint64("-1", UINT64_MAX, &u), -EINVAL);
        assert_int_equal(berth_parse_uint64("18446744073709551615", UINT64_MAX, &u), 0);
        assert_true(u == UINT64_MAX);
}

static void test_parse_size(void **state)
{
        int64_t v;
        assert_int_equal(berth_parse_size("512", &v), 0);
        assert_int_equal(v, 512);
        assert_int_equal(berth_parse_size("10k", &v), 0);
        assert_int_equal(v, 10240);
        assert_int_equal(berth_parse_size("64M", &v), 0);
        assert_int_equal(v, 64 << 20);
        assert_int_equal(berth_parse_size("1.5g", &v), 0);
        assert_int_equal(v, 3LL << 29);
        assert_int_equal(berth_parse_size("10kb", &v), 0);
        assert_int_equal(v, 10240);
        assert_int_equal(berth_parse_size("12xb", &v), -EINVAL);
        assert_int_equal(berth_parse_size("-1", &v), -EINVAL);
        assert_int_equal(berth_parse_size("m", &v), -EINVAL);
}

static void test_error_chain(void **state)
{
        struct berth_error err = {0};
        assert_int_equal(berth_error_set(&err, ENOENT, "no such thing '%s'", "x"), -ENOENT);
        assert_int_equal(berth_error_prefix(&err, -ENOENT, "load"), -ENOENT);
        assert_string_equal(err.msg, "load: no such thing 'x'");
        assert_int_equal(berth_error_setsys(&err, EACCES, "open"), -EACCES);
        assert_non_null(strstr(err.msg, "open: "));
        /* NULL err is allowed everywhere */
        assert_int_equal(berth_error_set(NULL, EPERM, "x"), -EPERM);
}

static void test_strv_buf(void **state)
{
        _cleanup_strv_free_ char **v = NULL;
        assert_int_equal(berth_strv_push(&v, "a"), 0);
        assert_int_equal(berth_strv_push(&v, "b"), 0);
        assert_int_equal(berth_strv_length(v), 2);
        assert_true(berth_strv_contains(v, "b"));
        assert_false(berth_strv_contains(v, "c"));
        struct berth_buf b = {0};
        for (int i = 0; i < 1000; i++)
                assert_int_equal(berth_buf_printf(&b, "%d,", i), 0);
        assert_true(berth_startswith(b.data, "0,1,2,"));
        assert_true(berth_endswith(b.data, "999,"));
        berth_buf_free(&b);
}

static void test_json(void **state)
{
        struct berth_error err = {0};
        json_t *j = NULL;
        const char *dup = "{\"a\":1,\"a\":2}";
        assert_int_equal(berth_json_parse(dup, strlen(dup), 1024, &j, &err), -EINVAL);
        const char *big = "{\"a\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}";
        assert_int_equal(berth_json_parse(big, strlen(big), 10, &j, &err), -EFBIG);
        char deep[400];
        memset(deep, '[', 100);
        memset(deep + 100, ']', 100);
        deep[200] = 0;
        assert_int_equal(berth_json_parse(deep, 200, 1024, &j, &err), -EINVAL);
        const char *multi = "{\"a\":\n\n\"x\n";
        assert_int_equal(berth_json_parse(multi, strlen(multi), 1024, &j, &err), -EINVAL);
        assert_null(strchr(err.msg, '\n'));
        const char *ok = "{\"s\":\"x\",\"n\":5,\"b\":true,\"v\":[\"p\",\"q\"],\"bad\":3}";
        assert_int_equal(berth_json_parse(ok, strlen(ok), 1024, &j, &err), 0);
        const char *s = NULL;
        assert_int_equal(berth_json_get_string(j, "s", "t", &s, &err), 0);
        assert_string_equal(s, "x");
        assert_int_equal(berth_json_get_string(j, "bad", "t", &s, &err), -EINVAL);
        assert_string_equal(err.msg, "t.bad must be a string");
        char **v = NULL;
        assert_int_equal(berth_json_get_strv(j, "v", "t", &v, &err), 0);
        assert_int_equal(berth_strv_length(v), 2);
        berth_strv_free(v);
        json_decref(j);
}

static void test_atomic_write(void **state)
{
        char dir[] = "/tmp/berth-test-XXXXXX";
        assert_non_null(mkdtemp(dir));
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        assert_int_equal(berth_write_file_atomic(dfd, "f", "hello", 5, 0600, 0, NULL), 0);
        assert_int_equal(berth_write_file_atomic(dfd, "f", "bye", 3, 0600, 1, NULL), 0);
        char *buf = NULL;
        size_t len;
        assert_int_equal(berth_read_file_at(dfd, "f", 100, &buf, &len, NULL), 0);
        assert_string_equal(buf, "bye");
        free(buf);
        assert_int_equal(berth_read_file_at(dfd, "f", 2, &buf, &len, NULL), -EFBIG);
        assert_int_equal(mkdirat(dfd, "sub", 0700), 0);
        assert_int_equal(berth_write_file_atomic(dfd, "sub/x", "1", 1, 0600, 0, NULL), -EINVAL);
        close(dfd);
        assert_int_equal(berth_rm_rf_at(AT_FDCWD, dir), 0);
        assert_int_equal(access(dir, F_OK), -1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse_int),   cmocka_unit_test(test_parse_size),
            cmocka_unit_test(test_error_chain), cmocka_unit_test(test_strv_buf),
            cmocka_unit_test(test_json),        cmocka_unit_test(test_atomic_write),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

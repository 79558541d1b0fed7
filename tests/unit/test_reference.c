/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "image/reference.h"
#include "basic/banned.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void check(const char *in, const char *full, const char *familiar)
{
        struct berth_reference r;
        struct berth_error err = {0};
        int ret = berth_reference_parse(in, true, &r, &err);
        if (ret < 0)
                fail_msg("'%s' refused: %s", in, err.msg);
        char *s = berth_reference_string(&r);
        char *f = berth_reference_familiar(&r);
        assert_string_equal(s, full);
        assert_string_equal(f, familiar);
        free(s);
        free(f);
        berth_reference_clear(&r);
}

static void refuse(const char *in, const char *msg_part)
{
        struct berth_reference r;
        struct berth_error err = {0};
        assert_int_equal(berth_reference_parse(in, true, &r, &err), -EINVAL);
        if (!strstr(err.msg, msg_part))
                fail_msg("'%s': message '%s' lacks '%s'", in, err.msg, msg_part);
}

static void test_normalise(void **state)
{
        check("busybox", "docker.io/library/busybox:latest", "busybox:latest");
        check("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36");
        check("me/app", "docker.io/me/app:latest", "me/app:latest");
        check("docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest");
        check("index.docker.io/library/x:y", "docker.io/library/x:y", "x:y");
        check("localhost/app", "localhost/app:latest", "localhost/app:latest");
        check("localhost:5000/a/b:v1", "localhost:5000/a/b:v1", "localhost:5000/a/b:v1");
        check("127.0.0.1:5000/app", "127.0.0.1:5000/app:latest", "127.0.0.1:5000/app:latest");
        check("[::1]:5000/app:t", "[::1]:5000/app:t", "[::1]:5000/app:t");
        check("quay.io/x/y@sha256:" D64, "quay.io/x/y@sha256:" D64, "quay.io/x/y@sha256:" D64);
        check("app:1.0@sha256:" D64, "docker.io/library/app:1.0@sha256:" D64,
              "app:1.0@sha256:" D64);
        check("a__b-c---e/f.g", "docker.io/a__b-c---e/f.g:latest", "a__b-c---e/f.g:latest");
        refuse("a__b.c/f", "invalid registry host");
        check("Registry.Example/app", "Registry.Example/app:latest", "Registry.Example/app:latest");
}

static void test_refuse(void **state)
{
        refuse("", "empty");
        refuse("Busybox", "must be lowercase");
        refuse("me/App", "must be lowercase");
        refuse("busybox:", "invalid tag");
        refuse("busybox:-x", "invalid tag");
        refuse("busybox@sha256:abc", "needs 64 hex");
        refuse("busybox@sha256:"
               "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
               "lowercase hex");
        refuse("busybox@md5:abc", "unsupported digest algorithm");
        refuse("a//b", "invalid reference format");
        refuse("a_-b", "invalid reference format");
        refuse("-a", "invalid reference format");
        refuse("a/", "invalid reference format");
        refuse(":tag", "missing repository name");
        refuse("local host/app", "invalid reference format");
        refuse("reg.io:99999999/app", "invalid registry host");
        refuse("../etc/passwd", "invalid reference format");
        char longname[400];
        memset(longname, 'a', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = 0;
        refuse(longname, "255 characters");
        char longtag[200] = "a:";
        memset(longtag + 2, 't', 150);
        longtag[152] = 0;
        refuse(longtag, "invalid tag");
}

static void test_no_default_tag(void **state)
{
        struct berth_reference r;
        assert_int_equal(berth_reference_parse("busybox", false, &r, NULL), 0);
        assert_null(r.tag);
        assert_null(r.digest);
        berth_reference_clear(&r);
        assert_true(berth_reference_tag_valid("v1.2_3-rc"));
        assert_false(berth_reference_tag_valid(".x"));
        assert_false(berth_reference_tag_valid(""));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_normalise),
            cmocka_unit_test(test_refuse),
            cmocka_unit_test(test_no_default_tag),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

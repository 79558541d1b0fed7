/* SPDX-License-Identifier: Apache-2.0 */
/* The berth command-line framework (src/cli/berth): Docker-style option parsing, argument
 * counts and exit statuses through a verb table of the test's own, and the helpers verbs
 * share (go-units sizes and durations, ids, familiar names, filters). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/cleanup.h"
#include "cli/berth/cli.h"
#include "cli/berth/cli_list.h"
#include "image/manifest.h"
#include "basic/banned.h"

/* ------------------------------------------------------------------ a verb table */

static struct {
        int calls;
        bool all, quiet;
        bool all_set;
        char fmt[64];
        char filters[256];
        char args[256];
} seen;

static int run_list(struct berth_cli *cli, const struct berth_cli_args *a, struct berth_error *err)
{
        (void)cli;
        (void)err;
        seen.calls++;
        seen.all = berth_cli_bool(a, "all");
        seen.all_set = berth_cli_is_set(a, "all");
        seen.quiet = berth_cli_bool(a, "quiet");
        snprintf(seen.fmt, sizeof(seen.fmt), "%s",
                 berth_cli_string(a, "format") ? berth_cli_string(a, "format") : "(null)");
        seen.filters[0] = seen.args[0] = '\0';
        for (char **f = berth_cli_strv(a, "filter"); f && *f; f++)
                snprintf(seen.filters + strlen(seen.filters),
                         sizeof(seen.filters) - strlen(seen.filters), "[%s]", *f);
        for (int i = 0; i < a->argc; i++)
                snprintf(seen.args + strlen(seen.args), sizeof(seen.args) - strlen(seen.args),
                         "[%s]", a->argv[i]);
        return 0;
}

static int run_fail(struct berth_cli *cli, const struct berth_cli_args *a, struct berth_error *err)
{
        (void)cli;
        (void)a;
        return berth_error_set(err, ENOENT, "no such thing");
}

static const struct berth_cli_opt list_opts[] = {
    {"all", 'a', BERTH_OPT_BOOL, NULL, "Show all", NULL},
    {"filter", 'f', BERTH_OPT_STRV, "filter", "Filter", NULL},
    {"format", 0, BERTH_OPT_STRING, "string", "Format", NULL},
    {"quiet", 'q', BERTH_OPT_BOOL, NULL, "Quiet", NULL},
    {NULL, 0, 0, NULL, NULL, NULL},
};

static const struct berth_cli_verb verb_list = {
    .names = (const char *const[]){"thing ls", "things", NULL},
    .usage = "[OPTIONS] [NAME]",
    .summary = "List things",
    .opts = list_opts,
    .min_args = 0,
    .max_args = 1,
    .run = run_list,
};

static const struct berth_cli_verb verb_fail = {
    .names = (const char *const[]){"thing rm", NULL},
    .usage = "NAME [NAME...]",
    .summary = "Remove things",
    .min_args = 1,
    .max_args = -1,
    .run = run_fail,
};

const struct berth_cli_verb *const berth_cli_verbs[] = {&verb_list, &verb_fail, NULL};
const struct berth_cli_group berth_cli_groups[] = {{"thing", "Manage things"}, {NULL, NULL}};

/* Not used by these tests (cli.h's hand-over to the helper binary). */
int berth_cli_archive_run(struct berth_cli *cli, const struct berth_cli_args *a,
                          struct berth_error *err)
{
        (void)cli;
        (void)a;
        return berth_error_set(err, ENOSYS, "no helper in the unit test");
}

/* Dispatch a command line given as one string of space-separated words. */
static int dispatch(const char *line)
{
        char buf[512], *argv[32], *save = NULL;
        int argc = 0;
        struct berth_cli cli = {.root = "/nonexistent", .runroot = "/nonexistent", .out = stdout};
        snprintf(buf, sizeof(buf), "%s", line);
        for (char *w = strtok_r(buf, " ", &save); w && argc < 31; w = strtok_r(NULL, " ", &save))
                argv[argc++] = w;
        argv[argc] = NULL;
        memset(&seen, 0, sizeof(seen));
        /* The framework prints help and errors: keep the test output quiet. */
        FILE *null = fopen("/dev/null", "we");
        int saved_out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0);
        int saved_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);
        fflush(stdout);
        fflush(stderr);
        dup2(fileno(null), STDOUT_FILENO);
        dup2(fileno(null), STDERR_FILENO);
        int r = berth_cli_dispatch(&cli, argc, argv);
        fflush(stdout);
        fflush(stderr);
        dup2(saved_out, STDOUT_FILENO);
        dup2(saved_err, STDERR_FILENO);
        close(saved_out);
        close(saved_err);
        fclose(null);
        return r;
}

static void test_forms_and_flags(void **state)
{
        (void)state;
        assert_int_equal(dispatch("things"), 0);
        assert_int_equal(seen.calls, 1);
        assert_false(seen.all);
        assert_false(seen.all_set);
        assert_int_equal(dispatch("thing ls -a"), 0);
        assert_true(seen.all);
        assert_int_equal(dispatch("things --all=false"), 0);
        assert_false(seen.all);
        assert_true(seen.all_set);
        assert_int_equal(dispatch("things -aq"), 0);
        assert_true(seen.all && seen.quiet);
        assert_int_equal(dispatch("things -a=0 --quiet=True"), 0);
        assert_true(!seen.all && seen.quiet);
        assert_int_equal(dispatch("things --format {{.ID}}"), 0);
        assert_string_equal(seen.fmt, "{{.ID}}");
        assert_int_equal(dispatch("things --format=x --format=y"), 0);
        assert_string_equal(seen.fmt, "y");
        assert_int_equal(dispatch("things --format="), 0);
        assert_string_equal(seen.fmt, "");
        assert_int_equal(dispatch("things -f a=1 --filter b=2 --filter=c=3 -fd=4"), 0);
        assert_string_equal(seen.filters, "[a=1][b=2][c=3][d=4]");
        assert_int_equal(dispatch("things -qfa=1"), 0);
        assert_true(seen.quiet);
        assert_string_equal(seen.filters, "[a=1]");
}

static void test_positional(void **state)
{
        (void)state;
        assert_int_equal(dispatch("things name -q"), 0);
        assert_string_equal(seen.args, "[name]");
        assert_true(seen.quiet);
        assert_int_equal(dispatch("things -- -q"), 0);
        assert_string_equal(seen.args, "[-q]");
        assert_false(seen.quiet);
        assert_int_equal(dispatch("things -"), 0);
        assert_string_equal(seen.args, "[-]");
}

static void test_errors(void **state)
{
        (void)state;
        assert_int_equal(dispatch("things --bogus"), BERTH_EXIT_USAGE);
        assert_int_equal(seen.calls, 0);
        assert_int_equal(dispatch("things -z"), BERTH_EXIT_USAGE);
        assert_int_equal(dispatch("things -az"), BERTH_EXIT_USAGE);
        assert_int_equal(dispatch("things --format"), BERTH_EXIT_USAGE);
        assert_int_equal(dispatch("things -f"), BERTH_EXIT_USAGE);
        assert_int_equal(dispatch("things --all=maybe"), BERTH_EXIT_USAGE);
        assert_int_equal(dispatch("things a b"), 1); /* too many arguments */
        assert_int_equal(seen.calls, 0);
        assert_int_equal(dispatch("thing rm"), 1);   /* too few */
        assert_int_equal(dispatch("thing rm x"), 1); /* run failed */
        assert_int_equal(dispatch("thing nope"), 1);
        assert_int_equal(dispatch("nope"), 1);
        assert_int_equal(dispatch("thing --bogus"), BERTH_EXIT_USAGE);
}

static void test_help(void **state)
{
        (void)state;
        assert_int_equal(dispatch("things --help"), 0);
        assert_int_equal(seen.calls, 0);
        assert_int_equal(dispatch("thing rm -h"), 0); /* help wins over the argument count */
        assert_int_equal(dispatch("thing"), 0);
        assert_int_equal(dispatch(""), 0);
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        berth_cli_print_verb_help(f, &verb_list, "things");
        fclose(f);
        assert_non_null(strstr(text, "Usage:  berth things [OPTIONS] [NAME]\n"));
        assert_non_null(strstr(text, "Aliases:\n  berth thing ls, berth things\n"));
        assert_non_null(strstr(text, "  -a, --all             Show all\n"));
        assert_non_null(strstr(text, "  -f, --filter filter   Filter\n"));
        assert_non_null(strstr(text, "      --format string   Format\n"));
        free(text);
}

static void test_completion(void **state)
{
        (void)state;
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        berth_cli_print_completion_bash(f);
        fclose(f);
        assert_non_null(strstr(text, "_berth_sub_thing='ls rm'\n"));
        assert_non_null(strstr(text, "_berth_flags_things='--help --all -a --filter -f --format "
                                     "--quiet -q'\n"));
        assert_non_null(strstr(text, "complete -F _berth berth\n"));
        free(text);
}

/* ------------------------------------------------------------------ helpers */

static void test_human_size(void **state)
{
        (void)state;
        static const struct {
                int64_t n;
                const char *want;
        } cases[] = {
            {0, "0B"},
            {999, "999B"},
            {1000, "1kB"},
            {1024, "1.02kB"},
            {4261550, "4.26MB"},
            {10240, "10.2kB"},
            {999499, "999kB"},
            {999500, "1e+03kB"},
            {1500000000, "1.5GB"},
            {123456789012, "123GB"},
        };
        char buf[32];
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                berth_cli_human_size(cases[i].n, buf, sizeof(buf));
                assert_string_equal(buf, cases[i].want);
        }
}

static void test_human_duration(void **state)
{
        (void)state;
        static const struct {
                int64_t s;
                const char *want;
        } cases[] = {
            {0, "Less than a second"},  {1, "1 second"},
            {59, "59 seconds"},         {60, "About a minute"},
            {119, "About a minute"},    {120, "2 minutes"},
            {3599, "59 minutes"},       {3600, "About an hour"},
            {5399, "About an hour"},    {5400, "2 hours"},
            {47 * 3600, "47 hours"},    {48 * 3600, "2 days"},
            {13 * 86400, "13 days"},    {14 * 86400, "2 weeks"},
            {59 * 86400, "8 weeks"},    {60 * 86400, "2 months"},
            {729 * 86400, "24 months"}, {730 * 86400, "2 years"},
        };
        char buf[64];
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                berth_cli_human_duration(cases[i].s, buf, sizeof(buf));
                assert_string_equal(buf, cases[i].want);
        }
        berth_cli_created_since(1000, 1000 + 3 * 3600, buf, sizeof(buf));
        assert_string_equal(buf, "3 hours ago");
}

static void test_ids_and_names(void **state)
{
        (void)state;
        char buf[80];
        const char *id = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert_string_equal(berth_cli_short_id(id, false, buf, sizeof(buf)), "0123456789ab");
        assert_string_equal(berth_cli_short_id(id, true, buf, sizeof(buf)), id);
        static const char *const names[][2] = {
            {"docker.io/library/busybox", "busybox"},
            {"docker.io/library/busybox:latest", "busybox:latest"},
            {"docker.io/me/app:1", "me/app:1"},
            {"docker.io/library/a/b", "library/a/b"},
            {"quay.io/x/y:2", "quay.io/x/y:2"},
            {"localhost:5000/x", "localhost:5000/x"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
                _cleanup_free_ char *f = berth_cli_familiar_name(names[i][0]);
                assert_string_equal(f, names[i][1]);
        }
}

static void test_image_error(void **state)
{
        (void)state;
        struct berth_error e = {0};
        berth_error_set(&e, ENOENT, "no such image: busybox");
        berth_cli_image_error("busybox", &e);
        assert_string_equal(e.msg,
                            "no such image: 'busybox:latest' (make it with: berth image bootstrap "
                            "busybox)");
        berth_error_set(&e, ENOENT, "no such image: me/x:1");
        berth_cli_image_error("me/x:1", &e);
        assert_string_equal(e.msg, "no such image: 'me/x:1'");
        berth_error_set(&e, EINVAL, "something else");
        berth_cli_image_error("x", &e);
        assert_string_equal(e.msg, "something else");
}

static void test_filters(void **state)
{
        (void)state;
        _cleanup_free_ char *key = NULL;
        const char *val = NULL;
        struct berth_error e = {0};
        assert_int_equal(berth_cli_filter_split("label=a=b", &key, &val, &e), 0);
        assert_string_equal(key, "label");
        assert_string_equal(val, "a=b");
        assert_int_equal(berth_cli_filter_split("novalue", &key, &val, &e), -EINVAL);
        assert_non_null(strstr(e.msg, "bad format of filter"));
        bool b = false;
        assert_int_equal(berth_cli_filter_bool("dangling", "1", &b, &e), 0);
        assert_true(b);
        assert_int_equal(berth_cli_filter_bool("dangling", "false", &b, &e), 0);
        assert_false(b);
        assert_int_equal(berth_cli_filter_bool("dangling", "yes", &b, &e), -EINVAL);
        assert_string_equal(e.msg, "invalid filter 'dangling=yes'");
        struct berth_kv labels[] = {{"a", "1"}, {"b", "x=y"}, {"c", ""}};
        assert_true(berth_cli_labels_match(labels, 3, (char *[]){"a", NULL}));
        assert_true(berth_cli_labels_match(labels, 3, (char *[]){"a=1", "b=x=y", NULL}));
        assert_true(berth_cli_labels_match(labels, 3, (char *[]){"c=", NULL}));
        assert_false(berth_cli_labels_match(labels, 3, (char *[]){"a=2", NULL}));
        assert_false(berth_cli_labels_match(labels, 3, (char *[]){"a", "d", NULL}));
        assert_false(berth_cli_labels_match(labels, 3, (char *[]){"ab", NULL}));
        assert_true(berth_cli_format_is_bare_table("table"));
        assert_true(berth_cli_format_is_bare_table(" table  "));
        assert_false(berth_cli_format_is_bare_table("table {{.ID}}"));
        assert_false(berth_cli_format_is_bare_table("{{.ID}}"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_forms_and_flags), cmocka_unit_test(test_positional),
            cmocka_unit_test(test_errors),          cmocka_unit_test(test_help),
            cmocka_unit_test(test_completion),      cmocka_unit_test(test_human_size),
            cmocka_unit_test(test_human_duration),  cmocka_unit_test(test_ids_and_names),
            cmocka_unit_test(test_image_error),     cmocka_unit_test(test_filters),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

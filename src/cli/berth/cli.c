/* SPDX-License-Identifier: Apache-2.0 */
/* The verb table's dispatcher, Docker-style option parsing, help and usage errors. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cleanup.h"
#include "basic/strutil.h"
#include "cli/berth/cli.h"
#include "basic/banned.h"

static const struct berth_cli_opt help_opt = {"help", 'h',           BERTH_OPT_BOOL,
                                              NULL,   "Print usage", NULL};

static size_t n_opts(const struct berth_cli_verb *v)
{
        size_t n = 0;
        while (v->opts && v->opts[n].name)
                n++;
        return n;
}

static int find_opt(const struct berth_cli_verb *v, const char *name, size_t len, char short_name)
{
        for (size_t i = 0; v->opts && v->opts[i].name; i++) {
                const struct berth_cli_opt *o = &v->opts[i];
                if (short_name ? o->short_name == short_name
                               : strlen(o->name) == len && memcmp(o->name, name, len) == 0)
                        return (int)i;
        }
        if (short_name ? short_name == 'h' : (len == 4 && memcmp(name, "help", 4) == 0))
                return -2; /* help */
        return -1;
}

static const struct berth_cli_value *value_of(const struct berth_cli_args *a, const char *name)
{
        int i = find_opt(a->verb, name, strlen(name), 0);
        return i >= 0 ? &a->values[i] : NULL;
}

bool berth_cli_bool(const struct berth_cli_args *a, const char *name)
{
        const struct berth_cli_value *v = value_of(a, name);
        return v && v->b;
}

const char *berth_cli_string(const struct berth_cli_args *a, const char *name)
{
        const struct berth_cli_value *v = value_of(a, name);
        return v && v->set ? v->s : NULL;
}

char **berth_cli_strv(const struct berth_cli_args *a, const char *name)
{
        const struct berth_cli_value *v = value_of(a, name);
        return v ? v->v : NULL;
}

bool berth_cli_is_set(const struct berth_cli_args *a, const char *name)
{
        const struct berth_cli_value *v = value_of(a, name);
        return v && v->set;
}

/* Go's strconv.ParseBool. */
static int parse_bool(const char *s, bool *out)
{
        static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
        static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
        for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
                if (strcmp(s, yes[i]) == 0)
                        return *out = true, 0;
                if (strcmp(s, no[i]) == 0)
                        return *out = false, 0;
        }
        return -EINVAL;
}

static void flag_label(const struct berth_cli_opt *o, char *buf, size_t len)
{
        if (o->short_name)
                snprintf(buf, len, "-%c, --%s", o->short_name, o->name);
        else
                snprintf(buf, len, "--%s", o->name);
}

/* Store one value.  Errors are usage errors (-EINVAL with Docker's message). */
static int set_value(const struct berth_cli_opt *o, struct berth_cli_value *v, const char *val,
                     struct berth_error *err)
{
        char label[96];
        v->set = true;
        switch (o->type) {
        case BERTH_OPT_BOOL:
                if (!val)
                        return v->b = true, 0;
                if (parse_bool(val, &v->b) < 0) {
                        flag_label(o, label, sizeof(label));
                        return berth_error_set(err, EINVAL,
                                               "invalid argument \"%.200s\" for \"%s\" flag: "
                                               "strconv.ParseBool: parsing \"%.200s\": invalid "
                                               "syntax",
                                               val, label, val);
                }
                return 0;
        case BERTH_OPT_STRING:
                v->s = val;
                return 0;
        case BERTH_OPT_STRV:
                return berth_strv_push(&v->v, val) < 0
                           ? berth_error_set(err, ENOMEM, "out of memory")
                           : 0;
        }
        return -EINVAL;
}

static int parse_long(const struct berth_cli_verb *v, struct berth_cli_args *a, char **argv,
                      int argc, int *i, bool *help, struct berth_error *err)
{
        const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        int k = find_opt(v, arg, len, 0);
        if (k == -1)
                return berth_error_set(err, EINVAL, "unknown flag: --%.*s", (int)len, arg);
        const struct berth_cli_opt *o = k == -2 ? &help_opt : &v->opts[k];
        struct berth_cli_value hv = {0}, *val = k == -2 ? &hv : &a->values[k];
        const char *value = eq ? eq + 1 : NULL;
        if (!value && o->type != BERTH_OPT_BOOL) {
                if (*i + 1 >= argc)
                        return berth_error_set(err, EINVAL, "flag needs an argument: --%s",
                                               o->name);
                value = argv[++*i];
        }
        int r = set_value(o, val, value, err);
        if (k == -2 && r >= 0 && hv.b)
                *help = true;
        return r;
}

/* "-abc", "-fVALUE", "-f VALUE", "-a=false". */
static int parse_short(const struct berth_cli_verb *v, struct berth_cli_args *a, char **argv,
                       int argc, int *i, bool *help, struct berth_error *err)
{
        const char *tok = argv[*i];
        for (const char *p = tok + 1; *p; p++) {
                int k = find_opt(v, NULL, 0, *p);
                if (k == -1)
                        return berth_error_set(err, EINVAL,
                                               "unknown shorthand flag: '%c' in %.200s", *p, tok);
                const struct berth_cli_opt *o = k == -2 ? &help_opt : &v->opts[k];
                struct berth_cli_value hv = {0}, *val = k == -2 ? &hv : &a->values[k];
                const char *value = NULL;
                bool last = false;
                if (p[1] == '=') {
                        value = p + 2;
                        last = true;
                } else if (o->type != BERTH_OPT_BOOL) {
                        last = true;
                        if (p[1])
                                value = p + 1;
                        else if (*i + 1 < argc)
                                value = argv[++*i];
                        else
                                return berth_error_set(
                                    err, EINVAL, "flag needs an argument: '%c' in %.200s", *p, tok);
                }
                int r = set_value(o, val, value, err);
                if (r < 0)
                        return r;
                if (k == -2 && hv.b)
                        *help = true;
                if (last)
                        break;
        }
        return 0;
}

static int parse_args(const struct berth_cli_verb *v, struct berth_cli_args *a, int argc,
                      char **argv, bool *help, struct berth_error *err)
{
        bool flags_done = false;
        for (int i = 0; i < argc; i++) {
                const char *s = argv[i];
                int r = 0;
                if (flags_done || s[0] != '-' || s[1] == '\0') {
                        a->argv[a->argc++] = argv[i];
                        continue;
                }
                if (strcmp(s, "--") == 0) {
                        flags_done = true;
                        continue;
                }
                if (s[1] == '-')
                        r = parse_long(v, a, argv, argc, &i, help, err);
                else
                        r = parse_short(v, a, argv, argc, &i, help, err);
                if (r < 0)
                        return r;
        }
        a->argv[a->argc] = NULL;
        return 0;
}

static void free_values(struct berth_cli_value *vals, size_t n)
{
        for (size_t i = 0; vals && i < n; i++)
                berth_strv_free(vals[i].v);
        free(vals);
}

static int check_arg_count(const struct berth_cli_verb *v, const char *name, int argc,
                           struct berth_error *err)
{
        const char *pl = v->min_args == 1 ? "argument" : "arguments";
        if (v->min_args == v->max_args && argc != v->min_args) {
                if (v->min_args == 0)
                        return berth_error_set(err, EINVAL, "'berth %s' accepts no arguments",
                                               name);
                return berth_error_set(err, EINVAL, "'berth %s' requires %d %s", name, v->min_args,
                                       pl);
        }
        if (argc < v->min_args)
                return berth_error_set(err, EINVAL, "'berth %s' requires at least %d %s", name,
                                       v->min_args, pl);
        if (v->max_args >= 0 && argc > v->max_args)
                return berth_error_set(err, EINVAL, "'berth %s' requires at most %d %s", name,
                                       v->max_args, v->max_args == 1 ? "argument" : "arguments");
        return 0;
}

static int usage_error(const struct berth_error *err, const char *name, int status)
{
        fprintf(stderr, "berth: %s\nSee 'berth %s --help'.\n", err->msg, name);
        return status;
}

static int run_verb(struct berth_cli *cli, const struct berth_cli_verb *v, const char *name,
                    int argc, char **argv)
{
        struct berth_error err = {0};
        size_t n = n_opts(v);
        struct berth_cli_args a = {.verb = v, .name = name};
        _cleanup_free_ char **pos = calloc((size_t)argc + 1, sizeof(char *));
        a.values = calloc(n ? n : 1, sizeof(*a.values));
        a.argv = pos;
        if (!pos || !a.values) {
                free(a.values);
                fputs("berth: out of memory\n", stderr);
                return 1;
        }
        bool help = false;
        int status;
        if (parse_args(v, &a, argc, argv, &help, &err) < 0) {
                status = usage_error(&err, name, BERTH_EXIT_USAGE);
        } else if (help) {
                berth_cli_print_verb_help(stdout, v, name);
                status = 0;
        } else if (check_arg_count(v, name, a.argc, &err) < 0) {
                status = usage_error(&err, name, 1);
        } else {
                int r = v->run(cli, &a, &err);
                if (r < 0) {
                        if (!err.msg[0])
                                snprintf(err.msg, sizeof(err.msg), "%s", strerror(-r));
                        berth_cli_report(&err);
                        status = 1;
                } else {
                        status = r;
                }
        }
        free_values(a.values, n);
        return status;
}

static bool is_group(const char *w)
{
        for (const struct berth_cli_group *g = berth_cli_groups; g->name; g++)
                if (strcmp(g->name, w) == 0)
                        return true;
        return false;
}

static const struct berth_cli_verb *find_verb(const char *name)
{
        for (size_t i = 0; berth_cli_verbs[i]; i++)
                for (const char *const *n = berth_cli_verbs[i]->names; *n; n++)
                        if (strcmp(*n, name) == 0)
                                return berth_cli_verbs[i];
        return NULL;
}

static void print_group_help(FILE *f, const char *group)
{
        const char *summary = "";
        for (const struct berth_cli_group *g = berth_cli_groups; g->name; g++)
                if (strcmp(g->name, group) == 0)
                        summary = g->summary;
        fprintf(f, "Usage:  berth %s COMMAND\n\n%s\n\nCommands:\n", group, summary);
        size_t glen = strlen(group);
        /* Sorted by sub-command name: a selection over the small table. */
        const char *prev = "";
        for (;;) {
                const struct berth_cli_verb *best = NULL;
                const char *best_sub = NULL;
                for (size_t i = 0; berth_cli_verbs[i]; i++) {
                        const char *c = berth_cli_verbs[i]->names[0];
                        if (berth_cli_verbs[i]->hidden || strncmp(c, group, glen) || c[glen] != ' ')
                                continue;
                        const char *sub = c + glen + 1;
                        if (strcmp(sub, prev) > 0 && (!best_sub || strcmp(sub, best_sub) < 0)) {
                                best = berth_cli_verbs[i];
                                best_sub = sub;
                        }
                }
                if (!best)
                        break;
                fprintf(f, "  %-11s %s\n", best_sub, best->summary);
                prev = best_sub;
        }
        fprintf(f, "\nRun 'berth %s COMMAND --help' for more information on a command.\n", group);
}

int berth_cli_dispatch(struct berth_cli *cli, int argc, char **argv)
{
        char name[128];
        if (argc < 1) {
                berth_cli_print_main_help(stdout);
                return 0;
        }
        if (is_group(argv[0])) {
                if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                        print_group_help(stdout, argv[0]);
                        return 0;
                }
                snprintf(name, sizeof(name), "%s %s", argv[0], argv[1]);
                const struct berth_cli_verb *v = argv[1][0] == '-' ? NULL : find_verb(name);
                if (!v) {
                        if (argv[1][0] == '-')
                                fprintf(stderr, "berth: unknown flag: %s\nSee 'berth %s --help'.\n",
                                        argv[1], argv[0]);
                        else
                                fprintf(stderr,
                                        "berth: unknown command: berth %s\n\nRun 'berth %s --help' "
                                        "for more information\n",
                                        name, argv[0]);
                        return argv[1][0] == '-' ? BERTH_EXIT_USAGE : 1;
                }
                return run_verb(cli, v, name, argc - 2, argv + 2);
        }
        const struct berth_cli_verb *v = strchr(argv[0], ' ') ? NULL : find_verb(argv[0]);
        if (!v) {
                fprintf(stderr,
                        "berth: unknown command: berth %s\n\nRun 'berth --help' for more "
                        "information\n",
                        argv[0]);
                return 1;
        }
        snprintf(name, sizeof(name), "%s", argv[0]);
        return run_verb(cli, v, name, argc - 1, argv + 1);
}

/* ------------------------------------------------------------------ help */

static void opt_left(const struct berth_cli_opt *o, char *buf, size_t len)
{
        const char *arg = o->type == BERTH_OPT_BOOL ? NULL : o->arg_name ? o->arg_name : "string";
        if (o->short_name)
                snprintf(buf, len, "  -%c, --%s%s%s", o->short_name, o->name, arg ? " " : "",
                         arg ? arg : "");
        else
                snprintf(buf, len, "      --%s%s%s", o->name, arg ? " " : "", arg ? arg : "");
}

/* Words of text from column `indent` up to column 80, continuation lines indented. */
static void print_wrapped(FILE *f, const char *text, size_t indent)
{
        size_t avail = indent < 60 ? 80 - indent : 20, col = 0;
        const char *p = text;
        while (*p) {
                while (*p == ' ')
                        p++;
                size_t w = strcspn(p, " ");
                if (!w)
                        break;
                if (col && col + 1 + w > avail) {
                        fprintf(f, "\n%*s", (int)indent, "");
                        col = 0;
                }
                fprintf(f, "%s%.*s", col ? " " : "", (int)w, p);
                col += (col ? 1 : 0) + w;
                p += w;
        }
        fputc('\n', f);
}

void berth_cli_print_verb_help(FILE *f, const struct berth_cli_verb *v, const char *name)
{
        fprintf(f, "Usage:  berth %s%s%s\n\n%s\n", name, v->usage && *v->usage ? " " : "",
                v->usage ? v->usage : "", v->summary);
        if (v->names[1]) {
                fputs("\nAliases:\n  ", f);
                for (const char *const *n = v->names; *n; n++)
                        fprintf(f, "%sberth %s", n == v->names ? "" : ", ", *n);
                fputc('\n', f);
        }
        size_t width = 0;
        char left[160];
        for (size_t i = 0; v->opts && v->opts[i].name; i++) {
                opt_left(&v->opts[i], left, sizeof(left));
                if (strlen(left) > width)
                        width = strlen(left);
        }
        if (width) {
                fputs("\nOptions:\n", f);
                for (size_t i = 0; v->opts[i].name; i++) {
                        const struct berth_cli_opt *o = &v->opts[i];
                        opt_left(o, left, sizeof(left));
                        char text[512];
                        snprintf(text, sizeof(text), "%s%s%s%s", o->help,
                                 o->def ? " (default " : "", o->def ? o->def : "",
                                 o->def ? ")" : "");
                        fprintf(f, "%-*s   ", (int)width, left);
                        print_wrapped(f, text, width + 3);
                }
        }
}

/* One-word names (the top-level commands), sorted, each printed once. */
static void print_top_level(FILE *f)
{
        const char *prev = "";
        for (;;) {
                const char *best = NULL;
                const struct berth_cli_verb *bv = NULL;
                for (size_t i = 0; berth_cli_verbs[i]; i++) {
                        if (berth_cli_verbs[i]->hidden)
                                continue;
                        for (const char *const *n = berth_cli_verbs[i]->names; *n; n++)
                                if (!strchr(*n, ' ') && strcmp(*n, prev) > 0 &&
                                    (!best || strcmp(*n, best) < 0)) {
                                        best = *n;
                                        bv = berth_cli_verbs[i];
                                }
                }
                if (!best)
                        break;
                fprintf(f, "  %-11s %s\n", best, bv->summary);
                prev = best;
        }
}

void berth_cli_print_main_help(FILE *f)
{
        fputs("Usage:  berth [OPTIONS] COMMAND\n\nA daemonless container engine\n\nCommands:\n", f);
        print_top_level(f);
        fputs("\nManagement Commands:\n", f);
        for (const struct berth_cli_group *g = berth_cli_groups; g->name; g++)
                fprintf(f, "  %-11s %s\n", g->name, g->summary);
        fputs("\nGlobal Options:\n"
              "  -D, --debug              Enable debug mode\n"
              "  -l, --log-level string   Set the logging level (\"debug\", \"info\", \"warn\",\n"
              "                           \"error\", \"fatal\") (default \"info\")\n"
              "      --root string        Root of berth's persistent state ($BERTH_ROOT)\n"
              "                           (default \"" BERTH_DEFAULT_ROOT "\")\n"
              "      --runroot string     Root of berth's runtime state ($BERTH_RUNROOT)\n"
              "                           (default \"" BERTH_DEFAULT_RUNROOT "\")\n"
              "  -v, --version            Print version information and quit\n"
              "\nRun 'berth COMMAND --help' for more information on a command.\n",
              f);
}

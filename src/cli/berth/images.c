/* SPDX-License-Identifier: Apache-2.0 */
/* berth images / image ls / image list. */
#include <errno.h>
#include <fnmatch.h>
#include <string.h>
#include <time.h>

#include "basic/cleanup.h"
#include "basic/json.h"
#include "cli/berth/cli.h"
#include "cli/berth/cli_list.h"
#include "cli/berth/verbs.h"
#include "cli/template.h"
#include "image/image.h"
#include "image/manifest.h"
#include "basic/banned.h"

struct images_filter {
        enum berth_image_filter which;
        char **refs;   /* reference patterns (OR) */
        char **labels; /* "k" or "k=v" (AND) */
        bool has_before, has_since;
        int64_t before, since; /* created times of the named images */
};

static void images_filter_clear(struct images_filter *f)
{
        berth_strv_free(f->refs);
        berth_strv_free(f->labels);
}

static int created_of(struct berth_image_store *s, const char *key, const char *name, int64_t *out,
                      struct berth_error *err)
{
        struct berth_image_info *info = NULL;
        int r = berth_image_get(s, name, &info, err);
        if (r < 0) {
                berth_cli_image_error(name, err);
                return berth_error_prefix(err, r, "filter %s", key);
        }
        *out = info->created;
        berth_image_info_free(info);
        return 0;
}

static int parse_filters(struct berth_image_store *s, char **filters, struct images_filter *f,
                         struct berth_error *err)
{
        for (size_t i = 0; filters && filters[i]; i++) {
                _cleanup_free_ char *key = NULL;
                const char *val;
                int r = berth_cli_filter_split(filters[i], &key, &val, err);
                if (r < 0)
                        return r;
                if (strcmp(key, "dangling") == 0) {
                        bool b;
                        if (berth_cli_filter_bool(key, val, &b, err) < 0)
                                return -EINVAL;
                        f->which = b ? BERTH_IMAGES_DANGLING : BERTH_IMAGES_TAGGED;
                } else if (strcmp(key, "reference") == 0) {
                        r = berth_strv_push(&f->refs, val);
                } else if (strcmp(key, "label") == 0) {
                        r = berth_strv_push(&f->labels, val);
                } else if (strcmp(key, "before") == 0) {
                        r = created_of(s, key, val, &f->before, err);
                        f->has_before = true;
                } else if (strcmp(key, "since") == 0) {
                        r = created_of(s, key, val, &f->since, err);
                        f->has_since = true;
                } else {
                        return berth_error_set(err, EINVAL, "invalid filter '%.100s'", key);
                }
                if (r < 0)
                        return r == -ENOMEM ? berth_error_set(err, ENOMEM, "out of memory") : r;
        }
        return 0;
}

/* Docker's reference filter: a path.Match glob against "name:tag" or "name". */
static bool ref_matches(char *const *patterns, const char *fam_repo, const char *tag)
{
        if (!patterns)
                return true;
        if (!fam_repo || !tag)
                return false;
        char full[512];
        snprintf(full, sizeof(full), "%s:%s", fam_repo, tag);
        for (size_t i = 0; patterns[i]; i++)
                if (fnmatch(patterns[i], full, FNM_PATHNAME) == 0 ||
                    fnmatch(patterns[i], fam_repo, FNM_PATHNAME) == 0)
                        return true;
        return false;
}

/* Labels of one image's config ("k" or "k=v" each must match).  Only read when asked. */
static int labels_match(struct berth_image_store *s, const char *id, char *const *want, bool *match,
                        struct berth_error *err)
{
        struct berth_image_config *c = NULL;
        int r = berth_image_get_config(s, id, &c, err);
        if (r < 0)
                return r;
        *match = berth_cli_labels_match(c->labels, c->n_labels, want);
        berth_image_config_free(c);
        return 0;
}

static json_t *image_row(const struct berth_image_summary *e, const char *fam, bool no_trunc,
                         int64_t now)
{
        char id[80], since[64], at[64], size[32];
        berth_cli_created_since(e->created, now, since, sizeof(since));
        berth_cli_time_string(e->created, at, sizeof(at));
        berth_cli_human_size(e->size, size, sizeof(size));
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Containers",
                         "N/A", "CreatedAt", at, "CreatedSince", since, "Digest",
                         e->digest ? e->digest : "<none>", "ID",
                         berth_cli_short_id(e->id, no_trunc, id, sizeof(id)), "Repository",
                         fam ? fam : "<none>", "SharedSize", "N/A", "Size", size, "Tag",
                         e->tag ? e->tag : "<none>", "UniqueSize", "N/A", "VirtualSize", size);
}

enum images_output {
        OUT_TEMPLATE, /* a user's --format */
        OUT_TABLE,    /* the default table, written from cells */
        OUT_DIGESTS,  /* the default table with DIGEST */
        OUT_QUIET,    /* ids only */
};

struct images_ctx {
        struct berth_image_store *s;
        const struct images_filter *f;
        enum images_output mode;
        bool no_trunc;
        int64_t now;
        struct berth_cli_renderer rr;
};

/* One row to the renderer: cells for the default outputs, a JSON row for a template. */
static int emit(struct images_ctx *c, const struct berth_image_summary *e, const char *fam,
                struct berth_error *err)
{
        char id[80], since[64], size[32];
        const char *sid = berth_cli_short_id(e->id, c->no_trunc, id, sizeof(id));
        if (c->mode == OUT_QUIET)
                return berth_cli_renderer_cells(&c->rr, &sid, 1, err);
        if (c->mode == OUT_TEMPLATE) {
                json_t *row = image_row(e, fam, c->no_trunc, c->now);
                int r = row ? berth_cli_renderer_row(&c->rr, row, err)
                            : berth_error_set(err, ENOMEM, "out of memory");
                json_decref(row);
                return r;
        }
        berth_cli_created_since(e->created, c->now, since, sizeof(since));
        berth_cli_human_size(e->size, size, sizeof(size));
        const char *repo = fam ? fam : "<none>", *tag = e->tag ? e->tag : "<none>";
        const char *dg = e->digest ? e->digest : "<none>";
        if (c->mode == OUT_DIGESTS)
                return berth_cli_renderer_cells(
                    &c->rr, (const char *const[]){repo, tag, dg, sid, since, size}, 6, err);
        return berth_cli_renderer_cells(&c->rr, (const char *const[]){repo, tag, sid, since, size},
                                        5, err);
}

static int build_rows(struct images_ctx *c, const struct berth_image_summary *v, size_t n,
                      struct berth_error *err)
{
        const struct images_filter *f = c->f;
        const char *last_id = NULL;
        bool last_match = true;
        for (size_t i = 0; i < n; i++) {
                const struct berth_image_summary *e = &v[i];
                if ((f->has_before && e->created >= f->before) ||
                    (f->has_since && e->created <= f->since))
                        continue;
                _cleanup_free_ char *fam = e->repo ? berth_cli_familiar_name(e->repo) : NULL;
                if (e->repo && !fam)
                        return berth_error_set(err, ENOMEM, "out of memory");
                if (!ref_matches(f->refs, fam, e->tag))
                        continue;
                if (f->labels) {
                        if (!last_id || strcmp(last_id, e->id) != 0) {
                                int r = labels_match(c->s, e->id, f->labels, &last_match, err);
                                if (r < 0)
                                        return r;
                                last_id = e->id;
                        }
                        if (!last_match)
                                continue;
                }
                int r = emit(c, e, fam, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static json_t *images_headers(void)
{
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID",
                         "IMAGE ID", "Repository", "REPOSITORY", "Tag", "TAG", "Digest", "DIGEST",
                         "CreatedSince", "CREATED", "CreatedAt", "CREATED AT", "Size", "SIZE",
                         "Containers", "CONTAINERS", "SharedSize", "SHARED SIZE", "UniqueSize",
                         "UNIQUE SIZE", "VirtualSize", "VIRTUAL SIZE");
}

static int begin_output(struct images_ctx *c, const char *format, struct berth_error *err)
{
        static const char *const table[] = {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"};
        static const char *const digests[] = {"REPOSITORY", "TAG",     "DIGEST",
                                              "IMAGE ID",   "CREATED", "SIZE"};
        switch (c->mode) {
        case OUT_QUIET:
                return berth_cli_renderer_begin_cells(&c->rr, NULL, 0, false, err);
        case OUT_TABLE:
                return berth_cli_renderer_begin_cells(&c->rr, table, ARRAY_SIZE(table), true, err);
        case OUT_DIGESTS:
                return berth_cli_renderer_begin_cells(&c->rr, digests, ARRAY_SIZE(digests), true,
                                                      err);
        case OUT_TEMPLATE:
                break;
        }
        _cleanup_json_ json_t *headers = images_headers();
        return berth_cli_renderer_begin(&c->rr, format, headers, err);
}

static int run(struct berth_cli *cli, const struct berth_cli_args *a, struct berth_error *err)
{
        struct images_filter f = {.which = BERTH_IMAGES_ALL};
        struct images_ctx c = {
            .f = &f, .no_trunc = berth_cli_bool(a, "no-trunc"), .now = (int64_t)time(NULL)};
        struct berth_image_summary *v = NULL;
        size_t n = 0;
        const char *format = berth_cli_string(a, "format");
        bool quiet = berth_cli_bool(a, "quiet");
        if (!format || !*format || berth_cli_format_is_bare_table(format) ||
            (quiet && berth_startswith(format, "table")))
                c.mode = quiet ? OUT_QUIET : berth_cli_bool(a, "digests") ? OUT_DIGESTS : OUT_TABLE;
        int r = berth_cli_image_store(cli, &c.s, err);
        if (r >= 0)
                r = parse_filters(c.s, berth_cli_strv(a, "filter"), &f, err);
        if (r >= 0 && a->argc == 1 && berth_strv_push(&f.refs, a->argv[0]) < 0)
                r = berth_error_set(err, ENOMEM, "out of memory");
        if (r >= 0)
                r = begin_output(&c, format, err);
        if (r >= 0)
                r = berth_image_list(c.s, f.which, &v, &n, err);
        if (r >= 0)
                r = build_rows(&c, v, n, err);
        berth_image_list_free(v, n);
        images_filter_clear(&f);
        if (r >= 0)
                r = berth_cli_renderer_end(cli, &c.rr, err);
        berth_cli_renderer_free(&c.rr);
        return r;
}

static const struct berth_cli_opt opts[] = {
    {"all", 'a', BERTH_OPT_BOOL, NULL, "Show all images (default hides intermediate images)", NULL},
    {"digests", 0, BERTH_OPT_BOOL, NULL, "Show digests", NULL},
    {"filter", 'f', BERTH_OPT_STRV, "filter", "Filter output based on conditions provided", NULL},
    {"format", 0, BERTH_OPT_STRING, "string",
     "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or "
     "'TEMPLATE' (a Go template)",
     NULL},
    {"no-trunc", 0, BERTH_OPT_BOOL, NULL, "Don't truncate output", NULL},
    {"quiet", 'q', BERTH_OPT_BOOL, NULL, "Only show image IDs", NULL},
    {NULL, 0, 0, NULL, NULL, NULL},
};

const struct berth_cli_verb berth_verb_image_ls = {
    .names = (const char *const[]){"image ls", "image list", "images", NULL},
    .usage = "[OPTIONS] [REPOSITORY[:TAG]]",
    .summary = "List images",
    .opts = opts,
    .min_args = 0,
    .max_args = 1,
    .run = run,
};

/* SPDX-License-Identifier: Apache-2.0 */
/* berth history / image history. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "basic/cleanup.h"
#include "basic/json.h"
#include "cli/berth/cli.h"
#include "cli/berth/cli_list.h"
#include "cli/berth/verbs.h"
#include "image/image.h"
#include "basic/banned.h"

#define HISTORY_TABLE  "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
#define CREATED_BY_MAX 45

/* Docker's Ellipsis: at most max characters, the last one "…" when cut. */
static char *ellipsis(const char *s, size_t max)
{
        size_t chars = 0, cut = 0;
        for (const char *p = s; *p; p++) {
                if (((unsigned char)*p & 0xc0) == 0x80)
                        continue;
                if (chars == max - 1)
                        cut = (size_t)(p - s);
                chars++;
        }
        if (chars <= max)
                return strdup(s);
        return berth_strdup_printf("%.*s…", (int)cut, s);
}

static void rfc3339_local(int64_t t, char *buf, size_t len)
{
        time_t tt = (time_t)t;
        struct tm tm;
        char z[8];
        if (!localtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
            strftime(z, sizeof(z), "%z", &tm) == 0) {
                snprintf(buf, len, "%lld", (long long)t);
                return;
        }
        size_t n = strlen(buf);
        if (strcmp(z, "+0000") == 0)
                snprintf(buf + n, len - n, "Z");
        else
                snprintf(buf + n, len - n, "%.3s:%.2s", z, z + 3);
}

static json_t *history_row(const struct berth_image_history_entry *e, bool human, bool no_trunc,
                           int64_t now)
{
        char id[80], since[64], at[64], size[32];
        _cleanup_free_ char *by = strdup(e->created_by ? e->created_by : "");
        _cleanup_free_ char *cut = NULL;
        if (!by)
                return NULL;
        for (char *p = by; *p; p++)
                if (*p == '\t')
                        *p = ' ';
        if (!no_trunc && !(cut = ellipsis(by, CREATED_BY_MAX)))
                return NULL;
        rfc3339_local(e->created, at, sizeof(at));
        if (human) {
                berth_cli_created_since(e->created, now, since, sizeof(since));
                berth_cli_human_size(e->size, size, sizeof(size));
        } else {
                snprintf(since, sizeof(since), "%s", at);
                snprintf(size, sizeof(size), "%lld", (long long)e->size);
        }
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "Comment", e->comment ? e->comment : "",
                         "CreatedAt", at, "CreatedBy", cut ? cut : by, "CreatedSince", since, "ID",
                         e->id ? berth_cli_short_id(e->id, no_trunc, id, sizeof(id)) : "<missing>",
                         "Size", size);
}

static int run(struct berth_cli *cli, const struct berth_cli_args *a, struct berth_error *err)
{
        struct berth_image_store *s;
        struct berth_image_history_entry *v = NULL;
        size_t n = 0;
        const char *format = berth_cli_string(a, "format");
        bool quiet = berth_cli_bool(a, "quiet");
        bool human = !berth_cli_is_set(a, "human") || berth_cli_bool(a, "human");
        int r = berth_cli_image_store(cli, &s, err);
        if (r < 0)
                return r;
        r = berth_image_history(s, a->argv[0], &v, &n, err);
        if (r < 0) {
                berth_cli_image_error(a->argv[0], err);
                return r;
        }
        _cleanup_json_ json_t *rows = json_array();
        int64_t now = (int64_t)time(NULL);
        for (size_t i = 0; rows && i < n; i++) {
                json_t *row = history_row(&v[i], human, berth_cli_bool(a, "no-trunc"), now);
                if (!row || json_array_append_new(rows, row) < 0) {
                        json_decref(rows);
                        rows = NULL;
                }
        }
        berth_image_history_free(v, n);
        if (!rows)
                return berth_error_set(err, ENOMEM, "out of memory");
        if (!format || !*format || berth_cli_format_is_bare_table(format) ||
            (quiet && berth_startswith(format, "table")))
                format = quiet ? "{{.ID}}" : HISTORY_TABLE;
        _cleanup_json_ json_t *headers = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "IMAGE", "CreatedSince", "CREATED", "CreatedAt",
            "CREATED AT", "CreatedBy", "CREATED BY", "Size", "SIZE", "Comment", "COMMENT");
        return berth_cli_render(cli, format, rows, headers, err);
}

static const struct berth_cli_opt opts[] = {
    {"format", 0, BERTH_OPT_STRING, "string",
     "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or "
     "'TEMPLATE' (a Go template)",
     NULL},
    {"human", 'H', BERTH_OPT_BOOL, NULL, "Print sizes and dates in human readable format", "true"},
    {"no-trunc", 0, BERTH_OPT_BOOL, NULL, "Don't truncate output", NULL},
    {"quiet", 'q', BERTH_OPT_BOOL, NULL, "Only show image IDs", NULL},
    {NULL, 0, 0, NULL, NULL, NULL},
};

const struct berth_cli_verb berth_verb_image_history = {
    .names = (const char *const[]){"image history", "history", NULL},
    .usage = "[OPTIONS] IMAGE",
    .summary = "Show the history of an image",
    .opts = opts,
    .min_args = 1,
    .max_args = 1,
    .run = run,
};

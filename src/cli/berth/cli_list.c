/* SPDX-License-Identifier: Apache-2.0 */
/* --filter and --format helpers for list and inspect commands. */
#include <errno.h>
#include <string.h>

#include "basic/cleanup.h"
#include "cli/berth/cli_list.h"
#include "cli/table.h"
#include "cli/template.h"
#include "image/manifest.h"
#include "basic/banned.h"

int berth_cli_filter_split(const char *s, char **key, const char **value, struct berth_error *err)
{
        const char *eq = strchr(s, '=');
        if (!eq)
                return berth_error_set(err, EINVAL, "bad format of filter (expected name=value)");
        *key = strndup(s, (size_t)(eq - s));
        if (!*key)
                return berth_error_set(err, ENOMEM, "out of memory");
        *value = eq + 1;
        return 0;
}

int berth_cli_filter_bool(const char *key, const char *value, bool *out, struct berth_error *err)
{
        if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
                return *out = true, 0;
        if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0)
                return *out = false, 0;
        return berth_error_set(err, EINVAL, "invalid filter '%.100s=%.100s'", key, value);
}

bool berth_cli_labels_match(const struct berth_kv *labels, size_t n, char *const *want)
{
        for (size_t i = 0; want && want[i]; i++) {
                const char *eq = strchr(want[i], '=');
                size_t klen = eq ? (size_t)(eq - want[i]) : strlen(want[i]);
                bool found = false;
                for (size_t j = 0; j < n && !found; j++)
                        found =
                            strlen(labels[j].key) == klen &&
                            memcmp(labels[j].key, want[i], klen) == 0 &&
                            (!eq || strcmp(labels[j].value ? labels[j].value : "", eq + 1) == 0);
                if (!found)
                        return false;
        }
        return true;
}

bool berth_cli_format_is_bare_table(const char *format)
{
        while (*format == ' ')
                format++;
        if (!berth_startswith(format, "table"))
                return false;
        for (format += 5; *format; format++)
                if (*format != ' ' && *format != '\t' && *format != '\n')
                        return false;
        return true;
}

int berth_cli_render(struct berth_cli *cli, const char *format, json_t *rows, json_t *headers,
                     struct berth_error *err)
{
        _cleanup_template_ struct berth_template *t = NULL;
        struct berth_buf out = {0};
        int r = berth_template_parse_format(format, &t, err);
        if (r < 0)
                return berth_error_prefix(err, r, "--format");
        r = berth_template_render(t, rows, headers, &out, err);
        if (r >= 0)
                r = berth_cli_write(cli, &out, err);
        berth_buf_free(&out);
        return r;
}

int berth_cli_render_each(struct berth_cli *cli, const char *format, json_t *items,
                          struct berth_error *err)
{
        _cleanup_template_ struct berth_template *t = NULL;
        struct berth_buf out = {0};
        int r = berth_template_parse_format(format, &t, err);
        if (r < 0)
                return berth_error_prefix(err, r, "--format");
        size_t i;
        json_t *item;
        json_array_foreach (items, i, item) {
                r = berth_template_execute(t, item, &out, err);
                if (r < 0)
                        break;
                r = berth_buf_append(&out, "\n", 1);
                if (r < 0) {
                        r = berth_error_set(err, ENOMEM, "out of memory");
                        break;
                }
        }
        if (r >= 0)
                r = berth_cli_write(cli, &out, err);
        berth_buf_free(&out);
        return r;
}

static int oom(struct berth_error *err)
{
        return berth_error_set(err, ENOMEM, "out of memory");
}

int berth_cli_renderer_begin(struct berth_cli_renderer *rr, const char *format, json_t *headers,
                             struct berth_error *err)
{
        memset(rr, 0, sizeof(*rr));
        int r = berth_template_parse_format(format, &rr->t, err);
        if (r < 0)
                return berth_error_prefix(err, r, "--format");
        rr->table = berth_template_is_table(rr->t);
        if (rr->table) {
                r = berth_template_header(rr->t, headers, &rr->text, err);
                if (r >= 0 && berth_buf_append(&rr->text, "\n", 1) < 0)
                        r = oom(err);
        }
        return r;
}

int berth_cli_renderer_begin_cells(struct berth_cli_renderer *rr, const char *const *header,
                                   size_t n, bool table, struct berth_error *err)
{
        memset(rr, 0, sizeof(*rr));
        rr->table = table;
        return header ? berth_cli_renderer_cells(rr, header, n, err) : 0;
}

int berth_cli_renderer_row(struct berth_cli_renderer *rr, json_t *row, struct berth_error *err)
{
        int r = berth_template_execute(rr->t, row, &rr->text, err);
        if (r >= 0 && berth_buf_append(&rr->text, "\n", 1) < 0)
                r = oom(err);
        if (r >= 0 && rr->text.len > BERTH_TEMPLATE_MAX_OUTPUT * 4u)
                r = berth_error_set(err, E2BIG, "output exceeds %u bytes",
                                    BERTH_TEMPLATE_MAX_OUTPUT * 4u);
        return r;
}

int berth_cli_renderer_cells(struct berth_cli_renderer *rr, const char *const *cells, size_t n,
                             struct berth_error *err)
{
        for (size_t i = 0; i < n; i++) {
                const char *c = cells[i] ? cells[i] : "";
                if (berth_buf_append(&rr->text, c, strlen(c)) < 0 ||
                    berth_buf_append(&rr->text, i + 1 < n ? "\t" : "\n", 1) < 0)
                        return oom(err);
        }
        return 0;
}

int berth_cli_renderer_end(struct berth_cli *cli, struct berth_cli_renderer *rr,
                           struct berth_error *err)
{
        if (!rr->table)
                return berth_cli_write(cli, &rr->text, err);
        struct berth_buf out = {0};
        int r = berth_table_format(rr->text.data ? rr->text.data : "", rr->text.len,
                                   BERTH_TABLE_MINWIDTH, BERTH_TABLE_PADDING, &out, err);
        if (r >= 0)
                r = berth_cli_write(cli, &out, err);
        berth_buf_free(&out);
        return r;
}

void berth_cli_renderer_free(struct berth_cli_renderer *rr)
{
        berth_template_free(rr->t);
        rr->t = NULL;
        berth_buf_free(&rr->text);
}

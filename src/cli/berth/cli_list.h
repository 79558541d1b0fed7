/* SPDX-License-Identifier: Apache-2.0 */
/* Shared pieces of list commands: --filter values and --format rendering. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "basic/error.h"
#include "cli/berth/cli.h"

struct berth_kv;

/* "key=value" -> key (malloc'ed) and a pointer into s for the value.  No '=' is Docker's
 * "bad format of filter (expected name=value)" (-EINVAL). */
int berth_cli_filter_split(const char *s, char **key, const char **value, struct berth_error *err);
/* A boolean filter value: true/1 or false/0; otherwise "invalid filter 'key=value'". */
int berth_cli_filter_bool(const char *key, const char *value, bool *out, struct berth_error *err);
/* Each of want ("k" or "k=v") is among the labels. */
bool berth_cli_labels_match(const struct berth_kv *labels, size_t n, char *const *want);
/* "table" alone (maybe with spaces): the command's default table. */
bool berth_cli_format_is_bare_table(const char *format);
/* Parse format (Docker's --format rules), render rows (an array of objects) and write them
 * to cli->out.  headers maps field names to table headers (may be NULL). */
int berth_cli_render(struct berth_cli *cli, const char *format, json_t *rows, json_t *headers,
                     struct berth_error *err);
/* Execute a plain template (inspect's -f) once per element of items, a newline after
 * each. */
int berth_cli_render_each(struct berth_cli *cli, const char *format, json_t *items,
                          struct berth_error *err);

/* Streaming output of a list: rows are rendered as they come, so a long list never holds
 * more than its text.  Either through a template (begin + row per JSON row) or, for a
 * command's default table, directly from cells (begin_cells + cells), which skips JSON and
 * the template engine.  end() aligns a table and writes everything to cli->out. */
struct berth_cli_renderer {
        struct berth_template *t; /* NULL on the direct path */
        bool table;
        struct berth_buf text;
};
int berth_cli_renderer_begin(struct berth_cli_renderer *rr, const char *format, json_t *headers,
                             struct berth_error *err);
/* Direct path: `header` cells (NULL: no header line, e.g. -q), table alignment when
 * `table`. */
int berth_cli_renderer_begin_cells(struct berth_cli_renderer *rr, const char *const *header,
                                   size_t n, bool table, struct berth_error *err);
/* row is borrowed. */
int berth_cli_renderer_row(struct berth_cli_renderer *rr, json_t *row, struct berth_error *err);
/* Cells must hold no tab or newline. */
int berth_cli_renderer_cells(struct berth_cli_renderer *rr, const char *const *cells, size_t n,
                             struct berth_error *err);
int berth_cli_renderer_end(struct berth_cli *cli, struct berth_cli_renderer *rr,
                           struct berth_error *err);
void berth_cli_renderer_free(struct berth_cli_renderer *rr);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tab writer like Go's text/tabwriter as Docker's CLI configures it
 * (tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)): text is cut into lines at '\n' and into
 * cells at '\t'.  A cell ended by a tab belongs to a column; the text after a line's last
 * tab does not.  A column block is a run of consecutive lines that all have a cell in that
 * column; every cell of the block is padded with spaces to max(minwidth, widest cell +
 * padding), widths counted in UTF-8 characters.  The last cell of a line is never padded.
 * Only '\t' and '\n' are special ('\v', '\f' and tabwriter's escape byte are plain text).
 *
 * Used for `table` templates (berth_template_render) and for the default table output of
 * list commands:
 *     struct berth_table tw;
 *     berth_table_init(&tw, BERTH_TABLE_MINWIDTH, BERTH_TABLE_PADDING);
 *     berth_table_add_row(&tw, (const char *[]){"CONTAINER ID", "IMAGE"}, 2);
 *     ...
 *     r = berth_table_flush(&tw, &out, err);   // appends the aligned text to out
 *     berth_table_free(&tw);
 */
#pragma once

#include <stddef.h>

#include "basic/error.h"
#include "basic/strutil.h"

#define BERTH_TABLE_MINWIDTH 10
#define BERTH_TABLE_PADDING  3
/* Cap on the text one table may hold (-E2BIG past it). */
#define BERTH_TABLE_MAX_TEXT (256u << 20)

struct berth_table {
        size_t minwidth, padding;
        struct berth_buf text; /* pending text */
};

void berth_table_init(struct berth_table *t, size_t minwidth, size_t padding);
/* Append raw text (cells separated by '\t', lines by '\n'). -ENOMEM, -E2BIG. */
int berth_table_write(struct berth_table *t, const char *s, size_t n, struct berth_error *err);
/* Append one line: the cells joined by '\t' and a '\n'.  Tabs or newlines inside a cell
 * are replaced by spaces so they cannot shift columns. */
int berth_table_add_row(struct berth_table *t, const char *const *cells, size_t n,
                        struct berth_error *err);
/* Align everything written so far, append it to *out, and empty the table.  Like Go's
 * Flush, text after the last '\n' is written without a newline. */
int berth_table_flush(struct berth_table *t, struct berth_buf *out, struct berth_error *err);
void berth_table_free(struct berth_table *t);

/* One-shot: align text[0..len) and append to *out. */
int berth_table_format(const char *text, size_t len, size_t minwidth, size_t padding,
                       struct berth_buf *out, struct berth_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's tab writer (see table.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cleanup.h"
#include "cli/table.h"
#include "basic/banned.h"

struct cell {
        size_t off, len, width;
        size_t run; /* index into the column-block widths */
};

struct line {
        size_t first, n; /* cells[first .. first + n); the last one is not in a column */
};

struct layout {
        struct cell *cells;
        size_t ncells, capcells;
        struct line *lines;
        size_t nlines, caplines;
        size_t *runs; /* width of each column block */
        size_t nruns, capruns;
        size_t *open; /* run index of each open column */
        size_t capopen;
};

static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
        if (need <= *cap)
                return 0;
        size_t ncap = *cap ? *cap : 16;
        while (ncap < need) {
                if (ncap > SIZE_MAX / 2 / size)
                        return -ENOMEM;
                ncap *= 2;
        }
        void *n = realloc(*arr, ncap * size);
        if (!n)
                return -ENOMEM;
        *arr = n;
        *cap = ncap;
        return 0;
}

/* Characters, as utf8.RuneCount counts them (a stray continuation byte is one). */
static size_t text_width(const char *s, size_t n)
{
        size_t w = 0;
        for (size_t i = 0; i < n;) {
                unsigned char c = (unsigned char)s[i];
                size_t len = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
                size_t k = 1;
                while (k < len && i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
                        k++;
                i += k == len ? len : 1;
                w++;
        }
        return w;
}

static int split_cells(struct layout *L, const char *text, size_t len)
{
        size_t start = 0, first = 0;
        for (size_t i = 0; i <= len; i++) {
                if (i < len && text[i] != '\t' && text[i] != '\n')
                        continue;
                if (grow((void **)&L->cells, &L->capcells, L->ncells + 1, sizeof(struct cell)) < 0)
                        return -ENOMEM;
                L->cells[L->ncells++] = (struct cell){
                    .off = start, .len = i - start, .width = text_width(text + start, i - start)};
                start = i + 1;
                if (i < len && text[i] == '\t')
                        continue;
                if (grow((void **)&L->lines, &L->caplines, L->nlines + 1, sizeof(struct line)) < 0)
                        return -ENOMEM;
                L->lines[L->nlines++] = (struct line){.first = first, .n = L->ncells - first};
                first = L->ncells;
        }
        return 0;
}

/* Column blocks: a run of consecutive lines with a cell in column c.  Runs of column c
 * nest inside runs of column c-1, so the open runs are always columns 0..nopen-1. */
static int assign_widths(struct layout *L, size_t minwidth, size_t padding)
{
        size_t nopen = 0;
        for (size_t i = 0; i < L->nlines; i++) {
                size_t k = L->lines[i].n - 1;
                if (grow((void **)&L->open, &L->capopen, k + 1, sizeof(size_t)) < 0)
                        return -ENOMEM;
                for (size_t c = 0; c < k; c++) {
                        if (c >= nopen) {
                                if (grow((void **)&L->runs, &L->capruns, L->nruns + 1,
                                         sizeof(size_t)) < 0)
                                        return -ENOMEM;
                                L->runs[L->nruns] = minwidth;
                                L->open[c] = L->nruns++;
                        }
                        struct cell *cell = &L->cells[L->lines[i].first + c];
                        size_t w = cell->width + padding;
                        if (w > L->runs[L->open[c]])
                                L->runs[L->open[c]] = w;
                        cell->run = L->open[c];
                }
                nopen = k;
        }
        return 0;
}

static int write_out(const struct layout *L, const char *text, struct berth_buf *out)
{
        static const char spaces[64] =
            "                                                               ";
        int r = berth_buf_append(out, "", 0);
        for (size_t i = 0; i < L->nlines && r >= 0; i++) {
                const struct line *ln = &L->lines[i];
                for (size_t j = 0; j < ln->n && r >= 0; j++) {
                        const struct cell *c = &L->cells[ln->first + j];
                        r = berth_buf_append(out, text + c->off, c->len);
                        if (j + 1 == ln->n)
                                break;
                        for (size_t pad = L->runs[c->run] - c->width; pad > 0 && r >= 0;) {
                                size_t k = pad < sizeof(spaces) ? pad : sizeof(spaces);
                                r = berth_buf_append(out, spaces, k);
                                pad -= k;
                        }
                }
                if (r >= 0 && i + 1 < L->nlines)
                        r = berth_buf_append(out, "\n", 1);
        }
        return r;
}

int berth_table_format(const char *text, size_t len, size_t minwidth, size_t padding,
                       struct berth_buf *out, struct berth_error *err)
{
        struct layout L = {0};
        int r = split_cells(&L, text, len);
        if (r >= 0)
                r = assign_widths(&L, minwidth, padding);
        if (r >= 0)
                r = write_out(&L, text, out);
        free(L.cells);
        free(L.lines);
        free(L.runs);
        free(L.open);
        if (r < 0)
                return berth_error_set(err, -r, "table: out of memory");
        return 0;
}

void berth_table_init(struct berth_table *t, size_t minwidth, size_t padding)
{
        *t = (struct berth_table){.minwidth = minwidth, .padding = padding};
}

int berth_table_write(struct berth_table *t, const char *s, size_t n, struct berth_error *err)
{
        if (t->text.len + n > BERTH_TABLE_MAX_TEXT)
                return berth_error_set(err, E2BIG, "table: text exceeds %u bytes",
                                       BERTH_TABLE_MAX_TEXT);
        if (berth_buf_append(&t->text, s, n) < 0)
                return berth_error_set(err, ENOMEM, "table: out of memory");
        return 0;
}

int berth_table_add_row(struct berth_table *t, const char *const *cells, size_t n,
                        struct berth_error *err)
{
        int r = 0;
        for (size_t i = 0; i < n && r >= 0; i++) {
                const char *c = cells[i] ? cells[i] : "";
                size_t start = t->text.len;
                if (i > 0)
                        r = berth_table_write(t, "\t", 1, err);
                if (r >= 0)
                        r = berth_table_write(t, c, strlen(c), err);
                for (size_t k = start + (i > 0); r >= 0 && k < t->text.len; k++)
                        if (t->text.data[k] == '\t' || t->text.data[k] == '\n')
                                t->text.data[k] = ' ';
        }
        return r < 0 ? r : berth_table_write(t, "\n", 1, err);
}

int berth_table_flush(struct berth_table *t, struct berth_buf *out, struct berth_error *err)
{
        int r = berth_table_format(t->text.data ? t->text.data : "", t->text.len, t->minwidth,
                                   t->padding, out, err);
        t->text.len = 0;
        if (t->text.data)
                t->text.data[0] = '\0';
        return r;
}

void berth_table_free(struct berth_table *t)
{
        berth_buf_free(&t->text);
}

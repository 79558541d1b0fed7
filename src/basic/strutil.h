/* SPDX-License-Identifier: Apache-2.0 */
/* Strings, string vectors and range-checked number parsing. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"

/* Parse a whole string as a base-10 number within [min, max].  Leading/trailing junk,
 * empty strings and overflow are -EINVAL / -ERANGE.  *out is untouched on failure. */
int berth_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);
int berth_parse_uint64(const char *s, uint64_t max, uint64_t *out);
int berth_parse_int(const char *s, int min, int max, int *out);

/* Docker-style sizes: "512", "10k", "64m", "1g", "1.5g" (b/k/m/g/t, case-insensitive,
 * optional trailing 'b' as in "10kb").  Result in bytes. */
int berth_parse_size(const char *s, int64_t *out);

bool berth_streq(const char *a, const char *b); /* NULL-safe */
bool berth_startswith(const char *s, const char *prefix);
bool berth_endswith(const char *s, const char *suffix);

/* malloc'ed formatted string; NULL on ENOMEM. */
char *berth_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* NULL-terminated string vectors. */
size_t berth_strv_length(char *const *v);
int berth_strv_push(char ***v, const char *s); /* copies s; -ENOMEM */
char **berth_strv_copy(char *const *v);
bool berth_strv_contains(char *const *v, const char *s);

/* A growable byte buffer, always NUL-terminated. */
struct berth_buf {
        char *data;
        size_t len;
        size_t cap;
};
int berth_buf_append(struct berth_buf *b, const void *data, size_t n);
int berth_buf_printf(struct berth_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void berth_buf_free(struct berth_buf *b);

/* SPDX-License-Identifier: Apache-2.0 */
#include "basic/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/banned.h"

int berth_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
        if (!s || !*s || isspace((unsigned char)*s))
                return -EINVAL;
        char *end = NULL;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (errno || !end || *end)
                return -EINVAL;
        if (v < min || v > max)
                return -ERANGE;
        *out = v;
        return 0;
}

int berth_parse_uint64(const char *s, uint64_t max, uint64_t *out)
{
        if (!s || !*s || !isdigit((unsigned char)*s))
                return -EINVAL;
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (errno || !end || *end)
                return -EINVAL;
        if (v > max)
                return -ERANGE;
        *out = v;
        return 0;
}

int berth_parse_int(const char *s, int min, int max, int *out)
{
        int64_t v;
        int r = berth_parse_int64(s, min, max, &v);
        if (r < 0)
                return r;
        *out = (int)v;
        return 0;
}

int berth_parse_size(const char *s, int64_t *out)
{
        if (!s || !*s || !(isdigit((unsigned char)*s) || *s == '.'))
                return -EINVAL;
        char *end = NULL;
        errno = 0;
        double v = strtod(s, &end);
        if (errno || end == s || !isfinite(v) || v < 0)
                return -EINVAL;
        double mult = 1;
        switch (tolower((unsigned char)*end)) {
        case '\0':
                break;
        case 'b':
                end++;
                break;
        case 'k':
                mult = 1024.0, end++;
                break;
        case 'm':
                mult = 1024.0 * 1024, end++;
                break;
        case 'g':
                mult = 1024.0 * 1024 * 1024, end++;
                break;
        case 't':
                mult = 1024.0 * 1024 * 1024 * 1024, end++;
                break;
        default:
                return -EINVAL;
        }
        if (mult > 1 && tolower((unsigned char)*end) == 'b')
                end++;
        if (*end)
                return -EINVAL;
        double bytes = v * mult;
        if (bytes >= 9.2e18)
                return -ERANGE;
        *out = (int64_t)bytes;
        return 0;
}

bool berth_streq(const char *a, const char *b)
{
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}

bool berth_startswith(const char *s, const char *prefix)
{
        return s && prefix && strncmp(s, prefix, strlen(prefix)) == 0;
}

bool berth_endswith(const char *s, const char *suffix)
{
        if (!s || !suffix)
                return false;
        size_t ls = strlen(s), lx = strlen(suffix);
        return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

char *berth_strdup_printf(const char *fmt, ...)
{
        va_list ap;
        char *s = NULL;
        va_start(ap, fmt);
        int r = vasprintf(&s, fmt, ap);
        va_end(ap);
        return r < 0 ? NULL : s;
}

size_t berth_strv_length(char *const *v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

int berth_strv_push(char ***v, const char *s)
{
        size_t n = berth_strv_length(*v);
        char *c = strdup(s);
        if (!c)
                return -ENOMEM;
        char **nv = realloc(*v, (n + 2) * sizeof(char *));
        if (!nv) {
                free(c);
                return -ENOMEM;
        }
        nv[n] = c;
        nv[n + 1] = NULL;
        *v = nv;
        return 0;
}

char **berth_strv_copy(char *const *v)
{
        size_t n = berth_strv_length(v);
        char **c = calloc(n + 1, sizeof(char *));
        if (!c)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                c[i] = strdup(v[i]);
                if (!c[i]) {
                        for (size_t j = 0; j < i; j++)
                                free(c[j]);
                        free(c);
                        return NULL;
                }
        }
        return c;
}

bool berth_strv_contains(char *const *v, const char *s)
{
        for (size_t i = 0; v && v[i]; i++)
                if (strcmp(v[i], s) == 0)
                        return true;
        return false;
}

int berth_buf_append(struct berth_buf *b, const void *data, size_t n)
{
        if (b->len + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap : 64;
                while (cap < b->len + n + 1) {
                        if (cap > SIZE_MAX / 2)
                                return -ENOMEM;
                        cap *= 2;
                }
                char *d = realloc(b->data, cap);
                if (!d)
                        return -ENOMEM;
                b->data = d;
                b->cap = cap;
        }
        if (n)
                memcpy(b->data + b->len, data, n);
        b->len += n;
        b->data[b->len] = '\0';
        return 0;
}

int berth_buf_printf(struct berth_buf *b, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *s = NULL;
        int n = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -ENOMEM;
        int r = berth_buf_append(b, s, (size_t)n);
        free(s);
        return r;
}

void berth_buf_free(struct berth_buf *b)
{
        free(b->data);
        b->data = NULL;
        b->len = b->cap = 0;
}

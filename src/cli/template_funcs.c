/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go's value printing (fmt's %v, Sprint, Sprintf), Docker's `json`, comparisons, and the
 * template function table (Go's builtins plus Docker's json/join/split/lower/upper/title/
 * truncate/pad).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cleanup.h"
#include "basic/json.h"
#include "cli/template_internal.h"
#include "basic/banned.h"

/* ------------------------------------------------------------------------------------ */
/* basics */

const char *tpl_type_name(const json_t *v)
{
        if (!v || json_is_null(v))
                return "<nil>";
        switch (json_typeof(v)) {
        case JSON_STRING:
                return "string";
        case JSON_INTEGER:
                return "int";
        case JSON_REAL:
                return "float64";
        case JSON_TRUE:
        case JSON_FALSE:
                return "bool";
        case JSON_ARRAY:
                return "[]interface {}";
        case JSON_OBJECT:
                return "map[string]interface {}";
        default:
                return "<nil>";
        }
}

bool tpl_truth(const json_t *v)
{
        if (!v)
                return false;
        switch (json_typeof(v)) {
        case JSON_STRING:
                return json_string_length(v) > 0;
        case JSON_INTEGER:
                return json_integer_value(v) != 0;
        case JSON_REAL:
                return json_real_value(v) != 0;
        case JSON_TRUE:
                return true;
        case JSON_ARRAY:
                return json_array_size(v) > 0;
        case JSON_OBJECT:
                return json_object_size(v) > 0;
        default:
                return false;
        }
}

static bool is_nil(const json_t *v)
{
        return !v || json_is_null(v);
}

static size_t rune_count(const char *s, size_t n)
{
        size_t c = 0;
        for (size_t i = 0; i < n; i++)
                if (((unsigned char)s[i] & 0xc0) != 0x80)
                        c++;
        return c;
}

/* Decode one UTF-8 sequence at s[0..n); returns its length, *r = 0xfffd and 1 if bad. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *r)
{
        unsigned char c = s[0];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 1) {
                *r = c;
                return 1;
        }
        if (len == 0 || len > n)
                goto bad;
        uint32_t v = c & (0x7f >> len);
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        goto bad;
                v = (v << 6) | (s[i] & 0x3f);
        }
        static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (v < min[len] || v > 0x10ffff || (v >= 0xd800 && v < 0xe000))
                goto bad;
        *r = v;
        return len;
bad:
        *r = 0xfffd;
        return 1;
}

static int buf_utf8(struct berth_buf *b, uint32_t v)
{
        char d[4];
        size_t n;
        if (v < 0x80) {
                d[0] = (char)v, n = 1;
        } else if (v < 0x800) {
                d[0] = (char)(0xc0 | (v >> 6)), d[1] = (char)(0x80 | (v & 0x3f)), n = 2;
        } else if (v < 0x10000) {
                d[0] = (char)(0xe0 | (v >> 12)), d[1] = (char)(0x80 | ((v >> 6) & 0x3f));
                d[2] = (char)(0x80 | (v & 0x3f)), n = 3;
        } else {
                d[0] = (char)(0xf0 | (v >> 18)), d[1] = (char)(0x80 | ((v >> 12) & 0x3f));
                d[2] = (char)(0x80 | ((v >> 6) & 0x3f)), d[3] = (char)(0x80 | (v & 0x3f)), n = 4;
        }
        return berth_buf_append(b, d, n);
}

static int buf_str(struct berth_buf *b, const char *s)
{
        return berth_buf_append(b, s, strlen(s));
}

static int buf_repeat(struct berth_buf *b, char c, size_t n)
{
        char chunk[64];
        memset(chunk, c, sizeof(chunk));
        while (n > 0) {
                size_t k = n < sizeof(chunk) ? n : sizeof(chunk);
                int r = berth_buf_append(b, chunk, k);
                if (r < 0)
                        return r;
                n -= k;
        }
        return 0;
}

/* ------------------------------------------------------------------------------------ */
/* floats as Go prints them */

/* Shortest decimal digits that read back as v (v > 0, finite): digits, count, and the
 * decimal point position (value = 0.DIGITS * 10^dp). */
static void shortest_digits(double v, char *digs, int *nd, int *dp)
{
        char buf[64];
        for (int prec = 0; prec <= 17; prec++) {
                snprintf(buf, sizeof(buf), "%.*e", prec, v);
                if (strtod(buf, NULL) == v)
                        break;
        }
        int n = 0;
        const char *p = buf;
        for (; *p && *p != 'e'; p++)
                if (*p >= '0' && *p <= '9')
                        digs[n++] = *p;
        long e = *p == 'e' ? strtol(p + 1, NULL, 10) : 0;
        while (n > 1 && digs[n - 1] == '0')
                n--;
        digs[n] = '\0';
        *nd = n;
        *dp = (int)e + 1;
}

/* mode 'g': fmt's %v (strconv's shortest 'g': %e form when the exponent is < -4 or >= 6);
 * mode 'j': encoding/json (%e form below 1e-6 and from 1e21, "e-7" not "e-07"). */
int tpl_format_float(struct berth_buf *b, double v, char mode)
{
        if (isnan(v))
                return buf_str(b, "NaN");
        if (isinf(v))
                return buf_str(b, v > 0 ? "+Inf" : "-Inf");
        int r = 0;
        if (signbit(v) && (r = buf_str(b, "-")) < 0)
                return r;
        v = fabs(v);
        char digs[32];
        int nd, dp;
        if (v == 0)
                digs[0] = '0', digs[1] = '\0', nd = 1, dp = 1;
        else
                shortest_digits(v, digs, &nd, &dp);
        int exp = dp - 1;
        bool use_e = mode == 'g' ? (exp < -4 || exp >= 6) : (v != 0 && (v < 1e-6 || v >= 1e21));
        if (use_e) {
                if ((r = berth_buf_append(b, digs, 1)) < 0)
                        return r;
                if (nd > 1 && ((r = buf_str(b, ".")) < 0 ||
                               (r = berth_buf_append(b, digs + 1, (size_t)nd - 1)) < 0))
                        return r;
                int ae = exp < 0 ? -exp : exp;
                if (mode == 'j' && exp < 0 && ae < 10)
                        return berth_buf_printf(b, "e-%d", ae);
                return berth_buf_printf(b, "e%c%02d", exp < 0 ? '-' : '+', ae);
        }
        if (dp <= 0) {
                if ((r = buf_str(b, "0.")) < 0 || (r = buf_repeat(b, '0', (size_t)-dp)) < 0)
                        return r;
                return berth_buf_append(b, digs, (size_t)nd);
        }
        if (dp >= nd) {
                if ((r = berth_buf_append(b, digs, (size_t)nd)) < 0)
                        return r;
                return buf_repeat(b, '0', (size_t)(dp - nd));
        }
        if ((r = berth_buf_append(b, digs, (size_t)dp)) < 0 || (r = buf_str(b, ".")) < 0)
                return r;
        return berth_buf_append(b, digs + dp, (size_t)(nd - dp));
}

/* ------------------------------------------------------------------------------------ */
/* fmt verbs */

struct spec {
        bool minus, plus, sharp, space, zero;
        int width, prec; /* -1: not given */
        char verb;
};

static const struct spec spec_v = {.width = -1, .prec = -1, .verb = 'v'};

/* Pad s[0..n) to the spec's width (runes). */
static int pad_out(struct berth_buf *b, const struct spec *sp, const char *s, size_t n,
                   bool numeric)
{
        size_t runes = rune_count(s, n);
        size_t w = sp->width > 0 ? (size_t)sp->width : 0;
        if (runes >= w)
                return berth_buf_append(b, s, n);
        size_t fill = w - runes;
        int r;
        if (sp->minus) {
                if ((r = berth_buf_append(b, s, n)) < 0)
                        return r;
                return buf_repeat(b, ' ', fill);
        }
        if (sp->zero && numeric && n > 0 && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) {
                if ((r = berth_buf_append(b, s, 1)) < 0 || (r = buf_repeat(b, '0', fill)) < 0)
                        return r;
                return berth_buf_append(b, s + 1, n - 1);
        }
        if ((r = buf_repeat(b, sp->zero ? '0' : ' ', fill)) < 0)
                return r;
        return berth_buf_append(b, s, n);
}

/* strconv.Quote-like: printable UTF-8 kept, the rest escaped. */
static int quote_string(struct berth_buf *b, const char *s, size_t n, char q)
{
        int r = berth_buf_append(b, &q, 1);
        for (size_t i = 0; i < n && r >= 0;) {
                uint32_t c;
                size_t len = utf8_decode((const unsigned char *)s + i, n - i, &c);
                bool bad = c == 0xfffd && len == 1 && (unsigned char)s[i] >= 0x80;
                const char *esc = NULL;
                switch (c) {
                case '\a':
                        esc = "\\a";
                        break;
                case '\b':
                        esc = "\\b";
                        break;
                case '\f':
                        esc = "\\f";
                        break;
                case '\n':
                        esc = "\\n";
                        break;
                case '\r':
                        esc = "\\r";
                        break;
                case '\t':
                        esc = "\\t";
                        break;
                case '\v':
                        esc = "\\v";
                        break;
                case '\\':
                        esc = "\\\\";
                        break;
                default:
                        break;
                }
                if (esc)
                        r = buf_str(b, esc);
                else if (c == (uint32_t)q)
                        r = berth_buf_printf(b, "\\%c", q);
                else if (bad || c < 0x20 || c == 0x7f)
                        r = berth_buf_printf(b, "\\x%02x", (unsigned char)s[i]);
                else if ((c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029 || c == 0xfeff)
                        r = berth_buf_printf(b, "\\u%04x", c);
                else
                        r = berth_buf_append(b, s + i, len);
                i += len;
        }
        return r < 0 ? r : berth_buf_append(b, &q, 1);
}

static int fmt_value(struct berth_buf *b, const struct spec *sp, const json_t *v, unsigned depth);

static int bad_verb(struct berth_buf *b, const struct spec *sp, const json_t *v, unsigned depth)
{
        int r = berth_buf_printf(b, "%%!%c(", sp->verb);
        if (r < 0)
                return r;
        if (is_nil(v))
                return buf_str(b, "<nil>)");
        if ((r = berth_buf_printf(b, "%s=", tpl_type_name(v))) < 0 ||
            (r = fmt_value(b, &spec_v, v, depth + 1)) < 0)
                return r;
        return buf_str(b, ")");
}

static int fmt_int(struct berth_buf *b, const struct spec *sp, const json_t *v, unsigned depth)
{
        int64_t x = json_integer_value(v);
        uint64_t u = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
        char digits[80];
        int base = 10;
        const char *set = "0123456789abcdef", *prefix = "";
        switch (sp->verb) {
        case 'v':
        case 'd':
                break;
        case 'b':
                base = 2, prefix = sp->sharp ? "0b" : "";
                break;
        case 'o':
                base = 8, prefix = sp->sharp ? "0" : "";
                break;
        case 'O':
                base = 8, prefix = "0o";
                break;
        case 'x':
                base = 16, prefix = sp->sharp ? "0x" : "";
                break;
        case 'X':
                base = 16, set = "0123456789ABCDEF", prefix = sp->sharp ? "0X" : "";
                break;
        case 'c':
        case 'q':
        case 'U': {
                uint32_t c =
                    (x < 0 || x > 0x10ffff || (x >= 0xd800 && x < 0xe000)) ? 0xfffd : (uint32_t)x;
                struct berth_buf t = {0};
                int r = 0;
                if (sp->verb == 'U') {
                        r = berth_buf_printf(&t, "U+%04" PRIX32, (uint32_t)(x < 0 ? 0xfffd : x));
                } else if (sp->verb == 'c') {
                        r = buf_utf8(&t, c);
                } else {
                        struct berth_buf e = {0};
                        r = buf_utf8(&e, c);
                        if (r >= 0)
                                r = quote_string(&t, e.data, e.len, '\'');
                        berth_buf_free(&e);
                }
                if (r >= 0)
                        r = pad_out(b, sp, t.data ? t.data : "", t.len, false);
                berth_buf_free(&t);
                return r;
        }
        default:
                return bad_verb(b, sp, v, depth);
        }
        int n = 0;
        do {
                digits[n++] = set[u % (uint64_t)base];
                u /= (uint64_t)base;
        } while (u);
        struct berth_buf t = {0};
        const char *sign = x < 0 ? "-" : sp->plus ? "+" : sp->space ? " " : "";
        int r = buf_str(&t, sign);
        if (r >= 0)
                r = buf_str(&t, prefix);
        if (r >= 0 && sp->prec > n)
                r = buf_repeat(&t, '0', (size_t)(sp->prec - n));
        while (r >= 0 && n > 0)
                r = berth_buf_append(&t, &digits[--n], 1);
        struct spec s2 = *sp;
        if (sp->prec >= 0)
                s2.zero = false;
        if (r >= 0)
                r = pad_out(b, &s2, t.data, t.len, true);
        berth_buf_free(&t);
        return r;
}

static int fmt_float(struct berth_buf *b, const struct spec *sp, const json_t *v, unsigned depth)
{
        double f = json_number_value(v);
        struct berth_buf t = {0};
        int r;
        if (!strchr("vgGeEfF", sp->verb))
                return bad_verb(b, sp, v, depth);
        if ((sp->verb == 'v' || sp->verb == 'g' || sp->verb == 'G') && sp->prec < 0) {
                if (!signbit(f) && (sp->plus || sp->space))
                        r = berth_buf_append(&t, sp->plus ? "+" : " ", 1);
                r = tpl_format_float(&t, f, 'g');
                if (r >= 0 && sp->verb == 'G')
                        for (size_t i = 0; i < t.len; i++)
                                if (t.data[i] == 'e')
                                        t.data[i] = 'E';
        } else {
                char fmt[16];
                char verb = sp->verb == 'v' ? 'g' : sp->verb;
                snprintf(fmt, sizeof(fmt), "%%%s%s.*%c", sp->plus ? "+" : "", sp->space ? " " : "",
                         verb);
                r = berth_buf_printf(&t, fmt, sp->prec < 0 ? 6 : sp->prec, f);
        }
        if (r >= 0)
                r = pad_out(b, sp, t.data ? t.data : "", t.len, true);
        berth_buf_free(&t);
        return r;
}

static int fmt_string(struct berth_buf *b, const struct spec *sp, const json_t *v, unsigned depth)
{
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        if (sp->prec >= 0 && (sp->verb == 'v' || sp->verb == 's' || sp->verb == 'q')) {
                size_t runes = 0, i = 0;
                for (; i < n; i++) {
                        if (((unsigned char)s[i] & 0xc0) != 0x80 && runes++ == (size_t)sp->prec)
                                break;
                }
                n = i;
        }
        struct berth_buf t = {0};
        int r;
        switch (sp->verb) {
        case 'v':
        case 's':
                return pad_out(b, sp, s, n, false);
        case 'q':
                r = quote_string(&t, s, n, '"');
                break;
        case 'x':
        case 'X':
                r = 0;
                for (size_t i = 0; i < n && r >= 0; i++)
                        r = berth_buf_printf(&t, sp->verb == 'x' ? "%02x" : "%02X",
                                             (unsigned char)s[i]);
                break;
        default:
                return bad_verb(b, sp, v, depth);
        }
        if (r >= 0)
                r = pad_out(b, sp, t.data ? t.data : "", t.len, false);
        berth_buf_free(&t);
        return r;
}

static int cmp_keys(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted keys of an object (malloc'ed array of borrowed strings). */
static const char **sorted_keys(const json_t *o)
{
        size_t n = json_object_size(o), i = 0;
        const char **keys = malloc((n ? n : 1) * sizeof(*keys));
        if (!keys)
                return NULL;
        const char *k;
        json_t *val;
        json_object_foreach ((json_t *)o, k, val)
                keys[i++] = k;
        qsort(keys, n, sizeof(*keys), cmp_keys);
        return keys;
}

static int fmt_value(struct berth_buf *b, const struct spec *sp, const json_t *v, unsigned depth)
{
        if (depth > TPL_MAX_COMPOSE)
                return -ELOOP;
        if (is_nil(v)) /* a nil argument only prints with %v; inside a value, always */
                return sp->verb == 'v' || depth > 0 ? pad_out(b, sp, "<nil>", 5, false)
                                                    : bad_verb(b, sp, v, depth);
        int r = 0;
        switch (json_typeof(v)) {
        case JSON_STRING:
                return fmt_string(b, sp, v, depth);
        case JSON_INTEGER:
                return fmt_int(b, sp, v, depth);
        case JSON_REAL:
                return fmt_float(b, sp, v, depth);
        case JSON_TRUE:
        case JSON_FALSE:
                if (sp->verb != 'v' && sp->verb != 't')
                        return bad_verb(b, sp, v, depth);
                return json_is_true(v) ? pad_out(b, sp, "true", 4, false)
                                       : pad_out(b, sp, "false", 5, false);
        case JSON_ARRAY: {
                r = buf_str(b, "[");
                for (size_t i = 0; i < json_array_size(v) && r >= 0; i++) {
                        if (i > 0 && (r = buf_str(b, " ")) < 0)
                                break;
                        r = fmt_value(b, sp, json_array_get(v, i), depth + 1);
                }
                return r < 0 ? r : buf_str(b, "]");
        }
        case JSON_OBJECT: {
                _cleanup_free_ const char **keys = sorted_keys(v);
                if (!keys)
                        return -ENOMEM;
                r = buf_str(b, "map[");
                for (size_t i = 0; i < json_object_size(v) && r >= 0; i++) {
                        json_t *k = json_string_nocheck(keys[i]);
                        if (!k)
                                return -ENOMEM;
                        if (i > 0)
                                r = buf_str(b, " ");
                        if (r >= 0)
                                r = fmt_value(b, sp, k, depth + 1);
                        json_decref(k);
                        if (r >= 0)
                                r = buf_str(b, ":");
                        if (r >= 0)
                                r = fmt_value(b, sp, json_object_get(v, keys[i]), depth + 1);
                }
                return r < 0 ? r : buf_str(b, "]");
        }
        default:
                return buf_str(b, "<nil>");
        }
}

int tpl_print_value(struct berth_buf *b, const json_t *v, bool top)
{
        if (top && is_nil(v))
                return buf_str(b, "<no value>");
        return fmt_value(b, &spec_v, v, 0);
}

int tpl_sprint(struct berth_buf *b, json_t **args, size_t n, bool ln)
{
        int r = 0;
        bool prev_string = false;
        for (size_t i = 0; i < n && r >= 0; i++) {
                bool is_string = json_is_string(args[i]);
                if (i > 0 && (ln || (!is_string && !prev_string)))
                        r = buf_str(b, " ");
                if (r >= 0)
                        r = fmt_value(b, &spec_v, args[i], 0);
                prev_string = is_string;
        }
        if (r >= 0 && ln)
                r = buf_str(b, "\n");
        if (r >= 0 && !b->data)
                r = berth_buf_append(b, "", 0);
        return r;
}

/* Parse flags, width and precision after '%'; *i is advanced. */
static void parse_spec(const char *f, size_t n, size_t *i, struct spec *sp, json_t **args,
                       size_t nargs, size_t *argi, bool *badwidth)
{
        *sp = (struct spec){.width = -1, .prec = -1};
        for (; *i < n; (*i)++) {
                char c = f[*i];
                if (c == '-')
                        sp->minus = true, sp->zero = false;
                else if (c == '+')
                        sp->plus = true;
                else if (c == '#')
                        sp->sharp = true;
                else if (c == ' ')
                        sp->space = true;
                else if (c == '0')
                        sp->zero = !sp->minus;
                else
                        break;
        }
        for (int which = 0; which < 2; which++) {
                int *dst = which == 0 ? &sp->width : &sp->prec;
                if (which == 1) {
                        if (*i >= n || f[*i] != '.')
                                break;
                        (*i)++;
                        *dst = 0;
                }
                if (*i < n && f[*i] == '*') {
                        (*i)++;
                        json_t *a = *argi < nargs ? args[(*argi)++] : NULL;
                        if (!json_is_integer(a) || json_integer_value(a) > TPL_MAX_WIDTH ||
                            json_integer_value(a) < -TPL_MAX_WIDTH) {
                                *badwidth = true;
                                continue;
                        }
                        *dst = (int)json_integer_value(a);
                        if (*dst < 0 && which == 0)
                                sp->minus = true, *dst = -*dst;
                        else if (*dst < 0)
                                *dst = -1;
                        continue;
                }
                while (*i < n && f[*i] >= '0' && f[*i] <= '9') {
                        if (*dst < 0)
                                *dst = 0;
                        if (*dst <= TPL_MAX_WIDTH)
                                *dst = *dst * 10 + (f[*i] - '0');
                        (*i)++;
                }
                if (*dst > TPL_MAX_WIDTH)
                        *dst = TPL_MAX_WIDTH;
        }
}

int tpl_sprintf(struct berth_buf *b, const char *f, size_t n, json_t **args, size_t nargs)
{
        size_t argi = 0;
        int r = berth_buf_append(b, "", 0);
        for (size_t i = 0; i < n && r >= 0;) {
                if (b->len > BERTH_TEMPLATE_MAX_OUTPUT)
                        return -E2BIG;
                if (f[i] != '%') {
                        size_t j = i;
                        while (j < n && f[j] != '%')
                                j++;
                        r = berth_buf_append(b, f + i, j - i);
                        i = j;
                        continue;
                }
                i++;
                struct spec sp;
                bool badwidth = false;
                parse_spec(f, n, &i, &sp, args, nargs, &argi, &badwidth);
                if (i >= n) {
                        r = buf_str(b, "%!(NOVERB)");
                        break;
                }
                uint32_t verb;
                i += utf8_decode((const unsigned char *)f + i, n - i, &verb);
                sp.verb = verb < 0x80 ? (char)verb : '?';
                if (badwidth && (r = buf_str(b, "%!(BADWIDTH)")) < 0)
                        break;
                if (verb == '%') {
                        r = buf_str(b, "%");
                        continue;
                }
                if (argi >= nargs) {
                        r = berth_buf_printf(b, "%%!%c(MISSING)", sp.verb);
                        continue;
                }
                json_t *a = args[argi++];
                if (verb >= 0x80 || !strchr("vsqdxXobOcUtfFeEgGT", (char)verb))
                        r = bad_verb(b, &sp, a, 0);
                else if (verb == 'T')
                        r = pad_out(b, &sp, tpl_type_name(a), strlen(tpl_type_name(a)), false);
                else
                        r = fmt_value(b, &sp, a, 0);
        }
        if (r >= 0 && argi < nargs) {
                r = buf_str(b, "%!(EXTRA ");
                for (size_t k = argi; k < nargs && r >= 0; k++) {
                        if (k > argi)
                                r = buf_str(b, ", ");
                        if (r >= 0 && !is_nil(args[k]))
                                r = berth_buf_printf(b, "%s=", tpl_type_name(args[k]));
                        if (r >= 0)
                                r = fmt_value(b, &spec_v, args[k], 0);
                }
                if (r >= 0)
                        r = buf_str(b, ")");
        }
        return r;
}

/* ------------------------------------------------------------------------------------ */
/* json, as Docker's CLI encodes it (json.Encoder with SetEscapeHTML(false)) */

static int json_string_out(struct berth_buf *b, const char *s, size_t n)
{
        int r = buf_str(b, "\"");
        size_t run = 0; /* start of the pending run of bytes copied as they are */
        for (size_t i = 0; i < n && r >= 0;) {
                uint32_t c;
                size_t len = utf8_decode((const unsigned char *)s + i, n - i, &c);
                bool bad = c == 0xfffd && len == 1 && (unsigned char)s[i] >= 0x80;
                const char *esc = NULL;
                char ubuf[8];
                if (c == '"')
                        esc = "\\\"";
                else if (c == '\\')
                        esc = "\\\\";
                else if (c == '\n')
                        esc = "\\n";
                else if (c == '\r')
                        esc = "\\r";
                else if (c == '\t')
                        esc = "\\t";
                else if (c == '\b')
                        esc = "\\b";
                else if (c == '\f')
                        esc = "\\f";
                else if (bad)
                        esc = "\\ufffd";
                else if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        snprintf(ubuf, sizeof(ubuf), "\\u%04x", c);
                        esc = ubuf;
                }
                if (esc) {
                        r = berth_buf_append(b, s + run, i - run);
                        if (r >= 0)
                                r = buf_str(b, esc);
                        run = i + len;
                }
                i += len;
        }
        if (r >= 0)
                r = berth_buf_append(b, s + run, n - run);
        return r < 0 ? r : buf_str(b, "\"");
}

int tpl_json_encode(struct berth_buf *b, const json_t *v, unsigned depth)
{
        if (depth > TPL_MAX_COMPOSE)
                return -ELOOP;
        if (is_nil(v))
                return buf_str(b, "null");
        int r = 0;
        switch (json_typeof(v)) {
        case JSON_STRING:
                return json_string_out(b, json_string_value(v), json_string_length(v));
        case JSON_INTEGER:
                return berth_buf_printf(b, "%" PRId64, (int64_t)json_integer_value(v));
        case JSON_REAL:
                return tpl_format_float(b, json_real_value(v), 'j');
        case JSON_TRUE:
                return buf_str(b, "true");
        case JSON_FALSE:
                return buf_str(b, "false");
        case JSON_ARRAY:
                r = buf_str(b, "[");
                for (size_t i = 0; i < json_array_size(v) && r >= 0; i++) {
                        if (i > 0)
                                r = buf_str(b, ",");
                        if (r >= 0)
                                r = tpl_json_encode(b, json_array_get(v, i), depth + 1);
                }
                return r < 0 ? r : buf_str(b, "]");
        case JSON_OBJECT: {
                const char *k;
                json_t *val;
                bool first = true;
                r = buf_str(b, "{");
                json_object_foreach ((json_t *)v, k, val) {
                        if (r < 0)
                                break;
                        if (!first)
                                r = buf_str(b, ",");
                        first = false;
                        if (r >= 0)
                                r = json_string_out(b, k, strlen(k));
                        if (r >= 0)
                                r = buf_str(b, ":");
                        if (r >= 0)
                                r = tpl_json_encode(b, val, depth + 1);
                }
                return r < 0 ? r : buf_str(b, "}");
        }
        default:
                return buf_str(b, "null");
        }
}

/* ------------------------------------------------------------------------------------ */
/* comparison */

int tpl_compare(const json_t *a, const json_t *b, bool eq_only, int *cmp, char *msg, size_t msglen)
{
        if (eq_only && (is_nil(a) || is_nil(b))) {
                *cmp = is_nil(a) && is_nil(b) ? 0 : 1;
                return 0;
        }
        if (is_nil(a) || is_nil(b) || json_is_array(a) || json_is_object(a) || json_is_array(b) ||
            json_is_object(b)) {
                const json_t *bad = (is_nil(a) || json_is_array(a) || json_is_object(a)) ? a : b;
                if (eq_only)
                        snprintf(msg, msglen, "non-comparable type %s", tpl_type_name(bad));
                else
                        snprintf(msg, msglen, "invalid type for comparison");
                return -EINVAL;
        }
        if (json_is_number(a) && json_is_number(b)) {
                if (json_is_integer(a) && json_is_integer(b)) {
                        json_int_t x = json_integer_value(a), y = json_integer_value(b);
                        *cmp = x < y ? -1 : x > y;
                } else {
                        double x = json_number_value(a), y = json_number_value(b);
                        *cmp = x < y ? -1 : x > y;
                }
                return 0;
        }
        if (json_is_string(a) && json_is_string(b)) {
                size_t la = json_string_length(a), lb = json_string_length(b);
                int c = memcmp(json_string_value(a), json_string_value(b), la < lb ? la : lb);
                *cmp = c ? (c < 0 ? -1 : 1) : (la < lb ? -1 : la > lb);
                return 0;
        }
        if (json_is_boolean(a) && json_is_boolean(b)) {
                if (!eq_only) {
                        snprintf(msg, msglen, "invalid type for comparison");
                        return -EINVAL;
                }
                *cmp = json_is_true(a) != json_is_true(b);
                return 0;
        }
        snprintf(msg, msglen, "incompatible types for comparison");
        return -EINVAL;
}

/* ------------------------------------------------------------------------------------ */
/* functions */

#define FN(name)                                                                                   \
        static int fn_##name(struct tpl_exec *st, json_t **a, size_t n, json_t **res, char *msg,   \
                             size_t msglen)

/* Go's reflect-level argument checks: plain messages (-EDOM: no "error calling" prefix). */
static int want_string(json_t *v, const char **s, size_t *len, char *msg, size_t msglen)
{
        if (json_is_string(v)) {
                *s = json_string_value(v);
                *len = json_string_length(v);
                return 0;
        }
        if (is_nil(v))
                snprintf(msg, msglen, "invalid value; expected string");
        else
                snprintf(msg, msglen, "wrong type for value; expected string; got %s",
                         tpl_type_name(v));
        return -EDOM;
}

static int want_int(json_t *v, int64_t *out, char *msg, size_t msglen)
{
        if (json_is_integer(v)) {
                *out = json_integer_value(v);
                return 0;
        }
        if (is_nil(v))
                snprintf(msg, msglen, "invalid value; expected int");
        else
                snprintf(msg, msglen, "wrong type for value; expected int; got %s",
                         tpl_type_name(v));
        return -EDOM;
}

static int set_string(json_t **res, struct berth_buf *b)
{
        if (b->len > BERTH_TEMPLATE_MAX_OUTPUT) {
                berth_buf_free(b);
                return -E2BIG;
        }
        *res = json_stringn_nocheck(b->data ? b->data : "", b->len);
        berth_buf_free(b);
        return *res ? 0 : -ENOMEM;
}

static int set_bool(json_t **res, bool v)
{
        *res = json_boolean(v);
        return 0;
}

FN(not )
{
        return set_bool(res, !tpl_truth(a[0]));
}

FN(len)
{
        if (json_is_string(a[0]))
                *res = json_integer((json_int_t)json_string_length(a[0]));
        else if (json_is_array(a[0]))
                *res = json_integer((json_int_t)json_array_size(a[0]));
        else if (json_is_object(a[0]))
                *res = json_integer((json_int_t)json_object_size(a[0]));
        else if (is_nil(a[0]))
                return snprintf(msg, msglen, "len of nil pointer"), -EINVAL;
        else
                return snprintf(msg, msglen, "len of type %s", tpl_type_name(a[0])), -EINVAL;
        return *res ? 0 : -ENOMEM;
}

static int index_arg(json_t *idx, size_t len, bool allow_len, size_t *out, char *msg, size_t msglen)
{
        if (!json_is_integer(idx)) {
                if (is_nil(idx))
                        snprintf(msg, msglen, "cannot index slice/array with nil");
                else
                        snprintf(msg, msglen, "cannot index slice/array with type %s",
                                 tpl_type_name(idx));
                return -EINVAL;
        }
        json_int_t x = json_integer_value(idx);
        if (x < 0 || (uint64_t)x > len || ((uint64_t)x == len && !allow_len)) {
                snprintf(msg, msglen, "index out of range: %" PRId64, (int64_t)x);
                return -EINVAL;
        }
        *out = (size_t)x;
        return 0;
}

FN(index)
{
        json_t *item = a[0];
        if (is_nil(item))
                return snprintf(msg, msglen, "index of untyped nil"), -EINVAL;
        json_incref(item);
        for (size_t i = 1; i < n; i++) {
                json_t *next = NULL;
                size_t x;
                int r = 0;
                if (is_nil(item)) {
                        snprintf(msg, msglen, "index of nil pointer");
                        r = -EINVAL;
                } else if (json_is_array(item)) {
                        if ((r = index_arg(a[i], json_array_size(item), false, &x, msg, msglen)) >=
                            0)
                                next = json_incref(json_array_get(item, x));
                } else if (json_is_string(item)) {
                        if ((r = index_arg(a[i], json_string_length(item), false, &x, msg,
                                           msglen)) >= 0 &&
                            !(next = json_integer((unsigned char)json_string_value(item)[x])))
                                r = -ENOMEM;
                } else if (json_is_object(item)) {
                        if (!json_is_string(a[i])) {
                                snprintf(msg, msglen, "value has type %s; should be string",
                                         tpl_type_name(a[i]));
                                r = -EINVAL;
                        } else {
                                next = json_object_getn(item, json_string_value(a[i]),
                                                        json_string_length(a[i]));
                                next = next ? json_incref(next) : json_null();
                        }
                } else {
                        snprintf(msg, msglen, "can't index item of type %s", tpl_type_name(item));
                        r = -EINVAL;
                }
                json_decref(item);
                if (r < 0)
                        return r;
                item = next;
        }
        *res = item;
        return 0;
}

FN(slice)
{
        json_t *item = a[0];
        size_t len;
        if (json_is_string(item))
                len = json_string_length(item);
        else if (json_is_array(item))
                len = json_array_size(item);
        else if (is_nil(item))
                return snprintf(msg, msglen, "slice of untyped nil"), -EINVAL;
        else
                return snprintf(msg, msglen, "can't slice item of type %s", tpl_type_name(item)),
                       -EINVAL;
        if (n > 4)
                return snprintf(msg, msglen, "too many slice indexes: %zu", n - 1), -EINVAL;
        if (n == 4 && json_is_string(item))
                return snprintf(msg, msglen, "cannot 3-index slice a string"), -EINVAL;
        size_t idx[3] = {0, len, len}; /* low, high, max (the capacity bound of x[i:j:k]) */
        for (size_t i = 1; i < n; i++) {
                int r = index_arg(a[i], len, true, &idx[i - 1], msg, msglen);
                if (r < 0)
                        return r;
        }
        for (int i = 0; i < 2; i++)
                if (idx[i] > idx[i + 1])
                        return snprintf(msg, msglen, "invalid slice index: %zu > %zu", idx[i],
                                        idx[i + 1]),
                               -EINVAL;
        if (json_is_string(item)) {
                *res = json_stringn_nocheck(json_string_value(item) + idx[0], idx[1] - idx[0]);
        } else {
                *res = json_array();
                for (size_t i = idx[0]; *res && i < idx[1]; i++)
                        if (json_array_append(*res, json_array_get(item, i)) < 0)
                                return -ENOMEM;
        }
        return *res ? 0 : -ENOMEM;
}

static int compare_fn(json_t **a, size_t n, json_t **res, char *msg, size_t msglen, const char *op)
{
        int cmp = 0, r;
        if (strcmp(op, "eq") == 0) {
                for (size_t i = 1; i < n; i++) {
                        if ((r = tpl_compare(a[0], a[i], true, &cmp, msg, msglen)) < 0)
                                return r;
                        if (cmp == 0)
                                return set_bool(res, true);
                }
                return set_bool(res, false);
        }
        if ((r = tpl_compare(a[0], a[1], strcmp(op, "ne") == 0, &cmp, msg, msglen)) < 0)
                return r;
        bool v = strcmp(op, "ne") == 0   ? cmp != 0
                 : strcmp(op, "lt") == 0 ? cmp < 0
                 : strcmp(op, "le") == 0 ? cmp <= 0
                 : strcmp(op, "gt") == 0 ? cmp > 0
                                         : cmp >= 0;
        return set_bool(res, v);
}

FN(eq)
{
        if (n < 2)
                return snprintf(msg, msglen, "missing argument for comparison"), -EINVAL;
        return compare_fn(a, n, res, msg, msglen, "eq");
}
FN(ne)
{
        return compare_fn(a, n, res, msg, msglen, "ne");
}
FN(lt)
{
        return compare_fn(a, n, res, msg, msglen, "lt");
}
FN(le)
{
        return compare_fn(a, n, res, msg, msglen, "le");
}
FN(gt)
{
        return compare_fn(a, n, res, msg, msglen, "gt");
}
FN(ge)
{
        return compare_fn(a, n, res, msg, msglen, "ge");
}

FN(print)
{
        struct berth_buf b = {0};
        int r = tpl_sprint(&b, a, n, false);
        return r < 0 ? (berth_buf_free(&b), r) : set_string(res, &b);
}

FN(println)
{
        struct berth_buf b = {0};
        int r = tpl_sprint(&b, a, n, true);
        return r < 0 ? (berth_buf_free(&b), r) : set_string(res, &b);
}

FN(printf)
{
        const char *f;
        size_t flen;
        int r = want_string(a[0], &f, &flen, msg, msglen);
        if (r < 0)
                return r;
        struct berth_buf b = {0};
        r = tpl_sprintf(&b, f, flen, a + 1, n - 1);
        return r < 0 ? (berth_buf_free(&b), r) : set_string(res, &b);
}

FN(json)
{
        struct berth_buf b = {0};
        int r = tpl_json_encode(&b, a[0], 0);
        if (r == -ELOOP)
                snprintf(msg, msglen, "json: value nested deeper than %d", TPL_MAX_COMPOSE);
        return r < 0 ? (berth_buf_free(&b), r == -ELOOP ? -EINVAL : r) : set_string(res, &b);
}

FN(join)
{
        const char *sep;
        size_t seplen;
        int r = want_string(a[1], &sep, &seplen, msg, msglen);
        if (r < 0)
                return r;
        if (!is_nil(a[0]) && !json_is_array(a[0]))
                return snprintf(msg, msglen, "wrong type for value; expected []string; got %s",
                                tpl_type_name(a[0])),
                       -EDOM;
        struct berth_buf b = {0};
        r = berth_buf_append(&b, "", 0);
        for (size_t i = 0; i < json_array_size(a[0]) && r >= 0; i++) {
                if (i > 0)
                        r = berth_buf_append(&b, sep, seplen);
                if (r >= 0)
                        r = fmt_value(&b, &spec_v, json_array_get(a[0], i), 0);
                if (b.len > BERTH_TEMPLATE_MAX_OUTPUT)
                        r = -E2BIG;
        }
        return r < 0 ? (berth_buf_free(&b), r) : set_string(res, &b);
}

FN(split)
{
        const char *s, *sep;
        size_t len, seplen;
        int r = want_string(a[0], &s, &len, msg, msglen);
        if (r >= 0)
                r = want_string(a[1], &sep, &seplen, msg, msglen);
        if (r < 0)
                return r;
        _cleanup_json_ json_t *arr = json_array();
        if (!arr)
                return -ENOMEM;
        size_t start = 0;
        if (seplen == 0) { /* like Go: one element per UTF-8 sequence */
                for (size_t i = 0; i < len;) {
                        uint32_t c;
                        size_t step = utf8_decode((const unsigned char *)s + i, len - i, &c);
                        if (json_array_append_new(arr, json_stringn_nocheck(s + i, step)) < 0)
                                return -ENOMEM;
                        i += step;
                }
                *res = TAKE_PTR(arr);
                return 0;
        }
        for (size_t i = 0; i + seplen <= len;) {
                if (memcmp(s + i, sep, seplen) != 0) {
                        i++;
                        continue;
                }
                if (json_array_append_new(arr, json_stringn_nocheck(s + start, i - start)) < 0)
                        return -ENOMEM;
                i += seplen;
                start = i;
        }
        if (json_array_append_new(arr, json_stringn_nocheck(s + start, len - start)) < 0)
                return -ENOMEM;
        *res = TAKE_PTR(arr);
        return 0;
}

/* Case mapping for ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic (what Go's
 * unicode tables do for these blocks; other scripts are left as they are). */
static uint32_t rune_case(uint32_t c, bool upper)
{
        if (c < 0x80) {
                if (upper && c >= 'a' && c <= 'z')
                        return c - 32;
                if (!upper && c >= 'A' && c <= 'Z')
                        return c + 32;
                return c;
        }
        if (c >= 0xc0 && c <= 0xfe && c != 0xd7 && c != 0xf7 && c != 0xdf)
                return upper ? (c >= 0xe0 ? c - 32 : c) : (c < 0xe0 ? c + 32 : c);
        if (c == 0xff || c == 0x178)
                return upper ? 0x178 : 0xff;
        if ((c >= 0x100 && c <= 0x12f) || (c >= 0x132 && c <= 0x137) ||
            (c >= 0x14a && c <= 0x177)) /* even upper, odd lower */
                return upper ? (c & ~1u) : (c | 1u);
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e)) /* odd upper */
                return upper ? ((c & 1u) ? c : c - 1) : ((c & 1u) ? c + 1 : c);
        if (c == 0x3c2)
                return upper ? 0x3a3 : c;
        if ((c >= 0x391 && c <= 0x3a9 && c != 0x3a2) || (c >= 0x410 && c <= 0x42f))
                return upper ? c : c + 32;
        if ((c >= 0x3b1 && c <= 0x3c9 && c != 0x3c2) || (c >= 0x430 && c <= 0x44f))
                return upper ? c - 32 : c;
        if (c >= 0x400 && c <= 0x40f)
                return upper ? c : c + 80;
        if (c >= 0x450 && c <= 0x45f)
                return upper ? c - 80 : c;
        return c;
}

static bool rune_is_word(uint32_t c)
{
        return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
               (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* mode 'l' lower, 'u' upper, 't' title (first character of each word upper-cased, the rest
 * kept, as Docker's title does; words are runs of letters, digits and '_'). */
static int map_string(json_t *v, json_t **res, char *msg, size_t msglen, int mode)
{
        const char *s;
        size_t len;
        int r = want_string(v, &s, &len, msg, msglen);
        if (r < 0)
                return r;
        struct berth_buf b = {0};
        r = berth_buf_append(&b, "", 0);
        bool word_start = true;
        for (size_t i = 0; i < len && r >= 0;) {
                uint32_t c;
                size_t n = utf8_decode((const unsigned char *)s + i, len - i, &c);
                if (c == 0xfffd && n == 1 && (unsigned char)s[i] >= 0x80) {
                        r = berth_buf_append(&b, s + i, 1); /* invalid byte: kept */
                } else {
                        uint32_t m = c;
                        if (mode == 'l' || mode == 'u')
                                m = rune_case(c, mode == 'u');
                        else if (word_start)
                                m = rune_case(c, true);
                        r = buf_utf8(&b, m);
                }
                word_start = !rune_is_word(c);
                i += n;
        }
        return r < 0 ? (berth_buf_free(&b), r) : set_string(res, &b);
}

FN(lower)
{
        return map_string(a[0], res, msg, msglen, 'l');
}
FN(upper)
{
        return map_string(a[0], res, msg, msglen, 'u');
}
FN(title)
{
        return map_string(a[0], res, msg, msglen, 't');
}

FN(truncate)
{
        const char *s;
        size_t len;
        int64_t max;
        int r = want_string(a[0], &s, &len, msg, msglen);
        if (r >= 0)
                r = want_int(a[1], &max, msg, msglen);
        if (r < 0)
                return r;
        if (max < 0)
                return snprintf(msg, msglen, "truncate: negative length %" PRId64, max), -EINVAL;
        size_t i = 0, runes = 0;
        for (; i < len; i++)
                if (((unsigned char)s[i] & 0xc0) != 0x80 && runes++ == (uint64_t)max)
                        break;
        *res = json_stringn_nocheck(s, i);
        return *res ? 0 : -ENOMEM;
}

FN(pad)
{
        const char *s;
        size_t len;
        int64_t left, right;
        int r = want_string(a[0], &s, &len, msg, msglen);
        if (r >= 0)
                r = want_int(a[1], &left, msg, msglen);
        if (r >= 0)
                r = want_int(a[2], &right, msg, msglen);
        if (r < 0)
                return r;
        if (left < 0 || right < 0 || left > TPL_MAX_WIDTH || right > TPL_MAX_WIDTH)
                return snprintf(msg, msglen, "pad: count out of range 0..%d", TPL_MAX_WIDTH),
                       -EINVAL;
        struct berth_buf b = {0};
        r = berth_buf_append(&b, "", 0);
        if (len > 0) {
                if (r >= 0)
                        r = buf_repeat(&b, ' ', (size_t)left);
                if (r >= 0)
                        r = berth_buf_append(&b, s, len);
                if (r >= 0)
                        r = buf_repeat(&b, ' ', (size_t)right);
        }
        return r < 0 ? (berth_buf_free(&b), r) : set_string(res, &b);
}

static const struct tpl_func funcs[] = {
    {"and", 1, -1, true, false, NULL},
    {"or", 1, -1, true, false, NULL},
    {"not", 1, 1, false, false, fn_not},
    {"len", 1, 1, false, false, fn_len},
    {"index", 1, -1, false, false, fn_index},
    {"slice", 1, -1, false, false, fn_slice},
    {"eq", 1, -1, false, false, fn_eq},
    {"ne", 2, 2, false, false, fn_ne},
    {"lt", 2, 2, false, false, fn_lt},
    {"le", 2, 2, false, false, fn_le},
    {"gt", 2, 2, false, false, fn_gt},
    {"ge", 2, 2, false, false, fn_ge},
    {"print", 0, -1, false, false, fn_print},
    {"printf", 1, -1, false, false, fn_printf},
    {"println", 0, -1, false, false, fn_println},
    {"json", 1, 1, false, true, fn_json},
    {"join", 2, 2, false, true, fn_join},
    {"split", 2, 2, false, true, fn_split},
    {"lower", 1, 1, false, true, fn_lower},
    {"upper", 1, 1, false, true, fn_upper},
    {"title", 1, 1, false, true, fn_title},
    {"truncate", 2, 2, false, true, fn_truncate},
    {"pad", 3, 3, false, false, fn_pad},
};

const struct tpl_func *tpl_func_lookup(const char *name, size_t len)
{
        for (size_t i = 0; i < ARRAY_SIZE(funcs); i++)
                if (strlen(funcs[i].name) == len && memcmp(funcs[i].name, name, len) == 0)
                        return &funcs[i];
        return NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go text/template for Docker's --format: the lexer, the parser and the public entry points
 * (see template.h).  The executor is in template_exec.c, the functions and Go's value
 * printing in template_funcs.c.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cleanup.h"
#include "cli/template.h"
#include "cli/template_internal.h"
#include "basic/banned.h"

/* ------------------------------------------------------------------------------------ */
/* arena */

struct tpl_arena_chunk {
        struct tpl_arena_chunk *next;
        size_t used, size;
        max_align_t data[];
};

void *tpl_arena_alloc(struct tpl_arena *a, size_t n)
{
        n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
        struct tpl_arena_chunk *c = a->head;
        if (!c || c->size - c->used < n) {
                size_t size = n > 16384 ? n : 16384;
                c = calloc(1, sizeof(*c) + size);
                if (!c)
                        return NULL;
                c->size = size;
                c->next = a->head;
                a->head = c;
        }
        void *p = (char *)c->data + c->used;
        c->used += n;
        return p;
}

char *tpl_arena_strndup(struct tpl_arena *a, const char *s, size_t n)
{
        char *d = tpl_arena_alloc(a, n + 1);
        if (d) {
                memcpy(d, s, n);
                d[n] = '\0';
        }
        return d;
}

void tpl_arena_free(struct tpl_arena *a)
{
        while (a->head) {
                struct tpl_arena_chunk *n = a->head->next;
                free(a->head);
                a->head = n;
        }
}

/* Append item to an arena array that has room for *cap items. */
static int arena_push(struct tpl_arena *a, void ***arr, size_t *n, size_t *cap, void *item)
{
        if (*n == *cap) {
                size_t ncap = *cap ? *cap * 2 : 4;
                void **na = tpl_arena_alloc(a, ncap * sizeof(void *));
                if (!na)
                        return -ENOMEM;
                if (*n)
                        memcpy(na, *arr, *n * sizeof(void *));
                *arr = na;
                *cap = ncap;
        }
        (*arr)[(*n)++] = item;
        return 0;
}

void tpl_position(const char *src, size_t pos, unsigned *line, unsigned *col)
{
        unsigned l = 1;
        size_t start = 0;
        for (size_t i = 0; i < pos && src[i]; i++)
                if (src[i] == '\n') {
                        l++;
                        start = i + 1;
                }
        *line = l;
        *col = (unsigned)(pos - start);
}

/* ------------------------------------------------------------------------------------ */
/* lexer */

enum tok_kind {
        K_EOF,
        K_ERROR,
        K_TEXT,
        K_LEFT,
        K_RIGHT,
        K_SPACE,
        K_PIPE,
        K_LPAREN,
        K_RPAREN,
        K_DECLARE,
        K_ASSIGN,
        K_CHAR,
        K_FIELD,
        K_VAR,
        K_DOT,
        K_STRING,
        K_RAWSTRING,
        K_NUMBER,
        K_CHARCONST,
        K_BOOL,
        K_NIL,
        K_IDENT,
        K_KEYWORD, /* every kind from here on is a keyword */
        K_IF,
        K_ELSE,
        K_END,
        K_RANGE,
        K_WITH,
        K_DEFINE,
        K_TEMPLATE,
        K_BLOCK,
        K_BREAK,
        K_CONTINUE,
};

struct tok {
        enum tok_kind k;
        size_t pos, len;
        const char *msg; /* K_ERROR */
};

struct lexer {
        const char *src;
        size_t n, p;
        int paren;
        struct tok *toks;
        size_t ntoks, cap;
        struct tpl_arena *a;
        bool failed;
};

static int lex_emit(struct lexer *l, enum tok_kind k, size_t pos, size_t len)
{
        if (l->ntoks == l->cap) {
                size_t ncap = l->cap ? l->cap * 2 : 64;
                struct tok *nt = realloc(l->toks, ncap * sizeof(*nt));
                if (!nt)
                        return -ENOMEM;
                l->toks = nt;
                l->cap = ncap;
        }
        l->toks[l->ntoks++] = (struct tok){.k = k, .pos = pos, .len = len};
        return 0;
}

static int lex_error(struct lexer *l, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int lex_error(struct lexer *l, size_t pos, const char *fmt, ...)
{
        char buf[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        int r = lex_emit(l, K_ERROR, pos, 0);
        if (r < 0)
                return r;
        l->toks[l->ntoks - 1].msg = tpl_arena_strndup(l->a, buf, strlen(buf));
        if (!l->toks[l->ntoks - 1].msg)
                return -ENOMEM;
        l->failed = true;
        return 0;
}

static bool is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alnum(char c)
{
        return c == '_' || isalnum((unsigned char)c) || (unsigned char)c >= 0x80;
}

static bool starts(const struct lexer *l, size_t p, const char *s)
{
        size_t n = strlen(s);
        return p + n <= l->n && memcmp(l->src + p, s, n) == 0;
}

static bool at_terminator(const struct lexer *l, size_t p)
{
        if (p >= l->n)
                return true;
        char c = l->src[p];
        return is_space(c) || strchr(".,|:()", c) || starts(l, p, "}}");
}

static int bad_char(struct lexer *l, size_t p)
{
        unsigned char c = p < l->n ? (unsigned char)l->src[p] : 0;
        if (c >= 0x20 && c < 0x7f)
                return lex_error(l, p, "bad character U+%04X '%c'", c, c);
        return lex_error(l, p, "bad character U+%04X", c);
}

static const struct {
        const char *word;
        enum tok_kind k;
} keywords[] = {
    {"if", K_IF},       {"else", K_ELSE},         {"end", K_END},           {"range", K_RANGE},
    {"with", K_WITH},   {"define", K_DEFINE},     {"template", K_TEMPLATE}, {"block", K_BLOCK},
    {"break", K_BREAK}, {"continue", K_CONTINUE}, {"nil", K_NIL},           {"true", K_BOOL},
    {"false", K_BOOL},
};

static size_t scan_run(const struct lexer *l, size_t p, const char *set)
{
        while (p < l->n && strchr(set, l->src[p]) && l->src[p])
                p++;
        return p;
}

/* Go's scanNumber: returns the end, or 0 when a letter follows (bad number syntax). */
static size_t scan_number(const struct lexer *l, size_t p)
{
        const char *digits = "0123456789_";
        bool dec = true, hex = false;
        if (p < l->n && (l->src[p] == '+' || l->src[p] == '-'))
                p++;
        if (p < l->n && l->src[p] == '0' && p + 1 < l->n) {
                char x = l->src[p + 1];
                if (x == 'x' || x == 'X')
                        digits = "0123456789abcdefABCDEF_", hex = true, dec = false, p += 2;
                else if (x == 'o' || x == 'O')
                        digits = "01234567_", dec = false, p += 2;
                else if (x == 'b' || x == 'B')
                        digits = "01_", dec = false, p += 2;
        }
        p = scan_run(l, p, digits);
        if (p < l->n && l->src[p] == '.')
                p = scan_run(l, p + 1, digits);
        if ((dec && p < l->n && (l->src[p] == 'e' || l->src[p] == 'E')) ||
            (hex && p < l->n && (l->src[p] == 'p' || l->src[p] == 'P'))) {
                p++;
                if (p < l->n && (l->src[p] == '+' || l->src[p] == '-'))
                        p++;
                p = scan_run(l, p, "0123456789_");
        }
        if (p < l->n && is_alnum(l->src[p]))
                return 0;
        return p;
}

static int lex_quoted(struct lexer *l, char q, enum tok_kind k)
{
        size_t start = l->p++;
        for (;;) {
                if (l->p >= l->n || (q != '`' && l->src[l->p] == '\n'))
                        return lex_error(l, start,
                                         q == '"'   ? "unterminated quoted string"
                                         : q == '`' ? "unterminated raw quoted string"
                                                    : "unterminated character constant");
                char c = l->src[l->p++];
                if (c == '\\' && q != '`') {
                        if (l->p >= l->n || l->src[l->p] == '\n')
                                continue; /* reported on the next round */
                        l->p++;
                } else if (c == q) {
                        break;
                }
        }
        return lex_emit(l, k, start, l->p - start);
}

/* One token inside an action; sets *done at the closing delimiter. */
static int lex_action_token(struct lexer *l, bool *done)
{
        size_t s = l->p;
        bool trim = s < l->n && is_space(l->src[s]) && starts(l, s + 1, "-}}");
        if (trim || starts(l, s, "}}")) {
                if (l->paren > 0)
                        return lex_error(l, s, "unclosed left paren");
                l->p += trim ? 4 : 2;
                int r = lex_emit(l, K_RIGHT, trim ? s + 2 : s, 2);
                if (trim)
                        while (l->p < l->n && is_space(l->src[l->p]))
                                l->p++;
                *done = true;
                return r;
        }
        if (s >= l->n)
                return lex_error(l, s, "unclosed action");
        char c = l->src[s];
        if (is_space(c)) {
                size_t p = s;
                while (p < l->n && is_space(l->src[p]))
                        p++;
                if (starts(l, p, "-}}"))
                        p--; /* leave " -}}" for the delimiter (p - 1 > s: see above) */
                l->p = p;
                return lex_emit(l, K_SPACE, s, p - s);
        }
        l->p++;
        switch (c) {
        case '=':
                return lex_emit(l, K_ASSIGN, s, 1);
        case ':':
                if (l->p >= l->n || l->src[l->p] != '=')
                        return lex_error(l, s, "expected :=");
                l->p++;
                return lex_emit(l, K_DECLARE, s, 2);
        case '|':
                return lex_emit(l, K_PIPE, s, 1);
        case '(':
                l->paren++;
                return lex_emit(l, K_LPAREN, s, 1);
        case ')':
                if (--l->paren < 0)
                        return lex_error(l, s, "unexpected right paren");
                return lex_emit(l, K_RPAREN, s, 1);
        case '"':
        case '`':
        case '\'':
                l->p = s;
                return lex_quoted(l, c, c == '"' ? K_STRING : c == '`' ? K_RAWSTRING : K_CHARCONST);
        case '$':
        case '.':
                if (c == '.' && l->p < l->n && isdigit((unsigned char)l->src[l->p]))
                        break; /* a number such as .5 */
                if (!at_terminator(l, l->p))
                        while (l->p < l->n && is_alnum(l->src[l->p]))
                                l->p++;
                if (!at_terminator(l, l->p))
                        return bad_char(l, l->p);
                return lex_emit(l, c == '$' ? K_VAR : l->p - s == 1 ? K_DOT : K_FIELD, s, l->p - s);
        default:
                break;
        }
        if (c == '+' || c == '-' || c == '.' || isdigit((unsigned char)c)) {
                size_t e = scan_number(l, s);
                if (e == 0 || e == s + ((c == '+' || c == '-') ? 1 : 0)) {
                        size_t bad = e ? e : s;
                        while (bad < l->n && (is_alnum(l->src[bad]) || l->src[bad] == '.'))
                                bad++;
                        return lex_error(l, s, "bad number syntax: \"%.*s\"", (int)(bad - s),
                                         l->src + s);
                }
                l->p = e;
                return lex_emit(l, K_NUMBER, s, e - s);
        }
        if (is_alnum(c)) {
                while (l->p < l->n && is_alnum(l->src[l->p]))
                        l->p++;
                if (!at_terminator(l, l->p))
                        return bad_char(l, l->p);
                enum tok_kind k = K_IDENT;
                for (size_t i = 0; i < ARRAY_SIZE(keywords); i++)
                        if (strlen(keywords[i].word) == l->p - s &&
                            memcmp(keywords[i].word, l->src + s, l->p - s) == 0)
                                k = keywords[i].k;
                return lex_emit(l, k, s, l->p - s);
        }
        if (c >= 0x20 && c < 0x7f)
                return lex_emit(l, K_CHAR, s, 1);
        return lex_error(l, s, "unrecognized character in action: U+%04X", (unsigned char)c);
}

/* A comment action starting at l->p ("/" "*"): skip it and its delimiter. */
static int lex_comment(struct lexer *l, size_t left)
{
        const char *end = memmem(l->src + l->p + 2, l->n - l->p - 2, "*/", 2);
        if (!end)
                return lex_error(l, left, "unclosed comment");
        l->p = (size_t)(end - l->src) + 2;
        if (l->p < l->n && is_space(l->src[l->p]) && starts(l, l->p + 1, "-}}")) {
                l->p += 4;
                while (l->p < l->n && is_space(l->src[l->p]))
                        l->p++;
        } else if (starts(l, l->p, "}}")) {
                l->p += 2;
        } else {
                return lex_error(l, left, "comment ends before closing delimiter");
        }
        return 0;
}

static int lex_all(struct lexer *l)
{
        int r = 0;
        while (r >= 0 && !l->failed) {
                const char *lb = memmem(l->src + l->p, l->n - l->p, "{{", 2);
                size_t left = lb ? (size_t)(lb - l->src) : l->n;
                bool trim =
                    lb && left + 3 < l->n && l->src[left + 2] == '-' && is_space(l->src[left + 3]);
                size_t tend = left;
                if (trim)
                        while (tend > l->p && is_space(l->src[tend - 1]))
                                tend--;
                if (tend > l->p && (r = lex_emit(l, K_TEXT, l->p, tend - l->p)) < 0)
                        return r;
                if (!lb)
                        break;
                l->p = left + (trim ? 4 : 2);
                if (starts(l, l->p, "/*")) {
                        r = lex_comment(l, left);
                        continue;
                }
                if ((r = lex_emit(l, K_LEFT, left, 2)) < 0)
                        return r;
                l->paren = 0;
                bool done = false;
                while (!done && !l->failed && r >= 0)
                        r = lex_action_token(l, &done);
        }
        if (r < 0)
                return r;
        return l->failed ? 0 : lex_emit(l, K_EOF, l->n, 0);
}

/* ------------------------------------------------------------------------------------ */
/* parser */

struct parser {
        const char *src;
        struct tok *toks;
        size_t ntoks, i;
        struct tpl_arena *a;
        struct berth_error *err;
        const char **vars;
        size_t nvars, capvars;
        unsigned depth;
        int range_depth;
};

static int perr(struct parser *p, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int perr(struct parser *p, size_t pos, const char *fmt, ...)
{
        char buf[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        unsigned line, col;
        tpl_position(p->src, pos, &line, &col);
        return berth_error_set(p->err, EINVAL, "template: :%u:%u: %s", line, col, buf);
}

static const struct tok *next_tok(struct parser *p)
{
        const struct tok *t = &p->toks[p->i];
        if (t->k != K_EOF && t->k != K_ERROR)
                p->i++;
        return t;
}

static const struct tok *peek_tok(struct parser *p)
{
        return &p->toks[p->i];
}

static const struct tok *next_nonspace(struct parser *p)
{
        const struct tok *t;
        while ((t = next_tok(p))->k == K_SPACE)
                ;
        return t;
}

static const struct tok *peek_nonspace(struct parser *p)
{
        size_t save = p->i;
        const struct tok *t = next_nonspace(p);
        p->i = save;
        return t;
}

/* Go's item String(): "EOF", the error text, <keyword>, or the quoted text. */
static void tok_describe(const struct parser *p, const struct tok *t, char *buf, size_t n)
{
        if (t->k == K_EOF)
                snprintf(buf, n, "EOF");
        else if (t->k == K_ERROR)
                snprintf(buf, n, "%s", t->msg);
        else if (t->k > K_KEYWORD || t->k == K_NIL)
                snprintf(buf, n, "<%.*s>", (int)t->len, p->src + t->pos);
        else if (t->len > 10)
                snprintf(buf, n, "\"%.10s\"...", p->src + t->pos);
        else
                snprintf(buf, n, "\"%.*s\"", (int)t->len, p->src + t->pos);
}

static int unexpected(struct parser *p, const struct tok *t, const char *context)
{
        char d[64];
        tok_describe(p, t, d, sizeof(d));
        if (t->k == K_ERROR)
                return perr(p, t->pos, "%s", t->msg);
        return perr(p, t->pos, "unexpected %s in %s", d, context);
}

static int push_var(struct parser *p, const char *name)
{
        if (p->nvars == p->capvars) {
                size_t ncap = p->capvars ? p->capvars * 2 : 8;
                const char **nv = realloc(p->vars, ncap * sizeof(*nv));
                if (!nv)
                        return -ENOMEM;
                p->vars = nv;
                p->capvars = ncap;
        }
        p->vars[p->nvars++] = name;
        return 0;
}

static bool var_defined(const struct parser *p, const char *name)
{
        for (size_t i = p->nvars; i > 0; i--)
                if (strcmp(p->vars[i - 1], name) == 0)
                        return true;
        return false;
}

/* Go's strconv.Unquote for "..." and '...' (escapes) and `...` (raw). */
static int unquote(struct parser *p, const struct tok *t, char **out, size_t *outlen)
{
        const char *s = p->src + t->pos + 1;
        size_t n = t->len - 2;
        char *d = tpl_arena_alloc(p->a, n + 1);
        if (!d)
                return -ENOMEM;
        size_t o = 0;
        if (t->k == K_RAWSTRING) {
                for (size_t i = 0; i < n; i++)
                        if (s[i] != '\r')
                                d[o++] = s[i];
                goto done;
        }
        for (size_t i = 0; i < n;) {
                char c = s[i++];
                if (c != '\\') {
                        if ((t->k == K_CHARCONST && c == '\'') || (t->k == K_STRING && c == '"'))
                                goto bad;
                        d[o++] = c;
                        continue;
                }
                if (i >= n)
                        goto bad;
                c = s[i++];
                const char *simple = strchr("abfnrtv\\\"'", c);
                if (simple && c) {
                        if ((c == '"' && t->k != K_STRING) || (c == '\'' && t->k != K_CHARCONST))
                                goto bad;
                        d[o++] = "\a\b\f\n\r\t\v\\\"'"[simple - "abfnrtv\\\"'"];
                        continue;
                }
                unsigned digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
                unsigned base = 16;
                if (c >= '0' && c <= '7')
                        digits = 3, base = 8, i--;
                if (!digits || i + digits > n)
                        goto bad;
                uint32_t v = 0;
                for (unsigned k = 0; k < digits; k++) {
                        char h = s[i++];
                        int dv = isdigit((unsigned char)h) ? h - '0'
                                 : (h >= 'a' && h <= 'f')  ? h - 'a' + 10
                                 : (h >= 'A' && h <= 'F')  ? h - 'A' + 10
                                                           : 99;
                        if (dv >= (int)base)
                                goto bad;
                        v = v * base + (uint32_t)dv;
                }
                if (c == 'x' || base == 8) {
                        if (v > 255)
                                goto bad;
                        d[o++] = (char)v;
                        continue;
                }
                if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000))
                        goto bad;
                /* UTF-8 encode; the escape is at least as long as its encoding */
                if (v < 0x80) {
                        d[o++] = (char)v;
                } else if (v < 0x800) {
                        d[o++] = (char)(0xc0 | (v >> 6));
                        d[o++] = (char)(0x80 | (v & 0x3f));
                } else if (v < 0x10000) {
                        d[o++] = (char)(0xe0 | (v >> 12));
                        d[o++] = (char)(0x80 | ((v >> 6) & 0x3f));
                        d[o++] = (char)(0x80 | (v & 0x3f));
                } else {
                        d[o++] = (char)(0xf0 | (v >> 18));
                        d[o++] = (char)(0x80 | ((v >> 12) & 0x3f));
                        d[o++] = (char)(0x80 | ((v >> 6) & 0x3f));
                        d[o++] = (char)(0x80 | (v & 0x3f));
                }
        }
done:
        d[o] = '\0';
        *out = d;
        *outlen = o;
        return 0;
bad:
        return perr(p, t->pos, "invalid syntax: %.*s", (int)(t->len > 40 ? 40 : t->len),
                    p->src + t->pos);
}

static int parse_int_text(const char *s, int64_t *out)
{
        char buf[128];
        size_t o = 0;
        bool neg = false;
        if (*s == '+' || *s == '-')
                neg = *s++ == '-';
        for (; *s && o < sizeof(buf) - 1; s++)
                if (*s != '_')
                        buf[o++] = *s;
        if (*s)
                return -ERANGE;
        buf[o] = '\0';
        int base = 10;
        const char *d = buf;
        if (buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X'))
                base = 16, d = buf + 2;
        else if (buf[0] == '0' && (buf[1] == 'o' || buf[1] == 'O'))
                base = 8, d = buf + 2;
        else if (buf[0] == '0' && (buf[1] == 'b' || buf[1] == 'B'))
                base = 2, d = buf + 2;
        else if (buf[0] == '0' && buf[1])
                base = 8, d = buf + 1;
        if (!*d)
                return -EINVAL;
        uint64_t v = 0;
        for (; *d; d++) {
                int dv = isdigit((unsigned char)*d) ? *d - '0' : (tolower(*d) - 'a' + 10);
                if (dv < 0 || dv >= base)
                        return -EINVAL;
                if (v > (UINT64_MAX - (uint64_t)dv) / (uint64_t)base)
                        return -ERANGE;
                v = v * (uint64_t)base + (uint64_t)dv;
        }
        if (v > (uint64_t)INT64_MAX + (neg ? 1 : 0))
                return -ERANGE;
        *out = neg ? (int64_t)(0 - v) : (int64_t)v;
        return 0;
}

static int parse_number(struct parser *p, const struct tok *t, struct tpl_arg *arg)
{
        char *text = tpl_arena_strndup(p->a, p->src + t->pos, t->len);
        if (!text)
                return -ENOMEM;
        if (t->k == K_CHARCONST) {
                char *s;
                size_t n;
                int r = unquote(p, t, &s, &n);
                if (r < 0)
                        return r;
                /* one UTF-8 character */
                unsigned char c0 = (unsigned char)s[0];
                size_t want = c0 < 0x80 ? 1 : c0 < 0xe0 ? 2 : c0 < 0xf0 ? 3 : 4;
                if (n == 0 || n != want)
                        return perr(p, t->pos, "malformed character constant: %s", text);
                uint32_t v = want == 1 ? c0 : c0 & (0xff >> (want + 1));
                for (size_t k = 1; k < n; k++)
                        v = (v << 6) | ((unsigned char)s[k] & 0x3f);
                arg->kind = TA_INT;
                arg->i = v;
                return 0;
        }
        bool hex = text[0] == '0' || ((text[0] == '+' || text[0] == '-') && text[1] == '0');
        hex = hex && strpbrk(text, "xX");
        bool is_float = hex ? strpbrk(text, "pP.") != NULL : strpbrk(text, ".eE") != NULL;
        if (!is_float) {
                int r = parse_int_text(text, &arg->i);
                if (r == -ERANGE)
                        return perr(p, t->pos, "%s overflows int", text);
                if (r < 0)
                        return perr(p, t->pos, "illegal number syntax: \"%s\"", text);
                arg->kind = TA_INT;
                return 0;
        }
        char buf[128];
        size_t o = 0;
        for (const char *s = text; *s && o < sizeof(buf) - 1; s++)
                if (*s != '_')
                        buf[o++] = *s;
        buf[o] = '\0';
        char *end;
        errno = 0;
        double f = strtod(buf, &end);
        if (*end || errno || !isfinite(f))
                return perr(p, t->pos, "illegal number syntax: \"%s\"", text);
        arg->kind = TA_FLOAT;
        arg->f = f;
        return 0;
}

static int parse_pipeline(struct parser *p, const char *context, enum tok_kind end,
                          struct tpl_pipe **out);

static int new_arg(struct parser *p, enum tpl_arg_kind k, const struct tok *t, struct tpl_arg **out)
{
        struct tpl_arg *a = tpl_arena_alloc(p->a, sizeof(*a));
        if (!a)
                return -ENOMEM;
        a->kind = k;
        a->pos = t->pos;
        a->end = t->pos + t->len;
        *out = a;
        return 0;
}

/* Go's term(): one operand without its field chain; *out NULL when none is here. */
static int parse_term(struct parser *p, struct tpl_arg **out)
{
        size_t save = p->i;
        const struct tok *t = next_nonspace(p);
        struct tpl_arg *a = NULL;
        int r = 0;
        *out = NULL;
        switch (t->k) {
        case K_IDENT:
                if ((r = new_arg(p, TA_FUNC, t, &a)) < 0)
                        return r;
                a->fn = tpl_func_lookup(p->src + t->pos, t->len);
                if (!a->fn)
                        return perr(p, t->pos, "function \"%.*s\" not defined", (int)t->len,
                                    p->src + t->pos);
                a->s = tpl_arena_strndup(p->a, p->src + t->pos, t->len);
                break;
        case K_DOT:
                r = new_arg(p, TA_DOT, t, &a);
                break;
        case K_NIL:
                r = new_arg(p, TA_NIL, t, &a);
                break;
        case K_BOOL:
                if ((r = new_arg(p, TA_BOOL, t, &a)) < 0)
                        return r;
                a->b = p->src[t->pos] == 't';
                break;
        case K_VAR:
                if ((r = new_arg(p, TA_VAR, t, &a)) < 0)
                        return r;
                a->s = tpl_arena_strndup(p->a, p->src + t->pos, t->len);
                if (a->s && !var_defined(p, a->s))
                        return perr(p, t->pos, "undefined variable \"%s\"", a->s);
                break;
        case K_FIELD:
                r = new_arg(p, TA_FIELD, t, &a);
                p->i--; /* the chain loop in parse_operand collects it */
                break;
        case K_NUMBER:
        case K_CHARCONST:
                if ((r = new_arg(p, TA_INT, t, &a)) < 0)
                        return r;
                r = parse_number(p, t, a);
                break;
        case K_STRING:
        case K_RAWSTRING:
                if ((r = new_arg(p, TA_STRING, t, &a)) < 0)
                        return r;
                r = unquote(p, t, &a->s, &a->slen);
                break;
        case K_LPAREN:
                if ((r = new_arg(p, TA_PIPE, t, &a)) < 0)
                        return r;
                if (++p->depth > TPL_MAX_DEPTH)
                        return perr(p, t->pos, "template nesting deeper than %d", TPL_MAX_DEPTH);
                r = parse_pipeline(p, "parenthesized pipeline", K_RPAREN, &a->pipe);
                p->depth--;
                a->end = p->toks[p->i - 1].pos + 1;
                break;
        default:
                p->i = save;
                return 0;
        }
        if (r < 0)
                return r;
        if ((a->kind == TA_FUNC || a->kind == TA_VAR) && !a->s)
                return -ENOMEM;
        *out = a;
        return 0;
}

static int parse_operand(struct parser *p, struct tpl_arg **out)
{
        struct tpl_arg *a = NULL;
        int r = parse_term(p, &a);
        if (r < 0 || !a)
                return *out = NULL, r;
        if (peek_tok(p)->k == K_FIELD) {
                if (a->kind != TA_FIELD && a->kind != TA_VAR && a->kind != TA_PIPE)
                        return perr(p, peek_tok(p)->pos, "unexpected . after term \"%.*s\"",
                                    (int)(a->end - a->pos), p->src + a->pos);
                size_t cap = 0;
                while (peek_tok(p)->k == K_FIELD) {
                        const struct tok *f = next_tok(p);
                        char *name = tpl_arena_strndup(p->a, p->src + f->pos + 1, f->len - 1);
                        if (!name ||
                            arena_push(p->a, (void ***)&a->fields, &a->nfields, &cap, name) < 0)
                                return -ENOMEM;
                        a->end = f->pos + f->len;
                }
        }
        *out = a;
        return 0;
}

static int parse_command(struct parser *p, struct tpl_cmd **out)
{
        struct tpl_cmd *c = tpl_arena_alloc(p->a, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->pos = peek_nonspace(p)->pos;
        size_t cap = 0;
        for (;;) {
                struct tpl_arg *a = NULL;
                int r = parse_operand(p, &a);
                if (r < 0)
                        return r;
                if (a) {
                        if (arena_push(p->a, (void ***)&c->args, &c->nargs, &cap, a) < 0)
                                return -ENOMEM;
                        c->end = a->end;
                }
                const struct tok *t = next_tok(p);
                if (t->k == K_SPACE)
                        continue;
                if (t->k == K_RIGHT || t->k == K_RPAREN)
                        p->i--;
                else if (t->k != K_PIPE)
                        return unexpected(p, t, "operand");
                break;
        }
        if (c->nargs == 0)
                return perr(p, c->pos, "empty command");
        *out = c;
        return 0;
}

/* Declarations at the start of a pipeline: $x :=, $x =, and in a range $i, $e :=. */
static int parse_decls(struct parser *p, const char *context, struct tpl_pipe *pipe)
{
        size_t cap = 0;
        for (;;) {
                size_t save = p->i;
                const struct tok *v = next_nonspace(p);
                if (v->k != K_VAR) {
                        p->i = save;
                        return 0;
                }
                const struct tok *n = next_nonspace(p);
                bool comma = n->k == K_CHAR && p->src[n->pos] == ',';
                if (n->k != K_ASSIGN && n->k != K_DECLARE && !comma) {
                        p->i = save;
                        return 0;
                }
                char *name = tpl_arena_strndup(p->a, p->src + v->pos, v->len);
                if (!name || arena_push(p->a, (void ***)&pipe->decl, &pipe->ndecl, &cap, name) < 0)
                        return -ENOMEM;
                if (!comma) {
                        pipe->assign = n->k == K_ASSIGN;
                        break;
                }
                if (strcmp(context, "range") != 0 || pipe->ndecl >= 2)
                        return perr(p, n->pos, "too many declarations in %s", context);
                if (peek_nonspace(p)->k != K_VAR)
                        return perr(p, n->pos, "range can only initialize variables");
        }
        if (pipe->ndecl == 2 && pipe->assign)
                return perr(p, pipe->pos, "range can only initialize variables");
        for (size_t i = 0; i < pipe->ndecl; i++) {
                if (pipe->assign && !var_defined(p, pipe->decl[i]))
                        return perr(p, pipe->pos, "undefined variable \"%s\"", pipe->decl[i]);
                if (!pipe->assign && push_var(p, pipe->decl[i]) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int parse_pipeline(struct parser *p, const char *context, enum tok_kind end,
                          struct tpl_pipe **out)
{
        struct tpl_pipe *pipe = tpl_arena_alloc(p->a, sizeof(*pipe));
        if (!pipe)
                return -ENOMEM;
        pipe->pos = peek_nonspace(p)->pos;
        int r = parse_decls(p, context, pipe);
        if (r < 0)
                return r;
        size_t cap = 0;
        for (;;) {
                const struct tok *t = next_nonspace(p);
                if (t->k == end)
                        break;
                switch (t->k) {
                case K_BOOL:
                case K_CHARCONST:
                case K_DOT:
                case K_FIELD:
                case K_IDENT:
                case K_NUMBER:
                case K_NIL:
                case K_RAWSTRING:
                case K_STRING:
                case K_VAR:
                case K_LPAREN: {
                        p->i--;
                        struct tpl_cmd *c = NULL;
                        if ((r = parse_command(p, &c)) < 0)
                                return r;
                        if (arena_push(p->a, (void ***)&pipe->cmds, &pipe->ncmds, &cap, c) < 0)
                                return -ENOMEM;
                        break;
                }
                default:
                        return unexpected(p, t, context);
                }
        }
        if (pipe->ncmds == 0)
                return perr(p, pipe->pos, "missing value for %s", context);
        for (size_t i = 1; i < pipe->ncmds; i++) {
                enum tpl_arg_kind k = pipe->cmds[i]->args[0]->kind;
                if (k == TA_BOOL || k == TA_DOT || k == TA_NIL || k == TA_INT || k == TA_FLOAT ||
                    k == TA_STRING)
                        return perr(p, pipe->cmds[i]->pos,
                                    "non executable command in pipeline stage %zu", i + 1);
        }
        *out = pipe;
        return 0;
}

enum list_end { END_EOF, END_END, END_ELSE };

static int parse_list(struct parser *p, struct tpl_list **out, enum list_end *how);

static int new_node(struct parser *p, enum tpl_node_kind k, size_t pos, struct tpl_node **out)
{
        struct tpl_node *n = tpl_arena_alloc(p->a, sizeof(*n));
        if (!n)
                return -ENOMEM;
        n->kind = k;
        n->pos = pos;
        *out = n;
        return 0;
}

static int parse_control(struct parser *p, enum tpl_node_kind kind, const struct tok *kw,
                         struct tpl_node **out)
{
        static const char *names[] = {[TN_IF] = "if", [TN_RANGE] = "range", [TN_WITH] = "with"};
        size_t mark = p->nvars;
        struct tpl_node *n;
        int r = new_node(p, kind, kw->pos, &n);
        if (r < 0)
                return r;
        if (++p->depth > TPL_MAX_DEPTH)
                return perr(p, kw->pos, "template nesting deeper than %d", TPL_MAX_DEPTH);
        if ((r = parse_pipeline(p, names[kind], K_RIGHT, &n->pipe)) < 0)
                return r;
        enum list_end how;
        p->range_depth += kind == TN_RANGE;
        r = parse_list(p, &n->list, &how);
        p->range_depth -= kind == TN_RANGE;
        if (r < 0)
                return r;
        if (how == END_ELSE) {
                const struct tok *t = peek_nonspace(p);
                if ((kind == TN_IF && t->k == K_IF) || (kind == TN_WITH && t->k == K_WITH)) {
                        const struct tok *kw2 = next_nonspace(p);
                        struct tpl_node *inner;
                        if ((r = parse_control(p, kind, kw2, &inner)) < 0)
                                return r;
                        n->else_list = tpl_arena_alloc(p->a, sizeof(*n->else_list));
                        size_t cap = 0;
                        if (!n->else_list || arena_push(p->a, (void ***)&n->else_list->nodes,
                                                        &n->else_list->n, &cap, inner) < 0)
                                return -ENOMEM;
                } else {
                        t = next_nonspace(p);
                        if (t->k != K_RIGHT)
                                return unexpected(p, t, "else");
                        if ((r = parse_list(p, &n->else_list, &how)) < 0)
                                return r;
                        if (how != END_END)
                                return perr(p, p->toks[p->i - 1].pos,
                                            "expected end; found {{else}}");
                }
        }
        p->depth--;
        p->nvars = mark;
        *out = n;
        return 0;
}

/* After "{{": one action.  *how is END_END/END_ELSE for {{end}} and {{else}} (the node
 * is then NULL; for else, the tokens after "else" are left for the caller). */
static int parse_action(struct parser *p, struct tpl_node **out, enum list_end *how)
{
        size_t save = p->i;
        const struct tok *t = next_nonspace(p);
        struct tpl_node *n = NULL;
        int r = 0;
        *how = END_EOF;
        *out = NULL;
        switch (t->k) {
        case K_IF:
                return parse_control(p, TN_IF, t, out);
        case K_RANGE:
                return parse_control(p, TN_RANGE, t, out);
        case K_WITH:
                return parse_control(p, TN_WITH, t, out);
        case K_END: {
                const struct tok *e = next_nonspace(p);
                if (e->k != K_RIGHT)
                        return unexpected(p, e, "end");
                *how = END_END;
                return 0;
        }
        case K_ELSE:
                *how = END_ELSE;
                return 0;
        case K_BREAK:
        case K_CONTINUE: {
                const char *w = t->k == K_BREAK ? "{{break}}" : "{{continue}}";
                const struct tok *e = next_nonspace(p);
                if (e->k != K_RIGHT)
                        return unexpected(p, e, w);
                if (p->range_depth == 0)
                        return perr(p, t->pos, "%s outside {{range}}", w);
                if ((r = new_node(p, t->k == K_BREAK ? TN_BREAK : TN_CONTINUE, t->pos, &n)) < 0)
                        return r;
                *out = n;
                return 0;
        }
        case K_DEFINE:
        case K_TEMPLATE:
        case K_BLOCK:
                return perr(p, t->pos, "{{%.*s}} is not supported", (int)t->len, p->src + t->pos);
        default:
                break;
        }
        p->i = save;
        if ((r = new_node(p, TN_ACTION, peek_nonspace(p)->pos, &n)) < 0)
                return r;
        if ((r = parse_pipeline(p, "command", K_RIGHT, &n->pipe)) < 0)
                return r;
        *out = n;
        return 0;
}

static int parse_list(struct parser *p, struct tpl_list **out, enum list_end *how)
{
        struct tpl_list *l = tpl_arena_alloc(p->a, sizeof(*l));
        if (!l)
                return -ENOMEM;
        size_t cap = 0;
        *how = END_EOF;
        for (;;) {
                const struct tok *t = next_tok(p);
                struct tpl_node *n = NULL;
                int r = 0;
                if (t->k == K_EOF)
                        break;
                if (t->k == K_ERROR)
                        return perr(p, t->pos, "%s", t->msg);
                if (t->k == K_TEXT) {
                        if ((r = new_node(p, TN_TEXT, t->pos, &n)) < 0)
                                return r;
                        n->text = p->src + t->pos;
                        n->len = t->len;
                } else if (t->k == K_LEFT) {
                        enum list_end h;
                        if ((r = parse_action(p, &n, &h)) < 0)
                                return r;
                        if (h != END_EOF) {
                                if (p->depth == 0)
                                        return perr(p, t->pos, "unexpected {{%s}}",
                                                    h == END_END ? "end" : "else");
                                *how = h;
                                *out = l;
                                return 0;
                        }
                } else {
                        return unexpected(p, t, "template");
                }
                if (arena_push(p->a, (void ***)&l->nodes, &l->n, &cap, n) < 0)
                        return -ENOMEM;
        }
        if (p->depth > 0)
                return perr(p, strlen(p->src), "unexpected EOF");
        *out = l;
        return 0;
}

/* ------------------------------------------------------------------------------------ */
/* public API */

void berth_template_free(struct berth_template *t)
{
        if (!t)
                return;
        tpl_arena_free(&t->arena);
        free(t->src);
        free(t);
}

static int parse_owned(char *src, bool table, struct berth_template **out, struct berth_error *err)
{
        struct berth_template *t = calloc(1, sizeof(*t));
        if (!t) {
                free(src);
                return berth_error_set(err, ENOMEM, "template: out of memory");
        }
        t->src = src;
        t->table = table;
        struct lexer l = {.src = src, .n = strlen(src), .a = &t->arena};
        int r = lex_all(&l);
        struct parser p = {
            .src = src, .toks = l.toks, .ntoks = l.ntoks, .a = &t->arena, .err = err};
        if (r >= 0)
                r = push_var(&p, "$");
        if (r >= 0)
                r = parse_list(&p, &t->root, &(enum list_end){END_EOF});
        free(l.toks);
        free(p.vars);
        if (r == -ENOMEM)
                r = berth_error_set(err, ENOMEM, "template: out of memory");
        if (r < 0) {
                berth_template_free(t);
                return r;
        }
        *out = t;
        return 0;
}

int berth_template_parse(const char *text, struct berth_template **out, struct berth_error *err)
{
        if (!text)
                return berth_error_set(err, EINVAL, "template: no template text");
        size_t n = strlen(text);
        if (n > BERTH_TEMPLATE_MAX_TEXT)
                return berth_error_set(err, E2BIG, "template: text of %zu bytes exceeds %u", n,
                                       BERTH_TEMPLATE_MAX_TEXT);
        char *src = strdup(text);
        if (!src)
                return berth_error_set(err, ENOMEM, "template: out of memory");
        return parse_owned(src, false, out, err);
}

int berth_template_parse_format(const char *format, struct berth_template **out,
                                struct berth_error *err)
{
        if (!format)
                return berth_error_set(err, EINVAL, "template: no format");
        size_t n = strlen(format);
        if (n > BERTH_TEMPLATE_MAX_TEXT)
                return berth_error_set(err, E2BIG, "template: format of %zu bytes exceeds %u", n,
                                       BERTH_TEMPLATE_MAX_TEXT);
        bool table = strncmp(format, "table", 5) == 0;
        const char *s = table ? format + 5 : format;
        if (strcmp(format, "json") == 0)
                s = "{{json .}}";
        while (*s == ' ')
                s++;
        size_t len = strlen(s);
        while (len > 0 && s[len - 1] == ' ')
                len--;
        char *src = malloc(len + 1);
        if (!src)
                return berth_error_set(err, ENOMEM, "template: out of memory");
        size_t o = 0;
        for (size_t i = 0; i < len; i++) {
                if (s[i] == '\\' && i + 1 < len && (s[i + 1] == 't' || s[i + 1] == 'n')) {
                        src[o++] = s[i + 1] == 't' ? '\t' : '\n';
                        i++;
                } else {
                        src[o++] = s[i];
                }
        }
        src[o] = '\0';
        return parse_owned(src, table, out, err);
}

bool berth_template_is_table(const struct berth_template *t)
{
        return t && t->table;
}

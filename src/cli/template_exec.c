/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The executor of Go text/template parse trees (template_internal.h) over jansson values,
 * the table header mode, and the list-command renderer (header + rows through the Docker
 * tab writer).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cleanup.h"
#include "basic/json.h"
#include "cli/table.h"
#include "cli/template.h"
#include "cli/template_internal.h"
#include "basic/banned.h"

static int exec_fail(struct tpl_exec *st, int code, size_t pos, size_t end, const char *fmt,
                     va_list ap) __attribute__((format(printf, 5, 0)));
static int exec_fail(struct tpl_exec *st, int code, size_t pos, size_t end, const char *fmt,
                     va_list ap)
{
        char msg[512];
        vsnprintf(msg, sizeof(msg), fmt, ap);
        unsigned line, col;
        const char *src = st->t->src;
        tpl_position(src, pos, &line, &col);
        size_t n = end > pos ? end - pos : 0;
        if (n == 0)
                return berth_error_set(st->err, code, "template: :%u:%u: executing \"\": %s", line,
                                       col, msg);
        return berth_error_set(st->err, code, "template: :%u:%u: executing \"\" at <%.*s%s>: %s",
                               line, col, (int)(n > 80 ? 80 : n), src + pos, n > 80 ? "..." : "",
                               msg);
}

int tpl_exec_error(struct tpl_exec *st, size_t pos, size_t end, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = exec_fail(st, EINVAL, pos, end, fmt, ap);
        va_end(ap);
        return r;
}

static int exec_error_code(struct tpl_exec *st, int code, size_t pos, size_t end, const char *fmt,
                           ...) __attribute__((format(printf, 5, 6)));
static int exec_error_code(struct tpl_exec *st, int code, size_t pos, size_t end, const char *fmt,
                           ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = exec_fail(st, code, pos, end, fmt, ap);
        va_end(ap);
        return r;
}

static int step(struct tpl_exec *st, size_t pos, size_t end)
{
        if (++st->steps > TPL_MAX_STEPS)
                return exec_error_code(st, ELOOP, pos, end, "more than %u evaluation steps",
                                       TPL_MAX_STEPS);
        return 0;
}

static int oom(struct tpl_exec *st)
{
        return berth_error_set(st->err, ENOMEM, "template: out of memory");
}

static int check_output(struct tpl_exec *st, size_t pos, size_t end)
{
        if (st->out->len > st->out_limit)
                return exec_error_code(st, E2BIG, pos, end, "output exceeds %u bytes",
                                       BERTH_TEMPLATE_MAX_OUTPUT);
        return 0;
}

/* ---- variables */

static int var_push(struct tpl_exec *st, const char *name, json_t *val /* taken */)
{
        if (st->nvars == st->capvars) {
                size_t ncap = st->capvars ? st->capvars * 2 : 8;
                struct tpl_var *nv = realloc(st->vars, ncap * sizeof(*nv));
                if (!nv) {
                        json_decref(val);
                        return oom(st);
                }
                st->vars = nv;
                st->capvars = ncap;
        }
        st->vars[st->nvars++] = (struct tpl_var){.name = name, .val = val};
        return 0;
}

static struct tpl_var *var_find(struct tpl_exec *st, const char *name)
{
        for (size_t i = st->nvars; i > 0; i--)
                if (strcmp(st->vars[i - 1].name, name) == 0)
                        return &st->vars[i - 1];
        return NULL;
}

static void var_set(struct tpl_var *v, json_t *val /* taken */)
{
        json_decref(v->val);
        v->val = val;
}

static void var_pop(struct tpl_exec *st, size_t mark)
{
        while (st->nvars > mark)
                json_decref(st->vars[--st->nvars].val);
}

static json_t *ref(json_t *v)
{
        return v ? json_incref(v) : NULL;
}

/* ---- evaluation */

static int eval_pipe(struct tpl_exec *st, json_t *dot, const struct tpl_pipe *pipe, json_t **out);

/* In a table header, a field chain is its column name. */
static int header_value(struct tpl_exec *st, const struct tpl_arg *a, json_t **out)
{
        struct berth_buf key = {0};
        int r = 0;
        for (size_t i = 0; i < a->nfields && r >= 0; i++)
                r = berth_buf_printf(&key, "%s%s", i ? "." : "", a->fields[i]);
        if (r < 0)
                return oom(st);
        const char *last = a->nfields ? a->fields[a->nfields - 1] : "";
        json_t *h = json_object_get(st->header_map, key.data ? key.data : "");
        if (!json_is_string(h))
                h = json_object_get(st->header_map, last);
        berth_buf_free(&key);
        if (json_is_string(h)) {
                *out = json_incref(h);
                return 0;
        }
        char *up = strdup(last);
        if (!up)
                return oom(st);
        for (char *p = up; *p; p++)
                if (*p >= 'a' && *p <= 'z')
                        *p = (char)(*p - 32);
        *out = json_string_nocheck(up);
        free(up);
        return *out ? 0 : oom(st);
}

static int literal(struct tpl_exec *st, const struct tpl_arg *a, json_t **out)
{
        switch (a->kind) {
        case TA_BOOL:
                *out = json_boolean(a->b);
                break;
        case TA_INT:
                *out = json_integer(a->i);
                break;
        case TA_FLOAT:
                *out = json_real(a->f);
                break;
        case TA_STRING:
                *out = json_stringn_nocheck(a->s, a->slen);
                break;
        default:
                *out = NULL;
                return 0;
        }
        return *out ? 0 : oom(st);
}

static int eval_arg(struct tpl_exec *st, json_t *dot, const struct tpl_arg *a, json_t **out);

static int field_args(struct tpl_exec *st, json_t *dot, const struct tpl_arg *a, json_t *obj,
                      const char *name, struct tpl_arg *const *args, size_t nargs, bool has_final,
                      json_t *final, json_t **out)
{
        if (!json_is_object(obj))
                return tpl_exec_error(st, a->pos, a->end, "%s is not a method but has arguments",
                                      name);
        json_t *cur = obj;
        for (size_t i = 0; i < nargs + has_final; i++) {
                _cleanup_json_ json_t *k = NULL;
                int r = 0;
                if (i < nargs)
                        r = eval_arg(st, dot, args[i], &k);
                else
                        k = ref(final);
                if (r < 0)
                        return r;
                if (!json_is_string(k))
                        return tpl_exec_error(
                            st, a->pos, a->end, "argument of %s has type %s; should be string",
                            name, k ? json_is_null(k) ? "<nil>" : "non-string" : "<nil>");
                cur = json_is_object(cur)
                          ? json_object_getn(cur, json_string_value(k), json_string_length(k))
                          : NULL;
        }
        *out = ref(cur);
        return 0;
}

/* The field chain of `a` applied to recv; the last field gets args (see template.h). */
static int eval_chain(struct tpl_exec *st, json_t *dot, json_t *recv, const struct tpl_arg *a,
                      struct tpl_arg *const *args, size_t nargs, bool has_final, json_t *final,
                      json_t **out)
{
        json_t *cur = recv;
        for (size_t i = 0; i < a->nfields; i++) {
                const char *name = a->fields[i];
                if (i + 1 == a->nfields && (nargs > 0 || has_final))
                        return field_args(st, dot, a,
                                          json_is_object(cur) ? json_object_get(cur, name) : NULL,
                                          name, args, nargs, has_final, final, out);
                if (!cur || json_is_null(cur))
                        break;
                if (!json_is_object(cur))
                        return tpl_exec_error(st, a->pos, a->end,
                                              "can't evaluate field %s in type %s", name,
                                              tpl_type_name(cur));
                cur = json_object_get(cur, name);
        }
        if (a->nfields == 0 && (nargs > 0 || has_final))
                return tpl_exec_error(st, a->pos, a->end,
                                      "can't give argument to non-function %.*s",
                                      (int)(a->end - a->pos), st->t->src + a->pos);
        *out = ref(cur);
        return 0;
}

static int call_func(struct tpl_exec *st, json_t *dot, const struct tpl_arg *fa,
                     struct tpl_arg *const *args, size_t nargs, bool has_final, json_t *final,
                     size_t cpos, size_t cend, json_t **out)
{
        const struct tpl_func *fn = fa->fn;
        size_t total = nargs + (has_final ? 1 : 0);
        if ((int)total < fn->min_args || (fn->max_args >= 0 && (int)total > fn->max_args)) {
                if (fn->max_args < 0)
                        return tpl_exec_error(
                            st, fa->pos, fa->end,
                            "wrong number of args for %s: want at least %d got %zu", fn->name,
                            fn->min_args, total);
                return tpl_exec_error(st, fa->pos, fa->end,
                                      "wrong number of args for %s: want %d got %zu", fn->name,
                                      fn->min_args, total);
        }
        int r;
        if (fn->lazy) { /* and / or: stop at the first false / true argument */
                bool is_or = fn->name[0] == 'o';
                json_t *v = NULL;
                for (size_t i = 0; i < nargs; i++) {
                        json_decref(v);
                        v = NULL;
                        if ((r = eval_arg(st, dot, args[i], &v)) < 0)
                                return r;
                        if (tpl_truth(v) == is_or) {
                                *out = v;
                                return 0;
                        }
                }
                if (has_final) {
                        json_decref(v);
                        v = ref(final);
                }
                *out = v;
                return 0;
        }
        json_t **vals = calloc(total ? total : 1, sizeof(*vals));
        if (!vals)
                return oom(st);
        r = 0;
        for (size_t i = 0; i < nargs && r >= 0; i++)
                r = eval_arg(st, dot, args[i], &vals[i]);
        if (r >= 0 && has_final)
                vals[nargs] = ref(final);
        char msg[256] = "";
        if (r >= 0 && st->header && fn->header_identity) {
                *out = ref(vals[0]);
        } else if (r >= 0) {
                r = fn->impl(st, vals, total, out, msg, sizeof(msg));
                for (size_t i = 0; r >= 0 && i <= total; i++) {
                        json_t *s = i < total ? vals[i] : *out;
                        st->work += json_is_string(s) ? json_string_length(s) : 0;
                }
                if (r >= 0 && st->work > TPL_MAX_WORK) {
                        json_decref(*out);
                        *out = NULL;
                        r = -E2BIG;
                }
                if (r == -EDOM)
                        r = tpl_exec_error(st, fa->pos, fa->end, "%s", msg);
                else if (r == -EINVAL)
                        r = tpl_exec_error(st, cpos, cend, "error calling %s: %s", fn->name, msg);
                else if (r == -E2BIG)
                        r = exec_error_code(st, E2BIG, cpos, cend,
                                            "functions handled more than %llu bytes of strings",
                                            (unsigned long long)TPL_MAX_WORK);
                else if (r == -ELOOP)
                        r = exec_error_code(st, ELOOP, cpos, cend, "value nested deeper than %d",
                                            TPL_MAX_COMPOSE);
                else if (r < 0)
                        r = oom(st);
        }
        for (size_t i = 0; i < total; i++)
                json_decref(vals[i]);
        free(vals);
        return r;
}

static int eval_arg(struct tpl_exec *st, json_t *dot, const struct tpl_arg *a, json_t **out)
{
        int r = step(st, a->pos, a->end);
        if (r < 0)
                return r;
        *out = NULL;
        switch (a->kind) {
        case TA_DOT:
                *out = ref(dot);
                return 0;
        case TA_NIL:
                return 0;
        case TA_FIELD:
                if (st->header)
                        return header_value(st, a, out);
                return eval_chain(st, dot, dot, a, NULL, 0, false, NULL, out);
        case TA_VAR: {
                struct tpl_var *v = var_find(st, a->s);
                if (!v)
                        return tpl_exec_error(st, a->pos, a->end, "undefined variable: %s", a->s);
                if (st->header && a->nfields)
                        return header_value(st, a, out);
                return eval_chain(st, dot, v->val, a, NULL, 0, false, NULL, out);
        }
        case TA_PIPE: {
                _cleanup_json_ json_t *v = NULL;
                if ((r = eval_pipe(st, dot, a->pipe, &v)) < 0)
                        return r;
                if (st->header && a->nfields)
                        return header_value(st, a, out);
                return eval_chain(st, dot, v, a, NULL, 0, false, NULL, out);
        }
        case TA_FUNC:
                return call_func(st, dot, a, NULL, 0, false, NULL, a->pos, a->end, out);
        default:
                return literal(st, a, out);
        }
}

static int eval_cmd(struct tpl_exec *st, json_t *dot, const struct tpl_cmd *c, bool has_final,
                    json_t *final, json_t **out)
{
        const struct tpl_arg *a = c->args[0];
        struct tpl_arg *const *rest = c->args + 1;
        size_t nrest = c->nargs - 1;
        int r = step(st, c->pos, c->end);
        if (r < 0)
                return r;
        *out = NULL;
        bool with_args = nrest > 0 || has_final;
        switch (a->kind) {
        case TA_FUNC:
                return call_func(st, dot, a, rest, nrest, has_final, final, c->pos, c->end, out);
        case TA_NIL:
                return tpl_exec_error(st, a->pos, a->end, "nil is not a command");
        case TA_FIELD:
                if (st->header)
                        return header_value(st, a, out);
                return eval_chain(st, dot, dot, a, rest, nrest, has_final, final, out);
        case TA_VAR: {
                struct tpl_var *v = var_find(st, a->s);
                if (!v)
                        return tpl_exec_error(st, a->pos, a->end, "undefined variable: %s", a->s);
                if (st->header && a->nfields)
                        return header_value(st, a, out);
                return eval_chain(st, dot, v->val, a, rest, nrest, has_final, final, out);
        }
        case TA_PIPE: {
                if (with_args && a->nfields == 0)
                        break;
                _cleanup_json_ json_t *v = NULL;
                if ((r = eval_pipe(st, dot, a->pipe, &v)) < 0)
                        return r;
                if (st->header && a->nfields)
                        return header_value(st, a, out);
                return eval_chain(st, dot, v, a, rest, nrest, has_final, final, out);
        }
        default:
                if (with_args)
                        break;
                return eval_arg(st, dot, a, out);
        }
        return tpl_exec_error(st, a->pos, a->end, "can't give argument to non-function %.*s",
                              (int)(a->end - a->pos), st->t->src + a->pos);
}

static int eval_pipe(struct tpl_exec *st, json_t *dot, const struct tpl_pipe *pipe, json_t **out)
{
        json_t *v = NULL;
        for (size_t i = 0; i < pipe->ncmds; i++) {
                json_t *next = NULL;
                int r = eval_cmd(st, dot, pipe->cmds[i], i > 0, v, &next);
                json_decref(v);
                if (r < 0)
                        return r;
                v = next;
        }
        for (size_t i = 0; i < pipe->ndecl; i++) {
                int r;
                if (pipe->assign) {
                        struct tpl_var *var = var_find(st, pipe->decl[i]);
                        if (!var) {
                                json_decref(v);
                                return tpl_exec_error(st, pipe->pos, pipe->pos,
                                                      "undefined variable: %s", pipe->decl[i]);
                        }
                        var_set(var, ref(v));
                } else if ((r = var_push(st, pipe->decl[i], ref(v))) < 0) {
                        json_decref(v);
                        return r;
                }
        }
        *out = v;
        return 0;
}

/* ---- walking the tree */

static int exec_list(struct tpl_exec *st, json_t *dot, const struct tpl_list *l);

static int out_append(struct tpl_exec *st, const char *s, size_t n, size_t pos)
{
        if (berth_buf_append(st->out, s, n) < 0)
                return oom(st);
        return check_output(st, pos, pos);
}

static int cmp_key(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One iteration of a range body with the loop variables set. */
static int range_one(struct tpl_exec *st, const struct tpl_node *n, size_t mark, json_t *key,
                     json_t *elem)
{
        size_t nd = n->pipe->ndecl;
        if (nd >= 1)
                var_set(&st->vars[mark - 1], ref(elem));
        if (nd == 2)
                var_set(&st->vars[mark - 2], ref(key));
        int r = step(st, n->pos, n->pos);
        if (r >= 0)
                r = exec_list(st, elem, n->list);
        var_pop(st, mark);
        return r;
}

static int exec_range(struct tpl_exec *st, json_t *dot, const struct tpl_node *n)
{
        size_t mark0 = st->nvars;
        _cleanup_json_ json_t *v = NULL;
        int r = eval_pipe(st, dot, n->pipe, &v);
        if (r < 0)
                return r;
        size_t mark = st->nvars, count = 0;
        if (json_is_integer(v) && n->pipe->ndecl == 2) {
                const struct tpl_cmd *c = n->pipe->cmds[n->pipe->ncmds - 1];
                r = tpl_exec_error(st, c->pos, c->end,
                                   "can't use %" JSON_INTEGER_FORMAT
                                   " to iterate over more than one variable",
                                   json_integer_value(v));
        } else if (json_is_array(v) || json_is_integer(v)) {
                size_t len = json_is_array(v)            ? json_array_size(v)
                             : json_integer_value(v) > 0 ? (size_t)json_integer_value(v)
                                                         : 0;
                for (size_t i = 0; i < len && r >= 0; i++, count++) {
                        json_t *key = json_integer((json_int_t)i);
                        json_t *elem =
                            json_is_array(v) ? json_incref(json_array_get(v, i)) : ref(key);
                        r = key && elem ? range_one(st, n, mark, key, elem) : oom(st);
                        json_decref(key);
                        json_decref(elem);
                        if (st->brk == 1)
                                r = r < 0 ? r : 1;
                        st->brk = 0;
                }
        } else if (json_is_object(v)) {
                size_t nk = json_object_size(v), i = 0;
                _cleanup_free_ const char **keys = calloc(nk ? nk : 1, sizeof(*keys));
                if (!keys)
                        return oom(st);
                const char *k;
                json_t *val;
                json_object_foreach (v, k, val)
                        keys[i++] = k;
                qsort(keys, nk, sizeof(*keys), cmp_key);
                for (i = 0; i < nk && r >= 0; i++, count++) {
                        json_t *key = json_string_nocheck(keys[i]);
                        r = key ? range_one(st, n, mark, key, json_object_get(v, keys[i]))
                                : oom(st);
                        json_decref(key);
                        if (st->brk == 1)
                                r = r < 0 ? r : 1;
                        st->brk = 0;
                }
        } else if (v && !json_is_null(v)) {
                struct berth_buf s = {0};
                tpl_print_value(&s, v, false);
                const struct tpl_cmd *c = n->pipe->cmds[n->pipe->ncmds - 1];
                r = tpl_exec_error(st, c->pos, c->end, "range can't iterate over %.*s",
                                   (int)(s.len > 60 ? 60 : s.len), s.data ? s.data : "");
                berth_buf_free(&s);
        }
        if (r >= 0 && count == 0 && n->else_list)
                r = exec_list(st, dot, n->else_list);
        var_pop(st, mark0);
        return r < 0 ? r : 0;
}

static int exec_node(struct tpl_exec *st, json_t *dot, const struct tpl_node *n)
{
        int r = step(st, n->pos, n->pos);
        if (r < 0)
                return r;
        switch (n->kind) {
        case TN_TEXT:
                return out_append(st, n->text, n->len, n->pos);
        case TN_ACTION: {
                _cleanup_json_ json_t *v = NULL;
                if ((r = eval_pipe(st, dot, n->pipe, &v)) < 0)
                        return r;
                if (n->pipe->ndecl > 0)
                        return 0;
                r = tpl_print_value(st->out, v, true);
                if (r == -ELOOP)
                        return exec_error_code(st, ELOOP, n->pos, n->pos,
                                               "value nested deeper than %d", TPL_MAX_COMPOSE);
                return r < 0 ? oom(st) : check_output(st, n->pos, n->pos);
        }
        case TN_IF:
        case TN_WITH: {
                size_t mark = st->nvars;
                _cleanup_json_ json_t *v = NULL;
                if ((r = eval_pipe(st, dot, n->pipe, &v)) >= 0) {
                        if (tpl_truth(v))
                                r = exec_list(st, n->kind == TN_WITH ? v : dot, n->list);
                        else if (n->else_list)
                                r = exec_list(st, dot, n->else_list);
                }
                var_pop(st, mark);
                return r;
        }
        case TN_RANGE:
                return exec_range(st, dot, n);
        case TN_BREAK:
                st->brk = 1;
                return 0;
        case TN_CONTINUE:
                st->brk = 2;
                return 0;
        }
        return 0;
}

static int exec_list(struct tpl_exec *st, json_t *dot, const struct tpl_list *l)
{
        if (++st->depth > TPL_MAX_DEPTH * 2)
                return exec_error_code(st, ELOOP, 0, 0, "nesting deeper than %d", TPL_MAX_DEPTH);
        int r = 0;
        for (size_t i = 0; l && i < l->n && r >= 0 && !st->brk; i++)
                r = exec_node(st, dot, l->nodes[i]);
        st->depth--;
        return r;
}

static int run(const struct berth_template *t, json_t *data, bool header, json_t *header_map,
               struct berth_buf *out, struct berth_error *err)
{
        if (!t || !out)
                return berth_error_set(err, EINVAL, "template: no template or output buffer");
        size_t start = out->len;
        struct tpl_exec st = {
            .t = t,
            .out = out,
            .out_limit = start + BERTH_TEMPLATE_MAX_OUTPUT,
            .err = err,
            .header = header,
            .header_map = header_map,
        };
        int r = berth_buf_append(out, "", 0);
        if (r < 0)
                return berth_error_set(err, ENOMEM, "template: out of memory");
        r = var_push(&st, "$", ref(data));
        if (r >= 0)
                r = exec_list(&st, data, t->root);
        var_pop(&st, 0);
        free(st.vars);
        if (r < 0 && !header) {
                out->len = start;
                out->data[start] = '\0';
        }
        return r < 0 ? r : 0;
}

int berth_template_execute(const struct berth_template *t, json_t *data, struct berth_buf *out,
                           struct berth_error *err)
{
        return run(t, data, false, NULL, out, err);
}

int berth_template_header(const struct berth_template *t, json_t *header_map, struct berth_buf *out,
                          struct berth_error *err)
{
        _cleanup_json_ json_t *empty = header_map ? NULL : json_object();
        json_t *map = header_map ? header_map : empty;
        if (!map)
                return berth_error_set(err, ENOMEM, "template: out of memory");
        int r = run(t, map, true, map, out, NULL);
        if (r == -ENOMEM)
                return berth_error_set(err, ENOMEM, "template: out of memory");
        return 0;
}

int berth_template_render(const struct berth_template *t, json_t *rows, json_t *header_map,
                          struct berth_buf *out, struct berth_error *err)
{
        if (!json_is_array(rows))
                return berth_error_set(err, EINVAL, "template: rows is not an array");
        if (!t || !out)
                return berth_error_set(err, EINVAL, "template: no template or output buffer");
        struct berth_buf text = {0};
        struct berth_buf *dst = t->table ? &text : out;
        size_t start = out->len;
        int r = 0;
        if (t->table) {
                r = berth_template_header(t, header_map, &text, err);
                if (r >= 0 && berth_buf_append(&text, "\n", 1) < 0)
                        r = berth_error_set(err, ENOMEM, "template: out of memory");
        }
        size_t i;
        json_t *row;
        json_array_foreach (rows, i, row) {
                if (r < 0)
                        break;
                if ((r = berth_template_execute(t, row, dst, err)) < 0)
                        break;
                if (berth_buf_append(dst, "\n", 1) < 0)
                        r = berth_error_set(err, ENOMEM, "template: out of memory");
                else if (dst->len - (t->table ? 0 : start) > BERTH_TEMPLATE_MAX_OUTPUT * 4u)
                        r = berth_error_set(err, E2BIG, "template: output exceeds %u bytes",
                                            BERTH_TEMPLATE_MAX_OUTPUT * 4u);
        }
        if (r >= 0 && t->table)
                r = berth_table_format(text.data ? text.data : "", text.len, BERTH_TABLE_MINWIDTH,
                                       BERTH_TABLE_PADDING, out, err);
        berth_buf_free(&text);
        if (r < 0 && out->data) {
                out->len = start;
                out->data[start] = '\0';
        }
        return r < 0 ? r : 0;
}

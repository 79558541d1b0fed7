/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the Go text/template engine (src/cli/template*.c): the parse tree, the
 * executor state, and the helpers the parser, the executor and the function table share.
 * Nothing here is API: use src/cli/template.h.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"
#include "basic/strutil.h"
#include "cli/template.h"

/* ---- arena: every parse-tree allocation lives here and is freed at once */
struct tpl_arena_chunk;
struct tpl_arena {
        struct tpl_arena_chunk *head;
};
void *tpl_arena_alloc(struct tpl_arena *a, size_t n); /* zeroed; NULL on ENOMEM */
char *tpl_arena_strndup(struct tpl_arena *a, const char *s, size_t n);
void tpl_arena_free(struct tpl_arena *a);

/* ---- parse tree */
enum tpl_arg_kind {
        TA_DOT,    /* .                      */
        TA_NIL,    /* nil                    */
        TA_BOOL,   /* true / false           */
        TA_INT,    /* 42, 0x2a, 'a'          */
        TA_FLOAT,  /* 1.5, 1e6               */
        TA_STRING, /* "x", `x`               */
        TA_FIELD,  /* .A.B (fields on dot)   */
        TA_VAR,    /* $x.A.B                 */
        TA_FUNC,   /* join                   */
        TA_PIPE,   /* ( pipeline ).A.B       */
};

struct tpl_func;
struct tpl_pipe;

struct tpl_arg {
        enum tpl_arg_kind kind;
        size_t pos, end; /* source span, for error messages */
        bool b;
        int64_t i;
        double f;
        char *s; /* string value, variable name ("$x"), or function name */
        size_t slen;
        char **fields; /* field chain after the operand (TA_FIELD: the whole chain) */
        size_t nfields;
        struct tpl_pipe *pipe;     /* TA_PIPE */
        const struct tpl_func *fn; /* TA_FUNC */
};

struct tpl_cmd {
        struct tpl_arg **args;
        size_t nargs;
        size_t pos, end;
};

struct tpl_pipe {
        char **decl; /* variable names ("$x"), 0..2 */
        size_t ndecl;
        bool assign; /* '=' rather than ':=' */
        struct tpl_cmd **cmds;
        size_t ncmds;
        size_t pos;
};

enum tpl_node_kind {
        TN_TEXT,
        TN_ACTION,
        TN_IF,
        TN_RANGE,
        TN_WITH,
        TN_BREAK,
        TN_CONTINUE,
};

struct tpl_list;
struct tpl_node {
        enum tpl_node_kind kind;
        size_t pos;
        const char *text; /* TN_TEXT, points into the arena */
        size_t len;
        struct tpl_pipe *pipe;
        struct tpl_list *list, *else_list;
};

struct tpl_list {
        struct tpl_node **nodes;
        size_t n;
};

struct berth_template {
        struct tpl_arena arena;
        char *src; /* the text that was parsed (after Docker's preprocessing) */
        struct tpl_list *root;
        bool table;
};

/* ---- execution */
struct tpl_var {
        const char *name;
        json_t *val; /* owned reference, NULL = no value */
};

struct tpl_exec {
        const struct berth_template *t;
        struct berth_buf *out;
        size_t out_limit; /* absolute length out->len must stay under */
        struct berth_error *err;
        struct tpl_var *vars;
        size_t nvars, capvars;
        uint64_t steps;
        uint64_t work; /* string bytes functions took and made */
        unsigned depth;
        bool header;        /* executing the header row of a table */
        json_t *header_map; /* borrowed */
        int brk;            /* 1 break, 2 continue pending */
};

/* Error "template: :L:C: executing "" at <span>: msg" (span = source [pos, end)). */
int tpl_exec_error(struct tpl_exec *st, size_t pos, size_t end, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Line and 0-based column of byte offset pos in src. */
void tpl_position(const char *src, size_t pos, unsigned *line, unsigned *col);

/* ---- functions (template_funcs.c) */
typedef int (*tpl_func_impl)(struct tpl_exec *st, json_t **args, size_t n, json_t **res, char *msg,
                             size_t msglen);
struct tpl_func {
        const char *name;
        int min_args, max_args; /* max -1: variadic */
        bool lazy;              /* and/or: handled by the executor */
        bool header_identity;   /* in a table header, returns its first argument */
        tpl_func_impl impl;
};
const struct tpl_func *tpl_func_lookup(const char *name, size_t len);

bool tpl_truth(const json_t *v);
const char *tpl_type_name(const json_t *v);
/* Go's fmt.Print of one value; top: NULL and JSON null print "<no value>", else "<nil>". */
int tpl_print_value(struct berth_buf *b, const json_t *v, bool top);
/* Go's fmt.Sprint of several values (spaces between two non-strings). */
int tpl_sprint(struct berth_buf *b, json_t **args, size_t n, bool ln);
/* Go's fmt.Sprintf. */
int tpl_sprintf(struct berth_buf *b, const char *fmt, size_t fmtlen, json_t **args, size_t n);
/* Compact JSON as Docker's `json` function prints it. */
int tpl_json_encode(struct berth_buf *b, const json_t *v, unsigned depth);
/* Go's %v of a float64 (strconv 'g' shortest, exponent from 1e21 / below 1e-4). */
int tpl_format_float(struct berth_buf *b, double v, char mode);
/* Compare: sets *cmp (-1/0/1); -EINVAL with msg on incompatible or invalid types. */
int tpl_compare(const json_t *a, const json_t *b, bool eq_only, int *cmp, char *msg, size_t msglen);

#define TPL_MAX_DEPTH   64             /* nesting of actions, parentheses, ranges */
#define TPL_MAX_STEPS   2000000u       /* evaluation steps per execute */
#define TPL_MAX_WORK    (256ull << 20) /* string bytes into and out of functions, per execute */
#define TPL_MAX_WIDTH   1000000        /* printf width/precision, pad counts */
#define TPL_MAX_COMPOSE 64             /* depth when printing/encoding nested values */

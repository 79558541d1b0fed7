/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `berth` command line: a declarative verb table and Docker's (pflag's) option parsing.
 *
 * Adding a verb is one new file plus one line in the table (verbs.h):
 *
 *     static const struct berth_cli_opt opts[] = {
 *             {"all", 'a', BERTH_OPT_BOOL, NULL, "Show all images"},
 *             {"filter", 'f', BERTH_OPT_STRV, "filter", "Filter output"},
 *             {0},
 *     };
 *     static int run(struct berth_cli *cli, const struct berth_cli_args *a,
 *                    struct berth_error *err) { ... }
 *     const struct berth_cli_verb berth_verb_image_ls = {
 *             .names = (const char *const[]){"image ls", "image list", "images", NULL},
 *             .usage = "[OPTIONS] [REPOSITORY[:TAG]]", .summary = "List images",
 *             .opts = opts, .min_args = 0, .max_args = 1, .run = run,
 *     };
 *
 * names: every way to call the verb, the canonical one first ("group verb" or "verb").
 * -h/--help is added to every verb.  The framework parses the flags (Docker's rules:
 * --flag value, --flag=value, --bool, --bool=false, -abc, -fVALUE, -f VALUE, repeated
 * flags collect, `--` ends flags, flags may follow positional arguments), checks the
 * number of positional arguments, and prints help and usage errors (exit 125 for flag
 * errors, 1 for a wrong number of arguments, as Docker's CLI does).
 *
 * run returns 0 on success; a negative errno with err filled on failure (the framework
 * prints "berth: <message>" and exits 1); or a positive exit status when the verb already
 * reported its errors itself.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "basic/error.h"
#include "basic/strutil.h"

struct berth_image_store;

enum berth_opt_type {
        BERTH_OPT_BOOL,
        BERTH_OPT_STRING, /* the last value given wins */
        BERTH_OPT_STRV,   /* every value given, in order */
};

struct berth_cli_opt {
        const char *name; /* long name without "--"; NULL ends the table */
        char short_name;  /* 0 when none */
        enum berth_opt_type type;
        const char *arg_name; /* shown in help: "string", "filter", "list" */
        const char *help;
        const char *def; /* default shown in help ("(default ...)"), or NULL */
};

struct berth_cli;
struct berth_cli_args;

struct berth_cli_verb {
        const char *const *names;
        const char *usage; /* after the name: "[OPTIONS] IMAGE [IMAGE...]" */
        const char *summary;
        const struct berth_cli_opt *opts; /* may be NULL */
        int min_args, max_args;           /* max -1: any number */
        int (*run)(struct berth_cli *cli, const struct berth_cli_args *a, struct berth_error *err);
        bool hidden; /* not listed in help (still completed) */
};

/* A group ("image", "system") lists the verbs whose canonical name starts with it. */
struct berth_cli_group {
        const char *name;
        const char *summary;
};

/* The tables (cli_verbs.c; the verbs are listed in verbs.h). */
extern const struct berth_cli_verb *const berth_cli_verbs[];
extern const struct berth_cli_group berth_cli_groups[];

/* What a verb gets. */
struct berth_cli_value {
        bool set;
        bool b;
        const char *s;
        char **v; /* BERTH_OPT_STRV: NULL-terminated, NULL when never given */
};

struct berth_cli_args {
        const struct berth_cli_verb *verb;
        const char *name; /* the name it was called by: "images" */
        char **argv;      /* positional arguments, NULL-terminated */
        int argc;
        struct berth_cli_value *values; /* one per verb option, in table order */
};

/* Global state for one invocation. */
struct berth_cli {
        const char *root;    /* --root, $BERTH_ROOT, /var/lib/berth */
        const char *runroot; /* --runroot, $BERTH_RUNROOT, /run/berth */
        const char *log_level;
        bool debug;
        FILE *out;                       /* stdout */
        struct berth_image_store *store; /* opened on first use */
        char **argv;                     /* the whole command line (argv[0] first) */
};

#define BERTH_DEFAULT_ROOT    "/var/lib/berth"
#define BERTH_DEFAULT_RUNROOT "/run/berth"

/* Exit statuses (Docker's). */
#define BERTH_EXIT_USAGE 125

/* Option lookups by long name (the name must be in the verb's table). */
bool berth_cli_bool(const struct berth_cli_args *a, const char *name);
const char *berth_cli_string(const struct berth_cli_args *a, const char *name);
char **berth_cli_strv(const struct berth_cli_args *a, const char *name);
bool berth_cli_is_set(const struct berth_cli_args *a, const char *name);

/* Run the verb the words in argv name (argv[0] is the first word after the global
 * flags).  Returns the process exit status. */
int berth_cli_dispatch(struct berth_cli *cli, int argc, char **argv);

/* Print a verb's help to f. */
void berth_cli_print_verb_help(FILE *f, const struct berth_cli_verb *v, const char *name);
/* The top-level help. */
void berth_cli_print_main_help(FILE *f);

/* The bash completion script generated from the tables. */
void berth_cli_print_completion_bash(FILE *f);

/* ------------------------------------------------------------------ helpers for verbs */

/* The image store under cli->root, opened once per process. */
int berth_cli_image_store(struct berth_cli *cli, struct berth_image_store **out,
                          struct berth_error *err);
/* Print "berth: <msg>" to stderr. */
void berth_cli_report(const struct berth_error *err);
/* Rewrite a store error about image `name` the way Docker's CLI shows it:
 * "no such image: 'busybox:latest' (make it with: berth image bootstrap busybox)". */
void berth_cli_image_error(const char *name, struct berth_error *err);

/* go-units HumanSizeWithPrecision(size, 3): "4.26MB", "0B", "1.5kB". */
void berth_cli_human_size(int64_t size, char *buf, size_t len);
/* go-units HumanDuration: "Less than a second", "About a minute", "5 weeks". */
void berth_cli_human_duration(int64_t seconds, char *buf, size_t len);
/* "2 hours ago" (like Docker, a zero time is "56 years ago"). */
void berth_cli_created_since(int64_t created, int64_t now, char *buf, size_t len);
/* Go's time.String in local time: "2024-01-01 00:00:00 +0000 UTC". */
void berth_cli_time_string(int64_t t, char *buf, size_t len);
/* RFC 3339 with nanoseconds as Docker's inspect prints: "2024-01-01T00:00:00Z". */
void berth_cli_time_rfc3339(int64_t t, char *buf, size_t len);
/* "sha256:abc..." -> "abc..." cut to 12 characters unless no_trunc. */
const char *berth_cli_short_id(const char *id, bool no_trunc, char *buf, size_t len);
/* "docker.io/library/busybox" -> "busybox", "docker.io/me/x" -> "me/x" (malloc'ed). */
char *berth_cli_familiar_name(const char *name);

/* Write the buffer to cli->out; -errno on a write error. */
int berth_cli_write(struct berth_cli *cli, const struct berth_buf *b, struct berth_error *err);

/* Progress to stderr: a redrawn bar on a terminal, plain lines otherwise.  Matches
 * berth_progress_fn (image/archive.h); userdata is a struct berth_cli_progress. */
struct berth_cli_progress {
        bool tty;
        bool quiet;
        FILE *f;
        char last_what[80];
        char last_phase[40];
};
void berth_cli_progress_init(struct berth_cli_progress *p, bool quiet);
void berth_cli_progress_cb(void *userdata, const char *phase, const char *what, uint64_t done,
                           uint64_t total);
void berth_cli_progress_end(struct berth_cli_progress *p);

/* The archive verbs' bodies (image_archive.c, in the berth-archive helper) or, in `berth`,
 * the hand-over to that helper (cli_archive_exec.c). */
int berth_cli_archive_run(struct berth_cli *cli, const struct berth_cli_args *a,
                          struct berth_error *err);

/* The in-use check rmi and image prune pass to the image store (userdata: the store):
 * > 0 when a container record uses the image, with Docker's "(must be forced) - image is
 * being used by stopped container <id>" (or "(cannot be forced) ... running") in err. */
int berth_cli_image_in_use(const char *image_id, void *userdata, struct berth_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/* berth-runtime's command line: a declarative table of commands and their flags. */
#pragma once

#include <stdbool.h>

struct cli_command;

#include "basic/error.h"

#define CLI_MAX_FLAGS 24
#define CLI_MAX_MULTI 64

enum flag_kind { FLAG_BOOL, FLAG_VALUE, FLAG_MULTI };

struct cli_flag {
        const char *name; /* long name without dashes */
        char short_name;  /* 0: none */
        enum flag_kind kind;
        const char *help;
};

/* Parsed values, indexed like the command's flag table. */
struct cli_args {
        const struct cli_command *cmd;
        bool help; /* -h / --help */
        bool set[CLI_MAX_FLAGS];
        const char *value[CLI_MAX_FLAGS];
        char *multi[CLI_MAX_FLAGS][CLI_MAX_MULTI + 1]; /* NULL-terminated lists */
        unsigned n_multi[CLI_MAX_FLAGS];
        char **pos; /* positional arguments */
        int n_pos;
};

struct cli_global {
        const char *root;
        const char *log;
        const char *log_format;
        bool debug;
        bool systemd_cgroup;
        char **argv; /* the whole command line (for the sealed re-exec) */
};

struct cli_command {
        const char *name;
        int (*handler)(const struct cli_global *g, struct cli_args *a, struct berth_error *err);
        const char *usage;
        const char *summary;
        const struct cli_flag *flags;
        int min_pos, max_pos; /* positional argument count; max -1 = unlimited */
        int flags_until;      /* > 0: after this many positionals the rest is positional
                                 (exec ID CMD -flags-of-cmd) */
};

extern const struct cli_command cli_commands[];

/* Flag values by long name (for handlers); NULL / false / NULL when not given. */
const char *cli_get(const struct cli_args *a, const char *name);
bool cli_has(const struct cli_args *a, const char *name);
char **cli_get_multi(struct cli_args *a, const char *name);

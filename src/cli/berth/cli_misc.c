/* SPDX-License-Identifier: Apache-2.0 */
/* berth version, berth completion. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "cli/berth/cli.h"
#include "cli/berth/verbs.h"
#include "image/manifest.h"
#include "basic/banned.h"

static int run_version(struct berth_cli *cli, const struct berth_cli_args *a,
                       struct berth_error *err)
{
        const struct berth_platform *p = berth_platform_host();
        struct utsname u;
        (void)a;
        (void)err;
        fprintf(
            cli->out,
            "Client:\n Version:           %s\n OS/Arch:           %s/%s\n Root:              %s\n"
            " Run root:          %s\n",
            BERTH_VERSION, p->os, p->architecture, cli->root, cli->runroot);
        if (uname(&u) == 0)
                fprintf(cli->out, " Kernel Version:    %s\n", u.release);
        return 0;
}

const struct berth_cli_verb berth_verb_version = {
    .names = (const char *const[]){"version", NULL},
    .usage = "[OPTIONS]",
    .summary = "Show the berth version information",
    .min_args = 0,
    .max_args = 0,
    .run = run_version,
};

static int run_completion(struct berth_cli *cli, const struct berth_cli_args *a,
                          struct berth_error *err)
{
        if (strcmp(a->argv[0], "bash") != 0)
                return berth_error_set(err, EINVAL,
                                       "unsupported shell '%.40s' (berth completes for bash)",
                                       a->argv[0]);
        berth_cli_print_completion_bash(cli->out);
        return 0;
}

const struct berth_cli_verb berth_verb_completion = {
    .names = (const char *const[]){"completion", NULL},
    .usage = "bash",
    .summary = "Print the shell completion script",
    .min_args = 1,
    .max_args = 1,
    .run = run_completion,
};

/* `berth help [COMMAND...]`: the same as `berth [COMMAND...] --help`. */
static int run_help(struct berth_cli *cli, const struct berth_cli_args *a, struct berth_error *err)
{
        if (a->argc == 0) {
                berth_cli_print_main_help(cli->out);
                return 0;
        }
        char **argv = calloc((size_t)a->argc + 2, sizeof(char *));
        if (!argv)
                return berth_error_set(err, ENOMEM, "out of memory");
        for (int i = 0; i < a->argc; i++)
                argv[i] = a->argv[i];
        argv[a->argc] = (char *)"--help";
        int status = berth_cli_dispatch(cli, a->argc + 1, argv);
        free(argv);
        return status;
}

const struct berth_cli_verb berth_verb_help = {
    .names = (const char *const[]){"help", NULL},
    .usage = "[COMMAND]",
    .summary = "Help about any command",
    .min_args = 0,
    .max_args = 2,
    .run = run_help,
};

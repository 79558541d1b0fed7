/* SPDX-License-Identifier: Apache-2.0 */
/* berth: global flags, then the verb table (cli.c). */
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "cli/berth/cli.h"
#include "image/image.h"
#include "basic/banned.h"

static int global_usage_error(const char *msg, const char *what)
{
        fprintf(stderr, "berth: %s%s\nSee 'berth --help'.\n", msg, what);
        return BERTH_EXIT_USAGE;
}

/* A global flag that takes a value: "--root X" or "--root=X".  1 when matched. */
static int take_value(const char *flag, char short_name, int argc, char **argv, int *i,
                      const char **out)
{
        const char *a = argv[*i];
        size_t n = strlen(flag);
        if (a[0] == '-' && a[1] == '-' && strncmp(a + 2, flag, n) == 0) {
                if (a[2 + n] == '=') {
                        *out = a + 3 + n;
                        return 1;
                }
                if (a[2 + n] != '\0')
                        return 0;
        } else if (!(short_name && a[0] == '-' && a[1] == short_name && a[2] == '\0')) {
                return 0;
        }
        if (*i + 1 >= argc)
                return -1;
        *out = argv[++*i];
        return 1;
}

static int parse_log_level(const char *s, enum berth_log_level *out)
{
        static const struct {
                const char *name;
                enum berth_log_level lvl;
        } levels[] = {{"debug", BERTH_LOG_DEBUG}, {"info", BERTH_LOG_INFO},
                      {"warn", BERTH_LOG_WARN},   {"error", BERTH_LOG_ERROR},
                      {"fatal", BERTH_LOG_ERROR}, {"panic", BERTH_LOG_ERROR}};
        for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
                if (strcmp(s, levels[i].name) == 0)
                        return *out = levels[i].lvl, 0;
        return -1;
}

int main(int argc, char **argv)
{
        struct berth_cli cli = {.out = stdout, .argv = argv};
        const char *env;
        enum berth_log_level lvl = BERTH_LOG_WARN;
        cli.root = (env = getenv("BERTH_ROOT")) && *env ? env : BERTH_DEFAULT_ROOT;
        cli.runroot = (env = getenv("BERTH_RUNROOT")) && *env ? env : BERTH_DEFAULT_RUNROOT;
        int i = 1;
        for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
                const char *a = argv[i];
                int r;
                if (strcmp(a, "--") == 0) {
                        i++;
                        break;
                }
                if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
                        berth_cli_print_main_help(stdout);
                        return 0;
                }
                if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
                        printf("berth version %s\n", BERTH_VERSION);
                        return 0;
                }
                if (strcmp(a, "-D") == 0 || strcmp(a, "--debug") == 0) {
                        cli.debug = true;
                        continue;
                }
                if ((r = take_value("root", 0, argc, argv, &i, &cli.root)) ||
                    (r = take_value("runroot", 0, argc, argv, &i, &cli.runroot)) ||
                    (r = take_value("log-level", 'l', argc, argv, &i, &cli.log_level))) {
                        if (r < 0)
                                return global_usage_error("flag needs an argument: ", a);
                        continue;
                }
                return global_usage_error(
                    a[1] == '-' ? "unknown flag: " : "unknown shorthand flag: ", a);
        }
        if (cli.log_level && parse_log_level(cli.log_level, &lvl) < 0) {
                fprintf(stderr, "berth: unable to parse logging level: %s\n", cli.log_level);
                return 1;
        }
        if (cli.debug)
                lvl = BERTH_LOG_DEBUG;
        berth_log_setup(2, BERTH_LOG_TEXT, lvl);
        if (!*cli.root || !*cli.runroot)
                return global_usage_error("--root and --runroot need a non-empty path", "");
        int status = berth_cli_dispatch(&cli, argc - i, argv + i);
        berth_image_store_close(cli.store);
        if (fflush(stdout) != 0 && status == 0) {
                fputs("berth: write error on standard output\n", stderr);
                status = 1;
        }
        return status;
}

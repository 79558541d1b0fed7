/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-runtime: an OCI runtime with runc's command line.
 *   berth-runtime [global flags] COMMAND [flags] [args]
 * Flags: `--flag value`, `--flag=value`, `-f value`, `-fvalue`, single-dash long names
 * (`-bundle x`, as runc accepts), and `--` ends the flags.
 * Errors: one line `berth-runtime: <message>` on stderr (and to --log in its format), exit 1.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/strutil.h"
#include "cli/runtime/cli.h"
#include "runtime/container.h"
#include "basic/banned.h"

static const struct cli_flag global_flags[] = {
    {"root", 0, FLAG_VALUE, "state root (default " BERTH_RUNTIME_DEFAULT_ROOT ")"},
    {"log", 0, FLAG_VALUE, "log file"},
    {"log-format", 0, FLAG_VALUE, "text or json"},
    {"debug", 0, FLAG_BOOL, "debug logging"},
    {"systemd-cgroup", 0, FLAG_BOOL, "accepted for compatibility"},
    {"criu", 0, FLAG_VALUE, "accepted, unused"},
    {"rootless", 0, FLAG_VALUE, "accepted, unused"},
    {"version", 'v', FLAG_BOOL, "print the version"},
    {"help", 'h', FLAG_BOOL, "show help"},
    {NULL, 0, 0, NULL},
};

static const struct cli_command global_cmd = {.name = "", .flags = global_flags, .max_pos = -1};

static int flag_lookup(const struct cli_flag *flags, const char *name, size_t len, char short_name)
{
        for (int i = 0; flags && flags[i].name; i++) {
                if (short_name) {
                        if (flags[i].short_name == short_name)
                                return i;
                } else if (strlen(flags[i].name) == len && !strncmp(flags[i].name, name, len)) {
                        return i;
                }
        }
        return -1;
}

static int store(struct cli_args *a, int idx, const char *value, struct berth_error *err)
{
        const struct cli_flag *f = &a->cmd->flags[idx];
        if (idx >= CLI_MAX_FLAGS)
                return berth_error_set(err, E2BIG, "--%s: too many flags in the table", f->name);
        a->set[idx] = true;
        if (f->kind == FLAG_VALUE) {
                a->value[idx] = value;
        } else if (f->kind == FLAG_MULTI) {
                if (a->n_multi[idx] >= CLI_MAX_MULTI)
                        return berth_error_set(err, E2BIG, "--%s given too often", f->name);
                a->multi[idx][a->n_multi[idx]++] = (char *)value;
        }
        return 0;
}

/* Parse argv[*i..] as flags of cmd until the first positional argument (global flags)
 * or to the end (command flags; positionals collected). */
static int parse_flags(int argc, char **argv, int *i, struct cli_args *a, bool stop_at_pos,
                       struct berth_error *err)
{
        const struct cli_flag *flags = a->cmd->flags;
        bool no_more = false;
        for (; *i < argc; (*i)++) {
                char *arg = argv[*i];
                if (!stop_at_pos && a->cmd->flags_until > 0 && a->n_pos >= a->cmd->flags_until)
                        no_more = true;
                if (no_more || arg[0] != '-' || arg[1] == 0) {
                        if (stop_at_pos)
                                return 0;
                        a->pos[a->n_pos++] = arg;
                        continue;
                }
                if (!strcmp(arg, "--")) {
                        if (stop_at_pos) {
                                (*i)++;
                                return 0;
                        }
                        no_more = true;
                        continue;
                }
                const char *name = arg + 1 + (arg[1] == '-');
                const char *eq = strchr(name, '=');
                size_t len = eq ? (size_t)(eq - name) : strlen(name);
                int idx = flag_lookup(flags, name, len, 0);
                const char *inline_value = eq ? eq + 1 : NULL;
                if (idx < 0 && arg[1] != '-') {
                        /* -x, -xvalue */
                        idx = flag_lookup(flags, NULL, 0, arg[1]);
                        inline_value = arg[2] ? arg + 2 : NULL;
                }
                if (idx < 0 && (!strcmp(arg, "-h") || !strcmp(arg, "--help"))) {
                        a->help = true;
                        continue;
                }
                if (idx < 0)
                        return berth_error_set(err, EINVAL, "unknown flag '%s'%s%s", arg,
                                               a->cmd->name[0] ? " for " : "", a->cmd->name);
                const struct cli_flag *f = &flags[idx];
                if (f->kind == FLAG_BOOL) {
                        if (inline_value && !berth_streq(inline_value, "true") &&
                            !berth_streq(inline_value, "false"))
                                return berth_error_set(err, EINVAL, "--%s takes no value", f->name);
                        if (berth_streq(inline_value, "false"))
                                continue;
                        store(a, idx, NULL, err);
                        continue;
                }
                if (!inline_value) {
                        if (*i + 1 >= argc)
                                return berth_error_set(err, EINVAL, "--%s needs a value", f->name);
                        inline_value = argv[++(*i)];
                }
                int r = store(a, idx, inline_value, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void usage_global(FILE *out)
{
        fprintf(out, "usage: berth-runtime [global flags] COMMAND [flags] [args]\n\n"
                     "An OCI runtime with runc's command line.\n\nCommands:\n");
        for (const struct cli_command *c = cli_commands; c->name; c++)
                fprintf(out, "  %-10s %s\n", c->name, c->summary);
        fprintf(out, "\nGlobal flags:\n");
        for (const struct cli_flag *f = global_flags; f->name; f++)
                fprintf(out, "  --%-16s %s\n", f->name, f->help);
}

static void usage_command(const struct cli_command *c)
{
        printf("usage: berth-runtime %s %s\n\n%s\n", c->name, c->usage, c->summary);
        if (c->flags && c->flags[0].name)
                printf("\nFlags:\n");
        for (const struct cli_flag *f = c->flags; f && f->name; f++) {
                char s[8] = "";
                if (f->short_name)
                        snprintf(s, sizeof(s), "-%c, ", f->short_name);
                printf("  %4s--%-20s %s\n", s, f->name, f->help);
        }
}

static bool log_to_file;

static int report(struct berth_error *err)
{
        const char *msg = err->code || err->msg[0] ? err->msg : "unknown error";
        fprintf(stderr, "berth-runtime: %s\n", msg);
        if (log_to_file)
                berth_log(BERTH_LOG_ERROR, "%s", msg);
        return 1;
}

static int setup_log(const struct cli_global *g, struct berth_error *err)
{
        enum berth_log_format fmt = BERTH_LOG_TEXT;
        if (g->log_format) {
                if (berth_streq(g->log_format, "json"))
                        fmt = BERTH_LOG_JSON;
                else if (!berth_streq(g->log_format, "text"))
                        return berth_error_set(err, EINVAL,
                                               "--log-format: expected text or json, got '%s'",
                                               g->log_format);
        }
        enum berth_log_level lvl = g->debug ? BERTH_LOG_DEBUG : BERTH_LOG_WARN;
        if (!g->log) {
                /* Errors are printed by report(); the log gets warnings and debug. */
                berth_log_setup(2, fmt, g->debug ? BERTH_LOG_DEBUG : BERTH_LOG_WARN);
                return 0;
        }
        int fd = open(g->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0)
                return berth_error_errno(err, "--log '%s'", g->log);
        berth_log_setup(fd, fmt, lvl);
        log_to_file = true;
        return 0;
}

static bool needs_sealed_exe(const char *cmd)
{
        return berth_streq(cmd, "create") || berth_streq(cmd, "run") || berth_streq(cmd, "exec");
}

int main(int argc, char **argv)
{
        struct berth_error err = {0};
        static struct cli_args ga, ca;
        char *gpos[1];
        ga.cmd = &global_cmd;
        ga.pos = gpos;
        int i = 1;
        if (parse_flags(argc, argv, &i, &ga, true, &err) < 0)
                return report(&err);
        struct cli_global g = {
            .root = cli_get(&ga, "root"),
            .log = cli_get(&ga, "log"),
            .log_format = cli_get(&ga, "log-format"),
            .debug = cli_has(&ga, "debug"),
            .systemd_cgroup = cli_has(&ga, "systemd-cgroup"),
            .argv = argv,
        };
        /* Unprivileged callers get a root of their own, as runc ($XDG_RUNTIME_DIR). */
        static char user_root[4096];
        const char *xdg = getenv("XDG_RUNTIME_DIR");
        if (!g.root && geteuid() != 0 && xdg && xdg[0] == '/') {
                snprintf(user_root, sizeof(user_root), "%s/berth-runtime", xdg);
                g.root = user_root;
        }
        if (setup_log(&g, &err) < 0)
                return report(&err);
        if (cli_has(&ga, "version")) {
                printf("berth-runtime version %s\nspec: 1.2.0\n", BERTH_VERSION);
                return 0;
        }
        if (i >= argc || cli_has(&ga, "help")) {
                usage_global(i >= argc && !cli_has(&ga, "help") ? stderr : stdout);
                return i >= argc && !cli_has(&ga, "help") ? 1 : 0;
        }
        const char *name = argv[i++];
        const struct cli_command *cmd = NULL;
        for (const struct cli_command *c = cli_commands; c->name; c++)
                if (berth_streq(c->name, name))
                        cmd = c;
        if (!cmd) {
                berth_error_set(&err, EINVAL, "unknown command '%s'", name);
                return report(&err);
        }
        ca.cmd = cmd;
        ca.pos = calloc((size_t)argc + 1, sizeof(char *));
        if (!ca.pos)
                return 1;
        if (parse_flags(argc, argv, &i, &ca, false, &err) < 0)
                return report(&err);
        if (ca.help) {
                usage_command(cmd);
                return 0;
        }
        if (ca.n_pos < cmd->min_pos || (cmd->max_pos >= 0 && ca.n_pos > cmd->max_pos)) {
                berth_error_set(&err, EINVAL, "%s: wrong number of arguments; usage: %s %s",
                                cmd->name, cmd->name, cmd->usage);
                return report(&err);
        }
        if (needs_sealed_exe(cmd->name) && berth_selfexe_ensure_sealed(argv, &err) < 0)
                return report(&err);
        berth_log_debug("%s: start (root %s)", cmd->name,
                        g.root ? g.root : BERTH_RUNTIME_DEFAULT_ROOT);
        int r = cmd->handler(&g, &ca, &err);
        if (r < 0)
                return report(&err);
        berth_log_debug("%s: done, exit status %d", cmd->name, r);
        return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* berth-runtime's commands: the table and the handlers (thin: the work is in
 * runtime/container.h). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/json.h"
#include "basic/strutil.h"
#include "cli/runtime/cli.h"
#include "cli/runtime/cli_internal.h"
#include "runtime/container.h"
#include "basic/banned.h"

const char *cli_get(const struct cli_args *a, const char *name)
{
        for (int i = 0; a->cmd->flags && a->cmd->flags[i].name; i++)
                if (!strcmp(a->cmd->flags[i].name, name))
                        return a->set[i] ? a->value[i] : NULL;
        return NULL;
}

bool cli_has(const struct cli_args *a, const char *name)
{
        for (int i = 0; a->cmd->flags && a->cmd->flags[i].name; i++)
                if (!strcmp(a->cmd->flags[i].name, name))
                        return a->set[i];
        return false;
}

char **cli_get_multi(struct cli_args *a, const char *name)
{
        for (int i = 0; a->cmd->flags && a->cmd->flags[i].name; i++)
                if (!strcmp(a->cmd->flags[i].name, name))
                        return a->n_multi[i] ? a->multi[i] : NULL;
        return NULL;
}

int cli_parse_preserve_fds(const struct cli_args *a, unsigned *out, struct berth_error *err)
{
        const char *v = cli_get(a, "preserve-fds");
        *out = 0;
        if (!v)
                return 0;
        int n;
        if (berth_parse_int(v, 0, 4096, &n) < 0)
                return berth_error_set(err, EINVAL, "--preserve-fds: expected a count, got '%s'",
                                       v);
        *out = (unsigned)n;
        return 0;
}

static int fill_create_opts(const struct cli_global *g, struct cli_args *a,
                            struct berth_create_opts *o, struct berth_error *err)
{
        *o = (struct berth_create_opts){
            .root = g->root,
            .id = a->pos[0],
            .bundle = cli_get(a, "bundle"),
            .console_socket = cli_get(a, "console-socket"),
            .pid_file = cli_get(a, "pid-file"),
            .no_pivot = cli_has(a, "no-pivot"),
            .no_new_keyring = cli_has(a, "no-new-keyring"),
            .detach = cli_has(a, "detach"),
            .keep = cli_has(a, "keep"),
        };
        return cli_parse_preserve_fds(a, &o->preserve_fds, err);
}

static void warn(const struct berth_error *w)
{
        if (w->code || w->msg[0]) {
                fprintf(stderr, "berth-runtime: warning: %s\n", w->msg);
        }
}

static int cmd_create(const struct cli_global *g, struct cli_args *a, struct berth_error *err)
{
        struct berth_create_opts o;
        int r = fill_create_opts(g, a, &o, err);
        if (r < 0)
                return r;
        o.detach = true;
        return berth_container_create(&o, NULL, err);
}

static int cmd_start(const struct cli_global *g, struct cli_args *a, struct berth_error *err)
{
        struct berth_error w = {0};
        int r = berth_container_start(g->root, a->pos[0], &w, err);
        warn(&w);
        return r;
}

static int cmd_run(const struct cli_global *g, struct cli_args *a, struct berth_error *err)
{
        struct berth_create_opts o;
        int r = fill_create_opts(g, a, &o, err);
        if (r < 0)
                return r;
        struct berth_run_result res;
        r = berth_container_run(&o, &res, err);
        warn(&res.warning);
        if (r < 0)
                return r;
        if (err->code) {
                /* The executable could not be run: 127/126 with the reason. */
                fprintf(stderr, "berth-runtime: %s\n", err->msg);
        }
        return o.detach && !err->code ? 0 : res.exit_status;
}

static int print_json(json_t *j, bool pretty)
{
        _cleanup_free_ char *s = berth_json_dump(j, pretty);
        if (!s)
                return -ENOMEM;
        printf("%s\n", s);
        return 0;
}

static int cmd_state(const struct cli_global *g, struct cli_args *a, struct berth_error *err)
{
        _cleanup_json_ json_t *o = NULL;
        int r = berth_container_state(g->root, a->pos[0], &o, err);
        if (r < 0)
                return r;
        return print_json(o, true);
}

static int cmd_kill(const struct cli_global *g, struct cli_args *a, struct berth_error *err)
{
        int sig = SIGTERM;
        if (a->n_pos > 1) {
                int r = cli_parse_signal(a->pos[1], &sig, err);
                if (r < 0)
                        return r;
        }
        return berth_container_kill(g->root, a->pos[0], sig, cli_has(a, "all"), err);
}

static int cmd_delete(const struct cli_global *g, struct cli_args *a, struct berth_error *err)
{
        for (int i = 0; i < a->n_pos; i++) {
                struct berth_error w = {0};
                int r = berth_container_delete(g->root, a->pos[i], cli_has(a, "force"), &w, err);
                warn(&w);
                /* runc: deleting a missing container with --force is not an error. */
                if (r == -ENOENT && cli_has(a, "force")) {
                        berth_error_clear(err);
                        continue;
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static int cmd_list(const struct cli_global *g, struct cli_args *a, struct berth_error *err)
{
        _cleanup_json_ json_t *arr = NULL;
        int r = berth_container_list(g->root, &arr, err);
        if (r < 0)
                return r;
        const char *fmt = cli_get(a, "format");
        if (cli_has(a, "quiet")) {
                size_t i;
                json_t *o;
                json_array_foreach (arr, i, o)
                        printf("%s\n", json_string_value(json_object_get(o, "id")));
                return 0;
        }
        if (fmt && berth_streq(fmt, "json"))
                return print_json(arr, false);
        if (fmt && !berth_streq(fmt, "table"))
                return berth_error_set(err, EINVAL, "--format: expected table or json, got '%s'",
                                       fmt);
        return cli_print_list_table(arr);
}

static int cmd_ps(const struct cli_global *g, struct cli_args *a, struct berth_error *err)
{
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r = berth_container_pids(g->root, a->pos[0], &pids, &n, err);
        if (r < 0)
                return r;
        const char *fmt = cli_get(a, "format");
        if (fmt && berth_streq(fmt, "json")) {
                _cleanup_json_ json_t *arr = json_array();
                for (size_t i = 0; i < n; i++)
                        json_array_append_new(arr, json_integer(pids[i]));
                return print_json(arr, false);
        }
        if (fmt && !berth_streq(fmt, "table"))
                return berth_error_set(err, EINVAL, "--format: expected table or json, got '%s'",
                                       fmt);
        int skip = a->n_pos > 1 && !strcmp(a->pos[1], "--"); /* ps ID -- -o pid,cmd */
        return cli_print_ps_table(pids, n, a->pos + 1 + skip, a->n_pos - 1 - skip, err);
}

static int cmd_pause(const struct cli_global *g, struct cli_args *a, struct berth_error *err)
{
        return berth_container_pause(g->root, a->pos[0], err);
}

static int cmd_resume(const struct cli_global *g, struct cli_args *a, struct berth_error *err)
{
        return berth_container_resume(g->root, a->pos[0], err);
}

static int cmd_spec(const struct cli_global *g, struct cli_args *a, struct berth_error *err)
{
        const char *bundle = cli_get(a, "bundle");
        _cleanup_free_ char *json = NULL;
        int r = berth_spec_default_json(cli_has(a, "rootless"), &json, err);
        if (r < 0)
                return r;
        _cleanup_close_ int dfd = open(bundle ? bundle : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return berth_error_errno(err, "bundle '%s'", bundle ? bundle : ".");
        _cleanup_close_ int fd =
            openat(dfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
                if (errno == EEXIST)
                        return berth_error_set(err, EEXIST,
                                               "config.json exists already; remove it first");
                return berth_error_errno(err, "create config.json");
        }
        size_t len = strlen(json);
        if (berth_write_all(fd, json, len) < 0 || berth_write_all(fd, "\n", 1) < 0)
                return berth_error_errno(err, "write config.json");
        return 0;
}

static int cmd_exec(const struct cli_global *g, struct cli_args *a, struct berth_error *err)
{
        struct berth_exec_opts o = {
            .root = g->root,
            .id = a->pos[0],
            /* `exec ID -- CMD ...`: the "--" is ours, not the command's */
            .args = a->n_pos > 1 ? a->pos + 1 + (a->n_pos > 2 && !strcmp(a->pos[1], "--")) : NULL,
            .cwd = cli_get(a, "cwd"),
            .env = cli_get_multi(a, "env"),
            .user = cli_get(a, "user"),
            .additional_gids = cli_get_multi(a, "additional-gids"),
            .ignore_paused = cli_has(a, "ignore-paused"),
            .caps = cli_get_multi(a, "cap"),
            .no_new_privs = cli_has(a, "no-new-privs"),
            .tty = cli_has(a, "tty"),
            .console_socket = cli_get(a, "console-socket"),
            .pid_file = cli_get(a, "pid-file"),
            .detach = cli_has(a, "detach"),
            .process_label = cli_get(a, "process-label"),
            .apparmor = cli_get(a, "apparmor"),
        };
        int r = cli_parse_preserve_fds(a, &o.preserve_fds, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *process = NULL;
        const char *pfile = cli_get(a, "process");
        if (pfile) {
                r = berth_read_file_at(AT_FDCWD, pfile, BERTH_SPEC_MAX_BYTES, &process, NULL, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "--process '%s'", pfile);
                o.process_json = process;
        } else if (!o.args) {
                return berth_error_set(err, EINVAL, "exec: give a command or --process");
        }
        int status = 0;
        r = berth_container_exec(&o, NULL, &status, err);
        if (r < 0)
                return r;
        if (err->code) {
                fprintf(stderr, "berth-runtime: %s\n", err->msg);
                return status;
        }
        return o.detach ? 0 : status;
}

static int cmd_events(const struct cli_global *g, struct cli_args *a, struct berth_error *err)
{
        long interval_ms = 5000;
        const char *iv = cli_get(a, "interval");
        if (iv && cli_parse_duration_ms(iv, &interval_ms) < 0)
                return berth_error_set(err, EINVAL, "--interval: expected a duration, got '%s'",
                                       iv);
        const char *id = a->pos[0];
        bool oom_seen = false;
        for (;;) {
                bool oom = false;
                if (!oom_seen && !cli_has(a, "stats") &&
                    berth_container_oom_killed(g->root, id, &oom, NULL) == 0 && oom) {
                        oom_seen = true;
                        printf("{\"type\":\"oom\",\"id\":\"%s\"}\n", id);
                }
                _cleanup_json_ json_t *data = NULL;
                int r = berth_container_stats(g->root, id, &data, err);
                if (r < 0)
                        return r;
                _cleanup_json_ json_t *ev =
                    json_pack("{s:s,s:s,s:O}", "type", "stats", "id", id, "data", data);
                print_json(ev, false);
                fflush(stdout);
                if (cli_has(a, "stats"))
                        return 0;
                struct timespec ts = {interval_ms / 1000, (interval_ms % 1000) * 1000000};
                nanosleep(&ts, NULL);
                _cleanup_free_ char *status = NULL;
                if (berth_container_status(g->root, id, &status, NULL) < 0 ||
                    berth_streq(status, "stopped"))
                        return 0;
        }
}

static int cmd_features(const struct cli_global *g, struct cli_args *a, struct berth_error *err)
{
        _cleanup_json_ json_t *f = cli_features_json();
        if (!f)
                return berth_error_set(err, ENOMEM, "out of memory");
        return print_json(f, true);
}

static const struct cli_flag create_flags[] = {
    {"bundle", 'b', FLAG_VALUE, "bundle directory (default: current directory)"},
    {"console-socket", 0, FLAG_VALUE, "unix socket that receives the pty master"},
    {"pid-file", 0, FLAG_VALUE, "write the init's pid to this file"},
    {"no-pivot", 0, FLAG_BOOL, "do not use pivot_root"},
    {"no-new-keyring", 0, FLAG_BOOL, "accepted (no session keyring is created)"},
    {"preserve-fds", 0, FLAG_VALUE, "pass N extra fds (3..3+N-1)"},
    {NULL, 0, 0, NULL},
};

static const struct cli_flag run_flags[] = {
    {"bundle", 'b', FLAG_VALUE, "bundle directory (default: current directory)"},
    {"console-socket", 0, FLAG_VALUE, "unix socket that receives the pty master"},
    {"pid-file", 0, FLAG_VALUE, "write the init's pid to this file"},
    {"no-pivot", 0, FLAG_BOOL, "do not use pivot_root"},
    {"no-new-keyring", 0, FLAG_BOOL, "accepted (no session keyring is created)"},
    {"preserve-fds", 0, FLAG_VALUE, "pass N extra fds (3..3+N-1)"},
    {"detach", 'd', FLAG_BOOL, "return once the container has started"},
    {"keep", 0, FLAG_BOOL, "keep the container's state after it exits"},
    {NULL, 0, 0, NULL},
};

static const struct cli_flag kill_flags[] = {
    {"all", 'a', FLAG_BOOL, "signal every process of the container"},
    {NULL, 0, 0, NULL},
};

static const struct cli_flag delete_flags[] = {
    {"force", 'f', FLAG_BOOL, "kill a running container first"},
    {NULL, 0, 0, NULL},
};

static const struct cli_flag list_flags[] = {
    {"format", 'f', FLAG_VALUE, "table or json"},
    {"quiet", 'q', FLAG_BOOL, "only ids"},
    {NULL, 0, 0, NULL},
};

static const struct cli_flag ps_flags[] = {
    {"format", 'f', FLAG_VALUE, "table or json"},
    {NULL, 0, 0, NULL},
};

static const struct cli_flag exec_flags[] = {
    {"process", 'p', FLAG_VALUE, "process.json to run"},
    {"console-socket", 0, FLAG_VALUE, "unix socket that receives the pty master"},
    {"cwd", 0, FLAG_VALUE, "working directory"},
    {"env", 'e', FLAG_MULTI, "NAME=value to add (repeatable)"},
    {"tty", 't', FLAG_BOOL, "allocate a pty"},
    {"user", 'u', FLAG_VALUE, "uid[:gid]"},
    {"additional-gids", 'g', FLAG_MULTI, "additional gid (repeatable, or a comma list)"},
    {"cap", 'c', FLAG_MULTI, "add a capability (repeatable)"},
    {"no-new-privs", 0, FLAG_BOOL, "set no_new_privileges"},
    {"pid-file", 0, FLAG_VALUE, "write the process's pid to this file"},
    {"detach", 'd', FLAG_BOOL, "do not wait for the process"},
    {"preserve-fds", 0, FLAG_VALUE, "pass N extra fds (3..3+N-1)"},
    {"process-label", 0, FLAG_VALUE, "SELinux label"},
    {"apparmor", 0, FLAG_VALUE, "AppArmor profile"},
    {"ignore-paused", 0, FLAG_BOOL, "allow exec in a paused container"},
    {NULL, 0, 0, NULL},
};

static const struct cli_flag events_flags[] = {
    {"stats", 0, FLAG_BOOL, "print one stats event and exit"},
    {"interval", 0, FLAG_VALUE, "time between stats (default 5s)"},
    {NULL, 0, 0, NULL},
};

static const struct cli_flag spec_flags[] = {
    {"bundle", 'b', FLAG_VALUE, "where to write config.json"},
    {"rootless", 0, FLAG_BOOL, "a config for an unprivileged user"},
    {NULL, 0, 0, NULL},
};

static const struct cli_flag no_flags[] = {{NULL, 0, 0, NULL}};

const struct cli_command cli_commands[] = {
    {"create", cmd_create, "[flags] ID", "create a container", create_flags, 1, 1, 0},
    {"start", cmd_start, "ID", "start a created container", no_flags, 1, 1, 0},
    {"run", cmd_run, "[flags] ID", "create and start a container", run_flags, 1, 1, 0},
    {"state", cmd_state, "ID", "print the state of a container", no_flags, 1, 1, 0},
    {"kill", cmd_kill, "[--all] ID [SIGNAL]", "send a signal", kill_flags, 1, 2, 0},
    {"delete", cmd_delete, "[--force] ID...", "delete containers", delete_flags, 1, -1, 0},
    {"list", cmd_list, "[flags]", "list containers", list_flags, 0, 0, 0},
    {"ps", cmd_ps, "[--format table|json] ID [ps args]", "processes of a container", ps_flags, 1,
     -1, 1},
    {"exec", cmd_exec, "[flags] ID [COMMAND [ARG...]]", "run a process in a container", exec_flags,
     1, -1, 1},
    {"pause", cmd_pause, "ID", "freeze every process of a container", no_flags, 1, 1, 0},
    {"resume", cmd_resume, "ID", "thaw a paused container", no_flags, 1, 1, 0},
    {"update", cli_cmd_update, "[flags] ID", "change resource limits", cli_update_flags, 1, 1, 0},
    {"events", cmd_events, "[--stats] [--interval D] ID", "print container statistics",
     events_flags, 1, 1, 0},
    {"features", cmd_features, "", "print what this runtime supports (JSON)", no_flags, 0, 0, 0},
    {"spec", cmd_spec, "[--bundle DIR] [--rootless]", "write a default config.json", spec_flags, 0,
     0, 0},
    {NULL, NULL, NULL, NULL, NULL, 0, 0, 0},
};

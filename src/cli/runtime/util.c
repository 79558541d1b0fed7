/* SPDX-License-Identifier: Apache-2.0 */
/* Signal names, durations, and the list/ps tables of berth-runtime. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/strutil.h"
#include "cli/runtime/cli_internal.h"
#include "basic/banned.h"

int cli_parse_signal(const char *s, int *sig, struct berth_error *err)
{
        int n;
        if (berth_parse_int(s, 1, NSIG - 1, &n) == 0) {
                *sig = n;
                return 0;
        }
        const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
        for (int i = 1; i < NSIG; i++) {
                const char *abbrev = sigabbrev_np(i);
                if (abbrev && strcasecmp(abbrev, name) == 0) {
                        *sig = i;
                        return 0;
                }
        }
        if (strncasecmp(name, "RTMIN+", 6) == 0 &&
            berth_parse_int(name + 6, 0, SIGRTMAX - SIGRTMIN, &n) == 0) {
                *sig = SIGRTMIN + n;
                return 0;
        }
        return berth_error_set(err, EINVAL, "unknown signal '%s'", s);
}

int cli_parse_duration_ms(const char *s, long *ms)
{
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (errno || end == s || v < 0)
                return -EINVAL;
        double mult;
        if (!*end || !strcmp(end, "s"))
                mult = 1000;
        else if (!strcmp(end, "ms"))
                mult = 1;
        else if (!strcmp(end, "m"))
                mult = 60000;
        else if (!strcmp(end, "h"))
                mult = 3600000;
        else
                return -EINVAL;
        double r = v * mult;
        if (r < 1 || r > 86400000.0)
                return -EINVAL;
        *ms = (long)r;
        return 0;
}

static const char *col(json_t *o, const char *k)
{
        const char *v = json_string_value(json_object_get(o, k));
        return v ? v : "";
}

int cli_print_list_table(json_t *states)
{
        static const char *const hdr[] = {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"};
        size_t w[6];
        for (int c = 0; c < 6; c++)
                w[c] = strlen(hdr[c]);
        size_t i;
        json_t *o;
        char pid[24];
        json_array_foreach (states, i, o) {
                snprintf(pid, sizeof(pid), "%lld",
                         (long long)json_integer_value(json_object_get(o, "pid")));
                const char *v[6] = {col(o, "id"),      pid,
                                    col(o, "status"),  col(o, "bundle"),
                                    col(o, "created"), col(o, "owner")};
                for (int c = 0; c < 6; c++)
                        if (strlen(v[c]) > w[c])
                                w[c] = strlen(v[c]);
        }
        printf("%-*s   %-*s   %-*s   %-*s   %-*s   %s\n", (int)w[0], hdr[0], (int)w[1], hdr[1],
               (int)w[2], hdr[2], (int)w[3], hdr[3], (int)w[4], hdr[4], hdr[5]);
        json_array_foreach (states, i, o) {
                snprintf(pid, sizeof(pid), "%lld",
                         (long long)json_integer_value(json_object_get(o, "pid")));
                printf("%-*s   %-*s   %-*s   %-*s   %-*s   %s\n", (int)w[0], col(o, "id"),
                       (int)w[1], pid, (int)w[2], col(o, "status"), (int)w[3], col(o, "bundle"),
                       (int)w[4], col(o, "created"), col(o, "owner"));
        }
        return 0;
}

/* Column of "PID" in a ps header line (whitespace separated), or -1. */
static int pid_column(const char *line)
{
        int c = 0;
        const char *p = line;
        while (*p) {
                while (*p == ' ' || *p == '\t')
                        p++;
                if (!*p)
                        break;
                const char *s = p;
                while (*p && *p != ' ' && *p != '\t')
                        p++;
                if (p - s == 3 && !strncmp(s, "PID", 3))
                        return c;
                c++;
        }
        return -1;
}

static long field_as_long(const char *line, int col_idx)
{
        const char *p = line;
        for (int c = 0; *p; c++) {
                while (*p == ' ' || *p == '\t')
                        p++;
                if (c == col_idx)
                        return strtol(p, NULL, 10);
                while (*p && *p != ' ' && *p != '\t')
                        p++;
        }
        return -1;
}

int cli_print_ps_table(const pid_t *pids, size_t n, char **extra_args, int n_extra,
                       struct berth_error *err)
{
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return berth_error_errno(err, "pipe");
        pid_t child = fork();
        if (child < 0)
                return berth_error_errno(err, "fork");
        if (child == 0) {
                dup2(pfd[1], 1);
                char *argv[CLI_MAX_MULTI + 2] = {(char *)"ps"};
                int k = 1;
                if (n_extra == 0)
                        argv[k++] = (char *)"-ef";
                for (int j = 0; j < n_extra && k < CLI_MAX_MULTI; j++)
                        argv[k++] = extra_args[j];
                argv[k] = NULL;
                execvp("ps", argv);
                _exit(127);
        }
        close(pfd[1]);
        _cleanup_free_ char *out = NULL;
        int r = berth_read_fd(pfd[0], 64u << 20, &out, NULL, err);
        close(pfd[0]);
        int st = 0;
        waitpid(child, &st, 0);
        if (r < 0)
                return r;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                return berth_error_set(err, EIO, "ps failed (status %d)", WEXITSTATUS(st));
        char *save = NULL;
        char *line = strtok_r(out, "\n", &save);
        if (!line)
                return 0;
        int pc = pid_column(line);
        if (pc < 0)
                return berth_error_set(err, EIO, "ps output has no PID column");
        printf("%s\n", line);
        while ((line = strtok_r(NULL, "\n", &save))) {
                long p = field_as_long(line, pc);
                for (size_t i = 0; i < n; i++)
                        if (pids[i] == p) {
                                printf("%s\n", line);
                                break;
                        }
        }
        return 0;
}

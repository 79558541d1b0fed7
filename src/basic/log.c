/* SPDX-License-Identifier: Apache-2.0 */
#include "basic/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "basic/fileutil.h"
#include "basic/banned.h"

static int log_fd = 2;
static enum berth_log_format log_fmt = BERTH_LOG_TEXT;
static enum berth_log_level log_max = BERTH_LOG_WARN;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void berth_log_setup(int fd, enum berth_log_format fmt, enum berth_log_level max)
{
        log_fd = fd;
        log_fmt = fmt;
        log_max = max;
}

bool berth_log_enabled(enum berth_log_level lvl)
{
        return lvl <= log_max;
}

void berth_log(enum berth_log_level lvl, const char *fmt, ...)
{
        if (!berth_log_enabled(lvl) || log_fd < 0)
                return;
        char msg[2048];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);

        char ts[64];
        struct timespec now;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);

        char *line = NULL;
        if (log_fmt == BERTH_LOG_JSON) {
                json_t *o =
                    json_pack("{s:s,s:s,s:s}", "level", level_names[lvl], "msg", msg, "time", ts);
                char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
                json_decref(o);
                if (s && asprintf(&line, "%s\n", s) < 0)
                        line = NULL;
                free(s);
        } else if (asprintf(&line, "time=\"%s\" level=%s msg=\"%s\"\n", ts, level_names[lvl], msg) <
                   0) {
                line = NULL;
        }
        if (line)
                (void)berth_write_all(log_fd, line, strlen(line));
        free(line);
}

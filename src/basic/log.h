/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Process-wide diagnostic log, configured by the front end (CLI, monitor) once at start.
 * Library code may call berth_log_debug() for tracing; errors travel in struct berth_error
 * and are reported by the front end, not logged by the library.
 *   text:  time="2026-11-25T16:00:00Z" level=error msg="..."
 *   json:  {"level":"error","msg":"...","time":"..."}     (runc's --log-format json)
 */
#pragma once

#include <stdbool.h>

enum berth_log_level { BERTH_LOG_ERROR, BERTH_LOG_WARN, BERTH_LOG_INFO, BERTH_LOG_DEBUG };
enum berth_log_format { BERTH_LOG_TEXT, BERTH_LOG_JSON };

/* fd to write to (default 2); the caller keeps ownership. */
void berth_log_setup(int fd, enum berth_log_format fmt, enum berth_log_level max);
bool berth_log_enabled(enum berth_log_level lvl);
void berth_log(enum berth_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define berth_log_debug(...)                                                                       \
        do {                                                                                       \
                if (berth_log_enabled(BERTH_LOG_DEBUG))                                            \
                        berth_log(BERTH_LOG_DEBUG, __VA_ARGS__);                                   \
        } while (0)

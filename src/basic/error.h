/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth's one error model.
 *
 * A function that can fail returns a negative errno-style int (-EINVAL, ...) and, when the
 * caller passed a non-NULL `struct berth_error *`, fills it with the errno and a message.
 * Callers that add context on the way up use berth_error_prefix().  Library code never
 * prints and never exits: the CLI, the API and the monitor decide how to report.
 *
 * Usage:
 *     int r = do_thing(err);
 *     if (r < 0)
 *             return berth_error_prefix(err, r, "load config '%s'", path);
 */
#pragma once

#include <errno.h>
#include <stdarg.h>

#define BERTH_ERROR_MSG_MAX 1024

struct berth_error {
        int code;                      /* positive errno value, 0 when no error */
        char msg[BERTH_ERROR_MSG_MAX]; /* human readable, no trailing newline */
};

/* Fill *err (if non-NULL) and return -code.  `code` is a positive errno. */
int berth_error_set(struct berth_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like berth_error_set, and appends ": strerror(code)". */
int berth_error_setsys(struct berth_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepend "context: " to the existing message (err may be NULL); returns r unchanged, so
 * `return berth_error_prefix(err, r, "...")` passes the original error code up. */
int berth_error_prefix(struct berth_error *err, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void berth_error_clear(struct berth_error *err);

/* Convenience: set from errno at the call site. */
#define berth_error_errno(err, ...) berth_error_setsys((err), errno, __VA_ARGS__)

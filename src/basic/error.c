/* SPDX-License-Identifier: Apache-2.0 */
#include "basic/error.h"

#include <stdio.h>
#include <string.h>

#include "basic/banned.h"

static int vset(struct berth_error *err, int code, int with_strerror, const char *fmt, va_list ap)
{
        if (code <= 0)
                code = EIO;
        if (!err)
                return -code;
        err->code = code;
        int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        if (with_strerror && n >= 0 && (size_t)n < sizeof(err->msg))
                snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", strerror(code));
        return -code;
}

int berth_error_set(struct berth_error *err, int code, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = vset(err, code, 0, fmt, ap);
        va_end(ap);
        return r;
}

int berth_error_setsys(struct berth_error *err, int code, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = vset(err, code, 1, fmt, ap);
        va_end(ap);
        return r;
}

int berth_error_prefix(struct berth_error *err, int r, const char *fmt, ...)
{
        if (!err)
                return r;
        if (err->code <= 0)
                err->code = r < 0 ? -r : EIO;
        char prefix[BERTH_ERROR_MSG_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(prefix, sizeof(prefix), fmt, ap);
        va_end(ap);
        char old[BERTH_ERROR_MSG_MAX];
        memcpy(old, err->msg, sizeof(old));
        old[sizeof(old) - 1] = '\0';
        snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
        return r;
}

void berth_error_clear(struct berth_error *err)
{
        if (!err)
                return;
        err->code = 0;
        err->msg[0] = '\0';
}

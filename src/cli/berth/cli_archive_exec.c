/* SPDX-License-Identifier: Apache-2.0 */
/* In `berth`: the archive verbs run in the berth-archive helper (see image_archive_verbs.c). */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "cli/berth/cli.h"
#include "cli/berth/verbs.h"
#include "basic/banned.h"

#ifndef BERTH_LIBEXECDIR
#define BERTH_LIBEXECDIR "/usr/local/libexec/berth"
#endif
#define HELPER "berth-archive"

/* The helper next to this binary (a build directory, or an install with both in one
 * place), else in BERTH_LIBEXECDIR. */
static int helper_path(char *buf, size_t len)
{
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n > 0) {
                self[n] = '\0';
                char *slash = strrchr(self, '/');
                if (slash) {
                        *slash = '\0';
                        if (snprintf(buf, len, "%s/%s", self, HELPER) < (int)len &&
                            access(buf, X_OK) == 0)
                                return 0;
                }
        }
        if (snprintf(buf, len, "%s/%s", BERTH_LIBEXECDIR, HELPER) >= (int)len)
                return -ENAMETOOLONG;
        return 0;
}

int berth_cli_archive_run(struct berth_cli *cli, const struct berth_cli_args *a,
                          struct berth_error *err)
{
        char path[PATH_MAX];
        (void)a;
        int r = helper_path(path, sizeof(path));
        if (r < 0)
                return berth_error_set(err, -r, "archive helper path too long");
        fflush(NULL);
        cli->argv[0] = path;
        execv(path, cli->argv);
        return berth_error_errno(err, "run the archive helper '%s'", path);
}

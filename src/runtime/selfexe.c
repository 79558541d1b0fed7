/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CVE-2019-5736: a process entering a container must not be the host's runtime binary,
 * or the container could open /proc/PID/exe and overwrite it.  We re-execute from a
 * sealed memfd copy (write, grow, shrink and further seals forbidden), unless
 * /proc/self/exe already is such a memfd.  The seals are what we check, not an
 * environment variable.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "runtime/container.h"
#include "basic/banned.h"

#define WANTED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

bool berth_selfexe_is_sealed(void)
{
        _cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        int seals = fcntl(fd, F_GET_SEALS);
        return seals >= 0 && (seals & WANTED_SEALS) == WANTED_SEALS;
}

#define LOOP_GUARD "_BERTH_RUNTIME_SEALED"

int berth_selfexe_ensure_sealed(char **argv, struct berth_error *err)
{
        if (berth_selfexe_is_sealed()) {
                unsetenv(LOOP_GUARD);
                return 0;
        }
        /* Only a guard against re-executing forever; the seals are the check. */
        if (getenv(LOOP_GUARD))
                return berth_error_set(err, EPERM,
                                       "re-executed, yet /proc/self/exe is not a "
                                       "sealed copy");
        _cleanup_close_ int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (src < 0)
                return berth_error_errno(err, "open /proc/self/exe");
        struct stat st;
        if (fstat(src, &st) < 0)
                return berth_error_errno(err, "stat /proc/self/exe");
        _cleanup_close_ int mfd = memfd_create("berth-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (mfd < 0)
                return berth_error_errno(err, "memfd_create");
        off_t left = st.st_size;
        while (left > 0) {
                ssize_t n = sendfile(mfd, src, NULL, (size_t)left);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return berth_error_errno(err, "copy the runtime binary");
                left -= n;
        }
        if (fcntl(mfd, F_ADD_SEALS, WANTED_SEALS) < 0)
                return berth_error_errno(err, "seal the runtime binary copy");
        extern char **environ;
        if (setenv(LOOP_GUARD, "1", 1) < 0)
                return berth_error_errno(err, "setenv");
        fexecve(mfd, argv, environ);
        unsetenv(LOOP_GUARD);
        return berth_error_errno(err, "re-execute from the sealed copy");
}

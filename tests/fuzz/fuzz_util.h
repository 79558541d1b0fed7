/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the fuzz targets that write into a sandbox directory. */
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Entries in dirfd/name other than . and .. ; -1 when it cannot be read.  The targets
 * check that a sentinel directory beside the destination stays empty. */
static inline int fuzz_count_entries(int dirfd, const char *name)
{
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -1;
        }
        int n = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        n++;
        closedir(d);
        return n;
}

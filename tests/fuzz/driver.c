/* SPDX-License-Identifier: Apache-2.0 */
/* Replay driver: runs LLVMFuzzerTestOneInput over every file in the directories (or files)
 * named on the command line.  Used when berth is built without libFuzzer so that CI runs
 * each fuzz target over its seed corpus and any saved crashers. */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fileutil.h"
#include "basic/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(int dirfd, const char *name)
{
        char *buf = NULL;
        size_t len = 0;
        if (berth_read_file_at(dirfd, name, 16u << 20, &buf, &len, NULL) < 0) {
                fprintf(stderr, "cannot read %s\n", name);
                return 1;
        }
        LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
        free(buf);
        return 0;
}

int main(int argc, char **argv)
{
        int failed = 0, ran = 0;
        for (int i = 1; i < argc; i++) {
                struct stat st;
                if (stat(argv[i], &st) < 0) {
                        perror(argv[i]);
                        return 1;
                }
                if (!S_ISDIR(st.st_mode)) {
                        failed |= run_file(AT_FDCWD, argv[i]);
                        ran++;
                        continue;
                }
                DIR *d = opendir(argv[i]);
                if (!d)
                        return 1;
                struct dirent *de;
                while ((de = readdir(d))) {
                        if (de->d_name[0] == '.')
                                continue;
                        failed |= run_file(dirfd(d), de->d_name);
                        ran++;
                }
                closedir(d);
        }
        printf("replayed %d inputs\n", ran);
        return failed || ran == 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for image archive loading: each input is loaded (format detected) into a
 * fresh store in a temporary directory.  Invariants checked:
 *   - a failure always carries a message, and leaves no image behind;
 *   - on success at least one image is reported and every one resolves in the store;
 *   - nothing appears outside the store: the directory beside it stays empty.
 * Needs root for the layer ownership (runs as-is in CI as root).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fileutil.h"
#include "fuzz_util.h"
#include "image/archive.h"
#include "image/image.h"
#include "basic/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_loaded(struct berth_image_store *s, const struct berth_load_result *res)
{
        if (!res->images || !res->images[0])
                abort();
        for (size_t i = 0; res->images[i]; i++) {
                char *id = NULL;
                if (berth_image_resolve(s, res->images[i], &id, NULL) < 0)
                        abort();
                free(id);
        }
}

static void check_empty(struct berth_image_store *s)
{
        struct berth_image_summary *v = NULL;
        size_t n = 0;
        if (berth_image_list(s, BERTH_IMAGES_ALL, &v, &n, NULL) < 0 || n != 0)
                abort();
        berth_image_list_free(v, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char dir[] = "/tmp/berth-fuzz-archive-XXXXXX";
        if (!mkdtemp(dir))
                abort();
        int top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (top < 0 || mkdirat(top, "sentinel", 0755) < 0)
                abort();
        char root[64];
        snprintf(root, sizeof(root), "%s/store", dir);
        struct berth_image_store *s = NULL;
        int in = memfd_create("fuzz-archive", MFD_CLOEXEC);
        if (berth_image_store_open(root, &s, NULL) < 0 || in < 0 ||
            berth_write_all(in, data, size) < 0 || lseek(in, 0, SEEK_SET) < 0)
                abort();
        struct berth_error err = {0};
        struct berth_load_result res = {0};
        int r = berth_image_load(s, in, BERTH_ARCHIVE_AUTO, NULL, NULL, &res, &err);
        if (r < 0 && !err.msg[0])
                abort();
        if (r < 0)
                check_empty(s);
        else
                check_loaded(s, &res);
        berth_load_result_clear(&res);
        berth_image_store_close(s);
        if (fuzz_count_entries(top, "sentinel") != 0 || fuzz_count_entries(top, ".") != 2)
                abort();
        close(in);
        close(top);
        berth_rm_rf_at(AT_FDCWD, dir);
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for layer application: each input is applied as a layer blob (plain, gzip or
 * zstd tar) to a fresh directory, in both whiteout modes.  Invariants checked:
 *   - nothing appears outside the destination (a sentinel directory beside it stays empty);
 *   - on success the digest is the sha256 of the input and its size the input's size;
 *   - a failure always carries a message.
 * Small caps keep each run fast.  Needs root for chown (runs as-is in CI as root).
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
#include "basic/sha256.h"
#include "image/layer.h"
#include "basic/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void apply_once(const uint8_t *data, size_t size, enum berth_whiteout_mode mode)
{
        char dir[] = "/tmp/berth-fuzz-layer-XXXXXX";
        if (!mkdtemp(dir))
                abort();
        int top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (top < 0 || mkdirat(top, "dest", 0755) < 0 || mkdirat(top, "sentinel", 0755) < 0)
                abort();
        int dest = openat(top, "dest", O_PATH | O_DIRECTORY | O_CLOEXEC);
        int in = memfd_create("fuzz-layer", MFD_CLOEXEC);
        if (dest < 0 || in < 0 || berth_write_all(in, data, size) < 0 || lseek(in, 0, SEEK_SET) < 0)
                abort();

        struct berth_layer_opts o;
        berth_layer_opts_init(&o);
        o.whiteout = mode;
        o.max_size = 16u << 20;
        o.max_entries = 2000;
        struct berth_layer_result res;
        struct berth_error err = {0};
        int r = berth_layer_apply(in, dest, &o, &res, &err);
        if (r < 0 && !err.msg[0])
                abort();
        if (r == 0) {
                uint8_t d[BERTH_SHA256_DIGEST_SIZE];
                char hex[BERTH_SHA256_HEX_SIZE];
                berth_sha256(data, size, d);
                berth_sha256_hex(d, hex);
                if (strcmp(res.digest + 7, hex) != 0 || res.compressed_size != size)
                        abort();
        }
        /* Nothing outside dest: the sentinel is empty and top holds only the two dirs. */
        if (fuzz_count_entries(top, "sentinel") != 0 || fuzz_count_entries(top, ".") != 2)
                abort();
        close(in);
        close(dest);
        close(top);
        berth_rm_rf_at(AT_FDCWD, dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        apply_once(data, size, BERTH_WHITEOUT_OVERLAY);
        apply_once(data, size, BERTH_WHITEOUT_APPLY);
        return 0;
}

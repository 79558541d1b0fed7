/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: config.json, process.json and resources JSON parsers.  Every input must be
 * either refused with a message or parsed into a struct that frees cleanly. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/spec.h"
#include "basic/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct berth_error err = {0};
        struct berth_spec *s = NULL;
        int r = berth_spec_parse((const char *)data, size, &s, &err);
        if (r < 0) {
                if (s || err.code <= 0 || !err.msg[0] || strchr(err.msg, '\n'))
                        abort();
        } else if (!s || !s->oci_version || !s->root_path) {
                abort();
        }
        berth_spec_free(s);

        struct berth_process p;
        r = berth_spec_parse_process((const char *)data, size, &p, NULL);
        if (r == 0) {
                if (!p.cwd || p.cwd[0] != '/')
                        abort();
                berth_process_free(&p);
        }

        struct berth_resources res;
        if (berth_spec_parse_resources((const char *)data, size, &res, NULL) == 0)
                berth_resources_free(&res);
        return 0;
}

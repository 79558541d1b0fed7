/* SPDX-License-Identifier: Apache-2.0 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/reference.h"
#include "basic/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = strndup((const char *)data, size);
        if (!s)
                return 0;
        struct berth_reference r;
        if (berth_reference_parse(s, true, &r, NULL) == 0) {
                /* What we print must parse back to the same reference. */
                char *full = berth_reference_string(&r);
                struct berth_reference again;
                if (full && berth_reference_parse(full, true, &again, NULL) == 0) {
                        char *full2 = berth_reference_string(&again);
                        if (!full2 || strcmp(full, full2) != 0)
                                abort();
                        free(full2);
                        berth_reference_clear(&again);
                } else if (full) {
                        abort();
                }
                free(full);
                berth_reference_clear(&r);
        }
        free(s);
        return 0;
}

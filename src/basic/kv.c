/* SPDX-License-Identifier: Apache-2.0 */
#include "basic/kv.h"

#include <stdlib.h>

#include "basic/banned.h"

void berth_kv_array_free(struct berth_kv *kv, size_t n)
{
        if (!kv)
                return;
        for (size_t i = 0; i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
        }
        free(kv);
}

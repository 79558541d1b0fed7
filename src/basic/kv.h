/* SPDX-License-Identifier: Apache-2.0 */
/* A key/value pair of owned strings (annotations, labels, sysctls, cgroup files...). */
#pragma once

#include <stddef.h>

struct berth_kv {
        char *key;
        char *value;
};

/* Free n pairs and the array (NULL is fine). */
void berth_kv_array_free(struct berth_kv *kv, size_t n);

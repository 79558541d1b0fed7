/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by manifest.c and manifest_config.c; not part of the API. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "basic/error.h"

void berth_manifest_raw_digest(const char *buf, size_t len, char out[72]);
int berth_manifest_copy_raw(const char *buf, size_t len, char **raw, size_t *raw_len,
                            char digest[72], struct berth_error *err);
/* Copy string field `key` of o into *out (freeing the old value); a missing or null key is
 * -EINVAL "what.key is required" when required, else leaves *out alone. */
int berth_manifest_dup_string(json_t *o, const char *key, const char *what, bool required,
                              char **out, struct berth_error *err);

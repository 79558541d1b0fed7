/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON helpers over jansson (berth's one JSON library).  Parsing is strict: duplicate keys
 * are rejected, input size is capped by the caller, and the whole input must be one value.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "basic/error.h"

static inline void berth_json_decrefp(json_t **j)
{
        if (*j)
                json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(berth_json_decrefp)))

/* Parse buf[0..len) (need not be NUL-terminated).  Rejects duplicate keys, more than
 * `max` bytes (-EFBIG) and nesting deeper than BERTH_JSON_MAX_DEPTH. */
#define BERTH_JSON_MAX_DEPTH 64
int berth_json_parse(const char *buf, size_t len, size_t max, json_t **out,
                     struct berth_error *err);

/* Typed getters.  `what` names the field for error messages ("process.args").
 * A missing key returns 0 and leaves *out untouched (callers pre-set defaults);
 * a key of the wrong type is -EINVAL with a message naming the field. */
int berth_json_get_string(json_t *obj, const char *key, const char *what, const char **out,
                          struct berth_error *err);
int berth_json_get_bool(json_t *obj, const char *key, const char *what, bool *out,
                        struct berth_error *err);
int berth_json_get_int64(json_t *obj, const char *key, const char *what, int64_t *out,
                         struct berth_error *err);
/* uint64 accepts integers 0..INT64_MAX, and -1 only when allow_minus_one (then stored as
 * UINT64_MAX). */
int berth_json_get_uint64(json_t *obj, const char *key, const char *what, uint64_t *out,
                          bool allow_minus_one, struct berth_error *err);
int berth_json_get_object(json_t *obj, const char *key, const char *what, json_t **out,
                          struct berth_error *err);
int berth_json_get_array(json_t *obj, const char *key, const char *what, json_t **out,
                         struct berth_error *err);
/* Array of strings -> malloc'ed NULL-terminated vector (NULL when key absent). */
int berth_json_get_strv(json_t *obj, const char *key, const char *what, char ***out,
                        struct berth_error *err);

/* Serialise compactly into a malloc'ed string. */
char *berth_json_dump(const json_t *j, bool pretty);

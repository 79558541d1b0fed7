/* SPDX-License-Identifier: Apache-2.0 */
#include "basic/json.h"

#include <stdlib.h>
#include <string.h>

#include "basic/cleanup.h"
#include "basic/strutil.h"
#include "basic/banned.h"

static size_t depth_of(json_t *j, size_t limit)
{
        if (limit == 0)
                return 1;
        size_t max = 0;
        if (json_is_object(j)) {
                const char *k;
                json_t *v;
                json_object_foreach (j, k, v) {
                        size_t d = depth_of(v, limit - 1);
                        if (d > max)
                                max = d;
                }
        } else if (json_is_array(j)) {
                size_t i;
                json_t *v;
                json_array_foreach (j, i, v) {
                        size_t d = depth_of(v, limit - 1);
                        if (d > max)
                                max = d;
                }
        } else {
                return 0;
        }
        return max + 1;
}

int berth_json_parse(const char *buf, size_t len, size_t max, json_t **out, struct berth_error *err)
{
        if (len > max)
                return berth_error_set(
                    err, EFBIG, "JSON document of %zu bytes exceeds the %zu byte limit", len, max);
        json_error_t je;
        json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
        if (!j) {
                /* jansson quotes the input near the error: keep the message on one line */
                for (char *c = je.text; *c; c++)
                        if ((unsigned char)*c < 0x20 || *c == 0x7f)
                                *c = ' ';
                return berth_error_set(err, EINVAL, "invalid JSON at line %d column %d: %s",
                                       je.line, je.column, je.text);
        }
        if (depth_of(j, BERTH_JSON_MAX_DEPTH + 1) > BERTH_JSON_MAX_DEPTH) {
                json_decref(j);
                return berth_error_set(err, EINVAL, "JSON nested deeper than %d levels",
                                       BERTH_JSON_MAX_DEPTH);
        }
        *out = j;
        return 0;
}

static int wrong_type(struct berth_error *err, const char *what, const char *key, const char *type)
{
        return berth_error_set(err, EINVAL, "%s%s%s must be %s", what ? what : "",
                               what && *what ? "." : "", key, type);
}

int berth_json_get_string(json_t *obj, const char *key, const char *what, const char **out,
                          struct berth_error *err)
{
        json_t *v = json_object_get(obj, key);
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return wrong_type(err, what, key, "a string");
        if (strlen(json_string_value(v)) != json_string_length(v))
                return berth_error_set(err, EINVAL, "%s.%s contains a NUL byte", what ? what : "",
                                       key);
        *out = json_string_value(v);
        return 0;
}

int berth_json_get_bool(json_t *obj, const char *key, const char *what, bool *out,
                        struct berth_error *err)
{
        json_t *v = json_object_get(obj, key);
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_boolean(v))
                return wrong_type(err, what, key, "a boolean");
        *out = json_is_true(v);
        return 0;
}

int berth_json_get_int64(json_t *obj, const char *key, const char *what, int64_t *out,
                         struct berth_error *err)
{
        json_t *v = json_object_get(obj, key);
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_integer(v))
                return wrong_type(err, what, key, "an integer");
        *out = json_integer_value(v);
        return 0;
}

int berth_json_get_uint64(json_t *obj, const char *key, const char *what, uint64_t *out,
                          bool allow_minus_one, struct berth_error *err)
{
        json_t *v = json_object_get(obj, key);
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_integer(v))
                return wrong_type(err, what, key, "an integer");
        json_int_t i = json_integer_value(v);
        if (i == -1 && allow_minus_one) {
                *out = UINT64_MAX;
                return 0;
        }
        if (i < 0)
                return wrong_type(err, what, key, "a non-negative integer");
        *out = (uint64_t)i;
        return 0;
}

int berth_json_get_object(json_t *obj, const char *key, const char *what, json_t **out,
                          struct berth_error *err)
{
        json_t *v = json_object_get(obj, key);
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_object(v))
                return wrong_type(err, what, key, "an object");
        *out = v;
        return 0;
}

int berth_json_get_array(json_t *obj, const char *key, const char *what, json_t **out,
                         struct berth_error *err)
{
        json_t *v = json_object_get(obj, key);
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_array(v))
                return wrong_type(err, what, key, "an array");
        *out = v;
        return 0;
}

int berth_json_get_strv(json_t *obj, const char *key, const char *what, char ***out,
                        struct berth_error *err)
{
        json_t *arr = NULL;
        int r = berth_json_get_array(obj, key, what, &arr, err);
        if (r < 0 || !arr)
                return r;
        size_t n = json_array_size(arr);
        _cleanup_strv_free_ char **v = calloc(n + 1, sizeof(char *));
        if (!v)
                return berth_error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
                json_t *s = json_array_get(arr, i);
                if (!json_is_string(s) || strlen(json_string_value(s)) != json_string_length(s))
                        return berth_error_set(err, EINVAL, "%s%s%s[%zu] must be a string",
                                               what ? what : "", what && *what ? "." : "", key, i);
                v[i] = strdup(json_string_value(s));
                if (!v[i])
                        return berth_error_set(err, ENOMEM, "out of memory");
        }
        berth_strv_free(*out);
        *out = TAKE_PTR(v);
        return 0;
}

char *berth_json_dump(const json_t *j, bool pretty)
{
        return json_dumps(j, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_ENCODE_ANY);
}

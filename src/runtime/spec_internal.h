/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the config.json parser files (spec.c, spec_process.c, spec_mount.c,
 * spec_linux.c, spec_resources.c).  Not part of berth's API: only the spec*.c files
 * include this.
 *
 * Every helper takes `what`, the JSON path of the object being read ("process.user",
 * "linux.namespaces[2]"), and names "<what>.<key>" in its error messages.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "basic/error.h"
#include "runtime/spec.h"

/* Room for a JSON path in error messages ("linux.seccomp.syscalls[12].args[3]"). */
#define SPEC_PATH_MAX 256

/* snprintf into a path buffer; a path that does not fit is truncated (only used in
 * messages). */
void spec_path(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int spec_oom(struct berth_error *err);

/* An optional array: *out NULL when absent; more than BERTH_SPEC_MAX_ITEMS is refused. */
int spec_get_array(json_t *obj, const char *key, const char *what, json_t **out,
                   struct berth_error *err);
/* An optional object; *out NULL when absent. */
int spec_get_object(json_t *obj, const char *key, const char *what, json_t **out,
                    struct berth_error *err);
/* Element i of an array must be an object. */
int spec_array_object(json_t *arr, size_t i, const char *what, const char *key, json_t **out,
                      struct berth_error *err);
/* Optional string, duplicated into *out (freed first). */
int spec_get_strdup(json_t *obj, const char *key, const char *what, char **out,
                    struct berth_error *err);
/* Required string (absent or null is an error); not duplicated. */
int spec_get_string_req(json_t *obj, const char *key, const char *what, const char **out,
                        struct berth_error *err);
/* Optional array of strings, capped; *out replaced. */
int spec_get_strv(json_t *obj, const char *key, const char *what, char ***out,
                  struct berth_error *err);
/* Integers within [min, max]; *has (may be NULL) set when present; required makes
 * absence an error. */
int spec_get_int_range(json_t *obj, const char *key, const char *what, int64_t min, int64_t max,
                       bool required, int64_t *out, bool *has, struct berth_error *err);
int spec_get_u32(json_t *obj, const char *key, const char *what, bool required, uint32_t *out,
                 bool *has, struct berth_error *err);
/* Non-negative integer (and -1 as UINT64_MAX when allow_minus_one). */
int spec_get_u64(json_t *obj, const char *key, const char *what, bool allow_minus_one,
                 bool required, uint64_t *out, bool *has, struct berth_error *err);
/* Object of string values -> key/value array. */
int spec_get_kv(json_t *obj, const char *key, const char *what, struct berth_kv **out, size_t *n,
                struct berth_error *err);
void spec_kv_free(struct berth_kv *kv, size_t n);

/* "linux.uidMappings"-shaped arrays; checks size > 0, no overflow, no overlaps. */
int spec_parse_id_mappings(json_t *obj, const char *key, const char *what,
                           struct berth_id_mapping **out, size_t *n, struct berth_error *err);

/* Sections. */
int spec_parse_process_obj(json_t *obj, const char *what, struct berth_process *p,
                           struct berth_error *err);
int spec_parse_mounts(json_t *root, struct berth_spec *s, struct berth_error *err);
void spec_mount_free(struct berth_mount *m);
int spec_parse_linux(json_t *linux, struct berth_spec *s, struct berth_error *err);
int spec_parse_resources_obj(json_t *obj, const char *what, struct berth_resources *r,
                             struct berth_error *err);
void spec_seccomp_free(struct berth_seccomp *sc);
/* "0-3,7": digits, ranges and commas only. */
bool spec_valid_cpu_list(const char *s);
int spec_parse_seccomp(json_t *obj, struct berth_seccomp *sc, struct berth_error *err);

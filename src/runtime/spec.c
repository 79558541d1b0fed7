/* SPDX-License-Identifier: Apache-2.0 */
/* config.json: the top level, hooks, annotations, shared helpers and the destructors. */
#include "runtime/spec.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/json.h"
#include "basic/strutil.h"
#include "runtime/spec_internal.h"
#include "basic/banned.h"

/* ---- helpers shared by the spec*.c files */

void spec_path(char *buf, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, SPEC_PATH_MAX, fmt, ap);
        va_end(ap);
}

int spec_oom(struct berth_error *err)
{
        return berth_error_set(err, ENOMEM, "out of memory");
}

int spec_get_array(json_t *obj, const char *key, const char *what, json_t **out,
                   struct berth_error *err)
{
        json_t *a = NULL;
        *out = NULL;
        int r = berth_json_get_array(obj, key, what, &a, err);
        if (r < 0)
                return r;
        if (a && json_array_size(a) > BERTH_SPEC_MAX_ITEMS)
                return berth_error_set(err, E2BIG, "%s.%s has %zu items, more than the limit of %d",
                                       what, key, json_array_size(a), BERTH_SPEC_MAX_ITEMS);
        *out = a;
        return 0;
}

int spec_get_object(json_t *obj, const char *key, const char *what, json_t **out,
                    struct berth_error *err)
{
        *out = NULL;
        return berth_json_get_object(obj, key, what, out, err);
}

int spec_array_object(json_t *arr, size_t i, const char *what, const char *key, json_t **out,
                      struct berth_error *err)
{
        json_t *v = json_array_get(arr, i);
        if (!json_is_object(v))
                return berth_error_set(err, EINVAL, "%s.%s[%zu] must be an object", what, key, i);
        *out = v;
        return 0;
}

int spec_get_strdup(json_t *obj, const char *key, const char *what, char **out,
                    struct berth_error *err)
{
        const char *v = NULL;
        int r = berth_json_get_string(obj, key, what, &v, err);
        if (r < 0 || !v)
                return r;
        char *d = strdup(v);
        if (!d)
                return spec_oom(err);
        free(*out);
        *out = d;
        return 0;
}

int spec_get_string_req(json_t *obj, const char *key, const char *what, const char **out,
                        struct berth_error *err)
{
        const char *v = NULL;
        int r = berth_json_get_string(obj, key, what, &v, err);
        if (r < 0)
                return r;
        if (!v)
                return berth_error_set(err, EINVAL, "%s.%s is required", what, key);
        *out = v;
        return 0;
}

int spec_get_strv(json_t *obj, const char *key, const char *what, char ***out,
                  struct berth_error *err)
{
        json_t *a = NULL;
        int r = spec_get_array(obj, key, what, &a, err);
        if (r < 0 || !a)
                return r;
        return berth_json_get_strv(obj, key, what, out, err);
}

/* jansson refuses integers above INT64_MAX, but OCI fields such as rlimits are uint64 and
 * Docker writes RLIM_INFINITY as 18446744073709551615.  Before parsing, such literals (outside
 * strings) are rewritten into a marker string: U+0001, "u64:" and the digits.  spec_get_u64()
 * reads it back; every other getter sees a string where a number belongs (a type error).  A
 * config that spells the marker itself in a uint64 field gets the same number it spelled. */
#define U64_MARK             "\\u0001u64:"
#define U64_MARK_DECODED     "\001u64:"
#define U64_MARK_DECODED_LEN 5

static const char *u64_marker_digits(json_t *v)
{
        if (!json_is_string(v) || json_string_length(v) <= U64_MARK_DECODED_LEN ||
            memcmp(json_string_value(v), U64_MARK_DECODED, U64_MARK_DECODED_LEN) != 0)
                return NULL;
        return json_string_value(v) + U64_MARK_DECODED_LEN;
}

static bool is_number_char(char c)
{
        return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* Returns 0 and *out NULL when nothing needed rewriting. */
static int widen_u64_literals(const char *buf, size_t len, char **out, size_t *out_len)
{
        struct berth_buf b = {0};
        bool in_str = false, changed = false;
        size_t copied = 0;
        *out = NULL;
        for (size_t i = 0; i < len; i++) {
                char c = buf[i];
                if (in_str) {
                        if (c == '\\')
                                i++;
                        else if (c == '"')
                                in_str = false;
                        continue;
                }
                if (c == '"') {
                        in_str = true;
                        continue;
                }
                if (!is_number_char(c))
                        continue;
                size_t j = i, digits = 0;
                for (; j < len && is_number_char(buf[j]); j++)
                        if (buf[j] >= '0' && buf[j] <= '9')
                                digits++;
                char tok[32];
                uint64_t v;
                if (digits == j - i && digits >= 19 && digits < sizeof(tok)) {
                        memcpy(tok, buf + i, digits);
                        tok[digits] = '\0';
                        if (berth_parse_uint64(tok, UINT64_MAX, &v) == 0 && v > INT64_MAX) {
                                if (berth_buf_append(&b, buf + copied, i - copied) < 0 ||
                                    berth_buf_printf(&b, "\"" U64_MARK "%s\"", tok) < 0) {
                                        berth_buf_free(&b);
                                        return -ENOMEM;
                                }
                                copied = j;
                                changed = true;
                        }
                }
                i = j - 1;
        }
        if (!changed)
                return 0;
        if (berth_buf_append(&b, buf + copied, len - copied) < 0) {
                berth_buf_free(&b);
                return -ENOMEM;
        }
        *out = b.data;
        *out_len = b.len;
        return 0;
}

/* jansson's messages quote the input near the error, control characters included: keep the
 * message on one line. */
static int one_line(struct berth_error *err, int r)
{
        for (char *c = err ? err->msg : NULL; c && *c; c++)
                if ((unsigned char)*c < 0x20 || *c == 0x7f)
                        *c = '?';
        return r;
}

/* berth_json_parse() over the bytes with big unsigned literals widened (see above). */
static int spec_json_parse(const char *buf, size_t len, json_t **out, struct berth_error *err)
{
        if (len > BERTH_SPEC_MAX_BYTES)
                return berth_json_parse(buf, len, BERTH_SPEC_MAX_BYTES, out, err);
        _cleanup_free_ char *wide = NULL;
        size_t wide_len = 0;
        if (widen_u64_literals(buf, len, &wide, &wide_len) < 0)
                return spec_oom(err);
        if (wide)
                return one_line(err, berth_json_parse(wide, wide_len,
                                                      2 * (size_t)BERTH_SPEC_MAX_BYTES, out, err));
        return one_line(err, berth_json_parse(buf, len, BERTH_SPEC_MAX_BYTES, out, err));
}

int spec_get_int_range(json_t *obj, const char *key, const char *what, int64_t min, int64_t max,
                       bool required, int64_t *out, bool *has, struct berth_error *err)
{
        json_t *v = json_object_get(obj, key);
        if (!v || json_is_null(v)) {
                if (required)
                        return berth_error_set(err, EINVAL, "%s.%s is required", what, key);
                return 0;
        }
        if (u64_marker_digits(v))
                return berth_error_set(err, ERANGE, "%s.%s: %s is out of range (%lld to %lld)",
                                       what, key, u64_marker_digits(v), (long long)min,
                                       (long long)max);
        if (!json_is_integer(v))
                return berth_error_set(err, EINVAL, "%s.%s must be an integer", what, key);
        int64_t i = json_integer_value(v);
        if (i < min || i > max)
                return berth_error_set(err, ERANGE, "%s.%s: %lld is out of range (%lld to %lld)",
                                       what, key, (long long)i, (long long)min, (long long)max);
        *out = i;
        if (has)
                *has = true;
        return 0;
}

int spec_get_u32(json_t *obj, const char *key, const char *what, bool required, uint32_t *out,
                 bool *has, struct berth_error *err)
{
        int64_t v;
        bool h = false;
        int r = spec_get_int_range(obj, key, what, 0, UINT32_MAX, required, &v, &h, err);
        if (r < 0)
                return r;
        if (h) {
                *out = (uint32_t)v;
                if (has)
                        *has = true;
        }
        return 0;
}

int spec_get_u64(json_t *obj, const char *key, const char *what, bool allow_minus_one,
                 bool required, uint64_t *out, bool *has, struct berth_error *err)
{
        json_t *v = json_object_get(obj, key);
        if (!v || json_is_null(v)) {
                if (required)
                        return berth_error_set(err, EINVAL, "%s.%s is required", what, key);
                return 0;
        }
        const char *digits = u64_marker_digits(v);
        if (digits) {
                if (berth_parse_uint64(digits, UINT64_MAX, out) < 0)
                        return berth_error_set(err, ERANGE, "%s.%s: %s is out of range", what, key,
                                               digits);
                if (has)
                        *has = true;
                return 0;
        }
        int r = berth_json_get_uint64(obj, key, what, out, allow_minus_one, err);
        if (r < 0)
                return r;
        if (has)
                *has = true;
        return 0;
}

void spec_kv_free(struct berth_kv *kv, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
        }
        free(kv);
}

int spec_get_kv(json_t *obj, const char *key, const char *what, struct berth_kv **out, size_t *n,
                struct berth_error *err)
{
        json_t *o = NULL;
        int r = spec_get_object(obj, key, what, &o, err);
        if (r < 0 || !o)
                return r;
        size_t count = json_object_size(o);
        if (count > BERTH_SPEC_MAX_ITEMS)
                return berth_error_set(err, E2BIG, "%s.%s has %zu items, more than the limit of %d",
                                       what, key, count, BERTH_SPEC_MAX_ITEMS);
        struct berth_kv *kv = calloc(count ? count : 1, sizeof(*kv));
        if (!kv)
                return spec_oom(err);
        size_t i = 0;
        const char *k;
        json_t *v;
        json_object_foreach (o, k, v) {
                if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
                        spec_kv_free(kv, i);
                        return berth_error_set(err, EINVAL, "%s.%s['%s'] must be a string", what,
                                               key, k);
                }
                kv[i].key = strdup(k);
                kv[i].value = strdup(json_string_value(v));
                i++;
                if (!kv[i - 1].key || !kv[i - 1].value) {
                        spec_kv_free(kv, i);
                        return spec_oom(err);
                }
        }
        spec_kv_free(*out, *n);
        *out = kv;
        *n = count;
        return 0;
}

/* ---- hooks */

static const char *const hook_keys[BERTH_HOOK__COUNT] = {
    [BERTH_HOOK_PRESTART] = "prestart",
    [BERTH_HOOK_CREATE_RUNTIME] = "createRuntime",
    [BERTH_HOOK_CREATE_CONTAINER] = "createContainer",
    [BERTH_HOOK_START_CONTAINER] = "startContainer",
    [BERTH_HOOK_POSTSTART] = "poststart",
    [BERTH_HOOK_POSTSTOP] = "poststop",
};

static void hook_free(struct berth_hook *h)
{
        free(h->path);
        berth_strv_free(h->args);
        berth_strv_free(h->env);
}

static int parse_hook(json_t *o, const char *what, struct berth_hook *h, struct berth_error *err)
{
        const char *path;
        int r = spec_get_string_req(o, "path", what, &path, err);
        if (r < 0)
                return r;
        if (path[0] != '/')
                return berth_error_set(err, EINVAL, "%s.path: '%s' is not an absolute path", what,
                                       path);
        h->path = strdup(path);
        if (!h->path)
                return spec_oom(err);
        r = spec_get_strv(o, "args", what, &h->args, err);
        if (r < 0)
                return r;
        r = spec_get_strv(o, "env", what, &h->env, err);
        if (r < 0)
                return r;
        for (size_t i = 0; h->env && h->env[i]; i++)
                if (!strchr(h->env[i], '=') || h->env[i][0] == '=')
                        return berth_error_set(err, EINVAL,
                                               "%s.env[%zu]: '%s' is not of the form KEY=VALUE",
                                               what, i, h->env[i]);
        int64_t t;
        r = spec_get_int_range(o, "timeout", what, INT64_MIN, INT64_MAX, false, &t, &h->has_timeout,
                               err);
        if (r < 0)
                return r;
        if (h->has_timeout) {
                if (t <= 0)
                        return berth_error_set(err, EINVAL,
                                               "%s.timeout: %lld must be greater than zero", what,
                                               (long long)t);
                if (t > INT32_MAX)
                        return berth_error_set(err, ERANGE, "%s.timeout: %lld is too large", what,
                                               (long long)t);
                h->timeout = (int)t;
        }
        return 0;
}

static int parse_hooks(json_t *root, struct berth_spec *s, struct berth_error *err)
{
        json_t *hooks = NULL;
        int r = spec_get_object(root, "hooks", "", &hooks, err);
        if (r < 0 || !hooks)
                return r;
        for (int k = 0; k < BERTH_HOOK__COUNT; k++) {
                json_t *arr = NULL;
                r = spec_get_array(hooks, hook_keys[k], "hooks", &arr, err);
                if (r < 0)
                        return r;
                size_t n = arr ? json_array_size(arr) : 0;
                if (n == 0)
                        continue;
                s->hooks[k] = calloc(n, sizeof(struct berth_hook));
                if (!s->hooks[k])
                        return spec_oom(err);
                for (size_t i = 0; i < n; i++) {
                        json_t *o;
                        r = spec_array_object(arr, i, "hooks", hook_keys[k], &o, err);
                        if (r < 0)
                                return r;
                        char what[SPEC_PATH_MAX];
                        spec_path(what, "hooks.%s[%zu]", hook_keys[k], i);
                        s->n_hooks[k] = i + 1;
                        r = parse_hook(o, what, &s->hooks[k][i], err);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* ---- top level */

static int check_platform(json_t *root, struct berth_error *err)
{
        static const char *const foreign[] = {"windows", "solaris", "vm", "zos"};
        for (size_t i = 0; i < ARRAY_SIZE(foreign); i++) {
                json_t *v = json_object_get(root, foreign[i]);
                if (v && !json_is_null(v))
                        return berth_error_set(err, EINVAL,
                                               "berth runs Linux containers; config has a '%s' "
                                               "section",
                                               foreign[i]);
        }
        return 0;
}

static int parse_hostnames(json_t *root, struct berth_spec *s, struct berth_error *err)
{
        static const char *const keys[] = {"hostname", "domainname"};
        char **dst[] = {&s->hostname, &s->domainname};
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
                int r = spec_get_strdup(root, keys[i], "", dst[i], err);
                if (r < 0)
                        return r;
                if (*dst[i] && strlen(*dst[i]) > 64)
                        return berth_error_set(err, EINVAL, "%s: '%s' is longer than 64 characters",
                                               keys[i], *dst[i]);
        }
        return 0;
}

static int parse_root(json_t *root, struct berth_spec *s, struct berth_error *err)
{
        json_t *ro = NULL;
        int r = spec_get_object(root, "root", "", &ro, err);
        if (r < 0)
                return r;
        if (!ro)
                return berth_error_set(err, EINVAL, "root is required");
        const char *path;
        r = spec_get_string_req(ro, "path", "root", &path, err);
        if (r < 0)
                return r;
        if (!*path)
                return berth_error_set(err, EINVAL, "root.path must not be empty");
        s->root_path = strdup(path);
        if (!s->root_path)
                return spec_oom(err);
        return berth_json_get_bool(ro, "readonly", "root", &s->root_readonly, err);
}

static int parse_toplevel(json_t *root, struct berth_spec *s, struct berth_error *err)
{
        int r = check_platform(root, err);
        if (r < 0)
                return r;

        const char *ver;
        r = spec_get_string_req(root, "ociVersion", "", &ver, err);
        if (r < 0)
                return berth_error_set(err, -r, "ociVersion is required and must be a string");
        if (!berth_startswith(ver, "1."))
                return berth_error_set(
                    err, EINVAL, "ociVersion: unsupported version '%s' (berth reads 1.x)", ver);
        s->oci_version = strdup(ver);
        if (!s->oci_version)
                return spec_oom(err);

        json_t *proc = NULL;
        r = spec_get_object(root, "process", "", &proc, err);
        if (r < 0)
                return r;
        if (proc) {
                s->has_process = true;
                r = spec_parse_process_obj(proc, "process", &s->process, err);
                if (r < 0)
                        return r;
        }
        r = parse_root(root, s, err);
        if (r < 0)
                return r;
        r = parse_hostnames(root, s, err);
        if (r < 0)
                return r;
        r = spec_parse_mounts(root, s, err);
        if (r < 0)
                return r;
        r = parse_hooks(root, s, err);
        if (r < 0)
                return r;
        r = spec_get_kv(root, "annotations", "", &s->annotations, &s->n_annotations, err);
        if (r < 0)
                return r;

        json_t *linux = NULL;
        r = spec_get_object(root, "linux", "", &linux, err);
        if (r < 0)
                return r;
        return spec_parse_linux(linux, s, err);
}

/* The json helpers print "<what>.<key>"; at the top level `what` is "", which they print
 * as ".key".  Strip that leading dot so messages read "ociVersion ...". */
static void strip_leading_dot(struct berth_error *err)
{
        if (err && err->msg[0] == '.')
                memmove(err->msg, err->msg + 1, strlen(err->msg));
}

int berth_spec_parse(const char *buf, size_t len, struct berth_spec **out, struct berth_error *err)
{
        *out = NULL;
        _cleanup_json_ json_t *root = NULL;
        int r = spec_json_parse(buf, len, &root, err);
        if (r < 0)
                return berth_error_prefix(err, r, "config.json");
        if (!json_is_object(root))
                return berth_error_set(err, EINVAL, "config.json must be a JSON object");

        _cleanup_spec_ struct berth_spec *s = calloc(1, sizeof(*s));
        if (!s)
                return spec_oom(err);
        r = parse_toplevel(root, s, err);
        if (r < 0) {
                strip_leading_dot(err);
                return one_line(err, r);
        }
        *out = TAKE_PTR(s);
        return 0;
}

int berth_spec_load(int bundle_dirfd, struct berth_spec **out, struct berth_error *err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        *out = NULL;
        int r =
            berth_read_file_at(bundle_dirfd, "config.json", BERTH_SPEC_MAX_BYTES, &buf, &len, err);
        if (r < 0)
                return berth_error_prefix(err, r, "read config.json");
        r = berth_spec_parse(buf, len, out, err);
        if (r < 0)
                return berth_error_prefix(err, r, "config.json");
        return 0;
}

int berth_spec_parse_process(const char *buf, size_t len, struct berth_process *out,
                             struct berth_error *err)
{
        memset(out, 0, sizeof(*out));
        _cleanup_json_ json_t *root = NULL;
        int r = spec_json_parse(buf, len, &root, err);
        if (r < 0)
                return berth_error_prefix(err, r, "process");
        if (!json_is_object(root))
                return berth_error_set(err, EINVAL, "process must be a JSON object");
        r = spec_parse_process_obj(root, "process", out, err);
        /* a process.json is only ever used to run something */
        if (r == 0 && !out->args)
                r = berth_error_set(err, EINVAL, "process.args is required");
        if (r < 0) {
                berth_process_free(out);
                memset(out, 0, sizeof(*out));
                return one_line(err, r);
        }
        return 0;
}

int berth_spec_parse_resources(const char *buf, size_t len, struct berth_resources *out,
                               struct berth_error *err)
{
        memset(out, 0, sizeof(*out));
        _cleanup_json_ json_t *root = NULL;
        int r = spec_json_parse(buf, len, &root, err);
        if (r < 0)
                return berth_error_prefix(err, r, "resources");
        if (!json_is_object(root))
                return berth_error_set(err, EINVAL, "resources must be a JSON object");
        r = spec_parse_resources_obj(root, "resources", out, err);
        if (r < 0) {
                berth_resources_free(out);
                memset(out, 0, sizeof(*out));
                return one_line(err, r);
        }
        return 0;
}

/* ---- destructors */

void berth_process_free(struct berth_process *p)
{
        if (!p)
                return;
        free(p->cwd);
        berth_strv_free(p->args);
        free(p->command_line);
        berth_strv_free(p->env);
        free(p->user.additional_gids);
        free(p->rlimits);
        free(p->apparmor_profile);
        free(p->selinux_label);
        free(p->exec_cpu_affinity_initial);
        free(p->exec_cpu_affinity_final);
}

void berth_resources_free(struct berth_resources *r)
{
        if (!r)
                return;
        free(r->devices);
        free(r->cpuset_cpus);
        free(r->cpuset_mems);
        free(r->blkio_weight_devices);
        free(r->throttle_read_bps);
        free(r->throttle_write_bps);
        free(r->throttle_read_iops);
        free(r->throttle_write_iops);
        for (size_t i = 0; i < r->n_hugepage_limits; i++)
                free(r->hugepage_limits[i].page_size);
        free(r->hugepage_limits);
        spec_kv_free(r->net_priorities, r->n_net_priorities);
        spec_kv_free(r->unified, r->n_unified);
}

void berth_spec_free(struct berth_spec *s)
{
        if (!s)
                return;
        free(s->oci_version);
        berth_process_free(&s->process);
        free(s->root_path);
        free(s->hostname);
        free(s->domainname);
        for (size_t i = 0; i < s->n_mounts; i++)
                spec_mount_free(&s->mounts[i]);
        free(s->mounts);
        for (int k = 0; k < BERTH_HOOK__COUNT; k++) {
                for (size_t i = 0; i < s->n_hooks[k]; i++)
                        hook_free(&s->hooks[k][i]);
                free(s->hooks[k]);
        }
        spec_kv_free(s->annotations, s->n_annotations);
        for (int i = 0; i < BERTH_NS__COUNT; i++)
                free(s->namespaces[i].path);
        free(s->uid_mappings);
        free(s->gid_mappings);
        for (size_t i = 0; i < s->n_devices; i++)
                free(s->devices[i].path);
        free(s->devices);
        free(s->cgroups_path);
        berth_resources_free(&s->resources);
        spec_kv_free(s->sysctl, s->n_sysctl);
        spec_seccomp_free(&s->seccomp);
        berth_strv_free(s->masked_paths);
        berth_strv_free(s->readonly_paths);
        free(s->mount_label);
        free(s->intel_rdt_clos_id);
        free(s);
}

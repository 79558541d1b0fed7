/* SPDX-License-Identifier: Apache-2.0 */
/* OCI / Docker image configs, manifest-config cross checks, chain ids, RFC 3339 times. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cleanup.h"
#include "basic/json.h"
#include "basic/sha256.h"
#include "basic/strutil.h"
#include "image/manifest.h"
#include "image/manifest_internal.h"
#include "image/reference.h"
#include "basic/banned.h"

#define BERTH_HISTORY_MAX 4096

static int digits(const char **p, int n, int *out)
{
        int v = 0;
        for (int i = 0; i < n; i++) {
                char c = (*p)[i];
                if (c < '0' || c > '9')
                        return -EINVAL;
                v = v * 10 + (c - '0');
        }
        *p += n;
        *out = v;
        return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        int64_t yoe = y - era * 400;
        int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

int berth_parse_rfc3339(const char *s, int64_t *out)
{
        static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        const char *p = s;
        int y, mo, d, h, mi, se;
        if (digits(&p, 4, &y) < 0 || *p++ != '-' || digits(&p, 2, &mo) < 0 || *p++ != '-' ||
            digits(&p, 2, &d) < 0 || (*p != 'T' && *p != 't' && *p != ' '))
                return -EINVAL;
        p++;
        if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &mi) < 0 || *p++ != ':' ||
            digits(&p, 2, &se) < 0)
                return -EINVAL;
        if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60)
                return -EINVAL;
        if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
                return -EINVAL;
        if (*p == '.') {
                p++;
                int n = 0;
                while (*p >= '0' && *p <= '9' && n < 12)
                        p++, n++;
                if (n == 0 || (*p >= '0' && *p <= '9'))
                        return -EINVAL;
        }
        int64_t off = 0;
        if (*p == 'Z' || *p == 'z') {
                p++;
        } else if (*p == '+' || *p == '-') {
                int sign = *p++ == '-' ? -1 : 1, oh, om;
                if (digits(&p, 2, &oh) < 0 || *p++ != ':' || digits(&p, 2, &om) < 0 || oh > 23 ||
                    om > 59)
                        return -EINVAL;
                off = sign * (oh * 3600 + om * 60);
        } else {
                return -EINVAL;
        }
        if (*p)
                return -EINVAL;
        *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
        return 0;
}

static int parse_time(json_t *o, const char *what, char **str, int64_t *unix_out,
                      struct berth_error *err)
{
        int r = berth_manifest_dup_string(o, "created", what, false, str, err);
        if (r < 0 || !*str)
                return r;
        if (berth_parse_rfc3339(*str, unix_out) < 0)
                return berth_error_set(err, EINVAL, "%s%screated: '%.64s' is not an RFC 3339 time",
                                       what, *what ? "." : "", *str);
        return 0;
}

/* Keys of an object whose values must be objects (ExposedPorts, Volumes) -> vector. */
static int parse_key_set(json_t *o, const char *key, const char *what, char ***out,
                         bool (*valid)(const char *), struct berth_error *err)
{
        json_t *m = NULL;
        int r = berth_json_get_object(o, key, what, &m, err);
        if (r < 0 || !m)
                return r;
        _cleanup_strv_free_ char **v = calloc(json_object_size(m) + 1, sizeof(char *));
        if (!v)
                return berth_error_set(err, ENOMEM, "out of memory");
        size_t n = 0;
        const char *k;
        json_t *val;
        json_object_foreach (m, k, val) {
                if (!json_is_object(val))
                        return berth_error_set(err, EINVAL, "%s.%s[\"%.64s\"] must be an object",
                                               what, key, k);
                if (!valid(k))
                        return berth_error_set(err, EINVAL, "%s.%s: invalid entry '%.64s'", what,
                                               key, k);
                v[n] = strdup(k);
                if (!v[n++])
                        return berth_error_set(err, ENOMEM, "out of memory");
        }
        *out = TAKE_PTR(v);
        return 0;
}

static bool port_valid(const char *k)
{
        /* "80", "80/tcp", "53/udp", "9/sctp", "8000-8010/tcp" */
        const char *slash = strchr(k, '/');
        size_t n = slash ? (size_t)(slash - k) : strlen(k);
        if (slash && strcmp(slash + 1, "tcp") && strcmp(slash + 1, "udp") &&
            strcmp(slash + 1, "sctp"))
                return false;
        char num[16];
        if (n == 0 || n >= sizeof(num))
                return false;
        memcpy(num, k, n);
        num[n] = '\0';
        char *dash = strchr(num, '-');
        int a, b;
        if (dash) {
                *dash = '\0';
                return berth_parse_int(num, 1, 65535, &a) == 0 &&
                       berth_parse_int(dash + 1, 1, 65535, &b) == 0 && a <= b;
        }
        return berth_parse_int(num, 1, 65535, &a) == 0;
}

static bool volume_valid(const char *k)
{
        return k[0] == '/';
}

static int parse_labels(json_t *o, struct berth_image_config *c, struct berth_error *err)
{
        json_t *m = NULL;
        int r = berth_json_get_object(o, "Labels", "config", &m, err);
        if (r < 0 || !m)
                return r;
        c->labels = calloc(json_object_size(m) + 1, sizeof(*c->labels));
        if (!c->labels)
                return berth_error_set(err, ENOMEM, "out of memory");
        const char *k;
        json_t *v;
        json_object_foreach (m, k, v) {
                if (!json_is_string(v))
                        return berth_error_set(err, EINVAL,
                                               "config.Labels[\"%.64s\"] must be a string", k);
                struct berth_kv *kv = &c->labels[c->n_labels++];
                kv->key = strdup(k);
                kv->value = strdup(json_string_value(v));
                if (!kv->key || !kv->value)
                        return berth_error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

static int parse_healthcheck(json_t *o, struct berth_image_config *c, struct berth_error *err)
{
        json_t *h = NULL;
        int r = berth_json_get_object(o, "Healthcheck", "config", &h, err);
        if (r < 0 || !h)
                return r;
        c->healthcheck = calloc(1, sizeof(*c->healthcheck));
        if (!c->healthcheck)
                return berth_error_set(err, ENOMEM, "out of memory");
        struct berth_healthcheck *hc = c->healthcheck;
        const char *w = "config.Healthcheck";
        r = berth_json_get_strv(h, "Test", w, &hc->test, err);
        if (r >= 0)
                r = berth_json_get_int64(h, "Interval", w, &hc->interval_ns, err);
        if (r >= 0)
                r = berth_json_get_int64(h, "Timeout", w, &hc->timeout_ns, err);
        if (r >= 0)
                r = berth_json_get_int64(h, "StartPeriod", w, &hc->start_period_ns, err);
        if (r >= 0)
                r = berth_json_get_int64(h, "StartInterval", w, &hc->start_interval_ns, err);
        if (r >= 0)
                r = berth_json_get_int64(h, "Retries", w, &hc->retries, err);
        if (r < 0)
                return r;
        if (hc->interval_ns < 0 || hc->timeout_ns < 0 || hc->start_period_ns < 0 ||
            hc->start_interval_ns < 0 || hc->retries < 0)
                return berth_error_set(err, EINVAL, "%s: durations and retries must be >= 0", w);
        if (hc->test && hc->test[0] && strcmp(hc->test[0], "NONE") && strcmp(hc->test[0], "CMD") &&
            strcmp(hc->test[0], "CMD-SHELL"))
                return berth_error_set(err, EINVAL, "%s.Test[0]: unknown kind '%.32s'", w,
                                       hc->test[0]);
        return 0;
}

static int parse_runtime_config(json_t *j, struct berth_image_config *c, struct berth_error *err)
{
        json_t *o = NULL;
        int r = berth_json_get_object(j, "config", "", &o, err);
        if (r < 0 || !o)
                return r;
        const char *w = "config";
        r = berth_manifest_dup_string(o, "User", w, false, &c->user, err);
        if (r >= 0)
                r = berth_json_get_strv(o, "Env", w, &c->env, err);
        if (r >= 0)
                r = berth_json_get_strv(o, "Entrypoint", w, &c->entrypoint, err);
        if (r >= 0)
                r = berth_json_get_strv(o, "Cmd", w, &c->cmd, err);
        if (r >= 0)
                r = berth_json_get_strv(o, "Shell", w, &c->shell, err);
        if (r >= 0)
                r = berth_json_get_strv(o, "OnBuild", w, &c->onbuild, err);
        if (r >= 0)
                r = berth_manifest_dup_string(o, "WorkingDir", w, false, &c->working_dir, err);
        if (r >= 0)
                r = berth_manifest_dup_string(o, "StopSignal", w, false, &c->stop_signal, err);
        if (r >= 0)
                r = berth_json_get_bool(o, "ArgsEscaped", w, &c->args_escaped, err);
        if (r >= 0)
                r = parse_labels(o, c, err);
        if (r >= 0)
                r = parse_key_set(o, "ExposedPorts", w, &c->exposed_ports, port_valid, err);
        if (r >= 0)
                r = parse_key_set(o, "Volumes", w, &c->volumes, volume_valid, err);
        if (r >= 0)
                r = parse_healthcheck(o, c, err);
        if (r < 0)
                return r;
        json_t *ep = json_object_get(o, "Entrypoint"), *cmd = json_object_get(o, "Cmd");
        c->entrypoint_set = ep && !json_is_null(ep);
        c->cmd_set = cmd && !json_is_null(cmd);
        for (size_t i = 0; c->env && c->env[i]; i++) {
                const char *eq = strchr(c->env[i], '=');
                if (!eq || eq == c->env[i])
                        return berth_error_set(err, EINVAL,
                                               "config.Env[%zu]: '%.64s' is not NAME=value", i,
                                               c->env[i]);
        }
        if (c->working_dir && c->working_dir[0] && c->working_dir[0] != '/')
                return berth_error_set(err, EINVAL,
                                       "config.WorkingDir: '%.64s' is not an absolute path",
                                       c->working_dir);
        return 0;
}

static int parse_rootfs(json_t *j, struct berth_image_config *c, struct berth_error *err)
{
        json_t *rootfs = NULL;
        int r = berth_json_get_object(j, "rootfs", "", &rootfs, err);
        if (r < 0)
                return r;
        if (!rootfs)
                return berth_error_set(err, EINVAL, "rootfs is required");
        const char *type = NULL;
        r = berth_json_get_string(rootfs, "type", "rootfs", &type, err);
        if (r < 0)
                return r;
        if (!type || strcmp(type, "layers") != 0)
                return berth_error_set(err, EINVAL, "rootfs.type must be \"layers\", not '%.32s'",
                                       type ? type : "(missing)");
        if (!json_is_array(json_object_get(rootfs, "diff_ids")))
                return berth_error_set(err, EINVAL, "rootfs.diff_ids must be an array");
        r = berth_json_get_strv(rootfs, "diff_ids", "rootfs", &c->diff_ids, err);
        if (r < 0)
                return r;
        c->n_diff_ids = berth_strv_length(c->diff_ids);
        if (c->n_diff_ids > BERTH_MANIFEST_LAYERS)
                return berth_error_set(err, E2BIG, "rootfs has %zu diff_ids, more than %u",
                                       c->n_diff_ids, BERTH_MANIFEST_LAYERS);
        for (size_t i = 0; i < c->n_diff_ids; i++) {
                r = berth_digest_validate(c->diff_ids[i], err);
                if (r < 0)
                        return berth_error_prefix(err, r, "rootfs.diff_ids[%zu]", i);
        }
        return 0;
}

static int parse_history(json_t *j, struct berth_image_config *c, struct berth_error *err)
{
        json_t *arr = NULL;
        int r = berth_json_get_array(j, "history", "", &arr, err);
        if (r < 0 || !arr)
                return r;
        size_t n = json_array_size(arr);
        if (n > BERTH_HISTORY_MAX)
                return berth_error_set(err, E2BIG, "history has %zu entries, more than %u", n,
                                       BERTH_HISTORY_MAX);
        c->history = calloc(n ? n : 1, sizeof(*c->history));
        if (!c->history)
                return berth_error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
                json_t *h = json_array_get(arr, i);
                char w[32];
                snprintf(w, sizeof(w), "history[%zu]", i);
                if (!json_is_object(h))
                        return berth_error_set(err, EINVAL, "%s must be an object", w);
                struct berth_history *e = &c->history[i];
                c->n_history = i + 1;
                r = parse_time(h, w, &e->created, &e->created_unix, err);
                if (r >= 0)
                        r = berth_manifest_dup_string(h, "created_by", w, false, &e->created_by,
                                                      err);
                if (r >= 0)
                        r = berth_manifest_dup_string(h, "author", w, false, &e->author, err);
                if (r >= 0)
                        r = berth_manifest_dup_string(h, "comment", w, false, &e->comment, err);
                if (r >= 0)
                        r = berth_json_get_bool(h, "empty_layer", w, &e->empty_layer, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_config_json(json_t *j, struct berth_image_config *c, struct berth_error *err)
{
        if (!json_is_object(j))
                return berth_error_set(err, EINVAL, "image config must be a JSON object");
        const char *w = "";
        int r = berth_manifest_dup_string(j, "architecture", w, true, &c->architecture, err);
        if (r >= 0)
                r = berth_manifest_dup_string(j, "os", w, true, &c->os, err);
        if (r >= 0)
                r = berth_manifest_dup_string(j, "variant", w, false, &c->variant, err);
        if (r >= 0)
                r = berth_manifest_dup_string(j, "os.version", w, false, &c->os_version, err);
        if (r >= 0)
                r = berth_manifest_dup_string(j, "author", w, false, &c->author, err);
        if (r >= 0)
                r = parse_time(j, w, &c->created, &c->created_unix, err);
        if (r >= 0)
                r = parse_runtime_config(j, c, err);
        if (r >= 0)
                r = parse_rootfs(j, c, err);
        if (r >= 0)
                r = parse_history(j, c, err);
        return r;
}

int berth_image_config_parse(const char *buf, size_t len, struct berth_image_config **out,
                             struct berth_error *err)
{
        _cleanup_json_ json_t *j = NULL;
        int r = berth_json_parse(buf, len, BERTH_MANIFEST_MAX, &j, err);
        if (r < 0)
                return berth_error_prefix(err, r, "image config");
        struct berth_image_config *c = calloc(1, sizeof(*c));
        if (!c)
                return berth_error_set(err, ENOMEM, "out of memory");
        r = parse_config_json(j, c, err);
        if (r >= 0)
                r = berth_manifest_copy_raw(buf, len, &c->raw, &c->raw_len, c->digest, err);
        if (r < 0) {
                berth_image_config_free(c);
                return berth_error_prefix(err, r, "image config");
        }
        *out = c;
        return 0;
}

void berth_image_config_free(struct berth_image_config *c)
{
        if (!c)
                return;
        free(c->architecture);
        free(c->os);
        free(c->variant);
        free(c->os_version);
        free(c->created);
        free(c->author);
        free(c->user);
        berth_strv_free(c->env);
        berth_strv_free(c->entrypoint);
        berth_strv_free(c->cmd);
        berth_strv_free(c->shell);
        berth_strv_free(c->onbuild);
        free(c->working_dir);
        free(c->stop_signal);
        for (size_t i = 0; i < c->n_labels; i++) {
                free(c->labels[i].key);
                free(c->labels[i].value);
        }
        free(c->labels);
        berth_strv_free(c->exposed_ports);
        berth_strv_free(c->volumes);
        if (c->healthcheck) {
                berth_strv_free(c->healthcheck->test);
                free(c->healthcheck);
        }
        berth_strv_free(c->diff_ids);
        for (size_t i = 0; i < c->n_history; i++) {
                free(c->history[i].created);
                free(c->history[i].created_by);
                free(c->history[i].author);
                free(c->history[i].comment);
        }
        free(c->history);
        free(c->raw);
        free(c);
}

int berth_manifest_check_config(const struct berth_manifest *m, const struct berth_image_config *c,
                                struct berth_error *err)
{
        if (strcmp(m->config.digest, c->digest) != 0)
                return berth_error_set(err, EBADMSG,
                                       "config digest mismatch: manifest says %s, content is %s",
                                       m->config.digest, c->digest);
        if ((uint64_t)m->config.size != c->raw_len)
                return berth_error_set(err, EBADMSG,
                                       "config size mismatch: manifest says %lld, content has %zu",
                                       (long long)m->config.size, c->raw_len);
        if (m->n_layers != c->n_diff_ids)
                return berth_error_set(err, EINVAL,
                                       "manifest has %zu layers but the config has %zu diff_ids",
                                       m->n_layers, c->n_diff_ids);
        return 0;
}

int berth_layer_chain_ids(char *const *diff_ids, size_t n, char ***out, struct berth_error *err)
{
        _cleanup_strv_free_ char **v = calloc(n + 1, sizeof(char *));
        if (!v)
                return berth_error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
                int r = berth_digest_validate(diff_ids[i], err);
                if (r < 0)
                        return berth_error_prefix(err, r, "diff_ids[%zu]", i);
                if (i == 0) {
                        v[0] = strdup(diff_ids[0]);
                } else {
                        _cleanup_free_ char *s =
                            berth_strdup_printf("%s %s", v[i - 1], diff_ids[i]);
                        if (!s)
                                return berth_error_set(err, ENOMEM, "out of memory");
                        v[i] = malloc(72);
                        if (v[i])
                                berth_manifest_raw_digest(s, strlen(s), v[i]);
                }
                if (!v[i])
                        return berth_error_set(err, ENOMEM, "out of memory");
        }
        *out = TAKE_PTR(v);
        return 0;
}

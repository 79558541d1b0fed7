/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Import: a root filesystem tarball becomes a one-layer image.  The bytes are stored as
 * given (plain, gzip or zstd: the blob digest is theirs), unpacked once to learn the
 * diff_id, and a config is written with the host's platform (or --platform), the changes
 * (--change, Dockerfile instructions) and one history entry.
 *
 * Changes understood: CMD and ENTRYPOINT (JSON array, else shell form run by /bin/sh -c),
 * ENV (k=v ..., or "k v"), LABEL (k=v ...), WORKDIR, USER, EXPOSE (port[/proto] ...),
 * VOLUME (JSON array or paths), STOPSIGNAL.  ONBUILD and anything else are refused.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "basic/cleanup.h"
#include "basic/json.h"
#include "basic/strutil.h"
#include "image/archive_internal.h"
#include "image/archive_url.h"
#include "basic/banned.h"

#define CHANGE_MAX 65536

static int oom(struct berth_error *err)
{
        return berth_error_set(err, ENOMEM, "out of memory");
}

/* A JSON array of strings (exec form), or NULL when s is not one. */
static json_t *exec_form(const char *s)
{
        if (*s != '[')
                return NULL;
        json_t *j = NULL;
        if (berth_json_parse(s, strlen(s), CHANGE_MAX, &j, NULL) < 0)
                return NULL;
        size_t i;
        json_t *v;
        bool ok = json_is_array(j);
        if (ok)
                json_array_foreach (j, i, v)
                        ok = ok && json_is_string(v);
        if (!ok) {
                json_decref(j);
                return NULL;
        }
        return j;
}

static json_t *command_form(const char *s)
{
        json_t *j = exec_form(s);
        return j ? j : json_pack("[s, s, s]", "/bin/sh", "-c", s);
}

/* Next "key=value" (value maybe "double quoted" with \-escapes) of s; advances *p. */
static int next_pair(const char **p, char **key, char **val, struct berth_error *err)
{
        const char *c = *p;
        while (isspace((unsigned char)*c))
                c++;
        const char *k = c;
        while (*c && *c != '=' && !isspace((unsigned char)*c))
                c++;
        if (*c != '=' || c == k)
                return berth_error_set(err, EINVAL, "expected key=value at '%.60s'", k);
        struct berth_buf v = {0};
        c++;
        bool quoted = *c == '"';
        if (quoted)
                c++;
        for (; *c && (quoted ? *c != '"' : !isspace((unsigned char)*c)); c++) {
                if (*c == '\\' && c[1])
                        c++;
                if (berth_buf_append(&v, c, 1) < 0) {
                        berth_buf_free(&v);
                        return oom(err);
                }
        }
        if (quoted && *c != '"') {
                berth_buf_free(&v);
                return berth_error_set(err, EINVAL, "unterminated quote at '%.60s'", k);
        }
        if (quoted)
                c++;
        *key = strndup(k, (size_t)(strchr(k, '=') - k));
        *val = v.data ? v.data : strdup("");
        *p = c;
        if (!*key || !*val) {
                free(*key);
                free(*val);
                return oom(err);
        }
        return 0;
}

static int env_set(json_t *cfg, const char *key, const char *value, struct berth_error *err)
{
        json_t *env = json_object_get(cfg, "Env");
        if (!env) {
                env = json_array();
                if (!env || json_object_set_new(cfg, "Env", env) < 0)
                        return oom(err);
        }
        _cleanup_free_ char *kv = berth_strdup_printf("%s=%s", key, value);
        if (!kv)
                return oom(err);
        size_t i, klen = strlen(key);
        json_t *v;
        json_array_foreach (env, i, v) {
                const char *s = json_string_value(v);
                if (!strncmp(s, key, klen) && s[klen] == '=')
                        return json_array_set_new(env, i, json_string(kv)) < 0 ? oom(err) : 0;
        }
        return json_array_append_new(env, json_string(kv)) < 0 ? oom(err) : 0;
}

static int pairs(json_t *cfg, const char *arg, bool env, struct berth_error *err)
{
        if (env && !strchr(arg, '=')) { /* ENV key value */
                const char *sp = arg;
                while (*sp && !isspace((unsigned char)*sp))
                        sp++;
                const char *v = sp;
                while (isspace((unsigned char)*v))
                        v++;
                if (!*v)
                        return berth_error_set(err, EINVAL, "ENV needs a value for '%.60s'", arg);
                _cleanup_free_ char *key = strndup(arg, (size_t)(sp - arg));
                return key ? env_set(cfg, key, v, err) : oom(err);
        }
        const char *p = arg;
        while (*p) {
                _cleanup_free_ char *key = NULL, *val = NULL;
                int r = next_pair(&p, &key, &val, err);
                if (r < 0)
                        return r;
                if (env) {
                        r = env_set(cfg, key, val, err);
                } else {
                        json_t *labels = json_object_get(cfg, "Labels");
                        if (!labels &&
                            json_object_set_new(cfg, "Labels", labels = json_object()) < 0)
                                return oom(err);
                        r = json_object_set_new(labels, key, json_string(val)) < 0 ? oom(err) : 0;
                }
                if (r < 0)
                        return r;
                while (isspace((unsigned char)*p))
                        p++;
        }
        return 0;
}

static int expose(json_t *cfg, const char *arg, struct berth_error *err)
{
        json_t *ports = json_object_get(cfg, "ExposedPorts");
        if (!ports && json_object_set_new(cfg, "ExposedPorts", ports = json_object()) < 0)
                return oom(err);
        _cleanup_free_ char *copy = strdup(arg);
        if (!copy)
                return oom(err);
        char *save = NULL;
        for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
                char *slash = strchr(t, '/');
                const char *proto = slash ? slash + 1 : "tcp";
                if (slash)
                        *slash = '\0';
                int port = 0;
                if (berth_parse_int(t, 1, 65535, &port) < 0 ||
                    (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp")))
                        return berth_error_set(err, EINVAL, "EXPOSE: bad port '%.60s%s%.10s'", t,
                                               slash ? "/" : "", slash ? proto : "");
                char key[32];
                snprintf(key, sizeof(key), "%d/%s", port, proto);
                if (json_object_set_new(ports, key, json_object()) < 0)
                        return oom(err);
        }
        return 0;
}

static int volume(json_t *cfg, const char *arg, struct berth_error *err)
{
        json_t *vols = json_object_get(cfg, "Volumes");
        if (!vols && json_object_set_new(cfg, "Volumes", vols = json_object()) < 0)
                return oom(err);
        _cleanup_json_ json_t *list = exec_form(arg);
        if (!list) {
                list = json_array();
                _cleanup_free_ char *copy = strdup(arg);
                char *save = NULL;
                if (!list || !copy)
                        return oom(err);
                for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
                        json_array_append_new(list, json_string(t));
        }
        size_t i;
        json_t *v;
        json_array_foreach (list, i, v) {
                if (json_string_value(v)[0] != '/')
                        return berth_error_set(err, EINVAL, "VOLUME: '%.100s' is not absolute",
                                               json_string_value(v));
                if (json_object_set_new(vols, json_string_value(v), json_object()) < 0)
                        return oom(err);
        }
        return 0;
}

static int one_word(json_t *cfg, const char *key, const char *instr, const char *arg,
                    struct berth_error *err)
{
        for (const char *c = arg; *c; c++)
                if (isspace((unsigned char)*c))
                        return berth_error_set(err, EINVAL, "%s takes one value, not '%.60s'",
                                               instr, arg);
        return json_object_set_new(cfg, key, json_string(arg)) < 0 ? oom(err) : 0;
}

static int apply_change(json_t *cfg, const char *change, struct berth_error *err)
{
        const char *c = change;
        while (isspace((unsigned char)*c))
                c++;
        const char *w = c;
        while (*c && !isspace((unsigned char)*c))
                c++;
        size_t wl = (size_t)(c - w);
        while (isspace((unsigned char)*c))
                c++;
        _cleanup_free_ char *arg = strdup(c);
        if (!arg)
                return oom(err);
        for (size_t n = strlen(arg); n && isspace((unsigned char)arg[n - 1]);)
                arg[--n] = '\0';
#define IS(x) (wl == strlen(x) && !strncasecmp(w, x, wl))
        if (IS("ONBUILD"))
                return berth_error_set(err, EINVAL, "ONBUILD is not allowed in a change");
        if (!*arg)
                return berth_error_set(err, EINVAL, "'%.*s' needs an argument", (int)wl, w);
        if (IS("CMD") || IS("ENTRYPOINT")) {
                json_t *v = command_form(arg);
                return v && json_object_set_new(cfg, IS("CMD") ? "Cmd" : "Entrypoint", v) == 0
                           ? 0
                           : oom(err);
        }
        if (IS("ENV") || IS("LABEL"))
                return pairs(cfg, arg, IS("ENV"), err);
        if (IS("WORKDIR"))
                return json_object_set_new(cfg, "WorkingDir", json_string(arg)) < 0 ? oom(err) : 0;
        if (IS("USER"))
                return one_word(cfg, "User", "USER", arg, err);
        if (IS("STOPSIGNAL"))
                return one_word(cfg, "StopSignal", "STOPSIGNAL", arg, err);
        if (IS("EXPOSE"))
                return expose(cfg, arg, err);
        if (IS("VOLUME"))
                return volume(cfg, arg, err);
#undef IS
        return berth_error_set(err, EINVAL, "unknown instruction '%.*s'", (int)(wl > 40 ? 40 : wl),
                               w);
}

int archive_apply_changes(json_t *cfg, char *const *changes, struct berth_error *err)
{
        for (size_t i = 0; changes && changes[i]; i++) {
                if (strlen(changes[i]) > CHANGE_MAX)
                        return berth_error_set(err, EINVAL, "change %zu is too long", i);
                int r = apply_change(cfg, changes[i], err);
                if (r < 0)
                        return berth_error_prefix(err, r, "change '%.100s'", changes[i]);
        }
        return 0;
}

char *archive_now_rfc3339(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        char buf[40];
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
        return berth_strdup_printf("%s.%09ldZ", buf, ts.tv_nsec);
}

static int import_config(const struct berth_import_opts *opts, const char *source,
                         const char *diff_id, char **out, struct berth_error *err)
{
        struct berth_platform p = {0};
        const struct berth_platform *plat = berth_platform_host();
        if (opts->platform) {
                int r = berth_platform_parse(opts->platform, &p, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "platform");
                plat = &p;
        }
        _cleanup_free_ char *now = archive_now_rfc3339();
        _cleanup_json_ json_t *cfg = json_object();
        _cleanup_free_ char *by = berth_strdup_printf("Imported from %s", source);
        json_t *hist = by ? json_pack("{s:s?, s:s, s:s?}", "created", now, "created_by", by,
                                      "comment", opts->message)
                          : NULL;
        _cleanup_json_ json_t *c = json_pack(
            "{s:s, s:s, s:s?, s:s?, s:O, s:{s:s, s:[s]}, s:[o]}", "architecture",
            plat->architecture, "os", plat->os, "variant", plat->variant, "created", now, "config",
            cfg, "rootfs", "type", "layers", "diff_ids", diff_id, "history", hist);
        berth_platform_clear(&p);
        if (!c || !cfg || !now)
                return oom(err);
        int r = archive_apply_changes(cfg, opts->changes, err);
        if (r < 0)
                return r;
        if (!(*out = json_dumps(c, JSON_COMPACT)))
                return oom(err);
        return 0;
}

int berth_image_import_source(struct berth_image_store *s, int fd,
                              const struct berth_import_opts *opts, const char *source,
                              berth_import_wait_fn wait, void *wait_data,
                              berth_progress_fn progress, void *userdata, char **id_out,
                              struct berth_error *err)
{
        static const struct berth_import_opts none = {0};
        if (!opts)
                opts = &none;
        struct archive_plan plan = {0};
        struct archive_image *im = NULL;
        _cleanup_free_ char *cfg = NULL, *tag = NULL;
        char blob[BERTH_DIGEST_MAX], diff_id[BERTH_DIGEST_MAX], cfgd[BERTH_DIGEST_MAX];
        int r = opts->tag ? archive_normalise_tag(opts->tag, &tag, err) : 0;
        /* A bad change is refused before any byte is stored. */
        if (r >= 0 && opts->changes) {
                _cleanup_json_ json_t *probe = json_object();
                r = probe ? archive_apply_changes(probe, opts->changes, err) : oom(err);
        }
        if (progress && r >= 0)
                progress(userdata, "Copying", "rootfs", 0, 0);
        if (r >= 0)
                r = berth_blobstore_put_fd(berth_image_store_blobs(s), fd, NULL, -1, blob, err);
        /* The producer (a download) must have succeeded before the bytes count. */
        if (r >= 0 && wait)
                r = wait(wait_data, err);
        if (r >= 0)
                r = archive_unpack_blob(s, blob, diff_id, err);
        if (r >= 0)
                r = import_config(opts, source ? source : "-", diff_id, &cfg, err);
        if (r >= 0)
                r = berth_blobstore_put(berth_image_store_blobs(s), cfg, strlen(cfg), NULL, cfgd,
                                        err);
        if (r >= 0)
                r = archive_plan_add(&plan, &im, err);
        if (r >= 0 && tag && berth_strv_push(&im->tags, tag) < 0)
                r = oom(err);
        if (r >= 0)
                r = berth_image_config_parse(cfg, strlen(cfg), &im->config, err);
        if (r >= 0)
                r = archive_make_manifest(s, im->config, (char *[]){blob, NULL}, true,
                                          &im->manifest, err);
        if (r >= 0)
                r = archive_commit(s, &plan, progress, userdata, NULL, err);
        if (r >= 0 && id_out && !(*id_out = strdup(im->config->digest)))
                r = oom(err);
        archive_plan_clear(&plan);
        return r;
}

int berth_image_import(struct berth_image_store *s, int fd, const struct berth_import_opts *opts,
                       berth_progress_fn progress, void *userdata, char **id_out,
                       struct berth_error *err)
{
        int r = berth_image_import_source(s, fd, opts, "-", NULL, NULL, progress, userdata, id_out,
                                          err);
        return r < 0 ? berth_error_prefix(err, r, "import") : 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* berth image inspect, berth inspect (images for now: containers plug in later). */
#include <errno.h>
#include <string.h>

#include "basic/cleanup.h"
#include "basic/json.h"
#include "cli/berth/cli.h"
#include "cli/berth/cli_list.h"
#include "cli/berth/verbs.h"
#include "image/image.h"
#include "image/manifest.h"
#include "basic/banned.h"

static json_t *familiar_array(char *const *v)
{
        json_t *a = json_array();
        for (size_t i = 0; a && v && v[i]; i++) {
                char *f = berth_cli_familiar_name(v[i]);
                if (!f || json_array_append_new(a, json_string(f)) < 0) {
                        free(f);
                        json_decref(a);
                        return NULL;
                }
                free(f);
        }
        return a;
}

/* Docker's Config object: the classic keys in Docker's order, values from the stored
 * config (kept as written), optional keys only when present. */
static json_t *config_object(json_t *cfg)
{
        static const char *const opt_after_stderr[] = {"ExposedPorts"};
        static const char *const opt_after_cmd[] = {"Healthcheck", "ArgsEscaped"};
        static const char *const tail[] = {"Volumes", "WorkingDir", "Entrypoint", "OnBuild",
                                           "Labels"};
        static const char *const opt_tail[] = {"StopSignal", "Shell"};
        json_t *o = json_object(), *v;
        if (!o || !json_is_object(cfg))
                cfg = NULL;
#define STR(k)                                                                                     \
        json_object_set_new(o, k,                                                                  \
                            json_string((v = json_object_get(cfg, k)) && json_is_string(v)         \
                                            ? json_string_value(v)                                 \
                                            : ""))
#define COPY(k) json_object_set(o, k, (v = json_object_get(cfg, k)) ? v : json_null())
        if (!o)
                return NULL;
        STR("Hostname");
        STR("Domainname");
        STR("User");
        json_object_set_new(o, "AttachStdin", json_false());
        json_object_set_new(o, "AttachStdout", json_false());
        json_object_set_new(o, "AttachStderr", json_false());
        for (size_t i = 0; i < ARRAY_SIZE(opt_after_stderr); i++)
                if ((v = json_object_get(cfg, opt_after_stderr[i])))
                        json_object_set(o, opt_after_stderr[i], v);
        json_object_set_new(o, "Tty", json_false());
        json_object_set_new(o, "OpenStdin", json_false());
        json_object_set_new(o, "StdinOnce", json_false());
        COPY("Env");
        COPY("Cmd");
        for (size_t i = 0; i < ARRAY_SIZE(opt_after_cmd); i++)
                if ((v = json_object_get(cfg, opt_after_cmd[i])))
                        json_object_set(o, opt_after_cmd[i], v);
        STR("Image");
        for (size_t i = 0; i < ARRAY_SIZE(tail); i++)
                if (strcmp(tail[i], "WorkingDir") == 0)
                        STR("WorkingDir");
                else
                        COPY(tail[i]);
        for (size_t i = 0; i < ARRAY_SIZE(opt_tail); i++)
                if ((v = json_object_get(cfg, opt_tail[i])))
                        json_object_set(o, opt_tail[i], v);
#undef STR
#undef COPY
        return o;
}

static const char *raw_string(json_t *raw, const char *key)
{
        json_t *v = json_object_get(raw, key);
        return json_is_string(v) ? json_string_value(v) : "";
}

/* GraphDriver: the top layer as UpperDir, the ones below top first in LowerDir (as overlay
 * takes them). */
static json_t *graph_driver(struct berth_image_store *s, const char *root,
                            const struct berth_image_info *info)
{
        struct berth_buf lower = {0};
        _cleanup_free_ char *upper = NULL;
        for (size_t i = info->n_layers; i-- > 0;) {
                struct berth_layer_info l = {0};
                if (berth_image_layer_get(s, info->chain_ids[i], &l, NULL) < 0)
                        continue;
                _cleanup_free_ char *p =
                    berth_strdup_printf("%s/%s/%s", root, BERTH_LAYERS_DIR, l.dir);
                berth_layer_info_clear(&l);
                if (!p)
                        break;
                if (!upper)
                        upper = TAKE_PTR(p);
                else
                        berth_buf_printf(&lower, "%s%s", lower.len ? ":" : "", p);
        }
        json_t *data = json_object();
        if (data && lower.len)
                json_object_set_new(data, "LowerDir", json_string(lower.data));
        if (data && upper)
                json_object_set_new(data, "UpperDir", json_string(upper));
        berth_buf_free(&lower);
        return json_pack("{s:o?, s:s}", "Data", data, "Name", "overlay");
}

static int image_object(struct berth_cli *cli, struct berth_image_store *s, const char *name,
                        json_t **out, struct berth_error *err)
{
        struct berth_image_info *info = NULL;
        struct berth_image_config *c = NULL;
        _cleanup_json_ json_t *raw = NULL;
        int r = berth_image_get(s, name, &info, err);
        if (r >= 0)
                r = berth_image_get_config(s, info->id, &c, err);
        if (r >= 0)
                r = berth_json_parse(c->raw, c->raw_len, BERTH_MANIFEST_MAX, &raw, err);
        if (r < 0) {
                berth_image_info_free(info);
                berth_image_config_free(c);
                return r;
        }
        char tagtime[40];
        berth_cli_time_rfc3339(info->added, tagtime, sizeof(tagtime));
        json_t *layers = json_array();
        for (size_t i = 0; layers && i < c->n_diff_ids; i++)
                json_array_append_new(layers, json_string(c->diff_ids[i]));
        *out = json_pack(
            "{s:s, s:o?, s:o?, s:s, s:s, s:s, s:s, s:s, s:o?, s:s, s:s, s:I, s:o?, "
            "s:{s:s, s:o?}, s:{s:s}}",
            "Id", info->id, "RepoTags", familiar_array(info->tags), "RepoDigests",
            familiar_array(info->digests), "Parent", "", "Comment", raw_string(raw, "comment"),
            "Created", c->created ? c->created : "", "DockerVersion",
            raw_string(raw, "docker_version"), "Author", c->author ? c->author : "", "Config",
            config_object(json_object_get(raw, "config")), "Architecture",
            c->architecture ? c->architecture : "", "Os", c->os ? c->os : "", "Size",
            (json_int_t)info->size, "GraphDriver", graph_driver(s, cli->root, info), "RootFS",
            "Type", "layers", "Layers", layers, "Metadata", "LastTagTime", tagtime);
        if (*out && c->variant)
                json_object_set_new(*out, "Variant", json_string(c->variant));
        berth_image_info_free(info);
        berth_image_config_free(c);
        return *out ? 0 : berth_error_set(err, ENOMEM, "out of memory");
}

static int inspect(struct berth_cli *cli, const struct berth_cli_args *a, bool generic,
                   struct berth_error *err)
{
        struct berth_image_store *s;
        _cleanup_json_ json_t *items = json_array();
        const char *type = generic ? berth_cli_string(a, "type") : NULL;
        int status = 0;
        if (!items)
                return berth_error_set(err, ENOMEM, "out of memory");
        if (type && strcmp(type, "image") != 0 && strcmp(type, "container") != 0 &&
            strcmp(type, "volume") != 0 && strcmp(type, "network") != 0)
                return berth_error_set(err, EINVAL, "\"%.100s\" is not a valid value for --type",
                                       type);
        int r = berth_cli_image_store(cli, &s, err);
        if (r < 0)
                return r;
        for (int i = 0; i < a->argc; i++) {
                json_t *o = NULL;
                struct berth_error e = {0};
                r = type && strcmp(type, "image") != 0
                        ? berth_error_set(&e, ENOENT, "no such object")
                        : image_object(cli, s, a->argv[i], &o, &e);
                if (r < 0) {
                        if (generic && r == -ENOENT)
                                berth_error_set(&e, ENOENT, "no such object: %.200s", a->argv[i]);
                        else
                                berth_cli_image_error(a->argv[i], &e);
                        berth_cli_report(&e);
                        status = 1;
                        continue;
                }
                json_array_append_new(items, o);
        }
        const char *format = berth_cli_string(a, "format");
        if (format && *format) {
                r = berth_cli_render_each(cli, format, items, err);
        } else {
                _cleanup_free_ char *text = json_dumps(items, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
                struct berth_buf b = {0};
                r = text && berth_buf_printf(&b, "%s\n", text) >= 0
                        ? berth_cli_write(cli, &b, err)
                        : berth_error_set(err, ENOMEM, "out of memory");
                berth_buf_free(&b);
        }
        return r < 0 ? r : status;
}

static int run_image(struct berth_cli *cli, const struct berth_cli_args *a, struct berth_error *err)
{
        return inspect(cli, a, false, err);
}

static int run_generic(struct berth_cli *cli, const struct berth_cli_args *a,
                       struct berth_error *err)
{
        return inspect(cli, a, true, err);
}

static const struct berth_cli_opt image_opts[] = {
    {"format", 'f', BERTH_OPT_STRING, "string",
     "Format output using a custom template: 'json' or 'TEMPLATE' (a Go template)", NULL},
    {NULL, 0, 0, NULL, NULL, NULL},
};

static const struct berth_cli_opt generic_opts[] = {
    {"format", 'f', BERTH_OPT_STRING, "string",
     "Format output using a custom template: 'json' or 'TEMPLATE' (a Go template)", NULL},
    {"size", 's', BERTH_OPT_BOOL, NULL, "Display total file sizes if the type is container", NULL},
    {"type", 0, BERTH_OPT_STRING, "string", "Only inspect objects of the given type", NULL},
    {NULL, 0, 0, NULL, NULL, NULL},
};

const struct berth_cli_verb berth_verb_image_inspect = {
    .names = (const char *const[]){"image inspect", NULL},
    .usage = "[OPTIONS] IMAGE [IMAGE...]",
    .summary = "Display detailed information on one or more images",
    .opts = image_opts,
    .min_args = 1,
    .max_args = -1,
    .run = run_image,
};

const struct berth_cli_verb berth_verb_inspect = {
    .names = (const char *const[]){"inspect", NULL},
    .usage = "[OPTIONS] NAME|ID [NAME|ID...]",
    .summary = "Return low-level information on berth objects",
    .opts = generic_opts,
    .min_args = 1,
    .max_args = -1,
    .run = run_generic,
};

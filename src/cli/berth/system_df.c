/* SPDX-License-Identifier: Apache-2.0 */
/* berth system df.  Containers, volumes and the build cache are zeros until they exist. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "basic/cleanup.h"
#include "basic/json.h"
#include "cli/berth/cli.h"
#include "cli/berth/cli_list.h"
#include "cli/berth/verbs.h"
#include "image/image.h"
#include "basic/banned.h"

#define DF_TABLE "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"

/* go-units HumanSize (4 significant digits), which `system df` uses. */
static void human4(int64_t size, char *buf, size_t len)
{
        static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
        double v = (double)size;
        size_t i = 0;
        while (v >= 1000.0 && i + 1 < ARRAY_SIZE(units)) {
                v /= 1000.0;
                i++;
        }
        snprintf(buf, len, "%.4g%s", v, units[i]);
}

static json_t *df_row(const char *type, int64_t total, int64_t active, int64_t size,
                      int64_t reclaimable)
{
        char s[32], rec[48], tot[24], act[24];
        snprintf(tot, sizeof(tot), "%lld", (long long)total);
        snprintf(act, sizeof(act), "%lld", (long long)active);
        human4(size, s, sizeof(s));
        human4(reclaimable, rec, sizeof(rec));
        if (size > 0) {
                size_t n = strlen(rec);
                snprintf(rec + n, sizeof(rec) - n, " (%d%%)", (int)(100 * reclaimable / size));
        }
        return json_pack("{s:s, s:s, s:s, s:s, s:s}", "Active", act, "Reclaimable", rec, "Size", s,
                         "TotalCount", tot, "Type", type);
}

/* Bytes of an image's layers that other images hold too (layer refcount > 1). */
static int shared_size(struct berth_image_store *s, const char *id, int64_t *out,
                       struct berth_error *err)
{
        struct berth_image_info *info = NULL;
        int r = berth_image_get(s, id, &info, err);
        *out = 0;
        for (size_t i = 0; r >= 0 && i < info->n_layers; i++) {
                struct berth_layer_info l = {0};
                r = berth_image_layer_get(s, info->chain_ids[i], &l, err);
                if (r >= 0 && l.refcount > 1)
                        *out += l.size;
                berth_layer_info_clear(&l);
        }
        berth_image_info_free(info);
        return r < 0 ? r : 0;
}

static int verbose(struct berth_cli *cli, struct berth_image_store *s, struct berth_error *err)
{
        struct berth_image_summary *v = NULL;
        size_t n = 0;
        int r = berth_image_list(s, BERTH_IMAGES_ALL, &v, &n, err);
        if (r < 0)
                return r;
        _cleanup_json_ json_t *rows = json_array();
        int64_t now = (int64_t)time(NULL);
        int64_t shared = 0;
        for (size_t i = 0; rows && r >= 0 && i < n; i++) {
                char id[32], since[64], size[32], sh[32], uniq[32];
                if (i == 0 || strcmp(v[i].id, v[i - 1].id) != 0)
                        r = shared_size(s, v[i].id, &shared, err);
                human4(shared, sh, sizeof(sh));
                human4(v[i].size - shared, uniq, sizeof(uniq));
                _cleanup_free_ char *fam = v[i].repo ? berth_cli_familiar_name(v[i].repo) : NULL;
                berth_cli_created_since(v[i].created, now, since, sizeof(since));
                human4(v[i].size, size, sizeof(size));
                json_array_append_new(
                    rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Repository",
                                    fam ? fam : "<none>", "Tag", v[i].tag ? v[i].tag : "<none>",
                                    "ID", berth_cli_short_id(v[i].id, false, id, sizeof(id)),
                                    "CreatedSince", since, "Size", size, "SharedSize", sh,
                                    "UniqueSize", uniq, "Containers", "0"));
        }
        berth_image_list_free(v, n);
        if (r < 0)
                return r;
        if (!rows)
                return berth_error_set(err, ENOMEM, "out of memory");
        _cleanup_json_ json_t *h = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Repository", "REPOSITORY", "Tag", "TAG",
            "ID", "IMAGE ID", "CreatedSince", "CREATED", "Size", "SIZE", "SharedSize",
            "SHARED SIZE", "UniqueSize", "UNIQUE SIZE", "Containers", "CONTAINERS");
        fputs("Images space usage:\n\n", cli->out);
        r = berth_cli_render(
            cli,
            "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
            "\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}",
            rows, h, err);
        if (r < 0)
                return r;
        fputs("\nContainers space usage:\n\n"
              "CONTAINER ID   IMAGE     COMMAND   LOCAL VOLUMES   SIZE      CREATED   STATUS    "
              "NAMES\n"
              "\nLocal Volumes space usage:\n\nVOLUME NAME   LINKS     SIZE\n"
              "\nBuild cache usage: 0B\n\n"
              "CACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED\n",
              cli->out);
        return 0;
}

static int run(struct berth_cli *cli, const struct berth_cli_args *a, struct berth_error *err)
{
        struct berth_image_store *s;
        struct berth_image_usage u = {0};
        const char *format = berth_cli_string(a, "format");
        int r = berth_cli_image_store(cli, &s, err);
        if (r >= 0)
                r = berth_image_disk_usage(s, &u, err);
        if (r < 0)
                return r;
        if (berth_cli_bool(a, "verbose") && (!format || !*format))
                return verbose(cli, s, err);
        /* No containers yet: every image is reclaimable. */
        _cleanup_json_ json_t *rows =
            json_pack("[o, o, o, o]", df_row("Images", u.images, 0, u.layers_size, u.layers_size),
                      df_row("Containers", 0, 0, 0, 0), df_row("Local Volumes", 0, 0, 0, 0),
                      df_row("Build Cache", 0, 0, 0, 0));
        _cleanup_json_ json_t *h =
            json_pack("{s:s, s:s, s:s, s:s, s:s}", "Type", "TYPE", "TotalCount", "TOTAL", "Active",
                      "ACTIVE", "Size", "SIZE", "Reclaimable", "RECLAIMABLE");
        if (!rows)
                return berth_error_set(err, ENOMEM, "out of memory");
        if (!format || !*format || berth_cli_format_is_bare_table(format))
                format = DF_TABLE;
        return berth_cli_render(cli, format, rows, h, err);
}

static const struct berth_cli_opt opts[] = {
    {"format", 0, BERTH_OPT_STRING, "string",
     "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or "
     "'TEMPLATE' (a Go template)",
     NULL},
    {"verbose", 'v', BERTH_OPT_BOOL, NULL, "Show detailed information on space usage", NULL},
    {NULL, 0, 0, NULL, NULL, NULL},
};

const struct berth_cli_verb berth_verb_system_df = {
    .names = (const char *const[]){"system df", NULL},
    .usage = "[OPTIONS]",
    .summary = "Show berth disk usage",
    .opts = opts,
    .min_args = 0,
    .max_args = 0,
    .run = run,
};

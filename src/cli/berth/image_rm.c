/* SPDX-License-Identifier: Apache-2.0 */
/* berth tag / image tag, berth rmi / image rm, berth image prune. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "basic/cleanup.h"
#include "cli/berth/cli.h"
#include "cli/berth/cli_list.h"
#include "cli/berth/verbs.h"
#include "image/image.h"
#include "image/manifest.h"
#include "basic/banned.h"

/* ------------------------------------------------------------------ tag */

static int run_tag(struct berth_cli *cli, const struct berth_cli_args *a, struct berth_error *err)
{
        struct berth_image_store *s;
        int r = berth_cli_image_store(cli, &s, err);
        if (r < 0)
                return r;
        r = berth_image_tag(s, a->argv[0], a->argv[1], err);
        if (r < 0)
                berth_cli_image_error(a->argv[0], err);
        return r;
}

const struct berth_cli_verb berth_verb_image_tag = {
    .names = (const char *const[]){"image tag", "tag", NULL},
    .usage = "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
    .summary = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
    .min_args = 2,
    .max_args = 2,
    .run = run_tag,
};

/* ------------------------------------------------------------------ rmi */

static int print_removal(struct berth_cli *cli, const struct berth_image_removal *out, bool lower,
                         struct berth_error *err)
{
        struct berth_buf b = {0};
        int r = 0;
        for (size_t i = 0; r >= 0 && out->untagged && out->untagged[i]; i++) {
                _cleanup_free_ char *f = berth_cli_familiar_name(out->untagged[i]);
                r = berth_buf_printf(&b, "%s: %s\n", lower ? "untagged" : "Untagged",
                                     f ? f : out->untagged[i]);
        }
        for (size_t i = 0; r >= 0 && out->deleted && out->deleted[i]; i++)
                r = berth_buf_printf(&b, "%s: %s\n", lower ? "deleted" : "Deleted",
                                     out->deleted[i]);
        r = r < 0 ? berth_error_set(err, ENOMEM, "out of memory") : berth_cli_write(cli, &b, err);
        berth_buf_free(&b);
        return r;
}

/* Docker's wording for an image removal refused. */
static void removal_error(struct berth_image_store *s, const char *name, int r,
                          struct berth_error *e)
{
        _cleanup_free_ char *id = NULL;
        char sid[32];
        if (r == -EBUSY && strstr(e->msg, "referenced in") &&
            berth_image_resolve(s, name, &id, NULL) >= 0) {
                berth_error_set(e, EBUSY,
                                "conflict: unable to delete %s (must be forced) - image is "
                                "referenced in multiple repositories",
                                berth_cli_short_id(id, false, sid, sizeof(sid)));
                return;
        }
        const char *c = strstr(e->msg, "conflict:");
        if (c && c != e->msg)
                memmove(e->msg, c, strlen(c) + 1);
        berth_cli_image_error(name, e);
}

static int run_rmi(struct berth_cli *cli, const struct berth_cli_args *a, struct berth_error *err)
{
        struct berth_image_store *s;
        bool force = berth_cli_bool(a, "force");
        int status = 0;
        int r = berth_cli_image_store(cli, &s, err);
        if (r < 0)
                return r;
        for (int i = 0; i < a->argc; i++) {
                struct berth_image_removal out = {0};
                struct berth_error e = {0};
                r = berth_image_remove(s, a->argv[i], force, berth_cli_image_in_use, s, &out, &e);
                if (r < 0) {
                        removal_error(s, a->argv[i], r, &e);
                        berth_cli_report(&e);
                        status = 1;
                }
                if (print_removal(cli, &out, false, &e) < 0 ||
                    berth_image_remove_layer_dirs(s, out.layer_dirs, &e) < 0) {
                        berth_cli_report(&e);
                        status = 1;
                }
                berth_image_removal_clear(&out);
        }
        return status;
}

static const struct berth_cli_opt rmi_opts[] = {
    {"force", 'f', BERTH_OPT_BOOL, NULL, "Force removal of the image", NULL},
    {"no-prune", 0, BERTH_OPT_BOOL, NULL,
     "Do not delete untagged parents (berth images have no parent images)", NULL},
    {NULL, 0, 0, NULL, NULL, NULL},
};

const struct berth_cli_verb berth_verb_image_rm = {
    .names = (const char *const[]){"image rm", "image remove", "rmi", NULL},
    .usage = "[OPTIONS] IMAGE [IMAGE...]",
    .summary = "Remove one or more images",
    .opts = rmi_opts,
    .min_args = 1,
    .max_args = -1,
    .run = run_rmi,
};

/* ------------------------------------------------------------------ prune */

/* Go durations as Docker's until= takes them: "24h", "1h30m", "90s", "1.5h". */
static int parse_duration(const char *s, int64_t *secs)
{
        double total = 0;
        if (!*s)
                return -EINVAL;
        while (*s) {
                char *end;
                double v = strtod(s, &end);
                if (end == s || v < 0)
                        return -EINVAL;
                s = end;
                if (*s == 'h')
                        total += v * 3600;
                else if (*s == 'm' && s[1] != 's')
                        total += v * 60;
                else if (*s == 's')
                        total += v;
                else if (berth_startswith(s, "ms"))
                        total += v / 1000, s++;
                else
                        return -EINVAL;
                s++;
        }
        *secs = (int64_t)total;
        return 0;
}

/* until=: a duration before now, a unix time, an RFC 3339 time or a date. */
static int parse_until(const char *v, int64_t *out, struct berth_error *err)
{
        int64_t d;
        char date[40];
        if (parse_duration(v, &d) == 0)
                return *out = (int64_t)time(NULL) - d, 0;
        if (berth_parse_int64(v, 0, INT64_MAX, out) == 0)
                return 0;
        if (berth_parse_rfc3339(v, out) == 0)
                return 0;
        if (strlen(v) == 10 && snprintf(date, sizeof(date), "%sT00:00:00Z", v) > 0 &&
            berth_parse_rfc3339(date, out) == 0)
                return 0;
        return berth_error_set(err, EINVAL, "invalid filter 'until=%.100s': not a duration or time",
                               v);
}

struct prune_filter {
        bool has_until;
        int64_t until;
        char **labels;
};

static int prune_filtered(struct berth_image_store *s, bool all, const struct prune_filter *f,
                          struct berth_image_removal *out, struct berth_error *err)
{
        struct berth_image_summary *v = NULL;
        size_t n = 0;
        int r = berth_image_list(s, all ? BERTH_IMAGES_ALL : BERTH_IMAGES_DANGLING, &v, &n, err);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                if ((i > 0 && strcmp(v[i].id, v[i - 1].id) == 0) ||
                    (f->has_until && v[i].created >= f->until))
                        continue;
                if (f->labels) {
                        struct berth_image_config *c = NULL;
                        r = berth_image_get_config(s, v[i].id, &c, err);
                        if (r < 0)
                                break;
                        bool match = berth_cli_labels_match(c->labels, c->n_labels, f->labels);
                        berth_image_config_free(c);
                        if (!match)
                                continue;
                }
                struct berth_error e = {0};
                r = berth_image_remove(s, v[i].id, true, berth_cli_image_in_use, s, out, &e);
                if (r == -EBUSY) /* in use: prune leaves it */
                        r = 0;
                else if (r < 0)
                        *err = e;
        }
        berth_image_list_free(v, n);
        if (r >= 0)
                r = berth_image_remove_layer_dirs(s, out->layer_dirs, err);
        struct berth_image_gc_result gc = {0};
        if (r >= 0)
                r = berth_image_gc(s, BERTH_BLOB_TMP_MAX_AGE, &gc, err);
        berth_image_gc_result_clear(&gc);
        return r;
}

static bool confirm(const char *warning)
{
        char line[64];
        fprintf(stdout, "%s\nAre you sure you want to continue? [y/N] ", warning);
        fflush(stdout);
        if (!fgets(line, sizeof(line), stdin))
                return false;
        line[strcspn(line, "\r\n")] = '\0';
        return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

static int parse_prune_filters(char **filters, struct prune_filter *f, bool *any,
                               struct berth_error *err)
{
        for (size_t i = 0; filters && filters[i]; i++) {
                _cleanup_free_ char *key = NULL;
                const char *val;
                int r = berth_cli_filter_split(filters[i], &key, &val, err);
                if (r < 0)
                        return r;
                *any = true;
                if (strcmp(key, "until") == 0) {
                        r = parse_until(val, &f->until, err);
                        f->has_until = true;
                } else if (strcmp(key, "label") == 0) {
                        r = berth_strv_push(&f->labels, val) < 0
                                ? berth_error_set(err, ENOMEM, "out of memory")
                                : 0;
                } else {
                        r = berth_error_set(err, EINVAL, "invalid filter '%.100s'", key);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static int run_prune(struct berth_cli *cli, const struct berth_cli_args *a, struct berth_error *err)
{
        struct berth_image_store *s;
        struct prune_filter f = {0};
        struct berth_image_usage before = {0}, after = {0};
        struct berth_image_removal out = {0};
        bool all = berth_cli_bool(a, "all"), filtered = false;
        int r = parse_prune_filters(berth_cli_strv(a, "filter"), &f, &filtered, err);
        if (r < 0)
                goto done;
        if (!berth_cli_bool(a, "force") &&
            !confirm(all ? "WARNING! This will remove all images without at least one container "
                           "associated to them."
                         : "WARNING! This will remove all dangling images."))
                goto done;
        r = berth_cli_image_store(cli, &s, err);
        if (r >= 0)
                r = berth_image_disk_usage(s, &before, err);
        if (r >= 0)
                r = filtered ? prune_filtered(s, all, &f, &out, err)
                             : berth_image_prune(s, all, berth_cli_image_in_use, s, &out, err);
        if (r >= 0)
                r = berth_image_disk_usage(s, &after, err);
        if (r >= 0 && (out.untagged || out.deleted)) {
                fputs("Deleted Images:\n", cli->out);
                r = print_removal(cli, &out, true, err);
                fputc('\n', cli->out);
        }
        if (r >= 0) {
                char size[32];
                int64_t freed = (before.layers_size + before.blobs_size) -
                                (after.layers_size + after.blobs_size);
                berth_cli_human_size(freed > 0 ? freed : 0, size, sizeof(size));
                fprintf(cli->out, "Total reclaimed space: %s\n", size);
        }
done:
        berth_strv_free(f.labels);
        berth_image_removal_clear(&out);
        return r;
}

static const struct berth_cli_opt prune_opts[] = {
    {"all", 'a', BERTH_OPT_BOOL, NULL, "Remove all unused images, not just dangling ones", NULL},
    {"filter", 0, BERTH_OPT_STRV, "filter",
     "Provide filter values (e.g. \"until=<timestamp>\", \"label=k=v\")", NULL},
    {"force", 'f', BERTH_OPT_BOOL, NULL, "Do not prompt for confirmation", NULL},
    {NULL, 0, 0, NULL, NULL, NULL},
};

const struct berth_cli_verb berth_verb_image_prune = {
    .names = (const char *const[]){"image prune", NULL},
    .usage = "[OPTIONS]",
    .summary = "Remove unused images",
    .opts = prune_opts,
    .min_args = 0,
    .max_args = 0,
    .run = run_prune,
};

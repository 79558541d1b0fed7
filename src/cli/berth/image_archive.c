/* SPDX-License-Identifier: Apache-2.0 */
/* berth load / save / import and image bootstrap over src/image/archive.h.  Linked into the
 * berth-archive helper only, so that `berth` itself does not load libarchive (see
 * image_archive_verbs.c). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "cli/berth/cli.h"
#include "cli/berth/verbs.h"
#include "image/archive.h"
#include "image/archive_url.h"
#include "image/image.h"
#include "basic/banned.h"

static int open_input(const char *path, int *fd, struct berth_error *err)
{
        if (!path || strcmp(path, "-") == 0) {
                *fd = STDIN_FILENO;
                return 0;
        }
        *fd = open(path, O_RDONLY | O_CLOEXEC);
        if (*fd < 0)
                return berth_error_errno(err, "open '%.200s'", path);
        return 0;
}

/* ------------------------------------------------------------------ load */

static int run_load(struct berth_cli *cli, const struct berth_cli_args *a, struct berth_error *err)
{
        struct berth_image_store *s;
        struct berth_cli_progress p;
        struct berth_load_result res = {0};
        const char *input = berth_cli_string(a, "input");
        int fd = -1;
        if (!input && isatty(STDIN_FILENO) == 1)
                return berth_error_set(err, EINVAL,
                                       "requested load from stdin, but stdin is a terminal: use "
                                       "-i FILE or redirect");
        int r = berth_cli_image_store(cli, &s, err);
        if (r >= 0)
                r = open_input(input, &fd, err);
        if (r < 0)
                return r;
        berth_cli_progress_init(&p, berth_cli_bool(a, "quiet"));
        r = berth_image_load(s, fd, BERTH_ARCHIVE_AUTO, berth_cli_progress_cb, &p, &res, err);
        berth_cli_progress_end(&p);
        if (fd != STDIN_FILENO)
                close(fd);
        for (size_t i = 0; r >= 0 && res.images && res.images[i]; i++) {
                if (berth_startswith(res.images[i], "sha256:")) {
                        fprintf(cli->out, "Loaded image ID: %s\n", res.images[i]);
                } else {
                        _cleanup_free_ char *f = berth_cli_familiar_name(res.images[i]);
                        fprintf(cli->out, "Loaded image: %s\n", f ? f : res.images[i]);
                }
        }
        berth_load_result_clear(&res);
        return r;
}

/* ------------------------------------------------------------------ save */

static int parse_save_format(const char *s, enum berth_archive_format *out, struct berth_error *err)
{
        if (!s || strcmp(s, "docker-archive") == 0)
                *out = BERTH_ARCHIVE_DOCKER;
        else if (strcmp(s, "oci-archive") == 0)
                *out = BERTH_ARCHIVE_OCI;
        else if (strcmp(s, "oci-dir") == 0)
                *out = BERTH_ARCHIVE_OCI_DIR;
        else
                return berth_error_set(err, EINVAL,
                                       "--format: unknown archive format '%.60s' (docker-archive, "
                                       "oci-archive or oci-dir)",
                                       s);
        return 0;
}

static int run_save(struct berth_cli *cli, const struct berth_cli_args *a, struct berth_error *err)
{
        struct berth_image_store *s;
        struct berth_cli_progress p;
        enum berth_archive_format fmt;
        const char *output = berth_cli_string(a, "output");
        int fd = STDOUT_FILENO;
        int r = parse_save_format(berth_cli_string(a, "format"), &fmt, err);
        if (r < 0)
                return r;
        if (fmt == BERTH_ARCHIVE_OCI_DIR && (!output || !*output))
                return berth_error_set(err, EINVAL, "--format oci-dir needs -o DIRECTORY");
        if ((!output || strcmp(output, "-") == 0) && isatty(STDOUT_FILENO) == 1)
                return berth_error_set(err, EINVAL,
                                       "cowardly refusing to save to a terminal. Use the -o flag "
                                       "or redirect");
        r = berth_cli_image_store(cli, &s, err);
        for (int i = 0; r >= 0 && i < a->argc; i++) {
                _cleanup_free_ char *id = NULL;
                r = berth_image_resolve(s, a->argv[i], &id, err);
                if (r < 0)
                        berth_cli_image_error(a->argv[i], err);
        }
        if (r < 0)
                return r;
        if (output && strcmp(output, "-") != 0 && fmt != BERTH_ARCHIVE_OCI_DIR) {
                fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (fd < 0)
                        return berth_error_errno(err, "open '%.200s'", output);
        }
        fflush(cli->out);
        berth_cli_progress_init(&p, false);
        r = berth_image_save(s, a->argv, fmt, fd, fmt == BERTH_ARCHIVE_OCI_DIR ? output : NULL,
                             berth_cli_progress_cb, &p, err);
        berth_cli_progress_end(&p);
        if (fd != STDOUT_FILENO) {
                if (close(fd) < 0 && r >= 0)
                        r = berth_error_errno(err, "close '%.200s'", output);
                if (r < 0)
                        unlink(output);
        }
        return r;
}

/* ------------------------------------------------------------------ import */

static int import_source(const char *src, const char **path, struct berth_error *err)
{
        const char *sep = strstr(src, "://");
        if (!sep) {
                *path = src;
                return 0;
        }
        if (berth_startswith(src, "file://")) {
                *path = src + strlen("file://");
                return 0;
        }
        return berth_error_set(err, EPROTONOSUPPORT,
                               "importing from '%.*s' URLs is not supported (http, https and "
                               "file URLs work)",
                               (int)(sep - src), src);
}

/* http(s): downloaded by libcurl and streamed into the import (image/archive_url.c). */
static int import_url(struct berth_cli *cli, const char *url, const struct berth_import_opts *o,
                      struct berth_error *err)
{
        struct berth_image_store *s;
        struct berth_cli_progress p;
        _cleanup_free_ char *id = NULL;
        int r = berth_cli_image_store(cli, &s, err);
        if (r < 0)
                return r;
        berth_cli_progress_init(&p, false);
        r = berth_image_import_url(s, url, o, berth_cli_progress_cb, &p, &id, err);
        berth_cli_progress_end(&p);
        if (r >= 0)
                fprintf(cli->out, "%s\n", id);
        return r;
}

static int run_import(struct berth_cli *cli, const struct berth_cli_args *a,
                      struct berth_error *err)
{
        struct berth_image_store *s;
        struct berth_cli_progress p;
        _cleanup_free_ char *id = NULL;
        const char *path = NULL;
        int fd = -1;
        struct berth_import_opts o = {
            .changes = berth_cli_strv(a, "change"),
            .message = berth_cli_string(a, "message"),
            .tag = a->argc > 1 ? a->argv[1] : NULL,
            .platform = berth_cli_string(a, "platform"),
        };
        if (berth_image_url_is_http(a->argv[0]))
                return import_url(cli, a->argv[0], &o, err);
        int r = import_source(a->argv[0], &path, err);
        if (r >= 0 && strcmp(path, "-") == 0 && isatty(STDIN_FILENO) == 1)
                r = berth_error_set(err, EINVAL, "import from stdin, but stdin is a terminal");
        if (r >= 0)
                r = berth_cli_image_store(cli, &s, err);
        if (r >= 0)
                r = open_input(path, &fd, err);
        if (r < 0)
                return r;
        berth_cli_progress_init(&p, false);
        r = berth_image_import(s, fd, &o, berth_cli_progress_cb, &p, &id, err);
        berth_cli_progress_end(&p);
        if (fd != STDIN_FILENO)
                close(fd);
        if (r >= 0)
                fprintf(cli->out, "%s\n", id);
        return r;
}

/* ------------------------------------------------------------------ bootstrap */

static int run_bootstrap(struct berth_cli *cli, const struct berth_cli_args *a,
                         struct berth_error *err)
{
        struct berth_image_store *s;
        _cleanup_free_ char *id = NULL;
        int r = berth_cli_image_store(cli, &s, err);
        if (r >= 0)
                r = berth_image_bootstrap(s, a->argv[0], berth_cli_string(a, "tag"), &id, err);
        if (r >= 0)
                fprintf(cli->out, "%s\n", id);
        return r;
}

int berth_cli_archive_run(struct berth_cli *cli, const struct berth_cli_args *a,
                          struct berth_error *err)
{
        if (a->verb == &berth_verb_image_load)
                return run_load(cli, a, err);
        if (a->verb == &berth_verb_image_save)
                return run_save(cli, a, err);
        if (a->verb == &berth_verb_image_import)
                return run_import(cli, a, err);
        if (a->verb == &berth_verb_image_bootstrap)
                return run_bootstrap(cli, a, err);
        return berth_error_set(err, EINVAL, "not an archive verb: %s", a->name);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-image-tool: the image archive library from the command line, for the system tests
 * and bench/load.sh until the berth CLI has load/save.
 *
 *   berth-image-tool --root DIR load [-i FILE]                 (stdin when no -i)
 *   berth-image-tool --root DIR save [-o FILE] [--format docker-archive|oci-archive|oci-dir]
 *                    NAME...                                     (oci-dir: -o is the dir)
 *   berth-image-tool --root DIR bootstrap [busybox [TAG]]
 *   berth-image-tool --root DIR import [-c CHANGE]... [-m MSG] FILE|- [TAG]
 *   berth-image-tool --root DIR images                         (id and tag per line)
 *   berth-image-tool --root DIR inspect NAME                   (id, manifest digest, tags)
 *   berth-image-tool --root DIR mount IMAGE CONTAINER_ID TARGET_DIR
 *                    (storage driver: a writable container over the image's layers, mounted
 *                    on TARGET_DIR; the storage root is DIR, next to the image store)
 *   berth-image-tool --root DIR umount CONTAINER_ID TARGET_DIR (lazy unmount of TARGET_DIR)
 *   berth-image-tool --root DIR remove CONTAINER_ID            (the container's storage)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/strutil.h"
#include "image/archive.h"
#include "image/image.h"
#include "image/storage.h"
#include "basic/banned.h"

static int usage(void)
{
        fprintf(stderr, "usage: berth-image-tool --root DIR load|save|bootstrap|import|images|"
                        "inspect|mount|umount|remove ...\n");
        return 2;
}

static int fail(const struct berth_error *err)
{
        fprintf(stderr, "berth-image-tool: %s\n", err->msg);
        return 1;
}

static int cmd_load(struct berth_image_store *s, int argc, char **argv)
{
        int fd = STDIN_FILENO;
        if (argc >= 2 && !strcmp(argv[0], "-i")) {
                fd = open(argv[1], O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        perror(argv[1]);
                        return 1;
                }
        }
        struct berth_error err = {0};
        struct berth_load_result res = {0};
        if (berth_image_load(s, fd, BERTH_ARCHIVE_AUTO, NULL, NULL, &res, &err) < 0)
                return fail(&err);
        for (size_t i = 0; res.images && res.images[i]; i++)
                printf("Loaded image: %s\n", res.images[i]);
        berth_load_result_clear(&res);
        return 0;
}

static int cmd_save(struct berth_image_store *s, int argc, char **argv)
{
        const char *out = NULL;
        enum berth_archive_format fmt = BERTH_ARCHIVE_DOCKER;
        int i = 0;
        for (; i + 1 < argc; i += 2) {
                if (!strcmp(argv[i], "-o"))
                        out = argv[i + 1];
                else if (!strcmp(argv[i], "--format"))
                        fmt = !strcmp(argv[i + 1], "oci-archive") ? BERTH_ARCHIVE_OCI
                              : !strcmp(argv[i + 1], "oci-dir")   ? BERTH_ARCHIVE_OCI_DIR
                                                                  : BERTH_ARCHIVE_DOCKER;
                else
                        break;
        }
        if (i >= argc || (fmt == BERTH_ARCHIVE_OCI_DIR && !out))
                return usage();
        int fd = STDOUT_FILENO;
        if (out && fmt != BERTH_ARCHIVE_OCI_DIR) {
                fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (fd < 0) {
                        perror(out);
                        return 1;
                }
        }
        struct berth_error err = {0};
        if (berth_image_save(s, argv + i, fmt, fd, fmt == BERTH_ARCHIVE_OCI_DIR ? out : NULL, NULL,
                             NULL, &err) < 0)
                return fail(&err);
        if (fd != STDOUT_FILENO && close(fd) < 0) {
                perror(out);
                return 1;
        }
        return 0;
}

static int cmd_import(struct berth_image_store *s, int argc, char **argv)
{
        _cleanup_strv_free_ char **changes = NULL;
        struct berth_import_opts o = {0};
        int i = 0;
        for (; i + 1 < argc && argv[i][0] == '-' && argv[i][1]; i += 2) {
                if (!strcmp(argv[i], "-c"))
                        berth_strv_push(&changes, argv[i + 1]);
                else if (!strcmp(argv[i], "-m"))
                        o.message = argv[i + 1];
                else
                        return usage();
        }
        if (i >= argc)
                return usage();
        o.changes = changes;
        o.tag = i + 1 < argc ? argv[i + 1] : NULL;
        int fd = strcmp(argv[i], "-") ? open(argv[i], O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
        if (fd < 0) {
                perror(argv[i]);
                return 1;
        }
        struct berth_error err = {0};
        _cleanup_free_ char *id = NULL;
        if (berth_image_import(s, fd, &o, NULL, NULL, &id, &err) < 0)
                return fail(&err);
        printf("%s\n", id);
        return 0;
}

static int cmd_images(struct berth_image_store *s)
{
        struct berth_image_summary *v = NULL;
        size_t n = 0;
        struct berth_error err = {0};
        if (berth_image_list(s, BERTH_IMAGES_ALL, &v, &n, &err) < 0)
                return fail(&err);
        for (size_t i = 0; i < n; i++)
                printf("%s %s:%s\n", v[i].id, v[i].repo ? v[i].repo : "<none>",
                       v[i].tag ? v[i].tag : "<none>");
        berth_image_list_free(v, n);
        return 0;
}

static int cmd_inspect(struct berth_image_store *s, const char *name)
{
        struct berth_image_info *i = NULL;
        struct berth_error err = {0};
        if (berth_image_get(s, name, &i, &err) < 0)
                return fail(&err);
        printf("id %s\nmanifest %s\n", i->id, i->manifest_digest ? i->manifest_digest : "-");
        for (size_t t = 0; i->tags && i->tags[t]; t++)
                printf("tag %s\n", i->tags[t]);
        for (size_t l = 0; l < i->n_layers; l++)
                printf("layer %s\n", i->chain_ids[l]);
        berth_image_info_free(i);
        return 0;
}

/* The layer directories of `name` (names under <root>/layers), top first, NULL-terminated. */
static int image_lowers(struct berth_image_store *s, const char *name, char ***out,
                        struct berth_error *err)
{
        struct berth_image_info *info = NULL;
        int r = berth_image_get(s, name, &info, err);
        if (r < 0)
                return r;
        char **v = calloc(info->n_layers + 1, sizeof(*v));
        if (!v) {
                berth_image_info_free(info);
                return berth_error_set(err, ENOMEM, "layers of %s: out of memory", name);
        }
        for (size_t i = 0; i < info->n_layers; i++) {
                struct berth_layer_info l = {0};
                r = berth_image_layer_get(s, info->chain_ids[info->n_layers - 1 - i], &l, err);
                if (r < 0)
                        break;
                v[i] = l.dir;
                l.dir = NULL;
                berth_layer_info_clear(&l);
        }
        berth_image_info_free(info);
        if (r < 0) {
                berth_strv_free(v);
                return berth_error_prefix(err, r, "image %s", name);
        }
        *out = v;
        return 0;
}

static int cmd_mount(struct berth_image_store *is, const char *root, char **argv)
{
        struct berth_error err = {0};
        _cleanup_strv_free_ char **lowers = NULL;
        if (image_lowers(is, argv[0], &lowers, &err) < 0)
                return fail(&err);
        int tfd = open(argv[2], O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (tfd < 0) {
                perror(argv[2]);
                return 1;
        }
        struct berth_storage *st = NULL;
        int ret = 0;
        if (berth_storage_open(root, NULL, &st, &err) < 0) {
                ret = fail(&err);
        } else if (berth_storage_create_rw(st, argv[1], (const char *const *)lowers, &err) < 0) {
                ret = fail(&err);
        } else if (berth_storage_mount(st, argv[1], (const char *const *)lowers, tfd, 0, &err) <
                   0) {
                ret = fail(&err);
                struct berth_error e2 = {0};
                (void)berth_storage_remove(st, argv[1], &e2);
        }
        berth_storage_close(st);
        close(tfd);
        return ret;
}

/* umount ID TARGET (the target first, lazily, then the driver's own mounts) or remove ID. */
static int cmd_umount_remove(const char *root, bool remove, char **argv)
{
        if (!remove && umount2(argv[1], MNT_DETACH) < 0 && errno != EINVAL) {
                perror(argv[1]);
                return 1;
        }
        struct berth_storage *st = NULL;
        struct berth_error err = {0};
        if (berth_storage_open(root, NULL, &st, &err) < 0)
                return fail(&err);
        int r = remove ? berth_storage_remove(st, argv[0], &err)
                       : berth_storage_umount(st, argv[0], &err);
        berth_storage_close(st);
        return r < 0 ? fail(&err) : 0;
}

int main(int argc, char **argv)
{
        if (argc < 4 || strcmp(argv[1], "--root"))
                return usage();
        struct berth_image_store *s = NULL;
        struct berth_error err = {0};
        if (berth_image_store_open(argv[2], &s, &err) < 0)
                return fail(&err);
        const char *cmd = argv[3];
        int rest = argc - 4, ret;
        char **args = argv + 4;
        if (!strcmp(cmd, "load")) {
                ret = cmd_load(s, rest, args);
        } else if (!strcmp(cmd, "save")) {
                ret = cmd_save(s, rest, args);
        } else if (!strcmp(cmd, "import")) {
                ret = cmd_import(s, rest, args);
        } else if (!strcmp(cmd, "images")) {
                ret = cmd_images(s);
        } else if (!strcmp(cmd, "inspect") && rest == 1) {
                ret = cmd_inspect(s, args[0]);
        } else if (!strcmp(cmd, "mount") && rest == 3) {
                ret = cmd_mount(s, argv[2], args);
        } else if (!strcmp(cmd, "umount") && rest == 2) {
                ret = cmd_umount_remove(argv[2], false, args);
        } else if (!strcmp(cmd, "remove") && rest == 1) {
                ret = cmd_umount_remove(argv[2], true, args);
        } else if (!strcmp(cmd, "bootstrap")) {
                _cleanup_free_ char *id = NULL;
                ret = berth_image_bootstrap(s, rest ? args[0] : "busybox",
                                            rest > 1 ? args[1] : NULL, &id, &err) < 0
                          ? fail(&err)
                          : (printf("%s\n", id), 0);
        } else {
                ret = usage();
        }
        berth_image_store_close(s);
        return ret;
}

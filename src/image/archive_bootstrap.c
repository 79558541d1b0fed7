/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Built-in images made with no registry.  "busybox": Debian's static /bin/busybox
 * (busybox-static) and one symlink per applet in /bin, the usual empty directories,
 * /etc/passwd and /etc/group, /tmp 1777 and /root 0700.  The layer tar is written with
 * libarchive straight into the blob store: entries sorted, owned by 0:0, mtime 0, so the
 * same binary always gives the same layer, config and image id.
 *
 * "debian:bookworm" (or "debian"): `debootstrap --variant=minbase bookworm` from
 * deb.debian.org into a temporary directory under <root>/layers (dev/ emptied), which
 * becomes the layer once its tar is written to the blob store; Cmd ["bash"].  Needs the
 * debootstrap package and the Debian archive; not reproducible (packages change).
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/json.h"
#include "basic/strutil.h"
#include "image/archive_internal.h"
#include "basic/banned.h"

#define BUSYBOX_PATH     "/bin/busybox"
#define BUSYBOX_HINT     "apt-get install busybox-static"
#define BUSYBOX_TAG      "docker.io/library/busybox:latest"
#define APPLETS_OUT_MAX  (1u << 20)
#define BOOTSTRAP_CREATE "1970-01-01T00:00:00Z"
#define BOOTSTRAP_PATH   "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define DEBOOTSTRAP_PATH "/usr/sbin/debootstrap"
#define DEBIAN_MIRROR    "http://deb.debian.org/debian"

static int oom(struct berth_error *err)
{
        return berth_error_set(err, ENOMEM, "out of memory");
}

/* A static executable has no PT_INTERP program header. */
static int check_static(int fd, struct berth_error *err)
{
        Elf64_Ehdr eh;
        if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
            memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
            eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 256)
                return berth_error_set(err, ENOEXEC,
                                       BUSYBOX_PATH " is not a 64-bit ELF "
                                                    "executable: " BUSYBOX_HINT);
        for (unsigned i = 0; i < eh.e_phnum; i++) {
                Elf64_Phdr ph;
                if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
                    (ssize_t)sizeof(ph))
                        return berth_error_set(err, ENOEXEC, "read " BUSYBOX_PATH " headers");
                if (ph.p_type == PT_INTERP)
                        return berth_error_set(
                            err, ENOEXEC, BUSYBOX_PATH " is dynamically linked: " BUSYBOX_HINT);
        }
        return 0;
}

static bool applet_ok(const char *a)
{
        size_t n = strlen(a);
        if (n == 0 || n > 64 || !strcmp(a, ".") || !strcmp(a, "..") || !strcmp(a, "busybox"))
                return false;
        for (const char *c = a; *c; c++)
                if (*c == '/' || (unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
                        return false;
        return true;
}

/* `/bin/busybox --list`, run with an argv and an empty environment. */
static int list_applets(char ***out, struct berth_error *err)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return berth_error_errno(err, "pipe");
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
        char *argv[] = {(char *)BUSYBOX_PATH, (char *)"--list", NULL};
        char *envp[] = {NULL};
        pid_t pid;
        int e = posix_spawn(&pid, BUSYBOX_PATH, &fa, NULL, argv, envp);
        posix_spawn_file_actions_destroy(&fa);
        close(p[1]);
        if (e) {
                close(p[0]);
                return berth_error_setsys(err, e, "run " BUSYBOX_PATH " --list");
        }
        _cleanup_free_ char *buf = NULL;
        int r = berth_read_fd(p[0], APPLETS_OUT_MAX, &buf, NULL, err);
        close(p[0]);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (r < 0)
                return berth_error_prefix(err, r, BUSYBOX_PATH " --list");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return berth_error_set(err, EIO, BUSYBOX_PATH " --list failed (status %d)", status);
        char *save = NULL;
        for (char *t = strtok_r(buf, "\n", &save); t; t = strtok_r(NULL, "\n", &save))
                if (applet_ok(t) && !berth_strv_contains(*out, t) && berth_strv_push(out, t) < 0)
                        return oom(err);
        if (!*out)
                return berth_error_set(err, EIO, BUSYBOX_PATH " --list printed no applets");
        return 0;
}

/* ------------------------------------------------------------------ the layer tar */

struct entry {
        char *path;
        mode_t type, perm;
        const char *data; /* file content, or symlink target */
        bool busybox;     /* the binary, streamed from its fd */
};

static int cmp_entry(const void *a, const void *b)
{
        return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

static la_ssize_t blob_write_cb(struct archive *a, void *ud, const void *buf, size_t n)
{
        if (berth_blob_writer_write(ud, buf, n, NULL) < 0) {
                archive_set_error(a, EIO, "write layer blob");
                return -1;
        }
        return (la_ssize_t)n;
}

static const char PASSWD[] = "root:x:0:0:root:/root:/bin/sh\n"
                             "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
                             "nobody:x:65534:65534:nobody:/home:/bin/false\n";
static const char GROUP[] = "root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n";

static int write_entry(struct archive *a, const struct entry *en, int bfd, int64_t bsize, char *buf,
                       struct berth_error *err)
{
        struct archive_entry *e = archive_entry_new();
        if (!e)
                return oom(err);
        int64_t size = en->busybox ? bsize : en->type == AE_IFREG ? (int64_t)strlen(en->data) : 0;
        archive_entry_set_pathname(e, en->path);
        archive_entry_set_filetype(e, en->type);
        archive_entry_set_perm(e, en->perm);
        archive_entry_set_size(e, size);
        archive_entry_set_mtime(e, 0, 0);
        if (en->type == AE_IFLNK)
                archive_entry_set_symlink(e, en->data);
        int r = archive_write_header(a, e) == ARCHIVE_OK ? 0 : -EIO;
        archive_entry_free(e);
        if (r == 0 && en->type == AE_IFREG && !en->busybox &&
            archive_write_data(a, en->data, (size_t)size) != size)
                r = -EIO;
        for (int64_t done = 0; r == 0 && en->busybox && done < size;) {
                ssize_t n = pread(bfd, buf, 1u << 20, done);
                if (n <= 0 || archive_write_data(a, buf, (size_t)n) != n)
                        r = -EIO;
                done += n > 0 ? n : 0;
        }
        if (r < 0)
                return berth_error_set(err, EIO, "layer entry %s: %s", en->path,
                                       archive_error_string(a) ? archive_error_string(a)
                                                               : "read failed");
        return 0;
}

static int build_entries(char **applets, struct entry **out, size_t *n, struct berth_error *err)
{
        static const struct {
                const char *path;
                mode_t perm;
        } dirs[] = {{"bin", 0755},  {"dev", 0755},  {"etc", 0755},     {"home", 0755},
                    {"proc", 0755}, {"root", 0700}, {"sbin", 0755},    {"sys", 0755},
                    {"tmp", 01777}, {"usr", 0755},  {"usr/bin", 0755}, {"usr/sbin", 0755},
                    {"var", 0755}};
        size_t na = berth_strv_length(applets);
        struct entry *v = calloc(ARRAY_SIZE(dirs) + na + 3, sizeof(*v));
        if (!v)
                return oom(err);
        size_t k = 0;
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
                v[k++] = (struct entry){strdup(dirs[i].path), AE_IFDIR, dirs[i].perm, NULL, false};
        v[k++] = (struct entry){strdup("bin/busybox"), AE_IFREG, 0755, NULL, true};
        v[k++] = (struct entry){strdup("etc/passwd"), AE_IFREG, 0644, PASSWD, false};
        v[k++] = (struct entry){strdup("etc/group"), AE_IFREG, 0644, GROUP, false};
        for (size_t i = 0; i < na; i++)
                v[k++] = (struct entry){berth_strdup_printf("bin/%s", applets[i]), AE_IFLNK, 0777,
                                        "busybox", false};
        *out = v;
        *n = k;
        for (size_t i = 0; i < k; i++)
                if (!v[i].path)
                        return oom(err);
        qsort(v, k, sizeof(*v), cmp_entry);
        return 0;
}

static void entries_free(struct entry *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++)
                free(v[i].path);
        free(v);
}

static int write_layer(struct berth_image_store *s, int bfd, char **applets, char *digest,
                       struct berth_error *err)
{
        struct stat st;
        if (fstat(bfd, &st) < 0)
                return berth_error_errno(err, "stat " BUSYBOX_PATH);
        struct entry *v = NULL;
        size_t n = 0;
        _cleanup_free_ char *buf = malloc(1u << 20);
        int r = buf ? build_entries(applets, &v, &n, err) : oom(err);
        struct berth_blob_writer *w = NULL;
        if (r >= 0)
                r = berth_blob_writer_begin(berth_image_store_blobs(s), NULL, -1, &w, err);
        struct archive *a = r >= 0 ? archive_write_new() : NULL;
        if (r >= 0 && (!a || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
                       archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
                       archive_write_open2(a, w, NULL, blob_write_cb, NULL, NULL) != ARCHIVE_OK))
                r = berth_error_set(err, EIO, "start layer tar");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = write_entry(a, &v[i], bfd, st.st_size, buf, err);
        if (r >= 0 && archive_write_close(a) != ARCHIVE_OK)
                r = berth_error_set(err, EIO, "finish layer tar");
        if (a)
                archive_write_free(a);
        if (r >= 0)
                r = berth_blob_writer_commit(w, digest, NULL, err);
        else
                berth_blob_writer_abort(w);
        entries_free(v, n);
        return r;
}

static int busybox_config(const char *diff_id, char **out, struct berth_error *err)
{
        const struct berth_platform *p = berth_platform_host();
        _cleanup_json_ json_t *c =
            json_pack("{s:s, s:s, s:s?, s:s, s:{s:[s], s:[s]}, s:{s:s, s:[s]}, s:[{s:s, s:s}]}",
                      "architecture", p->architecture, "os", p->os, "variant", p->variant,
                      "created", BOOTSTRAP_CREATE, "config", "Env", BOOTSTRAP_PATH, "Cmd", "sh",
                      "rootfs", "type", "layers", "diff_ids", diff_id, "history", "created",
                      BOOTSTRAP_CREATE, "created_by", "berth image bootstrap busybox");
        if (!c || !(*out = json_dumps(c, JSON_COMPACT)))
                return oom(err);
        return 0;
}

/* Record a one-layer image built here: its config blob (cfg), an OCI manifest over the
 * stored layer blob `digest`, tagged `full`, in one commit.  *id_out (may be NULL) gets
 * the image id. */
static int record_one_layer(struct berth_image_store *s, const char *digest, const char *cfg,
                            const char *full, char **id_out, struct berth_error *err)
{
        char cfgd[BERTH_DIGEST_MAX];
        struct archive_plan plan = {0};
        struct archive_image *im = NULL;
        int r = berth_blobstore_put(berth_image_store_blobs(s), cfg, strlen(cfg), NULL, cfgd, err);
        if (r >= 0)
                r = archive_plan_add(&plan, &im, err);
        if (r >= 0 && berth_strv_push(&im->tags, full) < 0)
                r = oom(err);
        if (r >= 0)
                r = berth_image_config_parse(cfg, strlen(cfg), &im->config, err);
        if (r >= 0)
                r = archive_make_manifest(s, im->config, (char *[]){(char *)digest, NULL}, true,
                                          &im->manifest, err);
        if (r >= 0)
                r = archive_commit(s, &plan, NULL, NULL, NULL, err);
        if (r >= 0 && id_out && !(*id_out = strdup(im->config->digest)))
                r = oom(err);
        archive_plan_clear(&plan);
        return r;
}

static int bootstrap_busybox(struct berth_image_store *s, const char *tag, char **id_out,
                             struct berth_error *err)
{
        _cleanup_close_ int bfd = open(BUSYBOX_PATH, O_RDONLY | O_CLOEXEC);
        if (bfd < 0)
                return berth_error_errno(err, "open " BUSYBOX_PATH " (" BUSYBOX_HINT ")");
        _cleanup_strv_free_ char **applets = NULL;
        _cleanup_free_ char *cfg = NULL, *full = NULL;
        char digest[BERTH_DIGEST_MAX];
        int r = archive_normalise_tag(tag ? tag : BUSYBOX_TAG, &full, err);
        if (r >= 0)
                r = check_static(bfd, err);
        if (r >= 0)
                r = list_applets(&applets, err);
        if (r >= 0)
                r = write_layer(s, bfd, applets, digest, err);
        if (r >= 0) /* an uncompressed layer: its digest is its diff_id */
                r = busybox_config(digest, &cfg, err);
        if (r >= 0)
                r = record_one_layer(s, digest, cfg, full, id_out, err);
        return r;
}

/* ------------------------------------------------------------------ debian */

/* debootstrap --variant=minbase SUITE DIR MIRROR, output to /dev/null. */
static int run_debootstrap(const char *suite, const char *target, struct berth_error *err)
{
        if (access(DEBOOTSTRAP_PATH, X_OK) < 0)
                return berth_error_set(err, ENOENT,
                                       DEBOOTSTRAP_PATH " not found: apt-get install "
                                                        "debootstrap");
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        char *argv[] = {(char *)DEBOOTSTRAP_PATH, (char *)"--variant=minbase", (char *)suite,
                        (char *)target,           (char *)DEBIAN_MIRROR,       NULL};
        char *envp[] = {(char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", (char *)"LC_ALL=C", NULL};
        pid_t pid;
        int e = posix_spawn(&pid, DEBOOTSTRAP_PATH, &fa, NULL, argv, envp);
        posix_spawn_file_actions_destroy(&fa);
        if (e)
                return berth_error_setsys(err, e, "run " DEBOOTSTRAP_PATH);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return berth_error_set(
                    err, EIO, DEBOOTSTRAP_PATH " %s failed (status %d; it needs " DEBIAN_MIRROR ")",
                    suite, status);
        return 0;
}

/* Device nodes debootstrap made in dev/ would be refused by every later unpack. */
static int empty_dev(int lfd, const char *tmp, struct berth_error *err)
{
        _cleanup_free_ char *dev = berth_strdup_printf("%s/dev", tmp);
        int fd = dev ? openat(lfd, dev, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
        if (fd < 0)
                return errno == ENOENT ? 0 : berth_error_errno(err, "open debootstrap dev/");
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return berth_error_errno(err, "read debootstrap dev/");
        }
        _cleanup_strv_free_ char **names = NULL;
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        berth_strv_push(&names, de->d_name);
        int r = 0;
        for (size_t i = 0; names && names[i] && r >= 0; i++)
                r = berth_rm_rf_at(dirfd(d), names[i]);
        closedir(d);
        return r < 0 ? berth_error_set(err, -r, "empty debootstrap dev/") : 0;
}

static int debian_config(const char *diff_id, const char *suite, char **out,
                         struct berth_error *err)
{
        const struct berth_platform *p = berth_platform_host();
        _cleanup_free_ char *now = archive_now_rfc3339();
        _cleanup_free_ char *by = berth_strdup_printf("berth image bootstrap debian:%s", suite);
        _cleanup_json_ json_t *c =
            now && by ? json_pack("{s:s, s:s, s:s?, s:s, s:{s:[s], s:[s]}, s:{s:s, s:[s]}, "
                                  "s:[{s:s, s:s}]}",
                                  "architecture", p->architecture, "os", p->os, "variant",
                                  p->variant, "created", now, "config", "Env", BOOTSTRAP_PATH,
                                  "Cmd", "bash", "rootfs", "type", "layers", "diff_ids", diff_id,
                                  "history", "created", now, "created_by", by)
                      : NULL;
        if (!c || !(*out = json_dumps(c, JSON_COMPACT)))
                return oom(err);
        return 0;
}

/* debootstrap into a temporary directory under <root>/layers, which becomes the layer
 * itself once its tar (the blob) is written. */
static int debian_layer(struct berth_image_store *s, const char *suite, char *digest,
                        struct berth_error *err)
{
        int lfd = berth_image_store_layers_fd(s);
        char tmp[64], proc[64], layers[4096];
        if (archive_tmp_name("debootstrap", tmp) < 0)
                return berth_error_set(err, EIO, "getrandom failed");
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", lfd);
        ssize_t n = readlink(proc, layers, sizeof(layers) - 1);
        if (n < 0)
                return berth_error_errno(err, "find the layers directory");
        layers[n] = '\0';
        _cleanup_free_ char *target = berth_strdup_printf("%s/%s", layers, tmp);
        if (!target)
                return oom(err);
        if (mkdirat(lfd, tmp, 0755) < 0)
                return berth_error_errno(err, "create %s", tmp);
        int64_t size = 0;
        _cleanup_close_ int bfd = -1;
        int r = run_debootstrap(suite, target, err);
        if (r >= 0)
                r = empty_dev(lfd, tmp, err);
        if (r >= 0)
                r = archive_layer_tar(s, tmp, digest, err);
        if (r >= 0)
                r = berth_blobstore_open_blob(berth_image_store_blobs(s), digest, false, &bfd,
                                              &size, err);
        if (r < 0) {
                berth_rm_rf_at(lfd, tmp);
                return r;
        }
        return archive_adopt_dir(s, tmp, digest, digest, size, err); /* tar: blob = diff_id */
}

static int bootstrap_debian(struct berth_image_store *s, const char *suite, const char *tag,
                            char **id_out, struct berth_error *err)
{
        _cleanup_free_ char *cfg = NULL, *full = NULL, *deftag = NULL;
        char digest[BERTH_DIGEST_MAX];
        if (!(deftag = berth_strdup_printf("docker.io/library/debian:%s", suite)))
                return oom(err);
        int r = archive_normalise_tag(tag ? tag : deftag, &full, err);
        if (r >= 0)
                r = debian_layer(s, suite, digest, err);
        if (r >= 0)
                r = debian_config(digest, suite, &cfg, err);
        if (r >= 0)
                r = record_one_layer(s, digest, cfg, full, id_out, err);
        return r;
}

int berth_image_bootstrap(struct berth_image_store *s, const char *name, const char *tag,
                          char **id_out, struct berth_error *err)
{
        int r;
        if (name && !strcmp(name, "busybox")) {
                r = bootstrap_busybox(s, tag, id_out, err);
                return r < 0 ? berth_error_prefix(err, r, "bootstrap busybox") : 0;
        }
        if (name && (!strcmp(name, "debian") || !strcmp(name, "debian:bookworm"))) {
                r = bootstrap_debian(s, "bookworm", tag, id_out, err);
                return r < 0 ? berth_error_prefix(err, r, "bootstrap debian:bookworm") : 0;
        }
        return berth_error_set(err, ENOENT,
                               "no built-in image '%.100s' (known: busybox, debian:bookworm)",
                               name ? name : "");
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Image archives: bootstrap, save/load round trips (docker-archive, oci-archive, OCI
 * directory), load from a pipe, several images per archive, import with changes, and
 * hostile archives refused with nothing new in the store. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/sha256.h"
#include "basic/strutil.h"
#include "image/archive.h"
#include "image/archive_internal.h"
#include "image/image.h"
#include "test_layer_util.h"
#include "basic/banned.h"

struct fx {
        char *dir;
        struct berth_image_store *a, *b;
};

static struct berth_image_store *open_store(const char *dir, const char *name)
{
        _cleanup_free_ char *root = berth_strdup_printf("%s/%s", dir, name);
        struct berth_image_store *s = NULL;
        struct berth_error err = {0};
        if (berth_image_store_open(root, &s, &err) < 0)
                fail_msg("%s", err.msg);
        return s;
}

static int setup(void **state)
{
        struct fx *f = calloc(1, sizeof(*f));
        char tmpl[] = "/tmp/berth-test-archive-XXXXXX";
        assert_non_null(mkdtemp(tmpl));
        f->dir = strdup(tmpl);
        f->a = open_store(f->dir, "a");
        f->b = open_store(f->dir, "b");
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fx *f = *state;
        berth_image_store_close(f->a);
        berth_image_store_close(f->b);
        berth_rm_rf_at(AT_FDCWD, f->dir);
        free(f->dir);
        free(f);
        return 0;
}

static bool have_busybox(void)
{
        return access("/bin/busybox", X_OK) == 0;
}

static char *bootstrap(struct berth_image_store *s)
{
        struct berth_error err = {0};
        char *id = NULL;
        if (berth_image_bootstrap(s, "busybox", NULL, &id, &err) < 0)
                fail_msg("bootstrap: %s", err.msg);
        return id;
}

static int memfd_bytes(const void *data, size_t len)
{
        int fd = memfd_create("archive", MFD_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(berth_write_all(fd, data, len), 0);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        return fd;
}

static int save_memfd(struct berth_image_store *s, char **names, enum berth_archive_format fmt)
{
        int fd = memfd_create("save", MFD_CLOEXEC);
        assert_true(fd >= 0);
        struct berth_error err = {0};
        if (berth_image_save(s, names, fmt, fd, NULL, NULL, NULL, &err) < 0)
                fail_msg("save: %s", err.msg);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        return fd;
}

static void load_ok(struct berth_image_store *s, int fd, struct berth_load_result *res)
{
        struct berth_error err = {0};
        if (berth_image_load(s, fd, BERTH_ARCHIVE_AUTO, NULL, NULL, res, &err) < 0)
                fail_msg("load: %s", err.msg);
}

static struct berth_image_info *info_of(struct berth_image_store *s, const char *name)
{
        struct berth_image_info *i = NULL;
        struct berth_error err = {0};
        if (berth_image_get(s, name, &i, &err) < 0)
                fail_msg("get %s: %s", name, err.msg);
        return i;
}

/* The store holds exactly nothing: no image, and gc leaves no blob and no layer dir. */
static void assert_store_empty(struct berth_image_store *s)
{
        struct berth_image_summary *v = NULL;
        size_t n = 0;
        assert_int_equal(berth_image_list(s, BERTH_IMAGES_ALL, &v, &n, NULL), 0);
        assert_int_equal(n, 0);
        berth_image_list_free(v, n);
        struct berth_image_gc_result gc = {0};
        struct berth_error err = {0};
        if (berth_image_gc(s, 0, &gc, &err) < 0)
                fail_msg("gc: %s", err.msg);
        berth_image_gc_result_clear(&gc);
        char **blobs = NULL;
        assert_int_equal(berth_blobstore_list(berth_image_store_blobs(s), &blobs, NULL), 0);
        assert_int_equal(berth_strv_length(blobs), 0);
        berth_strv_free(blobs);
        DIR *d = fdopendir(fcntl(berth_image_store_layers_fd(s), F_DUPFD_CLOEXEC, 3));
        assert_non_null(d);
        rewinddir(d);
        struct dirent *de;
        int count = 0;
        while ((de = readdir(d)))
                count += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
        closedir(d);
        assert_int_equal(count, 0);
}

/* ------------------------------------------------------------------ bootstrap */

static void test_bootstrap_reproducible(void **state)
{
        struct fx *f = *state;
        if (!have_busybox())
                skip();
        _cleanup_free_ char *a = bootstrap(f->a), *b = bootstrap(f->b);
        assert_string_equal(a, b);
        struct berth_image_info *i = info_of(f->a, "busybox");
        assert_string_equal(i->id, a);
        assert_int_equal(i->n_layers, 1);
        assert_string_equal(i->tags[0], "docker.io/library/busybox:latest");
        /* The layer holds the binary and the applet links. */
        struct berth_layer_info li;
        assert_int_equal(berth_image_layer_get(f->a, i->chain_ids[0], &li, NULL), 0);
        _cleanup_free_ char *sh = berth_strdup_printf("%s/bin/sh", li.dir);
        _cleanup_free_ char *bb = berth_strdup_printf("%s/bin/busybox", li.dir);
        _cleanup_free_ char *tmp = berth_strdup_printf("%s/tmp", li.dir);
        int lfd = berth_image_store_layers_fd(f->a);
        char target[64] = {0};
        assert_true(readlinkat(lfd, sh, target, sizeof(target) - 1) > 0);
        assert_string_equal(target, "busybox");
        struct stat st;
        assert_int_equal(fstatat(lfd, bb, &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISREG(st.st_mode) && (st.st_mode & 0111));
        assert_int_equal(fstatat(lfd, tmp, &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_int_equal(st.st_mode & 07777, 01777);
        berth_layer_info_clear(&li);
        struct berth_image_config *c = NULL;
        assert_int_equal(berth_image_get_config(f->a, a, &c, NULL), 0);
        assert_string_equal(c->cmd[0], "sh");
        assert_true(berth_startswith(c->env[0], "PATH="));
        assert_string_equal(c->history[0].created_by, "berth image bootstrap busybox");
        berth_image_config_free(c);
        berth_image_info_free(i);
        struct berth_error err = {0};
        assert_int_equal(berth_image_bootstrap(f->a, "alpine", NULL, NULL, &err), -ENOENT);
        assert_non_null(strstr(err.msg, "alpine"));
}

/* ------------------------------------------------------------------ round trips */

static void roundtrip(struct fx *f, enum berth_archive_format fmt)
{
        if (!have_busybox())
                skip();
        _cleanup_free_ char *id = bootstrap(f->a);
        assert_int_equal(berth_image_tag(f->a, "busybox", "me/app:1", NULL), 0);
        char *names[] = {(char *)"busybox", (char *)"me/app:1", NULL};
        _cleanup_close_ int fd = save_memfd(f->a, names, fmt);
        struct berth_load_result res = {0};
        load_ok(f->b, fd, &res);
        assert_true(berth_strv_contains(res.images, "docker.io/library/busybox:latest"));
        assert_true(berth_strv_contains(res.images, "docker.io/me/app:1"));
        berth_load_result_clear(&res);
        struct berth_image_info *ia = info_of(f->a, id), *ib = info_of(f->b, id);
        assert_string_equal(ia->id, ib->id);
        assert_string_equal(ia->manifest_digest, ib->manifest_digest);
        assert_int_equal(berth_strv_length(ib->tags), 2);
        assert_string_equal(ia->chain_ids[0], ib->chain_ids[0]);
        berth_image_info_free(ia);
        berth_image_info_free(ib);
        /* Saving again from b gives the same bytes. */
        _cleanup_close_ int fd2 = save_memfd(f->b, names, fmt);
        struct stat s1, s2;
        assert_int_equal(fstat(fd, &s1), 0);
        assert_int_equal(fstat(fd2, &s2), 0);
        assert_int_equal(s1.st_size, s2.st_size);
}

static void test_roundtrip_docker(void **state)
{
        roundtrip(*state, BERTH_ARCHIVE_DOCKER);
}

static void test_roundtrip_oci(void **state)
{
        roundtrip(*state, BERTH_ARCHIVE_OCI);
}

/* Pack a directory's OCI layout into a tar (in memory) to load it. */
static void tar_add_file(struct tarb *t, int dirfd, const char *name)
{
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        assert_int_equal(berth_read_file_at(dirfd, name, 64u << 20, &data, &len, NULL), 0);
        struct archive_entry *e = tarb_entry(name, AE_IFREG, 0644);
        archive_entry_set_size(e, (la_int64_t)len);
        tarb_add(t, e, data, len);
}

static void test_roundtrip_oci_dir(void **state)
{
        struct fx *f = *state;
        if (!have_busybox())
                skip();
        _cleanup_free_ char *id = bootstrap(f->a);
        _cleanup_free_ char *dir = berth_strdup_printf("%s/layout/sub", f->dir);
        char *names[] = {(char *)"busybox", NULL};
        struct berth_error err = {0};
        if (berth_image_save(f->a, names, BERTH_ARCHIVE_OCI_DIR, -1, dir, NULL, NULL, &err) < 0)
                fail_msg("save dir: %s", err.msg);
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        _cleanup_free_ char *index = NULL;
        assert_int_equal(berth_read_file_at(dfd, "index.json", 1 << 20, &index, NULL, NULL), 0);
        assert_non_null(strstr(index, "\"org.opencontainers.image.ref.name\":\"latest\""));
        assert_non_null(strstr(index, "docker.io/library/busybox:latest"));
        struct tarb t;
        tarb_init(&t, ARCHIVE_FILTER_NONE);
        tar_add_file(&t, dfd, "oci-layout");
        tar_add_file(&t, dfd, "index.json");
        _cleanup_closedir_ DIR *d = opendir(berth_strdup_printf("%s/blobs/sha256", dir));
        assert_non_null(d);
        struct dirent *de;
        int n = 0;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *p = berth_strdup_printf("blobs/sha256/%s", de->d_name);
                tar_add_file(&t, dfd, p);
                n++;
        }
        assert_int_equal(n, 3); /* layer, config, manifest */
        struct tbuf b = tarb_finish(&t);
        _cleanup_close_ int fd = memfd_bytes(b.data, b.len);
        free(b.data);
        load_ok(f->b, fd, NULL);
        struct berth_image_info *ib = info_of(f->b, "busybox:latest");
        assert_string_equal(ib->id, id);
        berth_image_info_free(ib);
}

static void test_load_from_pipe(void **state)
{
        struct fx *f = *state;
        if (!have_busybox())
                skip();
        _cleanup_free_ char *id = bootstrap(f->a);
        char *names[] = {(char *)"busybox", NULL};
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                struct berth_error err = {0};
                _exit(berth_image_save(f->a, names, BERTH_ARCHIVE_DOCKER, p[1], NULL, NULL, NULL,
                                       &err) < 0
                          ? 1
                          : 0);
        }
        close(p[1]);
        struct berth_load_result res = {0};
        load_ok(f->b, p[0], &res);
        close(p[0]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_string_equal(res.images[0], "docker.io/library/busybox:latest");
        berth_load_result_clear(&res);
        struct berth_image_info *ib = info_of(f->b, "busybox");
        assert_string_equal(ib->id, id);
        berth_image_info_free(ib);
}

/* ------------------------------------------------------------------ import */

static struct tbuf rootfs_tar(int filter)
{
        struct tarb t;
        tarb_init(&t, filter);
        tarb_dir(&t, "etc", 0755);
        tarb_file(&t, "etc/hostname", "imported\n", 0644);
        tarb_symlink(&t, "etc/link", "hostname");
        return tarb_finish(&t);
}

static char *import_changes(struct berth_image_store *s, char **changes, const char *tag,
                            struct berth_error *err)
{
        struct tbuf b = rootfs_tar(ARCHIVE_FILTER_GZIP);
        _cleanup_close_ int fd = memfd_bytes(b.data, b.len);
        free(b.data);
        struct berth_import_opts o = {.changes = changes, .message = "hello", .tag = tag};
        char *id = NULL;
        if (berth_image_import(s, fd, &o, NULL, NULL, &id, err) < 0)
                return NULL;
        return id;
}

static const char *label_of(const struct berth_image_config *c, const char *k)
{
        for (size_t i = 0; i < c->n_labels; i++)
                if (!strcmp(c->labels[i].key, k))
                        return c->labels[i].value;
        return NULL;
}

static void test_import_changes(void **state)
{
        struct fx *f = *state;
        char *changes[] = {(char *)"CMD [\"/bin/app\", \"-x\"]",
                           (char *)"ENTRYPOINT exec me now",
                           (char *)"ENV A=1 B=\"two words\"",
                           (char *)"env C three",
                           (char *)"WORKDIR /srv",
                           (char *)"EXPOSE 80 53/udp",
                           (char *)"USER nobody",
                           (char *)"LABEL k=v other=\"x y\"",
                           (char *)"VOLUME [\"/data\", \"/logs\"]",
                           (char *)"STOPSIGNAL SIGINT",
                           NULL};
        struct berth_error err = {0};
        _cleanup_free_ char *id = import_changes(f->a, changes, "me/imported:v1", &err);
        if (!id)
                fail_msg("import: %s", err.msg);
        struct berth_image_config *c = NULL;
        assert_int_equal(berth_image_get_config(f->a, "me/imported:v1", &c, NULL), 0);
        assert_string_equal(c->digest, id);
        assert_string_equal(c->cmd[0], "/bin/app");
        assert_string_equal(c->cmd[1], "-x");
        assert_string_equal(c->entrypoint[0], "/bin/sh");
        assert_string_equal(c->entrypoint[2], "exec me now");
        assert_true(berth_strv_contains(c->env, "A=1"));
        assert_true(berth_strv_contains(c->env, "B=two words"));
        assert_true(berth_strv_contains(c->env, "C=three"));
        assert_string_equal(c->working_dir, "/srv");
        assert_true(berth_strv_contains(c->exposed_ports, "80/tcp"));
        assert_true(berth_strv_contains(c->exposed_ports, "53/udp"));
        assert_string_equal(c->user, "nobody");
        assert_string_equal(label_of(c, "k"), "v");
        assert_string_equal(label_of(c, "other"), "x y");
        assert_true(berth_strv_contains(c->volumes, "/logs"));
        assert_string_equal(c->stop_signal, "SIGINT");
        assert_int_equal(c->n_history, 1);
        assert_string_equal(c->history[0].comment, "hello");
        assert_string_equal(c->history[0].created_by, "Imported from -");
        assert_string_equal(c->architecture, berth_platform_host()->architecture);
        /* The blob is the gzip as given; the diff_id is the tar's. */
        struct berth_image_info *i = info_of(f->a, id);
        struct berth_layer_info li;
        assert_int_equal(berth_image_layer_get(f->a, i->chain_ids[0], &li, NULL), 0);
        struct tbuf plain = rootfs_tar(ARCHIVE_FILTER_NONE);
        char diff[BERTH_LAYER_DIGEST_SIZE];
        digest_of(plain.data, plain.len, diff);
        free(plain.data);
        assert_string_equal(li.diff_id, diff);
        _cleanup_free_ char *host = berth_strdup_printf("%s/etc/hostname", li.dir);
        _cleanup_free_ char *content = NULL;
        assert_int_equal(
            berth_read_file_at(berth_image_store_layers_fd(f->a), host, 100, &content, NULL, NULL),
            0);
        assert_string_equal(content, "imported\n");
        berth_layer_info_clear(&li);
        berth_image_info_free(i);
        berth_image_config_free(c);
}

static void test_import_bad_changes(void **state)
{
        struct fx *f = *state;
        const char *bad[] = {"ONBUILD RUN x", "FROB x",         "EXPOSE http",
                             "EXPOSE 70000",  "USER a b",       "VOLUME relative",
                             "ENV novalue",   "LABEL k=\"open", "CMD"};
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                char *changes[] = {(char *)bad[i], NULL};
                struct berth_error err = {0};
                char *id = import_changes(f->b, changes, NULL, &err);
                assert_null(id);
                assert_int_equal(err.code, EINVAL);
                if (!strstr(err.msg, bad[i]))
                        fail_msg("'%s' not named in: %s", bad[i], err.msg);
        }
        assert_store_empty(f->b);
}

/* ------------------------------------------------------------------ several images */

static void test_several_images(void **state)
{
        struct fx *f = *state;
        if (!have_busybox())
                skip();
        _cleanup_free_ char *bb = bootstrap(f->a);
        struct berth_error err = {0};
        _cleanup_free_ char *imp = import_changes(f->a, NULL, "other:2", &err);
        if (!imp)
                fail_msg("import: %s", err.msg);
        for (int fmt = BERTH_ARCHIVE_DOCKER; fmt <= BERTH_ARCHIVE_OCI; fmt++) {
                char *names[] = {(char *)"busybox", (char *)"other:2", NULL};
                _cleanup_close_ int fd = save_memfd(f->a, names, fmt);
                struct berth_load_result res = {0};
                load_ok(f->b, fd, &res);
                assert_int_equal(berth_strv_length(res.images), 2);
                berth_load_result_clear(&res);
                struct berth_image_info *x = info_of(f->b, "other:2"),
                                        *y = info_of(f->b, "busybox");
                assert_string_equal(x->id, imp);
                assert_string_equal(y->id, bb);
                berth_image_info_free(x);
                berth_image_info_free(y);
        }
}

/* ------------------------------------------------------------------ refusals */

struct hostile {
        const char *diff_id;       /* override the config's diff_id */
        const char *manifest_json; /* override manifest.json ("%s" config, "%s" layer) */
        const char *extra_name;    /* one more entry with this name */
        bool truncate;
};

static void sha_hex(const void *d, size_t n, char out[65])
{
        uint8_t b[32];
        berth_sha256(d, n, b);
        berth_sha256_hex(b, out);
}

/* A docker-archive of one layer, made by hand, with the flaw asked for. */
static struct tbuf hostile_archive(const struct hostile *h)
{
        struct tbuf layer = rootfs_tar(ARCHIVE_FILTER_NONE);
        char lhex[65], chex[65];
        sha_hex(layer.data, layer.len, lhex);
        _cleanup_free_ char *cfg = berth_strdup_printf(
            "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
            "\"diff_ids\":[\"%s%s\"]}}",
            h->diff_id ? "" : "sha256:", h->diff_id ? h->diff_id : lhex);
        sha_hex(cfg, strlen(cfg), chex);
        _cleanup_free_ char *cname = berth_strdup_printf("%s.json", chex);
        _cleanup_free_ char *lname = berth_strdup_printf("%s/layer.tar", lhex);
        _cleanup_free_ char *man =
            h->manifest_json ? berth_strdup_printf(h->manifest_json, cname, lname)
                             : berth_strdup_printf("[{\"Config\":\"%s\",\"RepoTags\":[\"evil:1\"],"
                                                   "\"Layers\":[\"%s\"]}]",
                                                   cname, lname);
        struct tarb t;
        tarb_init(&t, ARCHIVE_FILTER_NONE);
        struct archive_entry *e = tarb_entry(lname, AE_IFREG, 0644);
        archive_entry_set_size(e, (la_int64_t)layer.len);
        tarb_add(&t, e, layer.data, layer.len);
        tarb_file(&t, cname, cfg, 0644);
        if (h->extra_name)
                tarb_file(&t, h->extra_name, "x", 0644);
        tarb_file(&t, "manifest.json", man, 0644);
        free(layer.data);
        struct tbuf out = tarb_finish(&t);
        if (h->truncate)
                out.len /= 2;
        return out;
}

static void refuse(struct fx *f, struct tbuf b, const char *want)
{
        _cleanup_close_ int fd = memfd_bytes(b.data, b.len);
        free(b.data);
        struct berth_error err = {0};
        struct berth_load_result res = {0};
        int r = berth_image_load(f->b, fd, BERTH_ARCHIVE_AUTO, NULL, NULL, &res, &err);
        if (r >= 0)
                fail_msg("loaded, expected '%s'", want);
        assert_null(res.images);
        if (!strstr(err.msg, want))
                fail_msg("'%s' not in: %s", want, err.msg);
        assert_store_empty(f->b);
}

static void record_progress(void *ud, const char *phase, const char *what, uint64_t done,
                            uint64_t total)
{
        berth_buf_printf(ud, "%s|", phase);
}

static void test_hostile_sane_baseline(void **state)
{
        struct fx *f = *state;
        struct hostile h = {0};
        struct tbuf b = hostile_archive(&h);
        _cleanup_close_ int fd = memfd_bytes(b.data, b.len);
        free(b.data);
        struct berth_load_result res = {0};
        struct berth_buf seen = {0};
        struct berth_error err = {0};
        /* the unflawed archive loads: the refusals are real */
        if (berth_image_load(f->a, fd, BERTH_ARCHIVE_AUTO, record_progress, &seen, &res, &err) < 0)
                fail_msg("load: %s", err.msg);
        assert_string_equal(res.images[0], "docker.io/library/evil:1");
        berth_load_result_clear(&res);
        assert_non_null(strstr(seen.data, "Loaded image: evil:1|"));
        assert_non_null(strstr(seen.data, "Loading layer"));
        berth_buf_free(&seen);
}

static void test_refuse_diff_id_mismatch(void **state)
{
        struct hostile h = {.diff_id = "sha256:"
                                       "0000000000000000000000000000000000000000000000000000000"
                                       "000000000"};
        refuse(*state, hostile_archive(&h), "diff_id");
}

static void test_refuse_truncated(void **state)
{
        struct hostile h = {.truncate = true};
        refuse(*state, hostile_archive(&h), "");
}

static void test_refuse_missing_blob(void **state)
{
        struct hostile h = {.manifest_json = "[{\"Config\":\"%s\",\"Layers\":[\"%s\","
                                             "\"nothere/layer.tar\"]}]"};
        refuse(*state, hostile_archive(&h), "nothere/layer.tar");
}

static void test_refuse_dotdot(void **state)
{
        struct hostile h = {.extra_name = "../escape.json"};
        refuse(*state, hostile_archive(&h), "..");
        struct hostile h2 = {.extra_name = "/abs.json"};
        refuse(*state, hostile_archive(&h2), "absolute");
        struct hostile h3 = {.extra_name = "x/../../y.tar"};
        refuse(*state, hostile_archive(&h3), "..");
        struct hostile h4 = {.extra_name = "etc/passwd"};
        refuse(*state, hostile_archive(&h4), "unexpected");
}

static void test_refuse_duplicate_keys(void **state)
{
        struct hostile h = {.manifest_json = "[{\"Config\":\"%s\",\"Config\":\"%s\","
                                             "\"Layers\":[]}]"};
        refuse(*state, hostile_archive(&h), "duplicate");
}

static void test_refuse_oci_layout_version(void **state)
{
        struct fx *f = *state;
        if (!have_busybox())
                skip();
        _cleanup_free_ char *id = bootstrap(f->a);
        char *names[] = {(char *)"busybox", NULL};
        _cleanup_close_ int fd = save_memfd(f->a, names, BERTH_ARCHIVE_OCI);
        /* Copy every entry but oci-layout, then a wrong one. */
        struct archive *r = archive_read_new();
        archive_read_support_format_tar(r);
        assert_int_equal(archive_read_open_fd(r, fd, 65536), ARCHIVE_OK);
        struct tarb t;
        tarb_init(&t, ARCHIVE_FILTER_NONE);
        struct archive_entry *e;
        static char buf[8 << 20];
        while (archive_read_next_header(r, &e) == ARCHIVE_OK) {
                if (!strcmp(archive_entry_pathname(e), "oci-layout"))
                        continue;
                la_ssize_t n = archive_read_data(r, buf, sizeof(buf));
                assert_true(n >= 0);
                struct archive_entry *c = archive_entry_clone(e);
                tarb_add(&t, c, buf, (size_t)n);
        }
        archive_read_free(r);
        tarb_file(&t, "oci-layout", "{\"imageLayoutVersion\":\"2.0.0\"}", 0644);
        refuse(f, tarb_finish(&t), "2.0.0");
}

static void test_refuse_not_an_archive(void **state)
{
        struct tbuf b = {.data = (uint8_t *)strdup("this is not a tar archive at all"), .len = 32};
        refuse(*state, b, "");
        struct tarb t;
        tarb_init(&t, ARCHIVE_FILTER_NONE);
        tarb_file(&t, "index.json", "{\"schemaVersion\":2,\"manifests\":[]}", 0644);
        refuse(*state, tarb_finish(&t), "oci-layout");
}

/* ------------------------------------------------------------------ layers built here */

/* An image whose only layer has no blob (as a build makes them): a directory with a
 * whiteout, an opaque directory, a hard link and a symlink. */
static char *local_image(struct berth_image_store *s)
{
        int lfd = berth_image_store_layers_fd(s);
        assert_int_equal(mkdirat(lfd, "scratch", 0755), 0);
        _cleanup_close_ int d = openat(lfd, "scratch", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(mkdirat(d, "opq", 0755), 0);
        _cleanup_free_ char *opq = berth_strdup_printf("/proc/self/fd/%d/opq", d);
        assert_int_equal(lsetxattr(opq, "trusted.overlay.opaque", "y", 1, 0), 0);
        assert_int_equal(mknodat(d, "gone", S_IFCHR | 0000, makedev(0, 0)), 0);
        assert_int_equal(berth_write_file_atomic(d, "file", "data\n", 5, 0644, 0, NULL), 0);
        assert_int_equal(linkat(d, "file", d, "link", 0), 0);
        assert_int_equal(symlinkat("file", d, "sym"), 0);
        char diff[BERTH_DIGEST_MAX];
        struct berth_error err = {0};
        if (archive_layer_tar(s, "scratch", diff, &err) < 0)
                fail_msg("layer tar: %s", err.msg);
        assert_int_equal(berth_blobstore_delete(berth_image_store_blobs(s), diff, NULL), 0);
        struct berth_layer_info li;
        assert_int_equal(berth_image_layer_claim(s, diff, diff, NULL, NULL, &li, NULL), 0);
        assert_int_equal(unlinkat(lfd, li.dir, AT_REMOVEDIR) < 0 && errno != ENOENT, false);
        assert_int_equal(renameat(lfd, "scratch", lfd, li.dir), 0);
        assert_int_equal(berth_image_layer_ready(s, diff, 100, NULL), 0);
        berth_layer_info_clear(&li);
        _cleanup_free_ char *cfg =
            berth_strdup_printf("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
                                "\"layers\",\"diff_ids\":[\"%s\"]}}",
                                diff);
        struct berth_image_config *c = NULL;
        char cd[BERTH_DIGEST_MAX];
        assert_int_equal(berth_image_config_parse(cfg, strlen(cfg), &c, NULL), 0);
        assert_int_equal(
            berth_blobstore_put(berth_image_store_blobs(s), cfg, strlen(cfg), NULL, cd, NULL), 0);
        struct berth_image_blob b = {cd, NULL};
        struct berth_image_record rec = {.config = c, .blobs = &b, .n_blobs = 1, .tag = "local:1"};
        if (berth_image_record(s, &rec, &err) < 0)
                fail_msg("record: %s", err.msg);
        char *id = strdup(c->digest);
        berth_image_config_free(c);
        return id;
}

static void test_save_local_layer(void **state)
{
        struct fx *f = *state;
        _cleanup_free_ char *id = local_image(f->a);
        char *names[] = {(char *)"local:1", NULL};
        _cleanup_close_ int fd = save_memfd(f->a, names, BERTH_ARCHIVE_DOCKER);
        load_ok(f->b, fd, NULL);
        struct berth_image_info *i = info_of(f->b, "local:1");
        assert_string_equal(i->id, id);
        struct berth_layer_info li;
        assert_int_equal(berth_image_layer_get(f->b, i->chain_ids[0], &li, NULL), 0);
        int lfd = berth_image_store_layers_fd(f->b);
        _cleanup_close_ int d = openat(lfd, li.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat st;
        assert_int_equal(fstatat(d, "gone", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
        assert_int_equal(fstatat(d, "link", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_int_equal(st.st_nlink, 2);
        _cleanup_free_ char *opq = berth_strdup_printf("/proc/self/fd/%d/opq", d);
        char v[4] = {0};
        assert_int_equal(lgetxattr(opq, "trusted.overlay.opaque", v, sizeof(v)), 1);
        assert_int_equal(v[0], 'y');
        berth_layer_info_clear(&li);
        berth_image_info_free(i);
        /* The tar made for the save is now a blob of the image in a. */
        char **blobs = NULL;
        assert_int_equal(berth_image_get_blobs(f->a, "local:1", &blobs, NULL), 0);
        assert_int_equal(berth_strv_length(blobs), 2);
        berth_strv_free(blobs);
}

static void test_refuse_entry_count(void **state)
{
        struct tarb t;
        tarb_init(&t, ARCHIVE_FILTER_NONE);
        char name[32];
        for (unsigned i = 0; i <= BERTH_ARCHIVE_MAX_ENTRIES; i++) {
                snprintf(name, sizeof(name), "d%u", i);
                tarb_dir(&t, name, 0755);
        }
        refuse(*state, tarb_finish(&t), "entries");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_bootstrap_reproducible, setup, teardown),
            cmocka_unit_test_setup_teardown(test_roundtrip_docker, setup, teardown),
            cmocka_unit_test_setup_teardown(test_roundtrip_oci, setup, teardown),
            cmocka_unit_test_setup_teardown(test_roundtrip_oci_dir, setup, teardown),
            cmocka_unit_test_setup_teardown(test_load_from_pipe, setup, teardown),
            cmocka_unit_test_setup_teardown(test_import_changes, setup, teardown),
            cmocka_unit_test_setup_teardown(test_import_bad_changes, setup, teardown),
            cmocka_unit_test_setup_teardown(test_several_images, setup, teardown),
            cmocka_unit_test_setup_teardown(test_save_local_layer, setup, teardown),
            cmocka_unit_test_setup_teardown(test_hostile_sane_baseline, setup, teardown),
            cmocka_unit_test_setup_teardown(test_refuse_diff_id_mismatch, setup, teardown),
            cmocka_unit_test_setup_teardown(test_refuse_truncated, setup, teardown),
            cmocka_unit_test_setup_teardown(test_refuse_missing_blob, setup, teardown),
            cmocka_unit_test_setup_teardown(test_refuse_dotdot, setup, teardown),
            cmocka_unit_test_setup_teardown(test_refuse_duplicate_keys, setup, teardown),
            cmocka_unit_test_setup_teardown(test_refuse_oci_layout_version, setup, teardown),
            cmocka_unit_test_setup_teardown(test_refuse_not_an_archive, setup, teardown),
            cmocka_unit_test_setup_teardown(test_refuse_entry_count, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

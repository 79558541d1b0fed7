/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Save: the images to write (archive_save_plan) and where they go (a tar stream written
 * with libarchive, entries owned by 0:0 with mtime 0 so the same images give the same
 * bytes; or an OCI layout directory, each file written to a temporary name and renamed).
 */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/sha256.h"
#include "basic/strutil.h"
#include "image/archive_internal.h"
#include "image/reference.h"
#include "basic/banned.h"

#define COPY_BUF (1u << 20)

struct archive_out {
        struct archive *a; /* tar mode */
        int dirfd, blobfd; /* directory mode */
        char **written;    /* names already written */
        bool blob_dirs;    /* tar: blobs/ and blobs/sha256/ written */
        char *buf;
};

static int oom(struct berth_error *err)
{
        return berth_error_set(err, ENOMEM, "out of memory");
}

static int la_err(struct archive *a, struct berth_error *err, const char *what)
{
        const char *m = archive_error_string(a);
        int e = archive_errno(a);
        return berth_error_set(err, e > 0 ? e : EIO, "write %s: %s", what, m ? m : "failed");
}

static int open_dir(const char *dir_path, struct archive_out *o, struct berth_error *err)
{
        int r = berth_mkdir_p(dir_path, 0755);
        if (r < 0)
                return berth_error_set(err, -r, "create directory '%s'", dir_path);
        o->dirfd = open(dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (o->dirfd < 0)
                return berth_error_errno(err, "open directory '%s'", dir_path);
        if ((mkdirat(o->dirfd, "blobs", 0755) < 0 && errno != EEXIST) ||
            (mkdirat(o->dirfd, "blobs/sha256", 0755) < 0 && errno != EEXIST))
                return berth_error_errno(err, "create '%s/blobs/sha256'", dir_path);
        o->blobfd =
            openat(o->dirfd, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (o->blobfd < 0)
                return berth_error_errno(err, "open '%s/blobs/sha256'", dir_path);
        return 0;
}

int archive_out_open(int fd, const char *dir_path, struct archive_out **out,
                     struct berth_error *err)
{
        struct archive_out *o = calloc(1, sizeof(*o));
        if (!o || !(o->buf = malloc(COPY_BUF))) {
                free(o);
                return oom(err);
        }
        o->dirfd = o->blobfd = -1;
        int r = 0;
        if (dir_path) {
                r = open_dir(dir_path, o, err);
        } else {
                o->a = archive_write_new();
                if (!o->a)
                        r = oom(err);
                else if (archive_write_set_format_pax_restricted(o->a) != ARCHIVE_OK ||
                         archive_write_set_bytes_in_last_block(o->a, 1) != ARCHIVE_OK ||
                         archive_write_open_fd(o->a, fd) != ARCHIVE_OK)
                        r = la_err(o->a, err, "archive");
        }
        if (r < 0) {
                archive_out_abort(o);
                return r;
        }
        *out = o;
        return 0;
}

void archive_out_abort(struct archive_out *o)
{
        if (!o)
                return;
        if (o->a)
                archive_write_free(o->a); /* closes: the partial stream ends here */
        if (o->dirfd >= 0)
                close(o->dirfd);
        if (o->blobfd >= 0)
                close(o->blobfd);
        berth_strv_free(o->written);
        free(o->buf);
        free(o);
}

int archive_out_close(struct archive_out *o, struct berth_error *err)
{
        int r = 0;
        if (o->a && archive_write_close(o->a) != ARCHIVE_OK)
                r = la_err(o->a, err, "archive end");
        if (r >= 0 && o->dirfd >= 0 && syncfs(o->dirfd) < 0)
                r = berth_error_errno(err, "sync OCI layout");
        archive_out_abort(o);
        return r;
}

static struct archive_entry *tar_entry(const char *name, mode_t type, mode_t perm, int64_t size)
{
        struct archive_entry *e = archive_entry_new();
        if (!e)
                return NULL;
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, perm);
        archive_entry_set_size(e, size);
        archive_entry_set_uid(e, 0);
        archive_entry_set_gid(e, 0);
        archive_entry_set_mtime(e, 0, 0);
        return e;
}

static int tar_header(struct archive_out *o, const char *name, mode_t type, int64_t size,
                      struct berth_error *err)
{
        struct archive_entry *e = tar_entry(name, type, type == AE_IFDIR ? 0755 : 0644, size);
        if (!e)
                return oom(err);
        int r = archive_write_header(o->a, e);
        archive_entry_free(e);
        return r == ARCHIVE_OK ? 0 : la_err(o->a, err, name);
}

static int tar_blob_dirs(struct archive_out *o, struct berth_error *err)
{
        if (o->blob_dirs)
                return 0;
        o->blob_dirs = true;
        int r = tar_header(o, "blobs/", AE_IFDIR, 0, err);
        return r < 0 ? r : tar_header(o, "blobs/sha256/", AE_IFDIR, 0, err);
}

/* 1 when name was already written, else remembers it. */
static int seen(struct archive_out *o, const char *name, struct berth_error *err)
{
        if (berth_strv_contains(o->written, name))
                return 1;
        return berth_strv_push(&o->written, name) < 0 ? oom(err) : 0;
}

static int tar_data(struct archive_out *o, const char *name, const void *data, size_t len,
                    struct berth_error *err)
{
        la_ssize_t n = archive_write_data(o->a, data, len);
        return n == (la_ssize_t)len ? 0 : la_err(o->a, err, name);
}

int archive_out_bytes(struct archive_out *o, const char *name, const void *data, size_t len,
                      struct berth_error *err)
{
        _cleanup_free_ char *path = NULL;
        if (!name) {
                uint8_t d[BERTH_SHA256_DIGEST_SIZE];
                char hex[BERTH_SHA256_HEX_SIZE];
                berth_sha256(data, len, d);
                berth_sha256_hex(d, hex);
                if (!(path = berth_strdup_printf("blobs/sha256/%s", hex)))
                        return oom(err);
                name = path;
        }
        int r = seen(o, name, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (o->a) {
                if (path && (r = tar_blob_dirs(o, err)) < 0)
                        return r;
                if ((r = tar_header(o, name, AE_IFREG, (int64_t)len, err)) < 0)
                        return r;
                return tar_data(o, name, data, len, err);
        }
        int dfd = path ? o->blobfd : o->dirfd;
        const char *base = path ? strrchr(name, '/') + 1 : name;
        r = berth_write_file_atomic(dfd, base, data, len, 0644, 0, err);
        return r < 0 ? berth_error_prefix(err, r, "write %s", name) : 0;
}

static int dir_blob(struct archive_out *o, const char *hex, int src, int64_t size,
                    struct berth_error *err)
{
        if (faccessat(o->blobfd, hex, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                return 0; /* content-addressed: already there */
        char tmp[96];
        snprintf(tmp, sizeof(tmp), ".tmp-%d-%.64s", (int)getpid(), hex);
        _cleanup_close_ int fd =
            openat(o->blobfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return berth_error_errno(err, "create blob %s", hex);
        int64_t done = 0;
        while (done < size) {
                ssize_t n = copy_file_range(src, NULL, fd, NULL, (size_t)(size - done), 0);
                if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL)) {
                        n = read(src, o->buf, COPY_BUF);
                        if (n > 0 && berth_write_all(fd, o->buf, (size_t)n) < 0)
                                n = -1;
                }
                if (n <= 0) {
                        int e = n < 0 ? errno : EIO;
                        unlinkat(o->blobfd, tmp, 0);
                        return berth_error_setsys(err, e, "copy blob %s", hex);
                }
                done += n;
        }
        if (renameat(o->blobfd, tmp, o->blobfd, hex) < 0) {
                int r = berth_error_errno(err, "rename blob %s", hex);
                unlinkat(o->blobfd, tmp, 0);
                return r;
        }
        return 0;
}

int archive_out_blob(struct archive_out *o, struct berth_image_store *s, const char *digest,
                     struct berth_error *err)
{
        _cleanup_free_ char *path = archive_blob_path(digest);
        if (!path)
                return oom(err);
        int r = seen(o, path, err);
        if (r != 0)
                return r < 0 ? r : 0;
        _cleanup_close_ int fd = -1;
        int64_t size = 0;
        r = berth_blobstore_open_blob(berth_image_store_blobs(s), digest, false, &fd, &size, err);
        if (r < 0)
                return r;
        if (!o->a)
                return dir_blob(o, strrchr(path, '/') + 1, fd, size, err);
        if ((r = tar_blob_dirs(o, err)) < 0 || (r = tar_header(o, path, AE_IFREG, size, err)) < 0)
                return r;
        for (int64_t done = 0; done < size;) {
                ssize_t n = read(fd, o->buf, COPY_BUF);
                if (n <= 0)
                        return n < 0 ? berth_error_errno(err, "read blob %s", digest)
                                     : berth_error_set(err, EIO, "blob %s shrank", digest);
                if ((r = tar_data(o, path, o->buf, (size_t)n, err)) < 0)
                        return r;
                done += n;
        }
        return 0;
}

/* ------------------------------------------------------------------ what to save */

/* The tag `name` stands for, when the image has it (a name, not an id). */
static int named_tag(const struct berth_image_info *info, const char *name, char **out)
{
        struct berth_reference ref;
        *out = NULL;
        if (berth_reference_parse(name, true, &ref, NULL) < 0)
                return 0;
        char *full = ref.digest ? NULL : berth_reference_string(&ref);
        berth_reference_clear(&ref);
        if (full && berth_strv_contains(info->tags, full))
                *out = full;
        else
                free(full);
        return 0;
}

/* The stored blob layer i was unpacked from, or an uncompressed tar made from its
 * directory (it must hash to the config's diff_id) and recorded as the image's. */
static int layer_blob(struct berth_image_store *s, const struct berth_image_config *c,
                      const char *chain_id, size_t i, char **out, struct berth_error *err)
{
        struct berth_layer_info li;
        int r = berth_image_layer_get(s, chain_id, &li, err);
        if (r < 0)
                return r;
        if (li.blob_digest &&
            berth_blobstore_exists(berth_image_store_blobs(s), li.blob_digest, NULL) == 1) {
                *out = strdup(li.blob_digest);
                berth_layer_info_clear(&li);
                return *out ? 0 : oom(err);
        }
        char digest[BERTH_DIGEST_MAX];
        r = archive_layer_tar(s, li.dir, digest, err);
        berth_layer_info_clear(&li);
        if (r < 0)
                return r;
        if (i >= c->n_diff_ids || strcmp(digest, c->diff_ids[i]))
                return berth_error_set(err, EBADMSG,
                                       "layer %zu: the tar made from its directory is %s, the "
                                       "config says %s",
                                       i, digest, i < c->n_diff_ids ? c->diff_ids[i] : "nothing");
        struct berth_image_blob b = {digest, BERTH_MT_OCI_LAYER};
        struct berth_image_record rec = {.config = c, .blobs = &b, .n_blobs = 1};
        if ((r = berth_image_record(s, &rec, err)) < 0)
                return r;
        *out = strdup(digest);
        return *out ? 0 : oom(err);
}

static int stored_manifest(struct berth_image_store *s, const struct berth_image_info *info,
                           struct archive_image *im, struct berth_error *err)
{
        if (info->manifest_digest &&
            berth_blobstore_exists(berth_image_store_blobs(s), info->manifest_digest, NULL) == 1) {
                int r = archive_read_manifest(s, info->manifest_digest, info->manifest_media_type,
                                              &im->manifest, err);
                if (r < 0)
                        return r;
                if (!strcmp(im->manifest->config.digest, info->id) &&
                    im->manifest->n_layers == info->n_layers)
                        return 0;
                berth_manifest_free(TAKE_PTR(im->manifest));
        }
        /* No stored manifest: the blobs the layers were unpacked from, or made now. */
        _cleanup_strv_free_ char **blobs = calloc(info->n_layers + 1, sizeof(char *));
        if (!blobs)
                return oom(err);
        for (size_t i = 0; i < info->n_layers; i++) {
                int r = layer_blob(s, im->config, info->chain_ids[i], i, &blobs[i], err);
                if (r < 0)
                        return r;
        }
        return archive_make_manifest(s, im->config, blobs, false, &im->manifest, err);
}

static int save_one(struct berth_image_store *s, const char *name, struct archive_plan *plan,
                    struct berth_error *err)
{
        struct berth_image_info *info = NULL;
        int r = berth_image_get(s, name, &info, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *tag = NULL;
        named_tag(info, name, &tag);
        for (size_t i = 0; i < plan->n; i++) {
                struct archive_image *im = &plan->images[i];
                if (strcmp(im->config->digest, info->id))
                        continue;
                berth_image_info_free(info);
                if (tag && !berth_strv_contains(im->tags, tag) &&
                    berth_strv_push(&im->tags, tag) < 0)
                        return oom(err);
                return 0;
        }
        struct archive_image *im;
        r = archive_plan_add(plan, &im, err);
        if (r >= 0 && tag && berth_strv_push(&im->tags, tag) < 0)
                r = oom(err);
        if (r >= 0)
                r = berth_image_get_config(s, info->id, &im->config, err);
        if (r >= 0)
                r = stored_manifest(s, info, im, err);
        berth_image_info_free(info);
        return r;
}

int archive_save_plan(struct berth_image_store *s, char *const *names, struct archive_plan *plan,
                      struct berth_error *err)
{
        for (size_t i = 0; names[i]; i++) {
                int r = save_one(s, names[i], plan, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "image '%.200s'", names[i]);
        }
        return 0;
}

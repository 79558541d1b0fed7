/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image archives: load reads the outer tar once as a stream (a pipe works), spooling every
 * file into the blob store as it passes (verified when its name says its digest), then
 * builds a plan from the metadata (archive_docker.c, archive_oci.c) and commits it
 * (archive_commit.c): layers unpacked, images recorded in one transaction.
 * Save builds a plan from the store and writes it (tar stream or directory).
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/strutil.h"
#include "image/archive.h"
#include "image/archive_internal.h"
#include "image/reference.h"
#include "basic/banned.h"

#define SPOOL_BUF (1u << 20)

static int oom(struct berth_error *err)
{
        return berth_error_set(err, ENOMEM, "out of memory");
}

void berth_load_result_clear(struct berth_load_result *r)
{
        if (!r)
                return;
        berth_strv_free(r->images);
        r->images = NULL;
}

void archive_spool_clear(struct archive_spool *sp)
{
        archive_prefetch_clear(sp);
        for (size_t i = 0; i < sp->n_files; i++) {
                free(sp->files[i].name);
                free(sp->files[i].link);
        }
        free(sp->files);
        free(sp->hash);
        free(sp->manifest_json);
        free(sp->index_json);
        free(sp->oci_layout);
        free(sp->rbuf);
        memset(sp, 0, sizeof(*sp));
}

static uint64_t name_hash(const char *s)
{
        uint64_t h = 1469598103934665603ull; /* FNV-1a */
        for (; *s; s++)
                h = (h ^ (uint8_t)*s) * 1099511628211ull;
        return h;
}

/* The name index: open addressing over file indexes + 1 (0 = empty), half full at most. */
static struct archive_file *spool_lookup(const struct archive_spool *sp, const char *name)
{
        if (!sp->hash_cap)
                return NULL;
        for (size_t i = name_hash(name) & (sp->hash_cap - 1);; i = (i + 1) & (sp->hash_cap - 1)) {
                size_t v = sp->hash[i];
                if (!v)
                        return NULL;
                if (!strcmp(sp->files[v - 1].name, name))
                        return &sp->files[v - 1];
        }
}

static void hash_insert(struct archive_spool *sp, size_t idx)
{
        size_t i = name_hash(sp->files[idx].name) & (sp->hash_cap - 1);
        while (sp->hash[i])
                i = (i + 1) & (sp->hash_cap - 1);
        sp->hash[i] = idx + 1;
}

static int hash_grow(struct archive_spool *sp)
{
        if (2 * (sp->n_files + 1) <= sp->hash_cap)
                return 0;
        size_t cap = sp->hash_cap ? sp->hash_cap * 2 : 64;
        size_t *h = calloc(cap, sizeof(*h));
        if (!h)
                return -ENOMEM;
        free(sp->hash);
        sp->hash = h;
        sp->hash_cap = cap;
        for (size_t i = 0; i < sp->n_files; i++)
                hash_insert(sp, i);
        return 0;
}

const struct archive_file *archive_spool_find(const struct archive_spool *sp, const char *name)
{
        const struct archive_file *f = spool_lookup(sp, name);
        for (int hops = 0; f && f->link && hops < 8; hops++)
                f = spool_lookup(sp, f->link);
        return f && !f->link ? f : NULL;
}

char *archive_blob_path(const char *digest)
{
        const char *hex = strchr(digest, ':');
        return berth_strdup_printf("blobs/sha256/%s", hex ? hex + 1 : digest);
}

int archive_normalise_tag(const char *s, char **out, struct berth_error *err)
{
        struct berth_reference ref;
        int r = berth_reference_parse(s, true, &ref, err);
        if (r < 0)
                return r;
        if (ref.digest || !ref.tag) {
                berth_reference_clear(&ref);
                return berth_error_set(err, EINVAL, "tag '%.200s' must not have a digest", s);
        }
        *out = berth_reference_string(&ref);
        berth_reference_clear(&ref);
        return *out ? 0 : oom(err);
}

/* ------------------------------------------------------------------ entry names */

static bool is_hex64(const char *s)
{
        size_t n = 0;
        for (; s[n]; n++)
                if (!isxdigit((unsigned char)s[n]) || isupper((unsigned char)s[n]))
                        return false;
        return n == 64;
}

/* Normalise in place: leading "./" and trailing "/" go; refuses absolute names, empty,
 * "." and ".." components, control characters.  "" (the root itself) is returned as "". */
static int name_normalise(char *name, struct berth_error *err)
{
        char *p = name;
        while (p[0] == '.' && p[1] == '/')
                p += 2;
        if (!strcmp(p, "."))
                p += 1;
        memmove(name, p, strlen(p) + 1);
        size_t n = strlen(name);
        while (n && name[n - 1] == '/')
                name[--n] = '\0';
        if (!n)
                return 0;
        if (name[0] == '/')
                return berth_error_set(err, EINVAL, "archive entry '%.200s': absolute name", name);
        if (n > BERTH_ARCHIVE_NAME_MAX)
                return berth_error_set(err, EINVAL, "archive entry name of %zu bytes too long", n);
        for (const char *c = name; *c; c++)
                if ((unsigned char)*c < 0x20 || *c == 0x7f)
                        return berth_error_set(err, EINVAL,
                                               "archive entry '%.200s': control character", name);
        for (const char *c = name; *c;) {
                const char *e = strchrnul(c, '/');
                size_t len = (size_t)(e - c);
                if (len == 0 || (len == 1 && c[0] == '.') ||
                    (len == 2 && c[0] == '.' && c[1] == '.'))
                        return berth_error_set(
                            err, EINVAL, "archive entry '%.200s': '.', '..' or empty component",
                            name);
                c = *e ? e + 1 : e;
        }
        return 0;
}

enum entry_kind {
        ENTRY_SKIP,     /* directories, legacy metadata: drained */
        ENTRY_META,     /* manifest.json, index.json, oci-layout: kept in memory */
        ENTRY_BLOB,     /* blobs/sha256/<hex>: verified */
        ENTRY_COMPUTED, /* <x>.json, <x>.tar, <d>/layer.tar: digest computed */
};

static int classify(const char *name, bool is_dir, enum entry_kind *kind, const char **expect,
                    struct berth_error *err)
{
        const char *slash = strchr(name, '/');
        size_t depth = 0;
        for (const char *c = name; *c; c++)
                depth += *c == '/';
        *expect = NULL;
        if (is_dir) {
                if (depth == 0 || !strcmp(name, "blobs/sha256")) {
                        *kind = ENTRY_SKIP;
                        return 0;
                }
        } else if (depth == 0) {
                if (!strcmp(name, "manifest.json") || !strcmp(name, "index.json") ||
                    !strcmp(name, "oci-layout")) {
                        *kind = ENTRY_META;
                        return 0;
                }
                if (!strcmp(name, "repositories")) {
                        *kind = ENTRY_SKIP;
                        return 0;
                }
                if (berth_endswith(name, ".json") || berth_endswith(name, ".tar")) {
                        *kind = ENTRY_COMPUTED;
                        return 0;
                }
        } else if (depth == 1) {
                if (berth_startswith(name, "blobs/"))
                        return berth_error_set(err, EINVAL, "archive entry '%.200s': unexpected",
                                               name);
                if (!strcmp(slash + 1, "layer.tar")) {
                        *kind = ENTRY_COMPUTED;
                        return 0;
                }
                if (!strcmp(slash + 1, "json") || !strcmp(slash + 1, "VERSION")) {
                        *kind = ENTRY_SKIP;
                        return 0;
                }
        } else if (depth == 2 && berth_startswith(name, "blobs/sha256/")) {
                if (!is_hex64(name + strlen("blobs/sha256/")))
                        return berth_error_set(err, EINVAL,
                                               "archive entry '%.200s': not a sha256 digest", name);
                *kind = ENTRY_BLOB;
                *expect = name + strlen("blobs/sha256/"); /* the hex */
                return 0;
        }
        return berth_error_set(err, EINVAL,
                               "archive entry '%.200s': unexpected in an image archive", name);
}

/* ------------------------------------------------------------------ spooling */

static int la_error(struct archive *a, int r, struct berth_error *err, const char *what)
{
        const char *m = archive_error_string(a);
        return berth_error_set(err, r == ARCHIVE_FATAL || r == ARCHIVE_RETRY ? EINVAL : EIO,
                               "%s: %s", what, m ? m : "truncated or damaged archive");
}

static int read_meta(struct archive *a, struct archive_entry *e, const char *name, char **out,
                     size_t *len, struct berth_error *err)
{
        if (*out)
                return berth_error_set(err, EINVAL, "archive entry '%s' appears twice", name);
        int64_t size = archive_entry_size(e);
        if (size < 0 || size > (int64_t)BERTH_ARCHIVE_JSON_MAX)
                return berth_error_set(err, EFBIG, "archive entry '%s': %lld bytes exceeds %u",
                                       name, (long long)size, BERTH_ARCHIVE_JSON_MAX);
        _cleanup_free_ char *buf = malloc((size_t)size + 1);
        if (!buf)
                return oom(err);
        size_t got = 0;
        while (got < (size_t)size) {
                la_ssize_t n = archive_read_data(a, buf + got, (size_t)size - got);
                if (n < 0)
                        return la_error(a, (int)n, err, name);
                if (n == 0)
                        return berth_error_set(err, EINVAL, "archive entry '%s': truncated", name);
                got += (size_t)n;
        }
        buf[got] = '\0';
        *len = got;
        *out = TAKE_PTR(buf);
        return 0;
}

static int spool_blob(struct archive *a, struct berth_blobstore *bs, struct archive_entry *e,
                      const char *name, const char *expect, struct archive_spool *sp,
                      struct archive_file *f, struct berth_error *err)
{
        if (!sp->rbuf && !(sp->rbuf = malloc(SPOOL_BUF)))
                return oom(err);
        char *buf = sp->rbuf;
        struct berth_blob_writer *w = NULL;
        int r = berth_blob_writer_begin(bs, expect, archive_entry_size(e), &w, err);
        if (r < 0)
                return berth_error_prefix(err, r, "archive entry '%s'", name);
        bool pre = archive_prefetch_begin(sp, sp->store, archive_entry_size(e)) > 0;
        for (;;) {
                la_ssize_t n = archive_read_data(a, buf, SPOOL_BUF);
                if (n < 0)
                        r = la_error(a, (int)n, err, name);
                if (n <= 0)
                        break;
                r = berth_blob_writer_write(w, buf, (size_t)n, err);
                if (r < 0) {
                        r = berth_error_prefix(err, r, "archive entry '%s'", name);
                        break;
                }
                if (pre)
                        archive_prefetch_feed(sp, buf, (size_t)n);
        }
        if (r < 0) {
                berth_blob_writer_abort(w);
        } else {
                r = berth_blob_writer_commit(w, f->digest, &f->size, err);
                if (r < 0)
                        r = berth_error_prefix(err, r, "archive entry '%s'", name);
                else if (f->size != archive_entry_size(e))
                        r = berth_error_set(err, EINVAL, "archive entry '%s': truncated", name);
        }
        if (pre)
                archive_prefetch_end(sp, f->digest, r < 0);
        return r;
}

static int spool_push(struct archive_spool *sp, const char *name, struct archive_file **out,
                      struct berth_error *err)
{
        if (spool_lookup(sp, name))
                return berth_error_set(err, EINVAL, "archive entry '%s' appears twice", name);
        if (sp->n_files == sp->cap_files) {
                size_t cap = sp->cap_files ? sp->cap_files * 2 : 32;
                struct archive_file *v = realloc(sp->files, cap * sizeof(*v));
                if (!v)
                        return oom(err);
                sp->files = v;
                sp->cap_files = cap;
        }
        if (hash_grow(sp) < 0)
                return oom(err);
        struct archive_file *f = &sp->files[sp->n_files];
        memset(f, 0, sizeof(*f));
        if (!(f->name = strdup(name)))
                return oom(err);
        hash_insert(sp, sp->n_files++);
        *out = f;
        return 0;
}

/* A symlink (docker save of old writes them for shared layers): the target, resolved from
 * the entry's directory, must be a layer name inside the archive. */
static int spool_link(struct archive_spool *sp, const char *name, const char *target,
                      struct berth_error *err)
{
        if (!target || target[0] == '/')
                return berth_error_set(err, EINVAL, "archive entry '%s': bad symlink target", name);
        const char *slash = strrchr(name, '/');
        _cleanup_free_ char *full = NULL;
        if (slash && berth_startswith(target, "../"))
                full = strdup(target + 3);
        else if (slash)
                full = berth_strdup_printf("%.*s/%s", (int)(slash - name), name, target);
        else
                full = strdup(target);
        if (!full)
                return oom(err);
        int r = name_normalise(full, err);
        enum entry_kind k;
        const char *expect;
        if (r >= 0 && *full)
                r = classify(full, false, &k, &expect, err);
        if (r < 0 || !*full || k != ENTRY_COMPUTED)
                return berth_error_set(err, EINVAL,
                                       "archive entry '%s': symlink to '%.200s' is not a layer",
                                       name, target);
        struct archive_file *f;
        if ((r = spool_push(sp, name, &f, err)) < 0)
                return r;
        f->link = TAKE_PTR(full);
        return 0;
}

static int spool_entry(struct archive *a, struct archive_entry *e, struct berth_blobstore *bs,
                       struct archive_spool *sp, struct berth_error *err)
{
        const char *raw = archive_entry_pathname(e);
        if (!raw)
                return berth_error_set(err, EINVAL, "archive entry without a name");
        _cleanup_free_ char *name = strdup(raw);
        if (!name)
                return oom(err);
        int r = name_normalise(name, err);
        if (r < 0)
                return r;
        mode_t type = archive_entry_filetype(e);
        if (!*name && type == AE_IFDIR)
                return 0;
        if (!*name)
                return berth_error_set(err, EINVAL, "archive entry with an empty name");
        if (archive_entry_hardlink(e))
                return berth_error_set(err, EINVAL, "archive entry '%.200s': hard link", name);
        if (type == AE_IFLNK)
                return spool_link(sp, name, archive_entry_symlink(e), err);
        if (type != AE_IFREG && type != AE_IFDIR)
                return berth_error_set(err, EINVAL, "archive entry '%.200s': not a file", name);
        enum entry_kind kind;
        const char *expect;
        if ((r = classify(name, type == AE_IFDIR, &kind, &expect, err)) < 0)
                return r;
        if (kind == ENTRY_SKIP)
                return 0;
        if (kind == ENTRY_META) {
                if (!strcmp(name, "manifest.json"))
                        return read_meta(a, e, name, &sp->manifest_json, &sp->manifest_json_len,
                                         err);
                if (!strcmp(name, "index.json"))
                        return read_meta(a, e, name, &sp->index_json, &sp->index_json_len, err);
                return read_meta(a, e, name, &sp->oci_layout, &sp->oci_layout_len, err);
        }
        struct archive_file *f;
        if ((r = spool_push(sp, name, &f, err)) < 0)
                return r;
        char digest[BERTH_DIGEST_MAX];
        if (expect)
                snprintf(digest, sizeof(digest), "sha256:%s", expect);
        return spool_blob(a, bs, e, name, expect ? digest : NULL, sp, f, err);
}

static int spool_archive(int fd, struct berth_blobstore *bs, berth_progress_fn progress,
                         void *userdata, struct archive_spool *sp, struct berth_error *err)
{
        struct archive *a = archive_read_new();
        if (!a)
                return oom(err);
        archive_read_support_filter_gzip(a);
        archive_read_support_filter_zstd(a);
        archive_read_support_format_tar(a);
        int r = archive_read_open_fd(a, fd, SPOOL_BUF);
        if (r != ARCHIVE_OK) {
                r = la_error(a, r, err, "read archive");
                archive_read_free(a);
                return r;
        }
        unsigned count = 0;
        for (;;) {
                struct archive_entry *e;
                int h = archive_read_next_header(a, &e);
                if (h == ARCHIVE_EOF)
                        break;
                if (h != ARCHIVE_OK) {
                        r = la_error(a, h, err, "read archive");
                        break;
                }
                if (++count > BERTH_ARCHIVE_MAX_ENTRIES) {
                        r = berth_error_set(err, EFBIG, "archive has more than %u entries",
                                            BERTH_ARCHIVE_MAX_ENTRIES);
                        break;
                }
                if ((r = spool_entry(a, e, bs, sp, err)) < 0)
                        break;
                if (progress && sp->n_files && archive_entry_filetype(e) == AE_IFREG)
                        progress(userdata, "Copying", sp->files[sp->n_files - 1].name,
                                 (uint64_t)archive_entry_size(e), (uint64_t)archive_entry_size(e));
        }
        archive_read_free(a);
        archive_prefetch_finish(sp);
        return r < 0 ? r : 0;
}

/* ------------------------------------------------------------------ load */

int berth_image_load(struct berth_image_store *s, int fd, enum berth_archive_format fmt,
                     berth_progress_fn progress, void *userdata, struct berth_load_result *out,
                     struct berth_error *err)
{
        if (out)
                out->images = NULL;
        if (fmt == BERTH_ARCHIVE_OCI_DIR)
                return berth_error_set(err, EINVAL, "load: an OCI directory is not a stream");
        struct archive_spool sp = {.store = s};
        struct archive_plan plan = {.spool = &sp};
        int r = spool_archive(fd, berth_image_store_blobs(s), progress, userdata, &sp, err);
        if (r >= 0 && sp.oci_layout)
                r = archive_oci_check_layout(sp.oci_layout, sp.oci_layout_len, err);
        bool docker = sp.manifest_json && fmt != BERTH_ARCHIVE_OCI;
        if (r < 0) {
                /* reported below */
        } else if (fmt == BERTH_ARCHIVE_DOCKER && !sp.manifest_json) {
                r = berth_error_set(err, EINVAL, "not a docker-archive: no manifest.json");
        } else if (docker) {
                r = archive_docker_plan(s, &sp, &plan, err);
        } else if (sp.index_json && sp.oci_layout) {
                r = archive_oci_plan(s, &sp, &plan, err);
        } else {
                r = berth_error_set(err, EINVAL, "not an image archive: %s",
                                    sp.index_json ? "index.json without oci-layout"
                                                  : "no manifest.json or index.json");
        }
        if (r >= 0 && plan.n == 0)
                r = berth_error_set(err, EINVAL, "the archive holds no image");
        if (r >= 0)
                r = archive_commit(s, &plan, progress, userdata, out, err);
        archive_plan_clear(&plan);
        archive_spool_clear(&sp);
        return r < 0 ? berth_error_prefix(err, r, "load") : 0;
}

/* ------------------------------------------------------------------ save */

int berth_image_save(struct berth_image_store *s, char *const *names, enum berth_archive_format fmt,
                     int fd, const char *dir_path, berth_progress_fn progress, void *userdata,
                     struct berth_error *err)
{
        if (!names || !names[0])
                return berth_error_set(err, EINVAL, "save: no image named");
        if (fmt == BERTH_ARCHIVE_AUTO)
                fmt = BERTH_ARCHIVE_DOCKER;
        if ((fmt == BERTH_ARCHIVE_OCI_DIR) != (dir_path != NULL))
                return berth_error_set(err, EINVAL,
                                       "save: a directory is for the OCI layout format only");
        struct archive_plan plan = {0};
        int r = archive_save_plan(s, names, &plan, err);
        struct archive_out *o = NULL;
        if (r >= 0)
                r = archive_out_open(fd, dir_path, &o, err);
        if (r >= 0 && fmt == BERTH_ARCHIVE_DOCKER)
                r = archive_docker_write(s, &plan, o, progress, userdata, err);
        else if (r >= 0)
                r = archive_oci_write(s, &plan, o, progress, userdata, err);
        if (r >= 0)
                r = archive_out_close(o, err);
        else
                archive_out_abort(o);
        archive_plan_clear(&plan);
        return r < 0 ? berth_error_prefix(err, r, "save") : 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The storage front end: opening a root, choosing the driver, validating ids and layer
 * lists, and what both backends share (umount, remove, the stacked-lowers lookup). */
#include "image/storage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/strutil.h"
#include "fs/resolve.h"
#include "image/image.h"
#include "image/storage_internal.h"
#include "basic/banned.h"

#define ID_MAX 128

static const struct berth_storage_ops *const drivers[] = {
    &berth_storage_overlay_ops,
    &berth_storage_vfs_ops,
};

static const struct berth_storage_ops *driver_by_name(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(drivers); i++)
                if (!strcmp(drivers[i]->name, name))
                        return drivers[i];
        return NULL;
}

static bool id_valid(const char *id)
{
        size_t n = id ? strlen(id) : 0;
        if (n == 0 || n > ID_MAX)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = id[i];
                bool alnum =
                    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
                        return false;
        }
        return true;
}

static int check_id(const char *id, struct berth_error *err)
{
        if (!id_valid(id))
                return berth_error_set(err, EINVAL, "invalid container id '%.140s'",
                                       id ? id : "(null)");
        return 0;
}

bool storage_is_whiteout(const struct stat *st)
{
        return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

bool storage_in_user_namespace(void)
{
        /* Cached per namespace: a process may unshare one after a first call. */
        static _Atomic unsigned long long cache; /* ns inode << 1 | answer */
        struct stat st;
        if (stat("/proc/self/ns/user", &st) < 0)
                return false;
        unsigned long long c = cache;
        if (c && c >> 1 == (unsigned long long)st.st_ino)
                return c & 1;
        _cleanup_free_ char *map = NULL;
        unsigned a = 1, b = 1, n = 0;
        bool v = false;
        /* The initial namespace maps all 2^32-1 ids from 0 to 0. */
        if (berth_read_file_at(AT_FDCWD, "/proc/self/uid_map", 4096, &map, NULL, NULL) == 0)
                v = sscanf(map, "%u %u %u", &a, &b, &n) != 3 || a != 0 || b != 0 ||
                    n != 4294967295u;
        cache = (unsigned long long)st.st_ino << 1 | v;
        return v;
}

int storage_is_opaque(int fd)
{
        char v[2];
        char p[32];
        /* fgetxattr refuses O_PATH fds: go through the fd's magic link. */
        snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
        ssize_t n = getxattr(
            p, storage_in_user_namespace() ? "user.overlay.opaque" : "trusted.overlay.opaque", v,
            sizeof(v));
        return n == 1 && v[0] == 'y';
}

char *storage_join(const char *parent, const char *name)
{
        if (!parent || !*parent)
                return strdup(name);
        return berth_strdup_printf("%s/%s", parent, name);
}

void storage_lowers_clear(struct storage_lowers *l)
{
        for (size_t i = 0; i < l->n; i++) {
                if (l->fds && l->fds[i] >= 0)
                        close(l->fds[i]);
                if (l->paths)
                        free(l->paths[i]);
        }
        free(l->fds);
        free(l->paths);
        *l = (struct storage_lowers){0};
}

static bool layer_name_ok(const char *n)
{
        return *n && strlen(n) <= NAME_MAX && !strchr(n, '/') && strcmp(n, ".") && strcmp(n, "..");
}

static int open_lower(struct berth_storage *s, const char *l, int *fd, char **path,
                      struct berth_error *err)
{
        int r;
        if (l[0] == '/') {
                *fd = open(l, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (*fd < 0)
                        return berth_error_errno(err, "lower layer '%s'", l);
                *path = strdup(l);
        } else {
                if (!layer_name_ok(l))
                        return berth_error_set(err, EINVAL, "invalid layer name '%.300s'", l);
                if (s->layersfd < 0)
                        return berth_error_set(err, ENOENT, "no layers directory in '%s'", s->root);
                r = berth_fs_open_in_root_ex(s->layersfd, l, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0,
                                             BERTH_RESOLVE_NO_XDEV, fd, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "layer '%s'", l);
                *path = berth_strdup_printf("%s/%s/%s", s->root, BERTH_LAYERS_DIR, l);
        }
        if (!*path)
                return berth_error_set(err, ENOMEM, "out of memory");
        return 0;
}

static int open_lowers(struct berth_storage *s, const char *const *lowers, bool need_one,
                       struct storage_lowers *out, struct berth_error *err)
{
        size_t n = 0;
        while (lowers && lowers[n])
                n++;
        if (n > BERTH_STORAGE_MAX_LAYERS)
                return berth_error_set(err, E2BIG, "%zu layers: overlay stacks at most %d", n,
                                       BERTH_STORAGE_MAX_LAYERS);
        if (need_one && n == 0)
                return berth_error_set(err, EINVAL, "no layers given");
        *out = (struct storage_lowers){0};
        out->fds = calloc(n + 1, sizeof(int));
        out->paths = calloc(n + 1, sizeof(char *));
        if (!out->fds || !out->paths) {
                storage_lowers_clear(out);
                return berth_error_set(err, ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < n; i++)
                out->fds[i] = -1;
        out->n = n;
        for (size_t i = 0; i < n; i++) {
                int r = open_lower(s, lowers[i], &out->fds[i], &out->paths[i], err);
                if (r < 0) {
                        storage_lowers_clear(out);
                        return r;
                }
        }
        return 0;
}

/* ------------------------------------------------------------------ open / probe */

static int mkdir_at(int dirfd, const char *name, mode_t mode, struct berth_error *err)
{
        if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
                return berth_error_errno(err, "mkdir '%s'", name);
        return 0;
}

static int read_recorded(struct berth_storage *s, const struct berth_storage_ops **ops,
                         struct berth_error *err)
{
        _cleanup_free_ char *buf = NULL;
        int r = berth_read_file_at(s->rootfd, STORAGE_DRIVER_FILE, 64, &buf, NULL, err);
        if (r == -ENOENT) {
                berth_error_clear(err);
                *ops = NULL;
                return 0;
        }
        if (r < 0)
                return berth_error_prefix(err, r, "read %s", STORAGE_DRIVER_FILE);
        buf[strcspn(buf, "\n")] = '\0';
        *ops = driver_by_name(buf);
        if (!*ops)
                return berth_error_set(err, EINVAL, "%s/%s: unknown driver '%s'", s->root,
                                       STORAGE_DRIVER_FILE, buf);
        return 0;
}

static int choose_driver(struct berth_storage *s, const char *driver, struct berth_error *err)
{
        const struct berth_storage_ops *want = NULL, *rec = NULL;
        if (driver && !(want = driver_by_name(driver)))
                return berth_error_set(err, EINVAL, "unknown storage driver '%s'", driver);
        int r = read_recorded(s, &rec, err);
        if (r < 0)
                return r;
        if (rec && want && rec != want)
                return berth_error_set(err, EEXIST, "root '%s' uses storage driver '%s', not '%s'",
                                       s->root, rec->name, want->name);
        if (rec) {
                s->ops = rec;
                return 0;
        }
        if (want) {
                r = want->probe(s->root, err);
                if (r < 0)
                        return berth_error_prefix(err, r == -ENOMEM ? r : -EOPNOTSUPP,
                                                  "storage driver '%s' unusable under '%s'",
                                                  want->name, s->root);
                s->ops = want;
        } else {
                struct berth_error perr = {0};
                s->ops = berth_storage_overlay_ops.probe(s->root, &perr) == 0
                             ? &berth_storage_overlay_ops
                             : &berth_storage_vfs_ops;
        }
        _cleanup_free_ char *line = berth_strdup_printf("%s\n", s->ops->name);
        if (!line)
                return berth_error_set(err, ENOMEM, "out of memory");
        r = berth_write_file_atomic(s->rootfd, STORAGE_DRIVER_FILE, line, strlen(line), 0600, 1,
                                    err);
        return r < 0 ? berth_error_prefix(err, r, "record storage driver") : 0;
}

int berth_storage_probe_overlay(const char *root, struct berth_error *err)
{
        return berth_storage_overlay_ops.probe(root, err);
}

void berth_storage_close(struct berth_storage *s)
{
        if (!s)
                return;
        free(s->root);
        if (s->rootfd >= 0)
                close(s->rootfd);
        if (s->layersfd >= 0)
                close(s->layersfd);
        if (s->containersfd >= 0)
                close(s->containersfd);
        free(s);
}

static void storage_closep(struct berth_storage **s)
{
        berth_storage_close(*s);
}

int berth_storage_open(const char *root, const char *driver, struct berth_storage **out,
                       struct berth_error *err)
{
        if (!root || !*root)
                return berth_error_set(err, EINVAL, "storage root is empty");
        _cleanup_(storage_closep) struct berth_storage *s = calloc(1, sizeof(*s));
        if (!s)
                return berth_error_set(err, ENOMEM, "out of memory");
        s->rootfd = s->layersfd = s->containersfd = -1;
        int r = berth_mkdir_p(root, 0700);
        if (r < 0)
                return berth_error_set(err, -r, "create storage root '%s': %s", root, strerror(-r));
        s->root = realpath(root, NULL);
        if (!s->root)
                return berth_error_errno(err, "storage root '%s'", root);
        s->rootfd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (s->rootfd < 0)
                return berth_error_errno(err, "open storage root '%s'", s->root);
        if ((r = mkdir_at(s->rootfd, STORAGE_CONTAINERS_DIR, 0700, err)) < 0 ||
            (r = mkdir_at(s->rootfd, STORAGE_LINKS_DIR, 0700, err)) < 0 ||
            (r = mkdir_at(s->rootfd, STORAGE_EMPTY_DIR, 0755, err)) < 0)
                return berth_error_prefix(err, r, "storage root '%s'", s->root);
        s->containersfd = openat(s->rootfd, STORAGE_CONTAINERS_DIR,
                                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s->containersfd < 0)
                return berth_error_errno(err, "open '%s/%s'", s->root, STORAGE_CONTAINERS_DIR);
        s->layersfd =
            openat(s->rootfd, BERTH_LAYERS_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s->layersfd < 0 && errno != ENOENT)
                return berth_error_errno(err, "open '%s/%s'", s->root, BERTH_LAYERS_DIR);
        r = choose_driver(s, driver, err);
        if (r < 0)
                return r;
        *out = TAKE_PTR(s);
        return 0;
}

const char *berth_storage_driver(const struct berth_storage *s)
{
        return s->ops->name;
}

/* ------------------------------------------------------------------ containers */

int berth_storage_rootfs_path(struct berth_storage *s, const char *id, char **out,
                              struct berth_error *err)
{
        int r = check_id(id, err);
        if (r < 0)
                return r;
        *out = berth_strdup_printf("%s/%s/%s/merged", s->root, STORAGE_CONTAINERS_DIR, id);
        return *out ? 0 : berth_error_set(err, ENOMEM, "out of memory");
}

int berth_storage_create_rw(struct berth_storage *s, const char *id, const char *const *lowers,
                            struct berth_error *err)
{
        int r = check_id(id, err);
        if (r < 0)
                return r;
        struct storage_lowers l;
        r = open_lowers(s, lowers, false, &l, err);
        if (r < 0)
                return berth_error_prefix(err, r, "container '%s'", id);
        if (mkdirat(s->containersfd, id, 0700) < 0) {
                r = berth_error_errno(err, "create container dir '%s'", id);
                storage_lowers_clear(&l);
                return r;
        }
        _cleanup_close_ int cfd =
            openat(s->containersfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (cfd < 0)
                r = berth_error_errno(err, "open container dir '%s'", id);
        else if ((r = mkdir_at(cfd, "merged", 0755, err)) >= 0)
                r = s->ops->prepare(s, cfd, &l, err);
        storage_lowers_clear(&l);
        if (r < 0) {
                (void)berth_rm_rf_at(s->containersfd, id);
                return berth_error_prefix(err, r, "container '%s'", id);
        }
        return 0;
}

static int open_container(struct berth_storage *s, const char *id, int *cfd,
                          struct berth_error *err)
{
        int r = berth_fs_open_in_root_ex(s->containersfd, id, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0,
                                         BERTH_RESOLVE_NO_XDEV, cfd, err);
        if (r == -ENOENT)
                return berth_error_set(err, ENOENT, "no storage for container '%s'", id);
        return r < 0 ? berth_error_prefix(err, r, "container '%s'", id) : 0;
}

/* A second mount stacked on merged/ would hide the first and leak it. */
static int refuse_mounted(int fd, const char *id, struct berth_error *err)
{
        struct statx stx;
        if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
                return berth_error_errno(err, "container '%s': stat merged", id);
        if ((stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
            (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
                return berth_error_set(err, EBUSY, "container '%s' is already mounted", id);
        return 0;
}

int berth_storage_mount(struct berth_storage *s, const char *id, const char *const *lowers,
                        int target_fd, unsigned flags, struct berth_error *err)
{
        _cleanup_close_ int cfd = -1, deftarget = -1;
        int r;
        if (id) {
                if ((r = check_id(id, err)) < 0 || (r = open_container(s, id, &cfd, err)) < 0)
                        return r;
                if (target_fd < 0) {
                        r = berth_fs_open_in_root_ex(cfd, "merged",
                                                     O_PATH | O_DIRECTORY | O_NOFOLLOW, 0,
                                                     BERTH_RESOLVE_NO_XDEV, &deftarget, err);
                        if (r == -EXDEV) /* merged/ is a mount point already */
                                return berth_error_set(err, EBUSY,
                                                       "container '%s' is already mounted", id);
                        if (r < 0)
                                return berth_error_prefix(err, r, "container '%s'", id);
                        if ((r = refuse_mounted(deftarget, id, err)) < 0)
                                return r;
                        target_fd = deftarget;
                }
        } else {
                if (target_fd < 0)
                        return berth_error_set(err, EINVAL, "layers-only mount needs a target");
                flags |= BERTH_STORAGE_MOUNT_RO;
        }
        struct storage_lowers l;
        r = open_lowers(s, lowers, !id, &l, err);
        if (r < 0)
                return id ? berth_error_prefix(err, r, "container '%s'", id) : r;
        r = s->ops->mount(s, id, cfd, &l, target_fd, flags, err);
        storage_lowers_clear(&l);
        if (r < 0 && id)
                return berth_error_prefix(err, r, "mount container '%s'", id);
        return r;
}

int storage_generic_umount(struct berth_storage *s, const char *id, struct berth_error *err)
{
        _cleanup_free_ char *path = NULL;
        int r = berth_storage_rootfs_path(s, id, &path, err);
        if (r < 0)
                return r;
        /* Unmount whatever is stacked on merged/, top first, until it is a plain dir. */
        for (int i = 0; i < 64; i++) {
                if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
                        continue;
                if (errno == EINVAL || errno == ENOENT)
                        return 0;
                return berth_error_errno(err, "unmount '%s'", path);
        }
        return berth_error_set(err, EBUSY, "unmount '%s': too many stacked mounts", path);
}

int storage_generic_remove(struct berth_storage *s, const char *id, struct berth_error *err)
{
        int r = s->ops->umount(s, id, err);
        if (r < 0)
                return r;
        r = berth_rm_rf_at(s->containersfd, id);
        if (r < 0)
                return berth_error_set(err, -r, "remove container dir '%s/%s/%s': %s", s->root,
                                       STORAGE_CONTAINERS_DIR, id, strerror(-r));
        return 0;
}

int berth_storage_umount(struct berth_storage *s, const char *id, struct berth_error *err)
{
        int r = check_id(id, err);
        return r < 0 ? r : s->ops->umount(s, id, err);
}

int berth_storage_remove(struct berth_storage *s, const char *id, struct berth_error *err)
{
        int r = check_id(id, err);
        return r < 0 ? r : s->ops->remove(s, id, err);
}

int berth_storage_diff(struct berth_storage *s, const char *id, const char *const *lowers,
                       berth_storage_diff_fn fn, void *userdata, struct berth_error *err)
{
        _cleanup_close_ int cfd = -1;
        int r;
        if ((r = check_id(id, err)) < 0 || (r = open_container(s, id, &cfd, err)) < 0)
                return r;
        struct storage_lowers l;
        r = open_lowers(s, lowers, false, &l, err);
        if (r < 0)
                return berth_error_prefix(err, r, "container '%s'", id);
        r = s->ops->diff(s, id, cfd, &l, fn, userdata, err);
        storage_lowers_clear(&l);
        return r;
}

int berth_storage_prune_links(struct berth_storage *s, size_t *removed, struct berth_error *err)
{
        size_t n = 0;
        int fd =
            openat(s->rootfd, STORAGE_LINKS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return berth_error_errno(err, "open '%s/%s'", s->root, STORAGE_LINKS_DIR);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return berth_error_errno(err, "read '%s/%s'", s->root, STORAGE_LINKS_DIR);
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                struct stat st;
                if (de->d_name[0] == '.' ||
                    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISLNK(st.st_mode))
                        continue;
                /* Following the link is only a test of existence, nothing is opened. */
                if (fstatat(dirfd(d), de->d_name, &st, 0) == 0 || errno != ENOENT)
                        continue;
                if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
                        return berth_error_errno(err, "remove '%s/%s'", STORAGE_LINKS_DIR,
                                                 de->d_name);
                n++;
        }
        if (removed)
                *removed = n;
        return 0;
}

/* ------------------------------------------------------------------ lookup in the lowers */

/* One layer's answer for path: 1 found (st filled), 0 absent, -1 deleted or blocked (a
 * whiteout, or a non-directory as a parent).  *hides = a parent dir in this layer is
 * opaque, so nothing below this layer is visible there. */
static int layer_lookup(int layerfd, const char *path, struct stat *st, bool *hides)
{
        _cleanup_close_ int cur = fcntl(layerfd, F_DUPFD_CLOEXEC, 3);
        _cleanup_free_ char *copy = strdup(path);
        *hides = false;
        if (cur < 0 || !copy)
                return 0;
        char *save = NULL;
        char *comp = strtok_r(copy, "/", &save);
        while (comp) {
                char *next = strtok_r(NULL, "/", &save);
                if (fstatat(cur, comp, st, AT_SYMLINK_NOFOLLOW) < 0)
                        return 0;
                if (storage_is_whiteout(st))
                        return -1;
                if (!next)
                        return 1;
                if (!S_ISDIR(st->st_mode))
                        return -1;
                int nfd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (nfd < 0)
                        return 0;
                close(cur);
                cur = nfd;
                if (storage_is_opaque(cur))
                        *hides = true;
                comp = next;
        }
        return 0;
}

int storage_lowers_lookup(const struct storage_lowers *lowers, const char *path, struct stat *st)
{
        for (size_t i = 0; i < lowers->n; i++) {
                bool hides = false;
                int r = layer_lookup(lowers->fds[i], path, st, &hides);
                if (r != 0)
                        return r > 0;
                if (hides)
                        return 0;
        }
        return 0;
}

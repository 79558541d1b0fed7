/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The overlay backend.
 *
 * Mount options, and why:
 *   index=off      the inode index ties the upper dir to the exact lower inodes through
 *                  file handles; our layers are shared by many containers and are removed
 *                  and unpacked again (a new inode, same content), after which an indexed
 *                  upper refuses to mount (ESTALE).  Hardlink-consistent copy-up and NFS
 *                  export, which the index buys, are not needed in a container.
 *   redirect_dir=nofollow  a renamed lower directory would be recorded as a redirect xattr
 *                  in the upper instead of being copied: the upper (the container's diff,
 *                  what `commit` turns into a layer tar) would then not hold the directory
 *                  contents.  nofollow creates no redirects (rename(2) of such a directory is
 *                  EXDEV and mv(1) copies) and follows none (our layers never carry them:
 *                  layer extraction refuses trusted.* xattrs).  It is also the one value
 *                  besides the default that "userxattr" accepts ("off" conflicts with it).
 *   metacopy=off   likewise: a chmod/chown would copy up only the metadata, leaving an
 *                  upper file without its data; a committed layer needs the data.
 *   userxattr      only when running in a user namespace (not the initial one): there the
 *                  kernel refuses trusted.* xattrs, and overlay uses user.overlay.* instead.
 *                  Layers unpacked by root carry trusted.overlay.opaque, which a userxattr
 *                  mount does not see: rootless storage needs layers unpacked in the
 *                  namespace (not done here yet).
 *   xino, volatile left to the kernel's defaults.
 *
 * Layers are passed one per fsconfig("lowerdir+") call, by fd where the kernel takes an fd
 * (6.13+) and by absolute path otherwise (6.8+).  When "lowerdir+" is unknown (EINVAL: an
 * older kernel) the legacy "lowerdir=a:b:c" string is built from short relative names (the
 * symlinks <root>/l/<8 base32 chars>, 11 bytes a layer) and mounted by a forked child that
 * chdir()s to <root>, so the string stays under the kernel's one-page option limit for
 * about 350 layers.  The kernel stacks at most 500 lowers (OVL_MAX_STACK).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/sha256.h"
#include "basic/strutil.h"
#include "fs/resolve.h"
#include "image/storage_internal.h"
#include "basic/banned.h"

#define LEGACY_OPTS_MAX 4095 /* one page, NUL included */
#define SHORT_LEN       8

/* A layer for the mount: an fd (O_PATH dir) and its path (absolute, or relative to root
 * for upper/work). */
struct ovl_layer {
        int fd;
        const char *path;
};

struct ovl_plan {
        struct ovl_layer *lowers; /* top first */
        size_t n;
        struct ovl_layer upper, work; /* fd -1: none (read-only) */
        bool ro;
};

/* The kernel's explanation of a failed fsconfig, from the fs context log. */
static void fs_log(int fsfd, char *buf, size_t size)
{
        buf[0] = '\0';
        char line[256];
        ssize_t n;
        while ((n = read(fsfd, line, sizeof(line) - 1)) > 0) {
                line[n] = '\0';
                line[strcspn(line, "\n")] = '\0';
                snprintf(buf, size, "%s", line[0] && line[1] == ' ' ? line + 2 : line);
        }
}

static int fsconfig_fail(int fsfd, struct berth_error *err, const char *what, const char *value)
{
        int e = errno;
        char log[200];
        fs_log(fsfd, log, sizeof(log));
        return berth_error_set(err, e, "overlay %s '%.300s': %s%s%s", what, value, strerror(e),
                               log[0] ? ": " : "", log);
}

/* One layer option: by fd when the kernel takes it, else by path.  *by_fd is cleared on
 * the first EINVAL for an fd. */
static int set_layer(int fsfd, const char *key, const struct ovl_layer *l, const char *root,
                     bool *by_fd)
{
        if (*by_fd) {
                if (fsconfig(fsfd, FSCONFIG_SET_FD, key, NULL, l->fd) == 0)
                        return 0;
                if (errno != EINVAL)
                        return -errno;
                *by_fd = false;
                char drain[64];
                fs_log(fsfd, drain, sizeof(drain));
        }
        _cleanup_free_ char *abs = NULL;
        const char *p = l->path;
        if (p[0] != '/') {
                abs = berth_strdup_printf("%s/%s", root, p);
                if (!abs)
                        return -ENOMEM;
                p = abs;
        }
        return fsconfig(fsfd, FSCONFIG_SET_STRING, key, p, 0) < 0 ? -errno : 0;
}

/* The options besides the layers. */
static int set_options(int fsfd, struct berth_error *err)
{
        static const char *const opts[][2] = {
            {"index", "off"},
            {"redirect_dir", "nofollow"},
            {"metacopy", "off"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
                if (fsconfig(fsfd, FSCONFIG_SET_STRING, opts[i][0], opts[i][1], 0) < 0)
                        return fsconfig_fail(fsfd, err, opts[i][0], opts[i][1]);
        if (storage_in_user_namespace() &&
            fsconfig(fsfd, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
                return fsconfig_fail(fsfd, err, "option", "userxattr");
        return 0;
}

/* New mount API.  -ENOTSUP (no error message) when "lowerdir+" is not known. */
static int mount_new_api(struct berth_storage *s, const struct ovl_plan *p, int target_fd,
                         struct berth_error *err)
{
        _cleanup_close_ int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
        if (fsfd < 0)
                return errno == ENOSYS ? -ENOTSUP : berth_error_errno(err, "fsopen overlay");
        if (fsconfig(fsfd, FSCONFIG_SET_STRING, "source", "berth", 0) < 0)
                return fsconfig_fail(fsfd, err, "source", "berth");
        bool by_fd = true;
        for (size_t i = 0; i < p->n; i++) {
                int r = set_layer(fsfd, "lowerdir+", &p->lowers[i], s->root, &by_fd);
                if (r < 0 && i == 0 && r == -EINVAL) {
                        char log[200];
                        fs_log(fsfd, log, sizeof(log));
                        /* A kernel before 6.8 does not know the key: the legacy string. */
                        if (!log[0] || strstr(log, "nknown parameter"))
                                return -ENOTSUP;
                        return berth_error_set(err, EINVAL, "overlay lower layer '%.300s': %s",
                                               p->lowers[i].path, log);
                }
                if (r < 0) {
                        errno = -r;
                        return fsconfig_fail(fsfd, err, "lower layer", p->lowers[i].path);
                }
        }
        if (p->upper.fd >= 0) {
                int r = set_layer(fsfd, "upperdir", &p->upper, s->root, &by_fd);
                if (r >= 0)
                        r = set_layer(fsfd, "workdir", &p->work, s->root, &by_fd);
                if (r < 0) {
                        errno = -r;
                        return fsconfig_fail(fsfd, err, "upperdir/workdir", p->upper.path);
                }
        }
        int r = set_options(fsfd, err);
        if (r < 0)
                return r;
        if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return fsconfig_fail(fsfd, err, "create with top layer", p->lowers[0].path);
        _cleanup_close_ int mfd =
            fsmount(fsfd, FSMOUNT_CLOEXEC, p->ro ? MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV : 0);
        if (mfd < 0)
                return berth_error_errno(err, "fsmount overlay");
        if (move_mount(mfd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
            0)
                return berth_error_errno(err, "move_mount overlay onto the target");
        return 0;
}

/* <root>/l/<short>: a short, stable name for a layer's path. */
static int short_link(struct berth_storage *s, const char *path, char out[SHORT_LEN + 1],
                      struct berth_error *err)
{
        static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
        uint8_t d[BERTH_SHA256_DIGEST_SIZE];
        berth_sha256(path, strlen(path), d);
        uint64_t v = 0;
        for (int i = 0; i < 5; i++)
                v = v << 8 | d[i];
        for (int i = 0; i < SHORT_LEN; i++)
                out[i] = b32[(v >> (5 * (SHORT_LEN - 1 - i))) & 31];
        out[SHORT_LEN] = '\0';

        _cleanup_close_ int lfd =
            openat(s->rootfd, STORAGE_LINKS_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (lfd < 0)
                return berth_error_errno(err, "open '%s/%s'", s->root, STORAGE_LINKS_DIR);
        if (symlinkat(path, lfd, out) == 0)
                return 0;
        if (errno != EEXIST)
                return berth_error_errno(err, "symlink '%s/%s'", STORAGE_LINKS_DIR, out);
        char cur[4097];
        ssize_t n = readlinkat(lfd, out, cur, sizeof(cur) - 1);
        if (n < 0)
                return berth_error_errno(err, "readlink '%s/%s'", STORAGE_LINKS_DIR, out);
        cur[n] = '\0';
        if (strcmp(cur, path))
                return berth_error_set(err, EEXIST, "short layer name '%s' taken by '%s', not '%s'",
                                       out, cur, path);
        return 0;
}

static int legacy_opts(struct berth_storage *s, const struct ovl_plan *p, struct berth_buf *b,
                       struct berth_error *err)
{
        int r = berth_buf_append(b, "lowerdir=", 9);
        for (size_t i = 0; r >= 0 && i < p->n; i++) {
                const char *lp = p->lowers[i].path;
                if (lp[0] != '/') { /* already short and relative to root (ours) */
                        r = berth_buf_printf(b, "%s%s", i ? ":" : "", lp);
                        continue;
                }
                char name[SHORT_LEN + 1];
                r = short_link(s, lp, name, err);
                if (r < 0)
                        return r;
                r = berth_buf_printf(b, "%s%s/%s", i ? ":" : "", STORAGE_LINKS_DIR, name);
        }
        if (r >= 0 && p->upper.fd >= 0)
                r = berth_buf_printf(b, ",upperdir=%s,workdir=%s", p->upper.path, p->work.path);
        if (r >= 0)
                r = berth_buf_printf(b, ",index=off,redirect_dir=nofollow,metacopy=off%s",
                                     storage_in_user_namespace() ? ",userxattr" : "");
        if (r < 0)
                return berth_error_set(err, ENOMEM, "out of memory");
        if (b->len > LEGACY_OPTS_MAX - 1)
                return berth_error_set(err, E2BIG,
                                       "%zu layers: option string of %zu bytes exceeds one page "
                                       "and this kernel has no overlay lowerdir+",
                                       p->n, b->len);
        return 0;
}

/* Legacy mount(2) from a child that chdir()s to root, so the relative names resolve there
 * and the caller's cwd (shared by its threads) never changes.  Same mount namespace. */
static int mount_legacy(struct berth_storage *s, const struct ovl_plan *p, int target_fd,
                        struct berth_error *err)
{
        struct berth_buf b = {0};
        int r = legacy_opts(s, p, &b, err);
        if (r < 0) {
                berth_buf_free(&b);
                return r;
        }
        char target[32];
        snprintf(target, sizeof(target), "/proc/self/fd/%d", target_fd);
        unsigned long flags = p->ro ? MS_RDONLY | MS_NODEV : 0;
        pid_t pid = fork();
        if (pid < 0) {
                berth_buf_free(&b);
                return berth_error_errno(err, "fork");
        }
        if (pid == 0) {
                if (fchdir(s->rootfd) < 0 || mount("berth", target, "overlay", flags, b.data) < 0)
                        _exit(errno & 0xff);
                _exit(0);
        }
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
        r = code ? berth_error_set(err, code, "mount overlay (legacy options, %zu layers): %s",
                                   p->n, strerror(code))
                 : 0;
        berth_buf_free(&b);
        return r;
}

static bool force_legacy;

void storage_overlay_force_legacy(bool on)
{
        force_legacy = on;
}

static int ovl_do_mount(struct berth_storage *s, const struct ovl_plan *p, int target_fd,
                        struct berth_error *err)
{
        int r = force_legacy ? -ENOTSUP : mount_new_api(s, p, target_fd, err);
        if (r == -ENOTSUP)
                r = mount_legacy(s, p, target_fd, err);
        return r;
}

/* ------------------------------------------------------------------ ops */

static int open_sub(int dirfd, const char *name, int *fd, struct berth_error *err)
{
        int r = berth_fs_open_in_root_ex(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0,
                                         BERTH_RESOLVE_NO_XDEV, fd, err);
        return r < 0 ? berth_error_prefix(err, r, "open '%s'", name) : 0;
}

static int ovl_mount(struct berth_storage *s, const char *id, int cdirfd,
                     const struct storage_lowers *l, int target_fd, unsigned flags,
                     struct berth_error *err)
{
        bool ro = flags & BERTH_STORAGE_MOUNT_RO;
        _cleanup_free_ struct ovl_layer *lay = calloc(l->n + 2, sizeof(*lay));
        _cleanup_close_ int upfd = -1, workfd = -1, emptyfd = -1;
        _cleanup_free_ char *uppath = NULL, *workpath = NULL;
        if (!lay)
                return berth_error_set(err, ENOMEM, "out of memory");
        struct ovl_plan p = {.lowers = lay, .upper = {-1, NULL}, .work = {-1, NULL}, .ro = ro};
        int r;
        if (cdirfd >= 0) {
                uppath = berth_strdup_printf("%s/%s/upper", STORAGE_CONTAINERS_DIR, id);
                workpath = berth_strdup_printf("%s/%s/work", STORAGE_CONTAINERS_DIR, id);
                if (!uppath || !workpath)
                        return berth_error_set(err, ENOMEM, "out of memory");
                if ((r = open_sub(cdirfd, "upper", &upfd, err)) < 0 ||
                    (r = open_sub(cdirfd, "work", &workfd, err)) < 0)
                        return r;
                if (ro) { /* the upper dir becomes the top (read-only) lower */
                        lay[p.n++] = (struct ovl_layer){upfd, uppath};
                } else {
                        p.upper = (struct ovl_layer){upfd, uppath};
                        p.work = (struct ovl_layer){workfd, workpath};
                }
        }
        for (size_t i = 0; i < l->n; i++)
                lay[p.n++] = (struct ovl_layer){l->fds[i], l->paths[i]};
        if (p.n > BERTH_STORAGE_MAX_LAYERS)
                return berth_error_set(err, E2BIG,
                                       "%zu layers and the upper dir: overlay stacks at most %d",
                                       l->n, BERTH_STORAGE_MAX_LAYERS);
        /* Overlay needs a lower, and two without an upper: an empty dir completes it. */
        if (p.n == 0 || (p.upper.fd < 0 && p.n < 2)) {
                if ((r = open_sub(s->rootfd, STORAGE_EMPTY_DIR, &emptyfd, err)) < 0)
                        return r;
                lay[p.n++] = (struct ovl_layer){emptyfd, STORAGE_EMPTY_DIR};
        }
        return ovl_do_mount(s, &p, target_fd, err);
}

static int ovl_prepare(struct berth_storage *s, int cdirfd, const struct storage_lowers *l,
                       struct berth_error *err)
{
        if (mkdirat(cdirfd, "upper", 0755) < 0 || mkdirat(cdirfd, "work", 0700) < 0)
                return berth_error_errno(err, "create upper/work");
        return 0;
}

/* The probe: a real overlay (two lowers, upper, work) in <root>/.probe-XXXXXX, a file
 * written through it must land in the upper dir. */
static int probe_in(struct berth_storage *s, const char *rel, int dfd, struct berth_error *err)
{
        static const char *const dirs[] = {"l1", "l2", "upper", "work", "merged"};
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
                if (mkdirat(dfd, dirs[i], 0700) < 0)
                        return berth_error_errno(err, "probe: mkdir %s", dirs[i]);
        _cleanup_close_ int l1 = -1, l2 = -1, up = -1, wk = -1, mt = -1;
        int r;
        if ((r = open_sub(dfd, "l1", &l1, err)) < 0 || (r = open_sub(dfd, "l2", &l2, err)) < 0 ||
            (r = open_sub(dfd, "upper", &up, err)) < 0 ||
            (r = open_sub(dfd, "work", &wk, err)) < 0 ||
            (r = open_sub(dfd, "merged", &mt, err)) < 0)
                return r;
        _cleanup_free_ char *p1 = berth_strdup_printf("%s/l1", rel);
        _cleanup_free_ char *p2 = berth_strdup_printf("%s/l2", rel);
        _cleanup_free_ char *pu = berth_strdup_printf("%s/upper", rel);
        _cleanup_free_ char *pw = berth_strdup_printf("%s/work", rel);
        if (!p1 || !p2 || !pu || !pw)
                return berth_error_set(err, ENOMEM, "out of memory");
        struct ovl_layer lay[2] = {{l1, p1}, {l2, p2}};
        struct ovl_plan p = {.lowers = lay, .n = 2, .upper = {up, pu}, .work = {wk, pw}};
        r = ovl_do_mount(s, &p, mt, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *mpath = berth_strdup_printf("%s/%s/merged", s->root, rel);
        /* mt is the directory under the new mount: go through the path to reach it. */
        int fd = mpath ? open(mpath, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
        int wfd =
            fd >= 0 ? openat(fd, "probe", O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600) : -1;
        r = wfd < 0 ? berth_error_errno(err, "probe: write through the overlay") : 0;
        if (wfd >= 0)
                close(wfd);
        if (fd >= 0)
                close(fd);
        if (mpath && umount2(mpath, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && r == 0)
                r = berth_error_errno(err, "probe: unmount");
        struct stat st;
        if (r == 0 && fstatat(up, "probe", &st, AT_SYMLINK_NOFOLLOW) < 0)
                r = berth_error_set(err, EIO, "probe: written file not in the upper dir");
        return r;
}

static int ovl_probe(const char *root, struct berth_error *err)
{
        struct berth_storage s = {.rootfd = -1, .layersfd = -1, .containersfd = -1};
        s.root = realpath(root, NULL);
        if (!s.root)
                return berth_error_errno(err, "probe: root '%s'", root);
        _cleanup_free_ char *tmpl = berth_strdup_printf("%s/.probe-XXXXXX", s.root);
        int r = 0;
        if (!tmpl || !mkdtemp(tmpl)) {
                r = tmpl ? berth_error_errno(err, "probe: mkdtemp under '%s'", s.root)
                         : berth_error_set(err, ENOMEM, "out of memory");
                free(s.root);
                return r;
        }
        const char *rel = strrchr(tmpl, '/') + 1;
        s.rootfd = open(s.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int dfd = open(tmpl, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s.rootfd < 0 || dfd < 0)
                r = berth_error_errno(err, "probe: open '%s'", tmpl);
        else
                r = probe_in(&s, rel, dfd, err);
        if (s.rootfd >= 0) {
                (void)berth_rm_rf_at(s.rootfd, rel);
                close(s.rootfd);
        }
        free(s.root);
        return r;
}

/* ------------------------------------------------------------------ diff */

struct ovl_diff {
        const struct storage_lowers *lowers;
        berth_storage_diff_fn fn;
        void *userdata;
        struct berth_error *err;
};

static int report(struct ovl_diff *d, enum berth_storage_change_kind kind, const char *rel,
                  bool opaque)
{
        _cleanup_free_ char *abs = berth_strdup_printf("/%s", rel);
        if (!abs)
                return berth_error_set(d->err, ENOMEM, "out of memory");
        struct berth_storage_change c = {.kind = kind, .path = abs, .opaque = opaque};
        int r = d->fn(&c, d->userdata);
        if (r != 0)
                berth_error_set(d->err, r < 0 ? -r : ECANCELED, "diff stopped at '%s'", abs);
        return r;
}

/* hidden: nothing of the lowers is visible in this directory. */
static int diff_dir(struct ovl_diff *d, int dirfd, const char *rel, bool hidden)
{
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return berth_error_errno(d->err, "diff: open '/%s'", rel);
        _cleanup_closedir_ DIR *dir = fdopendir(fd);
        if (!dir) {
                close(fd);
                return berth_error_errno(d->err, "diff: read '/%s'", rel);
        }
        struct dirent *de;
        int r = 0;
        while (r == 0 && (errno = 0, de = readdir(dir))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *path = storage_join(rel, de->d_name);
                if (!path)
                        return berth_error_set(d->err, ENOMEM, "out of memory");
                struct stat st, lst;
                if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return berth_error_errno(d->err, "diff: stat '/%s'", path);
                bool below = !hidden && storage_lowers_lookup(d->lowers, path, &lst) > 0;
                if (storage_is_whiteout(&st)) {
                        if (below)
                                r = report(d, BERTH_CHANGE_DELETED, path, false);
                        continue;
                }
                if (!S_ISDIR(st.st_mode)) {
                        r = report(d, below ? BERTH_CHANGE_CHANGED : BERTH_CHANGE_ADDED, path,
                                   false);
                        continue;
                }
                _cleanup_close_ int cfd =
                    openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (cfd < 0)
                        return berth_error_errno(d->err, "diff: open '/%s'", path);
                bool opaque = below && storage_is_opaque(cfd);
                r = report(d, below ? BERTH_CHANGE_CHANGED : BERTH_CHANGE_ADDED, path, opaque);
                if (r == 0)
                        r = diff_dir(d, cfd, path, !below || opaque || !S_ISDIR(lst.st_mode));
        }
        if (r == 0 && errno != 0)
                return berth_error_errno(d->err, "diff: readdir '/%s'", rel);
        return r;
}

static int ovl_diff(struct berth_storage *s, const char *id, int cdirfd,
                    const struct storage_lowers *l, berth_storage_diff_fn fn, void *userdata,
                    struct berth_error *err)
{
        _cleanup_close_ int up = -1;
        int r = berth_fs_open_in_root_ex(cdirfd, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0,
                                         BERTH_RESOLVE_NO_XDEV, &up, err);
        if (r < 0)
                return berth_error_prefix(err, r, "container '%s': upper dir", id);
        struct ovl_diff d = {.lowers = l, .fn = fn, .userdata = userdata, .err = err};
        return diff_dir(&d, up, "", false);
}

const struct berth_storage_ops berth_storage_overlay_ops = {
    .name = BERTH_STORAGE_OVERLAY,
    .probe = ovl_probe,
    .prepare = ovl_prepare,
    .mount = ovl_mount,
    .umount = storage_generic_umount,
    .remove = storage_generic_remove,
    .diff = ovl_diff,
};

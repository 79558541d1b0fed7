/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Storage (src/image/storage*.c): layers made by hand in a temp root (files, whiteouts, an
 * opaque dir, hardlinks, a sparse file, owners, modes, xattrs), stacked by overlay and
 * copied by vfs.  Every mount happens in a forked child inside its own private mount
 * namespace, so nothing stays mounted when a test fails; the child reports the first
 * failed check on stderr and through its exit status.  Needs root (skipped otherwise).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/cleanup.h"
#include "basic/error.h"
#include "basic/fileutil.h"
#include "basic/strutil.h"
#include "image/storage.h"
#include "image/storage_internal.h"
#include "basic/banned.h"

/* ------------------------------------------------------------------ child-side checks */

#define CHECK(cond)                                                                                \
        do {                                                                                       \
                if (!(cond)) {                                                                     \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
                        return 1;                                                                  \
                }                                                                                  \
        } while (0)

#define CHECK_OK(call, errp)                                                                       \
        do {                                                                                       \
                int _r = (call);                                                                   \
                if (_r < 0) {                                                                      \
                        fprintf(stderr, "%s:%d: %s = %d: %s\n", __FILE__, __LINE__, #call, _r,     \
                                (errp)->msg);                                                      \
                        return 1;                                                                  \
                }                                                                                  \
        } while (0)

/* Run fn in a child with a private mount namespace; the test fails unless it returns 0. */
static void run_in_ns(int (*fn)(void *), void *arg)
{
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
                        _exit(99);
                int r = fn(arg);
                fflush(NULL);
                _exit(r ? 1 : 0);
        }
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *pathf(const char *fmt, ...)
{
        static char bufs[8][8192];
        static int next;
        char *b = bufs[next++ % 8];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(b, sizeof(bufs[0]), fmt, ap);
        va_end(ap);
        return b;
}

static bool file_is(const char *root, const char *rel, const char *content)
{
        char *buf = NULL;
        size_t len = 0;
        if (berth_read_file_at(AT_FDCWD, pathf("%s/%s", root, rel), 1 << 22, &buf, &len, NULL) <
            0) {
                fprintf(stderr, "cannot read %s/%s\n", root, rel);
                return false;
        }
        bool ok = len == strlen(content) && !memcmp(buf, content, len);
        if (!ok)
                fprintf(stderr, "%s/%s holds '%.40s', want '%s'\n", root, rel, buf, content);
        free(buf);
        return ok;
}

static bool absent(const char *root, const char *rel)
{
        struct stat st;
        return lstat(pathf("%s/%s", root, rel), &st) < 0 && errno == ENOENT;
}

static bool is_mounted(const char *path)
{
        char *mi = NULL;
        if (berth_read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1 << 22, &mi, NULL, NULL) < 0)
                return true;
        bool found = strstr(mi, path) != NULL;
        free(mi);
        return found;
}

/* ------------------------------------------------------------------ fixtures */

static char tmp_root[256];

static void write_file(const char *path, const char *content, mode_t mode)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        assert_true(fd >= 0);
        assert_int_equal(berth_write_all(fd, content, strlen(content)), 0);
        assert_int_equal(fchmod(fd, mode), 0);
        close(fd);
}

static void mkdirs(const char *path)
{
        assert_int_equal(berth_mkdir_p(path, 0755), 0);
}

static void whiteout(const char *path)
{
        assert_int_equal(mknod(path, S_IFCHR | 0, makedev(0, 0)), 0);
}

/* Three layers under <root>/layers: l0 (bottom), l1, l2 (top). */
static void make_layers(const char *root)
{
        char l0[512];
        snprintf(l0, sizeof(l0), "%s/layers/l0", root);
        mkdirs(pathf("%s/etc", l0));
        mkdirs(pathf("%s/bin", l0));
        mkdirs(pathf("%s/data", l0));
        mkdirs(pathf("%s/opq/sub", l0));
        mkdirs(pathf("%s/home/u", l0));
        write_file(pathf("%s/etc/passwd", l0), "root", 0644);
        write_file(pathf("%s/etc/hosts", l0), "h0", 0644);
        write_file(pathf("%s/bin/busybox", l0), "bb", 0755);
        assert_int_equal(symlink("busybox", pathf("%s/bin/sh", l0)), 0);
        assert_int_equal(symlink("/etc/passwd", pathf("%s/abs-link", l0)), 0);
        write_file(pathf("%s/bin/su", l0), "su", 0755);
        assert_int_equal(chmod(pathf("%s/bin/su", l0), 04755), 0);
        /* A file capability (VFS_CAP_REVISION_2, effective, cap_net_raw permitted). */
        write_file(pathf("%s/bin/ping", l0), "ping", 0755);
        static const uint8_t cap[20] = {0x01, 0, 0, 0x02, 0, 0x20};
        assert_int_equal(
            setxattr(pathf("%s/bin/ping", l0), "security.capability", cap, sizeof(cap), 0), 0);
        write_file(pathf("%s/data/a.txt", l0), "a", 0644);
        write_file(pathf("%s/data/b.txt", l0), "b", 0644);
        assert_int_equal(setxattr(pathf("%s/data/b.txt", l0), "user.test", "v", 1, 0), 0);
        write_file(pathf("%s/gone", l0), "x", 0644);
        write_file(pathf("%s/opq/old1", l0), "o", 0644);
        write_file(pathf("%s/opq/sub/old2", l0), "o", 0644);
        write_file(pathf("%s/home/u/f", l0), "uf", 0640);
        assert_int_equal(chown(pathf("%s/home/u/f", l0), 1000, 1000), 0);
        assert_int_equal(chown(pathf("%s/home/u", l0), 1000, 1000), 0);
        write_file(pathf("%s/hl1", l0), "hard", 0644);
        assert_int_equal(link(pathf("%s/hl1", l0), pathf("%s/hl2", l0)), 0);
        assert_int_equal(mkfifo(pathf("%s/fifo", l0), 0600), 0);
        int fd = open(pathf("%s/sparse", l0), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(pwrite(fd, "end", 3, 1 << 20), 3);
        close(fd);

        char l1[512];
        snprintf(l1, sizeof(l1), "%s/layers/l1", root);
        mkdirs(pathf("%s/etc", l1));
        mkdirs(pathf("%s/data", l1));
        mkdirs(pathf("%s/opq", l1));
        write_file(pathf("%s/etc/hosts", l1), "h1", 0644);
        whiteout(pathf("%s/gone", l1));
        whiteout(pathf("%s/data/a.txt", l1));
        write_file(pathf("%s/data/c.txt", l1), "c", 0644);
        assert_int_equal(setxattr(pathf("%s/opq", l1), "trusted.overlay.opaque", "y", 1, 0), 0);
        write_file(pathf("%s/opq/new", l1), "n", 0644);

        char l2[512];
        snprintf(l2, sizeof(l2), "%s/layers/l2", root);
        mkdirs(pathf("%s/etc", l2));
        write_file(pathf("%s/etc/passwd", l2), "root2", 0644);
        write_file(pathf("%s/top", l2), "t", 0600);
}

static const char *const three[] = {"l2", "l1", "l0", NULL};

static int setup(void **state)
{
        if (geteuid() != 0) {
                printf("skipped: test_storage needs root (mounts, whiteouts, chown)\n");
                return -1;
        }
        const char *t = getenv("TMPDIR");
        snprintf(tmp_root, sizeof(tmp_root), "%s/berth-storage-XXXXXX", t && *t ? t : "/var/tmp");
        assert_non_null(mkdtemp(tmp_root));
        make_layers(tmp_root);
        return 0;
}

static int teardown(void **state)
{
        assert_int_equal(berth_rm_rf_at(AT_FDCWD, tmp_root), 0);
        assert_true(absent(tmp_root, ""));
        return 0;
}

/* The merged view of l2/l1/l0. */
static int check_merged(const char *m)
{
        struct stat st, st2;
        CHECK(file_is(m, "etc/hosts", "h1"));
        CHECK(file_is(m, "etc/passwd", "root2"));
        CHECK(file_is(m, "top", "t"));
        CHECK(absent(m, "gone"));
        CHECK(absent(m, "data/a.txt"));
        CHECK(file_is(m, "data/b.txt", "b"));
        CHECK(file_is(m, "data/c.txt", "c"));
        CHECK(absent(m, "opq/old1"));
        CHECK(absent(m, "opq/sub"));
        CHECK(file_is(m, "opq/new", "n"));
        char v[8] = {0};
        CHECK(lgetxattr(pathf("%s/data/b.txt", m), "user.test", v, sizeof(v)) == 1 && v[0] == 'v');
        uint8_t capv[32];
        CHECK(lgetxattr(pathf("%s/bin/ping", m), "security.capability", capv, sizeof(capv)) == 20);
        CHECK(capv[3] == 0x02 && capv[5] == 0x20);
        char target[64] = {0};
        CHECK(readlink(pathf("%s/bin/sh", m), target, sizeof(target)) == 7);
        CHECK(!strcmp(target, "busybox"));
        CHECK(lstat(pathf("%s/abs-link", m), &st) == 0 && S_ISLNK(st.st_mode));
        CHECK(lstat(pathf("%s/home/u/f", m), &st) == 0);
        CHECK(st.st_uid == 1000 && st.st_gid == 1000 && (st.st_mode & 07777) == 0640);
        CHECK(lstat(pathf("%s/home/u", m), &st) == 0 && st.st_uid == 1000);
        CHECK(lstat(pathf("%s/bin/su", m), &st) == 0 && (st.st_mode & 07777) == 04755);
        CHECK(lstat(pathf("%s/top", m), &st) == 0 && (st.st_mode & 07777) == 0600);
        CHECK(lstat(pathf("%s/fifo", m), &st) == 0 && S_ISFIFO(st.st_mode));
        CHECK(lstat(pathf("%s/hl1", m), &st) == 0 && lstat(pathf("%s/hl2", m), &st2) == 0);
        CHECK(st.st_ino == st2.st_ino && st.st_nlink == 2);
        CHECK(lstat(pathf("%s/sparse", m), &st) == 0 && st.st_size == (1 << 20) + 3);
        CHECK(st.st_blocks * 512 < (1 << 20)); /* the hole stayed a hole */
        char *buf = NULL;
        size_t len = 0;
        CHECK(berth_read_file_at(AT_FDCWD, pathf("%s/sparse", m), 1 << 22, &buf, &len, NULL) == 0);
        bool ok = len == (1 << 20) + 3 && !memcmp(buf + (1 << 20), "end", 3) && buf[4096] == 0;
        free(buf);
        CHECK(ok);
        return 0;
}

/* ------------------------------------------------------------------ diff collection */

struct changes {
        char items[64][256];
        int n;
};

static int collect(const struct berth_storage_change *c, void *ud)
{
        struct changes *ch = ud;
        if (ch->n < 64)
                snprintf(ch->items[ch->n++], 256, "%c %s%s", c->kind, c->path,
                         c->opaque ? " (opaque)" : "");
        return 0;
}

static bool has_change(const struct changes *ch, const char *want)
{
        for (int i = 0; i < ch->n; i++)
                if (!strcmp(ch->items[i], want))
                        return true;
        fprintf(stderr, "change '%s' not reported; got:\n", want);
        for (int i = 0; i < ch->n; i++)
                fprintf(stderr, "  %s\n", ch->items[i]);
        return false;
}

/* Change the container through its mount: add, change, delete, replace an opaque dir. */
static int make_changes(const char *m)
{
        char *p = pathf("%s/newfile", m);
        int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        CHECK(fd >= 0);
        close(fd);
        fd = open(pathf("%s/etc/hosts", m), O_WRONLY | O_TRUNC | O_CLOEXEC);
        CHECK(fd >= 0 && write(fd, "changed", 7) == 7);
        close(fd);
        CHECK(unlink(pathf("%s/data/b.txt", m)) == 0);
        CHECK(mkdir(pathf("%s/newdir", m), 0755) == 0);
        fd = open(pathf("%s/newdir/inner", m), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        CHECK(fd >= 0);
        close(fd);
        return 0;
}

static int check_changes(const struct changes *ch)
{
        CHECK(has_change(ch, "A /newfile"));
        CHECK(has_change(ch, "C /etc/hosts"));
        CHECK(has_change(ch, "D /data/b.txt"));
        CHECK(has_change(ch, "A /newdir"));
        CHECK(has_change(ch, "A /newdir/inner"));
        for (int i = 0; i < ch->n; i++) {
                /* untouched files are not reported */
                CHECK(strcmp(ch->items[i] + 2, "/etc/passwd") && strcmp(ch->items[i] + 2, "/top"));
                CHECK(strcmp(ch->items[i] + 2, "/data/c.txt"));
        }
        return 0;
}

/* ------------------------------------------------------------------ probe and open */

static int probe_child(void *arg)
{
        struct berth_error err = {0};
        char root[1024];
        snprintf(root, sizeof(root), "%s/probe-root", tmp_root);
        CHECK(berth_mkdir_p(root, 0700) == 0);
        CHECK_OK(berth_storage_probe_overlay(root, &err), &err);
        /* The probe leaves nothing behind. */
        DIR *d = opendir(root);
        CHECK(d);
        struct dirent *de;
        int entries = 0;
        while ((de = readdir(d)))
                entries += de->d_name[0] != '.' || berth_startswith(de->d_name, ".probe");
        closedir(d);
        CHECK(!is_mounted(".probe-"));

        struct berth_storage *s = NULL;
        CHECK_OK(berth_storage_open(root, NULL, &s, &err), &err);
        CHECK(!strcmp(berth_storage_driver(s), "overlay"));
        berth_storage_close(s);
        CHECK(file_is(root, "storage-driver", "overlay\n"));
        /* The recorded driver is reused; a different explicit one is refused. */
        CHECK(berth_storage_open(root, "vfs", &s, &err) == -EEXIST);
        CHECK(strstr(err.msg, "overlay"));
        CHECK_OK(berth_storage_open(root, "overlay", &s, &err), &err);
        berth_storage_close(s);
        CHECK(berth_storage_open(root, "zfs", &s, &err) == -EINVAL);
        CHECK(strstr(err.msg, "zfs"));

        /* A root on a filesystem overlay cannot use as upper (overlay itself) gets vfs. */
        char m[1024];
        snprintf(m, sizeof(m), "%s/probe-ovl", tmp_root);
        CHECK(berth_mkdir_p(pathf("%s/merged", m), 0700) == 0);
        CHECK(berth_mkdir_p(pathf("%s/a", m), 0700) == 0);
        CHECK(berth_mkdir_p(pathf("%s/b", m), 0700) == 0);
        CHECK(mount("x", pathf("%s/merged", m), "overlay", MS_RDONLY,
                    pathf("lowerdir=%s/a:%s/b", m, m)) == 0);
        CHECK(berth_storage_probe_overlay(pathf("%s/merged", m), &err) < 0);
        return entries == 0 ? 0 : 1;
}

static void test_probe_and_open(void **state)
{
        run_in_ns(probe_child, NULL);
        assert_int_equal(berth_rm_rf_at(AT_FDCWD, pathf("%s/probe-root", tmp_root)), 0);
        assert_int_equal(berth_rm_rf_at(AT_FDCWD, pathf("%s/probe-ovl", tmp_root)), 0);
}

static int vfs_fallback_child(void *arg)
{
        /* On a read-only overlay the probe fails: auto mode records vfs. */
        struct berth_error err = {0};
        char m[1024];
        snprintf(m, sizeof(m), "%s/ro-ovl", tmp_root);
        CHECK(berth_mkdir_p(pathf("%s/merged", m), 0700) == 0);
        CHECK(berth_mkdir_p(pathf("%s/up/root", m), 0700) == 0);
        CHECK(berth_mkdir_p(pathf("%s/wk", m), 0700) == 0);
        CHECK(berth_mkdir_p(pathf("%s/lo", m), 0700) == 0);
        CHECK(mount("x", pathf("%s/merged", m), "overlay", 0,
                    pathf("lowerdir=%s/lo,upperdir=%s/up,workdir=%s/wk", m, m, m)) == 0);
        struct berth_storage *s = NULL;
        char root[1024];
        snprintf(root, sizeof(root), "%s/merged/root", m);
        CHECK_OK(berth_storage_open(root, NULL, &s, &err), &err);
        CHECK(!strcmp(berth_storage_driver(s), "vfs"));
        berth_storage_close(s);
        CHECK(file_is(root, "storage-driver", "vfs\n"));
        CHECK(berth_storage_open(root, "overlay", &s, &err) == -EEXIST);
        /* Asking for overlay where it does not work: refused, nothing recorded. */
        char root2[1024];
        snprintf(root2, sizeof(root2), "%s/merged/root2", m);
        CHECK(berth_storage_open(root2, "overlay", &s, &err) == -EOPNOTSUPP);
        CHECK(strstr(err.msg, "overlay"));
        CHECK(absent(root2, "storage-driver"));
        return 0;
}

static void test_vfs_fallback(void **state)
{
        run_in_ns(vfs_fallback_child, NULL);
        assert_int_equal(berth_rm_rf_at(AT_FDCWD, pathf("%s/ro-ovl", tmp_root)), 0);
}

/* ------------------------------------------------------------------ overlay */

static int overlay_child(void *arg)
{
        struct berth_error err = {0};
        struct berth_storage *s = NULL;
        CHECK_OK(berth_storage_open(tmp_root, "overlay", &s, &err), &err);
        CHECK_OK(berth_storage_create_rw(s, "c1", three, &err), &err);
        CHECK(berth_storage_create_rw(s, "c1", three, &err) == -EEXIST);
        CHECK_OK(berth_storage_mount(s, "c1", three, -1, 0, &err), &err);
        CHECK(berth_storage_mount(s, "c1", three, -1, 0, &err) == -EBUSY);
        CHECK(strstr(err.msg, "already mounted"));
        _cleanup_free_ char *m = NULL;
        CHECK_OK(berth_storage_rootfs_path(s, "c1", &m, &err), &err);
        CHECK(check_merged(m) == 0);
        CHECK(make_changes(m) == 0);
        /* Writes went to the upper dir, the layers are untouched. */
        char up[1024];
        snprintf(up, sizeof(up), "%s/containers/c1/upper", tmp_root);
        CHECK(file_is(up, "etc/hosts", "changed"));
        CHECK(file_is(up, "newfile", ""));
        struct stat st;
        CHECK(lstat(pathf("%s/data/b.txt", up), &st) == 0 && storage_is_whiteout(&st));
        CHECK(file_is(tmp_root, "layers/l1/etc/hosts", "h1"));
        CHECK(file_is(tmp_root, "layers/l0/data/b.txt", "b"));
        /* Renaming a lower directory is refused (no redirects): mv(1) copies. */
        CHECK(rename(pathf("%s/data", m), pathf("%s/data2", m)) < 0 && errno == EXDEV);

        struct changes ch = {0};
        CHECK_OK(berth_storage_diff(s, "c1", three, collect, &ch, &err), &err);
        CHECK(check_changes(&ch) == 0);
        CHECK(has_change(&ch, "C /etc"));
        CHECK(has_change(&ch, "C /data"));

        /* A read-only mount of the container (upper as the top lower) elsewhere. */
        char ro[1024];
        snprintf(ro, sizeof(ro), "%s/ro-target", tmp_root);
        CHECK(mkdir(ro, 0755) == 0);
        int tfd = open(ro, O_PATH | O_DIRECTORY | O_CLOEXEC);
        CHECK(tfd >= 0);
        CHECK_OK(berth_storage_mount(s, "c1", three, tfd, BERTH_STORAGE_MOUNT_RO, &err), &err);
        close(tfd);
        CHECK(file_is(ro, "etc/hosts", "changed"));
        CHECK(absent(ro, "data/b.txt"));
        CHECK(file_is(ro, "top", "t"));
        CHECK(open(pathf("%s/x", ro), O_WRONLY | O_CREAT | O_CLOEXEC, 0644) < 0 && errno == EROFS);
        CHECK(umount2(ro, MNT_DETACH) == 0);
        CHECK(rmdir(ro) == 0);

        CHECK_OK(berth_storage_umount(s, "c1", &err), &err);
        CHECK(!is_mounted("/containers/c1/merged"));
        CHECK_OK(berth_storage_umount(s, "c1", &err), &err); /* not mounted: fine */
        /* Mounted again, the changes are still there. */
        CHECK_OK(berth_storage_mount(s, "c1", three, -1, 0, &err), &err);
        CHECK(file_is(m, "etc/hosts", "changed"));
        CHECK_OK(berth_storage_remove(s, "c1", &err), &err);
        CHECK(absent(tmp_root, "containers/c1"));
        CHECK(!is_mounted("/containers/c1"));
        CHECK_OK(berth_storage_remove(s, "c1", &err), &err); /* gone: fine */
        berth_storage_close(s);
        return 0;
}

static void test_overlay(void **state)
{
        run_in_ns(overlay_child, NULL);
        assert_true(absent(tmp_root, "containers/c1"));
}

static int layers_ro_child(void *arg)
{
        struct berth_error err = {0};
        struct berth_storage *s = NULL;
        CHECK_OK(berth_storage_open(tmp_root, "overlay", &s, &err), &err);
        char t[1024];
        snprintf(t, sizeof(t), "%s/ro-layers", tmp_root);
        CHECK(mkdir(t, 0755) == 0);
        int tfd = open(t, O_PATH | O_DIRECTORY | O_CLOEXEC);
        CHECK(tfd >= 0);
        CHECK_OK(berth_storage_mount(s, NULL, three, tfd, 0, &err), &err);
        CHECK(check_merged(t) == 0);
        CHECK(mkdir(pathf("%s/x", t), 0755) < 0 && errno == EROFS);
        CHECK(umount2(t, MNT_DETACH) == 0);
        /* One layer alone: the empty dir completes the stack, whiteouts stay hidden. */
        const char *const one[] = {"l1", NULL};
        CHECK_OK(berth_storage_mount(s, NULL, one, tfd, 0, &err), &err);
        CHECK(file_is(t, "etc/hosts", "h1"));
        CHECK(absent(t, "gone"));
        CHECK(umount2(t, MNT_DETACH) == 0);
        /* No layers, no target: refused. */
        const char *const none[] = {NULL};
        CHECK(berth_storage_mount(s, NULL, none, tfd, 0, &err) == -EINVAL);
        CHECK(berth_storage_mount(s, NULL, three, -1, 0, &err) == -EINVAL);
        close(tfd);
        CHECK(rmdir(t) == 0);
        berth_storage_close(s);
        return 0;
}

static void test_layers_read_only(void **state)
{
        run_in_ns(layers_ro_child, NULL);
}

/* n layers named with long names: each holds /f = its index and /d/<index>. */
static char **make_many_layers(int n, int namelen)
{
        char **names = calloc((size_t)n + 1, sizeof(char *));
        assert_non_null(names);
        for (int i = 0; i < n; i++) {
                char name[256];
                int k = snprintf(name, sizeof(name), "many-%03d-", i);
                memset(name + k, 'x', (size_t)(namelen - k));
                name[namelen] = '\0';
                char dir[1024];
                snprintf(dir, sizeof(dir), "%s/layers/%s", tmp_root, name);
                mkdirs(pathf("%s/d", dir));
                char idx[16];
                snprintf(idx, sizeof(idx), "%d", i);
                write_file(pathf("%s/f", dir), idx, 0644);
                write_file(pathf("%s/d/%d", dir, i), idx, 0644);
                names[n - 1 - i] = strdup(name); /* top first: the highest index on top */
        }
        return names;
}

static void free_many_layers(char **names)
{
        for (char **p = names; *p; p++)
                assert_int_equal(berth_rm_rf_at(AT_FDCWD, pathf("%s/layers/%s", tmp_root, *p)), 0);
        berth_strv_free(names);
}

struct many {
        char **names;
        int n;
        const char *id;
};

static int many_child(void *arg)
{
        struct many *mn = arg;
        struct berth_error err = {0};
        struct berth_storage *s = NULL;
        CHECK_OK(berth_storage_open(tmp_root, "overlay", &s, &err), &err);
        const char *const *l = (const char *const *)mn->names;
        CHECK_OK(berth_storage_create_rw(s, mn->id, l, &err), &err);
        CHECK_OK(berth_storage_mount(s, mn->id, l, -1, 0, &err), &err);
        _cleanup_free_ char *m = NULL;
        CHECK_OK(berth_storage_rootfs_path(s, mn->id, &m, &err), &err);
        char top[16];
        snprintf(top, sizeof(top), "%d", mn->n - 1);
        CHECK(file_is(m, "f", top));
        CHECK(file_is(m, "d/0", "0"));
        CHECK(file_is(m, pathf("d/%d", mn->n - 1), top));
        int entries = 0;
        DIR *d = opendir(pathf("%s/d", m));
        CHECK(d);
        for (struct dirent *de; (de = readdir(d));)
                entries += de->d_name[0] != '.';
        closedir(d);
        CHECK(entries == mn->n);
        CHECK_OK(berth_storage_remove(s, mn->id, &err), &err);
        CHECK(!is_mounted(mn->id));
        berth_storage_close(s);
        return 0;
}

static void test_200_layers(void **state)
{
        struct many mn = {make_many_layers(200, 220), 200, "c200"};
        run_in_ns(many_child, &mn);
        free_many_layers(mn.names);
}

static int legacy_child(void *arg)
{
        storage_overlay_force_legacy(true);
        struct berth_error err = {0};
        CHECK_OK(berth_storage_probe_overlay(tmp_root, &err), &err);
        int r = many_child(arg);
        if (r)
                return r;
        /* The short links live in <root>/l and point at the layers. */
        struct many *mn = arg;
        DIR *d = opendir(pathf("%s/l", tmp_root));
        CHECK(d);
        int links = 0;
        for (struct dirent *de; (de = readdir(d));)
                links += de->d_name[0] != '.';
        closedir(d);
        CHECK(links >= mn->n);
        /* The overlay test again on the legacy path (diff, remove). */
        return overlay_child(NULL);
}

static size_t count_links(void)
{
        DIR *d = opendir(pathf("%s/l", tmp_root));
        assert_non_null(d);
        size_t n = 0;
        for (struct dirent *de; (de = readdir(d));)
                n += de->d_name[0] != '.';
        closedir(d);
        return n;
}

static void test_200_layers_legacy_options(void **state)
{
        struct many mn = {make_many_layers(200, 220), 200, "c200l"};
        run_in_ns(legacy_child, &mn);
        size_t before = count_links();
        assert_true(before >= 200);
        free_many_layers(mn.names);
        /* The layers are gone: their short links go with a prune, the others stay. */
        struct berth_storage *s = NULL;
        struct berth_error err = {0};
        assert_int_equal(berth_storage_open(tmp_root, NULL, &s, &err), 0);
        size_t removed = 0;
        assert_int_equal(berth_storage_prune_links(s, &removed, &err), 0);
        assert_int_equal(removed, 200);
        assert_int_equal(count_links(), before - 200);
        berth_storage_close(s);
}

static void test_500_layers(void **state)
{
        /* overlay stacks at most 500 lowers (OVL_MAX_STACK): 500 must work. */
        struct many mn = {make_many_layers(500, 100), 500, "c500"};
        run_in_ns(many_child, &mn);
        free_many_layers(mn.names);
}

static int too_many_child(void *arg)
{
        struct berth_error err = {0};
        struct berth_storage *s = NULL;
        CHECK_OK(berth_storage_open(tmp_root, "overlay", &s, &err), &err);
        const char *l[BERTH_STORAGE_MAX_LAYERS + 2];
        for (int i = 0; i < BERTH_STORAGE_MAX_LAYERS + 1; i++)
                l[i] = "l0";
        l[BERTH_STORAGE_MAX_LAYERS + 1] = NULL;
        CHECK(berth_storage_create_rw(s, "c501", l, &err) == -E2BIG);
        CHECK(strstr(err.msg, "501"));
        CHECK(absent(tmp_root, "containers/c501"));
        berth_storage_close(s);
        return 0;
}

static void test_too_many_layers(void **state)
{
        run_in_ns(too_many_child, NULL);
}

/* ------------------------------------------------------------------ vfs */

/* Compare two trees: types, modes, owners, sizes, contents, link targets, xattrs, rdev,
 * and hardlink structure.  The roots themselves are not compared. */
static int compare_trees(const char *a, const char *b, const char *rel)
{
        DIR *da = opendir(pathf("%s/%s", a, rel));
        CHECK(da);
        int n = 0, nb = 0;
        for (struct dirent *de; (de = readdir(da));) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                n++;
                char sub[4096];
                snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
                struct stat sa, sb;
                CHECK(lstat(pathf("%s/%s", a, sub), &sa) == 0);
                if (lstat(pathf("%s/%s", b, sub), &sb) < 0) {
                        fprintf(stderr, "%s missing in %s\n", sub, b);
                        return 1;
                }
                if (sa.st_mode != sb.st_mode || sa.st_uid != sb.st_uid || sa.st_gid != sb.st_gid ||
                    (!S_ISDIR(sa.st_mode) && sa.st_nlink != sb.st_nlink) ||
                    (!S_ISDIR(sa.st_mode) && sa.st_size != sb.st_size) ||
                    sa.st_rdev != sb.st_rdev) {
                        fprintf(stderr, "%s differs: mode %o/%o uid %d/%d nlink %d/%d\n", sub,
                                sa.st_mode, sb.st_mode, sa.st_uid, sb.st_uid, (int)sa.st_nlink,
                                (int)sb.st_nlink);
                        return 1;
                }
                if (!S_ISLNK(sa.st_mode) && (sa.st_mtim.tv_sec != sb.st_mtim.tv_sec ||
                                             sa.st_mtim.tv_nsec != sb.st_mtim.tv_nsec)) {
                        fprintf(stderr, "%s: mtime differs\n", sub);
                        return 1;
                }
                if (S_ISREG(sa.st_mode)) {
                        char *ca = NULL, *cb = NULL;
                        size_t la = 0, lb = 0;
                        CHECK(berth_read_file_at(AT_FDCWD, pathf("%s/%s", a, sub), 1 << 22, &ca,
                                                 &la, NULL) == 0);
                        CHECK(berth_read_file_at(AT_FDCWD, pathf("%s/%s", b, sub), 1 << 22, &cb,
                                                 &lb, NULL) == 0);
                        bool same = la == lb && !memcmp(ca, cb, la);
                        free(ca);
                        free(cb);
                        CHECK(same);
                } else if (S_ISLNK(sa.st_mode)) {
                        char ta[512] = {0}, tb[512] = {0};
                        CHECK(readlink(pathf("%s/%s", a, sub), ta, sizeof(ta) - 1) >= 0);
                        CHECK(readlink(pathf("%s/%s", b, sub), tb, sizeof(tb) - 1) >= 0);
                        CHECK(!strcmp(ta, tb));
                }
                char xa[256], xb[256];
                ssize_t na = llistxattr(pathf("%s/%s", a, sub), xa, sizeof(xa));
                ssize_t nx = llistxattr(pathf("%s/%s", b, sub), xb, sizeof(xb));
                if (na != nx || (na > 0 && memcmp(xa, xb, (size_t)na))) {
                        fprintf(stderr, "%s: xattr lists differ (%zd/%zd)\n", sub, na, nx);
                        return 1;
                }
                if (S_ISDIR(sa.st_mode) && compare_trees(a, b, sub))
                        return 1;
        }
        closedir(da);
        DIR *db = opendir(pathf("%s/%s", b, rel));
        CHECK(db);
        for (struct dirent *de; (de = readdir(db));)
                nb += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
        closedir(db);
        if (n != nb)
                fprintf(stderr, "/%s: %d entries vs %d\n", rel, n, nb);
        CHECK(n == nb);
        return 0;
}

static int vfs_child(void *arg)
{
        struct berth_error err = {0};
        struct berth_storage *ovl = NULL, *vfs = NULL;
        CHECK_OK(berth_storage_open(tmp_root, "overlay", &ovl, &err), &err);
        char vroot[1024];
        snprintf(vroot, sizeof(vroot), "%s/vfs-root", tmp_root);
        CHECK_OK(berth_storage_open(vroot, "vfs", &vfs, &err), &err);
        CHECK(!strcmp(berth_storage_driver(vfs), "vfs"));
        /* The same layers, given to vfs as absolute paths. */
        char p0[512], p1[512], p2[512];
        snprintf(p0, sizeof(p0), "%s/layers/l0", tmp_root);
        snprintf(p1, sizeof(p1), "%s/layers/l1", tmp_root);
        snprintf(p2, sizeof(p2), "%s/layers/l2", tmp_root);
        const char *const abs[] = {p2, p1, p0, NULL};
        CHECK_OK(berth_storage_create_rw(ovl, "o1", three, &err), &err);
        CHECK_OK(berth_storage_mount(ovl, "o1", three, -1, 0, &err), &err);
        CHECK_OK(berth_storage_create_rw(vfs, "v1", abs, &err), &err);
        CHECK_OK(berth_storage_mount(vfs, "v1", abs, -1, 0, &err), &err);
        _cleanup_free_ char *om = NULL, *vm = NULL;
        CHECK_OK(berth_storage_rootfs_path(ovl, "o1", &om, &err), &err);
        CHECK_OK(berth_storage_rootfs_path(vfs, "v1", &vm, &err), &err);
        CHECK(check_merged(vm) == 0);
        CHECK(compare_trees(om, vm, "") == 0);
        CHECK(compare_trees(vm, om, "") == 0);
        /* The copy does not carry overlay's private xattrs. */
        char v[4];
        CHECK(lgetxattr(pathf("%s/opq", vm), "trusted.overlay.opaque", v, sizeof(v)) < 0);

        /* Same changes, same diff. */
        CHECK(make_changes(vm) == 0);
        CHECK(file_is(pathf("%s/containers/v1/rootfs", vroot), "etc/hosts", "changed"));
        struct changes ch = {0};
        CHECK_OK(berth_storage_diff(vfs, "v1", abs, collect, &ch, &err), &err);
        CHECK(check_changes(&ch) == 0);
        for (int i = 0; i < ch.n; i++)
                CHECK(!strstr(ch.items[i], "/bin/"));
        /* The diff's scratch copy is gone. */
        DIR *d = opendir(pathf("%s/containers", vroot));
        CHECK(d);
        int entries = 0;
        for (struct dirent *de; (de = readdir(d));)
                entries += de->d_name[0] != '.' || berth_startswith(de->d_name, ".diff");
        closedir(d);
        CHECK(entries == 1);

        /* Read-only mount of the copy; layers-only mounts need overlay. */
        char ro[1024];
        snprintf(ro, sizeof(ro), "%s/vfs-ro", tmp_root);
        CHECK(mkdir(ro, 0755) == 0);
        int tfd = open(ro, O_PATH | O_DIRECTORY | O_CLOEXEC);
        CHECK(tfd >= 0);
        CHECK_OK(berth_storage_mount(vfs, "v1", abs, tfd, BERTH_STORAGE_MOUNT_RO, &err), &err);
        CHECK(file_is(ro, "etc/hosts", "changed"));
        CHECK(mkdir(pathf("%s/x", ro), 0755) < 0 && errno == EROFS);
        CHECK(umount2(ro, MNT_DETACH) == 0);
        CHECK(berth_storage_mount(vfs, NULL, abs, tfd, 0, &err) == -EOPNOTSUPP);
        close(tfd);
        CHECK(rmdir(ro) == 0);

        CHECK_OK(berth_storage_remove(vfs, "v1", &err), &err);
        CHECK_OK(berth_storage_remove(ovl, "o1", &err), &err);
        CHECK(absent(vroot, "containers/v1"));
        CHECK(absent(tmp_root, "containers/o1"));
        CHECK(!is_mounted("/containers/"));
        berth_storage_close(vfs);
        berth_storage_close(ovl);
        return berth_rm_rf_at(AT_FDCWD, vroot) == 0 ? 0 : 1;
}

static void test_vfs_matches_overlay(void **state)
{
        run_in_ns(vfs_child, NULL);
}

/* Layers that try to reach outside through symlinks of a lower layer: the copy replaces
 * the symlinks and never writes, removes or clears anything through them. */
static int escape_child(void *arg)
{
        const char *sentinel = arg;
        struct berth_error err = {0};
        struct berth_storage *s = NULL;
        char vroot[1024];
        snprintf(vroot, sizeof(vroot), "%s/vfs-esc", tmp_root);
        CHECK_OK(berth_storage_open(vroot, "vfs", &s, &err), &err);
        char e0[1024], e1[1024];
        snprintf(e0, sizeof(e0), "%s/layers/esc0", tmp_root);
        snprintf(e1, sizeof(e1), "%s/layers/esc1", tmp_root);
        const char *const l[] = {e1, e0, NULL};
        CHECK_OK(berth_storage_create_rw(s, "esc", l, &err), &err);
        char r[1024];
        snprintf(r, sizeof(r), "%s/containers/esc/rootfs", vroot);
        struct stat st;
        CHECK(lstat(pathf("%s/esc", r), &st) == 0 && S_ISDIR(st.st_mode));
        CHECK(file_is(r, "esc/pwn", "p"));
        CHECK(lstat(pathf("%s/rel", r), &st) == 0 && S_ISDIR(st.st_mode));
        CHECK(lstat(pathf("%s/opq", r), &st) == 0 && S_ISDIR(st.st_mode));
        CHECK(lstat(pathf("%s/wh", r), &st) == 0 && S_ISDIR(st.st_mode));
        CHECK(lstat(pathf("%s/keep", r), &st) == 0 && S_ISLNK(st.st_mode));
        /* The sentinel still holds exactly its one file. */
        CHECK(file_is(sentinel, "x", "x"));
        DIR *d = opendir(sentinel);
        CHECK(d);
        int n = 0;
        for (struct dirent *de; (de = readdir(d));)
                n += de->d_name[0] != '.';
        closedir(d);
        CHECK(n == 1);
        CHECK_OK(berth_storage_remove(s, "esc", &err), &err);
        CHECK(file_is(sentinel, "x", "x"));
        berth_storage_close(s);
        return berth_rm_rf_at(AT_FDCWD, vroot) == 0 ? 0 : 1;
}

static void test_vfs_symlink_escape(void **state)
{
        char sentinel[1024], e0[1024], e1[1024];
        snprintf(sentinel, sizeof(sentinel), "%s/sentinel", tmp_root);
        snprintf(e0, sizeof(e0), "%s/layers/esc0", tmp_root);
        snprintf(e1, sizeof(e1), "%s/layers/esc1", tmp_root);
        mkdirs(sentinel);
        write_file(pathf("%s/x", sentinel), "x", 0644);
        mkdirs(e0);
        /* esc0: symlinks to the sentinel, absolute and relative. */
        static const char *const names[] = {"esc", "rel", "opq", "wh", "keep"};
        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                assert_int_equal(symlink(i == 1 ? "../../../../../../../../sentinel" : sentinel,
                                         pathf("%s/%s", e0, names[i])),
                                 0);
        /* esc1: directories over them: a file inside, an opaque dir, a whiteout inside. */
        mkdirs(pathf("%s/esc", e1));
        write_file(pathf("%s/esc/pwn", e1), "p", 0644);
        mkdirs(pathf("%s/rel", e1));
        write_file(pathf("%s/rel/pwn", e1), "p", 0644);
        mkdirs(pathf("%s/opq", e1));
        assert_int_equal(setxattr(pathf("%s/opq", e1), "trusted.overlay.opaque", "y", 1, 0), 0);
        mkdirs(pathf("%s/wh", e1));
        whiteout(pathf("%s/wh/x", e1));
        run_in_ns(escape_child, sentinel);
        assert_int_equal(berth_rm_rf_at(AT_FDCWD, sentinel), 0);
        assert_int_equal(berth_rm_rf_at(AT_FDCWD, e0), 0);
        assert_int_equal(berth_rm_rf_at(AT_FDCWD, e1), 0);
}

/* In a user namespace (not the initial one) overlay needs "userxattr" (and accepts
 * redirect_dir=nofollow, not off): the opaque mark is then user.overlay.opaque. */
static int userns_child(void *arg)
{
        int *sync = arg; /* [0]: read "maps written"; [1]: write "unshared" */
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
                fprintf(stderr, "unshare(CLONE_NEWUSER): %s\n", strerror(errno));
                return 1;
        }
        char c = 'u';
        CHECK(write(sync[1], &c, 1) == 1);
        CHECK(read(sync[0], &c, 1) == 1);
        CHECK(setresgid(0, 0, 0) == 0 && setresuid(0, 0, 0) == 0);
        CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
        struct berth_error err = {0};
        struct berth_storage *s = NULL;
        char root[1024];
        snprintf(root, sizeof(root), "%s/userns-root", tmp_root);
        CHECK_OK(berth_storage_open(root, NULL, &s, &err), &err);
        CHECK(!strcmp(berth_storage_driver(s), "overlay"));
        const char *const l[] = {"u1", "u0", NULL};
        CHECK_OK(berth_storage_create_rw(s, "uc", l, &err), &err);
        CHECK_OK(berth_storage_mount(s, "uc", l, -1, 0, &err), &err);
        _cleanup_free_ char *m = NULL;
        CHECK_OK(berth_storage_rootfs_path(s, "uc", &m, &err), &err);
        CHECK(file_is(m, "a", "a"));
        CHECK(file_is(m, "opq/new", "n"));
        CHECK(absent(m, "opq/old"));
        CHECK(unlink(pathf("%s/a", m)) == 0);
        struct stat st;
        CHECK(lstat(pathf("%s/containers/uc/upper/a", root), &st) == 0 && storage_is_whiteout(&st));
        /* opq/old of u0 is hidden by u1's user.overlay.opaque: writing it adds a file. */
        int fd = open(pathf("%s/opq/old", m), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        CHECK(fd >= 0);
        close(fd);
        struct changes ch = {0};
        CHECK_OK(berth_storage_diff(s, "uc", l, collect, &ch, &err), &err);
        CHECK(has_change(&ch, "D /a"));
        CHECK(has_change(&ch, "A /opq/old"));
        CHECK(has_change(&ch, "C /opq"));
        CHECK_OK(berth_storage_remove(s, "uc", &err), &err);
        berth_storage_close(s);
        return 0;
}

static void test_user_namespace(void **state)
{
        char root[1024];
        snprintf(root, sizeof(root), "%s/userns-root", tmp_root);
        mkdirs(pathf("%s/layers/u0/opq", root));
        mkdirs(pathf("%s/layers/u1/opq", root));
        write_file(pathf("%s/layers/u0/a", root), "a", 0644);
        write_file(pathf("%s/layers/u0/opq/old", root), "o", 0644);
        write_file(pathf("%s/layers/u1/opq/new", root), "n", 0644);
        assert_int_equal(
            setxattr(pathf("%s/layers/u1/opq", root), "user.overlay.opaque", "y", 1, 0), 0);
        int down[2], up[2];
        assert_int_equal(pipe2(down, O_CLOEXEC), 0);
        assert_int_equal(pipe2(up, O_CLOEXEC), 0);
        int sync[2] = {down[0], up[1]};
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(userns_child(sync) ? 1 : 0);
        char c;
        assert_int_equal(read(up[0], &c, 1), 1);
        /* 65536 ids from 0: not the initial namespace's full map. */
        static const char *const files[] = {"uid_map", "setgroups", "gid_map"};
        static const char *const vals[] = {"0 0 65536", "deny", "0 0 65536"};
        for (int i = 0; i < 3; i++) {
                int fd = open(pathf("/proc/%d/%s", (int)pid, files[i]), O_WRONLY | O_CLOEXEC);
                assert_true(fd >= 0);
                assert_int_equal(write(fd, vals[i], strlen(vals[i])), (ssize_t)strlen(vals[i]));
                close(fd);
        }
        assert_int_equal(write(down[1], "g", 1), 1);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        for (int i = 0; i < 2; i++) {
                close(down[i]);
                close(up[i]);
        }
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_int_equal(berth_rm_rf_at(AT_FDCWD, root), 0);
}

/* ------------------------------------------------------------------ bad input */

static int bad_input_child(void *arg)
{
        struct berth_error err = {0};
        struct berth_storage *s = NULL;
        CHECK_OK(berth_storage_open(tmp_root, "overlay", &s, &err), &err);
        static const char *const bad_ids[] = {"", "../x", ".hidden", "a/b", "-a", "a b"};
        for (size_t i = 0; i < ARRAY_SIZE(bad_ids); i++) {
                CHECK(berth_storage_create_rw(s, bad_ids[i], three, &err) == -EINVAL);
                CHECK(strstr(err.msg, "container id"));
                CHECK(berth_storage_remove(s, bad_ids[i], &err) == -EINVAL);
        }
        char longid[130];
        memset(longid, 'a', 129);
        longid[129] = '\0';
        CHECK(berth_storage_create_rw(s, longid, three, &err) == -EINVAL);
        static const char *const bad_layers[][2] = {
            {"..", NULL}, {"l0/../l1", NULL}, {"missing", NULL}, {"/nonexistent/x", NULL}};
        for (size_t i = 0; i < ARRAY_SIZE(bad_layers); i++) {
                int r = berth_storage_create_rw(s, "cbad", bad_layers[i], &err);
                CHECK(r == -EINVAL || r == -ENOENT);
                CHECK(absent(tmp_root, "containers/cbad"));
        }
        /* A layer name that is a symlink out of <root>/layers is refused. */
        CHECK(symlink("/etc", pathf("%s/layers/evil", tmp_root)) == 0);
        const char *const evil[] = {"evil", NULL};
        CHECK(berth_storage_create_rw(s, "cbad", evil, &err) < 0);
        CHECK(unlink(pathf("%s/layers/evil", tmp_root)) == 0);
        CHECK(berth_storage_mount(s, "nosuch", three, -1, 0, &err) == -ENOENT);
        CHECK(berth_storage_diff(s, "nosuch", three, collect, NULL, &err) == -ENOENT);
        /* A container with no layers starts empty. */
        const char *const none[] = {NULL};
        CHECK_OK(berth_storage_create_rw(s, "empty", none, &err), &err);
        CHECK_OK(berth_storage_mount(s, "empty", none, -1, 0, &err), &err);
        CHECK(absent(tmp_root, "containers/empty/merged/etc"));
        CHECK_OK(berth_storage_remove(s, "empty", &err), &err);
        berth_storage_close(s);
        return 0;
}

static void test_bad_input(void **state)
{
        run_in_ns(bad_input_child, NULL);
}

/* A diff callback that stops the walk. */
static int stop_cb(const struct berth_storage_change *c, void *ud)
{
        (*(int *)ud)++;
        return 7;
}

static int diff_stop_child(void *arg)
{
        struct berth_error err = {0};
        struct berth_storage *s = NULL;
        CHECK_OK(berth_storage_open(tmp_root, "overlay", &s, &err), &err);
        CHECK_OK(berth_storage_create_rw(s, "cstop", three, &err), &err);
        CHECK_OK(berth_storage_mount(s, "cstop", three, -1, 0, &err), &err);
        _cleanup_free_ char *m = NULL;
        CHECK_OK(berth_storage_rootfs_path(s, "cstop", &m, &err), &err);
        CHECK(make_changes(m) == 0);
        /* An opaque replacement: rm -r of a lower dir then mkdir gives an opaque dir. */
        CHECK(berth_rm_rf_at(AT_FDCWD, pathf("%s/data", m)) == 0);
        CHECK(mkdir(pathf("%s/data", m), 0755) == 0);
        struct changes ch = {0};
        CHECK_OK(berth_storage_diff(s, "cstop", three, collect, &ch, &err), &err);
        CHECK(has_change(&ch, "C /data (opaque)"));
        for (int i = 0; i < ch.n; i++)
                CHECK(!berth_startswith(ch.items[i] + 2, "/data/"));
        int calls = 0;
        CHECK(berth_storage_diff(s, "cstop", three, stop_cb, &calls, &err) == 7);
        CHECK(calls == 1);
        CHECK_OK(berth_storage_remove(s, "cstop", &err), &err);
        berth_storage_close(s);
        return 0;
}

static void test_diff_opaque_and_stop(void **state)
{
        run_in_ns(diff_stop_child, NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_probe_and_open),
            cmocka_unit_test(test_vfs_fallback),
            cmocka_unit_test(test_overlay),
            cmocka_unit_test(test_layers_read_only),
            cmocka_unit_test(test_vfs_matches_overlay),
            cmocka_unit_test(test_vfs_symlink_escape),
            cmocka_unit_test(test_200_layers),
            cmocka_unit_test(test_200_layers_legacy_options),
            cmocka_unit_test(test_500_layers),
            cmocka_unit_test(test_too_many_layers),
            cmocka_unit_test(test_user_namespace),
            cmocka_unit_test(test_bad_input),
            cmocka_unit_test(test_diff_opaque_and_stop),
        };
        if (geteuid() != 0) {
                printf("skipped: test_storage needs root (mounts, whiteouts, chown)\n");
                return 0;
        }
        return cmocka_run_group_tests(tests, setup, teardown);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The safe resolver (src/fs/resolve.c) against a temporary tree full of symlinks that point
 * out of the root, run once with openat2 and once with the hand walk forced; then, as root,
 * the whole rootfs setup (prepare, pivot, finalize) on a busybox rootfs inside a forked
 * child that has its own private mount namespace, so no mount outlives the test.
 */
#include <fcntl.h>
#include <limits.h>
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
#include <unistd.h>

#include <cmocka.h>

#include "basic/cleanup.h"
#include "basic/error.h"
#include "basic/fileutil.h"
#include "basic/strutil.h"
#include "fs/mount.h"
#include "fs/resolve.h"
#include "runtime/rootfs.h"
#include "basic/banned.h"

static bool fallback_mode; /* set by the fixture: which resolver path runs */

/* ---- a temporary tree ----------------------------------------------------------------- */

struct tree {
        char top[PATH_MAX];  /* temp dir */
        char root[PATH_MAX]; /* top/root: the root used by the resolver */
        int rootfd;
};

static void xsymlink(const char *target, const struct tree *t, const char *name)
{
        assert_int_equal(symlinkat(target, t->rootfd, name), 0);
}

static void xwrite(int dirfd, const char *name)
{
        int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "x", 1), 1);
        close(fd);
}

static int tree_setup(void **state)
{
        struct tree *t = calloc(1, sizeof(*t));
        assert_non_null(t);
        snprintf(t->top, sizeof(t->top), "/tmp/berth-resolve-XXXXXX");
        assert_non_null(mkdtemp(t->top));
        snprintf(t->root, sizeof(t->root), "%s/root", t->top);
        assert_int_equal(mkdir(t->root, 0755), 0);
        t->rootfd = open(t->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(t->rootfd >= 0);
        int topfd = open(t->top, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(topfd >= 0);
        xwrite(topfd, "outside");
        close(topfd);
        assert_int_equal(mkdirat(t->rootfd, "dir", 0755), 0);
        assert_int_equal(mkdirat(t->rootfd, "dir/sub", 0755), 0);
        xwrite(t->rootfd, "dir/file");
        xwrite(t->rootfd, "dir/sub/file");
        xwrite(t->rootfd, "outside"); /* what "../outside" must resolve to */
        xsymlink("/", t, "etc");
        xsymlink("../../..", t, "a");
        xsymlink("/dir/sub", t, "abs");
        xsymlink("loop2", t, "loop1");
        xsymlink("loop1", t, "loop2");
        xsymlink("../../../../outside", t, "dir/up");
        char hostlink[PATH_MAX];
        snprintf(hostlink, sizeof(hostlink), "%s/hostdir", t->top);
        xsymlink(hostlink, t, "hostlink"); /* absolute host path of a dir outside */
        *state = t;
        return 0;
}

static int tree_teardown(void **state)
{
        struct tree *t = *state;
        berth_fs_resolve_force_fallback(false);
        close(t->rootfd);
        berth_rm_rf_at(AT_FDCWD, t->top);
        free(t);
        return 0;
}

/* Same inode as root/rel (lstat)? */
static bool same_as(const struct tree *t, int fd, const char *rel)
{
        struct stat a, b;
        if (fstat(fd, &a) < 0)
                return false;
        if (*rel ? fstatat(t->rootfd, rel, &b, AT_SYMLINK_NOFOLLOW) < 0 : fstat(t->rootfd, &b) < 0)
                return false;
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int open_in(const struct tree *t, const char *path, int flags, int *fd)
{
        struct berth_error err = {0};
        *fd = -1;
        int r = berth_fs_open_in_root(t->rootfd, path, flags, 0644, fd, &err);
        if (r < 0) {
                assert_int_equal(err.code, -r);
                assert_non_null(strstr(err.msg, "inside the root"));
        }
        return r;
}

static bool host_exists(const struct tree *t, const char *rel)
{
        char p[PATH_MAX * 2];
        snprintf(p, sizeof(p), "%s/%s", t->top, rel);
        return access(p, F_OK) == 0;
}

/* ---- resolver tests (each runs twice: openat2, then the forced fallback) ---------------- */

static void check_escapes(void **state)
{
        struct tree *t = *state;
        int fd;
        static const char *const to_file[] = {
            "etc/dir/file",          "a/dir/file",
            "/a/a/etc/dir/file",     "../../dir/file",
            "dir/../../../dir/file", "/etc/etc/../dir/./sub/../file",
            "abs/../file",
        };
        for (size_t i = 0; i < ARRAY_SIZE(to_file); i++) {
                assert_int_equal(open_in(t, to_file[i], O_RDONLY, &fd), 0);
                assert_true(same_as(t, fd, "dir/file"));
                close(fd);
        }
        assert_int_equal(open_in(t, "abs/file", O_RDONLY, &fd), 0);
        assert_true(same_as(t, fd, "dir/sub/file"));
        close(fd);
        /* "../outside" from the root is root/outside, never top/outside. */
        assert_int_equal(open_in(t, "../outside", O_RDONLY, &fd), 0);
        assert_true(same_as(t, fd, "outside"));
        close(fd);
        assert_int_equal(open_in(t, "dir/up", O_RDONLY, &fd), 0);
        assert_true(same_as(t, fd, "outside"));
        close(fd);
        assert_int_equal(unlinkat(t->rootfd, "outside", 0), 0);
        assert_int_equal(open_in(t, "dir/up", O_RDONLY, &fd), -ENOENT);
        assert_int_equal(open_in(t, "/../../outside", O_RDONLY, &fd), -ENOENT);
        xwrite(t->rootfd, "outside");
        /* The root itself, however it is spelled. */
        static const char *const to_root[] = {"", "/", ".", "..", "etc", "a", "etc/..", "/../a/"};
        for (size_t i = 0; i < ARRAY_SIZE(to_root); i++) {
                assert_int_equal(open_in(t, to_root[i], O_RDONLY | O_DIRECTORY, &fd), 0);
                assert_true(same_as(t, fd, ""));
                close(fd);
        }
        /* An absolute host path as the link target stays inside: nothing there. */
        assert_int_equal(open_in(t, "hostlink", O_RDONLY, &fd), -ENOENT);
}

static void check_symlink_rules(void **state)
{
        struct tree *t = *state;
        int fd;
        assert_int_equal(open_in(t, "loop1", O_RDONLY, &fd), -ELOOP);
        assert_int_equal(open_in(t, "loop1/x", O_RDONLY, &fd), -ELOOP);
        assert_int_equal(open_in(t, "etc", O_RDONLY | O_NOFOLLOW, &fd), -ELOOP);
        /* O_PATH|O_NOFOLLOW returns the link itself. */
        assert_int_equal(open_in(t, "etc", O_PATH | O_NOFOLLOW, &fd), 0);
        assert_true(same_as(t, fd, "etc"));
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        assert_true(S_ISLNK(st.st_mode));
        close(fd);
        assert_int_equal(open_in(t, "dir/file/x", O_RDONLY, &fd), -ENOTDIR);
        assert_int_equal(open_in(t, "nope/x", O_RDONLY, &fd), -ENOENT);
        /* A chain of 40 links is fine, 41 is not. */
        char name[32], target[32];
        for (int i = 0; i < 41; i++) {
                snprintf(name, sizeof(name), "chain%d", i);
                snprintf(target, sizeof(target), i ? "chain%d" : "dir/file", i - 1);
                xsymlink(target, t, name);
        }
        assert_int_equal(open_in(t, "chain39", O_RDONLY, &fd), 0);
        assert_true(same_as(t, fd, "dir/file"));
        close(fd);
        assert_int_equal(open_in(t, "chain40", O_RDONLY, &fd), -ELOOP);
        /* "/proc" in the link is the root's /proc, which does not exist. */
        xsymlink("/proc/self/fd/0", t, "magic");
        assert_int_equal(open_in(t, "magic", O_RDONLY, &fd), -ENOENT);
}

/* A magic link (/proc/self/fd/N) is never followed by openat2; the hand walk only ever
 * follows its text, which it resolves inside the root like any other link. */
static void check_magic_links(void **state)
{
        struct tree *t = *state;
        _cleanup_close_ int host = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(host >= 0);
        char self[64];
        snprintf(self, sizeof(self), "proc/self/fd/%d", t->rootfd);
        int fd = -1;
        struct berth_error err = {0};
        int r = berth_fs_open_in_root(host, self, O_PATH, 0, &fd, &err);
        if (!fallback_mode) {
                assert_int_equal(r, -ELOOP);
                return;
        }
        assert_int_equal(r, 0);
        assert_true(same_as(t, fd, ""));
        close(fd);
}

static void check_long_paths(void **state)
{
        struct tree *t = *state;
        int fd;
        struct berth_buf b = {0};
        /* 1000 '..' clamped at the root: 3008 bytes, still valid. */
        for (int i = 0; i < 1000; i++)
                assert_int_equal(berth_buf_append(&b, "../", 3), 0);
        assert_int_equal(berth_buf_append(&b, "dir/file", 8), 0);
        assert_int_equal(open_in(t, b.data, O_RDONLY, &fd), 0);
        assert_true(same_as(t, fd, "dir/file"));
        close(fd);
        /* Over PATH_MAX. */
        for (int i = 0; i < 1000; i++)
                assert_int_equal(berth_buf_append(&b, "/.", 2), 0);
        assert_int_equal(open_in(t, b.data, O_RDONLY, &fd), -ENAMETOOLONG);
        berth_buf_free(&b);
        /* A component longer than NAME_MAX. */
        char big[NAME_MAX + 10];
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        assert_int_equal(open_in(t, big, O_RDONLY, &fd), -ENAMETOOLONG);
}

static void check_create(void **state)
{
        struct tree *t = *state;
        struct berth_error err = {0};
        int fd;
        /* O_CREAT through "etc -> /" lands in the root. */
        assert_int_equal(open_in(t, "etc/created", O_WRONLY | O_CREAT | O_EXCL, &fd), 0);
        close(fd);
        assert_int_equal(faccessat(t->rootfd, "created", F_OK, 0), 0);
        assert_false(host_exists(t, "created"));
        /* O_CREAT on a dangling absolute link creates inside the root (like the kernel). */
        assert_int_equal(open_in(t, "hostlink", O_WRONLY | O_CREAT | O_EXCL, &fd), -EEXIST);
        /* mkdir -p through the absolute host link: the directories appear in the root. */
        assert_int_equal(
            berth_fs_mkdir_p_in_root(t->rootfd, "hostlink/made/deeper", 0755, &fd, &err), 0);
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        close(fd);
        assert_false(host_exists(t, "hostdir"));
        char inside[PATH_MAX * 2];
        snprintf(inside, sizeof(inside), "%s/hostdir/made/deeper", t->top + 1);
        assert_int_equal(fstatat(t->rootfd, inside, &st, 0), 0);
        assert_true(S_ISDIR(st.st_mode));
        /* Through "a -> ../../..": */
        assert_int_equal(berth_fs_mkdir_p_in_root(t->rootfd, "a/x/y", 0700, NULL, &err), 0);
        assert_int_equal(fstatat(t->rootfd, "x/y", &st, 0), 0);
        assert_int_equal(st.st_mode & 07777, 0700);
        assert_false(host_exists(t, "x"));
        /* Existing directories are fine, a file in the way is not, loops fail. */
        assert_int_equal(berth_fs_mkdir_p_in_root(t->rootfd, "/dir/sub", 0755, NULL, &err), 0);
        assert_int_equal(berth_fs_mkdir_p_in_root(t->rootfd, "dir/file/x", 0755, NULL, &err),
                         -ENOTDIR);
        assert_non_null(strstr(err.msg, "dir/file/x"));
        assert_int_equal(berth_fs_mkdir_p_in_root(t->rootfd, "loop1/x", 0755, NULL, &err), -ELOOP);
        /* Files and nodes. */
        assert_int_equal(berth_fs_create_file_in_root(t->rootfd, "etc/dir/newf", 0600, &fd, &err),
                         0);
        assert_int_equal(fstat(fd, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        close(fd);
        assert_int_equal(fstatat(t->rootfd, "dir/newf", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(berth_fs_create_file_in_root(t->rootfd, "dir/file", 0600, NULL, &err), 0);
        assert_int_equal(berth_fs_create_file_in_root(t->rootfd, "etc", 0600, NULL, &err), -ELOOP);
        assert_int_equal(berth_fs_create_file_in_root(t->rootfd, "dir", 0600, NULL, &err), -EISDIR);
        assert_int_equal(berth_fs_create_file_in_root(t->rootfd, "/", 0600, NULL, &err), -EINVAL);
        assert_int_equal(berth_fs_mknod_in_root(t->rootfd, "a/fifos/f", S_IFIFO | 0640, 0, &err),
                         0);
        assert_int_equal(fstatat(t->rootfd, "fifos/f", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISFIFO(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0640);
        assert_int_equal(berth_fs_mknod_in_root(t->rootfd, "fifos/f", S_IFIFO | 0640, 0, &err),
                         -EEXIST);
        assert_int_equal(berth_fs_symlink_in_root(t->rootfd, "/x", "etc/lnk", &err), 0);
        assert_int_equal(berth_fs_lstat_in_root(t->rootfd, "lnk", &st, &err), 0);
        assert_true(S_ISLNK(st.st_mode));
        assert_int_equal(berth_fs_lstat_in_root(t->rootfd, "a/lnk/y", &st, &err), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(berth_fs_lstat_in_root(t->rootfd, "missing", &st, &err), -ENOENT);
}

static int with_openat2(void **state)
{
        fallback_mode = false;
        berth_fs_resolve_force_fallback(false);
        return tree_setup(state);
}

static int with_fallback(void **state)
{
        fallback_mode = true;
        berth_fs_resolve_force_fallback(true);
        return tree_setup(state);
}

/* The per-call flag must work without the global switch too. */
static void check_fallback_flag(void **state)
{
        struct tree *t = *state;
        int fd = -1;
        struct berth_error err = {0};
        berth_fs_resolve_force_fallback(false);
        assert_int_equal(berth_fs_open_in_root_ex(t->rootfd, "a/etc/dir/up", O_RDONLY, 0,
                                                  BERTH_RESOLVE_FALLBACK, &fd, &err),
                         0);
        assert_true(same_as(t, fd, "outside"));
        close(fd);
        assert_int_equal(berth_fs_open_in_root_ex(t->rootfd, "loop2", O_RDONLY, 0,
                                                  BERTH_RESOLVE_FALLBACK, &fd, &err),
                         -ELOOP);
}

/* ---- rootfs setup as root, in a forked child with a private mount namespace ------------- */

static char fixture_script[PATH_MAX];

static bool find_fixture(void)
{
        const char *env = getenv("BERTH_SOURCE_DIR");
        char cand[3][PATH_MAX];
        snprintf(cand[0], PATH_MAX, "%s/tests/fixtures/mkbusybox.sh", env ? env : "/nonexistent");
        snprintf(cand[1], PATH_MAX, "%s", __FILE__);
        char *slash = strrchr(cand[1], '/');
        if (slash)
                snprintf(slash, (size_t)(cand[1] + PATH_MAX - slash), "/../fixtures/mkbusybox.sh");
        snprintf(cand[2], PATH_MAX, "tests/fixtures/mkbusybox.sh");
        for (int i = 0; i < 3; i++)
                if (access(cand[i], R_OK) == 0) {
                        snprintf(fixture_script, sizeof(fixture_script), "%s", cand[i]);
                        return true;
                }
        return false;
}

struct rfs {
        char top[PATH_MAX];
        char rootfs[PATH_MAX];
        char bundle[PATH_MAX];
        int topfd;
};

static int rfs_setup(void **state)
{
        if (geteuid() != 0 || !find_fixture()) {
                *state = NULL;
                return 0;
        }
        struct rfs *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        snprintf(f->top, sizeof(f->top), "/tmp/berth-rootfs-XXXXXX");
        assert_non_null(mkdtemp(f->top));
        snprintf(f->bundle, sizeof(f->bundle), "%s/bundle", f->top);
        snprintf(f->rootfs, sizeof(f->rootfs), "%s/bundle/rootfs", f->top);
        assert_int_equal(berth_mkdir_p(f->bundle, 0755), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                execl("/bin/sh", "sh", fixture_script, f->rootfs, (char *)NULL);
                _exit(127);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        f->topfd = open(f->top, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(f->topfd >= 0);
        assert_int_equal(mkdirat(f->topfd, "hostdata", 0755), 0);
        xwrite(f->topfd, "hostdata/hello");
        xwrite(f->topfd, "hostfile");
        *state = f;
        return 0;
}

static int rfs_teardown(void **state)
{
        struct rfs *f = *state;
        if (!f)
                return 0;
        close(f->topfd);
        assert_int_equal(berth_rm_rf_at(AT_FDCWD, f->top), 0);
        free(f);
        return 0;
}

#define SKIP_UNLESS_ROOT(f)                                                                        \
        do {                                                                                       \
                if (!(f)) {                                                                        \
                        print_message("skipped: needs root and tests/fixtures/mkbusybox.sh\n");    \
                        skip();                                                                    \
                }                                                                                  \
        } while (0)

/* Child side: failures go to the pipe as one line and the exit code is the line number. */
static int child_fd = -1;
#define CHILD_CHECK(cond, ...)                                                                     \
        do {                                                                                       \
                if (!(cond)) {                                                                     \
                        dprintf(child_fd, "line %d: ", __LINE__);                                  \
                        dprintf(child_fd, __VA_ARGS__);                                            \
                        _exit(__LINE__ & 0x7f ? __LINE__ & 0x7f : 1);                              \
                }                                                                                  \
        } while (0)

/* Run fn in a child that has private mount and ipc namespaces; returns its exit code and
 * what it wrote (error messages) in msg. */
static int run_child(void (*fn)(void *), void *arg, char *msg, size_t size)
{
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                child_fd = p[1];
                CHILD_CHECK(unshare(CLONE_NEWNS | CLONE_NEWIPC) == 0, "unshare: %m");
                CHILD_CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0, "private: %m");
                fn(arg);
                _exit(0);
        }
        close(p[1]);
        size_t n = 0;
        ssize_t k;
        while (n + 1 < size && (k = read(p[0], msg + n, size - 1 - n)) > 0)
                n += (size_t)k;
        msg[n] = '\0';
        close(p[0]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFEXITED(status))
                return 255;
        return WEXITSTATUS(status);
}

static void write_map(pid_t pid, const char *file, const char *map)
{
        char p[64];
        snprintf(p, sizeof(p), "/proc/%d/%s", (int)pid, file);
        int fd = open(p, O_WRONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, map, strlen(map)), (ssize_t)strlen(map));
        close(fd);
}

/* Like run_child, in a new user namespace (ids 0..65535 mapped to the host's), with its own
 * mount, ipc and pid namespaces: fn runs as pid 1 of the new pid namespace (so it may mount
 * proc), with the mknod and sysfs restrictions of a rootless container. */
static int run_child_userns(void (*fn)(void *), void *arg, char *msg, size_t size)
{
        int p[2], ready[2], go[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
        assert_int_equal(pipe2(go, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                close(ready[0]);
                close(go[1]);
                child_fd = p[1];
                char c;
                CHILD_CHECK(unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWPID) == 0,
                            "unshare: %m");
                CHILD_CHECK(write(ready[1], "r", 1) == 1, "ready");
                CHILD_CHECK(read(go[0], &c, 1) == 1, "go");
                pid_t inner = fork();
                CHILD_CHECK(inner >= 0, "fork: %m");
                if (inner == 0) {
                        CHILD_CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0,
                                    "private: %m");
                        fn(arg);
                        _exit(0);
                }
                int st;
                CHILD_CHECK(waitpid(inner, &st, 0) == inner, "waitpid");
                _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 254);
        }
        close(p[1]);
        close(ready[1]);
        close(go[0]);
        char c;
        assert_int_equal(read(ready[0], &c, 1), 1);
        write_map(pid, "uid_map", "0 0 65536\n");
        write_map(pid, "gid_map", "0 0 65536\n");
        assert_int_equal(write(go[1], "g", 1), 1);
        close(ready[0]);
        close(go[1]);
        size_t n = 0;
        ssize_t k;
        while (n + 1 < size && (k = read(p[0], msg + n, size - 1 - n)) > 0)
                n += (size_t)k;
        msg[n] = '\0';
        close(p[0]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFEXITED(status))
                return 255;
        return WEXITSTATUS(status);
}

#define MAX_MOUNTS 16
struct spec_buf {
        struct berth_spec spec;
        struct berth_mount mounts[MAX_MOUNTS];
        char *masked[4], *ro[4];
        struct berth_kv sysctl[2];
        struct berth_cgroup_mountinfo cg[3];
        struct berth_device devices[1];
        struct berth_id_mapping idmap_uid, idmap_gid;
        char src_data[PATH_MAX], src_file[PATH_MAX], host_top[PATH_MAX];
        struct berth_rootfs_ctx ctx;
};

static void add_mount(struct spec_buf *b, const char *dest, const char *type, const char *src,
                      unsigned long flags, const char *data)
{
        struct berth_mount *m = &b->mounts[b->spec.n_mounts++];
        m->destination = (char *)dest;
        m->type = (char *)type;
        m->source = (char *)src;
        m->flags = flags;
        m->data = (char *)data;
        m->is_bind = flags & MS_BIND;
}

/* A config like the default one: proc, /dev tmpfs, devpts, sysfs, cgroup, two binds. */
static void build_spec(struct spec_buf *b, const struct rfs *f)
{
        memset(b, 0, sizeof(*b));
        b->spec.mounts = b->mounts;
        snprintf(b->src_data, sizeof(b->src_data), "%s/hostdata", f->top);
        snprintf(b->src_file, sizeof(b->src_file), "../hostfile"); /* relative to the bundle */
        snprintf(b->host_top, sizeof(b->host_top), "%s", f->top);
        add_mount(b, "/proc", "proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
        add_mount(b, "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
        add_mount(b, "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
                  "mode=0620" /* newinstance,ptmxmode=0666 added */);
        add_mount(b, "/sys", "sysfs", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL);
        add_mount(b, "/sys/fs/cgroup", "cgroup", "cgroup",
                  MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY, NULL);
        add_mount(b, "/mnt/data", "bind", b->src_data, MS_BIND | MS_REC | MS_RDONLY, NULL);
        add_mount(b, "/etc/hostfile", "bind", b->src_file, MS_BIND, NULL);
        add_mount(b, "/dev/shm", "tmpfs", "shm", MS_NOSUID | MS_NOEXEC | MS_NODEV,
                  "mode=1777,size=65536k");
        add_mount(b, "/dev/mqueue", "mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
        /* per-mount propagation and a superblock flag */
        add_mount(b, "/mnt/shared", "tmpfs", "tmpfs", MS_SYNCHRONOUS, "size=1m");
        b->mounts[b->spec.n_mounts - 1].propagation = MS_SHARED;
        /* id-mapped bind: on-disk uid/gid 0 shows as 1000/2000 */
        add_mount(b, "/mnt/idmapped", "bind", b->src_data, MS_BIND, NULL);
        b->idmap_uid = (struct berth_id_mapping){0, 1000, 1};
        b->idmap_gid = (struct berth_id_mapping){0, 2000, 1};
        struct berth_mount *im = &b->mounts[b->spec.n_mounts - 1];
        im->idmap = true;
        im->uid_mappings = &b->idmap_uid;
        im->gid_mappings = &b->idmap_gid;
        im->n_uid_mappings = im->n_gid_mappings = 1;
        b->devices[0] = (struct berth_device){.path = "/dev/mydev",
                                              .type = 'c',
                                              .major = 10,
                                              .minor = 200,
                                              .has_file_mode = true,
                                              .file_mode = 0620,
                                              .has_uid = true,
                                              .uid = 12,
                                              .has_gid = true,
                                              .gid = 34};
        b->spec.devices = b->devices;
        b->spec.n_devices = 1;
        b->masked[0] = "/proc/keys";
        b->masked[1] = "/proc/acpi";
        b->masked[2] = "/proc/does-not-exist";
        b->spec.masked_paths = b->masked;
        b->ro[0] = "/proc/sys";
        b->ro[1] = "/proc/nope";
        b->spec.readonly_paths = b->ro;
        b->spec.root_readonly = true;
        b->spec.namespaces[BERTH_NS_IPC].enabled = true;
        b->spec.namespaces[BERTH_NS_MOUNT].enabled = true;
        b->sysctl[0] = (struct berth_kv){"kernel.shm_rmid_forced", "1"};
        b->spec.sysctl = b->sysctl;
        b->spec.n_sysctl = 1;
        /* hybrid host: memory, cpu and an alias link, binds of the host's roots */
        b->cg[0] = (struct berth_cgroup_mountinfo){"memory", "/sys/fs/cgroup/memory", "cgroup",
                                                   "memory", NULL};
        b->cg[1] =
            (struct berth_cgroup_mountinfo){"cpu", "/sys/fs/cgroup/cpu", "cgroup", "cpu", NULL};
        b->cg[2] = (struct berth_cgroup_mountinfo){"cpu,cpuacct", NULL, NULL, NULL, "cpu"};
        b->ctx = (struct berth_rootfs_ctx){.spec = &b->spec,
                                           .rootfs = f->rootfs,
                                           .bundle = f->bundle,
                                           .cgroup_mounts = b->cg,
                                           .n_cgroup_mounts = 3};
}

/* Options field (4th from the end of the fixed part) of mountinfo for mount point mp, or
 * NULL; "ro"/"rw" come first in it. */
static bool mount_opts(const char *mp, char *opts, size_t size, char *fstype, size_t fsize)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return false;
        char line[4096];
        bool found = false;
        while (fgets(line, sizeof(line), f)) {
                char point[1024], o[512], type[64];
                /* id parent maj:min root point opts ... - type source superopts */
                if (sscanf(line, "%*d %*d %*s %*s %1023s %511s", point, o) != 2)
                        continue;
                char *dash = strstr(line, " - ");
                if (!dash || sscanf(dash, " - %63s", type) != 1)
                        continue;
                if (strcmp(point, mp))
                        continue;
                snprintf(opts, size, "%s", o); /* the last one stacked wins */
                snprintf(fstype, fsize, "%s", type);
                found = true;
        }
        return found;
}

static void expect_mount(const char *mp, const char *type, bool ro)
{
        char o[512], t[64];
        CHILD_CHECK(mount_opts(mp, o, sizeof(o), t, sizeof(t)), "%s not mounted", mp);
        CHILD_CHECK(!type || !strcmp(t, type), "%s is %s, wanted %s", mp, t, type);
        CHILD_CHECK(!strncmp(o, ro ? "ro" : "rw", 2), "%s options %s, wanted %s", mp, o,
                    ro ? "ro" : "rw");
}

/* The whole mountinfo line of mount point mp (the last one stacked there). */
static bool mount_line(const char *mp, char *out, size_t size)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        char line[4096], point[1024];
        bool found = false;
        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "%*d %*d %*s %*s %1023s", point) == 1 && !strcmp(point, mp)) {
                        snprintf(out, size, "%s", line);
                        found = true;
                }
        return found;
}

/* Mounts and devices beyond the default config. */
static void check_extras(const struct spec_buf *b)
{
        char line[4096];
        struct stat st;
        expect_mount("/dev/shm", "tmpfs", false);
        CHILD_CHECK(stat("/dev/shm", &st) == 0 && (st.st_mode & 07777) == 01777, "/dev/shm mode");
        expect_mount("/dev/mqueue", "mqueue", false);
        CHILD_CHECK(mount_line("/mnt/shared", line, sizeof(line)), "/mnt/shared missing");
        /* (a recursive unbindable rootfsPropagation is applied last and wins) */
        CHILD_CHECK(
            strstr(line, (b->spec.rootfs_propagation & MS_UNBINDABLE) ? " unbindable" : " shared:"),
            "/mnt/shared propagation: %s", line);
        CHILD_CHECK(strstr(strstr(line, " - "), "sync"), "/mnt/shared no sync: %s", line);
        CHILD_CHECK(mount_line("/mnt/data", line, sizeof(line)) && !strstr(line, " shared:"),
                    "/mnt/data shared: %s", line);
        if (b->ctx.in_userns) {
                /* host nodes bound onto empty files */
                expect_mount("/dev/null", "devtmpfs", false);
                expect_mount("/dev/tty", "devtmpfs", false);
                return;
        }
        CHILD_CHECK(stat("/mnt/idmapped/hello", &st) == 0 && st.st_uid == 1000 && st.st_gid == 2000,
                    "idmapped owner %u:%u", st.st_uid, st.st_gid);
        CHILD_CHECK(stat("/mnt/data/hello", &st) == 0 && st.st_uid == 0, "plain bind owner");
        CHILD_CHECK(lstat("/dev/mydev", &st) == 0 && S_ISCHR(st.st_mode) &&
                        st.st_rdev == makedev(10, 200) && (st.st_mode & 07777) == 0620 &&
                        st.st_uid == 12 && st.st_gid == 34,
                    "/dev/mydev wrong");
}

static void full_setup_child(void *arg)
{
        struct spec_buf *b = arg;
        struct berth_error err = {0};
        CHILD_CHECK(berth_rootfs_prepare(&b->ctx, &err) == 0, "prepare: %s", err.msg);
        CHILD_CHECK(berth_rootfs_pivot(&b->ctx, &err) == 0, "pivot: %s", err.msg);
        CHILD_CHECK(berth_rootfs_finalize(&b->ctx, &err) == 0, "finalize: %s", err.msg);
        /* What is mounted, seen from inside. */
        expect_mount("/", NULL, b->spec.root_readonly);
        expect_mount("/proc", "proc", false);
        expect_mount("/dev", "tmpfs", false);
        expect_mount("/dev/pts", "devpts", false);
        expect_mount("/sys", "sysfs", true);
        expect_mount("/sys/fs/cgroup", "tmpfs", true);
        expect_mount("/sys/fs/cgroup/memory", "cgroup", true);
        expect_mount("/sys/fs/cgroup/cpu", "cgroup", true);
        expect_mount("/mnt/data", NULL, true);
        expect_mount("/etc/hostfile", NULL, false);
        /* the container's /dev/null: made by mknod on the /dev tmpfs, or the host's bound */
        expect_mount("/proc/keys", b->ctx.in_userns ? "devtmpfs" : "tmpfs", false);
        expect_mount("/proc/acpi", "tmpfs", true);
        expect_mount("/proc/sys", "proc", true);
        char o[512], t[64];
        CHILD_CHECK(!mount_opts("/proc/does-not-exist", o, sizeof(o), t, sizeof(t)),
                    "missing masked path mounted");
        /* The old root is gone: nothing of the host's top directory is visible. */
        CHILD_CHECK(access("/bin/busybox", X_OK) == 0, "no busybox in the new root");
        CHILD_CHECK(access(b->host_top, F_OK) < 0, "host visible");
        CHILD_CHECK(access("/mnt/data/hello", R_OK) == 0, "bind content missing");
        CHILD_CHECK(open("/mnt/data/new", O_WRONLY | O_CREAT | O_CLOEXEC, 0644) < 0 &&
                        errno == EROFS,
                    "ro bind is writable");
        if (b->spec.root_readonly)
                CHILD_CHECK(mkdir("/newdir", 0755) < 0 && errno == EROFS, "root is writable");
        CHILD_CHECK(open("/sys/fs/cgroup/memory/x", O_WRONLY | O_CREAT | O_CLOEXEC, 0644) < 0,
                    "cgroup writable");
        /* Devices and links. */
        struct stat st;
        CHILD_CHECK(lstat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) &&
                        st.st_rdev == makedev(1, 3) && (st.st_mode & 0777) == 0666,
                    "/dev/null wrong");
        CHILD_CHECK(lstat("/dev/tty", &st) == 0 && st.st_rdev == makedev(5, 0), "/dev/tty");
        char l[64] = {0};
        CHILD_CHECK(readlink("/dev/fd", l, sizeof(l) - 1) > 0 && !strcmp(l, "/proc/self/fd"),
                    "/dev/fd -> %s", l);
        memset(l, 0, sizeof(l));
        CHILD_CHECK(readlink("/dev/ptmx", l, sizeof(l) - 1) > 0 && !strcmp(l, "pts/ptmx"),
                    "/dev/ptmx -> %s", l);
        CHILD_CHECK(stat("/dev/ptmx", &st) == 0 && S_ISCHR(st.st_mode) &&
                        (st.st_mode & 0777) == 0666,
                    "/dev/pts/ptmx mode %o", st.st_mode);
        CHILD_CHECK(lstat("/dev/core", &st) == 0 && S_ISLNK(st.st_mode), "/dev/core");
        CHILD_CHECK(stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode), "/dev/shm");
        CHILD_CHECK(lstat("/sys/fs/cgroup/cpu,cpuacct", &st) == 0 && S_ISLNK(st.st_mode),
                    "cgroup alias");
        /* The masked file reads as empty; the sysctl took. */
        char buf[16];
        int fd = open("/proc/keys", O_RDONLY | O_CLOEXEC);
        CHILD_CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 0, "/proc/keys not masked");
        close(fd);
        fd = open("/proc/sys/kernel/shm_rmid_forced", O_RDONLY | O_CLOEXEC);
        CHILD_CHECK(fd >= 0 && read(fd, buf, 1) == 1 && buf[0] == '1', "sysctl not applied");
        close(fd);
        check_extras(b);
}

static void test_rootfs_full(void **state)
{
        struct rfs *f = *state;
        SKIP_UNLESS_ROOT(f);
        struct spec_buf b;
        build_spec(&b, f);
        char msg[2048];
        int code = run_child(full_setup_child, &b, msg, sizeof(msg));
        if (code)
                print_message("child: %s\n", msg);
        assert_int_equal(code, 0);
        /* The host side: nothing mounted here, the targets were created in the rootfs. */
        char p[PATH_MAX * 2];
        snprintf(p, sizeof(p), "%s/mnt/data", f->rootfs);
        assert_int_equal(access(p, F_OK), 0);
        snprintf(p, sizeof(p), "%s/mnt/data/hello", f->rootfs);
        assert_int_not_equal(access(p, F_OK), 0);
}

/* prepare only: its error message goes to the pipe, exit 0 means it failed as wanted. */
static void prepare_fails_child(void *arg)
{
        struct spec_buf *b = arg;
        struct berth_error err = {0};
        int r = berth_rootfs_prepare(&b->ctx, &err);
        CHILD_CHECK(r < 0, "prepare succeeded");
        dprintf(child_fd, "%s", err.msg);
        _exit(0);
}

static void test_rootfs_symlink_target(void **state)
{
        struct rfs *f = *state;
        SKIP_UNLESS_ROOT(f);
        char out[PATH_MAX], lnk[PATH_MAX * 2], p[PATH_MAX * 2];
        snprintf(out, sizeof(out), "%s/escape", f->top);
        snprintf(lnk, sizeof(lnk), "%s/mnt", f->rootfs);
        assert_int_equal(mkdir(lnk, 0755), 0);
        snprintf(lnk, sizeof(lnk), "%s/mnt/evil", f->rootfs);
        assert_int_equal(symlink(out, lnk), 0);
        struct spec_buf b;
        build_spec(&b, f);
        b.spec.n_mounts = 0;
        add_mount(&b, "/mnt/evil", "bind", b.src_data, MS_BIND, NULL);
        char msg[2048];
        assert_int_equal(run_child(prepare_fails_child, &b, msg, sizeof(msg)), 0);
        assert_non_null(strstr(msg, "/mnt/evil"));
        assert_non_null(strstr(msg, "symlink"));
        assert_int_not_equal(access(out, F_OK), 0); /* nothing on the host */
        snprintf(p, sizeof(p), "%s%s", f->rootfs, out);
        assert_int_not_equal(access(p, F_OK), 0); /* nor at the link's target in the rootfs */
        /* A fresh filesystem type is refused the same way. */
        b.spec.n_mounts = 0;
        add_mount(&b, "/mnt/evil", "tmpfs", "tmpfs", 0, NULL);
        assert_int_equal(run_child(prepare_fails_child, &b, msg, sizeof(msg)), 0);
        assert_non_null(strstr(msg, "/mnt/evil"));
        assert_int_not_equal(access(out, F_OK), 0);
        assert_int_equal(unlink(lnk), 0);
}

static void test_rootfs_dev_null_symlink(void **state)
{
        struct rfs *f = *state;
        SKIP_UNLESS_ROOT(f);
        static const char *const evil[] = {"dev/null", "proc"};
        for (size_t i = 0; i < ARRAY_SIZE(evil); i++) {
                char lnk[PATH_MAX * 2], host[PATH_MAX];
                snprintf(host, sizeof(host), "%s/hostfile", f->top);
                snprintf(lnk, sizeof(lnk), "%s/%s", f->rootfs, evil[i]);
                if (!strcmp(evil[i], "proc"))
                        assert_int_equal(rmdir(lnk), 0);
                assert_int_equal(symlink(host, lnk), 0);
                struct spec_buf b;
                build_spec(&b, f);
                char msg[2048];
                assert_int_equal(run_child(prepare_fails_child, &b, msg, sizeof(msg)), 0);
                assert_non_null(strstr(msg, evil[i]));
                assert_int_equal(unlink(lnk), 0);
                if (!strcmp(evil[i], "proc"))
                        assert_int_equal(mkdir(lnk, 0755), 0);
        }
}

static void sysctl_refused_child(void *arg)
{
        struct spec_buf *b = arg;
        struct berth_error err = {0};
        CHILD_CHECK(berth_rootfs_prepare(&b->ctx, &err) == 0, "prepare: %s", err.msg);
        CHILD_CHECK(berth_rootfs_pivot(&b->ctx, &err) == 0, "pivot: %s", err.msg);
        CHILD_CHECK(berth_rootfs_finalize(&b->ctx, &err) < 0, "finalize accepted the sysctl");
        dprintf(child_fd, "%s", err.msg);
}

static void test_rootfs_sysctl_refused(void **state)
{
        struct rfs *f = *state;
        SKIP_UNLESS_ROOT(f);
        static const char *const bad[] = {"net.ipv4.ip_forward", "kernel.hostname",
                                          "kernel..shmmax", "kernel/shmmax", "vm.swappiness"};
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                struct spec_buf b;
                build_spec(&b, f);
                b.sysctl[0] = (struct berth_kv){(char *)bad[i], "1"};
                char msg[2048];
                assert_int_equal(run_child(sysctl_refused_child, &b, msg, sizeof(msg)), 0);
                assert_non_null(strstr(msg, bad[i]));
        }
}

/* A rootless-style container: mknod and a fresh sysfs are refused in a user namespace,
 * so the host's device nodes and /sys are bound instead. */
static void test_rootfs_userns(void **state)
{
        struct rfs *f = *state;
        SKIP_UNLESS_ROOT(f);
        struct spec_buf b;
        build_spec(&b, f);
        b.ctx.in_userns = true;
        b.spec.n_mounts--; /* no id-mapped bind: the host filesystem's ids are not ours */
        b.spec.n_devices = 0;
        char msg[2048];
        int code = run_child_userns(full_setup_child, &b, msg, sizeof(msg));
        if (code)
                print_message("child: %s\n", msg);
        assert_int_equal(code, 0);
}

/* RESOLVE_NO_XDEV: a mount point on the way is -EXDEV, with openat2 and the hand walk. */
static void no_xdev_child(void *arg)
{
        const struct rfs *f = arg;
        int top = open(f->top, O_PATH | O_DIRECTORY | O_CLOEXEC);
        CHILD_CHECK(top >= 0, "open top");
        CHILD_CHECK(mkdirat(top, "xdev", 0755) == 0, "mkdir: %m");
        char m[PATH_MAX + 8];
        snprintf(m, sizeof(m), "%s/xdev", f->top);
        CHILD_CHECK(mount("tmpfs", m, "tmpfs", 0, "size=64k") == 0, "mount: %m");
        int mfd = open(m, O_PATH | O_DIRECTORY | O_CLOEXEC);
        CHILD_CHECK(mfd >= 0 && mkdirat(mfd, "d", 0755) == 0, "mkdir d");
        static const unsigned modes[] = {0, BERTH_RESOLVE_FALLBACK};
        for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
                int fd = -1;
                struct berth_error err = {0};
                int r = berth_fs_open_in_root_ex(top, "xdev/d", O_PATH, 0, modes[i], &fd, &err);
                CHILD_CHECK(r == 0, "plain %u: %s", modes[i], err.msg);
                close(fd);
                r = berth_fs_open_in_root_ex(top, "xdev/d", O_PATH, 0,
                                             modes[i] | BERTH_RESOLVE_NO_XDEV, &fd, &err);
                CHILD_CHECK(r == -EXDEV, "no_xdev %u: %d", modes[i], r);
                r = berth_fs_open_in_root_ex(top, "bundle/../xdev", O_PATH, 0,
                                             modes[i] | BERTH_RESOLVE_NO_XDEV, &fd, &err);
                CHILD_CHECK(r == -EXDEV, "no_xdev last %u: %d", modes[i], r);
                r = berth_fs_mkdir_p_in_root_ex(top, "xdev/e", 0755,
                                                modes[i] | BERTH_RESOLVE_NO_XDEV, NULL, &err);
                CHILD_CHECK(r == -EXDEV, "mkdir no_xdev %u: %d", modes[i], r);
        }
}

static void test_resolve_no_xdev(void **state)
{
        struct rfs *f = *state;
        SKIP_UNLESS_ROOT(f);
        char msg[2048];
        int code = run_child(no_xdev_child, f, msg, sizeof(msg));
        if (code)
                print_message("child: %s\n", msg);
        assert_int_equal(code, 0);
        /* The tmpfs lived in the child's namespace only: the directory is empty here. */
        assert_int_not_equal(faccessat(f->topfd, "xdev/d", F_OK, 0), 0);
}

/* CVE-2025-31133: without a /dev mount the image's /dev/null is used to mask paths; a
 * regular file there (or anything but the null device) is refused. */
static void test_rootfs_fake_dev_null(void **state)
{
        struct rfs *f = *state;
        SKIP_UNLESS_ROOT(f);
        char p[PATH_MAX * 2];
        snprintf(p, sizeof(p), "%s/dev/null", f->rootfs);
        int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        close(fd);
        struct spec_buf b;
        build_spec(&b, f);
        b.spec.n_mounts = 1; /* proc only */
        char msg[2048];
        assert_int_equal(run_child(sysctl_refused_child, &b, msg, sizeof(msg)), 0);
        assert_non_null(strstr(msg, "/dev/null"));
        assert_non_null(strstr(msg, "not the null device"));
}

/* rootfsPropagation: shared needs the rootfs parent made private for pivot_root. */
static void test_rootfs_propagation(void **state)
{
        struct rfs *f = *state;
        SKIP_UNLESS_ROOT(f);
        static const unsigned long props[] = {MS_SHARED | MS_REC, MS_SHARED, MS_PRIVATE | MS_REC,
                                              MS_SLAVE, MS_UNBINDABLE | MS_REC};
        for (size_t i = 0; i < ARRAY_SIZE(props); i++) {
                struct spec_buf b;
                build_spec(&b, f);
                b.spec.rootfs_propagation = props[i];
                char msg[2048];
                int code = run_child(full_setup_child, &b, msg, sizeof(msg));
                if (code)
                        print_message("propagation 0x%lx: child: %s\n", props[i], msg);
                assert_int_equal(code, 0);
        }
}

static void test_rootfs_no_pivot(void **state)
{
        struct rfs *f = *state;
        SKIP_UNLESS_ROOT(f);
        struct spec_buf b;
        build_spec(&b, f);
        b.ctx.no_pivot = true;
        b.spec.root_readonly = false;
        char msg[2048];
        int code = run_child(full_setup_child, &b, msg, sizeof(msg));
        if (code)
                print_message("child: %s\n", msg);
        assert_int_equal(code, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(check_escapes, with_openat2, tree_teardown),
            cmocka_unit_test_setup_teardown(check_escapes, with_fallback, tree_teardown),
            cmocka_unit_test_setup_teardown(check_symlink_rules, with_openat2, tree_teardown),
            cmocka_unit_test_setup_teardown(check_symlink_rules, with_fallback, tree_teardown),
            cmocka_unit_test_setup_teardown(check_long_paths, with_openat2, tree_teardown),
            cmocka_unit_test_setup_teardown(check_long_paths, with_fallback, tree_teardown),
            cmocka_unit_test_setup_teardown(check_create, with_openat2, tree_teardown),
            cmocka_unit_test_setup_teardown(check_create, with_fallback, tree_teardown),
            cmocka_unit_test_setup_teardown(check_magic_links, with_openat2, tree_teardown),
            cmocka_unit_test_setup_teardown(check_magic_links, with_fallback, tree_teardown),
            cmocka_unit_test_setup_teardown(check_fallback_flag, with_openat2, tree_teardown),
            cmocka_unit_test_setup_teardown(test_rootfs_full, rfs_setup, rfs_teardown),
            cmocka_unit_test_setup_teardown(test_rootfs_symlink_target, rfs_setup, rfs_teardown),
            cmocka_unit_test_setup_teardown(test_rootfs_dev_null_symlink, rfs_setup, rfs_teardown),
            cmocka_unit_test_setup_teardown(test_rootfs_sysctl_refused, rfs_setup, rfs_teardown),
            cmocka_unit_test_setup_teardown(test_rootfs_no_pivot, rfs_setup, rfs_teardown),
            cmocka_unit_test_setup_teardown(test_rootfs_propagation, rfs_setup, rfs_teardown),
            cmocka_unit_test_setup_teardown(test_resolve_no_xdev, rfs_setup, rfs_teardown),
            cmocka_unit_test_setup_teardown(test_rootfs_fake_dev_null, rfs_setup, rfs_teardown),
            cmocka_unit_test_setup_teardown(test_rootfs_userns, rfs_setup, rfs_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

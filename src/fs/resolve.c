/* SPDX-License-Identifier: Apache-2.0 */
#include "fs/resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/strutil.h"
#include "basic/banned.h"

/* Upper bound of the path still to walk after symlink expansion. */
#define WALK_MAX_TODO (16 * PATH_MAX)

static atomic_bool force_fallback;
static atomic_bool openat2_missing;

void berth_fs_resolve_force_fallback(bool force)
{
        atomic_store(&force_fallback, force);
}

/* ---- the hand walk -------------------------------------------------------------------- */

enum {
        WALK_MKDIR = 1u << 0,   /* create missing directories, result is the last directory */
        WALK_NO_XDEV = 1u << 1, /* refuse a component on another device than the root */
};

/* Stack of O_PATH directory fds from the root (fds[0]) to the current directory. */
struct walk_stack {
        int *fds;
        size_t n, cap;
};

static void walk_stack_free(struct walk_stack *s)
{
        for (size_t i = 0; i < s->n; i++)
                close(s->fds[i]);
        free(s->fds);
        s->fds = NULL;
        s->n = s->cap = 0;
}

static int walk_stack_push(struct walk_stack *s, int fd)
{
        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 16;
                int *n = realloc(s->fds, cap * sizeof(*n));
                if (!n) {
                        close(fd);
                        return -ENOMEM;
                }
                s->fds = n;
                s->cap = cap;
        }
        s->fds[s->n++] = fd;
        return 0;
}

static void walk_stack_pop_to(struct walk_stack *s, size_t n)
{
        while (s->n > n)
                close(s->fds[--s->n]);
}

static int walk_top(const struct walk_stack *s)
{
        return s->fds[s->n - 1];
}

/* Replace *todo (whose unwalked part is `rest`) by "<target><rest>". */
static int walk_expand(char **todo, const char *rest, const char *target)
{
        /* rest is "" or starts with '/', so no separator is needed (and none is added:
         * a trailing slash would demand a directory). */
        size_t tl = strlen(target), rl = strlen(rest);
        if (tl + rl + 1 > WALK_MAX_TODO)
                return -ENAMETOOLONG;
        char *n = malloc(tl + rl + 1);
        if (!n)
                return -ENOMEM;
        memcpy(n, target, tl);
        memcpy(n + tl, rest, rl + 1);
        free(*todo);
        *todo = n;
        return 0;
}

static int read_link_at(int dirfd, const char *name, char *buf, size_t size)
{
        ssize_t n = readlinkat(dirfd, name, buf, size);
        if (n < 0)
                return -errno;
        if ((size_t)n >= size)
                return -ENAMETOOLONG;
        buf[n] = '\0';
        if (n == 0)
                return -ENOENT; /* an empty symlink resolves to nothing */
        return 0;
}

struct walk_state {
        struct walk_stack st;
        char *todo;
        size_t pos; /* next unwalked byte of todo */
        int budget;
        dev_t root_dev;
        unsigned wflags;
        mode_t dir_mode; /* WALK_MKDIR: mode of created directories (minus umask) */
};

/* Follow the symlink `name` in the current directory: expand todo with its target and,
 * for an absolute target, go back to the root. */
static int walk_follow(struct walk_state *w, int linkfd, const char *name)
{
        char target[PATH_MAX];
        int r = linkfd >= 0 ? read_link_at(linkfd, "", target, sizeof(target))
                            : read_link_at(walk_top(&w->st), name, target, sizeof(target));
        if (r < 0)
                return r;
        if (--w->budget < 0)
                return -ELOOP;
        if (target[0] == '/')
                walk_stack_pop_to(&w->st, 1);
        _cleanup_free_ char *rest = strdup(w->todo + w->pos);
        if (!rest)
                return -ENOMEM;
        r = walk_expand(&w->todo, rest, target);
        if (r < 0)
                return r;
        w->pos = 0;
        return 0;
}

/* Open one intermediate component; on return *fd is an O_PATH fd of it or -1 when it was
 * a symlink that has been expanded into todo. */
static int walk_component(struct walk_state *w, const char *name, int *fd)
{
        int top = walk_top(&w->st);
        int cfd = openat(top, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (cfd < 0 && errno == ENOENT && (w->wflags & WALK_MKDIR)) {
                if (mkdirat(top, name, w->dir_mode) < 0 && errno != EEXIST)
                        return -errno;
                cfd = openat(top, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        }
        if (cfd < 0)
                return -errno;
        _cleanup_close_ int c = cfd;
        struct stat st;
        if (fstat(c, &st) < 0)
                return -errno;
        if (S_ISLNK(st.st_mode)) {
                *fd = -1;
                return walk_follow(w, c, name);
        }
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        if ((w->wflags & WALK_NO_XDEV) && st.st_dev != w->root_dev)
                return -EXDEV;
        *fd = TAKE_FD(c);
        return 0;
}

/* Next component of todo into name (NUL-terminated); *last tells whether only slashes
 * follow, *slash whether at least one does.  Returns 0 at the end of the path. */
static int walk_next(struct walk_state *w, char name[static NAME_MAX + 1], bool *last, bool *slash)
{
        const char *p = w->todo + w->pos;
        while (*p == '/')
                p++;
        if (!*p)
                return 0;
        size_t len = strcspn(p, "/");
        if (len > NAME_MAX)
                return -ENAMETOOLONG;
        memcpy(name, p, len);
        name[len] = '\0';
        p += len;
        *slash = *p == '/';
        const char *q = p;
        while (*q == '/')
                q++;
        *last = !*q;
        w->pos = (size_t)(p - w->todo);
        return 1;
}

/* Final open relative to the current directory.  Returns 1 when the last component was a
 * symlink that has been expanded (walk on), 0 with *out set, or a negative errno. */
static int walk_final(struct walk_state *w, const char *name, int flags, mode_t mode, int *out)
{
        int top = walk_top(&w->st);
        /* O_CREAT|O_EXCL never follows a final symlink (open(2) fails with EEXIST). */
        bool follow = !(flags & O_NOFOLLOW) && (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
        if (follow) {
                struct stat st;
                if (fstatat(top, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
                        int r = walk_follow(w, -1, name);
                        return r < 0 ? r : 1;
                }
        }
        /* O_NOFOLLOW: a symlink swapped in after the check above fails instead of being
         * followed by the kernel. */
        int fd = openat(top, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
                return -errno;
        if (follow && (flags & O_PATH)) {
                /* O_PATH|O_NOFOLLOW opens a symlink itself: one swapped in is followed by
                 * the walk, never returned. */
                struct stat st;
                if (fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
                        close(fd);
                        int r = walk_follow(w, -1, name);
                        return r < 0 ? r : 1;
                }
        }
        if ((w->wflags & WALK_NO_XDEV)) {
                struct stat st;
                if (fstat(fd, &st) == 0 && st.st_dev != w->root_dev) {
                        close(fd);
                        return -EXDEV;
                }
        }
        *out = fd;
        return 0;
}

static int walk(int rootfd, const char *path, int flags, mode_t mode, unsigned wflags, int *out)
{
        if (strlen(path) >= PATH_MAX)
                return -ENAMETOOLONG;
        struct walk_state w = {.budget = BERTH_FS_MAX_SYMLINKS, .wflags = wflags, .dir_mode = mode};
        int r;
        int rfd = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rfd < 0)
                return -errno;
        struct stat st;
        if (fstat(rfd, &st) < 0) {
                close(rfd);
                return -errno;
        }
        w.root_dev = st.st_dev;
        r = walk_stack_push(&w.st, rfd);
        if (r < 0)
                return r;
        w.todo = strdup(path);
        if (!w.todo) {
                r = -ENOMEM;
                goto out;
        }
        for (;;) {
                char name[NAME_MAX + 1];
                bool last = false, slash = false;
                r = walk_next(&w, name, &last, &slash);
                if (r < 0)
                        goto out;
                if (r == 0)
                        break; /* end of path: the current directory is the result */
                if (!strcmp(name, ".")) {
                        if (last)
                                break;
                        continue;
                }
                if (!strcmp(name, "..")) {
                        if (w.st.n > 1)
                                walk_stack_pop_to(&w.st, w.st.n - 1);
                        if (last)
                                break;
                        continue;
                }
                if (last && !(wflags & WALK_MKDIR)) {
                        int f = flags | (slash ? O_DIRECTORY : 0);
                        r = walk_final(&w, name, f, mode, out);
                        if (r == 1)
                                continue;
                        goto out;
                }
                int cfd;
                r = walk_component(&w, name, &cfd);
                if (r < 0)
                        goto out;
                if (cfd >= 0) {
                        r = walk_stack_push(&w.st, cfd);
                        if (r < 0)
                                goto out;
                }
        }
        /* The path ended on a directory (".", "..", "/", trailing component in mkdir mode). */
        if (wflags & WALK_MKDIR)
                r = openat(walk_top(&w.st), ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        else
                r = openat(walk_top(&w.st), ".", flags | O_CLOEXEC, mode);
        if (r < 0) {
                r = -errno;
                goto out;
        }
        *out = r;
        r = 0;
out:
        free(w.todo);
        walk_stack_free(&w.st);
        return r;
}

/* ---- openat2 ---------------------------------------------------------------------------- */

static int try_openat2(int rootfd, const char *path, int flags, mode_t mode, unsigned rflags,
                       int *out)
{
        struct open_how how = {
            .flags = (uint64_t)(unsigned)(flags | O_CLOEXEC),
            /* O_TMPFILE contains O_DIRECTORY: test all of its bits */
            .mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0,
            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        if (rflags & BERTH_RESOLVE_NO_XDEV)
                how.resolve |= RESOLVE_NO_XDEV;
        /* openat2 treats "" as an error; the root itself is "." */
        if (!*path)
                path = ".";
        for (int attempt = 0; attempt < 16; attempt++) {
                long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
                if (fd >= 0) {
                        *out = (int)fd;
                        return 0;
                }
                /* EAGAIN: a rename raced with RESOLVE_IN_ROOT's '..' check; retry. */
                if (errno != EAGAIN)
                        return -errno;
        }
        return -EAGAIN;
}

static bool use_fallback(unsigned rflags)
{
        return (rflags & BERTH_RESOLVE_FALLBACK) || atomic_load(&force_fallback) ||
               atomic_load(&openat2_missing);
}

int berth_fs_open_in_root_ex(int rootfd, const char *path, int flags, mode_t mode, unsigned rflags,
                             int *out, struct berth_error *err)
{
        int r = -ENOSYS;
        if (!use_fallback(rflags)) {
                r = try_openat2(rootfd, path, flags, mode, rflags, out);
                if (r == -ENOSYS)
                        atomic_store(&openat2_missing, true);
        }
        if (r == -ENOSYS)
                r = walk(rootfd, path, flags, mode,
                         (rflags & BERTH_RESOLVE_NO_XDEV) ? WALK_NO_XDEV : 0, out);
        if (r < 0)
                return berth_error_setsys(err, -r, "open '%.256s' inside the root", path);
        return 0;
}

int berth_fs_open_in_root(int rootfd, const char *path, int flags, mode_t mode, int *out,
                          struct berth_error *err)
{
        return berth_fs_open_in_root_ex(rootfd, path, flags, mode, 0, out, err);
}

int berth_fs_mkdir_p_in_root_ex(int rootfd, const char *path, mode_t mode, unsigned rflags,
                                int *out_fd, struct berth_error *err)
{
        int fd = -1, r = -ENOSYS;
        /* Fast path: everything already exists. */
        if (!use_fallback(rflags))
                r = try_openat2(rootfd, path, O_PATH | O_DIRECTORY, 0, rflags, &fd);
        if (r < 0)
                r = walk(rootfd, path, 0, mode,
                         WALK_MKDIR | ((rflags & BERTH_RESOLVE_NO_XDEV) ? WALK_NO_XDEV : 0), &fd);
        if (r < 0)
                return berth_error_setsys(err, -r, "create directory '%.256s' inside the root",
                                          path);
        if (out_fd)
                *out_fd = fd;
        else
                close(fd);
        return 0;
}

int berth_fs_mkdir_p_in_root(int rootfd, const char *path, mode_t mode, int *out_fd,
                             struct berth_error *err)
{
        return berth_fs_mkdir_p_in_root_ex(rootfd, path, mode, 0, out_fd, err);
}

/* ---- entries in a parent directory ------------------------------------------------------ */

int berth_fs_open_parent_in_root(int rootfd, const char *path, bool mkdir_parents, int *dirfd,
                                 char **base, struct berth_error *err)
{
        size_t len = strlen(path);
        while (len > 0 && path[len - 1] == '/')
                len--;
        size_t start = len;
        while (start > 0 && path[start - 1] != '/')
                start--;
        size_t blen = len - start;
        if (blen == 0 || (blen == 1 && path[start] == '.') ||
            (blen == 2 && path[start] == '.' && path[start + 1] == '.'))
                return berth_error_set(err, EINVAL, "path '%s' names no entry to create", path);
        if (blen > NAME_MAX)
                return berth_error_set(err, ENAMETOOLONG, "path '%s': last component too long",
                                       path);
        _cleanup_free_ char *dir = strndup(path, start);
        _cleanup_free_ char *b = strndup(path + start, blen);
        if (!dir || !b)
                return berth_error_set(err, ENOMEM, "out of memory");
        int fd = -1, r;
        if (mkdir_parents)
                r = berth_fs_mkdir_p_in_root(rootfd, dir, 0755, &fd, err);
        else
                r = berth_fs_open_in_root(rootfd, dir, O_PATH | O_DIRECTORY, 0, &fd, err);
        if (r < 0)
                return r;
        *dirfd = fd;
        *base = TAKE_PTR(b);
        return 0;
}

int berth_fs_lstat_in_root(int rootfd, const char *path, struct stat *st, struct berth_error *err)
{
        _cleanup_close_ int fd = -1;
        int r = berth_fs_open_in_root(rootfd, path, O_PATH | O_NOFOLLOW, 0, &fd, err);
        if (r < 0)
                return r;
        if (fstat(fd, st) < 0)
                return berth_error_errno(err, "stat '%.256s' inside the root", path);
        return 0;
}

int berth_fs_create_file_in_root(int rootfd, const char *path, mode_t mode, int *out_fd,
                                 struct berth_error *err)
{
        _cleanup_close_ int dfd = -1;
        _cleanup_free_ char *base = NULL;
        int r = berth_fs_open_parent_in_root(rootfd, path, true, &dfd, &base, err);
        if (r < 0)
                return r;
        int fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd >= 0)
                close(fd);
        else if (errno != EEXIST)
                return berth_error_errno(err, "create file '%.256s' inside the root", path);
        fd = openat(dfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return berth_error_errno(err, "open '%.256s' inside the root", path);
        struct stat st;
        if (fstat(fd, &st) < 0) {
                close(fd);
                return berth_error_errno(err, "stat '%.256s' inside the root", path);
        }
        if (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)) {
                close(fd);
                return berth_error_set(err, S_ISLNK(st.st_mode) ? ELOOP : EISDIR,
                                       "'%s' inside the root is a %s, not a file", path,
                                       S_ISLNK(st.st_mode) ? "symlink" : "directory");
        }
        if (out_fd)
                *out_fd = fd;
        else
                close(fd);
        return 0;
}

int berth_fs_mknod_in_root(int rootfd, const char *path, mode_t mode, dev_t dev,
                           struct berth_error *err)
{
        _cleanup_close_ int dfd = -1;
        _cleanup_free_ char *base = NULL;
        int r = berth_fs_open_parent_in_root(rootfd, path, true, &dfd, &base, err);
        if (r < 0)
                return r;
        if (mknodat(dfd, base, mode, dev) < 0)
                return berth_error_errno(err, "mknod '%.256s' inside the root", path);
        if (fchmodat(dfd, base, mode & 07777, 0) < 0)
                return berth_error_errno(err, "chmod '%.256s' inside the root", path);
        return 0;
}

int berth_fs_symlink_in_root(int rootfd, const char *target, const char *path,
                             struct berth_error *err)
{
        _cleanup_close_ int dfd = -1;
        _cleanup_free_ char *base = NULL;
        int r = berth_fs_open_parent_in_root(rootfd, path, true, &dfd, &base, err);
        if (r < 0)
                return r;
        if (symlinkat(target, dfd, base) < 0)
                return berth_error_errno(err, "symlink '%s' -> '%.256s' inside the root", path,
                                         target);
        return 0;
}

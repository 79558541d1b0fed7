/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one resolver for paths inside a container rootfs, a layer or a volume (convention 4).
 *
 * Every function takes `rootfd`, an fd of the directory that acts as "/" (any open mode,
 * O_PATH is fine), and a path that is interpreted inside it: absolute and relative paths
 * mean the same thing, ".." never climbs above the root, and symlinks (absolute or
 * relative) are resolved against the root, so nothing reached through these functions is
 * ever outside it.  Magic links (/proc/self/fd/N and friends) are never followed.
 *
 * The fast path is openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS).  When the kernel has
 * no openat2 (ENOSYS, before 5.6) a hand-written walk does the same job component by
 * component with O_PATH|O_NOFOLLOW, a budget of BERTH_FS_MAX_SYMLINKS symlinks and '..'
 * clamped at the root (as a stack of fds, never by opening ".." on disk).
 *
 * Returned fds are O_CLOEXEC and owned by the caller.  Errors are negative errno values:
 * -ENOENT (missing component), -ENOTDIR, -ELOOP (symlink budget exhausted, or a final
 * symlink with O_NOFOLLOW), -EXDEV (a mount crossed with BERTH_RESOLVE_NO_XDEV),
 * -ENAMETOOLONG, plus whatever open/mkdir/mknod returned.
 */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "basic/error.h"

#define BERTH_FS_MAX_SYMLINKS 40

/* Resolve flags for the _ex variants. */
enum {
        BERTH_RESOLVE_NO_XDEV = 1u << 0,  /* refuse to cross a mount point */
        BERTH_RESOLVE_FALLBACK = 1u << 1, /* skip openat2, always use the hand walk */
};

/* Tests only: make every call in this process use the hand walk (as on kernels < 5.6). */
void berth_fs_resolve_force_fallback(bool force);

/* open(2) `path` inside the root with `flags` (O_CLOEXEC is always added) and `mode` (used
 * with O_CREAT).  O_NOFOLLOW applies to the last component only, as with open(2); with
 * O_PATH|O_NOFOLLOW a final symlink is returned as such.  *out gets the fd. */
int berth_fs_open_in_root(int rootfd, const char *path, int flags, mode_t mode, int *out,
                          struct berth_error *err);
int berth_fs_open_in_root_ex(int rootfd, const char *path, int flags, mode_t mode, unsigned rflags,
                             int *out, struct berth_error *err);

/* mkdir -p inside the root: every missing directory is created with `mode` (minus umask)
 * and symlinked components are followed inside the root, never out of it.  *out_fd (may
 * be NULL) gets an O_PATH|O_DIRECTORY fd of the final directory, usable as the dirfd of
 * *at() calls and as a mount target.  An existing non-directory component is -ENOTDIR. */
int berth_fs_mkdir_p_in_root(int rootfd, const char *path, mode_t mode, int *out_fd,
                             struct berth_error *err);
int berth_fs_mkdir_p_in_root_ex(int rootfd, const char *path, mode_t mode, unsigned rflags,
                                int *out_fd, struct berth_error *err);

/* Open the parent directory of `path` inside the root (creating missing parents with
 * mode 0755 when mkdir_parents) and return it as an O_PATH fd plus a malloc'ed copy of the
 * last component.  A path whose last component is "", "." or ".." (such as "/") is
 * -EINVAL: it names no entry that could be created. */
int berth_fs_open_parent_in_root(int rootfd, const char *path, bool mkdir_parents, int *dirfd,
                                 char **base, struct berth_error *err);

/* lstat(2) of `path` inside the root: parents are resolved, the last component is not
 * followed (so a symlink reports S_IFLNK). */
int berth_fs_lstat_in_root(int rootfd, const char *path, struct stat *st, struct berth_error *err);

/* Make sure `path` exists as a regular file (created empty with `mode`, parents created
 * 0755) without following a symlink at any point out of the root; an existing symlink as
 * the last component is -ELOOP, an existing directory -EISDIR.  Anything else that exists
 * (file, device node, fifo) is accepted as it is and never opened for I/O.  *out_fd (may
 * be NULL) gets an O_PATH fd of it, e.g. a bind mount target. */
int berth_fs_create_file_in_root(int rootfd, const char *path, mode_t mode, int *out_fd,
                                 struct berth_error *err);

/* mknod(2) inside the root (parents created 0755).  `mode` carries the file type
 * (S_IFCHR, S_IFBLK, S_IFIFO) and permissions; the permissions are applied exactly
 * (fchmodat after creation, so the umask does not matter).  An existing entry is -EEXIST. */
int berth_fs_mknod_in_root(int rootfd, const char *path, mode_t mode, dev_t dev,
                           struct berth_error *err);

/* symlink(2): create `path` inside the root pointing at `target` (stored as given; it is
 * only ever followed through this resolver or inside the container).  Parents are created
 * 0755.  An existing entry is -EEXIST. */
int berth_fs_symlink_in_root(int rootfd, const char *target, const char *path,
                             struct berth_error *err);

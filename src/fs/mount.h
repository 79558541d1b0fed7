/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mount helpers that mount ONTO FDS: every target is an fd obtained from the resolver
 * (src/fs/resolve.h), never a path built from a container path.
 *
 * They use the new mount API (open_tree, fsopen/fsconfig/fsmount, mount_setattr,
 * move_mount with MOVE_MOUNT_T_EMPTY_PATH).  When that API is missing (ENOSYS, kernels
 * before 5.2 / 5.12 for mount_setattr) or a filesystem refuses it (EINVAL from fsconfig
 * for a legacy option string), they fall back to classic mount(2) with the target given as
 * /proc/self/fd/N of the same fd, which still names the resolved inode and nothing else.
 *
 * Attribute sets use the MOUNT_ATTR_* bits of mount_setattr(2); berth_mount_flags_to_attr
 * converts the MS_* per-mount flags of a parsed config.  No function takes ownership of a
 * caller's fd.  All return 0 or a negative errno and fill `err`.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "basic/error.h"

/* MS_RDONLY/NOSUID/NODEV/NOEXEC/NOATIME/NODIRATIME/RELATIME/STRICTATIME/NOSYMFOLLOW ->
 * MOUNT_ATTR_*.  Other bits are ignored. */
uint64_t berth_mount_flags_to_attr(unsigned long ms_flags);

/* Bind-mount `src_fd` (any fd of the source: O_PATH is fine; a file or a directory) onto
 * `target_fd`.  recursive = rbind.  `attr_set`/`attr_clr` apply to the top mount only;
 * `rattr_set`/`rattr_clr` to the whole tree (rro, rnosuid, ...).  On the new API the
 * attributes are applied to the detached copy before it is attached, so the mount is
 * never visible writable when asked read-only. */
int berth_mount_bind(int src_fd, bool recursive, uint64_t attr_set, uint64_t attr_clr,
                     uint64_t rattr_set, uint64_t rattr_clr, int target_fd,
                     struct berth_error *err);

/* A fresh filesystem of `fstype` ("proc", "sysfs", "tmpfs", "devpts", "mqueue", "cgroup",
 * "cgroup2", ...) on `target_fd`.  `source` may be NULL (then the type name is used);
 * `data` is the comma-separated option string ("mode=755,size=65536k", "newinstance") and
 * may be NULL.  `attr_set` are MOUNT_ATTR_* for the new mount. */
int berth_mount_fs(const char *fstype, const char *source, const char *data, uint64_t attr_set,
                   int target_fd, struct berth_error *err);

/* Change the attributes of the mount `fd` is the root of (or lies in).  recursive applies
 * to every mount below it too.  A fall back to MS_REMOUNT|MS_BIND keeps the flags already
 * set (statvfs) so locked flags in a user namespace are not dropped. */
int berth_mount_setattr(int fd, bool recursive, uint64_t attr_set, uint64_t attr_clr,
                        struct berth_error *err);

/* Propagation of the mount fd lies in: MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE, with
 * MS_REC for the whole tree. */
int berth_mount_set_propagation(int fd, unsigned long propagation, struct berth_error *err);

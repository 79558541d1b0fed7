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
#include "runtime/spec.h"

/* MS_RDONLY/NOSUID/NODEV/NOEXEC/NOATIME/NODIRATIME/RELATIME/STRICTATIME/NOSYMFOLLOW ->
 * MOUNT_ATTR_*.  Other bits are ignored. */
uint64_t berth_mount_flags_to_attr(unsigned long ms_flags);

/* What berth_mount_bind does besides the bind itself.  A zeroed struct is a plain,
 * non-recursive bind. */
struct berth_bind_opts {
        bool recursive;                /* rbind */
        uint64_t attr_set, attr_clr;   /* MOUNT_ATTR_* for the top mount only */
        uint64_t rattr_set, rattr_clr; /* MOUNT_ATTR_* for the whole tree (rro, ...) */
        bool idmap;                    /* id-mapped with the mappings of userns_fd */
        bool idmap_recursive;          /* ... on every mount of the tree ("ridmap") */
        int userns_fd;                 /* used only when idmap */
};

/* Bind-mount `src_fd` (any fd of the source: O_PATH is fine; a file or a directory) onto
 * `target_fd`.  On the new API the attributes and the id mapping are applied to the
 * detached copy before it is attached, so the mount is never visible writable when asked
 * read-only.  Id-mapped binds need the new API (kernel >= 5.12) and a filesystem that
 * supports them: otherwise -EINVAL/-ENOSYS with a message. */
int berth_mount_bind(int src_fd, const struct berth_bind_opts *opts, int target_fd,
                     struct berth_error *err);

/* A user namespace whose uid_map/gid_map are the given lines ("containerID hostID size"),
 * for id-mapped mounts: *out gets an fd of /proc/PID/ns/user of a short-lived child
 * (already reaped on return).  Needs CAP_SETUID/CAP_SETGID over the host ids. */
int berth_mount_make_userns(const struct berth_id_mapping *uids, size_t n_uids,
                            const struct berth_id_mapping *gids, size_t n_gids, int *out,
                            struct berth_error *err);

/* A fresh filesystem of `fstype` ("proc", "sysfs", "tmpfs", "devpts", "mqueue", "cgroup",
 * "cgroup2", ...) on `target_fd`.  `source` may be NULL (then the type name is used);
 * `data` is the comma-separated option string ("mode=755,size=65536k", "newinstance") and
 * may be NULL.  `sb_flags` are the superblock MS_* flags of the config (MS_SYNCHRONOUS,
 * MS_DIRSYNC, MS_LAZYTIME, MS_MANDLOCK, MS_I_VERSION, MS_SILENT; others ignored);
 * `attr_set` are MOUNT_ATTR_* for the new mount. */
int berth_mount_fs(const char *fstype, const char *source, const char *data, unsigned long sb_flags,
                   uint64_t attr_set, int target_fd, struct berth_error *err);

/* Change the attributes of the mount `fd` is the root of (or lies in).  recursive applies
 * to every mount below it too.  A fall back to MS_REMOUNT|MS_BIND keeps the flags already
 * set (statvfs) so locked flags in a user namespace are not dropped. */
int berth_mount_setattr(int fd, bool recursive, uint64_t attr_set, uint64_t attr_clr,
                        struct berth_error *err);

/* Propagation of the mount fd lies in: MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE, with
 * MS_REC for the whole tree. */
int berth_mount_set_propagation(int fd, unsigned long propagation, struct berth_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/* Storage internals: the store, the backend ops table and helpers shared by the backends. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "basic/error.h"
#include "image/storage.h"

#define STORAGE_CONTAINERS_DIR "containers"
#define STORAGE_LINKS_DIR      "l"
#define STORAGE_EMPTY_DIR      "empty"
#define STORAGE_DRIVER_FILE    "storage-driver"

/* The opened lower layers of one call, top first. */
struct storage_lowers {
        int *fds;     /* O_PATH|O_DIRECTORY */
        char **paths; /* absolute host paths (for the legacy option string) */
        size_t n;
};
void storage_lowers_clear(struct storage_lowers *l);

struct berth_storage;

struct berth_storage_ops {
        const char *name;
        /* 0 when the backend works under root (an existing directory). */
        int (*probe)(const char *root, struct berth_error *err);
        /* Fill the new, empty container dir cdirfd (upper/work, or the copy). */
        int (*prepare)(struct berth_storage *s, int cdirfd, const struct storage_lowers *lowers,
                       struct berth_error *err);
        /* Mount onto target_fd.  cdirfd < 0: layers only, read-only (id NULL). */
        int (*mount)(struct berth_storage *s, const char *id, int cdirfd,
                     const struct storage_lowers *lowers, int target_fd, unsigned flags,
                     struct berth_error *err);
        int (*umount)(struct berth_storage *s, const char *id, struct berth_error *err);
        int (*remove)(struct berth_storage *s, const char *id, struct berth_error *err);
        int (*diff)(struct berth_storage *s, const char *id, int cdirfd,
                    const struct storage_lowers *lowers, berth_storage_diff_fn fn, void *userdata,
                    struct berth_error *err);
};

struct berth_storage {
        const struct berth_storage_ops *ops;
        char *root;       /* absolute */
        int rootfd;       /* O_PATH|O_DIRECTORY of root */
        int layersfd;     /* <root>/layers, -1 when missing */
        int containersfd; /* <root>/containers */
};

extern const struct berth_storage_ops berth_storage_overlay_ops;
extern const struct berth_storage_ops berth_storage_vfs_ops;

/* Shared by both backends (storage.c). */
int storage_generic_umount(struct berth_storage *s, const char *id, struct berth_error *err);
int storage_generic_remove(struct berth_storage *s, const char *id, struct berth_error *err);

/* storage_copy.c: apply the layer tree at srcfd onto the directory dstfd, the way overlay
 * would show it above what dstfd holds: a 0:0 char device removes the name, an opaque dir
 * (trusted.overlay.opaque=y) is emptied first, everything else replaces what is there.
 * Owners, modes, times and xattrs (but trusted.overlay.*) are copied; hardlinks within the
 * layer stay hardlinks.  Symlinks are copied as links, never followed. */
int storage_copy_layer(int srcfd, int dstfd, struct berth_error *err);

/* True when `st` is an overlay whiteout (a 0:0 character device). */
bool storage_is_whiteout(const struct stat *st);
/* Not in the initial user namespace (then overlay runs with "userxattr" and its xattrs are
 * user.overlay.* instead of trusted.overlay.*).  Cached per namespace. */
bool storage_in_user_namespace(void);
/* 1 when the directory fd has overlay's opaque mark ("y"), trusted.overlay.opaque or, in a
 * user namespace, user.overlay.opaque; else 0. */
int storage_is_opaque(int fd);

/* Look `path` ("a/b/c", relative, no "." or "..") up in the stacked lowers like overlay
 * does (top first, whiteouts and opaque dirs honoured, no symlink followed).  1 and *st
 * filled when it exists, 0 when not. */
int storage_lowers_lookup(const struct storage_lowers *lowers, const char *path, struct stat *st);

/* Walk helper for the diff code: the path joined "parent/name" (parent "" for the top). */
char *storage_join(const char *parent, const char *name);

/* Tests only: always use the legacy option string (as on kernels before 6.8). */
void storage_overlay_force_legacy(bool on);

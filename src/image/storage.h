/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container root filesystems over the shared, unpacked image layers (<root>/layers/<dir>,
 * overlay-form whiteouts: a 0:0 char device deletes a name, trusted.overlay.opaque="y"
 * hides what the layers below hold in a directory; see src/image/layer.h).
 *
 * Two backends behind one ops table (storage_internal.h):
 *   "overlay"  <root>/containers/<id>/{upper,work}; the layers are stacked read-only under
 *              the upper dir.  Any number of layers (up to the kernel's 500): on kernel 6.8+
 *              the new mount API and overlay's "lowerdir+" take one layer per call (by fd
 *              where the kernel allows it, 6.13+), so there is no one-page limit on the
 *              option string; older kernels get the legacy option string with short
 *              relative names (<root>/l/<10 chars> symlinks to the layers), mounted from a
 *              forked child that chdir()s to <root> (the caller's cwd is never changed).
 *   "vfs"      <root>/containers/<id>/rootfs: a full copy of the flattened layers (bottom
 *              up, whiteouts and opaque dirs honoured; owners, modes, times, xattrs except
 *              trusted.overlay.*, hardlinks within a layer; reflink or copy_file_range
 *              with holes kept); mounting is a bind of the copy.
 *
 * Layout under <root>:
 *   storage-driver           the driver this root uses ("overlay\n" or "vfs\n"), written
 *                            once by the first berth_storage_open (after a real probe)
 *   containers/<id>/         upper/ work/ (overlay) or rootfs/ (vfs), and merged/: the
 *                            default mount point (berth_storage_rootfs_path)
 *   l/                       short symlinks for the legacy overlay option string
 *   empty/                   an empty directory (a second lower for read-only mounts of a
 *                            single layer: overlay needs two lowers without an upper)
 *
 * Lower layer lists are NULL-terminated arrays, TOP FIRST (like overlay's lowerdir), of
 * either names of directories under <root>/layers (one path component) or absolute host
 * paths of directories.  A list may be empty only for create/mount of a container (then the
 * container starts from an empty directory).
 *
 * Container ids: 1 to 128 characters of [A-Za-z0-9_.-], starting with a letter or digit.
 *
 * Mounts are made in the caller's mount namespace.  Everything returns 0 or a negative
 * errno and fills `err`; nothing prints.  Thread-safe for different container ids.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/error.h"

struct berth_storage;

/* The driver names. */
#define BERTH_STORAGE_OVERLAY "overlay"
#define BERTH_STORAGE_VFS     "vfs"

/* Overlay's stack limit (OVL_MAX_STACK in the kernel): lower layers per mount. */
#define BERTH_STORAGE_MAX_LAYERS 500

/* Open the storage of `root` (created 0700 with containers/, l/ and empty/ when missing).
 * driver NULL = the one recorded in <root>/storage-driver, or on first use "overlay" when a
 * probe mount (a tiny overlay in a temp dir under <root>, mounted, written to and
 * unmounted) works on the filesystem under <root>, else "vfs"; the choice is recorded.
 * An explicit driver must match the recorded one (-EEXIST otherwise: containers made by
 * the other driver would break) and "overlay" must pass the probe (-EOPNOTSUPP).
 * Unknown driver names are -EINVAL.  *out is owned by the caller. */
int berth_storage_open(const char *root, const char *driver, struct berth_storage **out,
                       struct berth_error *err);
void berth_storage_close(struct berth_storage *s);

/* "overlay" or "vfs" (static string). */
const char *berth_storage_driver(const struct berth_storage *s);

/* Run the probe again without caching: 0 when overlay works under `root` (an existing
 * directory), -errno of the failing step otherwise. */
int berth_storage_probe_overlay(const char *root, struct berth_error *err);

/* Make the writable layer of container `id` over `lowers`: overlay creates
 * containers/<id>/{upper,work,merged}; vfs copies the flattened layers into
 * containers/<id>/rootfs (and creates merged).  -EEXIST when the container dir exists.
 * On failure nothing of containers/<id> is left; a process killed midway leaves a partial
 * dir that berth_storage_remove() cleans up (the caller's database decides it is garbage). */
int berth_storage_create_rw(struct berth_storage *s, const char *id, const char *const *lowers,
                            struct berth_error *err);

enum {
        BERTH_STORAGE_MOUNT_RO = 1u << 0, /* read-only mount (overlay: the upper becomes the
                                           * top lower, nothing can be written) */
};

/* Mount the root filesystem of container `id` onto target_fd (any fd of a directory,
 * O_PATH is fine; not closed), or onto containers/<id>/merged when target_fd < 0.
 * The default target already being a mount point is -EBUSY (umount first).
 * `lowers` must be the list given to create_rw (overlay stacks them again; vfs ignores
 * them).  id NULL = a read-only mount of just the layers, for inspecting or exporting an
 * image (overlay only: vfs has no copy to show and returns -EOPNOTSUPP; target_fd must
 * then be >= 0 and lowers non-empty).  Options used and why: see storage_overlay.c. */
int berth_storage_mount(struct berth_storage *s, const char *id, const char *const *lowers,
                        int target_fd, unsigned flags, struct berth_error *err);

/* Unmount containers/<id>/merged (every mount stacked there; lazily, MNT_DETACH).  Not
 * mounted is fine (0).  Mounts the caller made on its own target_fd are its to unmount. */
int berth_storage_umount(struct berth_storage *s, const char *id, struct berth_error *err);

/* Unmount (as above), then remove containers/<id> without following symlinks or crossing
 * mounts (-EBUSY when something is still mounted inside).  A missing container is 0. */
int berth_storage_remove(struct berth_storage *s, const char *id, struct berth_error *err);

/* "<root>/containers/<id>/merged", malloc'ed: the default mount point. */
int berth_storage_rootfs_path(struct berth_storage *s, const char *id, char **out,
                              struct berth_error *err);

/* Remove the short links in <root>/l (legacy overlay option strings) whose layer is gone.
 * *removed (may be NULL) gets how many.  Safe while other processes mount: a link is only
 * removed when its target does not exist. */
int berth_storage_prune_links(struct berth_storage *s, size_t *removed, struct berth_error *err);

enum berth_storage_change_kind {
        BERTH_CHANGE_ADDED = 'A',
        BERTH_CHANGE_CHANGED = 'C',
        BERTH_CHANGE_DELETED = 'D',
};

struct berth_storage_change {
        enum berth_storage_change_kind kind;
        const char *path; /* "/etc/passwd": absolute inside the container, no trailing '/' */
        bool opaque;      /* a directory whose lower contents are all hidden (overlay's
                           * opaque dir; commit writes ".wh..wh..opq" for it) */
};

/* Called once per change, parents before children; a non-zero return stops the walk and is
 * returned by berth_storage_diff.  `change` is valid only during the call. */
typedef int (*berth_storage_diff_fn)(const struct berth_storage_change *change, void *userdata);

/* What container `id` changed relative to `lowers` (the list given to create_rw), in
 * readdir order within a directory.  overlay walks the upper dir: a 0:0 char device is
 * Deleted (the entry only, not what was below it), an entry that exists in the lowers is
 * Changed, else Added; everything inside an added or opaque directory is Added.  vfs
 * flattens the lowers into a scratch dir under <root>/containers and compares both trees
 * (type, mode, owner, size, mtime, symlink target): slower, one extra copy of the image.
 * Directories are Changed when their own metadata changed (vfs) or when they were copied
 * up (overlay), which is the case for the parents of every change.  Does not need the
 * container mounted. */
int berth_storage_diff(struct berth_storage *s, const char *id, const char *const *lowers,
                       berth_storage_diff_fn fn, void *userdata, struct berth_error *err);

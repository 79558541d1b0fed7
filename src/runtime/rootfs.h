/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's filesystem view, executed in the child inside its new mount namespace.
 * Every target inside the rootfs is resolved with the safe resolver (src/fs/resolve.h):
 * a symlinked mount target, /dev, /dev/null or /proc is refused without touching the host.
 *
 * Order (runtime spec): berth_rootfs_prepare (propagation, rootfs bind, mounts, devices,
 * /dev links) -> [createRuntime/createContainer hooks] -> berth_rootfs_pivot ->
 * berth_rootfs_finalize (sysctl, masked and read-only paths, read-only root).
 */
#pragma once

#include <stdbool.h>

#include "basic/error.h"
#include "cgroup/cgroup.h"
#include "runtime/spec.h"

struct berth_rootfs_ctx {
        const struct berth_spec *spec;
        const char *rootfs; /* absolute host path of the root filesystem */
        const char *bundle; /* absolute bundle path (relative mount sources resolve here) */
        bool no_pivot;      /* --no-pivot: MS_MOVE + chroot */
        bool in_userns;     /* we are in a new user namespace (mknod impossible: bind) */
        bool new_cgroupns;  /* cgroup mounts are fresh mounts, not binds */
        const struct berth_cgroup_mountinfo *cgroup_mounts;
        size_t n_cgroup_mounts;
};

int berth_rootfs_prepare(const struct berth_rootfs_ctx *ctx, struct berth_error *err);
int berth_rootfs_pivot(const struct berth_rootfs_ctx *ctx, struct berth_error *err);
int berth_rootfs_finalize(const struct berth_rootfs_ctx *ctx, struct berth_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI config (config.json) for a `berth run`: an image config plus the run options,
 * with Docker's defaults (capabilities, mounts, masked paths, device cgroup rules, seccomp
 * profile).  The result is a jansson object in the shape src/runtime/spec.h parses.
 *
 * What Docker does that is not here: published ports and networks beyond the namespace
 * choice, and volumes (image Volumes and -v/--mount are set up by the engine's volume code,
 * which adds its mounts to the returned object).  --privileged grants every capability and
 * lifts seccomp, masked/read-only paths and the device cgroup, but does not copy the host's
 * /dev nodes into the container.  A seccomp=PATH profile is used as written: it must be an
 * OCI linux.seccomp object (Docker's own profile format with archMap/includes is not
 * converted).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "basic/error.h"
#include "engine/runopts.h"

/* image/manifest.h and runtime/spec.h both define struct berth_kv, so this header names the
 * image config without including it; berth_runspec_build() copies the fields it needs
 * into this borrowed view (no ownership) and calls berth_runspec_build_from(). */
struct berth_image_config;
struct berth_runspec_image {
        char **env, **entrypoint, **cmd; /* NULL-terminated, NULL when absent */
        const char *user, *working_dir;
};

/* Facts about the host the spec depends on (tests pass their own). */
struct berth_runspec_host {
        struct rlimit rlimits[RLIMIT_NLIMITS]; /* current limits of the engine process */
        char cpus_online[256];                 /* "0-1" (/sys/devices/system/cpu/online) */
        char mems_online[256];                 /* "0" (/sys/devices/system/node/online) */
        char *init_path;       /* host path of the --init binary, NULL: --init is refused */
        uint64_t cap_bounding; /* the engine's bounding set: what "ALL" can grant; 0: no limit */
};

/* Fill h from getrlimit(2) and sysfs. */
int berth_runspec_host_probe(struct berth_runspec_host *h, struct berth_error *err);

/* Build the config.  img may be NULL (no image defaults).  rootfs_fd (-1: none) is used to
 * resolve user and group names through /etc/passwd and /etc/group inside the rootfs
 * (src/fs/resolve.h; only regular files of at most 4 MiB are read, never a FIFO or a
 * device); without it only numeric users work.  host NULL means berth_runspec_host_probe().
 * On success *out is a new reference the caller owns.  Errors (-EINVAL) name the option
 * and value: "no command specified", "ulimit nofile: hard limit 30000 is above the host's
 * hard limit 20000", "unable to find user bob: no matching entries in passwd file". */
int berth_runspec_build(const struct berth_image_config *img, const struct berth_run_opts *o,
                        int rootfs_fd, const struct berth_runspec_host *host, json_t **out,
                        struct berth_error *err);

int berth_runspec_build_from(const struct berth_runspec_image *img, const struct berth_run_opts *o,
                             int rootfs_fd, const struct berth_runspec_host *host, json_t **out,
                             struct berth_error *err);

/* The process arguments Docker runs: --entrypoint replaces the image's Entrypoint and
 * clears its Cmd; args replace the image's Cmd.  Malloc'ed vector; an empty result is
 * -EINVAL "no command specified". */
int berth_runspec_args(const struct berth_runspec_image *img, const struct berth_run_opts *o,
                       char ***out, struct berth_error *err);

/* The effective capability mask: Docker's 14 defaults + cap_add - cap_drop ("ALL" in
 * either); with privileged or --cap-add ALL every capability up to the kernel's last one
 * that is in host->cap_bounding (host may be NULL: no limit), since a capability the engine
 * itself lacks cannot be granted. */
int berth_runspec_caps(const struct berth_run_opts *o, const struct berth_runspec_host *host,
                       uint64_t *out, struct berth_error *err);

/* Resolve "user[:group]" (NULL or "": root) inside the rootfs.  *gids (malloc'ed, may be
 * NULL with *n_gids 0) gets the supplementary groups from /etc/group membership and
 * group_add.  *home (may be NULL) gets the passwd home directory, or NULL. */
int berth_runspec_resolve_user(int rootfs_fd, const char *user, char *const *group_add,
                               uint32_t *uid, uint32_t *gid, uint32_t **gids, size_t *n_gids,
                               char **home, struct berth_error *err);

/* Docker's default maskedPaths and readonlyPaths (NULL-terminated, static). */
extern const char *const berth_runspec_masked_paths[];
extern const char *const berth_runspec_readonly_paths[];

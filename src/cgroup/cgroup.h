/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroups for one container, behind one ops table with backends for cgroup v1, v2 and
 * hybrid hosts (v1 controllers plus a cgroup2 mount at /sys/fs/cgroup/unified, as on these
 * machines).  Every function takes the cgroupfs root so unit tests can point it at a fake
 * tree in a temporary directory.
 *
 * Ownership: berth_cgroup_new() returns an object the caller frees with berth_cgroup_free();
 * strings passed in are copied.
 *
 * Behaviour worth knowing:
 *   - v1/hybrid: the hierarchies are the cgroup mounts directly under fsroot (from
 *     /proc/self/mountinfo; a fake tree is listed instead).  Every hierarchy, name=systemd
 *     included, gets the container's directory; on hybrid so does <fsroot>/unified.
 *     hugetlb limits go to the unified hierarchy when only cgroup2 has hugetlb.
 *   - v2: device rules become an eBPF program (BPF_CGROUP_DEVICE); memory.swappiness,
 *     kernel memory and disableOOMKiller have no v2 file and are ignored; realtime cpu,
 *     net_cls and net_prio are -ENOTSUP.  memory.swap.max is skipped when the kernel has
 *     no swap accounting.
 *   - A controller the host lacks but the resources need is -ENOTSUP naming it.
 *   - destroy removes the container's directory and any cgroups below it (never a parent);
 *     a missing directory is fine.
 * Errors: negative errno, message in *err naming the file or field and the value.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "basic/error.h"
#include "runtime/spec.h"

enum berth_cgroup_mode {
        BERTH_CGROUP_V1,     /* only v1 hierarchies */
        BERTH_CGROUP_V2,     /* unified hierarchy at the root */
        BERTH_CGROUP_HYBRID, /* v1 controllers + cgroup2 at <root>/unified */
};

/* Look at <fsroot> (normally "/sys/fs/cgroup") and tell the mode. */
int berth_cgroup_detect(const char *fsroot, enum berth_cgroup_mode *mode, struct berth_error *err);

struct berth_cgroup;

/* A cgroup for container `id`.  cgroups_path is linux.cgroupsPath: NULL/empty means
 * "/berth/<id>"; a relative path is taken below the root; "slice:prefix:name" (systemd
 * notation) maps to "<slice path>/<prefix>-<name>.scope".  Nothing is created yet. */
int berth_cgroup_new(const char *fsroot, const char *cgroups_path, const char *id,
                     struct berth_cgroup **out, struct berth_error *err);
void berth_cgroup_free(struct berth_cgroup *cg);

/* Create the directories (in every v1 controller on v1/hybrid) and apply `res` (may be
 * NULL).  Joining an existing cgroup (it already exists) is not an error. */
int berth_cgroup_create(struct berth_cgroup *cg, const struct berth_resources *res,
                        struct berth_error *err);
/* An O_DIRECTORY fd of the unified cgroup for clone3(CLONE_INTO_CGROUP), or -1 when the
 * host is not pure v2 (the caller then uses berth_cgroup_enter). Caller closes. */
int berth_cgroup_open_unified_fd(struct berth_cgroup *cg);
/* Move pid into the cgroup (every hierarchy). */
int berth_cgroup_enter(struct berth_cgroup *cg, pid_t pid, struct berth_error *err);
int berth_cgroup_update(struct berth_cgroup *cg, const struct berth_resources *res,
                        struct berth_error *err);
int berth_cgroup_freeze(struct berth_cgroup *cg, bool frozen, struct berth_error *err);
/* "frozen" / "thawed" state as read from the freezer. */
int berth_cgroup_is_frozen(struct berth_cgroup *cg, bool *frozen, struct berth_error *err);
/* All pids in the cgroup (recursively), malloc'ed. */
int berth_cgroup_pids(struct berth_cgroup *cg, pid_t **pids, size_t *n, struct berth_error *err);
/* Signal every process in the cgroup (freeze, signal, thaw, so none escapes by forking). */
int berth_cgroup_kill_all(struct berth_cgroup *cg, int sig, struct berth_error *err);
/* Statistics in the shape of runc's `events --stats` "data" object (cpu, memory, pids,
 * blkio, hugetlb). */
int berth_cgroup_stats(struct berth_cgroup *cg, json_t **out, struct berth_error *err);
/* Remove the directories (they must be empty of processes; retries briefly on EBUSY). */
int berth_cgroup_destroy(struct berth_cgroup *cg, struct berth_error *err);
/* Did the kernel OOM-kill something in this cgroup (memory.events oom_kill / v1 oom_control)? */
int berth_cgroup_oom_killed(struct berth_cgroup *cg, bool *killed, struct berth_error *err);

/* Persist / restore for the runtime's state.json. */
json_t *berth_cgroup_to_json(const struct berth_cgroup *cg);
int berth_cgroup_from_json(const char *fsroot, json_t *j, struct berth_cgroup **out,
                           struct berth_error *err);

/* What a "cgroup" mount inside the container needs: one entry per hierarchy the host has
 * (v1 controller directory such as "cpu,cpuacct" or "memory", "unified" on hybrid, "" for
 * pure v2), with the host path of this container's cgroup in it. */
struct berth_cgroup_mountinfo {
        char *name;           /* directory name under /sys/fs/cgroup in the container ("" = root) */
        char *host_path;      /* absolute host path of the container's cgroup in that hierarchy */
        char *fstype;         /* "cgroup" or "cgroup2" */
        char *options;        /* mount data for a fresh mount inside a cgroup namespace */
        char *symlink_target; /* non-NULL for co-mount alias links ("cpu" -> "cpu,cpuacct") */
};
/* Alias entries carry only name and symlink_target (host_path, fstype, options are NULL);
 * they come after the hierarchy entries.  Free with berth_cgroup_mountinfo_free(). */
int berth_cgroup_mountinfo(const struct berth_cgroup *cg, struct berth_cgroup_mountinfo **out,
                           size_t *n, struct berth_error *err);
void berth_cgroup_mountinfo_free(struct berth_cgroup_mountinfo *m, size_t n);

/* Pure translation of OCI resources to cgroup v2 file writes, exposed for unit tests:
 * fills a malloc'ed array of {file, value} pairs in the order they must be written. */
int berth_cgroup_v2_translate(const struct berth_resources *res, struct berth_kv **out, size_t *n,
                              struct berth_error *err);

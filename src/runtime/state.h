/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-container state directory <root>/<id>/ (root mode 0700):
 *   state.json   written atomically once the init is ready (see struct berth_state)
 *   config.json  the bundle's config as it was at create (exec and poststop read it)
 *   exec.fifo    exists while the container is "created"; `start` writes a byte to it
 * A flock on the directory fd serialises commands on one container.
 *
 * Status derivation: no state.json yet -> "creating"; init gone, a zombie, or its start
 * time differs from the recorded one (pid reuse) -> "stopped"; exec.fifo present ->
 * "created"; freezer frozen -> "paused"; else "running".
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "basic/error.h"
#include "runtime/spec.h"

#define BERTH_ID_MAX 1024

/* [A-Za-z0-9][A-Za-z0-9_.-]*, at most BERTH_ID_MAX bytes; never "." / "..". */
int berth_state_validate_id(const char *id, struct berth_error *err);

struct berth_state {
        char *id;
        char *bundle;
        char *rootfs;
        pid_t pid;
        uint64_t start_time;             /* /proc/PID/stat field 22 */
        char *created;                   /* RFC 3339 with nanoseconds, UTC */
        char *owner;                     /* "" for root as runc */
        json_t *annotations;             /* object (owned) */
        json_t *cgroup;                  /* berth_cgroup_to_json() (owned) */
        char *cgroupfs_root;             /* NULL: /sys/fs/cgroup */
        char *ns_paths[BERTH_NS__COUNT]; /* /proc/PID/ns/x of namespaces the container
                                            has (new or joined), NULL otherwise */
        bool userns;                     /* a new user namespace was made */
        uint32_t hook_mask;              /* bit k: the config has hooks of kind k */
};

void berth_state_free(struct berth_state *s);
static inline void berth_state_freep(struct berth_state **s)
{
        berth_state_free(*s);
}
#define _cleanup_state_ __attribute__((cleanup(berth_state_freep)))

/* Make the root (mkdir -p, mode 0700) and open it O_DIRECTORY. */
int berth_state_open_root(const char *root, bool create, int *rootfd, struct berth_error *err);

/* Create <root>/<id> (mode 0700); an existing one is
 * "container 'x' already exists" (-EEXIST).  Returns an fd to the directory, locked. */
int berth_state_create_dir(int rootfd, const char *id, int *dirfd, struct berth_error *err);
/* Open and lock an existing container's directory; missing -> "container 'x' does not
 * exist" (-ENOENT). */
int berth_state_open_dir(int rootfd, const char *id, int *dirfd, struct berth_error *err);
/* Remove <root>/<id> with everything in it. */
int berth_state_remove_dir(int rootfd, const char *id);

int berth_state_write(int dirfd, const struct berth_state *s, struct berth_error *err);
/* -ENOENT (no message) when state.json is not there yet. */
int berth_state_read(int dirfd, struct berth_state **out, struct berth_error *err);

/* Start time of pid (field 22 of /proc/PID/stat), and whether it is a zombie. */
int berth_proc_start_time(pid_t pid, uint64_t *start_time, bool *zombie);

enum berth_status {
        BERTH_STATUS_CREATING,
        BERTH_STATUS_CREATED,
        BERTH_STATUS_RUNNING,
        BERTH_STATUS_PAUSED,
        BERTH_STATUS_STOPPED,
};
const char *berth_status_to_string(enum berth_status st);

/* Status from the state (NULL = no state.json yet) and the directory; `frozen` comes
 * from the cgroup freezer (the caller asks the cgroup). */
enum berth_status berth_state_status(int dirfd, const struct berth_state *s, bool frozen);

/* The OCI state object (with runc's rootfs/created/owner). */
json_t *berth_state_to_oci(const struct berth_state *s, enum berth_status st);

/* Current time as RFC 3339 with nanoseconds ("2026-11-25T16:00:00.123456789Z"). */
char *berth_now_rfc3339(void);

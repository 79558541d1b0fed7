/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to the runtime core (container.c, child.c, ops.c, exec.c): not a public API. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "basic/error.h"
#include "cgroup/cgroup.h"
#include "runtime/container.h"
#include "runtime/rootfs.h"
#include "runtime/seccomp.h"
#include "runtime/spec.h"
#include "runtime/state.h"

#define CGROUPFS_ROOT_DEFAULT "/sys/fs/cgroup"

/* Everything the create path prepares in the parent; the child only carries it out. */
struct create_ctx {
        const struct berth_create_opts *opts;
        const char *root;
        int rootfd, dirfd;
        bool dir_created;
        struct berth_spec *spec;
        char *config_buf; /* config.json as read (saved in the state dir) */
        size_t config_len;
        char *bundle, *rootfs; /* absolute */
        struct berth_cgroup *cg;
        bool cg_created;
        struct berth_seccomp_bpf bpf;
        bool has_bpf;
        struct berth_cgroup_mountinfo *cgmi;
        size_t n_cgmi;
        struct berth_rootfs_ctx rctx;
        int ns_fds[BERTH_NS__COUNT]; /* namespaces to join (-1: none) */
        bool slow_path;              /* joins or time ns: clone plain, setns/unshare, fork */
        bool unshare_cgroupns;       /* cgroup ns made after the cgroup join */
        int clone_ns_flags;          /* fast path: CLONE_NEW* for clone3 */
        int unshare_flags;           /* slow path: CLONE_NEW* to unshare */
        bool need_fork;              /* slow path: pid (or time) ns needs an extra fork */
        bool userns;                 /* a new user namespace */
        bool setgroups_allowed;
        int sync[2];
        int fifo_fd;         /* exec.fifo, read side */
        int start_listen_fd; /* start.sock (sync.h: the start report), kept by the init */
        int console_fd;      /* connected --console-socket, or -1 */
        int cgroup_fd;       /* CLONE_INTO_CGROUP target or -1 */
        bool pty_to_parent;  /* terminal without console socket: master via sync */
        pid_t child;         /* our direct child */
        pid_t pid;           /* the container's init */
        int pty_master;      /* received master (run without console socket) */
        char *state_json;    /* OCI state for the hooks */
        uint32_t hook_mask;
        int exec_failed_status; /* 127/126: the executable could not be found/run */
        bool run_mode;          /* berth_container_run: it proxies the pty itself */
};

void create_ctx_init(struct create_ctx *c, const struct berth_create_opts *opts);
void create_ctx_destroy(struct create_ctx *c);
/* Undo everything create made (kill the init, destroy the cgroup, remove the state). */
void create_ctx_rollback(struct create_ctx *c);
/* The whole create; on success the state directory stays locked (c->dirfd). */
int create_container(struct create_ctx *c, struct berth_error *err);

/* The child side (child.c).  Never returns. */
_Noreturn void berth_child_main(struct create_ctx *c);

/* Child helpers shared with exec: chdir refusing a cwd outside the root
 * (CVE-2024-21626); mark every fd >= 3+preserve close-on-exec, clear it on 3..3+preserve-1. */
int berth_child_chdir(const char *cwd, struct berth_error *err);
int berth_child_fds(unsigned preserve, struct berth_error *err);
/* linux.personality (not part of the process: applied by us before finalize). */
int berth_child_personality(const struct berth_spec *s, struct berth_error *err);

/* execvpe semantics with the container's PATH; on success *path is malloc'ed. */
int berth_exec_lookup(char *const *env, const char *file, char **path, struct berth_error *err);

/* Load a container for a command: opened root and locked dir, its state, its cgroup and
 * its status. */
struct loaded {
        int rootfd, dirfd;
        struct berth_state *st;
        struct berth_cgroup *cg;
        enum berth_status status;
};
int berth_load(const char *root, const char *id, bool lock, struct loaded *l,
               struct berth_error *err);
void berth_loaded_free(struct loaded *l);
/* Parse the config.json saved in the state directory. */
int berth_load_saved_config(int dirfd, struct berth_spec **spec, struct berth_error *err);
/* Start a created container whose dir is open and locked. */
int berth_start_locked(struct loaded *l, struct berth_error *warn, struct berth_error *err);
/* Delete (state, cgroup, poststop hooks) a stopped container whose dir is locked. */
int berth_destroy_locked(struct loaded *l, const char *id, struct berth_error *warn,
                         struct berth_error *err);

/* Write the pid file atomically ("%d", no newline). */
int berth_write_pid_file(const char *path, pid_t pid, struct berth_error *err);

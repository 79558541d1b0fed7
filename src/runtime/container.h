/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime core as a library: the OCI lifecycle (create, start, run, state, kill,
 * delete, list, ps, pause, resume, update, events, exec) over a state root directory.
 * berth-runtime (runc's command line) is a thin front end over this API, and the berth
 * engine calls it directly, without a runtime process per container.
 *
 * Nothing here prints or exits; every function returns 0 or a negative errno and fills
 * `err` (may be NULL).  Commands on one container are serialised by a flock on its state
 * directory (see state.h).
 *
 * Processes: create forks the container's init and returns once it is ready (waiting on
 * its exec fifo); the caller may exit, the init is then reparented.  run (without detach)
 * waits for it, forwarding signals, and returns its exit status.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "basic/error.h"
#include "runtime/spec.h"

#define BERTH_RUNTIME_DEFAULT_ROOT "/run/berth-runtime"

struct berth_create_opts {
        const char *root;           /* state root (NULL: BERTH_RUNTIME_DEFAULT_ROOT) */
        const char *id;             /* container id (validated) */
        const char *bundle;         /* bundle directory (NULL: current directory) */
        const char *console_socket; /* unix stream socket path for the pty master */
        const char *pid_file;       /* written atomically with the init's host pid */
        bool no_pivot;              /* MS_MOVE + chroot instead of pivot_root */
        bool no_new_keyring;        /* accepted (berth never creates a session keyring) */
        unsigned preserve_fds;      /* pass fds 3 .. 3+N-1 to the container */
        bool detach;                /* run: return once started */
        bool keep;                  /* run: keep the state after exit */
        const char *cgroupfs_root;  /* NULL: /sys/fs/cgroup (tests point it elsewhere) */
        int *pty_master;            /* create with process.terminal and no console socket:
                                       receives the pty master (caller closes); without it
                                       such a create is refused */
};

/* Result of berth_container_run. */
struct berth_run_result {
        pid_t pid;                  /* container init (host pid) */
        int exit_status;            /* exit code, or 128+signal; valid when !detach */
        struct berth_error warning; /* poststart/poststop hook failures (code 0: none) */
};

/* Create: parse <bundle>/config.json once, validate, make the cgroup and the state
 * directory, start the init in its namespaces and leave it waiting for `start`.
 * On failure nothing is left behind (no state, cgroup, process or mount).
 * *pid (may be NULL) receives the init's host pid. */
int berth_container_create(const struct berth_create_opts *opts, pid_t *pid,
                           struct berth_error *err);

/* Start a created container (opens its exec fifo), then run the poststart hooks (their
 * failure is only a warning, reported in *warn when non-NULL). */
int berth_container_start(const char *root, const char *id, struct berth_error *warn,
                          struct berth_error *err);

/* create + start (+ wait unless opts->detach).  Signals received while waiting are
 * forwarded to the init; with process.terminal and no console socket the pty is proxied
 * to our stdio.  Without keep the container is deleted after it exits.
 * An executable that cannot be found/run makes the result 127/126 with r == 0 and
 * err filled (the caller prints the message). */
int berth_container_run(const struct berth_create_opts *opts, struct berth_run_result *res,
                        struct berth_error *err);

/* The OCI state JSON (ociVersion, id, status, pid, bundle, annotations; plus rootfs,
 * created, owner as runc).  Caller json_decref()s *out. */
int berth_container_state(const char *root, const char *id, json_t **out, struct berth_error *err);

/* List every container under root as an array of state objects (as above). */
int berth_container_list(const char *root, json_t **out, struct berth_error *err);

/* Send sig to the init, or with all to every process of the container's cgroup. */
int berth_container_kill(const char *root, const char *id, int sig, bool all,
                         struct berth_error *err);

/* Delete a stopped (or created) container: poststop hooks (warnings in *warn), cgroup,
 * state.  With force a running or paused container is killed first. */
int berth_container_delete(const char *root, const char *id, bool force, struct berth_error *warn,
                           struct berth_error *err);

/* Host pids of every process in the container's cgroup (malloc'ed). */
int berth_container_pids(const char *root, const char *id, pid_t **pids, size_t *n,
                         struct berth_error *err);

int berth_container_pause(const char *root, const char *id, struct berth_error *err);
int berth_container_resume(const char *root, const char *id, struct berth_error *err);

/* Apply new resource limits to a running/paused/created container. */
int berth_container_update(const char *root, const char *id, const struct berth_resources *res,
                           struct berth_error *err);

/* runc's `events --stats` data object for the container.  *out to json_decref(). */
int berth_container_stats(const char *root, const char *id, json_t **out, struct berth_error *err);

/* Whether the container is still alive ("running"/"paused"/"created"), for events. */
/* Has the kernel OOM-killed a process of the container (for events' "oom")? */
int berth_container_oom_killed(const char *root, const char *id, bool *killed,
                               struct berth_error *err);

int berth_container_status(const char *root, const char *id, char **status,
                           struct berth_error *err);

struct berth_exec_opts {
        const char *root;
        const char *id;
        /* The process: either process_json (runc exec -p; takes precedence) or args. */
        const char *process_json;
        char **args;
        const char *cwd;        /* NULL: the container's process.cwd */
        char **env;             /* appended to the container's env (NAME=value) */
        const char *user;       /* "uid[:gid]", NULL: the container's user; a different user
                                   than the config's drops the config's additionalGids */
        char **additional_gids; /* "-g GID" (repeatable, or "1,2"): added to the user's */
        bool ignore_paused;     /* allow an exec into a paused container (it stays frozen
                                   until resume); without it such an exec is refused */
        char **caps;            /* added capabilities ("CAP_x") */
        bool no_new_privs;      /* force no_new_privileges */
        bool tty;               /* allocate a pty */
        const char *console_socket;
        const char *pid_file;
        bool detach;
        unsigned preserve_fds;
        const char *process_label;
        const char *apparmor;
};

/* Run a process in a running container.  Without detach, waits and stores the exit
 * status (128+signal) in *exit_status; *pid (may be NULL) gets the host pid.  An
 * executable that cannot be found/run gives r == 0, *exit_status 127/126 and err filled. */
int berth_container_exec(const struct berth_exec_opts *opts, pid_t *pid, int *exit_status,
                         struct berth_error *err);

/* CVE-2019-5736: unless /proc/self/exe is already a sealed memfd, copy it into one,
 * seal it and fexecve it with argv and the current environment.  Returns 0 when already
 * sealed, a negative errno on error; otherwise does not return. */
int berth_selfexe_ensure_sealed(char **argv, struct berth_error *err);
/* Is /proc/self/exe a memfd with the seals berth puts on it? */
bool berth_selfexe_is_sealed(void);

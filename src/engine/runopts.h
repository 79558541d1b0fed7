/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The values of Docker's `run`/`create` flags, parsed and validated, as the engine holds
 * them before it builds an OCI config (src/engine/runspec.h).
 *
 * Each value kind has its own parser (berth_runopt_parse_*): it returns 0 or a negative
 * errno and fills err with the message Docker prints for that value ("invalid size:
 * '12xb'").  berth_runopt_set() applies one flag by its long name and wraps a parser's
 * message the way Docker's flag library does:
 *     invalid argument "12xb" for "-m, --memory" flag: invalid size: '12xb'
 *
 * Ownership: every string and array in struct berth_run_opts is malloc'ed and owned by the
 * struct; berth_run_opts_free() releases all of it.  Initialise with berth_run_opts_init().
 * Publishing ports and volumes are not part of this struct (they come later).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"

/* --ulimit name=soft[:hard]; resource is RLIMIT_*, UINT64_MAX means unlimited (-1). */
struct berth_ulimit {
        int resource;
        uint64_t soft, hard;
};

/* --device /dev/host[:/dev/container][:rwm] */
struct berth_run_device {
        char *host_path;
        char *container_path;
        char access[4]; /* subset of "rwm", in that order */
};

enum berth_restart_mode {
        BERTH_RESTART_NO,
        BERTH_RESTART_ON_FAILURE,
        BERTH_RESTART_ALWAYS,
        BERTH_RESTART_UNLESS_STOPPED,
};

struct berth_restart_policy {
        enum berth_restart_mode mode;
        int max_retries; /* on-failure:N, 0 = unlimited */
};

enum berth_network_mode {
        BERTH_NETWORK_PRIVATE, /* default: a new network namespace */
        BERTH_NETWORK_NONE,    /* a new namespace with only loopback */
        BERTH_NETWORK_HOST,    /* the host's namespace */
        BERTH_NETWORK_CONTAINER,
};

struct berth_run_opts {
        char *id; /* container id (hex); the default hostname is its first 12 chars */
        char *name, *hostname, *domainname;
        char **env; /* "KEY=VALUE"; a bare "KEY" must be resolved by the caller (it is skipped) */
        char *workdir;
        char *user;       /* "user[:group]", names or numbers; NULL: the image's */
        char **group_add; /* names or numbers */
        char *entrypoint; /* with entrypoint_set: "" resets the image's entrypoint */
        bool entrypoint_set;
        char **cmd; /* args after the image name; NULL or empty: the image's Cmd */
        bool tty, interactive;
        char **labels;      /* "k=v" */
        char **annotations; /* "k=v" */
        bool init;
        bool read_only;
        char **tmpfs;     /* "/run[:opts]" */
        int64_t shm_size; /* bytes, 0: default 64m */
        bool privileged;
        char **cap_add, **cap_drop; /* normalised "CAP_X" or "ALL" */
        bool no_new_privileges;
        bool seccomp_unconfined;
        char *seccomp_profile; /* JSON text of an OCI linux.seccomp object (seccomp=PATH) */
        struct berth_run_device *devices;
        size_t n_devices;
        char **sysctls; /* "k=v" */
        struct berth_ulimit *ulimits;
        size_t n_ulimits;
        int64_t memory, memory_swap, memory_reservation; /* 0 unset; swap -1 unlimited */
        int64_t nano_cpus;                               /* --cpus x 1e9, 0 unset */
        int64_t cpu_shares, cpu_quota, cpu_period;       /* 0 unset */
        char *cpuset_cpus, *cpuset_mems;
        int64_t pids_limit; /* 0 unset, -1 unlimited */
        int blkio_weight;   /* 0 unset, else 10..1000 */
        bool oom_kill_disable;
        bool has_oom_score_adj;
        int oom_score_adj;
        struct berth_restart_policy restart;
        int stop_signal;  /* 0: image's or SIGTERM */
        int stop_timeout; /* seconds, -1 unset */
        char *health_cmd;
        bool no_healthcheck;
        int64_t health_interval_ns, health_timeout_ns, health_start_period_ns,
            health_start_interval_ns; /* 0 unset */
        int health_retries;           /* 0 unset */
        char *log_driver;
        char **log_opts; /* "k=v" */
        enum berth_network_mode network;
        char *network_container; /* container:NAME */
        char *network_ns_path;   /* with CONTAINER: the netns to join (set by the engine) */
};

void berth_run_opts_init(struct berth_run_opts *o);
void berth_run_opts_free(struct berth_run_opts *o); /* fields only; re-initialises */

/* Apply one flag by its long name without dashes ("memory", "cpus", "cap-add", "env",
 * "entrypoint", ...) to o.  List flags append.  Unknown flag: -ENOENT.  A bad value:
 * -EINVAL with Docker's `invalid argument "V" for "-m, --memory" flag: ...` message. */
int berth_runopt_set(struct berth_run_opts *o, const char *flag, const char *value,
                     struct berth_error *err);

/* Parse the contents of an --env-file (KEY=VALUE lines, # comments, blank lines; a bare
 * KEY is kept as is for the caller to resolve) and append to o->env.  A line with
 * whitespace in the name is -EINVAL ("variable 'A B' contains whitespaces"). */
int berth_runopt_parse_env_file(struct berth_run_opts *o, const char *buf, size_t len,
                                struct berth_error *err);

/* Value parsers.  Messages are Docker's where known. */
int berth_runopt_parse_memory(const char *s, int64_t *out, struct berth_error *err);
/* like memory, "-1" is unlimited */
int berth_runopt_parse_memory_swap(const char *s, int64_t *out, struct berth_error *err);
/* "1.5" -> 1500000000 nano CPUs; at most 9 decimals, > 0 */
int berth_runopt_parse_cpus(const char *s, int64_t *nano_cpus, struct berth_error *err);
/* nano CPUs -> CFS quota for the standard 100000us period */
void berth_runopt_cpus_to_quota(int64_t nano_cpus, int64_t *quota, int64_t *period);
int berth_runopt_parse_ulimit(const char *s, struct berth_ulimit *out, struct berth_error *err);
int berth_runopt_parse_device(const char *s, struct berth_run_device *out,
                              struct berth_error *err); /* out's strings owned by caller */
int berth_runopt_parse_restart(const char *s, struct berth_restart_policy *out,
                               struct berth_error *err);
/* Go duration syntax ("300ms", "1.5h", "2h45m"); negative values are refused. */
int berth_runopt_parse_duration(const char *s, int64_t *ns, struct berth_error *err);
/* "SIGKILL", "KILL", "kill", "9", "RTMIN+3" -> signal number */
int berth_runopt_parse_signal(const char *s, int *out, struct berth_error *err);
/* "net_admin", "CAP_NET_ADMIN", "all" -> malloc'ed "CAP_NET_ADMIN" / "ALL" */
int berth_runopt_parse_cap(const char *s, char **out, struct berth_error *err);
/* Validate a cpuset list ("0-2,4").  online (may be NULL) is the host's list in the same
 * syntax (/sys/devices/system/cpu/online): a CPU not in it is -EINVAL naming that CPU. */
int berth_runopt_parse_cpuset(const char *s, const char *online, struct berth_error *err);
/* "no-new-privileges[:true|false]", "seccomp=unconfined", "seccomp=PATH" (the file is read
 * now, at most 1 MiB, and must hold an OCI linux.seccomp JSON object). */
int berth_runopt_parse_security_opt(struct berth_run_opts *o, const char *s,
                                    struct berth_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI runtime configuration (config.json) as berth holds it after parsing.
 *
 * berth_spec_parse() validates everything a container start needs up front (plan, then
 * execute): after a successful parse the runtime never meets a malformed value.  The
 * struct owns every string and array in it; berth_spec_free() releases all of it.
 *
 * Conventions in this struct:
 *   - strings are malloc'ed, NULL when absent; string vectors are NULL-terminated;
 *   - arrays are (pointer, count) pairs;
 *   - optional numbers carry a `has_*` flag (absent is not the same as 0);
 *   - "-1 means unlimited" values (memory limit, swap, pids) are int64_t and keep -1.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "basic/kv.h"
#include "basic/error.h"

/* Caps on what a user-controlled config may contain. */
#define BERTH_SPEC_MAX_BYTES (4u << 20) /* config.json size */
#define BERTH_SPEC_MAX_ITEMS 4096       /* mounts, env, devices, rules, ... per array */

enum berth_ns_type {
        BERTH_NS_PID,
        BERTH_NS_NETWORK,
        BERTH_NS_MOUNT,
        BERTH_NS_IPC,
        BERTH_NS_UTS,
        BERTH_NS_USER,
        BERTH_NS_CGROUP,
        BERTH_NS_TIME,
        BERTH_NS__COUNT
};

/* "pid" -> BERTH_NS_PID ...; -1 for an unknown name. */
int berth_ns_type_from_string(const char *s);
const char *berth_ns_type_to_string(enum berth_ns_type t);
/* CLONE_NEW* flag for the type. */
int berth_ns_type_clone_flag(enum berth_ns_type t);
/* name of the file under /proc/PID/ns/ ("net" for network, "mnt" for mount, ...). */
const char *berth_ns_type_proc_name(enum berth_ns_type t);

struct berth_namespace {
        bool enabled; /* listed in linux.namespaces */
        char *path;   /* join this one instead of creating (NULL: create a new one) */
};

struct berth_id_mapping {
        uint32_t container_id;
        uint32_t host_id;
        uint32_t size;
};

/* soft/hard are RLIM_INFINITY (UINT64_MAX) when the config says -1 or 18446744073709551615. */
struct berth_rlimit {
        int resource; /* RLIMIT_* */
        uint64_t soft;
        uint64_t hard;
};

/* Capability sets as bitmasks (bit n = capability number n, CAP_LAST_CAP <= 63). */
struct berth_caps {
        bool present; /* process.capabilities given at all */
        uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct berth_user {
        uint32_t uid, gid;
        bool has_umask;
        uint32_t umask;
        uint32_t *additional_gids;
        size_t n_additional_gids;
};

struct berth_process {
        bool terminal;
        bool has_console_size;
        unsigned console_height, console_width;
        char *cwd;          /* absolute, required */
        char **args;        /* at least one element (required for start, may be absent in
                               a config only used for `spec`) */
        char *command_line; /* Windows-only field: rejected if set */
        char **env;
        struct berth_user user;
        struct berth_caps caps;
        struct berth_rlimit *rlimits;
        size_t n_rlimits;
        bool no_new_privileges;
        char *apparmor_profile;
        char *selinux_label;
        bool has_oom_score_adj;
        int oom_score_adj;
        /* ioPriority */
        bool has_io_priority;
        int io_priority_class; /* IOPRIO_CLASS_RT/BE/IDLE */
        int io_priority;
        /* scheduler (sched_setattr) */
        bool has_scheduler;
        int sched_policy;
        int sched_nice;
        int sched_priority;
        uint64_t sched_flags;
        uint64_t sched_runtime, sched_deadline, sched_period;
        /* execCPUAffinity */
        char *exec_cpu_affinity_initial;
        char *exec_cpu_affinity_final;
};

/* One entry of "mounts". Options are split: known flags are folded into mount(2) flags,
 * propagation flags kept apart, the rest joined into `data`.
 *   - a relative destination (allowed by OCI for compatibility) is stored with a leading "/";
 *   - options apply in order, a later one overriding an earlier ("ro,rw" is rw); of several
 *     propagation options the last wins;
 *   - type "bind", "bind" or "rbind" set is_bind and MS_BIND (rbind adds MS_REC);
 *   - recursive atime options (rnoatime, ratime, rrelatime, rstrictatime) set MOUNT_ATTR__ATIME
 *     in attr_clr and the chosen mode in attr_set, as mount_setattr(2) wants; "ratime" is
 *     relatime;
 *   - "tmpcopyup" and "defaults" are dropped (not passed to the kernel);
 *   - uidMappings/gidMappings imply idmap, and an idmapped mount must be a bind mount. */
struct berth_mount {
        char *destination; /* absolute path inside the container */
        char *type;        /* "bind", "proc", "tmpfs", ...; NULL means bind if options
                              say bind/rbind */
        char *source;
        char **options;            /* as written in the config */
        unsigned long flags;       /* MS_* to set (MS_RDONLY, MS_NOSUID, ... MS_BIND|MS_REC) */
        unsigned long clear_flags; /* MS_* explicitly cleared ("rw", "suid", ...) */
        unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (|MS_REC) */
        bool is_bind;
        char *data; /* remaining options, comma-joined, for mount(2) data */
        /* recursive attributes (rro, rnosuid, ... via mount_setattr) */
        uint64_t attr_set, attr_clr;
        bool idmap;           /* "idmap"/"ridmap", or uidMappings/gidMappings given */
        bool idmap_recursive; /* "ridmap" */
        struct berth_id_mapping *uid_mappings, *gid_mappings;
        size_t n_uid_mappings, n_gid_mappings;
};

struct berth_device {
        char *path; /* inside the container */
        char type;  /* 'c', 'b', 'u', 'p' */
        int64_t major, minor;
        bool has_file_mode;
        uint32_t file_mode;
        bool has_uid, has_gid;
        uint32_t uid, gid;
};

/* linux.resources.devices: cgroup device rule. */
struct berth_device_rule {
        bool allow;
        char type;            /* 'a', 'c', 'b' */
        int64_t major, minor; /* -1 = wildcard */
        char access[4];       /* subset of "rwm" */
};

struct berth_weight_device {
        int64_t major, minor;
        bool has_weight, has_leaf_weight;
        uint16_t weight, leaf_weight;
};

struct berth_throttle_device {
        int64_t major, minor;
        uint64_t rate;
};

struct berth_hugepage_limit {
        char *page_size; /* "2MB", "1GB" */
        uint64_t limit;
};

/* What the parser normalises, so users of this struct see one spelling for each meaning:
 *   - memory limit/reservation/swap/kernel/kernelTCP: 0 means "not set" (has_* false);
 *     -1 is unlimited and kept as -1;
 *   - cpu shares, quota and period: 0 means "not set" (has_* false); quota -1 is kept;
 *   - cpu.cpus / cpu.mems "" means "not set" (NULL);
 *   - pids.limit <= 0 means no limit and is stored as -1;
 *   - blockIO weight/leafWeight 0 means "not set";
 *   - device rules: type defaults to 'a', major/minor to -1, access to "rwm", and access
 *     is rewritten in r, w, m order without duplicates. */
struct berth_resources {
        struct berth_device_rule *devices;
        size_t n_devices;

        /* memory; has_* tells whether the field was given */
        bool has_mem_limit, has_mem_reservation, has_mem_swap, has_mem_kernel, has_mem_kernel_tcp,
            has_mem_swappiness;
        int64_t mem_limit, mem_reservation, mem_swap, mem_kernel, mem_kernel_tcp;
        uint64_t mem_swappiness;
        bool mem_disable_oom_killer;
        bool mem_use_hierarchy;
        bool mem_check_before_update;

        /* cpu */
        bool has_cpu_shares, has_cpu_quota, has_cpu_burst, has_cpu_period, has_cpu_realtime_runtime,
            has_cpu_realtime_period, has_cpu_idle;
        uint64_t cpu_shares, cpu_period, cpu_realtime_period, cpu_burst;
        int64_t cpu_quota, cpu_realtime_runtime, cpu_idle;
        char *cpuset_cpus, *cpuset_mems;

        /* pids */
        bool has_pids_limit;
        int64_t pids_limit;

        /* blockIO */
        bool has_blkio_weight, has_blkio_leaf_weight;
        uint16_t blkio_weight, blkio_leaf_weight;
        struct berth_weight_device *blkio_weight_devices;
        size_t n_blkio_weight_devices;
        struct berth_throttle_device *throttle_read_bps, *throttle_write_bps, *throttle_read_iops,
            *throttle_write_iops;
        size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops,
            n_throttle_write_iops;

        struct berth_hugepage_limit *hugepage_limits;
        size_t n_hugepage_limits;

        /* network (v1 net_cls/net_prio) */
        bool has_net_class_id;
        uint32_t net_class_id;
        struct berth_kv *net_priorities; /* interface name -> priority (decimal string) */
        size_t n_net_priorities;

        /* rdma is accepted and ignored */
        struct berth_kv *unified; /* cgroup v2 file -> value */
        size_t n_unified;
};

enum berth_seccomp_action {
        BERTH_SECCOMP_KILL,         /* SCMP_ACT_KILL (= kill thread) */
        BERTH_SECCOMP_KILL_PROCESS, /* SCMP_ACT_KILL_PROCESS */
        BERTH_SECCOMP_KILL_THREAD,  /* SCMP_ACT_KILL_THREAD */
        BERTH_SECCOMP_TRAP,
        BERTH_SECCOMP_ERRNO,
        BERTH_SECCOMP_TRACE,
        BERTH_SECCOMP_ALLOW,
        BERTH_SECCOMP_LOG,
        BERTH_SECCOMP_NOTIFY,
};

enum berth_seccomp_op {
        BERTH_SECCOMP_OP_NE,
        BERTH_SECCOMP_OP_LT,
        BERTH_SECCOMP_OP_LE,
        BERTH_SECCOMP_OP_EQ,
        BERTH_SECCOMP_OP_GE,
        BERTH_SECCOMP_OP_GT,
        BERTH_SECCOMP_OP_MASKED_EQ,
};

/* SCMP_ACT_ERRNO -> "SCMP_ACT_ERRNO" (BERTH_SECCOMP_KILL -> "SCMP_ACT_KILL"). */
const char *berth_seccomp_action_to_string(enum berth_seccomp_action a);

struct berth_seccomp_arg {
        unsigned index; /* 0..5 */
        uint64_t value, value_two;
        enum berth_seccomp_op op;
};

struct berth_seccomp_rule {
        char **names; /* syscall names */
        enum berth_seccomp_action action;
        bool has_errno_ret;
        uint32_t errno_ret;
        struct berth_seccomp_arg *args;
        size_t n_args;
};

struct berth_seccomp {
        enum berth_seccomp_action default_action;
        bool has_default_errno_ret;
        uint32_t default_errno_ret;
        char **architectures; /* "SCMP_ARCH_X86_64", ... */
        char **flags;         /* "SECCOMP_FILTER_FLAG_LOG", ... */
        char *listener_path;
        char *listener_metadata;
        struct berth_seccomp_rule *syscalls;
        size_t n_syscalls;
};

enum berth_hook_kind {
        BERTH_HOOK_PRESTART,
        BERTH_HOOK_CREATE_RUNTIME,
        BERTH_HOOK_CREATE_CONTAINER,
        BERTH_HOOK_START_CONTAINER,
        BERTH_HOOK_POSTSTART,
        BERTH_HOOK_POSTSTOP,
        BERTH_HOOK__COUNT
};

struct berth_hook {
        char *path; /* absolute */
        char **args;
        char **env;
        bool has_timeout;
        int timeout; /* seconds, > 0 */
};

struct berth_personality {
        bool present;
        unsigned long domain; /* PER_LINUX or PER_LINUX32 */
};

struct berth_spec {
        char *oci_version;

        struct berth_process process;
        bool has_process;

        char *root_path; /* as written (relative to the bundle or absolute) */
        bool root_readonly;

        char *hostname;
        char *domainname;

        struct berth_mount *mounts;
        size_t n_mounts;

        struct berth_hook *hooks[BERTH_HOOK__COUNT];
        size_t n_hooks[BERTH_HOOK__COUNT];

        struct berth_kv *annotations;
        size_t n_annotations;

        /* linux */
        struct berth_namespace namespaces[BERTH_NS__COUNT];
        struct berth_id_mapping *uid_mappings, *gid_mappings;
        size_t n_uid_mappings, n_gid_mappings;
        struct berth_device *devices;
        size_t n_devices;
        char *cgroups_path;
        bool has_resources;
        struct berth_resources resources;
        struct berth_kv *sysctl;
        size_t n_sysctl;
        bool has_seccomp;
        struct berth_seccomp seccomp;
        unsigned long rootfs_propagation; /* 0 = default (rslave of the host) */
        char **masked_paths;
        char **readonly_paths;
        char *mount_label;
        struct berth_personality personality;
        /* linux.timeOffsets */
        bool has_time_offsets;
        int64_t time_offset_boottime_secs, time_offset_monotonic_secs;
        uint32_t time_offset_boottime_nanosecs, time_offset_monotonic_nanosecs;
        char *intel_rdt_clos_id; /* accepted; RDT itself is not supported (clear error) */
};

/* Parse and validate config.json bytes.  On success *out is a new spec the caller frees
 * with berth_spec_free().  Errors name the offending field ("linux.namespaces[2].type:
 * unknown namespace 'foo'").  Unknown top-level and nested keys are ignored as the OCI
 * spec requires; wrong types, out-of-range values and Windows/Solaris/VM-only sections
 * for a Linux container are refused. */
int berth_spec_parse(const char *buf, size_t len, struct berth_spec **out, struct berth_error *err);

/* Read <bundle>/config.json (capped at BERTH_SPEC_MAX_BYTES) and parse it. */
int berth_spec_load(int bundle_dirfd, struct berth_spec **out, struct berth_error *err);

/* Parse a process.json (runc exec -p) into *out (cleared first).  Unlike in config.json,
 * args are required here.  On failure *out is left cleared (nothing to free). */
int berth_spec_parse_process(const char *buf, size_t len, struct berth_process *out,
                             struct berth_error *err);

/* Parse linux.resources-shaped JSON (runc update --resources). */
int berth_spec_parse_resources(const char *buf, size_t len, struct berth_resources *out,
                               struct berth_error *err);

/* Capability name ("CAP_SYS_ADMIN") -> number; -1 if unknown. */
int berth_cap_from_name(const char *name);
const char *berth_cap_to_name(int cap);
/* Highest capability number the running kernel knows (from /proc/sys/kernel/cap_last_cap). */
int berth_cap_last_cap(void);
/* Highest capability number berth's own table knows (CAP_CHECKPOINT_RESTORE = 40).  A
 * config may name any capability in the table even if the running kernel is older. */
int berth_cap_max_known(void);

/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE; -1 if unknown. */
int berth_rlimit_from_name(const char *name);
/* RLIMIT_NOFILE -> "RLIMIT_NOFILE"; NULL if unknown. */
const char *berth_rlimit_to_name(int resource);

void berth_process_free(struct berth_process *p);     /* fields only */
void berth_resources_free(struct berth_resources *r); /* fields only */
void berth_spec_free(struct berth_spec *s);
static inline void berth_spec_freep(struct berth_spec **s)
{
        berth_spec_free(*s);
}
#define _cleanup_spec_ __attribute__((cleanup(berth_spec_freep)))

/* The default config that `berth-runtime spec` writes (runc's defaults: sh, terminal,
 * the usual mounts, masked and read-only paths).  rootless adds a user namespace with
 * the caller's ids mapped and drops what an unprivileged user cannot do. */
int berth_spec_default_json(bool rootless, char **out, struct berth_error *err);

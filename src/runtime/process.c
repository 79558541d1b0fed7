/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The last steps before execve: rlimits, then (berth_process_finalize) the capability
 * bounding set, groups and ids, the capability sets, the ambient set, no_new_privs, umask,
 * I/O priority, scheduler and the seccomp filter.
 *
 * Everything here runs in a forked child: no allocation, only raw syscalls and the
 * error struct (snprintf into a fixed buffer).
 */
#include "runtime/process.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/banned.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT           47
#define PR_CAP_AMBIENT_RAISE     2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#define IOPRIO_WHO_PROCESS_ 1
#define IOPRIO_CLASS_SHIFT_ 13

_Static_assert(sizeof(gid_t) == sizeof(uint32_t), "gid_t is 32 bits");

static const char *rlimit_name(int resource)
{
        static const char *const names[] = {
            [RLIMIT_CPU] = "RLIMIT_CPU",           [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
            [RLIMIT_DATA] = "RLIMIT_DATA",         [RLIMIT_STACK] = "RLIMIT_STACK",
            [RLIMIT_CORE] = "RLIMIT_CORE",         [RLIMIT_RSS] = "RLIMIT_RSS",
            [RLIMIT_NPROC] = "RLIMIT_NPROC",       [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
            [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
            [RLIMIT_LOCKS] = "RLIMIT_LOCKS",       [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
            [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
            [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",     [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
        };
        if (resource < 0 || (size_t)resource >= ARRAY_SIZE(names) || !names[resource])
                return "RLIMIT_?";
        return names[resource];
}

/* The calling thread's effective capability set (0 on failure). */
static uint64_t effective_caps(void)
{
        struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct data[2] = {0};
        if (syscall(SYS_capget, &hdr, data) < 0)
                return 0;
        return (uint64_t)data[1].effective << 32 | data[0].effective;
}

static bool has_cap(uint64_t set, int cap)
{
        return cap >= 0 && cap < 64 && (set & (UINT64_C(1) << cap));
}

int berth_process_set_rlimits(const struct berth_process *p, struct berth_error *err)
{
        bool may_raise = has_cap(effective_caps(), CAP_SYS_RESOURCE);
        for (size_t i = 0; i < p->n_rlimits; i++) {
                const struct berth_rlimit *l = &p->rlimits[i];
                const char *name = rlimit_name(l->resource);
                if (l->soft > l->hard)
                        return berth_error_set(err, EINVAL,
                                               "process.rlimits[%zu]: %s soft limit %llu is above "
                                               "its hard limit %llu",
                                               i, name, (unsigned long long)l->soft,
                                               (unsigned long long)l->hard);
                struct rlimit cur;
                if (getrlimit(l->resource, &cur) < 0)
                        return berth_error_errno(err, "process.rlimits[%zu]: getrlimit %s", i,
                                                 name);
                if (l->hard > cur.rlim_max && !may_raise)
                        return berth_error_set(err, EPERM,
                                               "process.rlimits[%zu]: %s hard limit %llu is above "
                                               "the current hard limit %llu and CAP_SYS_RESOURCE "
                                               "is not held",
                                               i, name, (unsigned long long)l->hard,
                                               (unsigned long long)cur.rlim_max);
                struct rlimit want = {.rlim_cur = l->soft, .rlim_max = l->hard};
                if (prlimit(0, l->resource, &want, NULL) < 0)
                        return berth_error_errno(err,
                                                 "process.rlimits[%zu]: set %s to soft %llu hard "
                                                 "%llu (current hard limit %llu)",
                                                 i, name, (unsigned long long)l->soft,
                                                 (unsigned long long)l->hard,
                                                 (unsigned long long)cur.rlim_max);
        }
        return 0;
}

uint64_t berth_caps_docker_default(void)
{
        static const int caps[] = {
            CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
            CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
            CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
            CAP_KILL,    CAP_AUDIT_WRITE,
        };
        uint64_t m = 0;
        for (size_t i = 0; i < ARRAY_SIZE(caps); i++)
                m |= UINT64_C(1) << caps[i];
        return m;
}

static int drop_bounding(uint64_t keep, struct berth_error *err)
{
        int last = berth_cap_last_cap();
        for (int cap = 0; cap <= last && cap < 64; cap++) {
                if (has_cap(keep, cap))
                        continue;
                if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
                        if (errno == EINVAL)
                                break; /* beyond what this kernel knows */
                        return berth_error_errno(err, "drop capability %d from the bounding set",
                                                 cap);
                }
        }
        return 0;
}

static int set_ids(const struct berth_user *u, bool setgroups_allowed, struct berth_error *err)
{
        if (setgroups_allowed) {
                if (syscall(SYS_setgroups, u->n_additional_gids,
                            (const gid_t *)u->additional_gids) < 0)
                        return berth_error_errno(err,
                                                 "process.user.additionalGids: setgroups of "
                                                 "%zu groups",
                                                 u->n_additional_gids);
        } else if (u->n_additional_gids > 0) {
                return berth_error_set(err, EPERM,
                                       "process.user.additionalGids: %zu groups given but "
                                       "setgroups is denied in this user namespace",
                                       u->n_additional_gids);
        }
        /* raw syscalls: one thread, no libc broadcast to other threads needed */
        if (syscall(SYS_setresgid, u->gid, u->gid, u->gid) < 0)
                return berth_error_errno(err, "process.user.gid: setresgid(%u)", u->gid);
        if (syscall(SYS_setresuid, u->uid, u->uid, u->uid) < 0)
                return berth_error_errno(err, "process.user.uid: setresuid(%u)", u->uid);
        return 0;
}

static int set_caps(const struct berth_caps *c, struct berth_error *err)
{
        if ((c->effective & ~c->permitted) != 0)
                return berth_error_set(err, EINVAL,
                                       "process.capabilities.effective: 0x%llx is not contained in "
                                       "permitted 0x%llx",
                                       (unsigned long long)c->effective,
                                       (unsigned long long)c->permitted);
        struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct data[2];
        for (int i = 0; i < 2; i++)
                data[i] = (struct __user_cap_data_struct){
                    .effective = (uint32_t)(c->effective >> (32 * i)),
                    .permitted = (uint32_t)(c->permitted >> (32 * i)),
                    .inheritable = (uint32_t)(c->inheritable >> (32 * i)),
                };
        if (syscall(SYS_capset, &hdr, data) < 0)
                return berth_error_errno(err,
                                         "capset(effective 0x%llx, permitted 0x%llx, "
                                         "inheritable 0x%llx)",
                                         (unsigned long long)c->effective,
                                         (unsigned long long)c->permitted,
                                         (unsigned long long)c->inheritable);
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
                return berth_error_errno(err, "clear the ambient capability set");
        /* The kernel can only raise an ambient capability that is both permitted and
         * inheritable.  Configs written by `runc spec` (and so by most tools) list ambient
         * capabilities without inheritable ones; like runc, skip those instead of failing:
         * the resulting ambient set is what the kernel allows, never more. */
        uint64_t ambient = c->ambient & c->inheritable & c->permitted;
        for (int cap = 0; cap < 64; cap++)
                if (has_cap(ambient, cap) &&
                    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
                        return berth_error_errno(err, "raise ambient capability %d", cap);
        return 0;
}

/* Layout of the kernel's struct sched_attr (SCHED_ATTR_SIZE_VER0, 48 bytes). */
struct berth_sched_attr {
        uint32_t size;
        uint32_t sched_policy;
        uint64_t sched_flags;
        int32_t sched_nice;
        uint32_t sched_priority;
        uint64_t sched_runtime;
        uint64_t sched_deadline;
        uint64_t sched_period;
};

static int set_sched_and_ioprio(const struct berth_process *p, struct berth_error *err)
{
        if (p->has_io_priority) {
                int v = (p->io_priority_class << IOPRIO_CLASS_SHIFT_) | p->io_priority;
                if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS_, 0, v) < 0)
                        return berth_error_errno(err,
                                                 "process.ioPriority: ioprio_set(class %d, "
                                                 "priority %d)",
                                                 p->io_priority_class, p->io_priority);
        }
        if (p->has_scheduler) {
                struct berth_sched_attr a = {
                    .size = sizeof(a),
                    .sched_policy = (uint32_t)p->sched_policy,
                    .sched_flags = p->sched_flags,
                    .sched_nice = p->sched_nice,
                    .sched_priority = (uint32_t)p->sched_priority,
                    .sched_runtime = p->sched_runtime,
                    .sched_deadline = p->sched_deadline,
                    .sched_period = p->sched_period,
                };
                if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
                        return berth_error_errno(err,
                                                 "process.scheduler: sched_setattr(policy "
                                                 "%d, priority %d, nice %d)",
                                                 p->sched_policy, p->sched_priority, p->sched_nice);
        }
        return 0;
}

static int install_filter(const struct berth_seccomp_bpf *bpf, int *notify_fd,
                          struct berth_error *err)
{
        int r = berth_seccomp_install(bpf, notify_fd, err);
        if (r < 0)
                return berth_error_prefix(err, r, "linux.seccomp");
        return 0;
}

int berth_process_finalize(const struct berth_process *p, const struct berth_seccomp_bpf *bpf,
                           bool setgroups_allowed, int *notify_fd, struct berth_error *err)
{
        int r;
        if (notify_fd)
                *notify_fd = -1;
        /* Without no_new_privs the kernel wants CAP_SYS_ADMIN to load a filter: load it
         * now, while we still have it. */
        bool filter_first = bpf && !p->no_new_privileges;
        if (filter_first && (r = install_filter(bpf, notify_fd, err)) < 0)
                return r;

        const struct berth_caps *c = &p->caps;
        if (c->present) {
                if ((r = drop_bounding(c->bounding, err)) < 0)
                        return r;
                if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                        return berth_error_errno(err, "prctl(PR_SET_KEEPCAPS, 1)");
        }
        if ((r = set_ids(&p->user, setgroups_allowed, err)) < 0)
                return r;
        if (c->present) {
                if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                        return berth_error_errno(err, "prctl(PR_SET_KEEPCAPS, 0)");
                if ((r = set_caps(c, err)) < 0)
                        return berth_error_prefix(err, r, "process.capabilities");
        }
        if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return berth_error_errno(err, "prctl(PR_SET_NO_NEW_PRIVS)");
        umask(p->user.has_umask ? (mode_t)p->user.umask : 0022);
        if ((r = set_sched_and_ioprio(p, err)) < 0)
                return r;
        if (bpf && !filter_first && (r = install_filter(bpf, notify_fd, err)) < 0)
                return r;
        return 0;
}

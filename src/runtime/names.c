/* SPDX-License-Identifier: Apache-2.0 */
/* Name tables: namespaces, capabilities, rlimits. */
#include "runtime/spec.h"

#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/strutil.h"
#include "basic/banned.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

static const struct {
        const char *name; /* OCI name */
        const char *proc; /* /proc/PID/ns/<proc> */
        int flag;
} ns_table[BERTH_NS__COUNT] = {
    [BERTH_NS_PID] = {"pid", "pid", CLONE_NEWPID},
    [BERTH_NS_NETWORK] = {"network", "net", CLONE_NEWNET},
    [BERTH_NS_MOUNT] = {"mount", "mnt", CLONE_NEWNS},
    [BERTH_NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
    [BERTH_NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
    [BERTH_NS_USER] = {"user", "user", CLONE_NEWUSER},
    [BERTH_NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
    [BERTH_NS_TIME] = {"time", "time", CLONE_NEWTIME},
};

int berth_ns_type_from_string(const char *s)
{
        if (!s)
                return -1;
        for (int i = 0; i < BERTH_NS__COUNT; i++)
                if (strcmp(ns_table[i].name, s) == 0)
                        return i;
        return -1;
}

const char *berth_ns_type_to_string(enum berth_ns_type t)
{
        if ((unsigned)t >= BERTH_NS__COUNT)
                return NULL;
        return ns_table[t].name;
}

int berth_ns_type_clone_flag(enum berth_ns_type t)
{
        if ((unsigned)t >= BERTH_NS__COUNT)
                return 0;
        return ns_table[t].flag;
}

const char *berth_ns_type_proc_name(enum berth_ns_type t)
{
        if ((unsigned)t >= BERTH_NS__COUNT)
                return NULL;
        return ns_table[t].proc;
}

/* Capability numbers are fixed kernel ABI (include/uapi/linux/capability.h). */
static const char *const cap_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

int berth_cap_from_name(const char *name)
{
        if (!name)
                return -1;
        for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
                if (strcmp(cap_names[i], name) == 0)
                        return (int)i;
        return -1;
}

const char *berth_cap_to_name(int cap)
{
        if (cap < 0 || (size_t)cap >= ARRAY_SIZE(cap_names))
                return NULL;
        return cap_names[cap];
}

int berth_cap_max_known(void)
{
        return (int)ARRAY_SIZE(cap_names) - 1;
}

int berth_cap_last_cap(void)
{
        static atomic_int cached = -1;
        int v = atomic_load(&cached);
        if (v >= 0)
                return v;

        v = berth_cap_max_known();
        int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
                char buf[32];
                ssize_t n = read(fd, buf, sizeof(buf) - 1);
                close(fd);
                if (n > 0) {
                        buf[n] = '\0';
                        if (buf[n - 1] == '\n')
                                buf[n - 1] = '\0';
                        int k;
                        if (berth_parse_int(buf, 0, 63, &k) == 0)
                                v = k;
                }
        }
        atomic_store(&cached, v);
        return v;
}

static const struct {
        const char *name;
        int resource;
} rlimit_table[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

int berth_rlimit_from_name(const char *name)
{
        if (!name)
                return -1;
        for (size_t i = 0; i < ARRAY_SIZE(rlimit_table); i++)
                if (strcmp(rlimit_table[i].name, name) == 0)
                        return rlimit_table[i].resource;
        return -1;
}

const char *berth_rlimit_to_name(int resource)
{
        for (size_t i = 0; i < ARRAY_SIZE(rlimit_table); i++)
                if (rlimit_table[i].resource == resource)
                        return rlimit_table[i].name;
        return NULL;
}

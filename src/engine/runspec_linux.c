/* SPDX-License-Identifier: Apache-2.0 */
/* The "linux" section of the `berth run` config: namespaces, resources, devices, seccomp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "basic/cleanup.h"
#include "basic/json.h"
#include "basic/strutil.h"
#include "engine/runspec_internal.h"
#include "runtime/seccomp.h"
#include "runtime/spec.h"
#include "basic/banned.h"

const char *const berth_runspec_masked_paths[] = {
    "/proc/asound",
    "/proc/acpi",
    "/proc/interrupts",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
    NULL,
};

const char *const berth_runspec_readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

/* Docker's default device cgroup allow list after "deny all". */
static const struct {
        char type;
        int major, minor; /* -1 wildcard */
        const char *access;
} default_rules[] = {
    {'c', -1, -1, "m"}, {'b', -1, -1, "m"}, {'c', 1, 3, "rwm"},    {'c', 1, 5, "rwm"},
    {'c', 1, 7, "rwm"}, {'c', 1, 8, "rwm"}, {'c', 1, 9, "rwm"},    {'c', 5, 0, "rwm"},
    {'c', 5, 1, "rwm"}, {'c', 5, 2, "rwm"}, {'c', 136, -1, "rwm"}, {'c', 10, 200, "rwm"},
};

static json_t *rule_json(bool allow, char type, int64_t major, int64_t minor, const char *access)
{
        json_t *r = json_pack("{s:b, s:s}", "allow", allow, "access", access);
        if (!r)
                return NULL;
        if (type != 'a') {
                char t[2] = {type, '\0'};
                json_object_set_new(r, "type", json_string(t));
        }
        if (major >= 0)
                json_object_set_new(r, "major", json_integer(major));
        if (minor >= 0)
                json_object_set_new(r, "minor", json_integer(minor));
        return r;
}

static int build_devices(const struct berth_run_opts *o, json_t *rules, json_t *devs,
                         struct berth_error *err)
{
        if (o->privileged)
                return json_array_append_new(rules, rule_json(true, 'a', -1, -1, "rwm")) ? -ENOMEM
                                                                                         : 0;
        if (json_array_append_new(rules, rule_json(false, 'a', -1, -1, "rwm")) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < ARRAY_SIZE(default_rules); i++)
                if (json_array_append_new(
                        rules, rule_json(true, default_rules[i].type, default_rules[i].major,
                                         default_rules[i].minor, default_rules[i].access)) < 0)
                        return -ENOMEM;
        for (size_t i = 0; i < o->n_devices; i++) {
                const struct berth_run_device *d = &o->devices[i];
                struct stat st;
                if (stat(d->host_path, &st) < 0)
                        return berth_error_errno(err,
                                                 "error gathering device information while "
                                                 "adding custom device \"%s\"",
                                                 d->host_path);
                char type = S_ISCHR(st.st_mode) ? 'c' : S_ISBLK(st.st_mode) ? 'b' : 0;
                if (!type)
                        return berth_error_set(err, EINVAL, "--device %s: not a device node",
                                               d->host_path);
                char t[2] = {type, '\0'};
                json_t *dj = json_pack(
                    "{s:s, s:s, s:I, s:I, s:i, s:i, s:i}", "path", d->container_path, "type", t,
                    "major", (json_int_t)major(st.st_rdev), "minor", (json_int_t)minor(st.st_rdev),
                    "fileMode", (int)(st.st_mode & 07777), "uid", 0, "gid", 0);
                if (!dj || json_array_append_new(devs, dj) < 0 ||
                    json_array_append_new(rules, rule_json(true, type, major(st.st_rdev),
                                                           minor(st.st_rdev), d->access)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* Number of CPUs in a list such as "0-3,6" (0 when it cannot be read). */
static int64_t count_cpus(const char *list)
{
        int64_t n = 0;
        for (const char *p = list; p && *p;) {
                char *end;
                unsigned long a = strtoul(p, &end, 10), b = a;
                if (end == p)
                        return 0;
                if (*end == '-') {
                        p = end + 1;
                        b = strtoul(p, &end, 10);
                        if (end == p || b < a)
                                return 0;
                }
                n += (int64_t)(b - a + 1);
                p = *end == ',' ? end + 1 : end;
                if (*end && *end != ',')
                        return 0;
        }
        return n;
}

static int build_memory_cpu(const struct berth_run_opts *o, const struct berth_runspec_host *h,
                            json_t *res, struct berth_error *err)
{
        int64_t mem = o->memory, swap = o->memory_swap, resv = o->memory_reservation;
        if (mem && mem < (6 << 20))
                return berth_error_set(err, EINVAL, "minimum memory limit allowed is 6MB");
        if (swap && swap != -1 && !mem)
                return berth_error_set(err, EINVAL,
                                       "you should always set the memory limit when "
                                       "using memoryswap limit, see usage");
        if (mem && swap > 0 && swap < mem)
                return berth_error_set(err, EINVAL,
                                       "minimum memoryswap limit should be larger "
                                       "than memory limit, see usage");
        if (mem && resv > mem)
                return berth_error_set(err, EINVAL,
                                       "minimum memory limit can not be less than "
                                       "memory reservation limit, see usage");
        if (mem && !swap)
                swap = 2 * mem; /* Docker's default: as much swap as memory */
        json_t *m = json_object();
        if (!m || json_object_set_new(res, "memory", m) < 0)
                return -ENOMEM;
        if (mem)
                json_object_set_new(m, "limit", json_integer(mem));
        if (swap)
                json_object_set_new(m, "swap", json_integer(swap));
        if (resv)
                json_object_set_new(m, "reservation", json_integer(resv));
        if (o->oom_kill_disable)
                json_object_set_new(m, "disableOOMKiller", json_true());

        int64_t quota = o->cpu_quota, period = o->cpu_period;
        if (o->nano_cpus) {
                if (quota || period)
                        return berth_error_set(err, EINVAL,
                                               "conflicting options: nano cpus and "
                                               "cpu period/quota cannot both be set");
                int64_t ncpu = count_cpus(h->cpus_online);
                if (ncpu > 0 && o->nano_cpus > ncpu * 1000000000)
                        return berth_error_set(err, EINVAL,
                                               "range of CPUs is from 0.01 to %lld.00, as there "
                                               "are only %lld CPUs available",
                                               (long long)ncpu, (long long)ncpu);
                berth_runopt_cpus_to_quota(o->nano_cpus, &quota, &period);
        }
        if (o->cpu_shares < 0 || quota < -1 || (quota > 0 && quota < 1000) || period < 0 ||
            (period && (period < 1000 || period > 1000000)))
                return berth_error_set(err, EINVAL,
                                       "invalid cpu setting: shares %lld, quota "
                                       "%lld, period %lld",
                                       (long long)o->cpu_shares, (long long)quota,
                                       (long long)period);
        json_t *c = json_object();
        if (!c || json_object_set_new(res, "cpu", c) < 0)
                return -ENOMEM;
        if (o->cpu_shares)
                json_object_set_new(c, "shares", json_integer(o->cpu_shares));
        if (quota)
                json_object_set_new(c, "quota", json_integer(quota));
        if (period)
                json_object_set_new(c, "period", json_integer(period));
        if (o->cpuset_cpus) {
                int r = berth_runopt_parse_cpuset(o->cpuset_cpus,
                                                  h->cpus_online[0] ? h->cpus_online : NULL, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "--cpuset-cpus");
                json_object_set_new(c, "cpus", json_string(o->cpuset_cpus));
        }
        if (o->cpuset_mems) {
                int r = berth_runopt_parse_cpuset(o->cpuset_mems,
                                                  h->mems_online[0] ? h->mems_online : NULL, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "--cpuset-mems");
                json_object_set_new(c, "mems", json_string(o->cpuset_mems));
        }
        return 0;
}

static int build_resources(const struct berth_run_opts *o, const struct berth_runspec_host *h,
                           json_t *devs, json_t **out, struct berth_error *err)
{
        _cleanup_json_ json_t *res = json_object();
        json_t *rules = json_array();
        if (!res || !rules || json_object_set_new(res, "devices", rules) < 0)
                return -ENOMEM;
        int r = build_devices(o, rules, devs, err);
        if (r < 0)
                return r;
        r = build_memory_cpu(o, h, res, err);
        if (r < 0)
                return r;
        if (o->pids_limit)
                json_object_set_new(
                    res, "pids",
                    json_pack("{s:I}", "limit",
                              (json_int_t)(o->pids_limit < 0 ? -1 : o->pids_limit)));
        if (o->blkio_weight) {
                if (o->blkio_weight < 10 || o->blkio_weight > 1000)
                        return berth_error_set(err, EINVAL,
                                               "range of blkio weight is from 10 to 1000");
                json_object_set_new(res, "blockIO", json_pack("{s:i}", "weight", o->blkio_weight));
        }
        *out = TAKE_PTR(res);
        return 0;
}

static bool sysctl_namespaced(const char *k)
{
        static const char *const ipc[] = {"kernel.msgmax", "kernel.msgmnb",         "kernel.msgmni",
                                          "kernel.sem",    "kernel.shmall",         "kernel.shmmax",
                                          "kernel.shmmni", "kernel.shm_rmid_forced"};
        for (size_t i = 0; i < ARRAY_SIZE(ipc); i++)
                if (strcmp(k, ipc[i]) == 0)
                        return true;
        return berth_startswith(k, "fs.mqueue.") || berth_startswith(k, "net.");
}

static int build_sysctl(const struct berth_run_opts *o, json_t **out, struct berth_error *err)
{
        _cleanup_json_ json_t *s = json_object();
        if (!s)
                return -ENOMEM;
        for (size_t i = 0; o->sysctls && o->sysctls[i]; i++) {
                const char *kv = o->sysctls[i];
                const char *eq = strchr(kv, '=');
                if (!eq || eq == kv)
                        return berth_error_set(err, EINVAL,
                                               "invalid sysctl '%s': expected "
                                               "KEY=VALUE",
                                               kv);
                _cleanup_free_ char *k = strndup(kv, (size_t)(eq - kv));
                if (!k)
                        return -ENOMEM;
                if (!sysctl_namespaced(k))
                        return berth_error_set(
                            err, EINVAL, "sysctl '%s' is not allowed: it is not namespaced", k);
                if (o->network == BERTH_NETWORK_HOST && berth_startswith(k, "net."))
                        return berth_error_set(err, EINVAL,
                                               "sysctl '%s' is not allowed in the host's network "
                                               "namespace",
                                               k);
                if (json_object_set_new(s, k, json_string(eq + 1)) < 0)
                        return -ENOMEM;
        }
        *out = TAKE_PTR(s);
        return 0;
}

static const char *const op_names[] = {
    [BERTH_SECCOMP_OP_NE] = "SCMP_CMP_NE",
    [BERTH_SECCOMP_OP_LT] = "SCMP_CMP_LT",
    [BERTH_SECCOMP_OP_LE] = "SCMP_CMP_LE",
    [BERTH_SECCOMP_OP_EQ] = "SCMP_CMP_EQ",
    [BERTH_SECCOMP_OP_GE] = "SCMP_CMP_GE",
    [BERTH_SECCOMP_OP_GT] = "SCMP_CMP_GT",
    [BERTH_SECCOMP_OP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static json_t *seccomp_rule_json(const struct berth_seccomp_rule *rule)
{
        json_t *r = json_pack("{s:o, s:s}", "names", berth_runspec_strv_json(rule->names), "action",
                              berth_seccomp_action_to_string(rule->action));
        if (!r)
                return NULL;
        if (rule->has_errno_ret)
                json_object_set_new(r, "errnoRet", json_integer(rule->errno_ret));
        if (rule->n_args) {
                json_t *args = json_array();
                json_object_set_new(r, "args", args);
                for (size_t i = 0; args && i < rule->n_args; i++) {
                        const struct berth_seccomp_arg *a = &rule->args[i];
                        json_array_append_new(
                            args, json_pack("{s:i, s:I, s:I, s:s}", "index", (int)a->index, "value",
                                            (json_int_t)a->value, "valueTwo",
                                            (json_int_t)a->value_two, "op", op_names[a->op]));
                }
        }
        return r;
}

/* struct berth_seccomp -> the OCI linux.seccomp object. */
static int seccomp_json(const struct berth_seccomp *sc, json_t **out)
{
        _cleanup_json_ json_t *j = json_pack(
            "{s:s, s:o}", "defaultAction", berth_seccomp_action_to_string(sc->default_action),
            "architectures", berth_runspec_strv_json(sc->architectures));
        json_t *rules = json_array();
        if (!j || !rules || json_object_set_new(j, "syscalls", rules) < 0)
                return -ENOMEM;
        if (sc->has_default_errno_ret)
                json_object_set_new(j, "defaultErrnoRet", json_integer(sc->default_errno_ret));
        if (sc->flags)
                json_object_set_new(j, "flags", berth_runspec_strv_json(sc->flags));
        for (size_t i = 0; i < sc->n_syscalls; i++)
                if (json_array_append_new(rules, seccomp_rule_json(&sc->syscalls[i])) < 0)
                        return -ENOMEM;
        *out = TAKE_PTR(j);
        return 0;
}

static int build_seccomp(const struct berth_run_opts *o, uint64_t caps, json_t **out,
                         struct berth_error *err)
{
        *out = NULL;
        if (o->privileged || o->seccomp_unconfined)
                return 0;
        if (o->seccomp_profile)
                return berth_json_parse(o->seccomp_profile, strlen(o->seccomp_profile), 1u << 20,
                                        out, err);
        struct berth_seccomp sc = {0};
        int r = berth_seccomp_default_profile(caps, &sc, err);
        if (r < 0)
                return berth_error_prefix(err, r, "default seccomp profile");
        r = seccomp_json(&sc, out);
        berth_seccomp_free(&sc);
        return r;
}

static int build_namespaces(const struct berth_run_opts *o, json_t **out, struct berth_error *err)
{
        _cleanup_json_ json_t *ns = json_array();
        static const char *const always[] = {"pid", "ipc", "uts", "mount", "cgroup"};
        for (size_t i = 0; ns && i < ARRAY_SIZE(always); i++)
                if (json_array_append_new(ns, json_pack("{s:s}", "type", always[i])) < 0)
                        return -ENOMEM;
        if (!ns)
                return -ENOMEM;
        json_t *net = NULL;
        switch (o->network) {
        case BERTH_NETWORK_HOST:
                break;
        case BERTH_NETWORK_CONTAINER:
                if (!o->network_ns_path)
                        return berth_error_set(err, EINVAL,
                                               "--network container:%s: the network namespace of "
                                               "that container is not known",
                                               o->network_container ? o->network_container : "");
                net = json_pack("{s:s, s:s}", "type", "network", "path", o->network_ns_path);
                break;
        default:
                net = json_pack("{s:s}", "type", "network");
                break;
        }
        if (o->network != BERTH_NETWORK_HOST && (!net || json_array_append_new(ns, net) < 0))
                return -ENOMEM;
        *out = TAKE_PTR(ns);
        return 0;
}

int berth_runspec_build_linux(const struct berth_run_opts *o, const struct berth_runspec_host *h,
                              uint64_t caps, json_t **out, struct berth_error *err)
{
        _cleanup_json_ json_t *ns = NULL, *res = NULL, *sysctl = NULL, *sc = NULL;
        _cleanup_json_ json_t *devs = json_array();
        if (!devs)
                return -ENOMEM;
        int r = build_namespaces(o, &ns, err);
        if (r == 0)
                r = build_resources(o, h, devs, &res, err);
        if (r == 0)
                r = build_sysctl(o, &sysctl, err);
        if (r == 0)
                r = build_seccomp(o, caps, &sc, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *cg = berth_strdup_printf("/berth/%s", o->id);
        if (!cg)
                return -ENOMEM;
        static const char *const none[] = {NULL};
        json_t *l = json_pack(
            "{s:O, s:O, s:O, s:O, s:s, s:o, s:o}", "namespaces", ns, "resources", res, "devices",
            devs, "sysctl", sysctl, "cgroupsPath", cg, "maskedPaths",
            berth_runspec_strv_json(o->privileged ? (char *const *)none
                                                  : (char *const *)berth_runspec_masked_paths),
            "readonlyPaths",
            berth_runspec_strv_json(o->privileged ? (char *const *)none
                                                  : (char *const *)berth_runspec_readonly_paths));
        if (!l)
                return -ENOMEM;
        if (sc)
                json_object_set(l, "seccomp", sc);
        *out = l;
        return 0;
}

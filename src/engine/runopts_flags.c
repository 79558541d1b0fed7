/* SPDX-License-Identifier: Apache-2.0 */
/* berth_runopt_set(): Docker's run flags by long name, each wired to its value parser. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cleanup.h"
#include "basic/strutil.h"
#include "engine/runopts.h"
#include "basic/banned.h"

enum kind {
        K_STR,  /* char * (replaced) */
        K_STRV, /* char ** (appended) */
        K_BOOL,
        K_MEM,  /* int64_t bytes */
        K_SWAP, /* int64_t bytes or -1 */
        K_I64,  /* int64_t, any */
        K_DUR,  /* int64_t ns */
        K_INT,  /* int */
        K_SPECIAL,
};

struct flag {
        const char *name;
        const char *shorthand; /* "" for none */
        enum kind kind;
        size_t off;
};

#define F(n, s, k, field)                                                                          \
        {                                                                                          \
                n, s, k, offsetof(struct berth_run_opts, field)                                    \
        }
#define S(n, s)                                                                                    \
        {                                                                                          \
                n, s, K_SPECIAL, 0                                                                 \
        }

static const struct flag flags[] = {
    F("name", "", K_STR, name),
    F("hostname", "h", K_STR, hostname),
    F("domainname", "", K_STR, domainname),
    F("env", "e", K_STRV, env),
    F("workdir", "w", K_STR, workdir),
    F("user", "u", K_STR, user),
    F("group-add", "", K_STRV, group_add),
    S("entrypoint", ""),
    F("tty", "t", K_BOOL, tty),
    F("interactive", "i", K_BOOL, interactive),
    F("label", "l", K_STRV, labels),
    F("annotation", "", K_STRV, annotations),
    F("init", "", K_BOOL, init),
    F("read-only", "", K_BOOL, read_only),
    F("tmpfs", "", K_STRV, tmpfs),
    F("shm-size", "", K_MEM, shm_size),
    F("privileged", "", K_BOOL, privileged),
    S("cap-add", ""),
    S("cap-drop", ""),
    S("security-opt", ""),
    S("device", ""),
    F("sysctl", "", K_STRV, sysctls),
    S("ulimit", ""),
    F("memory", "m", K_MEM, memory),
    F("memory-swap", "", K_SWAP, memory_swap),
    F("memory-reservation", "", K_MEM, memory_reservation),
    S("cpus", ""),
    F("cpu-shares", "c", K_I64, cpu_shares),
    F("cpu-quota", "", K_I64, cpu_quota),
    F("cpu-period", "", K_I64, cpu_period),
    S("cpuset-cpus", ""),
    S("cpuset-mems", ""),
    F("pids-limit", "", K_I64, pids_limit),
    S("blkio-weight", ""),
    F("oom-kill-disable", "", K_BOOL, oom_kill_disable),
    S("oom-score-adj", ""),
    S("restart", ""),
    S("stop-signal", ""),
    F("stop-timeout", "", K_INT, stop_timeout),
    F("health-cmd", "", K_STR, health_cmd),
    F("no-healthcheck", "", K_BOOL, no_healthcheck),
    F("health-interval", "", K_DUR, health_interval_ns),
    F("health-timeout", "", K_DUR, health_timeout_ns),
    F("health-start-period", "", K_DUR, health_start_period_ns),
    F("health-start-interval", "", K_DUR, health_start_interval_ns),
    F("health-retries", "", K_INT, health_retries),
    F("log-driver", "", K_STR, log_driver),
    F("log-opt", "", K_STRV, log_opts),
    S("network", ""),
};

static int parse_bool(const char *v, bool *out, struct berth_error *err)
{
        static const char *const t[] = {"", "1", "t", "T", "true", "TRUE", "True"};
        static const char *const f[] = {"0", "f", "F", "false", "FALSE", "False"};
        for (size_t i = 0; i < ARRAY_SIZE(t); i++)
                if (strcmp(v, t[i]) == 0)
                        return *out = true, 0;
        for (size_t i = 0; i < ARRAY_SIZE(f); i++)
                if (strcmp(v, f[i]) == 0)
                        return *out = false, 0;
        return berth_error_set(err, EINVAL, "strconv.ParseBool: parsing \"%s\": invalid syntax", v);
}

static int parse_i64(const char *v, int64_t *out, struct berth_error *err)
{
        int r = berth_parse_int64(v, INT64_MIN, INT64_MAX, out);
        if (r < 0)
                return berth_error_set(err, EINVAL, "strconv.ParseInt: parsing \"%s\": %s", v,
                                       r == -ERANGE ? "value out of range" : "invalid syntax");
        return 0;
}

static int set_network(struct berth_run_opts *o, const char *v, struct berth_error *err)
{
        if (strcmp(v, "none") == 0)
                o->network = BERTH_NETWORK_NONE;
        else if (strcmp(v, "host") == 0)
                o->network = BERTH_NETWORK_HOST;
        else if (strcmp(v, "private") == 0 || strcmp(v, "default") == 0 || strcmp(v, "bridge") == 0)
                o->network = BERTH_NETWORK_PRIVATE;
        else if (berth_startswith(v, "container:") && v[10]) {
                char *n = strdup(v + 10);
                if (!n)
                        return -ENOMEM;
                free(o->network_container);
                o->network_container = n;
                o->network = BERTH_NETWORK_CONTAINER;
        } else
                return berth_error_set(err, EINVAL,
                                       "network mode '%s' is not supported "
                                       "(none, host, private, container:NAME)",
                                       v);
        return 0;
}

static int set_special(struct berth_run_opts *o, const char *flag, const char *v,
                       struct berth_error *err)
{
        int r;
        if (strcmp(flag, "entrypoint") == 0) {
                char *e = strdup(v);
                if (!e)
                        return -ENOMEM;
                free(o->entrypoint);
                o->entrypoint = e;
                o->entrypoint_set = true;
                return 0;
        }
        if (strcmp(flag, "cap-add") == 0 || strcmp(flag, "cap-drop") == 0) {
                _cleanup_free_ char *c = NULL;
                r = berth_runopt_parse_cap(v, &c, err);
                if (r < 0)
                        return r;
                return berth_strv_push(flag[4] == 'a' ? &o->cap_add : &o->cap_drop, c);
        }
        if (strcmp(flag, "security-opt") == 0)
                return berth_runopt_parse_security_opt(o, v, err);
        if (strcmp(flag, "device") == 0) {
                struct berth_run_device d = {0};
                r = berth_runopt_parse_device(v, &d, err);
                if (r < 0)
                        return r;
                struct berth_run_device *nd = realloc(o->devices, (o->n_devices + 1) * sizeof(*nd));
                if (!nd) {
                        free(d.host_path);
                        free(d.container_path);
                        return -ENOMEM;
                }
                o->devices = nd;
                o->devices[o->n_devices++] = d;
                return 0;
        }
        if (strcmp(flag, "ulimit") == 0) {
                struct berth_ulimit u;
                r = berth_runopt_parse_ulimit(v, &u, err);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < o->n_ulimits; i++)
                        if (o->ulimits[i].resource == u.resource)
                                return o->ulimits[i] = u, 0; /* a later one wins */
                struct berth_ulimit *nu = realloc(o->ulimits, (o->n_ulimits + 1) * sizeof(*nu));
                if (!nu)
                        return -ENOMEM;
                o->ulimits = nu;
                o->ulimits[o->n_ulimits++] = u;
                return 0;
        }
        if (strcmp(flag, "cpus") == 0)
                return berth_runopt_parse_cpus(v, &o->nano_cpus, err);
        if (strcmp(flag, "cpuset-cpus") == 0 || strcmp(flag, "cpuset-mems") == 0) {
                r = berth_runopt_parse_cpuset(v, NULL, err);
                if (r < 0)
                        return r;
                char **field = flag[7] == 'c' ? &o->cpuset_cpus : &o->cpuset_mems;
                free(*field);
                *field = strdup(v);
                return *field ? 0 : -ENOMEM;
        }
        if (strcmp(flag, "blkio-weight") == 0) {
                int w;
                if (berth_parse_int(v, 0, 65535, &w) < 0)
                        return berth_error_set(
                            err, EINVAL, "strconv.ParseUint: parsing \"%s\": invalid syntax", v);
                if (w != 0 && (w < 10 || w > 1000))
                        return berth_error_set(err, EINVAL,
                                               "range of blkio weight is from 10 to 1000");
                o->blkio_weight = w;
                return 0;
        }
        if (strcmp(flag, "oom-score-adj") == 0) {
                int a;
                if (berth_parse_int(v, INT32_MIN, INT32_MAX, &a) < 0)
                        return berth_error_set(
                            err, EINVAL, "strconv.ParseInt: parsing \"%s\": invalid syntax", v);
                if (a < -1000 || a > 1000)
                        return berth_error_set(err, EINVAL,
                                               "invalid value %d, range for oom score adj is "
                                               "[-1000, 1000]",
                                               a);
                o->oom_score_adj = a;
                o->has_oom_score_adj = true;
                return 0;
        }
        if (strcmp(flag, "restart") == 0)
                return berth_runopt_parse_restart(v, &o->restart, err);
        if (strcmp(flag, "stop-signal") == 0)
                return berth_runopt_parse_signal(v, &o->stop_signal, err);
        if (strcmp(flag, "network") == 0)
                return set_network(o, v, err);
        return -ENOENT;
}

static int set_value(struct berth_run_opts *o, const struct flag *f, const char *v,
                     struct berth_error *err)
{
        char *base = (char *)o + f->off;
        int64_t i64;
        int r;
        switch (f->kind) {
        case K_STR: {
                char *s = strdup(v);
                if (!s)
                        return -ENOMEM;
                free(*(char **)base);
                *(char **)base = s;
                return 0;
        }
        case K_STRV:
                return berth_strv_push((char ***)base, v);
        case K_BOOL:
                return parse_bool(v, (bool *)base, err);
        case K_MEM:
                return berth_runopt_parse_memory(v, (int64_t *)base, err);
        case K_SWAP:
                return berth_runopt_parse_memory_swap(v, (int64_t *)base, err);
        case K_I64:
                return parse_i64(v, (int64_t *)base, err);
        case K_DUR:
                return berth_runopt_parse_duration(v, (int64_t *)base, err);
        case K_INT:
                r = parse_i64(v, &i64, err);
                if (r == 0 && (i64 < INT32_MIN || i64 > INT32_MAX))
                        r = berth_error_set(
                            err, EINVAL, "strconv.ParseInt: parsing \"%s\": value out of range", v);
                if (r == 0)
                        *(int *)base = (int)i64;
                return r;
        case K_SPECIAL:
                return set_special(o, f->name, v, err);
        }
        return -EINVAL;
}

int berth_runopt_set(struct berth_run_opts *o, const char *flag, const char *value,
                     struct berth_error *err)
{
        const struct flag *f = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(flags) && flag; i++)
                if (strcmp(flags[i].name, flag) == 0)
                        f = &flags[i];
        if (!f)
                return berth_error_set(err, ENOENT, "unknown flag: --%s", flag ? flag : "");
        if (!value)
                value = "";
        int r = set_value(o, f, value, err);
        if (r < 0 && r != -ENOMEM) {
                if (f->shorthand[0])
                        return berth_error_prefix(err, r,
                                                  "invalid argument \"%s\" for \"-%s, --%s\" flag",
                                                  value, f->shorthand, f->name);
                return berth_error_prefix(err, r, "invalid argument \"%s\" for \"--%s\" flag",
                                          value, f->name);
        }
        return r;
}

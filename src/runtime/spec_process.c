/* SPDX-License-Identifier: Apache-2.0 */
/* config.json "process" (also a bare process.json for exec). */
#include <ctype.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "basic/cleanup.h"
#include "basic/json.h"
#include "basic/strutil.h"
#include "runtime/spec.h"
#include "runtime/spec_internal.h"
#include "basic/banned.h"

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif
#define BERTH_SCHED_ISO 4 /* reserved by the kernel ABI, never implemented */

static int parse_user(json_t *proc, const char *pwhat, struct berth_user *u,
                      struct berth_error *err)
{
        json_t *o = NULL;
        char what[SPEC_PATH_MAX];
        spec_path(what, "%s.user", pwhat);
        int r = spec_get_object(proc, "user", pwhat, &o, err);
        if (r < 0 || !o)
                return r;
        /* (uid_t)-1 means "no change" to setresuid(): never a container user. */
        int64_t v = 0;
        bool has = false;
        r = spec_get_int_range(o, "uid", what, 0, UINT32_MAX - 1, false, &v, &has, err);
        if (r < 0)
                return r;
        u->uid = (uint32_t)v;
        v = 0;
        r = spec_get_int_range(o, "gid", what, 0, UINT32_MAX - 1, false, &v, &has, err);
        if (r < 0)
                return r;
        u->gid = (uint32_t)v;
        r = spec_get_int_range(o, "umask", what, 0, 0777, false, &v, &u->has_umask, err);
        if (r < 0)
                return r;
        if (u->has_umask)
                u->umask = (uint32_t)v;

        json_t *arr = NULL;
        r = spec_get_array(o, "additionalGids", what, &arr, err);
        if (r < 0 || !arr)
                return r;
        size_t n = json_array_size(arr);
        if (n == 0)
                return 0;
        u->additional_gids = calloc(n, sizeof(uint32_t));
        if (!u->additional_gids)
                return spec_oom(err);
        for (size_t i = 0; i < n; i++) {
                json_t *g = json_array_get(arr, i);
                if (!json_is_integer(g) || json_integer_value(g) < 0 ||
                    json_integer_value(g) >= UINT32_MAX)
                        return berth_error_set(err, EINVAL,
                                               "%s.additionalGids[%zu] must be a group id "
                                               "(0 to 4294967294)",
                                               what, i);
                u->additional_gids[i] = (uint32_t)json_integer_value(g);
                u->n_additional_gids = i + 1;
        }
        return 0;
}

static const char *const cap_set_keys[] = {"bounding", "effective", "inheritable", "permitted",
                                           "ambient"};

static int parse_caps(json_t *proc, const char *pwhat, struct berth_caps *c,
                      struct berth_error *err)
{
        json_t *o = NULL;
        char what[SPEC_PATH_MAX];
        spec_path(what, "%s.capabilities", pwhat);
        int r = spec_get_object(proc, "capabilities", pwhat, &o, err);
        if (r < 0 || !o)
                return r;
        c->present = true;
        uint64_t *sets[] = {&c->bounding, &c->effective, &c->inheritable, &c->permitted,
                            &c->ambient};
        for (size_t k = 0; k < ARRAY_SIZE(cap_set_keys); k++) {
                json_t *arr = NULL;
                r = spec_get_array(o, cap_set_keys[k], what, &arr, err);
                if (r < 0)
                        return r;
                size_t i;
                json_t *v;
                json_array_foreach (arr, i, v) {
                        if (!json_is_string(v))
                                return berth_error_set(err, EINVAL, "%s.%s[%zu] must be a string",
                                                       what, cap_set_keys[k], i);
                        int cap = berth_cap_from_name(json_string_value(v));
                        if (cap < 0 || strlen(json_string_value(v)) != json_string_length(v))
                                return berth_error_set(err, EINVAL,
                                                       "%s.%s[%zu]: unknown capability '%s'", what,
                                                       cap_set_keys[k], i, json_string_value(v));
                        *sets[k] |= UINT64_C(1) << cap;
                }
        }
        return 0;
}

static int parse_rlimits(json_t *proc, const char *pwhat, struct berth_process *p,
                         struct berth_error *err)
{
        json_t *arr = NULL;
        int r = spec_get_array(proc, "rlimits", pwhat, &arr, err);
        if (r < 0 || !arr || json_array_size(arr) == 0)
                return r;
        size_t n = json_array_size(arr);
        p->rlimits = calloc(n, sizeof(*p->rlimits));
        if (!p->rlimits)
                return spec_oom(err);
        for (size_t i = 0; i < n; i++) {
                json_t *o;
                r = spec_array_object(arr, i, pwhat, "rlimits", &o, err);
                if (r < 0)
                        return r;
                char what[SPEC_PATH_MAX];
                spec_path(what, "%s.rlimits[%zu]", pwhat, i);
                const char *type;
                r = spec_get_string_req(o, "type", what, &type, err);
                if (r < 0)
                        return r;
                int res = berth_rlimit_from_name(type);
                if (res < 0)
                        return berth_error_set(err, EINVAL, "%s.type: unknown rlimit '%s'", what,
                                               type);
                for (size_t j = 0; j < i; j++)
                        if (p->rlimits[j].resource == res)
                                return berth_error_set(err, EINVAL, "%s.rlimits: '%s' listed twice",
                                                       pwhat, type);
                struct berth_rlimit *rl = &p->rlimits[i];
                rl->resource = res;
                /* -1 is RLIM_INFINITY (UINT64_MAX), which JSON integers cannot spell. */
                r = spec_get_u64(o, "soft", what, true, true, &rl->soft, NULL, err);
                if (r < 0)
                        return r;
                r = spec_get_u64(o, "hard", what, true, true, &rl->hard, NULL, err);
                if (r < 0)
                        return r;
                if (rl->soft > rl->hard)
                        return berth_error_set(
                            err, EINVAL, "%s: soft limit %llu is above hard limit %llu", what,
                            (unsigned long long)rl->soft, (unsigned long long)rl->hard);
                p->n_rlimits = i + 1;
        }
        return 0;
}

static int parse_io_priority(json_t *proc, const char *pwhat, struct berth_process *p,
                             struct berth_error *err)
{
        static const struct {
                const char *name;
                int cls;
        } classes[] = {{"IOPRIO_CLASS_RT", 1}, {"IOPRIO_CLASS_BE", 2}, {"IOPRIO_CLASS_IDLE", 3}};
        json_t *o = NULL;
        char what[SPEC_PATH_MAX];
        spec_path(what, "%s.ioPriority", pwhat);
        int r = spec_get_object(proc, "ioPriority", pwhat, &o, err);
        if (r < 0 || !o)
                return r;
        const char *cls;
        r = spec_get_string_req(o, "class", what, &cls, err);
        if (r < 0)
                return r;
        p->io_priority_class = -1;
        for (size_t i = 0; i < ARRAY_SIZE(classes); i++)
                if (strcmp(classes[i].name, cls) == 0)
                        p->io_priority_class = classes[i].cls;
        if (p->io_priority_class < 0)
                return berth_error_set(err, EINVAL, "%s.class: unknown class '%s'", what, cls);
        int64_t prio = 0;
        r = spec_get_int_range(o, "priority", what, 0, 7, false, &prio, NULL, err);
        if (r < 0)
                return r;
        p->io_priority = (int)prio;
        p->has_io_priority = true;
        return 0;
}

static const struct {
        const char *name;
        int value;
} sched_policies[] =
    {
        {"SCHED_OTHER", SCHED_OTHER},
        {"SCHED_FIFO", SCHED_FIFO},
        {"SCHED_RR", SCHED_RR},
        {"SCHED_BATCH", SCHED_BATCH},
        {"SCHED_ISO", BERTH_SCHED_ISO},
        {"SCHED_IDLE", SCHED_IDLE},
        {"SCHED_DEADLINE", SCHED_DEADLINE},
},
  sched_flags[] = {
      {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
      {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
      {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
      {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

static int parse_sched_flags(json_t *o, const char *what, struct berth_process *p,
                             struct berth_error *err)
{
        json_t *arr = NULL;
        int r = spec_get_array(o, "flags", what, &arr, err);
        if (r < 0 || !arr)
                return r;
        size_t i;
        json_t *v;
        json_array_foreach (arr, i, v) {
                const char *name = json_string_value(v);
                if (!name)
                        return berth_error_set(err, EINVAL, "%s.flags[%zu] must be a string", what,
                                               i);
                bool found = false;
                for (size_t k = 0; k < ARRAY_SIZE(sched_flags); k++)
                        if (strcmp(sched_flags[k].name, name) == 0) {
                                p->sched_flags |= (uint64_t)sched_flags[k].value;
                                found = true;
                        }
                if (!found)
                        return berth_error_set(err, EINVAL, "%s.flags[%zu]: unknown flag '%s'",
                                               what, i, name);
        }
        return 0;
}

static int parse_scheduler(json_t *proc, const char *pwhat, struct berth_process *p,
                           struct berth_error *err)
{
        json_t *o = NULL;
        char what[SPEC_PATH_MAX];
        spec_path(what, "%s.scheduler", pwhat);
        int r = spec_get_object(proc, "scheduler", pwhat, &o, err);
        if (r < 0 || !o)
                return r;
        const char *pol;
        r = spec_get_string_req(o, "policy", what, &pol, err);
        if (r < 0)
                return r;
        p->sched_policy = -1;
        for (size_t i = 0; i < ARRAY_SIZE(sched_policies); i++)
                if (strcmp(sched_policies[i].name, pol) == 0)
                        p->sched_policy = sched_policies[i].value;
        if (p->sched_policy < 0)
                return berth_error_set(err, EINVAL, "%s.policy: unknown policy '%s'", what, pol);
        int64_t v = 0;
        r = spec_get_int_range(o, "nice", what, -20, 19, false, &v, NULL, err);
        if (r < 0)
                return r;
        p->sched_nice = (int)v;
        v = 0;
        r = spec_get_int_range(o, "priority", what, 0, 99, false, &v, NULL, err);
        if (r < 0)
                return r;
        p->sched_priority = (int)v;
        r = parse_sched_flags(o, what, p, err);
        if (r < 0)
                return r;
        uint64_t *dst[] = {&p->sched_runtime, &p->sched_deadline, &p->sched_period};
        static const char *const keys[] = {"runtime", "deadline", "period"};
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
                r = spec_get_u64(o, keys[i], what, false, false, dst[i], NULL, err);
                if (r < 0)
                        return r;
        }
        if ((p->sched_policy == SCHED_FIFO || p->sched_policy == SCHED_RR) && p->sched_priority < 1)
                return berth_error_set(
                    err, EINVAL, "%s.priority: policy %s needs a priority of 1 to 99", what, pol);
        p->has_scheduler = true;
        return 0;
}

/* A cpu list as in cpuset.cpus: "0-3,7,9-10". */
bool spec_valid_cpu_list(const char *s)
{
        if (!*s)
                return false;
        const char *c = s;
        while (*c) {
                if (!isdigit((unsigned char)*c))
                        return false;
                while (isdigit((unsigned char)*c))
                        c++;
                if (*c == '-') {
                        c++;
                        if (!isdigit((unsigned char)*c))
                                return false;
                        while (isdigit((unsigned char)*c))
                                c++;
                }
                if (*c == ',') {
                        c++;
                        if (!*c)
                                return false;
                } else if (*c) {
                        return false;
                }
        }
        return true;
}

static int parse_affinity(json_t *proc, const char *pwhat, struct berth_process *p,
                          struct berth_error *err)
{
        json_t *o = NULL;
        char what[SPEC_PATH_MAX];
        spec_path(what, "%s.execCPUAffinity", pwhat);
        int r = spec_get_object(proc, "execCPUAffinity", pwhat, &o, err);
        if (r < 0 || !o)
                return r;
        static const char *const keys[] = {"initial", "final"};
        char **dst[] = {&p->exec_cpu_affinity_initial, &p->exec_cpu_affinity_final};
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
                r = spec_get_strdup(o, keys[i], what, dst[i], err);
                if (r < 0)
                        return r;
                if (*dst[i] && !spec_valid_cpu_list(*dst[i]))
                        return berth_error_set(err, EINVAL, "%s.%s: invalid cpu list '%s'", what,
                                               keys[i], *dst[i]);
        }
        return 0;
}

static int parse_console(json_t *proc, const char *pwhat, struct berth_process *p,
                         struct berth_error *err)
{
        int r = berth_json_get_bool(proc, "terminal", pwhat, &p->terminal, err);
        if (r < 0)
                return r;
        json_t *o = NULL;
        char what[SPEC_PATH_MAX];
        spec_path(what, "%s.consoleSize", pwhat);
        r = spec_get_object(proc, "consoleSize", pwhat, &o, err);
        if (r < 0 || !o)
                return r;
        if (!p->terminal)
                return berth_error_set(err, EINVAL, "%s is only allowed with %s.terminal true",
                                       what, pwhat);
        int64_t h, w;
        r = spec_get_int_range(o, "height", what, 0, UINT16_MAX, true, &h, NULL, err);
        if (r < 0)
                return r;
        r = spec_get_int_range(o, "width", what, 0, UINT16_MAX, true, &w, NULL, err);
        if (r < 0)
                return r;
        p->console_height = (unsigned)h;
        p->console_width = (unsigned)w;
        p->has_console_size = true;
        return 0;
}

static int parse_args_env(json_t *proc, const char *what, struct berth_process *p,
                          struct berth_error *err)
{
        int r = spec_get_strv(proc, "args", what, &p->args, err);
        if (r < 0)
                return r;
        if (p->args && !p->args[0])
                return berth_error_set(err, EINVAL, "%s.args must not be empty", what);
        if (p->args && !p->args[0][0])
                return berth_error_set(err, EINVAL, "%s.args[0] must not be empty", what);
        r = spec_get_strv(proc, "env", what, &p->env, err);
        if (r < 0)
                return r;
        for (size_t i = 0; p->env && p->env[i]; i++) {
                const char *eq = strchr(p->env[i], '=');
                if (!eq || eq == p->env[i])
                        return berth_error_set(err, EINVAL,
                                               "%s.env[%zu]: '%s' is not of the form KEY=VALUE",
                                               what, i, p->env[i]);
        }
        return 0;
}

int spec_parse_process_obj(json_t *proc, const char *what, struct berth_process *p,
                           struct berth_error *err)
{
        int r = parse_console(proc, what, p, err);
        if (r < 0)
                return r;
        const char *cwd;
        r = spec_get_string_req(proc, "cwd", what, &cwd, err);
        if (r < 0)
                return r;
        if (cwd[0] != '/')
                return berth_error_set(err, EINVAL, "%s.cwd: '%s' is not an absolute path", what,
                                       cwd);
        p->cwd = strdup(cwd);
        if (!p->cwd)
                return spec_oom(err);
        json_t *cl = json_object_get(proc, "commandLine");
        if (cl && !json_is_null(cl))
                return berth_error_set(err, EINVAL, "%s.commandLine is Windows-only; use %s.args",
                                       what, what);
        r = parse_args_env(proc, what, p, err);
        if (r < 0)
                return r;
        r = parse_user(proc, what, &p->user, err);
        if (r < 0)
                return r;
        r = parse_caps(proc, what, &p->caps, err);
        if (r < 0)
                return r;
        r = parse_rlimits(proc, what, p, err);
        if (r < 0)
                return r;
        r = berth_json_get_bool(proc, "noNewPrivileges", what, &p->no_new_privileges, err);
        if (r < 0)
                return r;
        r = spec_get_strdup(proc, "apparmorProfile", what, &p->apparmor_profile, err);
        if (r < 0)
                return r;
        r = spec_get_strdup(proc, "selinuxLabel", what, &p->selinux_label, err);
        if (r < 0)
                return r;
        int64_t oom = 0;
        r = spec_get_int_range(proc, "oomScoreAdj", what, -1000, 1000, false, &oom,
                               &p->has_oom_score_adj, err);
        if (r < 0)
                return r;
        p->oom_score_adj = (int)oom;
        r = parse_io_priority(proc, what, p, err);
        if (r < 0)
                return r;
        r = parse_scheduler(proc, what, p, err);
        if (r < 0)
                return r;
        return parse_affinity(proc, what, p, err);
}

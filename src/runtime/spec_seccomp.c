/* SPDX-License-Identifier: Apache-2.0 */
/* config.json "linux.seccomp". */
#include <stdlib.h>
#include <string.h>

#include "basic/cleanup.h"
#include "basic/json.h"
#include "basic/strutil.h"
#include "runtime/spec.h"
#include "runtime/spec_internal.h"
#include "basic/banned.h"

static const struct {
        const char *name;
        enum berth_seccomp_action action;
} actions[] = {
    {"SCMP_ACT_KILL", BERTH_SECCOMP_KILL},
    {"SCMP_ACT_KILL_PROCESS", BERTH_SECCOMP_KILL_PROCESS},
    {"SCMP_ACT_KILL_THREAD", BERTH_SECCOMP_KILL_THREAD},
    {"SCMP_ACT_TRAP", BERTH_SECCOMP_TRAP},
    {"SCMP_ACT_ERRNO", BERTH_SECCOMP_ERRNO},
    {"SCMP_ACT_TRACE", BERTH_SECCOMP_TRACE},
    {"SCMP_ACT_ALLOW", BERTH_SECCOMP_ALLOW},
    {"SCMP_ACT_LOG", BERTH_SECCOMP_LOG},
    {"SCMP_ACT_NOTIFY", BERTH_SECCOMP_NOTIFY},
};

static const struct {
        const char *name;
        enum berth_seccomp_op op;
} ops[] = {
    {"SCMP_CMP_NE", BERTH_SECCOMP_OP_NE},
    {"SCMP_CMP_LT", BERTH_SECCOMP_OP_LT},
    {"SCMP_CMP_LE", BERTH_SECCOMP_OP_LE},
    {"SCMP_CMP_EQ", BERTH_SECCOMP_OP_EQ},
    {"SCMP_CMP_GE", BERTH_SECCOMP_OP_GE},
    {"SCMP_CMP_GT", BERTH_SECCOMP_OP_GT},
    {"SCMP_CMP_MASKED_EQ", BERTH_SECCOMP_OP_MASKED_EQ},
};

/* The architectures Debian 12's libseccomp (2.5.4) knows, as src/runtime/seccomp.c maps
 * them: a config naming another is refused here, at parse time, not when compiling. */
static const char *const arches[] = {
    "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
};

static const char *const filter_flags[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

const char *berth_seccomp_action_to_string(enum berth_seccomp_action a)
{
        for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
                if (actions[i].action == a)
                        return actions[i].name;
        return NULL;
}

static int parse_action(json_t *o, const char *key, const char *what,
                        enum berth_seccomp_action *out, struct berth_error *err)
{
        const char *v;
        int r = spec_get_string_req(o, key, what, &v, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
                if (strcmp(actions[i].name, v) == 0) {
                        *out = actions[i].action;
                        return 0;
                }
        return berth_error_set(err, EINVAL, "%s.%s: unknown action '%s'", what, key, v);
}

static int check_names(char **v, const char *const *table, size_t n, const char *what,
                       const char *kind, struct berth_error *err)
{
        for (size_t i = 0; v && v[i]; i++) {
                bool ok = false;
                for (size_t k = 0; k < n && !ok; k++)
                        ok = strcmp(table[k], v[i]) == 0;
                if (!ok)
                        return berth_error_set(err, EINVAL, "%s[%zu]: unknown %s '%s'", what, i,
                                               kind, v[i]);
        }
        return 0;
}

static int parse_arg(json_t *o, const char *what, struct berth_seccomp_arg *a,
                     struct berth_error *err)
{
        int64_t idx;
        int r = spec_get_int_range(o, "index", what, 0, 5, true, &idx, NULL, err);
        if (r < 0)
                return r;
        a->index = (unsigned)idx;
        r = spec_get_u64(o, "value", what, false, true, &a->value, NULL, err);
        if (r < 0)
                return r;
        r = spec_get_u64(o, "valueTwo", what, false, false, &a->value_two, NULL, err);
        if (r < 0)
                return r;
        const char *op;
        r = spec_get_string_req(o, "op", what, &op, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
                if (strcmp(ops[i].name, op) == 0) {
                        a->op = ops[i].op;
                        return 0;
                }
        return berth_error_set(err, EINVAL, "%s.op: unknown operator '%s'", what, op);
}

static int parse_errno_ret(json_t *o, const char *key, const char *what,
                           enum berth_seccomp_action action, bool *has, uint32_t *out,
                           struct berth_error *err)
{
        int64_t v;
        int r = spec_get_int_range(o, key, what, 0, 4095, false, &v, has, err);
        if (r < 0)
                return r;
        if (*has)
                *out = (uint32_t)v;
        if (*has && action != BERTH_SECCOMP_ERRNO && action != BERTH_SECCOMP_TRACE)
                return berth_error_set(err, EINVAL,
                                       "%s.%s is only valid with SCMP_ACT_ERRNO or "
                                       "SCMP_ACT_TRACE",
                                       what, key);
        return 0;
}

static int parse_rule(json_t *o, const char *what, struct berth_seccomp_rule *rule,
                      struct berth_error *err)
{
        int r = spec_get_strv(o, "names", what, &rule->names, err);
        if (r < 0)
                return r;
        if (!rule->names || !rule->names[0])
                return berth_error_set(err, EINVAL, "%s.names must list at least one syscall",
                                       what);
        for (size_t i = 0; rule->names[i]; i++)
                if (!rule->names[i][0])
                        return berth_error_set(err, EINVAL, "%s.names[%zu] must not be empty", what,
                                               i);
        r = parse_action(o, "action", what, &rule->action, err);
        if (r < 0)
                return r;
        r = parse_errno_ret(o, "errnoRet", what, rule->action, &rule->has_errno_ret,
                            &rule->errno_ret, err);
        if (r < 0)
                return r;
        json_t *arr = NULL;
        r = spec_get_array(o, "args", what, &arr, err);
        if (r < 0 || !arr || json_array_size(arr) == 0)
                return r;
        size_t n = json_array_size(arr);
        rule->args = calloc(n, sizeof(*rule->args));
        if (!rule->args)
                return spec_oom(err);
        for (size_t i = 0; i < n; i++) {
                json_t *ao;
                r = spec_array_object(arr, i, what, "args", &ao, err);
                if (r < 0)
                        return r;
                char awhat[SPEC_PATH_MAX];
                spec_path(awhat, "%s.args[%zu]", what, i);
                rule->n_args = i + 1;
                r = parse_arg(ao, awhat, &rule->args[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_rules(json_t *obj, struct berth_seccomp *sc, struct berth_error *err)
{
        json_t *arr = NULL;
        int r = spec_get_array(obj, "syscalls", "linux.seccomp", &arr, err);
        if (r < 0 || !arr || json_array_size(arr) == 0)
                return r;
        size_t n = json_array_size(arr);
        sc->syscalls = calloc(n, sizeof(*sc->syscalls));
        if (!sc->syscalls)
                return spec_oom(err);
        for (size_t i = 0; i < n; i++) {
                json_t *o;
                r = spec_array_object(arr, i, "linux.seccomp", "syscalls", &o, err);
                if (r < 0)
                        return r;
                char what[SPEC_PATH_MAX];
                spec_path(what, "linux.seccomp.syscalls[%zu]", i);
                sc->n_syscalls = i + 1;
                r = parse_rule(o, what, &sc->syscalls[i], err);
                if (r < 0)
                        return r;
                if (sc->syscalls[i].action == BERTH_SECCOMP_NOTIFY && !sc->listener_path)
                        return berth_error_set(err, EINVAL,
                                               "%s.action: SCMP_ACT_NOTIFY needs "
                                               "linux.seccomp.listenerPath",
                                               what);
        }
        return 0;
}

int spec_parse_seccomp(json_t *obj, struct berth_seccomp *sc, struct berth_error *err)
{
        const char *what = "linux.seccomp";
        int r = parse_action(obj, "defaultAction", what, &sc->default_action, err);
        if (r < 0)
                return r;
        if (sc->default_action == BERTH_SECCOMP_NOTIFY)
                return berth_error_set(err, EINVAL,
                                       "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be "
                                       "the default action");
        r = parse_errno_ret(obj, "defaultErrnoRet", what, sc->default_action,
                            &sc->has_default_errno_ret, &sc->default_errno_ret, err);
        if (r < 0)
                return r;
        r = spec_get_strv(obj, "architectures", what, &sc->architectures, err);
        if (r < 0)
                return r;
        r = check_names(sc->architectures, arches, ARRAY_SIZE(arches),
                        "linux.seccomp.architectures", "architecture", err);
        if (r < 0)
                return r;
        r = spec_get_strv(obj, "flags", what, &sc->flags, err);
        if (r < 0)
                return r;
        r = check_names(sc->flags, filter_flags, ARRAY_SIZE(filter_flags), "linux.seccomp.flags",
                        "flag", err);
        if (r < 0)
                return r;
        r = spec_get_strdup(obj, "listenerPath", what, &sc->listener_path, err);
        if (r < 0)
                return r;
        if (sc->listener_path && sc->listener_path[0] != '/')
                return berth_error_set(err, EINVAL,
                                       "linux.seccomp.listenerPath: '%s' is not an absolute path",
                                       sc->listener_path);
        r = spec_get_strdup(obj, "listenerMetadata", what, &sc->listener_metadata, err);
        if (r < 0)
                return r;
        return parse_rules(obj, sc, err);
}

void spec_seccomp_free(struct berth_seccomp *sc)
{
        berth_strv_free(sc->architectures);
        berth_strv_free(sc->flags);
        free(sc->listener_path);
        free(sc->listener_metadata);
        for (size_t i = 0; i < sc->n_syscalls; i++) {
                berth_strv_free(sc->syscalls[i].names);
                free(sc->syscalls[i].args);
        }
        free(sc->syscalls);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* config.json "linux.resources" (also the JSON `runc update --resources` takes). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cleanup.h"
#include "basic/json.h"
#include "basic/strutil.h"
#include "runtime/spec.h"
#include "runtime/spec_internal.h"
#include "basic/banned.h"

static int parse_access(json_t *o, const char *what, char access[4], struct berth_error *err)
{
        const char *a = NULL;
        int r = berth_json_get_string(o, "access", what, &a, err);
        if (r < 0)
                return r;
        if (!a)
                a = "rwm";
        bool rd = false, wr = false, mk = false;
        for (const char *c = a; *c; c++) {
                if (*c == 'r')
                        rd = true;
                else if (*c == 'w')
                        wr = true;
                else if (*c == 'm')
                        mk = true;
                else
                        return berth_error_set(
                            err, EINVAL, "%s.access: '%s' is not a subset of \"rwm\"", what, a);
        }
        if (!*a)
                return berth_error_set(err, EINVAL, "%s.access must not be empty", what);
        size_t n = 0;
        if (rd)
                access[n++] = 'r';
        if (wr)
                access[n++] = 'w';
        if (mk)
                access[n++] = 'm';
        access[n] = '\0';
        return 0;
}

static int parse_device_rule(json_t *o, const char *what, struct berth_device_rule *d,
                             struct berth_error *err)
{
        json_t *allow = json_object_get(o, "allow");
        if (!json_is_boolean(allow))
                return berth_error_set(err, EINVAL, "%s.allow is required and must be a boolean",
                                       what);
        d->allow = json_is_true(allow);
        const char *t = NULL;
        int r = berth_json_get_string(o, "type", what, &t, err);
        if (r < 0)
                return r;
        d->type = 'a';
        if (t) {
                if (strlen(t) != 1 || !strchr("acb", t[0]))
                        return berth_error_set(err, EINVAL,
                                               "%s.type: unknown device type '%s' (want a, c or b)",
                                               what, t);
                d->type = t[0];
        }
        d->major = d->minor = -1;
        r = spec_get_int_range(o, "major", what, -1, 0xfff, false, &d->major, NULL, err);
        if (r < 0)
                return r;
        r = spec_get_int_range(o, "minor", what, -1, 0xfffff, false, &d->minor, NULL, err);
        if (r < 0)
                return r;
        return parse_access(o, what, d->access, err);
}

static int parse_device_rules(json_t *res, const char *rwhat, struct berth_resources *r,
                              struct berth_error *err)
{
        json_t *arr = NULL;
        int ret = spec_get_array(res, "devices", rwhat, &arr, err);
        if (ret < 0 || !arr || json_array_size(arr) == 0)
                return ret;
        size_t n = json_array_size(arr);
        r->devices = calloc(n, sizeof(*r->devices));
        if (!r->devices)
                return spec_oom(err);
        for (size_t i = 0; i < n; i++) {
                json_t *o;
                ret = spec_array_object(arr, i, rwhat, "devices", &o, err);
                if (ret < 0)
                        return ret;
                char what[SPEC_PATH_MAX];
                spec_path(what, "%s.devices[%zu]", rwhat, i);
                ret = parse_device_rule(o, what, &r->devices[i], err);
                if (ret < 0)
                        return ret;
                r->n_devices = i + 1;
        }
        return 0;
}

static int parse_memory(json_t *res, const char *rwhat, struct berth_resources *r,
                        struct berth_error *err)
{
        json_t *o = NULL;
        int ret = spec_get_object(res, "memory", rwhat, &o, err);
        if (ret < 0 || !o)
                return ret;
        char what[SPEC_PATH_MAX];
        spec_path(what, "%s.memory", rwhat);
        static const char *const keys[] = {"limit", "reservation", "swap", "kernel", "kernelTCP"};
        int64_t *vals[] = {&r->mem_limit, &r->mem_reservation, &r->mem_swap, &r->mem_kernel,
                           &r->mem_kernel_tcp};
        bool *has[] = {&r->has_mem_limit, &r->has_mem_reservation, &r->has_mem_swap,
                       &r->has_mem_kernel, &r->has_mem_kernel_tcp};
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
                ret = spec_get_int_range(o, keys[i], what, -1, INT64_MAX, false, vals[i], has[i],
                                         err);
                if (ret < 0)
                        return ret;
        }
        int64_t sw;
        ret = spec_get_int_range(o, "swappiness", what, 0, 100, false, &sw, &r->has_mem_swappiness,
                                 err);
        if (ret < 0)
                return ret;
        if (r->has_mem_swappiness)
                r->mem_swappiness = (uint64_t)sw;
        /* 0 is "not set" (what runc and Docker send for an unset limit); never a limit of
         * zero bytes. */
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
                if (*has[i] && *vals[i] == 0)
                        *has[i] = false;
        if (r->has_mem_limit && r->has_mem_swap && r->mem_limit > 0 && r->mem_swap > 0 &&
            r->mem_swap < r->mem_limit)
                return berth_error_set(err, EINVAL,
                                       "%s.swap: %lld is below memory.limit %lld (swap is memory "
                                       "plus swap)",
                                       what, (long long)r->mem_swap, (long long)r->mem_limit);
        static const char *const bkeys[] = {"disableOOMKiller", "useHierarchy",
                                            "checkBeforeUpdate"};
        bool *bvals[] = {&r->mem_disable_oom_killer, &r->mem_use_hierarchy,
                         &r->mem_check_before_update};
        for (size_t i = 0; i < ARRAY_SIZE(bkeys); i++) {
                ret = berth_json_get_bool(o, bkeys[i], what, bvals[i], err);
                if (ret < 0)
                        return ret;
        }
        return 0;
}

static int parse_cpuset(json_t *o, const char *key, const char *what, char **out,
                        struct berth_error *err)
{
        int ret = spec_get_strdup(o, key, what, out, err);
        if (ret < 0 || !*out)
                return ret;
        if (!**out) { /* "" means "not set" */
                free(*out);
                *out = NULL;
                return 0;
        }
        if (!spec_valid_cpu_list(*out))
                return berth_error_set(err, EINVAL, "%s.%s: invalid list '%s'", what, key, *out);
        return 0;
}

static int parse_cpu(json_t *res, const char *rwhat, struct berth_resources *r,
                     struct berth_error *err)
{
        json_t *o = NULL;
        int ret = spec_get_object(res, "cpu", rwhat, &o, err);
        if (ret < 0 || !o)
                return ret;
        char what[SPEC_PATH_MAX];
        spec_path(what, "%s.cpu", rwhat);
        if ((ret = spec_get_u64(o, "shares", what, false, false, &r->cpu_shares, &r->has_cpu_shares,
                                err)) < 0 ||
            (ret = spec_get_int_range(o, "quota", what, -1, INT64_MAX, false, &r->cpu_quota,
                                      &r->has_cpu_quota, err)) < 0 ||
            (ret = spec_get_u64(o, "burst", what, false, false, &r->cpu_burst, &r->has_cpu_burst,
                                err)) < 0 ||
            (ret = spec_get_u64(o, "period", what, false, false, &r->cpu_period, &r->has_cpu_period,
                                err)) < 0 ||
            (ret = spec_get_int_range(o, "realtimeRuntime", what, -1, INT64_MAX, false,
                                      &r->cpu_realtime_runtime, &r->has_cpu_realtime_runtime,
                                      err)) < 0 ||
            (ret = spec_get_u64(o, "realtimePeriod", what, false, false, &r->cpu_realtime_period,
                                &r->has_cpu_realtime_period, err)) < 0 ||
            (ret = spec_get_int_range(o, "idle", what, 0, 1, false, &r->cpu_idle, &r->has_cpu_idle,
                                      err)) < 0)
                return ret;
        /* 0 is "not set" for shares, quota and period (what Docker and runc send by
         * default); the cgroup files refuse 0. */
        if (r->has_cpu_shares && r->cpu_shares == 0)
                r->has_cpu_shares = false;
        if (r->has_cpu_period && r->cpu_period == 0)
                r->has_cpu_period = false;
        if (r->has_cpu_quota && r->cpu_quota == 0)
                r->has_cpu_quota = false;
        if (r->has_cpu_shares && r->cpu_shares != 0 &&
            (r->cpu_shares < 2 || r->cpu_shares > 262144))
                return berth_error_set(err, ERANGE, "%s.shares: %llu is out of range (2 to 262144)",
                                       what, (unsigned long long)r->cpu_shares);
        if (r->has_cpu_period && r->cpu_period != 0 &&
            (r->cpu_period < 1000 || r->cpu_period > 1000000))
                return berth_error_set(err, ERANGE,
                                       "%s.period: %llu is out of range (1000 to 1000000 us)", what,
                                       (unsigned long long)r->cpu_period);
        if (r->has_cpu_quota && r->cpu_quota > 0 && r->cpu_quota < 1000)
                return berth_error_set(err, ERANGE, "%s.quota: %lld is below 1000 us", what,
                                       (long long)r->cpu_quota);
        ret = parse_cpuset(o, "cpus", what, &r->cpuset_cpus, err);
        if (ret < 0)
                return ret;
        return parse_cpuset(o, "mems", what, &r->cpuset_mems, err);
}

static int parse_pids(json_t *res, const char *rwhat, struct berth_resources *r,
                      struct berth_error *err)
{
        json_t *o = NULL;
        int ret = spec_get_object(res, "pids", rwhat, &o, err);
        if (ret < 0 || !o)
                return ret;
        char what[SPEC_PATH_MAX];
        spec_path(what, "%s.pids", rwhat);
        ret = spec_get_int_range(o, "limit", what, INT64_MIN, INT64_MAX, false, &r->pids_limit,
                                 &r->has_pids_limit, err);
        if (ret < 0)
                return ret;
        /* The spec has said "<= 0 is no limit"; keep one spelling of unlimited: -1. */
        if (r->has_pids_limit && r->pids_limit <= 0)
                r->pids_limit = -1;
        return 0;
}

static int get_weight(json_t *o, const char *key, const char *what, bool *has, uint16_t *out,
                      struct berth_error *err)
{
        int64_t v;
        bool h = false;
        int ret = spec_get_int_range(o, key, what, 0, 1000, false, &v, &h, err);
        if (ret < 0)
                return ret;
        if (h && v != 0 && v < 10)
                return berth_error_set(err, ERANGE, "%s.%s: %lld is out of range (10 to 1000)",
                                       what, key, (long long)v);
        if (h && v != 0) { /* 0 = not set */
                *has = true;
                *out = (uint16_t)v;
        }
        return 0;
}

static int parse_weight_devices(json_t *o, const char *bwhat, struct berth_resources *r,
                                struct berth_error *err)
{
        json_t *arr = NULL;
        int ret = spec_get_array(o, "weightDevice", bwhat, &arr, err);
        if (ret < 0 || !arr || json_array_size(arr) == 0)
                return ret;
        size_t n = json_array_size(arr);
        r->blkio_weight_devices = calloc(n, sizeof(*r->blkio_weight_devices));
        if (!r->blkio_weight_devices)
                return spec_oom(err);
        for (size_t i = 0; i < n; i++) {
                json_t *d;
                ret = spec_array_object(arr, i, bwhat, "weightDevice", &d, err);
                if (ret < 0)
                        return ret;
                char what[SPEC_PATH_MAX];
                spec_path(what, "%s.weightDevice[%zu]", bwhat, i);
                struct berth_weight_device *w = &r->blkio_weight_devices[i];
                if ((ret = spec_get_int_range(d, "major", what, 0, 0xfff, true, &w->major, NULL,
                                              err)) < 0 ||
                    (ret = spec_get_int_range(d, "minor", what, 0, 0xfffff, true, &w->minor, NULL,
                                              err)) < 0 ||
                    (ret = get_weight(d, "weight", what, &w->has_weight, &w->weight, err)) < 0 ||
                    (ret = get_weight(d, "leafWeight", what, &w->has_leaf_weight, &w->leaf_weight,
                                      err)) < 0)
                        return ret;
                r->n_blkio_weight_devices = i + 1;
        }
        return 0;
}

static int parse_throttle(json_t *o, const char *key, const char *bwhat,
                          struct berth_throttle_device **out, size_t *n_out,
                          struct berth_error *err)
{
        json_t *arr = NULL;
        int ret = spec_get_array(o, key, bwhat, &arr, err);
        if (ret < 0 || !arr || json_array_size(arr) == 0)
                return ret;
        size_t n = json_array_size(arr);
        *out = calloc(n, sizeof(**out));
        if (!*out)
                return spec_oom(err);
        for (size_t i = 0; i < n; i++) {
                json_t *d;
                ret = spec_array_object(arr, i, bwhat, key, &d, err);
                if (ret < 0)
                        return ret;
                char what[SPEC_PATH_MAX];
                spec_path(what, "%s.%s[%zu]", bwhat, key, i);
                struct berth_throttle_device *t = &(*out)[i];
                if ((ret = spec_get_int_range(d, "major", what, 0, 0xfff, true, &t->major, NULL,
                                              err)) < 0 ||
                    (ret = spec_get_int_range(d, "minor", what, 0, 0xfffff, true, &t->minor, NULL,
                                              err)) < 0 ||
                    (ret = spec_get_u64(d, "rate", what, false, true, &t->rate, NULL, err)) < 0)
                        return ret;
                *n_out = i + 1;
        }
        return 0;
}

static int parse_blkio(json_t *res, const char *rwhat, struct berth_resources *r,
                       struct berth_error *err)
{
        json_t *o = NULL;
        int ret = spec_get_object(res, "blockIO", rwhat, &o, err);
        if (ret < 0 || !o)
                return ret;
        char what[SPEC_PATH_MAX];
        spec_path(what, "%s.blockIO", rwhat);
        if ((ret = get_weight(o, "weight", what, &r->has_blkio_weight, &r->blkio_weight, err)) <
                0 ||
            (ret = get_weight(o, "leafWeight", what, &r->has_blkio_leaf_weight,
                              &r->blkio_leaf_weight, err)) < 0 ||
            (ret = parse_weight_devices(o, what, r, err)) < 0 ||
            (ret = parse_throttle(o, "throttleReadBpsDevice", what, &r->throttle_read_bps,
                                  &r->n_throttle_read_bps, err)) < 0 ||
            (ret = parse_throttle(o, "throttleWriteBpsDevice", what, &r->throttle_write_bps,
                                  &r->n_throttle_write_bps, err)) < 0 ||
            (ret = parse_throttle(o, "throttleReadIOPSDevice", what, &r->throttle_read_iops,
                                  &r->n_throttle_read_iops, err)) < 0 ||
            (ret = parse_throttle(o, "throttleWriteIOPSDevice", what, &r->throttle_write_iops,
                                  &r->n_throttle_write_iops, err)) < 0)
                return ret;
        return 0;
}

/* "2MB", "1GB", "64KB": what the hugetlb controller's file names use. */
static bool valid_page_size(const char *s)
{
        const char *c = s;
        while (isdigit((unsigned char)*c))
                c++;
        if (c == s || c - s > 10)
                return false;
        return strcmp(c, "KB") == 0 || strcmp(c, "MB") == 0 || strcmp(c, "GB") == 0 ||
               strcmp(c, "TB") == 0 || strcmp(c, "PB") == 0;
}

static int parse_hugepages(json_t *res, const char *rwhat, struct berth_resources *r,
                           struct berth_error *err)
{
        json_t *arr = NULL;
        int ret = spec_get_array(res, "hugepageLimits", rwhat, &arr, err);
        if (ret < 0 || !arr || json_array_size(arr) == 0)
                return ret;
        size_t n = json_array_size(arr);
        r->hugepage_limits = calloc(n, sizeof(*r->hugepage_limits));
        if (!r->hugepage_limits)
                return spec_oom(err);
        for (size_t i = 0; i < n; i++) {
                json_t *o;
                ret = spec_array_object(arr, i, rwhat, "hugepageLimits", &o, err);
                if (ret < 0)
                        return ret;
                char what[SPEC_PATH_MAX];
                spec_path(what, "%s.hugepageLimits[%zu]", rwhat, i);
                struct berth_hugepage_limit *h = &r->hugepage_limits[i];
                r->n_hugepage_limits = i + 1;
                const char *ps;
                ret = spec_get_string_req(o, "pageSize", what, &ps, err);
                if (ret < 0)
                        return ret;
                if (!valid_page_size(ps))
                        return berth_error_set(err, EINVAL,
                                               "%s.pageSize: invalid page size '%s' (want e.g. "
                                               "2MB)",
                                               what, ps);
                h->page_size = strdup(ps);
                if (!h->page_size)
                        return spec_oom(err);
                ret = spec_get_u64(o, "limit", what, false, true, &h->limit, NULL, err);
                if (ret < 0)
                        return ret;
        }
        return 0;
}

static int parse_network(json_t *res, const char *rwhat, struct berth_resources *r,
                         struct berth_error *err)
{
        json_t *o = NULL;
        int ret = spec_get_object(res, "network", rwhat, &o, err);
        if (ret < 0 || !o)
                return ret;
        char what[SPEC_PATH_MAX];
        spec_path(what, "%s.network", rwhat);
        ret = spec_get_u32(o, "classID", what, false, &r->net_class_id, &r->has_net_class_id, err);
        if (ret < 0)
                return ret;
        json_t *arr = NULL;
        ret = spec_get_array(o, "priorities", what, &arr, err);
        if (ret < 0 || !arr || json_array_size(arr) == 0)
                return ret;
        size_t n = json_array_size(arr);
        r->net_priorities = calloc(n, sizeof(*r->net_priorities));
        if (!r->net_priorities)
                return spec_oom(err);
        for (size_t i = 0; i < n; i++) {
                json_t *p;
                ret = spec_array_object(arr, i, what, "priorities", &p, err);
                if (ret < 0)
                        return ret;
                char pwhat[SPEC_PATH_MAX];
                spec_path(pwhat, "%s.priorities[%zu]", what, i);
                const char *name;
                uint32_t prio;
                if ((ret = spec_get_string_req(p, "name", pwhat, &name, err)) < 0 ||
                    (ret = spec_get_u32(p, "priority", pwhat, true, &prio, NULL, err)) < 0)
                        return ret;
                if (!*name || strlen(name) > 15 || strchr(name, '/') || strchr(name, ' '))
                        return berth_error_set(err, EINVAL, "%s.name: invalid interface name '%s'",
                                               pwhat, name);
                r->n_net_priorities = i + 1;
                r->net_priorities[i].key = strdup(name);
                r->net_priorities[i].value = berth_strdup_printf("%u", prio);
                if (!r->net_priorities[i].key || !r->net_priorities[i].value)
                        return spec_oom(err);
        }
        return 0;
}

static int parse_unified(json_t *res, const char *rwhat, struct berth_resources *r,
                         struct berth_error *err)
{
        int ret = spec_get_kv(res, "unified", rwhat, &r->unified, &r->n_unified, err);
        if (ret < 0)
                return ret;
        for (size_t i = 0; i < r->n_unified; i++) {
                const char *k = r->unified[i].key;
                /* a file name in the container's cgroup directory, never a path */
                if (!*k || strchr(k, '/') || strcmp(k, ".") == 0 || strcmp(k, "..") == 0 ||
                    !strchr(k, '.'))
                        return berth_error_set(
                            err, EINVAL, "%s.unified: invalid cgroup file name '%s'", rwhat, k);
        }
        return 0;
}

int spec_parse_resources_obj(json_t *obj, const char *what, struct berth_resources *r,
                             struct berth_error *err)
{
        int ret;
        if ((ret = parse_device_rules(obj, what, r, err)) < 0 ||
            (ret = parse_memory(obj, what, r, err)) < 0 ||
            (ret = parse_cpu(obj, what, r, err)) < 0 || (ret = parse_pids(obj, what, r, err)) < 0 ||
            (ret = parse_blkio(obj, what, r, err)) < 0 ||
            (ret = parse_hugepages(obj, what, r, err)) < 0 ||
            (ret = parse_network(obj, what, r, err)) < 0 ||
            (ret = parse_unified(obj, what, r, err)) < 0)
                return ret;
        json_t *rdma = NULL; /* accepted and ignored, but must be the right shape */
        return spec_get_object(obj, "rdma", what, &rdma, err);
}

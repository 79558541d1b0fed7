/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup v1 backend, also used on hybrid hosts: limits go to the v1 controller
 * hierarchies; on hybrid the container also gets a directory (and membership) in the
 * unified hierarchy at <root>/unified, and hugetlb limits go there when the host has
 * hugetlb only in cgroup2 (as on these machines).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/strutil.h"
#include "cgroup/cgroup-internal.h"
#include "basic/banned.h"

/* Host directory of the container in the hierarchy holding `controller`; NULL when the
 * host has no such hierarchy (or out of memory). */
static char *ctl_dir(const struct berth_cgroup *cg, const char *controller)
{
        const char *d = berth_cgroup_v1_dir_for(cg, controller);
        return d ? berth_cgroup_dir(cg, d) : NULL;
}

static int need_dir(const struct berth_cgroup *cg, const char *controller, char **out,
                    struct berth_error *err)
{
        *out = ctl_dir(cg, controller);
        if (!*out)
                return berth_error_set(err, ENOTSUP,
                                       "cgroup controller '%s' is not available on this host",
                                       controller);
        return 0;
}

/* ---------------------------------------------------------------- create / enter */

/* A new cpuset cgroup has empty cpuset.cpus/mems: copy them down from the nearest
 * ancestor that has them, level by level. */
static int cpuset_fill(struct berth_cgroup *cg, const char *base, struct berth_error *err)
{
        static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
        _cleanup_free_ char *full = berth_strdup_printf("%s%s", base, cg->path);
        if (!full)
                return berth_error_set(err, ENOMEM, "out of memory");
        size_t blen = strlen(base);
        _cleanup_free_ char *parent = strdup(base);
        if (!parent)
                return berth_error_set(err, ENOMEM, "out of memory");
        for (char *p = full + blen + 1;; p++) {
                if (*p != '/' && *p != '\0')
                        continue;
                char c = *p;
                *p = '\0';
                for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                        _cleanup_free_ char *cur = NULL, *up = NULL;
                        int r = berth_cgroup_read(full, files[i], &cur, err);
                        if (r < 0)
                                return r;
                        if (cur[0])
                                continue;
                        r = berth_cgroup_read(parent, files[i], &up, err);
                        if (r == 0)
                                r = berth_cgroup_write(cg, full, files[i], up, err);
                        if (r < 0)
                                return r;
                }
                free(parent);
                parent = strdup(full);
                if (!parent)
                        return berth_error_set(err, ENOMEM, "out of memory");
                *p = c;
                if (!c)
                        break;
        }
        return 0;
}

static int v1_create(struct berth_cgroup *cg, struct berth_error *err)
{
        for (size_t i = 0; i < cg->n_hier; i++) {
                _cleanup_free_ char *base =
                    berth_strdup_printf("%s/%s", cg->fsroot, cg->hier[i].dir);
                if (!base)
                        return berth_error_set(err, ENOMEM, "out of memory");
                int r = berth_cgroup_mkdir_path(cg, base, err);
                if (r == 0 && berth_strv_contains(cg->hier[i].controllers, "cpuset"))
                        r = cpuset_fill(cg, base, err);
                if (r < 0)
                        return r;
        }
        if (cg->mode == BERTH_CGROUP_HYBRID) {
                _cleanup_free_ char *base = berth_strdup_printf("%s/unified", cg->fsroot);
                if (!base)
                        return berth_error_set(err, ENOMEM, "out of memory");
                return berth_cgroup_mkdir_path(cg, base, err);
        }
        return 0;
}

static int v1_enter(struct berth_cgroup *cg, pid_t pid, struct berth_error *err)
{
        for (size_t i = 0; i <= cg->n_hier; i++) {
                const char *sub = i < cg->n_hier ? cg->hier[i].dir : "unified";
                if (i == cg->n_hier && cg->mode != BERTH_CGROUP_HYBRID)
                        break;
                _cleanup_free_ char *dir = berth_cgroup_dir(cg, sub);
                if (!dir)
                        return berth_error_set(err, ENOMEM, "out of memory");
                int r = berth_cgroup_writef(cg, dir, "cgroup.procs", err, "%d", (int)pid);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---------------------------------------------------------------- resources */

static int write_i64(struct berth_cgroup *cg, const char *dir, const char *file, int64_t v,
                     struct berth_error *err)
{
        return berth_cgroup_writef(cg, dir, file, err, "%" PRId64, v);
}

static int v1_memory_limits(struct berth_cgroup *cg, const char *dir,
                            const struct berth_resources *res, struct berth_error *err)
{
        bool memsw =
            res->has_mem_swap && berth_cgroup_file_exists(dir, "memory.memsw.limit_in_bytes");
        bool swap_first = false;
        if (memsw && res->mem_swap == -1) {
                swap_first = true;
        } else if (memsw && res->has_mem_limit) {
                uint64_t cur = UINT64_MAX;
                if (berth_cgroup_read_u64(dir, "memory.memsw.limit_in_bytes", &cur, NULL) == 0)
                        swap_first = res->mem_limit == -1 || (uint64_t)res->mem_limit > cur;
        }
        int r = 0;
        if (swap_first)
                r = write_i64(cg, dir, "memory.memsw.limit_in_bytes", res->mem_swap, err);
        if (r == 0 && res->has_mem_limit)
                r = write_i64(cg, dir, "memory.limit_in_bytes", res->mem_limit, err);
        if (r == 0 && memsw && !swap_first)
                r = write_i64(cg, dir, "memory.memsw.limit_in_bytes", res->mem_swap, err);
        return r;
}

static int v1_memory(struct berth_cgroup *cg, const struct berth_resources *res,
                     struct berth_error *err)
{
        if (!res->has_mem_limit && !res->has_mem_reservation && !res->has_mem_swap &&
            !res->has_mem_kernel && !res->has_mem_kernel_tcp && !res->has_mem_swappiness &&
            !res->mem_disable_oom_killer)
                return 0;
        if (res->has_mem_swap && res->has_mem_limit && res->mem_swap != -1 &&
            res->mem_limit != -1 && res->mem_swap < res->mem_limit)
                return berth_error_set(err, EINVAL,
                                       "linux.resources.memory.swap: %" PRId64
                                       " is below memory.limit %" PRId64,
                                       res->mem_swap, res->mem_limit);
        if (res->has_mem_swappiness && res->mem_swappiness > 100)
                return berth_error_set(
                    err, EINVAL, "linux.resources.memory.swappiness: %" PRIu64 " is above 100",
                    res->mem_swappiness);
        _cleanup_free_ char *dir = NULL;
        int r = need_dir(cg, "memory", &dir, err);
        if (r == 0)
                r = v1_memory_limits(cg, dir, res, err);
        if (r == 0 && res->has_mem_reservation)
                r = write_i64(cg, dir, "memory.soft_limit_in_bytes", res->mem_reservation, err);
        /* kernel memory limits are deprecated; kernels without them (or refusing them) are
         * fine, the OCI spec marks them best effort. */
        if (r == 0 && res->has_mem_kernel &&
            berth_cgroup_file_exists(dir, "memory.kmem.limit_in_bytes"))
                (void)write_i64(cg, dir, "memory.kmem.limit_in_bytes", res->mem_kernel, NULL);
        if (r == 0 && res->has_mem_kernel_tcp &&
            berth_cgroup_file_exists(dir, "memory.kmem.tcp.limit_in_bytes"))
                (void)write_i64(cg, dir, "memory.kmem.tcp.limit_in_bytes", res->mem_kernel_tcp,
                                NULL);
        if (r == 0 && res->has_mem_swappiness)
                r = berth_cgroup_writef(cg, dir, "memory.swappiness", err, "%" PRIu64,
                                        res->mem_swappiness);
        if (r == 0 && res->mem_disable_oom_killer)
                r = berth_cgroup_write(cg, dir, "memory.oom_control", "1", err);
        return r;
}

static int v1_cpu(struct berth_cgroup *cg, const struct berth_resources *res,
                  struct berth_error *err)
{
        if (!res->has_cpu_shares && !res->has_cpu_quota && !res->has_cpu_period &&
            !res->has_cpu_burst && !res->has_cpu_realtime_period &&
            !res->has_cpu_realtime_runtime && !res->has_cpu_idle)
                return 0;
        _cleanup_free_ char *dir = NULL;
        int r = need_dir(cg, "cpu", &dir, err);
        if (r == 0 && res->has_cpu_shares)
                r = berth_cgroup_writef(cg, dir, "cpu.shares", err, "%" PRIu64, res->cpu_shares);
        if (r == 0 && res->has_cpu_period) {
                r = berth_cgroup_writef(cg, dir, "cpu.cfs_period_us", NULL, "%" PRIu64,
                                        res->cpu_period);
                /* A new period can be refused with the old quota: quota first, then retry. */
                if (r == -EINVAL && res->has_cpu_quota) {
                        r = write_i64(cg, dir, "cpu.cfs_quota_us", res->cpu_quota, err);
                        if (r == 0)
                                r = berth_cgroup_writef(cg, dir, "cpu.cfs_period_us", err,
                                                        "%" PRIu64, res->cpu_period);
                } else if (r < 0) {
                        r = berth_cgroup_writef(cg, dir, "cpu.cfs_period_us", err, "%" PRIu64,
                                                res->cpu_period);
                }
        }
        if (r == 0 && res->has_cpu_quota)
                r = write_i64(cg, dir, "cpu.cfs_quota_us", res->cpu_quota, err);
        if (r == 0 && res->has_cpu_burst)
                r = berth_cgroup_writef(cg, dir, "cpu.cfs_burst_us", err, "%" PRIu64,
                                        res->cpu_burst);
        if (r == 0 && res->has_cpu_realtime_period)
                r = berth_cgroup_writef(cg, dir, "cpu.rt_period_us", err, "%" PRIu64,
                                        res->cpu_realtime_period);
        if (r == 0 && res->has_cpu_realtime_runtime)
                r = write_i64(cg, dir, "cpu.rt_runtime_us", res->cpu_realtime_runtime, err);
        if (r == 0 && res->has_cpu_idle)
                r = write_i64(cg, dir, "cpu.idle", res->cpu_idle, err);
        return r;
}

static int v1_cpuset_pids(struct berth_cgroup *cg, const struct berth_resources *res,
                          struct berth_error *err)
{
        bool cpus = res->cpuset_cpus && res->cpuset_cpus[0];
        bool mems = res->cpuset_mems && res->cpuset_mems[0];
        int r = 0;
        if (cpus || mems) {
                _cleanup_free_ char *dir = NULL;
                r = need_dir(cg, "cpuset", &dir, err);
                if (r == 0 && cpus)
                        r = berth_cgroup_write(cg, dir, "cpuset.cpus", res->cpuset_cpus, err);
                if (r == 0 && mems)
                        r = berth_cgroup_write(cg, dir, "cpuset.mems", res->cpuset_mems, err);
        }
        if (r == 0 && res->has_pids_limit) {
                _cleanup_free_ char *dir = NULL;
                r = need_dir(cg, "pids", &dir, err);
                if (r == 0 && res->pids_limit <= 0)
                        r = berth_cgroup_write(cg, dir, "pids.max", "max", err);
                else if (r == 0)
                        r = write_i64(cg, dir, "pids.max", res->pids_limit, err);
        }
        return r;
}

static int write_throttle(struct berth_cgroup *cg, const char *dir, const char *file,
                          const struct berth_throttle_device *t, size_t n, struct berth_error *err)
{
        for (size_t i = 0; i < n; i++) {
                int r = berth_cgroup_writef(cg, dir, file, err, "%" PRId64 ":%" PRId64 " %" PRIu64,
                                            t[i].major, t[i].minor, t[i].rate);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* blkio.weight with CFQ; kernels with only BFQ have blkio.bfq.weight. */
static const char *weight_file(const char *dir, bool device)
{
        if (berth_cgroup_file_exists(dir, device ? "blkio.weight_device" : "blkio.weight"))
                return device ? "blkio.weight_device" : "blkio.weight";
        if (berth_cgroup_file_exists(dir, device ? "blkio.bfq.weight_device" : "blkio.bfq.weight"))
                return device ? "blkio.bfq.weight_device" : "blkio.bfq.weight";
        return NULL;
}

static int v1_blkio_weights(struct berth_cgroup *cg, const char *dir,
                            const struct berth_resources *res, struct berth_error *err)
{
        int r = 0;
        if (res->has_blkio_weight) {
                const char *f = weight_file(dir, false);
                if (res->blkio_weight < 10 || res->blkio_weight > 1000)
                        return berth_error_set(err, EINVAL,
                                               "linux.resources.blockIO.weight: %u not in 10..1000",
                                               res->blkio_weight);
                if (!f)
                        return berth_error_set(err, ENOTSUP,
                                               "linux.resources.blockIO.weight: the kernel has no "
                                               "blkio weight (no CFQ or BFQ)");
                r = berth_cgroup_writef(cg, dir, f, err, "%u", res->blkio_weight);
        }
        if (r == 0 && res->has_blkio_leaf_weight &&
            berth_cgroup_file_exists(dir, "blkio.leaf_weight"))
                r = berth_cgroup_writef(cg, dir, "blkio.leaf_weight", err, "%u",
                                        res->blkio_leaf_weight);
        for (size_t i = 0; r == 0 && i < res->n_blkio_weight_devices; i++) {
                const struct berth_weight_device *w = &res->blkio_weight_devices[i];
                const char *f = weight_file(dir, true);
                if (w->has_weight && !f)
                        return berth_error_set(err, ENOTSUP,
                                               "linux.resources.blockIO.weightDevice: the kernel "
                                               "has no blkio weight (no CFQ or BFQ)");
                if (w->has_weight)
                        r = berth_cgroup_writef(cg, dir, f, err, "%" PRId64 ":%" PRId64 " %u",
                                                w->major, w->minor, w->weight);
                if (r == 0 && w->has_leaf_weight &&
                    berth_cgroup_file_exists(dir, "blkio.leaf_weight_device"))
                        r = berth_cgroup_writef(cg, dir, "blkio.leaf_weight_device", err,
                                                "%" PRId64 ":%" PRId64 " %u", w->major, w->minor,
                                                w->leaf_weight);
        }
        return r;
}

static int v1_blkio(struct berth_cgroup *cg, const struct berth_resources *res,
                    struct berth_error *err)
{
        if (!res->has_blkio_weight && !res->has_blkio_leaf_weight && !res->n_blkio_weight_devices &&
            !res->n_throttle_read_bps && !res->n_throttle_write_bps && !res->n_throttle_read_iops &&
            !res->n_throttle_write_iops)
                return 0;
        _cleanup_free_ char *dir = NULL;
        int r = need_dir(cg, "blkio", &dir, err);
        if (r == 0)
                r = v1_blkio_weights(cg, dir, res, err);
        if (r == 0)
                r = write_throttle(cg, dir, "blkio.throttle.read_bps_device",
                                   res->throttle_read_bps, res->n_throttle_read_bps, err);
        if (r == 0)
                r = write_throttle(cg, dir, "blkio.throttle.write_bps_device",
                                   res->throttle_write_bps, res->n_throttle_write_bps, err);
        if (r == 0)
                r = write_throttle(cg, dir, "blkio.throttle.read_iops_device",
                                   res->throttle_read_iops, res->n_throttle_read_iops, err);
        if (r == 0)
                r = write_throttle(cg, dir, "blkio.throttle.write_iops_device",
                                   res->throttle_write_iops, res->n_throttle_write_iops, err);
        return r;
}

static bool valid_page_size(const char *s)
{
        if (!s || !s[0] || strlen(s) > 16)
                return false;
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= 'a' && *s <= 'z')))
                        return false;
        return true;
}

static int v1_hugetlb(struct berth_cgroup *cg, const struct berth_resources *res,
                      struct berth_error *err)
{
        if (!res->n_hugepage_limits)
                return 0;
        for (size_t i = 0; i < res->n_hugepage_limits; i++)
                if (!valid_page_size(res->hugepage_limits[i].page_size))
                        return berth_error_set(err, EINVAL,
                                               "linux.resources.hugepageLimits[%zu].pageSize: bad "
                                               "value '%s'",
                                               i, res->hugepage_limits[i].page_size);
        _cleanup_free_ char *dir = ctl_dir(cg, "hugetlb");
        bool v2 = false;
        if (!dir && cg->mode == BERTH_CGROUP_HYBRID) {
                /* hybrid hosts may have hugetlb only in the unified hierarchy */
                _cleanup_free_ char *base = berth_strdup_printf("%s/unified", cg->fsroot);
                char *want[] = {(char *)"hugetlb", NULL};
                if (!base)
                        return berth_error_set(err, ENOMEM, "out of memory");
                int r = berth_cgroup_v2_enable(cg, base, want, true, err);
                if (r < 0)
                        return r;
                dir = berth_cgroup_dir(cg, "unified");
                v2 = true;
        }
        if (!dir)
                return berth_error_set(err, ENOTSUP,
                                       "cgroup controller 'hugetlb' is not available on this host");
        for (size_t i = 0; i < res->n_hugepage_limits; i++) {
                const struct berth_hugepage_limit *h = &res->hugepage_limits[i];
                _cleanup_free_ char *file = berth_strdup_printf(
                    v2 ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes", h->page_size);
                if (!file)
                        return berth_error_set(err, ENOMEM, "out of memory");
                int r = berth_cgroup_writef(cg, dir, file, err, "%" PRIu64, h->limit);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int v1_net(struct berth_cgroup *cg, const struct berth_resources *res,
                  struct berth_error *err)
{
        int r = 0;
        if (res->has_net_class_id) {
                _cleanup_free_ char *dir = NULL;
                r = need_dir(cg, "net_cls", &dir, err);
                if (r == 0)
                        r = berth_cgroup_writef(cg, dir, "net_cls.classid", err, "%" PRIu32,
                                                res->net_class_id);
        }
        if (r == 0 && res->n_net_priorities) {
                _cleanup_free_ char *dir = NULL;
                r = need_dir(cg, "net_prio", &dir, err);
                for (size_t i = 0; r == 0 && i < res->n_net_priorities; i++) {
                        const struct berth_kv *p = &res->net_priorities[i];
                        if (!p->key || !p->key[0] || strpbrk(p->key, " \t\n/") || !p->value)
                                return berth_error_set(err, EINVAL,
                                                       "linux.resources.network.priorities[%zu]: "
                                                       "bad interface name '%s'",
                                                       i, p->key ? p->key : "");
                        r = berth_cgroup_writef(cg, dir, "net_prio.ifpriomap", err, "%s %s", p->key,
                                                p->value);
                }
        }
        return r;
}

static bool access_all(const char *a)
{
        return !a[0] || (strchr(a, 'r') && strchr(a, 'w') && strchr(a, 'm'));
}

static int write_rule(struct berth_cgroup *cg, const char *dir, const struct berth_device_rule *d,
                      char type, struct berth_error *err)
{
        char maj[24] = "*", min[24] = "*";
        if (d->major >= 0)
                snprintf(maj, sizeof(maj), "%" PRId64, d->major);
        if (d->minor >= 0)
                snprintf(min, sizeof(min), "%" PRId64, d->minor);
        return berth_cgroup_writef(cg, dir, d->allow ? "devices.allow" : "devices.deny", err,
                                   "%c %s:%s %s", type, maj, min, d->access[0] ? d->access : "rwm");
}

static int v1_devices(struct berth_cgroup *cg, const struct berth_resources *res,
                      struct berth_error *err)
{
        if (!res->n_devices)
                return 0;
        _cleanup_free_ char *dir = NULL;
        int r = need_dir(cg, "devices", &dir, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < res->n_devices; i++) {
                const struct berth_device_rule *d = &res->devices[i];
                if (d->type != 'a' && d->type != 'c' && d->type != 'b')
                        return berth_error_set(err, EINVAL,
                                               "linux.resources.devices[%zu].type: bad value '%c'",
                                               i, d->type);
                if (d->access[strspn(d->access, "rwm")] != '\0')
                        return berth_error_set(
                            err, EINVAL, "linux.resources.devices[%zu].access: bad value '%s'", i,
                            d->access);
                if (d->type == 'a' && d->major < 0 && d->minor < 0 && access_all(d->access)) {
                        /* the whole-device-set rule: "a" resets the list (deny-all / allow-all) */
                        r = berth_cgroup_write(cg, dir, d->allow ? "devices.allow" : "devices.deny",
                                               "a", err);
                } else if (d->type == 'a') {
                        r = write_rule(cg, dir, d, 'c', err);
                        if (r == 0)
                                r = write_rule(cg, dir, d, 'b', err);
                } else {
                        r = write_rule(cg, dir, d, d->type, err);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static int v1_apply(struct berth_cgroup *cg, const struct berth_resources *res,
                    struct berth_error *err)
{
        int r = v1_memory(cg, res, err);
        if (r == 0)
                r = v1_cpu(cg, res, err);
        if (r == 0)
                r = v1_cpuset_pids(cg, res, err);
        if (r == 0)
                r = v1_blkio(cg, res, err);
        if (r == 0)
                r = v1_hugetlb(cg, res, err);
        if (r == 0)
                r = v1_net(cg, res, err);
        if (r == 0)
                r = v1_devices(cg, res, err);
        if (r == 0 && res->n_unified && cg->mode == BERTH_CGROUP_V1)
                r = berth_error_set(err, ENOTSUP,
                                    "linux.resources.unified: needs cgroup v2 (host is v1)");
        if (r == 0 && res->n_unified) {
                /* hybrid: the unified entries go to the container's cgroup2 directory */
                _cleanup_free_ char *dir = berth_cgroup_dir(cg, "unified");
                if (!dir)
                        return berth_error_set(err, ENOMEM, "out of memory");
                for (size_t i = 0; r == 0 && i < res->n_unified; i++) {
                        const char *k = res->unified[i].key;
                        if (!k || !k[0] || strchr(k, '/') || strstr(k, ".."))
                                return berth_error_set(err, EINVAL,
                                                       "linux.resources.unified: bad key '%s'",
                                                       k ? k : "");
                        r = berth_cgroup_write(cg, dir, k, res->unified[i].value, err);
                }
        }
        return r;
}

/* ---------------------------------------------------------------- freezer */

static int v1_freeze(struct berth_cgroup *cg, bool frozen, struct berth_error *err)
{
        _cleanup_free_ char *dir = NULL;
        int r = need_dir(cg, "freezer", &dir, err);
        if (r < 0)
                return r;
        const char *state = frozen ? "FROZEN" : "THAWED";
        r = berth_cgroup_write(cg, dir, "freezer.state", state, err);
        if (r == 0)
                r = berth_cgroup_wait_for(cg, dir, "freezer.state", state, err);
        if (r < 0 && frozen)
                (void)berth_cgroup_write(cg, dir, "freezer.state", "THAWED", NULL);
        return r;
}

static int v1_is_frozen(struct berth_cgroup *cg, bool *frozen, struct berth_error *err)
{
        _cleanup_free_ char *dir = NULL, *s = NULL;
        int r = need_dir(cg, "freezer", &dir, err);
        if (r == 0)
                r = berth_cgroup_read(dir, "freezer.state", &s, err);
        if (r < 0)
                return r;
        *frozen = !strcmp(s, "FROZEN");
        return 0;
}

static char *v1_procs_dir(struct berth_cgroup *cg)
{
        static const char *const pref[] = {"pids", "freezer", "memory", "cpu", "devices"};
        for (size_t i = 0; i < ARRAY_SIZE(pref); i++) {
                char *d = ctl_dir(cg, pref[i]);
                if (d)
                        return d;
        }
        return berth_cgroup_dir(cg, cg->hier[0].dir);
}

static int v1_kill(struct berth_cgroup *cg, int sig, struct berth_error *err)
{
        return -EOPNOTSUPP;
}

/* ---------------------------------------------------------------- stats, oom, destroy */

static int v1_oom_killed(struct berth_cgroup *cg, bool *killed, struct berth_error *err)
{
        _cleanup_free_ char *dir = NULL;
        int r = need_dir(cg, "memory", &dir, err);
        if (r < 0)
                return r;
        uint64_t n = 0;
        if (berth_cgroup_read_keyed(dir, "memory.oom_control", "oom_kill", &n, NULL) == 0)
                *killed = n > 0;
        return 0;
}

static int v1_destroy(struct berth_cgroup *cg, struct berth_error *err)
{
        int ret = 0;
        for (size_t i = 0; i <= cg->n_hier; i++) {
                if (i == cg->n_hier && cg->mode != BERTH_CGROUP_HYBRID)
                        break;
                _cleanup_free_ char *dir =
                    berth_cgroup_dir(cg, i < cg->n_hier ? cg->hier[i].dir : "unified");
                if (!dir)
                        return berth_error_set(err, ENOMEM, "out of memory");
                int r = berth_cgroup_rmdir_tree(cg, dir, ret < 0 ? NULL : err);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

const struct berth_cgroup_ops berth_cgroup_v1_ops = {
    .create = v1_create,
    .apply = v1_apply,
    .enter = v1_enter,
    .freeze = v1_freeze,
    .is_frozen = v1_is_frozen,
    .procs_dir = v1_procs_dir,
    .kill = v1_kill,
    .stats = berth_cgroup_v1_stats,
    .destroy = v1_destroy,
    .oom_killed = v1_oom_killed,
};

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup v2 backend: the OCI -> v2 translation (a pure function, unit-tested value by
 * value), controller enabling along the ancestors, freeze through cgroup.freeze, kill
 * through cgroup.kill.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cleanup.h"
#include "basic/strutil.h"
#include "cgroup/cgroup-internal.h"
#include "cgroup/cgroup_bpf.h"
#include "basic/banned.h"

/* ---------------------------------------------------------------- translation */

struct kvlist {
        struct berth_kv *kv;
        size_t n, cap;
};

static int kv_push(struct kvlist *l, struct berth_error *err, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int kv_push(struct kvlist *l, struct berth_error *err, const char *key, const char *fmt, ...)
{
        if (l->n == l->cap) {
                size_t nc = l->cap ? l->cap * 2 : 16;
                struct berth_kv *nk = realloc(l->kv, nc * sizeof(*nk));
                if (!nk)
                        return berth_error_set(err, ENOMEM, "out of memory");
                l->kv = nk;
                l->cap = nc;
        }
        va_list ap;
        va_start(ap, fmt);
        char *v = NULL;
        int r = vasprintf(&v, fmt, ap);
        va_end(ap);
        char *k = strdup(key);
        if (r < 0 || !k) {
                free(k);
                if (r >= 0)
                        free(v);
                return berth_error_set(err, ENOMEM, "out of memory");
        }
        l->kv[l->n].key = k;
        l->kv[l->n].value = v;
        l->n++;
        return 0;
}

static int push_i64_or_max(struct kvlist *l, const char *key, int64_t v, struct berth_error *err)
{
        if (v < 0)
                return kv_push(l, err, key, "max");
        return kv_push(l, err, key, "%" PRId64, v);
}

static int tr_memory(const struct berth_resources *res, struct kvlist *l, struct berth_error *err)
{
        int r = 0;
        int64_t limit = res->has_mem_limit ? res->mem_limit : 0;
        int64_t swap = res->has_mem_swap ? res->mem_swap : 0;
        if (res->has_mem_reservation && res->mem_reservation != 0)
                r = push_i64_or_max(l, "memory.low", res->mem_reservation, err);
        if (r == 0 && limit != 0)
                r = push_i64_or_max(l, "memory.max", limit, err);
        if (r < 0)
                return r;
        if (limit == -1 && swap == 0) /* unlimited memory, swap not given: unlimited too */
                return kv_push(l, err, "memory.swap.max", "max");
        if (swap == 0)
                return 0;
        if (swap == -1)
                return kv_push(l, err, "memory.swap.max", "max");
        if (swap < 0)
                return berth_error_set(err, EINVAL,
                                       "linux.resources.memory.swap: bad value %" PRId64, swap);
        if (limit <= 0)
                return berth_error_set(
                    err, EINVAL,
                    "linux.resources.memory.swap: %" PRId64 " given without a memory limit", swap);
        if (swap < limit)
                return berth_error_set(err, EINVAL,
                                       "linux.resources.memory.swap: %" PRId64
                                       " is below memory.limit %" PRId64,
                                       swap, limit);
        /* v1 swap is memory+swap; v2 swap.max is swap alone */
        return kv_push(l, err, "memory.swap.max", "%" PRId64, swap - limit);
}

uint64_t berth_cgroup_shares_to_weight(uint64_t shares);
uint64_t berth_cgroup_shares_to_weight(uint64_t shares)
{
        if (shares < 2)
                shares = 2;
        if (shares > 262144)
                shares = 262144;
        return 1 + ((shares - 2) * 9999) / 262142;
}

static int tr_cpu(const struct berth_resources *res, struct kvlist *l, struct berth_error *err)
{
        if ((res->has_cpu_realtime_runtime && res->cpu_realtime_runtime != 0) ||
            (res->has_cpu_realtime_period && res->cpu_realtime_period != 0))
                return berth_error_set(err, ENOTSUP,
                                       "linux.resources.cpu.realtimeRuntime/realtimePeriod: not "
                                       "supported on cgroup v2");
        int r = 0;
        if (res->has_cpu_shares && res->cpu_shares != 0)
                r = kv_push(l, err, "cpu.weight", "%" PRIu64,
                            berth_cgroup_shares_to_weight(res->cpu_shares));
        int64_t quota = res->has_cpu_quota ? res->cpu_quota : 0;
        uint64_t period = res->has_cpu_period ? res->cpu_period : 0;
        if (r == 0 && (quota != 0 || period != 0)) {
                char q[24] = "max";
                if (quota > 0)
                        snprintf(q, sizeof(q), "%" PRId64, quota);
                if (period != 0)
                        r = kv_push(l, err, "cpu.max", "%s %" PRIu64, q, period);
                else
                        r = kv_push(l, err, "cpu.max", "%s", q);
        }
        if (r == 0 && res->has_cpu_burst)
                r = kv_push(l, err, "cpu.max.burst", "%" PRIu64, res->cpu_burst);
        if (r == 0 && res->has_cpu_idle)
                r = kv_push(l, err, "cpu.idle", "%" PRId64, res->cpu_idle);
        if (r == 0 && res->cpuset_cpus && res->cpuset_cpus[0])
                r = kv_push(l, err, "cpuset.cpus", "%s", res->cpuset_cpus);
        if (r == 0 && res->cpuset_mems && res->cpuset_mems[0])
                r = kv_push(l, err, "cpuset.mems", "%s", res->cpuset_mems);
        return r;
}

uint64_t berth_cgroup_blkio_to_io_weight(uint64_t w);
uint64_t berth_cgroup_blkio_to_io_weight(uint64_t w)
{
        return 1 + ((w - 10) * 9999) / 990;
}

static int io_max(struct kvlist *l, const char *what, const struct berth_throttle_device *t,
                  size_t n, struct berth_error *err)
{
        for (size_t i = 0; i < n; i++) {
                int r = kv_push(l, err, "io.max", "%" PRId64 ":%" PRId64 " %s=%" PRIu64, t[i].major,
                                t[i].minor, what, t[i].rate);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int tr_io(const struct berth_resources *res, struct kvlist *l, struct berth_error *err)
{
        int r = 0;
        if (res->has_blkio_weight && res->blkio_weight != 0) {
                if (res->blkio_weight < 10 || res->blkio_weight > 1000)
                        return berth_error_set(err, EINVAL,
                                               "linux.resources.blockIO.weight: %u not in 10..1000",
                                               res->blkio_weight);
                r = kv_push(l, err, "io.weight", "default %" PRIu64,
                            berth_cgroup_blkio_to_io_weight(res->blkio_weight));
        }
        for (size_t i = 0; r == 0 && i < res->n_blkio_weight_devices; i++) {
                const struct berth_weight_device *w = &res->blkio_weight_devices[i];
                if (!w->has_weight)
                        continue;
                if (w->weight < 10 || w->weight > 1000)
                        return berth_error_set(err, EINVAL,
                                               "linux.resources.blockIO.weightDevice[%zu].weight: "
                                               "%u not in 10..1000",
                                               i, w->weight);
                r = kv_push(l, err, "io.weight", "%" PRId64 ":%" PRId64 " %" PRIu64, w->major,
                            w->minor, berth_cgroup_blkio_to_io_weight(w->weight));
        }
        if (r == 0)
                r = io_max(l, "rbps", res->throttle_read_bps, res->n_throttle_read_bps, err);
        if (r == 0)
                r = io_max(l, "wbps", res->throttle_write_bps, res->n_throttle_write_bps, err);
        if (r == 0)
                r = io_max(l, "riops", res->throttle_read_iops, res->n_throttle_read_iops, err);
        if (r == 0)
                r = io_max(l, "wiops", res->throttle_write_iops, res->n_throttle_write_iops, err);
        return r;
}

static bool valid_token(const char *s)
{
        if (!s || !s[0] || strlen(s) > 16)
                return false;
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= 'a' && *s <= 'z')))
                        return false;
        return true;
}

static int tr_rest(const struct berth_resources *res, struct kvlist *l, struct berth_error *err)
{
        int r = 0;
        if (res->has_pids_limit)
                r = res->pids_limit <= 0 ? kv_push(l, err, "pids.max", "max")
                                         : kv_push(l, err, "pids.max", "%" PRId64, res->pids_limit);
        for (size_t i = 0; r == 0 && i < res->n_hugepage_limits; i++) {
                const struct berth_hugepage_limit *h = &res->hugepage_limits[i];
                if (!valid_token(h->page_size))
                        return berth_error_set(err, EINVAL,
                                               "linux.resources.hugepageLimits[%zu].pageSize: bad "
                                               "value '%s'",
                                               i, h->page_size ? h->page_size : "");
                _cleanup_free_ char *key = berth_strdup_printf("hugetlb.%s.max", h->page_size);
                if (!key)
                        return berth_error_set(err, ENOMEM, "out of memory");
                r = kv_push(l, err, key, "%" PRIu64, h->limit);
        }
        if (r == 0 && res->has_net_class_id)
                return berth_error_set(err, ENOTSUP,
                                       "linux.resources.network.classID: no net_cls on cgroup v2");
        if (r == 0 && res->n_net_priorities)
                return berth_error_set(err, ENOTSUP,
                                       "linux.resources.network.priorities: no net_prio on cgroup "
                                       "v2");
        for (size_t i = 0; r == 0 && i < res->n_unified; i++) {
                const char *k = res->unified[i].key, *v = res->unified[i].value;
                if (!k || !k[0] || k[0] == '.' || strchr(k, '/') || strstr(k, "..") || !v)
                        return berth_error_set(err, EINVAL, "linux.resources.unified: bad key '%s'",
                                               k ? k : "");
                r = kv_push(l, err, k, "%s", v);
        }
        return r;
}

int berth_cgroup_v2_translate(const struct berth_resources *res, struct berth_kv **out, size_t *n,
                              struct berth_error *err)
{
        struct kvlist l = {0};
        int r = tr_cpu(res, &l, err);
        if (r == 0)
                r = tr_memory(res, &l, err);
        if (r == 0)
                r = tr_io(res, &l, err);
        if (r == 0)
                r = tr_rest(res, &l, err);
        if (r < 0) {
                berth_kv_array_free(l.kv, l.n);
                return r;
        }
        *out = l.kv;
        *n = l.n;
        return 0;
}

/* ---------------------------------------------------------------- controllers */

static int enable_at(struct berth_cgroup *cg, const char *dir, char *const *wanted, bool strict,
                     struct berth_error *err)
{
        _cleanup_free_ char *avail = NULL;
        int r = berth_cgroup_read(dir, "cgroup.controllers", &avail, err);
        if (r < 0)
                return strict ? r : 0;
        _cleanup_strv_free_ char **have = NULL;
        char *save = NULL;
        for (char *t = strtok_r(avail, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
                if (berth_strv_push(&have, t) < 0)
                        return berth_error_set(err, ENOMEM, "out of memory");
        struct berth_buf b = {0};
        for (size_t i = 0; wanted && wanted[i]; i++) {
                if (!berth_strv_contains(have, wanted[i])) {
                        if (!strict)
                                continue;
                        berth_buf_free(&b);
                        return berth_error_set(err, ENOTSUP,
                                               "cgroup controller '%s' is not available in '%s'",
                                               wanted[i], dir);
                }
                if (berth_buf_printf(&b, "%s+%s", b.len ? " " : "", wanted[i]) < 0) {
                        berth_buf_free(&b);
                        return berth_error_set(err, ENOMEM, "out of memory");
                }
        }
        if (b.len == 0)
                return 0;
        r = berth_cgroup_write(cg, dir, "cgroup.subtree_control", b.data, strict ? err : NULL);
        berth_buf_free(&b);
        return strict ? r : 0;
}

int berth_cgroup_v2_enable(struct berth_cgroup *cg, const char *base, char *const *wanted,
                           bool strict, struct berth_error *err)
{
        _cleanup_free_ char *full = berth_strdup_printf("%s%s", base, cg->path);
        if (!full)
                return berth_error_set(err, ENOMEM, "out of memory");
        char *last = strrchr(full, '/');
        size_t blen = strlen(base);
        /* base itself, then each ancestor of the leaf */
        for (char *p = full + blen;; p++) {
                if (*p != '/' && *p != '\0')
                        continue;
                if (p > last)
                        break;
                char c = *p;
                *p = '\0';
                int r = enable_at(cg, full, wanted, strict, err);
                *p = c;
                if (r < 0)
                        return r;
                if (!c)
                        break;
        }
        return 0;
}

/* ---------------------------------------------------------------- ops */

static char *v2_dir(const struct berth_cgroup *cg)
{
        return berth_cgroup_dir(cg, NULL);
}

static int v2_create(struct berth_cgroup *cg, struct berth_error *err)
{
        static char *const defaults[] = {"cpu", "cpuset", "hugetlb", "io", "memory", "pids", NULL};
        int r = berth_cgroup_mkdir_path(cg, cg->fsroot, err);
        if (r < 0)
                return r;
        return berth_cgroup_v2_enable(cg, cg->fsroot, defaults, false, err);
}

/* Controllers the translated files need ("memory.max" -> "memory"). */
static int needed_controllers(const struct berth_kv *kv, size_t n, char ***out)
{
        for (size_t i = 0; i < n; i++) {
                const char *dot = strchr(kv[i].key, '.');
                if (!dot)
                        continue;
                _cleanup_free_ char *c = strndup(kv[i].key, (size_t)(dot - kv[i].key));
                if (!c)
                        return -ENOMEM;
                if (!strcmp(c, "cgroup") || berth_strv_contains(*out, c))
                        continue;
                if (berth_strv_push(out, c) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* Without io.weight (no iocost) but with BFQ, weights go to io.bfq.weight, whose range
 * 1..1000 takes the blkio weight as it is. */
static int v2_bfq_weights(struct berth_cgroup *cg, const char *dir,
                          const struct berth_resources *res, struct berth_error *err)
{
        if (!berth_cgroup_file_exists(dir, "io.bfq.weight"))
                return berth_error_set(err, ENOTSUP,
                                       "linux.resources.blockIO.weight: no io.weight or "
                                       "io.bfq.weight in '%s'",
                                       dir);
        int r = 0;
        if (res->has_blkio_weight && res->blkio_weight != 0)
                r = berth_cgroup_writef(cg, dir, "io.bfq.weight", err, "default %u",
                                        res->blkio_weight);
        for (size_t i = 0; r == 0 && i < res->n_blkio_weight_devices; i++) {
                const struct berth_weight_device *w = &res->blkio_weight_devices[i];
                if (w->has_weight)
                        r = berth_cgroup_writef(cg, dir, "io.bfq.weight", err,
                                                "%" PRId64 ":%" PRId64 " %u", w->major, w->minor,
                                                w->weight);
        }
        return r;
}

static int v2_apply(struct berth_cgroup *cg, const struct berth_resources *res,
                    struct berth_error *err)
{
        struct berth_kv *kv = NULL;
        size_t n = 0;
        int r = berth_cgroup_v2_translate(res, &kv, &n, err);
        if (r < 0)
                return r;
        _cleanup_strv_free_ char **need = NULL;
        _cleanup_free_ char *dir = v2_dir(cg);
        if (!dir || needed_controllers(kv, n, &need) < 0)
                r = berth_error_set(err, ENOMEM, "out of memory");
        if (r == 0 && need)
                r = berth_cgroup_v2_enable(cg, cg->fsroot, need, true, err);
        if (r == 0 && res->n_devices)
                r = berth_cgroup_bpf_devices(cg, dir, res->devices, res->n_devices, err);
        bool bfq_done = false;
        for (size_t i = 0; r == 0 && i < n; i++) {
                /* kernels without swap accounting have no memory.swap.max: nothing to limit */
                if (!strcmp(kv[i].key, "memory.swap.max") &&
                    !berth_cgroup_file_exists(dir, "memory.swap.max"))
                        continue;
                if (!strcmp(kv[i].key, "io.weight") &&
                    !berth_cgroup_file_exists(dir, "io.weight")) {
                        if (!bfq_done)
                                r = v2_bfq_weights(cg, dir, res, err);
                        bfq_done = true;
                        continue;
                }
                r = berth_cgroup_write(cg, dir, kv[i].key, kv[i].value, err);
        }
        berth_kv_array_free(kv, n);
        return r;
}

static int v2_enter(struct berth_cgroup *cg, pid_t pid, struct berth_error *err)
{
        _cleanup_free_ char *dir = v2_dir(cg);
        if (!dir)
                return berth_error_set(err, ENOMEM, "out of memory");
        return berth_cgroup_writef(cg, dir, "cgroup.procs", err, "%d", (int)pid);
}

static int v2_freeze(struct berth_cgroup *cg, bool frozen, struct berth_error *err)
{
        _cleanup_free_ char *dir = v2_dir(cg);
        if (!dir)
                return berth_error_set(err, ENOMEM, "out of memory");
        if (!berth_cgroup_file_exists(dir, "cgroup.freeze"))
                return berth_error_set(err, ENOTSUP, "no cgroup.freeze in '%s' (kernel < 5.2?)",
                                       dir);
        int r = berth_cgroup_write(cg, dir, "cgroup.freeze", frozen ? "1" : "0", err);
        if (r == 0 && frozen) {
                r = berth_cgroup_wait_for(cg, dir, "cgroup.events", "frozen 1", err);
                if (r < 0)
                        (void)berth_cgroup_write(cg, dir, "cgroup.freeze", "0", NULL);
        }
        return r;
}

static int v2_is_frozen(struct berth_cgroup *cg, bool *frozen, struct berth_error *err)
{
        _cleanup_free_ char *dir = v2_dir(cg);
        if (!dir)
                return berth_error_set(err, ENOMEM, "out of memory");
        uint64_t v = 0;
        int r = berth_cgroup_read_keyed(dir, "cgroup.events", "frozen", &v, err);
        if (r < 0)
                return r;
        *frozen = v == 1;
        return 0;
}

static char *v2_procs_dir(struct berth_cgroup *cg)
{
        return v2_dir(cg);
}

static int v2_kill(struct berth_cgroup *cg, int sig, struct berth_error *err)
{
        _cleanup_free_ char *dir = v2_dir(cg);
        if (!dir)
                return berth_error_set(err, ENOMEM, "out of memory");
        if (sig != SIGKILL || !berth_cgroup_file_exists(dir, "cgroup.kill"))
                return -EOPNOTSUPP;
        return berth_cgroup_write(cg, dir, "cgroup.kill", "1", err);
}

static int v2_destroy(struct berth_cgroup *cg, struct berth_error *err)
{
        _cleanup_free_ char *dir = v2_dir(cg);
        if (!dir)
                return berth_error_set(err, ENOMEM, "out of memory");
        return berth_cgroup_rmdir_tree(cg, dir, err);
}

static int v2_oom_killed(struct berth_cgroup *cg, bool *killed, struct berth_error *err)
{
        _cleanup_free_ char *dir = v2_dir(cg);
        if (!dir)
                return berth_error_set(err, ENOMEM, "out of memory");
        uint64_t v = 0;
        if (berth_cgroup_read_keyed(dir, "memory.events", "oom_kill", &v, NULL) == 0)
                *killed = v > 0;
        return 0;
}

const struct berth_cgroup_ops berth_cgroup_v2_ops = {
    .create = v2_create,
    .apply = v2_apply,
    .enter = v2_enter,
    .freeze = v2_freeze,
    .is_frozen = v2_is_frozen,
    .procs_dir = v2_procs_dir,
    .kill = v2_kill,
    .stats = berth_cgroup_v2_stats,
    .destroy = v2_destroy,
    .oom_killed = v2_oom_killed,
};

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Statistics in the shape of runc's `events --stats` "data" object:
 *   cpu     {usage {total, percpu[], kernel, user}, throttling {periods, throttledPeriods,
 *            throttledTime}}                                  (nanoseconds)
 *   memory  {cache, usage {usage, max, failcnt, limit}, swap {...}, raw {memory.stat}}
 *   pids    {current, limit}                                  (limit 0 = unlimited)
 *   blkio   {ioServiceBytesRecursive [{major, minor, op, value}], ioServicedRecursive [...]}
 *   hugetlb {"<size>": {usage, max, failcnt}}
 * Values above INT64_MAX (an unlimited "max") are reported as 0 for limits.  A section
 * whose files are missing (controller not present) is left out.
 */
#include <dirent.h>
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

static json_t *jnum(uint64_t v)
{
        return json_integer(v > INT64_MAX ? 0 : (json_int_t)v);
}

/* obj[key] = number read from dir/file; missing file: key left out. */
static void set_file(json_t *obj, const char *key, const char *dir, const char *file)
{
        uint64_t v;
        if (berth_cgroup_read_u64(dir, file, &v, NULL) == 0)
                json_object_set_new(obj, key, jnum(v));
}

static void set_keyed(json_t *obj, const char *key, const char *dir, const char *file,
                      const char *fkey, uint64_t mult)
{
        uint64_t v;
        if (berth_cgroup_read_keyed(dir, file, fkey, &v, NULL) == 0)
                json_object_set_new(obj, key, jnum(v * mult));
}

static void set_nonempty(json_t *parent, const char *key, json_t *obj)
{
        if (obj && (json_object_size(obj) > 0 || json_array_size(obj) > 0))
                json_object_set_new(parent, key, obj);
        else
                json_decref(obj);
}

static json_t *percpu(const char *dir)
{
        _cleanup_free_ char *s = NULL;
        if (berth_cgroup_read(dir, "cpuacct.usage_percpu", &s, NULL) < 0)
                return NULL;
        json_t *a = json_array();
        char *save = NULL;
        for (char *t = strtok_r(s, " \n", &save); a && t; t = strtok_r(NULL, " \n", &save)) {
                uint64_t v;
                if (berth_parse_uint64(t, UINT64_MAX, &v) == 0)
                        json_array_append_new(a, jnum(v));
        }
        return a;
}

/* "8:0 Read 4096" lines (v1 blkio) into [{major, minor, op, value}]. */
static json_t *blkio_v1_list(const char *dir, const char *file)
{
        _cleanup_free_ char *s = NULL;
        if (berth_cgroup_read(dir, file, &s, NULL) < 0)
                return NULL;
        json_t *a = json_array();
        char *save = NULL;
        for (char *l = strtok_r(s, "\n", &save); a && l; l = strtok_r(NULL, "\n", &save)) {
                unsigned maj, min;
                char op[16];
                uint64_t v;
                if (sscanf(l, "%u:%u %15s %" SCNu64, &maj, &min, op, &v) != 4)
                        continue;
                json_array_append_new(a, json_pack("{s:i, s:i, s:s, s:o}", "major", (int)maj,
                                                   "minor", (int)min, "op", op, "value", jnum(v)));
        }
        return a;
}

static void v1_cpu(struct berth_cgroup *cg, json_t *out)
{
        json_t *cpu = json_object(), *usage = json_object(), *thr = json_object();
        const char *acct = berth_cgroup_v1_dir_for(cg, "cpuacct");
        const char *c = berth_cgroup_v1_dir_for(cg, "cpu");
        if (acct) {
                _cleanup_free_ char *d = berth_cgroup_dir(cg, acct);
                long hz = sysconf(_SC_CLK_TCK);
                uint64_t tick = hz > 0 ? 1000000000ull / (uint64_t)hz : 10000000ull;
                if (d) {
                        set_file(usage, "total", d, "cpuacct.usage");
                        json_t *p = percpu(d);
                        if (p)
                                json_object_set_new(usage, "percpu", p);
                        set_keyed(usage, "kernel", d, "cpuacct.stat", "system", tick);
                        set_keyed(usage, "user", d, "cpuacct.stat", "user", tick);
                }
        }
        if (c) {
                _cleanup_free_ char *d = berth_cgroup_dir(cg, c);
                if (d) {
                        set_keyed(thr, "periods", d, "cpu.stat", "nr_periods", 1);
                        set_keyed(thr, "throttledPeriods", d, "cpu.stat", "nr_throttled", 1);
                        set_keyed(thr, "throttledTime", d, "cpu.stat", "throttled_time", 1);
                }
        }
        set_nonempty(cpu, "usage", usage);
        set_nonempty(cpu, "throttling", thr);
        set_nonempty(out, "cpu", cpu);
}

static json_t *v1_mem_entry(const char *d, const char *prefix)
{
        json_t *o = json_object();
        char f[96];
        snprintf(f, sizeof(f), "%s.usage_in_bytes", prefix);
        set_file(o, "usage", d, f);
        snprintf(f, sizeof(f), "%s.max_usage_in_bytes", prefix);
        set_file(o, "max", d, f);
        snprintf(f, sizeof(f), "%s.failcnt", prefix);
        set_file(o, "failcnt", d, f);
        snprintf(f, sizeof(f), "%s.limit_in_bytes", prefix);
        set_file(o, "limit", d, f);
        return o;
}

static void v1_memory(struct berth_cgroup *cg, json_t *out)
{
        const char *m = berth_cgroup_v1_dir_for(cg, "memory");
        _cleanup_free_ char *d = m ? berth_cgroup_dir(cg, m) : NULL;
        if (!d)
                return;
        json_t *mem = json_object(), *raw = json_object();
        berth_cgroup_json_keyed(d, "memory.stat", raw);
        json_t *cache = json_object_get(raw, "total_cache");
        if (!cache)
                cache = json_object_get(raw, "cache");
        if (cache)
                json_object_set(mem, "cache", cache);
        set_nonempty(mem, "usage", v1_mem_entry(d, "memory"));
        set_nonempty(mem, "swap", v1_mem_entry(d, "memory.memsw"));
        set_nonempty(mem, "kernel", v1_mem_entry(d, "memory.kmem"));
        set_nonempty(mem, "raw", raw);
        set_nonempty(out, "memory", mem);
}

static void pids_stats(const char *d, json_t *out)
{
        if (!d)
                return;
        json_t *p = json_object();
        set_file(p, "current", d, "pids.current");
        set_file(p, "limit", d, "pids.max"); /* "max" reads as UINT64_MAX -> 0 */
        set_nonempty(out, "pids", p);
}

/* hugetlb.<size>.<usage_file> etc., sizes found by listing dir. */
static void hugetlb_stats(const char *d, json_t *out, const char *usage, const char *max,
                          const char *fail)
{
        _cleanup_closedir_ DIR *dir = opendir(d);
        if (!dir)
                return;
        json_t *h = json_object();
        struct dirent *de;
        char suffix[64];
        snprintf(suffix, sizeof(suffix), ".%s", usage);
        while ((de = readdir(dir))) {
                if (!berth_startswith(de->d_name, "hugetlb.") ||
                    !berth_endswith(de->d_name, suffix) || strstr(de->d_name, ".rsvd."))
                        continue;
                size_t len = strlen(de->d_name) - strlen("hugetlb.") - strlen(suffix);
                char size[32], f[96];
                if (len == 0 || len >= sizeof(size))
                        continue;
                memcpy(size, de->d_name + strlen("hugetlb."), len);
                size[len] = '\0';
                json_t *e = json_object();
                set_file(e, "usage", d, de->d_name);
                snprintf(f, sizeof(f), "hugetlb.%s.%s", size, max);
                set_file(e, "max", d, f);
                snprintf(f, sizeof(f), "hugetlb.%s.%s", size, fail);
                if (!strcmp(fail, "events"))
                        set_keyed(e, "failcnt", d, f, "max", 1);
                else
                        set_file(e, "failcnt", d, f);
                json_object_set_new(h, size, e);
        }
        set_nonempty(out, "hugetlb", h);
}

int berth_cgroup_v1_stats(struct berth_cgroup *cg, json_t *out, struct berth_error *err)
{
        _cleanup_free_ char *procs = cg->ops->procs_dir(cg);
        if (!procs)
                return berth_error_set(err, ENOMEM, "out of memory");
        if (access(procs, F_OK) < 0)
                return berth_error_errno(err, "cgroup '%s'", procs);
        v1_cpu(cg, out);
        v1_memory(cg, out);
        const char *p = berth_cgroup_v1_dir_for(cg, "pids");
        _cleanup_free_ char *pd = p ? berth_cgroup_dir(cg, p) : NULL;
        pids_stats(pd, out);
        const char *b = berth_cgroup_v1_dir_for(cg, "blkio");
        _cleanup_free_ char *bd = b ? berth_cgroup_dir(cg, b) : NULL;
        if (bd) {
                json_t *blk = json_object();
                set_nonempty(blk, "ioServiceBytesRecursive",
                             blkio_v1_list(bd, "blkio.throttle.io_service_bytes_recursive"));
                set_nonempty(blk, "ioServicedRecursive",
                             blkio_v1_list(bd, "blkio.throttle.io_serviced_recursive"));
                set_nonempty(out, "blkio", blk);
        }
        const char *h = berth_cgroup_v1_dir_for(cg, "hugetlb");
        _cleanup_free_ char *hd = h ? berth_cgroup_dir(cg, h) : NULL;
        if (hd)
                hugetlb_stats(hd, out, "usage_in_bytes", "max_usage_in_bytes", "failcnt");
        else if (cg->mode == BERTH_CGROUP_HYBRID) {
                _cleanup_free_ char *ud = berth_cgroup_dir(cg, "unified");
                if (ud)
                        hugetlb_stats(ud, out, "current", "max", "events");
        }
        return 0;
}

/* io.stat "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ..." */
static void v2_io(const char *d, json_t *out)
{
        _cleanup_free_ char *s = NULL;
        if (berth_cgroup_read(d, "io.stat", &s, NULL) < 0)
                return;
        json_t *bytes = json_array(), *ios = json_array(), *blk = json_object();
        char *save = NULL;
        for (char *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                unsigned maj, min;
                int off = 0;
                if (sscanf(l, "%u:%u%n", &maj, &min, &off) != 2)
                        continue;
                char *save2 = NULL;
                for (char *t = strtok_r(l + off, " ", &save2); t; t = strtok_r(NULL, " ", &save2)) {
                        char *eq = strchr(t, '=');
                        uint64_t v;
                        if (!eq || berth_parse_uint64(eq + 1, UINT64_MAX, &v) < 0)
                                continue;
                        *eq = '\0';
                        json_t *arr = t[1] == 'b' ? bytes : t[1] == 'i' ? ios : NULL;
                        const char *op = t[0] == 'r' ? "Read" : t[0] == 'w' ? "Write" : NULL;
                        if (!arr || !op || (strcmp(t + 1, "bytes") && strcmp(t + 1, "ios")))
                                continue;
                        json_array_append_new(arr, json_pack("{s:i, s:i, s:s, s:o}", "major",
                                                             (int)maj, "minor", (int)min, "op", op,
                                                             "value", jnum(v)));
                }
        }
        set_nonempty(blk, "ioServiceBytesRecursive", bytes);
        set_nonempty(blk, "ioServicedRecursive", ios);
        set_nonempty(out, "blkio", blk);
}

int berth_cgroup_v2_stats(struct berth_cgroup *cg, json_t *out, struct berth_error *err)
{
        _cleanup_free_ char *d = berth_cgroup_dir(cg, NULL);
        if (!d)
                return berth_error_set(err, ENOMEM, "out of memory");
        if (access(d, F_OK) < 0)
                return berth_error_errno(err, "cgroup '%s'", d);
        json_t *cpu = json_object(), *usage = json_object(), *thr = json_object();
        set_keyed(usage, "total", d, "cpu.stat", "usage_usec", 1000);
        set_keyed(usage, "user", d, "cpu.stat", "user_usec", 1000);
        set_keyed(usage, "kernel", d, "cpu.stat", "system_usec", 1000);
        set_keyed(thr, "periods", d, "cpu.stat", "nr_periods", 1);
        set_keyed(thr, "throttledPeriods", d, "cpu.stat", "nr_throttled", 1);
        set_keyed(thr, "throttledTime", d, "cpu.stat", "throttled_usec", 1000);
        set_nonempty(cpu, "usage", usage);
        set_nonempty(cpu, "throttling", thr);
        set_nonempty(out, "cpu", cpu);

        json_t *mem = json_object(), *mu = json_object(), *sw = json_object(), *raw = json_object();
        set_file(mu, "usage", d, "memory.current");
        set_file(mu, "max", d, "memory.peak");
        set_file(mu, "limit", d, "memory.max");
        set_keyed(mu, "failcnt", d, "memory.events", "max", 1);
        set_file(sw, "usage", d, "memory.swap.current");
        set_file(sw, "limit", d, "memory.swap.max");
        berth_cgroup_json_keyed(d, "memory.stat", raw);
        json_t *file = json_object_get(raw, "file");
        if (file)
                json_object_set(mem, "cache", file);
        set_nonempty(mem, "usage", mu);
        set_nonempty(mem, "swap", sw);
        set_nonempty(mem, "raw", raw);
        set_nonempty(out, "memory", mem);

        pids_stats(d, out);
        v2_io(d, out);
        hugetlb_stats(d, out, "current", "max", "events");
        return 0;
}

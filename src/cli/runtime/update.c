/* SPDX-License-Identifier: Apache-2.0 */
/* berth-runtime update: new resource limits from --resources (a linux.resources JSON
 * file, "-" for stdin) and/or single flags (flags win over the file). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/strutil.h"
#include "cli/runtime/cli_internal.h"
#include "runtime/container.h"
#include "basic/banned.h"

const struct cli_flag cli_update_flags[] = {
    {"resources", 'r', FLAG_VALUE, "linux.resources JSON file, '-' for stdin"},
    {"memory", 0, FLAG_VALUE, "memory limit (bytes, k/m/g suffixes; -1 unlimited)"},
    {"memory-swap", 0, FLAG_VALUE, "memory+swap limit"},
    {"memory-reservation", 0, FLAG_VALUE, "memory soft limit"},
    {"kernel-memory", 0, FLAG_VALUE, "accepted, ignored"},
    {"kernel-memory-tcp", 0, FLAG_VALUE, "accepted, ignored"},
    {"cpu-share", 0, FLAG_VALUE, "CPU shares"},
    {"cpu-shares", 0, FLAG_VALUE, "CPU shares (alias of --cpu-share)"},
    {"cpu-period", 0, FLAG_VALUE, "CFS period (us)"},
    {"cpu-quota", 0, FLAG_VALUE, "CFS quota (us)"},
    {"cpu-rt-period", 0, FLAG_VALUE, "realtime period (us)"},
    {"cpu-rt-runtime", 0, FLAG_VALUE, "realtime runtime (us)"},
    {"cpuset-cpus", 0, FLAG_VALUE, "CPUs allowed"},
    {"cpuset-mems", 0, FLAG_VALUE, "memory nodes allowed"},
    {"pids-limit", 0, FLAG_VALUE, "maximum number of pids (-1 unlimited)"},
    {"blkio-weight", 0, FLAG_VALUE, "block IO weight (10-1000)"},
    {"l3-cache-schema", 0, FLAG_VALUE, "Intel RDT: not supported (an error)"},
    {"mem-bw-schema", 0, FLAG_VALUE, "Intel RDT: not supported (an error)"},
    {NULL, 0, 0, NULL},
};

static int size_flag(const char *v, const char *name, int64_t *out, bool *has,
                     struct berth_error *err)
{
        if (!v)
                return 0;
        if (berth_streq(v, "-1")) {
                *out = -1;
        } else if (berth_parse_size(v, out) < 0) {
                return berth_error_set(err, EINVAL, "--%s: invalid size '%s'", name, v);
        }
        *has = true;
        return 0;
}

static int u64_flag(const char *v, const char *name, uint64_t *out, bool *has,
                    struct berth_error *err)
{
        if (!v)
                return 0;
        if (berth_parse_uint64(v, UINT64_MAX, out) < 0)
                return berth_error_set(err, EINVAL, "--%s: invalid number '%s'", name, v);
        *has = true;
        return 0;
}

static int i64_flag(const char *v, const char *name, int64_t *out, bool *has,
                    struct berth_error *err)
{
        if (!v)
                return 0;
        if (berth_parse_int64(v, INT64_MIN, INT64_MAX, out) < 0)
                return berth_error_set(err, EINVAL, "--%s: invalid number '%s'", name, v);
        *has = true;
        return 0;
}

static int dup_flag(const char *v, char **out, struct berth_error *err)
{
        if (!v)
                return 0;
        free(*out);
        if (!(*out = strdup(v)))
                return berth_error_set(err, ENOMEM, "out of memory");
        return 0;
}

static int apply_flags(struct cli_args *a, struct berth_resources *r, struct berth_error *err)
{
        struct berth_resources *x = r;
        int rc;
        uint64_t bw = 0;
        bool has_bw = false;
        if ((rc = size_flag(cli_get(a, "memory"), "memory", &x->mem_limit, &x->has_mem_limit,
                            err)) < 0 ||
            (rc = size_flag(cli_get(a, "memory-swap"), "memory-swap", &x->mem_swap,
                            &x->has_mem_swap, err)) < 0 ||
            (rc = size_flag(cli_get(a, "memory-reservation"), "memory-reservation",
                            &x->mem_reservation, &x->has_mem_reservation, err)) < 0 ||
            (rc = u64_flag(cli_get(a, "cpu-shares"), "cpu-shares", &x->cpu_shares,
                           &x->has_cpu_shares, err)) < 0 ||
            (rc = u64_flag(cli_get(a, "cpu-share"), "cpu-share", &x->cpu_shares, &x->has_cpu_shares,
                           err)) < 0 ||
            (rc = u64_flag(cli_get(a, "cpu-period"), "cpu-period", &x->cpu_period,
                           &x->has_cpu_period, err)) < 0 ||
            (rc = i64_flag(cli_get(a, "cpu-quota"), "cpu-quota", &x->cpu_quota, &x->has_cpu_quota,
                           err)) < 0 ||
            (rc = u64_flag(cli_get(a, "cpu-rt-period"), "cpu-rt-period", &x->cpu_realtime_period,
                           &x->has_cpu_realtime_period, err)) < 0 ||
            (rc = i64_flag(cli_get(a, "cpu-rt-runtime"), "cpu-rt-runtime", &x->cpu_realtime_runtime,
                           &x->has_cpu_realtime_runtime, err)) < 0 ||
            (rc = i64_flag(cli_get(a, "pids-limit"), "pids-limit", &x->pids_limit,
                           &x->has_pids_limit, err)) < 0 ||
            (rc = u64_flag(cli_get(a, "blkio-weight"), "blkio-weight", &bw, &has_bw, err)) < 0 ||
            (rc = dup_flag(cli_get(a, "cpuset-cpus"), &x->cpuset_cpus, err)) < 0 ||
            (rc = dup_flag(cli_get(a, "cpuset-mems"), &x->cpuset_mems, err)) < 0)
                return rc;
        if (cli_get(a, "l3-cache-schema") || cli_get(a, "mem-bw-schema"))
                return berth_error_set(err, ENOTSUP,
                                       "Intel RDT (--l3-cache-schema, "
                                       "--mem-bw-schema) is not supported");
        if (has_bw) {
                if (bw < 10 || bw > 1000)
                        return berth_error_set(err, EINVAL,
                                               "--blkio-weight: %llu is outside 10-1000",
                                               (unsigned long long)bw);
                x->has_blkio_weight = true;
                x->blkio_weight = (uint16_t)bw;
        }
        return 0;
}

int cli_cmd_update(const struct cli_global *g, struct cli_args *a, struct berth_error *err)
{
        struct berth_resources res;
        memset(&res, 0, sizeof(res));
        const char *file = cli_get(a, "resources");
        int r = 0;
        if (file) {
                _cleanup_free_ char *buf = NULL;
                size_t len = 0;
                if (berth_streq(file, "-"))
                        r = berth_read_fd(0, 1u << 20, &buf, &len, err);
                else
                        r = berth_read_file_at(AT_FDCWD, file, 1u << 20, &buf, &len, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "--resources '%s'", file);
                r = berth_spec_parse_resources(buf, len, &res, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "--resources");
        }
        r = apply_flags(a, &res, err);
        if (r == 0)
                r = berth_container_update(g->root, a->pos[0], &res, err);
        berth_resources_free(&res);
        return r;
}

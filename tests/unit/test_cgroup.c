/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup tests.  Most run against fake cgroupfs trees in a temporary directory (plain
 * files stand in for the kernel's control files) and assert the exact values written;
 * the v2 translation is checked value by value.  The last tests use the real cgroupfs of
 * this (hybrid) host and are skipped, with the reason printed, when not root or when
 * /sys/fs/cgroup/memory is missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/magic.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/json.h"
#include "basic/strutil.h"
#include "cgroup/cgroup-internal.h"
#include "cgroup/cgroup.h"
#include "cgroup/cgroup_bpf.h"
#include "basic/banned.h"

uint64_t berth_cgroup_shares_to_weight(uint64_t shares);
uint64_t berth_cgroup_blkio_to_io_weight(uint64_t w);

/* ---------------------------------------------------------------- fake tree helpers */

static char *root_dir;

static char *P(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *P(const char *fmt, ...)
{
        static char buf[8][512];
        static int k;
        char rel[400];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(rel, sizeof(rel), fmt, ap);
        va_end(ap);
        k = (k + 1) % 8;
        snprintf(buf[k], sizeof(buf[k]), "%s/%s", root_dir, rel);
        return buf[k];
}

static void mk(const char *rel)
{
        assert_int_equal(berth_mkdir_p(P("%s", rel), 0755), 0);
}

static void put(const char *rel, const char *content)
{
        FILE *f = fopen(P("%s", rel), "we");
        assert_non_null(f);
        fputs(content, f);
        fclose(f);
}

static char *get(const char *rel)
{
        char *s = NULL;
        assert_int_equal(berth_read_file_at(AT_FDCWD, P("%s", rel), 1 << 20, &s, NULL, NULL), 0);
        return s;
}

#define assert_file(rel, want)                                                                     \
        do {                                                                                       \
                char *_s = get(rel);                                                               \
                assert_string_equal(_s, want);                                                     \
                free(_s);                                                                          \
        } while (0)

static bool exists(const char *rel)
{
        return access(P("%s", rel), F_OK) == 0;
}

static int setup_tmp(void **state)
{
        char tmpl[] = "/tmp/berth-cgtest-XXXXXX";
        assert_non_null(mkdtemp(tmpl));
        root_dir = strdup(tmpl);
        return 0;
}

static int teardown_tmp(void **state)
{
        berth_rm_rf_at(AT_FDCWD, root_dir);
        free(root_dir);
        root_dir = NULL;
        return 0;
}

/* Put every file in `files` (space separated) into dir, empty. */
static void files(const char *dir, const char *names)
{
        char *copy = strdup(names), *save = NULL;
        for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
                char rel[512];
                snprintf(rel, sizeof(rel), "%s/%s", dir, t);
                put(rel, "");
        }
        free(copy);
}

/* ---------------------------------------------------------------- path resolution */

static void expect_path(const char *in, const char *id, const char *want)
{
        char *out = NULL;
        struct berth_error e = {0};
        int r = berth_cgroup_resolve_path(in, id, &out, &e);
        if (r < 0)
                fail_msg("resolve '%s': %s", in ? in : "(null)", e.msg);
        assert_string_equal(out, want);
        free(out);
}

static void expect_bad_path(const char *in, const char *id)
{
        char *out = NULL;
        struct berth_error e = {0};
        int r = berth_cgroup_resolve_path(in, id, &out, &e);
        if (r == 0)
                fail_msg("'%s' accepted as '%s'", in, out);
        assert_int_equal(r, -e.code);
        assert_true(strlen(e.msg) > 0);
}

static void test_paths(void **state)
{
        expect_path(NULL, "abc", "/berth/abc");
        expect_path("", "abc", "/berth/abc");
        expect_path("/a/b/", "x", "/a/b");
        expect_path("a//b/./c", "x", "/a/b/c");
        expect_path("/machine/ctr", "x", "/machine/ctr");
        /* systemd notation */
        expect_path("system.slice:docker:abc", "x", "/system.slice/docker-abc.scope");
        expect_path("machine-foo.slice:libpod:x1", "x",
                    "/machine.slice/machine-foo.slice/libpod-x1.scope");
        expect_path("a-b-c.slice:p:n", "x", "/a.slice/a-b.slice/a-b-c.slice/p-n.scope");
        expect_path(":crio:id1", "x", "/system.slice/crio-id1.scope");
        expect_path("-.slice:p:n", "x", "/p-n.scope");
        expect_path("user.slice::n", "x", "/user.slice/n.scope");
        expect_path("user.slice:p:sub.slice", "x", "/user.slice/sub.slice");

        expect_bad_path("/a/../b", "x");
        expect_bad_path("..", "x");
        expect_bad_path("../../etc", "x");
        expect_bad_path("a/..", "x");
        expect_bad_path("/", "x");
        expect_bad_path("//./", "x");
        expect_bad_path("a\nb", "x");
        expect_bad_path(NULL, "../x");
        expect_bad_path(NULL, "a/b");
        expect_bad_path(NULL, "");
        expect_bad_path("a:b", "x");
        expect_bad_path("a:b:c:d", "x");
        expect_bad_path("system.slice:p:..", "x");
        expect_bad_path("system.slice:p:", "x");
        expect_bad_path("noslice:p:n", "x");
        expect_bad_path("bad-.slice:p:n", "x");
        expect_bad_path("a--b.slice:p:n", "x");
        expect_bad_path("system.slice:p/q:n", "x");
}

/* ---------------------------------------------------------------- v2 translation */

static char *translate_str(const struct berth_resources *res, int *rc)
{
        struct berth_kv *kv = NULL;
        size_t n = 0;
        struct berth_error e = {0};
        *rc = berth_cgroup_v2_translate(res, &kv, &n, &e);
        if (*rc < 0) {
                assert_int_equal(*rc, -e.code);
                assert_true(strlen(e.msg) > 0);
                return NULL;
        }
        struct berth_buf b = {0};
        berth_buf_append(&b, "", 0);
        for (size_t i = 0; i < n; i++)
                berth_buf_printf(&b, "%s=%s;", kv[i].key, kv[i].value);
        berth_kv_array_free(kv, n);
        return b.data;
}

static void expect_tr(const struct berth_resources *res, const char *want)
{
        int rc;
        char *s = translate_str(res, &rc);
        if (rc < 0)
                fail_msg("translation failed, wanted '%s'", want);
        assert_string_equal(s, want);
        free(s);
}

static void expect_tr_error(const struct berth_resources *res, int code)
{
        int rc;
        char *s = translate_str(res, &rc);
        if (rc == 0)
                fail_msg("translation accepted: '%s'", s);
        assert_int_equal(rc, -code);
}

static void test_v2_shares_and_weights(void **state)
{
        static const struct {
                uint64_t shares, weight;
        } sw[] = {{2, 1},       {1, 1},         {3, 1},          {27, 1},        {28, 1},
                  {29, 2},      {128, 5},       {512, 20},       {1024, 39},     {2048, 79},
                  {10000, 382}, {131072, 5000}, {262144, 10000}, {300000, 10000}};
        for (size_t i = 0; i < ARRAY_SIZE(sw); i++) {
                if (berth_cgroup_shares_to_weight(sw[i].shares) != sw[i].weight)
                        fail_msg("shares %lu -> %lu, want %lu", (unsigned long)sw[i].shares,
                                 (unsigned long)berth_cgroup_shares_to_weight(sw[i].shares),
                                 (unsigned long)sw[i].weight);
        }
        static const struct {
                uint64_t blkio, io;
        } bw[] = {{10, 1}, {11, 11}, {100, 910}, {500, 4950}, {999, 9989}, {1000, 10000}};
        for (size_t i = 0; i < ARRAY_SIZE(bw); i++)
                if (berth_cgroup_blkio_to_io_weight(bw[i].blkio) != bw[i].io)
                        fail_msg("blkio weight %lu -> %lu, want %lu", (unsigned long)bw[i].blkio,
                                 (unsigned long)berth_cgroup_blkio_to_io_weight(bw[i].blkio),
                                 (unsigned long)bw[i].io);

        struct berth_resources r = {0};
        r.has_cpu_shares = true;
        r.cpu_shares = 1024;
        expect_tr(&r, "cpu.weight=39;");
        r.cpu_shares = 0; /* 0 = unset */
        expect_tr(&r, "");
        r = (struct berth_resources){.has_blkio_weight = true, .blkio_weight = 500};
        expect_tr(&r, "io.weight=default 4950;");
        r.blkio_weight = 5;
        expect_tr_error(&r, EINVAL);
        r.blkio_weight = 1001;
        expect_tr_error(&r, EINVAL);
        struct berth_weight_device wd[] = {
            {.major = 8, .minor = 0, .has_weight = true, .weight = 1000},
            {.major = 8, .minor = 16, .has_leaf_weight = true, .leaf_weight = 10}};
        r = (struct berth_resources){.blkio_weight_devices = wd, .n_blkio_weight_devices = 2};
        expect_tr(&r, "io.weight=8:0 10000;");
}

static void test_v2_cpu_max(void **state)
{
        struct berth_resources r = {.has_cpu_quota = true,
                                    .cpu_quota = 50000,
                                    .has_cpu_period = true,
                                    .cpu_period = 100000};
        expect_tr(&r, "cpu.max=50000 100000;");
        r.cpu_quota = -1;
        expect_tr(&r, "cpu.max=max 100000;");
        r.has_cpu_period = false;
        expect_tr(&r, "cpu.max=max;");
        r.cpu_quota = 25000;
        expect_tr(&r, "cpu.max=25000;");
        r = (struct berth_resources){.has_cpu_period = true, .cpu_period = 20000};
        expect_tr(&r, "cpu.max=max 20000;");
        r = (struct berth_resources){.has_cpu_quota = true, .cpu_quota = 0};
        expect_tr(&r, "");
        r = (struct berth_resources){
            .has_cpu_burst = true, .cpu_burst = 1000, .has_cpu_idle = true, .cpu_idle = 1};
        expect_tr(&r, "cpu.max.burst=1000;cpu.idle=1;");
        r = (struct berth_resources){.cpuset_cpus = (char *)"0-1", .cpuset_mems = (char *)"0"};
        expect_tr(&r, "cpuset.cpus=0-1;cpuset.mems=0;");
        r = (struct berth_resources){.has_cpu_realtime_runtime = true, .cpu_realtime_runtime = 10};
        expect_tr_error(&r, ENOTSUP);
        r = (struct berth_resources){.has_cpu_realtime_period = true, .cpu_realtime_period = 0};
        expect_tr(&r, "");
}

static void test_v2_memory(void **state)
{
        const int64_t M = 1 << 20;
        struct berth_resources r = {
            .has_mem_limit = true, .mem_limit = 100 * M, .has_mem_swap = true, .mem_swap = 300 * M};
        expect_tr(&r, "memory.max=104857600;memory.swap.max=209715200;");
        r.mem_swap = 100 * M;
        expect_tr(&r, "memory.max=104857600;memory.swap.max=0;");
        r.mem_swap = 99 * M;
        expect_tr_error(&r, EINVAL);
        r.mem_swap = -1;
        expect_tr(&r, "memory.max=104857600;memory.swap.max=max;");
        r.has_mem_swap = false;
        expect_tr(&r, "memory.max=104857600;");
        r.mem_limit = -1;
        expect_tr(&r, "memory.max=max;memory.swap.max=max;");
        r = (struct berth_resources){.has_mem_swap = true, .mem_swap = 10 * M};
        expect_tr_error(&r, EINVAL); /* swap without a memory limit */
        r = (struct berth_resources){
            .has_mem_limit = true, .mem_limit = -1, .has_mem_swap = true, .mem_swap = 10 * M};
        expect_tr_error(&r, EINVAL);
        r = (struct berth_resources){.has_mem_reservation = true, .mem_reservation = 50 * M};
        expect_tr(&r, "memory.low=52428800;");
        r.mem_reservation = -1;
        expect_tr(&r, "memory.low=max;");
        /* kernel memory, swappiness and the OOM killer switch have no v2 file: ignored */
        r = (struct berth_resources){.has_mem_kernel = true,
                                     .mem_kernel = M,
                                     .has_mem_swappiness = true,
                                     .mem_swappiness = 10,
                                     .mem_disable_oom_killer = true};
        expect_tr(&r, "");
}

static void test_v2_pids_io_hugetlb_unified(void **state)
{
        struct berth_resources r = {.has_pids_limit = true, .pids_limit = 100};
        expect_tr(&r, "pids.max=100;");
        r.pids_limit = -1;
        expect_tr(&r, "pids.max=max;");
        r.pids_limit = 0;
        expect_tr(&r, "pids.max=max;");

        struct berth_throttle_device rb[] = {{8, 0, 1048576}, {8, 16, 2048}};
        struct berth_throttle_device wb[] = {{8, 0, 4096}};
        struct berth_throttle_device ri[] = {{253, 1, 100}};
        struct berth_throttle_device wi[] = {{253, 1, 200}};
        r = (struct berth_resources){.throttle_read_bps = rb,
                                     .n_throttle_read_bps = 2,
                                     .throttle_write_bps = wb,
                                     .n_throttle_write_bps = 1,
                                     .throttle_read_iops = ri,
                                     .n_throttle_read_iops = 1,
                                     .throttle_write_iops = wi,
                                     .n_throttle_write_iops = 1};
        expect_tr(&r, "io.max=8:0 rbps=1048576;io.max=8:16 rbps=2048;io.max=8:0 wbps=4096;"
                      "io.max=253:1 riops=100;io.max=253:1 wiops=200;");

        struct berth_hugepage_limit hp[] = {{(char *)"2MB", 4194304}, {(char *)"1GB", 0}};
        r = (struct berth_resources){.hugepage_limits = hp, .n_hugepage_limits = 2};
        expect_tr(&r, "hugetlb.2MB.max=4194304;hugetlb.1GB.max=0;");
        struct berth_hugepage_limit bad[] = {{(char *)"../x", 1}};
        r = (struct berth_resources){.hugepage_limits = bad, .n_hugepage_limits = 1};
        expect_tr_error(&r, EINVAL);

        struct berth_kv un[] = {{(char *)"memory.oom.group", (char *)"1"},
                                {(char *)"memory.max", (char *)"2000"}};
        r = (struct berth_resources){.has_mem_limit = true,
                                     .mem_limit = 1000,
                                     .unified = un,
                                     .n_unified = 2,
                                     .has_pids_limit = true,
                                     .pids_limit = 5};
        /* unified entries come last, as given, so they win over the translated value */
        expect_tr(&r, "memory.max=1000;pids.max=5;memory.oom.group=1;memory.max=2000;");
        const char *badkeys[] = {"../memory.max", "a/b", "memory..max", "", ".hidden"};
        for (size_t i = 0; i < ARRAY_SIZE(badkeys); i++) {
                struct berth_kv k[] = {{(char *)badkeys[i], (char *)"1"}};
                r = (struct berth_resources){.unified = k, .n_unified = 1};
                expect_tr_error(&r, EINVAL);
        }
        r = (struct berth_resources){.has_net_class_id = true, .net_class_id = 1};
        expect_tr_error(&r, ENOTSUP);
}

/* ---------------------------------------------------------------- fake v2 tree */

static void make_v2_tree(void)
{
        put("cgroup.controllers", "cpuset cpu io memory pids\n");
        put("cgroup.subtree_control", "");
        mk("berth/c1");
        put("berth/cgroup.controllers", "cpu io memory pids\n");
        put("berth/cgroup.subtree_control", "");
        files("berth/c1", "cgroup.procs cgroup.freeze cgroup.kill memory.max memory.swap.max "
                          "memory.low cpu.weight cpu.max pids.max io.weight io.max "
                          "memory.oom.group");
        put("berth/c1/cgroup.controllers", "cpu io memory pids\n");
        put("berth/c1/cgroup.events", "populated 1\nfrozen 1\n");
}

static struct berth_cgroup *new_fake(enum berth_cgroup_mode mode, const char *path,
                                     struct berth_buf *log)
{
        struct berth_cgroup *cg = NULL;
        struct berth_error e = {0};
        if (berth_cgroup_new_with_mode(root_dir, mode, path, "c1", &cg, &e) < 0)
                fail_msg("new: %s", e.msg);
        cg->plain_files = true;
        cg->write_log = log;
        return cg;
}

static void v2_check_update_enter_freeze(struct berth_cgroup *cg)
{
        struct berth_error e = {0};
        /* update */
        struct berth_resources upd = {.has_pids_limit = true, .pids_limit = 42};
        assert_int_equal(berth_cgroup_update(cg, &upd, &e), 0);
        assert_file("berth/c1/pids.max", "42");

        /* a controller the host does not offer is a clear error */
        struct berth_hugepage_limit hp[] = {{(char *)"2MB", 1}};
        struct berth_resources bad = {.hugepage_limits = hp, .n_hugepage_limits = 1};
        assert_int_equal(berth_cgroup_update(cg, &bad, &e), -ENOTSUP);
        assert_non_null(strstr(e.msg, "hugetlb"));

        /* enter, pids */
        assert_int_equal(berth_cgroup_enter(cg, 4242, &e), 0);
        assert_file("berth/c1/cgroup.procs", "4242");
        put("berth/c1/cgroup.procs", "4242\n4243\n");
        mk("berth/c1/sub");
        put("berth/c1/sub/cgroup.procs", "5000\n");
        pid_t *pids = NULL;
        size_t n = 0;
        assert_int_equal(berth_cgroup_pids(cg, &pids, &n, &e), 0);
        assert_int_equal(n, 3);
        int sum = 0;
        for (size_t i = 0; i < n; i++)
                sum += pids[i];
        assert_int_equal(sum, 4242 + 4243 + 5000);
        free(pids);

        /* freeze with a fake kernel that reports frozen */
        bool frozen = false;
        assert_int_equal(berth_cgroup_freeze(cg, true, &e), 0);
        assert_file("berth/c1/cgroup.freeze", "1");
        assert_int_equal(berth_cgroup_is_frozen(cg, &frozen, &e), 0);
        assert_true(frozen);
        put("berth/c1/cgroup.events", "populated 1\nfrozen 0\n");
        assert_int_equal(berth_cgroup_freeze(cg, false, &e), 0);
        assert_file("berth/c1/cgroup.freeze", "0");
        assert_int_equal(berth_cgroup_is_frozen(cg, &frozen, &e), 0);
        assert_false(frozen);

        /* SIGKILL goes through cgroup.kill */
        assert_int_equal(berth_cgroup_kill_all(cg, SIGKILL, &e), 0);
        assert_file("berth/c1/cgroup.kill", "1");
}

static void v2_check_stats_destroy(struct berth_cgroup *cg)
{
        struct berth_error e = {0};
        size_t n = 0;
        /* stats */
        put("berth/c1/memory.current", "1000\n");
        put("berth/c1/memory.stat", "anon 10\nfile 20\n");
        put("berth/c1/pids.current", "3\n");
        put("berth/c1/cpu.stat", "usage_usec 5\nuser_usec 3\nsystem_usec 2\nnr_periods 7\n"
                                 "nr_throttled 1\nthrottled_usec 9\n");
        put("berth/c1/io.stat", "8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n");
        json_t *st = NULL;
        assert_int_equal(berth_cgroup_stats(cg, &st, &e), 0);
        char *js = berth_json_dump(st, false);
        assert_string_equal(
            js, "{\"cpu\":{\"usage\":{\"total\":5000,\"user\":3000,\"kernel\":2000},"
                "\"throttling\":{\"periods\":7,\"throttledPeriods\":1,\"throttledTime\":9000}},"
                "\"memory\":{\"cache\":20,\"usage\":{\"usage\":1000,\"limit\":1048576},"
                "\"swap\":{\"limit\":2097152},\"raw\":{\"anon\":10,\"file\":20}},"
                "\"pids\":{\"current\":3,\"limit\":42},"
                "\"blkio\":{\"ioServiceBytesRecursive\":[{\"major\":8,\"minor\":0,\"op\":"
                "\"Read\",\"value\":100},{\"major\":8,\"minor\":0,\"op\":\"Write\",\"value\":"
                "200}],\"ioServicedRecursive\":[{\"major\":8,\"minor\":0,\"op\":\"Read\","
                "\"value\":1},{\"major\":8,\"minor\":0,\"op\":\"Write\",\"value\":2}]}}");
        free(js);
        json_decref(st);

        /* oom */
        bool killed = true;
        assert_int_equal(berth_cgroup_oom_killed(cg, &killed, &e), 0);
        assert_false(killed);
        put("berth/c1/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\n");
        assert_int_equal(berth_cgroup_oom_killed(cg, &killed, &e), 0);
        assert_true(killed);

        /* unified fd only on v2 */
        int fd = berth_cgroup_open_unified_fd(cg);
        assert_true(fd >= 0);
        close(fd);

        /* mountinfo */
        struct berth_cgroup_mountinfo *m = NULL;
        assert_int_equal(berth_cgroup_mountinfo(cg, &m, &n, &e), 0);
        assert_int_equal(n, 1);
        assert_string_equal(m[0].name, "");
        assert_string_equal(m[0].fstype, "cgroup2");
        assert_string_equal(m[0].host_path, P("berth/c1"));
        assert_null(m[0].symlink_target);
        berth_cgroup_mountinfo_free(m, n);

        /* destroy: the container's directory (and its child) go, the parent stays */
        assert_int_equal(berth_cgroup_destroy(cg, &e), 0);
        assert_false(exists("berth/c1"));
        assert_true(exists("berth"));
        /* destroying twice is fine */
        assert_int_equal(berth_cgroup_destroy(cg, &e), 0);
}

static void test_v2_fake_lifecycle(void **state)
{
        make_v2_tree();
        struct berth_buf log = {0};
        berth_buf_append(&log, "", 0);
        struct berth_cgroup *cg = new_fake(BERTH_CGROUP_V2, "/berth/c1", &log);
        struct berth_error e = {0};
        struct berth_kv un[] = {{(char *)"memory.oom.group", (char *)"1"}};
        struct berth_resources res = {.has_mem_limit = true,
                                      .mem_limit = 1 << 20,
                                      .has_mem_swap = true,
                                      .mem_swap = 3 << 20,
                                      .has_cpu_shares = true,
                                      .cpu_shares = 1024,
                                      .has_cpu_quota = true,
                                      .cpu_quota = 50000,
                                      .has_cpu_period = true,
                                      .cpu_period = 100000,
                                      .has_pids_limit = true,
                                      .pids_limit = -1,
                                      .unified = un,
                                      .n_unified = 1};
        if (berth_cgroup_create(cg, &res, &e) < 0)
                fail_msg("create: %s", e.msg);
        assert_string_equal(log.data, "cgroup.subtree_control=+cpu +cpuset +io +memory +pids\n"
                                      "cgroup.subtree_control=+cpu +io +memory +pids\n"
                                      "cgroup.subtree_control=+cpu +memory +pids\n"
                                      "cgroup.subtree_control=+cpu +memory +pids\n"
                                      "cpu.weight=39\n"
                                      "cpu.max=50000 100000\n"
                                      "memory.max=1048576\n"
                                      "memory.swap.max=2097152\n"
                                      "pids.max=max\n"
                                      "memory.oom.group=1\n");
        assert_file("cgroup.subtree_control", "+cpu +memory +pids");
        assert_file("berth/cgroup.subtree_control", "+cpu +memory +pids");
        assert_file("berth/c1/cpu.weight", "39");
        assert_file("berth/c1/cpu.max", "50000 100000");
        assert_file("berth/c1/memory.max", "1048576");
        assert_file("berth/c1/memory.swap.max", "2097152");
        assert_file("berth/c1/pids.max", "max");
        assert_file("berth/c1/memory.oom.group", "1");
        /* the leaf itself never gets controllers enabled (it holds the processes) */
        assert_false(exists("berth/c1/cgroup.subtree_control"));

        v2_check_update_enter_freeze(cg);
        v2_check_stats_destroy(cg);
        berth_cgroup_free(cg);
        berth_buf_free(&log);
}

static void test_v2_io_weight_files(void **state)
{
        make_v2_tree();
        struct berth_buf log = {0};
        berth_buf_append(&log, "", 0);
        struct berth_cgroup *cg = new_fake(BERTH_CGROUP_V2, "/berth/c1", &log);
        struct berth_error e = {0};
        struct berth_weight_device wd[] = {
            {.major = 8, .minor = 0, .has_weight = true, .weight = 300}};
        struct berth_resources res = {.has_blkio_weight = true,
                                      .blkio_weight = 500,
                                      .blkio_weight_devices = wd,
                                      .n_blkio_weight_devices = 1};
        /* iocost: io.weight with the converted values */
        assert_int_equal(berth_cgroup_update(cg, &res, &e), 0);
        assert_string_equal(log.data, "cgroup.subtree_control=+io\n"
                                      "cgroup.subtree_control=+io\n"
                                      "io.weight=default 4950\n"
                                      "io.weight=8:0 2930\n");
        /* BFQ only: io.bfq.weight with the blkio values as they are */
        assert_int_equal(unlink(P("berth/c1/io.weight")), 0);
        put("berth/c1/io.bfq.weight", "");
        log.len = 0;
        log.data[0] = '\0';
        assert_int_equal(berth_cgroup_update(cg, &res, &e), 0);
        assert_string_equal(log.data, "cgroup.subtree_control=+io\n"
                                      "cgroup.subtree_control=+io\n"
                                      "io.bfq.weight=default 500\n"
                                      "io.bfq.weight=8:0 300\n");
        /* neither: a clear error */
        assert_int_equal(unlink(P("berth/c1/io.bfq.weight")), 0);
        assert_int_equal(berth_cgroup_update(cg, &res, &e), -ENOTSUP);
        assert_non_null(strstr(e.msg, "io.bfq.weight"));
        /* no swap accounting: memory.swap.max is skipped */
        assert_int_equal(unlink(P("berth/c1/memory.swap.max")), 0);
        struct berth_resources mem = {
            .has_mem_limit = true, .mem_limit = 4096, .has_mem_swap = true, .mem_swap = 8192};
        assert_int_equal(berth_cgroup_update(cg, &mem, &e), 0);
        assert_file("berth/c1/memory.max", "4096");
        assert_false(exists("berth/c1/memory.swap.max"));
        berth_cgroup_free(cg);
        berth_buf_free(&log);
}

static void test_v2_freeze_timeout(void **state)
{
        make_v2_tree();
        put("berth/c1/cgroup.events", "populated 1\nfrozen 0\n");
        struct berth_cgroup *cg = new_fake(BERTH_CGROUP_V2, "/berth/c1", NULL);
        struct berth_error e = {0};
        cg->wait_timeout_ms = 50;
        /* a freeze the kernel never completes times out */
        assert_int_equal(berth_cgroup_freeze(cg, true, &e), -EBUSY);
        assert_non_null(strstr(e.msg, "frozen 1"));
        /* thawed again after the failed attempt */
        assert_file("berth/c1/cgroup.freeze", "0");
        berth_cgroup_free(cg);
}

/* ---------------------------------------------------------------- fake v1 / hybrid tree */

static const char *const v1_dirs[] = {"blkio",   "cpu,cpuacct", "cpuset", "devices",
                                      "freezer", "memory",      "pids",   "systemd"};

static void make_v1_tree(bool hybrid)
{
        for (size_t i = 0; i < ARRAY_SIZE(v1_dirs); i++) {
                char rel[128];
                snprintf(rel, sizeof(rel), "%s/berth/c1", v1_dirs[i]);
                mk(rel);
                snprintf(rel, sizeof(rel), "%s/berth/c1", v1_dirs[i]);
                files(rel, "cgroup.procs");
        }
        assert_int_equal(symlink("cpu,cpuacct", P("cpu")), 0);
        assert_int_equal(symlink("cpu,cpuacct", P("cpuacct")), 0);
        files("memory/berth/c1", "memory.limit_in_bytes memory.soft_limit_in_bytes "
                                 "memory.swappiness memory.oom_control");
        put("memory/berth/c1/memory.memsw.limit_in_bytes", "9223372036854771712\n");
        files("cpu,cpuacct/berth/c1", "cpu.shares cpu.cfs_quota_us cpu.cfs_period_us");
        put("cpuset/cpuset.cpus", "0-3\n");
        put("cpuset/cpuset.mems", "0\n");
        files("cpuset/berth", "cpuset.cpus cpuset.mems");
        files("cpuset/berth/c1", "cpuset.cpus cpuset.mems");
        files("pids/berth/c1", "pids.max");
        files("blkio/berth/c1", "blkio.weight blkio.throttle.read_bps_device");
        files("devices/berth/c1", "devices.allow devices.deny");
        put("freezer/berth/c1/freezer.state", "THAWED\n");
        if (hybrid) {
                mk("unified/berth/c1");
                put("unified/cgroup.controllers", "hugetlb\n");
                put("unified/cgroup.subtree_control", "");
                put("unified/berth/cgroup.controllers", "hugetlb\n");
                put("unified/berth/cgroup.subtree_control", "");
                files("unified/berth/c1", "cgroup.procs hugetlb.2MB.max");
        }
}

/* systemd notation decides the directories that get created, in every hierarchy */
static void test_systemd_path_dirs(void **state)
{
        make_v1_tree(true);
        struct berth_cgroup *cg =
            new_fake(BERTH_CGROUP_HYBRID, "machine-ctr.slice:berth:abc", NULL);
        struct berth_error e = {0};
        assert_string_equal(cg->path, "/machine.slice/machine-ctr.slice/berth-abc.scope");
        /* the kernel would create these files with each directory; the fake needs them */
        mk("cpuset/machine.slice/machine-ctr.slice/berth-abc.scope");
        files("cpuset/machine.slice", "cpuset.cpus cpuset.mems");
        files("cpuset/machine.slice/machine-ctr.slice", "cpuset.cpus cpuset.mems");
        files("cpuset/machine.slice/machine-ctr.slice/berth-abc.scope", "cpuset.cpus cpuset.mems");
        if (berth_cgroup_create(cg, NULL, &e) < 0)
                fail_msg("create: %s", e.msg);
        assert_true(exists("memory/machine.slice/machine-ctr.slice/berth-abc.scope"));
        assert_true(exists("systemd/machine.slice/machine-ctr.slice/berth-abc.scope"));
        assert_true(exists("unified/machine.slice/machine-ctr.slice/berth-abc.scope"));
        /* cpuset values were copied down every new level */
        assert_file("cpuset/machine.slice/cpuset.cpus", "0-3");
        assert_file("cpuset/machine.slice/machine-ctr.slice/berth-abc.scope/cpuset.mems", "0");
        assert_int_equal(berth_cgroup_destroy(cg, &e), 0);
        assert_false(exists("memory/machine.slice/machine-ctr.slice/berth-abc.scope"));
        assert_true(exists("memory/machine.slice/machine-ctr.slice"));
        berth_cgroup_free(cg);
}

static void v1_check_updates(struct berth_cgroup *cg, struct berth_buf *log)
{
        struct berth_error e = {0};
        /* raising the limit above the current memsw: memsw is written first */
        log->len = 0;
        log->data[0] = '\0';
        struct berth_resources up = {.has_mem_limit = true,
                                     .mem_limit = 300 << 20,
                                     .has_mem_swap = true,
                                     .mem_swap = 400 << 20};
        assert_int_equal(berth_cgroup_update(cg, &up, &e), 0);
        assert_string_equal(log->data, "memory.memsw.limit_in_bytes=419430400\n"
                                       "memory.limit_in_bytes=314572800\n");
        /* swap below memory is refused */
        up.mem_swap = 100 << 20;
        assert_int_equal(berth_cgroup_update(cg, &up, &e), -EINVAL);
        assert_non_null(strstr(e.msg, "memory.swap"));
        /* without a memsw file the swap limit is skipped */
        assert_int_equal(unlink(P("memory/berth/c1/memory.memsw.limit_in_bytes")), 0);
        log->len = 0;
        log->data[0] = '\0';
        up.mem_swap = 500 << 20;
        assert_int_equal(berth_cgroup_update(cg, &up, &e), 0);
        assert_string_equal(log->data, "memory.limit_in_bytes=314572800\n");
        /* a controller the host lacks is a clear error */
        struct berth_resources net = {.has_net_class_id = true, .net_class_id = 7};
        assert_int_equal(berth_cgroup_update(cg, &net, &e), -ENOTSUP);
        assert_non_null(strstr(e.msg, "net_cls"));
        struct berth_kv un[] = {{(char *)"memory.max", (char *)"1"}};
        struct berth_resources unres = {.unified = un, .n_unified = 1};
        assert_int_equal(berth_cgroup_update(cg, &unres, &e), -ENOTSUP);
}

static void v1_check_enter_freeze(struct berth_cgroup *cg, struct berth_buf *log)
{
        struct berth_error e = {0};
        /* enter: every hierarchy, including name=systemd */
        assert_int_equal(berth_cgroup_enter(cg, 777, &e), 0);
        for (size_t i = 0; i < ARRAY_SIZE(v1_dirs); i++) {
                char rel[128];
                snprintf(rel, sizeof(rel), "%s/berth/c1/cgroup.procs", v1_dirs[i]);
                assert_file(rel, "777");
        }
        assert_int_equal(berth_cgroup_open_unified_fd(cg), -1);

        /* freezer */
        bool frozen = true;
        assert_int_equal(berth_cgroup_is_frozen(cg, &frozen, &e), 0);
        assert_false(frozen);
        assert_int_equal(berth_cgroup_freeze(cg, true, &e), 0);
        assert_file("freezer/berth/c1/freezer.state", "FROZEN");
        assert_int_equal(berth_cgroup_is_frozen(cg, &frozen, &e), 0);
        assert_true(frozen);
        assert_int_equal(berth_cgroup_freeze(cg, false, &e), 0);
        assert_file("freezer/berth/c1/freezer.state", "THAWED");
}

static void v1_check_stats_oom(struct berth_cgroup *cg, struct berth_buf *log)
{
        struct berth_error e = {0};
        /* stats from v1 files */
        put("memory/berth/c1/memory.stat", "cache 11\nrss 22\ntotal_cache 33\n");
        put("memory/berth/c1/memory.usage_in_bytes", "4096\n");
        put("memory/berth/c1/memory.max_usage_in_bytes", "8192\n");
        put("memory/berth/c1/memory.failcnt", "0\n");
        put("pids/berth/c1/pids.current", "2\n");
        put("cpu,cpuacct/berth/c1/cpuacct.usage", "123456\n");
        put("cpu,cpuacct/berth/c1/cpuacct.usage_percpu", "100000 23456 \n");
        put("cpu,cpuacct/berth/c1/cpu.stat", "nr_periods 4\nnr_throttled 2\nthrottled_time 99\n");
        put("blkio/berth/c1/blkio.throttle.io_service_bytes_recursive",
            "8:0 Read 512\n8:0 Write 1024\nTotal 1536\n");
        json_t *st = NULL;
        assert_int_equal(berth_cgroup_stats(cg, &st, &e), 0);
        char *js = berth_json_dump(st, false);
        assert_string_equal(
            js, "{\"cpu\":{\"usage\":{\"total\":123456,\"percpu\":[100000,23456]},"
                "\"throttling\":{\"periods\":4,\"throttledPeriods\":2,\"throttledTime\":99}},"
                "\"memory\":{\"cache\":33,\"usage\":{\"usage\":4096,\"max\":8192,\"failcnt\":0,"
                "\"limit\":314572800},\"raw\":{\"cache\":11,\"rss\":22,\"total_cache\":33}},"
                "\"pids\":{\"current\":2,\"limit\":0},"
                "\"blkio\":{\"ioServiceBytesRecursive\":[{\"major\":8,\"minor\":0,\"op\":"
                "\"Read\",\"value\":512},{\"major\":8,\"minor\":0,\"op\":\"Write\",\"value\":"
                "1024}]}}");
        free(js);
        json_decref(st);

        bool killed = true;
        put("memory/berth/c1/memory.oom_control", "oom_kill_disable 1\nunder_oom 0\noom_kill 0\n");
        assert_int_equal(berth_cgroup_oom_killed(cg, &killed, &e), 0);
        assert_false(killed);
        put("memory/berth/c1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
        assert_int_equal(berth_cgroup_oom_killed(cg, &killed, &e), 0);
        assert_true(killed);
}

static void v1_check_mountinfo_destroy(struct berth_cgroup *cg, struct berth_buf *log)
{
        struct berth_error e = {0};
        /* mountinfo: one entry per hierarchy plus the alias links */
        struct berth_cgroup_mountinfo *m = NULL;
        size_t n = 0;
        assert_int_equal(berth_cgroup_mountinfo(cg, &m, &n, &e), 0);
        assert_int_equal(n, ARRAY_SIZE(v1_dirs) + 2);
        for (size_t i = 0; i < ARRAY_SIZE(v1_dirs); i++) {
                assert_string_equal(m[i].name, v1_dirs[i]);
                assert_string_equal(m[i].fstype, "cgroup");
                char rel[128];
                snprintf(rel, sizeof(rel), "%s/berth/c1", v1_dirs[i]);
                assert_string_equal(m[i].host_path, P("%s", rel));
        }
        assert_string_equal(m[1].options, "cpu,cpuacct");
        assert_string_equal(m[7].options, "name=systemd");
        bool saw_cpu = false, saw_cpuacct = false;
        for (size_t i = ARRAY_SIZE(v1_dirs); i < n; i++) {
                assert_string_equal(m[i].symlink_target, "cpu,cpuacct");
                assert_null(m[i].host_path);
                saw_cpu |= !strcmp(m[i].name, "cpu");
                saw_cpuacct |= !strcmp(m[i].name, "cpuacct");
        }
        assert_true(saw_cpu && saw_cpuacct);
        berth_cgroup_mountinfo_free(m, n);

        /* destroy: every hierarchy, parents stay */
        assert_int_equal(berth_cgroup_destroy(cg, &e), 0);
        for (size_t i = 0; i < ARRAY_SIZE(v1_dirs); i++) {
                char rel[128];
                snprintf(rel, sizeof(rel), "%s/berth/c1", v1_dirs[i]);
                assert_false(exists(rel));
                snprintf(rel, sizeof(rel), "%s/berth", v1_dirs[i]);
                assert_true(exists(rel));
        }
}

static void test_v1_fake_lifecycle(void **state)
{
        make_v1_tree(false);
        struct berth_buf log = {0};
        berth_buf_append(&log, "", 0);
        struct berth_cgroup *cg = new_fake(BERTH_CGROUP_V1, NULL, &log);
        struct berth_error e = {0};
        struct berth_throttle_device rb[] = {{8, 0, 1048576}};
        struct berth_device_rule dev[] = {
            {.allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm"},
            {.allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm"},
            {.allow = true, .type = 'c', .major = 136, .minor = -1, .access = "rw"},
            {.allow = false, .type = 'c', .major = 1, .minor = 3, .access = "m"},
            {.allow = true, .type = 'a', .major = 7, .minor = -1, .access = "r"},
        };
        struct berth_resources res = {
            .has_mem_limit = true,
            .mem_limit = 100 << 20,
            .has_mem_swap = true,
            .mem_swap = 200 << 20,
            .has_mem_reservation = true,
            .mem_reservation = 50 << 20,
            .has_mem_swappiness = true,
            .mem_swappiness = 10,
            .mem_disable_oom_killer = true,
            .has_mem_kernel = true,
            .mem_kernel = 1 << 20, /* no kmem file: ignored */
            .has_cpu_shares = true,
            .cpu_shares = 512,
            .has_cpu_quota = true,
            .cpu_quota = 20000,
            .has_cpu_period = true,
            .cpu_period = 100000,
            .cpuset_cpus = (char *)"1",
            .has_pids_limit = true,
            .pids_limit = 0,
            .has_blkio_weight = true,
            .blkio_weight = 500,
            .throttle_read_bps = rb,
            .n_throttle_read_bps = 1,
            .devices = dev,
            .n_devices = ARRAY_SIZE(dev),
        };
        if (berth_cgroup_create(cg, &res, &e) < 0)
                fail_msg("create: %s", e.msg);
        assert_string_equal(log.data, "cpuset.cpus=0-3\n"
                                      "cpuset.mems=0\n"
                                      "cpuset.cpus=0-3\n"
                                      "cpuset.mems=0\n"
                                      "memory.limit_in_bytes=104857600\n"
                                      "memory.memsw.limit_in_bytes=209715200\n"
                                      "memory.soft_limit_in_bytes=52428800\n"
                                      "memory.swappiness=10\n"
                                      "memory.oom_control=1\n"
                                      "cpu.shares=512\n"
                                      "cpu.cfs_period_us=100000\n"
                                      "cpu.cfs_quota_us=20000\n"
                                      "cpuset.cpus=1\n"
                                      "pids.max=max\n"
                                      "blkio.weight=500\n"
                                      "blkio.throttle.read_bps_device=8:0 1048576\n"
                                      "devices.deny=a\n"
                                      "devices.allow=c 1:3 rwm\n"
                                      "devices.allow=c 136:* rw\n"
                                      "devices.deny=c 1:3 m\n"
                                      "devices.allow=c 7:* r\n"
                                      "devices.allow=b 7:* r\n");
        assert_file("cpuset/berth/cpuset.cpus", "0-3");
        assert_file("cpuset/berth/cpuset.mems", "0");
        assert_file("cpuset/berth/c1/cpuset.cpus", "1");
        assert_file("cpuset/berth/c1/cpuset.mems", "0");
        assert_file("memory/berth/c1/memory.limit_in_bytes", "104857600");
        assert_file("memory/berth/c1/memory.memsw.limit_in_bytes", "209715200");
        assert_file("memory/berth/c1/memory.soft_limit_in_bytes", "52428800");
        assert_file("memory/berth/c1/memory.swappiness", "10");
        assert_file("memory/berth/c1/memory.oom_control", "1");
        assert_file("cpu,cpuacct/berth/c1/cpu.shares", "512");
        assert_file("cpu,cpuacct/berth/c1/cpu.cfs_quota_us", "20000");
        assert_file("cpu,cpuacct/berth/c1/cpu.cfs_period_us", "100000");
        assert_file("pids/berth/c1/pids.max", "max");
        assert_file("blkio/berth/c1/blkio.weight", "500");
        assert_file("blkio/berth/c1/blkio.throttle.read_bps_device", "8:0 1048576");
        assert_false(exists("memory/berth/c1/memory.kmem.limit_in_bytes"));

        v1_check_updates(cg, &log);
        v1_check_enter_freeze(cg, &log);
        v1_check_stats_oom(cg, &log);
        v1_check_mountinfo_destroy(cg, &log);
        berth_cgroup_free(cg);
        berth_buf_free(&log);
}

static void test_hybrid_fake(void **state)
{
        make_v1_tree(true);
        struct berth_buf log = {0};
        berth_buf_append(&log, "", 0);
        struct berth_cgroup *cg = new_fake(BERTH_CGROUP_HYBRID, "berth/c1", &log);
        struct berth_error e = {0};
        /* unified is not a v1 hierarchy */
        assert_null(berth_cgroup_v1_dir_for(cg, "unified"));
        assert_int_equal(cg->n_hier, ARRAY_SIZE(v1_dirs));
        struct berth_hugepage_limit hp[] = {{(char *)"2MB", 8388608}};
        struct berth_resources res = {.hugepage_limits = hp, .n_hugepage_limits = 1};
        if (berth_cgroup_create(cg, &res, &e) < 0)
                fail_msg("create: %s", e.msg);
        /* hugetlb is only in cgroup2 here: enabled on the ancestors, limit in .max */
        assert_file("unified/cgroup.subtree_control", "+hugetlb");
        assert_file("unified/berth/cgroup.subtree_control", "+hugetlb");
        assert_file("unified/berth/c1/hugetlb.2MB.max", "8388608");
        assert_int_equal(berth_cgroup_enter(cg, 99, &e), 0);
        assert_file("unified/berth/c1/cgroup.procs", "99");
        assert_file("memory/berth/c1/cgroup.procs", "99");
        assert_int_equal(berth_cgroup_open_unified_fd(cg), -1);

        struct berth_cgroup_mountinfo *m = NULL;
        size_t n = 0;
        assert_int_equal(berth_cgroup_mountinfo(cg, &m, &n, &e), 0);
        assert_int_equal(n, ARRAY_SIZE(v1_dirs) + 3);
        assert_string_equal(m[n - 1].name, "unified");
        assert_string_equal(m[n - 1].fstype, "cgroup2");
        assert_string_equal(m[n - 1].host_path, P("unified/berth/c1"));
        berth_cgroup_mountinfo_free(m, n);

        /* persistence round trip */
        json_t *j = berth_cgroup_to_json(cg);
        char *js = berth_json_dump(j, false);
        assert_string_equal(js, "{\"version\":1,\"mode\":\"hybrid\",\"path\":\"/berth/c1\","
                                "\"id\":\"c1\"}");
        free(js);
        struct berth_cgroup *cg2 = NULL;
        assert_int_equal(berth_cgroup_from_json(root_dir, j, &cg2, &e), 0);
        json_decref(j);
        assert_int_equal(cg2->mode, BERTH_CGROUP_HYBRID);
        assert_string_equal(cg2->path, "/berth/c1");
        assert_int_equal(cg2->n_hier, cg->n_hier);
        cg2->plain_files = true;
        assert_int_equal(berth_cgroup_destroy(cg2, &e), 0);
        assert_false(exists("unified/berth/c1"));
        assert_false(exists("memory/berth/c1"));
        assert_true(exists("unified/berth"));
        berth_cgroup_free(cg2);

        j = json_pack("{s:s, s:s}", "mode", "v3", "path", "/x");
        assert_int_equal(berth_cgroup_from_json(root_dir, j, &cg2, &e), -EINVAL);
        json_decref(j);
        j = json_pack("{s:s, s:s}", "mode", "v1", "path", "/x/../../etc");
        assert_int_equal(berth_cgroup_from_json(root_dir, j, &cg2, &e), -EINVAL);
        json_decref(j);
        berth_cgroup_free(cg);
        berth_buf_free(&log);
}

static void test_new_errors(void **state)
{
        struct berth_cgroup *cg = NULL;
        struct berth_error e = {0};
        /* empty v1 root: no hierarchy */
        assert_int_equal(berth_cgroup_new_with_mode(root_dir, BERTH_CGROUP_V1, NULL, "x", &cg, &e),
                         -ENOENT);
        assert_int_equal(
            berth_cgroup_new_with_mode(root_dir, BERTH_CGROUP_V2, "/a/../b", "x", &cg, &e),
            -EINVAL);
        assert_non_null(strstr(e.msg, ".."));
        assert_int_equal(
            berth_cgroup_new_with_mode("relative", BERTH_CGROUP_V2, NULL, "x", &cg, &e), -EINVAL);
        /* a temp dir is no cgroup filesystem */
        enum berth_cgroup_mode mode = BERTH_CGROUP_V2;
        struct statfs sfs;
        assert_int_equal(statfs(root_dir, &sfs), 0);
        if (sfs.f_type == TMPFS_MAGIC) { /* /tmp on tmpfs looks like a v1 root */
                assert_int_equal(berth_cgroup_detect(root_dir, &mode, &e), 0);
                assert_int_equal(mode, BERTH_CGROUP_V1);
        } else {
                assert_int_equal(berth_cgroup_detect(root_dir, &mode, &e), -ENOTSUP);
        }
        assert_int_equal(berth_cgroup_detect("/nonexistent-berth", &mode, &e), -ENOENT);
}

/* ---------------------------------------------------------------- the real host */

static bool real_host_ok(void)
{
        if (geteuid() != 0) {
                print_message("[  SKIPPED ] real cgroup test: not root\n");
                return false;
        }
        if (access("/sys/fs/cgroup/memory", F_OK) < 0) {
                print_message("[  SKIPPED ] real cgroup test: /sys/fs/cgroup/memory missing\n");
                return false;
        }
        return true;
}

/* A child that blocks on a pipe; on a byte from `go` it first forks a grandchild that
 * blocks the same way (so the grandchild is born inside the child's cgroup). */
static pid_t spawn_sleeper(int *wfd, int *gofd)
{
        int p[2], g[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        assert_int_equal(pipe2(g, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char c;
                close(p[1]);
                close(g[1]);
                while (read(g[0], &c, 1) < 0 && errno == EINTR)
                        ;
                if (fork() < 0)
                        _exit(1);
                while (read(p[0], &c, 1) < 0 && errno == EINTR)
                        ;
                _exit(0);
        }
        close(p[0]);
        close(g[0]);
        *wfd = p[1];
        *gofd = g[1];
        return pid;
}

static bool contains_pid(const pid_t *v, size_t n, pid_t p)
{
        for (size_t i = 0; i < n; i++)
                if (v[i] == p)
                        return true;
        return false;
}

/* Real-host tests keep what they made here, so that the teardown removes it even when an
 * assertion failed half-way. */
static struct berth_cgroup *real_cg;
static char real_dir[256];

static int teardown_real(void **state)
{
        if (real_cg) {
                (void)berth_cgroup_kill_all(real_cg, SIGKILL, NULL);
                while (waitpid(-1, NULL, 0) > 0)
                        ;
                (void)berth_cgroup_destroy(real_cg, NULL);
                berth_cgroup_free(real_cg);
                real_cg = NULL;
        }
        if (real_dir[0]) {
                _cleanup_free_ char *sub = berth_strdup_printf("%s/sub", real_dir);
                rmdir(sub);
                rmdir(real_dir);
                real_dir[0] = '\0';
        }
        return 0;
}

/* A child moved into cg that then forks a grandchild inside it; returns the child. */
static pid_t start_family(struct berth_cgroup *cg, int *wfd)
{
        struct berth_error e = {0};
        int gofd;
        assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
        pid_t child = spawn_sleeper(wfd, &gofd);
        if (berth_cgroup_enter(cg, child, &e) < 0)
                fail_msg("enter: %s", e.msg);
        pid_t *pids = NULL;
        size_t n = 0;
        assert_int_equal(berth_cgroup_pids(cg, &pids, &n, &e), 0);
        assert_int_equal(n, 1);
        assert_true(contains_pid(pids, n, child));
        free(pids);
        assert_int_equal(write(gofd, "g", 1), 1);
        close(gofd);
        for (int i = 0; i < 200 && n < 2; i++) {
                assert_int_equal(berth_cgroup_pids(cg, &pids, &n, &e), 0);
                free(pids);
                usleep(5000);
        }
        assert_int_equal(n, 2);
        return child;
}

/* kill_all with SIGKILL: both processes die of it and the cgroup is empty. */
static void kill_family(struct berth_cgroup *cg, int wfd)
{
        struct berth_error e = {0};
        if (berth_cgroup_kill_all(cg, SIGKILL, &e) < 0)
                fail_msg("kill_all: %s", e.msg);
        for (int i = 0; i < 2; i++) {
                int status = 0;
                pid_t w = waitpid(-1, &status, 0);
                assert_true(w > 0);
                assert_true(WIFSIGNALED(status));
                assert_int_equal(WTERMSIG(status), SIGKILL);
        }
        close(wfd);
        pid_t *pids = NULL;
        size_t n = 0;
        assert_int_equal(berth_cgroup_pids(cg, &pids, &n, &e), 0);
        free(pids);
        assert_int_equal(n, 0);
}

static void freeze_cycle(struct berth_cgroup *cg)
{
        struct berth_error e = {0};
        bool frozen = true;
        assert_int_equal(berth_cgroup_is_frozen(cg, &frozen, &e), 0);
        assert_false(frozen);
        if (berth_cgroup_freeze(cg, true, &e) < 0)
                fail_msg("freeze: %s", e.msg);
        assert_int_equal(berth_cgroup_is_frozen(cg, &frozen, &e), 0);
        assert_true(frozen);
        assert_int_equal(berth_cgroup_freeze(cg, false, &e), 0);
        assert_int_equal(berth_cgroup_is_frozen(cg, &frozen, &e), 0);
        assert_false(frozen);
}

static void assert_host_file(const char *fmt, const char *path, const char *want)
{
        char buf[256];
        char *s = NULL;
        snprintf(buf, sizeof(buf), fmt, path);
        assert_int_equal(berth_read_file_at(AT_FDCWD, buf, 4096, &s, NULL, NULL), 0);
        assert_string_equal(s, want);
        free(s);
}

static void test_real_host(void **state)
{
        if (!real_host_ok())
                return;
        char path[64], buf[256];
        snprintf(path, sizeof(path), "/berth-test-%d", (int)getpid());
        struct berth_error e = {0};
        if (berth_cgroup_new("/sys/fs/cgroup", path, "t", &real_cg, &e) < 0)
                fail_msg("new: %s", e.msg);
        struct berth_cgroup *cg = real_cg;
        enum berth_cgroup_mode mode;
        assert_int_equal(berth_cgroup_detect("/sys/fs/cgroup", &mode, &e), 0);
        assert_int_equal(cg->mode, mode);
        assert_non_null(berth_cgroup_v1_dir_for(cg, "memory"));
        assert_non_null(berth_cgroup_v1_dir_for(cg, "name=systemd"));
        struct berth_resources res = {.has_mem_limit = true,
                                      .mem_limit = 64 << 20,
                                      .has_pids_limit = true,
                                      .pids_limit = 32,
                                      .has_cpu_shares = true,
                                      .cpu_shares = 256};
        if (berth_cgroup_create(cg, &res, &e) < 0)
                fail_msg("create: %s", e.msg);
        assert_host_file("/sys/fs/cgroup/memory%s/memory.limit_in_bytes", path, "67108864\n");
        assert_host_file("/sys/fs/cgroup/pids%s/pids.max", path, "32\n");

        int wfd;
        pid_t child = start_family(cg, &wfd);
        if (mode == BERTH_CGROUP_HYBRID) {
                /* the unified hierarchy sees both processes too */
                snprintf(buf, sizeof(buf), "/sys/fs/cgroup/unified%s/cgroup.procs", path);
                char *s = NULL, *save = NULL;
                assert_int_equal(berth_read_file_at(AT_FDCWD, buf, 4096, &s, NULL, NULL), 0);
                int lines = 0;
                bool has_child = false;
                for (char *t = strtok_r(s, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
                        lines++;
                        has_child |= strtol(t, NULL, 10) == child;
                }
                free(s);
                assert_int_equal(lines, 2);
                assert_true(has_child);
        }

        json_t *st = NULL;
        assert_int_equal(berth_cgroup_stats(cg, &st, &e), 0);
        assert_int_equal(json_integer_value(json_object_get(
                             json_object_get(json_object_get(st, "memory"), "usage"), "limit")),
                         64 << 20);
        assert_int_equal(
            json_integer_value(json_object_get(json_object_get(st, "pids"), "current")), 2);
        assert_int_equal(json_integer_value(json_object_get(json_object_get(st, "pids"), "limit")),
                         32);
        json_decref(st);

        freeze_cycle(cg);
        kill_family(cg, wfd);

        bool killed = true;
        assert_int_equal(berth_cgroup_oom_killed(cg, &killed, &e), 0);
        assert_false(killed);

        if (berth_cgroup_destroy(cg, &e) < 0)
                fail_msg("destroy: %s", e.msg);
        for (size_t i = 0; i < cg->n_hier; i++) {
                snprintf(buf, sizeof(buf), "/sys/fs/cgroup/%s%s", cg->hier[i].dir, path);
                if (access(buf, F_OK) == 0)
                        fail_msg("%s left behind", buf);
        }
        snprintf(buf, sizeof(buf), "/sys/fs/cgroup/unified%s", path);
        assert_int_equal(access(buf, F_OK), -1);
        berth_cgroup_free(cg);
        real_cg = NULL;
}

/* The v2 device program, attached to a directory of the host's cgroup2 hierarchy. */
static int child_open(const char *cgdir, const char *dev, int flags)
{
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char p[300];
                snprintf(p, sizeof(p), "%s/cgroup.procs", cgdir);
                if (berth_write_string_at(AT_FDCWD, p, "0", NULL) < 0)
                        _exit(3);
                int fd = open(dev, flags | O_CLOEXEC);
                _exit(fd >= 0 ? 0 : errno == EPERM ? 1 : 2);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static void test_real_bpf_devices(void **state)
{
        if (!real_host_ok())
                return;
        const char *uni = access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) == 0
                              ? "/sys/fs/cgroup/unified"
                              : "/sys/fs/cgroup";
        snprintf(real_dir, sizeof(real_dir), "%s/berth-test-bpf-%d", uni, (int)getpid());
        const char *dir = real_dir;
        assert_int_equal(mkdir(dir, 0755), 0);
        struct berth_device_rule rules[] = {
            {.allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm"},
            {.allow = true, .type = 'c', .major = 1, .minor = 5, .access = "rwm"},
            {.allow = true, .type = 'c', .major = 1, .minor = 3, .access = "r"},
        };
        struct berth_error e = {0};
        if (berth_cgroup_bpf_devices(NULL, dir, rules, ARRAY_SIZE(rules), &e) < 0)
                fail_msg("bpf: %s", e.msg);
        assert_int_equal(child_open(dir, "/dev/zero", O_RDONLY), 0);
        assert_int_equal(child_open(dir, "/dev/null", O_RDONLY), 0);
        assert_int_equal(child_open(dir, "/dev/null", O_WRONLY), 1);
        assert_int_equal(child_open(dir, "/dev/full", O_RDONLY), 1);
        /* an update replaces the program: now only /dev/full is denied */
        struct berth_device_rule rules2[] = {
            {.allow = true, .type = 'a', .major = -1, .minor = -1, .access = "rwm"},
            {.allow = false, .type = 'c', .major = 1, .minor = 7, .access = "rw"},
        };
        assert_int_equal(berth_cgroup_bpf_devices(NULL, dir, rules2, 2, &e), 0);
        assert_int_equal(child_open(dir, "/dev/null", O_WRONLY), 0);
        assert_int_equal(child_open(dir, "/dev/full", O_RDONLY), 1);
        assert_int_equal(rmdir(dir), 0);
        real_dir[0] = '\0';

        struct berth_device_rule bad[] = {{.allow = true, .type = 'x', .access = "r"}};
        struct bpf_insn *ins = NULL;
        size_t ni = 0;
        assert_int_equal(berth_cgroup_bpf_build(bad, 1, &ins, &ni, &e), -EINVAL);
        struct berth_device_rule bad2[] = {{.allow = true, .type = 'c', .access = "rwx"}};
        assert_int_equal(berth_cgroup_bpf_build(bad2, 1, &ins, &ni, &e), -EINVAL);
}

static const char *real_unified_root(void)
{
        enum berth_cgroup_mode mode;
        if (berth_cgroup_detect("/sys/fs/cgroup", &mode, NULL) < 0)
                return NULL;
        if (mode == BERTH_CGROUP_V2)
                return "/sys/fs/cgroup";
        return mode == BERTH_CGROUP_HYBRID ? "/sys/fs/cgroup/unified" : NULL;
}

/* The v2 backend against the host's cgroup2 mount (the unified hierarchy on a hybrid
 * host): directory, membership, cgroup.freeze / cgroup.events, cgroup.kill, eBPF device
 * rules through berth_cgroup_update, destroy. */
static void test_real_v2_backend(void **state)
{
        if (!real_host_ok())
                return;
        const char *uni = real_unified_root();
        if (!uni) {
                print_message("[  SKIPPED ] real v2 test: no cgroup2 mount\n");
                return;
        }
        char *before = NULL, ctl[300], path[64], dir[256];
        snprintf(ctl, sizeof(ctl), "%s/cgroup.subtree_control", uni);
        assert_int_equal(berth_read_file_at(AT_FDCWD, ctl, 4096, &before, NULL, NULL), 0);
        snprintf(path, sizeof(path), "/berth-test-v2-%d", (int)getpid());
        struct berth_error e = {0};
        if (berth_cgroup_new_with_mode(uni, BERTH_CGROUP_V2, path, "t", &real_cg, &e) < 0)
                fail_msg("new: %s", e.msg);
        struct berth_cgroup *cg = real_cg;
        if (berth_cgroup_create(cg, NULL, &e) < 0)
                fail_msg("create: %s", e.msg);
        int ufd = berth_cgroup_open_unified_fd(cg);
        assert_true(ufd >= 0);
        close(ufd);

        int wfd;
        (void)start_family(cg, &wfd);
        freeze_cycle(cg);
        json_t *st = NULL;
        assert_int_equal(berth_cgroup_stats(cg, &st, &e), 0);
        assert_non_null(
            json_object_get(json_object_get(json_object_get(st, "cpu"), "usage"), "total"));
        json_decref(st);

        /* device rules through the eBPF program */
        struct berth_device_rule rules[] = {
            {.allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm"},
            {.allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm"},
        };
        struct berth_resources res = {.devices = rules, .n_devices = 2};
        if (berth_cgroup_update(cg, &res, &e) < 0)
                fail_msg("update devices: %s", e.msg);
        snprintf(dir, sizeof(dir), "%s%s/sub", uni, path);
        assert_int_equal(mkdir(dir, 0755), 0);
        assert_int_equal(child_open(dir, "/dev/null", O_RDWR), 0);
        assert_int_equal(child_open(dir, "/dev/zero", O_RDONLY), 1);

        /* SIGKILL through cgroup.kill (or freeze/kill/thaw on older kernels) */
        kill_family(cg, wfd);
        if (berth_cgroup_destroy(cg, &e) < 0)
                fail_msg("destroy: %s", e.msg);
        snprintf(dir, sizeof(dir), "%s%s", uni, path);
        assert_int_equal(access(dir, F_OK), -1);
        berth_cgroup_free(cg);
        real_cg = NULL;

        /* put back the root's controllers as they were */
        char *after = NULL;
        assert_int_equal(berth_read_file_at(AT_FDCWD, ctl, 4096, &after, NULL, NULL), 0);
        if (strcmp(before, after) && strstr(after, "hugetlb") && !strstr(before, "hugetlb"))
                berth_write_string_at(AT_FDCWD, ctl, "-hugetlb", NULL);
        free(before);
        free(after);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_paths),
            cmocka_unit_test(test_v2_shares_and_weights),
            cmocka_unit_test(test_v2_cpu_max),
            cmocka_unit_test(test_v2_memory),
            cmocka_unit_test(test_v2_pids_io_hugetlb_unified),
            cmocka_unit_test_setup_teardown(test_v2_fake_lifecycle, setup_tmp, teardown_tmp),
            cmocka_unit_test_setup_teardown(test_v2_freeze_timeout, setup_tmp, teardown_tmp),
            cmocka_unit_test_setup_teardown(test_v2_io_weight_files, setup_tmp, teardown_tmp),
            cmocka_unit_test_setup_teardown(test_v1_fake_lifecycle, setup_tmp, teardown_tmp),
            cmocka_unit_test_setup_teardown(test_hybrid_fake, setup_tmp, teardown_tmp),
            cmocka_unit_test_setup_teardown(test_systemd_path_dirs, setup_tmp, teardown_tmp),
            cmocka_unit_test_setup_teardown(test_new_errors, setup_tmp, teardown_tmp),
            cmocka_unit_test_teardown(test_real_host, teardown_real),
            cmocka_unit_test_teardown(test_real_bpf_devices, teardown_real),
            cmocka_unit_test_teardown(test_real_v2_backend, teardown_real),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/engine: Docker run flag values and the OCI config they make. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/json.h"
#include "basic/strutil.h"
#include "engine/runspec.h"
#include "runtime/process.h"
#include "runtime/seccomp.h"
#include "runtime/spec.h"
#include "basic/banned.h"

/* image/manifest.h cannot be included next to runtime/spec.h (both define struct berth_kv),
 * so the two functions this test needs from it are declared here, over the opaque struct. */
int berth_image_config_parse(const char *buf, size_t len, struct berth_image_config **out,
                             struct berth_error *err);
void berth_image_config_free(struct berth_image_config *c);

/* ------------------------------------------------------------------ helpers */

static void set_ok(struct berth_run_opts *o, const char *flag, const char *v)
{
        struct berth_error err = {0};
        int r = berth_runopt_set(o, flag, v, &err);
        if (r < 0)
                fail_msg("--%s %s: %s", flag, v, err.msg);
}

static void set_fails(const char *flag, const char *v, const char *msg)
{
        struct berth_run_opts o;
        struct berth_error err = {0};
        berth_run_opts_init(&o);
        int r = berth_runopt_set(&o, flag, v, &err);
        assert_true(r < 0 && r != -ENOMEM);
        assert_string_equal(err.msg, msg);
        berth_run_opts_free(&o);
}

static struct berth_runspec_host test_host(void)
{
        struct berth_runspec_host h;
        memset(&h, 0, sizeof(h));
        for (int i = 0; i < RLIMIT_NLIMITS; i++)
                h.rlimits[i].rlim_cur = h.rlimits[i].rlim_max = RLIM_INFINITY;
        h.rlimits[RLIMIT_NOFILE].rlim_cur = 1024;
        h.rlimits[RLIMIT_NOFILE].rlim_max = 20000;
        snprintf(h.cpus_online, sizeof(h.cpus_online), "0-1");
        snprintf(h.mems_online, sizeof(h.mems_online), "0");
        return h;
}

static void opts_base(struct berth_run_opts *o)
{
        berth_run_opts_init(o);
        o->id = strdup("0123456789abcdef0123456789abcdef");
        assert_non_null(o->id);
}

static char *img_cmd[] = {"sh", "-c", "echo hi", NULL};
static char *img_ep[] = {"/entry.sh", NULL};
static char *img_env[] = {"PATH=/img/bin", "FOO=img", "BAR=keep", NULL};

/* Build, then parse with the runtime's own parser; returns the parsed spec. */
static struct berth_spec *build_and_parse(const struct berth_runspec_image *img,
                                          const struct berth_run_opts *o, int rootfd,
                                          json_t **json_out)
{
        struct berth_runspec_host h = test_host();
        struct berth_error err = {0};
        json_t *j = NULL;
        int r = berth_runspec_build_from(img, o, rootfd, &h, &j, &err);
        if (r < 0)
                fail_msg("build: %s", err.msg);
        _cleanup_free_ char *s = berth_json_dump(j, false);
        assert_non_null(s);
        struct berth_spec *spec = NULL;
        r = berth_spec_parse(s, strlen(s), &spec, &err);
        if (r < 0)
                fail_msg("berth_spec_parse: %s\n%s", err.msg, s);
        if (json_out)
                *json_out = j;
        else
                json_decref(j);
        return spec;
}

static int build_fails(const struct berth_runspec_image *img, const struct berth_run_opts *o,
                       int rootfd, struct berth_error *err)
{
        struct berth_runspec_host h = test_host();
        json_t *j = NULL;
        int r = berth_runspec_build_from(img, o, rootfd, &h, &j, err);
        if (r == 0) {
                json_decref(j);
                fail_msg("build succeeded but should have failed");
        }
        return r;
}

/* ------------------------------------------------------------------ parsers */

static void t_memory(void **state)
{
        (void)state;
        struct berth_error err = {0};
        int64_t v = 0;
        assert_int_equal(berth_runopt_parse_memory("512m", &v, &err), 0);
        assert_int_equal(v, 512ll << 20);
        assert_int_equal(berth_runopt_parse_memory("1g", &v, &err), 0);
        assert_int_equal(v, 1ll << 30);
        assert_int_equal(berth_runopt_parse_memory("12xb", &v, &err), -EINVAL);
        assert_string_equal(err.msg, "invalid size: '12xb'");
        assert_int_equal(berth_runopt_parse_memory("-1", &v, &err), -EINVAL);
        assert_int_equal(berth_runopt_parse_memory_swap("-1", &v, &err), 0);
        assert_int_equal(v, -1);
        set_fails("memory", "12xb",
                  "invalid argument \"12xb\" for \"-m, --memory\" flag: invalid size: '12xb'");
        set_fails("memory-swap", "lots",
                  "invalid argument \"lots\" for \"--memory-swap\" flag: invalid size: 'lots'");
}

static void t_cpus(void **state)
{
        (void)state;
        struct berth_error err = {0};
        int64_t n = 0, q, p;
        assert_int_equal(berth_runopt_parse_cpus("1.5", &n, &err), 0);
        assert_int_equal(n, 1500000000);
        berth_runopt_cpus_to_quota(n, &q, &p);
        assert_int_equal(q, 150000);
        assert_int_equal(p, 100000);
        assert_int_equal(berth_runopt_parse_cpus(".5", &n, &err), 0);
        assert_int_equal(n, 500000000);
        assert_int_equal(berth_runopt_parse_cpus("2", &n, &err), 0);
        assert_int_equal(n, 2000000000);
        assert_int_equal(berth_runopt_parse_cpus("abc", &n, &err), -EINVAL);
        assert_string_equal(err.msg, "failed to parse abc as a rational number");
        assert_int_equal(berth_runopt_parse_cpus("1.5x", &n, &err), -EINVAL);
        assert_int_equal(berth_runopt_parse_cpus("0", &n, &err), -EINVAL);
        assert_int_equal(berth_runopt_parse_cpus("", &n, &err), -EINVAL);
        set_fails("cpus", "abc",
                  "invalid argument \"abc\" for \"--cpus\" flag: failed to parse abc as a "
                  "rational number");
}

static void t_ulimit(void **state)
{
        (void)state;
        struct berth_error err = {0};
        struct berth_ulimit u;
        assert_int_equal(berth_runopt_parse_ulimit("nofile=1024:2048", &u, &err), 0);
        assert_int_equal(u.resource, RLIMIT_NOFILE);
        assert_int_equal(u.soft, 1024);
        assert_int_equal(u.hard, 2048);
        assert_int_equal(berth_runopt_parse_ulimit("nproc=50", &u, &err), 0);
        assert_int_equal(u.resource, RLIMIT_NPROC);
        assert_int_equal(u.soft, 50);
        assert_int_equal(u.hard, 50);
        assert_int_equal(berth_runopt_parse_ulimit("core=-1", &u, &err), 0);
        assert_true(u.soft == UINT64_MAX && u.hard == UINT64_MAX);
        assert_int_equal(berth_runopt_parse_ulimit("foo=1", &u, &err), -EINVAL);
        assert_string_equal(err.msg, "invalid ulimit type: foo");
        assert_int_equal(berth_runopt_parse_ulimit("nofile", &u, &err), -EINVAL);
        assert_string_equal(err.msg, "invalid ulimit argument: nofile");
        assert_int_equal(berth_runopt_parse_ulimit("nofile=2048:1024", &u, &err), -EINVAL);
        assert_string_equal(err.msg,
                            "ulimit soft limit must be less than or equal to hard limit: 2048 > "
                            "1024");
        assert_int_equal(berth_runopt_parse_ulimit("nofile=x", &u, &err), -EINVAL);
        assert_string_equal(err.msg, "invalid ulimit soft value: 'x'");
}

static void t_device(void **state)
{
        (void)state;
        struct berth_error err = {0};
        struct berth_run_device d = {0};
        assert_int_equal(berth_runopt_parse_device("/dev/null", &d, &err), 0);
        assert_string_equal(d.host_path, "/dev/null");
        assert_string_equal(d.container_path, "/dev/null");
        assert_string_equal(d.access, "rwm");
        free(d.host_path), free(d.container_path);
        assert_int_equal(berth_runopt_parse_device("/dev/null:/dev/x:mr", &d, &err), 0);
        assert_string_equal(d.container_path, "/dev/x");
        assert_string_equal(d.access, "rm");
        free(d.host_path), free(d.container_path);
        assert_int_equal(berth_runopt_parse_device("/dev/null:r", &d, &err), 0);
        assert_string_equal(d.container_path, "/dev/null");
        assert_string_equal(d.access, "r");
        free(d.host_path), free(d.container_path);
        assert_int_equal(berth_runopt_parse_device("/dev/null:/dev/x:rwx", &d, &err), -EINVAL);
        assert_string_equal(err.msg, "invalid device mode: rwx");
        assert_int_equal(berth_runopt_parse_device("dev/null", &d, &err), -EINVAL);
        assert_string_equal(err.msg, "bad format for path: dev/null");
        assert_int_equal(berth_runopt_parse_device("/a:/b:r:w", &d, &err), -EINVAL);
}

static void t_restart(void **state)
{
        (void)state;
        struct berth_error err = {0};
        struct berth_restart_policy p;
        assert_int_equal(berth_runopt_parse_restart("no", &p, &err), 0);
        assert_int_equal(p.mode, BERTH_RESTART_NO);
        assert_int_equal(berth_runopt_parse_restart("always", &p, &err), 0);
        assert_int_equal(p.mode, BERTH_RESTART_ALWAYS);
        assert_int_equal(berth_runopt_parse_restart("unless-stopped", &p, &err), 0);
        assert_int_equal(p.mode, BERTH_RESTART_UNLESS_STOPPED);
        assert_int_equal(berth_runopt_parse_restart("on-failure:5", &p, &err), 0);
        assert_int_equal(p.mode, BERTH_RESTART_ON_FAILURE);
        assert_int_equal(p.max_retries, 5);
        assert_int_equal(berth_runopt_parse_restart("on-failure", &p, &err), 0);
        assert_int_equal(p.max_retries, 0);
        assert_int_equal(berth_runopt_parse_restart("sometimes", &p, &err), -EINVAL);
        assert_string_equal(err.msg, "invalid restart policy: unknown policy 'sometimes'; use one "
                                     "of 'no', 'always', 'on-failure', or 'unless-stopped'");
        assert_int_equal(berth_runopt_parse_restart("always:3", &p, &err), -EINVAL);
        assert_string_equal(err.msg, "invalid restart policy: maximum retry count can only be "
                                     "used with 'on-failure'");
        assert_int_equal(berth_runopt_parse_restart("on-failure:x", &p, &err), -EINVAL);
        assert_string_equal(err.msg, "invalid restart policy format: maximum retry count must be "
                                     "an integer");
        assert_int_equal(berth_runopt_parse_restart("on-failure:-1", &p, &err), -EINVAL);
        assert_int_equal(berth_runopt_parse_restart(":1", &p, &err), -EINVAL);
}

static void t_duration(void **state)
{
        (void)state;
        struct berth_error err = {0};
        int64_t ns;
        assert_int_equal(berth_runopt_parse_duration("30s", &ns, &err), 0);
        assert_int_equal(ns, 30000000000ll);
        assert_int_equal(berth_runopt_parse_duration("1m30s", &ns, &err), 0);
        assert_int_equal(ns, 90000000000ll);
        assert_int_equal(berth_runopt_parse_duration("500ms", &ns, &err), 0);
        assert_int_equal(ns, 500000000ll);
        assert_int_equal(berth_runopt_parse_duration("1.5h", &ns, &err), 0);
        assert_int_equal(ns, 5400000000000ll);
        assert_int_equal(berth_runopt_parse_duration("0", &ns, &err), 0);
        assert_int_equal(ns, 0);
        assert_int_equal(berth_runopt_parse_duration("5", &ns, &err), -EINVAL);
        assert_string_equal(err.msg, "time: missing unit in duration \"5\"");
        assert_int_equal(berth_runopt_parse_duration("5x", &ns, &err), -EINVAL);
        assert_string_equal(err.msg, "time: unknown unit \"x\" in duration \"5x\"");
        assert_int_equal(berth_runopt_parse_duration("s", &ns, &err), -EINVAL);
        assert_string_equal(err.msg, "time: invalid duration \"s\"");
        assert_int_equal(berth_runopt_parse_duration("-1s", &ns, &err), -EINVAL);
        set_fails("health-interval", "5",
                  "invalid argument \"5\" for \"--health-interval\" flag: time: missing unit in "
                  "duration \"5\"");
}

static void t_signal(void **state)
{
        (void)state;
        struct berth_error err = {0};
        int s;
        assert_int_equal(berth_runopt_parse_signal("SIGKILL", &s, &err), 0);
        assert_int_equal(s, SIGKILL);
        assert_int_equal(berth_runopt_parse_signal("term", &s, &err), 0);
        assert_int_equal(s, SIGTERM);
        assert_int_equal(berth_runopt_parse_signal("9", &s, &err), 0);
        assert_int_equal(s, 9);
        assert_int_equal(berth_runopt_parse_signal("SIGRTMIN+3", &s, &err), 0);
        assert_int_equal(s, SIGRTMIN + 3);
        assert_int_equal(berth_runopt_parse_signal("SIGFOO", &s, &err), -EINVAL);
        assert_string_equal(err.msg, "invalid signal: SIGFOO");
        assert_int_equal(berth_runopt_parse_signal("0", &s, &err), -EINVAL);
        assert_int_equal(berth_runopt_parse_signal("99", &s, &err), -EINVAL);
}

static void t_caps_parse(void **state)
{
        (void)state;
        struct berth_error err = {0};
        char *c = NULL;
        assert_int_equal(berth_runopt_parse_cap("net_admin", &c, &err), 0);
        assert_string_equal(c, "CAP_NET_ADMIN");
        free(c);
        assert_int_equal(berth_runopt_parse_cap("CAP_SYS_ADMIN", &c, &err), 0);
        assert_string_equal(c, "CAP_SYS_ADMIN");
        free(c);
        assert_int_equal(berth_runopt_parse_cap("all", &c, &err), 0);
        assert_string_equal(c, "ALL");
        free(c);
        assert_int_equal(berth_runopt_parse_cap("foo", &c, &err), -EINVAL);
        assert_string_equal(err.msg, "unknown capability: \"CAP_FOO\"");
}

static void t_cpuset(void **state)
{
        (void)state;
        struct berth_error err = {0};
        assert_int_equal(berth_runopt_parse_cpuset("0-2,4", "0-7", &err), 0);
        assert_int_equal(berth_runopt_parse_cpuset("0", NULL, &err), 0);
        assert_int_equal(berth_runopt_parse_cpuset("0-3", "0-1\n", &err), -EINVAL);
        assert_string_equal(err.msg, "requested CPUs are not available - requested 0-3, "
                                     "available: 0-1 (cpu 2 does not exist)");
        assert_int_equal(berth_runopt_parse_cpuset("2-1", NULL, &err), -EINVAL);
        assert_string_equal(err.msg, "invalid value 2-1 for cpuset");
        assert_int_equal(berth_runopt_parse_cpuset("a", NULL, &err), -EINVAL);
        assert_int_equal(berth_runopt_parse_cpuset("1,", NULL, &err), -EINVAL);
        assert_int_equal(berth_runopt_parse_cpuset("", NULL, &err), -EINVAL);
}

static void t_flag_misc(void **state)
{
        (void)state;
        struct berth_run_opts o;
        struct berth_error err = {0};
        berth_run_opts_init(&o);
        set_ok(&o, "security-opt", "no-new-privileges");
        assert_true(o.no_new_privileges);
        set_ok(&o, "security-opt", "no-new-privileges:false");
        assert_false(o.no_new_privileges);
        set_ok(&o, "security-opt", "seccomp=unconfined");
        assert_true(o.seccomp_unconfined);
        set_ok(&o, "tty", "");
        assert_true(o.tty);
        set_ok(&o, "blkio-weight", "500");
        assert_int_equal(o.blkio_weight, 500);
        set_ok(&o, "oom-score-adj", "-500");
        assert_int_equal(o.oom_score_adj, -500);
        set_ok(&o, "network", "container:web");
        assert_int_equal(o.network, BERTH_NETWORK_CONTAINER);
        assert_string_equal(o.network_container, "web");
        set_ok(&o, "stop-signal", "SIGQUIT");
        assert_int_equal(o.stop_signal, SIGQUIT);
        assert_int_equal(berth_runopt_set(&o, "no-such-flag", "x", &err), -ENOENT);
        berth_run_opts_free(&o);
        set_fails("blkio-weight", "5",
                  "invalid argument \"5\" for \"--blkio-weight\" flag: range of blkio weight is "
                  "from 10 to 1000");
        set_fails("oom-score-adj", "2000",
                  "invalid argument \"2000\" for \"--oom-score-adj\" flag: invalid value 2000, "
                  "range for oom score adj is [-1000, 1000]");
        set_fails("tty", "maybe",
                  "invalid argument \"maybe\" for \"-t, --tty\" flag: strconv.ParseBool: parsing "
                  "\"maybe\": invalid syntax");
        set_fails("security-opt", "seccomp=/nonexistent/profile.json",
                  "invalid argument \"seccomp=/nonexistent/profile.json\" for \"--security-opt\" "
                  "flag: opening seccomp profile (/nonexistent/profile.json) failed: open "
                  "'/nonexistent/profile.json': No such file or directory");
}

static void t_env_file(void **state)
{
        (void)state;
        struct berth_run_opts o;
        struct berth_error err = {0};
        berth_run_opts_init(&o);
        const char *f = "# comment\nA=1\n\n  B=two words\r\nC\n";
        assert_int_equal(berth_runopt_parse_env_file(&o, f, strlen(f), &err), 0);
        assert_int_equal(berth_strv_length(o.env), 3);
        assert_string_equal(o.env[0], "A=1");
        assert_string_equal(o.env[1], "B=two words");
        assert_string_equal(o.env[2], "C");
        const char *bad = "A B=1\n";
        assert_int_equal(berth_runopt_parse_env_file(&o, bad, strlen(bad), &err), -EINVAL);
        assert_string_equal(err.msg, "variable 'A B' contains whitespaces");
        berth_run_opts_free(&o);
}

/* ------------------------------------------------------------------ entrypoint / cmd */

static void check_args(const struct berth_runspec_image *img, const char *ep, bool ep_set,
                       char **cmd, const char *want)
{
        struct berth_run_opts o;
        struct berth_error err = {0};
        berth_run_opts_init(&o);
        o.entrypoint = ep ? strdup(ep) : NULL;
        o.entrypoint_set = ep_set;
        o.cmd = cmd ? berth_strv_copy(cmd) : NULL;
        _cleanup_strv_free_ char **args = NULL;
        int r = berth_runspec_args(img, &o, &args, &err);
        if (!want) {
                assert_int_equal(r, -EINVAL);
                assert_string_equal(err.msg, "no command specified");
        } else {
                assert_int_equal(r, 0);
                struct berth_buf b = {0};
                for (size_t i = 0; args[i]; i++)
                        berth_buf_printf(&b, "%s%s", i ? "|" : "", args[i]);
                assert_string_equal(b.data, want);
                berth_buf_free(&b);
        }
        berth_run_opts_free(&o);
}

static void t_args_merge(void **state)
{
        (void)state;
        struct berth_runspec_image both = {.entrypoint = img_ep, .cmd = img_cmd};
        struct berth_runspec_image cmd_only = {.cmd = img_cmd};
        struct berth_runspec_image ep_only = {.entrypoint = img_ep};
        struct berth_runspec_image none = {0};
        char *user_cmd[] = {"ls", "-l", NULL};
        char *empty[] = {NULL};
        /* image only */
        check_args(&both, NULL, false, NULL, "/entry.sh|sh|-c|echo hi");
        check_args(&cmd_only, NULL, false, NULL, "sh|-c|echo hi");
        check_args(&ep_only, NULL, false, NULL, "/entry.sh");
        check_args(&none, NULL, false, NULL, NULL);
        check_args(NULL, NULL, false, NULL, NULL);
        check_args(&both, NULL, false, empty, "/entry.sh|sh|-c|echo hi");
        /* user cmd replaces image Cmd, keeps Entrypoint */
        check_args(&both, NULL, false, user_cmd, "/entry.sh|ls|-l");
        check_args(&cmd_only, NULL, false, user_cmd, "ls|-l");
        /* --entrypoint replaces Entrypoint and clears image Cmd */
        check_args(&both, "/bin/true", true, NULL, "/bin/true");
        check_args(&both, "/bin/echo", true, user_cmd, "/bin/echo|ls|-l");
        check_args(&cmd_only, "/bin/true", true, NULL, "/bin/true");
        /* --entrypoint "" resets it: image Cmd is gone too */
        check_args(&both, "", true, NULL, NULL);
        check_args(&both, "", true, user_cmd, "ls|-l");
        check_args(&ep_only, "", true, NULL, NULL);
}

/* ------------------------------------------------------------------ env */

static void t_env_overlay(void **state)
{
        (void)state;
        struct berth_run_opts o;
        opts_base(&o);
        struct berth_runspec_image img = {.env = img_env, .cmd = img_cmd};
        set_ok(&o, "env", "FOO=user");
        set_ok(&o, "env", "NEW=1");
        set_ok(&o, "env", "UNRESOLVED");
        set_ok(&o, "tty", "true");
        set_ok(&o, "hostname", "box");
        _cleanup_spec_ struct berth_spec *s = build_and_parse(&img, &o, -1, NULL);
        char **e = s->process.env;
        assert_int_equal(berth_strv_length(e), 6);
        assert_string_equal(e[0], "PATH=/img/bin");
        assert_string_equal(e[1], "HOSTNAME=box");
        assert_string_equal(e[2], "TERM=xterm");
        assert_string_equal(e[3], "FOO=user");
        assert_string_equal(e[4], "BAR=keep");
        assert_string_equal(e[5], "NEW=1");
        assert_string_equal(s->hostname, "box");
        berth_run_opts_free(&o);

        /* no image PATH: Docker's default; default hostname = 12 chars of the id */
        opts_base(&o);
        struct berth_runspec_image bare = {.cmd = img_cmd};
        _cleanup_spec_ struct berth_spec *s2 = build_and_parse(&bare, &o, -1, NULL);
        assert_string_equal(s2->process.env[0],
                            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        assert_string_equal(s2->process.env[1], "HOSTNAME=0123456789ab");
        assert_int_equal(berth_strv_length(s2->process.env), 2);
        assert_string_equal(s2->hostname, "0123456789ab");
        assert_string_equal(s2->process.cwd, "/");
        berth_run_opts_free(&o);
}

static void t_workdir(void **state)
{
        (void)state;
        struct berth_run_opts o;
        struct berth_error err = {0};
        opts_base(&o);
        struct berth_runspec_image img = {.cmd = img_cmd, .working_dir = "/srv"};
        _cleanup_spec_ struct berth_spec *s = build_and_parse(&img, &o, -1, NULL);
        assert_string_equal(s->process.cwd, "/srv");
        set_ok(&o, "workdir", "/tmp");
        _cleanup_spec_ struct berth_spec *s2 = build_and_parse(&img, &o, -1, NULL);
        assert_string_equal(s2->process.cwd, "/tmp");
        set_ok(&o, "workdir", "rel");
        build_fails(&img, &o, -1, &err);
        assert_string_equal(
            err.msg, "the working directory 'rel' is invalid, it needs to be an absolute path");
        berth_run_opts_free(&o);
}

/* ------------------------------------------------------------------ users */

static void write_at(int dirfd, const char *path, const char *text)
{
        int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(berth_write_all(fd, text, strlen(text)), 0);
        close(fd);
}

struct rootfs {
        char path[64];
        int fd;
};

static void rootfs_make(struct rootfs *r)
{
        snprintf(r->path, sizeof(r->path), "/tmp/berth-runspec-XXXXXX");
        assert_non_null(mkdtemp(r->path));
        r->fd = open(r->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(r->fd >= 0);
        assert_int_equal(mkdirat(r->fd, "etc", 0755), 0);
}

static void rootfs_drop(struct rootfs *r)
{
        close(r->fd);
        char *slash = strrchr(r->path, '/');
        *slash = '\0';
        int parent = open(r->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(parent >= 0);
        assert_int_equal(berth_rm_rf_at(parent, slash + 1), 0);
        close(parent);
}

static void t_user_resolve(void **state)
{
        (void)state;
        struct rootfs rf;
        rootfs_make(&rf);
        write_at(rf.fd, "etc/passwd",
                 "root:x:0:0:root:/root:/bin/sh\n"
                 "# a comment\n"
                 "daemon:x:1:1::/usr/sbin:/bin/false\n"
                 "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n");
        write_at(rf.fd, "etc/group",
                 "root:x:0:\nwheel:x:10:root,alice\nstaff:x:50:alice\nalice:x:1000:\n");
        struct berth_error err = {0};
        uint32_t uid, gid;
        size_t n;
        char *home;

        _cleanup_free_ uint32_t *g1 = NULL;
        assert_int_equal(
            berth_runspec_resolve_user(rf.fd, "alice", NULL, &uid, &gid, &g1, &n, &home, &err), 0);
        assert_int_equal(uid, 1000);
        assert_int_equal(gid, 1000);
        assert_int_equal(n, 2);
        assert_int_equal(g1[0], 10);
        assert_int_equal(g1[1], 50);
        assert_string_equal(home, "/home/alice");
        free(home);

        _cleanup_free_ uint32_t *g2 = NULL;
        assert_int_equal(
            berth_runspec_resolve_user(rf.fd, "alice:staff", NULL, &uid, &gid, &g2, &n, NULL, &err),
            0);
        assert_int_equal(gid, 50);
        assert_int_equal(n, 0);

        _cleanup_free_ uint32_t *g3 = NULL;
        assert_int_equal(
            berth_runspec_resolve_user(rf.fd, "5000:7", NULL, &uid, &gid, &g3, &n, NULL, &err), 0);
        assert_int_equal(uid, 5000);
        assert_int_equal(gid, 7);

        _cleanup_free_ uint32_t *g4 = NULL;
        char *add[] = {"staff", "77", NULL};
        assert_int_equal(
            berth_runspec_resolve_user(rf.fd, NULL, add, &uid, &gid, &g4, &n, NULL, &err), 0);
        assert_int_equal(uid, 0);
        assert_int_equal(n, 3); /* wheel (membership), staff, 77 */
        assert_int_equal(g4[0], 10);
        assert_int_equal(g4[1], 50);
        assert_int_equal(g4[2], 77);

        uint32_t *g5 = NULL;
        assert_int_equal(
            berth_runspec_resolve_user(rf.fd, "bob", NULL, &uid, &gid, &g5, &n, NULL, &err),
            -EINVAL);
        assert_string_equal(err.msg, "unable to find user bob: no matching entries in passwd file");
        assert_int_equal(berth_runspec_resolve_user(rf.fd, "root:nogroup", NULL, &uid, &gid, &g5,
                                                    &n, NULL, &err),
                         -EINVAL);
        assert_string_equal(err.msg,
                            "unable to find group nogroup: no matching entries in group file");

        /* through the whole build: user and additional gids in the parsed spec, HOME set */
        struct berth_run_opts o;
        opts_base(&o);
        set_ok(&o, "user", "alice");
        struct berth_runspec_image img = {.cmd = img_cmd, .user = "daemon"};
        _cleanup_spec_ struct berth_spec *s = build_and_parse(&img, &o, rf.fd, NULL);
        assert_int_equal(s->process.user.uid, 1000);
        assert_int_equal(s->process.user.n_additional_gids, 2);
        assert_true(berth_strv_contains(s->process.env, "HOME=/home/alice"));
        free(o.user);
        o.user = NULL; /* the image's user */
        _cleanup_spec_ struct berth_spec *s2 = build_and_parse(&img, &o, rf.fd, NULL);
        assert_int_equal(s2->process.user.uid, 1);
        assert_int_equal(s2->process.user.gid, 1);
        /* names need a rootfs */
        assert_int_equal(build_fails(&img, &o, -1, &err), -EINVAL);
        assert_string_equal(err.msg, "user 'daemon': unable to find user daemon: no matching "
                                     "entries in passwd file");
        berth_run_opts_free(&o);
        rootfs_drop(&rf);
}

static void t_user_symlink_escape(void **state)
{
        (void)state;
        /* a host file the rootfs' /etc/passwd points at: it must never be read */
        char host[] = "/tmp/berth-runspec-host-XXXXXX";
        assert_non_null(mkdtemp(host));
        int hfd = open(host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(hfd >= 0);
        write_at(hfd, "passwd", "hostonly:x:4242:4242::/:/bin/sh\n");
        _cleanup_free_ char *target = berth_strdup_printf("%s/passwd", host);
        _cleanup_free_ char *rel = berth_strdup_printf("../../../../../../..%s/passwd", host);

        struct rootfs rf;
        rootfs_make(&rf);
        struct berth_error err = {0};
        uint32_t uid = 0, gid = 0, *g = NULL;
        size_t n;
        const char *targets[] = {target, rel};
        for (size_t i = 0; i < ARRAY_SIZE(targets); i++) {
                unlinkat(rf.fd, "etc/passwd", 0);
                assert_int_equal(symlinkat(targets[i], rf.fd, "etc/passwd"), 0);
                int r = berth_runspec_resolve_user(rf.fd, "hostonly", NULL, &uid, &gid, &g, &n,
                                                   NULL, &err);
                assert_int_equal(r, -EINVAL);
                assert_int_not_equal(uid, 4242);
                assert_string_equal(err.msg, "unable to find user hostonly: no matching entries "
                                             "in passwd file");
        }
        /* ... while a file at the same path inside the rootfs is what the link means */
        _cleanup_free_ char *inside = berth_strdup_printf("%s/%s", rf.path, host + 1);
        assert_int_equal(berth_mkdir_p(inside, 0755), 0);
        int ifd = open(inside, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(ifd >= 0);
        write_at(ifd, "passwd", "hostonly:x:77:78::/:/bin/sh\n");
        close(ifd);
        assert_int_equal(
            berth_runspec_resolve_user(rf.fd, "hostonly", NULL, &uid, &gid, &g, &n, NULL, &err), 0);
        free(g);
        assert_int_equal(uid, 77);
        assert_int_equal(gid, 78);
        rootfs_drop(&rf);
        close(hfd);
        char *slash = strrchr(host, '/');
        *slash = '\0';
        int tmp = open(host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(berth_rm_rf_at(tmp, slash + 1), 0);
        close(tmp);
}

static void on_alarm(int sig)
{
        (void)sig;
        static const char m[] = "test_runspec: hung on a FIFO /etc/passwd\n";
        (void)!write(2, m, sizeof(m) - 1);
        _exit(2);
}

static void t_user_fifo(void **state)
{
        (void)state;
        struct rootfs rf;
        rootfs_make(&rf);
        assert_int_equal(mkfifoat(rf.fd, "etc/passwd", 0644), 0);
        signal(SIGALRM, on_alarm);
        alarm(10);
        struct berth_error err = {0};
        uint32_t uid, gid, *g = NULL;
        size_t n;
        int r = berth_runspec_resolve_user(rf.fd, "root", NULL, &uid, &gid, &g, &n, NULL, &err);
        alarm(0);
        assert_int_equal(r, -EINVAL);
        assert_string_equal(err.msg, "/etc/passwd in the rootfs is not a regular file");
        /* numeric users do not need the file but still refuse to read a FIFO */
        alarm(10);
        r = berth_runspec_resolve_user(rf.fd, "0", NULL, &uid, &gid, &g, &n, NULL, &err);
        alarm(0);
        assert_int_equal(r, -EINVAL);
        rootfs_drop(&rf);
}

/* ------------------------------------------------------------------ caps, rlimits, devices */

#define CAPBIT(c) (UINT64_C(1) << (c))

static void t_caps(void **state)
{
        (void)state;
        struct berth_run_opts o;
        struct berth_error err = {0};
        uint64_t m, def = berth_caps_docker_default();
        berth_run_opts_init(&o);
        assert_int_equal(berth_runspec_caps(&o, NULL, &m, &err), 0);
        assert_int_equal(m, def);
        assert_int_equal(__builtin_popcountll(m), 14);
        set_ok(&o, "cap-add", "net_admin");
        set_ok(&o, "cap-drop", "CAP_CHOWN");
        assert_int_equal(berth_runspec_caps(&o, NULL, &m, &err), 0);
        assert_int_equal(m, (def | CAPBIT(berth_cap_from_name("CAP_NET_ADMIN"))) &
                                ~CAPBIT(berth_cap_from_name("CAP_CHOWN")));
        berth_run_opts_free(&o);

        berth_run_opts_init(&o);
        set_ok(&o, "cap-drop", "ALL");
        set_ok(&o, "cap-add", "kill");
        assert_int_equal(berth_runspec_caps(&o, NULL, &m, &err), 0);
        assert_int_equal(m, CAPBIT(berth_cap_from_name("CAP_KILL")));
        berth_run_opts_free(&o);

        uint64_t all = 0;
        for (int c = 0; c <= berth_cap_last_cap(); c++)
                all |= CAPBIT(c);
        berth_run_opts_init(&o);
        set_ok(&o, "cap-add", "ALL");
        assert_int_equal(berth_runspec_caps(&o, NULL, &m, &err), 0);
        assert_int_equal(m, all);
        set_ok(&o, "cap-drop", "NET_RAW");
        assert_int_equal(berth_runspec_caps(&o, NULL, &m, &err), 0);
        assert_int_equal(m, all & ~CAPBIT(berth_cap_from_name("CAP_NET_RAW")));
        berth_run_opts_free(&o);

        /* an unknown name that did not come through the parser */
        berth_run_opts_init(&o);
        assert_int_equal(berth_strv_push(&o.cap_add, "CAP_NOPE"), 0);
        assert_int_equal(berth_runspec_caps(&o, NULL, &m, &err), -EINVAL);
        assert_string_equal(err.msg, "unknown capability: \"CAP_NOPE\"");
        berth_run_opts_free(&o);

        opts_base(&o);
        set_ok(&o, "privileged", "true");
        set_ok(&o, "cap-drop", "ALL");
        assert_int_equal(berth_runspec_caps(&o, NULL, &m, &err), 0);
        assert_int_equal(m, all);
        struct berth_runspec_image img = {.cmd = img_cmd};
        json_t *j = NULL;
        _cleanup_spec_ struct berth_spec *s = build_and_parse(&img, &o, -1, &j);
        assert_int_equal(s->process.caps.bounding, all);
        /* ALL is limited to what the engine's bounding set holds */
        struct berth_runspec_host h = test_host();
        h.cap_bounding = all & ~CAPBIT(berth_cap_from_name("CAP_SYS_RESOURCE"));
        assert_int_equal(berth_runspec_caps(&o, &h, &m, &err), 0);
        assert_int_equal(m, h.cap_bounding);
        assert_int_equal(s->process.caps.effective, all);
        assert_int_equal(s->process.caps.inheritable, 0);
        assert_int_equal(s->process.caps.ambient, 0);
        assert_false(s->has_seccomp);
        assert_null(s->masked_paths && s->masked_paths[0] ? s->masked_paths[0] : NULL);
        assert_int_equal(s->resources.n_devices, 1);
        assert_true(s->resources.devices[0].allow);
        json_decref(j);
        berth_run_opts_free(&o);
}

static void t_rlimits(void **state)
{
        (void)state;
        struct berth_run_opts o;
        struct berth_error err = {0};
        struct berth_runspec_image img = {.cmd = img_cmd};
        opts_base(&o);
        set_ok(&o, "ulimit", "nofile=1024:2048");
        set_ok(&o, "ulimit", "core=-1");
        _cleanup_spec_ struct berth_spec *s = build_and_parse(&img, &o, -1, NULL);
        assert_int_equal(s->process.n_rlimits, 2);
        assert_int_equal(s->process.rlimits[0].resource, RLIMIT_NOFILE);
        assert_int_equal(s->process.rlimits[0].soft, 1024);
        assert_int_equal(s->process.rlimits[0].hard, 2048);
        assert_true(s->process.rlimits[1].hard == UINT64_MAX);
        set_ok(&o, "ulimit", "nofile=1024:30000"); /* replaces the earlier nofile */
        assert_int_equal(build_fails(&img, &o, -1, &err), -EINVAL);
        assert_string_equal(err.msg,
                            "ulimit RLIMIT_NOFILE: hard limit 30000 is above the host's hard "
                            "limit 20000");
        set_ok(&o, "ulimit", "nofile=-1");
        assert_int_equal(build_fails(&img, &o, -1, &err), -EINVAL);
        assert_string_equal(err.msg,
                            "ulimit RLIMIT_NOFILE: hard limit unlimited is above the host's hard "
                            "limit 20000");
        berth_run_opts_free(&o);
}

static void t_device_rules(void **state)
{
        (void)state;
        struct berth_run_opts o;
        struct berth_error err = {0};
        struct berth_runspec_image img = {.cmd = img_cmd};
        opts_base(&o);
        set_ok(&o, "device", "/dev/null:/dev/mynull:rw");
        _cleanup_spec_ struct berth_spec *s = build_and_parse(&img, &o, -1, NULL);
        const struct berth_resources *r = &s->resources;
        static const struct {
                bool allow;
                char type;
                int64_t major, minor;
                const char *access;
        } want[] = {
            {false, 'a', -1, -1, "rwm"}, {true, 'c', -1, -1, "m"}, {true, 'b', -1, -1, "m"},
            {true, 'c', 1, 3, "rwm"},    {true, 'c', 1, 5, "rwm"}, {true, 'c', 1, 7, "rwm"},
            {true, 'c', 1, 8, "rwm"},    {true, 'c', 1, 9, "rwm"}, {true, 'c', 5, 0, "rwm"},
            {true, 'c', 5, 1, "rwm"},    {true, 'c', 5, 2, "rwm"}, {true, 'c', 136, -1, "rwm"},
            {true, 'c', 10, 200, "rwm"}, {true, 'c', 1, 3, "rw"},
        };
        assert_int_equal(r->n_devices, ARRAY_SIZE(want));
        for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
                assert_int_equal(r->devices[i].allow, want[i].allow);
                assert_int_equal(r->devices[i].type, want[i].type);
                assert_int_equal(r->devices[i].major, want[i].major);
                assert_int_equal(r->devices[i].minor, want[i].minor);
                assert_string_equal(r->devices[i].access, want[i].access);
        }
        assert_int_equal(s->n_devices, 1);
        assert_string_equal(s->devices[0].path, "/dev/mynull");
        assert_int_equal(s->devices[0].type, 'c');
        assert_int_equal(s->devices[0].major, 1);
        assert_int_equal(s->devices[0].minor, 3);
        berth_run_opts_free(&o);

        opts_base(&o);
        set_ok(&o, "device", "/etc/passwd");
        assert_int_equal(build_fails(&img, &o, -1, &err), -EINVAL);
        assert_string_equal(err.msg, "--device /etc/passwd: not a device node");
        berth_run_opts_free(&o);
}

/* ------------------------------------------------------------------ whole specs */

struct combo {
        const char *flags[12][2];
};

static const struct combo combos[] = {
    {{{NULL, NULL}}},
    {{{"tty", "true"},
      {"interactive", "true"},
      {"hostname", "web"},
      {"domainname", "example.org"}}},
    {{{"memory", "512m"},
      {"memory-swap", "1g"},
      {"memory-reservation", "256m"},
      {"oom-kill-disable", "true"}}},
    {{{"memory", "64m"}, {"memory-swap", "-1"}, {"pids-limit", "100"}, {"blkio-weight", "300"}}},
    {{{"cpus", "1.5"}, {"cpu-shares", "512"}, {"cpuset-cpus", "0-1"}, {"cpuset-mems", "0"}}},
    {{{"cpu-quota", "50000"}, {"cpu-period", "100000"}}},
    {{{"privileged", "true"}, {"network", "host"}}},
    {{{"read-only", "true"},
      {"tmpfs", "/run:rw,size=64m"},
      {"tmpfs", "/tmp"},
      {"shm-size", "128m"}}},
    {{{"cap-add", "SYS_ADMIN"},
      {"cap-drop", "NET_RAW"},
      {"security-opt", "no-new-privileges"},
      {"oom-score-adj", "500"}}},
    {{{"security-opt", "seccomp=unconfined"},
      {"network", "none"},
      {"user", "1000:1000"},
      {"group-add", "44"}}},
    {{{"sysctl", "net.ipv4.ip_forward=1"},
      {"sysctl", "kernel.shmmax=1000000"},
      {"annotation", "org.example.a=b"},
      {"ulimit", "nproc=100:200"}}},
    {{{"entrypoint", "/bin/sh"},
      {"workdir", "/data"},
      {"env", "A=1"},
      {"label", "x=y"},
      {"device", "/dev/zero:/dev/z:r"},
      {"tmpfs", "/dev/shm:size=1m"}}},
    {{{"pids-limit", "-1"},
      {"cap-drop", "ALL"},
      {"restart", "on-failure:3"},
      {"stop-signal", "SIGINT"},
      {"health-interval", "1m30s"}}},
};

static const char *combo_get(const struct combo *c, const char *flag)
{
        for (size_t i = 0; i < ARRAY_SIZE(c->flags) && c->flags[i][0]; i++)
                if (strcmp(c->flags[i][0], flag) == 0)
                        return c->flags[i][1];
        return NULL;
}

static size_t count_mounts(const struct berth_spec *s, const char *dest)
{
        size_t n = 0;
        for (size_t i = 0; i < s->n_mounts; i++)
                n += strcmp(s->mounts[i].destination, dest) == 0;
        return n;
}

static void t_spec_combos(void **state)
{
        (void)state;
        struct berth_runspec_image img = {.env = img_env, .cmd = img_cmd, .entrypoint = img_ep};
        for (size_t ci = 0; ci < ARRAY_SIZE(combos); ci++) {
                const struct combo *c = &combos[ci];
                struct berth_run_opts o;
                opts_base(&o);
                for (size_t i = 0; i < ARRAY_SIZE(c->flags) && c->flags[i][0]; i++)
                        set_ok(&o, c->flags[i][0], c->flags[i][1]);
                struct berth_spec *s = build_and_parse(&img, &o, -1, NULL);
                print_message("combo %zu ok\n", ci);
                /* invariants */
                assert_string_equal(s->root_path, "rootfs");
                assert_int_equal(s->root_readonly, o.read_only);
                assert_string_equal(s->cgroups_path, "/berth/0123456789abcdef0123456789abcdef");
                assert_true(s->namespaces[BERTH_NS_PID].enabled);
                assert_true(s->namespaces[BERTH_NS_MOUNT].enabled);
                assert_true(s->namespaces[BERTH_NS_CGROUP].enabled);
                assert_int_equal(s->namespaces[BERTH_NS_NETWORK].enabled,
                                 o.network != BERTH_NETWORK_HOST);
                assert_int_equal(count_mounts(s, "/proc"), 1);
                assert_int_equal(count_mounts(s, "/dev/shm"), 1);
                assert_int_equal(s->has_seccomp, !o.privileged && !o.seccomp_unconfined);
                size_t nmasked = berth_strv_length(s->masked_paths);
                assert_int_equal(nmasked, o.privileged ? 0 : 12);
                assert_int_equal(s->process.no_new_privileges, o.no_new_privileges);
                assert_int_equal(s->process.terminal, o.tty);
                /* per-combo values */
                if (combo_get(c, "memory-swap") && o.memory == 512 << 20) {
                        assert_int_equal(s->resources.mem_limit, 512 << 20);
                        assert_int_equal(s->resources.mem_swap, 1 << 30);
                        assert_int_equal(s->resources.mem_reservation, 256 << 20);
                        assert_true(s->resources.mem_disable_oom_killer);
                }
                if (o.memory == 64 << 20) {
                        assert_int_equal(s->resources.mem_swap, -1);
                        assert_int_equal(s->resources.pids_limit, 100);
                        assert_int_equal(s->resources.blkio_weight, 300);
                }
                if (o.nano_cpus) {
                        assert_int_equal(s->resources.cpu_quota, 150000);
                        assert_int_equal(s->resources.cpu_period, 100000);
                        assert_int_equal(s->resources.cpu_shares, 512);
                        assert_string_equal(s->resources.cpuset_cpus, "0-1");
                }
                if (combo_get(c, "domainname"))
                        assert_string_equal(s->domainname, "example.org");
                if (combo_get(c, "shm-size")) {
                        assert_int_equal(count_mounts(s, "/run"), 1);
                        assert_int_equal(count_mounts(s, "/tmp"), 1);
                }
                if (combo_get(c, "entrypoint")) {
                        assert_string_equal(s->process.args[0], "/bin/sh");
                        assert_null(s->process.args[1]);
                        assert_string_equal(s->process.cwd, "/data");
                        assert_int_equal(s->n_devices, 1);
                }
                if (combo_get(c, "annotation")) {
                        assert_int_equal(s->n_annotations, 1);
                        assert_int_equal(s->n_sysctl, 2);
                }
                if (combo_get(c, "group-add")) {
                        assert_int_equal(s->process.user.uid, 1000);
                        assert_int_equal(s->process.user.n_additional_gids, 1);
                        assert_int_equal(s->process.user.additional_gids[0], 44);
                }
                if (combo_get(c, "cap-add")) {
                        assert_true(s->process.caps.effective &
                                    CAPBIT(berth_cap_from_name("CAP_SYS_ADMIN")));
                        assert_false(s->process.caps.effective &
                                     CAPBIT(berth_cap_from_name("CAP_NET_RAW")));
                        assert_int_equal(s->process.oom_score_adj, 500);
                }
                berth_spec_free(s);
                berth_run_opts_free(&o);
        }
}

static void t_build_errors(void **state)
{
        (void)state;
        struct berth_runspec_image img = {.cmd = img_cmd};
        struct berth_run_opts o;
        struct berth_error err = {0};
        static const struct {
                const char *flag, *value, *msg;
        } cases[] = {
            {"cpuset-cpus", "0-3",
             "--cpuset-cpus: requested CPUs are not available - requested 0-3, available: 0-1 "
             "(cpu 2 does not exist)"},
            {"memory", "1m", "minimum memory limit allowed is 6MB"},
            {"cpus", "2.5",
             "range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available"},
            {"memory-swap", "1g",
             "you should always set the memory limit when using memoryswap limit, see usage"},
            {"sysctl", "kernel.panic=1",
             "sysctl 'kernel.panic' is not allowed: it is not namespaced"},
            {"tmpfs", "run:size=1m",
             "invalid mount path for --tmpfs 'run:size=1m': it must be absolute"},
            {"network", "container:db",
             "--network container:db: the network namespace of that container is not known"},
            {"init", "true", "--init: no init binary is configured"},
            {"annotation", "novalue", "invalid annotation 'novalue': expected KEY=VALUE"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                opts_base(&o);
                set_ok(&o, cases[i].flag, cases[i].value);
                int r = build_fails(&img, &o, -1, &err);
                assert_true(r == -EINVAL || r == -ENOTSUP);
                assert_string_equal(err.msg, cases[i].msg);
                berth_run_opts_free(&o);
        }
        opts_base(&o);
        set_ok(&o, "sysctl", "net.core.somaxconn=1");
        set_ok(&o, "network", "host");
        build_fails(&img, &o, -1, &err);
        assert_string_equal(
            err.msg, "sysctl 'net.core.somaxconn' is not allowed in the host's network namespace");
        free(o.id);
        o.id = NULL;
        build_fails(&img, &o, -1, &err);
        assert_string_equal(err.msg, "container id is required");
        berth_run_opts_free(&o);
}

static void t_init(void **state)
{
        (void)state;
        struct berth_runspec_image img = {.cmd = img_cmd};
        struct berth_run_opts o;
        struct berth_error err = {0};
        opts_base(&o);
        set_ok(&o, "init", "true");
        struct berth_runspec_host h = test_host();
        h.init_path = "/usr/libexec/berth/init";
        json_t *j = NULL;
        assert_int_equal(berth_runspec_build_from(&img, &o, -1, &h, &j, &err), 0);
        _cleanup_free_ char *s = berth_json_dump(j, false);
        json_decref(j);
        _cleanup_spec_ struct berth_spec *spec = NULL;
        assert_int_equal(berth_spec_parse(s, strlen(s), &spec, &err), 0);
        assert_string_equal(spec->process.args[0], "/sbin/berth-init");
        assert_string_equal(spec->process.args[1], "--");
        assert_string_equal(spec->process.args[2], "sh");
        assert_int_equal(count_mounts(spec, "/sbin/berth-init"), 1);
        const struct berth_mount *m = &spec->mounts[spec->n_mounts - 1];
        assert_string_equal(m->source, "/usr/libexec/berth/init");
        assert_true(m->is_bind);
        berth_run_opts_free(&o);
}

static void t_seccomp_default(void **state)
{
        (void)state;
        struct berth_runspec_image img = {.cmd = img_cmd};
        struct berth_run_opts o;
        opts_base(&o);
        json_t *j = NULL;
        _cleanup_spec_ struct berth_spec *s = build_and_parse(&img, &o, -1, &j);
        assert_true(s->has_seccomp);
        assert_int_equal(s->seccomp.default_action, BERTH_SECCOMP_ERRNO);
        assert_true(s->seccomp.n_syscalls > 1);
        assert_true(berth_strv_length(s->seccomp.syscalls[0].names) > 100);
        /* the same thing the runtime's own default profile holds */
        struct berth_seccomp want = {0};
        assert_int_equal(berth_seccomp_default_profile(berth_caps_docker_default(), &want, NULL),
                         0);
        assert_int_equal(s->seccomp.n_syscalls, want.n_syscalls);
        berth_seccomp_free(&want);
        json_decref(j);

        /* a profile file is used as written */
        char path[] = "/tmp/berth-runspec-seccomp-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        const char *prof = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
                           "[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"}]}";
        assert_int_equal(berth_write_all(fd, prof, strlen(prof)), 0);
        close(fd);
        _cleanup_free_ char *opt = berth_strdup_printf("seccomp=%s", path);
        set_ok(&o, "security-opt", opt);
        unlink(path);
        _cleanup_spec_ struct berth_spec *s2 = build_and_parse(&img, &o, -1, NULL);
        assert_int_equal(s2->seccomp.default_action, BERTH_SECCOMP_ALLOW);
        assert_int_equal(s2->seccomp.n_syscalls, 1);
        berth_run_opts_free(&o);
}

static void t_image_config(void **state)
{
        (void)state;
        const char *cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{"
                          "\"Env\":[\"PATH=/opt/bin\",\"LANG=C.UTF-8\"],"
                          "\"Entrypoint\":[\"/docker-entrypoint.sh\"],\"Cmd\":[\"nginx\",\"-g\"],"
                          "\"WorkingDir\":\"/usr/share\",\"User\":\"101:101\"},"
                          "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
        struct berth_image_config *img = NULL;
        struct berth_error err = {0};
        if (berth_image_config_parse(cfg, strlen(cfg), &img, &err) < 0)
                fail_msg("image config: %s", err.msg);
        struct berth_run_opts o;
        opts_base(&o);
        struct berth_runspec_host h = test_host();
        json_t *j = NULL;
        assert_int_equal(berth_runspec_build(img, &o, -1, &h, &j, &err), 0);
        _cleanup_free_ char *s = berth_json_dump(j, false);
        json_decref(j);
        _cleanup_spec_ struct berth_spec *spec = NULL;
        assert_int_equal(berth_spec_parse(s, strlen(s), &spec, &err), 0);
        assert_string_equal(spec->process.args[0], "/docker-entrypoint.sh");
        assert_string_equal(spec->process.args[1], "nginx");
        assert_string_equal(spec->process.args[2], "-g");
        assert_null(spec->process.args[3]);
        assert_string_equal(spec->process.env[0], "PATH=/opt/bin");
        assert_true(berth_strv_contains(spec->process.env, "LANG=C.UTF-8"));
        assert_string_equal(spec->process.cwd, "/usr/share");
        assert_int_equal(spec->process.user.uid, 101);
        assert_int_equal(spec->process.user.gid, 101);
        /* no image at all: the command must come from the options */
        assert_int_equal(berth_runspec_build(NULL, &o, -1, &h, &j, &err), -EINVAL);
        assert_string_equal(err.msg, "no command specified");
        berth_run_opts_free(&o);
        berth_image_config_free(img);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_memory),
            cmocka_unit_test(t_cpus),
            cmocka_unit_test(t_ulimit),
            cmocka_unit_test(t_device),
            cmocka_unit_test(t_restart),
            cmocka_unit_test(t_duration),
            cmocka_unit_test(t_signal),
            cmocka_unit_test(t_caps_parse),
            cmocka_unit_test(t_cpuset),
            cmocka_unit_test(t_flag_misc),
            cmocka_unit_test(t_env_file),
            cmocka_unit_test(t_args_merge),
            cmocka_unit_test(t_env_overlay),
            cmocka_unit_test(t_workdir),
            cmocka_unit_test(t_user_resolve),
            cmocka_unit_test(t_user_symlink_escape),
            cmocka_unit_test(t_user_fifo),
            cmocka_unit_test(t_caps),
            cmocka_unit_test(t_rlimits),
            cmocka_unit_test(t_device_rules),
            cmocka_unit_test(t_spec_combos),
            cmocka_unit_test(t_build_errors),
            cmocka_unit_test(t_seccomp_default),
            cmocka_unit_test(t_image_config),
            cmocka_unit_test(t_init),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

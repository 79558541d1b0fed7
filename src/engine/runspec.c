/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI config for `berth run`: process, root, hostname, mounts, annotations. */
#include "engine/runspec.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/json.h"
#include "basic/strutil.h"
#include "engine/runspec_internal.h"
#include "runtime/process.h"
#include "runtime/spec.h"
#include "basic/banned.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define DEFAULT_SHM  (INT64_C(64) << 20)
#define INIT_PATH    "/sbin/berth-init"

static void read_line_file(const char *path, char *buf, size_t size)
{
        _cleanup_free_ char *s = NULL;
        buf[0] = '\0';
        if (berth_read_file_at(AT_FDCWD, path, 4096, &s, NULL, NULL) < 0)
                return;
        s[strcspn(s, "\n")] = '\0';
        snprintf(buf, size, "%s", s);
}

int berth_runspec_host_probe(struct berth_runspec_host *h, struct berth_error *err)
{
        memset(h, 0, sizeof(*h));
        for (int i = 0; i < RLIMIT_NLIMITS; i++)
                if (getrlimit(i, &h->rlimits[i]) < 0)
                        return berth_error_errno(err, "getrlimit %d", i);
        for (int c = 0; c <= berth_cap_last_cap() && c < 64; c++)
                if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
                        h->cap_bounding |= UINT64_C(1) << c;
        read_line_file("/sys/devices/system/cpu/online", h->cpus_online, sizeof(h->cpus_online));
        read_line_file("/sys/devices/system/node/online", h->mems_online, sizeof(h->mems_online));
        return 0;
}

int berth_runspec_args(const struct berth_runspec_image *img, const struct berth_run_opts *o,
                       char ***out, struct berth_error *err)
{
        _cleanup_strv_free_ char **args = NULL;
        char *const *ep = img ? img->entrypoint : NULL;
        char *const *cmd = img ? img->cmd : NULL;
        if (o->entrypoint_set) {
                ep = NULL;
                cmd = NULL; /* --entrypoint clears the image's Cmd too */
                if (o->entrypoint && *o->entrypoint && berth_strv_push(&args, o->entrypoint) < 0)
                        return -ENOMEM;
        }
        if (o->cmd && o->cmd[0])
                cmd = o->cmd;
        for (size_t i = 0; ep && ep[i]; i++)
                if (berth_strv_push(&args, ep[i]) < 0)
                        return -ENOMEM;
        for (size_t i = 0; cmd && cmd[i]; i++)
                if (berth_strv_push(&args, cmd[i]) < 0)
                        return -ENOMEM;
        if (!args || !args[0])
                return berth_error_set(err, EINVAL, "no command specified");
        *out = TAKE_PTR(args);
        return 0;
}

/* Replace the entry with the same name in *env, or append. */
static int env_set(char ***env, const char *kv)
{
        size_t n = strcspn(kv, "=");
        for (size_t i = 0; *env && (*env)[i]; i++)
                if (strncmp((*env)[i], kv, n) == 0 && (*env)[i][n] == '=') {
                        char *c = strdup(kv);
                        if (!c)
                                return -ENOMEM;
                        free((*env)[i]);
                        (*env)[i] = c;
                        return 0;
                }
        return berth_strv_push(env, kv);
}

static bool env_has(char *const *env, const char *name)
{
        size_t n = strlen(name);
        for (size_t i = 0; env && env[i]; i++)
                if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
                        return true;
        return false;
}

static int build_env(const struct berth_runspec_image *img, const struct berth_run_opts *o,
                     const char *hostname, const char *home, json_t **out)
{
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_free_ char *hn = hostname ? berth_strdup_printf("HOSTNAME=%s", hostname) : NULL;
        if (berth_strv_push(&env, DEFAULT_PATH) < 0 || (hn && berth_strv_push(&env, hn) < 0) ||
            (o->tty && berth_strv_push(&env, "TERM=xterm") < 0))
                return -ENOMEM;
        for (size_t i = 0; img && img->env && img->env[i]; i++)
                if (strchr(img->env[i], '=') && env_set(&env, img->env[i]) < 0)
                        return -ENOMEM;
        for (size_t i = 0; o->env && o->env[i]; i++)
                if (strchr(o->env[i], '=') && env_set(&env, o->env[i]) < 0)
                        return -ENOMEM;
        if (home && !env_has(env, "HOME")) {
                _cleanup_free_ char *h = berth_strdup_printf("HOME=%s", home);
                if (!h || berth_strv_push(&env, h) < 0)
                        return -ENOMEM;
        }
        *out = berth_runspec_strv_json(env);
        return *out ? 0 : -ENOMEM;
}

json_t *berth_runspec_strv_json(char *const *v)
{
        json_t *a = json_array();
        for (size_t i = 0; a && v && v[i]; i++)
                if (json_array_append_new(a, json_string(v[i])) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

static uint64_t caps_all(const struct berth_runspec_host *h)
{
        int last = berth_cap_last_cap();
        uint64_t m = last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
        return h && h->cap_bounding ? m & h->cap_bounding : m;
}

static bool caps_has_all(char *const *list)
{
        for (size_t i = 0; list && list[i]; i++)
                if (strcasecmp(list[i], "ALL") == 0)
                        return true;
        return false;
}

/* Add or remove the named capabilities ("ALL" entries are skipped: handled by the caller). */
static int caps_apply(uint64_t *m, char *const *list, bool add, struct berth_error *err)
{
        for (size_t i = 0; list && list[i]; i++) {
                if (strcasecmp(list[i], "ALL") == 0)
                        continue;
                int c = berth_cap_from_name(list[i]);
                if (c < 0)
                        return berth_error_set(err, EINVAL, "unknown capability: \"%s\"", list[i]);
                if (add)
                        *m |= UINT64_C(1) << c;
                else
                        *m &= ~(UINT64_C(1) << c);
        }
        return 0;
}

/* Docker's rules: --privileged is every capability; --cap-add ALL starts from every
 * capability and then drops; --cap-drop ALL starts from none and then adds; otherwise the
 * defaults minus the drops plus the adds. */
int berth_runspec_caps(const struct berth_run_opts *o, const struct berth_runspec_host *host,
                       uint64_t *out, struct berth_error *err)
{
        if (o->privileged) {
                *out = caps_all(host);
                return 0;
        }
        bool add_all = caps_has_all(o->cap_add);
        uint64_t m = add_all                     ? caps_all(host)
                     : caps_has_all(o->cap_drop) ? 0
                                                 : berth_caps_docker_default();
        int r = caps_apply(&m, o->cap_drop, false, err);
        if (r == 0 && !add_all)
                r = caps_apply(&m, o->cap_add, true, err);
        if (r < 0)
                return r;
        *out = m;
        return 0;
}

static json_t *caps_json(uint64_t m)
{
        json_t *a = json_array();
        for (int c = 0; a && c < 64; c++)
                if ((m >> c & 1) && berth_cap_to_name(c))
                        json_array_append_new(a, json_string(berth_cap_to_name(c)));
        return a;
}

static int build_rlimits(const struct berth_run_opts *o, const struct berth_runspec_host *h,
                         json_t **out, struct berth_error *err)
{
        _cleanup_json_ json_t *a = json_array();
        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < o->n_ulimits; i++) {
                const struct berth_ulimit *u = &o->ulimits[i];
                const char *name = berth_rlimit_to_name(u->resource);
                if (!name || u->resource < 0 || u->resource >= RLIMIT_NLIMITS)
                        return berth_error_set(err, EINVAL, "ulimit: unknown resource %d",
                                               u->resource);
                uint64_t host_hard = h->rlimits[u->resource].rlim_max;
                if (host_hard != (uint64_t)RLIM_INFINITY && u->hard > host_hard) {
                        char hv[32];
                        if (u->hard == UINT64_MAX)
                                snprintf(hv, sizeof(hv), "unlimited");
                        else
                                snprintf(hv, sizeof(hv), "%llu", (unsigned long long)u->hard);
                        return berth_error_set(err, EINVAL,
                                               "ulimit %s: hard limit %s is above the host's hard "
                                               "limit %llu",
                                               name, hv, (unsigned long long)host_hard);
                }
                json_t *e =
                    json_pack("{s:s, s:I, s:I}", "type", name, "soft",
                              u->soft == UINT64_MAX ? (json_int_t)-1 : (json_int_t)u->soft, "hard",
                              u->hard == UINT64_MAX ? (json_int_t)-1 : (json_int_t)u->hard);
                if (!e || json_array_append_new(a, e) < 0)
                        return -ENOMEM;
        }
        *out = TAKE_PTR(a);
        return 0;
}

static int build_user(const struct berth_runspec_image *img, const struct berth_run_opts *o,
                      int rootfs_fd, json_t **out, char **home, struct berth_error *err)
{
        const char *user = o->user ? o->user : (img ? img->user : NULL);
        uint32_t uid, gid;
        _cleanup_free_ uint32_t *gids = NULL;
        size_t n = 0;
        int r = berth_runspec_resolve_user(rootfs_fd, user, o->group_add, &uid, &gid, &gids, &n,
                                           home, err);
        if (r < 0)
                return berth_error_prefix(err, r, "user '%s'", user ? user : "");
        _cleanup_json_ json_t *u =
            json_pack("{s:I, s:I}", "uid", (json_int_t)uid, "gid", (json_int_t)gid);
        json_t *ag = json_array();
        if (!u || !ag || json_object_set_new(u, "additionalGids", ag) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (json_array_append_new(ag, json_integer(gids[i])) < 0)
                        return -ENOMEM;
        *out = TAKE_PTR(u);
        return 0;
}

static int build_process(const struct berth_runspec_image *img, const struct berth_run_opts *o,
                         int rootfs_fd, const struct berth_runspec_host *h, const char *hostname,
                         uint64_t caps, json_t **out, struct berth_error *err)
{
        _cleanup_strv_free_ char **args = NULL;
        int r = berth_runspec_args(img, o, &args, err);
        if (r < 0)
                return r;
        if (o->init) {
                if (!h->init_path)
                        return berth_error_set(err, ENOTSUP,
                                               "--init: no init binary is configured");
                _cleanup_strv_free_ char **ia = NULL;
                if (berth_strv_push(&ia, INIT_PATH) < 0 || berth_strv_push(&ia, "--") < 0)
                        return -ENOMEM;
                for (size_t i = 0; args[i]; i++)
                        if (berth_strv_push(&ia, args[i]) < 0)
                                return -ENOMEM;
                berth_strv_free(args);
                args = TAKE_PTR(ia);
        }
        const char *cwd = o->workdir && *o->workdir                      ? o->workdir
                          : img && img->working_dir && *img->working_dir ? img->working_dir
                                                                         : "/";
        if (cwd[0] != '/')
                return berth_error_set(err, EINVAL,
                                       "the working directory '%s' is invalid, it needs to be an "
                                       "absolute path",
                                       cwd);
        _cleanup_json_ json_t *user = NULL, *env = NULL, *rl = NULL;
        _cleanup_free_ char *home = NULL;
        r = build_user(img, o, rootfs_fd, &user, &home, err);
        if (r < 0)
                return r;
        r = build_env(img, o, hostname, home, &env);
        if (r < 0)
                return r;
        r = build_rlimits(o, h, &rl, err);
        if (r < 0)
                return r;
        json_t *p =
            json_pack("{s:b, s:O, s:o, s:O, s:s, s:{s:o, s:o, s:o, s:[], s:[]}, s:O, s:b}",
                      "terminal", o->tty, "user", user, "args", berth_runspec_strv_json(args),
                      "env", env, "cwd", cwd, "capabilities", "bounding", caps_json(caps),
                      "effective", caps_json(caps), "permitted", caps_json(caps), "inheritable",
                      "ambient", "rlimits", rl, "noNewPrivileges", o->no_new_privileges);
        if (!p)
                return -ENOMEM;
        if (o->has_oom_score_adj)
                json_object_set_new(p, "oomScoreAdj", json_integer(o->oom_score_adj));
        *out = p;
        return 0;
}

static bool tmpfs_overrides(const struct berth_run_opts *o, const char *dest)
{
        size_t n = strlen(dest);
        for (size_t i = 0; o->tmpfs && o->tmpfs[i]; i++)
                if (strncmp(o->tmpfs[i], dest, n) == 0 &&
                    (!o->tmpfs[i][n] || o->tmpfs[i][n] == ':'))
                        return true;
        return false;
}

static int add_mount(json_t *mounts, const struct berth_run_opts *o, const char *dest,
                     const char *type, const char *src, const char *opts)
{
        if (tmpfs_overrides(o, dest))
                return 0;
        _cleanup_strv_free_ char **ov = NULL;
        _cleanup_free_ char *copy = strdup(opts);
        if (!copy)
                return -ENOMEM;
        for (char *p = copy, *c; p && *p; p = c) {
                c = strchr(p, ',');
                if (c)
                        *c++ = '\0';
                if (*p && berth_strv_push(&ov, p) < 0)
                        return -ENOMEM;
        }
        json_t *m = json_pack("{s:s, s:s, s:s, s:o}", "destination", dest, "type", type, "source",
                              src, "options", berth_runspec_strv_json(ov));
        return m && json_array_append_new(mounts, m) == 0 ? 0 : -ENOMEM;
}

static int build_mounts(const struct berth_run_opts *o, const struct berth_runspec_host *h,
                        json_t **out, struct berth_error *err)
{
        _cleanup_json_ json_t *m = json_array();
        char shm[64];
        int64_t shm_size = o->shm_size > 0 ? o->shm_size : DEFAULT_SHM;
        snprintf(shm, sizeof(shm), "nosuid,noexec,nodev,mode=1777,size=%lld", (long long)shm_size);
        bool priv = o->privileged;
        if (!m || add_mount(m, o, "/proc", "proc", "proc", "nosuid,noexec,nodev") < 0 ||
            add_mount(m, o, "/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k") <
                0 ||
            add_mount(m, o, "/dev/pts", "devpts", "devpts",
                      "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5") < 0 ||
            add_mount(m, o, "/sys", "sysfs", "sysfs",
                      priv ? "nosuid,noexec,nodev,rw" : "nosuid,noexec,nodev,ro") < 0 ||
            add_mount(m, o, "/sys/fs/cgroup", "cgroup", "cgroup",
                      priv ? "nosuid,noexec,nodev,relatime,rw"
                           : "nosuid,noexec,nodev,relatime,ro") < 0 ||
            add_mount(m, o, "/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev") < 0 ||
            add_mount(m, o, "/dev/shm", "tmpfs", "shm", shm) < 0)
                return -ENOMEM;
        for (size_t i = 0; o->tmpfs && o->tmpfs[i]; i++) {
                const char *t = o->tmpfs[i];
                size_t n = strcspn(t, ":");
                _cleanup_free_ char *dest = strndup(t, n);
                _cleanup_free_ char *opts = berth_strdup_printf(
                    "noexec,nosuid,nodev%s%s", t[n] && t[n + 1] ? "," : "", t[n] ? t + n + 1 : "");
                if (!dest || !opts)
                        return -ENOMEM;
                if (dest[0] != '/')
                        return berth_error_set(err, EINVAL,
                                               "invalid mount path for --tmpfs '%s': it must be "
                                               "absolute",
                                               t);
                json_t *e = json_pack("{s:s, s:s, s:s}", "destination", dest, "type", "tmpfs",
                                      "source", "tmpfs");
                _cleanup_strv_free_ char **ov = NULL;
                for (char *p = opts, *c; p && *p; p = c) {
                        c = strchr(p, ',');
                        if (c)
                                *c++ = '\0';
                        if (*p && berth_strv_push(&ov, p) < 0)
                                return -ENOMEM;
                }
                if (!e || json_object_set_new(e, "options", berth_runspec_strv_json(ov)) < 0 ||
                    json_array_append_new(m, e) < 0)
                        return -ENOMEM;
        }
        if (o->init && h->init_path) {
                json_t *e =
                    json_pack("{s:s, s:s, s:s, s:[s,s,s]}", "destination", INIT_PATH, "type",
                              "bind", "source", h->init_path, "options", "rbind", "ro", "nosuid");
                if (!e || json_array_append_new(m, e) < 0)
                        return -ENOMEM;
        }
        *out = TAKE_PTR(m);
        return 0;
}

static int build_annotations(const struct berth_run_opts *o, json_t **out, struct berth_error *err)
{
        _cleanup_json_ json_t *a = json_object();
        if (!a)
                return -ENOMEM;
        for (size_t i = 0; o->annotations && o->annotations[i]; i++) {
                const char *kv = o->annotations[i];
                const char *eq = strchr(kv, '=');
                if (!eq || eq == kv)
                        return berth_error_set(err, EINVAL,
                                               "invalid annotation '%s': expected KEY=VALUE", kv);
                _cleanup_free_ char *k = strndup(kv, (size_t)(eq - kv));
                if (!k || json_object_set_new(a, k, json_string(eq + 1)) < 0)
                        return -ENOMEM;
        }
        *out = TAKE_PTR(a);
        return 0;
}

int berth_runspec_build_from(const struct berth_runspec_image *img, const struct berth_run_opts *o,
                             int rootfs_fd, const struct berth_runspec_host *host, json_t **out,
                             struct berth_error *err)
{
        struct berth_runspec_host probed;
        if (!host) {
                int r = berth_runspec_host_probe(&probed, err);
                if (r < 0)
                        return r;
                host = &probed;
        }
        if (!o->id || !*o->id)
                return berth_error_set(err, EINVAL, "container id is required");
        char hostbuf[256] = "";
        const char *hostname = o->hostname;
        if (!hostname && o->network == BERTH_NETWORK_HOST &&
            gethostname(hostbuf, sizeof(hostbuf) - 1) == 0)
                hostname = hostbuf;
        if (!hostname) {
                snprintf(hostbuf, sizeof(hostbuf), "%.12s", o->id);
                hostname = hostbuf;
        }
        uint64_t caps;
        int r = berth_runspec_caps(o, host, &caps, err);
        if (r < 0)
                return r;
        _cleanup_json_ json_t *process = NULL, *mounts = NULL, *linux_ = NULL, *ann = NULL;
        r = build_process(img, o, rootfs_fd, host, hostname, caps, &process, err);
        if (r < 0)
                return r;
        r = build_mounts(o, host, &mounts, err);
        if (r < 0)
                return r;
        r = berth_runspec_build_linux(o, host, caps, &linux_, err);
        if (r < 0)
                return r;
        r = build_annotations(o, &ann, err);
        if (r < 0)
                return r;
        json_t *spec =
            json_pack("{s:s, s:O, s:{s:s, s:b}, s:s, s:O, s:O, s:O}", "ociVersion", "1.0.2-dev",
                      "process", process, "root", "path", "rootfs", "readonly", o->read_only,
                      "hostname", hostname, "mounts", mounts, "linux", linux_, "annotations", ann);
        if (!spec)
                return -ENOMEM;
        if (o->domainname && *o->domainname)
                json_object_set_new(spec, "domainname", json_string(o->domainname));
        *out = spec;
        return 0;
}

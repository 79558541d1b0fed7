/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroups: detection, cgroupsPath resolution, v1 hierarchy discovery, the dispatch over the
 * backend ops table, JSON persistence, mountinfo, and the file helpers the backends share.
 */
#include "cgroup/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/strutil.h"
#include "cgroup/cgroup-internal.h"
#include "basic/banned.h"

#define CGROUP_PATH_MAX 1024
#define CGROUP_FILE_MAX (1u << 20)

/* ---------------------------------------------------------------- detection */

int berth_cgroup_detect(const char *fsroot, enum berth_cgroup_mode *mode, struct berth_error *err)
{
        struct statfs st;
        if (statfs(fsroot, &st) < 0)
                return berth_error_errno(err, "statfs '%s'", fsroot);
        if (st.f_type == CGROUP2_SUPER_MAGIC) {
                *mode = BERTH_CGROUP_V2;
                return 0;
        }
        if (st.f_type != TMPFS_MAGIC && st.f_type != CGROUP_SUPER_MAGIC)
                return berth_error_set(err, ENOTSUP,
                                       "'%s' is not a cgroup filesystem (magic 0x%lx)", fsroot,
                                       (unsigned long)st.f_type);
        _cleanup_free_ char *unified = berth_strdup_printf("%s/unified", fsroot);
        if (!unified)
                return berth_error_set(err, ENOMEM, "out of memory");
        if (statfs(unified, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC)
                *mode = BERTH_CGROUP_HYBRID;
        else
                *mode = BERTH_CGROUP_V1;
        return 0;
}

static const char *mode_name(enum berth_cgroup_mode m)
{
        switch (m) {
        case BERTH_CGROUP_V1:
                return "v1";
        case BERTH_CGROUP_V2:
                return "v2";
        case BERTH_CGROUP_HYBRID:
                return "hybrid";
        }
        return "?";
}

/* ---------------------------------------------------------------- path resolution */

static int append_component(struct berth_buf *b, const char *comp, size_t len, const char *orig,
                            struct berth_error *err)
{
        if (len == 0 || (len == 1 && comp[0] == '.'))
                return 0;
        if (len == 2 && comp[0] == '.' && comp[1] == '.')
                return berth_error_set(err, EINVAL, "linux.cgroupsPath: '..' not allowed in '%s'",
                                       orig);
        if (berth_buf_append(b, "/", 1) < 0 || berth_buf_append(b, comp, len) < 0)
                return berth_error_set(err, ENOMEM, "out of memory");
        return 0;
}

static int normalise_path(const char *p, const char *orig, char **out, struct berth_error *err)
{
        struct berth_buf b = {0};
        while (*p) {
                const char *slash = strchr(p, '/');
                size_t len = slash ? (size_t)(slash - p) : strlen(p);
                int r = append_component(&b, p, len, orig, err);
                if (r < 0) {
                        berth_buf_free(&b);
                        return r;
                }
                p += len;
                if (*p == '/')
                        p++;
        }
        if (b.len == 0) {
                berth_buf_free(&b);
                return berth_error_set(err, EINVAL, "linux.cgroupsPath: '%s' names the root cgroup",
                                       orig);
        }
        *out = b.data;
        return 0;
}

static bool valid_unit_part(const char *s)
{
        for (; *s; s++)
                if (*s == '/' || (unsigned char)*s < 0x20)
                        return false;
        return true;
}

/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "" and "-.slice" -> "". */
static int expand_slice(const char *slice, const char *orig, struct berth_buf *b,
                        struct berth_error *err)
{
        if (slice[0] == '\0' || !strcmp(slice, "-.slice"))
                return 0;
        if (!berth_endswith(slice, ".slice") || !valid_unit_part(slice))
                return berth_error_set(err, EINVAL, "linux.cgroupsPath: bad slice '%s' in '%s'",
                                       slice, orig);
        size_t stem = strlen(slice) - strlen(".slice");
        if (stem == 0 || slice[0] == '-' || slice[stem - 1] == '-' || strstr(slice, "--"))
                return berth_error_set(err, EINVAL, "linux.cgroupsPath: bad slice '%s' in '%s'",
                                       slice, orig);
        for (size_t i = 0; i <= stem; i++) {
                if (i < stem && slice[i] != '-')
                        continue;
                if (berth_buf_printf(b, "/%.*s.slice", (int)i, slice) < 0)
                        return berth_error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

static int resolve_systemd(const char *p, char **out, struct berth_error *err)
{
        const char *c1 = strchr(p, ':');
        const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2 || strchr(c2 + 1, ':'))
                return berth_error_set(err, EINVAL,
                                       "linux.cgroupsPath: '%s' is not 'slice:prefix:name'", p);
        _cleanup_free_ char *slice = strndup(p, (size_t)(c1 - p));
        _cleanup_free_ char *prefix = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
        const char *name = c2 + 1;
        if (!slice || !prefix)
                return berth_error_set(err, ENOMEM, "out of memory");
        if (!name[0] || !valid_unit_part(name) || !valid_unit_part(prefix) || !strcmp(name, "..") ||
            !strcmp(name, "."))
                return berth_error_set(err, EINVAL, "linux.cgroupsPath: bad unit name in '%s'", p);
        struct berth_buf b = {0};
        int r = expand_slice(slice[0] ? slice : "system.slice", p, &b, err);
        if (r == 0) {
                if (berth_endswith(name, ".slice"))
                        r = berth_buf_printf(&b, "/%s", name);
                else if (prefix[0])
                        r = berth_buf_printf(&b, "/%s-%s.scope", prefix, name);
                else
                        r = berth_buf_printf(&b, "/%s.scope", name);
                if (r < 0)
                        r = berth_error_set(err, ENOMEM, "out of memory");
        }
        if (r < 0) {
                berth_buf_free(&b);
                return r;
        }
        *out = b.data;
        return 0;
}

int berth_cgroup_resolve_path(const char *cgroups_path, const char *id, char **out,
                              struct berth_error *err)
{
        if (!cgroups_path || !cgroups_path[0]) {
                if (!id || !id[0] || strchr(id, '/') || !strcmp(id, "..") || !strcmp(id, "."))
                        return berth_error_set(err, EINVAL, "cgroup: bad container id '%s'",
                                               id ? id : "");
                *out = berth_strdup_printf("/berth/%s", id);
                return *out ? 0 : berth_error_set(err, ENOMEM, "out of memory");
        }
        if (strlen(cgroups_path) > CGROUP_PATH_MAX)
                return berth_error_set(err, ENAMETOOLONG, "linux.cgroupsPath: longer than %d bytes",
                                       CGROUP_PATH_MAX);
        for (const char *c = cgroups_path; *c; c++)
                if ((unsigned char)*c < 0x20)
                        return berth_error_set(err, EINVAL,
                                               "linux.cgroupsPath: control character in '%s'",
                                               cgroups_path);
        if (cgroups_path[0] != '/' && strchr(cgroups_path, ':'))
                return resolve_systemd(cgroups_path, out, err);
        return normalise_path(cgroups_path, cgroups_path, out, err);
}

/* ---------------------------------------------------------------- v1 discovery */

static void hier_free(struct berth_cgroup_hier *h, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(h[i].dir);
                berth_strv_free(h[i].controllers);
        }
        free(h);
}

static bool ignored_mount_opt(const char *o)
{
        static const char *const ign[] = {
            "rw",   "ro",          "xattr", "noprefix", "clone_children", "cpuset_v2_mode",
            "none", "favordynmods"};
        for (size_t i = 0; i < ARRAY_SIZE(ign); i++)
                if (!strcmp(o, ign[i]))
                        return true;
        return berth_startswith(o, "release_agent=");
}

static int add_hier(struct berth_cgroup *cg, const char *dir, const char *opts)
{
        for (size_t i = 0; i < cg->n_hier; i++)
                if (!strcmp(cg->hier[i].dir, dir))
                        return 0;
        struct berth_cgroup_hier *nh = realloc(cg->hier, (cg->n_hier + 1) * sizeof(*nh));
        if (!nh)
                return -ENOMEM;
        cg->hier = nh;
        struct berth_cgroup_hier *h = &cg->hier[cg->n_hier];
        *h = (struct berth_cgroup_hier){0};
        h->dir = strdup(dir);
        if (!h->dir)
                return -ENOMEM;
        cg->n_hier++;
        _cleanup_free_ char *copy = strdup(opts);
        if (!copy)
                return -ENOMEM;
        char *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                if (ignored_mount_opt(t))
                        continue;
                const char *c = !strcmp(t, "systemd") ? "name=systemd" : t;
                if (berth_strv_push(&h->controllers, c) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* On the real host: cgroup (v1) mounts whose mount point is <fsroot>/<dir>. */
static int discover_mountinfo(struct berth_cgroup *cg)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return 0;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        size_t rootlen = strlen(cg->fsroot);
        while (getline(&line, &cap, f) > 0) {
                char *save = NULL, *fields[6] = {0};
                char *t = strtok_r(line, " \n", &save);
                size_t i = 0;
                for (; t && i < 6; t = strtok_r(NULL, " \n", &save))
                        fields[i++] = t;
                while (t && strcmp(t, "-"))
                        t = strtok_r(NULL, " \n", &save);
                char *fstype = t ? strtok_r(NULL, " \n", &save) : NULL;
                char *source = fstype ? strtok_r(NULL, " \n", &save) : NULL;
                char *super = source ? strtok_r(NULL, " \n", &save) : NULL;
                if (i < 5 || !super || strcmp(fstype, "cgroup"))
                        continue;
                const char *mp = fields[4];
                if (strncmp(mp, cg->fsroot, rootlen) || mp[rootlen] != '/' ||
                    strchr(mp + rootlen + 1, '/') || !mp[rootlen + 1])
                        continue;
                if (add_hier(cg, mp + rootlen + 1, super) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int discover_listing(struct berth_cgroup *cg, bool dirs)
{
        _cleanup_closedir_ DIR *d = opendir(cg->fsroot);
        if (!d)
                return -errno;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || !strcmp(de->d_name, "unified"))
                        continue;
                struct stat st;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (dirs && S_ISDIR(st.st_mode)) {
                        if (add_hier(cg, de->d_name, de->d_name) < 0)
                                return -ENOMEM;
                } else if (!dirs && S_ISLNK(st.st_mode)) {
                        char target[256];
                        ssize_t n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
                        if (n <= 0)
                                continue;
                        target[n] = '\0';
                        if (strchr(target, '/') || !berth_cgroup_v1_dir_for(cg, de->d_name))
                                continue;
                        struct berth_cgroup_alias *na =
                            realloc(cg->alias, (cg->n_alias + 1) * sizeof(*na));
                        if (!na)
                                return -ENOMEM;
                        cg->alias = na;
                        na[cg->n_alias].name = strdup(de->d_name);
                        na[cg->n_alias].target = strdup(target);
                        cg->n_alias++;
                        if (!na[cg->n_alias - 1].name || !na[cg->n_alias - 1].target)
                                return -ENOMEM;
                }
        }
        return 0;
}

static int cmp_hier(const void *a, const void *b)
{
        return strcmp(((const struct berth_cgroup_hier *)a)->dir,
                      ((const struct berth_cgroup_hier *)b)->dir);
}

static int discover_v1(struct berth_cgroup *cg, bool use_mountinfo, struct berth_error *err)
{
        int r = use_mountinfo ? discover_mountinfo(cg) : 0;
        if (r == 0 && cg->n_hier == 0)
                r = discover_listing(cg, true);
        if (r == 0)
                r = discover_listing(cg, false);
        if (r < 0)
                return berth_error_setsys(err, -r, "cgroup: list hierarchies under '%s'",
                                          cg->fsroot);
        if (cg->n_hier == 0)
                return berth_error_set(err, ENOENT, "cgroup: no v1 hierarchy under '%s'",
                                       cg->fsroot);
        qsort(cg->hier, cg->n_hier, sizeof(*cg->hier), cmp_hier);
        return 0;
}

const char *berth_cgroup_v1_dir_for(const struct berth_cgroup *cg, const char *controller)
{
        for (size_t i = 0; i < cg->n_hier; i++)
                if (berth_strv_contains(cg->hier[i].controllers, controller))
                        return cg->hier[i].dir;
        return NULL;
}

/* ---------------------------------------------------------------- object */

void berth_cgroup_free(struct berth_cgroup *cg)
{
        if (!cg)
                return;
        free(cg->fsroot);
        free(cg->path);
        free(cg->id);
        hier_free(cg->hier, cg->n_hier);
        for (size_t i = 0; i < cg->n_alias; i++) {
                free(cg->alias[i].name);
                free(cg->alias[i].target);
        }
        free(cg->alias);
        free(cg);
}

static int cgroup_new(const char *fsroot, enum berth_cgroup_mode mode, const char *cgroups_path,
                      const char *id, bool use_mountinfo, struct berth_cgroup **out,
                      struct berth_error *err)
{
        if (!fsroot || fsroot[0] != '/')
                return berth_error_set(err, EINVAL, "cgroup: root '%s' is not absolute",
                                       fsroot ? fsroot : "");
        struct berth_cgroup *cg = calloc(1, sizeof(*cg));
        if (!cg)
                return berth_error_set(err, ENOMEM, "out of memory");
        cg->mode = mode;
        cg->ops = mode == BERTH_CGROUP_V2 ? &berth_cgroup_v2_ops : &berth_cgroup_v1_ops;
        cg->fsroot = strdup(fsroot);
        cg->id = strdup(id ? id : "");
        int r = 0;
        if (!cg->fsroot || !cg->id)
                r = berth_error_set(err, ENOMEM, "out of memory");
        size_t l = cg->fsroot ? strlen(cg->fsroot) : 0;
        while (l > 1 && cg->fsroot[l - 1] == '/')
                cg->fsroot[--l] = '\0';
        if (r == 0)
                r = berth_cgroup_resolve_path(cgroups_path, id, &cg->path, err);
        if (r == 0 && mode != BERTH_CGROUP_V2)
                r = discover_v1(cg, use_mountinfo, err);
        if (r < 0) {
                berth_cgroup_free(cg);
                return r;
        }
        *out = cg;
        return 0;
}

int berth_cgroup_new_with_mode(const char *fsroot, enum berth_cgroup_mode mode,
                               const char *cgroups_path, const char *id, struct berth_cgroup **out,
                               struct berth_error *err)
{
        return cgroup_new(fsroot, mode, cgroups_path, id, false, out, err);
}

int berth_cgroup_new(const char *fsroot, const char *cgroups_path, const char *id,
                     struct berth_cgroup **out, struct berth_error *err)
{
        enum berth_cgroup_mode mode;
        int r = berth_cgroup_detect(fsroot, &mode, err);
        if (r < 0)
                return r;
        return cgroup_new(fsroot, mode, cgroups_path, id, true, out, err);
}

/* ---------------------------------------------------------------- dispatch */

int berth_cgroup_create(struct berth_cgroup *cg, const struct berth_resources *res,
                        struct berth_error *err)
{
        int r = cg->ops->create(cg, err);
        if (r < 0)
                return berth_error_prefix(err, r, "create cgroup '%s'", cg->path);
        if (res) {
                r = cg->ops->apply(cg, res, err);
                if (r < 0)
                        return berth_error_prefix(err, r, "cgroup '%s'", cg->path);
        }
        return 0;
}

int berth_cgroup_open_unified_fd(struct berth_cgroup *cg)
{
        if (cg->mode != BERTH_CGROUP_V2)
                return -1;
        _cleanup_free_ char *dir = berth_cgroup_dir(cg, NULL);
        if (!dir)
                return -1;
        return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int berth_cgroup_enter(struct berth_cgroup *cg, pid_t pid, struct berth_error *err)
{
        int r = cg->ops->enter(cg, pid, err);
        return r < 0
                   ? berth_error_prefix(err, r, "move pid %d into cgroup '%s'", (int)pid, cg->path)
                   : 0;
}

int berth_cgroup_update(struct berth_cgroup *cg, const struct berth_resources *res,
                        struct berth_error *err)
{
        if (!res)
                return 0;
        int r = cg->ops->apply(cg, res, err);
        return r < 0 ? berth_error_prefix(err, r, "update cgroup '%s'", cg->path) : 0;
}

int berth_cgroup_freeze(struct berth_cgroup *cg, bool frozen, struct berth_error *err)
{
        int r = cg->ops->freeze(cg, frozen, err);
        return r < 0 ? berth_error_prefix(err, r, "%s cgroup '%s'", frozen ? "freeze" : "thaw",
                                          cg->path)
                     : 0;
}

int berth_cgroup_is_frozen(struct berth_cgroup *cg, bool *frozen, struct berth_error *err)
{
        return cg->ops->is_frozen(cg, frozen, err);
}

static int collect_pids(const char *dir, pid_t **pids, size_t *n, size_t *cap, int depth,
                        struct berth_error *err)
{
        if (depth > 64)
                return berth_error_set(err, ELOOP, "cgroup tree under '%s' too deep", dir);
        _cleanup_free_ char *buf = NULL;
        int r = berth_cgroup_read(dir, "cgroup.procs", &buf, err);
        if (r < 0)
                return r;
        char *save = NULL;
        for (char *t = strtok_r(buf, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
                int v;
                if (berth_parse_int(t, 1, INT32_MAX, &v) < 0)
                        return berth_error_set(err, EINVAL, "%s/cgroup.procs: bad pid '%s'", dir,
                                               t);
                if (*n == *cap) {
                        size_t nc = *cap ? *cap * 2 : 16;
                        pid_t *np = realloc(*pids, nc * sizeof(pid_t));
                        if (!np)
                                return berth_error_set(err, ENOMEM, "out of memory");
                        *pids = np;
                        *cap = nc;
                }
                (*pids)[(*n)++] = (pid_t)v;
        }
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d)
                return berth_error_errno(err, "open '%s'", dir);
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || de->d_type != DT_DIR)
                        continue;
                _cleanup_free_ char *sub = berth_strdup_printf("%s/%s", dir, de->d_name);
                if (!sub)
                        return berth_error_set(err, ENOMEM, "out of memory");
                r = collect_pids(sub, pids, n, cap, depth + 1, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int berth_cgroup_pids(struct berth_cgroup *cg, pid_t **pids, size_t *n, struct berth_error *err)
{
        _cleanup_free_ char *dir = cg->ops->procs_dir(cg);
        if (!dir)
                return berth_error_set(err, ENOMEM, "out of memory");
        pid_t *p = NULL;
        size_t cnt = 0, cap = 0;
        int r = collect_pids(dir, &p, &cnt, &cap, 0, err);
        if (r < 0) {
                free(p);
                return berth_error_prefix(err, r, "list pids of cgroup '%s'", cg->path);
        }
        *pids = p;
        *n = cnt;
        return 0;
}

int berth_cgroup_kill_all(struct berth_cgroup *cg, int sig, struct berth_error *err)
{
        int r = cg->ops->kill(cg, sig, err);
        if (r != -EOPNOTSUPP)
                return r < 0 ? berth_error_prefix(err, r, "kill cgroup '%s'", cg->path) : 0;
        berth_error_clear(err);
        bool was_frozen = false, froze = false;
        if (cg->ops->is_frozen(cg, &was_frozen, NULL) < 0)
                was_frozen = false;
        if (!was_frozen && cg->ops->freeze(cg, true, NULL) == 0)
                froze = true;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        r = berth_cgroup_pids(cg, &pids, &n, err);
        for (size_t i = 0; r == 0 && i < n; i++)
                if (kill(pids[i], sig) < 0 && errno != ESRCH)
                        r = berth_error_errno(err, "kill pid %d with signal %d", (int)pids[i], sig);
        /* Thaw so that the signal is delivered; a paused container stays paused unless the
         * signal is SIGKILL (a frozen task would never die). */
        if (froze || (was_frozen && sig == SIGKILL)) {
                int t = cg->ops->freeze(cg, false, r < 0 ? NULL : err);
                if (r == 0 && t < 0)
                        r = t;
        }
        return r < 0 ? berth_error_prefix(err, r, "kill cgroup '%s'", cg->path) : 0;
}

int berth_cgroup_stats(struct berth_cgroup *cg, json_t **out, struct berth_error *err)
{
        json_t *j = json_object();
        if (!j)
                return berth_error_set(err, ENOMEM, "out of memory");
        int r = cg->ops->stats(cg, j, err);
        if (r < 0) {
                json_decref(j);
                return berth_error_prefix(err, r, "stats of cgroup '%s'", cg->path);
        }
        *out = j;
        return 0;
}

int berth_cgroup_destroy(struct berth_cgroup *cg, struct berth_error *err)
{
        int r = cg->ops->destroy(cg, err);
        return r < 0 ? berth_error_prefix(err, r, "remove cgroup '%s'", cg->path) : 0;
}

int berth_cgroup_oom_killed(struct berth_cgroup *cg, bool *killed, struct berth_error *err)
{
        *killed = false;
        return cg->ops->oom_killed(cg, killed, err);
}

/* ---------------------------------------------------------------- persistence */

json_t *berth_cgroup_to_json(const struct berth_cgroup *cg)
{
        return json_pack("{s:i, s:s, s:s, s:s}", "version", 1, "mode", mode_name(cg->mode), "path",
                         cg->path, "id", cg->id);
}

int berth_cgroup_from_json(const char *fsroot, json_t *j, struct berth_cgroup **out,
                           struct berth_error *err)
{
        const char *mode = NULL, *path = NULL, *id = "";
        if (!json_is_object(j) ||
            json_unpack(j, "{s:s, s:s, s?:s}", "mode", &mode, "path", &path, "id", &id) < 0)
                return berth_error_set(err, EINVAL, "cgroup state: expected mode, path and id");
        enum berth_cgroup_mode m;
        if (!strcmp(mode, "v1"))
                m = BERTH_CGROUP_V1;
        else if (!strcmp(mode, "v2"))
                m = BERTH_CGROUP_V2;
        else if (!strcmp(mode, "hybrid"))
                m = BERTH_CGROUP_HYBRID;
        else
                return berth_error_set(err, EINVAL, "cgroup state: unknown mode '%s'", mode);
        if (path[0] != '/')
                return berth_error_set(err, EINVAL, "cgroup state: path '%s' is not absolute",
                                       path);
        return cgroup_new(fsroot, m, path, id, true, out, err);
}

/* ---------------------------------------------------------------- mountinfo */

void berth_cgroup_mountinfo_free(struct berth_cgroup_mountinfo *m, size_t n)
{
        if (!m)
                return;
        for (size_t i = 0; i < n; i++) {
                free(m[i].name);
                free(m[i].host_path);
                free(m[i].fstype);
                free(m[i].options);
                free(m[i].symlink_target);
        }
        free(m);
}

static char *join_controllers(char *const *v)
{
        struct berth_buf b = {0};
        if (berth_buf_append(&b, "", 0) < 0)
                return NULL;
        for (size_t i = 0; v && v[i]; i++)
                if (berth_buf_printf(&b, "%s%s", i ? "," : "", v[i]) < 0) {
                        berth_buf_free(&b);
                        return NULL;
                }
        return b.data;
}

int berth_cgroup_mountinfo(const struct berth_cgroup *cg, struct berth_cgroup_mountinfo **out,
                           size_t *n, struct berth_error *err)
{
        size_t total = cg->mode == BERTH_CGROUP_V2 ? 1 : cg->n_hier + cg->n_alias;
        if (cg->mode == BERTH_CGROUP_HYBRID)
                total++;
        struct berth_cgroup_mountinfo *m = calloc(total, sizeof(*m));
        if (!m)
                return berth_error_set(err, ENOMEM, "out of memory");
        size_t k = 0;
        bool oom = false;
        if (cg->mode != BERTH_CGROUP_V2) {
                for (size_t i = 0; i < cg->n_hier; i++, k++) {
                        m[k].name = strdup(cg->hier[i].dir);
                        m[k].host_path = berth_cgroup_dir(cg, cg->hier[i].dir);
                        m[k].fstype = strdup("cgroup");
                        m[k].options = join_controllers(cg->hier[i].controllers);
                        oom |= !m[k].name || !m[k].host_path || !m[k].fstype || !m[k].options;
                }
                for (size_t i = 0; i < cg->n_alias; i++, k++) {
                        m[k].name = strdup(cg->alias[i].name);
                        m[k].symlink_target = strdup(cg->alias[i].target);
                        oom |= !m[k].name || !m[k].symlink_target;
                }
        }
        if (cg->mode != BERTH_CGROUP_V1) {
                bool v2 = cg->mode == BERTH_CGROUP_V2;
                m[k].name = strdup(v2 ? "" : "unified");
                m[k].host_path = berth_cgroup_dir(cg, v2 ? NULL : "unified");
                m[k].fstype = strdup("cgroup2");
                m[k].options = strdup("");
                oom |= !m[k].name || !m[k].host_path || !m[k].fstype || !m[k].options;
                k++;
        }
        if (oom) {
                berth_cgroup_mountinfo_free(m, total);
                return berth_error_set(err, ENOMEM, "out of memory");
        }
        *out = m;
        *n = k;
        return 0;
}

/* ---------------------------------------------------------------- file helpers */

char *berth_cgroup_dir(const struct berth_cgroup *cg, const char *sub)
{
        if (sub && sub[0])
                return berth_strdup_printf("%s/%s%s", cg->fsroot, sub, cg->path);
        return berth_strdup_printf("%s%s", cg->fsroot, cg->path);
}

int berth_cgroup_write(struct berth_cgroup *cg, const char *dir, const char *file,
                       const char *value, struct berth_error *err)
{
        _cleanup_free_ char *p = berth_strdup_printf("%s/%s", dir, file);
        if (!p)
                return berth_error_set(err, ENOMEM, "out of memory");
        if (cg && cg->write_log && berth_buf_printf(cg->write_log, "%s=%s\n", file, value) < 0)
                return berth_error_set(err, ENOMEM, "out of memory");
        _cleanup_close_ int fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return berth_error_errno(err, "open '%s'", p);
        size_t len = strlen(value);
        ssize_t w;
        do
                w = write(fd, value, len);
        while (w < 0 && errno == EINTR);
        if (w < 0)
                return berth_error_errno(err, "write '%s' to '%s'", value, p);
        if ((size_t)w != len)
                return berth_error_set(err, EIO, "short write of '%s' to '%s'", value, p);
        return 0;
}

int berth_cgroup_writef(struct berth_cgroup *cg, const char *dir, const char *file,
                        struct berth_error *err, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *v = NULL;
        int n = vasprintf(&v, fmt, ap);
        va_end(ap);
        if (n < 0)
                return berth_error_set(err, ENOMEM, "out of memory");
        return berth_cgroup_write(cg, dir, file, v, err);
}

int berth_cgroup_read(const char *dir, const char *file, char **out, struct berth_error *err)
{
        _cleanup_free_ char *p = berth_strdup_printf("%s/%s", dir, file);
        if (!p)
                return berth_error_set(err, ENOMEM, "out of memory");
        char *buf = NULL;
        size_t len = 0;
        int r = berth_read_file_at(AT_FDCWD, p, CGROUP_FILE_MAX, &buf, &len, err);
        if (r < 0)
                return r;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
                buf[--len] = '\0';
        *out = buf;
        return 0;
}

int berth_cgroup_read_u64(const char *dir, const char *file, uint64_t *out, struct berth_error *err)
{
        _cleanup_free_ char *s = NULL;
        int r = berth_cgroup_read(dir, file, &s, err);
        if (r < 0)
                return r;
        if (!strcmp(s, "max")) {
                *out = UINT64_MAX;
                return 0;
        }
        if (berth_parse_uint64(s, UINT64_MAX, out) < 0)
                return berth_error_set(err, EINVAL, "%s/%s: not a number: '%s'", dir, file, s);
        return 0;
}

int berth_cgroup_read_keyed(const char *dir, const char *file, const char *key, uint64_t *out,
                            struct berth_error *err)
{
        _cleanup_free_ char *s = NULL;
        int r = berth_cgroup_read(dir, file, &s, err);
        if (r < 0)
                return r;
        size_t kl = strlen(key);
        for (char *line = s; line && *line;) {
                char *nl = strchr(line, '\n');
                if (nl)
                        *nl = '\0';
                if (!strncmp(line, key, kl) && line[kl] == ' ') {
                        if (berth_parse_uint64(line + kl + 1, UINT64_MAX, out) < 0)
                                return berth_error_set(err, EINVAL, "%s/%s: bad value for '%s'",
                                                       dir, file, key);
                        return 0;
                }
                line = nl ? nl + 1 : NULL;
        }
        return berth_error_set(err, ENOENT, "%s/%s: no key '%s'", dir, file, key);
}

bool berth_cgroup_file_exists(const char *dir, const char *file)
{
        _cleanup_free_ char *p = berth_strdup_printf("%s/%s", dir, file);
        return p && access(p, F_OK) == 0;
}

int berth_cgroup_json_keyed(const char *dir, const char *file, json_t *obj)
{
        _cleanup_free_ char *s = NULL;
        int r = berth_cgroup_read(dir, file, &s, NULL);
        if (r < 0)
                return r;
        char *save = NULL;
        for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *sp = strchr(line, ' ');
                uint64_t v;
                if (!sp)
                        continue;
                *sp = '\0';
                if (berth_parse_uint64(sp + 1, UINT64_MAX, &v) < 0)
                        continue;
                if (json_object_set_new(obj, line, json_integer((json_int_t)v)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int berth_cgroup_mkdir_path(struct berth_cgroup *cg, const char *base, struct berth_error *err)
{
        struct stat st;
        if (stat(base, &st) < 0 || !S_ISDIR(st.st_mode))
                return berth_error_set(err, ENOENT, "cgroup hierarchy '%s' does not exist", base);
        _cleanup_free_ char *full = berth_strdup_printf("%s%s", base, cg->path);
        if (!full)
                return berth_error_set(err, ENOMEM, "out of memory");
        size_t blen = strlen(base);
        for (char *p = full + blen + 1;; p++) {
                if (*p != '/' && *p != '\0')
                        continue;
                char c = *p;
                *p = '\0';
                if (mkdir(full, 0755) < 0 && errno != EEXIST)
                        return berth_error_errno(err, "mkdir '%s'", full);
                *p = c;
                if (!c)
                        break;
        }
        return 0;
}

static void sleep_ms(long ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static int rmdir_retry(const char *dir)
{
        for (int i = 0; i < 20; i++) {
                if (rmdir(dir) == 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY)
                        return -errno;
                sleep_ms(i < 5 ? 5 : 20);
        }
        return -EBUSY;
}

static int rmdir_tree_at(struct berth_cgroup *cg, const char *dir, int depth,
                         struct berth_error *err)
{
        if (depth > 64)
                return berth_error_set(err, ELOOP, "cgroup tree under '%s' too deep", dir);
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d) {
                if (errno == ENOENT)
                        return 0;
                return berth_error_errno(err, "open '%s'", dir);
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                if (de->d_type == DT_DIR) {
                        _cleanup_free_ char *sub = berth_strdup_printf("%s/%s", dir, de->d_name);
                        if (!sub)
                                return berth_error_set(err, ENOMEM, "out of memory");
                        int r = rmdir_tree_at(cg, sub, depth + 1, err);
                        if (r < 0)
                                return r;
                } else if (cg->plain_files && de->d_type == DT_REG) {
                        if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
                                return berth_error_errno(err, "unlink '%s/%s'", dir, de->d_name);
                }
        }
        int r = rmdir_retry(dir);
        if (r < 0)
                return berth_error_setsys(err, -r, "rmdir '%s'", dir);
        return 0;
}

int berth_cgroup_rmdir_tree(struct berth_cgroup *cg, const char *dir, struct berth_error *err)
{
        return rmdir_tree_at(cg, dir, 0, err);
}

int berth_cgroup_wait_for(const struct berth_cgroup *cg, const char *dir, const char *file,
                          const char *want, struct berth_error *err)
{
        long waited = 0, step = 1, limit = cg->wait_timeout_ms > 0 ? cg->wait_timeout_ms : 5000;
        for (;;) {
                _cleanup_free_ char *s = NULL;
                int r = berth_cgroup_read(dir, file, &s, err);
                if (r < 0)
                        return r;
                if (strstr(s, want))
                        return 0;
                if (waited >= limit)
                        return berth_error_set(err, EBUSY, "%s/%s: no '%s' after %ld ms", dir, file,
                                               want, waited);
                sleep_ms(step);
                waited += step;
                if (step < 50)
                        step *= 2;
        }
}

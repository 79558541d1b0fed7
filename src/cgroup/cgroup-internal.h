/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to src/cgroup/ and tests/unit/test_cgroup.c: the object layout, the backend ops
 * table, small file helpers shared by the backends, and the test hooks.  Nothing else in
 * berth includes this header.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/strutil.h"
#include "cgroup/cgroup.h"

/* One v1 hierarchy: the directory under fsroot ("cpu,cpuacct", "memory", "systemd"). */
struct berth_cgroup_hier {
        char *dir;          /* directory name under fsroot */
        char **controllers; /* "cpu", "cpuacct", "name=systemd", ... */
};

/* An alias symlink under fsroot ("cpu" -> "cpu,cpuacct"). */
struct berth_cgroup_alias {
        char *name;
        char *target;
};

struct berth_cgroup_ops;

struct berth_cgroup {
        char *fsroot; /* "/sys/fs/cgroup" */
        enum berth_cgroup_mode mode;
        char *path; /* normalised, absolute inside each hierarchy: "/berth/<id>" */
        char *id;
        const struct berth_cgroup_ops *ops;

        struct berth_cgroup_hier *hier; /* v1 and hybrid */
        size_t n_hier;
        struct berth_cgroup_alias *alias;
        size_t n_alias;

        /* Test hooks (never set outside tests). */
        bool plain_files;            /* fake tree: destroy unlinks plain files before rmdir */
        struct berth_buf *write_log; /* when non-NULL every write appends "file=value\n" */
        long wait_timeout_ms;        /* freeze wait; 0 = the default (5 s) */
};

struct berth_cgroup_ops {
        int (*create)(struct berth_cgroup *cg, struct berth_error *err);
        int (*apply)(struct berth_cgroup *cg, const struct berth_resources *res,
                     struct berth_error *err);
        int (*enter)(struct berth_cgroup *cg, pid_t pid, struct berth_error *err);
        int (*freeze)(struct berth_cgroup *cg, bool frozen, struct berth_error *err);
        int (*is_frozen)(struct berth_cgroup *cg, bool *frozen, struct berth_error *err);
        /* Directory whose cgroup.procs (recursively) lists the container's processes. */
        char *(*procs_dir)(struct berth_cgroup *cg);
        /* Kill without freeze when the kernel can (cgroup.kill); -EOPNOTSUPP otherwise. */
        int (*kill)(struct berth_cgroup *cg, int sig, struct berth_error *err);
        int (*stats)(struct berth_cgroup *cg, json_t *out, struct berth_error *err);
        int (*destroy)(struct berth_cgroup *cg, struct berth_error *err);
        int (*oom_killed)(struct berth_cgroup *cg, bool *killed, struct berth_error *err);
};

extern const struct berth_cgroup_ops berth_cgroup_v1_ops;
extern const struct berth_cgroup_ops berth_cgroup_v2_ops;

/* Test hook: like berth_cgroup_new() but with the mode given instead of detected by
 * statfs, and v1 hierarchies found by listing directories under fsroot. */
int berth_cgroup_new_with_mode(const char *fsroot, enum berth_cgroup_mode mode,
                               const char *cgroups_path, const char *id, struct berth_cgroup **out,
                               struct berth_error *err);

/* Resolve linux.cgroupsPath to a normalised absolute path ("/a/b"). */
int berth_cgroup_resolve_path(const char *cgroups_path, const char *id, char **out,
                              struct berth_error *err);

/* ---- helpers shared by the backends (cgroup.c) ---- */

/* "<fsroot>/<sub>/<path>" (sub may be NULL or "" for pure v2). */
char *berth_cgroup_dir(const struct berth_cgroup *cg, const char *sub);
/* The v1 hierarchy directory name holding `controller`, or NULL. */
const char *berth_cgroup_v1_dir_for(const struct berth_cgroup *cg, const char *controller);

/* Write value to dir/file (O_TRUNC), logged to cg->write_log. */
int berth_cgroup_write(struct berth_cgroup *cg, const char *dir, const char *file,
                       const char *value, struct berth_error *err);
int berth_cgroup_writef(struct berth_cgroup *cg, const char *dir, const char *file,
                        struct berth_error *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Read dir/file (small), trailing newline stripped. */
int berth_cgroup_read(const char *dir, const char *file, char **out, struct berth_error *err);
/* Read a single unsigned number ("max" gives UINT64_MAX). */
int berth_cgroup_read_u64(const char *dir, const char *file, uint64_t *out,
                          struct berth_error *err);
/* Find "key N" in a flat keyed file (memory.stat, cpu.stat, memory.events). */
int berth_cgroup_read_keyed(const char *dir, const char *file, const char *key, uint64_t *out,
                            struct berth_error *err);
bool berth_cgroup_file_exists(const char *dir, const char *file);

/* mkdir every component of cg->path below base (which must exist). */
int berth_cgroup_mkdir_path(struct berth_cgroup *cg, const char *base, struct berth_error *err);
/* Remove base+cg->path and every cgroup below it, deepest first (EBUSY retried). */
int berth_cgroup_rmdir_tree(struct berth_cgroup *cg, const char *dir, struct berth_error *err);
/* Poll dir/file until its content contains `want` (bounded wait); -EBUSY on timeout. */
int berth_cgroup_wait_for(const struct berth_cgroup *cg, const char *dir, const char *file,
                          const char *want, struct berth_error *err);

/* Add a keyed file as a JSON object (every "key value" line). */
int berth_cgroup_json_keyed(const char *dir, const char *file, json_t *obj);
/* Enable `wanted` controllers (those the host offers) in cgroup.subtree_control of base and
 * every ancestor of the container's cgroup below it (cgroup_v2.c; hybrid uses it for the
 * unified hierarchy).  strict: a controller that is not offered or cannot be enabled is an
 * error; otherwise it is skipped. */
int berth_cgroup_v2_enable(struct berth_cgroup *cg, const char *base, char *const *wanted,
                           bool strict, struct berth_error *err);

/* Statistics (cgroup_stats.c), runc `events --stats` shape. */
int berth_cgroup_v1_stats(struct berth_cgroup *cg, json_t *out, struct berth_error *err);
int berth_cgroup_v2_stats(struct berth_cgroup *cg, json_t *out, struct berth_error *err);

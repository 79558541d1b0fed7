/* SPDX-License-Identifier: Apache-2.0 */
/* The default config.json that `berth-runtime spec` writes. */
#include "runtime/spec.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/json.h"
#include "basic/banned.h"

static const char *const default_caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};

static const char *const masked_paths[] = {
    "/proc/acpi",          "/proc/asound",     "/proc/kcore",       "/proc/keys",
    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
    "/sys/firmware",       "/proc/scsi",
};

static const char *const readonly_paths[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                             "/proc/sysrq-trigger"};

/* json_pack with a NULL-terminated list, built by hand: jansson takes ownership of each
 * element through json_array_append_new. */
static json_t *str_array(const char *const *v, size_t n)
{
        json_t *a = json_array();
        for (size_t i = 0; a && i < n; i++)
                if (json_array_append_new(a, json_string(v[i])) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

static json_t *default_process(bool rootless)
{
        json_t *caps = json_object();
        static const char *const sets[] = {"bounding", "effective", "permitted", "ambient"};
        for (size_t i = 0; caps && i < ARRAY_SIZE(sets); i++)
                json_object_set_new(caps, sets[i],
                                    str_array(default_caps, ARRAY_SIZE(default_caps)));
        (void)rootless;
        return json_pack("{s:b, s:{s:i, s:i}, s:[s], s:[s, s], s:s, s:o, s:[{s:s, s:i, s:i}], "
                         "s:b}",
                         "terminal", 1, "user", "uid", 0, "gid", 0, "args", "sh", "env",
                         "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                         "TERM=xterm", "cwd", "/", "capabilities", caps, "rlimits", "type",
                         "RLIMIT_NOFILE", "hard", 1024, "soft", 1024, "noNewPrivileges", 1);
}

static json_t *mount(const char *dest, const char *type, const char *source,
                     const char *const *opts, size_t n)
{
        json_t *m =
            json_pack("{s:s, s:s, s:s}", "destination", dest, "type", type, "source", source);
        if (m && n > 0)
                json_object_set_new(m, "options", str_array(opts, n));
        return m;
}

static json_t *default_mounts(bool rootless)
{
        static const char *const dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k"};
        static const char *const pts[] = {"nosuid",        "noexec",    "newinstance",
                                          "ptmxmode=0666", "mode=0620", "gid=5"};
        static const char *const shm[] = {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"};
        static const char *const mq[] = {"nosuid", "noexec", "nodev"};
        static const char *const sys[] = {"nosuid", "noexec", "nodev", "ro"};
        static const char *const sys_rootless[] = {"rbind", "nosuid", "noexec", "nodev", "ro"};
        static const char *const cg[] = {"nosuid", "noexec", "nodev", "relatime", "ro"};

        json_t *a = json_array();
        if (!a)
                return NULL;
        json_array_append_new(a, mount("/proc", "proc", "proc", NULL, 0));
        json_array_append_new(a, mount("/dev", "tmpfs", "tmpfs", dev, ARRAY_SIZE(dev)));
        /* an unprivileged user has no gid 5 mapped: leave gid= out */
        json_array_append_new(a, mount("/dev/pts", "devpts", "devpts", pts,
                                       rootless ? ARRAY_SIZE(pts) - 1 : ARRAY_SIZE(pts)));
        json_array_append_new(a, mount("/dev/shm", "tmpfs", "shm", shm, ARRAY_SIZE(shm)));
        json_array_append_new(a, mount("/dev/mqueue", "mqueue", "mqueue", mq, ARRAY_SIZE(mq)));
        if (rootless)
                json_array_append_new(
                    a, mount("/sys", "none", "/sys", sys_rootless, ARRAY_SIZE(sys_rootless)));
        else
                json_array_append_new(a, mount("/sys", "sysfs", "sysfs", sys, ARRAY_SIZE(sys)));
        json_array_append_new(a, mount("/sys/fs/cgroup", "cgroup", "cgroup", cg, ARRAY_SIZE(cg)));
        if (json_array_size(a) != 7) {
                json_decref(a);
                return NULL;
        }
        return a;
}

static json_t *default_linux(bool rootless)
{
        json_t *ns = json_array();
        static const char *const names[] = {"pid", "network", "ipc", "uts", "mount", "cgroup"};
        for (size_t i = 0; ns && i < ARRAY_SIZE(names); i++) {
                if (rootless && strcmp(names[i], "network") == 0)
                        continue;
                json_array_append_new(ns, json_pack("{s:s}", "type", names[i]));
        }
        if (rootless && ns)
                json_array_append_new(ns, json_pack("{s:s}", "type", "user"));
        json_t *l = json_pack("{s:o, s:o, s:o}", "namespaces", ns, "maskedPaths",
                              str_array(masked_paths, ARRAY_SIZE(masked_paths)), "readonlyPaths",
                              str_array(readonly_paths, ARRAY_SIZE(readonly_paths)));
        if (!l)
                return NULL;
        if (rootless) {
                json_object_set_new(l, "uidMappings",
                                    json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
                                              (json_int_t)geteuid(), "size", 1));
                json_object_set_new(l, "gidMappings",
                                    json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
                                              (json_int_t)getegid(), "size", 1));
        } else {
                json_object_set_new(
                    l, "resources",
                    json_pack("{s:[{s:b, s:s}]}", "devices", "allow", 0, "access", "rwm"));
        }
        return l;
}

int berth_spec_default_json(bool rootless, char **out, struct berth_error *err)
{
        *out = NULL;
        _cleanup_json_ json_t *root = json_pack(
            "{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", "1.2.0", "process",
            default_process(rootless), "root", "path", "rootfs", "readonly", 1, "hostname", "berth",
            "mounts", default_mounts(rootless), "linux", default_linux(rootless));
        if (!root)
                return berth_error_set(err, ENOMEM, "out of memory building the default config");
        char *s = berth_json_dump(root, true);
        if (!s)
                return berth_error_set(err, ENOMEM, "out of memory building the default config");
        *out = s;
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* berth-runtime features: the OCI features document (runtime-spec features.md). */
#include <jansson.h>

#include "cli/runtime/cli_internal.h"
#include "runtime/spec.h"
#include "basic/banned.h"

static json_t *strings(const char *const *v)
{
        json_t *a = json_array();
        for (; a && *v; v++)
                json_array_append_new(a, json_string(*v));
        return a;
}

json_t *cli_features_json(void)
{
        static const char *const hooks[] = {"prestart",
                                            "createRuntime",
                                            "createContainer",
                                            "startContainer",
                                            "poststart",
                                            "poststop",
                                            NULL};
        static const char *const mount_options[] = {
            "async",         "atime",        "bind",
            "defaults",      "dev",          "diratime",
            "dirsync",       "exec",         "idmap",
            "iversion",      "lazytime",     "loud",
            "mand",          "noatime",      "nodev",
            "nodiratime",    "noexec",       "noiversion",
            "nolazytime",    "nomand",       "norelatime",
            "nostrictatime", "nosuid",       "nosymfollow",
            "private",       "ratime",       "rbind",
            "rdev",          "rdiratime",    "relatime",
            "remount",       "rexec",        "ridmap",
            "rnoatime",      "rnodev",       "rnodiratime",
            "rnoexec",       "rnorelatime",  "rnostrictatime",
            "rnosuid",       "rnosymfollow", "ro",
            "rprivate",      "rrelatime",    "rro",
            "rrw",           "rshared",      "rslave",
            "rstrictatime",  "rsuid",        "rsymfollow",
            "runbindable",   "rw",           "shared",
            "silent",        "slave",        "strictatime",
            "suid",          "symfollow",    "sync",
            "tmpcopyup",     "unbindable",   NULL};
        static const char *const ns[] = {"cgroup", "ipc",  "mount", "network", "pid",
                                         "time",   "user", "uts",   NULL};
        static const char *const actions[] = {"SCMP_ACT_ALLOW",       "SCMP_ACT_ERRNO",
                                              "SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
                                              "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
                                              "SCMP_ACT_NOTIFY",      "SCMP_ACT_TRACE",
                                              "SCMP_ACT_TRAP",        NULL};
        static const char *const operators[] = {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
                                                "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
                                                "SCMP_CMP_NE", NULL};
        static const char *const archs[] = {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",
                                            "SCMP_ARCH_X32",     "SCMP_ARCH_X86",
                                            "SCMP_ARCH_X86_64",  NULL};
        static const char *const sflags[] = {"SECCOMP_FILTER_FLAG_LOG",
                                             "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                                             "SECCOMP_FILTER_FLAG_TSYNC", NULL};
        json_t *caps = json_array();
        int last = berth_cap_last_cap();
        for (int c = 0; caps && c <= last; c++) {
                const char *n = berth_cap_to_name(c);
                if (n)
                        json_array_append_new(caps, json_string(n));
        }
        json_t *f = json_object(), *linux = json_object(), *cg = json_object(), *sc = json_object();
        if (!f || !linux || !cg || !sc) {
                json_decref(f);
                json_decref(linux);
                json_decref(cg);
                json_decref(sc);
                json_decref(caps);
                return NULL;
        }
        json_object_set_new(f, "ociVersionMin", json_string("1.0.0"));
        json_object_set_new(f, "ociVersionMax", json_string("1.2.0"));
        json_object_set_new(f, "hooks", strings(hooks));
        json_object_set_new(f, "mountOptions", strings(mount_options));
        json_object_set_new(linux, "namespaces", strings(ns));
        json_object_set_new(linux, "capabilities", caps);
        json_object_set_new(cg, "v1", json_true());
        json_object_set_new(cg, "v2", json_true());
        json_object_set_new(cg, "systemd", json_false());
        json_object_set_new(cg, "systemdUser", json_false());
        json_object_set_new(linux, "cgroup", cg);
        json_object_set_new(sc, "enabled", json_true());
        json_object_set_new(sc, "actions", strings(actions));
        json_object_set_new(sc, "operators", strings(operators));
        json_object_set_new(sc, "archs", strings(archs));
        json_object_set_new(sc, "knownFlags", strings(sflags));
        json_object_set_new(sc, "supportedFlags", strings(sflags));
        json_object_set_new(linux, "seccomp", sc);
        json_object_set_new(linux, "apparmor", json_pack("{s:b}", "enabled", 0));
        json_object_set_new(linux, "selinux", json_pack("{s:b}", "enabled", 0));
        json_object_set_new(linux, "intelRdt", json_pack("{s:b}", "enabled", 0));
        json_object_set_new(linux, "mountExtensions",
                            json_pack("{s:{s:b}}", "idmap", "enabled", 1));
        json_object_set_new(f, "linux", linux);
        json_object_set_new(f, "annotations", json_object());
        return f;
}

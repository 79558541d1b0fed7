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
        return json_pack("{s:s,s:s,s:o,s:o,s:{s:o,s:o,s:{s:b,s:b,s:b},s:{s:b,s:o,s:o,s:o,s:o,s:o},"
                         "s:{s:b},s:{s:b},s:{s:b},s:{s:b},s:{s:b}},s:{}}",
                         "ociVersionMin", "1.0.0", "ociVersionMax", "1.2.0", "hooks",
                         strings(hooks), "mountOptions", strings(mount_options), "linux",
                         "namespaces", strings(ns), "capabilities", caps, "cgroup", "v1", 1, "v2",
                         1, "systemd", 0, "seccomp", "enabled", 1, "actions", strings(actions),
                         "operators", strings(operators), "archs", strings(archs), "knownFlags",
                         strings(sflags), "supportedFlags", strings(sflags), "apparmor", "enabled",
                         0, "selinux", "enabled", 0, "intelRdt", "enabled", 0, "mountExtensions",
                         "idmap", "enabled", 1, "netDevices", "enabled", 0, "annotations");
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the config.json parser (src/runtime/spec*.c, names.c, spec_default.c). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "basic/cleanup.h"
#include "basic/strutil.h"
#include "runtime/spec.h"
#include "basic/banned.h"

#ifndef MOUNT_ATTR_NOSUID
#define MOUNT_ATTR_NOSUID  0x00000002
#define MOUNT_ATTR__ATIME  0x00000070
#define MOUNT_ATTR_NOATIME 0x00000010
#endif

static const char full_config[] =
    "{\n"
    "  \"ociVersion\": \"1.2.0\",\n"
    "  \"process\": {\n"
    "    \"terminal\": true,\n"
    "    \"consoleSize\": {\"height\": 25, \"width\": 80},\n"
    "    \"user\": {\"uid\": 1000, \"gid\": 1001, \"umask\": 18, \"additionalGids\": [5, 6, 7]},\n"
    "    \"args\": [\"/bin/sh\", \"-c\", \"echo hi\"],\n"
    "    \"env\": [\"PATH=/usr/bin:/bin\", \"TERM=xterm\", \"EMPTY=\"],\n"
    "    \"cwd\": \"/work\",\n"
    "    \"capabilities\": {\n"
    "      \"bounding\": [\"CAP_CHOWN\", \"CAP_KILL\", \"CAP_CHECKPOINT_RESTORE\"],\n"
    "      \"effective\": [\"CAP_KILL\"],\n"
    "      \"inheritable\": [],\n"
    "      \"permitted\": [\"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
    "      \"ambient\": [\"CAP_NET_BIND_SERVICE\"]\n"
    "    },\n"
    "    \"rlimits\": [\n"
    "      {\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": 4096},\n"
    "      {\"type\": \"RLIMIT_CORE\", \"soft\": -1, \"hard\": -1}\n"
    "    ],\n"
    "    \"noNewPrivileges\": true,\n"
    "    \"apparmorProfile\": \"berth-default\",\n"
    "    \"selinuxLabel\": \"system_u:system_r:container_t:s0\",\n"
    "    \"oomScoreAdj\": -500,\n"
    "    \"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 4},\n"
    "    \"scheduler\": {\"policy\": \"SCHED_BATCH\", \"nice\": 5, \"flags\": "
    "[\"SCHED_FLAG_RESET_ON_FORK\"]},\n"
    "    \"execCPUAffinity\": {\"initial\": \"0\", \"final\": \"0-1,3\"}\n"
    "  },\n"
    "  \"root\": {\"path\": \"rootfs\", \"readonly\": true},\n"
    "  \"hostname\": \"box\",\n"
    "  \"domainname\": \"example.org\",\n"
    "  \"mounts\": [\n"
    "    {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},\n"
    "    {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
    "     \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},\n"
    "    {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"/srv/data\",\n"
    "     \"options\": [\"rbind\", \"rprivate\", \"ro\", \"nodev\", \"rnosuid\", \"rnoatime\"]},\n"
    "    {\"destination\": \"relative/dir\", \"source\": \"/srv/x\", \"options\": [\"bind\", "
    "\"rw\", \"suid\"]},\n"
    "    {\"destination\": \"/idmapped\", \"type\": \"bind\", \"source\": \"/srv/id\", "
    "\"options\": [\"bind\"],\n"
    "     \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],\n"
    "     \"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]}\n"
    "  ],\n"
    "  \"hooks\": {\n"
    "    \"prestart\": [{\"path\": \"/usr/bin/hook\", \"args\": [\"hook\", \"prestart\"], \"env\": "
    "[\"A=1\"], \"timeout\": 5}],\n"
    "    \"createRuntime\": [{\"path\": \"/usr/bin/hook\"}],\n"
    "    \"createContainer\": [{\"path\": \"/usr/bin/hook\"}],\n"
    "    \"startContainer\": [{\"path\": \"/usr/bin/hook\"}],\n"
    "    \"poststart\": [{\"path\": \"/usr/bin/hook\"}, {\"path\": \"/bin/true\"}],\n"
    "    \"poststop\": [{\"path\": \"/usr/bin/hook\", \"timeout\": 1}]\n"
    "  },\n"
    "  \"annotations\": {\"org.example.key\": \"value\", \"com.example.other\": \"\"},\n"
    "  \"linux\": {\n"
    "    \"namespaces\": [\n"
    "      {\"type\": \"pid\"}, {\"type\": \"network\", \"path\": \"/var/run/netns/x\"}, "
    "{\"type\": \"ipc\"},\n"
    "      {\"type\": \"uts\"}, {\"type\": \"mount\"}, {\"type\": \"user\"}, {\"type\": "
    "\"cgroup\"}, {\"type\": \"time\"}\n"
    "    ],\n"
    "    \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 1000},\n"
    "                    {\"containerID\": 1000, \"hostID\": 1000, \"size\": 1}],\n"
    "    \"gidMappings\": [{\"containerID\": 0, \"hostID\": 200000, \"size\": 65536}],\n"
    "    \"timeOffsets\": {\"boottime\": {\"secs\": -10, \"nanosecs\": 5}, \"monotonic\": "
    "{\"secs\": 100}},\n"
    "    \"devices\": [\n"
    "      {\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229, \"fileMode\": "
    "438, \"uid\": 0, \"gid\": 0},\n"
    "      {\"path\": \"/dev/loop0\", \"type\": \"b\", \"major\": 7, \"minor\": 0},\n"
    "      {\"path\": \"/dev/fifo\", \"type\": \"p\"}\n"
    "    ],\n"
    "    \"cgroupsPath\": \"/berth/abc\",\n"
    "    \"resources\": {\n"
    "      \"devices\": [\n"
    "        {\"allow\": false, \"access\": \"rwm\"},\n"
    "        {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"mr\"},\n"
    "        {\"allow\": true, \"type\": \"c\", \"major\": 136, \"access\": \"rw\"}\n"
    "      ],\n"
    "      \"memory\": {\"limit\": 536870912, \"reservation\": 268435456, \"swap\": -1, "
    "\"kernel\": -1,\n"
    "                 \"kernelTCP\": 1048576, \"swappiness\": 60, \"disableOOMKiller\": true,\n"
    "                 \"useHierarchy\": true, \"checkBeforeUpdate\": true},\n"
    "      \"cpu\": {\"shares\": 1024, \"quota\": 50000, \"burst\": 10000, \"period\": 100000,\n"
    "              \"realtimeRuntime\": 950000, \"realtimePeriod\": 1000000, \"cpus\": \"0-1\", "
    "\"mems\": \"0\", \"idle\": 1},\n"
    "      \"pids\": {\"limit\": 0},\n"
    "      \"blockIO\": {\"weight\": 500, \"leafWeight\": 300,\n"
    "                  \"weightDevice\": [{\"major\": 8, \"minor\": 0, \"weight\": 600, "
    "\"leafWeight\": 100}],\n"
    "                  \"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": "
    "1048576}],\n"
    "                  \"throttleWriteBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": "
    "2097152}],\n"
    "                  \"throttleReadIOPSDevice\": [{\"major\": 8, \"minor\": 16, \"rate\": "
    "100}],\n"
    "                  \"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 16, \"rate\": "
    "200}]},\n"
    "      \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 209715200}, {\"pageSize\": "
    "\"1GB\", \"limit\": 0}],\n"
    "      \"network\": {\"classID\": 1048577, \"priorities\": [{\"name\": \"eth0\", \"priority\": "
    "500}]},\n"
    "      \"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3, \"hcaObjects\": 10000}},\n"
    "      \"unified\": {\"memory.high\": \"1073741824\", \"io.weight\": \"default 100\"}\n"
    "    },\n"
    "    \"sysctl\": {\"net.ipv4.ip_forward\": \"1\", \"kernel.msgmax\": \"8192\"},\n"
    "    \"seccomp\": {\n"
    "      \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
    "      \"defaultErrnoRet\": 1,\n"
    "      \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"],\n"
    "      \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"],\n"
    "      \"listenerPath\": \"/run/seccomp-agent.sock\",\n"
    "      \"listenerMetadata\": \"meta\",\n"
    "      \"syscalls\": [\n"
    "        {\"names\": [\"read\", \"write\", \"exit_group\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
    "        {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
    "         \"args\": [{\"index\": 0, \"value\": 4294967295, \"op\": \"SCMP_CMP_EQ\"}]},\n"
    "        {\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
    "         \"args\": [{\"index\": 0, \"value\": 2114060288, \"valueTwo\": 0, \"op\": "
    "\"SCMP_CMP_MASKED_EQ\"}]},\n"
    "        {\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38},\n"
    "        {\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"},\n"
    "        {\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"}\n"
    "      ]\n"
    "    },\n"
    "    \"rootfsPropagation\": \"rslave\",\n"
    "    \"maskedPaths\": [\"/proc/kcore\", \"/sys/firmware\"],\n"
    "    \"readonlyPaths\": [\"/proc/sys\", \"/proc/sysrq-trigger\"],\n"
    "    \"mountLabel\": \"system_u:object_r:container_file_t:s0\",\n"
    "    \"personality\": {\"domain\": \"LINUX32\"},\n"
    "    \"intelRdt\": {\"closID\": \"guaranteed\"},\n"
    "    \"netDevices\": {\"eth1\": {\"name\": \"net1\"}}\n"
    "  },\n"
    "  \"unknownTopLevelKey\": {\"ignored\": true}\n"
    "}\n";

#define CAP(n) (UINT64_C(1) << (n))

static struct berth_spec *parse_ok(const char *json)
{
        struct berth_error err = {0};
        struct berth_spec *s = NULL;
        int r = berth_spec_parse(json, strlen(json), &s, &err);
        if (r < 0)
                fail_msg("parse failed: %s\n%s", err.msg, json);
        assert_non_null(s);
        return s;
}

static void check_full_process(const struct berth_spec *s)
{
        assert_string_equal(s->oci_version, "1.2.0");
        assert_true(s->has_process);
        const struct berth_process *p = &s->process;
        assert_true(p->terminal);
        assert_true(p->has_console_size);
        assert_int_equal(p->console_height, 25);
        assert_int_equal(p->console_width, 80);
        assert_int_equal(p->user.uid, 1000);
        assert_int_equal(p->user.gid, 1001);
        assert_true(p->user.has_umask);
        assert_int_equal(p->user.umask, 022);
        assert_int_equal(p->user.n_additional_gids, 3);
        assert_int_equal(p->user.additional_gids[2], 7);
        assert_int_equal(berth_strv_length(p->args), 3);
        assert_string_equal(p->args[2], "echo hi");
        assert_int_equal(berth_strv_length(p->env), 3);
        assert_string_equal(p->env[2], "EMPTY=");
        assert_string_equal(p->cwd, "/work");
        assert_true(p->caps.present);
        assert_int_equal(p->caps.bounding, CAP(0) | CAP(5) | CAP(40));
        assert_int_equal(p->caps.effective, CAP(5));
        assert_int_equal(p->caps.inheritable, 0);
        assert_int_equal(p->caps.permitted, CAP(5) | CAP(10));
        assert_int_equal(p->caps.ambient, CAP(10));
        assert_int_equal(p->n_rlimits, 2);
        assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
        assert_int_equal(p->rlimits[0].soft, 1024);
        assert_int_equal(p->rlimits[0].hard, 4096);
        assert_int_equal(p->rlimits[1].resource, RLIMIT_CORE);
        assert_true(p->rlimits[1].soft == UINT64_MAX && p->rlimits[1].hard == UINT64_MAX);
        assert_true(p->no_new_privileges);
        assert_string_equal(p->apparmor_profile, "berth-default");
        assert_string_equal(p->selinux_label, "system_u:system_r:container_t:s0");
        assert_true(p->has_oom_score_adj);
        assert_int_equal(p->oom_score_adj, -500);
        assert_true(p->has_io_priority);
        assert_int_equal(p->io_priority_class, 2);
        assert_int_equal(p->io_priority, 4);
        assert_true(p->has_scheduler);
        assert_int_equal(p->sched_policy, 3);
        assert_int_equal(p->sched_nice, 5);
        assert_int_equal(p->sched_flags, 1);
        assert_string_equal(p->exec_cpu_affinity_initial, "0");
        assert_string_equal(p->exec_cpu_affinity_final, "0-1,3");
}

static void check_full_mounts_hooks(const struct berth_spec *s)
{
        assert_string_equal(s->root_path, "rootfs");
        assert_true(s->root_readonly);
        assert_string_equal(s->hostname, "box");
        assert_string_equal(s->domainname, "example.org");

        assert_int_equal(s->n_mounts, 5);
        assert_string_equal(s->mounts[0].destination, "/proc");
        assert_string_equal(s->mounts[0].type, "proc");
        assert_false(s->mounts[0].is_bind);
        assert_null(s->mounts[0].data);
        assert_int_equal(s->mounts[1].flags, MS_NOSUID | MS_STRICTATIME);
        assert_string_equal(s->mounts[1].data, "mode=755,size=65536k");
        const struct berth_mount *m = &s->mounts[2];
        assert_true(m->is_bind);
        assert_int_equal(m->flags, MS_BIND | MS_REC | MS_RDONLY | MS_NODEV);
        assert_int_equal(m->propagation, MS_PRIVATE | MS_REC);
        assert_int_equal(m->attr_set, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOATIME);
        assert_int_equal(m->attr_clr, MOUNT_ATTR__ATIME);
        assert_null(m->data);
        assert_int_equal(berth_strv_length(m->options), 6);
        m = &s->mounts[3];
        assert_string_equal(m->destination, "/relative/dir");
        assert_null(m->type);
        assert_true(m->is_bind);
        assert_int_equal(m->flags, MS_BIND);
        assert_int_equal(m->clear_flags, MS_RDONLY | MS_NOSUID);
        m = &s->mounts[4];
        assert_true(m->idmap);
        assert_int_equal(m->n_uid_mappings, 1);
        assert_int_equal(m->uid_mappings[0].host_id, 100000);
        assert_int_equal(m->gid_mappings[0].size, 65536);

        assert_int_equal(s->n_hooks[BERTH_HOOK_PRESTART], 1);
        const struct berth_hook *h = &s->hooks[BERTH_HOOK_PRESTART][0];
        assert_string_equal(h->path, "/usr/bin/hook");
        assert_string_equal(h->args[1], "prestart");
        assert_string_equal(h->env[0], "A=1");
        assert_true(h->has_timeout);
        assert_int_equal(h->timeout, 5);
        for (int k = 0; k < BERTH_HOOK__COUNT; k++)
                assert_true(s->n_hooks[k] >= 1);
        assert_int_equal(s->n_hooks[BERTH_HOOK_POSTSTART], 2);
        assert_false(s->hooks[BERTH_HOOK_POSTSTART][1].has_timeout);
        assert_int_equal(s->n_annotations, 2);
        assert_string_equal(s->annotations[0].key, "org.example.key");
        assert_string_equal(s->annotations[0].value, "value");
}

static void check_full_linux(const struct berth_spec *s)
{
        for (int t = 0; t < BERTH_NS__COUNT; t++)
                assert_true(s->namespaces[t].enabled);
        assert_string_equal(s->namespaces[BERTH_NS_NETWORK].path, "/var/run/netns/x");
        assert_null(s->namespaces[BERTH_NS_PID].path);
        assert_int_equal(s->n_uid_mappings, 2);
        assert_int_equal(s->uid_mappings[1].container_id, 1000);
        assert_int_equal(s->uid_mappings[1].host_id, 1000);
        assert_int_equal(s->n_gid_mappings, 1);
        assert_int_equal(s->gid_mappings[0].host_id, 200000);
        assert_true(s->has_time_offsets);
        assert_int_equal(s->time_offset_boottime_secs, -10);
        assert_int_equal(s->time_offset_boottime_nanosecs, 5);
        assert_int_equal(s->time_offset_monotonic_secs, 100);

        assert_int_equal(s->n_devices, 3);
        assert_int_equal(s->devices[0].type, 'c');
        assert_int_equal(s->devices[0].major, 10);
        assert_int_equal(s->devices[0].minor, 229);
        assert_true(s->devices[0].has_file_mode);
        assert_int_equal(s->devices[0].file_mode, 0666);
        assert_true(s->devices[0].has_uid);
        assert_int_equal(s->devices[2].type, 'p');
        assert_false(s->devices[1].has_file_mode);
        assert_string_equal(s->cgroups_path, "/berth/abc");
}

static void check_full_resources(const struct berth_spec *s)
{
        assert_true(s->has_resources);
        const struct berth_resources *r = &s->resources;
        assert_int_equal(r->n_devices, 3);
        assert_false(r->devices[0].allow);
        assert_int_equal(r->devices[0].type, 'a');
        assert_int_equal(r->devices[0].major, -1);
        assert_int_equal(r->devices[0].minor, -1);
        assert_string_equal(r->devices[0].access, "rwm");
        assert_string_equal(r->devices[1].access, "rm");
        assert_int_equal(r->devices[2].major, 136);
        assert_int_equal(r->devices[2].minor, -1);
        assert_true(r->has_mem_limit);
        assert_int_equal(r->mem_limit, 536870912);
        assert_int_equal(r->mem_reservation, 268435456);
        assert_int_equal(r->mem_swap, -1);
        assert_int_equal(r->mem_kernel, -1);
        assert_int_equal(r->mem_kernel_tcp, 1048576);
        assert_true(r->has_mem_swappiness);
        assert_int_equal(r->mem_swappiness, 60);
        assert_true(r->mem_disable_oom_killer);
        assert_true(r->mem_use_hierarchy);
        assert_true(r->mem_check_before_update);
        assert_int_equal(r->cpu_shares, 1024);
        assert_int_equal(r->cpu_quota, 50000);
        assert_int_equal(r->cpu_burst, 10000);
        assert_int_equal(r->cpu_period, 100000);
        assert_int_equal(r->cpu_realtime_runtime, 950000);
        assert_int_equal(r->cpu_realtime_period, 1000000);
        assert_true(r->has_cpu_idle);
        assert_int_equal(r->cpu_idle, 1);
        assert_string_equal(r->cpuset_cpus, "0-1");
        assert_string_equal(r->cpuset_mems, "0");
        assert_true(r->has_pids_limit);
        assert_int_equal(r->pids_limit, -1);
        assert_int_equal(r->blkio_weight, 500);
        assert_int_equal(r->blkio_leaf_weight, 300);
        assert_int_equal(r->n_blkio_weight_devices, 1);
        assert_int_equal(r->blkio_weight_devices[0].weight, 600);
        assert_int_equal(r->blkio_weight_devices[0].leaf_weight, 100);
        assert_int_equal(r->n_throttle_read_bps, 1);
        assert_int_equal(r->throttle_read_bps[0].rate, 1048576);
        assert_int_equal(r->throttle_write_bps[0].rate, 2097152);
        assert_int_equal(r->throttle_read_iops[0].minor, 16);
        assert_int_equal(r->throttle_write_iops[0].rate, 200);
        assert_int_equal(r->n_hugepage_limits, 2);
        assert_string_equal(r->hugepage_limits[1].page_size, "1GB");
        assert_int_equal(r->hugepage_limits[0].limit, 209715200);
        assert_true(r->has_net_class_id);
        assert_int_equal(r->net_class_id, 1048577);
        assert_string_equal(r->net_priorities[0].key, "eth0");
        assert_string_equal(r->net_priorities[0].value, "500");
        assert_int_equal(r->n_unified, 2);
        assert_string_equal(r->unified[1].value, "default 100");
}

static void check_full_seccomp_misc(const struct berth_spec *s)
{
        assert_int_equal(s->n_sysctl, 2);
        assert_string_equal(s->sysctl[0].key, "net.ipv4.ip_forward");
        assert_true(s->has_seccomp);
        const struct berth_seccomp *sc = &s->seccomp;
        assert_int_equal(sc->default_action, BERTH_SECCOMP_ERRNO);
        assert_true(sc->has_default_errno_ret);
        assert_int_equal(sc->default_errno_ret, 1);
        assert_int_equal(berth_strv_length(sc->architectures), 3);
        assert_string_equal(sc->flags[0], "SECCOMP_FILTER_FLAG_LOG");
        assert_string_equal(sc->listener_path, "/run/seccomp-agent.sock");
        assert_string_equal(sc->listener_metadata, "meta");
        assert_int_equal(sc->n_syscalls, 6);
        assert_int_equal(berth_strv_length(sc->syscalls[0].names), 3);
        assert_int_equal(sc->syscalls[1].args[0].value, 4294967295u);
        assert_int_equal(sc->syscalls[1].args[0].op, BERTH_SECCOMP_OP_EQ);
        assert_int_equal(sc->syscalls[2].args[0].op, BERTH_SECCOMP_OP_MASKED_EQ);
        assert_int_equal(sc->syscalls[2].args[0].value, 2114060288);
        assert_true(sc->syscalls[3].has_errno_ret);
        assert_int_equal(sc->syscalls[3].errno_ret, 38);
        assert_int_equal(sc->syscalls[4].action, BERTH_SECCOMP_NOTIFY);
        assert_int_equal(sc->syscalls[5].action, BERTH_SECCOMP_KILL_PROCESS);
        assert_int_equal(s->rootfs_propagation, MS_SLAVE | MS_REC);
        assert_int_equal(berth_strv_length(s->masked_paths), 2);
        assert_string_equal(s->readonly_paths[1], "/proc/sysrq-trigger");
        assert_string_equal(s->mount_label, "system_u:object_r:container_file_t:s0");
        assert_true(s->personality.present);
        assert_int_equal(s->personality.domain, PER_LINUX32);
        assert_string_equal(s->intel_rdt_clos_id, "guaranteed");
}

static void test_full_config(void **state)
{
        (void)state;
        _cleanup_spec_ struct berth_spec *s = parse_ok(full_config);
        check_full_process(s);
        check_full_mounts_hooks(s);
        check_full_linux(s);
        check_full_resources(s);
        check_full_seccomp_misc(s);
}

/* A minimal valid config with `extra` spliced in at the top level. */
static char *cfg(const char *extra)
{
        return berth_strdup_printf(
            "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}%s%s}", *extra ? ", " : "",
            extra);
}

struct bad_case {
        const char *json; /* spliced into a minimal config, or a whole document if raw */
        const char *msg;  /* expected substring of the error */
        bool raw;
};

static const struct bad_case bad_cases[] = {
    {"not json", "invalid JSON", true},
    {"[]", "must be a JSON object", true},
    {"{\"root\": {\"path\": \"r\"}}", "ociVersion is required", true},
    {"{\"ociVersion\": \"2.0.0\", \"root\": {\"path\": \"r\"}}",
     "ociVersion: unsupported version '2.0.0'", true},
    {"{\"ociVersion\": \"1.0.0\"}", "root is required", true},
    {"{\"ociVersion\": \"1.0.0\", \"root\": {}}", "root.path is required", true},
    {"{\"ociVersion\": \"1.0.0\", \"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}}",
     "duplicate", true},
    {"\"windows\": {}", "berth runs Linux containers; config has a 'windows' section", false},
    {"\"solaris\": {}", "config has a 'solaris' section", false},
    {"\"vm\": {\"hypervisor\": {}}", "config has a 'vm' section", false},
    {"{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": 5}}", "root.path must be a string", true},
    {"\"hostname\": 7", "hostname must be a string", false},
    {"\"hostname\": \"h\"", "hostname needs a uts namespace", false},
    {"\"process\": {\"cwd\": \"/\", \"args\": [\"sh\", 1]}", "process.args[1] must be a string",
     false},
    {"\"process\": {\"cwd\": \"/\", \"args\": []}", "process.args must not be empty", false},
    {"\"process\": {\"args\": [\"sh\"]}", "process.cwd is required", false},
    {"\"process\": {\"cwd\": \"tmp\"}", "process.cwd: 'tmp' is not an absolute path", false},
    {"\"process\": {\"cwd\": \"/\", \"terminal\": \"yes\"}", "process.terminal must be a boolean",
     false},
    {"\"process\": {\"cwd\": \"/\", \"env\": [\"NOEQUALS\"]}",
     "process.env[0]: 'NOEQUALS' is not of the form KEY=VALUE", false},
    {"\"process\": {\"cwd\": \"/\", \"commandLine\": \"a b\"}",
     "process.commandLine is Windows-only", false},
    {"\"process\": {\"cwd\": \"/\", \"consoleSize\": {\"height\": 1, \"width\": 1}}",
     "process.consoleSize is only allowed with process.terminal true", false},
    {"\"process\": {\"cwd\": \"/\", \"user\": {\"uid\": -1}}",
     "process.user.uid: -1 is out of range", false},
    {"\"process\": {\"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": \"0\"}}",
     "process.user.gid must be an integer", false},
    {"\"process\": {\"cwd\": \"/\", \"user\": {\"umask\": 512}}",
     "process.user.umask: 512 is out of range", false},
    {"\"process\": {\"cwd\": \"/\", \"user\": {\"additionalGids\": [1, \"x\"]}}",
     "process.user.additionalGids[1] must be a group id", false},
    {"\"process\": {\"cwd\": \"/\", \"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_CHOWN\", "
     "\"CAP_SETUID\", \"CAP_FOO\"]}}",
     "process.capabilities.bounding[3]: unknown capability 'CAP_FOO'", false},
    {"\"process\": {\"cwd\": \"/\", \"capabilities\": {\"ambient\": [\"kill\"]}}",
     "process.capabilities.ambient[0]: unknown capability 'kill'", false},
    {"\"process\": {\"cwd\": \"/\", \"capabilities\": {\"effective\": \"CAP_KILL\"}}",
     "process.capabilities.effective must be an array", false},
    {"\"process\": {\"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_FOO\", \"soft\": 1, "
     "\"hard\": 1}]}",
     "process.rlimits[0].type: unknown rlimit 'RLIMIT_FOO'", false},
    {"\"process\": {\"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 10, "
     "\"hard\": 5}]}",
     "process.rlimits[0]: soft limit 10 is above hard limit 5", false},
    {"\"process\": {\"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, "
     "\"hard\": 1}, {\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1}]}",
     "process.rlimits: 'RLIMIT_NOFILE' listed twice", false},
    {"\"process\": {\"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1}]}",
     "process.rlimits[0].hard is required", false},
    {"\"process\": {\"cwd\": \"/\", \"oomScoreAdj\": 1001}",
     "process.oomScoreAdj: 1001 is out of range", false},
    {"\"process\": {\"cwd\": \"/\", \"ioPriority\": {\"class\": \"IOPRIO_CLASS_X\"}}",
     "process.ioPriority.class: unknown class 'IOPRIO_CLASS_X'", false},
    {"\"process\": {\"cwd\": \"/\", \"scheduler\": {\"policy\": \"SCHED_X\"}}",
     "process.scheduler.policy: unknown policy 'SCHED_X'", false},
    {"\"process\": {\"cwd\": \"/\", \"scheduler\": {\"policy\": \"SCHED_OTHER\", \"flags\": "
     "[\"F\"]}}",
     "process.scheduler.flags[0]: unknown flag 'F'", false},
    {"\"process\": {\"cwd\": \"/\", \"execCPUAffinity\": {\"initial\": \"0-\"}}",
     "process.execCPUAffinity.initial: invalid cpu list '0-'", false},
    {"\"mounts\": [{\"type\": \"tmpfs\"}]", "mounts[0].destination is required", false},
    {"\"mounts\": [5]", "mounts[0] must be an object", false},
    {"\"mounts\": [{\"destination\": \"/a\", \"options\": [\"ro\", 3]}]",
     "mounts[0].options[1] must be a string", false},
    {"\"mounts\": [{\"destination\": \"/a\", \"type\": \"bind\"}]",
     "mounts[0].source is required for a bind mount", false},
    {"\"mounts\": [{\"destination\": \"/a\", \"type\": \"tmpfs\", \"source\": \"t\", \"options\": "
     "[\"idmap\"]}]",
     "mounts[0]: an id-mapped mount must be a bind mount", false},
    {"\"mounts\": [{\"destination\": \"/a\", \"type\": \"bind\", \"source\": \"/b\", "
     "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}]",
     "uidMappings and gidMappings must be given together", false},
    {"\"hooks\": {\"prestart\": [{\"path\": \"hook\"}]}",
     "hooks.prestart[0].path: 'hook' is not an absolute path", false},
    {"\"hooks\": {\"poststop\": [{\"path\": \"/h\", \"timeout\": 0}]}",
     "hooks.poststop[0].timeout: 0 must be greater than zero", false},
    {"\"hooks\": {\"prestart\": [{\"path\": \"/h\", \"env\": [\"A=1\", \"=x\"]}]}",
     "hooks.prestart[0].env[1]: '=x' is not of the form KEY=VALUE", false},
    {"\"hooks\": {\"createRuntime\": [{}]}", "hooks.createRuntime[0].path is required", false},
    {"\"hooks\": {\"poststart\": {}}", "hooks.poststart must be an array", false},
    {"\"annotations\": {\"a\": 1}", "annotations['a'] must be a string", false},
    {"\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"ipc\"}, {\"type\": \"foo\"}]}",
     "linux.namespaces[2].type: unknown namespace 'foo'", false},
    {"\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"pid\"}]}",
     "linux.namespaces: 'pid' listed twice", false},
    {"\"linux\": {\"namespaces\": [{\"type\": \"network\", \"path\": \"run/netns/x\"}]}",
     "linux.namespaces[0].path: 'run/netns/x' is not an absolute path", false},
    {"\"linux\": {\"namespaces\": [{}]}", "linux.namespaces[0].type is required", false},
    {"\"linux\": {\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}], "
     "\"gidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]}",
     "need a user namespace", false},
    {"\"linux\": {\"namespaces\": [{\"type\": \"user\"}]}", "a new user namespace needs both",
     false},
    {"\"linux\": {\"namespaces\": [{\"type\": \"user\"}], \"uidMappings\": [{\"containerID\": 0, "
     "\"hostID\": 1000, \"size\": 0}]}",
     "linux.uidMappings[0]: size must be greater than zero", false},
    {"\"linux\": {\"namespaces\": [{\"type\": \"user\"}], \"uidMappings\": [{\"containerID\": "
     "4294967295, \"hostID\": 1000, \"size\": 2}]}",
     "linux.uidMappings[0]: id + size overflows", false},
    {"\"linux\": {\"namespaces\": [{\"type\": \"user\"}], \"gidMappings\": [{\"containerID\": 0, "
     "\"hostID\": 1000, \"size\": 10}, {\"containerID\": 5, \"hostID\": 5000, \"size\": 1}]}",
     "linux.gidMappings[1]: containerID range overlaps", false},
    {"\"linux\": {\"namespaces\": [{\"type\": \"user\"}], \"gidMappings\": [{\"containerID\": 0, "
     "\"hostID\": 1000, \"size\": 10}, {\"containerID\": 10, \"hostID\": 1009, \"size\": 1}]}",
     "linux.gidMappings[1]: hostID range overlaps", false},
    {"\"linux\": {\"namespaces\": [{\"type\": \"user\"}], \"uidMappings\": [{\"containerID\": 0, "
     "\"size\": 1}]}",
     "linux.uidMappings[0].hostID is required", false},
    {"\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"q\", \"major\": 1, \"minor\": "
     "1}]}",
     "linux.devices[0].type: unknown device type 'q'", false},
    {"\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"c\", \"minor\": 1}]}",
     "linux.devices[0].major is required", false},
    {"\"linux\": {\"devices\": [{\"path\": \"dev/x\", \"type\": \"c\", \"major\": 1, \"minor\": "
     "1}]}",
     "linux.devices[0].path: 'dev/x' is not an absolute path", false},
    {"\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"b\", \"major\": 1, \"minor\": "
     "1, \"fileMode\": 65535}]}",
     "linux.devices[0].fileMode: 65535 is out of range", false},
    {"\"linux\": {\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]}}",
     "linux.resources.devices[0].access: 'rwx' is not a subset of \"rwm\"", false},
    {"\"linux\": {\"resources\": {\"devices\": [{\"access\": \"r\"}]}}",
     "linux.resources.devices[0].allow is required", false},
    {"\"linux\": {\"resources\": {\"devices\": [{\"allow\": true, \"type\": \"u\"}]}}",
     "linux.resources.devices[0].type: unknown device type 'u'", false},
    {"\"linux\": {\"resources\": {\"memory\": {\"limit\": -2}}}",
     "linux.resources.memory.limit: -2 is out of range", false},
    {"\"linux\": {\"resources\": {\"memory\": {\"limit\": 1000000, \"swap\": 10}}}",
     "linux.resources.memory.swap: 10 is below memory.limit", false},
    {"\"linux\": {\"resources\": {\"memory\": {\"swappiness\": 101}}}",
     "linux.resources.memory.swappiness: 101 is out of range", false},
    {"\"linux\": {\"resources\": {\"cpu\": {\"shares\": 1}}}",
     "linux.resources.cpu.shares: 1 is out of range", false},
    {"\"linux\": {\"resources\": {\"cpu\": {\"period\": 10}}}",
     "linux.resources.cpu.period: 10 is out of range", false},
    {"\"linux\": {\"resources\": {\"cpu\": {\"cpus\": \"0-a\"}}}",
     "linux.resources.cpu.cpus: invalid list '0-a'", false},
    {"\"linux\": {\"resources\": {\"pids\": {\"limit\": \"10\"}}}",
     "linux.resources.pids.limit must be an integer", false},
    {"\"linux\": {\"resources\": {\"blockIO\": {\"weight\": 5}}}",
     "linux.resources.blockIO.weight: 5 is out of range (10 to 1000)", false},
    {"\"linux\": {\"resources\": {\"blockIO\": {\"weight\": 1001}}}",
     "linux.resources.blockIO.weight: 1001 is out of range", false},
    {"\"linux\": {\"resources\": {\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8, "
     "\"minor\": 0}]}}}",
     "linux.resources.blockIO.throttleReadBpsDevice[0].rate is required", false},
    {"\"linux\": {\"resources\": {\"hugepageLimits\": [{\"pageSize\": \"2M\", \"limit\": 1}]}}",
     "linux.resources.hugepageLimits[0].pageSize: invalid page size '2M'", false},
    {"\"linux\": {\"resources\": {\"unified\": {\"../../cgroup.procs\": \"1\"}}}",
     "linux.resources.unified: invalid cgroup file name '../../cgroup.procs'", false},
    {"\"linux\": {\"resources\": {\"network\": {\"priorities\": [{\"name\": \"a/b\", \"priority\": "
     "1}]}}}",
     "invalid interface name 'a/b'", false},
    {"\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_NOTIFY\", \"listenerPath\": \"/s\"}}",
     "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action", false},
    {"\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_FOO\"}}",
     "linux.seccomp.defaultAction: unknown action 'SCMP_ACT_FOO'", false},
    {"\"linux\": {\"seccomp\": {}}", "linux.seccomp.defaultAction is required", false},
    {"\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": 1}}",
     "linux.seccomp.defaultErrnoRet is only valid with SCMP_ACT_ERRNO", false},
    {"\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
     "[\"SCMP_ARCH_VAX\"]}}",
     "linux.seccomp.architectures[0]: unknown architecture 'SCMP_ARCH_VAX'", false},
    {"\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
     "[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_LOONGARCH64\"]}}",
     "linux.seccomp.architectures[1]: unknown architecture 'SCMP_ARCH_LOONGARCH64'", false},
    {"\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": "
     "[\"SECCOMP_FILTER_FLAG_X\"]}}",
     "linux.seccomp.flags[0]: unknown flag", false},
    {"\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
     "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": "
     "\"SCMP_CMP_EQ\"}]}]}}",
     "linux.seccomp.syscalls[0].args[0].index: 6 is out of range", false},
    {"\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
     "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": "
     "\"SCMP_CMP_XX\"}]}]}}",
     "linux.seccomp.syscalls[0].args[0].op: unknown operator 'SCMP_CMP_XX'", false},
    {"\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
     "[], \"action\": \"SCMP_ACT_ALLOW\"}]}}",
     "linux.seccomp.syscalls[0].names must list at least one syscall", false},
    {"\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
     "[\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}}",
     "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath", false},
    {"\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
     "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"errnoRet\": 1}]}}",
     "linux.seccomp.syscalls[0].errnoRet is only valid", false},
    {"\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"rel\"}}",
     "linux.seccomp.listenerPath: 'rel' is not an absolute path", false},
    {"\"linux\": {\"rootfsPropagation\": \"sideways\"}",
     "linux.rootfsPropagation: unknown propagation 'sideways'", false},
    {"\"linux\": {\"personality\": {\"domain\": \"BSD\"}}",
     "linux.personality.domain: unknown domain 'BSD'", false},
    {"\"linux\": {\"maskedPaths\": [\"proc/kcore\"]}",
     "linux.maskedPaths[0]: 'proc/kcore' is not an absolute path", false},
    {"\"linux\": {\"readonlyPaths\": [1]}", "linux.readonlyPaths[0] must be a string", false},
    {"\"linux\": {\"timeOffsets\": {\"boottime\": {\"secs\": 1}}}",
     "linux.timeOffsets needs a time namespace", false},
    {"\"linux\": {\"namespaces\": [{\"type\": \"time\"}], \"timeOffsets\": {\"monotonic\": "
     "{\"nanosecs\": 1000000000}}}",
     "linux.timeOffsets.monotonic.nanosecs: 1000000000 is out of range", false},
    {"\"linux\": {\"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}}",
     "linux.sysctl: 'net.ipv4.ip_forward' needs a network namespace", false},
    {"\"linux\": {\"sysctl\": {\"../x\": \"1\"}}", "linux.sysctl: invalid name '../x'", false},
    {"\"linux\": []", "linux must be an object", false},
};

static void test_bad_configs(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
                const struct bad_case *c = &bad_cases[i];
                _cleanup_free_ char *json = c->raw ? strdup(c->json) : cfg(c->json);
                assert_non_null(json);
                struct berth_error err = {0};
                struct berth_spec *s = NULL;
                int r = berth_spec_parse(json, strlen(json), &s, &err);
                if (r >= 0) {
                        berth_spec_free(s);
                        fail_msg("case %zu accepted: %s", i, json);
                }
                assert_null(s);
                assert_true(err.code > 0);
                assert_int_equal(r, -err.code);
                if (!strstr(err.msg, c->msg))
                        fail_msg("case %zu: message '%s' does not contain '%s'", i, err.msg,
                                 c->msg);
        }
}

/* Inputs that look odd but are valid. */
static void test_edge_cases_accepted(void **state)
{
        (void)state;
        static const char *const good[] = {
            "",
            "\"unknownKey\": [1, 2, {\"x\": null}], \"process\": {\"cwd\": \"/\", \"futureField\": "
            "1}",
            "\"process\": {\"cwd\": \"/\"}", /* no args: spec-only */
            "\"process\": {\"cwd\": \"/\", \"user\": {\"uid\": 4294967294}}",
            "\"linux\": {\"namespaces\": [{\"type\": \"user\", \"path\": \"/proc/1/ns/user\"}]}",
            "\"linux\": {\"resources\": {\"pids\": {\"limit\": -1}, \"cpu\": {\"shares\": 0, "
            "\"cpus\": \"\"}}}",
            "\"linux\": {\"namespaces\": [{\"type\": \"network\"}], \"sysctl\": "
            "{\"net.core.somaxconn\": \"1024\"}}",
            "\"mounts\": [{\"destination\": \"/x\", \"type\": \"tmpfs\", \"options\": []}]",
            "\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_KILL_THREAD\"}}",
            "\"process\": {\"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_RTTIME\", \"soft\": "
            "0, \"hard\": 0}]}",
            "\"hooks\": {}, \"annotations\": {}, \"linux\": {}",
        };
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                _cleanup_free_ char *json = cfg(good[i]);
                _cleanup_spec_ struct berth_spec *s = parse_ok(json);
                (void)s;
        }
        /* pids.limit 0 and -1 both mean "no limit" and come out as -1 */
        _cleanup_free_ char *json = cfg("\"linux\": {\"resources\": {\"pids\": {\"limit\": 0}}}");
        _cleanup_spec_ struct berth_spec *s = parse_ok(json);
        assert_true(s->resources.has_pids_limit);
        assert_int_equal(s->resources.pids_limit, -1);
        _cleanup_free_ char *json2 = cfg("\"linux\": {\"resources\": {\"pids\": {\"limit\": 32}}}");
        _cleanup_spec_ struct berth_spec *s2 = parse_ok(json2);
        assert_int_equal(s2->resources.pids_limit, 32);
        assert_false(s2->resources.has_mem_limit);
        assert_false(s2->has_process);
        assert_false(s2->has_seccomp);
}

/* uint64 fields above INT64_MAX (Docker writes RLIM_INFINITY as 18446744073709551615). */
static void test_big_unsigned(void **state)
{
        (void)state;
        _cleanup_free_ char *json =
            cfg("\"annotations\": {\"n\": \"18446744073709551615\", \"e\": "
                "\"\\\"9223372036854775808\"}, "
                "\"process\": {\"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_CORE\", "
                "\"soft\": 9223372036854775808, \"hard\": 18446744073709551615}]}, "
                "\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
                "[{\"names\": [\"x\"], \"action\": \"SCMP_ACT_LOG\", \"args\": [{\"index\": 1, "
                "\"value\": 18446744073709551614, \"valueTwo\": 9223372036854775807, "
                "\"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}}");
        _cleanup_spec_ struct berth_spec *s = parse_ok(json);
        assert_true(s->process.rlimits[0].soft == UINT64_C(9223372036854775808));
        assert_true(s->process.rlimits[0].hard == UINT64_MAX);
        assert_true(s->seccomp.syscalls[0].args[0].value == UINT64_MAX - 1);
        assert_true(s->seccomp.syscalls[0].args[0].value_two == INT64_MAX);
        /* strings are never touched */
        assert_string_equal(s->annotations[0].value, "18446744073709551615");
        assert_string_equal(s->annotations[1].value, "\"9223372036854775808");

        static const struct {
                const char *json, *msg;
        } bad[] = {
            {"\"linux\": {\"resources\": {\"memory\": {\"limit\": 18446744073709551615}}}",
             "linux.resources.memory.limit: 18446744073709551615 is out of range"},
            {"\"process\": {\"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_CORE\", "
             "\"soft\": 18446744073709551615, \"hard\": 5}]}",
             "process.rlimits[0]: soft limit 18446744073709551615 is above hard limit 5"},
            {"\"hostname\": 18446744073709551615", "hostname"},
            {"\"x\": 18446744073709551616", "invalid JSON"},
            {"\"x\": -18446744073709551615", "invalid JSON"},
            {"\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", "
             "\"defaultErrnoRet\": 4096}}",
             "linux.seccomp.defaultErrnoRet: 4096 is out of range"},
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                _cleanup_free_ char *j = cfg(bad[i].json);
                struct berth_error err = {0};
                struct berth_spec *t = NULL;
                assert_true(berth_spec_parse(j, strlen(j), &t, &err) < 0);
                assert_null(t);
                if (!strstr(err.msg, bad[i].msg))
                        fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, bad[i].msg);
        }
}

static void test_mount_options(void **state)
{
        (void)state;
        _cleanup_free_ char *json = cfg(
            "\"mounts\": ["
            "{\"destination\": \"/a\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": "
            "[\"ro\", \"rw\", \"nosuid\", \"suid\", \"noexec\", \"nodev\", \"sync\", \"dirsync\", "
            "\"mand\", \"noatime\", \"nodiratime\", \"relatime\", \"size=1m\", \"tmpcopyup\", "
            "\"uid=0\", \"shared\", \"unbindable\"]},"
            "{\"destination\": \"/b\", \"type\": \"none\", \"source\": \"/x\", \"options\": "
            "[\"rbind\", \"rro\", \"rrw\", \"rnodev\", \"rexec\", \"rstrictatime\", \"ridmap\"]},"
            "{\"destination\": \"/c\", \"type\": \"ext4\", \"source\": \"/dev/sda\", \"options\": "
            "[\"remount\", \"strictatime\", \"nostrictatime\", \"async\", \"rslave\"]}]");
        _cleanup_spec_ struct berth_spec *s = parse_ok(json);
        struct berth_mount *m = &s->mounts[0];
        assert_int_equal(m->flags, MS_NOEXEC | MS_NODEV | MS_SYNCHRONOUS | MS_DIRSYNC |
                                       MS_MANDLOCK | MS_NOATIME | MS_NODIRATIME | MS_RELATIME);
        assert_int_equal(m->clear_flags, MS_RDONLY | MS_NOSUID);
        assert_int_equal(m->propagation, MS_UNBINDABLE);
        assert_string_equal(m->data, "size=1m,uid=0");
        assert_false(m->is_bind);
        m = &s->mounts[1];
        assert_true(m->is_bind);
        assert_int_equal(m->flags, MS_BIND | MS_REC);
        assert_int_equal(m->attr_set, 0x4 /* NODEV */ | 0x20 /* STRICTATIME */);
        assert_int_equal(m->attr_clr, 0x1 /* RDONLY */ | 0x8 /* NOEXEC */ | MOUNT_ATTR__ATIME);
        assert_true(m->idmap);
        assert_true(m->idmap_recursive);
        assert_null(m->data);
        m = &s->mounts[2];
        assert_int_equal(m->flags, MS_REMOUNT);
        assert_int_equal(m->clear_flags, MS_STRICTATIME | MS_SYNCHRONOUS);
        assert_int_equal(m->propagation, MS_SLAVE | MS_REC);
}

static void test_names(void **state)
{
        (void)state;
        assert_int_equal(berth_ns_type_from_string("network"), BERTH_NS_NETWORK);
        assert_int_equal(berth_ns_type_from_string("net"), -1);
        assert_int_equal(berth_ns_type_from_string(NULL), -1);
        assert_string_equal(berth_ns_type_to_string(BERTH_NS_MOUNT), "mount");
        assert_string_equal(berth_ns_type_proc_name(BERTH_NS_MOUNT), "mnt");
        assert_string_equal(berth_ns_type_proc_name(BERTH_NS_NETWORK), "net");
        assert_int_equal(berth_ns_type_clone_flag(BERTH_NS_USER), 0x10000000);
        assert_int_equal(berth_ns_type_clone_flag(BERTH_NS_TIME), 0x80);
        assert_int_equal(berth_ns_type_clone_flag(BERTH_NS_CGROUP), 0x02000000);
        assert_null(berth_ns_type_to_string(BERTH_NS__COUNT));
        assert_int_equal(berth_cap_from_name("CAP_CHOWN"), 0);
        assert_int_equal(berth_cap_from_name("CAP_SYS_ADMIN"), 21);
        assert_int_equal(berth_cap_from_name("CAP_BPF"), 39);
        assert_int_equal(berth_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
        assert_int_equal(berth_cap_from_name("CAP_NOPE"), -1);
        assert_int_equal(berth_cap_from_name("cap_chown"), -1);
        for (int c = 0; c <= berth_cap_max_known(); c++)
                assert_int_equal(berth_cap_from_name(berth_cap_to_name(c)), c);
        assert_null(berth_cap_to_name(41));
        assert_null(berth_cap_to_name(-1));
        int last = berth_cap_last_cap();
        assert_true(last >= 36 && last <= 63);
        assert_int_equal(berth_cap_last_cap(), last);
        assert_int_equal(berth_rlimit_from_name("RLIMIT_AS"), RLIMIT_AS);
        assert_int_equal(berth_rlimit_from_name("RLIMIT_RTTIME"), RLIMIT_RTTIME);
        assert_int_equal(berth_rlimit_from_name("RLIMIT_NOFILE"), RLIMIT_NOFILE);
        assert_int_equal(berth_rlimit_from_name("NOFILE"), -1);
        assert_string_equal(berth_rlimit_to_name(RLIMIT_STACK), "RLIMIT_STACK");
        assert_string_equal(berth_seccomp_action_to_string(BERTH_SECCOMP_LOG), "SCMP_ACT_LOG");
}

static void check_default(bool rootless)
{
        _cleanup_free_ char *json = NULL;
        struct berth_error err = {0};
        assert_int_equal(berth_spec_default_json(rootless, &json, &err), 0);
        _cleanup_spec_ struct berth_spec *s = parse_ok(json);
        assert_string_equal(s->oci_version, "1.2.0");
        assert_true(s->process.terminal);
        assert_string_equal(s->process.args[0], "sh");
        assert_string_equal(s->process.cwd, "/");
        assert_true(berth_startswith(s->process.env[0], "PATH="));
        assert_string_equal(s->process.env[1], "TERM=xterm");
        uint64_t caps = CAP(29) | CAP(5) | CAP(10);
        assert_int_equal(s->process.caps.bounding, caps);
        assert_int_equal(s->process.caps.effective, caps);
        assert_int_equal(s->process.caps.permitted, caps);
        assert_int_equal(s->process.caps.ambient, caps);
        assert_int_equal(s->process.caps.inheritable, 0);
        assert_int_equal(s->process.n_rlimits, 1);
        assert_int_equal(s->process.rlimits[0].resource, RLIMIT_NOFILE);
        assert_int_equal(s->process.rlimits[0].hard, 1024);
        assert_true(s->process.no_new_privileges);
        assert_string_equal(s->root_path, "rootfs");
        assert_true(s->root_readonly);
        assert_string_equal(s->hostname, "berth");
        assert_int_equal(s->n_mounts, 7);
        assert_string_equal(s->mounts[2].destination, "/dev/pts");
        assert_int_equal(strstr(s->mounts[2].data, "gid=5") != NULL, !rootless);
        assert_string_equal(s->mounts[5].destination, "/sys");
        assert_int_equal(s->mounts[5].is_bind, rootless);
        assert_true(s->mounts[5].flags & MS_RDONLY);
        assert_true(s->namespaces[BERTH_NS_PID].enabled);
        assert_true(s->namespaces[BERTH_NS_CGROUP].enabled);
        assert_int_equal(s->namespaces[BERTH_NS_NETWORK].enabled, !rootless);
        assert_int_equal(s->namespaces[BERTH_NS_USER].enabled, rootless);
        assert_int_equal(s->has_resources, !rootless);
        if (rootless) {
                assert_int_equal(s->n_uid_mappings, 1);
                assert_int_equal(s->uid_mappings[0].host_id, geteuid());
                assert_int_equal(s->gid_mappings[0].host_id, getegid());
                assert_int_equal(s->uid_mappings[0].container_id, 0);
                assert_int_equal(s->uid_mappings[0].size, 1);
        } else {
                assert_int_equal(s->resources.n_devices, 1);
                assert_false(s->resources.devices[0].allow);
                assert_string_equal(s->resources.devices[0].access, "rwm");
        }
        assert_true(berth_strv_contains(s->masked_paths, "/proc/kcore"));
        assert_true(berth_strv_contains(s->masked_paths, "/sys/firmware"));
        assert_true(berth_strv_contains(s->readonly_paths, "/proc/sys"));
}

static void test_default_json(void **state)
{
        (void)state;
        check_default(false);
        check_default(true);
}

static void test_parse_process(void **state)
{
        (void)state;
        const char *json = "{\"cwd\": \"/tmp\", \"args\": [\"ls\", \"-l\"], \"env\": [\"A=b\"], "
                           "\"user\": {\"uid\": 5, \"gid\": 6}, \"terminal\": false, "
                           "\"capabilities\": {\"bounding\": [\"CAP_SYS_ADMIN\"]}}";
        struct berth_process p;
        struct berth_error err = {0};
        assert_int_equal(berth_spec_parse_process(json, strlen(json), &p, &err), 0);
        assert_string_equal(p.cwd, "/tmp");
        assert_string_equal(p.args[1], "-l");
        assert_int_equal(p.user.uid, 5);
        assert_int_equal(p.user.gid, 6);
        assert_int_equal(p.caps.bounding, CAP(21));
        berth_process_free(&p);

        const char *bad =
            "{\"cwd\": \"/\", \"args\": [\"ls\"], \"rlimits\": [{\"type\": \"RLIMIT_FOO\", "
            "\"soft\": 1, \"hard\": 1}]}";
        assert_int_equal(berth_spec_parse_process(bad, strlen(bad), &p, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "process.rlimits[0].type: unknown rlimit 'RLIMIT_FOO'"));
        assert_null(p.cwd);
        assert_null(p.args);
        const char *noargs = "{\"cwd\": \"/\"}";
        assert_int_equal(berth_spec_parse_process(noargs, strlen(noargs), &p, &err), -EINVAL);
        assert_string_equal(err.msg, "process.args is required");
        assert_null(p.cwd);
        assert_int_equal(berth_spec_parse_process("[1]", 3, &p, &err), -EINVAL);
        assert_int_equal(berth_spec_parse_process("{", 1, &p, &err), -EINVAL);
}

static void test_parse_resources(void **state)
{
        (void)state;
        const char *json = "{\"memory\": {\"limit\": 1048576, \"swap\": 2097152}, "
                           "\"cpu\": {\"quota\": -1, \"cpus\": \"1\"}, \"pids\": {\"limit\": 100}, "
                           "\"blockIO\": {\"weight\": 0}}";
        struct berth_resources r;
        struct berth_error err = {0};
        assert_int_equal(berth_spec_parse_resources(json, strlen(json), &r, &err), 0);
        assert_true(r.has_mem_limit);
        assert_int_equal(r.mem_limit, 1048576);
        assert_int_equal(r.mem_swap, 2097152);
        assert_true(r.has_cpu_quota);
        assert_int_equal(r.cpu_quota, -1);
        assert_string_equal(r.cpuset_cpus, "1");
        assert_int_equal(r.pids_limit, 100);
        assert_false(r.has_blkio_weight);
        assert_false(r.has_cpu_shares);
        berth_resources_free(&r);

        /* zeros that mean "not set" come out as not set */
        const char *zeros =
            "{\"memory\": {\"limit\": 0, \"swap\": 0, \"reservation\": -1}, "
            "\"cpu\": {\"shares\": 0, \"quota\": 0, \"period\": 0, \"cpus\": \"\", "
            "\"burst\": 0}, \"blockIO\": {\"weight\": 0}, \"devices\": [{\"allow\": "
            "true, \"type\": \"b\", \"access\": \"mwrw\"}]}";
        assert_int_equal(berth_spec_parse_resources(zeros, strlen(zeros), &r, &err), 0);
        assert_false(r.has_mem_limit);
        assert_false(r.has_mem_swap);
        assert_true(r.has_mem_reservation);
        assert_int_equal(r.mem_reservation, -1);
        assert_false(r.has_cpu_shares);
        assert_false(r.has_cpu_quota);
        assert_false(r.has_cpu_period);
        assert_true(r.has_cpu_burst);
        assert_null(r.cpuset_cpus);
        assert_false(r.has_blkio_weight);
        assert_int_equal(r.devices[0].type, 'b');
        assert_string_equal(r.devices[0].access, "rwm");
        berth_resources_free(&r);

        const char *bad = "{\"cpu\": {\"cpus\": \"1\"}, \"unified\": {\"cgroup.procs/x\": \"1\"}}";
        assert_int_equal(berth_spec_parse_resources(bad, strlen(bad), &r, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "resources.unified: invalid cgroup file name"));
        assert_null(r.cpuset_cpus);
}

static void test_limits(void **state)
{
        (void)state;
        struct berth_error err = {0};
        struct berth_spec *s = NULL;
        /* more than BERTH_SPEC_MAX_BYTES */
        size_t big = BERTH_SPEC_MAX_BYTES + 1;
        char *buf = malloc(big);
        assert_non_null(buf);
        memset(buf, ' ', big);
        assert_int_equal(berth_spec_parse(buf, big, &s, &err), -EFBIG);
        free(buf);
        assert_null(s);

        /* more than BERTH_SPEC_MAX_ITEMS entries in one array */
        struct berth_buf b = {0};
        assert_int_equal(berth_buf_printf(&b, "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": "
                                              "\"r\"}, \"process\": {\"cwd\": \"/\", \"env\": ["),
                         0);
        for (int i = 0; i <= BERTH_SPEC_MAX_ITEMS; i++)
                assert_int_equal(berth_buf_printf(&b, "%s\"A%d=1\"", i ? "," : "", i), 0);
        assert_int_equal(berth_buf_printf(&b, "]}}"), 0);
        assert_int_equal(berth_spec_parse(b.data, b.len, &s, &err), -E2BIG);
        assert_non_null(strstr(err.msg, "process.env has 4097 items"));
        berth_buf_free(&b);

        /* nesting deeper than the JSON helper allows */
        struct berth_buf d = {0};
        assert_int_equal(berth_buf_printf(&d, "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": "
                                              "\"r\"}, \"x\": "),
                         0);
        for (int i = 0; i < 100; i++)
                assert_int_equal(berth_buf_append(&d, "[", 1), 0);
        for (int i = 0; i < 100; i++)
                assert_int_equal(berth_buf_append(&d, "]", 1), 0);
        assert_int_equal(berth_buf_append(&d, "}", 1), 0);
        assert_true(berth_spec_parse(d.data, d.len, &s, &err) < 0);
        berth_buf_free(&d);

        /* an embedded NUL inside a string */
        const char nul[] = "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\\u0000x\"}}";
        assert_true(berth_spec_parse(nul, sizeof(nul) - 1, &s, &err) < 0);
        assert_null(s);
        /* messages stay on one line, whatever the input holds */
        const char *nl[] = {
            "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"linux\": "
            "{\"namespaces\": [{\"type\": \"a\\nb\"}]}}",
            "{\"oc\\\n\": 1}",
        };
        for (size_t i = 0; i < 2; i++) {
                assert_true(berth_spec_parse(nl[i], strlen(nl[i]), &s, &err) < 0);
                assert_null(strchr(err.msg, '\n'));
        }
        assert_non_null(strstr(err.msg, "invalid JSON"));
        /* a NULL error pointer is allowed */
        assert_true(berth_spec_parse("{}", 2, &s, NULL) < 0);
}

static void test_load(void **state)
{
        (void)state;
        char dir[] = "/tmp/berth-test-spec-XXXXXX";
        assert_non_null(mkdtemp(dir));
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        struct berth_error err = {0};
        struct berth_spec *s = NULL;
        assert_int_equal(berth_spec_load(dfd, &s, &err), -ENOENT);
        assert_non_null(strstr(err.msg, "config.json"));

        int fd = openat(dfd, "config.json", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, full_config, strlen(full_config)), (ssize_t)strlen(full_config));
        close(fd);
        assert_int_equal(berth_spec_load(dfd, &s, &err), 0);
        assert_string_equal(s->process.cwd, "/work");
        berth_spec_free(s);
        s = NULL;

        fd = openat(dfd, "config.json", O_WRONLY | O_TRUNC | O_CLOEXEC);
        assert_true(fd >= 0);
        const char *bad = "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"linux\": "
                          "{\"namespaces\": [{\"type\": \"foo\"}]}}";
        assert_int_equal(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
        close(fd);
        assert_int_equal(berth_spec_load(dfd, &s, &err), -EINVAL);
        assert_non_null(
            strstr(err.msg, "config.json: linux.namespaces[0].type: unknown namespace 'foo'"));
        assert_null(s);
        unlinkat(dfd, "config.json", 0);
        close(dfd);
        rmdir(dir);
        berth_spec_free(NULL);
        berth_process_free(NULL);
        berth_resources_free(NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_full_config),
            cmocka_unit_test(test_bad_configs),
            cmocka_unit_test(test_edge_cases_accepted),
            cmocka_unit_test(test_mount_options),
            cmocka_unit_test(test_names),
            cmocka_unit_test(test_default_json),
            cmocka_unit_test(test_parse_process),
            cmocka_unit_test(test_parse_resources),
            cmocka_unit_test(test_limits),
            cmocka_unit_test(test_load),
            cmocka_unit_test(test_big_unsigned),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

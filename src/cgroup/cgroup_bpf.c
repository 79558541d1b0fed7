/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup v2 device access control: the OCI device rules become one small eBPF program.
 *
 * The program reads the bpf_cgroup_dev_ctx (access_type = access << 16 | type, major,
 * minor) and walks the rules from the last to the first; the first rule that matches
 * the device decides.  An allow rule matches when it grants every requested access bit, a
 * deny rule when it denies any of them.  A device no rule matches is allowed, as a fresh
 * v1 devices cgroup would allow it (the usual configs start with a deny-all rule).
 */
#include "cgroup/cgroup_bpf.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/banned.h"

#define MAX_RULES     4096
#define MAX_OLD_PROGS 64

struct insns {
        struct bpf_insn *v;
        size_t n;
};

static void emit(struct insns *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
        p->v[p->n++] =
            (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

static unsigned access_bits(const char *a)
{
        unsigned bits = 0;
        if (!a[0])
                return BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
        for (; *a; a++)
                bits |= *a == 'r'   ? BPF_DEVCG_ACC_READ
                        : *a == 'w' ? BPF_DEVCG_ACC_WRITE
                        : *a == 'm' ? BPF_DEVCG_ACC_MKNOD
                                    : 0;
        return bits;
}

static int check_rule(const struct berth_device_rule *d, size_t i, struct berth_error *err)
{
        if (d->type != 'a' && d->type != 'c' && d->type != 'b')
                return berth_error_set(
                    err, EINVAL, "linux.resources.devices[%zu].type: bad value '%c'", i, d->type);
        if (d->access[strspn(d->access, "rwm")] != '\0')
                return berth_error_set(err, EINVAL,
                                       "linux.resources.devices[%zu].access: bad value '%s'", i,
                                       d->access);
        if (d->major > INT32_MAX || d->minor > INT32_MAX || d->major < -1 || d->minor < -1)
                return berth_error_set(err, EINVAL,
                                       "linux.resources.devices[%zu]: device number %" PRId64
                                       ":%" PRId64 " out of range",
                                       i, d->major, d->minor);
        return 0;
}

/* One rule: at most 3 match tests, 3 access instructions, 2 for the verdict. */
static void emit_rule(struct insns *p, const struct berth_device_rule *d)
{
        size_t len = 5 + (d->type != 'a') + (d->major >= 0) + (d->minor >= 0);
        size_t end = p->n + len;
#define TO_END() ((int16_t)(end - (p->n + 1)))
        if (d->type != 'a')
                emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_3, 0, TO_END(),
                     d->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
        if (d->major >= 0)
                emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, TO_END(), (int32_t)d->major);
        if (d->minor >= 0)
                emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, TO_END(), (int32_t)d->minor);
        unsigned acc = access_bits(d->access);
        emit(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_7, BPF_REG_6, 0, 0);
        if (d->allow) {
                /* requested bits outside the rule: not this rule */
                emit(p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_7, 0, 0, (int32_t)(~acc & 7u));
                emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_7, 0, TO_END(), 0);
        } else {
                /* no requested bit denied: not this rule */
                emit(p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_7, 0, 0, (int32_t)acc);
                emit(p, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_7, 0, TO_END(), 0);
        }
        emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, d->allow ? 1 : 0);
        emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
#undef TO_END
}

int berth_cgroup_bpf_build(const struct berth_device_rule *rules, size_t n, struct bpf_insn **out,
                           size_t *n_insns, struct berth_error *err)
{
        if (n > MAX_RULES)
                return berth_error_set(err, E2BIG, "linux.resources.devices: more than %d rules",
                                       MAX_RULES);
        for (size_t i = 0; i < n; i++) {
                int r = check_rule(&rules[i], i, err);
                if (r < 0)
                        return r;
        }
        struct insns p = {.v = calloc(10 + n * 8, sizeof(struct bpf_insn))};
        if (!p.v)
                return berth_error_set(err, ENOMEM, "out of memory");
        /* r2 = access_type, r3 = type, r6 = access, r4 = major, r5 = minor */
        emit(&p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0);
        emit(&p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
        emit(&p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_3, 0, 0, 0xffff);
        emit(&p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_2, 0, 0);
        emit(&p, BPF_ALU | BPF_RSH | BPF_K, BPF_REG_6, 0, 0, 16);
        emit(&p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);
        emit(&p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);
        for (size_t i = n; i-- > 0;)
                emit_rule(&p, &rules[i]);
        emit(&p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
        emit(&p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        *out = p.v;
        *n_insns = p.n;
        return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
        long r = syscall(SYS_bpf, cmd, attr, sizeof(*attr));
        return r < 0 ? -errno : (int)r;
}

static int query_attached(int cgfd, uint32_t *ids, uint32_t *cnt)
{
        union bpf_attr a;
        memset(&a, 0, sizeof(a));
        a.query.target_fd = (uint32_t)cgfd;
        a.query.attach_type = BPF_CGROUP_DEVICE;
        a.query.prog_ids = (uint64_t)(uintptr_t)ids;
        a.query.prog_cnt = *cnt;
        int r = sys_bpf(BPF_PROG_QUERY, &a);
        if (r < 0)
                return r;
        *cnt = a.query.prog_cnt;
        return 0;
}

static int load_program(const struct bpf_insn *insns, size_t n, struct berth_error *err)
{
        char log[4096] = "";
        union bpf_attr a;
        memset(&a, 0, sizeof(a));
        a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        a.insns = (uint64_t)(uintptr_t)insns;
        a.insn_cnt = (uint32_t)n;
        a.license = (uint64_t)(uintptr_t) "Apache-2.0";
        /* No verifier log on the fast path; only a failure is loaded again to explain it. */
        int fd = sys_bpf(BPF_PROG_LOAD, &a);
        if (fd >= 0)
                return fd;
        a.log_buf = (uint64_t)(uintptr_t)log;
        a.log_size = sizeof(log);
        a.log_level = 1;
        int again = sys_bpf(BPF_PROG_LOAD, &a);
        if (again >= 0)
                return again;
        for (char *c = log; *c; c++)
                if (*c == '\n')
                        *c = ' ';
        return berth_error_set(err, -fd, "load device cgroup bpf program: %s%s%s", strerror(-fd),
                               log[0] ? ": " : "", log);
}

static void detach_old(int cgfd, const uint32_t *ids, uint32_t cnt)
{
        for (uint32_t i = 0; i < cnt; i++) {
                union bpf_attr a;
                memset(&a, 0, sizeof(a));
                a.prog_id = ids[i];
                int pfd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
                if (pfd < 0)
                        continue;
                memset(&a, 0, sizeof(a));
                a.target_fd = (uint32_t)cgfd;
                a.attach_bpf_fd = (uint32_t)pfd;
                a.attach_type = BPF_CGROUP_DEVICE;
                (void)sys_bpf(BPF_PROG_DETACH, &a);
                close(pfd);
        }
}

int berth_cgroup_bpf_devices(struct berth_cgroup *cg, const char *dir,
                             const struct berth_device_rule *rules, size_t n,
                             struct berth_error *err)
{
        if (n == 0)
                return 0;
        _cleanup_free_ struct bpf_insn *insns = NULL;
        size_t n_insns = 0;
        int r = berth_cgroup_bpf_build(rules, n, &insns, &n_insns, err);
        if (r < 0)
                return r;
        _cleanup_close_ int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cgfd < 0)
                return berth_error_errno(err, "open '%s'", dir);
        uint32_t ids[MAX_OLD_PROGS], cnt = MAX_OLD_PROGS;
        r = query_attached(cgfd, ids, &cnt);
        if (r < 0)
                return berth_error_setsys(err, -r, "query device programs of '%s'", dir);
        _cleanup_close_ int pfd = load_program(insns, n_insns, err);
        if (pfd < 0)
                return pfd;
        union bpf_attr a;
        memset(&a, 0, sizeof(a));
        a.target_fd = (uint32_t)cgfd;
        a.attach_bpf_fd = (uint32_t)pfd;
        a.attach_type = BPF_CGROUP_DEVICE;
        a.attach_flags = BPF_F_ALLOW_MULTI;
        r = sys_bpf(BPF_PROG_ATTACH, &a);
        if (r < 0)
                return berth_error_setsys(err, -r, "attach device program to '%s'", dir);
        /* Until the old programs are gone both run and both must allow: never wider. */
        detach_old(cgfd, ids, cnt);
        return 0;
}

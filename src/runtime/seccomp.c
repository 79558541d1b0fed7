/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seccomp: linux.seccomp -> classic BPF with libseccomp (in the parent), a cache of
 * compiled programs keyed by a SHA-256 of the profile, and the one seccomp(2) call that
 * installs a prepared program in the child.
 *
 * Cache file format (<key>.bpf): 8 bytes magic "BERTHBPF", 32 bytes SHA-256 of the
 * instructions, then the instructions (8 bytes each).  Anything else is ignored and
 * rewritten.
 */
#include "runtime/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/fileutil.h"
#include "basic/sha256.h"
#include "basic/strutil.h"
#include "basic/banned.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

#define BPF_CACHE_MAGIC   "BERTHBPF"
#define BPF_CACHE_HEADER  (8 + BERTH_SHA256_DIGEST_SIZE)
#define BPF_MAX_INSNS     4096 /* the kernel's BPF_MAXINSNS for a seccomp filter */
#define SECCOMP_MAX_ERRNO 4095

static const struct {
        const char *name;
        uint32_t token;
} arch_table[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
};

static const struct {
        const char *name;
        unsigned int flag;
} flag_table[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

static int arch_token(const char *name, uint32_t *out)
{
        for (size_t i = 0; i < ARRAY_SIZE(arch_table); i++)
                if (strcmp(arch_table[i].name, name) == 0) {
                        *out = arch_table[i].token;
                        return 0;
                }
        return -EINVAL;
}

/* berth action (+ errnoRet) -> libseccomp action value. */
static int action_value(enum berth_seccomp_action a, bool has_ret, uint32_t ret, uint32_t *out)
{
        if (has_ret && ret > SECCOMP_MAX_ERRNO)
                return -ERANGE;
        uint32_t data = has_ret ? ret : EPERM;
        switch (a) {
        case BERTH_SECCOMP_KILL:
        case BERTH_SECCOMP_KILL_THREAD:
                *out = SCMP_ACT_KILL_THREAD;
                return 0;
        case BERTH_SECCOMP_KILL_PROCESS:
                *out = SCMP_ACT_KILL_PROCESS;
                return 0;
        case BERTH_SECCOMP_TRAP:
                *out = SCMP_ACT_TRAP;
                return 0;
        case BERTH_SECCOMP_ERRNO:
                *out = SCMP_ACT_ERRNO(data);
                return 0;
        case BERTH_SECCOMP_TRACE:
                *out = SCMP_ACT_TRACE(data);
                return 0;
        case BERTH_SECCOMP_ALLOW:
                *out = SCMP_ACT_ALLOW;
                return 0;
        case BERTH_SECCOMP_LOG:
                *out = SCMP_ACT_LOG;
                return 0;
        case BERTH_SECCOMP_NOTIFY:
                *out = SCMP_ACT_NOTIFY;
                return 0;
        }
        return -EINVAL;
}

static int op_value(enum berth_seccomp_op op, enum scmp_compare *out)
{
        switch (op) {
        case BERTH_SECCOMP_OP_NE:
                *out = SCMP_CMP_NE;
                return 0;
        case BERTH_SECCOMP_OP_LT:
                *out = SCMP_CMP_LT;
                return 0;
        case BERTH_SECCOMP_OP_LE:
                *out = SCMP_CMP_LE;
                return 0;
        case BERTH_SECCOMP_OP_EQ:
                *out = SCMP_CMP_EQ;
                return 0;
        case BERTH_SECCOMP_OP_GE:
                *out = SCMP_CMP_GE;
                return 0;
        case BERTH_SECCOMP_OP_GT:
                *out = SCMP_CMP_GT;
                return 0;
        case BERTH_SECCOMP_OP_MASKED_EQ:
                *out = SCMP_CMP_MASKED_EQ;
                return 0;
        }
        return -EINVAL;
}

/* Check everything that does not need libseccomp and work out the seccomp(2) flags. */
static int validate(const struct berth_seccomp *sc, unsigned int *flags, bool *notify,
                    struct berth_error *err)
{
        uint32_t v;
        if (sc->default_action == BERTH_SECCOMP_NOTIFY)
                return berth_error_set(err, EINVAL,
                                       "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be "
                                       "the default action");
        if (action_value(sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret, &v) <
            0)
                return berth_error_set(err, EINVAL,
                                       "linux.seccomp.defaultAction: invalid action %d "
                                       "(errnoRet %u)",
                                       (int)sc->default_action, sc->default_errno_ret);
        for (size_t i = 0; sc->architectures && sc->architectures[i]; i++)
                if (arch_token(sc->architectures[i], &v) < 0)
                        return berth_error_set(err, EINVAL,
                                               "linux.seccomp.architectures[%zu]: unknown "
                                               "architecture '%s'",
                                               i, sc->architectures[i]);
        *flags = 0;
        for (size_t i = 0; sc->flags && sc->flags[i]; i++) {
                size_t k = 0;
                while (k < ARRAY_SIZE(flag_table) && strcmp(flag_table[k].name, sc->flags[i]))
                        k++;
                if (k == ARRAY_SIZE(flag_table))
                        return berth_error_set(err, EINVAL,
                                               "linux.seccomp.flags[%zu]: unknown flag '%s'", i,
                                               sc->flags[i]);
                *flags |= flag_table[k].flag;
        }
        *notify = false;
        for (size_t i = 0; i < sc->n_syscalls; i++) {
                const struct berth_seccomp_rule *r = &sc->syscalls[i];
                if (action_value(r->action, r->has_errno_ret, r->errno_ret, &v) < 0)
                        return berth_error_set(err, EINVAL,
                                               "linux.seccomp.syscalls[%zu].action: invalid "
                                               "action %d (errnoRet %u)",
                                               i, (int)r->action, r->errno_ret);
                if (r->action == BERTH_SECCOMP_NOTIFY)
                        *notify = true;
                for (size_t a = 0; a < r->n_args; a++) {
                        enum scmp_compare c;
                        if (r->args[a].index > 5)
                                return berth_error_set(err, EINVAL,
                                                       "linux.seccomp.syscalls[%zu].args[%zu]"
                                                       ".index: %u is not in 0..5",
                                                       i, a, r->args[a].index);
                        if (op_value(r->args[a].op, &c) < 0)
                                return berth_error_set(err, EINVAL,
                                                       "linux.seccomp.syscalls[%zu].args[%zu]"
                                                       ".op: invalid operator %d",
                                                       i, a, (int)r->args[a].op);
                }
        }
        if (*notify && (*flags & SECCOMP_FILTER_FLAG_TSYNC))
                *flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
        return 0;
}

static void hash_u64(struct berth_sha256 *h, uint64_t v)
{
        uint8_t b[8];
        for (unsigned i = 0; i < 8; i++)
                b[i] = (uint8_t)(v >> (8 * i));
        berth_sha256_update(h, b, sizeof(b));
}

static void hash_str(struct berth_sha256 *h, const char *s)
{
        if (!s) {
                hash_u64(h, UINT64_MAX);
                return;
        }
        size_t n = strlen(s);
        hash_u64(h, n);
        berth_sha256_update(h, s, n);
}

static void hash_strv(struct berth_sha256 *h, char *const *v)
{
        size_t n = berth_strv_length(v);
        hash_u64(h, n);
        for (size_t i = 0; i < n; i++)
                hash_str(h, v[i]);
}

/* Every field that changes the program, length-prefixed, plus what else decides the
 * output: the libseccomp version, its API level and the native architecture. */
static void cache_key(const struct berth_seccomp *sc, char hex[BERTH_SHA256_HEX_SIZE])
{
        struct berth_sha256 h;
        berth_sha256_init(&h);
        hash_str(&h, "berth-seccomp-cache-v1");
        const struct scmp_version *ver = seccomp_version();
        hash_u64(&h, ver ? ver->major : 0);
        hash_u64(&h, ver ? ver->minor : 0);
        hash_u64(&h, ver ? ver->micro : 0);
        hash_u64(&h, seccomp_api_get());
        hash_u64(&h, seccomp_arch_native());
        hash_u64(&h, (uint64_t)sc->default_action);
        hash_u64(&h, sc->has_default_errno_ret);
        hash_u64(&h, sc->default_errno_ret);
        hash_strv(&h, sc->architectures);
        hash_strv(&h, sc->flags);
        hash_u64(&h, sc->n_syscalls);
        for (size_t i = 0; i < sc->n_syscalls; i++) {
                const struct berth_seccomp_rule *r = &sc->syscalls[i];
                hash_strv(&h, r->names);
                hash_u64(&h, (uint64_t)r->action);
                hash_u64(&h, r->has_errno_ret);
                hash_u64(&h, r->errno_ret);
                hash_u64(&h, r->n_args);
                for (size_t a = 0; a < r->n_args; a++) {
                        hash_u64(&h, r->args[a].index);
                        hash_u64(&h, r->args[a].value);
                        hash_u64(&h, r->args[a].value_two);
                        hash_u64(&h, (uint64_t)r->args[a].op);
                }
        }
        uint8_t d[BERTH_SHA256_DIGEST_SIZE];
        berth_sha256_final(&h, d);
        berth_sha256_hex(d, hex);
}

/* 0 and a program on a valid hit; -ENOENT for a miss; -EBADMSG for a corrupt file. */
static int cache_load(int dirfd, const char *name, struct berth_seccomp_bpf *out)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r =
            berth_read_file_at(dirfd, name, BPF_CACHE_HEADER + BPF_MAX_INSNS * 8, &buf, &len, NULL);
        if (r == -ENOENT)
                return -ENOENT;
        if (r < 0)
                return -EBADMSG;
        if (len <= BPF_CACHE_HEADER || len % 8 != 0 || memcmp(buf, BPF_CACHE_MAGIC, 8) != 0)
                return -EBADMSG;
        size_t n = (len - BPF_CACHE_HEADER) / sizeof(struct sock_filter);
        uint8_t d[BERTH_SHA256_DIGEST_SIZE];
        berth_sha256(buf + BPF_CACHE_HEADER, len - BPF_CACHE_HEADER, d);
        if (memcmp(d, buf + 8, sizeof(d)) != 0)
                return -EBADMSG;
        struct sock_filter *insns = malloc(len - BPF_CACHE_HEADER);
        if (!insns)
                return -ENOMEM;
        memcpy(insns, buf + BPF_CACHE_HEADER, len - BPF_CACHE_HEADER);
        out->insns = insns;
        out->n_insns = n;
        return 0;
}

static int cache_store(int dirfd, const char *name, const struct berth_seccomp_bpf *bpf)
{
        size_t body = bpf->n_insns * sizeof(struct sock_filter);
        _cleanup_free_ char *buf = malloc(BPF_CACHE_HEADER + body);
        if (!buf)
                return -ENOMEM;
        memcpy(buf, BPF_CACHE_MAGIC, 8);
        berth_sha256(bpf->insns, body, (uint8_t *)buf + 8);
        memcpy(buf + BPF_CACHE_HEADER, bpf->insns, body);
        return berth_write_file_atomic(dirfd, name, buf, BPF_CACHE_HEADER + body, 0600, 0, NULL);
}

static void filter_releasep(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
}

static bool args_share_index(const struct berth_seccomp_rule *r)
{
        for (size_t a = 0; a < r->n_args; a++)
                for (size_t b = a + 1; b < r->n_args; b++)
                        if (r->args[a].index == r->args[b].index)
                                return true;
        return false;
}

/* One rule for one syscall number.  Conditions on distinct arguments are ANDed in one
 * libseccomp rule; conditions that repeat an argument index (which libseccomp cannot
 * AND) become one rule each, i.e. they are ORed. */
static int add_rule(scmp_filter_ctx ctx, uint32_t action, int nr,
                    const struct berth_seccomp_rule *r)
{
        struct scmp_arg_cmp cmp[6];
        if (r->n_args == 0)
                return seccomp_rule_add_array(ctx, action, nr, 0, NULL);
        bool split = args_share_index(r);
        if (!split && r->n_args > ARRAY_SIZE(cmp))
                return -EINVAL;
        size_t n = 0;
        for (size_t a = 0; a < r->n_args; a++) {
                enum scmp_compare op;
                op_value(r->args[a].op, &op);
                cmp[n++] = (struct scmp_arg_cmp){.arg = r->args[a].index,
                                                 .op = op,
                                                 .datum_a = r->args[a].value,
                                                 .datum_b = r->args[a].value_two};
                if (split) {
                        int q = seccomp_rule_add_array(ctx, action, nr, 1, cmp);
                        if (q < 0)
                                return q;
                        n = 0;
                }
        }
        return split ? 0 : seccomp_rule_add_array(ctx, action, nr, (unsigned)n, cmp);
}

static int export_bpf(scmp_filter_ctx ctx, struct berth_seccomp_bpf *out, struct berth_error *err)
{
        _cleanup_close_ int fd = memfd_create("berth-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return berth_error_errno(err, "memfd_create");
        int r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return berth_error_setsys(err, -r, "seccomp_export_bpf");
        if (lseek(fd, 0, SEEK_SET) < 0)
                return berth_error_errno(err, "lseek");
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        r = berth_read_fd(fd, BPF_MAX_INSNS * sizeof(struct sock_filter), &buf, &len, err);
        if (r < 0)
                return berth_error_prefix(err, r, "read compiled seccomp program");
        if (len == 0 || len % sizeof(struct sock_filter) != 0)
                return berth_error_set(err, EIO, "libseccomp produced a program of %zu bytes", len);
        out->insns = (struct sock_filter *)TAKE_PTR(buf);
        out->n_insns = len / sizeof(struct sock_filter);
        return 0;
}

static int compile_rules(scmp_filter_ctx ctx, const struct berth_seccomp *sc, uint32_t def,
                         struct berth_error *err)
{
        for (size_t i = 0; i < sc->n_syscalls; i++) {
                const struct berth_seccomp_rule *rule = &sc->syscalls[i];
                uint32_t action = 0;
                action_value(rule->action, rule->has_errno_ret, rule->errno_ret, &action);
                if (action == def)
                        continue; /* libseccomp refuses a rule equal to the default */
                for (size_t k = 0; rule->names && rule->names[k]; k++) {
                        int nr = seccomp_syscall_resolve_name(rule->names[k]);
                        if (nr == __NR_SCMP_ERROR)
                                continue; /* unknown to libseccomp: skipped, like runc */
                        int r = add_rule(ctx, action, nr, rule);
                        if (r < 0)
                                return berth_error_setsys(err, -r,
                                                          "linux.seccomp.syscalls[%zu]: add rule "
                                                          "for '%s'",
                                                          i, rule->names[k]);
                }
        }
        return 0;
}

static int compile_libseccomp(const struct berth_seccomp *sc, struct berth_seccomp_bpf *out,
                              struct berth_error *err)
{
        uint32_t def = 0;
        action_value(sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret, &def);
        _cleanup_(filter_releasep) scmp_filter_ctx ctx = seccomp_init(def);
        if (!ctx)
                return berth_error_set(err, EINVAL, "seccomp_init failed for default action 0x%x",
                                       def);
        int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (r < 0)
                return berth_error_setsys(err, -r, "seccomp: clear SCMP_FLTATR_CTL_NNP");
        for (size_t i = 0; sc->architectures && sc->architectures[i]; i++) {
                uint32_t tok = 0;
                arch_token(sc->architectures[i], &tok);
                r = seccomp_arch_add(ctx, tok);
                if (r < 0 && r != -EEXIST)
                        return berth_error_setsys(err, -r,
                                                  "linux.seccomp.architectures[%zu]: add '%s'", i,
                                                  sc->architectures[i]);
        }
        r = compile_rules(ctx, sc, def, err);
        if (r < 0)
                return r;
        return export_bpf(ctx, out, err);
}

static int open_cache_dir(const char *cache_dir)
{
        int fd = open(cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
                if (berth_mkdir_p(cache_dir, 0700) < 0)
                        return -errno;
                fd = open(cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        }
        return fd < 0 ? -errno : fd;
}

int berth_seccomp_compile(const struct berth_seccomp *sc, const char *cache_dir,
                          struct berth_seccomp_bpf *out, struct berth_error *err)
{
        *out = (struct berth_seccomp_bpf){0};
        unsigned int flags = 0;
        bool notify = false;
        int r = validate(sc, &flags, &notify, err);
        if (r < 0)
                return r;

        _cleanup_close_ int dirfd = -1;
        char name[BERTH_SHA256_HEX_SIZE + 4];
        if (cache_dir) {
                char key[BERTH_SHA256_HEX_SIZE];
                cache_key(sc, key);
                snprintf(name, sizeof(name), "%s.bpf", key);
                dirfd = open_cache_dir(cache_dir);
                if (dirfd < 0)
                        return berth_error_setsys(err, -dirfd, "seccomp cache directory '%s'",
                                                  cache_dir);
                r = cache_load(dirfd, name, out);
                if (r == -ENOMEM)
                        return berth_error_set(err, ENOMEM, "out of memory");
                if (r == 0) {
                        out->flags = flags;
                        out->notify = notify;
                        return 0;
                }
        }

        r = compile_libseccomp(sc, out, err);
        if (r < 0)
                return berth_error_prefix(err, r, "compile seccomp profile");
        out->flags = flags;
        out->notify = notify;
        /* The cache only saves time: failing to write it does not fail the compile. */
        if (dirfd >= 0)
                (void)cache_store(dirfd, name, out);
        return 0;
}

void berth_seccomp_bpf_free(struct berth_seccomp_bpf *bpf)
{
        if (!bpf)
                return;
        free(bpf->insns);
        *bpf = (struct berth_seccomp_bpf){0};
}

int berth_seccomp_install(const struct berth_seccomp_bpf *bpf, int *notify_fd,
                          struct berth_error *err)
{
        if (notify_fd)
                *notify_fd = -1;
        if (!bpf->insns || bpf->n_insns == 0 || bpf->n_insns > BPF_MAX_INSNS)
                return berth_error_set(err, EINVAL, "seccomp: program of %zu instructions",
                                       bpf->n_insns);
        if (bpf->notify && !notify_fd)
                return berth_error_set(err, EINVAL,
                                       "seccomp: a notify filter needs somewhere to put the fd");
        struct sock_fprog prog = {.len = (unsigned short)bpf->n_insns, .filter = bpf->insns};
        unsigned int flags = bpf->flags;
        if (bpf->notify)
                flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
        if (r < 0)
                return berth_error_errno(err, "seccomp(SECCOMP_SET_MODE_FILTER, flags 0x%x)",
                                         flags);
        if (bpf->notify)
                *notify_fd = (int)r; /* the kernel creates it O_CLOEXEC */
        return 0;
}

void berth_seccomp_free(struct berth_seccomp *sc)
{
        if (!sc)
                return;
        berth_strv_free(sc->architectures);
        berth_strv_free(sc->flags);
        free(sc->listener_path);
        free(sc->listener_metadata);
        for (size_t i = 0; i < sc->n_syscalls; i++) {
                berth_strv_free(sc->syscalls[i].names);
                free(sc->syscalls[i].args);
        }
        free(sc->syscalls);
        *sc = (struct berth_seccomp){0};
}

/* ---- the default profile (the policy Docker applies; our own table) ---- */

/* Allowed for every container. */
/* clang-format off */
static const char *const default_allow[] = {
        "_llseek", "_newselect", "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk",
        "cachestat", "capget", "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime",
        "clock_adjtime64", "clock_getres", "clock_getres_time64", "clock_gettime",
        "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "close", "close_range",
        "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create",
        "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
        "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group",
        "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark",
        "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl",
        "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr",
        "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate",
        "ftruncate64", "futex", "futex_requeue", "futex_time64", "futex_wait", "futex_waitv",
        "futex_wake", "futimesat", "get_mempolicy", "get_robust_list", "get_thread_area", "getcpu",
        "getcwd", "getdents", "getdents64", "getegid", "getegid32", "geteuid", "geteuid32",
        "getgid", "getgid32", "getgroups", "getgroups32", "getitimer", "getpeername", "getpgid",
        "getpgrp", "getpid", "getppid", "getpriority", "getrandom", "getresgid", "getresgid32",
        "getresuid", "getresuid32", "getrlimit", "getrusage", "getsid", "getsockname",
        "getsockopt", "gettid", "gettimeofday", "getuid", "getuid32", "getxattr",
        "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel",
        "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64", "io_setup",
        "io_submit", "ioctl", "ioprio_get", "ioprio_set", "ipc", "kill", "landlock_add_rule",
        "landlock_create_ruleset", "landlock_restrict_self", "lchown", "lchown32", "lgetxattr",
        "link", "linkat", "listen", "listxattr", "llistxattr", "lremovexattr", "lseek",
        "lsetxattr", "lstat", "lstat64", "madvise", "map_shadow_stack", "mbind", "membarrier",
        "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock",
        "mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
        "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64",
        "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock",
        "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat", "open", "openat",
        "openat2", "pause", "pidfd_getfd", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2",
        "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl",
        "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "process_vm_readv",
        "process_vm_writev", "pselect6", "pselect6_time64", "ptrace", "pwrite64", "pwritev",
        "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom",
        "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename",
        "renameat", "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction",
        "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
        "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_get_priority_max",
        "sched_get_priority_min", "sched_getaffinity", "sched_getattr", "sched_getparam",
        "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
        "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler",
        "sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop",
        "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto",
        "set_mempolicy", "set_robust_list", "set_thread_area", "set_tid_address", "setfsgid",
        "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32",
        "setitimer", "setpgid", "setpriority", "setregid", "setregid32", "setresgid",
        "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit", "setsid",
        "setsockopt", "setuid", "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget",
        "shutdown", "sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socket",
        "socketcall", "socketpair", "splice", "stat", "stat64", "statfs", "statfs64", "statx",
        "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill",
        "time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
        "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create", "timerfd_gettime",
        "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate",
        "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat",
        "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write",
        "writev", NULL,
};
/* clang-format on */

/* Architecture-specific extras for the native architecture. */
static const char *const default_allow_arch[] = {
#if defined(__x86_64__) || defined(__i386__)
    "arch_prctl",
    "modify_ldt",
#elif defined(__aarch64__) || defined(__arm__)
    "arm_fadvise64_64",
    "arm_sync_file_range",
    "sync_file_range2",
    "breakpoint",
    "cacheflush",
    "set_tls",
#elif defined(__s390x__) || defined(__s390__)
    "s390_pci_mmio_read",
    "s390_pci_mmio_write",
    "s390_runtime_instr",
#elif defined(__powerpc64__)
    "sync_file_range2",
#endif
    NULL,
};

static const char *const default_arches[] = {
#if defined(__x86_64__) || defined(__i386__)
    "SCMP_ARCH_X86_64",
    "SCMP_ARCH_X86",
    "SCMP_ARCH_X32",
#elif defined(__aarch64__) || defined(__arm__)
    "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_ARM",
#endif
    NULL,
};

/* Allowed only when the container holds the capability. */
static const struct {
        int cap;
        const char *names[24];
} default_by_cap[] = {
    {CAP_SYS_ADMIN,
     {"bpf",           "clone",       "clone3",        "fanotify_init",   "fsconfig",
      "fsmount",       "fsopen",      "fspick",        "lookup_dcookie",  "mount",
      "mount_setattr", "move_mount",  "open_tree",     "perf_event_open", "pivot_root",
      "quotactl",      "quotactl_fd", "setdomainname", "sethostname",     "setns",
      "syslog",        "umount",      "umount2",       "unshare"}},
    {CAP_SYS_BOOT, {"reboot"}},
    {CAP_SYS_CHROOT, {"chroot"}},
    {CAP_SYS_MODULE, {"delete_module", "init_module", "finit_module"}},
    {CAP_SYS_PACCT, {"acct"}},
    {CAP_SYS_PTRACE, {"kcmp", "process_madvise"}},
    {CAP_SYS_RAWIO, {"iopl", "ioperm"}},
    {CAP_SYS_TIME, {"settimeofday", "stime", "clock_settime", "clock_settime64"}},
    {CAP_SYS_TTY_CONFIG, {"vhangup"}},
    {CAP_DAC_READ_SEARCH, {"open_by_handle_at"}},
    {CAP_SYSLOG, {"syslog"}},
    {CAP_BPF, {"bpf"}},
    {CAP_PERFMON, {"perf_event_open"}},
};

/* personality(2) values a container may ask for: PER_LINUX, PER_LINUX32, their
 * UNAME26 variants, and 0xffffffff (query the current persona). */
static const uint64_t default_personalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffffu};

/* clone(2) flags that create namespaces: clone is allowed only without them (unless
 * CAP_SYS_ADMIN). */
#define CLONE_NS_FLAGS 0x7E020000ULL /* NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET */

struct profile_builder {
        struct berth_seccomp *sc;
        size_t cap;
};

static struct berth_seccomp_rule *builder_add(struct profile_builder *b,
                                              enum berth_seccomp_action a)
{
        if (b->sc->n_syscalls == b->cap) {
                size_t ncap = b->cap ? b->cap * 2 : 32;
                struct berth_seccomp_rule *n = realloc(b->sc->syscalls, ncap * sizeof(*n));
                if (!n)
                        return NULL;
                b->sc->syscalls = n;
                b->cap = ncap;
        }
        struct berth_seccomp_rule *r = &b->sc->syscalls[b->sc->n_syscalls++];
        *r = (struct berth_seccomp_rule){.action = a};
        return r;
}

static int builder_names(struct berth_seccomp_rule *r, const char *const *names, size_t n)
{
        for (size_t i = 0; i < n && names[i]; i++)
                if (berth_strv_push(&r->names, names[i]) < 0)
                        return -ENOMEM;
        return 0;
}

static int builder_arg_rule(struct profile_builder *b, const char *name, enum berth_seccomp_op op,
                            uint64_t value, uint64_t value_two)
{
        struct berth_seccomp_rule *r = builder_add(b, BERTH_SECCOMP_ALLOW);
        if (!r || berth_strv_push(&r->names, name) < 0)
                return -ENOMEM;
        r->args = calloc(1, sizeof(*r->args));
        if (!r->args)
                return -ENOMEM;
        r->n_args = 1;
        r->args[0] = (struct berth_seccomp_arg){
            .index = 0, .value = value, .value_two = value_two, .op = op};
        return 0;
}

static int build_default(uint64_t caps, struct profile_builder *b)
{
        struct berth_seccomp *sc = b->sc;
        sc->default_action = BERTH_SECCOMP_ERRNO;
        sc->has_default_errno_ret = true;
        sc->default_errno_ret = EPERM;
        for (size_t i = 0; default_arches[i]; i++)
                if (berth_strv_push(&sc->architectures, default_arches[i]) < 0)
                        return -ENOMEM;

        struct berth_seccomp_rule *r = builder_add(b, BERTH_SECCOMP_ALLOW);
        if (!r || builder_names(r, default_allow, SIZE_MAX) < 0 ||
            builder_names(r, default_allow_arch, SIZE_MAX) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < ARRAY_SIZE(default_personalities); i++)
                if (builder_arg_rule(b, "personality", BERTH_SECCOMP_OP_EQ,
                                     default_personalities[i], 0) < 0)
                        return -ENOMEM;
        for (size_t i = 0; i < ARRAY_SIZE(default_by_cap); i++) {
                if (!(caps & (UINT64_C(1) << default_by_cap[i].cap)))
                        continue;
                r = builder_add(b, BERTH_SECCOMP_ALLOW);
                if (!r || builder_names(r, default_by_cap[i].names,
                                        ARRAY_SIZE(default_by_cap[i].names)) < 0)
                        return -ENOMEM;
        }
        if (!(caps & (UINT64_C(1) << CAP_SYS_ADMIN))) {
                /* clone without namespace flags; clone3 passes its flags in memory that BPF
                 * cannot read, so it fails with ENOSYS and libc falls back to clone. */
                if (builder_arg_rule(b, "clone", BERTH_SECCOMP_OP_MASKED_EQ, CLONE_NS_FLAGS, 0) < 0)
                        return -ENOMEM;
                r = builder_add(b, BERTH_SECCOMP_ERRNO);
                if (!r || berth_strv_push(&r->names, "clone3") < 0)
                        return -ENOMEM;
                r->has_errno_ret = true;
                r->errno_ret = ENOSYS;
        }
        return 0;
}

int berth_seccomp_default_profile(uint64_t caps, struct berth_seccomp *out, struct berth_error *err)
{
        *out = (struct berth_seccomp){0};
        struct profile_builder b = {.sc = out};
        if (build_default(caps, &b) < 0) {
                berth_seccomp_free(out);
                return berth_error_set(err, ENOMEM, "default seccomp profile: out of memory");
        }
        return 0;
}

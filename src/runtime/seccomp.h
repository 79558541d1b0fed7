/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seccomp: compile linux.seccomp to classic BPF in the parent (with libseccomp), cache the
 * program keyed by a hash of the profile, and install the prepared program in the child
 * with one seccomp(2) call just before execve.
 */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>

#include "basic/error.h"
#include "runtime/spec.h"

struct berth_seccomp_bpf {
        struct sock_filter *insns; /* malloc'ed */
        size_t n_insns;
        unsigned int flags; /* SECCOMP_FILTER_FLAG_* to pass to seccomp(2) */
        bool notify;        /* some rule uses SCMP_ACT_NOTIFY: install returns a fd */
};

/* Compile.  cache_dir (may be NULL) is a directory where compiled programs are kept as
 * <sha256>.bpf; a hit skips libseccomp entirely.  Unknown syscall names are skipped (as
 * runc does), unknown architectures / actions / flags are -EINVAL. */
int berth_seccomp_compile(const struct berth_seccomp *sc, const char *cache_dir,
                          struct berth_seccomp_bpf *out, struct berth_error *err);
void berth_seccomp_bpf_free(struct berth_seccomp_bpf *bpf);

/* In the child: install the program.  With notify, *notify_fd receives the listener fd
 * (O_CLOEXEC), else -1.  Async-signal-safe: no allocation. */
int berth_seccomp_install(const struct berth_seccomp_bpf *bpf, int *notify_fd,
                          struct berth_error *err);

/* The seccomp profile berth applies by default to engine containers (Docker's default
 * policy: EPERM default, no keyctl/kexec/userfaultfd/io_uring, mount/unshare/setns only
 * with CAP_SYS_ADMIN, clone3 -> ENOSYS). `caps` is the effective capability mask. */
int berth_seccomp_default_profile(uint64_t caps, struct berth_seccomp *out,
                                  struct berth_error *err);
void berth_seccomp_free(struct berth_seccomp *sc); /* fields only */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Turning the container's init (or an exec'd process) into the process the config asks
 * for: rlimits, user and groups, capabilities, no_new_privs, personality, I/O priority,
 * scheduler, and last the seccomp filter.  Called in the child, after pivot_root, just
 * before execve.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "basic/error.h"
#include "runtime/seccomp.h"
#include "runtime/spec.h"

/* Set the rlimits (never above the host's hard limit unless the config asks and we may). */
int berth_process_set_rlimits(const struct berth_process *p, struct berth_error *err);

/* Apply, in the order the kernel allows: bounding set, keep-caps, groups/gid/uid,
 * capability sets (effective/permitted/inheritable), ambient set, no_new_privs, umask,
 * personality, ioprio, scheduler, and the seccomp program (may be NULL).  When
 * no_new_privileges is false the filter is loaded while CAP_SYS_ADMIN is still held.
 * With a notify filter *notify_fd gets the listener fd.  `setgroups_allowed` is false in
 * a user namespace whose /proc/PID/setgroups is "deny". */
int berth_process_finalize(const struct berth_process *p, const struct berth_seccomp_bpf *bpf,
                           bool setgroups_allowed, int *notify_fd, struct berth_error *err);

/* Default 14 Docker capabilities as a mask. */
uint64_t berth_caps_docker_default(void);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI hooks: run one hook with the container's state JSON on its stdin, its args and env
 * exactly as given (nothing inherited), stdout and stderr going to our stderr, and an
 * optional timeout (the hook is killed on expiry and the error names it).
 *
 * Which hooks abort what is the caller's policy (container.c): prestart, createRuntime,
 * createContainer and startContainer failures abort; poststart and poststop failures are
 * warnings.
 */
#pragma once

#include "basic/error.h"
#include "runtime/spec.h"

const char *berth_hook_kind_name(enum berth_hook_kind kind);

/* Run every hook of `kind` in order; stops at the first failure. */
int berth_hooks_run(const struct berth_spec *spec, enum berth_hook_kind kind,
                    const char *state_json, struct berth_error *err);

/* Run one hook.  `exec_fd` >= 0 runs that file (opened earlier) instead of resolving
 * hook->path now. */
int berth_hook_run(const struct berth_hook *hook, int exec_fd, const char *state_json,
                   struct berth_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to src/cgroup/: device rules on cgroup v2 through an eBPF program
 * (BPF_PROG_TYPE_CGROUP_DEVICE attached with BPF_CGROUP_DEVICE).
 */
#pragma once

#include <stddef.h>

#include <linux/bpf.h>

#include "cgroup/cgroup-internal.h"

/* Build the program for `rules` (evaluated as v1 would: the last matching rule decides,
 * a device no rule matches is allowed).  *out is malloc'ed. */
int berth_cgroup_bpf_build(const struct berth_device_rule *rules, size_t n, struct bpf_insn **out,
                           size_t *n_insns, struct berth_error *err);

/* Load the program and attach it to the cgroup directory `dir`, then detach the programs
 * that were attached there before (so an update replaces the rules).  No rules: nothing. */
int berth_cgroup_bpf_devices(struct berth_cgroup *cg, const char *dir,
                             const struct berth_device_rule *rules, size_t n,
                             struct berth_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between the runspec files; not part of the public API. */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "basic/error.h"
#include "engine/runspec.h"

/* A new JSON array of the strings (NULL vector: empty array); NULL on ENOMEM. */
json_t *berth_runspec_strv_json(char *const *v);

/* The "linux" object: namespaces, resources, devices, sysctl, masked and read-only paths,
 * seccomp, cgroupsPath.  caps is the effective capability mask (for the seccomp profile). */
int berth_runspec_build_linux(const struct berth_run_opts *o, const struct berth_runspec_host *h,
                              uint64_t caps, json_t **out, struct berth_error *err);

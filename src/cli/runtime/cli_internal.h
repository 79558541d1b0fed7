/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by berth-runtime's command files. */
#pragma once

#include <jansson.h>
#include <sys/types.h>

#include "basic/error.h"
#include "cli/runtime/cli.h"

/* "KILL", "SIGKILL", "9", "sigterm" -> number; unknown -> -EINVAL naming it. */
int cli_parse_signal(const char *s, int *sig, struct berth_error *err);
/* "5s", "100ms", "1m", "2" (seconds) -> milliseconds. */
int cli_parse_duration_ms(const char *s, long *ms);
int cli_parse_preserve_fds(const struct cli_args *a, unsigned *out, struct berth_error *err);
/* runc's list table: ID PID STATUS BUNDLE CREATED OWNER. */
int cli_print_list_table(json_t *states);
/* ps -ef style, limited to pids; extra_args replace "-ef" when given. */
int cli_print_ps_table(const pid_t *pids, size_t n, char **extra_args, int n_extra,
                       struct berth_error *err);
json_t *cli_features_json(void);

extern const struct cli_flag cli_update_flags[];
int cli_cmd_update(const struct cli_global *g, struct cli_args *a, struct berth_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/* The tables: the groups, and the verbs listed in verbs.h. */
#include <stddef.h>

#include "cli/berth/verbs.h"
#include "basic/banned.h"

const struct berth_cli_group berth_cli_groups[] = {
    {"image", "Manage images"},
    {"system", "Manage berth"},
    {NULL, NULL},
};

#define BERTH_CLI_VERB_ENTRY(name) &berth_verb_##name,
const struct berth_cli_verb *const berth_cli_verbs[] = {BERTH_CLI_VERBS(BERTH_CLI_VERB_ENTRY) NULL};

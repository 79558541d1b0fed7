/* SPDX-License-Identifier: Apache-2.0 */
/* The verb table: one line per verb (each verb lives in its own file). */
#include <stddef.h>

#include "cli/berth/verbs.h"
#include "basic/banned.h"

const struct berth_cli_group berth_cli_groups[] = {
    {"image", "Manage images"},
    {"system", "Manage berth"},
    {NULL, NULL},
};

const struct berth_cli_verb *const berth_cli_verbs[] = {
    &berth_verb_image_ls,      &berth_verb_image_inspect,   &berth_verb_inspect,
    &berth_verb_image_history, &berth_verb_image_tag,       &berth_verb_image_rm,
    &berth_verb_image_prune,   &berth_verb_image_load,      &berth_verb_image_save,
    &berth_verb_image_import,  &berth_verb_image_bootstrap, &berth_verb_system_df,
    &berth_verb_version,       &berth_verb_completion,      NULL,
};

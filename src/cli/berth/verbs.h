/* SPDX-License-Identifier: Apache-2.0 */
/* Every verb the table (cli_verbs.c) lists: add one line here and one there. */
#pragma once

#include "cli/berth/cli.h"

extern const struct berth_cli_verb berth_verb_image_ls;        /* images.c */
extern const struct berth_cli_verb berth_verb_image_inspect;   /* image_inspect.c */
extern const struct berth_cli_verb berth_verb_inspect;         /* image_inspect.c */
extern const struct berth_cli_verb berth_verb_image_history;   /* image_history.c */
extern const struct berth_cli_verb berth_verb_image_tag;       /* image_rm.c */
extern const struct berth_cli_verb berth_verb_image_rm;        /* image_rm.c */
extern const struct berth_cli_verb berth_verb_image_prune;     /* image_rm.c */
extern const struct berth_cli_verb berth_verb_image_load;      /* image_archive_verbs.c */
extern const struct berth_cli_verb berth_verb_image_save;      /* image_archive_verbs.c */
extern const struct berth_cli_verb berth_verb_image_import;    /* image_archive_verbs.c */
extern const struct berth_cli_verb berth_verb_image_bootstrap; /* image_archive_verbs.c */
extern const struct berth_cli_verb berth_verb_system_df;       /* system_df.c */
extern const struct berth_cli_verb berth_verb_version;         /* cli_misc.c */
extern const struct berth_cli_verb berth_verb_completion;      /* cli_misc.c */

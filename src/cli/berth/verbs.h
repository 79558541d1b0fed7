/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verb table: one line per verb.  A verb `foo` is a `const struct berth_cli_verb
 * berth_verb_foo` defined in a file of its own (see cli.h); adding X(foo) here declares it
 * and puts it in the table (cli_verbs.c), in this order for help and completion.
 */
#pragma once

#include "cli/berth/cli.h"

#define BERTH_CLI_VERBS(X)                                                                         \
        X(image_ls)        /* images.c */                                                          \
        X(image_inspect)   /* image_inspect.c */                                                   \
        X(inspect)         /* image_inspect.c (containers later) */                                \
        X(image_history)   /* image_history.c */                                                   \
        X(image_tag)       /* image_rm.c */                                                        \
        X(image_rm)        /* image_rm.c */                                                        \
        X(image_prune)     /* image_rm.c */                                                        \
        X(image_load)      /* image_archive_verbs.c */                                             \
        X(image_save)      /* image_archive_verbs.c */                                             \
        X(image_import)    /* image_archive_verbs.c */                                             \
        X(image_bootstrap) /* image_archive_verbs.c */                                             \
        X(system_df)       /* system_df.c */                                                       \
        X(version)         /* cli_misc.c */                                                        \
        X(completion)      /* cli_misc.c */                                                        \
        X(help)            /* cli_misc.c */

#define BERTH_CLI_DECLARE_VERB(name) extern const struct berth_cli_verb berth_verb_##name;
BERTH_CLI_VERBS(BERTH_CLI_DECLARE_VERB)

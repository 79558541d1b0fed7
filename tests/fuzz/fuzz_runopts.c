/* SPDX-License-Identifier: Apache-2.0 */
/* The `berth run` flag values: each input line "flag=value" goes through berth_runopt_set;
 * the whole input is also parsed as an --env-file.  Every error must be one line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/runopts.h"
#include "basic/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const struct berth_error *e)
{
        if (e->code && (e->msg[0] == '\0' || strchr(e->msg, '\n')))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 1 << 16)
                return 0;
        char *s = strndup((const char *)data, size);
        if (!s)
                return 0;
        struct berth_run_opts o;
        berth_run_opts_init(&o);
        char *save = NULL;
        for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *eq = strchr(line, '=');
                if (!eq)
                        continue;
                *eq = '\0';
                struct berth_error e = {0};
                (void)berth_runopt_set(&o, line, eq + 1, &e);
                check_message(&e);
        }
        struct berth_error e = {0};
        (void)berth_runopt_parse_env_file(&o, (const char *)data, size, &e);
        check_message(&e);
        berth_run_opts_free(&o);
        free(s);
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for the --format engine: the input is a template, parsed both as plain Go
 * template text and as a Docker --format value, then executed against a fixed row. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/template.h"
#include "basic/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *ROW =
    "{\"ID\":\"3f2a1b\",\"Names\":\"web\",\"State\":\"running\",\"Size\":1024,\"Ratio\":0.5,"
    "\"Nil\":null,\"Empty\":\"\",\"True\":true,\"List\":[1,\"two\",[3],{\"k\":\"v\"},null],"
    "\"Labels\":{\"com.docker.compose.project\":\"shop\",\"a\":\"<&>\"},"
    "\"Label\":{\"x\":\"y\"},\"Mounts\":[{\"Source\":\"/a\"},{\"Source\":\"/b\"}],"
    "\"Config\":{\"Env\":[\"A=1\"],\"Labels\":{}}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 4096)
                return 0; /* keep each run fast; the engine's own caps are tested elsewhere */
        char *text = strndup((const char *)data, size);
        json_t *row = json_loads(ROW, 0, NULL);
        json_t *rows = json_array();
        if (!text || !row || !rows)
                goto out;
        json_array_append(rows, row);
        json_array_append_new(rows, json_object());
        struct berth_template *t = NULL;
        if (berth_template_parse(text, &t, NULL) == 0) {
                struct berth_buf out = {0};
                berth_template_execute(t, row, &out, NULL);
                berth_template_execute(t, NULL, &out, NULL);
                berth_buf_free(&out);
                berth_template_free(t);
        }
        t = NULL;
        if (berth_template_parse_format(text, &t, NULL) == 0) {
                struct berth_buf out = {0};
                json_t *headers = json_pack("{s:s,s:s}", "ID", "CONTAINER ID", "Names", "NAMES");
                berth_template_render(t, rows, headers, &out, NULL);
                json_decref(headers);
                berth_buf_free(&out);
                berth_template_free(t);
        }
out:
        json_decref(rows);
        json_decref(row);
        free(text);
        return 0;
}

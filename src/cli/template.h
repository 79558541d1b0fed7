/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's --format: Go text/template over jansson values, plus Docker's `table` prefix.
 *
 * Every list/inspect command builds one json_t object per row with Docker's field names
 * ({"ID": "...", "Names": "...", "Labels": {...}}) and hands it here; this module knows
 * nothing about any particular command.
 *
 * Supported Go text/template subset: text and {{ }} actions with {{- / -}} trimming and
 * comment actions; pipelines with |; fields and chains (.A.B, $x.A, (pipe).A); . and $;
 * $x := / $x = variables; {{if}} / {{else if}} / {{else with}} / {{else}} / {{end}},
 * {{range}} (arrays, objects in sorted key order, integers; $i, $v :=; {{else}}; {{break}}
 * and {{continue}}), {{with}}; literals (strings, raw strings, chars, ints in any Go base,
 * floats, true/false, nil); parentheses.  Functions: and or not eq ne lt le gt ge len index
 * slice print printf println, and Docker's json join split lower upper title truncate pad.
 * Not supported: define, template, block, call, html, js, urlquery (parse errors).
 *
 * Values print as Go prints them: strings as is, integers in decimal, floats as Go's %v
 * (1e+06, 1.5), true/false, arrays as [a b], objects as map[k:v] with sorted keys, a
 * missing field as <no value> (a JSON null prints the same way).
 *
 * Where berth is deliberately more lenient than Go (a JSON object is a Go map here):
 *   - a field of a missing value or of a JSON null is <no value> rather than an error;
 *   - integers and floats compare with each other (Go reports incompatible types);
 *   - a field given arguments whose value is an object is indexed by them, so callers can
 *     offer Docker's methods such as {{.Label "com.docker.compose.project"}} by putting an
 *     object under "Label".
 * Other differences from Docker: truncate counts characters, not bytes (Docker can cut a
 * UTF-8 sequence in half); lower/upper/title map ASCII, Latin-1, Latin Extended-A, Greek
 * and Cyrillic only; printf's %x of a float is a bad verb (Go prints a hex float).
 * `json` prints like Docker's CLI (its encoder has HTML escaping off: <, > and & are kept;
 * U+2028/U+2029 are escaped), objects in their insertion order.
 *
 * Bounds: template text <= 1 MiB, nesting <= 64; per execute, output <= 16 MiB, at most
 * 2 million evaluation steps (~25 ms), and at most 256 MiB of strings into and out of
 * functions; past them execution stops with -E2BIG / -ELOOP.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "basic/error.h"
#include "basic/strutil.h"

struct berth_template;

#define BERTH_TEMPLATE_MAX_TEXT   (1u << 20)
#define BERTH_TEMPLATE_MAX_OUTPUT (16u << 20)

/* Parse Go template text as is.  Errors (-EINVAL) read like Go's, with a 0-based byte
 * column added after the line: "template: :1:8: bad character U+007D '}'" (for "{{.Names}"),
 * "template: :1:2: function \"foo\" not defined", "template: :1:9: unexpected EOF";
 * -E2BIG for text over BERTH_TEMPLATE_MAX_TEXT.  *out is owned by the caller
 * (berth_template_free). */
int berth_template_parse(const char *text, struct berth_template **out, struct berth_error *err);

/* Parse a list command's --format value the way Docker's CLI does: "json" means {{json .}};
 * a "table" prefix makes a table template (berth_template_is_table) and is removed (a bare
 * "table" leaves an empty template: commands substitute their default table first); then
 * surrounding spaces are trimmed and the two-character sequences \t and \n become a tab
 * and a newline. */
int berth_template_parse_format(const char *format, struct berth_template **out,
                                struct berth_error *err);

void berth_template_free(struct berth_template *t);
static inline void berth_template_freep(struct berth_template **t)
{
        berth_template_free(*t);
}
#define _cleanup_template_ __attribute__((cleanup(berth_template_freep)))

/* True when parsed by berth_template_parse_format from a "table ..." format. */
bool berth_template_is_table(const struct berth_template *t);

/* Execute against `data` (borrowed; NULL means no value) and append to *out.  Errors
 * (-EINVAL) name the position and the failing operand: "template: :1:2: executing \"\" at
 * <index .Args 5>: error calling index: index out of range: 5".  On error *out may hold a
 * partial row; callers print nothing of it. */
int berth_template_execute(const struct berth_template *t, json_t *data, struct berth_buf *out,
                           struct berth_error *err);

/* The header row of a table, as Docker makes it: the template is executed with every field
 * chain (.ID, $.Config.Env) replaced by its header name: header_map["ID"] (a string; the
 * dotted chain "Config.Env" is looked up first, then its last element), or else the
 * upper-cased last element ("ENV").  json, join, split, lower, upper, title and truncate
 * return their first argument unchanged.  Like Docker, an execution error only ends the
 * header early: it returns 0 with what was written.  header_map may be NULL. */
int berth_template_header(const struct berth_template *t, json_t *header_map, struct berth_buf *out,
                          struct berth_error *err);

/* Everything a list command prints for `rows` (a JSON array of row objects): for a table
 * template, the header row and one row per element aligned by the Docker tab writer
 * (src/cli/table.h); otherwise each row followed by a newline. */
int berth_template_render(const struct berth_template *t, json_t *rows, json_t *header_map,
                          struct berth_buf *out, struct berth_error *err);

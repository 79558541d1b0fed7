/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's --format engine (src/cli/template.h) and tab writer (src/cli/table.h).  Expected
 * strings follow Go text/template and docker CLI 28 behaviour (checked against the docker
 * client where a command can run without a daemon, e.g. `docker context ls --format`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/table.h"
#include "cli/template.h"
#include "basic/banned.h"

/* A container row shaped like `docker ps` / `docker inspect` data. */
static const char *DATA =
    "{\"ID\":\"3f2a1b\",\"Names\":\"web\",\"Image\":\"busybox:latest\",\"State\":\"running\","
    "\"Status\":\"Up 2 minutes\",\"Size\":1024,\"Ratio\":0.5,\"Big\":1e6,\"Nil\":null,"
    "\"Empty\":\"\",\"Zero\":0,\"False\":false,\"True\":true,\"EmptyList\":[],\"EmptyMap\":{},"
    "\"Labels\":{\"com.docker.compose.project\":\"shop\",\"b\":\"2\",\"a\":\"1\"},"
    "\"Label\":{\"com.docker.compose.service\":\"api\"},"
    "\"Mounts\":[{\"Source\":\"/srv/a\",\"Destination\":\"/a\"},"
    "{\"Source\":\"/srv/b\",\"Destination\":\"/b\"}],"
    "\"Args\":[\"-c\",\"sleep 1\"],\"Ports\":[80,443],"
    "\"Config\":{\"Env\":[\"PATH=/bin\",\"X=1\"],\"Labels\":{\"html\":\"<a href=x&y>\"}},"
    "\"Nested\":[[1,2],[3]]}";

static json_t *load(const char *text)
{
        json_error_t je;
        json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
        if (!j)
                fail_msg("bad test json: %s (%s)", text, je.text);
        return j;
}

static void expect_with(const char *tmpl, const char *data, const char *want)
{
        struct berth_template *t = NULL;
        struct berth_error err = {0};
        if (berth_template_parse(tmpl, &t, &err) < 0)
                fail_msg("parse '%s': %s", tmpl, err.msg);
        json_t *d = data ? load(data) : NULL;
        struct berth_buf out = {0};
        int r = berth_template_execute(t, d, &out, &err);
        if (r < 0)
                fail_msg("execute '%s': %s", tmpl, err.msg);
        if (strcmp(out.data, want) != 0)
                fail_msg("'%s'\n got: '%s'\nwant: '%s'", tmpl, out.data, want);
        berth_buf_free(&out);
        json_decref(d);
        berth_template_free(t);
}

static void expect(const char *tmpl, const char *want)
{
        expect_with(tmpl, DATA, want);
}

static void parse_error(const char *tmpl, const char *want_msg)
{
        struct berth_template *t = NULL;
        struct berth_error err = {0};
        int r = berth_template_parse(tmpl, &t, &err);
        if (r >= 0)
                fail_msg("'%s' parsed, expected error '%s'", tmpl, want_msg);
        assert_int_equal(r, -EINVAL);
        assert_null(t);
        if (!strstr(err.msg, want_msg))
                fail_msg("'%s': message '%s' lacks '%s'", tmpl, err.msg, want_msg);
}

static void exec_error(const char *tmpl, int code, const char *want_msg)
{
        struct berth_template *t = NULL;
        struct berth_error err = {0};
        if (berth_template_parse(tmpl, &t, &err) < 0)
                fail_msg("parse '%s': %s", tmpl, err.msg);
        json_t *d = load(DATA);
        struct berth_buf out = {0};
        assert_int_equal(berth_buf_append(&out, "keep", 4), 0);
        int r = berth_template_execute(t, d, &out, &err);
        if (r >= 0)
                fail_msg("'%s' executed to '%s', expected error '%s'", tmpl, out.data, want_msg);
        assert_int_equal(r, -code);
        if (!strstr(err.msg, want_msg))
                fail_msg("'%s': message '%s' lacks '%s'", tmpl, err.msg, want_msg);
        /* a failed execution leaves the buffer as it was */
        assert_string_equal(out.data, "keep");
        berth_buf_free(&out);
        json_decref(d);
        berth_template_free(t);
}

static void render(const char *format, const char *rows, const char *headers, const char *want)
{
        struct berth_template *t = NULL;
        struct berth_error err = {0};
        if (berth_template_parse_format(format, &t, &err) < 0)
                fail_msg("parse format '%s': %s", format, err.msg);
        json_t *r = load(rows);
        json_t *h = headers ? load(headers) : NULL;
        struct berth_buf out = {0};
        if (berth_template_render(t, r, h, &out, &err) < 0)
                fail_msg("render '%s': %s", format, err.msg);
        if (strcmp(out.data, want) != 0)
                fail_msg("'%s'\n got: '%s'\nwant: '%s'", format, out.data, want);
        berth_buf_free(&out);
        json_decref(r);
        json_decref(h);
        berth_template_free(t);
}

static void test_fields(void **state)
{
        expect("{{.Names}}", "web");
        expect("name={{.Names}} id={{.ID}}", "name=web id=3f2a1b");
        expect("{{.Config.Env}}", "[PATH=/bin X=1]");
        expect("{{$.Names}}{{with .Config}}{{$.ID}}{{end}}", "web3f2a1b");
        expect("{{.Size}} {{.Ratio}} {{.Big}} {{.True}} {{.False}}", "1024 0.5 1e+06 true false");
        /* missing fields and nulls */
        expect("{{.Missing}}", "<no value>");
        expect("{{.Missing.Deeper}}", "<no value>");
        expect("{{.Nil}}", "<no value>");
        expect("[{{.Empty}}]", "[]");
        /* Go's printing of composite values: sorted map keys, space-separated lists */
        expect("{{.Labels}}", "map[a:1 b:2 com.docker.compose.project:shop]");
        expect("{{.Mounts}}",
               "[map[Destination:/a Source:/srv/a] map[Destination:/b Source:/srv/b]]");
        expect("{{.Nested}} {{.EmptyList}} {{.EmptyMap}}", "[[1 2] [3]] [] map[]");
        expect_with("{{.}}", "[1,null,\"x\"]", "[1 <nil> x]");
        expect_with("{{.}}", "\"plain\"", "plain");
        expect_with("{{.A}}", NULL, "<no value>");
        /* the Docker-method extension: a field with arguments indexes an object */
        expect("{{.Label \"com.docker.compose.service\"}}", "api");
        expect("{{.Label \"nope\"}}", "<no value>");
        expect("{{\"com.docker.compose.service\" | .Label}}", "api");
}

static void test_json(void **state)
{
        expect("{{json .Config.Labels}}", "{\"html\":\"<a href=x&y>\"}");
        expect("{{json .Args}}", "[\"-c\",\"sleep 1\"]");
        expect("{{json .Size}} {{json .Ratio}} {{json .Big}} {{json .Nil}} {{json .Missing}}",
               "1024 0.5 1000000 null null");
        expect("{{json .EmptyList}}{{json .EmptyMap}}{{json .True}}", "[]{}true");
        /* insertion order of the row object is kept (Docker prints struct field order) */
        expect_with("{{json .}}", "{\"b\":1,\"a\":[true,null]}", "{\"b\":1,\"a\":[true,null]}");
        /* escapes as Docker's encoder makes them: HTML characters kept */
        expect("{{json \"<&>\"}}", "\"<&>\"");
        expect("{{json \"q\\\"b\\\\ \\n\\t\\r\\b\\f\\x01\\x7f\"}}",
               "\"q\\\"b\\\\ \\n\\t\\r\\b\\f\\u0001\x7f\"");
        expect("{{json \"\\u2028\\u2029é\"}}", "\"\\u2028\\u2029é\"");
        expect("{{json \"a\\xffb\"}}", "\"a\\ufffdb\"");
        /* floats as encoding/json writes them */
        expect("{{json 1.0}}|{{json 1e21}}|{{json 1e20}}|{{json 0.0000001}}|{{json 0.000001}}|"
               "{{json -2.5e-10}}|{{json 123456789.0}}",
               "1|1e+21|100000000000000000000|1e-7|0.000001|-2.5e-10|123456789");
        /* the whole inspect object */
        expect_with("{{json .}}", "{\"Id\":\"x\",\"State\":{\"Pid\":7},\"Mounts\":[]}",
                    "{\"Id\":\"x\",\"State\":{\"Pid\":7},\"Mounts\":[]}");
}

static void test_index(void **state)
{
        expect("{{index .Labels \"com.docker.compose.project\"}}", "shop");
        expect("{{index .Labels \"missing\"}}", "<no value>");
        expect("{{index .Args 1}}", "sleep 1");
        expect("{{index .Nested 0 1}}", "2");
        expect("{{index .Mounts 1 \"Source\"}}", "/srv/b");
        expect("{{(index .Mounts 0).Destination}}", "/a");
        expect("{{index \"abc\" 1}}", "98");
        expect("{{index .Args}}", "[-c sleep 1]");
        exec_error("{{index .Args 5}}", EINVAL,
                   "template: :1:2: executing \"\" at <index .Args 5>: error calling index: index "
                   "out of range: 5");
        exec_error("{{index .Args -1}}", EINVAL, "index out of range: -1");
        exec_error("{{index .Args \"x\"}}", EINVAL, "cannot index slice/array with type string");
        exec_error("{{index .Labels 1}}", EINVAL, "value has type int; should be string");
        exec_error("{{index .Missing 1}}", EINVAL, "index of untyped nil");
        exec_error("{{index .Size 1}}", EINVAL, "can't index item of type int");
        expect("{{slice .Args 1}} {{slice \"hello\" 1 3}} {{slice .Ports 0 0}}", "[sleep 1] el []");
        exec_error("{{slice .Args 3}}", EINVAL, "index out of range: 3");
        exec_error("{{slice .Args 2 1}}", EINVAL, "invalid slice index: 2 > 1");
        expect("{{slice .Args 0 1 2}}", "[-c]");
        exec_error("{{slice .Args 0 2 1}}", EINVAL, "invalid slice index: 2 > 1");
        exec_error("{{slice \"abc\" 0 1 2}}", EINVAL, "cannot 3-index slice a string");
        exec_error("{{slice .Args 0 1 2 3}}", EINVAL, "too many slice indexes: 4");
}

static void test_range(void **state)
{
        expect("{{range .Mounts}}{{.Source}} {{end}}", "/srv/a /srv/b ");
        expect("{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}",
               "a=1;b=2;com.docker.compose.project=shop;");
        expect("{{range $i, $a := .Args}}{{$i}}:{{$a}},{{end}}", "0:-c,1:sleep 1,");
        expect("{{range $m := .Mounts}}{{$m.Destination}}{{end}}", "/a/b");
        expect("{{range .EmptyList}}x{{else}}none{{end}}", "none");
        expect("{{range .Missing}}x{{else}}none{{end}}", "none");
        expect("{{range .EmptyMap}}x{{else}}empty{{end}}", "empty");
        expect("{{range .Mounts}}{{$.Names}}:{{.Destination}} {{end}}", "web:/a web:/b ");
        expect("{{range 3}}{{.}}{{end}}", "012");
        expect("{{range .Nested}}[{{range .}}{{.}}{{end}}]{{end}}", "[12][3]");
        expect("{{range .Ports}}{{if eq . 443}}{{break}}{{end}}{{.}} {{end}}", "80 ");
        expect("{{range .Ports}}{{if eq . 80}}{{continue}}{{end}}{{.}}{{end}}", "443");
        expect("{{range $i, $e := .Ports}}{{$x := $e}}{{$x}}{{end}}", "80443");
        exec_error("{{range .Names}}{{end}}", EINVAL,
                   "executing \"\" at <.Names>: range can't iterate over web");
        exec_error("{{range .True}}{{end}}", EINVAL, "range can't iterate over true");
        exec_error("{{range $i, $e := 3}}{{end}}", EINVAL,
                   "template: :1:18: executing \"\" at <3>: can't use 3 to iterate over more "
                   "than one variable");
}

static void test_if_with(void **state)
{
        expect("{{if eq .State \"running\"}}up{{else}}down{{end}}", "up");
        expect("{{if eq .State \"exited\"}}up{{else}}down{{end}}", "down");
        expect("{{if gt .Size 4096}}big{{else if gt .Size 1000}}mid{{else}}small{{end}}", "mid");
        expect("{{if .Zero}}a{{else if .Empty}}b{{else if .EmptyList}}c{{else if .EmptyMap}}d"
               "{{else if .Nil}}e{{else if .Missing}}f{{else if .False}}g{{else}}none{{end}}",
               "none");
        expect("{{if .Size}}1{{end}}{{if .Ratio}}2{{end}}{{if .Args}}3{{end}}{{if .Labels}}4{{end}}"
               "{{if .True}}5{{end}}{{if .Names}}6{{end}}",
               "123456");
        expect("{{with .Config}}{{index .Env 0}}{{end}}", "PATH=/bin");
        expect("{{with .Missing}}x{{else}}dot={{.Names}}{{end}}", "dot=web");
        expect("{{with .Missing}}x{{else with .Empty}}y{{else with .Image}}{{.}}{{end}}",
               "busybox:latest");
        expect("{{with $x := .Size}}{{$x}}{{end}}", "1024");
        expect("{{if and .Names (eq .State \"running\")}}ok{{end}}", "ok");
        expect("{{if or .Missing .Zero}}yes{{else}}no{{end}}", "no");
        expect("{{if not .Empty}}empty{{end}}", "empty");
}

static void test_compare(void **state)
{
        expect("{{eq .Size 1024}} {{ne .Size 1024}} {{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} "
               "{{ge 1.5 2}} {{eq .Ratio 0.5}} {{lt .Size 1024.5}}",
               "true false true true true false true true");
        expect("{{eq .State \"exited\" \"running\"}} {{eq .Missing \"x\"}} {{eq .Nil .Missing}} "
               "{{eq .True true}}",
               "true false true true");
        exec_error("{{eq 1 \"a\"}}", EINVAL, "error calling eq: incompatible types for comparison");
        exec_error("{{eq .Args .Args}}", EINVAL, "non-comparable type []interface {}");
        exec_error("{{lt true false}}", EINVAL, "invalid type for comparison");
        exec_error("{{lt .Missing 1}}", EINVAL, "invalid type for comparison");
        exec_error("{{eq 1}}", EINVAL, "missing argument for comparison");
}

static void test_and_or_not(void **state)
{
        expect(
            "{{and 1 0 2}}|{{and 1 2}}|{{or 0 \"\" \"z\"}}|{{or 0 \"\"}}|{{not 0}}|{{not .Args}}",
            "0|2|z||true|false");
        /* and/or stop at the first deciding argument: the failing index is never evaluated */
        expect("{{and .Zero (index .Args 99)}}|{{or .Names (index .Args 99)}}", "0|web");
        expect("{{.Zero | and 1}}|{{.Names | or 0}}", "0|web");
        exec_error("{{and .Names (index .Args 99)}}", EINVAL, "index out of range: 99");
}

static void test_docker_funcs(void **state)
{
        expect("{{join .Args \",\"}}", "-c,sleep 1");
        expect("{{join .Ports \"+\"}}|{{join .Missing \",\"}}|{{join .EmptyList \",\"}}",
               "80+443||");
        expect("{{split \"a,b,,c\" \",\"}}|{{len (split \"a,b\" \",\")}}|{{split \"héj\" \"\"}}",
               "[a b  c]|2|[h é j]");
        expect("{{range split .Image \":\"}}<{{.}}>{{end}}", "<busybox><latest>");
        expect("{{lower .Status}}|{{upper .Status}}|{{title \"hello-world foo_bar x1y\"}}",
               "up 2 minutes|UP 2 MINUTES|Hello-World Foo_bar X1y");
        expect(
            "{{truncate .ID 4}}|{{truncate .ID 100}}|{{truncate \"héllo\" 2}}|{{truncate .ID 0}}|",
            "3f2a|3f2a1b|hé||");
        expect("[{{pad .Names 2 3}}]|[{{pad .Empty 2 3}}]", "[  web   ]|[]");
        expect("{{.Status | lower | upper}}", "UP 2 MINUTES");
        /* non-ASCII letters (as checked against docker 28) */
        expect("{{title \"ÉCOLE école 3d-thing ÿx\"}}", "ÉCOLE École 3d-Thing Ÿx");
        expect("{{upper \"héllo ÿ ς ж ё ő\"}}|{{lower \"HÉLLO Ÿ Σ Ж Ё Ő\"}}",
               "HÉLLO Ÿ Σ Ж Ё Ő|héllo ÿ σ ж ё ő");
        expect("{{upper \"a\xff"
               "b\"}}",
               "A\xff"
               "B"); /* an invalid byte is kept */
        expect("{{len .Args}} {{len .Labels}} {{len .Names}} {{len \"héllo\"}}", "2 3 3 6");
        exec_error("{{join .Args}}", EINVAL,
                   "template: :1:2: executing \"\" at <join>: wrong number of args for join: want "
                   "2 got 1");
        exec_error("{{lower .Size}}", EINVAL,
                   "at <lower>: wrong type for value; expected string; got int");
        exec_error("{{lower .Missing}}", EINVAL, "invalid value; expected string");
        exec_error("{{truncate .Names \"x\"}}", EINVAL, "expected int; got string");
        exec_error("{{truncate .Names -1}}", EINVAL, "negative length");
        exec_error("{{join .Names \",\"}}", EINVAL, "expected []string; got string");
        exec_error("{{len .Size}}", EINVAL, "error calling len: len of type int");
        exec_error("{{len .Missing}}", EINVAL, "len of nil pointer");
        exec_error("{{printf}}", EINVAL, "wrong number of args for printf: want at least 1 got 0");
}

static void test_printf(void **state)
{
        expect("{{printf \"%-10s|\" .Names}}", "web       |");
        expect("{{printf \"%10s|%5d|%-5d|%05d|%+d|% d\" .Names .Size 7 -42 5 5}}",
               "       web| 1024|7    |-0042|+5| 5");
        expect("{{printf \"%q %v %s %t %x %X %o %b %c %U\" .Names .Ratio .Image true 255 255 8 5 "
               "65 65}}",
               "\"web\" 0.5 busybox:latest true ff FF 10 101 A U+0041");
        expect("{{printf \"%x %X %q\" \"hi\" \"hi\" \"a\\\"b\\n\"}}", "6869 6869 \"a\\\"b\\n\"");
        expect("{{printf \"%.2f %5.1f %e %g %g %v %v\" 3.14159 2.25 1234.5 0.1 123456789.0 1e6 "
               "100000.0}}",
               "3.14   2.2 1.234500e+03 0.1 1.23456789e+08 1e+06 100000");
        expect("{{printf \"%.3s|%5s|%-4s|\" \"héllo\" \"é\" \"é\"}}", "hél|    é|é   |");
        expect("{{printf \"%d %s\" \"x\" 5}}", "%!d(string=x) %!s(int=5)");
        expect("{{printf \"%d %d\" 1}}", "1 %!d(MISSING)");
        expect("{{printf \"%d\" 1 \"a\"}}", "1%!(EXTRA string=a)");
        expect("{{printf \"100%% %v %v %T\" .Args .Labels .Ratio}}",
               "100% [-c sleep 1] map[a:1 b:2 com.docker.compose.project:shop] float64");
        expect("{{printf \"%v|%s|%d\" .Missing .Missing .Missing}}", "<nil>|%!s(<nil>)|%!d(<nil>)");
        expect("{{printf \"%5d|%q\" .Ports .Args}}", "[   80   443]|[\"-c\" \"sleep 1\"]");
        expect("{{printf \"%*d|%-*d|\" 4 7 3 1}}", "   7|1  |");
        expect("{{len (printf \"%.200d\" 5)}} {{printf \"%#x %#o %.3x\" 255 8 10}}",
               "200 0xff 010 00a");
        expect("{{printf \"%!\"}}|{{printf \"%\"}}", "%!!(MISSING)|%!(NOVERB)");
        expect("{{printf \"%s\" .Names | printf \"<%s>\"}}", "<web>");
        expect("{{.Names | printf \"%s-%s\" .ID}}", "3f2a1b-web");
}

static void test_print(void **state)
{
        expect("{{print 1 2 \"a\" \"b\" 3}}|{{println 1 \"a\"}}|{{print}}", "1 2ab3|1 a\n|");
        expect("{{print .Args .Size}}", "[-c sleep 1] 1024");
        expect("{{1e6}} {{123456789.0}} {{100000.0}} {{1.5}} {{3}} {{-0.0001}} {{0.00001}}",
               "1e+06 1.23456789e+08 100000 1.5 3 -0.0001 1e-05");
        expect("{{0x1F}} {{0o17}} {{017}} {{0b101}} {{1_000}} {{'a'}} {{'\\n'}} {{-7}} {{+7}}",
               "31 15 15 5 1000 97 10 -7 7");
        expect("{{\"tab\\there\"}}|{{`raw\\n`}}|{{\"\\u00e9\\x41\\101\"}}", "tab\there|raw\\n|éAA");
        expect("{{true}} {{false}} {{print nil}}", "true false <nil>");
}

static void test_trim_and_comments(void **state)
{
        expect("a  {{- .Names -}}  b", "awebb");
        expect("a \n\t{{- .Names}} b", "aweb b");
        expect("{{.Names -}}\n\n  x", "webx");
        expect("{{- 3}} {{-3}}", "3 -3");
        expect("x{{/* a comment */}}y", "xy");
        expect("x {{- /* trimmed */ -}} y", "xy");
        expect("{{range .Args -}}\n  {{.}}\n{{- end}}", "-csleep 1");
        expect("{{.Names\n}}", "web");
}

static void test_variables(void **state)
{
        expect("{{$x := .Names}}{{$x}}-{{$x | upper}}", "web-WEB");
        expect("{{$x := 1}}{{if true}}{{$x = 2}}{{$y := 3}}{{$y}}{{end}}{{$x}}", "32");
        expect("{{$n := len .Args}}{{if gt $n 1}}many{{end}}", "many");
        expect("{{$c := .Config}}{{$c.Env}} {{$.Config.Labels.html}}",
               "[PATH=/bin X=1] <a href=x&y>");
        expect("{{$}}", "map[Args:[-c sleep 1] Big:1e+06 Config:map[Env:[PATH=/bin X=1] "
                        "Labels:map[html:<a href=x&y>]] Empty: EmptyList:[] EmptyMap:map[] "
                        "False:false ID:3f2a1b Image:busybox:latest Label:map[com.docker.compose."
                        "service:api] Labels:map[a:1 b:2 com.docker.compose.project:shop] "
                        "Mounts:[map[Destination:/a Source:/srv/a] map[Destination:/b "
                        "Source:/srv/b]] Names:web Nested:[[1 2] [3]] Nil:<nil> Ports:[80 443] "
                        "Ratio:0.5 Size:1024 State:running Status:Up 2 minutes True:true Zero:0]");
        parse_error("{{if true}}{{$y := 3}}{{end}}{{$y}}", "undefined variable \"$y\"");
        parse_error("{{$x = 1}}", "undefined variable \"$x\"");
        parse_error("{{$x}}", "template: :1:2: undefined variable \"$x\"");
        parse_error("{{$a, $b := 1}}", "too many declarations in command");
}

static void test_parse_errors(void **state)
{
        parse_error("{{.Names}", "template: :1:8: bad character U+007D '}'");
        parse_error("{{.Names", "unclosed action");
        parse_error("{{foo 1}}", "template: :1:2: function \"foo\" not defined");
        parse_error("{{if .A}}x", "unexpected EOF");
        parse_error("{{end}}", "unexpected {{end}}");
        parse_error("{{else}}", "unexpected {{else}}");
        parse_error("{{range .A}}{{else}}{{else}}{{end}}", "expected end; found {{else}}");
        parse_error("{{}}", "missing value for command");
        parse_error("{{if}}{{end}}", "missing value for if");
        parse_error("{{.A | \"x\"}}", "non executable command in pipeline stage 2");
        parse_error("{{\"abc}}", "unterminated quoted string");
        parse_error("{{`abc}}", "unterminated raw quoted string");
        parse_error("{{\"\\q\"}}", "invalid syntax");
        parse_error("{{3x}}", "bad number syntax: \"3x\"");
        parse_error("{{99999999999999999999}}", "overflows int");
        parse_error("{{1e999}}", "illegal number syntax");
        parse_error("{{(1}}", "unclosed left paren");
        parse_error("{{1)}}", "unexpected right paren");
        parse_error("{{break}}", "{{break}} outside {{range}}");
        parse_error("{{define \"x\"}}{{end}}", "{{define}} is not supported");
        parse_error("{{template \"x\"}}", "is not supported");
        parse_error("{{/* x }}", "unclosed comment");
        parse_error("{{/* x */ .A}}", "comment ends before closing delimiter");
        parse_error("{{.A #}}", "unexpected \"#\" in operand");
        parse_error("{{\"a\".B}}", "unexpected . after term");
        parse_error("line1\n{{.A}}\n  {{.B", "template: :3:");
        parse_error("{{\x01}}", "unrecognized character in action: U+0001");
        /* nesting is bounded */
        char deep[4096] = "";
        for (int i = 0; i < 100; i++)
                strncat(deep, "{{if 1}}", sizeof(deep) - strlen(deep) - 1);
        parse_error(deep, "nesting deeper than 64");
        char parens[1024] = "{{";
        for (int i = 0; i < 100; i++)
                strncat(parens, "(", sizeof(parens) - strlen(parens) - 1);
        parse_error(parens, "nesting deeper than 64");
        /* and a parse never crashes on junk */
        struct berth_template *t = NULL;
        assert_int_equal(berth_template_parse(NULL, &t, NULL), -EINVAL);
}

static void test_exec_errors(void **state)
{
        exec_error("{{.Names.X}}", EINVAL,
                   "template: :1:2: executing \"\" at <.Names.X>: can't evaluate field X in type "
                   "string");
        exec_error("{{.Names 1}}", EINVAL, "Names is not a method but has arguments");
        exec_error("{{\"x\" 1}}", EINVAL, "can't give argument to non-function \"x\"");
        exec_error("{{nil}}", EINVAL, "nil is not a command");
        exec_error("line\n  {{index .Args 9}}", EINVAL, "template: :2:4: executing");
        /* bounded execution */
        exec_error("{{range 100000}}{{printf \"%1000s\" \"\"}}{{end}}", E2BIG,
                   "output exceeds 16777216 bytes");
        exec_error("{{range 100000}}{{range 1000}}{{end}}{{end}}", ELOOP,
                   "template: :1:18: executing \"\": more than 2000000 evaluation steps");
        exec_error("{{range 1000}}{{$x := printf \"%1000000d\" 1}}{{end}}", E2BIG,
                   "functions handled more than 268435456 bytes of strings");
        exec_error("{{$x := printf \"%1000000s\" \"\"}}{{$x = printf \"%s%s\" $x $x}}"
                   "{{$x = printf \"%s%s\" $x $x}}{{$x = printf \"%s%s\" $x $x}}"
                   "{{$x = printf \"%s%s\" $x $x}}{{$x = printf \"%s%s\" $x $x}}",
                   E2BIG, "functions handled more than");
}

static void test_table_writer(void **state)
{
        struct berth_buf out = {0};
        /* column width = max(10, widest cell + 3); the last cell of a line is not padded */
        const char *text = "CONTAINER ID\tIMAGE\tSTATUS\nabc\tbusybox:latest\tUp 2 minutes\n"
                           "d\tx\tExited (0)\n";
        assert_int_equal(berth_table_format(text, strlen(text), 10, 3, &out, NULL), 0);
        assert_string_equal(out.data, "CONTAINER ID   IMAGE            STATUS\n"
                                      "abc            busybox:latest   Up 2 minutes\n"
                                      "d              x                Exited (0)\n");
        berth_buf_free(&out);

        /* short cells get the minimum width 10; widths count characters, not bytes */
        text = "A\tB\tC\né\tb\t\n";
        assert_int_equal(berth_table_format(text, strlen(text), 10, 3, &out, NULL), 0);
        assert_string_equal(out.data, "A         B         C\n"
                                      "é         b         \n");
        berth_buf_free(&out);

        /* a line without a tab ends the column block: the blocks are aligned separately */
        text = "a\tb\nlonger-cell-here\tc\nplain line\nx\ty\n";
        assert_int_equal(berth_table_format(text, strlen(text), 10, 3, &out, NULL), 0);
        assert_string_equal(out.data, "a                  b\n"
                                      "longer-cell-here   c\n"
                                      "plain line\n"
                                      "x         y\n");
        berth_buf_free(&out);

        /* nested blocks: column 1 exists only in the first two lines */
        text = "aaaa\tb\tc\naa\tbbbbbbbbbbbb\tc\nz\ty\nlast";
        assert_int_equal(berth_table_format(text, strlen(text), 4, 1, &out, NULL), 0);
        assert_string_equal(out.data, "aaaa b            c\n"
                                      "aa   bbbbbbbbbbbb c\n"
                                      "z    y\n"
                                      "last");
        berth_buf_free(&out);

        /* empty cells are padded like others */
        text = "\t\tx\n";
        assert_int_equal(berth_table_format(text, strlen(text), 10, 3, &out, NULL), 0);
        assert_string_equal(out.data, "                    x\n");
        berth_buf_free(&out);

        /* the incremental API: rows, with tabs inside a cell neutralised */
        struct berth_table tw;
        berth_table_init(&tw, BERTH_TABLE_MINWIDTH, BERTH_TABLE_PADDING);
        assert_int_equal(
            berth_table_add_row(&tw, (const char *[]){"VOLUME NAME", "DRIVER"}, 2, NULL), 0);
        assert_int_equal(berth_table_add_row(&tw, (const char *[]){"da\tta", "local"}, 2, NULL), 0);
        assert_int_equal(berth_table_add_row(&tw, (const char *[]){NULL, "x"}, 2, NULL), 0);
        assert_int_equal(berth_table_flush(&tw, &out, NULL), 0);
        assert_string_equal(out.data, "VOLUME NAME   DRIVER\n"
                                      "da ta         local\n"
                                      "              x\n");
        assert_int_equal(berth_table_flush(&tw, &out, NULL), 0); /* emptied by the flush */
        assert_string_equal(out.data + strlen(out.data) - 2, "x\n");
        berth_table_free(&tw);
        berth_buf_free(&out);
}

#define PS_HEADERS                                                                                 \
        "{\"ID\":\"CONTAINER ID\",\"Image\":\"IMAGE\",\"Command\":\"COMMAND\",\"Status\":"         \
        "\"STATUS\",\"Names\":\"NAMES\",\"Labels\":\"LABELS\"}"

static void test_render(void **state)
{
        const char *rows = "[{\"ID\":\"3f2a1b\",\"Image\":\"busybox:latest\",\"Status\":\"Up 2 "
                           "minutes\",\"Names\":\"web\",\"Labels\":{\"a\":\"1\"}},"
                           "{\"ID\":\"99\",\"Image\":\"alpine\",\"Status\":\"Exited (0) 1 hour "
                           "ago\",\"Names\":\"db\",\"Labels\":{}}]";
        /* `\t` as typed on a shell line becomes a tab */
        render("table {{.ID}}\\t{{.Image}}\\t{{.Status}}\\t{{.Names}}", rows, PS_HEADERS,
               "CONTAINER ID   IMAGE            STATUS                  NAMES\n"
               "3f2a1b         busybox:latest   Up 2 minutes            web\n"
               "99             alpine           Exited (0) 1 hour ago   db\n");
        /* header functions keep the header; unknown fields get their upper-cased name */
        render("table {{upper .Names}}\\t{{json .Labels}}\\t{{.RunningFor}}\\t{{truncate .ID 2}}",
               rows, PS_HEADERS,
               "NAMES     LABELS      RUNNINGFOR   CONTAINER ID\n"
               "WEB       {\"a\":\"1\"}   <no value>   3f\n"
               "DB        {}          <no value>   99\n");
        /* pad is not a header function (Docker keeps columns aligned that way) */
        render("table {{pad .Names 1 1}}|", rows, PS_HEADERS, " NAMES |\n web |\n db |\n");
        render("table {{.ID}}", "[]", PS_HEADERS, "CONTAINER ID\n");
        render("table {{.ID}}", "[]", NULL, "ID\n");
        /* not a table: one line per row, surrounding spaces trimmed */
        render("  {{.Names}}\\t{{.ID}}  ", rows, NULL, "web\t3f2a1b\ndb\t99\n");
        render("json", "[{\"b\":1,\"a\":\"<\"}]", NULL, "{\"b\":1,\"a\":\"<\"}\n");
        render("{{.Names}}\\n", rows, NULL, "web\n\ndb\n\n");

        struct berth_template *t = NULL;
        assert_int_equal(berth_template_parse_format("table {{.ID}}", &t, NULL), 0);
        assert_true(berth_template_is_table(t));
        struct berth_buf out = {0};
        json_t *h = load(PS_HEADERS);
        assert_int_equal(berth_template_header(t, h, &out, NULL), 0);
        assert_string_equal(out.data, "CONTAINER ID");
        berth_buf_free(&out);
        /* a bad row is an error and leaves nothing behind */
        struct berth_error err = {0};
        json_t *bad = load("[{\"ID\":{\"x\":{\"y\":1}}},{\"ID\":{\"x\":1}}]");
        berth_template_free(t);
        assert_int_equal(berth_template_parse_format("{{.ID.x.y}}", &t, NULL), 0);
        assert_false(berth_template_is_table(t));
        assert_int_equal(berth_template_render(t, bad, h, &out, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "can't evaluate field y in type int"));
        assert_true(out.len == 0);
        assert_int_equal(berth_template_render(t, h, h, &out, &err), -EINVAL);
        json_decref(bad);
        json_decref(h);
        berth_buf_free(&out);
        berth_template_free(t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_fields),
            cmocka_unit_test(test_json),
            cmocka_unit_test(test_index),
            cmocka_unit_test(test_range),
            cmocka_unit_test(test_if_with),
            cmocka_unit_test(test_compare),
            cmocka_unit_test(test_and_or_not),
            cmocka_unit_test(test_docker_funcs),
            cmocka_unit_test(test_printf),
            cmocka_unit_test(test_print),
            cmocka_unit_test(test_trim_and_comments),
            cmocka_unit_test(test_variables),
            cmocka_unit_test(test_parse_errors),
            cmocka_unit_test(test_exec_errors),
            cmocka_unit_test(test_table_writer),
            cmocka_unit_test(test_render),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

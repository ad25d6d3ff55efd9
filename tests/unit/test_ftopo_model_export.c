/* DOT and GraphML through igraph's writers: every node and link comes out
 * with its attributes, and the output is valid even for hostile node
 * descriptions (checked with xmllint and Graphviz's dot when installed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "model_fixtures.h"

/* Writes into a file of this process's own (tests run in parallel). */
static char *write_to(const ftopo_fabric *f, ftopo_format format, char *path, size_t size)
{
    snprintf(path, size, "/tmp/ftopo-export-%d.%s", (int)getpid(), ftopo_format_name(format));
    ftopo_diag diag = {0};
    ftopo_status st = ftopo_write_file(f, path, format, &diag);
    if (st != FTOPO_OK)
        fprintf(stderr, "%s\n", diag.message);
    assert_int_equal(st, FTOPO_OK);
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof(text) - 1, in);
    fclose(in);
    text[n] = '\0';
    return text;
}

static size_t count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static ftopo_fabric *hostile_fabric(void)
{
    fx x;
    fx_init(&x);
    ftopo_node_id s = fx_switch(&x, "leaf <&> \"1\"\x01\x7f caf\xc3\xa9 \xff");
    fx_link(&x, fx_ca(&x, "node001 HCA-1"), s);
    x.speed = FTOPO_SPEED_HDR;
    fx_link(&x, fx_ca(&x, "node002 HCA-1"), s);
    fx_link(&x, fx_ca(&x, ""), s);
    return fx_finish(&x);
}

/* Runs `tool` on `path` when the tool is installed; skips visibly when not. */
static void validate_with(const char *tool, const char *check, const char *path)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
    if (system(cmd) != 0) {
        fprintf(stderr, "note: %s is not installed, output not validated by it\n", tool);
        return;
    }
    snprintf(cmd, sizeof(cmd), check, path);
    assert_int_equal(system(cmd), 0);
}

static void graphml_is_valid_and_complete(void **state)
{
    (void)state;
    ftopo_fabric *f = hostile_fabric();
    char path[64];
    char *text = write_to(f, FTOPO_FORMAT_GRAPHML, path, sizeof(path));
    assert_int_equal(count(text, "<node id="), 4);
    assert_int_equal(count(text, "<edge "), 3);
    assert_non_null(strstr(text, "<data key=\"guid\">0x0002c90300000001</data>"));
    assert_non_null(strstr(text, "<data key=\"type\">switch</data>"));
    assert_non_null(strstr(text, "<data key=\"host\">node002</data>"));
    assert_non_null(strstr(text, "<data key=\"rate_gbps\">200</data>"));
    assert_non_null(strstr(text, "<data key=\"speed\">HDR</data>"));
    assert_non_null(strstr(text, "leaf &lt;&amp;&gt; &quot;1&quot;?? caf?? ?"));
    validate_with("xmllint", "xmllint --noout %s", path);
    remove(path);
    ftopo_fabric_destroy(f);
}

static void dot_is_valid_and_complete(void **state)
{
    (void)state;
    ftopo_fabric *f = hostile_fabric();
    char path[64];
    char *text = write_to(f, FTOPO_FORMAT_DOT, path, sizeof(path));
    assert_non_null(strstr(text, "graph {"));
    assert_int_equal(count(text, " -- "), 3);
    assert_non_null(strstr(text, "guid=\"0x0002c90300000004\""));
    assert_non_null(strstr(text, "rate_gbps=100"));
    assert_non_null(strstr(text, "tier=1"));
    /* A CA without a description is named by its GUID. */
    assert_non_null(strstr(text, "name=\"0x0002c90300000004\""));
    validate_with("dot", "dot -Tcanon %s >/dev/null", path);
    remove(path);
    ftopo_fabric_destroy(f);
}

static void unfinalized_fabric_is_refused(void **state)
{
    (void)state;
    ftopo_fabric *f;
    assert_int_equal(ftopo_fabric_create(&f), FTOPO_OK);
    ftopo_diag diag = {0};
    FILE *out = fopen("/dev/null", "w");
    assert_int_equal(ftopo_write_stream(f, out, FTOPO_FORMAT_GRAPHML, &diag), FTOPO_ERR_STATE);
    assert_int_equal(ftopo_write_stream(f, out, FTOPO_FORMAT_DOT, &diag), FTOPO_ERR_STATE);
    assert_int_equal(ftopo_write_stream(f, out, FTOPO_FORMAT_JSON, &diag), FTOPO_ERR_STATE);
    fclose(out);
    ftopo_fabric_destroy(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(graphml_is_valid_and_complete),
        cmocka_unit_test(dot_is_valid_and_complete),
        cmocka_unit_test(unfinalized_fabric_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

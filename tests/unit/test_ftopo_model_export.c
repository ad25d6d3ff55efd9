/* DOT and GraphML through igraph's writers: every node and link comes out
 * with its attributes, and the output is valid even for hostile node
 * descriptions (checked with xmllint and Graphviz's dot when installed).
 * Both read back to the same fabric: GraphML through the library's reader,
 * DOT through a small parser of igraph's DOT output in this file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "ftopo/gen.h"
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

/* ---- Read-back ----------------------------------------------------------- */

/* The fabric written in `format` into a malloc'ed buffer. */
static char *write_buffer(const ftopo_fabric *f, ftopo_format format, size_t *len)
{
    char *buf = NULL;
    FILE *out = open_memstream(&buf, len);
    assert_non_null(out);
    ftopo_diag diag = {0};
    ftopo_status st = ftopo_write_stream(f, out, format, &diag);
    if (st != FTOPO_OK)
        fprintf(stderr, "%s\n", diag.message);
    assert_int_equal(st, FTOPO_OK);
    assert_int_equal(fclose(out), 0);
    return buf;
}

static void assert_same(const ftopo_fabric *a, const ftopo_fabric *b)
{
    ftopo_diag diag = {0};
    ftopo_status st = ftopo_fabric_compare(a, b, &diag);
    if (st != FTOPO_OK)
        fprintf(stderr, "compare: %s\n", diag.message);
    assert_int_equal(st, FTOPO_OK);
}

/* Writes GraphML, reads it back (format guessed from the content) and
 * compares. */
static void graphml_round_trip(const ftopo_fabric *f, const char *what)
{
    size_t len;
    char *text = write_buffer(f, FTOPO_FORMAT_GRAPHML, &len);
    ftopo_fabric *back = NULL;
    ftopo_diag diag = {0};
    ftopo_status st = ftopo_read_buffer(text, len, FTOPO_FORMAT_AUTO, what, &back, &diag);
    if (st != FTOPO_OK)
        fprintf(stderr, "%s: %s\n", what, diag.message);
    assert_int_equal(st, FTOPO_OK);
    assert_same(f, back);
    ftopo_fabric_destroy(back);
    free(text);
}

static ftopo_fabric *generated(ftopo_gen_kind kind, int hosts)
{
    ftopo_gen_params p = {.kind = kind, .hosts = hosts, .speed = FTOPO_SPEED_HDR};
    ftopo_fabric *f = NULL;
    ftopo_diag diag = {0};
    ftopo_status st = ftopo_generate(&p, &f, &diag);
    if (st != FTOPO_OK)
        fprintf(stderr, "generate: %s\n", diag.message);
    assert_int_equal(st, FTOPO_OK);
    return f;
}

/* Links cabled from the lower node id to the higher and back, and mixed
 * rates: port_a must land on the right end whichever way round. */
static ftopo_fabric *both_ways_fabric(void)
{
    fx x;
    fx_init(&x);
    ftopo_node_id s1 = fx_switch(&x, "sw1"), s2 = fx_switch(&x, "sw2");
    fx_link(&x, s1, s2);
    fx_link(&x, s2, s1);
    x.speed = FTOPO_SPEED_EDR;
    fx_link(&x, s1, fx_ca(&x, "node001 HCA-1"));
    x.speed = FTOPO_SPEED_NDR;
    fx_link(&x, fx_ca(&x, "node002 HCA-1"), s2);
    return fx_finish(&x);
}

static const char *const fixtures[] = {
    TEST_DATA_DIR "/ibnd/gen-ft2-16-hdr-ibnetdiscover.txt",
    TEST_DATA_DIR "/ibnd/gen-rail-4x2-fdr10-ibnetdiscover.txt",
    TEST_DATA_DIR "/ibnd/gen-torus-8-1xqdr-ibnetdiscover.txt",
    TEST_DATA_DIR "/ibnd/small-ibnetdiscover-full.txt",
    TEST_DATA_DIR "/ibnd/small-ibnetdiscover-g.txt",
    TEST_DATA_DIR "/ibnd/small-ibnetdiscover-lids.txt",
    TEST_DATA_DIR "/ibnd/small-ibnetdiscover.txt",
    TEST_DATA_DIR "/ibnd/small.net",
    TEST_DATA_DIR "/json/rail-degraded.json",
    TEST_DATA_DIR "/json/small.json",
    TEST_DATA_DIR "/json/torus-2x2.json",
};

static ftopo_fabric *read_fixture(const char *path)
{
    ftopo_fabric *f = NULL;
    ftopo_diag diag = {0};
    ftopo_status st = ftopo_read_file(path, FTOPO_FORMAT_AUTO, &f, &diag);
    if (st != FTOPO_OK)
        fprintf(stderr, "%s\n", diag.message);
    assert_int_equal(st, FTOPO_OK);
    return f;
}

static void graphml_reads_back_generated(void **state)
{
    (void)state;
    ftopo_fabric *f = generated(FTOPO_GEN_FAT_TREE_2, 64);
    graphml_round_trip(f, "ft2.graphml");
    ftopo_fabric_destroy(f);
    f = generated(FTOPO_GEN_RAIL, 8);
    graphml_round_trip(f, "rail.graphml");
    ftopo_fabric_destroy(f);
    f = both_ways_fabric();
    graphml_round_trip(f, "both-ways.graphml");
    ftopo_fabric_destroy(f);
}

/* Through a file too, with the format named and guessed. */
static void graphml_file_round_trip(const ftopo_fabric *f)
{
    char path[64];
    write_to(f, FTOPO_FORMAT_GRAPHML, path, sizeof(path));
    const ftopo_format formats[] = {FTOPO_FORMAT_GRAPHML, FTOPO_FORMAT_AUTO};
    for (size_t i = 0; i < 2; i++) {
        ftopo_fabric *back = NULL;
        ftopo_diag diag = {0};
        ftopo_status st = ftopo_read_file(path, formats[i], &back, &diag);
        if (st != FTOPO_OK)
            fprintf(stderr, "%s\n", diag.message);
        assert_int_equal(st, FTOPO_OK);
        assert_same(f, back);
        ftopo_fabric_destroy(back);
    }
    remove(path);
}

static void graphml_reads_back_fixtures(void **state)
{
    (void)state;
    assert_true(ftopo_format_can_read(FTOPO_FORMAT_GRAPHML));
    for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
        ftopo_fabric *f = read_fixture(fixtures[i]);
        graphml_round_trip(f, fixtures[i]);
        graphml_file_round_trip(f);
        ftopo_fabric_destroy(f);
    }
}

/* Reads `text` as GraphML and expects a parse error naming the input. */
static void graphml_refused(const char *text, const char *expect)
{
    ftopo_fabric *f = (ftopo_fabric *)1;
    ftopo_diag diag = {0};
    ftopo_status st =
        ftopo_read_buffer(text, strlen(text), FTOPO_FORMAT_GRAPHML, "bad.graphml", &f, &diag);
    assert_int_equal(st, FTOPO_ERR_PARSE);
    assert_null(f);
    if (!strstr(diag.message, "bad.graphml") || !strstr(diag.message, expect))
        fprintf(stderr, "message: %s\n", diag.message);
    assert_non_null(strstr(diag.message, "bad.graphml"));
    assert_non_null(strstr(diag.message, expect));
}

/* `text` with the first `from` replaced by `to` (malloc'ed). */
static char *replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    assert_non_null(at);
    size_t head = (size_t)(at - text), n = strlen(text) + strlen(to) + 1;
    char *out = malloc(n);
    assert_non_null(out);
    snprintf(out, n, "%.*s%s%s", (int)head, text, to, at + strlen(from));
    return out;
}

static void graphml_errors(void **state)
{
    (void)state;
    graphml_refused("this is not XML at all", "bad.graphml");
    graphml_refused("<?xml version=\"1.0\"?><graphml><graph", "bad.graphml");
    ftopo_fabric *f = both_ways_fabric();
    size_t len;
    char *text = write_buffer(f, FTOPO_FORMAT_GRAPHML, &len);
    /* One vertex without its guid. */
    char *bad = replace(text, "<data key=\"guid\">0x0002c90300000002</data>", "");
    graphml_refused(bad, "vertex 1");
    free(bad);
    /* No guid attribute at all. */
    char *no_key = replace(
        text, "<key id=\"guid\" for=\"node\" attr.name=\"guid\" attr.type=\"string\"/>", "");
    char *tmp;
    while (strstr(no_key, "<data key=\"guid\">")) {
        const char *at = strstr(no_key, "<data key=\"guid\">");
        const char *end = strstr(at, "</data>") + strlen("</data>");
        char piece[128];
        snprintf(piece, sizeof(piece), "%.*s", (int)(end - at), at);
        tmp = replace(no_key, piece, "");
        free(no_key);
        no_key = tmp;
    }
    graphml_refused(no_key, "guid");
    free(no_key);
    /* A bad type. */
    bad = replace(text, "<data key=\"type\">ca</data>", "<data key=\"type\">hub</data>");
    graphml_refused(bad, "bad type 'hub'");
    free(bad);
    /* A malformed guid and a port out of range. */
    bad = replace(text, "0x0002c90300000002", "0xnothex");
    graphml_refused(bad, "bad guid");
    free(bad);
    bad = replace(text, "<data key=\"port_a\">", "<data key=\"port_a\">9");
    graphml_refused(bad, "edge 0");
    free(bad);
    free(text);
    ftopo_fabric_destroy(f);
}

/* ---- A test-only reader of igraph's DOT output ------------------------------
 * igraph writes one block per vertex and edge:
 *     0 [              (vertex 0)
 *     1 -- 0 [         (edge from 1 to 0)
 *       key=value      (value bare or "quoted" with \" and \\ escapes)
 *     ];
 * Vertices come first, in id order; port_a is on the first vertex of an edge
 * line. */

typedef struct dot_item {
    bool edge;
    long from, to;
    char type[256], guid[256], desc[256], width[256], speed[256];
    long num_ports, port_a, port_b;
} dot_item;

static void dot_value(const char *p, char *out, size_t size)
{
    size_t n = 0;
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++) {
            if (*p == '\\' && p[1])
                p++;
            if (n + 1 < size)
                out[n++] = *p;
        }
    } else {
        for (; *p && *p != '\n'; p++)
            if (n + 1 < size)
                out[n++] = *p;
    }
    out[n] = '\0';
}

static void dot_attr(dot_item *it, const char *line)
{
    const char *eq = strchr(line, '=');
    assert_non_null(eq);
    char key[32], value[256];
    snprintf(key, sizeof(key), "%.*s", (int)(eq - line), line);
    dot_value(eq + 1, value, sizeof(value));
    if (strcmp(key, "type") == 0)
        snprintf(it->type, sizeof(it->type), "%s", value);
    else if (strcmp(key, "guid") == 0)
        snprintf(it->guid, sizeof(it->guid), "%s", value);
    else if (strcmp(key, "desc") == 0)
        snprintf(it->desc, sizeof(it->desc), "%s", value);
    else if (strcmp(key, "width") == 0)
        snprintf(it->width, sizeof(it->width), "%s", value);
    else if (strcmp(key, "speed") == 0)
        snprintf(it->speed, sizeof(it->speed), "%s", value);
    else if (strcmp(key, "num_ports") == 0)
        it->num_ports = strtol(value, NULL, 10);
    else if (strcmp(key, "port_a") == 0)
        it->port_a = strtol(value, NULL, 10);
    else if (strcmp(key, "port_b") == 0)
        it->port_b = strtol(value, NULL, 10);
}

static void dot_add(ftopo_fabric *f, const dot_item *it, long *vertices)
{
    if (!it->edge) {
        assert_int_equal(it->from, *vertices);
        ftopo_node_spec spec = {.num_ports = (int)it->num_ports, .desc = it->desc};
        spec.type = strcmp(it->type, "switch") == 0 ? FTOPO_NODE_SWITCH
                    : strcmp(it->type, "ca") == 0   ? FTOPO_NODE_CA
                                                    : FTOPO_NODE_ROUTER;
        spec.node_guid = strtoull(it->guid, NULL, 16);
        ftopo_node_id id;
        assert_int_equal(ftopo_fabric_add_node(f, &spec, &id), FTOPO_OK);
        assert_int_equal(id, *vertices);
        ++*vertices;
        return;
    }
    ftopo_port_spec port = {0};
    assert_int_equal(ftopo_width_parse(it->width, &port.width), FTOPO_OK);
    assert_int_equal(ftopo_speed_parse(it->speed, &port.speed), FTOPO_OK);
    ftopo_node_id a = (ftopo_node_id)it->from, b = (ftopo_node_id)it->to;
    assert_int_equal(ftopo_fabric_set_port(f, a, (int)it->port_a, &port), FTOPO_OK);
    assert_int_equal(ftopo_fabric_set_port(f, b, (int)it->port_b, &port), FTOPO_OK);
    assert_int_equal(ftopo_fabric_add_link(f, a, (int)it->port_a, b, (int)it->port_b), FTOPO_OK);
}

static ftopo_fabric *dot_parse(char *text)
{
    ftopo_fabric *f;
    assert_int_equal(ftopo_fabric_create(&f), FTOPO_OK);
    dot_item it;
    bool open = false;
    long vertices = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        while (*line == ' ')
            line++;
        long from, to;
        int used = 0;
        if (open && strcmp(line, "];") == 0) {
            dot_add(f, &it, &vertices);
            open = false;
        } else if (open) {
            dot_attr(&it, line);
        } else if (sscanf(line, "%ld -- %ld [%n", &from, &to, &used) == 2 && used > 0) {
            it = (dot_item){.edge = true, .from = from, .to = to};
            open = true;
        } else if (sscanf(line, "%ld [%n", &from, &used) == 1 && used > 0) {
            it = (dot_item){.from = from};
            open = true;
        }
    }
    assert_false(open);
    ftopo_diag diag = {0};
    ftopo_status st = ftopo_fabric_finalize(f, &diag);
    if (st != FTOPO_OK)
        fprintf(stderr, "finalize: %s\n", diag.message);
    assert_int_equal(st, FTOPO_OK);
    return f;
}

static void dot_round_trip(const ftopo_fabric *f)
{
    size_t len;
    char *text = write_buffer(f, FTOPO_FORMAT_DOT, &len);
    ftopo_fabric *back = dot_parse(text);
    assert_same(f, back);
    ftopo_fabric_destroy(back);
    free(text);
}

static void dot_reads_back(void **state)
{
    (void)state;
    ftopo_fabric *f = generated(FTOPO_GEN_FAT_TREE_2, 64);
    dot_round_trip(f);
    ftopo_fabric_destroy(f);
    f = generated(FTOPO_GEN_RAIL, 8);
    dot_round_trip(f);
    ftopo_fabric_destroy(f);
    f = both_ways_fabric();
    dot_round_trip(f);
    ftopo_fabric_destroy(f);
    for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
        f = read_fixture(fixtures[i]);
        dot_round_trip(f);
        ftopo_fabric_destroy(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(graphml_is_valid_and_complete),
        cmocka_unit_test(dot_is_valid_and_complete),
        cmocka_unit_test(unfinalized_fabric_is_refused),
        cmocka_unit_test(graphml_reads_back_generated),
        cmocka_unit_test(graphml_reads_back_fixtures),
        cmocka_unit_test(graphml_errors),
        cmocka_unit_test(dot_reads_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

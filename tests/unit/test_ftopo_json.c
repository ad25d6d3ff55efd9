/* The project's JSON format: exact round trips, and an error naming the
 * file and the JSON path for every kind of bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "model_fixtures.h"

static char *to_json(const ftopo_fabric *f)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    ftopo_diag diag = {0};
    assert_int_equal(ftopo_write_stream(f, out, FTOPO_FORMAT_JSON, &diag), FTOPO_OK);
    fclose(out);
    return text;
}

static ftopo_fabric *from_json(const char *text)
{
    ftopo_fabric *f = NULL;
    ftopo_diag diag = {0};
    ftopo_status st =
        ftopo_read_buffer(text, strlen(text), FTOPO_FORMAT_AUTO, "fab.json", &f, &diag);
    if (st != FTOPO_OK)
        fprintf(stderr, "%s\n", diag.message);
    assert_int_equal(st, FTOPO_OK);
    return f;
}

static void round_trip_is_exact(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_node_id s = fx_switch(&x, "leaf \"quoted\" \\ tab\t é");
    ftopo_node_id a = fx_node(&x, FTOPO_NODE_CA, "node001 HCA-1", 2, 0x777);
    ftopo_node_id b = fx_node(&x, FTOPO_NODE_CA, "node001 HCA-2", 1, 0x777);
    ftopo_node_id r = fx_node(&x, FTOPO_NODE_ROUTER, "", 2, 0);
    fx_link(&x, a, s);
    x.speed = FTOPO_SPEED_NDR;
    fx_link(&x, b, s);
    x.width = FTOPO_WIDTH_1X;
    x.speed = FTOPO_SPEED_FDR10;
    fx_link(&x, r, s);
    /* A port that is known but not cabled, with an LMC. */
    ftopo_port_spec p = {.port_guid = 0x1234, .lid = 64, .lmc = 2, .state = FTOPO_PORT_DOWN};
    assert_int_equal(ftopo_fabric_set_port(x.f, a, 2, &p), FTOPO_OK);
    ftopo_fabric *f = fx_finish(&x);

    char *first = to_json(f);
    ftopo_fabric *g = from_json(first);
    ftopo_diag diag = {0};
    assert_int_equal(ftopo_fabric_compare(f, g, &diag), FTOPO_OK);
    char *second = to_json(g);
    assert_string_equal(first, second);

    ftopo_node_id n;
    ftopo_port_info pi;
    assert_int_equal(ftopo_find_by_lid(g, 65, &n, NULL), FTOPO_OK);
    assert_int_equal(ftopo_port_get(g, n, 2, &pi), FTOPO_OK);
    assert_int_equal(pi.port_guid, 0x1234);
    assert_int_equal(pi.state, FTOPO_PORT_DOWN);
    assert_int_equal(ftopo_num_hosts(g), 1);
    free(first);
    free(second);
    ftopo_fabric_destroy(g);
    ftopo_fabric_destroy(f);
}

static void round_trip_of_a_fat_tree(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_fabric *f = fx_fat_tree_2(&x, 4, 2, 4, 1);
    char *text = to_json(f);
    ftopo_fabric *g = from_json(text);
    assert_int_equal(ftopo_fabric_compare(f, g, NULL), FTOPO_OK);
    ftopo_summary a, b;
    ftopo_fabric_summary(f, &a);
    ftopo_fabric_summary(g, &b);
    assert_int_equal(b.shape, FTOPO_SHAPE_FAT_TREE_2);
    assert_memory_equal(&a, &b, sizeof(a));
    free(text);
    ftopo_fabric_destroy(g);
    ftopo_fabric_destroy(f);
}

#define HEAD               "{\"format\": \"fabric-manager/topology\", \"version\": 1, "
#define SW(guid, extra)    "{\"guid\": \"" guid "\", \"type\": \"switch\", \"num_ports\": 4" extra "}"
#define CA(guid, extra)    "{\"guid\": \"" guid "\", \"type\": \"ca\", \"num_ports\": 1" extra "}"
#define END(guid, port)    "{\"guid\": \"" guid "\", \"port\": " #port "}"
#define LINK(a, pa, b, pb) "{\"a\": " END(a, pa) ", \"b\": " END(b, pb) "}"

/* Reads `text`, expects `status` and a message containing every one of the
 * NULL-terminated fragments. */
static void expect_error(const char *text, ftopo_status status, ...)
{
    ftopo_fabric *f = (ftopo_fabric *)1;
    ftopo_diag diag = {0};
    ftopo_status st =
        ftopo_read_buffer(text, strlen(text), FTOPO_FORMAT_JSON, "fab.json", &f, &diag);
    if (st != status)
        fprintf(stderr, "input: %s\nmessage: %s\n", text, diag.message);
    assert_int_equal(st, status);
    assert_null(f);
    va_list ap;
    va_start(ap, status);
    for (const char *frag; (frag = va_arg(ap, const char *));) {
        if (!strstr(diag.message, frag))
            fprintf(stderr, "message \"%s\" lacks \"%s\"\n", diag.message, frag);
        assert_non_null(strstr(diag.message, frag));
    }
    va_end(ap);
}

static void syntax_errors_name_line_and_column(void **state)
{
    (void)state;
    expect_error("", FTOPO_ERR_PARSE, "fab.json:1:1: unexpected end of input", NULL);
    expect_error("{\n  \"format\": \"fabric-manager/topology\",\n  \"version\": 1,,\n}",
                 FTOPO_ERR_PARSE, "fab.json:3:", NULL);
    expect_error("{\"format\": \"fabric-manager/topology\"", FTOPO_ERR_PARSE, "unexpected end",
                 NULL);
    expect_error(HEAD "\"nodes\": [], \"links\": []} trailing", FTOPO_ERR_PARSE,
                 "fab.json:1:", "after the JSON document", NULL);
    expect_error("\x01\x02garbage", FTOPO_ERR_PARSE, "fab.json:1:", NULL);
    expect_error("{1: 2}", FTOPO_ERR_PARSE, "fab.json:1:2: expected a member name", NULL);
    expect_error("{\"format\" 1}", FTOPO_ERR_PARSE, "fab.json:1:11: expected ':'", NULL);
    expect_error("{\"format\": \"unclosed}", FTOPO_ERR_PARSE, "unexpected end of input", NULL);
    expect_error("{\"a\": 1 \"b\": 2}", FTOPO_ERR_PARSE, "fab.json:1:9: expected ',' or '}'", NULL);
    /* Array elements are read one by one: a syntax error after a good
     * element is found when reading reaches it. */
    expect_error(HEAD "\"nodes\": [" SW("0x1", "") " " SW("0x2", "") "], \"links\": []}",
                 FTOPO_ERR_PARSE, "expected ',' or ']'", NULL);
    expect_error(HEAD "\"nodes\": [" SW("0x1", "") ",], \"links\": []}", FTOPO_ERR_PARSE,
                 "unexpected ']'", NULL);
    expect_error(HEAD "\"nodes\": [{\"guid\": tru}], \"links\": []}", FTOPO_ERR_PARSE,
                 "fab.json:1:", NULL);
    expect_error("{\"format\": 12x, \"version\": 1}", FTOPO_ERR_PARSE, "fab.json:1:", NULL);
    expect_error("42", FTOPO_ERR_PARSE, "fab.json:", NULL);
    char deep[200];
    memset(deep, '[', sizeof(deep) - 1);
    deep[sizeof(deep) - 1] = '\0';
    expect_error(deep, FTOPO_ERR_PARSE, "fab.json:1:", NULL);
}

static void header_errors(void **state)
{
    (void)state;
    expect_error("[]", FTOPO_ERR_PARSE, "fab.json: $: must be an object", NULL);
    expect_error("{\"version\": 1}", FTOPO_ERR_PARSE, "$: missing \"format\"", NULL);
    expect_error("{\"format\": \"other\", \"version\": 1}", FTOPO_ERR_PARSE, "$.format", NULL);
    expect_error("{\"format\": \"fabric-manager/topology\", \"version\": 2}", FTOPO_ERR_UNSUPPORTED,
                 "$.version: is 2", NULL);
    expect_error("{\"format\": \"fabric-manager/topology\", \"version\": \"1\"}", FTOPO_ERR_PARSE,
                 "\"version\" must be int, not string", NULL);
    expect_error(HEAD "\"links\": []}", FTOPO_ERR_PARSE, "missing \"nodes\"", NULL);
    expect_error(HEAD "\"nodes\": []}", FTOPO_ERR_PARSE, "missing \"links\"", NULL);
    expect_error(HEAD "\"nodes\": {}, \"links\": []}", FTOPO_ERR_PARSE,
                 "\"nodes\" must be array, not object", NULL);
}

static void node_errors(void **state)
{
    (void)state;
    expect_error(HEAD "\"nodes\": [1], \"links\": []}", FTOPO_ERR_PARSE,
                 "nodes[0]: must be an object", NULL);
    expect_error(HEAD "\"nodes\": [{\"type\": \"ca\", \"num_ports\": 1}], \"links\": []}",
                 FTOPO_ERR_PARSE, "nodes[0]: missing \"guid\"", NULL);
    expect_error(HEAD "\"nodes\": [" SW("0x1", "") ", " CA("12", "") "], \"links\": []}",
                 FTOPO_ERR_PARSE, "nodes[1]: \"guid\" is \"12\", not a GUID", NULL);
    expect_error(HEAD "\"nodes\": [" CA("0x12345678901234567", "") "], \"links\": []}",
                 FTOPO_ERR_PARSE, "not a GUID", NULL);
    expect_error(HEAD "\"nodes\": [" CA("0x-1", "") "], \"links\": []}", FTOPO_ERR_PARSE,
                 "not a GUID", NULL);
    expect_error(HEAD "\"nodes\": [" CA("0x 1", "") "], \"links\": []}", FTOPO_ERR_PARSE,
                 "not a GUID", NULL);
    expect_error(HEAD "\"nodes\": [" CA("0x", "") "], \"links\": []}", FTOPO_ERR_PARSE,
                 "not a GUID", NULL);
    expect_error(HEAD "\"nodes\": [" CA("0x0", "") "], \"links\": []}", FTOPO_ERR_ARG,
                 "nodes[0]: GUID must not be zero", NULL);
    expect_error(HEAD "\"nodes\": [{\"guid\": 5, \"type\": \"ca\", \"num_ports\": 1}], "
                      "\"links\": []}",
                 FTOPO_ERR_PARSE, "\"guid\" must be string, not int", NULL);
    expect_error(HEAD "\"nodes\": [{\"guid\": \"0x1\", \"type\": \"hub\", \"num_ports\": 1}], "
                      "\"links\": []}",
                 FTOPO_ERR_PARSE, "nodes[0]: unknown node type \"hub\"", NULL);
    expect_error(HEAD "\"nodes\": [{\"guid\": \"0x1\", \"type\": \"ca\", \"num_ports\": 300}], "
                      "\"links\": []}",
                 FTOPO_ERR_PARSE, "\"num_ports\" is 300, not in 1..254", NULL);
    expect_error(HEAD "\"nodes\": [{\"guid\": \"0x1\", \"type\": \"ca\", \"num_ports\": 1.5}], "
                      "\"links\": []}",
                 FTOPO_ERR_PARSE, "\"num_ports\" must be int, not double", NULL);
    expect_error(HEAD "\"nodes\": [" CA("0x1", ", \"desc\": 7") "], \"links\": []}",
                 FTOPO_ERR_PARSE, "\"desc\" must be string", NULL);
    /* The writer could not reproduce invalid UTF-8, so the reader refuses it. */
    expect_error(HEAD "\"nodes\": [" CA("0x1", ", \"desc\": \"node1 \xa0\"") "], \"links\": []}",
                 FTOPO_ERR_PARSE, "nodes[0]: \"desc\" is not valid UTF-8", NULL);
    expect_error(HEAD "\"nodes\": [" CA("0x1", ", \"lid\": 70000") "], \"links\": []}",
                 FTOPO_ERR_PARSE, "\"lid\" is 70000", NULL);
    expect_error(HEAD "\"nodes\": [" SW("0x1", "") ", " SW("0x1", "") "], \"links\": []}",
                 FTOPO_ERR_DUPLICATE, "nodes[1]: duplicate GUID 0x0000000000000001", NULL);
}

static void port_errors(void **state)
{
    (void)state;
    expect_error(HEAD "\"nodes\": [" SW("0x1", ", \"ports\": [{\"num\": 5}]") "], \"links\": []}",
                 FTOPO_ERR_ARG, "nodes[0].ports[0]: port 5 out of range (node has 4 ports)", NULL);
    expect_error(HEAD "\"nodes\": [" SW("0x1", ", \"ports\": [{\"num\": 0}]") "], \"links\": []}",
                 FTOPO_ERR_ARG, "out of range", NULL);
    expect_error(
        HEAD "\"nodes\": [" SW("0x1", ", \"ports\": [{\"num\": 1}, {\"num\": 1}]") "], "
                                                                                   "\"links\": []}",
        FTOPO_ERR_DUPLICATE, "nodes[0].ports[1]: port 1 listed twice", NULL);
    expect_error(HEAD "\"nodes\": [" SW("0x1", ", \"ports\": [{\"lid\": 1}]") "], \"links\": []}",
                 FTOPO_ERR_PARSE, "nodes[0].ports[0]: missing \"num\"", NULL);
    expect_error(HEAD "\"nodes\": [" SW(
                     "0x1", ", \"ports\": [{\"num\": 1, \"width\": \"5x\"}]") "], "
                                                                              "\"links\": []}",
                 FTOPO_ERR_PARSE, "nodes[0].ports[0]: unknown width \"5x\"", NULL);
    expect_error(HEAD "\"nodes\": [" SW(
                     "0x1", ", \"ports\": [{\"num\": 1, \"speed\": \"ZDR\"}]") "], "
                                                                               "\"links\": []}",
                 FTOPO_ERR_PARSE, "unknown speed \"ZDR\"", NULL);
    expect_error(HEAD "\"nodes\": [" SW(
                     "0x1", ", \"ports\": [{\"num\": 1, \"state\": \"up\"}]") "], "
                                                                              "\"links\": []}",
                 FTOPO_ERR_PARSE, "unknown port state \"up\"", NULL);
    expect_error(
        HEAD "\"nodes\": [" SW("0x1", ", \"ports\": [{\"num\": 1, \"lmc\": 8}]") "], "
                                                                                 "\"links\": []}",
        FTOPO_ERR_PARSE, "\"lmc\" is 8, not in 0..7", NULL);
    expect_error(HEAD "\"nodes\": [" SW("0x1", ", \"ports\": 3") "], \"links\": []}",
                 FTOPO_ERR_PARSE, "\"ports\" must be array", NULL);
}

static void link_errors(void **state)
{
    (void)state;
    const char *nodes = "\"nodes\": [" SW("0x1", "") ", " CA("0x2", "") ", " CA("0x3", "") "], ";
    char text[1024];
    snprintf(text, sizeof(text), HEAD "%s\"links\": [" LINK("0x1", 1, "0x9", 1) "]}", nodes);
    expect_error(text, FTOPO_ERR_NOT_FOUND, "links[0].b: no node with GUID 0x0000000000000009",
                 NULL);
    snprintf(text, sizeof(text), HEAD "%s\"links\": [" LINK("0x1", 5, "0x2", 1) "]}", nodes);
    expect_error(text, FTOPO_ERR_ARG, "links[0].a: port 5 out of range", NULL);
    snprintf(text, sizeof(text),
             HEAD "%s\"links\": [" LINK("0x1", 1, "0x2", 1) ", " LINK("0x1", 1, "0x3", 1) "]}",
             nodes);
    expect_error(text, FTOPO_ERR_CONFLICT, "links[1]: port 1 of 0x0000000000000001", NULL);
    snprintf(text, sizeof(text), HEAD "%s\"links\": [" LINK("0x1", 1, "0x1", 1) "]}", nodes);
    expect_error(text, FTOPO_ERR_ARG, "links[0]: links a port to itself", NULL);
    snprintf(text, sizeof(text), HEAD "%s\"links\": [{\"a\": " END("0x1", 1) "}]}", nodes);
    expect_error(text, FTOPO_ERR_PARSE, "links[0]: missing \"b\"", NULL);
    snprintf(text, sizeof(text),
             HEAD "%s\"links\": [{\"a\": " END("0x1", 1) ", \"b\": "
                                                         "{\"guid\": \"0x2\"}}]}",
             nodes);
    expect_error(text, FTOPO_ERR_PARSE, "links[0].b: missing \"port\"", NULL);
}

static void peers_must_agree_with_links(void **state)
{
    (void)state;
    expect_error(
        HEAD "\"nodes\": [" SW("0x1", ", \"ports\": [{\"num\": 1, \"peer\": " END(
                                          "0x2", 1) "}]") ", " CA("0x2", "") "], \"links\": []}",
        FTOPO_ERR_CONFLICT, "nodes[0].ports[0].peer: says 0x0000000000000002 port 1", "no link",
        NULL);
    expect_error(HEAD "\"nodes\": [" SW("0x1", ", \"ports\": [{\"num\": 1}]") ", " CA(
                     "0x2", "") "], \"links\": [" LINK("0x1", 1, "0x2", 1) "]}",
                 FTOPO_ERR_CONFLICT, "nodes[0].ports[0]: has no \"peer\"", NULL);
    expect_error(
        HEAD "\"nodes\": [" SW(
            "0x1", ", \"ports\": [{\"num\": 1, \"peer\": " END(
                       "0x3", 1) "}]") ", " CA("0x2",
                                               "") ", " CA("0x3",
                                                           "") "], \"links\": [" LINK("0x1", 1,
                                                                                      "0x2",
                                                                                      1) "]}",
        FTOPO_ERR_CONFLICT, "cables it elsewhere", NULL);
    /* A port listed without a peer while "links" agrees is fine; so are
     * derived fields the reader ignores. */
    const char *ok = HEAD "\"nodes\": [" SW(
        "0x1", ", \"tier\": 9, \"ports\": [{\"num\": 2}]") "], "
                                                           "\"links\": [], \"hosts\": 5, "
                                                           "\"summary\": null}";
    ftopo_fabric *f = from_json(ok);
    ftopo_fabric_destroy(f);
}

static void errors_name_the_line_of_their_node_or_link(void **state)
{
    (void)state;
    expect_error(HEAD "\n\"nodes\": [\n  " SW("0x1", "") ",\n  " SW(
                     "0x2", ", \"ports\": [{\"num\": 9}]") "\n],\n\"links\": []}",
                 FTOPO_ERR_ARG, "fab.json:4: nodes[1].ports[0]: port 9 out of range", NULL);
    expect_error(
        HEAD "\n\"nodes\": [" SW("0x1", "") ", " CA("0x2", "") "],\n\"links\": [\n" LINK(
            "0x1", 1, "0x2", 1) ",\n" LINK("0x1", 1, "0x2", 1) ",\n" LINK("0x1", 2, "0x3", 1) "]}",
        FTOPO_ERR_NOT_FOUND, "fab.json:6: links[2].b: no node with GUID", NULL);
    expect_error(
        HEAD "\"nodes\": [\n" SW("0x1", "") ",\n\n" SW(
            "0x9", ", \"ports\": [{\"num\": 1, \"peer\": " END("0x1", 1) "}]") "],\n"
                                                                               "\"links\": []}",
        FTOPO_ERR_CONFLICT, "fab.json:4: nodes[1].ports[0].peer", NULL);
}

static void reads_a_file_and_names_it(void **state)
{
    (void)state;
    char path[] = "/tmp/ftopo-json-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *out = fdopen(fd, "w");
    fputs("{\"format\": \"fabric-manager/topology\",\n \"version\": 1,\n \"nodes\": [}", out);
    fclose(out);
    ftopo_fabric *f;
    ftopo_diag diag = {0};
    assert_int_equal(ftopo_read_file(path, FTOPO_FORMAT_AUTO, &f, &diag), FTOPO_ERR_PARSE);
    assert_non_null(strstr(diag.message, path));
    assert_non_null(strstr(diag.message, ":3:"));
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_is_exact),
        cmocka_unit_test(round_trip_of_a_fat_tree),
        cmocka_unit_test(syntax_errors_name_line_and_column),
        cmocka_unit_test(header_errors),
        cmocka_unit_test(node_errors),
        cmocka_unit_test(port_errors),
        cmocka_unit_test(link_errors),
        cmocka_unit_test(peers_must_agree_with_links),
        cmocka_unit_test(errors_name_the_line_of_their_node_or_link),
        cmocka_unit_test(reads_a_file_and_names_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

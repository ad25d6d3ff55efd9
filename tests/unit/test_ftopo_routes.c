/* The route model: LID map and assignment, LFT entries, traces (with loops
 * and black holes), and OpenSM's LFT dump (round trip and every error). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "route_fixtures.h"

/* host A - sw1 - sw2 - host B, LIDs from the fixture (sw1 1, A 2, sw2 3,
 * B 4), routed both ways. */
typedef struct line {
    fx x;
    ftopo_node_id a, b, s1, s2;
    ftopo_routes *r;
} line;

static void line_build(line *l)
{
    fx_init(&l->x);
    l->s1 = fx_switch(&l->x, "sw1");
    l->a = fx_ca(&l->x, "hostA HCA-1");
    l->s2 = fx_switch(&l->x, "sw2");
    l->b = fx_ca(&l->x, "hostB HCA-1");
    fx_link(&l->x, l->a, l->s1);
    fx_link(&l->x, l->s1, l->s2);
    fx_link(&l->x, l->s2, l->b);
    fx_finish(&l->x);
    l->r = rx_routes(l->x.f);
    rx_route(l->r, l->s1, l->b, l->s2);
    rx_route(l->r, l->s2, l->b, l->b);
    rx_route(l->r, l->s2, l->a, l->s1);
    rx_route(l->r, l->s1, l->a, l->a);
}

static void line_free(line *l)
{
    ftopo_routes_destroy(l->r);
    ftopo_fabric_destroy(l->x.f);
}

static void lid_map_follows_the_fabric(void **state)
{
    (void)state;
    line l;
    line_build(&l);
    assert_int_equal(ftopo_routes_lid_top(l.r), 4);
    assert_int_equal(ftopo_routes_num_switches(l.r), 2);
    assert_int_equal(ftopo_routes_switch_node(l.r, 1), l.s2);
    assert_int_equal(ftopo_routes_switch_index(l.r, l.a), -1);
    ftopo_node_id n;
    int port;
    assert_int_equal(ftopo_routes_lid_owner(l.r, 3, &n, &port), FTOPO_OK);
    assert_int_equal(n, l.s2);
    assert_int_equal(port, 0);
    assert_int_equal(ftopo_routes_lid_owner(l.r, 4, &n, &port), FTOPO_OK);
    assert_int_equal(n, l.b);
    assert_int_equal(port, 1);
    assert_int_equal(ftopo_routes_lid_owner(l.r, 5, &n, &port), FTOPO_ERR_NOT_FOUND);
    assert_int_equal(ftopo_routes_lid_owner(l.r, 0, &n, &port), FTOPO_ERR_NOT_FOUND);
    /* Entries: set checks switch, LID and port. */
    assert_int_equal(ftopo_routes_get(l.r, l.s1, 4), 2);
    assert_int_equal(ftopo_routes_get(l.r, l.s1, 3), FTOPO_LFT_NONE);
    assert_int_equal(ftopo_routes_set(l.r, l.a, 4, 1), FTOPO_ERR_ARG);
    assert_int_equal(ftopo_routes_set(l.r, l.s1, 0, 1), FTOPO_ERR_ARG);
    assert_int_equal(ftopo_routes_set(l.r, l.s1, 5, 1), FTOPO_ERR_ARG);
    assert_int_equal(ftopo_routes_set(l.r, l.s1, 4, 37), FTOPO_ERR_ARG);
    assert_int_equal(ftopo_routes_set(l.r, l.s1, 4, 0), FTOPO_OK);
    line_free(&l);
}

/* Generated fabrics carry no LIDs: the assignment is switches by GUID, then
 * CA ports by GUID, LMC spacing, and is the same whatever the node order. */
static void lids_are_assigned_by_guid(void **state)
{
    (void)state;
    ftopo_fabric *f;
    assert_int_equal(ftopo_fabric_create(&f), FTOPO_OK);
    ftopo_node_spec ca = {
        .type = FTOPO_NODE_CA, .node_guid = 0x10, .desc = "h HCA-1", .num_ports = 2};
    ftopo_node_spec sw2 = {
        .type = FTOPO_NODE_SWITCH, .node_guid = 0x30, .desc = "s2", .num_ports = 8};
    ftopo_node_spec sw1 = {
        .type = FTOPO_NODE_SWITCH, .node_guid = 0x20, .desc = "s1", .num_ports = 8};
    ftopo_node_id c, s2, s1;
    assert_int_equal(ftopo_fabric_add_node(f, &ca, &c), FTOPO_OK);
    assert_int_equal(ftopo_fabric_add_node(f, &sw2, &s2), FTOPO_OK);
    assert_int_equal(ftopo_fabric_add_node(f, &sw1, &s1), FTOPO_OK);
    assert_int_equal(ftopo_fabric_add_link(f, c, 1, s1, 1), FTOPO_OK);
    assert_int_equal(ftopo_fabric_add_link(f, c, 2, s2, 1), FTOPO_OK);
    assert_int_equal(ftopo_fabric_add_link(f, s1, 2, s2, 2), FTOPO_OK);
    assert_int_equal(ftopo_fabric_finalize(f, NULL), FTOPO_OK);

    ftopo_routes_opts o = {.lmc = 1};
    ftopo_routes *r;
    assert_int_equal(ftopo_routes_create(f, &o, &r, NULL), FTOPO_OK);
    assert_int_equal(ftopo_routes_port_lid(r, s1, 0), 1);
    assert_int_equal(ftopo_routes_port_lid(r, s2, 0), 3);
    assert_int_equal(ftopo_routes_port_lid(r, c, 1), 5);
    assert_int_equal(ftopo_routes_port_lid(r, c, 2), 7);
    assert_int_equal(ftopo_routes_lid_top(r), 8);
    assert_int_equal(ftopo_routes_lmc(r), 1);
    ftopo_node_id n;
    int port;
    assert_int_equal(ftopo_routes_lid_owner(r, 8, &n, &port), FTOPO_OK);
    assert_int_equal(n, c);
    assert_int_equal(port, 2);

    /* guid2lid for OpenSM: one line per port, base and top LID. */
    char buf[512] = {0};
    FILE *out = fmemopen(buf, sizeof(buf) - 1, "w");
    assert_int_equal(ftopo_routes_write_guid2lid(r, out, NULL),
                     FTOPO_ERR_ARG); /* CA port GUIDs unknown */
    fclose(out);
    ftopo_routes_destroy(r);
    ftopo_fabric_destroy(f);
}

/* Synthetic fabrics may need more LIDs than a subnet has: they route and
 * analyze, but OpenSM's files refuse them. */
static void lids_past_unicast_are_for_analysis_only(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_node_id sw[12];
    char name[32];
    for (int s = 0; s < 12; s++) {
        snprintf(name, sizeof(name), "sw%d", s);
        sw[s] = fx_switch(&x, name);
        for (int h = 0; h < 34; h++) {
            snprintf(name, sizeof(name), "n%03d HCA-1", s * 34 + h);
            fx_link(&x, fx_ca(&x, name), sw[s]);
        }
    }
    fx_finish(&x);
    /* 420 ports x 2^7 LIDs = 53760 > 0xBFFF. */
    ftopo_routes_opts o = {.lid_mode = FTOPO_LIDS_ASSIGN, .lmc = 7};
    ftopo_routes *r;
    assert_int_equal(ftopo_routes_create(x.f, &o, &r, NULL), FTOPO_OK);
    assert_true(ftopo_routes_lid_top(r) > FTOPO_LID_UNICAST_MAX);
    assert_int_equal(ftopo_routes_lid_top(r), 420 * 128);
    ftopo_node_id n;
    assert_int_equal(ftopo_routes_lid_owner(r, ftopo_routes_lid_top(r), &n, NULL), FTOPO_OK);
    ftopo_diag diag = {0};
    FILE *out = fopen("/dev/null", "w");
    assert_int_equal(ftopo_routes_write_dump(r, out, &diag), FTOPO_ERR_UNSUPPORTED);
    assert_non_null(strstr(diag.message, "past the unicast range"));
    assert_int_equal(ftopo_routes_write_guid2lid(r, out, &diag), FTOPO_ERR_UNSUPPORTED);
    fclose(out);
    ftopo_routes_destroy(r);
    ftopo_fabric_destroy(x.f);
}

static void guid2lid_lists_every_port(void **state)
{
    (void)state;
    line l;
    line_build(&l);
    char buf[512] = {0};
    FILE *out = fmemopen(buf, sizeof(buf) - 1, "w");
    assert_int_equal(ftopo_routes_write_guid2lid(l.r, out, NULL), FTOPO_OK);
    fclose(out);
    assert_string_equal(buf, "0x0002c90300000001 0x0001 0x0001\n\n"
                             "0x0002c90301000002 0x0002 0x0002\n\n"
                             "0x0002c90300000003 0x0003 0x0003\n\n"
                             "0x0002c90301000004 0x0004 0x0004\n\n");
    line_free(&l);
}

static void trace_follows_the_tables(void **state)
{
    (void)state;
    line l;
    line_build(&l);
    ftopo_trace t;
    assert_int_equal(ftopo_trace_route(l.r, l.a, 1, 4, &t, NULL), FTOPO_OK);
    assert_int_equal(t.result, FTOPO_PATH_OK);
    assert_int_equal(t.num_hops, 4);
    ftopo_hop want[] = {{l.a, 0, 1}, {l.s1, 1, 2}, {l.s2, 1, 2}, {l.b, 1, 0}};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(t.hops[i].node, want[i].node);
        assert_int_equal(t.hops[i].in_port, want[i].in_port);
        assert_int_equal(t.hops[i].out_port, want[i].out_port);
    }
    ftopo_trace_free(&t);

    /* To a switch's own LID: ends at the switch. */
    assert_int_equal(ftopo_trace_route(l.r, l.b, 1, 1, &t, NULL), FTOPO_OK);
    assert_int_equal(t.result, FTOPO_PATH_NO_ROUTE); /* sw2 has no entry for sw1 */
    ftopo_trace_free(&t);
    assert_int_equal(ftopo_routes_set(l.r, l.s2, 1, 1), FTOPO_OK);
    assert_int_equal(ftopo_trace_route(l.r, l.b, 1, 1, &t, NULL), FTOPO_OK);
    assert_int_equal(t.result, FTOPO_PATH_OK);
    assert_int_equal(t.num_hops, 3);
    assert_int_equal(t.hops[2].node, l.s1);
    ftopo_trace_free(&t);

    /* The fast path gives the directed links. */
    ftopo_dlink_id d[8];
    size_t len;
    assert_int_equal(ftopo_routes_path(l.r, l.a, 1, 4, d, 8, &len), FTOPO_PATH_OK);
    assert_int_equal(len, 3);
    ftopo_link_info li;
    assert_int_equal(ftopo_link_get(l.x.f, d[0] / 2, &li), FTOPO_OK);
    assert_int_equal(d[0] % 2 == 0 ? li.node_a : li.node_b, l.a);
    double loads[6] = {0};
    assert_int_equal(ftopo_routes_add_flow(l.r, l.a, 1, 4, 1.5, loads), FTOPO_PATH_OK);
    for (size_t i = 0; i < 3; i++)
        assert_true(loads[d[i]] == 1.5);
    assert_true(loads[d[0] ^ 1] == 0.0);
    line_free(&l);
}

static void loops_and_black_holes_end_the_trace(void **state)
{
    (void)state;
    line l;
    line_build(&l);
    ftopo_trace t;
    /* sw2 sends B's LID back to sw1: a loop, reported once. */
    rx_route(l.r, l.s2, l.b, l.s1);
    assert_int_equal(ftopo_trace_route(l.r, l.a, 1, 4, &t, NULL), FTOPO_OK);
    assert_int_equal(t.result, FTOPO_PATH_LOOP);
    assert_int_equal(t.num_hops, 4);
    assert_int_equal(t.hops[3].node, l.s1);
    ftopo_trace_free(&t);
    size_t len;
    assert_int_equal(ftopo_routes_path(l.r, l.a, 1, 4, NULL, 0, &len), FTOPO_PATH_LOOP);

    /* No entry: a black hole at sw2. */
    assert_int_equal(ftopo_routes_set(l.r, l.s2, 4, FTOPO_LFT_NONE), FTOPO_OK);
    assert_int_equal(ftopo_trace_route(l.r, l.a, 1, 4, &t, NULL), FTOPO_OK);
    assert_int_equal(t.result, FTOPO_PATH_NO_ROUTE);
    assert_int_equal(t.hops[t.num_hops - 1].node, l.s2);
    ftopo_trace_free(&t);

    /* An uncabled egress port: a dead end. */
    assert_int_equal(ftopo_routes_set(l.r, l.s2, 4, 9), FTOPO_OK);
    assert_int_equal(ftopo_routes_path(l.r, l.a, 1, 4, NULL, 0, &len), FTOPO_PATH_DEAD_END);
    /* Routed back to the wrong CA. */
    rx_route(l.r, l.s2, l.b, l.s1);
    rx_route(l.r, l.s1, l.b, l.a);
    assert_int_equal(ftopo_routes_path(l.r, l.a, 1, 4, NULL, 0, &len), FTOPO_PATH_MISDELIVERED);
    /* A LID nobody owns. */
    assert_int_equal(ftopo_routes_path(l.r, l.a, 1, 9, NULL, 0, &len), FTOPO_PATH_NO_LID);
    line_free(&l);
}

static void resolve_takes_guid_lid_host_desc(void **state)
{
    (void)state;
    line l;
    line_build(&l);
    ftopo_node_id n;
    int port;
    assert_int_equal(ftopo_routes_resolve(l.r, "hostB", &n, &port, NULL), FTOPO_OK);
    assert_int_equal(n, l.b);
    assert_int_equal(port, 1);
    assert_int_equal(ftopo_routes_resolve(l.r, "3", &n, &port, NULL), FTOPO_OK);
    assert_int_equal(n, l.s2);
    assert_int_equal(port, 0);
    assert_int_equal(ftopo_routes_resolve(l.r, "0x0002c90300000001", &n, &port, NULL), FTOPO_OK);
    assert_int_equal(n, l.s1);
    assert_int_equal(ftopo_routes_resolve(l.r, "0x0002c90301000002", &n, &port, NULL), FTOPO_OK);
    assert_int_equal(n, l.a); /* port GUID */
    assert_int_equal(port, 1);
    assert_int_equal(ftopo_routes_resolve(l.r, "sw2", &n, &port, NULL), FTOPO_OK);
    assert_int_equal(n, l.s2);
    ftopo_diag diag = {0};
    assert_int_equal(ftopo_routes_resolve(l.r, "nosuch", &n, &port, &diag), FTOPO_ERR_NOT_FOUND);
    assert_non_null(strstr(diag.message, "nosuch"));
    assert_int_equal(ftopo_routes_resolve(l.r, "77", &n, &port, NULL), FTOPO_ERR_NOT_FOUND);
    line_free(&l);
}

static ftopo_status read_text(ftopo_routes *r, const char *text, ftopo_diag *diag)
{
    FILE *in = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(in);
    ftopo_status st = ftopo_routes_read_dump(r, in, "t.dump", diag);
    fclose(in);
    return st;
}

static void dump_round_trips(void **state)
{
    (void)state;
    line l;
    line_build(&l);
    char buf[4096] = {0};
    FILE *out = fmemopen(buf, sizeof(buf) - 1, "w");
    assert_int_equal(ftopo_routes_write_dump(l.r, out, NULL), FTOPO_OK);
    fclose(out);
    assert_non_null(
        strstr(buf, "Unicast lids [0x0-0x4] of switch Lid 1 guid 0x0002c90300000001 ('sw1'):\n"
                    "0x0002 001 : (Channel Adapter portguid 0x0002c90301000002: 'hostA HCA-1')\n"
                    "0x0004 002 : (Channel Adapter portguid 0x0002c90301000004: 'hostB HCA-1')\n"
                    "2 valid lids dumped\n"));

    ftopo_routes *back = rx_routes(l.x.f);
    ftopo_diag diag = {0};
    assert_int_equal(read_text(back, buf, &diag), FTOPO_OK);
    size_t diffs = 1;
    assert_int_equal(ftopo_routes_compare(l.r, back, &diffs, NULL), FTOPO_OK);
    assert_int_equal(diffs, 0);
    /* A changed entry is found and named. */
    assert_int_equal(ftopo_routes_set(back, l.s2, 2, 2), FTOPO_OK);
    assert_int_equal(ftopo_routes_compare(l.r, back, &diffs, &diag), FTOPO_ERR_CONFLICT);
    assert_int_equal(diffs, 1);
    assert_non_null(strstr(diag.message, "LID 2"));

    /* ibroute's and OpenSM's own layouts read the same, multicast skipped. */
    ftopo_routes_clear(back);
    assert_int_equal(
        read_text(back,
                  "Unicast lids [0x0-0x4] of switch Lid 1 guid 0x0002c90300000001 (sw1):\n"
                  "  Lid  Out   Destination\n"
                  "       Port     Info \n"
                  "0x0002 001 : (Channel Adapter portguid 0x0002c90301000002: 'hostA')\n"
                  "0x0004 002 : (Channel Adapter portguid 0x0002c90301000004: 'hostB')\n"
                  "2 valid lids dumped \n"
                  "Multicast mlids [0xc000-0xc3ff] of switch Lid 1 guid 0x0002c90300000001:\n"
                  "0xc000 000 001\n"
                  "Unicast lids [0-4] of switch Lid 3 guid 0x0002c90300000003 ('sw2'):\n"
                  "0x0002 001 # Channel Adapter portguid 0x0002c90301000002: 'hostA'\n"
                  "0x0004 002 # Channel Adapter portguid 0x0002c90301000004: 'hostB'\n"
                  "4 lids dumped\n",
                  &diag),
        FTOPO_OK);
    assert_int_equal(ftopo_routes_compare(l.r, back, &diffs, NULL), FTOPO_OK);
    ftopo_routes_destroy(back);
    line_free(&l);
}

static void expect_error(ftopo_routes *r, const char *text, const char *needle)
{
    ftopo_diag diag = {0};
    assert_int_equal(read_text(r, text, &diag), FTOPO_ERR_PARSE);
    if (!strstr(diag.message, needle))
        fail_msg("message '%s' lacks '%s'", diag.message, needle);
}

static void dump_errors_name_file_and_line(void **state)
{
    (void)state;
    line l;
    line_build(&l);
    const char *hdr = "Unicast lids [0x0-0x4] of switch Lid 1 guid 0x0002c90300000001 ('sw1'):\n";
    char text[512];
    expect_error(l.r, "Unicast lids [0x0-0x4] of switch Lid 9 guid 0x00000000deadbeef ('x'):\n",
                 "t.dump:1: unknown switch guid 0x00000000deadbeef");
    expect_error(l.r, "Unicast lids [0x0-0x4] of switch Lid 2 guid 0x0002c90300000002 ('x'):\n",
                 "t.dump:1: guid 0x0002c90300000002 ('hostA HCA-1') is not a switch");
    expect_error(l.r, "Unicast lids of switch\n", "t.dump:1: switch header without a guid");
    snprintf(text, sizeof(text), "%s0x0002 001\n0x0004 037\n", hdr);
    expect_error(l.r, text,
                 "t.dump:3: port 37 out of range (switch 0x0002c90300000001 'sw1' has 36 ports)");
    snprintf(text, sizeof(text), "%s0x0009 001\n", hdr);
    expect_error(l.r, text, "t.dump:2: LID 9 (0x9) has no owner");
    snprintf(text, sizeof(text), "%s0x0005 001\n", hdr);
    expect_error(l.r, text, "t.dump:2: LID 5 (0x5) has no owner");
    snprintf(text, sizeof(text), "%s0xzz 001\n", hdr);
    expect_error(l.r, text, "t.dump:2: malformed LID");
    snprintf(text, sizeof(text), "%s0x0002 abc\n", hdr);
    expect_error(l.r, text, "t.dump:2: malformed port");
    snprintf(text, sizeof(text), "%s0x0002 -1\n", hdr);
    expect_error(l.r, text, "t.dump:2: malformed port");
    expect_error(l.r, "0x0002 001\n", "t.dump:1: entry before any 'Unicast lids' switch header");
    snprintf(text, sizeof(text), "%s0x0002 001\ngarbage here\n", hdr);
    expect_error(l.r, text, "t.dump:3: unexpected line 'garbage here'");

    ftopo_diag diag = {0};
    assert_int_equal(ftopo_routes_read_dump_file(l.r, "/nonexistent/lfts.dump", &diag),
                     FTOPO_ERR_IO);
    assert_non_null(strstr(diag.message, "/nonexistent/lfts.dump"));
    line_free(&l);
}

static void duplicate_lids_are_refused(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_node_id s = fx_switch(&x, "sw");
    ftopo_node_id a = fx_ca(&x, "a HCA-1");
    x.next_lid = 1; /* the next CA reuses the switch's LID */
    ftopo_node_id b = fx_ca(&x, "b HCA-1");
    fx_link(&x, a, s);
    fx_link(&x, b, s);
    ftopo_diag diag = {0};
    /* The model itself may refuse the duplicate; if not, the route set does. */
    if (ftopo_fabric_finalize(x.f, &diag) == FTOPO_OK) {
        ftopo_routes *r = NULL;
        assert_int_equal(ftopo_routes_create(x.f, NULL, &r, &diag), FTOPO_ERR_CONFLICT);
        assert_null(r);
        assert_non_null(strstr(diag.message, "LID 1"));
    }
    ftopo_fabric_destroy(x.f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lid_map_follows_the_fabric),
        cmocka_unit_test(lids_are_assigned_by_guid),
        cmocka_unit_test(lids_past_unicast_are_for_analysis_only),
        cmocka_unit_test(guid2lid_lists_every_port),
        cmocka_unit_test(trace_follows_the_tables),
        cmocka_unit_test(loops_and_black_holes_end_the_trace),
        cmocka_unit_test(resolve_takes_guid_lid_host_desc),
        cmocka_unit_test(dump_round_trips),
        cmocka_unit_test(dump_errors_name_file_and_line),
        cmocka_unit_test(duplicate_lids_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

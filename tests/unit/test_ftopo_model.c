/* The fabric model's builder, rate decoding, lookups, hosts and rails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "model.h"
#include "model_fixtures.h"

static void rates_are_what_vendors_quote(void **state)
{
    (void)state;
    assert_true(ftopo_link_rate_gbps(FTOPO_WIDTH_1X, FTOPO_SPEED_SDR) == 2.5);
    assert_true(ftopo_link_rate_gbps(FTOPO_WIDTH_4X, FTOPO_SPEED_SDR) == 10.0);
    assert_true(ftopo_link_rate_gbps(FTOPO_WIDTH_4X, FTOPO_SPEED_DDR) == 20.0);
    assert_true(ftopo_link_rate_gbps(FTOPO_WIDTH_4X, FTOPO_SPEED_QDR) == 40.0);
    assert_true(ftopo_link_rate_gbps(FTOPO_WIDTH_4X, FTOPO_SPEED_FDR10) == 40.0);
    assert_true(ftopo_link_rate_gbps(FTOPO_WIDTH_4X, FTOPO_SPEED_FDR) == 56.0);
    assert_true(ftopo_link_rate_gbps(FTOPO_WIDTH_4X, FTOPO_SPEED_EDR) == 100.0);
    assert_true(ftopo_link_rate_gbps(FTOPO_WIDTH_4X, FTOPO_SPEED_HDR) == 200.0);
    assert_true(ftopo_link_rate_gbps(FTOPO_WIDTH_4X, FTOPO_SPEED_NDR) == 400.0);
    assert_true(ftopo_link_rate_gbps(FTOPO_WIDTH_4X, FTOPO_SPEED_XDR) == 800.0);
    assert_true(ftopo_link_rate_gbps(FTOPO_WIDTH_12X, FTOPO_SPEED_QDR) == 120.0);
    assert_true(ftopo_link_rate_gbps(FTOPO_WIDTH_12X, FTOPO_SPEED_EDR) == 300.0);
    assert_true(ftopo_link_rate_gbps(FTOPO_WIDTH_8X, FTOPO_SPEED_DDR) == 40.0);
    assert_true(ftopo_link_rate_gbps(FTOPO_WIDTH_2X, FTOPO_SPEED_HDR) == 100.0);
    assert_true(ftopo_link_rate_gbps(FTOPO_WIDTH_UNKNOWN, FTOPO_SPEED_EDR) == 0.0);
    assert_true(ftopo_link_rate_gbps(FTOPO_WIDTH_4X, FTOPO_SPEED_UNKNOWN) == 0.0);
    assert_int_equal(ftopo_width_lanes(FTOPO_WIDTH_12X), 12);
    assert_int_equal(ftopo_width_lanes((ftopo_link_width)3), 0);
}

static void portinfo_speeds_decode(void **state)
{
    (void)state;
    assert_int_equal(ftopo_speed_from_portinfo(1, 0, false), FTOPO_SPEED_SDR);
    assert_int_equal(ftopo_speed_from_portinfo(2, 0, false), FTOPO_SPEED_DDR);
    assert_int_equal(ftopo_speed_from_portinfo(4, 0, false), FTOPO_SPEED_QDR);
    assert_int_equal(ftopo_speed_from_portinfo(4, 0, true), FTOPO_SPEED_FDR10);
    /* Extended speeds win over the base field, which then reads QDR. */
    assert_int_equal(ftopo_speed_from_portinfo(4, 1, false), FTOPO_SPEED_FDR);
    assert_int_equal(ftopo_speed_from_portinfo(4, 2, false), FTOPO_SPEED_EDR);
    assert_int_equal(ftopo_speed_from_portinfo(4, 4, true), FTOPO_SPEED_HDR);
    assert_int_equal(ftopo_speed_from_portinfo(4, 8, false), FTOPO_SPEED_NDR);
    assert_int_equal(ftopo_speed_from_portinfo(4, 16, false), FTOPO_SPEED_XDR);
    assert_int_equal(ftopo_speed_from_portinfo(0, 0, false), FTOPO_SPEED_UNKNOWN);
}

static void names_parse_and_print(void **state)
{
    (void)state;
    ftopo_link_width w;
    ftopo_link_speed s;
    assert_int_equal(ftopo_width_parse("4x", &w), FTOPO_OK);
    assert_int_equal(w, FTOPO_WIDTH_4X);
    assert_int_equal(ftopo_width_parse("12X", &w), FTOPO_OK);
    assert_int_equal(w, FTOPO_WIDTH_12X);
    assert_int_equal(ftopo_width_parse("3x", &w), FTOPO_ERR_PARSE);
    assert_int_equal(ftopo_width_parse("4xx", &w), FTOPO_ERR_PARSE);
    assert_int_equal(ftopo_speed_parse("edr", &s), FTOPO_OK);
    assert_int_equal(s, FTOPO_SPEED_EDR);
    assert_int_equal(ftopo_speed_parse("FDR10", &s), FTOPO_OK);
    assert_int_equal(s, FTOPO_SPEED_FDR10);
    assert_int_equal(ftopo_speed_parse("FDR1", &s), FTOPO_ERR_PARSE);
    assert_int_equal(ftopo_rate_parse("4xHDR", &w, &s), FTOPO_OK);
    assert_true(w == FTOPO_WIDTH_4X && s == FTOPO_SPEED_HDR);
    assert_int_equal(ftopo_rate_parse("12xQDR", &w, &s), FTOPO_OK);
    assert_true(w == FTOPO_WIDTH_12X && s == FTOPO_SPEED_QDR);
    assert_int_equal(ftopo_rate_parse("1xSDR", &w, &s), FTOPO_OK);
    assert_true(w == FTOPO_WIDTH_1X && s == FTOPO_SPEED_SDR);
    assert_int_equal(ftopo_rate_parse("4x", &w, &s), FTOPO_ERR_PARSE);
    assert_int_equal(ftopo_rate_parse("HDR", &w, &s), FTOPO_ERR_PARSE);
    assert_string_equal(ftopo_width_str(FTOPO_WIDTH_8X), "8x");
    assert_string_equal(ftopo_speed_str(FTOPO_SPEED_NDR), "NDR");
    assert_string_equal(ftopo_speed_str(FTOPO_SPEED_UNKNOWN), "?");
}

static void builder_rejects_bad_input(void **state)
{
    (void)state;
    ftopo_fabric *f;
    assert_int_equal(ftopo_fabric_create(&f), FTOPO_OK);
    ftopo_node_spec sw = {.type = FTOPO_NODE_SWITCH, .node_guid = 0x10, .num_ports = 4};
    ftopo_node_spec ca = {.type = FTOPO_NODE_CA, .node_guid = 0x20, .num_ports = 2};
    ftopo_node_id s, c;
    assert_int_equal(ftopo_fabric_add_node(f, &sw, &s), FTOPO_OK);
    assert_int_equal(ftopo_fabric_add_node(f, &ca, &c), FTOPO_OK);

    ftopo_node_spec bad = sw;
    assert_int_equal(ftopo_fabric_add_node(f, &bad, NULL), FTOPO_ERR_DUPLICATE);
    bad.node_guid = 0;
    assert_int_equal(ftopo_fabric_add_node(f, &bad, NULL), FTOPO_ERR_ARG);
    bad = (ftopo_node_spec){.type = 7, .node_guid = 0x30, .num_ports = 1};
    assert_int_equal(ftopo_fabric_add_node(f, &bad, NULL), FTOPO_ERR_ARG);
    bad = (ftopo_node_spec){.type = FTOPO_NODE_CA, .node_guid = 0x30, .num_ports = 0};
    assert_int_equal(ftopo_fabric_add_node(f, &bad, NULL), FTOPO_ERR_ARG);
    bad.num_ports = 255;
    assert_int_equal(ftopo_fabric_add_node(f, &bad, NULL), FTOPO_ERR_ARG);
    assert_int_equal(ftopo_fabric_add_node(f, NULL, NULL), FTOPO_ERR_ARG);

    ftopo_port_spec p = {.width = FTOPO_WIDTH_4X, .speed = FTOPO_SPEED_EDR};
    assert_int_equal(ftopo_fabric_set_port(f, s, 0, &p), FTOPO_ERR_ARG);
    assert_int_equal(ftopo_fabric_set_port(f, s, 5, &p), FTOPO_ERR_ARG);
    assert_int_equal(ftopo_fabric_set_port(f, 9, 1, &p), FTOPO_ERR_ARG);
    p.width = 3;
    assert_int_equal(ftopo_fabric_set_port(f, s, 1, &p), FTOPO_ERR_ARG);
    p = (ftopo_port_spec){.speed = FTOPO_SPEED_XDR + 1};
    assert_int_equal(ftopo_fabric_set_port(f, s, 1, &p), FTOPO_ERR_ARG);
    p = (ftopo_port_spec){.state = FTOPO_PORT_ACTIVE + 1};
    assert_int_equal(ftopo_fabric_set_port(f, s, 1, &p), FTOPO_ERR_ARG);

    assert_int_equal(ftopo_fabric_add_link(f, s, 1, c, 1), FTOPO_OK);
    /* The same cable again, from either end: a no-op. */
    assert_int_equal(ftopo_fabric_add_link(f, s, 1, c, 1), FTOPO_OK);
    assert_int_equal(ftopo_fabric_add_link(f, c, 1, s, 1), FTOPO_OK);
    assert_int_equal(ftopo_num_links(f), 1);
    assert_int_equal(ftopo_fabric_add_link(f, s, 1, c, 2), FTOPO_ERR_CONFLICT);
    assert_int_equal(ftopo_fabric_add_link(f, s, 2, c, 1), FTOPO_ERR_CONFLICT);
    assert_int_equal(ftopo_fabric_add_link(f, s, 5, c, 2), FTOPO_ERR_ARG);
    assert_int_equal(ftopo_fabric_add_link(f, s, 2, 9, 1), FTOPO_ERR_ARG);
    assert_int_equal(ftopo_fabric_add_link(f, s, 2, s, 2), FTOPO_ERR_ARG);
    /* A loopback cable between two ports of one switch is real. */
    assert_int_equal(ftopo_fabric_add_link(f, s, 2, s, 3), FTOPO_OK);

    assert_int_equal(ftopo_fabric_summary(f, &(ftopo_summary){0}), FTOPO_ERR_STATE);
    assert_int_equal(ftopo_fabric_finalize(f, NULL), FTOPO_OK);
    ftopo_diag diag = {0};
    assert_int_equal(ftopo_fabric_finalize(f, &diag), FTOPO_ERR_STATE);
    assert_int_equal(ftopo_fabric_add_node(f, &bad, NULL), FTOPO_ERR_STATE);
    assert_int_equal(ftopo_fabric_set_port(f, s, 1, &p), FTOPO_ERR_STATE);
    assert_int_equal(ftopo_fabric_add_link(f, s, 4, c, 2), FTOPO_ERR_STATE);
    ftopo_fabric_destroy(f);
    ftopo_fabric_destroy(NULL);
}

static void duplicate_port_guid_fails_finalize(void **state)
{
    (void)state;
    ftopo_fabric *f;
    assert_int_equal(ftopo_fabric_create(&f), FTOPO_OK);
    ftopo_node_spec ca = {.type = FTOPO_NODE_CA, .node_guid = 0x20, .num_ports = 1};
    ftopo_node_id a, b;
    assert_int_equal(ftopo_fabric_add_node(f, &ca, &a), FTOPO_OK);
    ca.node_guid = 0x30;
    assert_int_equal(ftopo_fabric_add_node(f, &ca, &b), FTOPO_OK);
    ftopo_port_spec p = {.port_guid = 0x21};
    assert_int_equal(ftopo_fabric_set_port(f, a, 1, &p), FTOPO_OK);
    assert_int_equal(ftopo_fabric_set_port(f, b, 1, &p), FTOPO_OK);
    ftopo_diag diag = {0};
    assert_int_equal(ftopo_fabric_finalize(f, &diag), FTOPO_ERR_DUPLICATE);
    assert_non_null(strstr(diag.message, "0x0000000000000021"));
    ftopo_fabric_destroy(f);
}

static void links_take_the_slower_end(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_node_id s = fx_switch(&x, "sw"), c = fx_ca(&x, "node001 HCA-1");
    fx_link(&x, c, s);
    x.speed = FTOPO_SPEED_HDR;
    x.width = FTOPO_WIDTH_12X;
    fx_port_rate(&x, s, 1); /* the switch end is faster and wider */
    ftopo_fabric *f = fx_finish(&x);
    ftopo_link_info l;
    assert_int_equal(ftopo_link_get(f, 0, &l), FTOPO_OK);
    assert_int_equal(l.width, FTOPO_WIDTH_4X);
    assert_int_equal(l.speed, FTOPO_SPEED_EDR);
    assert_true(l.rate_gbps == 100.0);
    assert_int_equal(ftopo_link_get(f, 1, &l), FTOPO_ERR_ARG);
    ftopo_fabric_destroy(f);
}

static void lookups_find_guids_lids_descs(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_fabric *f = fx_fat_tree_2(&x, 2, 2, 3, 1);
    ftopo_node_id n, found;
    int port = -1;
    assert_int_equal(ftopo_find_by_desc(f, "node004 HCA-1", &n), FTOPO_OK);
    ftopo_node_info info;
    ftopo_port_info pi;
    assert_int_equal(ftopo_node_get(f, n, &info), FTOPO_OK);
    assert_int_equal(info.type, FTOPO_NODE_CA);
    assert_int_equal(ftopo_find_by_guid(f, info.node_guid, &found), FTOPO_OK);
    assert_int_equal(found, n);
    assert_int_equal(ftopo_port_get(f, n, 1, &pi), FTOPO_OK);
    assert_int_equal(ftopo_find_by_guid(f, pi.port_guid, &found), FTOPO_OK);
    assert_int_equal(found, n);
    assert_int_equal(ftopo_find_by_lid(f, pi.lid, &found, &port), FTOPO_OK);
    assert_int_equal(found, n);
    assert_int_equal(port, 1);
    assert_int_equal(info.lid, pi.lid);

    assert_int_equal(ftopo_find_by_desc(f, "spine02", &n), FTOPO_OK);
    assert_int_equal(ftopo_node_get(f, n, &info), FTOPO_OK);
    assert_int_equal(ftopo_find_by_lid(f, info.lid, &found, &port), FTOPO_OK);
    assert_int_equal(found, n);
    assert_int_equal(port, 0);
    assert_int_equal(ftopo_port_get(f, n, 1, &pi), FTOPO_OK);
    assert_true(pi.port_guid == info.node_guid); /* switch ports share the node GUID */

    assert_int_equal(ftopo_find_by_desc(f, "node004", &n), FTOPO_ERR_NOT_FOUND);
    assert_int_equal(ftopo_find_by_guid(f, 0xdead, &n), FTOPO_ERR_NOT_FOUND);
    assert_int_equal(ftopo_find_by_lid(f, 0, &n, NULL), FTOPO_ERR_NOT_FOUND);
    assert_int_equal(ftopo_find_by_lid(f, 999, &n, NULL), FTOPO_ERR_NOT_FOUND);
    assert_int_equal(ftopo_node_get(f, (ftopo_node_id)ftopo_num_nodes(f), &info), FTOPO_ERR_ARG);
    ftopo_fabric_destroy(f);
}

static void lmc_covers_a_lid_range(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_node_id c = fx_ca(&x, "node001 HCA-1");
    ftopo_port_spec p = {.lid = 100, .lmc = 2};
    assert_int_equal(ftopo_fabric_set_port(x.f, c, 1, &p), FTOPO_OK);
    ftopo_fabric *f = fx_finish(&x);
    ftopo_node_id n;
    for (uint16_t lid = 100; lid < 104; lid++)
        assert_int_equal(ftopo_find_by_lid(f, lid, &n, NULL), FTOPO_OK);
    assert_int_equal(ftopo_find_by_lid(f, 104, &n, NULL), FTOPO_ERR_NOT_FOUND);
    ftopo_fabric_destroy(f);
}

/* Expects host `name` with the given descriptions, in rail order. */
static void expect_host(const ftopo_fabric *f, const char *name, int n, const char *const *descs)
{
    ftopo_host_id h;
    ftopo_host_info hi;
    assert_int_equal(ftopo_find_host(f, name, &h), FTOPO_OK);
    assert_int_equal(ftopo_host_get(f, h, &hi), FTOPO_OK);
    assert_string_equal(hi.name, name);
    assert_int_equal(hi.num_hcas, n);
    for (int r = 0; r < n; r++) {
        ftopo_node_id ca;
        ftopo_node_info info;
        assert_int_equal(ftopo_host_hca(f, h, r, &ca), FTOPO_OK);
        assert_int_equal(ftopo_node_get(f, ca, &info), FTOPO_OK);
        assert_string_equal(info.desc, descs[r]);
        assert_int_equal(info.host, h);
        assert_int_equal(info.rail, r);
    }
    ftopo_node_id ca;
    assert_int_equal(ftopo_host_hca(f, h, n, &ca), FTOPO_ERR_ARG);
}

static void hosts_from_descriptions(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_node_id s = fx_switch(&x, "leaf");
    /* Added out of rail order: rails follow the HCA number, 10 after 2. */
    const char *descs[] = {"node017 HCA-10",        "node017 HCA-2",  "node017 HCA-1",
                           "node018 mlx5_1",        "node018 mlx5_0", "node019/HCA-1",
                           "node019/HCA-2",         "node020",        "node021 HCA-2 (mlx5_0)",
                           "node021 HCA-1 (mlx5_1)"};
    for (size_t i = 0; i < sizeof(descs) / sizeof(descs[0]); i++)
        fx_link(&x, fx_ca(&x, descs[i]), s);
    ftopo_fabric *f = fx_finish(&x);
    assert_int_equal(ftopo_num_hosts(f), 5);
    expect_host(f, "node021", 2,
                (const char *[]){"node021 HCA-1 (mlx5_1)", "node021 HCA-2 (mlx5_0)"});
    expect_host(f, "node017", 3,
                (const char *[]){"node017 HCA-1", "node017 HCA-2", "node017 HCA-10"});
    expect_host(f, "node018", 2, (const char *[]){"node018 mlx5_0", "node018 mlx5_1"});
    expect_host(f, "node019", 2, (const char *[]){"node019/HCA-1", "node019/HCA-2"});
    expect_host(f, "node020", 1, (const char *[]){"node020"});
    ftopo_host_id h;
    assert_int_equal(ftopo_find_host(f, "node022", &h), FTOPO_ERR_NOT_FOUND);
    ftopo_summary sum;
    assert_int_equal(ftopo_fabric_summary(f, &sum), FTOPO_OK);
    assert_int_equal(sum.hosts, 5);
    assert_int_equal(sum.rails, 3);
    ftopo_node_info info;
    assert_int_equal(ftopo_node_get(f, s, &info), FTOPO_OK);
    assert_int_equal(info.host, FTOPO_NONE);
    assert_int_equal(info.rail, -1);
    ftopo_fabric_destroy(f);
}

static void hosts_from_system_image_guid(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_node_id s = fx_switch(&x, "leaf");
    /* Firmware-default descriptions name no host; the shared system image
     * GUID does, and rails then follow the GUIDs. */
    const char *dflt = "MT4123 ConnectX6 Mellanox Technologies";
    ftopo_node_id a = fx_node(&x, FTOPO_NODE_CA, dflt, 1, 0xabc);
    ftopo_node_id b = fx_node(&x, FTOPO_NODE_CA, dflt, 1, 0xabc);
    ftopo_node_id lone = fx_node(&x, FTOPO_NODE_CA, dflt, 1, 0);
    ftopo_node_id other = fx_node(&x, FTOPO_NODE_CA, dflt, 1, 0);
    /* Descriptions that disagree with each other still form one host when
     * the system image is shared. */
    ftopo_node_id c = fx_node(&x, FTOPO_NODE_CA, "gpu7 mlx5_1", 1, 0x777);
    ftopo_node_id d = fx_node(&x, FTOPO_NODE_CA, "gpu7-old mlx5_0", 1, 0x777);
    ftopo_node_id cas[] = {a, b, lone, other, c, d};
    for (size_t i = 0; i < 6; i++)
        fx_link(&x, cas[i], s);
    ftopo_fabric *f = fx_finish(&x);
    assert_int_equal(ftopo_num_hosts(f), 4);
    ftopo_node_info ia, ib, il, io, ic, id;
    ftopo_node_get(f, a, &ia);
    ftopo_node_get(f, b, &ib);
    ftopo_node_get(f, lone, &il);
    ftopo_node_get(f, other, &io);
    ftopo_node_get(f, c, &ic);
    ftopo_node_get(f, d, &id);
    assert_int_equal(ia.host, ib.host);
    assert_int_equal(ia.rail, 0);
    assert_int_equal(ib.rail, 1);
    assert_int_not_equal(il.host, io.host);
    assert_int_not_equal(il.host, ia.host);
    ftopo_host_info hi;
    assert_int_equal(ftopo_host_get(f, il.host, &hi), FTOPO_OK);
    assert_string_equal(hi.name, "0x0002c90300000004");
    assert_int_equal(ic.host, id.host);
    assert_int_equal(ftopo_host_get(f, ic.host, &hi), FTOPO_OK);
    assert_string_equal(hi.name, "gpu7");
    assert_int_equal(ic.rail, 1);
    assert_int_equal(id.rail, 0);
    ftopo_fabric_destroy(f);
}

static void igraph_errors_come_back_instead_of_aborting(void **state)
{
    (void)state;
    ftopo__igraph_setup();
    igraph_vector_int_t edges;
    assert_int_equal(igraph_vector_int_init(&edges, 2), IGRAPH_SUCCESS);
    VECTOR(edges)[0] = 0;
    VECTOR(edges)[1] = -1; /* no such vertex */
    igraph_t g;
    igraph_error_t rc = igraph_create(&g, &edges, 2, IGRAPH_UNDIRECTED);
    igraph_vector_int_destroy(&edges);
    assert_int_not_equal(rc, IGRAPH_SUCCESS);
    ftopo_diag diag = {0};
    assert_int_equal(ftopo__igraph_fail(&diag, rc, "test graph"), FTOPO_ERR_GRAPH);
    assert_non_null(strstr(diag.message, "test graph: "));
    assert_int_equal(ftopo__igraph_fail(&diag, IGRAPH_ENOMEM, "big graph"), FTOPO_ERR_NOMEM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rates_are_what_vendors_quote),
        cmocka_unit_test(portinfo_speeds_decode),
        cmocka_unit_test(names_parse_and_print),
        cmocka_unit_test(builder_rejects_bad_input),
        cmocka_unit_test(duplicate_port_guid_fails_finalize),
        cmocka_unit_test(links_take_the_slower_end),
        cmocka_unit_test(lookups_find_guids_lids_descs),
        cmocka_unit_test(lmc_covers_a_lid_range),
        cmocka_unit_test(hosts_from_descriptions),
        cmocka_unit_test(hosts_from_system_image_guid),
        cmocka_unit_test(igraph_errors_come_back_instead_of_aborting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Route analysis: loads hand-checked on small fabrics, all-to-all's
 * per-destination computation against walking every pair, credit loops on a
 * ring (clockwise routing deadlocks, a spanning line does not), patterns and
 * host lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "route_fixtures.h"

#define RING 4

typedef struct ring {
    fx x;
    ftopo_node_id sw[RING], host[RING];
    ftopo_routes *r;
} ring;

/* Every switch sends every foreign LID clockwise. */
static void ring_clockwise(ring *g)
{
    fx_init(&g->x);
    rx_ring(&g->x, RING, g->sw, g->host);
    g->r = rx_routes(g->x.f);
    for (int i = 0; i < RING; i++)
        for (int j = 0; j < RING; j++)
            rx_route(g->r, g->sw[i], g->host[j], i == j ? g->host[j] : g->sw[(i + 1) % RING]);
}

/* Shortest way along the line sw0 - sw1 - ... - sw(n-1): the link closing
 * the ring is never used (up/down with sw0 as root does the same here). */
static void ring_line(ring *g)
{
    fx_init(&g->x);
    rx_ring(&g->x, RING, g->sw, g->host);
    g->r = rx_routes(g->x.f);
    for (int i = 0; i < RING; i++)
        for (int j = 0; j < RING; j++)
            rx_route(g->r, g->sw[i], g->host[j],
                     i == j ? g->host[j] : g->sw[j > i ? i + 1 : i - 1]);
}

static void ring_free(ring *g)
{
    ftopo_routes_destroy(g->r);
    ftopo_fabric_destroy(g->x.f);
}

static ftopo_dlink_id dlink_between(const ftopo_fabric *f, ftopo_node_id from, ftopo_node_id to)
{
    for (size_t l = 0; l < ftopo_num_links(f); l++) {
        ftopo_link_info li;
        assert_int_equal(ftopo_link_get(f, (ftopo_link_id)l, &li), FTOPO_OK);
        if (li.node_a == from && li.node_b == to)
            return (ftopo_dlink_id)(2 * l);
        if (li.node_b == from && li.node_a == to)
            return (ftopo_dlink_id)(2 * l + 1);
    }
    fail_msg("no link %d -> %d", from, to);
    return -1;
}

static void clockwise_ring_has_a_credit_loop(void **state)
{
    (void)state;
    ring g;
    ring_clockwise(&g);
    ftopo_pattern p = {.kind = FTOPO_PATTERN_ALL2ALL};
    ftopo_analysis a;
    assert_int_equal(ftopo_analyze(g.r, &p, &a, NULL), FTOPO_OK);
    assert_int_equal(a.flows, 12);
    assert_int_equal(a.unreachable, 0);
    /* sw0 -> sw1 carries h0 to 3 hosts, h3 to 2, h2 to 1. */
    for (int i = 0; i < RING; i++) {
        assert_int_equal(a.dlink_flows[dlink_between(g.x.f, g.sw[i], g.sw[(i + 1) % RING])], 6);
        assert_int_equal(a.dlink_flows[dlink_between(g.x.f, g.sw[(i + 1) % RING], g.sw[i])], 0);
        assert_int_equal(a.dlink_flows[dlink_between(g.x.f, g.host[i], g.sw[i])], 3);
        assert_int_equal(a.dlink_flows[dlink_between(g.x.f, g.sw[i], g.host[i])], 3);
    }
    assert_int_equal(a.max_flows, 6);
    assert_int_equal(a.hops_min, 3);
    assert_int_equal(a.hops_max, 5);
    assert_true(a.hops_mean == 4.0);
    assert_int_equal(a.hops_hist[3], 4);
    assert_int_equal(a.hops_hist[5], 4);
    /* The cycle is the four clockwise switch links, in order. */
    assert_true(a.credit_loop);
    assert_int_equal(a.cycle_len, RING);
    for (size_t i = 0; i < a.cycle_len; i++) {
        ftopo_dlink_id d = a.cycle[i], e = a.cycle[(i + 1) % a.cycle_len];
        ftopo_link_info ld, le;
        assert_int_equal(ftopo_link_get(g.x.f, d / 2, &ld), FTOPO_OK);
        assert_int_equal(ftopo_link_get(g.x.f, e / 2, &le), FTOPO_OK);
        ftopo_node_id d_to = d % 2 ? ld.node_a : ld.node_b;
        ftopo_node_id e_from = e % 2 ? le.node_b : le.node_a;
        assert_int_equal(d_to, e_from);
    }
    ftopo_analysis_free(&a);

    /* Walking the flows one by one finds the same loop. */
    p.kind = FTOPO_PATTERN_SHIFT;
    assert_int_equal(ftopo_analyze(g.r, &p, &a, NULL), FTOPO_OK);
    assert_int_equal(a.phases, RING - 1);
    assert_true(a.credit_loop);
    /* Shift by 3 is the worst phase: every flow crosses three clockwise
     * links, so each carries 3. */
    assert_int_equal(a.max_flows, 3);
    ftopo_analysis_free(&a);
    ring_free(&g);
}

static void line_routing_of_a_ring_has_none(void **state)
{
    (void)state;
    ring g;
    ring_line(&g);
    ftopo_pattern p = {.kind = FTOPO_PATTERN_ALL2ALL};
    ftopo_analysis a;
    assert_int_equal(ftopo_analyze(g.r, &p, &a, NULL), FTOPO_OK);
    assert_false(a.credit_loop);
    assert_int_equal(a.cycle_len, 0);
    assert_null(a.cycle);
    /* The middle link of the line carries 2 x 2 flows each way; the closing
     * link nothing. */
    assert_int_equal(a.dlink_flows[dlink_between(g.x.f, g.sw[1], g.sw[2])], 4);
    assert_int_equal(a.dlink_flows[dlink_between(g.x.f, g.sw[2], g.sw[1])], 4);
    assert_int_equal(a.dlink_flows[dlink_between(g.x.f, g.sw[3], g.sw[0])], 0);
    assert_int_equal(a.max_flows, 4);
    ftopo_analysis_free(&a);
    ring_free(&g);
}

/* All-to-all by destination trees must equal walking every pair, also when
 * tables loop or lose routes. */
static void check_all2all_against_walks(const ftopo_routes *r)
{
    const ftopo_fabric *f = ftopo_routes_fabric(r);
    size_t ndl = 2 * ftopo_num_links(f), nh = ftopo_num_hosts(f);
    double *want = calloc(ndl, sizeof(*want));
    size_t unreachable = 0, loops = 0, flows = 0;
    for (size_t s = 0; s < nh; s++) {
        for (size_t d = 0; d < nh; d++) {
            if (s == d)
                continue;
            ftopo_node_id sn, dn;
            assert_int_equal(ftopo_host_hca(f, (ftopo_host_id)s, 0, &sn), FTOPO_OK);
            assert_int_equal(ftopo_host_hca(f, (ftopo_host_id)d, 0, &dn), FTOPO_OK);
            flows++;
            ftopo_path_result res =
                ftopo_routes_add_flow(r, sn, 1, ftopo_routes_port_lid(r, dn, 1), 1.0, want);
            unreachable += res != FTOPO_PATH_OK;
            loops += res == FTOPO_PATH_LOOP;
        }
    }
    ftopo_pattern p = {.kind = FTOPO_PATTERN_ALL2ALL};
    ftopo_analysis a;
    assert_int_equal(ftopo_analyze(r, &p, &a, NULL), FTOPO_OK);
    assert_int_equal(a.flows, flows);
    assert_int_equal(a.unreachable, unreachable);
    assert_int_equal(a.loops, loops);
    for (size_t d = 0; d < ndl; d++)
        if (a.dlink_flows[d] != (uint32_t)want[d])
            fail_msg("directed link %zu: %u flows, walking gives %g", d, a.dlink_flows[d], want[d]);
    ftopo_analysis_free(&a);
    free(want);
}

/* Leaf/spine with 3 leaves, 2 spines, 2 hosts a leaf: a leaf sends host j
 * up to spine j % 2, spines send down. */
static ftopo_routes *fat_tree_routes(fx *x, ftopo_node_id *leaf, ftopo_node_id *spine)
{
    fx_init(x);
    fx_fat_tree_2(x, 3, 2, 2, 1);
    const ftopo_fabric *f = x->f;
    /* Fixture order: spines first, then each leaf followed by its hosts. */
    spine[0] = 0;
    spine[1] = 1;
    ftopo_routes *r = rx_routes(f);
    int j = 0;
    for (int l = 0; l < 3; l++)
        leaf[l] = 2 + l * 3;
    for (int l = 0; l < 3; l++) {
        for (int h = 1; h <= 2; h++, j++) {
            ftopo_node_id host = leaf[l] + h;
            for (int k = 0; k < 3; k++)
                rx_route(r, leaf[k], host, k == l ? host : spine[j % 2]);
            rx_route(r, spine[0], host, leaf[l]);
            rx_route(r, spine[1], host, leaf[l]);
        }
    }
    return r;
}

static void all2all_trees_equal_pair_walks(void **state)
{
    (void)state;
    fx x;
    ftopo_node_id leaf[3], spine[2];
    ftopo_routes *r = fat_tree_routes(&x, leaf, spine);
    check_all2all_against_walks(r);

    /* Hand-checked: hosts 0, 2, 4 are reached through spine 0, so leaf 0's
     * two hosts send 2 x 2 flows up to it (host 0 is local); every host
     * sends 5 flows into its leaf. */
    ftopo_pattern p = {.kind = FTOPO_PATTERN_ALL2ALL};
    ftopo_analysis a;
    assert_int_equal(ftopo_analyze(r, &p, &a, NULL), FTOPO_OK);
    assert_int_equal(a.dlink_flows[dlink_between(x.f, leaf[0], spine[0])], 4);
    assert_int_equal(a.dlink_flows[dlink_between(x.f, spine[0], leaf[0])], 4);
    assert_int_equal(a.dlink_flows[dlink_between(x.f, leaf[0] + 1, leaf[0])], 5);
    assert_int_equal(a.hops_min, 2);
    assert_int_equal(a.hops_max, 4);
    assert_false(a.credit_loop);
    ftopo_analysis_free(&a);

    /* Break it: a loop between leaf2 and spine0 for one host, a black hole
     * at spine1 for another. */
    rx_route(r, spine[0], leaf[0] + 1, leaf[1]);
    rx_route(r, leaf[1], leaf[0] + 1, spine[0]);
    assert_int_equal(
        ftopo_routes_set(r, spine[1], ftopo_routes_port_lid(r, leaf[2] + 2, 1), FTOPO_LFT_NONE),
        FTOPO_OK);
    check_all2all_against_walks(r);
    assert_int_equal(ftopo_analyze(r, &p, &a, NULL), FTOPO_OK);
    assert_true(a.loops > 0);
    assert_true(a.black_holes > 0);
    assert_int_equal(a.unreachable, a.loops + a.black_holes);
    ftopo_analysis_free(&a);
    ftopo_routes_destroy(r);
    ftopo_fabric_destroy(x.f);
}

static void loads_are_weighted_by_rate(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    x.speed = FTOPO_SPEED_HDR;
    ftopo_node_id s1 = fx_switch(&x, "s1"), s2 = fx_switch(&x, "s2");
    ftopo_node_id a = fx_ca(&x, "a HCA-1"), b = fx_ca(&x, "b HCA-1");
    fx_link(&x, a, s1);
    fx_link(&x, b, s2);
    x.speed = FTOPO_SPEED_EDR; /* the switch link runs at half the rate */
    fx_link(&x, s1, s2);
    fx_finish(&x);
    ftopo_routes *r = rx_routes(x.f);
    rx_route(r, s1, b, s2);
    rx_route(r, s2, b, b);
    rx_route(r, s2, a, s1);
    rx_route(r, s1, a, a);
    ftopo_pattern p = {.kind = FTOPO_PATTERN_RING};
    ftopo_analysis an;
    assert_int_equal(ftopo_analyze(r, &p, &an, NULL), FTOPO_OK);
    assert_int_equal(an.flows, 2);
    assert_int_equal(an.max_flows, 1);
    assert_true(an.max_load == 2.0);
    ftopo_dlink_id d = dlink_between(x.f, s1, s2);
    assert_true(an.max_dlink == d || an.max_dlink == (d ^ 1));
    assert_int_equal(an.load_hist[1], 6);

    /* The report names the worst link, and JSON carries the numbers. */
    char buf[8192] = {0};
    FILE *out = fmemopen(buf, sizeof(buf) - 1, "w");
    assert_int_equal(ftopo_analysis_write(r, &an, false, out, NULL), FTOPO_OK);
    fclose(out);
    assert_non_null(strstr(buf, "max link load:         2.00"));
    assert_non_null(strstr(buf, "credit loop:           none"));
    memset(buf, 0, sizeof(buf));
    out = fmemopen(buf, sizeof(buf) - 1, "w");
    assert_int_equal(ftopo_analysis_write(r, &an, true, out, NULL), FTOPO_OK);
    fclose(out);
    assert_non_null(strstr(buf, "\"max_load\": 2"));
    assert_non_null(strstr(buf, "\"credit_loop\": false"));
    ftopo_analysis_free(&an);
    ftopo_routes_destroy(r);
    ftopo_fabric_destroy(x.f);
}

static void shift_and_bisect_phases(void **state)
{
    (void)state;
    fx x;
    ftopo_node_id leaf[3], spine[2];
    ftopo_routes *r = fat_tree_routes(&x, leaf, spine);
    ftopo_pattern p = {.kind = FTOPO_PATTERN_SHIFT, .shift = 2};
    ftopo_analysis a;
    /* Shift by 2 over 6 hosts: host j -> j+2, each leaf's 2 hosts go to the
     * next leaf, hosts j and j+1 split over both spines: 1 flow a link. */
    assert_int_equal(ftopo_analyze(r, &p, &a, NULL), FTOPO_OK);
    assert_int_equal(a.phases, 1);
    assert_int_equal(a.flows, 6);
    assert_int_equal(a.max_flows, 1);
    ftopo_analysis_free(&a);

    ftopo_diag diag = {0};
    p.shift = 6;
    assert_int_equal(ftopo_analyze(r, &p, &a, &diag), FTOPO_ERR_ARG);
    assert_non_null(strstr(diag.message, "shift 6"));
    assert_null(a.dlink_flows);

    ftopo_pattern b = {.kind = FTOPO_PATTERN_BISECT, .rounds = 5, .seed = 7};
    assert_int_equal(ftopo_analyze(r, &b, &a, NULL), FTOPO_OK);
    assert_int_equal(a.phases, 5);
    assert_int_equal(a.flows, 30);
    assert_true(a.max_flows >= 1 && a.max_flows <= 2);
    uint32_t first = a.max_flows;
    ftopo_analysis_free(&a);
    assert_int_equal(ftopo_analyze(r, &b, &a, NULL), FTOPO_OK); /* seeded: same again */
    assert_int_equal(a.max_flows, first);
    ftopo_analysis_free(&a);

    /* A ring in a given host order. */
    ftopo_host_id order[] = {0, 2, 4};
    ftopo_pattern ringp = {.kind = FTOPO_PATTERN_RING, .hosts = order, .num_hosts = 3};
    assert_int_equal(ftopo_analyze(r, &ringp, &a, NULL), FTOPO_OK);
    assert_int_equal(a.flows, 3);
    assert_int_equal(a.hops_min, 4);
    ftopo_analysis_free(&a);
    ftopo_routes_destroy(r);
    ftopo_fabric_destroy(x.f);
}

static void patterns_and_hostfiles_parse(void **state)
{
    (void)state;
    ftopo_pattern p = {.seed = 42};
    assert_int_equal(ftopo_pattern_parse("all2all", &p, NULL), FTOPO_OK);
    assert_int_equal(p.kind, FTOPO_PATTERN_ALL2ALL);
    assert_int_equal(p.seed, 42);
    assert_int_equal(ftopo_pattern_parse("shift:3", &p, NULL), FTOPO_OK);
    assert_int_equal(p.kind, FTOPO_PATTERN_SHIFT);
    assert_int_equal(p.shift, 3);
    assert_int_equal(ftopo_pattern_parse("bisect:9", &p, NULL), FTOPO_OK);
    assert_int_equal(p.rounds, 9);
    ftopo_diag diag = {0};
    assert_int_equal(ftopo_pattern_parse("shift:0", &p, &diag), FTOPO_ERR_ARG);
    assert_int_equal(ftopo_pattern_parse("zigzag", &p, &diag), FTOPO_ERR_ARG);
    assert_non_null(strstr(diag.message, "zigzag"));

    fx x;
    fx_init(&x);
    fx_fat_tree_2(&x, 2, 1, 2, 1);
    char path[] = "/tmp/ftopo-hostsXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "# job hosts\nnode003 slots=8\n\nnode001\n");
    fclose(f);
    ftopo_host_id *hosts;
    size_t n;
    assert_int_equal(ftopo_hostfile_read(x.f, path, &hosts, &n, NULL), FTOPO_OK);
    assert_int_equal(n, 2);
    ftopo_host_id h3;
    assert_int_equal(ftopo_find_host(x.f, "node003", &h3), FTOPO_OK);
    assert_int_equal(hosts[0], h3);
    free(hosts);
    f = fopen(path, "w");
    fprintf(f, "node001\nnode009\n");
    fclose(f);
    assert_int_equal(ftopo_hostfile_read(x.f, path, &hosts, &n, &diag), FTOPO_ERR_PARSE);
    assert_non_null(strstr(diag.message, ":2: unknown host 'node009'"));
    f = fopen(path, "w");
    fprintf(f, "node001\nnode002\nnode001\n");
    fclose(f);
    assert_int_equal(ftopo_hostfile_read(x.f, path, &hosts, &n, &diag), FTOPO_ERR_PARSE);
    assert_non_null(strstr(diag.message, ":3: host 'node001' listed twice"));
    unlink(path);
    ftopo_fabric_destroy(x.f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clockwise_ring_has_a_credit_loop),
        cmocka_unit_test(line_routing_of_a_ring_has_none),
        cmocka_unit_test(all2all_trees_equal_pair_walks),
        cmocka_unit_test(loads_are_weighted_by_rate),
        cmocka_unit_test(shift_and_bisect_phases),
        cmocka_unit_test(patterns_and_hostfiles_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

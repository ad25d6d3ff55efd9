/* The fabric generator: node and link counts per kind and size, the radix
 * respected, cabling order (hosts low, uplinks high), the shape the model
 * recognizes, degrading that keeps the fabric connected and removes exactly
 * the asked share, shuffled names, determinism, and parameter errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ftopo.h"

static ftopo_fabric *generate(ftopo_gen_params p)
{
    ftopo_fabric *f = NULL;
    ftopo_diag diag = {0};
    if (ftopo_generate(&p, &f, &diag) != FTOPO_OK)
        fail_msg("generate: %s", diag.message);
    return f;
}

static ftopo_summary summary_of(const ftopo_fabric *f)
{
    ftopo_summary s;
    assert_int_equal(ftopo_fabric_summary(f, &s), FTOPO_OK);
    return s;
}

static ftopo_node_info node(const ftopo_fabric *f, ftopo_node_id id)
{
    ftopo_node_info info;
    assert_int_equal(ftopo_node_get(f, id, &info), FTOPO_OK);
    return info;
}

static ftopo_port_info port(const ftopo_fabric *f, ftopo_node_id id, int num)
{
    ftopo_port_info info;
    assert_int_equal(ftopo_port_get(f, id, num, &info), FTOPO_OK);
    return info;
}

/* Nodes reachable from node 0 over cables. */
static size_t reachable(const ftopo_fabric *f)
{
    size_t n = ftopo_num_nodes(f), head = 0, tail = 0;
    ftopo_node_id *queue = malloc(n * sizeof(*queue));
    bool *seen = calloc(n, sizeof(*seen));
    assert_true(queue && seen);
    queue[tail++] = 0;
    seen[0] = true;
    while (head < tail) {
        ftopo_node_id v = queue[head++];
        for (int p = 1; p <= node(f, v).num_ports; p++) {
            ftopo_port_info pi = port(f, v, p);
            if (pi.peer_node != FTOPO_NONE && !seen[pi.peer_node]) {
                seen[pi.peer_node] = true;
                queue[tail++] = pi.peer_node;
            }
        }
    }
    free(queue);
    free(seen);
    return tail;
}

/* Every switch has `radix` ports; on a leaf, CAs sit on the low ports and
 * switches above them. */
static void check_cabling(const ftopo_fabric *f, int radix)
{
    for (size_t i = 0; i < ftopo_num_nodes(f); i++) {
        ftopo_node_info n = node(f, (ftopo_node_id)i);
        if (n.type != FTOPO_NODE_SWITCH)
            continue;
        assert_int_equal(n.num_ports, radix);
        bool seen_switch = false;
        for (int p = 1; p <= radix; p++) {
            ftopo_port_info pi = port(f, (ftopo_node_id)i, p);
            if (pi.peer_node == FTOPO_NONE)
                continue;
            bool to_switch = node(f, pi.peer_node).type == FTOPO_NODE_SWITCH;
            if (n.tier == 1 && !to_switch && seen_switch)
                fail_msg("%s: a host on port %d above an uplink", n.desc, p);
            seen_switch |= to_switch;
        }
    }
}

static void fat_tree_2(void **state)
{
    (void)state;
    ftopo_fabric *f =
        generate((ftopo_gen_params){.kind = FTOPO_GEN_FAT_TREE_2, .hosts = 32, .radix = 8});
    ftopo_summary s = summary_of(f);
    assert_int_equal(s.shape, FTOPO_SHAPE_FAT_TREE_2);
    assert_int_equal(s.switches_per_tier[1], 8); /* 4 hosts per leaf */
    assert_int_equal(s.switches_per_tier[2], 4);
    assert_int_equal(s.cas, 32);
    assert_int_equal(s.links, 32 + 8 * 4);
    assert_true(s.oversubscription[1] == 1.0);
    assert_int_equal(s.rates[0].speed, FTOPO_SPEED_EDR);
    check_cabling(f, 8);
    ftopo_node_id id;
    assert_int_equal(ftopo_find_by_desc(f, "node017 HCA-1", &id), FTOPO_OK);
    assert_int_equal(ftopo_find_by_desc(f, "leaf01", &id), FTOPO_OK);
    assert_int_equal(ftopo_find_by_desc(f, "spine04", &id), FTOPO_OK);
    ftopo_fabric_destroy(f);

    /* 2:1 oversubscribed, default radix 36: 24 hosts and 12 uplinks per leaf. */
    f = generate(
        (ftopo_gen_params){.kind = FTOPO_GEN_FAT_TREE_2, .hosts = 480, .oversubscription = 2});
    s = summary_of(f);
    assert_int_equal(s.switches_per_tier[1], 20);
    assert_true(s.oversubscription[1] == 2.0);
    check_cabling(f, 36);
    ftopo_fabric_destroy(f);
}

static void fat_tree_3(void **state)
{
    (void)state;
    ftopo_fabric *f = generate((ftopo_gen_params){
        .kind = FTOPO_GEN_FAT_TREE_3, .hosts = 128, .radix = 8, .speed = FTOPO_SPEED_HDR});
    ftopo_summary s = summary_of(f);
    /* 32 leaves in 8 pods of 4, 4 spines per pod, 4 groups of 4 cores. */
    assert_int_equal(s.shape, FTOPO_SHAPE_FAT_TREE_3);
    assert_int_equal(s.tiers, 3);
    assert_int_equal(s.switches_per_tier[1], 32);
    assert_int_equal(s.switches_per_tier[2], 32);
    assert_int_equal(s.switches_per_tier[3], 16);
    assert_int_equal(s.links, 128 + 32 * 4 + 32 * 4);
    assert_int_equal(s.rates[0].speed, FTOPO_SPEED_HDR);
    check_cabling(f, 8);
    ftopo_fabric_destroy(f);
}

static void rail_optimized(void **state)
{
    (void)state;
    ftopo_fabric *f =
        generate((ftopo_gen_params){.kind = FTOPO_GEN_RAIL, .hosts = 16, .radix = 16});
    ftopo_summary s = summary_of(f);
    assert_int_equal(s.shape, FTOPO_SHAPE_RAIL_OPTIMIZED);
    assert_int_equal(s.hosts, 16);
    assert_int_equal(s.rails, 8);
    assert_int_equal(s.cas, 128);
    assert_int_equal(s.switches_per_tier[1], 16); /* 2 leaves per rail */
    check_cabling(f, 16);
    /* HCA i of every host is on rail i, and each leaf serves one rail. */
    for (size_t i = 0; i < ftopo_num_nodes(f); i++) {
        ftopo_node_info n = node(f, (ftopo_node_id)i);
        if (n.type != FTOPO_NODE_SWITCH || n.tier != 1)
            continue;
        int rail = -1;
        for (int p = 1; p <= n.num_ports; p++) {
            ftopo_port_info pi = port(f, (ftopo_node_id)i, p);
            if (pi.peer_node == FTOPO_NONE || node(f, pi.peer_node).type != FTOPO_NODE_CA)
                continue;
            ftopo_node_info ca = node(f, pi.peer_node);
            char want[16];
            snprintf(want, sizeof(want), "HCA-%d", ca.rail + 1);
            assert_non_null(strstr(ca.desc, want));
            if (rail < 0)
                rail = ca.rail;
            assert_int_equal(ca.rail, rail);
        }
    }
    ftopo_fabric_destroy(f);
}

static void torus(void **state)
{
    (void)state;
    ftopo_fabric *f = generate((ftopo_gen_params){
        .kind = FTOPO_GEN_TORUS_2D, .hosts = 18, .torus_x = 3, .torus_y = 3, .radix = 8});
    ftopo_summary s = summary_of(f);
    assert_int_equal(s.shape, FTOPO_SHAPE_TORUS_2D);
    assert_int_equal(s.switches, 9);
    assert_int_equal(s.switch_links, 18);
    assert_int_equal(s.links, 18 + 18);
    for (size_t i = 0; i < ftopo_num_nodes(f); i++) {
        ftopo_node_info n = node(f, (ftopo_node_id)i);
        int neighbours = 0;
        for (int p = 1; n.type == FTOPO_NODE_SWITCH && p <= n.num_ports; p++) {
            ftopo_port_info pi = port(f, (ftopo_node_id)i, p);
            neighbours +=
                pi.peer_node != FTOPO_NONE && node(f, pi.peer_node).type == FTOPO_NODE_SWITCH;
        }
        if (n.type == FTOPO_NODE_SWITCH)
            assert_int_equal(neighbours, 4);
    }
    ftopo_fabric_destroy(f);

    /* Near-square by default; a ring of two has two cables per pair. */
    f = generate((ftopo_gen_params){.kind = FTOPO_GEN_TORUS_2D, .hosts = 64, .radix = 12});
    s = summary_of(f);
    assert_int_equal(s.switches, 9);
    assert_int_equal(s.shape, FTOPO_SHAPE_TORUS_2D);
    ftopo_fabric_destroy(f);
    f = generate((ftopo_gen_params){
        .kind = FTOPO_GEN_TORUS_2D, .hosts = 4, .torus_x = 2, .torus_y = 2, .radix = 8});
    assert_int_equal(summary_of(f).switch_links, 8);
    ftopo_fabric_destroy(f);
}

/* round(F x inter-switch links) go, the fabric stays connected, and asking
 * for more than a spanning tree allows is an error. */
static void degraded(void **state)
{
    (void)state;
    ftopo_gen_params p = {.kind = FTOPO_GEN_FAT_TREE_2, .hosts = 128, .seed = 3};
    ftopo_fabric *full = generate(p);
    size_t isl = summary_of(full).switch_links;
    assert_int_equal(isl, 8 * 18);
    double fractions[] = {0.05, 0.2, 0.5, 0.9};
    for (size_t i = 0; i < sizeof(fractions) / sizeof(fractions[0]); i++) {
        p.degrade_fraction = fractions[i];
        ftopo_fabric *f = generate(p);
        ftopo_summary s = summary_of(f);
        size_t removed = (size_t)(fractions[i] * (double)isl + 0.5);
        assert_int_equal(s.switch_links, isl - removed);
        assert_int_equal(s.links, ftopo_num_links(full) - removed);
        assert_int_equal(reachable(f), ftopo_num_nodes(f));
        if (fractions[i] <= 0.2) /* more and it is no longer a fat tree */
            assert_true(s.degraded);
        ftopo_fabric_destroy(f);
    }
    ftopo_fabric_destroy(full);

    p.degrade_fraction = 0.95;
    ftopo_fabric *f = NULL;
    ftopo_diag diag = {0};
    assert_int_equal(ftopo_generate(&p, &f, &diag), FTOPO_ERR_ARG);
    assert_null(f);
    assert_non_null(strstr(diag.message, "would disconnect the fabric"));

    /* Tori and 3-level trees degrade too. */
    p = (ftopo_gen_params){
        .kind = FTOPO_GEN_TORUS_2D, .hosts = 36, .radix = 8, .degrade_fraction = 0.3};
    f = generate(p);
    assert_int_equal(reachable(f), ftopo_num_nodes(f));
    ftopo_fabric_destroy(f);
    p = (ftopo_gen_params){
        .kind = FTOPO_GEN_FAT_TREE_3, .hosts = 64, .radix = 8, .degrade_fraction = 0.4};
    f = generate(p);
    assert_int_equal(reachable(f), ftopo_num_nodes(f));
    ftopo_fabric_destroy(f);
}

/* Shuffled names: still every name once, one host per name, but the leaf
 * order no longer follows the names. */
static void shuffled_names(void **state)
{
    (void)state;
    ftopo_gen_params p = {.kind = FTOPO_GEN_RAIL,
                          .hosts = 40,
                          .hcas_per_host = 2,
                          .radix = 16,
                          .shuffle_names = true,
                          .seed = 11};
    ftopo_fabric *f = generate(p);
    assert_int_equal(ftopo_num_hosts(f), 40);
    bool in_order = true;
    for (int h = 1; h <= 40; h++) {
        char name[16];
        snprintf(name, sizeof(name), "node%03d", h);
        ftopo_host_id host;
        assert_int_equal(ftopo_find_host(f, name, &host), FTOPO_OK);
        ftopo_host_info info;
        assert_int_equal(ftopo_host_get(f, host, &info), FTOPO_OK);
        assert_int_equal(info.num_hcas, 2);
        /* The generator adds hosts in cabling order after the switches. */
        ftopo_node_id hca;
        assert_int_equal(ftopo_host_hca(f, host, 0, &hca), FTOPO_OK);
        ftopo_node_id first_ca = (ftopo_node_id)(ftopo_num_nodes(f) - 80);
        in_order &= hca == first_ca + (h - 1) * 2;
    }
    assert_false(in_order);
    ftopo_fabric_destroy(f);
}

/* The same parameters and seed give the same fabric; another seed moves
 * the degraded links and the names. */
static void deterministic(void **state)
{
    (void)state;
    ftopo_gen_params p = {.kind = FTOPO_GEN_FAT_TREE_2,
                          .hosts = 100,
                          .radix = 16,
                          .degrade_fraction = 0.25,
                          .shuffle_names = true,
                          .seed = 42};
    ftopo_fabric *a = generate(p), *b = generate(p);
    ftopo_diag diag = {0};
    assert_int_equal(ftopo_fabric_compare(a, b, &diag), FTOPO_OK);
    p.seed = 43;
    ftopo_fabric *c = generate(p);
    assert_int_equal(ftopo_fabric_compare(a, c, &diag), FTOPO_ERR_CONFLICT);
    for (size_t i = 0; i < ftopo_num_nodes(a); i++)
        assert_true(node(a, (ftopo_node_id)i).node_guid == node(c, (ftopo_node_id)i).node_guid);
    ftopo_fabric_destroy(a);
    ftopo_fabric_destroy(b);
    ftopo_fabric_destroy(c);
}

static void bad_parameters(void **state)
{
    (void)state;
    static const struct {
        ftopo_gen_params p;
        const char *message;
    } cases[] = {
        {{.kind = FTOPO_GEN_FAT_TREE_2, .hosts = 0}, "hosts must be"},
        {{.kind = 0, .hosts = 4}, "unknown kind"},
        {{.kind = FTOPO_GEN_FAT_TREE_2, .hosts = 4, .radix = 300}, "radix must be"},
        {{.kind = FTOPO_GEN_FAT_TREE_2, .hosts = 649}, "do not fit a 2-level fat tree of radix 36"},
        {{.kind = FTOPO_GEN_FAT_TREE_3, .hosts = 1025, .radix = 8},
         "do not fit a 3-level fat tree of radix 8 (at most 128"},
        {{.kind = FTOPO_GEN_RAIL, .hosts = 100, .radix = 8}, "rail-optimized"},
        {{.kind = FTOPO_GEN_TORUS_2D, .hosts = 8, .torus_x = 3, .torus_y = 3},
         "needs at least 9 hosts"},
        {{.kind = FTOPO_GEN_TORUS_2D, .hosts = 90, .torus_x = 3, .torus_y = 3, .radix = 8},
         "need radix 14"},
        {{.kind = FTOPO_GEN_TORUS_2D, .hosts = 9, .torus_x = 3}, "both torus sizes"},
        {{.kind = FTOPO_GEN_FAT_TREE_2, .hosts = 4, .degrade_fraction = 1.0}, "degrade fraction"},
        {{.kind = FTOPO_GEN_FAT_TREE_2, .hosts = 4, .oversubscription = 0.5}, "oversubscription"},
        {{.kind = FTOPO_GEN_FAT_TREE_2, .hosts = 4, .hcas_per_host = 17}, "HCAs per host"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ftopo_fabric *f = NULL;
        ftopo_diag diag = {0};
        ftopo_status st = ftopo_generate(&cases[i].p, &f, &diag);
        if (st != FTOPO_ERR_ARG || !strstr(diag.message, cases[i].message))
            fail_msg("case %zu: got %d \"%s\", want \"%s\"", i, st, diag.message, cases[i].message);
        assert_null(f);
    }
}

static void kind_names(void **state)
{
    (void)state;
    ftopo_gen_kind k;
    assert_int_equal(ftopo_gen_kind_parse("ft2", &k), FTOPO_OK);
    assert_int_equal(k, FTOPO_GEN_FAT_TREE_2);
    assert_int_equal(ftopo_gen_kind_parse("fat-tree-3", &k), FTOPO_OK);
    assert_int_equal(k, FTOPO_GEN_FAT_TREE_3);
    assert_int_equal(ftopo_gen_kind_parse("RAIL", &k), FTOPO_OK);
    assert_int_equal(k, FTOPO_GEN_RAIL);
    assert_int_equal(ftopo_gen_kind_parse("torus", &k), FTOPO_OK);
    assert_int_equal(k, FTOPO_GEN_TORUS_2D);
    assert_int_equal(ftopo_gen_kind_parse("mesh", &k), FTOPO_ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fat_tree_2),     cmocka_unit_test(fat_tree_3),
        cmocka_unit_test(rail_optimized), cmocka_unit_test(torus),
        cmocka_unit_test(degraded),       cmocka_unit_test(shuffled_names),
        cmocka_unit_test(deterministic),  cmocka_unit_test(bad_parameters),
        cmocka_unit_test(kind_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

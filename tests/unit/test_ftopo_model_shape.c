/* Tiers, shape recognition, oversubscription, degradation and compare on
 * small hand-built fabrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "model_fixtures.h"

static ftopo_summary summary_of(const ftopo_fabric *f)
{
    ftopo_summary s;
    assert_int_equal(ftopo_fabric_summary(f, &s), FTOPO_OK);
    return s;
}

static int tier_of(const ftopo_fabric *f, const char *desc)
{
    ftopo_node_id n;
    ftopo_node_info info;
    assert_int_equal(ftopo_find_by_desc(f, desc, &n), FTOPO_OK);
    assert_int_equal(ftopo_node_get(f, n, &info), FTOPO_OK);
    return info.tier;
}

static void empty_and_single_switch(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    fx_switch(&x, "lonely");
    ftopo_fabric *f = fx_finish(&x);
    assert_int_equal(summary_of(f).shape, FTOPO_SHAPE_EMPTY);
    assert_int_equal(tier_of(f, "lonely"), -1);
    ftopo_fabric_destroy(f);

    fx_init(&x);
    ftopo_node_id s = fx_switch(&x, "sw");
    fx_link(&x, fx_ca(&x, "node001 HCA-1"), s);
    fx_link(&x, fx_ca(&x, "node002 HCA-1"), s);
    f = fx_finish(&x);
    ftopo_summary sum = summary_of(f);
    assert_int_equal(sum.shape, FTOPO_SHAPE_SINGLE_SWITCH);
    assert_int_equal(sum.tiers, 1);
    assert_int_equal(sum.switches_per_tier[1], 1);
    assert_true(sum.oversubscription[1] == 0.0);
    assert_string_equal(ftopo_shape_str(sum.shape), "single-switch");
    ftopo_fabric_destroy(f);
}

static void two_level_fat_tree(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    /* 4 leaves x 4 hosts, one link to each of 2 spines: 2:1 at the leaves. */
    ftopo_fabric *f = fx_fat_tree_2(&x, 4, 2, 4, 1);
    ftopo_summary s = summary_of(f);
    assert_int_equal(s.shape, FTOPO_SHAPE_FAT_TREE_2);
    assert_false(s.degraded);
    assert_int_equal(s.nodes, 22);
    assert_int_equal(s.switches, 6);
    assert_int_equal(s.cas, 16);
    assert_int_equal(s.hosts, 16);
    assert_int_equal(s.rails, 1);
    assert_int_equal(s.links, 24);
    assert_int_equal(s.switch_links, 8);
    assert_int_equal(s.tiers, 2);
    assert_int_equal(s.switches_per_tier[1], 4);
    assert_int_equal(s.switches_per_tier[2], 2);
    assert_true(s.oversubscription[1] == 2.0);
    assert_true(s.oversubscription[2] == 0.0);
    assert_int_equal(s.num_rates, 1);
    assert_true(s.rates[0].rate_gbps == 100.0);
    assert_int_equal(s.rates[0].links, 24);
    assert_int_equal(tier_of(f, "leaf01"), 1);
    assert_int_equal(tier_of(f, "spine02"), 2);
    ftopo_fabric_destroy(f);

    /* Two leaves on two spines form a ring of four, but not a torus. */
    fx_init(&x);
    f = fx_fat_tree_2(&x, 2, 2, 1, 1);
    assert_int_equal(summary_of(f).shape, FTOPO_SHAPE_FAT_TREE_2);
    ftopo_fabric_destroy(f);

    /* Two cables to each spine: non-blocking. */
    fx_init(&x);
    f = fx_fat_tree_2(&x, 4, 2, 4, 2);
    s = summary_of(f);
    assert_int_equal(s.shape, FTOPO_SHAPE_FAT_TREE_2);
    assert_true(s.oversubscription[1] == 1.0);
    ftopo_fabric_destroy(f);
}

static void rates_are_listed_fastest_first(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_node_id s = fx_switch(&x, "sw");
    x.speed = FTOPO_SPEED_QDR;
    fx_link(&x, fx_ca(&x, "a"), s);
    x.speed = FTOPO_SPEED_FDR10;
    fx_link(&x, fx_ca(&x, "b"), s);
    fx_link(&x, fx_ca(&x, "c"), s);
    x.speed = FTOPO_SPEED_HDR;
    fx_link(&x, fx_ca(&x, "d"), s);
    ftopo_fabric *f = fx_finish(&x);
    ftopo_summary sum = summary_of(f);
    assert_int_equal(sum.num_rates, 3);
    assert_int_equal(sum.rates[0].speed, FTOPO_SPEED_HDR);
    assert_int_equal(sum.rates[1].speed, FTOPO_SPEED_FDR10);
    assert_int_equal(sum.rates[1].links, 2);
    assert_int_equal(sum.rates[2].speed, FTOPO_SPEED_QDR);
    assert_true(sum.rates[2].rate_gbps == 40.0);
    ftopo_fabric_destroy(f);
}

/* Pods of 2 leaves x 2 aggregation switches, every aggregation switch on
 * every core. `skip` drops the aggregation-to-core link of that index. */
static ftopo_fabric *three_level(fx *x, int pods, int cores, int skip)
{
    ftopo_node_id core[8];
    char name[64];
    for (int c = 0; c < cores; c++) {
        snprintf(name, sizeof(name), "core%d", c);
        core[c] = fx_switch(x, name);
    }
    int host = 1, uplink = 0;
    for (int p = 0; p < pods; p++) {
        ftopo_node_id agg[2];
        for (int a = 0; a < 2; a++) {
            snprintf(name, sizeof(name), "agg%d-%d", p, a);
            agg[a] = fx_switch(x, name);
            for (int c = 0; c < cores; c++)
                if (uplink++ != skip)
                    fx_link(x, agg[a], core[c]);
        }
        for (int l = 0; l < 2; l++) {
            snprintf(name, sizeof(name), "leaf%d-%d", p, l);
            ftopo_node_id leaf = fx_switch(x, name);
            for (int h = 0; h < 2; h++) {
                snprintf(name, sizeof(name), "node%03d HCA-1", host++);
                fx_link(x, fx_ca(x, name), leaf);
            }
            fx_link(x, leaf, agg[0]);
            fx_link(x, leaf, agg[1]);
        }
    }
    return fx_finish(x);
}

static void three_level_fat_tree(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_fabric *f = three_level(&x, 3, 2, -1);
    ftopo_summary s = summary_of(f);
    assert_int_equal(s.shape, FTOPO_SHAPE_FAT_TREE_3);
    assert_false(s.degraded);
    assert_int_equal(s.tiers, 3);
    assert_int_equal(s.switches_per_tier[1], 6);
    assert_int_equal(s.switches_per_tier[2], 6);
    assert_int_equal(s.switches_per_tier[3], 2);
    assert_true(s.oversubscription[1] == 1.0);
    assert_true(s.oversubscription[2] == 1.0);
    assert_int_equal(tier_of(f, "core1"), 3);
    assert_int_equal(tier_of(f, "agg2-1"), 2);
    ftopo_fabric_destroy(f);

    fx_init(&x);
    f = three_level(&x, 3, 2, 5);
    s = summary_of(f);
    assert_int_equal(s.shape, FTOPO_SHAPE_FAT_TREE_3);
    assert_true(s.degraded);
    ftopo_fabric_destroy(f);
}

static void degraded_two_level(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_node_id spine[2] = {fx_switch(&x, "spine1"), fx_switch(&x, "spine2")};
    for (int l = 0; l < 3; l++) {
        char name[32];
        snprintf(name, sizeof(name), "leaf%d", l);
        ftopo_node_id leaf = fx_switch(&x, name);
        snprintf(name, sizeof(name), "node%d", l);
        fx_link(&x, fx_ca(&x, name), leaf);
        fx_link(&x, leaf, spine[0]);
        if (l != 1) /* leaf1 lost its cable to spine2 */
            fx_link(&x, leaf, spine[1]);
    }
    ftopo_fabric *f = fx_finish(&x);
    ftopo_summary s = summary_of(f);
    assert_int_equal(s.shape, FTOPO_SHAPE_FAT_TREE_2);
    assert_true(s.degraded);
    ftopo_fabric_destroy(f);
}

static void rail_optimized(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    enum { HOSTS = 4, RAILS = 4, SPINES = 2 };
    ftopo_node_id spine[SPINES], rail[RAILS];
    for (int s = 0; s < SPINES; s++)
        spine[s] = fx_switch(&x, s ? "spine1" : "spine0");
    for (int r = 0; r < RAILS; r++) {
        char name[32];
        snprintf(name, sizeof(name), "rail%d", r);
        rail[r] = fx_switch(&x, name);
        for (int s = 0; s < SPINES; s++)
            fx_link(&x, rail[r], spine[s]);
    }
    for (int h = 0; h < HOSTS; h++) {
        for (int r = 0; r < RAILS; r++) {
            char name[32];
            snprintf(name, sizeof(name), "gpu%02d mlx5_%d", h, r);
            fx_link(&x, fx_ca(&x, name), rail[r]);
        }
    }
    ftopo_fabric *f = fx_finish(&x);
    ftopo_summary s = summary_of(f);
    assert_int_equal(s.shape, FTOPO_SHAPE_RAIL_OPTIMIZED);
    assert_int_equal(s.hosts, HOSTS);
    assert_int_equal(s.rails, RAILS);
    assert_int_equal(s.tiers, 2);
    ftopo_fabric_destroy(f);

    /* The same hosts with each host's HCAs on one leaf: a plain fat tree. */
    fx_init(&x);
    ftopo_node_id sp = fx_switch(&x, "spine");
    for (int h = 0; h < HOSTS; h++) {
        char name[32];
        snprintf(name, sizeof(name), "leaf%d", h);
        ftopo_node_id leaf = fx_switch(&x, name);
        fx_link(&x, leaf, sp);
        for (int r = 0; r < RAILS; r++) {
            snprintf(name, sizeof(name), "gpu%02d mlx5_%d", h, r);
            fx_link(&x, fx_ca(&x, name), leaf);
        }
    }
    f = fx_finish(&x);
    s = summary_of(f);
    assert_int_equal(s.shape, FTOPO_SHAPE_FAT_TREE_2);
    assert_int_equal(s.rails, RAILS);
    assert_true(s.oversubscription[1] == 4.0);
    ftopo_fabric_destroy(f);
}

/* X x Y switches with one host each, wrapped both ways; `extra` adds a
 * diagonal cable that breaks the grid. */
static ftopo_fabric *torus(fx *x, int dx, int dy, bool extra)
{
    ftopo_node_id sw[64];
    char name[32];
    for (int i = 0; i < dx * dy; i++) {
        snprintf(name, sizeof(name), "sw%02d", i);
        sw[i] = fx_switch(x, name);
        snprintf(name, sizeof(name), "node%02d", i);
        fx_link(x, fx_ca(x, name), sw[i]);
    }
    for (int i = 0; i < dx; i++) {
        for (int j = 0; j < dy; j++) {
            fx_link(x, sw[i * dy + j], sw[((i + 1) % dx) * dy + j]);
            fx_link(x, sw[i * dy + j], sw[i * dy + (j + 1) % dy]);
        }
    }
    if (extra)
        fx_link(x, sw[0], sw[dy + 1]);
    return fx_finish(x);
}

static void torus_2d(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_fabric *f = torus(&x, 4, 5, false);
    ftopo_summary s = summary_of(f);
    assert_int_equal(s.shape, FTOPO_SHAPE_TORUS_2D);
    assert_int_equal(s.switches, 20);
    assert_int_equal(s.tiers, 1);
    ftopo_fabric_destroy(f);

    fx_init(&x);
    f = torus(&x, 3, 3, false);
    assert_int_equal(summary_of(f).shape, FTOPO_SHAPE_TORUS_2D);
    ftopo_fabric_destroy(f);

    /* Rings of two fold onto themselves: each switch then has 3 neighbours. */
    fx_init(&x);
    f = torus(&x, 2, 5, false);
    assert_int_equal(summary_of(f).shape, FTOPO_SHAPE_TORUS_2D);
    ftopo_fabric_destroy(f);

    fx_init(&x);
    f = torus(&x, 4, 4, true);
    assert_int_equal(summary_of(f).shape, FTOPO_SHAPE_IRREGULAR);
    ftopo_fabric_destroy(f);
}

static void irregular(void **state)
{
    (void)state;
    /* A fat tree with a cable between two leaves. */
    fx x;
    fx_init(&x);
    ftopo_node_id spine = fx_switch(&x, "spine");
    ftopo_node_id l1 = fx_switch(&x, "leaf1"), l2 = fx_switch(&x, "leaf2");
    fx_link(&x, fx_ca(&x, "node1"), l1);
    fx_link(&x, fx_ca(&x, "node2"), l2);
    fx_link(&x, l1, spine);
    fx_link(&x, l2, spine);
    fx_link(&x, l1, l2);
    ftopo_fabric *f = fx_finish(&x);
    ftopo_summary s = summary_of(f);
    assert_int_equal(s.shape, FTOPO_SHAPE_IRREGULAR);
    assert_false(s.degraded);
    ftopo_fabric_destroy(f);

    /* Two islands. */
    fx_init(&x);
    l1 = fx_switch(&x, "leaf1");
    l2 = fx_switch(&x, "leaf2");
    fx_link(&x, fx_ca(&x, "node1"), l1);
    fx_link(&x, fx_ca(&x, "node2"), l2);
    f = fx_finish(&x);
    assert_int_equal(summary_of(f).shape, FTOPO_SHAPE_IRREGULAR);
    ftopo_fabric_destroy(f);

    /* A chain of four switches: tiers keep counting. */
    fx_init(&x);
    ftopo_node_id chain[4];
    for (int i = 0; i < 4; i++) {
        char name[16];
        snprintf(name, sizeof(name), "c%d", i);
        chain[i] = fx_switch(&x, name);
        if (i)
            fx_link(&x, chain[i - 1], chain[i]);
    }
    fx_link(&x, fx_ca(&x, "node1"), chain[0]);
    f = fx_finish(&x);
    s = summary_of(f);
    assert_int_equal(s.shape, FTOPO_SHAPE_IRREGULAR);
    assert_int_equal(s.tiers, 4);
    assert_int_equal(tier_of(f, "c3"), 4);
    ftopo_fabric_destroy(f);
}

typedef struct log_count {
    int lines;
    bool saw_speed;
} log_count;

static void count_lines(void *user, ftopo_log_level level, const char *message)
{
    log_count *c = user;
    if (level != FTOPO_LOG_INFO)
        return;
    c->lines++;
    c->saw_speed = c->saw_speed || strstr(message, "speed EDR in the first, HDR in the second");
}

static void compare_finds_differences(void **state)
{
    (void)state;
    fx x, y;
    fx_init(&x);
    fx_init(&y);
    ftopo_fabric *a = fx_fat_tree_2(&x, 2, 2, 2, 1);
    ftopo_fabric *b = fx_fat_tree_2(&y, 2, 2, 2, 1);
    ftopo_diag diag = {0};
    assert_int_equal(ftopo_fabric_compare(a, b, &diag), FTOPO_OK);
    ftopo_fabric_destroy(b);

    /* The same tree with a slower port and one spine cable missing. */
    fx_init(&y);
    ftopo_node_id spine[2] = {fx_switch(&y, "spine01"), fx_switch(&y, "spine02")};
    int host = 1;
    for (int l = 0; l < 2; l++) {
        char name[32];
        snprintf(name, sizeof(name), "leaf%02d", l + 1);
        ftopo_node_id leaf = fx_switch(&y, name);
        for (int h = 0; h < 2; h++) {
            snprintf(name, sizeof(name), "node%03d HCA-1", host++);
            y.speed = host == 3 ? FTOPO_SPEED_HDR : FTOPO_SPEED_EDR;
            fx_link(&y, fx_ca(&y, name), leaf);
        }
        y.speed = FTOPO_SPEED_EDR;
        fx_link(&y, leaf, spine[0]);
        if (l == 0)
            fx_link(&y, leaf, spine[1]);
    }
    b = fx_finish(&y);
    log_count lines = {0};
    diag = (ftopo_diag){.log = count_lines, .log_user = &lines, .max_level = FTOPO_LOG_INFO};
    assert_int_equal(ftopo_fabric_compare(a, b, &diag), FTOPO_ERR_CONFLICT);
    /* The spines come first: spine02 port 2 lost its cable to leaf02. */
    assert_non_null(strstr(diag.message, "port 2: linked to 0x"));
    assert_non_null(strstr(diag.message, "not cabled in the second"));
    assert_true(lines.saw_speed);
    /* Speed on both ends of node002's cable, the missing cable on both
     * ends, and the total. */
    assert_int_equal(lines.lines, 5);
    ftopo_fabric_destroy(b);

    /* Nodes missing on either side. */
    fx_init(&y);
    y.next_guid = 0x99;
    fx_switch(&y, "spine01");
    b = fx_finish(&y);
    diag.message[0] = '\0';
    assert_int_equal(ftopo_fabric_compare(a, b, &diag), FTOPO_ERR_CONFLICT);
    assert_non_null(strstr(diag.message, "missing from the second fabric"));
    assert_int_equal(ftopo_fabric_compare(b, a, NULL), FTOPO_ERR_CONFLICT);
    ftopo_fabric_destroy(b);
    ftopo_fabric_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_and_single_switch),
        cmocka_unit_test(two_level_fat_tree),
        cmocka_unit_test(rates_are_listed_fastest_first),
        cmocka_unit_test(three_level_fat_tree),
        cmocka_unit_test(degraded_two_level),
        cmocka_unit_test(rail_optimized),
        cmocka_unit_test(torus_2d),
        cmocka_unit_test(irregular),
        cmocka_unit_test(compare_finds_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The ring planner: hand-checked small fabrics (name order alternating
 * leaves against the planner), the lower bound (host and switch cuts,
 * congestion), congestion avoidance, multi-channel plans, tori, trees,
 * validation, the congestion file and every bad-input error. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "route_fixtures.h"

/* 2 leaves x 4 hosts (node001-004 on leaf01, node005-008 on leaf02),
 * `spines` spines, routed by the project's ftree engine. */
typedef struct tree2 {
    fx x;
    ftopo_routes *r;
    ftopo_host_id h[8];
} tree2;

static void tree2_build(tree2 *t, int spines)
{
    fx_init(&t->x);
    fx_fat_tree_2(&t->x, 2, spines, 4, 1);
    t->r = rx_routes(t->x.f);
    ftopo_diag diag = {0};
    assert_int_equal(ftopo_route_compute(t->r, "ftree", NULL, NULL, &diag), FTOPO_OK);
    for (int i = 0; i < 8; i++) {
        char name[16];
        snprintf(name, sizeof(name), "node%03d", i + 1);
        assert_int_equal(ftopo_find_host(t->x.f, name, &t->h[i]), FTOPO_OK);
    }
}

static void tree2_free(tree2 *t)
{
    ftopo_routes_destroy(t->r);
    ftopo_fabric_destroy(t->x.f);
}

/* Directed link leaving node `from` towards its neighbour `to`. */
static ftopo_dlink_id dlink(const ftopo_fabric *f, ftopo_node_id from, ftopo_node_id to)
{
    int p = rx_port_to(f, from, to);
    ftopo_port_info pi;
    assert_int_equal(ftopo_port_get(f, from, p, &pi), FTOPO_OK);
    ftopo_link_info li;
    assert_int_equal(ftopo_link_get(f, pi.link, &li), FTOPO_OK);
    return 2 * pi.link + (li.node_a == from && li.port_a == p ? 0 : 1);
}

static ftopo_node_id node(const ftopo_fabric *f, const char *desc)
{
    ftopo_node_id n;
    assert_int_equal(ftopo_find_by_desc(f, desc, &n), FTOPO_OK);
    return n;
}

static void plan_ok(const ftopo_routes *r, const ftopo_plan_opts *o, ftopo_plan *p)
{
    ftopo_diag diag = {0};
    ftopo_status st = ftopo_plan_rings(r, o, p, &diag);
    if (st != FTOPO_OK)
        fprintf(stderr, "plan: %s\n", diag.message);
    assert_int_equal(st, FTOPO_OK);
    assert_int_equal(ftopo_plan_validate(ftopo_routes_fabric(r), p, o->hosts, o->num_hosts, &diag),
                     FTOPO_OK);
}

static void test_alternating_leaves(void **state)
{
    (void)state;
    tree2 t;
    tree2_build(&t, 1);
    /* Name order interleaved with the leaves: every hop crosses the single
     * spine, 4 flows on each leaf uplink. */
    ftopo_host_id alt[8] = {t.h[0], t.h[4], t.h[1], t.h[5], t.h[2], t.h[6], t.h[3], t.h[7]};
    ftopo_plan_opts o = {.hosts = alt, .num_hosts = 8};
    double load;
    ftopo_dlink_id worst;
    assert_int_equal(ftopo_plan_score_order(t.r, &o, alt, &load, &worst, NULL), FTOPO_OK);
    assert_true(fabs(load - 4.0) < 1e-9);
    assert_true(worst >= 0);
    ftopo_plan p;
    plan_ok(t.r, &o, &p);
    assert_true(fabs(p.max_load - 1.0) < 1e-9);
    assert_true(fabs(p.lower_bound - 1.0) < 1e-9);
    assert_int_equal(p.channels, 1);
    /* Leaf runs: the ring changes leaf exactly twice. */
    int changes = 0;
    for (int i = 0; i < 8; i++) {
        bool a = p.rings[0].order[i] <= t.h[3], b = p.rings[0].order[(i + 1) % 8] <= t.h[3];
        changes += a != b;
    }
    assert_int_equal(changes, 2);
    /* host hops 2 each, the two crossings 4 each */
    assert_int_equal(p.total_hops, 6 * 2 + 2 * 4);
    ftopo_plan_free(&p);
    tree2_free(&t);
}

static void test_lower_bound_cuts(void **state)
{
    (void)state;
    tree2 t;
    tree2_build(&t, 2);
    const ftopo_fabric *f = t.x.f;
    size_t nd = 2 * ftopo_num_links(f);
    double *avail = malloc(nd * sizeof(*avail));
    for (size_t d = 0; d < nd; d++)
        avail[d] = 1.0;
    ftopo_plan_opts o = {.hosts = t.h, .num_hosts = 8, .avail = avail};
    ftopo_plan p;

    /* Both uplinks of leaf01 at half capacity: leaving the leaf costs 2. */
    ftopo_node_id l1 = node(f, "leaf01"), s1 = node(f, "spine01"), s2 = node(f, "spine02");
    avail[dlink(f, l1, s1)] = 0.5;
    avail[dlink(f, l1, s2)] = 0.5;
    plan_ok(t.r, &o, &p);
    assert_true(fabs(p.lower_bound - 2.0) < 1e-9);
    assert_true(fabs(p.max_load - 2.0) < 1e-9);
    ftopo_plan_free(&p);

    /* A host link at a quarter: the host cut gives 4. */
    avail[dlink(f, l1, s1)] = 1.0;
    avail[dlink(f, l1, s2)] = 1.0;
    ftopo_node_id ca;
    assert_int_equal(ftopo_host_hca(f, t.h[2], 0, &ca), FTOPO_OK);
    avail[dlink(f, ca, l1)] = 0.25;
    plan_ok(t.r, &o, &p);
    assert_true(fabs(p.lower_bound - 4.0) < 1e-9);
    assert_true(fabs(p.max_load - 4.0) < 1e-9);
    ftopo_plan_free(&p);

    /* A down link the ring must cross: infinite load and bound. */
    avail[dlink(f, ca, l1)] = 0.0;
    plan_ok(t.r, &o, &p);
    assert_true(isinf(p.max_load));
    assert_true(isinf(p.lower_bound));
    ftopo_plan_free(&p);
    free(avail);
    tree2_free(&t);
}

/* One host alone on leaf02: with destination-based routes every ring
 * enters it over the same spine link, so congesting that link must raise
 * the bound (a route-blind cut would claim 1 and call the plan bad). */
static void test_bound_follows_routes(void **state)
{
    (void)state;
    tree2 t;
    tree2_build(&t, 2);
    const ftopo_fabric *f = t.x.f;
    ftopo_host_id job[5] = {t.h[0], t.h[1], t.h[2], t.h[3], t.h[4]};
    ftopo_node_id ca;
    assert_int_equal(ftopo_host_hca(f, t.h[4], 0, &ca), FTOPO_OK);
    ftopo_dlink_id buf[FTOPO_MAX_PATH_HOPS];
    size_t len;
    ftopo_node_id src;
    assert_int_equal(ftopo_host_hca(f, t.h[0], 0, &src), FTOPO_OK);
    assert_int_equal(ftopo_routes_path(t.r, src, 1, ftopo_routes_port_lid(t.r, ca, 1), buf,
                                       FTOPO_MAX_PATH_HOPS, &len),
                     FTOPO_PATH_OK);
    assert_int_equal(len, 4);
    size_t nd = 2 * ftopo_num_links(f);
    double *avail = malloc(nd * sizeof(*avail));
    for (size_t d = 0; d < nd; d++)
        avail[d] = 1.0;
    avail[buf[2]] = 0.1; /* spine -> leaf02, the way in */
    ftopo_plan_opts o = {.hosts = job, .num_hosts = 5, .avail = avail};
    ftopo_plan p;
    plan_ok(t.r, &o, &p);
    assert_true(fabs(p.lower_bound - 10.0) < 1e-6);
    assert_true(fabs(p.max_load - 10.0) < 1e-6);
    ftopo_plan_free(&p);
    free(avail);
    tree2_free(&t);
}

/* Four leaves with one host each, two spines. The clean ways into leaf 1
 * and into leaf 2 both start at leaf 4 (the others' routes to them use
 * spine 2, whose links down to leaves 1 and 2 are congested), and leaf 4's
 * lone host can precede only one of them: each cut alone says 1, the entry
 * matching says 10, and 10 is what the planner reaches. */
static void test_entry_matching(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_node_id sp1 = fx_switch(&x, "spine1"), sp2 = fx_switch(&x, "spine2"), leaf[4], ca[4];
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof(name), "leaf%d", i + 1);
        leaf[i] = fx_switch(&x, name);
        snprintf(name, sizeof(name), "h%d HCA-1", i + 1);
        ca[i] = fx_ca(&x, name);
        fx_link(&x, ca[i], leaf[i]);
        fx_link(&x, leaf[i], sp1);
        fx_link(&x, leaf[i], sp2);
    }
    fx_finish(&x);
    ftopo_routes *r = rx_routes(x.f);
    assert_int_equal(ftopo_route_compute(r, "minhop", NULL, NULL, NULL), FTOPO_OK);
    for (int dst = 0; dst < 2; dst++) {
        for (int src = 0; src < 4; src++)
            if (src != dst)
                rx_route(r, leaf[src], ca[dst], src == 3 ? sp1 : sp2);
        rx_route(r, sp1, ca[dst], leaf[dst]);
        rx_route(r, sp2, ca[dst], leaf[dst]);
    }
    size_t nd = 2 * ftopo_num_links(x.f);
    double *avail = malloc(nd * sizeof(*avail));
    for (size_t d = 0; d < nd; d++)
        avail[d] = 1.0;
    avail[dlink(x.f, sp2, leaf[0])] = 0.1;
    avail[dlink(x.f, sp2, leaf[1])] = 0.1;
    ftopo_host_id h[4];
    for (int i = 0; i < 4; i++) {
        ftopo_node_info ni;
        assert_int_equal(ftopo_node_get(x.f, ca[i], &ni), FTOPO_OK);
        h[i] = ni.host;
    }
    ftopo_plan_opts o = {.hosts = h, .num_hosts = 4, .avail = avail};
    ftopo_plan p;
    plan_ok(r, &o, &p);
    assert_true(fabs(p.lower_bound - 10.0) < 1e-6);
    assert_true(fabs(p.max_load - 10.0) < 1e-6);
    ftopo_plan_free(&p);
    /* Only leaf 1 congested: leaf 4 precedes it and the ring is clean. */
    avail[dlink(x.f, sp2, leaf[1])] = 1.0;
    plan_ok(r, &o, &p);
    assert_true(fabs(p.lower_bound - 1.0) < 1e-9);
    assert_true(fabs(p.max_load - 1.0) < 1e-9);
    assert_int_equal(p.dlink_flows[dlink(x.f, sp2, leaf[0])], 0);
    ftopo_plan_free(&p);
    free(avail);
    ftopo_routes_destroy(r);
    ftopo_fabric_destroy(x.f);
}

static void test_avoids_congestion(void **state)
{
    (void)state;
    tree2 t;
    tree2_build(&t, 2);
    const ftopo_fabric *f = t.x.f;
    size_t nd = 2 * ftopo_num_links(f);
    double *avail = malloc(nd * sizeof(*avail));
    ftopo_node_id l1 = node(f, "leaf01"), l2 = node(f, "leaf02");
    ftopo_node_id sp[2] = {node(f, "spine01"), node(f, "spine02")};
    /* Each inter-switch link congested in turn, either direction. */
    for (int s = 0; s < 2; s++) {
        ftopo_dlink_id cong[4] = {dlink(f, l1, sp[s]), dlink(f, sp[s], l1), dlink(f, l2, sp[s]),
                                  dlink(f, sp[s], l2)};
        for (int k = 0; k < 4; k++) {
            for (size_t d = 0; d < nd; d++)
                avail[d] = 1.0;
            avail[cong[k]] = 0.2;
            ftopo_plan_opts o = {.hosts = t.h, .num_hosts = 8, .avail = avail};
            ftopo_plan p;
            plan_ok(t.r, &o, &p);
            assert_true(fabs(p.lower_bound - 1.0) < 1e-9);
            assert_true(fabs(p.max_load - 1.0) < 1e-9);
            assert_int_equal(p.dlink_flows[cong[k]], 0);
            ftopo_plan_free(&p);
        }
    }
    free(avail);
    tree2_free(&t);
}

static void test_channels(void **state)
{
    (void)state;
    tree2 t;
    tree2_build(&t, 2);
    ftopo_plan_opts o = {.hosts = t.h, .num_hosts = 8, .channels = 4};
    ftopo_plan p;
    plan_ok(t.r, &o, &p);
    assert_int_equal(p.channels, 4);
    assert_true(fabs(p.max_load - 1.0) < 1e-9);
    assert_true(fabs(p.lower_bound - 1.0) < 1e-9);
    /* Each host link carries all four channels' flows. */
    ftopo_node_id ca;
    assert_int_equal(ftopo_host_hca(t.x.f, t.h[0], 0, &ca), FTOPO_OK);
    assert_int_equal(p.dlink_flows[dlink(t.x.f, ca, node(t.x.f, "leaf01"))], 4);
    ftopo_plan_free(&p);
    tree2_free(&t);
}

static void test_torus(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_node_id sw[8], ca[8];
    rx_ring(&x, 8, sw, ca);
    ftopo_routes *r = rx_routes(x.f);
    assert_int_equal(ftopo_route_compute(r, "minhop", NULL, NULL, NULL), FTOPO_OK);
    /* Job hosts listed in a scrambled order. */
    static const int pick[8] = {0, 4, 2, 6, 1, 5, 3, 7};
    ftopo_host_id h[8];
    for (int i = 0; i < 8; i++) {
        ftopo_node_info ni;
        assert_int_equal(ftopo_node_get(x.f, ca[pick[i]], &ni), FTOPO_OK);
        h[i] = ni.host;
    }
    ftopo_plan_opts o = {.hosts = h, .num_hosts = 8};
    double load;
    assert_int_equal(ftopo_plan_score_order(r, &o, h, &load, NULL, NULL), FTOPO_OK);
    assert_true(load > 1.5);
    ftopo_plan p;
    plan_ok(r, &o, &p);
    assert_true(fabs(p.max_load - 1.0) < 1e-9);
    assert_true(fabs(p.lower_bound - 1.0) < 1e-9);
    ftopo_plan_free(&p);
    ftopo_routes_destroy(r);
    ftopo_fabric_destroy(x.f);
}

/* Random placements on a generated, shuffled-name fat tree: never worse
 * than name order, at the bound. */
static void test_generated_placements(void **state)
{
    (void)state;
    ftopo_gen_params gp = {
        .kind = FTOPO_GEN_FAT_TREE_2, .hosts = 128, .radix = 16, .shuffle_names = true, .seed = 3};
    ftopo_fabric *f;
    assert_int_equal(ftopo_generate(&gp, &f, NULL), FTOPO_OK);
    ftopo_routes *r = rx_routes(f);
    assert_int_equal(ftopo_route_compute(r, "ftree", NULL, NULL, NULL), FTOPO_OK);
    ftopo_host_id h[128];
    uint64_t seed = 7;
    for (int round = 0; round < 10; round++) {
        for (int i = 0; i < 128; i++)
            h[i] = i;
        size_t n = 16 + (size_t)(round * 11);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t j = i + (size_t)((seed >> 33) % (128 - i));
            ftopo_host_id tmp = h[i];
            h[i] = h[j];
            h[j] = tmp;
        }
        ftopo_plan_opts o = {.hosts = h, .num_hosts = n, .channels = 1 + round % 2};
        ftopo_plan p;
        plan_ok(r, &o, &p);
        double given;
        assert_int_equal(ftopo_plan_score_order(r, &o, h, &given, NULL, NULL), FTOPO_OK);
        assert_true(p.max_load <= given + 1e-9);
        assert_true(fabs(p.max_load - p.lower_bound) < 1e-9);
        ftopo_plan_free(&p);
    }
    ftopo_routes_destroy(r);
    ftopo_fabric_destroy(f);
}

static void test_trees_and_report(void **state)
{
    (void)state;
    tree2 t;
    tree2_build(&t, 2);
    ftopo_plan_opts o = {.hosts = t.h, .num_hosts = 8};
    ftopo_plan p;
    plan_ok(t.r, &o, &p);
    assert_int_equal(p.tree.depth, 3);
    for (int k = 0; k < 2; k++) {
        int roots = 0;
        for (int i = 0; i < 8; i++)
            roots += p.tree.parent[k][i] < 0;
        assert_int_equal(roots, 1);
    }
    assert_true(p.tree.max_load > 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(ftopo_plan_write(t.r, &p, false, out, NULL), FTOPO_OK);
    assert_int_equal(ftopo_plan_write(t.r, &p, true, out, NULL), FTOPO_OK);
    fclose(out);
    assert_non_null(strstr(buf, "lower bound 1.000: optimal"));
    assert_non_null(strstr(buf, "\"lower_bound\": 1"));
    free(buf);

    /* Validation catches a host twice and a host not in the job. */
    ftopo_host_id keep = p.rings[0].order[1];
    p.rings[0].order[1] = p.rings[0].order[0];
    ftopo_diag diag = {0};
    assert_int_equal(ftopo_plan_validate(t.x.f, &p, t.h, 8, &diag), FTOPO_ERR_CONFLICT);
    assert_non_null(strstr(diag.message, "twice"));
    p.rings[0].order[1] = keep;
    assert_int_equal(ftopo_plan_validate(t.x.f, &p, t.h, 7, &diag), FTOPO_ERR_CONFLICT);
    ftopo_plan_free(&p);
    tree2_free(&t);
}

static void test_bad_input(void **state)
{
    (void)state;
    tree2 t;
    tree2_build(&t, 2);
    ftopo_diag diag = {0};
    ftopo_plan p;
    ftopo_plan_opts o = {.hosts = t.h, .num_hosts = 0};
    assert_int_equal(ftopo_plan_rings(t.r, &o, &p, &diag), FTOPO_ERR_ARG);
    assert_non_null(strstr(diag.message, "empty"));

    ftopo_host_id dup[3] = {t.h[0], t.h[1], t.h[0]};
    o = (ftopo_plan_opts){.hosts = dup, .num_hosts = 3};
    assert_int_equal(ftopo_plan_rings(t.r, &o, &p, &diag), FTOPO_ERR_DUPLICATE);
    assert_non_null(strstr(diag.message, "node001 is listed twice"));

    ftopo_host_id unknown[2] = {t.h[0], 99};
    o = (ftopo_plan_opts){.hosts = unknown, .num_hosts = 2};
    assert_int_equal(ftopo_plan_rings(t.r, &o, &p, &diag), FTOPO_ERR_ARG);
    assert_non_null(strstr(diag.message, "host id 99"));

    o = (ftopo_plan_opts){.hosts = t.h, .num_hosts = 8, .channels = 65};
    assert_int_equal(ftopo_plan_rings(t.r, &o, &p, &diag), FTOPO_ERR_ARG);

    size_t nd = 2 * ftopo_num_links(t.x.f);
    double *avail = calloc(nd, sizeof(*avail));
    avail[0] = 1.5;
    o = (ftopo_plan_opts){.hosts = t.h, .num_hosts = 8, .avail = avail};
    assert_int_equal(ftopo_plan_rings(t.r, &o, &p, &diag), FTOPO_ERR_ARG);
    free(avail);

    /* No route to node008: clear its LID on leaf01. */
    ftopo_node_id ca;
    assert_int_equal(ftopo_host_hca(t.x.f, t.h[7], 0, &ca), FTOPO_OK);
    assert_int_equal(ftopo_routes_set(t.r, node(t.x.f, "leaf01"), rx_lid(t.r, ca), FTOPO_LFT_NONE),
                     FTOPO_OK);
    o = (ftopo_plan_opts){.hosts = t.h, .num_hosts = 8};
    assert_int_equal(ftopo_plan_rings(t.r, &o, &p, &diag), FTOPO_ERR_NOT_FOUND);
    assert_non_null(
        strstr(diag.message, "no route from host node001 (HCA 'node001 HCA-1') to node008"));
    assert_int_equal(ftopo_plan_score_order(t.r, &o, t.h, &(double){0}, NULL, &diag),
                     FTOPO_ERR_NOT_FOUND);
    assert_int_equal(ftopo_plan_rings(NULL, &o, &p, &diag), FTOPO_ERR_ARG);
    tree2_free(&t);
}

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/test_ftopo_plan.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_congestion_file(void **state)
{
    (void)state;
    tree2 t;
    tree2_build(&t, 2);
    const ftopo_fabric *f = t.x.f;
    ftopo_node_info leaf;
    assert_int_equal(ftopo_node_get(f, node(f, "leaf01"), &leaf), FTOPO_OK);
    int up = rx_port_to(f, node(f, "leaf01"), node(f, "spine02"));
    char text[256];
    snprintf(text, sizeof(text),
             "# congestion\n0x%016llx %d 0.25\n\"spine01\" %d 0.5 both # comment\n\n",
             (unsigned long long)leaf.node_guid, up,
             rx_port_to(f, node(f, "spine01"), node(f, "leaf02")));
    char *path = write_temp(text);
    double *avail = NULL;
    ftopo_diag diag = {0};
    assert_int_equal(ftopo_congestion_read_file(f, path, &avail, &diag), FTOPO_OK);
    ftopo_dlink_id d1 = dlink(f, node(f, "leaf01"), node(f, "spine02"));
    ftopo_dlink_id d2 = dlink(f, node(f, "spine01"), node(f, "leaf02"));
    assert_true(avail[d1] == 0.25 && avail[d1 ^ 1] == 1.0);
    assert_true(avail[d2] == 0.5 && avail[d2 ^ 1] == 0.5);
    free(avail);
    unlink(path);
    free(path);

    static const char *bad[][2] = {
        {"\"spine01\" 99 0.5\n", ":1: port 99 out of range"},
        {"\n\"spine01\" 1 1.5\n", ":2: available fraction"},
        {"0x1234 1 0.5\n", "no node with GUID 0x1234"},
        {"\"nosuch\" 1 0.5\n", "no node described \"nosuch\""},
        {"\"spine01\" 1 0.5 extra\n", "unexpected text"},
        {"\"spine01\" 30 0.5\n", "port 30 is not cabled"},
        {"\"spine01 1 0.5\n", "unterminated quote"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        path = write_temp(bad[i][0]);
        avail = NULL;
        assert_int_equal(ftopo_congestion_read_file(f, path, &avail, &diag), FTOPO_ERR_PARSE);
        if (!strstr(diag.message, bad[i][1]))
            fail_msg("'%s' gave '%s'", bad[i][0], diag.message);
        assert_null(avail);
        unlink(path);
        free(path);
    }
    assert_int_equal(ftopo_congestion_read_file(f, "/nonexistent/cong", &avail, &diag),
                     FTOPO_ERR_IO);
    tree2_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alternating_leaves),
        cmocka_unit_test(test_lower_bound_cuts),
        cmocka_unit_test(test_bound_follows_routes),
        cmocka_unit_test(test_entry_matching),
        cmocka_unit_test(test_avoids_congestion),
        cmocka_unit_test(test_channels),
        cmocka_unit_test(test_torus),
        cmocka_unit_test(test_generated_placements),
        cmocka_unit_test(test_trees_and_report),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_congestion_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

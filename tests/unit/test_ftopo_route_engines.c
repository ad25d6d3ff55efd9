/* The routing engines: every engine delivers every flow without loops on
 * fat trees (full and degraded), a torus and with LMC; the deadlock-free
 * engines have no credit loop; ftree is D-mod-k on full fat trees (every
 * shift permutation loads each link at most once); roots and engine names
 * are checked; a computed route set survives the LFT dump round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "model_fixtures.h"

static const char *const all_engines[] = {"minhop", "updn", "ftree", "sssp"};
#define NUM_ENGINES (sizeof(all_engines) / sizeof(all_engines[0]))

static bool deadlock_free(const char *engine)
{
    return strcmp(engine, "updn") == 0 || strcmp(engine, "ftree") == 0;
}

static ftopo_routes *routed(const ftopo_fabric *f, const ftopo_routes_opts *ropts,
                            const char *engine, const ftopo_route_engine_opts *eopts,
                            ftopo_route_result *res)
{
    ftopo_routes *r = NULL;
    ftopo_diag diag = {0};
    assert_int_equal(ftopo_routes_create(f, ropts, &r, &diag), FTOPO_OK);
    ftopo_status st = ftopo_route_compute(r, engine, eopts, res, &diag);
    if (st != FTOPO_OK)
        fprintf(stderr, "%s: %s\n", engine, diag.message);
    assert_int_equal(st, FTOPO_OK);
    return r;
}

static void analyze(const ftopo_routes *r, ftopo_pattern_kind kind, ftopo_analysis *out)
{
    ftopo_pattern p = {.kind = kind};
    ftopo_diag diag = {0};
    ftopo_status st = ftopo_analyze(r, &p, out, &diag);
    if (st != FTOPO_OK)
        fprintf(stderr, "analyze: %s\n", diag.message);
    assert_int_equal(st, FTOPO_OK);
}

/* Every engine: all flows delivered, no credit loop where promised; returns
 * nothing, fails the test on the first engine that breaks a promise. */
static void check_all_engines(const ftopo_fabric *f)
{
    for (size_t i = 0; i < NUM_ENGINES; i++) {
        ftopo_route_result res;
        ftopo_routes *r = routed(f, NULL, all_engines[i], NULL, &res);
        assert_int_equal(res.unreachable, 0);
        ftopo_analysis a;
        analyze(r, FTOPO_PATTERN_ALL2ALL, &a);
        if (a.unreachable)
            fail_msg("%s: %zu flows not delivered", all_engines[i], a.unreachable);
        assert_true(a.flows > 0);
        if (deadlock_free(all_engines[i]) && a.credit_loop)
            fail_msg("%s: credit loop", all_engines[i]);
        ftopo_analysis_free(&a);
        ftopo_routes_destroy(r);
    }
}

/* Most flows on one switch-to-switch link (host links carry n-1 flows in
 * all-to-all whatever the routing). */
static uint32_t isl_max_flows(const ftopo_fabric *f, const ftopo_analysis *a)
{
    uint32_t max = 0;
    for (size_t l = 0; l < ftopo_num_links(f); l++) {
        ftopo_link_info li;
        ftopo_node_info na, nb;
        assert_int_equal(ftopo_link_get(f, (ftopo_link_id)l, &li), FTOPO_OK);
        assert_int_equal(ftopo_node_get(f, li.node_a, &na), FTOPO_OK);
        assert_int_equal(ftopo_node_get(f, li.node_b, &nb), FTOPO_OK);
        if (na.type != FTOPO_NODE_SWITCH || nb.type != FTOPO_NODE_SWITCH)
            continue;
        for (size_t d = 0; d < 2; d++)
            if (a->dlink_flows[2 * l + d] > max)
                max = a->dlink_flows[2 * l + d];
    }
    return max;
}

static uint32_t all2all_isl_max(const ftopo_fabric *f, const char *engine, bool *credit_loop)
{
    ftopo_routes *r = routed(f, NULL, engine, NULL, NULL);
    ftopo_analysis a;
    analyze(r, FTOPO_PATTERN_ALL2ALL, &a);
    assert_int_equal(a.unreachable, 0);
    uint32_t max = isl_max_flows(f, &a);
    *credit_loop = a.credit_loop;
    ftopo_analysis_free(&a);
    ftopo_routes_destroy(r);
    return max;
}

static uint32_t shift_max_flows(const ftopo_fabric *f, const char *engine)
{
    ftopo_routes *r = routed(f, NULL, engine, NULL, NULL);
    ftopo_analysis a;
    analyze(r, FTOPO_PATTERN_SHIFT, &a);
    assert_int_equal(a.unreachable, 0);
    uint32_t max = a.max_flows;
    ftopo_analysis_free(&a);
    ftopo_routes_destroy(r);
    return max;
}

/* A k-ary three-level fat tree: k pods of k/2 leaves and k/2 spines,
 * (k/2)^2 cores, spine i of every pod cabled to core group i, k/2 hosts per
 * leaf named in cabling order. */
static ftopo_fabric *fat_tree_3(fx *x, int k)
{
    int h = k / 2;
    ftopo_node_id core[64], spine[16];
    char name[64];
    for (int c = 0; c < h * h; c++) {
        snprintf(name, sizeof(name), "core%02d", c);
        core[c] = fx_switch(x, name);
    }
    int host = 1;
    for (int pod = 0; pod < k; pod++) {
        for (int s = 0; s < h; s++) {
            snprintf(name, sizeof(name), "spine%02d-%02d", pod, s);
            spine[s] = fx_switch(x, name);
            for (int c = 0; c < h; c++)
                fx_link(x, spine[s], core[s * h + c]);
        }
        for (int l = 0; l < h; l++) {
            snprintf(name, sizeof(name), "leaf%02d-%02d", pod, l);
            ftopo_node_id leaf = fx_switch(x, name);
            for (int i = 0; i < h; i++) {
                snprintf(name, sizeof(name), "node%03d HCA-1", host++);
                fx_link(x, fx_ca(x, name), leaf);
            }
            for (int s = 0; s < h; s++)
                fx_link(x, leaf, spine[s]);
        }
    }
    return fx_finish(x);
}

/* An X x Y torus of switches with `hosts` hosts each. */
static ftopo_fabric *torus(fx *x, int nx, int ny, int hosts)
{
    ftopo_node_id sw[64];
    char name[64];
    int host = 1;
    for (int i = 0; i < nx * ny; i++) {
        snprintf(name, sizeof(name), "sw%02d", i);
        sw[i] = fx_switch(x, name);
        for (int k = 0; k < hosts; k++) {
            snprintf(name, sizeof(name), "node%03d HCA-1", host++);
            fx_link(x, fx_ca(x, name), sw[i]);
        }
    }
    for (int i = 0; i < nx; i++)
        for (int j = 0; j < ny; j++) {
            fx_link(x, sw[i * ny + j], sw[((i + 1) % nx) * ny + j]);
            fx_link(x, sw[i * ny + j], sw[i * ny + (j + 1) % ny]);
        }
    return fx_finish(x);
}

static void test_fat_tree_2_full(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_fabric *f = fx_fat_tree_2(&x, 8, 4, 4, 1);
    check_all_engines(f);
    assert_int_equal(shift_max_flows(f, "ftree"), 1);
    ftopo_fabric_destroy(f);
}

static void test_fat_tree_2_parallel_links(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_fabric *f = fx_fat_tree_2(&x, 6, 2, 4, 2);
    check_all_engines(f);
    assert_int_equal(shift_max_flows(f, "ftree"), 1);
    ftopo_fabric_destroy(f);
}

static void test_fat_tree_3_full(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_fabric *f = fat_tree_3(&x, 6);
    check_all_engines(f);
    assert_int_equal(shift_max_flows(f, "ftree"), 1);
    ftopo_fabric_destroy(f);
}

/* Leaves keep at least one spine in common, so up/down still connects
 * every pair; the fat-tree engine must route around the missing links. */
static void test_fat_tree_2_degraded(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_node_id spine[4], leaf[6];
    char name[64];
    for (int s = 0; s < 4; s++) {
        snprintf(name, sizeof(name), "spine%02d", s);
        spine[s] = fx_switch(&x, name);
    }
    int host = 1;
    for (int l = 0; l < 6; l++) {
        snprintf(name, sizeof(name), "leaf%02d", l);
        leaf[l] = fx_switch(&x, name);
        for (int h = 0; h < 4; h++) {
            snprintf(name, sizeof(name), "node%03d HCA-1", host++);
            fx_link(&x, fx_ca(&x, name), leaf[l]);
        }
        for (int s = 0; s < 4; s++)
            if (!((l == 1 && s == 2) || (l == 3 && s == 0) || (l == 4 && s == 3)))
                fx_link(&x, leaf[l], spine[s]);
    }
    ftopo_fabric *f = fx_finish(&x);
    check_all_engines(f);
    /* sssp spreads all-to-all best, on minimal (up/down) paths. */
    bool loop_sssp, loop_other;
    uint32_t sssp = all2all_isl_max(f, "sssp", &loop_sssp);
    assert_false(loop_sssp);
    for (size_t i = 0; i < NUM_ENGINES; i++)
        assert_true(sssp <= all2all_isl_max(f, all_engines[i], &loop_other));
    ftopo_fabric_destroy(f);
}

static void test_torus(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_fabric *f = torus(&x, 4, 4, 2);
    check_all_engines(f);
    ftopo_fabric_destroy(f);
}

/* With LMC 2 every port owns four LIDs and each is routed. */
static void test_lmc(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_fabric *f = fx_fat_tree_2(&x, 4, 2, 2, 1);
    ftopo_routes_opts ropts = {FTOPO_LIDS_ASSIGN, 2};
    for (size_t i = 0; i < NUM_ENGINES; i++) {
        ftopo_route_result res;
        ftopo_routes *r = routed(f, &ropts, all_engines[i], NULL, &res);
        assert_int_equal(res.unreachable, 0);
        /* 6 switches + 8 CAs, 4 LIDs each. */
        assert_int_equal(res.destinations, 14 * 4);
        for (size_t s = 0; s < ftopo_routes_num_switches(r); s++) {
            const uint8_t *lft = ftopo_routes_lft(r, ftopo_routes_switch_node(r, s));
            for (unsigned lid = 1; lid <= ftopo_routes_lid_top(r); lid++) {
                ftopo_node_id owner;
                int port;
                if (ftopo_routes_lid_owner(r, (ftopo_lid)lid, &owner, &port) != FTOPO_OK)
                    continue;
                ftopo_node_info ni;
                assert_int_equal(ftopo_node_get(f, owner, &ni), FTOPO_OK);
                if (ni.type == FTOPO_NODE_CA)
                    assert_int_not_equal(lft[lid], FTOPO_LFT_NONE);
            }
        }
        ftopo_routes_destroy(r);
    }
    ftopo_fabric_destroy(f);
}

static void test_roots(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_fabric *f = fx_fat_tree_2(&x, 4, 2, 2, 1);
    ftopo_diag diag = {0};
    ftopo_node_id *roots = NULL;
    size_t n = 0;
    assert_int_equal(ftopo_route_roots_parse(f, "spine01,0x0002c90300000002", &roots, &n, &diag),
                     FTOPO_OK);
    assert_int_equal(n, 2);
    ftopo_route_engine_opts eopts = {roots, n};
    ftopo_route_result res;
    ftopo_routes *r = routed(f, NULL, "updn", &eopts, &res);
    assert_int_equal(res.roots, 2);
    assert_int_equal(res.unreachable, 0);
    assert_int_equal(ftopo_route_compute(r, "minhop", &eopts, NULL, &diag), FTOPO_ERR_UNSUPPORTED);
    assert_int_equal(ftopo_route_compute(r, "nosuch", NULL, NULL, &diag), FTOPO_ERR_NOT_FOUND);
    assert_non_null(strstr(diag.message, "nosuch"));
    free(roots);

    /* A leaf as the only root still gives a complete, loop-free up/down. */
    assert_int_equal(ftopo_route_roots_parse(f, "leaf01", &roots, &n, &diag), FTOPO_OK);
    ftopo_route_engine_opts one = {roots, n};
    ftopo_routes_destroy(r);
    r = routed(f, NULL, "updn", &one, &res);
    assert_int_equal(res.unreachable, 0);
    free(roots);
    ftopo_routes_destroy(r);

    assert_int_equal(ftopo_route_roots_parse(f, "spine01,nosuch", &roots, &n, &diag),
                     FTOPO_ERR_NOT_FOUND);
    assert_non_null(strstr(diag.message, "nosuch"));
    assert_null(roots);
    assert_int_equal(ftopo_route_roots_parse(f, "node001 HCA-1", &roots, &n, &diag), FTOPO_ERR_ARG);
    assert_non_null(strstr(diag.message, "not a switch"));

    char path[] = "/tmp/ftopo-roots-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *out = fdopen(fd, "w");
    fprintf(out, "# roots\nspine01\n\nspine02  # the other\nleaf09\n");
    fclose(out);
    char arg[64];
    snprintf(arg, sizeof(arg), "@%s", path);
    assert_int_equal(ftopo_route_roots_parse(f, arg, &roots, &n, &diag), FTOPO_ERR_NOT_FOUND);
    char where[64];
    snprintf(where, sizeof(where), "%s:5:", path);
    assert_non_null(strstr(diag.message, where));
    remove(path);
    ftopo_fabric_destroy(f);
}

/* What an engine computes is what OpenSM is given: dump, read back, equal. */
static void test_dump_round_trip(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_fabric *f = fat_tree_3(&x, 4);
    ftopo_routes *r = routed(f, NULL, "ftree", NULL, NULL);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    ftopo_diag diag = {0};
    assert_int_equal(ftopo_routes_write_dump(r, mem, &diag), FTOPO_OK);
    fclose(mem);
    ftopo_routes *back = NULL;
    assert_int_equal(ftopo_routes_create(f, NULL, &back, &diag), FTOPO_OK);
    FILE *in = fmemopen(buf, len, "r");
    assert_int_equal(ftopo_routes_read_dump(back, in, "mem", &diag), FTOPO_OK);
    fclose(in);
    size_t differences = 1;
    assert_int_equal(ftopo_routes_compare(r, back, &differences, &diag), FTOPO_OK);
    assert_int_equal(differences, 0);
    free(buf);
    ftopo_routes_destroy(back);
    ftopo_routes_destroy(r);
    ftopo_fabric_destroy(f);
}

/* Independent check of one layer: Kahn's topological sort over the
 * channel dependencies of the layer's paths must consume every link. */
static bool layer_acyclic(const ftopo_routes *r, const ftopo_vl_layers *v, uint8_t layer)
{
    size_t ndl = 2 * ftopo_num_links(ftopo_routes_fabric(r));
    uint8_t *dep = calloc(ndl * ndl, 1); /* small fabrics only */
    size_t *indeg = calloc(ndl, sizeof(*indeg));
    size_t *queue = malloc(ndl * sizeof(*queue));
    assert_non_null(dep);
    ftopo_dlink_id hops[FTOPO_MAX_PATH_HOPS];
    for (size_t p = 0; p < v->num_paths; p++) {
        if (v->layer[p] != layer)
            continue;
        size_t len = 0;
        assert_int_equal(ftopo_routes_path(r, v->src_node[p], v->src_port[p], v->dlid[p], hops,
                                           FTOPO_MAX_PATH_HOPS, &len),
                         FTOPO_PATH_OK);
        for (size_t i = 0; i + 1 < len; i++)
            if (!dep[(size_t)hops[i] * ndl + (size_t)hops[i + 1]]++)
                indeg[hops[i + 1]]++;
    }
    size_t head = 0, tail = 0;
    for (size_t d = 0; d < ndl; d++)
        if (!indeg[d])
            queue[tail++] = d;
    while (head < tail) {
        size_t d = queue[head++];
        for (size_t e = 0; e < ndl; e++)
            if (dep[d * ndl + e] && --indeg[e] == 0)
                queue[tail++] = e;
    }
    free(dep);
    free(indeg);
    free(queue);
    return tail == ndl;
}

/* sssp on a torus has credit loops; its VL layers have none. A fat tree's
 * up/down routes need one layer. */
static void test_vl_layers(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    ftopo_fabric *f = torus(&x, 4, 4, 1);
    ftopo_routes *r = routed(f, NULL, "sssp", NULL, NULL);
    ftopo_analysis a;
    analyze(r, FTOPO_PATTERN_ALL2ALL, &a);
    assert_true(a.credit_loop);
    ftopo_analysis_free(&a);
    ftopo_vl_layers v;
    ftopo_diag diag = {0};
    assert_int_equal(ftopo_route_vl_layers(r, 8, &v, &diag), FTOPO_OK);
    assert_int_equal(v.num_paths, 16 * 15);
    assert_true(v.num_layers >= 2 && v.num_layers <= 8);
    for (uint8_t l = 0; l < v.num_layers; l++)
        assert_true(layer_acyclic(r, &v, l));
    ftopo_vl_layers_free(&v);
    assert_int_equal(ftopo_route_vl_layers(r, 1, &v, &diag), FTOPO_ERR_CONFLICT);
    assert_non_null(strstr(diag.message, "more than 1 layers"));
    ftopo_routes_destroy(r);
    ftopo_fabric_destroy(f);

    fx_init(&x);
    f = fx_fat_tree_2(&x, 4, 2, 2, 1);
    r = routed(f, NULL, "ftree", NULL, NULL);
    assert_int_equal(ftopo_route_vl_layers(r, 8, &v, &diag), FTOPO_OK);
    assert_int_equal(v.num_layers, 1);
    ftopo_vl_layers_free(&v);
    ftopo_routes_destroy(r);
    ftopo_fabric_destroy(f);
}

static void test_engine_list(void **state)
{
    (void)state;
    assert_int_equal(ftopo_route_engine_count(), NUM_ENGINES);
    for (size_t i = 0; i < NUM_ENGINES; i++) {
        assert_string_equal(ftopo_route_engine_name(i), all_engines[i]);
        assert_non_null(ftopo_route_engine_summary(i));
    }
    assert_null(ftopo_route_engine_name(NUM_ENGINES));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fat_tree_2_full), cmocka_unit_test(test_fat_tree_2_parallel_links),
        cmocka_unit_test(test_fat_tree_3_full), cmocka_unit_test(test_fat_tree_2_degraded),
        cmocka_unit_test(test_torus),           cmocka_unit_test(test_lmc),
        cmocka_unit_test(test_roots),           cmocka_unit_test(test_dump_round_trip),
        cmocka_unit_test(test_vl_layers),       cmocka_unit_test(test_engine_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

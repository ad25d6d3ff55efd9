/* fabricd's probe store (fabricd/src/probes.h) without the HTTP layer:
 * hosts and agent addresses, the matrix and its reading (slow pairs,
 * groups, bottlenecks, ring), persistence across a restart, and the
 * planner's view (slow pairs lower the capacity of their routed path). */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ftopo/gen.h"
#include "ftopo/route_engine.h"
#include "probes.h"

static fabd_core *new_core(void)
{
    fabd_core_opts o = {0};
    fabd_core *core = NULL;
    ftopo_diag d = {0};
    assert_int_equal(fabd_core_create(&o, &core, &d), FTOPO_OK);
    return core;
}

static void reg(fabd_probes *p, const char *name, const char *agent)
{
    bool is_new;
    ftopo_diag d = {0};
    assert_int_equal(fabd_probes_register(p, name, agent, NULL, &is_new, &d), FTOPO_OK);
}

static void add_bw(fabd_probes *p, const char *a, const char *b, double mbps)
{
    fabd_probe_sample s = {.kind = FPROBE_TCP_BW, .ok = true, .mbps = mbps};
    snprintf(s.a, sizeof(s.a), "%s", a);
    snprintf(s.b, sizeof(s.b), "%s", b);
    ftopo_diag d = {0};
    assert_int_equal(fabd_probes_add(p, &s, 1, &d), FTOPO_OK);
}

static json_object *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    assert_true(json_object_object_get_ex(o, key, &v));
    return v;
}

/* A probe store's directory, its file and a core, made fresh for each
 * persistence test and removed after it (the file set aside as damaged
 * too). */
struct store_dir {
    char dir[32];
    char path[64];
    fabd_core *core;
};

static int store_dir_setup(void **state)
{
    struct store_dir *s = calloc(1, sizeof(*s));
    if (!s)
        return -1;
    snprintf(s->dir, sizeof(s->dir), "/tmp/fabd-probes-XXXXXX");
    if (!mkdtemp(s->dir)) {
        free(s);
        return -1;
    }
    snprintf(s->path, sizeof(s->path), "%s/probes.json", s->dir);
    s->core = new_core();
    *state = s;
    return 0;
}

static int store_dir_teardown(void **state)
{
    struct store_dir *s = *state;
    char aside[80];
    snprintf(aside, sizeof(aside), "%s.corrupt", s->path);
    unlink(aside);
    unlink(s->path);
    int rc = rmdir(s->dir);
    fabd_core_destroy(s->core);
    free(s);
    return rc;
}

/* A probe store on core, persisted under dir (NULL: in memory only). */
static fabd_probes *new_store(fabd_core *core, const char *dir)
{
    fabd_probes *p = NULL;
    ftopo_diag d = {0};
    assert_int_equal(fabd_probes_create(core, dir, &p, &d), FTOPO_OK);
    return p;
}

static fabd_probes *open_store(const struct store_dir *sd)
{
    return new_store(sd->core, sd->dir);
}

/* Two groups of two hosts, 1000 MB/s inside, 100 across; results named
 * by agent addresses land on the registered hosts. */
static void test_matrix_reading(void **state)
{
    (void)state;
    fabd_core *core = new_core();
    fabd_probes *p = new_store(core, NULL);
    ftopo_diag d = {0};
    reg(p, "a1", "10.0.0.1:18515");
    reg(p, "a2", "10.0.0.2");
    reg(p, "b1", "10.0.0.3:18515");
    reg(p, "b2", "");
    bool is_new;
    assert_int_equal(fabd_probes_register(p, "bad name", "", NULL, &is_new, &d), FTOPO_ERR_ARG);
    assert_int_equal(fabd_probes_register(p, "x", "a,b", NULL, &is_new, &d), FTOPO_ERR_ARG);
    add_bw(p, "10.0.0.1", "10.0.0.2:18515", 1000);
    add_bw(p, "b1", "b2", 900);
    add_bw(p, "10.0.0.1:18515", "b1", 100);
    add_bw(p, "a1", "b2", 110);
    add_bw(p, "a2", "b1", 90);
    add_bw(p, "a2", "b2", 105);
    fabd_probe_sample self = {.kind = FPROBE_TCP_BW, .ok = true, .mbps = 1, .a = "a1", .b = "a1"};
    assert_int_equal(fabd_probes_add(p, &self, 1, &d), FTOPO_ERR_ARG);

    fabd_probe_matrix m;
    assert_int_equal(fabd_probes_matrix(p, FPROBE_TCP_BW, NULL, 0, &m, &d), FTOPO_OK);
    assert_int_equal(m.n, 4); /* the agent addresses are no hosts of their own */
    assert_true(m.slow_below > 110 && m.slow_below <= 900);
    json_object *o = fabd_probe_matrix_json(&m);
    assert_int_equal(json_object_array_length(member(o, "slow_pairs")), 4);
    json_object *groups = member(o, "groups");
    assert_int_equal(json_object_array_length(groups), 2);
    assert_string_equal(json_object_to_json_string(groups),
                        "[ [ \"a1\", \"a2\" ], [ \"b1\", \"b2\" ] ]");
    json_object *bn = json_object_array_get_idx(member(o, "bottlenecks"), 0);
    assert_int_equal(json_object_get_int(member(bn, "pairs")), 4);
    assert_true(fabs(json_object_get_double(member(bn, "min_mb_per_s")) - 90) < 1e-9);
    size_t order[4], crossings = 0;
    assert_int_equal(fabd_probe_matrix_ring(&m, order), 0);
    for (size_t i = 0; i < 4; i++)
        crossings += m.names[order[i]][0] != m.names[order[(i + 1) % 4]][0];
    assert_int_equal(crossings, 2);
    json_object_put(o);
    fabd_probe_matrix_free(&m);

    const char *unknown[] = {"a1", "zz"};
    assert_int_equal(fabd_probes_matrix(p, FPROBE_TCP_BW, unknown, 2, &m, &d), FTOPO_ERR_NOT_FOUND);
    const char *twice[] = {"a1", "10.0.0.1"};
    assert_int_equal(fabd_probes_matrix(p, FPROBE_TCP_BW, twice, 2, &m, &d), FTOPO_ERR_ARG);
    /* A round needs agents: b2 has none. */
    struct fprobe_req req = {.kind = FPROBE_TCP_BW, .size = 1, .duration_ms = 1};
    const char *no_agent[] = {"a1", "b2"};
    uint64_t id;
    assert_int_equal(fabd_probes_round_start(p, no_agent, 2, &req, &id, &d), FTOPO_ERR_ARG);
    req.kind = FPROBE_TCP_LAT;
    assert_int_equal(fabd_probes_round_start(p, NULL, 0, &req, &id, &d), FTOPO_ERR_ARG);
    fabd_probes_destroy(p);
    fabd_core_destroy(core);
}

/* Hosts and results survive a restart; a damaged file is ignored. */
static void test_persistence(void **state)
{
    const struct store_dir *sd = *state;
    fabd_probes *p = open_store(sd);
    ftopo_diag d = {0};
    json_object *inv = json_tokener_parse("{\"devices\": [{\"name\": \"mlx5_0\"}]}");
    bool is_new;
    assert_int_equal(fabd_probes_register(p, "h1", "10.0.0.1", inv, &is_new, &d), FTOPO_OK);
    assert_true(is_new);
    json_object_put(inv);
    reg(p, "h2", "10.0.0.2");
    add_bw(p, "h1", "h2", 42);
    fabd_probe_sample failed = {.kind = FPROBE_TCP_BW, .a = "h1", .b = "h3", .error = "timed out"};
    assert_int_equal(fabd_probes_add(p, &failed, 1, &d), FTOPO_OK);
    fabd_probes_destroy(p);

    p = open_store(sd);
    json_object *h1 = fabd_probes_hosts_json(p, "h1");
    assert_non_null(h1);
    assert_string_equal(json_object_get_string(member(member(h1, "inventory"), "devices")),
                        "[ { \"name\": \"mlx5_0\" } ]");
    json_object_put(h1);
    fabd_probe_matrix m;
    assert_int_equal(fabd_probes_matrix(p, FPROBE_TCP_BW, NULL, 0, &m, &d), FTOPO_OK);
    assert_int_equal(m.n, 3);
    assert_true(m.bw[0 * 3 + 1] == 42);
    assert_string_equal(m.errors[0 * 3 + 2], "timed out");
    fabd_probe_matrix_free(&m);
    fabd_probes_destroy(p);

    FILE *f = fopen(sd->path, "w");
    const char *damaged = "{\"hosts\": [{\"hostname\": \"ok\"}, {\"hostname\": 7}], \"pairs\": 3";
    fputs(damaged, f);
    fclose(f);
    p = open_store(sd);
    json_object *all = fabd_probes_hosts_json(p, NULL);
    assert_int_equal(json_object_array_length(member(all, "hosts")), 0);
    json_object_put(all);
    /* The damaged file is kept aside for a person, not overwritten by the
     * next write. */
    reg(p, "h9", "");
    fabd_probes_destroy(p);
    char aside[80], text[128] = "";
    snprintf(aside, sizeof(aside), "%s.corrupt", sd->path);
    f = fopen(aside, "r");
    assert_non_null(f);
    assert_non_null(fgets(text, sizeof(text), f));
    fclose(f);
    assert_string_equal(text, damaged);
    p = open_store(sd);
    assert_non_null((all = fabd_probes_hosts_json(p, "h9")));
    json_object_put(all);
    fabd_probes_destroy(p);
}

/* Records a request could not make are skipped on load, the rest kept:
 * numbers out of range (no undefined conversion), names too long (not
 * cut to a name of someone else), a bandwidth below 0. */
static void test_persistence_bad_records(void **state)
{
    const struct store_dir *sd = *state;
    FILE *f = fopen(sd->path, "w");
    fprintf(f,
            "{\"hosts\": [{\"hostname\": \"h1\"}, {\"hostname\": \"h2\"}], \"pairs\": ["
            "{\"a\": \"h1\", \"b\": \"h2\", \"kind\": \"bw\", \"ok\": true, \"mb_per_s\": 7},"
            "{\"a\": \"h1\", \"b\": \"h3\", \"kind\": \"bw\", \"ok\": true, \"mb_per_s\": 7,"
            " \"size\": 1e300},"
            "{\"a\": \"h1\", \"b\": \"h4\", \"kind\": \"bw\", \"ok\": true, \"mb_per_s\": 7,"
            " \"duration_ms\": -1},"
            "{\"a\": \"h1\", \"b\": \"h5\", \"kind\": \"bw\", \"ok\": true, \"mb_per_s\": -5},"
            "{\"a\": \"h1\", \"b\": \"h6\", \"kind\": \"bw\", \"ok\": false},"
            "{\"a\": \"h1\", \"b\": \"%0100d\", \"kind\": \"bw\", \"ok\": true, "
            "\"mb_per_s\": 7}]}",
            0);
    fclose(f);
    fabd_probes *p = open_store(sd);
    ftopo_diag d = {0};
    fabd_probe_matrix m;
    assert_int_equal(fabd_probes_matrix(p, FPROBE_TCP_BW, NULL, 0, &m, &d), FTOPO_OK);
    assert_int_equal(m.n, 2);
    assert_true(m.bw[1] == 7);
    fabd_probe_matrix_free(&m);
    fabd_probes_destroy(p);
}

struct adder {
    fabd_probes *p;
    const char *path;
    int id;
};

/* Adds results one at a time; each is in the file when the call returns. */
static void *add_and_check(void *arg)
{
    const struct adder *w = arg;
    for (int i = 0; i < 10; i++) {
        char name[32], text[1 << 16];
        snprintf(name, sizeof(name), "\"w%d-%d\"", w->id, i);
        fabd_probe_sample s = {.kind = FPROBE_TCP_BW, .ok = true, .mbps = 1, .a = "h1"};
        snprintf(s.b, sizeof(s.b), "w%d-%d", w->id, i);
        ftopo_diag d = {0};
        if (fabd_probes_add(w->p, &s, 1, &d) != FTOPO_OK)
            return "add failed";
        FILE *f = fopen(w->path, "r");
        size_t len = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
        if (f)
            fclose(f);
        text[len] = 0;
        if (!strstr(text, name))
            return "a result returned before it was written";
    }
    return NULL;
}

/* Writers that share one file write still each return with their result
 * on disk, and the file holds every result at the end. */
static void test_persistence_concurrent(void **state)
{
    const struct store_dir *sd = *state;
    fabd_probes *p = open_store(sd);
    ftopo_diag d = {0};
    reg(p, "h1", "");
    pthread_t t[8];
    struct adder w[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (struct adder){.p = p, .path = sd->path, .id = i};
        assert_int_equal(pthread_create(&t[i], NULL, add_and_check, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        void *err;
        pthread_join(t[i], &err);
        if (err)
            fail_msg("writer %d: %s", i, (const char *)err);
    }
    fabd_probes_destroy(p);
    p = open_store(sd);
    fabd_probe_matrix m;
    assert_int_equal(fabd_probes_matrix(p, FPROBE_TCP_BW, NULL, 0, &m, &d), FTOPO_OK);
    assert_int_equal(m.n, 1 + 8 * 10);
    fabd_probe_matrix_free(&m);
    fabd_probes_destroy(p);
}

/* Many pairs in one call land each in its own record (the store indexes
 * them); results naming ever new hosts stop at FABD_PROBE_MAX_HOSTS
 * names, where a matrix would need a row for each. */
static void test_store_bounds(void **state)
{
    (void)state;
    enum { N = 200 };
    fabd_core *core = new_core();
    fabd_probes *p = new_store(core, NULL);
    ftopo_diag d = {0};
    fabd_probe_sample *s = calloc(N * N, sizeof(*s));
    assert_non_null(s);
    for (int pass = 0; pass < 2; pass++) {
        size_t k = 0;
        for (int a = 0; a < N; a++)
            for (int b = a + 1; b < N; b++) {
                s[k] = (fabd_probe_sample){.kind = FPROBE_TCP_BW, .ok = true};
                s[k].mbps = pass * 1e6 + a * 1000 + b;
                snprintf(s[k].a, sizeof(s[k].a), "h%03d", pass ? b : a); /* either way round */
                snprintf(s[k].b, sizeof(s[k].b), "h%03d", pass ? a : b);
                k++;
            }
        assert_int_equal(fabd_probes_add(p, s, k, &d), FTOPO_OK);
    }
    free(s);
    fabd_probe_matrix m;
    assert_int_equal(fabd_probes_matrix(p, FPROBE_TCP_BW, NULL, 0, &m, &d), FTOPO_OK);
    assert_int_equal(m.n, N);
    for (int a = 0; a < N; a++)
        for (int b = a + 1; b < N; b++) {
            assert_true(m.bw[a * N + b] == 1e6 + a * 1000 + b);
            assert_true(m.avg[a * N + b] == (1e6 + 2 * (a * 1000 + b)) / 2);
        }
    fabd_probe_matrix_free(&m);

    fabd_probe_sample one = {.kind = FPROBE_TCP_BW, .ok = true, .mbps = 1, .a = "h000"};
    for (int i = N; i < FABD_PROBE_MAX_HOSTS; i++) {
        snprintf(one.b, sizeof(one.b), "y%d", i);
        assert_int_equal(fabd_probes_add(p, &one, 1, &d), FTOPO_OK);
    }
    snprintf(one.b, sizeof(one.b), "one-too-many");
    assert_int_equal(fabd_probes_add(p, &one, 1, &d), FTOPO_ERR_ARG);
    assert_non_null(strstr(d.message, "host names"));
    bool is_new;
    assert_int_equal(fabd_probes_register(p, "new-host", "", NULL, &is_new, &d), FTOPO_ERR_ARG);
    reg(p, "y300", "10.0.0.1"); /* a name the store knows already */
    add_bw(p, "y301", "10.0.0.1", 5);
    fabd_probes_destroy(p);
    fabd_core_destroy(core);
}

/* Bottlenecks between three groups, beside 600 registered hosts with no
 * figure (each a group of its own): one entry per pair of groups with
 * measured pairs across, in group order. */
static void test_bottlenecks_many_groups(void **state)
{
    (void)state;
    fabd_core *core = new_core();
    fabd_probes *p = new_store(core, NULL);
    ftopo_diag d = {0};
    const char *g[3][2] = {{"a1", "a2"}, {"b1", "b2"}, {"c1", "c2"}};
    for (int i = 0; i < 3; i++)
        add_bw(p, g[i][0], g[i][1], 1000);
    for (int x = 0; x < 2; x++)
        for (int y = 0; y < 2; y++) {
            add_bw(p, g[0][x], g[1][y], 100 + x + y);
            add_bw(p, g[0][x], g[2][y], 50);
        }
    for (int i = 0; i < 600; i++) {
        char name[16];
        snprintf(name, sizeof(name), "u%03d", i);
        reg(p, name, "");
    }
    fabd_probe_matrix m;
    assert_int_equal(fabd_probes_matrix(p, FPROBE_TCP_BW, NULL, 0, &m, &d), FTOPO_OK);
    json_object *o = fabd_probe_matrix_json(&m);
    assert_non_null(o);
    assert_int_equal(json_object_array_length(member(o, "groups")), 3 + 600);
    json_object *bn = member(o, "bottlenecks");
    assert_int_equal(json_object_array_length(bn), 2);
    json_object *ab = json_object_array_get_idx(bn, 0), *ac = json_object_array_get_idx(bn, 1);
    assert_string_equal(json_object_to_json_string(member(ab, "groups")), "[ 0, 1 ]");
    assert_int_equal(json_object_get_int(member(ab, "pairs")), 4);
    assert_true(json_object_get_double(member(ab, "min_mb_per_s")) == 100);
    assert_true(json_object_get_double(member(ab, "max_mb_per_s")) == 102);
    assert_true(json_object_get_double(member(ab, "mean_mb_per_s")) == 101);
    assert_string_equal(json_object_to_json_string(member(ac, "groups")), "[ 0, 2 ]");
    assert_int_equal(json_object_get_int(member(ac, "pairs")), 4);
    json_object_put(o);
    fabd_probe_matrix_free(&m);
    fabd_probes_destroy(p);
    fabd_core_destroy(core);
}

/* A ring over 1000 hosts in four groups (900-1100 MB/s inside, 90-110
 * across), interleaved in host order. Every pair measured: each group
 * once round (4 crossings) through the fastest pairs across. One pair in
 * ten never measured: no unmeasured hop, the slowest hop still one of the
 * fast pairs across. */
static void ring_of_groups(unsigned unmeasured_one_in, size_t *crossings, size_t *unmeasured,
                           double *slowest)
{
    enum { N = 1000 };
    fabd_probe_matrix m = {.n = N, .bw = malloc(N * N * sizeof(double))};
    size_t *order = malloc(N * sizeof(*order));
    char *seen = calloc(N, 1);
    assert_true(m.bw && order && seen);
    unsigned seed = 12345; /* a fixed LCG: the same matrix every run */
    for (size_t a = 0; a < N; a++)
        for (size_t b = a + 1; b < N; b++) {
            seed = seed * 1103515245u + 12345u;
            double v = (seed >> 16) % 201 - 100.0;
            v = a % 4 == b % 4 ? 1000 + v : 100 + v / 10;
            bool missing = unmeasured_one_in && (seed >> 8) % unmeasured_one_in == 0;
            m.bw[a * N + b] = m.bw[b * N + a] = missing ? NAN : v;
        }
    for (size_t a = 0; a < N; a++)
        m.bw[a * N + a] = NAN;
    assert_int_equal(fabd_probe_matrix_ring(&m, order), 0);
    *crossings = *unmeasured = 0;
    *slowest = INFINITY;
    for (size_t i = 0; i < N; i++) {
        size_t a = order[i], b = order[(i + 1) % N];
        assert_false(seen[a]);
        seen[a] = 1;
        *crossings += a % 4 != b % 4;
        *unmeasured += isnan(m.bw[a * N + b]);
        *slowest = fmin(*slowest, isnan(m.bw[a * N + b]) ? 0 : m.bw[a * N + b]);
    }
    free(seen);
    free(order);
    free(m.bw);
}

static void test_ring_large(void **state)
{
    (void)state;
    size_t crossings, unmeasured;
    double slowest;
    ring_of_groups(0, &crossings, &unmeasured, &slowest);
    assert_int_equal(crossings, 4);
    assert_true(slowest >= 109); /* the across pairs run 90..110 */
    ring_of_groups(10, &crossings, &unmeasured, &slowest);
    assert_int_equal(unmeasured, 0);
    assert_true(slowest >= 105);
}

/* Marks the directed links of the routes a -> b and b -> a. */
static void mark_path(const ftopo_fabric *f, const ftopo_routes *routes, const char *a,
                      const char *b, char *mark)
{
    const char *ends[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        ftopo_host_id src, dst;
        ftopo_node_id sca, dca;
        assert_int_equal(ftopo_find_host(f, ends[k], &src), FTOPO_OK);
        assert_int_equal(ftopo_find_host(f, ends[1 - k], &dst), FTOPO_OK);
        assert_int_equal(ftopo_host_hca(f, src, 0, &sca), FTOPO_OK);
        assert_int_equal(ftopo_host_hca(f, dst, 0, &dca), FTOPO_OK);
        ftopo_dlink_id path[FTOPO_MAX_PATH_HOPS];
        size_t len;
        assert_int_equal(ftopo_routes_path(routes, sca, 1, ftopo_routes_port_lid(routes, dca, 1),
                                           path, FTOPO_MAX_PATH_HOPS, &len),
                         FTOPO_PATH_OK);
        for (size_t i = 0; i < len; i++)
            mark[path[i]] = 1;
    }
}

typedef struct weights_fixture {
    ftopo_fabric *f;
    ftopo_routes *routes;
    fabd_core *core;
    fabd_probes *p;
    size_t nd;
    double *avail;
    char *slow, *fast; /* per directed link: on a slow / a fast pair's routes */
} weights_fixture;

/* A leaf/spine fabric of 8 hosts, node001-004 on one leaf and node005-008
 * on the other, minhop routes, an empty store. */
static int weights_setup(void **state)
{
    weights_fixture *w = calloc(1, sizeof(*w));
    ftopo_gen_params gp = {.kind = FTOPO_GEN_FAT_TREE_2, .hosts = 8, .radix = 8};
    ftopo_routes_opts ro = {.lid_mode = FTOPO_LIDS_ASSIGN};
    ftopo_diag d = {0};
    assert_int_equal(ftopo_generate(&gp, &w->f, &d), FTOPO_OK);
    assert_int_equal(ftopo_routes_create(w->f, &ro, &w->routes, &d), FTOPO_OK);
    assert_int_equal(ftopo_route_compute(w->routes, "minhop", NULL, NULL, &d), FTOPO_OK);
    w->core = new_core();
    w->p = new_store(w->core, NULL);
    w->nd = 2 * ftopo_num_links(w->f);
    w->avail = malloc(w->nd * sizeof(*w->avail));
    for (size_t i = 0; i < w->nd; i++)
        w->avail[i] = 1.0;
    w->slow = calloc(w->nd, 1);
    w->fast = calloc(w->nd, 1);
    *state = w;
    return 0;
}

static int weights_teardown(void **state)
{
    weights_fixture *w = *state;
    fabd_probes_destroy(w->p);
    fabd_core_destroy(w->core);
    ftopo_routes_destroy(w->routes);
    ftopo_fabric_destroy(w->f);
    free(w->avail);
    free(w->slow);
    free(w->fast);
    free(w);
    return 0;
}

static void add_pair(weights_fixture *w, const char *a, const char *b, double mbps, bool slow)
{
    add_bw(w->p, a, b, mbps);
    mark_path(w->f, w->routes, a, b, slow ? w->slow : w->fast);
}

/* Exactly the links on a slow pair's routes and on no fast pair's get
 * avail * factor; every other stays 1. The count of lowered links. */
static size_t check_lowered(const weights_fixture *w, double factor)
{
    size_t lowered = 0;
    for (size_t i = 0; i < w->nd; i++) {
        bool want = w->slow[i] && !w->fast[i];
        assert_true(fabs(w->avail[i] - (want ? factor : 1.0)) < 1e-9);
        lowered += want;
    }
    return lowered;
}

/* One slow cross-leaf pair among fast ones: its routes' links that no
 * fast pair crosses (the inter-switch hops, node008's own link) get
 * bw / median; the rest, node001's own link included, stay. */
static void test_weights_one_slow_pair(void **state)
{
    weights_fixture *w = *state;
    add_pair(w, "node001", "node002", 1000, false);
    add_pair(w, "node003", "node004", 1000, false);
    add_pair(w, "node005", "node006", 1000, false);
    add_pair(w, "node002", "node003", 1000, false);
    add_pair(w, "node001", "node008", 250, true);      /* median of the rest: 1000 */
    add_bw(w->p, "node-not-in-fabric", "node003", 10); /* no route: ignored */
    fabd_probes_penalize(w->p, w->f, w->routes, w->avail, w->nd);
    assert_int_equal(check_lowered(w, 0.25), 6); /* leaf, spine, leaf, node008; both ways */
}

/* One host, then one pair: nothing to compare with, nothing lowered. */
static void test_weights_one_host(void **state)
{
    weights_fixture *w = *state;
    reg(w->p, "node001", "");
    fabd_probes_penalize(w->p, w->f, w->routes, w->avail, w->nd);
    assert_int_equal(check_lowered(w, 1), 0);
    add_pair(w, "node001", "node008", 10, false);
    fabd_probes_penalize(w->p, w->f, w->routes, w->avail, w->nd);
    assert_int_equal(check_lowered(w, 1), 0);
}

/* A host whose name is not the fabric's is found by the node GUID of its
 * inventory's first device (as sysfs writes it). */
static void test_weights_host_by_guid(void **state)
{
    weights_fixture *w = *state;
    ftopo_host_id h;
    ftopo_node_id ca;
    ftopo_node_info ni;
    assert_int_equal(ftopo_find_host(w->f, "node008", &h), FTOPO_OK);
    assert_int_equal(ftopo_host_hca(w->f, h, 0, &ca), FTOPO_OK);
    assert_int_equal(ftopo_node_get(w->f, ca, &ni), FTOPO_OK);
    char inv[128];
    uint64_t g = ni.node_guid;
    snprintf(inv, sizeof(inv), "{\"devices\": [{\"node_guid\": \"%04x:%04x:%04x:%04x\"}]}",
             (unsigned)(g >> 48), (unsigned)(g >> 32) & 0xffff, (unsigned)(g >> 16) & 0xffff,
             (unsigned)g & 0xffff);
    json_object *o = json_tokener_parse(inv);
    bool is_new;
    ftopo_diag d = {0};
    assert_int_equal(fabd_probes_register(w->p, "gpu-box-8", "", o, &is_new, &d), FTOPO_OK);
    json_object_put(o);
    add_pair(w, "node001", "node002", 1000, false);
    add_pair(w, "node003", "node004", 1000, false);
    add_pair(w, "node005", "node006", 1000, false);
    add_pair(w, "node002", "node003", 1000, false);
    add_bw(w->p, "node001", "gpu-box-8", 250);
    mark_path(w->f, w->routes, "node001", "node008", w->slow);
    fabd_probes_penalize(w->p, w->f, w->routes, w->avail, w->nd);
    assert_int_equal(check_lowered(w, 0.25), 6);
}

/* Most pairs slow (every cross-leaf pair behind one narrow spine): the
 * reference is the fast pairs' median, not the overall one (which would
 * be the slow figure itself), and only inter-switch links are lowered. */
static void test_weights_most_pairs_slow(void **state)
{
    weights_fixture *w = *state;
    char a[16], b[16];
    for (int i = 1; i <= 8; i++)
        for (int j = i + 1; j <= 8; j++) {
            bool cross = (i <= 4) != (j <= 4);
            snprintf(a, sizeof(a), "node%03d", i);
            snprintf(b, sizeof(b), "node%03d", j);
            add_pair(w, a, b, cross ? 100 : 1000, cross);
        }
    fabd_probes_penalize(w->p, w->f, w->routes, w->avail, w->nd);
    size_t lowered = check_lowered(w, 0.1);
    assert_true(lowered > 0);
    for (size_t i = 0; i < w->nd; i++) {
        ftopo_link_info li;
        ftopo_node_info na, nb;
        assert_int_equal(ftopo_link_get(w->f, (ftopo_link_id)(i / 2), &li), FTOPO_OK);
        ftopo_node_get(w->f, li.node_a, &na);
        ftopo_node_get(w->f, li.node_b, &nb);
        if (w->avail[i] < 1.0)
            assert_true(na.type == FTOPO_NODE_SWITCH && nb.type == FTOPO_NODE_SWITCH);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix_reading),
        cmocka_unit_test_setup_teardown(test_persistence, store_dir_setup, store_dir_teardown),
        cmocka_unit_test_setup_teardown(test_persistence_bad_records, store_dir_setup,
                                        store_dir_teardown),
        cmocka_unit_test_setup_teardown(test_persistence_concurrent, store_dir_setup,
                                        store_dir_teardown),
        cmocka_unit_test(test_store_bounds),
        cmocka_unit_test(test_bottlenecks_many_groups),
        cmocka_unit_test(test_ring_large),
        cmocka_unit_test_setup_teardown(test_weights_one_slow_pair, weights_setup,
                                        weights_teardown),
        cmocka_unit_test_setup_teardown(test_weights_one_host, weights_setup, weights_teardown),
        cmocka_unit_test_setup_teardown(test_weights_host_by_guid, weights_setup, weights_teardown),
        cmocka_unit_test_setup_teardown(test_weights_most_pairs_slow, weights_setup,
                                        weights_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

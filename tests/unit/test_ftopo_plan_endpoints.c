/* The ring planner's endpoints: specific HCAs of multi-HCA hosts pinned
 * beside whole hosts, their validation (HCA twice, HCA plus its whole
 * host, HCAs of another host or not HCAs at all, HCAs with no route) and
 * the endpoint file with its four line forms and its errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "route_fixtures.h"

/* Rail-optimized: node001-004 each with HCA-1 on leaf01 and HCA-2 on
 * leaf02, both leaves under spine01; minhop routes. */
typedef struct rails {
    fx x;
    ftopo_routes *r;
    ftopo_host_id h[4];
    ftopo_node_id ca[4][2]; /* [host][rail] */
} rails;

static void rails_build(rails *t)
{
    fx_init(&t->x);
    ftopo_node_id spine = fx_switch(&t->x, "spine01");
    ftopo_node_id leaf[2] = {fx_switch(&t->x, "leaf01"), fx_switch(&t->x, "leaf02")};
    for (int l = 0; l < 2; l++)
        fx_link(&t->x, leaf[l], spine);
    for (int i = 0; i < 4; i++)
        for (int l = 0; l < 2; l++) {
            char name[32];
            snprintf(name, sizeof(name), "node%03d HCA-%d", i + 1, l + 1);
            fx_link(&t->x, fx_ca(&t->x, name), leaf[l]);
        }
    fx_finish(&t->x);
    t->r = rx_routes(t->x.f);
    assert_int_equal(ftopo_route_compute(t->r, "minhop", NULL, NULL, NULL), FTOPO_OK);
    for (int i = 0; i < 4; i++) {
        char name[16];
        snprintf(name, sizeof(name), "node%03d", i + 1);
        assert_int_equal(ftopo_find_host(t->x.f, name, &t->h[i]), FTOPO_OK);
        for (int l = 0; l < 2; l++) {
            snprintf(name, sizeof(name), "node%03d HCA-%d", i + 1, l + 1);
            assert_int_equal(ftopo_find_by_desc(t->x.f, name, &t->ca[i][l]), FTOPO_OK);
        }
    }
}

static void rails_free(rails *t)
{
    ftopo_routes_destroy(t->r);
    ftopo_fabric_destroy(t->x.f);
}

static void plan_ok(const rails *t, const ftopo_plan_opts *o, ftopo_plan *p)
{
    ftopo_diag diag = {0};
    ftopo_status st = ftopo_plan_rings(t->r, o, p, &diag);
    if (st != FTOPO_OK)
        fprintf(stderr, "plan: %s\n", diag.message);
    assert_int_equal(st, FTOPO_OK);
    assert_int_equal(
        ftopo_plan_validate_endpoints(t->x.f, p, o->hosts, o->cas, o->num_hosts, &diag), FTOPO_OK);
}

/* Every HCA an endpoint of its own: each host twice in every ring, each
 * HCA once, on every channel; a ring per rail stays under its leaf. */
static void test_every_hca(void **state)
{
    (void)state;
    rails t;
    rails_build(&t);
    ftopo_host_id h[8];
    ftopo_node_id ca[8];
    for (int i = 0; i < 8; i++) {
        h[i] = t.h[i % 4];
        ca[i] = t.ca[i % 4][i / 4];
    }
    for (int channels = 1; channels <= 2; channels++) {
        ftopo_plan_opts o = {.hosts = h, .num_hosts = 8, .channels = channels, .cas = ca};
        ftopo_plan p;
        plan_ok(&t, &o, &p);
        for (int ch = 0; ch < channels; ch++) {
            int per_host[4] = {0};
            for (size_t i = 0; i < 8; i++) {
                ftopo_node_info ni;
                assert_int_equal(ftopo_node_get(t.x.f, p.rings[ch].cas[i], &ni), FTOPO_OK);
                assert_int_equal(ni.host, p.rings[ch].order[i]);
                for (int k = 0; k < 4; k++)
                    per_host[k] += p.rings[ch].order[i] == t.h[k];
            }
            for (int k = 0; k < 4; k++)
                assert_int_equal(per_host[k], 2);
        }
        /* Two leaves, one up-link each: the ring crosses it once each way. */
        assert_true(p.max_load > 0.99 && p.max_load < 1.01);
        ftopo_plan_free(&p);
    }
    rails_free(&t);
}

/* Whole hosts follow the channel's rail; pinned HCAs stay put. */
static void test_mixed(void **state)
{
    (void)state;
    rails t;
    rails_build(&t);
    ftopo_host_id h[4] = {t.h[0], t.h[1], t.h[2], t.h[3]};
    ftopo_node_id ca[4] = {FTOPO_NONE, t.ca[1][1], FTOPO_NONE, t.ca[3][0]};
    ftopo_plan_opts o = {.hosts = h, .num_hosts = 4, .channels = 2, .cas = ca};
    ftopo_plan p;
    plan_ok(&t, &o, &p);
    for (int ch = 0; ch < 2; ch++)
        for (size_t i = 0; i < 4; i++) {
            ftopo_host_id host = p.rings[ch].order[i];
            ftopo_node_id want = host == t.h[1]   ? t.ca[1][1]
                                 : host == t.h[3] ? t.ca[3][0]
                                                  : t.ca[host == t.h[0] ? 0 : 2][ch];
            assert_int_equal(p.rings[ch].cas[i], want);
        }
    /* Scoring takes the pins parallel to the order. */
    double load = 0;
    ftopo_diag diag = {0};
    assert_int_equal(ftopo_plan_score_order(t.r, &o, h, &load, NULL, &diag), FTOPO_OK);
    assert_true(load > 0);
    /* A ring whose pinned HCA moved is not the job's. */
    for (size_t i = 0; i < 4; i++)
        if (p.rings[1].order[i] == t.h[1])
            p.rings[1].cas[i] = t.ca[1][0];
    assert_int_equal(ftopo_plan_validate_endpoints(t.x.f, &p, h, ca, 4, &diag), FTOPO_ERR_CONFLICT);
    assert_non_null(strstr(diag.message, "ring 1"));
    ftopo_plan_free(&p);
    rails_free(&t);
}

static void expect(const rails *t, const ftopo_host_id *h, const ftopo_node_id *ca, size_t n,
                   ftopo_status want, const char *msg)
{
    ftopo_plan_opts o = {.hosts = h, .num_hosts = n, .cas = ca};
    ftopo_plan p;
    ftopo_diag diag = {0};
    assert_int_equal(ftopo_plan_rings(t->r, &o, &p, &diag), want);
    if (want == FTOPO_OK)
        ftopo_plan_free(&p);
    else if (!strstr(diag.message, msg))
        fail_msg("expected '%s', got '%s'", msg, diag.message);
}

static void test_bad_endpoints(void **state)
{
    (void)state;
    rails t;
    rails_build(&t);
    ftopo_host_id h[3] = {t.h[0], t.h[1], t.h[0]};
    ftopo_node_id twice[3] = {t.ca[0][1], FTOPO_NONE, t.ca[0][1]};
    expect(&t, h, twice, 3, FTOPO_ERR_DUPLICATE, "HCA 'node001 HCA-2' is listed twice");
    ftopo_node_id whole_first[3] = {FTOPO_NONE, FTOPO_NONE, t.ca[0][0]};
    expect(&t, h, whole_first, 3, FTOPO_ERR_DUPLICATE,
           "host node001 is listed whole and by its HCA 'node001 HCA-1'");
    ftopo_node_id hca_first[3] = {t.ca[0][0], FTOPO_NONE, FTOPO_NONE};
    expect(&t, h, hca_first, 3, FTOPO_ERR_DUPLICATE,
           "host node001 is listed whole and by one of its HCAs");
    ftopo_node_id two_hcas[3] = {t.ca[0][0], FTOPO_NONE, t.ca[0][1]};
    expect(&t, h, two_hcas, 3, FTOPO_OK, "");

    ftopo_node_id other[2] = {t.ca[1][0], FTOPO_NONE};
    expect(&t, h, other, 2, FTOPO_ERR_ARG, "HCA 'node002 HCA-1' is not on host node001");
    ftopo_node_id spine;
    assert_int_equal(ftopo_find_by_desc(t.x.f, "spine01", &spine), FTOPO_OK);
    ftopo_node_id sw[2] = {spine, FTOPO_NONE};
    expect(&t, h, sw, 2, FTOPO_ERR_ARG, "is not an HCA");
    ftopo_node_id out[2] = {9999, FTOPO_NONE};
    expect(&t, h, out, 2, FTOPO_ERR_ARG, "node id 9999 is not an HCA");

    /* No route to node004's HCA-2: leaf02 forgets its LID. */
    ftopo_node_id leaf02;
    assert_int_equal(ftopo_find_by_desc(t.x.f, "leaf02", &leaf02), FTOPO_OK);
    assert_int_equal(ftopo_routes_set(t.r, leaf02, rx_lid(t.r, t.ca[3][1]), FTOPO_LFT_NONE),
                     FTOPO_OK);
    ftopo_host_id pair[2] = {t.h[0], t.h[3]};
    ftopo_node_id unrouted[2] = {t.ca[0][1], t.ca[3][1]};
    expect(&t, pair, unrouted, 2, FTOPO_ERR_NOT_FOUND,
           "no route from host node001 (HCA 'node001 HCA-2') to node004 (HCA 'node004 HCA-2')");
    ftopo_node_id routed[2] = {t.ca[0][0], t.ca[3][0]};
    expect(&t, pair, routed, 2, FTOPO_OK, "");
    rails_free(&t);
}

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/test_ftopo_plan_endpoints.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static ftopo_status read_text(const rails *t, const char *text, ftopo_host_id **h,
                              ftopo_node_id **ca, size_t *n, ftopo_diag *diag)
{
    char *path = write_temp(text);
    ftopo_status st = ftopo_plan_endpoints_read(t->x.f, path, h, ca, n, diag);
    unlink(path);
    free(path);
    return st;
}

static void test_endpoint_file(void **state)
{
    (void)state;
    rails t;
    rails_build(&t);
    ftopo_node_info ni;
    assert_int_equal(ftopo_node_get(t.x.f, t.ca[2][0], &ni), FTOPO_OK);
    int rail;
    for (rail = 0; rail < 2; rail++) {
        ftopo_node_id c;
        assert_int_equal(ftopo_host_hca(t.x.f, t.h[1], rail, &c), FTOPO_OK);
        if (c == t.ca[1][1])
            break;
    }
    char text[256];
    snprintf(text, sizeof(text),
             "# job\nnode001\n  node002:%d  # rail\n\n0x%016llx\n\"node004 HCA-2\"\n", rail,
             (unsigned long long)ni.node_guid);
    ftopo_host_id *h = NULL;
    ftopo_node_id *ca = NULL;
    size_t n = 0;
    ftopo_diag diag = {0};
    assert_int_equal(read_text(&t, text, &h, &ca, &n, &diag), FTOPO_OK);
    assert_int_equal(n, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(h[i], t.h[i]);
    assert_int_equal(ca[0], FTOPO_NONE);
    assert_int_equal(ca[1], t.ca[1][1]);
    assert_int_equal(ca[2], t.ca[2][0]);
    assert_int_equal(ca[3], t.ca[3][1]);
    free(h);
    free(ca);

    static const char *bad[][2] = {
        {"node001\nnode009\n", ":2: unknown host 'node009'"},
        {"node001:2\n", ":1: host node001 has no rail '2' (rails 0 to 1)"},
        {"node001:x\n", ":1: host node001 has no rail 'x'"},
        {"node009:0\n", ":1: unknown host 'node009'"},
        {"0x1234\n", ":1: no node with GUID 0x1234"},
        {"\"leaf01\"\n", ":1: 'leaf01' is not an HCA of a host"},
        {"\"node001 HCA-9\"\n", ":1: no node described \"node001 HCA-9\""},
        {"\"node001 HCA-1\n", ":1: expected \"node description\" alone"},
        {"node001 node002\n", ":1: one endpoint a line"},
        {"node001\nnode002\nnode001:0\n", ":3: host node001 is listed whole and by its HCA"},
        {"node002:1\nnode001\n\"node002 HCA-1\"\n\"node002 HCA-2\"\n", ":4: HCA 'node002 HCA-2' is "
                                                                       "listed twice"},
        {"node003\nnode003\n", ":2: host node003 is listed twice"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        h = NULL;
        ca = NULL;
        assert_int_equal(read_text(&t, bad[i][0], &h, &ca, &n, &diag), FTOPO_ERR_PARSE);
        if (!strstr(diag.message, bad[i][1]))
            fail_msg("'%s' gave '%s'", bad[i][0], diag.message);
        assert_null(h);
        assert_null(ca);
    }
    assert_int_equal(ftopo_plan_endpoints_read(t.x.f, "/nonexistent/hosts", &h, &ca, &n, &diag),
                     FTOPO_ERR_IO);
    rails_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_hca),
        cmocka_unit_test(test_mixed),
        cmocka_unit_test(test_bad_endpoints),
        cmocka_unit_test(test_endpoint_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

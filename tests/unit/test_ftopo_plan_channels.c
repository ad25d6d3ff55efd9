/* The ring planner with several channels: hosts with one HCA run every
 * channel on it, so one channel's ring repeated is a plan, and the planner
 * must never do worse than that, congestion or not (random placements on
 * a torus, 3 to 10 of the switch links their rings used congested). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "ftopo/gen.h"
#include "ftopo/io.h"
#include "route_fixtures.h"

static uint64_t next(uint64_t *seed)
{
    *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return *seed >> 33;
}

static double plan_load(const ftopo_routes *r, ftopo_plan_opts o, int channels, ftopo_plan *keep)
{
    o.channels = channels;
    ftopo_plan p;
    ftopo_diag diag = {0};
    ftopo_status st = ftopo_plan_rings(r, &o, &p, &diag);
    if (st != FTOPO_OK)
        fail_msg("plan: %s", diag.message);
    assert_true(p.max_load + 1e-9 >= p.lower_bound);
    double load = p.max_load;
    if (keep)
        *keep = p;
    else
        ftopo_plan_free(&p);
    return load;
}

/* An 8x8 torus of 128 hosts as `fabtopo gen torus --hosts 128 --torus
 * 8x8 -f json` writes it and fabtopo reads it back (the node and link
 * numbering of the benchmark), under the project's ftree engine. */
static ftopo_routes *torus(ftopo_fabric **f)
{
    ftopo_gen_params gp = {
        .kind = FTOPO_GEN_TORUS_2D, .hosts = 128, .torus_x = 8, .torus_y = 8, .seed = 1};
    ftopo_fabric *g;
    assert_int_equal(ftopo_generate(&gp, &g, NULL), FTOPO_OK);
    char *json = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&json, &len);
    assert_non_null(out);
    assert_int_equal(ftopo_write_stream(g, out, FTOPO_FORMAT_JSON, NULL), FTOPO_OK);
    fclose(out);
    ftopo_fabric_destroy(g);
    assert_int_equal(ftopo_read_buffer(json, len, FTOPO_FORMAT_JSON, "torus", f, NULL), FTOPO_OK);
    free(json);
    ftopo_routes *r = rx_routes(*f);
    assert_int_equal(ftopo_route_compute(r, "ftree", NULL, NULL, NULL), FTOPO_OK);
    return r;
}

static void test_channels_no_worse_than_one(void **state)
{
    (void)state;
    ftopo_fabric *f;
    ftopo_routes *r = torus(&f);
    size_t nd = 2 * ftopo_num_links(f);
    double *avail = malloc(nd * sizeof(*avail));
    ftopo_dlink_id *isl = malloc(nd * sizeof(*isl));
    ftopo_host_id h[128];
    uint64_t seed = 11;
    for (int round = 0; round < 60; round++) {
        for (int i = 0; i < 128; i++)
            h[i] = i;
        size_t n = 16 + next(&seed) % 49;
        for (size_t i = 0; i < n; i++) {
            size_t j = i + next(&seed) % (128 - i);
            ftopo_host_id tmp = h[i];
            h[i] = h[j];
            h[j] = tmp;
        }
        for (size_t d = 0; d < nd; d++)
            avail[d] = 1.0;
        ftopo_plan_opts o = {.hosts = h, .num_hosts = n, .avail = avail};
        ftopo_plan p;
        plan_load(r, o, 4, &p);
        /* Congest 3 to 10 of the switch links the rings used. */
        size_t m = 0;
        for (size_t d = 0; d < nd; d++) {
            ftopo_link_info li;
            ftopo_node_info na, nb;
            assert_int_equal(ftopo_link_get(f, (ftopo_link_id)(d / 2), &li), FTOPO_OK);
            ftopo_node_get(f, li.node_a, &na);
            ftopo_node_get(f, li.node_b, &nb);
            if (p.dlink_flows[d] && na.type == FTOPO_NODE_SWITCH && nb.type == FTOPO_NODE_SWITCH)
                isl[m++] = (ftopo_dlink_id)d;
        }
        ftopo_plan_free(&p);
        for (size_t k = 3 + next(&seed) % 8; k > 0 && m > 0; k--) {
            size_t j = next(&seed) % m;
            avail[isl[j]] = 0.1;
            isl[j] = isl[--m];
        }
        double one = plan_load(r, o, 1, NULL);
        for (int channels = 2; channels <= 4; channels += 2) {
            double more = plan_load(r, o, channels, NULL);
            if (more > one + 1e-9)
                fail_msg("round %d (%zu hosts): %d channels %.3f, one %.3f", round, n, channels,
                         more, one);
        }
    }
    free(avail);
    free(isl);
    ftopo_routes_destroy(r);
    ftopo_fabric_destroy(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_channels_no_worse_than_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

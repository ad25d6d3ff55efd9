/* Helpers for the route tests: hand-written LFT entries on fixture fabrics
 * (model_fixtures.h), addressed by node and neighbour rather than by port
 * number. */
#ifndef ROUTE_FIXTURES_H
#define ROUTE_FIXTURES_H

#include "model_fixtures.h"

/* The first port of `from` cabled to `to`. */
static inline int rx_port_to(const ftopo_fabric *f, ftopo_node_id from, ftopo_node_id to)
{
    ftopo_node_info ni;
    assert_int_equal(ftopo_node_get(f, from, &ni), FTOPO_OK);
    for (int p = 1; p <= ni.num_ports; p++) {
        ftopo_port_info pi;
        assert_int_equal(ftopo_port_get(f, from, p, &pi), FTOPO_OK);
        if (pi.peer_node == to)
            return p;
    }
    fail_msg("node %d is not cabled to node %d", from, to);
    return -1;
}

static inline ftopo_lid rx_lid(const ftopo_routes *r, ftopo_node_id ca)
{
    return ftopo_routes_port_lid(r, ca, 1);
}

/* Switch `sw` sends the LID of CA `dst` towards neighbour `via`. */
static inline void rx_route(ftopo_routes *r, ftopo_node_id sw, ftopo_node_id dst, ftopo_node_id via)
{
    const ftopo_fabric *f = ftopo_routes_fabric(r);
    assert_int_equal(ftopo_routes_set(r, sw, rx_lid(r, dst), (uint8_t)rx_port_to(f, sw, via)),
                     FTOPO_OK);
}

static inline ftopo_routes *rx_routes(const ftopo_fabric *f)
{
    ftopo_routes *r = NULL;
    ftopo_diag diag = {0};
    ftopo_status st = ftopo_routes_create(f, NULL, &r, &diag);
    if (st != FTOPO_OK)
        fprintf(stderr, "routes_create: %s\n", diag.message);
    assert_int_equal(st, FTOPO_OK);
    return r;
}

/* A ring of n switches (n <= 16), switch i cabled to switch i+1 mod n, one
 * host per switch ("hostNN"). sw[] and host[] receive the node ids. */
static inline ftopo_fabric *rx_ring(fx *x, int n, ftopo_node_id *sw, ftopo_node_id *host)
{
    char name[32];
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "sw%02d", i);
        sw[i] = fx_switch(x, name);
        snprintf(name, sizeof(name), "host%02d HCA-1", i);
        host[i] = fx_ca(x, name);
        fx_link(x, host[i], sw[i]);
    }
    for (int i = 0; i < n; i++)
        fx_link(x, sw[i], sw[(i + 1) % n]);
    return fx_finish(x);
}

#endif

/* Small fabrics built through the public builder, shared by the model's
 * unit tests. Every node gets the next GUID; links take the next free port
 * on each end and set both ports to the fixture's width and speed. */
#ifndef MODEL_FIXTURES_H
#define MODEL_FIXTURES_H

#include <stdio.h>
#include <string.h>

#include "ftopo.h"

#define FX_MAX_NODES 4096

typedef struct fx {
    ftopo_fabric *f;
    uint64_t next_guid;
    int next_port[FX_MAX_NODES];
    uint16_t next_lid;
    ftopo_link_width width;
    ftopo_link_speed speed;
} fx;

static inline void fx_init(fx *x)
{
    memset(x, 0, sizeof(*x));
    assert_int_equal(ftopo_fabric_create(&x->f), FTOPO_OK);
    x->next_guid = 0x0002c90300000001ULL;
    x->next_lid = 1;
    x->width = FTOPO_WIDTH_4X;
    x->speed = FTOPO_SPEED_EDR;
}

static inline ftopo_node_id fx_node(fx *x, ftopo_node_type type, const char *desc, int ports,
                                    uint64_t sysimg)
{
    ftopo_node_spec spec = {.type = type,
                            .node_guid = x->next_guid++,
                            .sysimg_guid = sysimg,
                            .desc = desc,
                            .num_ports = ports};
    if (type == FTOPO_NODE_SWITCH)
        spec.lid = x->next_lid++;
    ftopo_node_id id;
    assert_int_equal(ftopo_fabric_add_node(x->f, &spec, &id), FTOPO_OK);
    x->next_port[id] = 1;
    if (type != FTOPO_NODE_SWITCH) {
        ftopo_port_spec p = {.port_guid = spec.node_guid + 0x1000000, .lid = x->next_lid++};
        assert_int_equal(ftopo_fabric_set_port(x->f, id, 1, &p), FTOPO_OK);
    }
    return id;
}

static inline ftopo_node_id fx_switch(fx *x, const char *desc)
{
    return fx_node(x, FTOPO_NODE_SWITCH, desc, 36, 0);
}

static inline ftopo_node_id fx_ca(fx *x, const char *desc)
{
    return fx_node(x, FTOPO_NODE_CA, desc, 1, 0);
}

static inline void fx_port_rate(fx *x, ftopo_node_id n, int port)
{
    ftopo_port_info cur;
    assert_int_equal(ftopo_port_get(x->f, n, port, &cur), FTOPO_OK);
    ftopo_port_spec p = {.port_guid = cur.port_guid,
                         .lid = cur.lid,
                         .state = FTOPO_PORT_ACTIVE,
                         .width = x->width,
                         .speed = x->speed};
    assert_int_equal(ftopo_fabric_set_port(x->f, n, port, &p), FTOPO_OK);
}

static inline void fx_link(fx *x, ftopo_node_id a, ftopo_node_id b)
{
    int pa = x->next_port[a]++, pb = x->next_port[b]++;
    fx_port_rate(x, a, pa);
    fx_port_rate(x, b, pb);
    assert_int_equal(ftopo_fabric_add_link(x->f, a, pa, b, pb), FTOPO_OK);
}

static inline ftopo_fabric *fx_finish(fx *x)
{
    ftopo_diag diag = {0};
    ftopo_status st = ftopo_fabric_finalize(x->f, &diag);
    if (st != FTOPO_OK)
        fprintf(stderr, "finalize: %s\n", diag.message);
    assert_int_equal(st, FTOPO_OK);
    return x->f;
}

/* A leaf/spine tree: `leaves` leaves with `hosts` single-HCA hosts each,
 * every leaf cabled `up` times to each of `spines` spines. Host names run
 * node001.. in cabling order. */
static inline ftopo_fabric *fx_fat_tree_2(fx *x, int leaves, int spines, int hosts, int up)
{
    ftopo_node_id spine[64];
    char name[64];
    for (int s = 0; s < spines; s++) {
        snprintf(name, sizeof(name), "spine%02d", s + 1);
        spine[s] = fx_switch(x, name);
    }
    int host = 1;
    for (int l = 0; l < leaves; l++) {
        snprintf(name, sizeof(name), "leaf%02d", l + 1);
        ftopo_node_id leaf = fx_switch(x, name);
        for (int h = 0; h < hosts; h++) {
            snprintf(name, sizeof(name), "node%03d HCA-1", host++);
            fx_link(x, fx_ca(x, name), leaf);
        }
        for (int s = 0; s < spines; s++)
            for (int k = 0; k < up; k++)
                fx_link(x, leaf, spine[s]);
    }
    return fx_finish(x);
}

#endif

/* The route set's storage, shared by the files that fill and read it
 * (routes.c, lft_dump.c, lft_live.c, trace.c, analyze*.c) and by the routing
 * engines, which write LFT rows directly. Dense arrays indexed by switch and
 * LID: a 100k-endpoint fabric with 5k switches is one 5k x 105k byte
 * table, the same layout a switch holds. */
#ifndef FTOPO_ROUTE_SET_H
#define FTOPO_ROUTE_SET_H

#include "model.h"

/* Where a port leads, packed for the walks: one small record per port
 * instead of the model's node and port records (fewer cache misses per hop
 * on large fabrics). */
typedef struct ftopo__egress {
    ftopo_node_id peer;   /* FTOPO_NONE when not cabled */
    ftopo_dlink_id dlink; /* the directed link leaving through this port */
    int32_t peer_port;
} ftopo__egress;

struct ftopo_routes {
    const ftopo_fabric *fabric;
    ftopo_lid lid_top;
    uint8_t lmc;

    size_t num_switches;
    ftopo_node_id *switches; /* switch index -> node */
    int32_t *switch_index;   /* node -> switch index, -1 for non-switches */
    uint8_t *lft;            /* num_switches rows of (lid_top + 1) entries */

    /* LID map, lid_top + 1 entries each: owner node (FTOPO_NONE when no
     * port owns the LID), its port, and the owner's LMC. */
    ftopo_node_id *lid_node;
    uint8_t *lid_port;
    uint8_t *lid_lmc;
    /* Base LID of every fabric port, indexed like fabric->ports, and of
     * every switch's port 0, indexed by node. */
    ftopo_lid *port_lid;
    ftopo_lid *node_lid;

    ftopo__egress *egress; /* indexed like fabric->ports */
    size_t *sw_port_base;  /* per switch index: its first port in egress[] */
    uint8_t *sw_num_ports; /* per switch index */
};

/* The egress record of port `port` (1..) of switch index `s`. */
static inline const ftopo__egress *ftopo__sw_egress(const ftopo_routes *r, int32_t s, int port)
{
    return &r->egress[r->sw_port_base[s] + (size_t)port - 1];
}

static inline uint8_t *ftopo__lft_row(const ftopo_routes *r, size_t sw_index)
{
    return r->lft + sw_index * ((size_t)r->lid_top + 1);
}

/* Direction bit of the directed link that leaves `node` through `port`
 * over link `link` (0: from the link's node_a/port_a end). */
static inline ftopo_dlink_id ftopo__dlink(const ftopo_fabric *f, ftopo_link_id link,
                                          ftopo_node_id node, int port)
{
    const ftopo__link *l = &f->links[link];
    return 2 * link + ((l->a == node && l->port_a == port) ? 0 : 1);
}

/* One walk from a source port towards a LID, the core of trace, path and
 * flow accounting. Writes up to hop_cap hops and dlink_cap directed links
 * (either array may be NULL) and their full counts. `visited` (num_nodes
 * zeroed bytes, left dirty) makes the walk stop at the first switch seen
 * twice; without it a walk that passes more switches than the fabric has
 * is a loop (no allocation, for the fast paths). */
typedef struct ftopo__walk {
    ftopo_hop *hops;
    size_t hop_cap, num_hops;
    ftopo_dlink_id *dlinks;
    size_t dlink_cap, num_dlinks;
    uint8_t *visited;
} ftopo__walk;

ftopo_path_result ftopo__route_walk(const ftopo_routes *r, ftopo_node_id src, int src_port,
                                    ftopo_lid dlid, ftopo__walk *w);

/* First cabled port of a CA/router (1.. num_ports), 0 when none. */
int ftopo__first_cabled_port(const ftopo_fabric *f, ftopo_node_id node);

#endif

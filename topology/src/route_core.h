/* Shared machinery of the routing engines (route_*.c): the switch graph in
 * compressed form, the destinations grouped by the switch that delivers
 * them, and the routine minhop, updn and ftree end in: given, for one
 * destination switch, which switch-to-switch hops lead towards it (a DAG)
 * and a potential that decreases along them, fill the LFT entries of that
 * switch's LIDs, each switch taking its least loaded valid port (sssp
 * chooses per LID with its own costs).
 *
 * Everything is a dense array indexed by switch (0 .. n-1, the route set's
 * switch index) or by directed edge (the CSR position: edge e leaves switch
 * `from` through port adj_port[e] towards adj_sw[e]). */
#ifndef FTOPO_ROUTE_CORE_H
#define FTOPO_ROUTE_CORE_H

#include "ftopo/route_engine.h"
#include "route_set.h"

typedef struct ftopo__rgraph {
    ftopo_routes *routes;
    const ftopo_fabric *fabric;
    size_t n; /* switches */

    size_t *adj_start;  /* n + 1: edges of switch s are adj_start[s] .. adj_start[s+1) */
    int32_t *adj_sw;    /* neighbour switch */
    uint8_t *adj_port;  /* egress port at the switch the edge leaves */
    size_t *adj_rev;    /* the same cable in the other direction */
    uint32_t *adj_cost; /* fastest rate / this link's rate, rounded, >= 1 */

    uint32_t *sources; /* CA ports cabled to each switch (traffic sources) */
    /* Traffic stays on its rail (HCA i talks to HCA i): CA ports cabled to
     * each switch per rail, n x num_rails. */
    size_t num_rails;
    uint32_t *rail_sources;
    int *tier; /* the fabric's tier of each switch */

    /* Destinations: every LID owned by a port that a switch can deliver,
     * grouped by delivering switch in the order the engine asked for. */
    size_t num_dest;
    ftopo_lid *dest_lid;
    uint8_t *dest_port; /* egress port at the delivering switch (0: itself) */
    bool *dest_flow;    /* counts as traffic (CA LIDs) */
    uint8_t *dest_rail; /* rail of the CA that owns it */
    size_t num_groups;
    int32_t *group_sw;   /* delivering switch of each group */
    size_t *group_start; /* num_groups + 1, into dest_* */

    /* Balancing state: flows (or LIDs) routed over each directed edge. */
    uint64_t *load;
    size_t unreachable;
} ftopo__rgraph;

/* How destinations are ordered before grouping. */
typedef enum ftopo__dest_order {
    FTOPO__ORDER_LID = 0, /* ascending LID */
    FTOPO__ORDER_HOST,    /* CA LIDs in host order (host id, then rail), then the rest by LID */
} ftopo__dest_order;

ftopo_status ftopo__rgraph_build(ftopo_routes *routes, ftopo__dest_order order, ftopo__rgraph *g,
                                 ftopo_diag *diag);
void ftopo__rgraph_free(ftopo__rgraph *g);

/* A candidate edge in a switch's choice heap: its load, a tie-breaker
 * (neighbour, then port) and the edge. */
typedef struct ftopo__cand {
    uint64_t load;
    uint64_t tie;
    size_t edge;
} ftopo__cand;

/* Scratch for ftopo__route_group, sized for one graph. */
typedef struct ftopo__rscratch {
    int32_t *order;    /* switches by decreasing potential */
    uint64_t *weight;  /* per (destination in group, switch): flows reaching it */
    ftopo__cand *heap; /* candidate edges of one switch */
    size_t *bucket;    /* counting sort of potentials (4n + 2) */
} ftopo__rscratch;

ftopo_status ftopo__rscratch_init(const ftopo__rgraph *g, ftopo__rscratch *s, ftopo_diag *diag);
void ftopo__rscratch_free(ftopo__rscratch *s);

/* Routes destinations from .. to-1 of group `grp` (0 .. group size). cand[e]
 * != 0 marks edge e as a valid next hop; every valid edge must lead from
 * potential p to a strictly lower potential (phi, below 4n: hop based), so
 * paths end and switches can be taken farthest first; phi < 0 marks
 * switches that cannot reach the destination switch. flow_weighted: a switch adds to the edge it
 * picks the flows that reach it (its own sources plus those the switches
 * below sent it) instead of 1 per LID, which is what makes fat trees
 * D-mod-k. */
void ftopo__route_group(ftopo__rgraph *g, ftopo__rscratch *s, size_t grp, size_t from, size_t to,
                        const uint8_t *cand, const int64_t *phi, bool flow_weighted);

/* Flows towards destination idx that start at switch sw: the CAs there
 * on the destination's rail; none for switch LIDs. */
static inline uint32_t ftopo__flow_sources(const ftopo__rgraph *g, int32_t sw, size_t idx)
{
    return g->dest_flow[idx] ? g->rail_sources[(size_t)sw * g->num_rails + g->dest_rail[idx]] : 0;
}

static inline size_t ftopo__group_size(const ftopo__rgraph *g, size_t grp)
{
    return g->group_start[grp + 1] - g->group_start[grp];
}

/* Breadth-first hop distances from switch `from` over all switch links into
 * dist (n entries, -1 unreachable); queue needs n entries. */
void ftopo__rgraph_bfs(const ftopo__rgraph *g, int32_t from, int32_t *dist, int32_t *queue);

/* The engines (one file each). */
ftopo_status ftopo__route_minhop(ftopo_routes *routes, const ftopo_route_engine_opts *opts,
                                 ftopo_route_result *result, ftopo_diag *diag);
ftopo_status ftopo__route_updn(ftopo_routes *routes, const ftopo_route_engine_opts *opts,
                               ftopo_route_result *result, ftopo_diag *diag);
ftopo_status ftopo__route_ftree(ftopo_routes *routes, const ftopo_route_engine_opts *opts,
                                ftopo_route_result *result, ftopo_diag *diag);
ftopo_status ftopo__route_sssp(ftopo_routes *routes, const ftopo_route_engine_opts *opts,
                               ftopo_route_result *result, ftopo_diag *diag);

/* Up/down over ranks from roots, shared by updn and ftree (route_updn.c). */
ftopo_status ftopo__route_updown(ftopo_routes *routes, const ftopo_route_engine_opts *opts,
                                 ftopo__dest_order order, bool flow_weighted,
                                 ftopo_route_result *result, ftopo_diag *diag);

#endif

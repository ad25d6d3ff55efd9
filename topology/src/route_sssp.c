/* sssp: weighted shortest paths balanced over the whole fabric, for any
 * topology.
 *
 * LIDs are routed one after another, and every route adds its flows to
 * the weight of the links it crosses, as OpenSM's SSSP does: a directed
 * link weighs its rate cost (1 at the fastest rate) times 1 + the flows on
 * it. Paths are the cheapest among the minimal-hop ones: detours would
 * spend bandwidth on extra links, and on fat trees they are what closes
 * credit loops (minimal paths there are up/down).
 *
 * Per LID: hops to the LID's switch give the DAG of minimal next hops; a
 * pass nearest-first gives each switch the cheapest cost to the LID over
 * that DAG. Switches then choose farthest first, knowing the flows that
 * reach them: each takes the next hop that minimizes link weight + the
 * flows it sends + the neighbour's cost + the flows already sent to that
 * neighbour for this LID. That last term spreads one LID's traffic over
 * parallel ways instead of piling every source onto the same cheapest one.
 * Costs O(LIDs x links). */
#include <stdlib.h>

#include "route_core.h"

typedef struct sssp {
    ftopo__rgraph g;
    int32_t *hops;
    int32_t *queue; /* BFS order: nearest first */
    size_t reached;
    int64_t *cost;
    uint64_t *inflow;
} sssp;

static int64_t weight(const ftopo__rgraph *g, size_t e, uint64_t extra)
{
    return (int64_t)g->adj_cost[e] * (1 + (int64_t)(g->load[e] + extra));
}

/* Hops to t, and the switches that reach it in BFS order. */
static void hops_to(sssp *q, int32_t t)
{
    ftopo__rgraph_bfs(&q->g, t, q->hops, q->queue);
    q->reached = 0;
    for (size_t i = 0; i < q->g.n; i++)
        q->reached += q->hops[i] >= 0;
}

static bool minimal(const sssp *q, int32_t s, size_t e)
{
    return q->hops[s] > 0 && q->hops[q->g.adj_sw[e]] == q->hops[s] - 1;
}

static void route_lid(sssp *q, size_t grp, size_t at)
{
    ftopo__rgraph *g = &q->g;
    size_t idx = g->group_start[grp] + at;
    ftopo_lid lid = g->dest_lid[idx];
    int32_t t = g->group_sw[grp];
    ftopo__lft_row(g->routes, (size_t)t)[lid] = g->dest_port[idx];

    for (size_t k = 0; k < q->reached; k++) { /* nearest first */
        int32_t s = q->queue[k];
        q->inflow[s] = ftopo__flow_sources(g, s, idx);
        q->cost[s] = s == t ? 0 : INT64_MAX;
        for (size_t e = g->adj_start[s]; e < g->adj_start[s + 1]; e++)
            if (minimal(q, s, e)) {
                int64_t c = weight(g, e, 0) + q->cost[g->adj_sw[e]];
                if (c < q->cost[s])
                    q->cost[s] = c;
            }
    }
    for (size_t k = q->reached; k-- > 1;) { /* farthest first; queue[0] is t */
        int32_t s = q->queue[k];
        size_t best = SIZE_MAX;
        int64_t best_score = 0;
        for (size_t e = g->adj_start[s]; e < g->adj_start[s + 1]; e++) {
            if (!minimal(q, s, e))
                continue;
            int32_t x = g->adj_sw[e];
            int64_t score = weight(g, e, q->inflow[s]) + q->cost[x] + (int64_t)q->inflow[x];
            if (best == SIZE_MAX || score < best_score) {
                best = e;
                best_score = score;
            }
        }
        ftopo__lft_row(g->routes, (size_t)s)[lid] = g->adj_port[best];
        g->load[best] += q->inflow[s];
        q->inflow[g->adj_sw[best]] += q->inflow[s];
    }
}

ftopo_status ftopo__route_sssp(ftopo_routes *routes, const ftopo_route_engine_opts *opts,
                               ftopo_route_result *result, ftopo_diag *diag)
{
    (void)opts;
    sssp q = {0};
    ftopo_status st = ftopo__rgraph_build(routes, FTOPO__ORDER_LID, &q.g, diag);
    if (st != FTOPO_OK)
        return st;
    size_t n = q.g.n ? q.g.n : 1;
    q.hops = malloc(n * sizeof(*q.hops));
    q.queue = malloc(n * sizeof(*q.queue));
    q.cost = malloc(n * sizeof(*q.cost));
    q.inflow = malloc(n * sizeof(*q.inflow));
    if (!q.hops || !q.queue || !q.cost || !q.inflow) {
        st = ftopo__fail(diag, FTOPO_ERR_NOMEM, "sssp: out of memory");
        goto out;
    }
    for (size_t grp = 0; grp < q.g.num_groups; grp++) {
        hops_to(&q, q.g.group_sw[grp]);
        size_t flows = 0;
        for (size_t i = 0; i < ftopo__group_size(&q.g, grp); i++) {
            route_lid(&q, grp, i);
            flows += q.g.dest_flow[q.g.group_start[grp] + i];
        }
        for (size_t s = 0; s < q.g.n; s++)
            if (q.hops[s] < 0 && q.g.sources[s])
                q.g.unreachable += flows;
    }
    if (result) {
        result->destinations = q.g.num_dest;
        result->unreachable = q.g.unreachable;
    }
out:
    free(q.hops);
    free(q.queue);
    free(q.cost);
    free(q.inflow);
    ftopo__rgraph_free(&q.g);
    return st;
}

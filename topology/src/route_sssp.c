/* sssp: weighted shortest paths balanced over the whole fabric, for any
 * topology.
 *
 * Destination switches are routed one after another. Before each, every
 * directed link weighs its rate cost (1 at the fastest rate) times 1 + the
 * flows already routed over it, and a Dijkstra from the destination finds
 * each switch's cheapest way there; switches then spread the group's LIDs
 * over their equally cheap ports, least loaded first. Links that carry
 * much grow heavy and later destinations go around them, as in OpenSM's
 * SSSP. Weights are positive, so the cheapest-path DAG has no cycle: no
 * loop. Credit loops are possible where the fabric has cycles (tori). */
#include <stdlib.h>

#include "route_core.h"

typedef struct hent {
    int64_t dist;
    int32_t sw;
} hent;

static void hpush(hent *h, size_t *len, hent v)
{
    size_t i = (*len)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h[p].dist <= v.dist)
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = v;
}

static hent hpop(hent *h, size_t *len)
{
    hent top = h[0], last = h[--(*len)];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, best = l;
        if (l >= *len)
            break;
        if (l + 1 < *len && h[l + 1].dist < h[l].dist)
            best = l + 1;
        if (h[best].dist >= last.dist)
            break;
        h[i] = h[best];
        i = best;
    }
    if (*len)
        h[i] = last;
    return top;
}

static int64_t weight(const ftopo__rgraph *g, size_t e)
{
    return (int64_t)g->adj_cost[e] * (1 + (int64_t)g->load[e]);
}

/* Cheapest cost from every switch to t (reverse Dijkstra), -1 unreachable. */
static void dijkstra(const ftopo__rgraph *g, int32_t t, int64_t *dist, hent *heap)
{
    size_t len = 0;
    for (size_t s = 0; s < g->n; s++)
        dist[s] = -1;
    dist[t] = 0;
    hpush(heap, &len, (hent){0, t});
    while (len) {
        hent h = hpop(heap, &len);
        if (h.dist != dist[h.sw])
            continue; /* stale */
        for (size_t e = g->adj_start[h.sw]; e < g->adj_start[h.sw + 1]; e++) {
            int32_t y = g->adj_sw[e];
            int64_t d = h.dist + weight(g, g->adj_rev[e]);
            if (dist[y] < 0 || d < dist[y]) {
                dist[y] = d;
                hpush(heap, &len, (hent){d, y});
            }
        }
    }
}

ftopo_status ftopo__route_sssp(ftopo_routes *routes, const ftopo_route_engine_opts *opts,
                               ftopo_route_result *result, ftopo_diag *diag)
{
    (void)opts;
    ftopo__rgraph g;
    ftopo_status st = ftopo__rgraph_build(routes, FTOPO__ORDER_LID, &g, diag);
    if (st != FTOPO_OK)
        return st;
    ftopo__rscratch scratch;
    st = ftopo__rscratch_init(&g, &scratch, diag);
    if (st != FTOPO_OK) {
        ftopo__rgraph_free(&g);
        return st;
    }
    size_t n = g.n ? g.n : 1, m = g.adj_start[g.n];
    int64_t *dist = malloc(n * sizeof(*dist));
    hent *heap = malloc((m + n) * sizeof(*heap)); /* lazy deletion: one push per relaxation */
    uint8_t *cand = malloc(m ? m : 1);
    if (!dist || !heap || !cand) {
        st = ftopo__fail(diag, FTOPO_ERR_NOMEM, "sssp: out of memory");
        goto out;
    }
    for (size_t grp = 0; grp < g.num_groups && st == FTOPO_OK; grp++) {
        dijkstra(&g, g.group_sw[grp], dist, heap);
        for (size_t s = 0; s < g.n; s++)
            for (size_t e = g.adj_start[s]; e < g.adj_start[s + 1]; e++)
                cand[e] = dist[s] > 0 && dist[g.adj_sw[e]] >= 0 &&
                          dist[g.adj_sw[e]] + weight(&g, e) == dist[s];
        ftopo__route_group(&g, &scratch, grp, cand, dist, true);
    }
    if (st == FTOPO_OK && result) {
        result->destinations = g.num_dest;
        result->unreachable = g.unreachable;
    }
out:
    free(dist);
    free(heap);
    free(cand);
    ftopo__rscratch_free(&scratch);
    ftopo__rgraph_free(&g);
    return st;
}

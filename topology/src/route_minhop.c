/* minhop: shortest paths in hops, each switch spreading the LIDs it
 * forwards over its equally short ports, least used first (one count per
 * CA LID, as OpenSM's default engine balances). */
#include <stdlib.h>

#include "route_core.h"

ftopo_status ftopo__route_minhop(ftopo_routes *routes, const ftopo_route_engine_opts *opts,
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
    int32_t *dist = malloc(n * sizeof(*dist));
    int32_t *queue = malloc(n * sizeof(*queue));
    int64_t *phi = malloc(n * sizeof(*phi));
    uint8_t *cand = malloc(m ? m : 1);
    if (!dist || !queue || !phi || !cand) {
        st = ftopo__fail(diag, FTOPO_ERR_NOMEM, "minhop: out of memory");
        goto out;
    }
    for (size_t grp = 0; grp < g.num_groups && st == FTOPO_OK; grp++) {
        ftopo__rgraph_bfs(&g, g.group_sw[grp], dist, queue);
        for (size_t s = 0; s < g.n; s++) {
            phi[s] = dist[s];
            for (size_t e = g.adj_start[s]; e < g.adj_start[s + 1]; e++)
                cand[e] = dist[s] > 0 && dist[g.adj_sw[e]] == dist[s] - 1;
        }
        ftopo__route_group(&g, &scratch, grp, 0, ftopo__group_size(&g, grp), cand, phi, false);
    }
    if (st == FTOPO_OK && result) {
        result->destinations = g.num_dest;
        result->unreachable = g.unreachable;
    }
out:
    free(dist);
    free(queue);
    free(phi);
    free(cand);
    ftopo__rscratch_free(&scratch);
    ftopo__rgraph_free(&g);
    return st;
}

/* Up/down routing, shared by the updn and ftree engines.
 *
 * Switches are ranked by hop distance from the roots; a hop towards a
 * lower (rank, GUID) is "up", the other way "down". A path that never goes
 * up after going down cannot close a cycle of channel dependencies, so the
 * routes are deadlock-free. LFTs only know the destination, not whether a
 * packet has already turned, so the rule per destination switch t is made
 * phase-free: switches that can reach t going only down (t's "ancestors")
 * go down along the shortest such path; every other switch goes up towards
 * the nearest ancestor. Both steps strictly lower the potential
 * (ancestors: down-distance; others: n + up-distance), so paths end. */
#include <stdlib.h>

#include "route_core.h"

typedef struct updn {
    ftopo__rgraph g;
    int32_t *rank;
    uint64_t *guid;
    int32_t *down; /* hops to t going only down; -1: not an ancestor */
    int32_t *up;   /* up hops to the nearest ancestor (0 for ancestors); -1 */
    int32_t *queue;
    int64_t *phi;
    uint8_t *cand;
    uint8_t *up_edge; /* per edge: it leads up (to a switch above) */
} updn;

/* x is "above" y: nearer the roots, GUID breaking ties within a rank. */
static bool above(const updn *u, int32_t x, int32_t y)
{
    if (u->rank[x] != u->rank[y])
        return u->rank[x] < u->rank[y];
    return u->guid[x] < u->guid[y];
}

/* Roots when the caller gave none: the top tier of a tree, else the switch
 * with the smallest eccentricity (lowest GUID on ties). */
static size_t auto_roots(const updn *u, int32_t *roots)
{
    const ftopo__rgraph *g = &u->g;
    ftopo_summary sum;
    int top = 0;
    if (ftopo_fabric_summary(g->fabric, &sum) == FTOPO_OK &&
        (sum.shape == FTOPO_SHAPE_FAT_TREE_2 || sum.shape == FTOPO_SHAPE_FAT_TREE_3 ||
         sum.shape == FTOPO_SHAPE_RAIL_OPTIMIZED))
        for (size_t s = 0; s < g->n; s++)
            if (g->tier[s] > top)
                top = g->tier[s];
    size_t count = 0;
    if (top >= 2) {
        for (size_t s = 0; s < g->n; s++)
            if (g->tier[s] == top)
                roots[count++] = (int32_t)s;
        return count;
    }
    int32_t best = -1, best_ecc = 0;
    for (size_t s = 0; s < g->n; s++) {
        ftopo__rgraph_bfs(g, (int32_t)s, u->down, u->queue);
        int32_t ecc = 0;
        for (size_t t = 0; t < g->n; t++)
            if (u->down[t] > ecc)
                ecc = u->down[t];
        if (best < 0 || ecc < best_ecc || (ecc == best_ecc && u->guid[s] < u->guid[best])) {
            best = (int32_t)s;
            best_ecc = ecc;
        }
    }
    if (best >= 0)
        roots[count++] = best;
    return count;
}

/* Multi-source BFS ranks; switches no root reaches get rank n (they only
 * route among themselves as far as up/down allows). */
static void rank_from_roots(updn *u, const int32_t *roots, size_t num_roots)
{
    const ftopo__rgraph *g = &u->g;
    size_t head = 0, tail = 0;
    for (size_t s = 0; s < g->n; s++)
        u->rank[s] = -1;
    for (size_t i = 0; i < num_roots; i++)
        if (u->rank[roots[i]] < 0) {
            u->rank[roots[i]] = 0;
            u->queue[tail++] = roots[i];
        }
    while (head < tail) {
        int32_t s = u->queue[head++];
        for (size_t e = g->adj_start[s]; e < g->adj_start[s + 1]; e++)
            if (u->rank[g->adj_sw[e]] < 0) {
                u->rank[g->adj_sw[e]] = u->rank[s] + 1;
                u->queue[tail++] = g->adj_sw[e];
            }
    }
    for (size_t s = 0; s < g->n; s++)
        if (u->rank[s] < 0)
            u->rank[s] = (int32_t)g->n;
}

/* Fills down, up, phi and cand for destination switch t. */
static void updn_dag(updn *u, int32_t t)
{
    const ftopo__rgraph *g = &u->g;
    size_t n = g->n, head = 0, tail = 0;
    for (size_t s = 0; s < n; s++)
        u->down[s] = u->up[s] = -1;
    u->down[t] = 0;
    u->queue[tail++] = t;
    while (head < tail) { /* ancestors: climb from t, each step reversed is a down hop */
        int32_t x = u->queue[head++];
        for (size_t e = g->adj_start[x]; e < g->adj_start[x + 1]; e++) {
            int32_t y = g->adj_sw[e];
            if (u->down[y] < 0 && u->up_edge[e]) {
                u->down[y] = u->down[x] + 1;
                u->queue[tail++] = y;
            }
        }
    }
    for (size_t i = 0; i < tail; i++)
        u->up[u->queue[i]] = 0;
    head = 0;
    while (head < tail) { /* the rest: descend from the ancestors, reversed up hops */
        int32_t y = u->queue[head++];
        for (size_t e = g->adj_start[y]; e < g->adj_start[y + 1]; e++) {
            int32_t x = g->adj_sw[e];
            if (u->up[x] < 0 && !u->up_edge[e]) {
                u->up[x] = u->up[y] + 1;
                u->queue[tail++] = x;
            }
        }
    }
    for (size_t s = 0; s < n; s++) {
        bool ancestor = u->down[s] >= 0;
        u->phi[s] = ancestor ? u->down[s] : (u->up[s] >= 0 ? (int64_t)n + u->up[s] : -1);
        for (size_t e = g->adj_start[s]; e < g->adj_start[s + 1]; e++) {
            int32_t x = g->adj_sw[e];
            if (ancestor)
                u->cand[e] = u->down[s] > 0 && !u->up_edge[e] && u->down[x] == u->down[s] - 1;
            else
                u->cand[e] = u->up[s] > 0 && u->up_edge[e] && u->up[x] == u->up[s] - 1;
        }
    }
}

static void updn_free(updn *u)
{
    free(u->rank);
    free(u->guid);
    free(u->down);
    free(u->up);
    free(u->queue);
    free(u->phi);
    free(u->cand);
    free(u->up_edge);
    ftopo__rgraph_free(&u->g);
}

ftopo_status ftopo__route_updown(ftopo_routes *routes, const ftopo_route_engine_opts *opts,
                                 ftopo__dest_order order, bool flow_weighted,
                                 ftopo_route_result *result, ftopo_diag *diag)
{
    updn u = {0};
    ftopo_status st = ftopo__rgraph_build(routes, order, &u.g, diag);
    if (st != FTOPO_OK)
        return st;
    size_t n = u.g.n ? u.g.n : 1, m = u.g.adj_start[u.g.n];
    u.rank = malloc(n * sizeof(*u.rank));
    u.guid = malloc(n * sizeof(*u.guid));
    u.down = malloc(n * sizeof(*u.down));
    u.up = malloc(n * sizeof(*u.up));
    u.queue = malloc(n * sizeof(*u.queue));
    u.phi = malloc(n * sizeof(*u.phi));
    u.cand = malloc(m ? m : 1);
    u.up_edge = malloc(m ? m : 1);
    int32_t *roots = malloc(n * sizeof(*roots));
    ftopo__rscratch scratch = {0};
    if (!u.rank || !u.guid || !u.down || !u.up || !u.queue || !u.phi || !u.cand || !u.up_edge ||
        !roots) {
        st = ftopo__fail(diag, FTOPO_ERR_NOMEM, "updn: out of memory");
        goto out;
    }
    for (size_t s = 0; s < u.g.n; s++)
        u.guid[s] = u.g.fabric->nodes[routes->switches[s]].guid;

    size_t num_roots = 0;
    if (opts && opts->num_roots) {
        for (size_t i = 0; i < opts->num_roots; i++) {
            int32_t s = routes->switch_index[opts->roots[i]];
            if (s >= 0)
                roots[num_roots++] = s;
        }
    } else if (u.g.n) {
        num_roots = auto_roots(&u, roots);
    }
    ftopo__log(diag, FTOPO_LOG_INFO, "up/down: %zu root switch%s%s", num_roots,
               num_roots == 1 ? "" : "es", opts && opts->num_roots ? " (given)" : " (automatic)");
    rank_from_roots(&u, roots, num_roots);
    for (size_t sw = 0; sw < u.g.n; sw++)
        for (size_t e = u.g.adj_start[sw]; e < u.g.adj_start[sw + 1]; e++)
            u.up_edge[e] = above(&u, u.g.adj_sw[e], (int32_t)sw);

    st = ftopo__rscratch_init(&u.g, &scratch, diag);
    for (size_t grp = 0; grp < u.g.num_groups && st == FTOPO_OK; grp++) {
        updn_dag(&u, u.g.group_sw[grp]);
        ftopo__route_group(&u.g, &scratch, grp, 0, ftopo__group_size(&u.g, grp), u.cand, u.phi,
                           flow_weighted);
    }
    if (st == FTOPO_OK && result) {
        result->destinations = u.g.num_dest;
        result->unreachable = u.g.unreachable;
        result->roots = num_roots;
    }
out:
    free(roots);
    ftopo__rscratch_free(&scratch);
    updn_free(&u);
    return st;
}

ftopo_status ftopo__route_updn(ftopo_routes *routes, const ftopo_route_engine_opts *opts,
                               ftopo_route_result *result, ftopo_diag *diag)
{
    return ftopo__route_updown(routes, opts, FTOPO__ORDER_LID, false, result, diag);
}

/* The entry-matching bound: the cuts look at one switch at a time, but
 * entries compete. Every switch X holding some of a channel's hosts is
 * entered by at least one ring flow, from the last host of a run of hosts
 * on another switch s, and s has at most as many runs as hosts. Choosing
 * one entry per X is therefore an assignment of switches to source
 * switches (s used at most hosts(s) times), and the ring's max load is at
 * least the flow's load on its switch links, cost(s, X) = min over X's
 * hosts e of the max of 1 / capacity over the switch links of the route
 * s -> e. The least T whose assignment (cost <= T) covers every X is a
 * bound. It matters under congestion: when the few clean ways into several
 * leaves all start from the same lone host, only one leaf can have it.
 *
 * Cost: one walk per (switch, host) pair and a cubic matching, so it is
 * skipped above MATCH_WALKS or MATCH_SWITCHES (the cuts still hold) and when every switch link is
 * idle at the fastest rate (then every cost is 1, which the host cut gives). */
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

#define MATCH_WALKS 2000000
/* Matching is cubic in switches at worst. */
#define MATCH_SWITCHES 256

typedef struct matcher {
    size_t m;
    const double *cost; /* m x m: cost[s * m + x] */
    double limit;
    const uint32_t *cap; /* per source switch: its hosts */
    uint32_t *used;
    int32_t *owner; /* per target switch: its source, -1 */
    uint8_t *seen;  /* per source switch, this augmentation */
} matcher;

/* Kuhn's augmenting path with capacities: finds a source for target x. */
static bool augment(matcher *mt, size_t x)
{
    for (size_t s = 0; s < mt->m; s++) {
        if (s == x || mt->seen[s] || mt->cost[s * mt->m + x] > mt->limit)
            continue;
        mt->seen[s] = 1;
        if (mt->used[s] < mt->cap[s]) {
            mt->used[s]++;
            mt->owner[x] = (int32_t)s;
            return true;
        }
        for (size_t y = 0; y < mt->m; y++) {
            if (mt->owner[y] == (int32_t)s && augment(mt, y)) {
                mt->owner[x] = (int32_t)s;
                return true;
            }
        }
    }
    return false;
}

static bool covers(matcher *mt, double limit)
{
    mt->limit = limit * (1 + FTOPO__PLAN_TOL);
    memset(mt->used, 0, mt->m * sizeof(*mt->used));
    for (size_t x = 0; x < mt->m; x++)
        mt->owner[x] = -1;
    for (size_t x = 0; x < mt->m; x++) {
        memset(mt->seen, 0, mt->m);
        if (!augment(mt, x))
            return false;
    }
    return true;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Max of 1 / capacity over the switch links of the route from endpoint a
 * to endpoint b (its first and last links are host links). */
static double route_cost(const ftopo__plan_ctx *c, size_t a, size_t b)
{
    ftopo_dlink_id buf[FTOPO_MAX_PATH_HOPS];
    int len = ftopo__plan_path(c, a, b, buf);
    if (len < 0)
        return INFINITY;
    double worst = 0;
    for (int k = 1; k < len - 1; k++)
        if (c->inv[buf[k]] > worst)
            worst = c->inv[buf[k]];
    return worst;
}

static bool switch_links_full(const ftopo__plan_ctx *c)
{
    const ftopo_fabric *f = c->fabric;
    for (size_t l = 0; l < f->num_links; l++) {
        const ftopo__link *k = &f->links[l];
        if (f->nodes[k->a].type == FTOPO_NODE_SWITCH && f->nodes[k->b].type == FTOPO_NODE_SWITCH &&
            (c->inv[2 * l] != 1.0 || c->inv[2 * l + 1] != 1.0))
            return false;
    }
    return true;
}

double ftopo__plan_entry_bound(const ftopo__plan_ctx *c, const ftopo_node_id *list, size_t m,
                               const int32_t *sw_head, const int32_t *ep_next)
{
    if (m < 2 || m > MATCH_SWITCHES || (double)m * (double)c->n > MATCH_WALKS ||
        switch_links_full(c))
        return 0;
    double *cost = malloc(m * m * sizeof(*cost));
    double *sorted = malloc(m * m * sizeof(*sorted));
    uint32_t *cap = calloc(m, sizeof(*cap));
    matcher mt = {.m = m, .cost = cost, .cap = cap};
    mt.used = malloc(m * sizeof(*mt.used));
    mt.owner = malloc(m * sizeof(*mt.owner));
    mt.seen = malloc(m);
    double bound = 0;
    if (cost && sorted && cap && mt.used && mt.owner && mt.seen) {
        size_t ns = 0;
        for (size_t s = 0; s < m; s++) {
            for (int32_t e = sw_head[list[s]]; e >= 0; e = ep_next[e])
                cap[s]++;
            for (size_t x = 0; x < m; x++) {
                double best = INFINITY;
                for (int32_t e = sw_head[list[x]]; x != s && e >= 0; e = ep_next[e]) {
                    double v = route_cost(c, (size_t)sw_head[list[s]], (size_t)e);
                    if (v < best)
                        best = v;
                }
                cost[s * m + x] = best;
                if (x != s)
                    sorted[ns++] = best;
            }
        }
        qsort(sorted, ns, sizeof(*sorted), cmp_double);
        /* The least candidate that covers every switch (binary search). */
        size_t lo = 0, hi = ns;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (covers(&mt, sorted[mid]))
                hi = mid;
            else
                lo = mid + 1;
        }
        bound = lo < ns ? sorted[lo] : INFINITY;
    }
    free(cost);
    free(sorted);
    free(cap);
    free(mt.used);
    free(mt.owner);
    free(mt.seen);
    return bound;
}

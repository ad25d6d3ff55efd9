/* The planner's starting order: hosts grouped by the switch they hang
 * from, switches in a depth-first order that always descends first.
 *
 * Why this order: a ring that visits each leaf's hosts in one run leaves
 * and enters every leaf once, which is the least any ring can do (the
 * lower bound's cut argument). Descending first from the top of a fat
 * tree visits all leaves of a pod before climbing to the next pod, so pods
 * are also left once; in a torus consecutive switches are mostly
 * neighbours. The local search repairs what routes make of the rest. */
#include <stdlib.h>

#include "plan_int.h"

typedef struct sort_key {
    int64_t rank; /* switch position in the walk */
    int32_t host; /* host id */
    int32_t ep;   /* endpoint index */
} sort_key;

static int cmp_key(const void *pa, const void *pb)
{
    const sort_key *a = pa, *b = pb;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return (a->host > b->host) - (a->host < b->host);
}

/* The unvisited switch neighbour of `node` with the lowest (tier, id), or
 * FTOPO_NONE. */
static ftopo_node_id next_child(const ftopo_fabric *f, ftopo_node_id node, const int64_t *rank)
{
    ftopo_node_id best = FTOPO_NONE;
    for (int p = 1; p <= f->nodes[node].num_ports; p++) {
        ftopo_node_id nb = ftopo__port_at(f, node, p)->peer_node;
        if (nb == FTOPO_NONE || f->nodes[nb].type != FTOPO_NODE_SWITCH || rank[nb] >= 0)
            continue;
        if (best == FTOPO_NONE || f->nodes[nb].tier < f->nodes[best].tier ||
            (f->nodes[nb].tier == f->nodes[best].tier && nb < best))
            best = nb;
    }
    return best;
}

/* Depth-first walk from `root`, numbering switches in visiting order. */
static void walk(const ftopo_fabric *f, ftopo_node_id root, int64_t *rank, int64_t *next_rank,
                 ftopo_node_id *stack)
{
    size_t top = 0;
    rank[root] = (*next_rank)++;
    stack[top++] = root;
    while (top > 0) {
        ftopo_node_id child = next_child(f, stack[top - 1], rank);
        if (child == FTOPO_NONE) {
            top--;
            continue;
        }
        rank[child] = (*next_rank)++;
        stack[top++] = child;
    }
}

ftopo_status ftopo__plan_initial_order(const ftopo__plan_ctx *c, int32_t *order, ftopo_diag *diag)
{
    const ftopo_fabric *f = c->fabric;
    size_t nn = f->num_nodes;
    int64_t *rank = malloc(nn * sizeof(*rank));
    ftopo_node_id *stack = malloc(nn * sizeof(*stack));
    sort_key *keys = malloc(c->n * sizeof(*keys));
    if (!rank || !stack || !keys) {
        free(rank);
        free(stack);
        free(keys);
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "plan: out of memory");
    }
    for (size_t i = 0; i < nn; i++)
        rank[i] = -1;
    /* Roots: the top tier first (lowest id), then whatever another
     * component holds. */
    int64_t next_rank = 0;
    for (;;) {
        ftopo_node_id root = FTOPO_NONE;
        for (size_t i = 0; i < nn; i++) {
            const ftopo__node *nd = &f->nodes[i];
            if (nd->type == FTOPO_NODE_SWITCH && rank[i] < 0 &&
                (root == FTOPO_NONE || nd->tier > f->nodes[root].tier))
                root = (ftopo_node_id)i;
        }
        if (root == FTOPO_NONE)
            break;
        walk(f, root, rank, &next_rank, stack);
    }
    for (size_t i = 0; i < c->n; i++) {
        ftopo_node_id sw = c->sw[i];
        /* A host cabled straight to another CA sorts after every switch. */
        keys[i].rank = f->nodes[sw].type == FTOPO_NODE_SWITCH ? rank[sw] : next_rank + sw;
        keys[i].host = c->hosts[i];
        keys[i].ep = (int32_t)i;
    }
    qsort(keys, c->n, sizeof(*keys), cmp_key);
    for (size_t i = 0; i < c->n; i++)
        order[i] = keys[i].ep;
    free(rank);
    free(stack);
    free(keys);
    return FTOPO_OK;
}

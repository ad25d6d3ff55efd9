/* Pipelined trees for broadcast and reduce. Ranks are numbered from the root
 * along the ring (virtual rank v = ring position - root position). Binomial
 * trees give log2 n depth for small messages; a chain (each rank feeds the
 * next along the ring) keeps every link busy for large ones. Either way
 * every forward streams behind its receive, chunk by chunk. */
#include <string.h>

#include "algo/algo.h"

#define MAX_CHILDREN 32

typedef struct tree {
    int parent; /* real rank, -1 at the root */
    int nchild;
    int child[MAX_CHILDREN]; /* real ranks, biggest subtree first */
} tree_t;

static tree_t tree_of(const fcoll_comm_t *c, int root, int chain)
{
    int n = c->nranks, rootpos = 0;
    for (int i = 0; i < n; i++)
        if (c->ring[i] == root)
            rootpos = i;
    int v = ((c->ring_pos - rootpos) % n + n) % n;
    tree_t t = {.parent = -1};
    if (chain) {
        if (v > 0)
            t.parent = fcoll__ring_rank(c, rootpos + v - 1);
        if (v + 1 < n)
            t.child[t.nchild++] = fcoll__ring_rank(c, rootpos + v + 1);
        return t;
    }
    int low = v == 0 ? 1 << 30 : v & -v; /* children are v + 2^k below low */
    if (v > 0)
        t.parent = fcoll__ring_rank(c, rootpos + (v & (v - 1)));
    int top = 1;
    while (top * 2 < n)
        top *= 2;
    for (int m = top; m >= 1; m >>= 1)
        if (m < low && v + m < n)
            t.child[t.nchild++] = fcoll__ring_rank(c, rootpos + v + m);
    return t;
}

fcoll_status_t fcoll__bcast_tree(fcoll_comm_t *c, void *buf, size_t bytes, int root, int chain)
{
    tree_t t = tree_of(c, root, chain);
    fcoll__plan_t *p = &c->plan;
    p->n = 0;
    /* A chain streams chunks hop by hop: keep it off the rendezvous path,
     * which forwards only whole messages. */
    int dep = -1;
    if (t.parent >= 0)
        dep = fcoll__plan_recv(p, t.parent, buf, bytes, -1);
    if (chain)
        fcoll__plan_eager(p, dep);
    for (int i = 0; i < t.nchild; i++) {
        int s = fcoll__plan_send(p, t.child[i], buf, bytes, dep);
        if (chain)
            fcoll__plan_eager(p, s);
    }
    return fcoll__plan_run(c, p, chain ? "broadcast(chain)" : "broadcast(tree)");
}

fcoll_status_t fcoll__reduce_tree(fcoll_comm_t *c, const void *s, void *r, size_t bytes, int root,
                                  int chain, fcoll__red_t red)
{
    tree_t t = tree_of(c, root, chain);
    fcoll__plan_t *p = &c->plan;
    p->n = 0;
    /* Partial results go to the output on the root, to scratch elsewhere. */
    char *acc = r;
    if (t.parent >= 0 && t.nchild > 0) {
        acc = fcoll__scratch(c, bytes);
        if (acc == NULL)
            return FCOLL_ERR_NO_MEMORY;
    }
    if (t.nchild == 0 && t.parent < 0) {
        if (r != s)
            memcpy(r, s, bytes);
        return FCOLL_OK;
    }
    int dep = -1;
    const char *in = s;
    /* Smallest subtrees finish first: reduce them first. */
    for (int i = t.nchild - 1; i >= 0; i--) {
        dep = fcoll__plan_recv_reduce(p, t.child[i], acc, in, bytes, red.fn, red.esize, dep);
        in = acc;
    }
    if (t.parent >= 0)
        fcoll__plan_eager(p, fcoll__plan_send(p, t.parent, in, bytes, dep));
    return fcoll__plan_run(c, p, chain ? "reduce(chain)" : "reduce(tree)");
}

/* Alltoall as concurrent pairwise exchanges, and the dissemination barrier. */
#include <string.h>

#include "algo/algo.h"

fcoll_status_t fcoll__alltoall_pairwise(fcoll_comm_t *c, const void *s, void *r, size_t bytes)
{
    int n = c->nranks, me = c->rank;
    const char *in = s;
    char *out = r;
    if (in == out) {
        /* In place, block j goes out and comes in at the same spot. */
        char *copy = fcoll__scratch(c, bytes * (size_t)n);
        if (copy == NULL)
            return FCOLL_ERR_NO_MEMORY;
        memcpy(copy, in, bytes * (size_t)n);
        in = copy;
    } else {
        memcpy(out + (size_t)me * bytes, in + (size_t)me * bytes, bytes);
    }
    fcoll__plan_t *p = &c->plan;
    p->n = 0;
    /* Staggered so that every rank talks to a different peer at a time. */
    for (int i = 1; i < n; i++) {
        int to = (me + i) % n, from = (me - i + n) % n;
        fcoll__plan_send(p, to, in + (size_t)to * bytes, bytes, -1);
        fcoll__plan_recv(p, from, out + (size_t)from * bytes, bytes, -1);
    }
    return fcoll__plan_run(c, p, "alltoall");
}

fcoll_status_t fcoll__barrier_dissemination(fcoll_comm_t *c)
{
    fcoll__plan_t *p = &c->plan;
    p->n = 0;
    int dep = -1;
    /* Round k: tell the rank 2^k ahead, hear from the rank 2^k behind; a
     * round starts only when the previous one was heard. */
    for (int d = 1; d < c->nranks; d <<= 1) {
        fcoll__plan_send(p, fcoll__ring_rank(c, c->ring_pos + d), NULL, 0, dep);
        dep = fcoll__plan_recv(p, fcoll__ring_rank(c, c->ring_pos - d), NULL, 0, -1);
    }
    return fcoll__plan_run(c, p, "barrier");
}

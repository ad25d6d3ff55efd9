/* Ring reduce-scatter and allgather, and the collectives built from them.
 * All steps go into one plan: each step's send streams behind the previous
 * step's receive (dep), so chunks flow around the ring without waiting for
 * whole blocks (pipelining). */
#include <stdlib.h>
#include <string.h>

#include "algo/algo.h"

int fcoll__ring_reduce_scatter(fcoll_comm_t *c, fcoll__plan_t *p, const char *src, char *acc,
                               char *final, const size_t *off, const size_t *len, fcoll__red_t red)
{
    int n = c->nranks, pos = c->ring_pos;
    int next = fcoll__ring_rank(c, pos + 1), prev = fcoll__ring_rank(c, pos - 1);
    int last = -1;
    /* Step s sends block pos-s-1 and reduces block pos-s-2 into it, so the
     * block of my own position is complete after n-1 steps. */
    for (int s = 0; s < n - 1; s++) {
        int sb = ((pos - s - 1) % n + n) % n, rb = ((pos - s - 2) % n + n) % n;
        const char *from = s == 0 ? src + off[sb] : acc + off[sb];
        fcoll__plan_eager(p, fcoll__plan_send(p, next, from, len[sb], last));
        char *to = s == n - 2 ? final : acc + off[rb];
        last = fcoll__plan_recv_reduce(p, prev, to, src + off[rb], len[rb], red.fn, red.esize, -1);
    }
    return last;
}

void fcoll__ring_allgather(fcoll_comm_t *c, fcoll__plan_t *p, char *out, const size_t *off,
                           const size_t *len, int dep)
{
    int n = c->nranks, pos = c->ring_pos;
    int next = fcoll__ring_rank(c, pos + 1), prev = fcoll__ring_rank(c, pos - 1);
    for (int t = 0; t < n - 1; t++) {
        int sb = ((pos - t) % n + n) % n, rb = ((pos - t - 1) % n + n) % n;
        fcoll__plan_send(p, next, out + off[sb], len[sb], dep);
        dep = fcoll__plan_recv(p, prev, out + off[rb], len[rb], -1);
    }
}

/* Splits count elements into n blocks by ring position. */
static fcoll_status_t blocks(int n, size_t count, size_t esize, size_t **off, size_t **len)
{
    *off = malloc(sizeof(size_t) * (size_t)n);
    *len = malloc(sizeof(size_t) * (size_t)n);
    if (*off == NULL || *len == NULL) {
        free(*off);
        free(*len);
        return FCOLL_ERR_NO_MEMORY;
    }
    size_t at = 0;
    for (int q = 0; q < n; q++) {
        size_t e = count / (size_t)n + ((size_t)q < count % (size_t)n);
        (*off)[q] = at * esize;
        (*len)[q] = e * esize;
        at += e;
    }
    return FCOLL_OK;
}

fcoll_status_t fcoll__allreduce_ring(fcoll_comm_t *c, const void *s, void *r, size_t count,
                                     fcoll_dtype_t dt, fcoll__red_t red)
{
    (void)dt;
    size_t *off, *len;
    fcoll_status_t st = blocks(c->nranks, count, red.esize, &off, &len);
    if (st != FCOLL_OK)
        return st;
    fcoll__plan_t *p = &c->plan;
    p->n = 0;
    int pos = c->ring_pos;
    int last = fcoll__ring_reduce_scatter(c, p, s, r, (char *)r + off[pos], off, len, red);
    fcoll__ring_allgather(c, p, r, off, len, last);
    st = fcoll__plan_run(c, p, "allreduce(ring)");
    free(off);
    free(len);
    return st;
}

fcoll_status_t fcoll__allgather_ring(fcoll_comm_t *c, const void *s, void *r, size_t bytes)
{
    int n = c->nranks;
    size_t *off = malloc(sizeof(size_t) * (size_t)n), *len = malloc(sizeof(size_t) * (size_t)n);
    fcoll_status_t st = off && len ? FCOLL_OK : FCOLL_ERR_NO_MEMORY;
    if (st == FCOLL_OK) {
        /* Block of position q is rank ring[q]'s contribution. */
        for (int q = 0; q < n; q++) {
            off[q] = (size_t)c->ring[q] * bytes;
            len[q] = bytes;
        }
        char *mine = (char *)r + (size_t)c->rank * bytes;
        if (mine != s)
            memcpy(mine, s, bytes);
        c->plan.n = 0;
        fcoll__ring_allgather(c, &c->plan, r, off, len, -1);
        st = fcoll__plan_run(c, &c->plan, "allgather(ring)");
    }
    free(off);
    free(len);
    return st;
}

fcoll_status_t fcoll__reduce_scatter_ring(fcoll_comm_t *c, const void *s, void *r, size_t count,
                                          fcoll__red_t red)
{
    int n = c->nranks;
    size_t bytes = count * red.esize;
    size_t *off = malloc(sizeof(size_t) * (size_t)n), *len = malloc(sizeof(size_t) * (size_t)n);
    /* Partial sums need room of their own: the input is const, the output
     * holds one block. */
    char *acc = fcoll__scratch(c, bytes * (size_t)n);
    fcoll_status_t st = off && len && acc ? FCOLL_OK : FCOLL_ERR_NO_MEMORY;
    if (st == FCOLL_OK) {
        for (int q = 0; q < n; q++) {
            off[q] = (size_t)c->ring[q] * bytes;
            len[q] = bytes;
        }
        c->plan.n = 0;
        fcoll__ring_reduce_scatter(c, &c->plan, s, acc, r, off, len, red);
        st = fcoll__plan_run(c, &c->plan, "reduce_scatter(ring)");
    }
    free(off);
    free(len);
    return st;
}

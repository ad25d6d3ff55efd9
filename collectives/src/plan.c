/* Building plans: the list of transfers an algorithm wants done. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

fcoll_status_t fcoll__plan_add(fcoll__plan_t *p, const fcoll__xfer_t *op, int *index)
{
    if (p->n == p->cap) {
        int cap = p->cap ? 2 * p->cap : 16;
        fcoll__xfer_t *o = realloc(p->ops, sizeof(*o) * (size_t)cap);
        if (o == NULL)
            return FCOLL_ERR_NO_MEMORY;
        p->ops = o;
        p->cap = cap;
    }
    p->ops[p->n] = *op;
    if (index != NULL)
        *index = p->n;
    p->n++;
    return FCOLL_OK;
}

void fcoll__plan_free(fcoll__plan_t *p)
{
    free(p->ops);
    memset(p, 0, sizeof(*p));
}

/* The helpers below return the new op's index, or -1 when out of memory;
 * plan_run refuses a plan with a failed add (see the bad flag). */
static int add(fcoll__plan_t *p, const fcoll__xfer_t *op)
{
    int i = -1;
    if (fcoll__plan_add(p, op, &i) != FCOLL_OK)
        p->bad = 1;
    return i;
}

int fcoll__plan_send(fcoll__plan_t *p, int peer, const void *buf, size_t len, int dep)
{
    fcoll__xfer_t op = {
        .kind = FCOLL__XFER_SEND, .peer = peer, .sbuf = buf, .len = len, .dep = dep};
    return add(p, &op);
}

int fcoll__plan_eager(fcoll__plan_t *p, int i)
{
    if (i >= 0)
        p->ops[i].eager = 1;
    return i;
}

int fcoll__plan_recv(fcoll__plan_t *p, int peer, void *buf, size_t len, int dep)
{
    fcoll__xfer_t op = {
        .kind = FCOLL__XFER_RECV, .peer = peer, .rbuf = buf, .len = len, .dep = dep};
    return add(p, &op);
}

int fcoll__plan_recv_reduce(fcoll__plan_t *p, int peer, void *dst, const void *src, size_t len,
                            fcoll__reduce_fn fn, size_t esize, int dep)
{
    fcoll__xfer_t op = {.kind = FCOLL__XFER_RECV,
                        .peer = peer,
                        .rbuf = dst,
                        .rsrc = src,
                        .len = len,
                        .reduce = fn,
                        .esize = esize,
                        .dep = dep,
                        .eager = 1};
    return add(p, &op);
}

/* Building plans: the list of transfers an algorithm wants done. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void fcoll__plan_free(fcoll__plan_t *p)
{
    free(p->ops);
    memset(p, 0, sizeof(*p));
}

/* Appends op; returns its index, or -1 and marks the plan bad when out of
 * memory (plan_run then refuses it). */
static int add(fcoll__plan_t *p, const fcoll__xfer_t *op)
{
    if (p->n == p->cap) {
        int cap = p->cap ? 2 * p->cap : 16;
        fcoll__xfer_t *o = realloc(p->ops, sizeof(*o) * (size_t)cap);
        if (o == NULL) {
            p->bad = 1;
            return -1;
        }
        p->ops = o;
        p->cap = cap;
    }
    p->ops[p->n] = *op;
    return p->n++;
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

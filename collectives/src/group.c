/* Point-to-point calls and groups: inside a group, send and recv are only
 * recorded; group_end runs them as one plan, all at once. */
#include <string.h>

#include "worker.h"

static fcoll_status_t p2p(fcoll_comm_t *c, const fcoll__req_args_t *a)
{
    fcoll_status_t st = fcoll__validate(c, a);
    if (st != FCOLL_OK)
        return st;
    if (!c->in_group)
        return fcoll__worker_run_sync(c, a);
    size_t bytes = a->count * fcoll_dtype_size(a->dtype);
    int i = a->kind == FCOLL__OP_SEND ? fcoll__plan_send(&c->group, a->root, a->sbuf, bytes, -1)
                                      : fcoll__plan_recv(&c->group, a->root, a->rbuf, bytes, -1);
    return i < 0 ? FCOLL_ERR_NO_MEMORY : FCOLL_OK;
}

/* Sends to oneself pair with receives from oneself in posting order, as
 * messages between two ranks do; each pair is one copy. They leave the plan
 * before it runs: there is no channel to oneself. A count that does not
 * match is the caller's mistake, but peers may be waiting for the rest of
 * the group, so the communicator fails as with a mismatch between ranks. */
static int is_self(const fcoll_comm_t *c, const fcoll__xfer_t *op, fcoll__xfer_kind_t kind)
{
    return op->peer == c->rank && op->kind == kind;
}

static fcoll_status_t copy_self(fcoll_comm_t *c, fcoll__plan_t *p)
{
    int s = 0, r = 0, pairs = 0;
    for (;; s++, r++, pairs++) {
        while (s < p->n && !is_self(c, &p->ops[s], FCOLL__XFER_SEND))
            s++;
        while (r < p->n && !is_self(c, &p->ops[r], FCOLL__XFER_RECV))
            r++;
        if (s == p->n && r == p->n)
            break;
        if (s == p->n || r == p->n || p->ops[s].len != p->ops[r].len) {
            if (s == p->n || r == p->n)
                FCOLL__ERR(&c->opts.log, "group: %s oneself #%d has no matching %s",
                           s == p->n ? "receive from" : "send to", pairs,
                           s == p->n ? "send" : "receive");
            else
                FCOLL__ERR(&c->opts.log,
                           "group: send to oneself #%d of %zu bytes meets a receive of %zu bytes",
                           pairs, p->ops[s].len, p->ops[r].len);
            return fcoll__comm_fail(c, FCOLL_ERR_INVALID_USAGE);
        }
        if (p->ops[r].len > 0)
            memmove(p->ops[r].rbuf, p->ops[s].sbuf, p->ops[r].len);
    }
    int kept = 0;
    for (int i = 0; i < p->n; i++)
        if (p->ops[i].peer != c->rank)
            p->ops[kept++] = p->ops[i];
    p->n = kept;
    return FCOLL_OK;
}

fcoll_status_t fcoll__group_run(fcoll_comm_t *c)
{
    fcoll_status_t st = copy_self(c, &c->group);
    if (st == FCOLL_OK)
        st = fcoll__plan_run(c, &c->group, "group");
    c->group.n = 0;
    c->group.bad = 0;
    return st;
}

fcoll_status_t fcoll_send(const void *buf, size_t count, fcoll_dtype_t dtype, int peer,
                          fcoll_comm_t *comm)
{
    fcoll__req_args_t a = {FCOLL__OP_SEND, buf, NULL, count, dtype, FCOLL_SUM, peer};
    return p2p(comm, &a);
}

fcoll_status_t fcoll_recv(void *buf, size_t count, fcoll_dtype_t dtype, int peer,
                          fcoll_comm_t *comm)
{
    fcoll__req_args_t a = {FCOLL__OP_RECV, NULL, buf, count, dtype, FCOLL_SUM, peer};
    return p2p(comm, &a);
}

fcoll_status_t fcoll_group_start(fcoll_comm_t *comm)
{
    if (comm == NULL)
        return FCOLL_ERR_NULL_POINTER;
    if (comm->in_group)
        return FCOLL_ERR_INVALID_USAGE;
    comm->in_group = 1;
    comm->group.n = 0;
    comm->group.bad = 0;
    return FCOLL_OK;
}

fcoll_status_t fcoll_group_end(fcoll_comm_t *comm)
{
    if (comm == NULL)
        return FCOLL_ERR_NULL_POINTER;
    if (!comm->in_group)
        return FCOLL_ERR_INVALID_USAGE;
    comm->in_group = 0;
    if (comm->group.n == 0)
        return FCOLL_OK;
    fcoll__req_args_t a = {.kind = FCOLL__OP_GROUP};
    return fcoll__worker_run_sync(comm, &a);
}

/* Point-to-point calls and groups: inside a group, send and recv are only
 * recorded; group_end runs them as one plan, all at once. */
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

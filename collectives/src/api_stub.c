/* Temporary: entry points not implemented yet. Removed as each lands. */
#include "fcoll.h"

void fcoll_config_init(fcoll_config_t *cfg)
{
    (void)cfg;
    return;
}

fcoll_status_t fcoll_get_unique_id(fcoll_unique_id_t *id)
{
    (void)id;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_comm_init_rank(fcoll_comm_t **comm, int nranks, fcoll_unique_id_t id, int rank)
{
    (void)comm;
    (void)nranks;
    (void)id;
    (void)rank;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_comm_init_rank_config(fcoll_comm_t **comm, int nranks, fcoll_unique_id_t id,
                                           int rank, const fcoll_config_t *cfg)
{
    (void)comm;
    (void)nranks;
    (void)id;
    (void)rank;
    (void)cfg;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_comm_init_env(fcoll_comm_t **comm, const fcoll_config_t *cfg)
{
    (void)comm;
    (void)cfg;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_comm_destroy(fcoll_comm_t *comm)
{
    (void)comm;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_comm_abort(fcoll_comm_t *comm)
{
    (void)comm;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_comm_get_async_error(fcoll_comm_t *comm, fcoll_status_t *err)
{
    (void)comm;
    (void)err;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_comm_rank(const fcoll_comm_t *comm, int *rank)
{
    (void)comm;
    (void)rank;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_comm_size(const fcoll_comm_t *comm, int *nranks)
{
    (void)comm;
    (void)nranks;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_comm_set_timeout(fcoll_comm_t *comm, int timeout_ms)
{
    (void)comm;
    (void)timeout_ms;
    return FCOLL_ERR_UNSUPPORTED;
}

const char *fcoll_comm_transport_name(const fcoll_comm_t *comm, int peer)
{
    (void)comm;
    (void)peer;
    return NULL;
}

fcoll_status_t fcoll_allreduce(const void *sendbuf, void *recvbuf, size_t count,
                               fcoll_dtype_t dtype, fcoll_op_t op, fcoll_comm_t *comm)
{
    (void)sendbuf;
    (void)recvbuf;
    (void)count;
    (void)dtype;
    (void)op;
    (void)comm;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_reduce(const void *sendbuf, void *recvbuf, size_t count, fcoll_dtype_t dtype,
                            fcoll_op_t op, int root, fcoll_comm_t *comm)
{
    (void)sendbuf;
    (void)recvbuf;
    (void)count;
    (void)dtype;
    (void)op;
    (void)root;
    (void)comm;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_broadcast(const void *sendbuf, void *recvbuf, size_t count,
                               fcoll_dtype_t dtype, int root, fcoll_comm_t *comm)
{
    (void)sendbuf;
    (void)recvbuf;
    (void)count;
    (void)dtype;
    (void)root;
    (void)comm;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_allgather(const void *sendbuf, void *recvbuf, size_t sendcount,
                               fcoll_dtype_t dtype, fcoll_comm_t *comm)
{
    (void)sendbuf;
    (void)recvbuf;
    (void)sendcount;
    (void)dtype;
    (void)comm;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_reduce_scatter(const void *sendbuf, void *recvbuf, size_t recvcount,
                                    fcoll_dtype_t dtype, fcoll_op_t op, fcoll_comm_t *comm)
{
    (void)sendbuf;
    (void)recvbuf;
    (void)recvcount;
    (void)dtype;
    (void)op;
    (void)comm;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_alltoall(const void *sendbuf, void *recvbuf, size_t count, fcoll_dtype_t dtype,
                              fcoll_comm_t *comm)
{
    (void)sendbuf;
    (void)recvbuf;
    (void)count;
    (void)dtype;
    (void)comm;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_barrier(fcoll_comm_t *comm)
{
    (void)comm;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_send(const void *buf, size_t count, fcoll_dtype_t dtype, int peer,
                          fcoll_comm_t *comm)
{
    (void)buf;
    (void)count;
    (void)dtype;
    (void)peer;
    (void)comm;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_recv(void *buf, size_t count, fcoll_dtype_t dtype, int peer,
                          fcoll_comm_t *comm)
{
    (void)buf;
    (void)count;
    (void)dtype;
    (void)peer;
    (void)comm;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_group_start(fcoll_comm_t *comm)
{
    (void)comm;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_group_end(fcoll_comm_t *comm)
{
    (void)comm;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_iallreduce(const void *sendbuf, void *recvbuf, size_t count,
                                fcoll_dtype_t dtype, fcoll_op_t op, fcoll_comm_t *comm,
                                fcoll_request_t **req)
{
    (void)sendbuf;
    (void)recvbuf;
    (void)count;
    (void)dtype;
    (void)op;
    (void)comm;
    (void)req;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_ireduce(const void *sendbuf, void *recvbuf, size_t count, fcoll_dtype_t dtype,
                             fcoll_op_t op, int root, fcoll_comm_t *comm, fcoll_request_t **req)
{
    (void)sendbuf;
    (void)recvbuf;
    (void)count;
    (void)dtype;
    (void)op;
    (void)root;
    (void)comm;
    (void)req;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_ibroadcast(const void *sendbuf, void *recvbuf, size_t count,
                                fcoll_dtype_t dtype, int root, fcoll_comm_t *comm,
                                fcoll_request_t **req)
{
    (void)sendbuf;
    (void)recvbuf;
    (void)count;
    (void)dtype;
    (void)root;
    (void)comm;
    (void)req;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_iallgather(const void *sendbuf, void *recvbuf, size_t sendcount,
                                fcoll_dtype_t dtype, fcoll_comm_t *comm, fcoll_request_t **req)
{
    (void)sendbuf;
    (void)recvbuf;
    (void)sendcount;
    (void)dtype;
    (void)comm;
    (void)req;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_ireduce_scatter(const void *sendbuf, void *recvbuf, size_t recvcount,
                                     fcoll_dtype_t dtype, fcoll_op_t op, fcoll_comm_t *comm,
                                     fcoll_request_t **req)
{
    (void)sendbuf;
    (void)recvbuf;
    (void)recvcount;
    (void)dtype;
    (void)op;
    (void)comm;
    (void)req;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_ialltoall(const void *sendbuf, void *recvbuf, size_t count,
                               fcoll_dtype_t dtype, fcoll_comm_t *comm, fcoll_request_t **req)
{
    (void)sendbuf;
    (void)recvbuf;
    (void)count;
    (void)dtype;
    (void)comm;
    (void)req;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_ibarrier(fcoll_comm_t *comm, fcoll_request_t **req)
{
    (void)comm;
    (void)req;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_isend(const void *buf, size_t count, fcoll_dtype_t dtype, int peer,
                           fcoll_comm_t *comm, fcoll_request_t **req)
{
    (void)buf;
    (void)count;
    (void)dtype;
    (void)peer;
    (void)comm;
    (void)req;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_irecv(void *buf, size_t count, fcoll_dtype_t dtype, int peer,
                           fcoll_comm_t *comm, fcoll_request_t **req)
{
    (void)buf;
    (void)count;
    (void)dtype;
    (void)peer;
    (void)comm;
    (void)req;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_test(fcoll_request_t **req, int *done)
{
    (void)req;
    (void)done;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll_wait(fcoll_request_t **req)
{
    (void)req;
    return FCOLL_ERR_UNSUPPORTED;
}

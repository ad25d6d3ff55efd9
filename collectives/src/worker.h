/* Operation descriptions and the per-communicator progress thread that runs
 * non-blocking operations in posting order. */
#ifndef FCOLL_WORKER_H
#define FCOLL_WORKER_H

#include "internal.h"

typedef enum fcoll__opkind {
    FCOLL__OP_ALLREDUCE,
    FCOLL__OP_REDUCE,
    FCOLL__OP_BCAST,
    FCOLL__OP_ALLGATHER,
    FCOLL__OP_REDUCE_SCATTER,
    FCOLL__OP_ALLTOALL,
    FCOLL__OP_BARRIER,
    FCOLL__OP_SEND, /* root is the peer */
    FCOLL__OP_RECV,
    FCOLL__OP_GROUP, /* runs comm->group */
} fcoll__opkind_t;

struct fcoll__req_args {
    fcoll__opkind_t kind;
    const void *sbuf;
    void *rbuf;
    size_t count;
    fcoll_dtype_t dtype;
    fcoll_op_t op;
    int root;
};

/* coll.c */
fcoll_status_t fcoll__validate(fcoll_comm_t *comm, const fcoll__req_args_t *a);
fcoll_status_t fcoll__execute(fcoll_comm_t *comm, const fcoll__req_args_t *a);

/* group.c: runs comm->group (copies to oneself, then the plan) and empties
 * it. */
fcoll_status_t fcoll__group_run(fcoll_comm_t *comm);

/* worker.c */
fcoll_status_t fcoll__worker_post(fcoll_comm_t *comm, const fcoll__req_args_t *a,
                                  fcoll_request_t **req);
/* Waits for queued operations, then runs a on the calling thread. */
fcoll_status_t fcoll__worker_run_sync(fcoll_comm_t *comm, const fcoll__req_args_t *a);
void fcoll__worker_stop(fcoll_comm_t *comm);

#endif

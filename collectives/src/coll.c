/* Public operations: argument checks, algorithm choice, dispatch. Blocking
 * calls run on the caller's thread once earlier non-blocking ones are done;
 * non-blocking calls queue the same description for the progress thread. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "algo/algo.h"
#include "internal.h"
#include "worker.h"

/* Messages up to this size use recursive doubling: latency bound, and small
 * enough to sit in the staging slots (rd sends and receives the same bytes). */
#define RD_MAX_BYTES (16u << 10)
/* Below this, halving-doubling's log n steps beat the ring's 2(n-1). */
#define RHD_MAX_BYTES (512u << 10)
/* Where every peer's buffers can be read and written directly (shm with
 * cross-memory attach), the direct algorithm moves the fewest bytes and
 * waits twice in all. With 2 ranks it beats the ring from 64 KiB on
 * (64 KiB: 7-11 us, the ring 66-106 us in the same session though at a
 * higher load; bench runs: 0.72-0.92 GB/s busbw before, 9.09 after); with
 * more ranks, halving-doubling's fewer, smaller messages win up to
 * RHD_MAX_BYTES. */
#define DIRECT_MIN_BYTES (64u << 10)
/* Broadcast/reduce switch from binomial trees to a pipelined chain here. */
#define CHAIN_MIN_BYTES (256u << 10)

void *fcoll__scratch(fcoll_comm_t *comm, size_t len)
{
    if (len <= comm->scratch_len)
        return comm->scratch;
    void *p = realloc(comm->scratch, len);
    if (p == NULL)
        return NULL;
    comm->scratch = p;
    comm->scratch_len = len;
    return p;
}

static int needs_op(fcoll__opkind_t k)
{
    return k == FCOLL__OP_ALLREDUCE || k == FCOLL__OP_REDUCE || k == FCOLL__OP_REDUCE_SCATTER;
}

fcoll_status_t fcoll__validate(fcoll_comm_t *comm, const fcoll__req_args_t *a)
{
    if (comm == NULL)
        return FCOLL_ERR_NULL_POINTER;
    if (atomic_load(&comm->aborted))
        return FCOLL_ERR_ABORTED;
    if (atomic_load(&comm->error) != FCOLL_OK)
        return FCOLL_ERR_COMM_FAILED;
    if (comm->in_group && a->kind != FCOLL__OP_SEND && a->kind != FCOLL__OP_RECV)
        return FCOLL_ERR_INVALID_USAGE;
    if (a->kind == FCOLL__OP_BARRIER)
        return FCOLL_OK;
    size_t es = fcoll_dtype_size(a->dtype);
    if (es == 0)
        return FCOLL_ERR_INVALID_DTYPE;
    if (needs_op(a->kind) && (unsigned)a->op >= FCOLL_NUM_OPS)
        return FCOLL_ERR_INVALID_OP;
    int n = comm->nranks, me = comm->rank;
    if ((a->kind == FCOLL__OP_REDUCE || a->kind == FCOLL__OP_BCAST) &&
        (a->root < 0 || a->root >= n))
        return FCOLL_ERR_INVALID_RANK;
    /* To oneself only inside a group: alone, the send would wait forever
     * for its receive. */
    if ((a->kind == FCOLL__OP_SEND || a->kind == FCOLL__OP_RECV) &&
        (a->root < 0 || a->root >= n || (a->root == me && !comm->in_group)))
        return FCOLL_ERR_INVALID_RANK;
    /* Total bytes any buffer spans must fit in ptrdiff_t. */
    size_t mult = a->kind == FCOLL__OP_ALLGATHER || a->kind == FCOLL__OP_REDUCE_SCATTER ||
                          a->kind == FCOLL__OP_ALLTOALL
                      ? (size_t)n
                      : 1;
    if (a->count > (size_t)PTRDIFF_MAX / es / mult)
        return FCOLL_ERR_COUNT_OVERFLOW;
    if (a->count == 0)
        return FCOLL_OK;
    int need_s = 1, need_r = 1;
    switch (a->kind) {
    case FCOLL__OP_REDUCE:
        need_r = me == a->root;
        break;
    case FCOLL__OP_BCAST:
        need_s = me == a->root;
        break;
    case FCOLL__OP_SEND:
        need_r = 0;
        break;
    case FCOLL__OP_RECV:
        need_s = 0;
        break;
    default:
        break;
    }
    if ((need_s && a->sbuf == NULL) || (need_r && a->rbuf == NULL))
        return FCOLL_ERR_NULL_POINTER;
    return FCOLL_OK;
}

static int algo_is(const fcoll_comm_t *c, int algo)
{
    return c->opts.algo == algo;
}

static fcoll_status_t allreduce(fcoll_comm_t *c, const fcoll__req_args_t *a, fcoll__red_t red)
{
    size_t bytes = a->count * red.esize;
    if (c->nranks == 1) {
        if (a->rbuf != a->sbuf)
            memcpy(a->rbuf, a->sbuf, bytes);
        return FCOLL_OK;
    }
    int ring = algo_is(c, FCOLL__ALGO_RING), rhd = algo_is(c, FCOLL__ALGO_RHD);
    int rd = algo_is(c, FCOLL__ALGO_RD), tree = algo_is(c, FCOLL__ALGO_TREE);
    int direct = algo_is(c, FCOLL__ALGO_DIRECT);
    if (direct && !fcoll__direct_usable(c)) {
        FCOLL__DEBUG(&c->opts.log, "FCOLL_ALGO=direct: a peer's transport cannot, using ring");
        direct = 0;
        ring = 1;
    }
    if (rd && bytes > RD_MAX_BYTES) {
        /* rd streams a buffer against itself; above this size the staging
         * slots could not hold it. */
        FCOLL__DEBUG(&c->opts.log, "FCOLL_ALGO=rd: %zu bytes too big, using rhd", bytes);
        rd = 0;
        rhd = 1;
    }
    if (!ring && !rhd && !rd && !tree && !direct) {
        /* Small and all on one host: one shared-memory step. */
        if (fcoll__flat_usable(c, bytes))
            return fcoll__allreduce_flat(c, a->sbuf, a->rbuf, a->count, red);
        direct = bytes >= DIRECT_MIN_BYTES && (c->nranks == 2 || bytes > RHD_MAX_BYTES) &&
                 fcoll__direct_usable(c);
        rd = !direct && bytes <= RD_MAX_BYTES;
        /* Halving-doubling saves steps over the ring when the rank count is
         * a power of two above 2; with two ranks both take two steps (the
         * ring without rhd's copy into the output), and elsewhere rhd's
         * folding costs more than it saves (measured with 3 ranks). */
        int pow2 = (c->nranks & (c->nranks - 1)) == 0;
        rhd = !direct && !rd && bytes <= RHD_MAX_BYTES && c->nranks > 2 && pow2;
        ring = !direct && !rd && !rhd;
    }
    if (direct)
        return fcoll__allreduce_direct(c, a->sbuf, a->rbuf, a->count, red);
    if (ring)
        return fcoll__allreduce_ring(c, a->sbuf, a->rbuf, a->count, a->dtype, red);
    if (tree) {
        int chain = bytes >= CHAIN_MIN_BYTES;
        fcoll_status_t st = fcoll__reduce_tree(c, a->sbuf, a->rbuf, bytes, 0, chain, red);
        return st == FCOLL_OK ? fcoll__bcast_tree(c, a->rbuf, bytes, 0, chain) : st;
    }
    if (rhd)
        return fcoll__allreduce_rhd(c, a->sbuf, a->rbuf, a->count, red);
    if (a->rbuf != a->sbuf)
        memcpy(a->rbuf, a->sbuf, bytes);
    return fcoll__allreduce_rd(c, a->rbuf, bytes, red);
}

static int use_chain(const fcoll_comm_t *c, size_t bytes)
{
    if (algo_is(c, FCOLL__ALGO_RING))
        return 1;
    if (algo_is(c, FCOLL__ALGO_TREE))
        return 0;
    return bytes >= CHAIN_MIN_BYTES;
}

fcoll_status_t fcoll__execute(fcoll_comm_t *c, const fcoll__req_args_t *a)
{
    if (a->kind == FCOLL__OP_BARRIER)
        return c->nranks == 1 ? FCOLL_OK : fcoll__barrier_dissemination(c);
    if (a->count == 0)
        return FCOLL_OK;
    fcoll__red_t red = {fcoll__reduce_kernel(a->dtype, a->op), fcoll_dtype_size(a->dtype)};
    size_t bytes = a->count * red.esize;
    int n = c->nranks;
    fcoll_status_t st = FCOLL_OK;
    switch (a->kind) {
    case FCOLL__OP_ALLREDUCE:
        st = allreduce(c, a, red);
        if (st == FCOLL_OK && a->op == FCOLL_AVG)
            fcoll__avg_finish(a->rbuf, a->count, a->dtype, n);
        break;
    case FCOLL__OP_REDUCE:
        st = fcoll__reduce_tree(c, a->sbuf, a->rbuf, bytes, a->root, use_chain(c, bytes), red);
        if (st == FCOLL_OK && a->op == FCOLL_AVG && c->rank == a->root)
            fcoll__avg_finish(a->rbuf, a->count, a->dtype, n);
        break;
    case FCOLL__OP_BCAST:
        if (c->rank == a->root && a->rbuf != a->sbuf)
            memcpy(a->rbuf, a->sbuf, bytes);
        st = n == 1 ? FCOLL_OK : fcoll__bcast_tree(c, a->rbuf, bytes, a->root, use_chain(c, bytes));
        break;
    case FCOLL__OP_ALLGATHER:
        st = fcoll__allgather_ring(c, a->sbuf, a->rbuf, bytes);
        break;
    case FCOLL__OP_REDUCE_SCATTER:
        if (n == 1) {
            if (a->rbuf != a->sbuf)
                memcpy(a->rbuf, a->sbuf, bytes);
        } else {
            st = fcoll__reduce_scatter_ring(c, a->sbuf, a->rbuf, a->count, red);
        }
        if (st == FCOLL_OK && a->op == FCOLL_AVG)
            fcoll__avg_finish(a->rbuf, a->count, a->dtype, n);
        break;
    case FCOLL__OP_ALLTOALL:
        st = fcoll__alltoall_pairwise(c, a->sbuf, a->rbuf, bytes);
        break;
    case FCOLL__OP_SEND:
    case FCOLL__OP_RECV:
        c->plan.n = 0;
        if (a->kind == FCOLL__OP_SEND)
            fcoll__plan_send(&c->plan, a->root, a->sbuf, bytes, -1);
        else
            fcoll__plan_recv(&c->plan, a->root, a->rbuf, bytes, -1);
        st = fcoll__plan_run(c, &c->plan, a->kind == FCOLL__OP_SEND ? "send" : "recv");
        break;
    case FCOLL__OP_BARRIER:
    case FCOLL__OP_GROUP: /* handled before: worker.c runs groups */
        break;
    }
    return st;
}

/* Validates, then runs now (blocking) or queues (req != NULL). */
static fcoll_status_t submit(fcoll_comm_t *c, const fcoll__req_args_t *a, fcoll_request_t **req)
{
    if (req != NULL)
        *req = NULL;
    fcoll_status_t st = fcoll__validate(c, a);
    if (st != FCOLL_OK)
        return st;
    if (req != NULL)
        return fcoll__worker_post(c, a, req);
    return fcoll__worker_run_sync(c, a);
}

#define ARGS(...) (&(fcoll__req_args_t){__VA_ARGS__})

fcoll_status_t fcoll_allreduce(const void *s, void *r, size_t count, fcoll_dtype_t dt,
                               fcoll_op_t op, fcoll_comm_t *comm)
{
    return submit(comm, ARGS(FCOLL__OP_ALLREDUCE, s, r, count, dt, op, 0), NULL);
}

fcoll_status_t fcoll_reduce(const void *s, void *r, size_t count, fcoll_dtype_t dt, fcoll_op_t op,
                            int root, fcoll_comm_t *comm)
{
    return submit(comm, ARGS(FCOLL__OP_REDUCE, s, r, count, dt, op, root), NULL);
}

fcoll_status_t fcoll_broadcast(const void *s, void *r, size_t count, fcoll_dtype_t dt, int root,
                               fcoll_comm_t *comm)
{
    return submit(comm, ARGS(FCOLL__OP_BCAST, s, r, count, dt, FCOLL_SUM, root), NULL);
}

fcoll_status_t fcoll_allgather(const void *s, void *r, size_t count, fcoll_dtype_t dt,
                               fcoll_comm_t *comm)
{
    return submit(comm, ARGS(FCOLL__OP_ALLGATHER, s, r, count, dt, FCOLL_SUM, 0), NULL);
}

fcoll_status_t fcoll_reduce_scatter(const void *s, void *r, size_t count, fcoll_dtype_t dt,
                                    fcoll_op_t op, fcoll_comm_t *comm)
{
    return submit(comm, ARGS(FCOLL__OP_REDUCE_SCATTER, s, r, count, dt, op, 0), NULL);
}

fcoll_status_t fcoll_alltoall(const void *s, void *r, size_t count, fcoll_dtype_t dt,
                              fcoll_comm_t *comm)
{
    return submit(comm, ARGS(FCOLL__OP_ALLTOALL, s, r, count, dt, FCOLL_SUM, 0), NULL);
}

fcoll_status_t fcoll_barrier(fcoll_comm_t *comm)
{
    return submit(comm, ARGS(FCOLL__OP_BARRIER, NULL, NULL, 0, FCOLL_UINT8, FCOLL_SUM, 0), NULL);
}

fcoll_status_t fcoll_iallreduce(const void *s, void *r, size_t count, fcoll_dtype_t dt,
                                fcoll_op_t op, fcoll_comm_t *comm, fcoll_request_t **req)
{
    if (req == NULL)
        return FCOLL_ERR_NULL_POINTER;
    return submit(comm, ARGS(FCOLL__OP_ALLREDUCE, s, r, count, dt, op, 0), req);
}

fcoll_status_t fcoll_ireduce(const void *s, void *r, size_t count, fcoll_dtype_t dt, fcoll_op_t op,
                             int root, fcoll_comm_t *comm, fcoll_request_t **req)
{
    if (req == NULL)
        return FCOLL_ERR_NULL_POINTER;
    return submit(comm, ARGS(FCOLL__OP_REDUCE, s, r, count, dt, op, root), req);
}

fcoll_status_t fcoll_ibroadcast(const void *s, void *r, size_t count, fcoll_dtype_t dt, int root,
                                fcoll_comm_t *comm, fcoll_request_t **req)
{
    if (req == NULL)
        return FCOLL_ERR_NULL_POINTER;
    return submit(comm, ARGS(FCOLL__OP_BCAST, s, r, count, dt, FCOLL_SUM, root), req);
}

fcoll_status_t fcoll_iallgather(const void *s, void *r, size_t count, fcoll_dtype_t dt,
                                fcoll_comm_t *comm, fcoll_request_t **req)
{
    if (req == NULL)
        return FCOLL_ERR_NULL_POINTER;
    return submit(comm, ARGS(FCOLL__OP_ALLGATHER, s, r, count, dt, FCOLL_SUM, 0), req);
}

fcoll_status_t fcoll_ireduce_scatter(const void *s, void *r, size_t count, fcoll_dtype_t dt,
                                     fcoll_op_t op, fcoll_comm_t *comm, fcoll_request_t **req)
{
    if (req == NULL)
        return FCOLL_ERR_NULL_POINTER;
    return submit(comm, ARGS(FCOLL__OP_REDUCE_SCATTER, s, r, count, dt, op, 0), req);
}

fcoll_status_t fcoll_ialltoall(const void *s, void *r, size_t count, fcoll_dtype_t dt,
                               fcoll_comm_t *comm, fcoll_request_t **req)
{
    if (req == NULL)
        return FCOLL_ERR_NULL_POINTER;
    return submit(comm, ARGS(FCOLL__OP_ALLTOALL, s, r, count, dt, FCOLL_SUM, 0), req);
}

fcoll_status_t fcoll_ibarrier(fcoll_comm_t *comm, fcoll_request_t **req)
{
    if (req == NULL)
        return FCOLL_ERR_NULL_POINTER;
    return submit(comm, ARGS(FCOLL__OP_BARRIER, NULL, NULL, 0, FCOLL_UINT8, FCOLL_SUM, 0), req);
}

fcoll_status_t fcoll_isend(const void *buf, size_t count, fcoll_dtype_t dt, int peer,
                           fcoll_comm_t *comm, fcoll_request_t **req)
{
    if (req == NULL)
        return FCOLL_ERR_NULL_POINTER;
    if (comm != NULL && comm->in_group)
        return FCOLL_ERR_INVALID_USAGE;
    return submit(comm, ARGS(FCOLL__OP_SEND, buf, NULL, count, dt, FCOLL_SUM, peer), req);
}

fcoll_status_t fcoll_irecv(void *buf, size_t count, fcoll_dtype_t dt, int peer, fcoll_comm_t *comm,
                           fcoll_request_t **req)
{
    if (req == NULL)
        return FCOLL_ERR_NULL_POINTER;
    if (comm != NULL && comm->in_group)
        return FCOLL_ERR_INVALID_USAGE;
    return submit(comm, ARGS(FCOLL__OP_RECV, NULL, buf, count, dt, FCOLL_SUM, peer), req);
}

/*
 * The collectives fcoll-perf measures, one row each: how a test size maps
 * to counts (nccl-tests' getCollByteCount), the busbw factor (nccl-tests'
 * doc/PERFORMANCE.md), how to call it, and its verifiable data.
 */
#include "perf.h"

#include <string.h>

static double factor_one(int n)
{
    (void)n;
    return 1.0;
}

static double factor_allreduce(int n)
{
    return 2.0 * (n - 1) / n;
}

static double factor_n1_n(int n)
{
    return (double)(n - 1) / n;
}

/* Same count in and out, in place at the same address. */
static void counts_same(size_t count, int n, struct perf_counts *c)
{
    (void)n;
    *c = (struct perf_counts){.send = count, .recv = count, .param = count};
}

static void *at(void *buf, size_t elems, fcoll_dtype_t t)
{
    return (char *)buf + elems * fcoll_dtype_size(t);
}

/* ---- allreduce ---- */

static fcoll_status_t run_allreduce(const void *s, void *r, size_t param, fcoll_dtype_t t,
                                    fcoll_op_t op, int root, fcoll_comm_t *comm)
{
    (void)root;
    return fcoll_allreduce(s, r, param, t, op, comm);
}

static void fill_reduce(void *send, const struct perf_counts *c, fcoll_dtype_t t, fcoll_op_t op,
                        int rank, int n, int root)
{
    (void)root;
    perf_fill(send, c->send, t, (int)op, rank, n, 0);
}

static size_t expect_allreduce(void *want, const struct perf_counts *c, fcoll_dtype_t t,
                               fcoll_op_t op, int rank, int n, int root)
{
    (void)rank;
    (void)root;
    perf_fill_reduced(want, c->recv, t, op, n, 0);
    return c->recv;
}

/* ---- broadcast ---- */

static fcoll_status_t run_broadcast(const void *s, void *r, size_t param, fcoll_dtype_t t,
                                    fcoll_op_t op, int root, fcoll_comm_t *comm)
{
    (void)op;
    return fcoll_broadcast(s, r, param, t, root, comm);
}

static void fill_broadcast(void *send, const struct perf_counts *c, fcoll_dtype_t t, fcoll_op_t op,
                           int rank, int n, int root)
{
    (void)op;
    if (rank == root)
        perf_fill(send, c->send, t, PERF_PATTERN_MOVE, root, n, 0);
}

static size_t expect_broadcast(void *want, const struct perf_counts *c, fcoll_dtype_t t,
                               fcoll_op_t op, int rank, int n, int root)
{
    (void)op;
    (void)rank;
    perf_fill(want, c->recv, t, PERF_PATTERN_MOVE, root, n, 0);
    return c->recv;
}

/* ---- reduce ---- */

static fcoll_status_t run_reduce(const void *s, void *r, size_t param, fcoll_dtype_t t,
                                 fcoll_op_t op, int root, fcoll_comm_t *comm)
{
    return fcoll_reduce(s, r, param, t, op, root, comm);
}

static size_t expect_reduce(void *want, const struct perf_counts *c, fcoll_dtype_t t, fcoll_op_t op,
                            int rank, int n, int root)
{
    if (rank != root)
        return 0;
    perf_fill_reduced(want, c->recv, t, op, n, 0);
    return c->recv;
}

/* ---- allgather: size is the gathered buffer ---- */

static void counts_allgather(size_t count, int n, struct perf_counts *c)
{
    size_t base = count / (size_t)n;
    *c = (struct perf_counts){
        .send = base, .recv = base * (size_t)n, .param = base, .send_inplace_off = base};
}

static fcoll_status_t run_allgather(const void *s, void *r, size_t param, fcoll_dtype_t t,
                                    fcoll_op_t op, int root, fcoll_comm_t *comm)
{
    (void)op;
    (void)root;
    return fcoll_allgather(s, r, param, t, comm);
}

static void fill_move(void *send, const struct perf_counts *c, fcoll_dtype_t t, fcoll_op_t op,
                      int rank, int n, int root)
{
    (void)op;
    (void)root;
    perf_fill(send, c->send, t, PERF_PATTERN_MOVE, rank, n, 0);
}

static size_t expect_allgather(void *want, const struct perf_counts *c, fcoll_dtype_t t,
                               fcoll_op_t op, int rank, int n, int root)
{
    (void)op;
    (void)rank;
    (void)root;
    for (int r = 0; r < n; r++)
        perf_fill(at(want, (size_t)r * c->param, t), c->param, t, PERF_PATTERN_MOVE, r, n, 0);
    return c->recv;
}

/* ---- reduce-scatter: size is the buffer that is scattered ---- */

static void counts_reduce_scatter(size_t count, int n, struct perf_counts *c)
{
    size_t base = count / (size_t)n;
    *c = (struct perf_counts){
        .send = base * (size_t)n, .recv = base, .param = base, .recv_inplace_off = base};
}

static fcoll_status_t run_reduce_scatter(const void *s, void *r, size_t param, fcoll_dtype_t t,
                                         fcoll_op_t op, int root, fcoll_comm_t *comm)
{
    (void)root;
    return fcoll_reduce_scatter(s, r, param, t, op, comm);
}

static size_t expect_reduce_scatter(void *want, const struct perf_counts *c, fcoll_dtype_t t,
                                    fcoll_op_t op, int rank, int n, int root)
{
    (void)root;
    perf_fill_reduced(want, c->recv, t, op, n, (size_t)rank * c->param);
    return c->recv;
}

/* ---- alltoall: size is the whole buffer, count per peer ---- */

static void counts_alltoall(size_t count, int n, struct perf_counts *c)
{
    size_t base = count / (size_t)n;
    *c = (struct perf_counts){.send = base * (size_t)n, .recv = base * (size_t)n, .param = base};
}

static fcoll_status_t run_alltoall(const void *s, void *r, size_t param, fcoll_dtype_t t,
                                   fcoll_op_t op, int root, fcoll_comm_t *comm)
{
    (void)op;
    (void)root;
    return fcoll_alltoall(s, r, param, t, comm);
}

static size_t expect_alltoall(void *want, const struct perf_counts *c, fcoll_dtype_t t,
                              fcoll_op_t op, int rank, int n, int root)
{
    (void)op;
    (void)root;
    /* Block s came from rank s's block number `rank`. */
    for (int s = 0; s < n; s++)
        perf_fill(at(want, (size_t)s * c->param, t), c->param, t, PERF_PATTERN_MOVE, s, n,
                  (size_t)rank * c->param);
    return c->recv;
}

/* ---- sendrecv: every rank sends to the next and receives from the previous ---- */

static fcoll_status_t run_sendrecv(const void *s, void *r, size_t param, fcoll_dtype_t t,
                                   fcoll_op_t op, int root, fcoll_comm_t *comm)
{
    int rank, n;
    fcoll_status_t st, st_end;

    (void)op;
    (void)root;
    if ((st = fcoll_comm_rank(comm, &rank)) != FCOLL_OK ||
        (st = fcoll_comm_size(comm, &n)) != FCOLL_OK || (st = fcoll_group_start(comm)) != FCOLL_OK)
        return st;
    st = fcoll_send(s, param, t, (rank + 1) % n, comm);
    if (st == FCOLL_OK)
        st = fcoll_recv(r, param, t, (rank + n - 1) % n, comm);
    st_end = fcoll_group_end(comm);
    return st != FCOLL_OK ? st : st_end;
}

static size_t expect_sendrecv(void *want, const struct perf_counts *c, fcoll_dtype_t t,
                              fcoll_op_t op, int rank, int n, int root)
{
    (void)op;
    (void)root;
    perf_fill(want, c->recv, t, PERF_PATTERN_MOVE, (rank + n - 1) % n, n, 0);
    return c->recv;
}

const struct perf_coll perf_colls[] = {
    {"allreduce", 1, 0, 1, factor_allreduce, counts_same, run_allreduce, fill_reduce,
     expect_allreduce},
    {"broadcast", 0, 1, 1, factor_one, counts_same, run_broadcast, fill_broadcast,
     expect_broadcast},
    {"reduce", 1, 1, 1, factor_one, counts_same, run_reduce, fill_reduce, expect_reduce},
    {"allgather", 0, 0, 1, factor_n1_n, counts_allgather, run_allgather, fill_move,
     expect_allgather},
    {"reducescatter", 1, 0, 1, factor_n1_n, counts_reduce_scatter, run_reduce_scatter, fill_reduce,
     expect_reduce_scatter},
    {"alltoall", 0, 0, 1, factor_n1_n, counts_alltoall, run_alltoall, fill_move, expect_alltoall},
    /* Sending and receiving in one buffer at once has no defined result. */
    {"sendrecv", 0, 0, 0, factor_one, counts_same, run_sendrecv, fill_move, expect_sendrecv},
};
const int perf_ncolls = (int)(sizeof(perf_colls) / sizeof(perf_colls[0]));

/* Also takes nccl-tests' binary names: all_reduce, reduce_scatter_perf. */
const struct perf_coll *perf_coll_find(const char *name)
{
    char plain[32];
    size_t len = 0;

    for (; *name && len + 1 < sizeof(plain); name++)
        if (*name != '_')
            plain[len++] = *name;
    plain[len] = '\0';
    if (len > 4 && strcmp(plain + len - 4, "perf") == 0)
        plain[len - 4] = '\0';
    for (int i = 0; i < perf_ncolls; i++)
        if (strcmp(perf_colls[i].name, plain) == 0)
            return &perf_colls[i];
    return NULL;
}

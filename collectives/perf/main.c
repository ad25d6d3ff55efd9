/*
 * fcoll-perf: nccl-tests for fcoll. Each process is one rank; ranks come
 * from the launcher's environment (fcoll-run, mpirun, srun, torchrun). For
 * every collective, type, op and size it times -n iterations out of place
 * and in place, reports time, algbw and busbw as nccl-tests does, and then
 * checks -c runs bit for bit against exactly computed results.
 */
#include "perf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct bench {
    const struct perf_opts *o;
    fcoll_comm_t *comm;
    int rank, nranks;
    char *send, *recv, *want; /* each `cap` bytes */
    size_t cap;
    int rows;
    double busbw_sum;
    long long wrong;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Fails the whole job: aborting the communicator makes the other ranks'
 * operations fail at once instead of waiting for their timeout. */
static void die(struct bench *b, const char *what, fcoll_status_t st)
{
    fprintf(stderr, "fcoll-perf: rank %d: %s: %s\n", b->rank, what, fcoll_strerror(st));
    if (b->comm) {
        fcoll_comm_abort(b->comm);
        fcoll_comm_destroy(b->comm);
    }
    exit(1);
}

static void check_st(struct bench *b, const char *what, fcoll_status_t st)
{
    if (st != FCOLL_OK)
        die(b, what, st);
}

/* The launchers fcoll_comm_init_env understands; without any, one rank. */
static int launched(void)
{
    static const char *vars[] = {"RANK", "OMPI_COMM_WORLD_RANK", "PMI_RANK", "SLURM_PROCID"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}

static void init_comm(struct bench *b)
{
    if (launched()) {
        check_st(b, "init from environment", fcoll_comm_init_env(&b->comm, NULL));
    } else {
        fcoll_unique_id_t id;
        check_st(b, "unique id", fcoll_get_unique_id(&id));
        check_st(b, "init", fcoll_comm_init_rank(&b->comm, 1, id, 0));
    }
    check_st(b, "rank", fcoll_comm_rank(b->comm, &b->rank));
    check_st(b, "size", fcoll_comm_size(b->comm, &b->nranks));
    if (b->o->timeout_s)
        check_st(b, "timeout", fcoll_comm_set_timeout(b->comm, b->o->timeout_s * 1000));
}

/* One figure per job from one per rank, the way -a asks. */
static double combine(struct bench *b, double v)
{
    static const fcoll_op_t ops[] = {
        [PERF_AVG_MEAN] = FCOLL_AVG, [PERF_AVG_MIN] = FCOLL_MIN, [PERF_AVG_MAX] = FCOLL_MAX};
    if (b->o->average == PERF_AVG_RANK0)
        check_st(b, "broadcast time", fcoll_broadcast(&v, &v, 1, FCOLL_FLOAT64, 0, b->comm));
    else
        check_st(b, "combine time",
                 fcoll_allreduce(&v, &v, 1, FCOLL_FLOAT64, ops[b->o->average], b->comm));
    return v;
}

struct op_args {
    const struct perf_coll *coll;
    fcoll_dtype_t type;
    fcoll_op_t op;
    int root;
    struct perf_counts c;
};

static void run_once(struct bench *b, const struct op_args *a, const void *s, void *r)
{
    fcoll_status_t st = a->coll->run(s, r, a->c.param, a->type, a->op, a->root, b->comm);
    if (st != FCOLL_OK) {
        char what[96];
        snprintf(what, sizeof(what), "%s of %zu elements", a->coll->name, a->c.param);
        die(b, what, st);
    }
}

static void bench_placement(struct bench *b, const struct op_args *a, int in_place, size_t bytes,
                            struct perf_result *res)
{
    const size_t ts = fcoll_dtype_size(a->type);
    const size_t span = (a->c.send > a->c.recv ? a->c.send : a->c.recv) * ts;
    void *s = in_place ? b->recv + a->c.send_inplace_off * (size_t)b->rank * ts : b->send;
    void *r = in_place ? b->recv + a->c.recv_inplace_off * (size_t)b->rank * ts : b->recv;
    long long wrong = 0;

    /* Real data also while timing: reductions of arbitrary bytes could hit
     * slow paths (subnormals) that real workloads do not. */
    a->coll->fill(s, &a->c, a->type, a->op, b->rank, b->nranks, a->root);
    check_st(b, "barrier", fcoll_barrier(b->comm));
    double t0 = now();
    for (int i = 0; i < b->o->iters; i++)
        run_once(b, a, s, r);
    double sec = combine(b, (now() - t0) / b->o->iters);

    res->time_us = sec * 1e6;
    res->algbw = sec > 0 ? (double)bytes / sec / 1e9 : 0;
    res->busbw = res->algbw * a->coll->bus_factor(b->nranks);
    res->wrong = b->o->check ? 0 : -1;
    for (int c = 0; c < b->o->check; c++) {
        /* Poison first, so that a result not written is not taken as right. */
        memset(b->recv, 0xa5, span);
        a->coll->fill(s, &a->c, a->type, a->op, b->rank, b->nranks, a->root);
        run_once(b, a, s, r);
        size_t n = a->coll->expect(b->want, &a->c, a->type, a->op, b->rank, b->nranks, a->root);
        long long mine = (long long)perf_count_wrong(r, b->want, n, a->type);
        check_st(b, "sum wrong counts",
                 fcoll_allreduce(&mine, &wrong, 1, FCOLL_INT64, FCOLL_SUM, b->comm));
        res->wrong += wrong;
        if (wrong)
            break;
    }
}

static void bench_size(struct bench *b, struct op_args *a, size_t bytes)
{
    const size_t ts = fcoll_dtype_size(a->type);
    struct perf_row row = {
        .index = b->rows++, .coll = a->coll, .type = a->type, .op = a->op, .root = a->root};

    a->coll->counts(bytes / ts, b->nranks, &a->c);
    row.bytes = (a->c.send > a->c.recv ? a->c.send : a->c.recv) * ts;
    row.count = a->c.param;
    bench_placement(b, a, 0, row.bytes, &row.out_of_place);
    b->busbw_sum += row.out_of_place.busbw;
    b->wrong += row.out_of_place.wrong > 0 ? row.out_of_place.wrong : 0;
    if (a->coll->in_place) {
        bench_placement(b, a, 1, row.bytes, &row.in_place);
        b->busbw_sum += row.in_place.busbw;
        b->wrong += row.in_place.wrong > 0 ? row.in_place.wrong : 0;
    }
    if (b->rank == 0)
        perf_report_row(b->o, &row);
}

static size_t next_size(const struct perf_opts *o, size_t size)
{
    size_t next =
        o->step_factor > 1 ? (size_t)((double)size * o->step_factor) : size + o->step_bytes;
    return next > size ? next : size + 1;
}

/* Warm up at the largest and smallest sizes first, as nccl-tests does:
 * connections, buffers and page faults are then out of the timed loop. */
static void warm_up(struct bench *b, struct op_args *a)
{
    const size_t sizes[] = {b->o->max_bytes, b->o->min_bytes};
    for (size_t k = 0; k < 2; k++) {
        a->coll->counts(sizes[k] / fcoll_dtype_size(a->type), b->nranks, &a->c);
        for (int i = 0; i < b->o->warmup; i++)
            run_once(b, a, b->send, b->recv);
    }
}

static int busbw_samples(const struct perf_opts *o, const struct perf_coll *coll)
{
    int sizes = 0;
    for (size_t s = o->min_bytes; s <= o->max_bytes; s = next_size(o, s))
        sizes++;
    return sizes * (coll->in_place ? 2 : 1) * o->ntypes * (coll->reduces ? o->nops : 1);
}

int main(int argc, char **argv)
{
    struct perf_opts o;
    struct bench b = {.o = &o};
    int samples = 0, rc = perf_parse_args(argc, argv, &o);

    if (rc)
        return rc < 0 ? 0 : 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    init_comm(&b);
    if (o.root >= b.nranks) {
        fprintf(stderr, "fcoll-perf: root %d out of range for %d ranks\n", o.root, b.nranks);
        fcoll_comm_destroy(b.comm);
        return 2;
    }
    /* Buffers are page-aligned, like the cudaMalloc'd ones of nccl-tests;
     * with -R 1 they come from the library, like ncclMemAlloc'd ones. */
    b.cap = (o.max_bytes + 4095) / 4096 * 4096 + 4096;
    if (o.registered) {
        check_st(&b, "fcoll_mem_alloc", fcoll_mem_alloc((void **)&b.send, b.cap, b.comm));
        check_st(&b, "fcoll_mem_alloc", fcoll_mem_alloc((void **)&b.recv, b.cap, b.comm));
    } else if (posix_memalign((void **)&b.send, 4096, b.cap) ||
               posix_memalign((void **)&b.recv, 4096, b.cap)) {
        die(&b, "buffers", FCOLL_ERR_NO_MEMORY);
    }
    if (posix_memalign((void **)&b.want, 4096, b.cap))
        die(&b, "buffers", FCOLL_ERR_NO_MEMORY);
    memset(b.send, 0, b.cap);
    memset(b.recv, 0, b.cap);

    if (b.rank == 0)
        perf_report_begin(&o, b.comm, b.nranks);
    for (int ci = 0; ci < o.ncolls; ci++) {
        struct op_args a = {.coll = o.colls[ci], .root = o.colls[ci]->rooted ? o.root : 0};
        if (b.rank == 0)
            perf_report_coll(&o, a.coll);
        samples += busbw_samples(&o, a.coll);
        for (int ti = 0; ti < o.ntypes; ti++) {
            for (int oi = 0; oi < (a.coll->reduces ? o.nops : 1); oi++) {
                a.type = o.types[ti];
                a.op = a.coll->reduces ? o.ops[oi] : FCOLL_SUM;
                warm_up(&b, &a);
                for (size_t s = o.min_bytes; s <= o.max_bytes; s = next_size(&o, s))
                    bench_size(&b, &a, s);
            }
        }
    }
    if (b.rank == 0)
        perf_report_end(&o, samples ? b.busbw_sum / samples : 0, b.wrong);

    if (o.registered) {
        check_st(&b, "fcoll_mem_free", fcoll_mem_free(b.send, b.comm));
        check_st(&b, "fcoll_mem_free", fcoll_mem_free(b.recv, b.comm));
    } else {
        free(b.send);
        free(b.recv);
    }
    check_st(&b, "destroy", fcoll_comm_destroy(b.comm));
    free(b.want);
    return b.wrong ? 1 : 0;
}

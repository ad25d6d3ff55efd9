/* Correctness suite: every collective x type x op x size, in place and out
 * of place, against references computed here from the same inputs.
 *
 *   fcoll-test-coll [-n RANKS] [-t shm|tcp] [-q] [-l]
 *     -n  ranks to fork (default $FCOLL_TEST_RANKS or 4)
 *     -t  transport (default $FCOLL_TRANSPORT, else automatic)
 *     -l  also run the large (several MiB) cases for every algorithm
 *     -e  do not fork: this process is one rank of a job started by a
 *         launcher (RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT...)
 * Prints "PASS fcoll-test-coll ..." or "FAIL fcoll-test-coll ..." and exits
 * 0 or 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

typedef struct opts {
    const char *transport;
    int large;
} opts_t;

typedef struct ctx {
    fcoll_comm_t *comm;
    int rank, n;
    const char *algo;
    size_t checks, bad;
    char *a, *b, *c; /* buffers sized for the largest case */
    size_t cap;
} ctx_t;

static void check(ctx_t *x, fcoll_status_t st, const void *got, const void *want, size_t count,
                  fcoll_dtype_t dt, fcoll_op_t op, const char *what, size_t n_el, int inplace)
{
    char label[160];
    snprintf(label, sizeof(label), "rank %d: %s %s/%s count %zu %s algo %s", x->rank, what,
             fcoll_dtype_name(dt), fcoll_op_name(op), n_el, inplace ? "in-place" : "out-of-place",
             x->algo ? x->algo : "auto");
    x->checks++;
    if (st != FCOLL_OK) {
        fprintf(stderr, "%s: returned %s\n", label, fcoll_strerror(st));
        x->bad++;
        return;
    }
    if (ref_compare(got, want, count, dt, op, label) != 0)
        x->bad++;
}

static uint64_t seed_of(int kind, fcoll_dtype_t dt, fcoll_op_t op, size_t count)
{
    return (uint64_t)kind * 1000003u + (uint64_t)dt * 101u + (uint64_t)op * 7u + count;
}

static void t_allreduce(ctx_t *x, fcoll_dtype_t dt, fcoll_op_t op, size_t count, int inplace)
{
    size_t es = fcoll_dtype_size(dt);
    uint64_t seed = seed_of(1, dt, op, count);
    ref_fill(x->a, count, dt, op, x->rank, seed, 0);
    ref_reduce(x->c, count, dt, op, x->n, seed, 0);
    void *out = inplace ? x->a : x->b;
    if (!inplace)
        memset(x->b, 0x5a, count * es);
    fcoll_status_t st = fcoll_allreduce(x->a, out, count, dt, op, x->comm);
    check(x, st, out, x->c, count, dt, op, "allreduce", count, inplace);
}

static void t_reduce(ctx_t *x, fcoll_dtype_t dt, fcoll_op_t op, size_t count, int inplace)
{
    int root = (int)(count % (size_t)x->n);
    uint64_t seed = seed_of(2, dt, op, count);
    ref_fill(x->a, count, dt, op, x->rank, seed, 0);
    ref_reduce(x->c, count, dt, op, x->n, seed, 0);
    void *out = inplace ? x->a : x->b;
    fcoll_status_t st =
        fcoll_reduce(x->a, x->rank == root ? out : NULL, count, dt, op, root, x->comm);
    if (x->rank == root || st != FCOLL_OK)
        check(x, st, out, x->c, count, dt, op, "reduce", count, inplace);
}

static void t_bcast(ctx_t *x, fcoll_dtype_t dt, size_t count, int inplace)
{
    int root = (int)((count + 1) % (size_t)x->n);
    uint64_t seed = seed_of(3, dt, FCOLL_SUM, count);
    ref_fill(x->c, count, dt, FCOLL_SUM, root, seed, 0);
    if (x->rank == root)
        memcpy(x->a, x->c, count * fcoll_dtype_size(dt));
    void *out = inplace ? x->a : x->b;
    fcoll_status_t st =
        fcoll_broadcast(x->rank == root ? x->a : NULL, out, count, dt, root, x->comm);
    check(x, st, out, x->c, count, dt, FCOLL_SUM, "broadcast", count, inplace);
}

static void t_allgather(ctx_t *x, fcoll_dtype_t dt, size_t count, int inplace)
{
    size_t es = fcoll_dtype_size(dt), bytes = count * es;
    uint64_t seed = seed_of(4, dt, FCOLL_SUM, count);
    for (int q = 0; q < x->n; q++)
        ref_fill(x->c + (size_t)q * bytes, count, dt, FCOLL_SUM, q, seed, 0);
    char *in = inplace ? x->b + (size_t)x->rank * bytes : x->a;
    ref_fill(in, count, dt, FCOLL_SUM, x->rank, seed, 0);
    fcoll_status_t st = fcoll_allgather(in, x->b, count, dt, x->comm);
    check(x, st, x->b, x->c, count * (size_t)x->n, dt, FCOLL_SUM, "allgather", count, inplace);
}

static void t_reduce_scatter(ctx_t *x, fcoll_dtype_t dt, fcoll_op_t op, size_t count, int inplace)
{
    size_t es = fcoll_dtype_size(dt);
    uint64_t seed = seed_of(5, dt, op, count);
    ref_fill(x->a, count * (size_t)x->n, dt, op, x->rank, seed, 0);
    ref_reduce(x->c, count, dt, op, x->n, seed, count * (size_t)x->rank);
    char *out = inplace ? x->a + (size_t)x->rank * count * es : x->b;
    fcoll_status_t st = fcoll_reduce_scatter(x->a, out, count, dt, op, x->comm);
    check(x, st, out, x->c, count, dt, op, "reduce_scatter", count, inplace);
}

static void t_alltoall(ctx_t *x, fcoll_dtype_t dt, size_t count, int inplace)
{
    size_t bytes = count * fcoll_dtype_size(dt);
    uint64_t seed = seed_of(6, dt, FCOLL_SUM, count);
    ref_fill(x->a, count * (size_t)x->n, dt, FCOLL_SUM, x->rank, seed, 0);
    for (int q = 0; q < x->n; q++)
        ref_fill(x->c + (size_t)q * bytes, count, dt, FCOLL_SUM, q, seed, count * (size_t)x->rank);
    void *out = inplace ? x->a : x->b;
    fcoll_status_t st = fcoll_alltoall(x->a, out, count, dt, x->comm);
    check(x, st, out, x->c, count * (size_t)x->n, dt, FCOLL_SUM, "alltoall", count, inplace);
}

/* Every rank sends to the next and the previous one and to itself in one
 * group (with one rank, all three go to itself and pair up in order). */
static void t_sendrecv(ctx_t *x, fcoll_dtype_t dt, size_t count)
{
    size_t bytes = count * fcoll_dtype_size(dt);
    int next = (x->rank + 1) % x->n, prev = (x->rank + x->n - 1) % x->n;
    uint64_t seed = seed_of(7, dt, FCOLL_SUM, count);
    ref_fill(x->a, count, dt, FCOLL_SUM, x->rank, seed, 0);
    fcoll_status_t st = fcoll_group_start(x->comm);
    if (st == FCOLL_OK) {
        fcoll_send(x->a, count, dt, next, x->comm);
        fcoll_send(x->a, count, dt, prev, x->comm);
        fcoll_send(x->a, count, dt, x->rank, x->comm);
        fcoll_recv(x->b, count, dt, prev, x->comm);
        fcoll_recv(x->b + bytes, count, dt, next, x->comm);
        fcoll_recv(x->b + 2 * bytes, count, dt, x->rank, x->comm);
        st = fcoll_group_end(x->comm);
    }
    ref_fill(x->c, count, dt, FCOLL_SUM, prev, seed, 0);
    ref_fill(x->c + bytes, count, dt, FCOLL_SUM, next, seed, 0);
    if (x->n == 2) /* prev == next: the two messages arrive in order */
        memcpy(x->c + bytes, x->c, bytes);
    ref_fill(x->c + 2 * bytes, count, dt, FCOLL_SUM, x->rank, seed, 0);
    check(x, st, x->b, x->c, 3 * count, dt, FCOLL_SUM, "send/recv", count, 0);
}

/* Back-to-back messages to one peer in one batch, sized around the tcp
 * transport's framing: its 4 KiB read-ahead (several small messages and
 * headers arrive in one recv) and its chunk of 64 KiB - 128 (one segment of
 * loopback's MTU with the header). Each lands whole and in order. */
static void t_framing(ctx_t *x)
{
    static const size_t sizes[] = {0,     1,      15,   16,    17,    4079,  4080,
                                   4096,  4097,   8191, 65407, 65408, 65409, 65536,
                                   65537, 130819, 3,    0,     2,     1};
    const size_t nsizes = sizeof(sizes) / sizeof(sizes[0]);
    int next = (x->rank + 1) % x->n, prev = (x->rank + x->n - 1) % x->n;
    size_t total = 0;
    for (size_t i = 0; i < nsizes; i++)
        total += sizes[i];
    uint64_t seed = seed_of(10, FCOLL_UINT8, FCOLL_SUM, total);
    ref_fill(x->a, total, FCOLL_UINT8, FCOLL_SUM, x->rank, seed, 0);
    memset(x->b, 0, total);
    fcoll_status_t st = fcoll_group_start(x->comm);
    for (size_t i = 0, at = 0; st == FCOLL_OK && i < nsizes; at += sizes[i++]) {
        fcoll_send(x->a + at, sizes[i], FCOLL_UINT8, next, x->comm);
        fcoll_recv(x->b + at, sizes[i], FCOLL_UINT8, prev, x->comm);
    }
    if (st == FCOLL_OK)
        st = fcoll_group_end(x->comm);
    ref_fill(x->c, total, FCOLL_UINT8, FCOLL_SUM, prev, seed, 0);
    check(x, st, x->b, x->c, total, FCOLL_UINT8, FCOLL_SUM, "send/recv batch", total, 0);
}

/* Two overlapping non-blocking operations and a blocking one after them. */
static void t_nonblocking(ctx_t *x, size_t count)
{
    fcoll_dtype_t dt = FCOLL_INT32;
    size_t bytes = count * 4;
    uint64_t s1 = seed_of(8, dt, FCOLL_SUM, count), s2 = seed_of(9, dt, FCOLL_MAX, count);
    ref_fill(x->a, count, dt, FCOLL_SUM, x->rank, s1, 0);
    ref_fill(x->a + bytes, count, dt, FCOLL_MAX, x->rank, s2, 0);
    fcoll_request_t *r1, *r2;
    fcoll_status_t st = fcoll_iallreduce(x->a, x->b, count, dt, FCOLL_SUM, x->comm, &r1);
    fcoll_status_t st2 =
        fcoll_iallreduce(x->a + bytes, x->b + bytes, count, dt, FCOLL_MAX, x->comm, &r2);
    int done = 0;
    if (st == FCOLL_OK)
        while (!done && st == FCOLL_OK)
            st = fcoll_test(&r1, &done);
    if (st2 == FCOLL_OK)
        st2 = fcoll_wait(&r2);
    ref_reduce(x->c, count, dt, FCOLL_SUM, x->n, s1, 0);
    ref_reduce(x->c + bytes, count, dt, FCOLL_MAX, x->n, s2, 0);
    check(x, st, x->b, x->c, count, dt, FCOLL_SUM, "iallreduce", count, 0);
    check(x, st2, x->b + bytes, x->c + bytes, count, dt, FCOLL_MAX, "iallreduce", count, 0);
    x->checks++;
    if ((st = fcoll_barrier(x->comm)) != FCOLL_OK) {
        fprintf(stderr, "rank %d: barrier: %s\n", x->rank, fcoll_strerror(st));
        x->bad++;
    }
}

/* The full type x op matrix at small sizes. Eight ranks oversubscribe a
 * small CI machine, so they get the odd and not-divisible sizes only. */
static void matrix(ctx_t *x)
{
    size_t counts[] = {0, 1, (size_t)x->n * 13 + 1, 7, 1031};
    size_t ncounts = x->n >= 8 ? 3 : 5;
    for (size_t ci = 0; ci < ncounts; ci++) {
        size_t count = counts[ci];
        for (int dt = 0; dt < FCOLL_NUM_DTYPES; dt++) {
            for (int ip = 0; ip < 2; ip++) {
                for (int op = 0; op < FCOLL_NUM_OPS; op++) {
                    t_allreduce(x, dt, op, count, ip);
                    t_reduce(x, dt, op, count, ip);
                    t_reduce_scatter(x, dt, op, count, ip);
                }
                t_bcast(x, dt, count, ip);
                t_allgather(x, dt, count, ip);
                t_alltoall(x, dt, count, ip);
            }
            t_sendrecv(x, dt, count);
        }
    }
}

/* Several MiB: chunking, pipelining and every algorithm's large path. */
static void large(ctx_t *x, size_t count)
{
    for (int ip = 0; ip < 2; ip++) {
        t_allreduce(x, FCOLL_FLOAT32, FCOLL_SUM, count, ip);
        t_allreduce(x, FCOLL_BFLOAT16, FCOLL_MAX, count + 3, ip);
        t_reduce(x, FCOLL_INT32, FCOLL_SUM, count, ip);
        t_bcast(x, FCOLL_UINT8, count * 4 + 5, ip);
    }
    t_allgather(x, FCOLL_FLOAT32, count / (size_t)x->n + 1, 0);
    t_reduce_scatter(x, FCOLL_INT64, FCOLL_SUM, count / (size_t)x->n / 2 + 1, 0);
    t_alltoall(x, FCOLL_INT32, count / (size_t)x->n + 1, 0);
    t_sendrecv(x, FCOLL_FLOAT64, count / 2 + 1);
    t_framing(x);
    t_nonblocking(x, count / 4 + 1);
}

static int run_rank(int rank, int n, fcoll_unique_id_t *id, const opts_t *o)
{
    static const char *const algos[] = {NULL, "ring", "rhd", "rd", "tree", "direct"};
    const size_t big = (3u << 20) / 4 + 11; /* elements: ~3 MiB of fp32 */
    ctx_t x = {.rank = rank, .n = n};
    x.cap = big * 12 + ((size_t)1 << 16); /* send/recv: 3 blocks of 4 * big */
    x.a = malloc(x.cap);
    x.b = malloc(x.cap);
    x.c = malloc(x.cap);
    if (!x.a || !x.b || !x.c)
        return 2;
    /* Ids carry a listening socket: one communicator per id, so the
     * variants after the first rendezvous through the first one. */
    fcoll_comm_t *first = NULL;
    for (size_t ai = 0; ai < sizeof(algos) / sizeof(algos[0]); ai++) {
        fcoll_config_t cfg;
        fcoll_config_init(&cfg);
        cfg.transport = o->transport;
        cfg.algo = algos[ai];
        cfg.timeout_ms = 60000;
        fcoll_unique_id_t nid = *id;
        if (first != NULL) {
            if (rank == 0 && fcoll_get_unique_id(&nid) != FCOLL_OK)
                return 2;
            if (fcoll_broadcast(&nid, &nid, sizeof(nid), FCOLL_UINT8, 0, first) != FCOLL_OK)
                return 2;
        }
        x.algo = algos[ai];
        /* Rings in other orders: reversed through the config for "ring",
         * rotated through FCOLL_RING_ORDER for "tree". */
        int order[64];
        char env[64 * 4] = "";
        for (int i = 0; i < n && n <= 64; i++) {
            order[i] = n - 1 - i;
            snprintf(env + strlen(env), sizeof(env) - strlen(env), "%s%d", i ? "," : "",
                     (i + 1) % n);
        }
        if (ai == 1 && n <= 64) {
            cfg.ring_order = order;
            cfg.ring_order_len = n;
        }
        if (ai == 4)
            setenv("FCOLL_RING_ORDER", env, 1);
        fcoll_status_t st = fcoll_comm_init_rank_config(&x.comm, n, nid, rank, &cfg);
        unsetenv("FCOLL_RING_ORDER");
        if (st != FCOLL_OK) {
            fprintf(stderr, "rank %d: init (%s): %s\n", rank, x.algo ? x.algo : "auto",
                    fcoll_strerror(st));
            return 1;
        }
        if (ai == 0) {
            matrix(&x);
            large(&x, big);
        } else {
            for (int ip = 0; ip < 2; ip++) {
                size_t cs[] = {7, 70001, 1, 1031};
                for (size_t k = 0; k < (n >= 8 ? 2u : 4u); k++) {
                    t_allreduce(&x, FCOLL_INT32, FCOLL_SUM, cs[k], ip);
                    t_allreduce(&x, FCOLL_FLOAT16, FCOLL_PROD, cs[k], ip);
                    t_allreduce(&x, FCOLL_UINT64, FCOLL_MAX, cs[k], ip);
                    t_bcast(&x, FCOLL_INT8, cs[k], ip);
                    t_reduce(&x, FCOLL_FLOAT64, FCOLL_AVG, cs[k], ip);
                }
                /* binomial broadcast of a large message (rendezvous on shm) */
                if (n <= 4)
                    t_bcast(&x, FCOLL_UINT8, big + 1, ip);
                if (o->large)
                    t_allreduce(&x, FCOLL_FLOAT32, FCOLL_SUM, big, ip);
            }
        }
        if (first == NULL)
            first = x.comm;
        else
            fcoll_comm_destroy(x.comm);
        if (x.bad > 0)
            break;
    }
    fcoll_comm_destroy(first);
    free(x.a);
    free(x.b);
    free(x.c);
    if (x.bad > 0)
        fprintf(stderr, "rank %d: %zu of %zu checks failed\n", rank, x.bad, x.checks);
    return x.bad > 0;
}

static int forked_rank(int rank, int n, fcoll_unique_id_t id, void *arg)
{
    return run_rank(rank, n, &id, arg);
}

/* One rank of a launcher-started job: the first communicator comes from
 * the environment, the rest from ids broadcast over it. */
static int env_rank(const opts_t *o)
{
    fcoll_comm_t *comm;
    fcoll_config_t cfg;
    fcoll_config_init(&cfg);
    cfg.transport = o->transport;
    fcoll_status_t st = fcoll_comm_init_env(&comm, &cfg);
    if (st != FCOLL_OK) {
        fprintf(stderr, "init from environment: %s\n", fcoll_strerror(st));
        return 1;
    }
    int rank, n;
    fcoll_comm_rank(comm, &rank);
    fcoll_comm_size(comm, &n);
    fcoll_unique_id_t id;
    if (rank == 0 && fcoll_get_unique_id(&id) != FCOLL_OK)
        return 1;
    st = fcoll_broadcast(&id, &id, sizeof(id), FCOLL_UINT8, 0, comm);
    fcoll_comm_destroy(comm);
    return st != FCOLL_OK ? 1 : run_rank(rank, n, &id, o);
}

int main(int argc, char **argv)
{
    opts_t o = {.transport = getenv("FCOLL_TRANSPORT")};
    int n = getenv("FCOLL_TEST_RANKS") ? atoi(getenv("FCOLL_TEST_RANKS")) : 4, env = 0, c;
    while ((c = getopt(argc, argv, "n:t:le")) != -1) {
        switch (c) {
        case 'n':
            n = atoi(optarg);
            break;
        case 't':
            o.transport = optarg;
            break;
        case 'l':
            o.large = 1;
            break;
        case 'e':
            env = 1;
            break;
        default:
            fprintf(stderr, "usage: %s [-n ranks] [-t shm|tcp] [-l] [-e]\n", argv[0]);
            return 2;
        }
    }
    const char *tname = o.transport && *o.transport ? o.transport : "auto";
    int fail;
    if (env) {
        fail = env_rank(&o);
        printf("%s fcoll-test-coll rank from environment transport=%s\n", fail ? "FAIL" : "PASS",
               tname);
        return fail;
    }
    harness_t h = {.nranks = n, .timeout_s = 240};
    fail = harness_run(&h, forked_rank, &o);
    printf("%s fcoll-test-coll ranks=%d transport=%s\n", fail ? "FAIL" : "PASS", n, tname);
    return fail;
}

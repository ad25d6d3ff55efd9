/* The flat small allreduce (algo/flat.c) over shm, N forked ranks:
 *  - it is the algorithm taken (its first-use log line appears);
 *  - every type and op, in place and out of place, at 1, 7 and the largest
 *    count it takes, bit-exact (avg within tolerance); one element more
 *    takes another algorithm and must agree just as well;
 *  - thousands of operations back to back, each with new inputs, so that a
 *    rank reading a slot its owner already reused would see wrong sums.
 * A rank dying or stopping during it: fault_test.c (16-byte cases).
 *
 *   fcoll-test-flat [-n RANKS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tl/shm/shm.h"

#define ROUNDS 3000

typedef struct rank_ctx {
    fcoll_comm_t *comm;
    int rank, n, flat_seen;
    size_t bad;
} rank_ctx_t;

static void on_log(void *user, fcoll_log_level_t level, const char *msg)
{
    rank_ctx_t *x = user;
    if (strstr(msg, "allreduce(flat): first operation") != NULL)
        x->flat_seen++;
    if (level == FCOLL_LOG_ERROR)
        fprintf(stderr, "%s\n", msg);
}

static void one(rank_ctx_t *x, char *in, char *out, char *want, size_t count, fcoll_dtype_t dt,
                fcoll_op_t op)
{
    uint64_t seed = (uint64_t)count * 131u + (uint64_t)dt * 17u + (uint64_t)op + (in == out);
    ref_fill(in, count, dt, op, x->rank, seed, 0);
    ref_reduce(want, count, dt, op, x->n, seed, 0);
    if (out != in)
        memset(out, 0x5a, count * fcoll_dtype_size(dt));
    fcoll_status_t st = fcoll_allreduce(in, out, count, dt, op, x->comm);
    char label[160];
    snprintf(label, sizeof(label), "rank %d: %s/%s count %zu %s", x->rank, fcoll_dtype_name(dt),
             fcoll_op_name(op), count, in == out ? "in-place" : "out-of-place");
    if (st != FCOLL_OK) {
        fprintf(stderr, "%s: %s\n", label, fcoll_strerror(st));
        x->bad++;
    } else if (ref_compare(out, want, count, dt, op, label) != 0) {
        x->bad++;
    }
}

static void matrix(rank_ctx_t *x, char *in, char *out, char *want)
{
    for (int dt = 0; dt < FCOLL_NUM_DTYPES; dt++) {
        size_t most = FCOLL__FLAT_MAX_BYTES / fcoll_dtype_size(dt);
        size_t counts[] = {1, 7, most, most + 1};
        for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++)
            for (int op = 0; op < FCOLL_NUM_OPS; op++)
                for (int inplace = 0; inplace < 2; inplace++)
                    one(x, in, inplace ? in : out, want, counts[c], dt, op);
    }
}

/* Rank r contributes (r + 1) * (i + 1) and (r + 1) ^ i in round i: every
 * round's sums differ from the last two rounds'. */
static void back_to_back(rank_ctx_t *x)
{
    uint64_t n = (uint64_t)x->n, r = (uint64_t)x->rank;
    for (uint64_t i = 0; i < ROUNDS && x->bad == 0; i++) {
        uint64_t v[2] = {(r + 1) * (i + 1), (r + 1) ^ i}, want[2] = {n * (n + 1) / 2 * (i + 1), 0};
        for (uint64_t q = 0; q < n; q++)
            want[1] += (q + 1) ^ i;
        fcoll_status_t st = fcoll_allreduce(v, v, 2, FCOLL_UINT64, FCOLL_SUM, x->comm);
        if (st != FCOLL_OK || v[0] != want[0] || v[1] != want[1]) {
            fprintf(stderr, "rank %d: round %llu: %s, got %llu %llu where %llu %llu was expected\n",
                    x->rank, (unsigned long long)i, fcoll_strerror(st), (unsigned long long)v[0],
                    (unsigned long long)v[1], (unsigned long long)want[0],
                    (unsigned long long)want[1]);
            x->bad++;
        }
    }
}

static int rank_main(int rank, int n, fcoll_unique_id_t id, void *arg)
{
    (void)arg;
    rank_ctx_t x = {.rank = rank, .n = n};
    x.comm = harness_shm_comm(rank, n, id, NULL, on_log, &x);
    if (x.comm == NULL)
        return 1;
    size_t cap = 2 * FCOLL__FLAT_MAX_BYTES;
    char *in = malloc(cap), *out = malloc(cap), *want = malloc(cap);
    int rc = 1;
    if (in && out && want) {
        matrix(&x, in, out, want);
        back_to_back(&x);
        rc = x.bad != 0;
        if (x.flat_seen != 1) {
            fprintf(stderr, "rank %d: the flat allreduce was not taken (seen %d times)\n", rank,
                    x.flat_seen);
            rc = 1;
        }
    }
    fcoll_comm_destroy(x.comm);
    free(in);
    free(out);
    free(want);
    return rc;
}

int main(int argc, char **argv)
{
    int n = harness_ranks_arg(argc, argv, "fcoll-test-flat");
    if (n < 0)
        return 2;
    harness_t h = {.nranks = n, .timeout_s = 120};
    int fail = harness_run(&h, rank_main, NULL) != 0;
    printf("%s fcoll-test-flat ranks=%d\n", fail ? "FAIL" : "PASS", n);
    return fail;
}

/* Allreduce on buffers from fcoll_mem_alloc: peers on the host map them and
 * reduce and store straight into them. Checks, for N forked ranks over shm:
 *  - results bit-exact (avg within tolerance) for several types and ops,
 *    sizes not divisible by N, one big enough for streaming stores, in place
 *    and out of place, and that every peer's buffers were in fact mapped;
 *  - after every rank frees and reallocates its buffers (peers must drop
 *    their stale mappings), still exact;
 *  - one rank with malloc'd buffers: same results, its buffers copied
 *    through the kernel while the others stay mapped;
 *  - bad arguments to fcoll_mem_alloc/fcoll_mem_free.
 *
 *   fcoll-test-mem [-n RANKS]
 * Exits 0 (PASS), 1 (FAIL) or 77 (skipped: this host does not let ranks
 * reach each other's memory, so the direct allreduce never runs).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define SKIP 77

typedef struct seen {
    int mapped, peers; /* last "buffers of M of P peers mapped" line; -1 none */
    int no_direct;     /* the library fell back from the direct algorithm */
} seen_t;

static void on_log(void *user, fcoll_log_level_t level, const char *msg)
{
    seen_t *s = user;
    const char *m = strstr(msg, "allreduce(direct): buffers of ");
    if (m != NULL)
        sscanf(m, "allreduce(direct): buffers of %d of %d", &s->mapped, &s->peers);
    if (strstr(msg, "FCOLL_ALGO=direct: a peer's transport cannot") != NULL)
        s->no_direct = 1;
    if (level == FCOLL_LOG_ERROR)
        fprintf(stderr, "%s\n", msg);
}

typedef struct rank_ctx {
    fcoll_comm_t *comm;
    seen_t seen;
    int rank, n, bad;
    char *want;
} rank_ctx_t;

/* One allreduce on in/out, checked against the reference and the mapping
 * count the buffers should give. Returns SKIP when direct is unusable. */
static int one(rank_ctx_t *x, char *in, char *out, size_t count, fcoll_dtype_t dt, fcoll_op_t op,
               int want_mapped, const char *what)
{
    uint64_t seed = (uint64_t)count * 31u + (uint64_t)dt * 7u + (uint64_t)op;
    ref_fill(in, count, dt, op, x->rank, seed, 0);
    ref_reduce(x->want, count, dt, op, x->n, seed, 0);
    if (out != in)
        memset(out, 0x5a, count * fcoll_dtype_size(dt));
    x->seen.mapped = -1;
    fcoll_status_t st = fcoll_allreduce(in, out, count, dt, op, x->comm);
    if (x->seen.no_direct)
        return SKIP;
    char label[160];
    snprintf(label, sizeof(label), "rank %d: %s %s/%s count %zu %s", x->rank, what,
             fcoll_dtype_name(dt), fcoll_op_name(op), count,
             in == out ? "in-place" : "out-of-place");
    if (st != FCOLL_OK) {
        fprintf(stderr, "%s: %s\n", label, fcoll_strerror(st));
        x->bad++;
    } else if (ref_compare(out, x->want, count, dt, op, label) != 0) {
        x->bad++;
    } else if (x->seen.mapped != want_mapped || x->seen.peers != x->n - 1) {
        fprintf(stderr, "%s: buffers of %d of %d peers mapped, expected %d of %d\n", label,
                x->seen.mapped, x->seen.peers, want_mapped, x->n - 1);
        x->bad++;
    }
    return 0;
}

/* Every type and op case on in/out; want_mapped peers should be mapped. */
static int cases(rank_ctx_t *x, char *in, char *out, int want_mapped, const char *what)
{
    static const fcoll_dtype_t types[] = {FCOLL_INT8,    FCOLL_INT32,    FCOLL_UINT64,
                                          FCOLL_FLOAT16, FCOLL_BFLOAT16, FCOLL_FLOAT32,
                                          FCOLL_FLOAT64};
    static const fcoll_op_t ops[] = {FCOLL_SUM, FCOLL_MAX, FCOLL_AVG};
    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
        /* Just over 1 MiB (direct for every rank count), odd. */
        size_t count = (1u << 20) / fcoll_dtype_size(types[t]) + 7;
        for (size_t o = 0; o < sizeof(ops) / sizeof(ops[0]); o++)
            for (int inplace = 0; inplace < 2; inplace++)
                if (one(x, in, inplace ? in : out, count, types[t], ops[o], want_mapped, what))
                    return SKIP;
    }
    /* 24 MiB + 3 floats: blocks big enough for streaming stores. */
    size_t big = (24u << 20) / 4 + 3;
    for (int inplace = 0; inplace < 2; inplace++)
        if (one(x, in, inplace ? in : out, big, FCOLL_FLOAT32, FCOLL_SUM, want_mapped, what))
            return SKIP;
    return 0;
}

#define CAP ((24u << 20) + 64)

static int bad_args(rank_ctx_t *x)
{
    void *p = (void *)1;
    int bad = 0;
    char local[8];
    bad |= fcoll_mem_alloc(NULL, 64, x->comm) != FCOLL_ERR_NULL_POINTER;
    bad |= fcoll_mem_alloc(&p, 64, NULL) != FCOLL_ERR_NULL_POINTER;
    bad |= fcoll_mem_alloc(&p, 0, x->comm) != FCOLL_ERR_INVALID_ARG || p != NULL;
    bad |= fcoll_mem_alloc(&p, SIZE_MAX, x->comm) != FCOLL_ERR_INVALID_ARG;
    bad |= fcoll_mem_free(local, x->comm) != FCOLL_ERR_INVALID_ARG;
    bad |= fcoll_mem_free(NULL, x->comm) != FCOLL_OK;
    if (bad)
        fprintf(stderr, "rank %d: a bad argument to fcoll_mem_alloc/free was not refused\n",
                x->rank);
    return bad;
}

static int rank_main(int rank, int n, fcoll_unique_id_t id, void *arg)
{
    (void)arg;
    rank_ctx_t x = {.rank = rank, .n = n};
    x.comm = harness_shm_comm(rank, n, id, "direct", on_log, &x.seen);
    if (x.comm == NULL)
        return 1;
    char *a = NULL, *b = NULL, *pa = malloc(CAP), *pb = malloc(CAP);
    x.want = malloc(CAP);
    int rc = pa && pb && x.want ? 0 : 1;
    if (rc == 0)
        rc = fcoll_mem_alloc((void **)&a, CAP, x.comm) != FCOLL_OK ||
             fcoll_mem_alloc((void **)&b, CAP, x.comm) != FCOLL_OK;
    if (rc == 0)
        rc = cases(&x, a, b, n - 1, "mapped");
    /* New segments: peers must map them, not reuse the freed ones. */
    if (rc == 0) {
        rc = fcoll_mem_free(a, x.comm) != FCOLL_OK || fcoll_mem_free(b, x.comm) != FCOLL_OK;
        a = b = NULL;
        rc = rc || fcoll_mem_alloc((void **)&a, CAP, x.comm) != FCOLL_OK ||
             fcoll_mem_alloc((void **)&b, CAP, x.comm) != FCOLL_OK;
    }
    if (rc == 0)
        rc = cases(&x, a, b, n - 1, "reallocated");
    /* Rank 0 with plain buffers: it maps everyone, nobody maps it. */
    if (rc == 0)
        rc = cases(&x, rank == 0 ? pa : a, rank == 0 ? pb : b, rank == 0 ? n - 1 : n - 2, "mixed");
    if (rc == 0)
        rc = bad_args(&x);
    if (rc == 0 && x.bad)
        rc = 1;
    if (fcoll_mem_free(a, x.comm) != FCOLL_OK || fcoll_mem_free(b, x.comm) != FCOLL_OK)
        rc = rc ? rc : 1;
    fcoll_comm_destroy(x.comm);
    free(pa);
    free(pb);
    free(x.want);
    return rc;
}

int main(int argc, char **argv)
{
    int n = harness_ranks_arg(argc, argv, "fcoll-test-mem");
    if (n < 0)
        return 2;
    harness_t h = {.nranks = n, .timeout_s = 240, .keep_going = 1};
    harness_run(&h, rank_main, NULL);
    int fail = 0, skip = 0;
    for (int r = 0; r < n; r++) {
        int st = h.status[r];
        int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        skip |= code == SKIP;
        fail |= code != 0 && code != SKIP;
    }
    if (!fail && skip) {
        printf("SKIP fcoll-test-mem ranks=%d: ranks cannot reach each other's memory "
               "(cross-memory attach refused), so allreduce never takes the direct path\n",
               n);
        return SKIP;
    }
    printf("%s fcoll-test-mem ranks=%d\n", fail ? "FAIL" : "PASS", n);
    return fail;
}

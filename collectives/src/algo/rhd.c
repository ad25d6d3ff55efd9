/* Recursive doubling (small messages: log2 n exchanges of the whole vector)
 * and recursive halving-doubling (Rabenseifner: reduce-scatter by halving,
 * allgather by doubling). Both leave the result in r; rd works in place,
 * rhd reads its input s where it is. Non-power-of-two counts
 * of ranks fold first: of the first 2*rem ranks, each even one hands its
 * vector to the odd one above and gets the result back at the end. */
#include "algo/algo.h"

typedef struct fold {
    int p2;  /* power of two taking part */
    int rem; /* n - p2 */
    int vr;  /* my index among the p2, -1 while folded out */
} fold_t;

static fold_t fold_of(int n, int rank)
{
    fold_t f = {1, 0, -1};
    while (f.p2 * 2 <= n)
        f.p2 *= 2;
    f.rem = n - f.p2;
    if (rank < 2 * f.rem)
        f.vr = rank % 2 ? rank / 2 : -1;
    else
        f.vr = rank - f.rem;
    return f;
}

static int real_rank(const fold_t *f, int vr)
{
    return vr < f->rem ? vr * 2 + 1 : vr + f->rem;
}

/* Runs a single send and receive(-reduce) with one partner; a reduction
 * writes rbuf = rsrc op received (rsrc NULL: rbuf). */
static fcoll_status_t exchange(fcoll_comm_t *c, int peer, const char *sbuf, size_t slen, char *rbuf,
                               const char *rsrc, size_t rlen, fcoll__red_t red, const char *what)
{
    fcoll__plan_t *p = &c->plan;
    p->n = 0;
    if (sbuf != NULL) {
        int i = fcoll__plan_send(p, peer, sbuf, slen, -1);
        if (red.fn != NULL) /* the partner reduces it */
            fcoll__plan_eager(p, i);
    }
    if (rbuf != NULL) {
        /* Same bytes both ways (recursive doubling): reduce only what was
         * already sent. */
        int dep = sbuf != NULL && sbuf == rbuf ? 0 : -1;
        if (red.fn != NULL)
            fcoll__plan_recv_reduce(p, peer, rbuf, rsrc, rlen, red.fn, red.esize, dep);
        else
            fcoll__plan_recv(p, peer, rbuf, rlen, dep);
    }
    return fcoll__plan_run(c, p, what);
}

/* The folded-out rank sends its input s; its partner reduces it with its
 * own input into r. */
static fcoll_status_t fold_in(fcoll_comm_t *c, const fold_t *f, const char *s, char *r,
                              size_t bytes, fcoll__red_t red)
{
    if (c->rank >= 2 * f->rem)
        return FCOLL_OK;
    if (f->vr < 0)
        return exchange(c, c->rank + 1, s, bytes, NULL, NULL, 0, red, "allreduce(fold)");
    return exchange(c, c->rank - 1, NULL, 0, r, s, bytes, red, "allreduce(fold)");
}

static fcoll_status_t fold_out(fcoll_comm_t *c, const fold_t *f, char *r, size_t bytes)
{
    fcoll__red_t copy = {NULL, 1};
    if (c->rank >= 2 * f->rem)
        return FCOLL_OK;
    if (f->vr < 0)
        return exchange(c, c->rank + 1, NULL, 0, r, NULL, bytes, copy, "allreduce(unfold)");
    return exchange(c, c->rank - 1, r, bytes, NULL, NULL, 0, copy, "allreduce(unfold)");
}

fcoll_status_t fcoll__allreduce_rd(fcoll_comm_t *c, void *r, size_t bytes, fcoll__red_t red)
{
    fold_t f = fold_of(c->nranks, c->rank);
    fcoll_status_t st = fold_in(c, &f, r, r, bytes, red);
    for (int mask = 1; st == FCOLL_OK && f.vr >= 0 && mask < f.p2; mask <<= 1)
        st =
            exchange(c, real_rank(&f, f.vr ^ mask), r, bytes, r, NULL, bytes, red, "allreduce(rd)");
    if (st == FCOLL_OK)
        st = fold_out(c, &f, r, bytes);
    return st;
}

fcoll_status_t fcoll__allreduce_rhd(fcoll_comm_t *c, const void *s, void *r, size_t count,
                                    fcoll__red_t red)
{
    char *buf = r;
    size_t es = red.esize;
    fold_t f = fold_of(c->nranks, c->rank);
    fcoll_status_t st = fold_in(c, &f, s, r, count * es, red);
    /* The input is read where it is until the first reduction has written
     * r: no copy of it into r first. */
    const char *in = c->rank < 2 * f.rem ? buf : s;
    size_t lo[32], hi[32];
    int steps = 0;
    size_t l = 0, h = count;
    /* Halving: keep one half, send the other, reduce what the partner sends. */
    for (int mask = f.p2 / 2; st == FCOLL_OK && f.vr >= 0 && mask >= 1; mask >>= 1) {
        int peer = real_rank(&f, f.vr ^ mask);
        size_t mid = l + (h - l) / 2;
        int lower = (f.vr & mask) == 0;
        size_t kl = lower ? l : mid, kh = lower ? mid : h;
        size_t sl = lower ? mid : l, sh = lower ? h : mid;
        lo[steps] = l;
        hi[steps] = h;
        steps++;
        st = exchange(c, peer, in + sl * es, (sh - sl) * es, buf + kl * es, in + kl * es,
                      (kh - kl) * es, red, "allreduce(rhd halving)");
        in = buf;
        l = kl;
        h = kh;
    }
    /* Doubling: swap finished parts back, in reverse order. */
    fcoll__red_t copy = {NULL, 1};
    for (int mask = 1; st == FCOLL_OK && f.vr >= 0 && mask < f.p2; mask <<= 1) {
        int peer = real_rank(&f, f.vr ^ mask);
        steps--;
        size_t pl = lo[steps], ph = hi[steps];
        /* The partner holds the other half of [pl, ph). */
        size_t ol = l == pl ? h : pl, oh = l == pl ? ph : l;
        st = exchange(c, peer, buf + l * es, (h - l) * es, buf + ol * es, NULL, (oh - ol) * es,
                      copy, "allreduce(rhd doubling)");
        l = pl;
        h = ph;
    }
    if (st == FCOLL_OK)
        st = fold_out(c, &f, r, count * es);
    return st;
}

/* Direct allreduce, for peers whose transport reaches their buffers (get
 * and write on registered memory: shm with cross-memory attach).
 *
 * Rank i owns block i of the vector. It reads block i of every peer's
 * input, reduces it with its own chunk by chunk while the chunk is still in
 * cache, and writes each reduced chunk into every peer's output. Per rank,
 * memory sees the vector read once and written once, as in a memcpy of it:
 * the ring's reduce-scatter + allgather moves half as much again (the
 * reduced half is written, then read back by the peer). Between the two
 * handshakes no rank waits for another, which also keeps ranks that
 * outnumber the cores from waiting on each other's time slices.
 *
 * Buffers from fcoll_mem_alloc skip the kernel copies: a rank maps the
 * peer's segment (shm_mem.c) and reduces straight from the peer's input and
 * stores straight into its output, so a 2-rank allreduce costs each rank a
 * memcpy's traffic and no system call. Whether to load/store or copy
 * through the transport is chosen per peer and per buffer; the work
 * (blocks, order of the reduction) is the same either way, so ranks need
 * not agree on it and the results are the same bits.
 *
 * Only rank i reads or writes block i anywhere, and it reads a chunk of a
 * peer's input before it writes that chunk of the peer's output, so in-place
 * buffers are safe.
 */
#include <stdlib.h>
#include <string.h>

#include "algo/algo.h"
#include "tl/shm/shm_mem.h"

/* Reduced in pieces this big: the piece read from a peer and the result
 * stay in L2 until they are written out. */
#define DIRECT_CHUNK (256u << 10)
/* Where every peer's buffers are mapped there is no system call to
 * amortise, and a piece this small interleaves the loads of the inputs
 * with the stores of the result finely enough that memory serves both at
 * once (2 threads reducing 256 MiB from two inputs into two outputs with
 * streaming stores, per thread: 1 KiB pieces 9.7-10.1 GB/s, 4 KiB
 * 8.6-9.2, 16 KiB 8.6-8.9; memcpy 10.2-11.8). */
#define DIRECT_MAPPED_CHUNK (1u << 10)
/* The hardware prefetcher stops at page boundaries: asking for the mapped
 * inputs this far ahead keeps loads in flight across them (same test as
 * above, 1 KiB pieces: 10.7-10.9 GB/s per thread against 9.9-10.5). */
#define DIRECT_PREFETCH (2u << 10)

/* Results bigger than the caches go to memory with non-temporal stores
 * (measured: 17% less CPU time per 256 MiB operation than memcpy); smaller
 * ones stay cached for the caller. Not in place, though: there the output
 * lines were just read and are cached, and plain stores to them beat
 * streaming ones (2 ranks, 256 MiB, mapped, in place: 11.7 GB/s busbw
 * against 6.3). */
#define DIRECT_STREAM_MIN (8u << 20)

/* What a rank tells its peers: where its input and output are, and how
 * long, so that a rank called with another count is caught before anyone
 * reads or writes past its buffers; and the segments holding them when they
 * came from fcoll_mem_alloc. */
typedef struct desc {
    uint64_t in, out, bytes;
    uint64_t frees; /* fcoll__mem_frees of the sender */
    fcoll__seg_ref_t in_seg, out_seg;
} desc_t;

typedef struct direct {
    int n;
    fcoll__mr_t *in_mr, *out_mr; /* mine, registered with each peer's transport */
    desc_t *mine, *theirs;       /* per peer */
    char **in_view, **out_view;  /* per peer: its buffers mapped here, or NULL */
    char **dst;                  /* where direct_block streams a piece */
} direct_t;

/* Each rank sends one message to every other rank and waits for theirs. */
static fcoll_status_t all_to_all(fcoll_comm_t *c, const desc_t *send, desc_t *recv, size_t len,
                                 const char *what)
{
    fcoll__plan_t *p = &c->plan;
    p->n = 0;
    for (int i = 1; i < c->nranks; i++) {
        int to = (c->rank + i) % c->nranks, from = (c->rank - i + c->nranks) % c->nranks;
        fcoll__plan_send(p, to, len ? &send[to] : NULL, len, -1);
        fcoll__plan_recv(p, from, len ? &recv[from] : NULL, len, -1);
    }
    return fcoll__plan_run(c, p, what);
}

static void direct_free(fcoll_comm_t *c, direct_t *d)
{
    for (int q = 0; q < d->n && d->in_mr && d->out_mr; q++) {
        if (q == c->rank)
            continue;
        const fcoll__peer_t *pe = &c->peers[q];
        if (d->in_mr[q].addr != NULL)
            pe->tl->mem_dereg(pe->tlctx, &d->in_mr[q]);
        if (d->out_mr[q].addr != NULL)
            pe->tl->mem_dereg(pe->tlctx, &d->out_mr[q]);
    }
    free(d->in_mr);
    free(d->out_mr);
    free(d->mine);
    free(d->theirs);
    free(d->in_view);
    free(d->out_view);
    free(d->dst);
}

/* Maps the buffers of peers on this host that came from fcoll_mem_alloc. */
static void direct_map(fcoll_comm_t *c, direct_t *d, size_t bytes)
{
    int mapped = 0;
    for (int q = 0; q < c->nranks; q++) {
        if (q == c->rank || c->peers[q].tl != &fcoll__tl_shm_ops)
            continue;
        const desc_t *t = &d->theirs[q];
        d->in_view[q] =
            fcoll__mem_peer_view(c->mem, q, c->info[q].pid, t->frees, &t->in_seg, bytes);
        d->out_view[q] =
            fcoll__mem_peer_view(c->mem, q, c->info[q].pid, t->frees, &t->out_seg, bytes);
        mapped += d->in_view[q] != NULL && d->out_view[q] != NULL;
    }
    FCOLL__DEBUG(&c->opts.log, "allreduce(direct): buffers of %d of %d peers mapped", mapped,
                 c->nranks - 1);
}

/* Registers both buffers with every peer's transport and swaps keys. */
static fcoll_status_t direct_setup(fcoll_comm_t *c, direct_t *d, const void *s, void *r,
                                   size_t bytes)
{
    size_t n = (size_t)c->nranks;
    d->n = c->nranks;
    d->in_mr = calloc(n, sizeof(fcoll__mr_t));
    d->out_mr = calloc(n, sizeof(fcoll__mr_t));
    d->mine = calloc(n, sizeof(desc_t));
    d->theirs = calloc(n, sizeof(desc_t));
    d->in_view = calloc(n, sizeof(char *));
    d->out_view = calloc(n, sizeof(char *));
    d->dst = calloc(n, sizeof(char *));
    if (!d->in_mr || !d->out_mr || !d->mine || !d->theirs || !d->in_view || !d->out_view || !d->dst)
        return FCOLL_ERR_NO_MEMORY;
    desc_t me = {.bytes = bytes, .frees = fcoll__mem_frees(c->mem)};
    fcoll__mem_describe(c->mem, s, bytes, &me.in_seg);
    fcoll__mem_describe(c->mem, r, bytes, &me.out_seg);
    for (int q = 0; q < c->nranks; q++) {
        if (q == c->rank)
            continue;
        const fcoll__peer_t *pe = &c->peers[q];
        fcoll_status_t st = pe->tl->mem_reg(pe->tlctx, (void *)s, bytes, &d->in_mr[q]);
        if (st == FCOLL_OK)
            st = pe->tl->mem_reg(pe->tlctx, r, bytes, &d->out_mr[q]);
        if (st != FCOLL_OK) {
            FCOLL__ERR(&c->opts.log, "allreduce(direct): registering %zu bytes for peer %d: %s",
                       bytes, q, fcoll_strerror(st));
            return st;
        }
        d->mine[q] = me;
        d->mine[q].in = d->in_mr[q].rkey;
        d->mine[q].out = d->out_mr[q].rkey;
    }
    fcoll_status_t st =
        all_to_all(c, d->mine, d->theirs, sizeof(desc_t), "allreduce(direct) setup");
    for (int q = 0; q < c->nranks && st == FCOLL_OK; q++)
        if (q != c->rank && d->theirs[q].bytes != bytes) {
            FCOLL__ERR(&c->opts.log,
                       "allreduce(direct): peer %d has %llu bytes where this rank has %zu "
                       "(mismatched counts or call order)",
                       q, (unsigned long long)d->theirs[q].bytes, bytes);
            st = FCOLL_ERR_PROTOCOL;
        }
    if (st == FCOLL_OK)
        direct_map(c, d, bytes);
    return st;
}

static void prefetch_ahead(const char *p, size_t len)
{
    for (size_t at = 0; at < len; at += 64)
        __builtin_prefetch(p + DIRECT_PREFETCH + at);
}

/* Reduces my block [off, off + len) from every rank's input into every
 * rank's output. A chunk is reduced into acc, which stays in cache while it
 * is written to the peers and streamed to my own output. */
static fcoll_status_t direct_block(fcoll_comm_t *c, const direct_t *d, const char *in, char *out,
                                   size_t off, size_t len, fcoll__red_t red)
{
    int n = c->nranks, me = c->rank, all_mapped = 1;
    for (int q = 0; q < n; q++)
        all_mapped &= q == me || (d->in_view[q] != NULL && d->out_view[q] != NULL);
    size_t chunk = all_mapped ? DIRECT_MAPPED_CHUNK : DIRECT_CHUNK;
    char *acc = fcoll__scratch(c, 2 * chunk), *piece = acc + chunk;
    if (acc == NULL)
        return FCOLL_ERR_NO_MEMORY;
    int stream = len >= DIRECT_STREAM_MIN / (size_t)n;
    for (size_t at = off; at < off + len; at += chunk) {
        size_t k = off + len - at < chunk ? off + len - at : chunk;
        if (all_mapped)
            prefetch_ahead(in + at, k);
        /* Peers in a staggered order, so that ranks read different peers at
         * a time. */
        for (int i = 1; i < n; i++) {
            int q = (me + i) % n;
            const fcoll__peer_t *pe = &c->peers[q];
            const char *theirs = d->in_view[q] ? d->in_view[q] + at : piece;
            if (d->in_view[q] == NULL) {
                fcoll_status_t st = pe->tl->get(pe->tlctx, q, piece, k, d->theirs[q].in, at);
                if (st != FCOLL_OK)
                    return st;
            } else {
                prefetch_ahead(theirs, k);
            }
            red.fn(acc, i == 1 ? in + at : acc, theirs, k / red.esize);
        }
        /* Outputs that are not also inputs (whose lines are not cached)
         * take the result in one streaming pass over acc. */
        int nstream = 0;
        for (int i = 1; i < n; i++) {
            int q = (me + i) % n;
            const fcoll__peer_t *pe = &c->peers[q];
            if (d->out_view[q] != NULL && stream && d->out_view[q] != d->in_view[q]) {
                d->dst[nstream++] = d->out_view[q] + at;
            } else if (d->out_view[q] != NULL) {
                memcpy(d->out_view[q] + at, acc, k);
            } else {
                fcoll_status_t st = pe->tl->write(pe->tlctx, q, acc, k, d->theirs[q].out, at);
                if (st != FCOLL_OK)
                    return st;
            }
        }
        if (stream && out != in)
            d->dst[nstream++] = out + at;
        else
            memcpy(out + at, acc, k);
        fcoll__copy_stream(d->dst, nstream, acc, k);
    }
    fcoll__copy_stream_fence();
    return FCOLL_OK;
}

int fcoll__direct_usable(const fcoll_comm_t *c)
{
    for (int q = 0; q < c->nranks; q++)
        if (q != c->rank && !c->peers[q].rma)
            return 0;
    return 1;
}

fcoll_status_t fcoll__allreduce_direct(fcoll_comm_t *c, const void *s, void *r, size_t count,
                                       fcoll__red_t red)
{
    int n = c->nranks, me = c->rank;
    size_t bytes = count * red.esize;
    /* Blocks by rank, in whole elements. */
    size_t per = count / (size_t)n, extra = count % (size_t)n;
    size_t first = per * (size_t)me + ((size_t)me < extra ? (size_t)me : extra);
    size_t mine = per + ((size_t)me < extra);
    direct_t d = {0};
    fcoll_status_t st = direct_setup(c, &d, s, r, bytes);
    if (st == FCOLL_OK)
        st = direct_block(c, &d, s, r, first * red.esize, mine * red.esize, red);
    if (st != FCOLL_OK) {
        /* Peers wait in the final exchange: make them fail now. */
        fcoll__comm_fail(c, st);
    } else {
        /* My output is complete once every rank has written its block. */
        st = all_to_all(c, NULL, NULL, 0, "allreduce(direct)");
    }
    direct_free(c, &d);
    return st;
}

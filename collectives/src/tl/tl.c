/* The transport registry: one static const table, looked up by index or
 * name; and the choice of a transport per peer when none is forced. */
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "internal.h"
#include "tl/tl.h"

static const fcoll__tl_ops_t *const tl_table[FCOLL__TL_COUNT] = {
    [FCOLL__TL_SHM] = &fcoll__tl_shm_ops,
    [FCOLL__TL_TCP] = &fcoll__tl_tcp_ops,
    [FCOLL__TL_IB] = &fcoll__tl_ib_ops,
};

const fcoll__tl_ops_t *fcoll__tl_get(int index)
{
    return tl_table[index];
}

int fcoll__tl_find(const char *name)
{
    for (int i = 0; i < FCOLL__TL_COUNT; i++)
        if (strcmp(tl_table[i]->name, name) == 0)
            return i;
    return -1;
}

int fcoll__tl_choose(const fcoll__log_t *log, const fcoll__rankinfo_t *me,
                     const fcoll__rankinfo_t *peer, int peer_rank)
{
    if (peer->host_id == me->host_id)
        return FCOLL__TL_SHM;
    if ((me->caps & peer->caps & FCOLL__CAP_RDMA) != 0)
        return FCOLL__TL_IB;
    FCOLL__DEBUG(log, "peer %d: tcp, no RDMA device with an active port on %s", peer_rank,
                 me->caps & FCOLL__CAP_RDMA ? "its side" : "this side");
    return FCOLL__TL_TCP;
}

fcoll_status_t fcoll__tl_open_ib_or_tcp(fcoll_comm_t *c, uint8_t *use)
{
    int n = c->nranks, needed = 0;
    uint8_t *ib = use + (size_t)FCOLL__TL_IB * (size_t)n;
    /* Every rank sees every pair: where none takes ib, nobody opens it. */
    for (int q = 0; q < n; q++)
        for (int r = q + 1; r < n; r++)
            needed |= c->info[q].host_id != c->info[r].host_id &&
                      (c->info[q].caps & c->info[r].caps & FCOLL__CAP_RDMA) != 0;
    if (!needed)
        return FCOLL_OK;
    fcoll_status_t st = fcoll__tl_ib_ops.open(c, ib, &c->tlctx[FCOLL__TL_IB]);
    /* A rank whose QPs are up cannot tell that a peer's failed: agree. */
    int ok = st == FCOLL_OK, *oks = calloc((size_t)n, sizeof(int));
    fcoll_status_t bst =
        oks ? fcoll__boot_allgather(c->boot, &ok, oks, sizeof(int)) : FCOLL_ERR_NO_MEMORY;
    int failed = -1;
    for (int p = 0; p < n && oks != NULL && failed < 0; p++)
        if (!oks[p])
            failed = p;
    free(oks);
    if (bst == FCOLL_OK && failed < 0)
        return FCOLL_OK;
    if (st == FCOLL_OK)
        fcoll__tl_ib_ops.close(c->tlctx[FCOLL__TL_IB]);
    c->tlctx[FCOLL__TL_IB] = NULL;
    if (bst != FCOLL_OK)
        return bst;
    int moved = 0;
    for (int p = 0; p < n; p++) {
        if (!ib[p])
            continue;
        ib[p] = 0;
        use[(size_t)FCOLL__TL_TCP * (size_t)n + (size_t)p] = 1;
        c->peers[p].tl = &fcoll__tl_tcp_ops;
        moved++;
    }
    FCOLL__DEBUG(&c->opts.log, "ib not set up on every rank (not on rank %d): tcp for %d peer(s)",
                 failed, moved);
    return FCOLL_OK;
}

fcoll_status_t fcoll__tl_mem_reg_unsupported(fcoll__tl_ctx_t *ctx, void *addr, size_t len,
                                             fcoll__mr_t *mr)
{
    (void)ctx;
    (void)addr;
    (void)len;
    (void)mr;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll__tl_mem_dereg_unsupported(fcoll__tl_ctx_t *ctx, fcoll__mr_t *mr)
{
    (void)ctx;
    (void)mr;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll__tl_get_unsupported(fcoll__tl_ctx_t *ctx, int peer, void *dst, size_t len,
                                         uint64_t rkey, uint64_t roff)
{
    (void)ctx;
    (void)peer;
    (void)dst;
    (void)len;
    (void)rkey;
    (void)roff;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll__tl_write_unsupported(fcoll__tl_ctx_t *ctx, int peer, const void *src,
                                           size_t len, uint64_t rkey, uint64_t roff)
{
    (void)ctx;
    (void)peer;
    (void)src;
    (void)len;
    (void)rkey;
    (void)roff;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll__tl_steer_unsupported(fcoll__tl_ctx_t *ctx, int peer, uint64_t rkey,
                                           uint64_t roff, void *dst, size_t len)
{
    (void)ctx;
    (void)peer;
    (void)rkey;
    (void)roff;
    (void)dst;
    (void)len;
    return FCOLL_ERR_UNSUPPORTED;
}

fcoll_status_t fcoll__tl_unsteer_unsupported(fcoll__tl_ctx_t *ctx, int peer, uint64_t rkey,
                                             uint64_t roff)
{
    (void)ctx;
    (void)peer;
    (void)rkey;
    (void)roff;
    return FCOLL_ERR_UNSUPPORTED;
}

/* The transport registry: one static const table, looked up by index or
 * name. */
#include <string.h>

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

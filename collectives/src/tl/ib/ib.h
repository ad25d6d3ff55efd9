/* ib transport (libibverbs): the ops table and what its tests reach. */
#ifndef FCOLL_TL_IB_H
#define FCOLL_TL_IB_H

#include "tl/ib/ib_rcache.h"
#include "tl/tl.h"

extern const fcoll__tl_ops_t fcoll__tl_ib_ops;

/* Does device name, port match an NCCL_IB_HCA-style spec ("mlx5_0:1,rxe",
 * "^mlx5_1", "=rxe0")? NULL or empty matches everything. */
int fcoll__ib_hca_match(const char *spec, const char *name, int port);

/* Is there an RDMA device with an active port that FCOLL_IB_HCA allows?
 * Quiet: the answer decides whether ib is offered to peers on other hosts. */
int fcoll__ib_probe(void);

/* What the registration cache of ctx holds and has done (for tests). */
void fcoll__ib_rcache_stats_of(const fcoll__tl_ctx_t *ctx, fcoll__ib_rcache_stats_t *st);

/* Moves the QPs to peer into the error state, as a failed link or HCA
 * would (abort does it for every peer; fault tests for one). */
void fcoll__ib_break_qps(fcoll__tl_ctx_t *ctx, int peer);

#endif

/* ib transport (libibverbs): the ops table and what its tests reach. */
#ifndef FCOLL_TL_IB_H
#define FCOLL_TL_IB_H

#include "tl/tl.h"

extern const fcoll__tl_ops_t fcoll__tl_ib_ops;

/* Does device name, port match an NCCL_IB_HCA-style spec ("mlx5_0:1,rxe",
 * "^mlx5_1", "=rxe0")? NULL or empty matches everything. */
int fcoll__ib_hca_match(const char *spec, const char *name, int port);

#endif

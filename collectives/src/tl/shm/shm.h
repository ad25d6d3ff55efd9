/* What the shm transport offers the algorithms beyond the transport ops. */
#ifndef FCOLL_SHM_H
#define FCOLL_SHM_H

#include "internal.h"

/* Every rank's shm segment ends with this many bytes that the transport
 * leaves alone and that start zeroed: the flat small allreduce
 * (algo/flat.c) lays out its slots there. */
#define FCOLL__SHM_FLAT_BYTES 4096u
/* The largest allreduce the flat algorithm takes. */
#define FCOLL__FLAT_MAX_BYTES 1024u

/* rank's flat area as mapped in this process; NULL where rank is not
 * reached over shm (ctx NULL, or no segment of rank's mapped here). */
void *fcoll__shm_flat_area(fcoll__tl_ctx_t *ctx, int rank);

#endif

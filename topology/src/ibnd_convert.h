/* The one conversion from libibnetdisc's fabric (live discovery or its cache
 * file) into the fabric model, shared by discover.c and io_cache.c. */
#ifndef FTOPO_IBND_CONVERT_H
#define FTOPO_IBND_CONVERT_H

#include <infiniband/ibnetdisc.h>

#include "internal.h"

/* Builds and finalizes a new fabric from `src`; the caller owns *out and
 * keeps owning `src`. `origin` names the source in messages (a file name or
 * "live fabric"). */
ftopo_status ftopo__from_ibnd(ibnd_fabric_t *src, const char *origin, ftopo_fabric **out,
                              ftopo_diag *diag);

#endif

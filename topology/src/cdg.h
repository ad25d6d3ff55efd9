/* The channel dependency graph of a route set: a vertex per directed link,
 * an edge d1 -> d2 when some flow leaves d1 into d2 at a switch. A cycle is
 * a credit loop (a deadlock the fabric can enter without virtual lanes). */
#ifndef FTOPO_CDG_H
#define FTOPO_CDG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* A set of edges (open addressing over packed from/to keys). */
typedef struct ftopo__cdg {
    uint64_t *keys;
    size_t cap, used;
} ftopo__cdg;

void ftopo__cdg_free(ftopo__cdg *g);
/* Adds an edge (repeats are cheap no-ops); false when out of memory. */
bool ftopo__cdg_add(ftopo__cdg *g, ftopo_dlink_id from, ftopo_dlink_id to);
/* Looks for a cycle among num_dlinks vertices. On FTOPO_OK *cycle is the
 * malloc'ed list of its directed links in order (NULL and 0 when acyclic). */
ftopo_status ftopo__cdg_find_cycle(const ftopo__cdg *g, size_t num_dlinks, ftopo_dlink_id **cycle,
                                   size_t *len, ftopo_diag *diag);

#endif

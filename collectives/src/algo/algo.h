/* Algorithms, each written once over plans (chan.c), so they run on every
 * transport. Arguments were validated by coll.c; sizes are in bytes except
 * where a count and type are needed for reduction. */
#ifndef FCOLL_ALGO_H
#define FCOLL_ALGO_H

#include "internal.h"

/* Rank at ring position pos (wrapping), and next/previous of me. */
static inline int fcoll__ring_rank(const fcoll_comm_t *c, int pos)
{
    int n = c->nranks;
    return c->ring[((pos % n) + n) % n];
}

typedef struct fcoll__red {
    fcoll__reduce_fn fn;
    size_t esize;
} fcoll__red_t;

/* Ring pieces (ring.c), adding to plan p. Blocks are indexed by ring
 * position q: offset off[q], length len[q] bytes.
 * reduce-scatter: src holds the inputs, partial sums go to acc, the block of
 * my position ends reduced in final. Returns the op index that completes
 * final (-1: nothing to wait for, n == 1). */
int fcoll__ring_reduce_scatter(fcoll_comm_t *c, fcoll__plan_t *p, const char *src, char *acc,
                               char *final, const size_t *off, const size_t *len, fcoll__red_t red);
/* allgather: my block is already at out + off[pos] once op dep is done. */
void fcoll__ring_allgather(fcoll_comm_t *c, fcoll__plan_t *p, char *out, const size_t *off,
                           const size_t *len, int dep);

fcoll_status_t fcoll__allreduce_ring(fcoll_comm_t *c, const void *s, void *r, size_t count,
                                     fcoll_dtype_t dt, fcoll__red_t red);
fcoll_status_t fcoll__allreduce_rd(fcoll_comm_t *c, void *r, size_t bytes, fcoll__red_t red);
fcoll_status_t fcoll__allreduce_rhd(fcoll_comm_t *c, const void *s, void *r, size_t count,
                                    fcoll__red_t red);
/* Direct (direct.c): needs every peer's transport to have rma. */
int fcoll__direct_usable(const fcoll_comm_t *c);
fcoll_status_t fcoll__allreduce_direct(fcoll_comm_t *c, const void *s, void *r, size_t count,
                                       fcoll__red_t red);
/* Flat (flat.c): small messages, every peer on shm. */
int fcoll__flat_usable(fcoll_comm_t *c, size_t bytes);
fcoll_status_t fcoll__allreduce_flat(fcoll_comm_t *c, const void *s, void *r, size_t count,
                                     fcoll__red_t red);
fcoll_status_t fcoll__allgather_ring(fcoll_comm_t *c, const void *s, void *r, size_t bytes);
fcoll_status_t fcoll__reduce_scatter_ring(fcoll_comm_t *c, const void *s, void *r, size_t count,
                                          fcoll__red_t red);
/* Trees (tree.c): chain = 1 pipelines along the ring, else binomial. */
fcoll_status_t fcoll__bcast_tree(fcoll_comm_t *c, void *buf, size_t bytes, int root, int chain);
fcoll_status_t fcoll__reduce_tree(fcoll_comm_t *c, const void *s, void *r, size_t bytes, int root,
                                  int chain, fcoll__red_t red);
fcoll_status_t fcoll__alltoall_pairwise(fcoll_comm_t *c, const void *s, void *r, size_t bytes);
fcoll_status_t fcoll__barrier_dissemination(fcoll_comm_t *c);

#endif

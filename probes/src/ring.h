/* A ring order from a round's bandwidth matrix, for the collectives'
 * FCOLL_RING_ORDER until fabricd folds probe results into its planner. */
#ifndef FPROBE_RING_H
#define FPROBE_RING_H

#include "round.h"

/* Fills order with the n hosts' indices: a ring whose slowest hop is as
 * fast as greedy choice and 2-opt moves find (then the most total
 * bandwidth); a failed pair counts as 0. 0, or -1 out of memory (logged). */
int fprobe_ring_plan(const struct fprobe_round *r, size_t *order);

#endif

/* What a bandwidth matrix says: the slow pairs and a ring order. The matrix
 * is n x n and symmetric, bw[a * n + b] in MB/s, NAN where no probe
 * succeeded; fabprobe round and fabricd share these. */
#ifndef FPROBE_RING_H
#define FPROBE_RING_H

#include <stddef.h>

/* The median over the measured pairs (a < b), and the bandwidth below
 * which pairs are slow: the upper side of the widest ratio gap between
 * neighbouring bandwidths when that gap is at least 1/threshold (0.5:
 * twice); 0 when no gap is that wide. A slow link shared by many pairs can
 * make most pairs slow, so the median alone cannot be the yardstick.
 * 0, or -1 out of memory (logged). */
int fprobe_matrix_split(size_t n, const double *bw, double threshold, double *median,
                        double *slow_below);

/* The median of v (k > 0 values; sorts v in place). */
double fprobe_median(double *v, size_t k);

/* Fills order with the n hosts' indices: a ring whose slowest hop is as
 * fast as greedy choice and 2-opt moves find (then the most total
 * bandwidth); an unmeasured pair counts as 0. 0, or -1 out of memory
 * (logged). */
int fprobe_matrix_ring(size_t n, const double *bw, size_t *order);

#endif

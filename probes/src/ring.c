/* Slow pairs and a ring order from a bandwidth matrix: the ring is the
 * greedy widest next hop from host 0, then 2-opt segment reversals while
 * they improve it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ring.h"

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

double fprobe_median(double *v, size_t k)
{
    qsort(v, k, sizeof(*v), cmp_double);
    return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

int fprobe_matrix_split(size_t n, const double *bw, double threshold, double *median,
                        double *slow_below)
{
    double *v = malloc((n * n + 1) * sizeof(*v));
    size_t k = 0;
    *median = 0;
    *slow_below = 0;
    if (v == NULL) {
        fprobe_log("out of memory");
        return -1;
    }
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; b < n; b++)
            if (!isnan(bw[a * n + b]))
                v[k++] = bw[a * n + b];
    if (k > 0) {
        *median = fprobe_median(v, k);
        double best = 1.0;
        for (size_t i = 0; i + 1 < k; i++) {
            double ratio = v[i] > 0 ? v[i + 1] / v[i] : INFINITY;
            if (ratio > best && ratio * threshold >= 1.0) {
                best = ratio;
                *slow_below = v[i + 1];
            }
        }
    }
    free(v);
    return 0;
}

static double hop(size_t n, const double *bw, size_t a, size_t b)
{
    double v = bw[a * n + b];
    return isnan(v) ? 0.0 : v;
}

/* The ring's slowest hop and its total. */
static void score(size_t n, const double *bw, const size_t *order, double *min, double *sum)
{
    *min = -1;
    *sum = 0;
    for (size_t i = 0; i < n; i++) {
        double v = hop(n, bw, order[i], order[(i + 1) % n]);
        *min = *min < 0 || v < *min ? v : *min;
        *sum += v;
    }
}

static int better(size_t n, const double *bw, const size_t *a, const size_t *b)
{
    double amin, asum, bmin, bsum;
    score(n, bw, a, &amin, &asum);
    score(n, bw, b, &bmin, &bsum);
    return amin > bmin || (amin == bmin && asum > bsum);
}

static void greedy(size_t n, const double *bw, size_t *order, char *used)
{
    order[0] = 0;
    used[0] = 1;
    for (size_t i = 1; i < n; i++) {
        size_t best = n;
        for (size_t c = 0; c < n; c++)
            if (!used[c] &&
                (best == n || hop(n, bw, order[i - 1], c) > hop(n, bw, order[i - 1], best)))
                best = c;
        order[i] = best;
        used[best] = 1;
    }
}

int fprobe_matrix_ring(size_t n, const double *bw, size_t *order)
{
    if (n == 0)
        return 0;
    size_t *trial = malloc(n * sizeof(*trial));
    char *used = calloc(n, 1);
    if (trial == NULL || used == NULL) {
        free(trial);
        free(used);
        fprobe_log("out of memory");
        return -1;
    }
    greedy(n, bw, order, used);
    for (int improved = 1; improved;) {
        improved = 0;
        for (size_t i = 1; i + 1 < n && !improved; i++)
            for (size_t j = i + 1; j < n && !improved; j++) {
                memcpy(trial, order, n * sizeof(*trial));
                for (size_t a = i, b = j; a < b; a++, b--) {
                    size_t t = trial[a];
                    trial[a] = trial[b];
                    trial[b] = t;
                }
                if (better(n, bw, trial, order)) {
                    memcpy(order, trial, n * sizeof(*order));
                    improved = 1;
                }
            }
    }
    free(trial);
    free(used);
    return 0;
}

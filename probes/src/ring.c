/* Slow pairs and a ring order from a bandwidth matrix: the ring is the
 * greedy widest next hop from host 0, then 2-opt segment reversals while
 * they improve it. */
#include <math.h>
#include <stdlib.h>

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

/* The ring's hops (hv[k]: order[k] to the next) and the slowest. */
static void ring_hops(size_t n, const double *bw, const size_t *order, double *hv, double *min)
{
    *min = INFINITY;
    for (size_t k = 0; k < n; k++) {
        hv[k] = hop(n, bw, order[k], order[(k + 1) % n]);
        *min = fmin(*min, hv[k]);
    }
}

/* The three slowest hops and where they are: the slowest hop left when a
 * move replaces two is then known without a walk over the ring. */
#define LOW 3
typedef struct lows {
    double v[LOW];
    size_t at[LOW];
} lows;

static void lowest(size_t n, const double *hv, lows *l)
{
    for (int i = 0; i < LOW; i++) {
        l->v[i] = INFINITY;
        l->at[i] = SIZE_MAX;
    }
    for (size_t k = 0; k < n; k++) {
        size_t at = k;
        double v = hv[k];
        for (int i = 0; i < LOW; i++)
            if (v < l->v[i]) { /* insert, shifting the rest down */
                double tv = l->v[i];
                size_t ta = l->at[i];
                l->v[i] = v;
                l->at[i] = at;
                v = tv;
                at = ta;
            }
    }
}

/* The slowest hop but those at x and y. */
static double min_without(const lows *l, size_t x, size_t y)
{
    for (int i = 0; i < LOW; i++)
        if (l->at[i] != x && l->at[i] != y)
            return l->v[i];
    return INFINITY;
}

/* Whether a move leaving slowest hop left and changing the total by gain
 * (over hops that summed to was) makes a better ring. */
static int better(double left, double min, double gain, double was)
{
    return left > min || (left == min && gain > 1e-9 * (was + 1));
}

static void reverse(size_t *order, size_t i, size_t j)
{
    for (; i < j; i++, j--) {
        size_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
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

/* One pass of 2-opt: reversing order[i..j] replaces two hops and keeps
 * the others (the matrix is symmetric), so a move is judged from those two
 * and the slowest hops left, O(n^2) a pass (judging each move by a walk
 * over the ring took 83 s for 1000 hosts). Whether a move was made. */
static int two_opt(size_t n, const double *bw, size_t *order, double *hv, double *min, lows *low)
{
    int moved = 0;
    for (size_t i = 1; i + 1 < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double n1 = hop(n, bw, order[i - 1], order[j]);
            double n2 = hop(n, bw, order[i], order[(j + 1) % n]);
            double was = hv[i - 1] + hv[j];
            if (better(fmin(fmin(n1, n2), min_without(low, i - 1, j)), *min, n1 + n2 - was, was)) {
                reverse(order, i, j);
                ring_hops(n, bw, order, hv, min);
                lowest(n, hv, low);
                moved = 1;
            }
        }
    return moved;
}

int fprobe_matrix_ring(size_t n, const double *bw, size_t *order)
{
    if (n == 0)
        return 0;
    double *hv = malloc(n * sizeof(*hv));
    char *used = calloc(n, 1);
    if (hv == NULL || used == NULL) {
        free(hv);
        free(used);
        fprobe_log("out of memory");
        return -1;
    }
    greedy(n, bw, order, used);
    double min;
    lows low;
    ring_hops(n, bw, order, hv, &min);
    lowest(n, hv, &low);
    while (n >= 4 && two_opt(n, bw, order, hv, &min, &low))
        ;
    free(hv);
    free(used);
    return 0;
}

/* A ring order from a round's bandwidth matrix: greedy widest next hop from
 * host 0, then 2-opt segment reversals while they improve the ring. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ring.h"

static double bw(const struct fprobe_round *r, size_t a, size_t b)
{
    const struct fprobe_result *res = &r->pairs[(a < b ? a : b) * r->n + (a < b ? b : a)];
    return res->status == 0 ? fprobe_res_mbps(res) : 0.0;
}

/* The ring's slowest hop and its total. */
static void score(const struct fprobe_round *r, const size_t *order, double *min, double *sum)
{
    *min = -1;
    *sum = 0;
    for (size_t i = 0; i < r->n; i++) {
        double v = bw(r, order[i], order[(i + 1) % r->n]);
        *min = *min < 0 || v < *min ? v : *min;
        *sum += v;
    }
}

static int better(const struct fprobe_round *r, const size_t *a, const size_t *b)
{
    double amin, asum, bmin, bsum;
    score(r, a, &amin, &asum);
    score(r, b, &bmin, &bsum);
    return amin > bmin || (amin == bmin && asum > bsum);
}

static void greedy(const struct fprobe_round *r, size_t *order, char *used)
{
    order[0] = 0;
    used[0] = 1;
    for (size_t i = 1; i < r->n; i++) {
        size_t best = r->n;
        for (size_t c = 0; c < r->n; c++)
            if (!used[c] && (best == r->n || bw(r, order[i - 1], c) > bw(r, order[i - 1], best)))
                best = c;
        order[i] = best;
        used[best] = 1;
    }
}

int fprobe_ring_plan(const struct fprobe_round *r, size_t *order)
{
    size_t *trial = malloc(r->n * sizeof(*trial));
    char *used = calloc(r->n, 1);
    if (trial == NULL || used == NULL) {
        free(trial);
        free(used);
        fprobe_log("out of memory");
        return -1;
    }
    greedy(r, order, used);
    for (int improved = 1; improved;) {
        improved = 0;
        for (size_t i = 1; i + 1 < r->n && !improved; i++)
            for (size_t j = i + 1; j < r->n && !improved; j++) {
                memcpy(trial, order, r->n * sizeof(*trial));
                for (size_t a = i, b = j; a < b; a++, b--) {
                    size_t t = trial[a];
                    trial[a] = trial[b];
                    trial[b] = t;
                }
                if (better(r, trial, order)) {
                    memcpy(order, trial, r->n * sizeof(*order));
                    improved = 1;
                }
            }
    }
    free(trial);
    free(used);
    return 0;
}

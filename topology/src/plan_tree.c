/* Double binary trees over the planned ring order, for small and medium
 * messages (the latency of a ring grows with n, a tree's with log n).
 *
 * Tree A is the balanced in-order binary tree over ring positions; tree B
 * is the same shape over the positions shifted by one, so that most
 * interior nodes of one are leaves of the other (NCCL's construction
 * mirrors instead; a shift keeps each tree's subtrees contiguous in the
 * ring, i.e. on few leaf switches). Each tree carries half the data, in
 * both directions (reduce up, broadcast down). */
#include <stdlib.h>

#include "plan_int.h"

/* In-order balanced tree over positions [lo, hi): returns the root and
 * writes parents; *depth gets the subtree's height. */
static int32_t build(int32_t lo, int32_t hi, int32_t parent, int32_t *par, int *depth)
{
    if (lo >= hi) {
        *depth = -1;
        return -1;
    }
    int32_t mid = lo + (hi - lo) / 2;
    par[mid] = parent;
    int dl, dr;
    build(lo, mid, mid, par, &dl);
    build(mid + 1, hi, mid, par, &dr);
    *depth = 1 + (dl > dr ? dl : dr);
    return mid;
}

ftopo_status ftopo__plan_trees(const ftopo__plan_ctx *c, const int32_t *order,
                               ftopo_plan_tree *tree, ftopo_diag *diag)
{
    int32_t n = (int32_t)c->n;
    tree->parent[0] = malloc((size_t)n * sizeof(int32_t));
    tree->parent[1] = malloc((size_t)n * sizeof(int32_t));
    int32_t *shape = malloc((size_t)n * sizeof(int32_t));
    double *w = calloc(c->num_dlinks ? c->num_dlinks : 1, sizeof(double));
    if (!tree->parent[0] || !tree->parent[1] || !shape || !w) {
        free(shape);
        free(w);
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "plan: out of memory");
    }
    build(0, n, -1, shape, &tree->depth);
    if (tree->depth < 0)
        tree->depth = 0;
    for (int32_t q = 0; q < n; q++) {
        tree->parent[0][q] = shape[q];
        tree->parent[1][(q + 1) % n] = shape[q] < 0 ? -1 : (shape[q] + 1) % n;
    }
    ftopo_dlink_id buf[FTOPO_MAX_PATH_HOPS];
    for (int t = 0; t < 2; t++) {
        for (int32_t q = 0; q < n; q++) {
            int32_t p = tree->parent[t][q];
            if (p < 0)
                continue;
            size_t a = (size_t)order[q], b = (size_t)order[p];
            for (int dir = 0; dir < 2; dir++) {
                int len = dir ? ftopo__plan_path(c, b, a, buf) : ftopo__plan_path(c, a, b, buf);
                for (int k = 0; k < len; k++)
                    w[buf[k]] += 0.5;
            }
        }
    }
    tree->max_load = 0;
    for (size_t d = 0; d < c->num_dlinks; d++) {
        double v = w[d] > 0 ? w[d] * c->inv[d] : 0;
        if (v > tree->max_load)
            tree->max_load = v;
    }
    free(shape);
    free(w);
    return FTOPO_OK;
}

/* What a bandwidth matrix says, for the API: slow and failed pairs, the
 * groups of hosts that are fast among themselves (joined by pairs that are
 * measured and not slow), the bottlenecks between groups (where every
 * measured pair is slow: a shared link narrower than the groups' own), and
 * a ring that crosses them as little as the matrix allows. On a fabric
 * without MAD access this is fabricd's whole picture of it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "probe_int.h"
#include "ring.h"

static json_object *num(double v)
{
    return isfinite(v) ? json_object_new_double(v) : NULL;
}

int fabd_probe_matrix_ring(const fabd_probe_matrix *m, size_t *order)
{
    return fprobe_matrix_ring(m->n, m->bw, order);
}

static bool slow(const fabd_probe_matrix *m, size_t a, size_t b)
{
    double v = m->bw[a * m->n + b];
    return !isnan(v) && v < m->slow_below;
}

static size_t find(size_t *parent, size_t x)
{
    while (parent[x] != x)
        x = parent[x] = parent[parent[x]];
    return x;
}

/* group[i]: the group of host i, numbered 0.. in order of first host. */
static size_t groups_of(const fabd_probe_matrix *m, size_t *group, size_t *parent)
{
    for (size_t i = 0; i < m->n; i++)
        parent[i] = i;
    for (size_t a = 0; a < m->n; a++)
        for (size_t b = a + 1; b < m->n; b++)
            if (!isnan(m->bw[a * m->n + b]) && !slow(m, a, b))
                parent[find(parent, a)] = find(parent, b);
    size_t count = 0;
    for (size_t i = 0; i < m->n; i++)
        group[i] = SIZE_MAX;
    for (size_t i = 0; i < m->n; i++) {
        size_t root = find(parent, i);
        if (group[root] == SIZE_MAX)
            group[root] = count++;
        group[i] = group[root];
    }
    return count;
}

static json_object *pair_json(const fabd_probe_matrix *m, size_t a, size_t b)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "a", json_object_new_string(m->names[a]));
    json_object_object_add(o, "b", json_object_new_string(m->names[b]));
    const char *err = m->errors[a * m->n + b];
    if (err)
        json_object_object_add(o, "error", json_object_new_string(err));
    else
        json_object_object_add(o, "mb_per_s", num(m->bw[a * m->n + b]));
    return o;
}

/* A measured pair across two groups, g < h. */
typedef struct cross {
    size_t g, h;
    double v;
} cross;

static int cmp_cross(const void *x, const void *y)
{
    const cross *a = x, *b = y;
    return a->g != b->g ? (a->g > b->g) - (a->g < b->g) : (a->h > b->h) - (a->h < b->h);
}

/* Per pair of groups with measured pairs across: how many, how fast. One
 * walk over the pairs, sorted by groups (a walk over every pair for every
 * pair of groups took seconds with a few hundred hosts never measured,
 * each a group of its own). NULL out of memory. */
static json_object *bottlenecks(const fabd_probe_matrix *m, const size_t *group)
{
    size_t k = 0;
    cross *c = malloc((m->n * m->n / 2 + 1) * sizeof(*c));
    if (!c)
        return NULL;
    for (size_t a = 0; a < m->n; a++)
        for (size_t b = a + 1; b < m->n; b++) {
            double v = m->bw[a * m->n + b];
            if (!isnan(v) && group[a] != group[b])
                c[k++] = group[a] < group[b] ? (cross){group[a], group[b], v}
                                             : (cross){group[b], group[a], v};
        }
    if (k)
        qsort(c, k, sizeof(*c), cmp_cross);
    json_object *arr = json_object_new_array();
    for (size_t i = 0, j; i < k; i = j) {
        double lo = INFINITY, hi = 0, sum = 0;
        for (j = i; j < k && c[j].g == c[i].g && c[j].h == c[i].h; j++) {
            sum += c[j].v;
            lo = fmin(lo, c[j].v);
            hi = fmax(hi, c[j].v);
        }
        json_object *o = json_object_new_object(), *between = json_object_new_array();
        json_object_array_add(between, json_object_new_int64((int64_t)c[i].g));
        json_object_array_add(between, json_object_new_int64((int64_t)c[i].h));
        json_object_object_add(o, "groups", between);
        json_object_object_add(o, "pairs", json_object_new_int64((int64_t)(j - i)));
        json_object_object_add(o, "min_mb_per_s", num(lo));
        json_object_object_add(o, "mean_mb_per_s", num(sum / (double)(j - i)));
        json_object_object_add(o, "max_mb_per_s", num(hi));
        json_object_array_add(arr, o);
    }
    free(c);
    return arr;
}

static json_object *reading(const fabd_probe_matrix *m, size_t *group, size_t *order)
{
    json_object *o = json_object_new_object(), *names = json_object_new_array();
    json_object *rows = json_object_new_array(), *slow_pairs = json_object_new_array();
    json_object *errors = json_object_new_array(), *groups = json_object_new_array();
    json_object *ring = json_object_new_array();
    for (size_t a = 0; a < m->n; a++) {
        json_object_array_add(names, json_object_new_string(m->names[a]));
        json_object *row = json_object_new_array();
        for (size_t b = 0; b < m->n; b++)
            json_object_array_add(row, num(m->bw[a * m->n + b]));
        json_object_array_add(rows, row);
        for (size_t b = a + 1; b < m->n; b++) {
            if (m->errors[a * m->n + b])
                json_object_array_add(errors, pair_json(m, a, b));
            else if (slow(m, a, b))
                json_object_array_add(slow_pairs, pair_json(m, a, b));
        }
    }
    size_t ng = groups_of(m, group, order);
    json_object *bn = bottlenecks(m, group);
    for (size_t g = 0; g < ng; g++) {
        json_object *members = json_object_new_array();
        for (size_t i = 0; i < m->n; i++)
            if (group[i] == g)
                json_object_array_add(members, json_object_new_string(m->names[i]));
        json_object_array_add(groups, members);
    }
    json_object_object_add(o, "kind", json_object_new_string(fprobe_kind_name(m->kind)));
    json_object_object_add(o, "hosts", names);
    json_object_object_add(o, "median_mb_per_s", num(m->median));
    json_object_object_add(o, "slow_below_mb_per_s", num(m->slow_below));
    json_object_object_add(o, "matrix_mb_per_s", rows);
    json_object_object_add(o, "slow_pairs", slow_pairs);
    json_object_object_add(o, "errors", errors);
    json_object_object_add(o, "groups", groups);
    json_object_object_add(o, "bottlenecks", bn);
    if (m->n > 0 && fabd_probe_matrix_ring(m, order) == 0)
        for (size_t i = 0; i < m->n; i++)
            json_object_array_add(ring, json_object_new_string(m->names[order[i]]));
    json_object_object_add(o, "ring", ring);
    if (!bn) { /* out of memory */
        json_object_put(o);
        return NULL;
    }
    return o;
}

json_object *fabd_probe_matrix_json(const fabd_probe_matrix *m)
{
    size_t *group = malloc((m->n + 1) * sizeof(*group));
    size_t *scratch = malloc((m->n + 1) * sizeof(*scratch));
    json_object *o = group && scratch ? reading(m, group, scratch) : NULL;
    free(group);
    free(scratch);
    return o;
}

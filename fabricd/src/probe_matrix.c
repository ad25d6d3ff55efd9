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

/* Per pair of groups with measured pairs across: how many, how fast. */
static json_object *bottlenecks(const fabd_probe_matrix *m, const size_t *group, size_t ng)
{
    json_object *arr = json_object_new_array();
    for (size_t g = 0; g < ng; g++)
        for (size_t h = g + 1; h < ng; h++) {
            size_t pairs = 0;
            double lo = INFINITY, hi = 0, sum = 0;
            for (size_t a = 0; a < m->n; a++)
                for (size_t b = 0; b < m->n; b++) {
                    double v = m->bw[a * m->n + b];
                    if (group[a] != g || group[b] != h || isnan(v))
                        continue;
                    pairs++;
                    sum += v;
                    lo = fmin(lo, v);
                    hi = fmax(hi, v);
                }
            if (!pairs)
                continue;
            json_object *o = json_object_new_object(), *between = json_object_new_array();
            json_object_array_add(between, json_object_new_int64((int64_t)g));
            json_object_array_add(between, json_object_new_int64((int64_t)h));
            json_object_object_add(o, "groups", between);
            json_object_object_add(o, "pairs", json_object_new_int64((int64_t)pairs));
            json_object_object_add(o, "min_mb_per_s", num(lo));
            json_object_object_add(o, "mean_mb_per_s", num(sum / (double)pairs));
            json_object_object_add(o, "max_mb_per_s", num(hi));
            json_object_array_add(arr, o);
        }
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
    json_object_object_add(o, "bottlenecks", bottlenecks(m, group, ng));
    if (m->n > 0 && fabd_probe_matrix_ring(m, order) == 0)
        for (size_t i = 0; i < m->n; i++)
            json_object_array_add(ring, json_object_new_string(m->names[order[i]]));
    json_object_object_add(o, "ring", ring);
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

/* Virtual-lane layers for deadlock freedom, as OpenSM's dfsssp assigns
 * them: every CA-to-CA path starts in layer 0; while a layer's channel
 * dependency graph (a vertex per directed link, an edge d1 -> d2 when a
 * path crosses d1 then d2) has a cycle, the paths over the cycle's least
 * used dependency move up one layer. A packet keeps its layer (its SL, one
 * VL per SL) end to end, so acyclic layers cannot deadlock. */
#include <stdlib.h>
#include <string.h>

#include "route_set.h"

typedef struct dep {
    ftopo_dlink_id from, to;
} dep;

typedef struct layering {
    size_t num_paths;
    size_t *path_start; /* num_paths + 1, into path_dep */
    size_t *path_dep;   /* dependencies of each path, in order */
    size_t num_deps;
    dep *deps;
    size_t ndl;        /* directed links */
    uint8_t *layer;    /* per path */
    uint32_t *count;   /* paths of the current layer on each dependency */
    size_t *out_start; /* ndl + 1: dependencies leaving each directed link */
    size_t *out;
    size_t *dep_path_start; /* num_deps + 1: paths using each dependency */
    size_t *dep_path;
} layering;

static int cmp_dep(const void *a, const void *b)
{
    const dep *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    return (x->to > y->to) - (x->to < y->to);
}

static size_t find_dep(const layering *L, dep d)
{
    size_t lo = 0, hi = L->num_deps;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cmp_dep(&L->deps[mid], &d) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* A cycle among dependencies with count > 0: returns the least used
 * dependency on it, or SIZE_MAX when the layer is acyclic. Iterative DFS
 * with colours (0 new, 1 on the stack, 2 done). */
static size_t weakest_on_cycle(const layering *L, uint8_t *colour, size_t *stack, size_t *edge_at)
{
    memset(colour, 0, L->ndl);
    for (size_t root = 0; root < L->ndl; root++) {
        if (colour[root])
            continue;
        size_t top = 0;
        stack[top] = root;
        edge_at[top] = L->out_start[root];
        colour[root] = 1;
        while (1) {
            size_t v = stack[top];
            size_t *e = &edge_at[top];
            while (*e < L->out_start[v + 1] && L->count[L->out[*e]] == 0)
                (*e)++;
            if (*e == L->out_start[v + 1]) {
                colour[v] = 2;
                if (top == 0)
                    break;
                top--;
                continue;
            }
            size_t d = L->out[(*e)++];
            size_t w = (size_t)L->deps[d].to;
            if (colour[w] == 1) { /* back edge: the cycle is w .. v, then d */
                size_t best = d;
                for (size_t i = top; stack[i] != w; i--) {
                    size_t via = L->out[edge_at[i - 1] - 1];
                    if (L->count[via] < L->count[best])
                        best = via;
                }
                return best;
            }
            if (colour[w] == 0) {
                colour[w] = 1;
                stack[++top] = w;
                edge_at[top] = L->out_start[w];
            }
        }
    }
    return SIZE_MAX;
}

static void layering_free(layering *L)
{
    free(L->path_start);
    free(L->path_dep);
    free(L->deps);
    free(L->layer);
    free(L->count);
    free(L->out_start);
    free(L->out);
    free(L->dep_path_start);
    free(L->dep_path);
}

void ftopo_vl_layers_free(ftopo_vl_layers *v)
{
    if (!v)
        return;
    free(v->src_node);
    free(v->src_port);
    free(v->dlid);
    free(v->layer);
    memset(v, 0, sizeof(*v));
}

/* Every delivered CA-to-CA path: its endpoints into v, its dependencies
 * into L (sorted, unique) and path_dep. */
static ftopo_status collect_paths(const ftopo_routes *r, ftopo_vl_layers *v, layering *L,
                                  ftopo_diag *diag)
{
    const ftopo_fabric *f = r->fabric;
    size_t cap = 1024, npairs = 0, pair_cap = 4096;
    dep *pairs = malloc(pair_cap * sizeof(*pairs));
    size_t *pair_path = malloc(pair_cap * sizeof(*pair_path));
    v->src_node = malloc(cap * sizeof(*v->src_node));
    v->src_port = malloc(cap * sizeof(*v->src_port));
    v->dlid = malloc(cap * sizeof(*v->dlid));
    ftopo_dlink_id hops[FTOPO_MAX_PATH_HOPS];
    ftopo_status st = FTOPO_OK;
    if (!pairs || !pair_path || !v->src_node || !v->src_port || !v->dlid)
        goto nomem;
    for (ftopo_lid src = 1; src <= r->lid_top; src++) {
        ftopo_node_id sn = r->lid_node[src];
        if (sn == FTOPO_NONE || f->nodes[sn].type == FTOPO_NODE_SWITCH ||
            r->port_lid[f->nodes[sn].port_base + r->lid_port[src] - 1] != src)
            continue; /* sources: CA ports, once, by base LID */
        for (ftopo_lid dst = 1; dst <= r->lid_top; dst++) {
            ftopo_node_id dn = r->lid_node[dst];
            if (dn == FTOPO_NONE || f->nodes[dn].type == FTOPO_NODE_SWITCH ||
                (dn == sn && r->lid_port[dst] == r->lid_port[src]))
                continue;
            size_t len = 0;
            if (ftopo_routes_path(r, sn, r->lid_port[src], dst, hops, FTOPO_MAX_PATH_HOPS, &len) !=
                    FTOPO_PATH_OK ||
                len > FTOPO_MAX_PATH_HOPS)
                continue;
            if (v->num_paths == cap) {
                cap *= 2;
                ftopo_node_id *a = realloc(v->src_node, cap * sizeof(*a));
                if (a)
                    v->src_node = a;
                int *b = realloc(v->src_port, cap * sizeof(*b));
                if (b)
                    v->src_port = b;
                ftopo_lid *c = realloc(v->dlid, cap * sizeof(*c));
                if (c)
                    v->dlid = c;
                if (!a || !b || !c)
                    goto nomem;
            }
            size_t p = v->num_paths++;
            v->src_node[p] = sn;
            v->src_port[p] = r->lid_port[src];
            v->dlid[p] = dst;
            for (size_t i = 0; i + 1 < len; i++) {
                if (npairs == pair_cap) {
                    pair_cap *= 2;
                    dep *a = realloc(pairs, pair_cap * sizeof(*a));
                    if (a)
                        pairs = a;
                    size_t *b = realloc(pair_path, pair_cap * sizeof(*b));
                    if (b)
                        pair_path = b;
                    if (!a || !b)
                        goto nomem;
                }
                pair_path[npairs] = p;
                pairs[npairs++] = (dep){hops[i], hops[i + 1]};
            }
        }
    }
    /* Dependencies: sorted, unique; each path's list through find_dep. */
    L->num_paths = v->num_paths;
    L->deps = malloc((npairs ? npairs : 1) * sizeof(*L->deps));
    L->path_start = calloc(v->num_paths + 1, sizeof(*L->path_start));
    L->path_dep = malloc((npairs ? npairs : 1) * sizeof(*L->path_dep));
    if (!L->deps || !L->path_start || !L->path_dep)
        goto nomem;
    memcpy(L->deps, pairs, npairs * sizeof(*pairs));
    qsort(L->deps, npairs, sizeof(*L->deps), cmp_dep);
    for (size_t i = 0; i < npairs; i++)
        if (L->num_deps == 0 || cmp_dep(&L->deps[L->num_deps - 1], &L->deps[i]) != 0)
            L->deps[L->num_deps++] = L->deps[i];
    for (size_t i = 0; i < npairs; i++) /* pairs are in path order */
        L->path_start[pair_path[i] + 1]++;
    for (size_t p = 0; p < v->num_paths; p++)
        L->path_start[p + 1] += L->path_start[p];
    for (size_t i = 0; i < npairs; i++)
        L->path_dep[i] = find_dep(L, pairs[i]);
    goto out;
nomem:
    st = ftopo__fail(diag, FTOPO_ERR_NOMEM, "VL layers: out of memory");
out:
    free(pairs);
    free(pair_path);
    return st;
}

/* Out-edges per directed link and paths per dependency, both CSR. */
static ftopo_status index_deps(layering *L, ftopo_diag *diag)
{
    L->out_start = calloc(L->ndl + 1, sizeof(*L->out_start));
    L->out = malloc((L->num_deps ? L->num_deps : 1) * sizeof(*L->out));
    L->dep_path_start = calloc(L->num_deps + 1, sizeof(*L->dep_path_start));
    size_t total = L->path_start[L->num_paths];
    L->dep_path = malloc((total ? total : 1) * sizeof(*L->dep_path));
    L->count = calloc(L->num_deps ? L->num_deps : 1, sizeof(*L->count));
    L->layer = calloc(L->num_paths ? L->num_paths : 1, 1);
    if (!L->out_start || !L->out || !L->dep_path_start || !L->dep_path || !L->count || !L->layer)
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "VL layers: out of memory");
    for (size_t d = 0; d < L->num_deps; d++) { /* deps are sorted by from */
        L->out_start[L->deps[d].from + 1]++;
        L->out[d] = d;
    }
    for (size_t i = 0; i < L->ndl; i++)
        L->out_start[i + 1] += L->out_start[i];
    for (size_t i = 0; i < total; i++)
        L->dep_path_start[L->path_dep[i] + 1]++;
    for (size_t d = 0; d < L->num_deps; d++)
        L->dep_path_start[d + 1] += L->dep_path_start[d];
    size_t *fill = calloc(L->num_deps ? L->num_deps : 1, sizeof(*fill));
    if (!fill)
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "VL layers: out of memory");
    for (size_t p = 0; p < L->num_paths; p++)
        for (size_t i = L->path_start[p]; i < L->path_start[p + 1]; i++) {
            size_t d = L->path_dep[i];
            L->dep_path[L->dep_path_start[d] + fill[d]++] = p;
        }
    free(fill);
    return FTOPO_OK;
}

static void count_layer(layering *L, uint8_t layer)
{
    memset(L->count, 0, L->num_deps * sizeof(*L->count));
    for (size_t p = 0; p < L->num_paths; p++)
        if (L->layer[p] == layer)
            for (size_t i = L->path_start[p]; i < L->path_start[p + 1]; i++)
                L->count[L->path_dep[i]]++;
}

ftopo_status ftopo_route_vl_layers(const ftopo_routes *routes, int max_layers, ftopo_vl_layers *out,
                                   ftopo_diag *diag)
{
    if (!routes || !out || max_layers < 1 || max_layers > 16)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "VL layers: need a route set and 1..16 layers");
    memset(out, 0, sizeof(*out));
    layering L = {0};
    L.ndl = 2 * ftopo_num_links(routes->fabric);
    uint8_t *colour = malloc(L.ndl ? L.ndl : 1);
    size_t *stack = malloc((L.ndl ? L.ndl : 1) * sizeof(*stack));
    size_t *edge_at = malloc((L.ndl ? L.ndl : 1) * sizeof(*edge_at));
    ftopo_status st = colour && stack && edge_at
                          ? collect_paths(routes, out, &L, diag)
                          : ftopo__fail(diag, FTOPO_ERR_NOMEM, "VL layers: out of memory");
    if (st == FTOPO_OK)
        st = index_deps(&L, diag);
    uint8_t cur = 0;
    bool higher = false;
    if (st == FTOPO_OK)
        count_layer(&L, 0);
    while (st == FTOPO_OK) {
        size_t d = weakest_on_cycle(&L, colour, stack, edge_at);
        if (d == SIZE_MAX) {
            if (!higher)
                break;
            cur++;
            higher = false;
            count_layer(&L, cur);
            continue;
        }
        if (cur + 1 >= max_layers) {
            st = ftopo__fail(diag, FTOPO_ERR_CONFLICT,
                             "VL layers: the routes need more than %d layers to be deadlock-free",
                             max_layers);
            break;
        }
        for (size_t i = L.dep_path_start[d]; i < L.dep_path_start[d + 1]; i++) {
            size_t p = L.dep_path[i];
            if (L.layer[p] != cur)
                continue;
            L.layer[p] = (uint8_t)(cur + 1);
            higher = true;
            for (size_t k = L.path_start[p]; k < L.path_start[p + 1]; k++)
                L.count[L.path_dep[k]]--;
        }
    }
    if (st == FTOPO_OK) {
        out->num_layers = (size_t)cur + 1;
        out->layer = L.layer;
        L.layer = NULL;
    } else {
        ftopo_vl_layers_free(out);
    }
    layering_free(&L);
    free(colour);
    free(stack);
    free(edge_at);
    return st;
}

ftopo_status ftopo_vl_layers_write(const ftopo_routes *routes, const ftopo_vl_layers *v, FILE *out,
                                   ftopo_diag *diag)
{
    fprintf(out,
            "# VL layers: %zu (deadlock-free with one VL per layer, SLn -> VLn)\n"
            "# source LID, destination LID, SL\n",
            v->num_layers);
    for (size_t p = 0; p < v->num_paths; p++)
        fprintf(out, "0x%04x 0x%04x %u\n",
                (unsigned)ftopo_routes_port_lid(routes, v->src_node[p], v->src_port[p]),
                (unsigned)v->dlid[p], (unsigned)v->layer[p]);
    if (ferror(out))
        return ftopo__fail(diag, FTOPO_ERR_IO, "VL layers: write failed");
    return FTOPO_OK;
}

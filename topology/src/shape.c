/* Shape recognition: which regular design a fabric follows, so that routing
 * and planning can pick their method, and whether a fat tree has lost links
 * against its regular form. */
#include <stdlib.h>

#include "model.h"

const char *ftopo_shape_str(ftopo_shape shape)
{
    switch (shape) {
    case FTOPO_SHAPE_EMPTY:
        return "empty";
    case FTOPO_SHAPE_SINGLE_SWITCH:
        return "single-switch";
    case FTOPO_SHAPE_FAT_TREE_2:
        return "fat-tree-2";
    case FTOPO_SHAPE_FAT_TREE_3:
        return "fat-tree-3";
    case FTOPO_SHAPE_RAIL_OPTIMIZED:
        return "rail-optimized";
    case FTOPO_SHAPE_TORUS_2D:
        return "torus-2d";
    case FTOPO_SHAPE_IRREGULAR:
        return "irregular";
    }
    return "?";
}

/* Distinct switches cabled to switch n (parallel cables count once), in
 * `buf` (room for num_ports); returns how many. */
static int switch_neighbours(const ftopo_fabric *f, ftopo_node_id n, ftopo_node_id *buf)
{
    int count = 0;
    for (int p = 1; p <= f->nodes[n].num_ports; p++) {
        ftopo_node_id peer = ftopo__port_at(f, n, p)->peer_node;
        if (peer == FTOPO_NONE || peer == n || f->nodes[peer].type != FTOPO_NODE_SWITCH)
            continue;
        int i = 0;
        while (i < count && buf[i] != peer)
            i++;
        if (i == count)
            buf[count++] = peer;
    }
    return count;
}

/* Whether the switches, with parallel cables merged, form an X x Y
 * wrap-around grid (X, Y >= 2): every switch has as many switch neighbours
 * (4, or fewer where a ring of 2 folds onto itself) and the graph is
 * isomorphic to igraph's periodic square lattice, simplified, of some
 * factorization of the switch count. */
static ftopo_status check_torus(const ftopo_fabric *f, ftopo_diag *diag, bool *torus)
{
    *torus = false;
    size_t n = f->summary.switches;
    /* Every switch of a torus has hosts; that also keeps small fat trees
     * (two leaves, two spines: a ring of four) from looking like one. */
    if (n < 4 || f->summary.switches_per_tier[1] != n)
        return FTOPO_OK;
    ftopo_node_id nb[256];
    igraph_integer_t *index = malloc(f->num_nodes * sizeof(*index));
    igraph_vector_int_t edges;
    if (!index)
        return FTOPO_ERR_NOMEM;
    igraph_error_t rc = igraph_vector_int_init(&edges, 0);
    if (rc != IGRAPH_SUCCESS) {
        free(index);
        return ftopo__igraph_fail(diag, rc, "torus check");
    }
    igraph_integer_t next = 0;
    for (size_t i = 0; i < f->num_nodes; i++)
        index[i] = f->nodes[i].type == FTOPO_NODE_SWITCH ? next++ : -1;
    bool regular = true;
    int degree = -1;
    for (size_t i = 0; i < f->num_nodes && regular && rc == IGRAPH_SUCCESS; i++) {
        if (index[i] < 0)
            continue;
        int count = switch_neighbours(f, (ftopo_node_id)i, nb);
        if (degree < 0)
            degree = count;
        regular = count == degree && count >= 2 && count <= 4;
        for (int k = 0; k < count && regular && rc == IGRAPH_SUCCESS; k++) {
            if (index[nb[k]] < index[i])
                continue;
            rc = igraph_vector_int_push_back(&edges, index[i]);
            if (rc == IGRAPH_SUCCESS)
                rc = igraph_vector_int_push_back(&edges, index[nb[k]]);
        }
    }
    free(index);
    igraph_t sw;
    bool have_sw = false;
    if (regular && rc == IGRAPH_SUCCESS) {
        rc = igraph_create(&sw, &edges, (igraph_integer_t)n, IGRAPH_UNDIRECTED);
        have_sw = rc == IGRAPH_SUCCESS;
    }
    igraph_vector_int_destroy(&edges);
    for (size_t x = 2; have_sw && x * x <= n && !*torus && rc == IGRAPH_SUCCESS; x++) {
        if (n % x != 0)
            continue;
        igraph_vector_int_t dims;
        igraph_vector_bool_t periodic;
        igraph_t grid;
        rc = igraph_vector_int_init(&dims, 2);
        if (rc != IGRAPH_SUCCESS)
            break;
        rc = igraph_vector_bool_init(&periodic, 2);
        if (rc != IGRAPH_SUCCESS) {
            igraph_vector_int_destroy(&dims);
            break;
        }
        VECTOR(dims)[0] = (igraph_integer_t)x;
        VECTOR(dims)[1] = (igraph_integer_t)(n / x);
        VECTOR(periodic)[0] = VECTOR(periodic)[1] = true;
        rc = igraph_square_lattice(&grid, &dims, 1, IGRAPH_UNDIRECTED, false, &periodic);
        if (rc == IGRAPH_SUCCESS) {
            /* A periodic ring of 2 is a double edge: merge it like cables. */
            igraph_bool_t iso = false;
            rc = igraph_simplify(&grid, true, true, NULL);
            if (rc == IGRAPH_SUCCESS)
                rc = igraph_isomorphic(&sw, &grid, &iso);
            *torus = iso;
            igraph_destroy(&grid);
        }
        igraph_vector_bool_destroy(&periodic);
        igraph_vector_int_destroy(&dims);
    }
    if (have_sw)
        igraph_destroy(&sw);
    return rc == IGRAPH_SUCCESS ? FTOPO_OK : ftopo__igraph_fail(diag, rc, "torus check");
}

/* Whether the fabric is one connected piece (uncabled nodes aside). */
static ftopo_status check_connected(const ftopo_fabric *f, ftopo_diag *diag, bool *connected)
{
    igraph_vector_int_t sizes;
    igraph_integer_t count = 0;
    igraph_error_t rc = igraph_vector_int_init(&sizes, 0);
    if (rc == IGRAPH_SUCCESS) {
        rc = igraph_connected_components(&f->graph, NULL, &sizes, &count, IGRAPH_WEAK);
        igraph_integer_t pieces = 0;
        for (igraph_integer_t i = 0; rc == IGRAPH_SUCCESS && i < count; i++)
            pieces += VECTOR(sizes)[i] > 1;
        *connected = pieces == 1;
        igraph_vector_int_destroy(&sizes);
    }
    return rc == IGRAPH_SUCCESS ? FTOPO_OK : ftopo__igraph_fail(diag, rc, "connectivity check");
}

/* What a fat tree needs: every link joins adjacent tiers (CAs count as tier
 * 0), no routers, and every switch below the top has an uplink. Counts the
 * uplinks of each switch into `up` (zeroed, one per node) and whether each
 * leaf serves one rail, using `leaf_rail` (one per node) as scratch. */
static bool layered(const ftopo_fabric *f, int *up, int *leaf_rail, bool *one_rail_per_leaf)
{
    for (size_t i = 0; i < f->num_nodes; i++)
        leaf_rail[i] = -1;
    *one_rail_per_leaf = true;
    bool ok = true;
    for (size_t i = 0; i < f->num_links && ok; i++) {
        const ftopo__link *l = &f->links[i];
        const ftopo__node *a = &f->nodes[l->a], *b = &f->nodes[l->b];
        if (a->type == FTOPO_NODE_ROUTER || b->type == FTOPO_NODE_ROUTER)
            ok = false;
        else if (a->type == FTOPO_NODE_CA && b->type == FTOPO_NODE_CA)
            ok = false;
        else if (a->type == FTOPO_NODE_CA || b->type == FTOPO_NODE_CA) {
            const ftopo__node *ca = a->type == FTOPO_NODE_CA ? a : b;
            ftopo_node_id leaf = a->type == FTOPO_NODE_CA ? l->b : l->a;
            if (leaf_rail[leaf] >= 0 && leaf_rail[leaf] != ca->rail)
                *one_rail_per_leaf = false;
            leaf_rail[leaf] = ca->rail;
        } else if (a->tier == b->tier + 1) {
            up[l->b]++;
        } else if (b->tier == a->tier + 1) {
            up[l->a]++;
        } else {
            ok = false;
        }
    }
    for (size_t i = 0; i < f->num_nodes && ok; i++)
        if (f->nodes[i].type == FTOPO_NODE_SWITCH && f->nodes[i].tier < f->summary.tiers)
            ok = up[i] > 0;
    return ok;
}

/* Degraded: within a tier, switches have unequal uplink counts, which a
 * regular fat tree never has. */
static bool uneven_uplinks(const ftopo_fabric *f, const int *up)
{
    int first[FTOPO_MAX_TIERS + 1];
    for (int t = 0; t <= FTOPO_MAX_TIERS; t++)
        first[t] = -1;
    for (size_t i = 0; i < f->num_nodes; i++) {
        const ftopo__node *n = &f->nodes[i];
        if (n->type != FTOPO_NODE_SWITCH || n->tier >= f->summary.tiers)
            continue;
        if (first[n->tier] < 0)
            first[n->tier] = up[i];
        else if (first[n->tier] != up[i])
            return true;
    }
    return false;
}

ftopo_status ftopo__derive_shape(ftopo_fabric *f, ftopo_diag *diag)
{
    ftopo_summary *s = &f->summary;
    s->degraded = false;
    if (s->switches == 0 || s->cas == 0) {
        s->shape = FTOPO_SHAPE_EMPTY;
        return FTOPO_OK;
    }
    s->shape = FTOPO_SHAPE_IRREGULAR;
    size_t tiered = 0;
    for (int t = 1; t <= FTOPO_MAX_TIERS; t++)
        tiered += s->switches_per_tier[t];
    bool connected = false;
    ftopo_status st = check_connected(f, diag, &connected);
    if (st != FTOPO_OK || !connected || tiered != s->switches)
        return st; /* unreachable switches or islands: irregular */
    if (s->switches == 1) {
        s->shape = FTOPO_SHAPE_SINGLE_SWITCH;
        return FTOPO_OK;
    }
    bool torus = false;
    st = check_torus(f, diag, &torus);
    if (st != FTOPO_OK || torus) {
        s->shape = FTOPO_SHAPE_TORUS_2D;
        return st;
    }
    if (s->tiers != 2 && s->tiers != 3)
        return FTOPO_OK;
    int *up = calloc(f->num_nodes, sizeof(*up));
    int *leaf_rail = malloc(f->num_nodes * sizeof(*leaf_rail));
    bool one_rail = false;
    if (up && leaf_rail && layered(f, up, leaf_rail, &one_rail)) {
        s->shape = s->tiers == 2 ? FTOPO_SHAPE_FAT_TREE_2 : FTOPO_SHAPE_FAT_TREE_3;
        if (one_rail && s->rails > 1)
            s->shape = FTOPO_SHAPE_RAIL_OPTIMIZED;
        s->degraded = uneven_uplinks(f, up);
    }
    st = up && leaf_rail ? FTOPO_OK : FTOPO_ERR_NOMEM;
    free(up);
    free(leaf_rail);
    return st;
}

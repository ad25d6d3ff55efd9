/* Channel dependency graph: edge set and cycle search (iterative DFS, so
 * that long dependency chains cannot overflow the stack). */
#include <stdlib.h>
#include <string.h>

#include "cdg.h"

#define EMPTY UINT64_MAX

void ftopo__cdg_free(ftopo__cdg *g)
{
    if (!g)
        return;
    free(g->keys);
    memset(g, 0, sizeof(*g));
}

static size_t slot_of(uint64_t key, size_t cap)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return (size_t)key & (cap - 1);
}

static bool insert(uint64_t *keys, size_t cap, uint64_t key, bool *added)
{
    for (size_t i = slot_of(key, cap);; i = (i + 1) & (cap - 1)) {
        if (keys[i] == key) {
            *added = false;
            return true;
        }
        if (keys[i] == EMPTY) {
            keys[i] = key;
            *added = true;
            return true;
        }
    }
}

static bool grow(ftopo__cdg *g)
{
    size_t cap = g->cap ? g->cap * 2 : 1024;
    uint64_t *keys = malloc(cap * sizeof(*keys));
    if (!keys)
        return false;
    memset(keys, 0xff, cap * sizeof(*keys));
    bool added;
    for (size_t i = 0; i < g->cap; i++)
        if (g->keys[i] != EMPTY)
            insert(keys, cap, g->keys[i], &added);
    free(g->keys);
    g->keys = keys;
    g->cap = cap;
    return true;
}

bool ftopo__cdg_add(ftopo__cdg *g, ftopo_dlink_id from, ftopo_dlink_id to)
{
    if ((g->used + 1) * 2 > g->cap && !grow(g))
        return false;
    bool added;
    insert(g->keys, g->cap, (uint64_t)(uint32_t)from << 32 | (uint32_t)to, &added);
    g->used += added;
    return true;
}

ftopo_status ftopo__cdg_find_cycle(const ftopo__cdg *g, size_t n, ftopo_dlink_id **cycle,
                                   size_t *len, ftopo_diag *diag)
{
    *cycle = NULL;
    *len = 0;
    if (!g->used)
        return FTOPO_OK;
    /* Adjacency in CSR form. */
    size_t *first = calloc(n + 1, sizeof(*first));
    ftopo_dlink_id *adj = malloc(g->used * sizeof(*adj));
    size_t *next = malloc((n + 1) * sizeof(*next)); /* DFS: next edge to try */
    ftopo_dlink_id *parent = malloc((n + 1) * sizeof(*parent));
    uint8_t *color = calloc(n + 1, 1); /* 0 new, 1 on stack, 2 done */
    ftopo_status st = FTOPO_OK;
    if (!first || !adj || !next || !parent || !color) {
        st = ftopo__fail(diag, FTOPO_ERR_NOMEM, "analyze: out of memory for the CDG");
        goto out;
    }
    for (size_t i = 0; i < g->cap; i++)
        if (g->keys[i] != EMPTY)
            first[(g->keys[i] >> 32) + 1]++;
    for (size_t v = 0; v < n; v++)
        first[v + 1] += first[v];
    memcpy(next, first, n * sizeof(*next));
    for (size_t i = 0; i < g->cap; i++)
        if (g->keys[i] != EMPTY)
            adj[next[g->keys[i] >> 32]++] = (ftopo_dlink_id)(uint32_t)g->keys[i];
    memcpy(next, first, n * sizeof(*next));

    for (size_t root = 0; root < n; root++) {
        if (color[root])
            continue;
        ftopo_dlink_id u = (ftopo_dlink_id)root;
        color[u] = 1;
        parent[u] = -1;
        while (u >= 0) {
            if (next[u] == first[u + 1]) {
                color[u] = 2;
                u = parent[u];
                continue;
            }
            ftopo_dlink_id v = adj[next[u]++];
            if (color[v] == 0) {
                color[v] = 1;
                parent[v] = u;
                u = v;
            } else if (color[v] == 1) {
                /* v .. u is on the stack: the cycle is v -> ... -> u -> v. */
                size_t k = 1;
                for (ftopo_dlink_id w = u; w != v; w = parent[w])
                    k++;
                ftopo_dlink_id *c = malloc(k * sizeof(*c));
                if (!c) {
                    st = ftopo__fail(diag, FTOPO_ERR_NOMEM, "analyze: out of memory");
                    goto out;
                }
                size_t i = k;
                for (ftopo_dlink_id w = u; w != v; w = parent[w])
                    c[--i] = w;
                c[0] = v;
                *cycle = c;
                *len = k;
                goto out;
            }
        }
    }
out:
    free(first);
    free(adj);
    free(next);
    free(parent);
    free(color);
    return st;
}

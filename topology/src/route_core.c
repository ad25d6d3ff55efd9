/* The routing engines' shared core: the switch graph in CSR form, the
 * destinations grouped by delivering switch, and balanced routing of one
 * group over a DAG of valid next hops. See route_core.h. */
#include <stdlib.h>
#include <string.h>

#include "route_core.h"

void ftopo__rgraph_free(ftopo__rgraph *g)
{
    free(g->adj_start);
    free(g->adj_sw);
    free(g->adj_port);
    free(g->adj_rev);
    free(g->adj_cost);
    free(g->sources);
    free(g->rail_sources);
    free(g->dest_rail);
    free(g->tier);
    free(g->dest_lid);
    free(g->dest_port);
    free(g->dest_flow);
    free(g->group_sw);
    free(g->group_start);
    free(g->load);
    memset(g, 0, sizeof(*g));
}

static bool is_switch(const ftopo_fabric *f, ftopo_node_id node)
{
    return node != FTOPO_NONE && f->nodes[node].type == FTOPO_NODE_SWITCH;
}

static size_t rail_of(const ftopo_fabric *f, ftopo_node_id ca)
{
    return f->nodes[ca].rail > 0 ? (size_t)f->nodes[ca].rail : 0;
}

/* Switch-to-switch cables as CSR adjacency, sources per switch, tiers. */
static ftopo_status build_adjacency(ftopo__rgraph *g, ftopo_diag *diag)
{
    const ftopo_fabric *f = g->fabric;
    const ftopo_routes *r = g->routes;
    size_t n = g->n;
    g->adj_start = calloc(n + 1, sizeof(*g->adj_start));
    g->sources = calloc(n ? n : 1, sizeof(*g->sources));
    g->tier = calloc(n ? n : 1, sizeof(*g->tier));
    if (!g->adj_start || !g->sources || !g->tier)
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "routing: out of memory for %zu switches", n);
    for (size_t s = 0; s < n; s++) {
        const ftopo__node *node = &f->nodes[r->switches[s]];
        g->tier[s] = node->tier;
        for (int p = 1; p <= node->num_ports; p++) {
            const ftopo__port *port = ftopo__port_at(f, r->switches[s], p);
            if (port->peer_node == FTOPO_NONE)
                continue;
            if (is_switch(f, port->peer_node))
                g->adj_start[s + 1]++;
            else
                g->sources[s]++;
        }
    }
    for (size_t s = 0; s < n; s++)
        g->adj_start[s + 1] += g->adj_start[s];
    g->num_rails = 1;
    for (size_t i = 0; i < f->num_nodes; i++)
        if (f->nodes[i].type != FTOPO_NODE_SWITCH && f->nodes[i].rail >= (int)g->num_rails)
            g->num_rails = (size_t)f->nodes[i].rail + 1;
    g->rail_sources = calloc((n ? n : 1) * g->num_rails, sizeof(*g->rail_sources));
    if (!g->rail_sources)
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "routing: out of memory for %zu switches", n);
    for (size_t s = 0; s < n; s++) {
        const ftopo__node *node = &f->nodes[r->switches[s]];
        for (int p = 1; p <= node->num_ports; p++) {
            ftopo_node_id peer = ftopo__port_at(f, r->switches[s], p)->peer_node;
            if (peer != FTOPO_NONE && !is_switch(f, peer))
                g->rail_sources[s * g->num_rails + rail_of(f, peer)]++;
        }
    }
    size_t m = g->adj_start[n];
    g->adj_sw = malloc((m ? m : 1) * sizeof(*g->adj_sw));
    g->adj_port = malloc(m ? m : 1);
    g->adj_rev = malloc((m ? m : 1) * sizeof(*g->adj_rev));
    g->adj_cost = malloc((m ? m : 1) * sizeof(*g->adj_cost));
    g->load = calloc(m ? m : 1, sizeof(*g->load));
    if (!g->adj_sw || !g->adj_port || !g->adj_rev || !g->adj_cost || !g->load)
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "routing: out of memory for %zu links", m);

    double fastest = 0;
    for (size_t s = 0; s < n; s++) {
        ftopo_node_id node = r->switches[s];
        size_t e = g->adj_start[s];
        for (int p = 1; p <= f->nodes[node].num_ports; p++) {
            const ftopo__port *port = ftopo__port_at(f, node, p);
            if (!is_switch(f, port->peer_node))
                continue;
            ftopo_link_info li;
            ftopo_status st = ftopo_link_get(f, port->link, &li);
            if (st != FTOPO_OK)
                return ftopo__fail(diag, st, "routing: link %d of switch 0x%016llx port %d",
                                   (int)port->link, (unsigned long long)f->nodes[node].guid, p);
            g->adj_sw[e] = r->switch_index[port->peer_node];
            g->adj_port[e] = (uint8_t)p;
            /* Rates go in as tenths of Gb/s until the fastest is known. */
            g->adj_cost[e] = li.rate_gbps > 0 ? (uint32_t)(li.rate_gbps * 10 + 0.5) : 0;
            if (li.rate_gbps > fastest)
                fastest = li.rate_gbps;
            e++;
        }
    }
    for (size_t e = 0; e < m; e++) {
        /* A slower link costs proportionally more; unknown rates count as
         * the fastest. */
        uint32_t tenths = g->adj_cost[e];
        g->adj_cost[e] = tenths ? (uint32_t)((fastest * 10) / tenths + 0.5) : 1;
        if (g->adj_cost[e] < 1)
            g->adj_cost[e] = 1;
    }
    /* Reverse edges: the neighbour's edge whose port is this cable's far end. */
    for (size_t s = 0; s < n; s++) {
        ftopo_node_id node = r->switches[s];
        for (size_t e = g->adj_start[s]; e < g->adj_start[s + 1]; e++) {
            int peer_port = ftopo__port_at(f, node, g->adj_port[e])->peer_port;
            int32_t t = g->adj_sw[e];
            size_t back = g->adj_start[t];
            while (back < g->adj_start[t + 1] && g->adj_port[back] != peer_port)
                back++;
            g->adj_rev[e] = back; /* always found: the model keeps both ends */
        }
    }
    return FTOPO_OK;
}

typedef struct dest_key {
    int64_t major; /* host order: host id (CAs without host and switches after) */
    int64_t minor;
    ftopo_lid lid;
} dest_key;

static int cmp_dest_key(const void *a, const void *b)
{
    const dest_key *x = a, *y = b;
    if (x->major != y->major)
        return x->major < y->major ? -1 : 1;
    if (x->minor != y->minor)
        return x->minor < y->minor ? -1 : 1;
    return (x->lid > y->lid) - (x->lid < y->lid);
}

/* Every deliverable LID, ordered, then grouped by delivering switch (groups
 * in order of their first destination, destinations in order within). */
static ftopo_status build_destinations(ftopo__rgraph *g, ftopo__dest_order order, ftopo_diag *diag)
{
    const ftopo_fabric *f = g->fabric;
    const ftopo_routes *r = g->routes;
    size_t top = r->lid_top;
    dest_key *keys = malloc((top + 1) * sizeof(*keys));
    int32_t *deliver = malloc((top + 1) * sizeof(*deliver));
    uint8_t *exit_port = malloc(top + 1);
    size_t count = 0;
    ftopo_status st = FTOPO_OK;
    if (!keys || !deliver || !exit_port) {
        st = ftopo__fail(diag, FTOPO_ERR_NOMEM, "routing: out of memory for %zu LIDs", top);
        goto out;
    }
    for (size_t lid = 1; lid <= top; lid++) {
        ftopo_node_id owner = r->lid_node[lid];
        if (owner == FTOPO_NONE)
            continue;
        const ftopo__node *node = &f->nodes[owner];
        dest_key k = {INT64_MAX, 0, (ftopo_lid)lid};
        if (node->type == FTOPO_NODE_SWITCH) {
            deliver[lid] = r->switch_index[owner];
            exit_port[lid] = 0;
        } else {
            const ftopo__port *port = ftopo__port_at(f, owner, r->lid_port[lid]);
            if (!is_switch(f, port->peer_node))
                continue; /* not cabled to a switch: nothing to program */
            deliver[lid] = r->switch_index[port->peer_node];
            exit_port[lid] = (uint8_t)port->peer_port;
            if (order == FTOPO__ORDER_HOST && node->host != FTOPO_NONE) {
                k.major = node->host;
                k.minor = (int64_t)node->rail * 256 + r->lid_port[lid];
            } else {
                k.major = INT64_MAX - 1; /* CAs before switch LIDs */
            }
        }
        if (order == FTOPO__ORDER_LID)
            k.major = 0;
        keys[count++] = k;
    }
    qsort(keys, count, sizeof(*keys), cmp_dest_key);

    size_t n = g->n;
    g->num_dest = count;
    g->dest_lid = malloc((count ? count : 1) * sizeof(*g->dest_lid));
    g->dest_port = malloc(count ? count : 1);
    g->dest_flow = malloc((count ? count : 1) * sizeof(*g->dest_flow));
    g->dest_rail = malloc(count ? count : 1);
    g->group_sw = malloc((n ? n : 1) * sizeof(*g->group_sw));
    g->group_start = calloc(n + 1, sizeof(*g->group_start));
    int32_t *rank = malloc((n ? n : 1) * sizeof(*rank));
    size_t *fill = calloc(n + 1, sizeof(*fill));
    if (!g->dest_lid || !g->dest_port || !g->dest_flow || !g->dest_rail || !g->group_sw ||
        !g->group_start || !rank || !fill) {
        st = ftopo__fail(diag, FTOPO_ERR_NOMEM, "routing: out of memory for %zu LIDs", count);
        goto out_rank;
    }
    for (size_t s = 0; s < n; s++)
        rank[s] = -1;
    g->num_groups = 0;
    for (size_t i = 0; i < count; i++) {
        int32_t s = deliver[keys[i].lid];
        if (rank[s] < 0) {
            rank[s] = (int32_t)g->num_groups;
            g->group_sw[g->num_groups++] = s;
        }
        g->group_start[rank[s] + 1]++;
    }
    for (size_t k = 0; k < g->num_groups; k++)
        g->group_start[k + 1] += g->group_start[k];
    for (size_t i = 0; i < count; i++) {
        ftopo_lid lid = keys[i].lid;
        int32_t grp = rank[deliver[lid]];
        size_t at = g->group_start[grp] + fill[grp]++;
        g->dest_lid[at] = lid;
        g->dest_port[at] = exit_port[lid];
        g->dest_flow[at] = exit_port[lid] != 0;
        g->dest_rail[at] = g->dest_flow[at] ? (uint8_t)rail_of(f, r->lid_node[lid]) : 0;
    }
out_rank:
    free(rank);
    free(fill);
out:
    free(keys);
    free(deliver);
    free(exit_port);
    return st;
}

ftopo_status ftopo__rgraph_build(ftopo_routes *routes, ftopo__dest_order order, ftopo__rgraph *g,
                                 ftopo_diag *diag)
{
    memset(g, 0, sizeof(*g));
    g->routes = routes;
    g->fabric = routes->fabric;
    g->n = routes->num_switches;
    ftopo_status st = build_adjacency(g, diag);
    if (st == FTOPO_OK)
        st = build_destinations(g, order, diag);
    if (st != FTOPO_OK)
        ftopo__rgraph_free(g);
    return st;
}

ftopo_status ftopo__rscratch_init(const ftopo__rgraph *g, ftopo__rscratch *s, ftopo_diag *diag)
{
    memset(s, 0, sizeof(*s));
    size_t max_degree = 1;
    for (size_t i = 0; i < g->n; i++) {
        size_t d = g->adj_start[i + 1] - g->adj_start[i];
        if (d > max_degree)
            max_degree = d;
    }
    size_t largest = 1;
    for (size_t k = 0; k < g->num_groups; k++) {
        size_t size = g->group_start[k + 1] - g->group_start[k];
        if (size > largest)
            largest = size;
    }
    s->order = malloc((g->n ? g->n : 1) * sizeof(*s->order));
    s->weight = malloc(largest * (g->n ? g->n : 1) * sizeof(*s->weight));
    s->heap = malloc(max_degree * sizeof(*s->heap));
    s->bucket = malloc((4 * g->n + 2) * sizeof(*s->bucket));
    if (!s->order || !s->weight || !s->heap || !s->bucket) {
        ftopo__rscratch_free(s);
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "routing: out of memory for scratch");
    }
    return FTOPO_OK;
}

void ftopo__rscratch_free(ftopo__rscratch *s)
{
    free(s->order);
    free(s->weight);
    free(s->heap);
    free(s->bucket);
    memset(s, 0, sizeof(*s));
}

void ftopo__rgraph_bfs(const ftopo__rgraph *g, int32_t from, int32_t *dist, int32_t *queue)
{
    for (size_t i = 0; i < g->n; i++)
        dist[i] = -1;
    size_t head = 0, tail = 0;
    dist[from] = 0;
    queue[tail++] = from;
    while (head < tail) {
        int32_t s = queue[head++];
        for (size_t e = g->adj_start[s]; e < g->adj_start[s + 1]; e++) {
            int32_t t = g->adj_sw[e];
            if (dist[t] < 0) {
                dist[t] = dist[s] + 1;
                queue[tail++] = t;
            }
        }
    }
}

/* Heap of candidate edges keyed by (load, neighbour, port): the least
 * loaded edge first; ties go to the lowest numbered neighbour, the same
 * on every switch, which lines fat trees up as D-mod-k. Entries carry
 * their key so the inner loop stays in cache; loads go back to the graph
 * once the switch is done. */
static bool cand_less(const ftopo__cand *a, const ftopo__cand *b)
{
    if (a->load != b->load)
        return a->load < b->load;
    return a->tie < b->tie;
}

static void heap_sift_down(ftopo__cand *heap, size_t len, size_t i)
{
    ftopo__cand v = heap[i];
    for (;;) {
        size_t l = 2 * i + 1, best = l;
        if (l >= len)
            break;
        if (l + 1 < len && cand_less(&heap[l + 1], &heap[l]))
            best = l + 1;
        if (!cand_less(&heap[best], &v))
            break;
        heap[i] = heap[best];
        i = best;
    }
    heap[i] = v;
}

/* Reachable switches into s->order, highest potential first, ties by
 * switch index: a counting sort, linear (potentials are hop based, below
 * 4n: see ftopo__route_group). */
static size_t sort_by_potential(const ftopo__rgraph *g, ftopo__rscratch *s, const int64_t *phi)
{
    size_t n = g->n, *start = s->bucket;
    int64_t max = -1;
    for (size_t i = 0; i < n; i++)
        if (phi[i] > max)
            max = phi[i];
    memset(start, 0, ((size_t)max + 2) * sizeof(*start));
    for (size_t i = 0; i < n; i++)
        if (phi[i] >= 0)
            start[max - phi[i] + 1]++;
    for (int64_t b = 0; b <= max; b++)
        start[b + 1] += start[b];
    for (size_t i = 0; i < n; i++)
        if (phi[i] >= 0)
            s->order[start[max - phi[i]]++] = (int32_t)i;
    return start[max];
}

void ftopo__route_group(ftopo__rgraph *g, ftopo__rscratch *s, size_t grp, size_t from, size_t to,
                        const uint8_t *cand, const int64_t *phi, bool flow_weighted)
{
    int32_t target = g->group_sw[grp];
    size_t first = g->group_start[grp] + from;
    size_t size = to - from;
    const ftopo_lid *lids = g->dest_lid + first;
    const bool *flow = g->dest_flow + first;

    size_t reached = sort_by_potential(g, s, phi);
    /* Unreachable counts CA LIDs at switches with CA sources: traffic
     * starts at CAs, and up/down may leave a switch no legal path to a LID
     * (one root to another root's leaf) that no flow from a CA ever asks
     * that switch for. */
    size_t flows = 0;
    for (size_t i = 0; i < size; i++)
        flows += flow[i];
    for (size_t k = 0; k < g->n; k++)
        if (phi[k] < 0 && g->sources[k] && (int32_t)k != target)
            g->unreachable += flows;

    uint8_t *row = ftopo__lft_row(g->routes, (size_t)target);
    for (size_t i = 0; i < size; i++)
        row[lids[i]] = g->dest_port[first + i];

    /* weight[sw * size + i]: flows towards destination i that reach sw. */
    uint64_t *w = s->weight;
    if (flow_weighted)
        for (size_t k = 0; k < reached; k++) {
            int32_t sw = s->order[k];
            for (size_t i = 0; i < size; i++)
                w[(size_t)sw * size + i] = ftopo__flow_sources(g, sw, first + i);
        }

    for (size_t k = 0; k < reached; k++) {
        int32_t sw = s->order[k];
        if (sw == target)
            continue;
        size_t nc = 0;
        for (size_t e = g->adj_start[sw]; e < g->adj_start[sw + 1]; e++)
            if (cand[e])
                s->heap[nc++] =
                    (ftopo__cand){g->load[e], (uint64_t)g->adj_sw[e] << 8 | g->adj_port[e], e};
        if (nc == 0) {
            g->unreachable += flows; /* the engine gave a potential but no way on */
            continue;
        }
        for (size_t i = nc / 2; i-- > 0;)
            heap_sift_down(s->heap, nc, i);
        row = ftopo__lft_row(g->routes, (size_t)sw);
        for (size_t i = 0; i < size; i++) {
            ftopo__cand *top = &s->heap[0];
            row[lids[i]] = g->adj_port[top->edge];
            uint64_t add;
            if (flow_weighted) {
                add = w[(size_t)sw * size + i];
                w[(size_t)g->adj_sw[top->edge] * size + i] += add;
            } else {
                add = flow[i];
            }
            if (add) {
                top->load += add;
                heap_sift_down(s->heap, nc, 0);
            }
        }
        for (size_t i = 0; i < nc; i++)
            g->load[s->heap[i].edge] = s->heap[i].load;
    }
}

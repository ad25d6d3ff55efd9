/* The route set: LID map (taken from the fabric or assigned) and one LFT per
 * switch. */
#include <stdlib.h>
#include <string.h>

#include "route_set.h"

void ftopo_routes_destroy(ftopo_routes *r)
{
    if (!r)
        return;
    free(r->switches);
    free(r->switch_index);
    free(r->lft);
    free(r->lid_node);
    free(r->lid_port);
    free(r->lid_lmc);
    free(r->port_lid);
    free(r->node_lid);
    free(r->egress);
    free(r->sw_port_base);
    free(r->sw_num_ports);
    free(r);
}

/* Ports that can own a LID: a switch's port 0, a CA's or router's cabled
 * ports (OpenSM never sees the others). */
static bool port_addressable(const ftopo_fabric *f, ftopo_node_id n, int port)
{
    const ftopo__node *node = &f->nodes[n];
    if (node->type == FTOPO_NODE_SWITCH)
        return port == 0;
    return port >= 1 && ftopo__port_at(f, n, port)->peer_node != FTOPO_NONE;
}

static bool fabric_has_lids(const ftopo_fabric *f)
{
    for (size_t n = 0; n < f->num_nodes; n++) {
        if (f->nodes[n].type == FTOPO_NODE_SWITCH) {
            if (f->nodes[n].lid)
                return true;
            continue;
        }
        for (int p = 1; p <= f->nodes[n].num_ports; p++)
            if (ftopo__port_at(f, (ftopo_node_id)n, p)->lid)
                return true;
    }
    return false;
}

/* Nodes sorted by GUID through a key array (C11 qsort has no context). */
typedef struct guid_key {
    uint64_t guid;
    ftopo_node_id node;
} guid_key;

static int cmp_key(const void *a, const void *b)
{
    const guid_key *x = a, *y = b;
    return x->guid < y->guid ? -1 : x->guid > y->guid;
}

/* Fills r->node_lid / r->port_lid with the LIDs of FTOPO_LIDS_ASSIGN (see
 * route.h for the order) and returns the highest one. */
static ftopo_status assign_lids(ftopo_routes *r, uint8_t lmc, unsigned *top, ftopo_diag *diag)
{
    const ftopo_fabric *f = r->fabric;
    guid_key *keys = malloc((f->num_nodes + 1) * sizeof(*keys));
    if (!keys)
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "routes: out of memory for LID assignment");
    for (size_t n = 0; n < f->num_nodes; n++)
        keys[n] = (guid_key){f->nodes[n].guid, (ftopo_node_id)n};
    qsort(keys, f->num_nodes, sizeof(*keys), cmp_key);
    unsigned step = 1u << lmc, next = 1;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < f->num_nodes; i++) {
            ftopo_node_id n = keys[i].node;
            bool is_switch = f->nodes[n].type == FTOPO_NODE_SWITCH;
            if (is_switch != (pass == 0))
                continue;
            for (int p = is_switch ? 0 : 1; p <= (is_switch ? 0 : f->nodes[n].num_ports); p++) {
                if (!port_addressable(f, n, p))
                    continue;
                if (next + step - 1 > FTOPO_LID_MAX) {
                    free(keys);
                    return ftopo__fail(diag, FTOPO_ERR_ARG, "routes: more ports than LIDs (lmc %u)",
                                       lmc);
                }
                if (is_switch)
                    r->node_lid[n] = (ftopo_lid)next;
                else
                    r->port_lid[f->nodes[n].port_base + (size_t)p - 1] = (ftopo_lid)next;
                next += step;
            }
        }
    }
    free(keys);
    *top = next - 1;
    if (*top > FTOPO_LID_UNICAST_MAX)
        ftopo__log(diag, FTOPO_LOG_WARN,
                   "routes: %u LIDs assigned, past the unicast range: fine for routing and "
                   "analysis, but no subnet manager can load these tables",
                   *top);
    return FTOPO_OK;
}

static ftopo_status take_fabric_lids(ftopo_routes *r, unsigned *top, ftopo_diag *diag)
{
    const ftopo_fabric *f = r->fabric;
    unsigned max = 0;
    for (size_t n = 0; n < f->num_nodes; n++) {
        const ftopo__node *node = &f->nodes[n];
        if (node->type == FTOPO_NODE_SWITCH) {
            r->node_lid[n] = node->lid;
            if (node->lid && node->lid + (1u << node->lmc) - 1 > max)
                max = node->lid + (1u << node->lmc) - 1;
            continue;
        }
        for (int p = 1; p <= node->num_ports; p++) {
            const ftopo__port *port = ftopo__port_at(f, (ftopo_node_id)n, p);
            if (!port->lid || !port_addressable(f, (ftopo_node_id)n, p))
                continue;
            r->port_lid[node->port_base + (size_t)p - 1] = port->lid;
            if (port->lid + (1u << port->lmc) - 1 > max)
                max = port->lid + (1u << port->lmc) - 1;
        }
    }
    if (max > FTOPO_LID_UNICAST_MAX)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "routes: LID 0x%x is past the unicast range", max);
    *top = max;
    return FTOPO_OK;
}

/* Records that `node`/`port` owns LIDs base .. base + 2^lmc - 1. */
static ftopo_status own_lids(ftopo_routes *r, ftopo_lid base, uint8_t lmc, ftopo_node_id node,
                             int port, ftopo_diag *diag)
{
    for (unsigned lid = base; lid < base + (1u << lmc); lid++) {
        if (r->lid_node[lid] != FTOPO_NONE) {
            const ftopo_fabric *f = r->fabric;
            return ftopo__fail(diag, FTOPO_ERR_CONFLICT,
                               "routes: LID %u owned by both 0x%016llx port %d and 0x%016llx "
                               "port %d",
                               lid, (unsigned long long)f->nodes[r->lid_node[lid]].guid,
                               r->lid_port[lid], (unsigned long long)f->nodes[node].guid, port);
        }
        r->lid_node[lid] = node;
        r->lid_port[lid] = (uint8_t)port;
        r->lid_lmc[lid] = lmc;
    }
    return FTOPO_OK;
}

static ftopo_status build_lid_map(ftopo_routes *r, bool assigned, ftopo_diag *diag)
{
    const ftopo_fabric *f = r->fabric;
    size_t lids = (size_t)r->lid_top + 1;
    r->lid_node = malloc(lids * sizeof(*r->lid_node));
    r->lid_port = calloc(lids, 1);
    r->lid_lmc = calloc(lids, 1);
    if (!r->lid_node || !r->lid_port || !r->lid_lmc)
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "routes: out of memory for %zu LIDs", lids);
    for (size_t i = 0; i < lids; i++)
        r->lid_node[i] = FTOPO_NONE;
    for (size_t n = 0; n < f->num_nodes; n++) {
        const ftopo__node *node = &f->nodes[n];
        ftopo_status st = FTOPO_OK;
        if (node->type == FTOPO_NODE_SWITCH) {
            if (r->node_lid[n])
                st = own_lids(r, r->node_lid[n], assigned ? r->lmc : node->lmc, (ftopo_node_id)n, 0,
                              diag);
        } else {
            for (int p = 1; p <= node->num_ports && st == FTOPO_OK; p++) {
                ftopo_lid lid = r->port_lid[node->port_base + (size_t)p - 1];
                uint8_t lmc = assigned ? r->lmc : ftopo__port_at(f, (ftopo_node_id)n, p)->lmc;
                if (lid)
                    st = own_lids(r, lid, lmc, (ftopo_node_id)n, p, diag);
            }
        }
        if (st != FTOPO_OK)
            return st;
    }
    return FTOPO_OK;
}

static ftopo_status build_switches(ftopo_routes *r, ftopo_diag *diag)
{
    const ftopo_fabric *f = r->fabric;
    r->switch_index = malloc((f->num_nodes + 1) * sizeof(*r->switch_index));
    r->switches = malloc((f->num_nodes + 1) * sizeof(*r->switches));
    if (!r->switch_index || !r->switches)
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "routes: out of memory");
    for (size_t n = 0; n < f->num_nodes; n++) {
        r->switch_index[n] = -1;
        if (f->nodes[n].type == FTOPO_NODE_SWITCH) {
            r->switch_index[n] = (int32_t)r->num_switches;
            r->switches[r->num_switches++] = (ftopo_node_id)n;
        }
    }
    r->egress = malloc((f->num_ports + 1) * sizeof(*r->egress));
    r->sw_port_base = malloc((r->num_switches + 1) * sizeof(*r->sw_port_base));
    r->sw_num_ports = malloc(r->num_switches + 1);
    if (!r->egress || !r->sw_port_base || !r->sw_num_ports)
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "routes: out of memory");
    for (size_t n = 0; n < f->num_nodes; n++) {
        const ftopo__node *node = &f->nodes[n];
        for (int p = 1; p <= node->num_ports; p++) {
            const ftopo__port *port = ftopo__port_at(f, (ftopo_node_id)n, p);
            ftopo__egress *e = &r->egress[node->port_base + (size_t)p - 1];
            e->peer = port->peer_node;
            e->peer_port = port->peer_port;
            e->dlink =
                port->link == FTOPO_NONE ? -1 : ftopo__dlink(f, port->link, (ftopo_node_id)n, p);
        }
        if (r->switch_index[n] >= 0) {
            r->sw_port_base[r->switch_index[n]] = node->port_base;
            r->sw_num_ports[r->switch_index[n]] = (uint8_t)node->num_ports;
        }
    }
    size_t bytes = r->num_switches * ((size_t)r->lid_top + 1);
    r->lft = malloc(bytes ? bytes : 1);
    if (!r->lft)
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "routes: out of memory for %zu LFT bytes", bytes);
    memset(r->lft, FTOPO_LFT_NONE, bytes);
    return FTOPO_OK;
}

ftopo_status ftopo_routes_create(const ftopo_fabric *fabric, const ftopo_routes_opts *opts,
                                 ftopo_routes **out, ftopo_diag *diag)
{
    if (!fabric || !out)
        return FTOPO_ERR_ARG;
    *out = NULL;
    if (!fabric->finalized)
        return ftopo__fail(diag, FTOPO_ERR_STATE, "routes: the fabric is not finalized");
    ftopo_routes_opts o = opts ? *opts : (ftopo_routes_opts){0};
    if (o.lmc > 7)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "routes: LMC %u out of range (0..7)", o.lmc);

    ftopo_routes *r = calloc(1, sizeof(*r));
    if (!r)
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "routes: out of memory");
    r->fabric = fabric;
    r->port_lid = calloc(fabric->num_ports + 1, sizeof(*r->port_lid));
    r->node_lid = calloc(fabric->num_nodes + 1, sizeof(*r->node_lid));
    ftopo_status st = FTOPO_OK;
    if (!r->port_lid || !r->node_lid)
        st = ftopo__fail(diag, FTOPO_ERR_NOMEM, "routes: out of memory");

    bool assign = o.lid_mode == FTOPO_LIDS_ASSIGN ||
                  (o.lid_mode == FTOPO_LIDS_AUTO && !fabric_has_lids(fabric));
    unsigned top = 0;
    if (st == FTOPO_OK)
        st = assign ? assign_lids(r, o.lmc, &top, diag) : take_fabric_lids(r, &top, diag);
    if (st == FTOPO_OK) {
        r->lid_top = (ftopo_lid)top;
        r->lmc = o.lmc;
        st = build_lid_map(r, assign, diag);
    }
    if (st == FTOPO_OK && !assign)
        for (unsigned lid = 1; lid <= top; lid++)
            if (r->lid_lmc[lid] > r->lmc)
                r->lmc = r->lid_lmc[lid];
    if (st == FTOPO_OK)
        st = build_switches(r, diag);
    if (st != FTOPO_OK) {
        ftopo_routes_destroy(r);
        return st;
    }
    *out = r;
    return FTOPO_OK;
}

const ftopo_fabric *ftopo_routes_fabric(const ftopo_routes *r)
{
    return r ? r->fabric : NULL;
}

ftopo_lid ftopo_routes_lid_top(const ftopo_routes *r)
{
    return r ? r->lid_top : 0;
}

uint8_t ftopo_routes_lmc(const ftopo_routes *r)
{
    return r ? r->lmc : 0;
}

ftopo_status ftopo_routes_lid_owner(const ftopo_routes *r, ftopo_lid lid, ftopo_node_id *node,
                                    int *port)
{
    if (!r)
        return FTOPO_ERR_ARG;
    if (lid == 0 || lid > r->lid_top || r->lid_node[lid] == FTOPO_NONE)
        return FTOPO_ERR_NOT_FOUND;
    if (node)
        *node = r->lid_node[lid];
    if (port)
        *port = r->lid_port[lid];
    return FTOPO_OK;
}

ftopo_lid ftopo_routes_port_lid(const ftopo_routes *r, ftopo_node_id node, int port)
{
    if (!r || node < 0 || (size_t)node >= r->fabric->num_nodes)
        return 0;
    const ftopo__node *n = &r->fabric->nodes[node];
    if (n->type == FTOPO_NODE_SWITCH)
        return port == 0 ? r->node_lid[node] : 0;
    if (port < 1 || port > n->num_ports)
        return 0;
    return r->port_lid[n->port_base + (size_t)port - 1];
}

uint8_t ftopo_routes_lid_lmc(const ftopo_routes *r, ftopo_lid lid)
{
    if (!r || lid == 0 || lid > r->lid_top)
        return 0;
    return r->lid_lmc[lid];
}

size_t ftopo_routes_num_switches(const ftopo_routes *r)
{
    return r ? r->num_switches : 0;
}

ftopo_node_id ftopo_routes_switch_node(const ftopo_routes *r, size_t index)
{
    if (!r || index >= r->num_switches)
        return FTOPO_NONE;
    return r->switches[index];
}

int32_t ftopo_routes_switch_index(const ftopo_routes *r, ftopo_node_id node)
{
    if (!r || node < 0 || (size_t)node >= r->fabric->num_nodes)
        return -1;
    return r->switch_index[node];
}

const uint8_t *ftopo_routes_lft(const ftopo_routes *r, ftopo_node_id sw)
{
    int32_t i = ftopo_routes_switch_index(r, sw);
    return i < 0 ? NULL : ftopo__lft_row(r, (size_t)i);
}

uint8_t *ftopo_routes_lft_mut(ftopo_routes *r, ftopo_node_id sw)
{
    int32_t i = ftopo_routes_switch_index(r, sw);
    return i < 0 ? NULL : ftopo__lft_row(r, (size_t)i);
}

uint8_t ftopo_routes_get(const ftopo_routes *r, ftopo_node_id sw, ftopo_lid lid)
{
    const uint8_t *row = ftopo_routes_lft(r, sw);
    if (!row || lid > r->lid_top)
        return FTOPO_LFT_NONE;
    return row[lid];
}

ftopo_status ftopo_routes_set(ftopo_routes *r, ftopo_node_id sw, ftopo_lid lid, uint8_t port)
{
    uint8_t *row = ftopo_routes_lft_mut(r, sw);
    if (!row || lid == 0 || lid > r->lid_top)
        return FTOPO_ERR_ARG;
    if (port != FTOPO_LFT_NONE && port > r->fabric->nodes[sw].num_ports)
        return FTOPO_ERR_ARG;
    row[lid] = port;
    return FTOPO_OK;
}

void ftopo_routes_clear(ftopo_routes *r)
{
    if (r)
        memset(r->lft, FTOPO_LFT_NONE, r->num_switches * ((size_t)r->lid_top + 1));
}

static uint8_t entry_or_none(const ftopo_routes *r, size_t sw_index, unsigned lid)
{
    if (lid > r->lid_top || r->lid_node[lid] == FTOPO_NONE)
        return FTOPO_LFT_NONE;
    return ftopo__lft_row(r, sw_index)[lid];
}

ftopo_status ftopo_routes_compare(const ftopo_routes *a, const ftopo_routes *b, size_t *differences,
                                  ftopo_diag *diag)
{
    if (!a || !b || a->fabric != b->fabric)
        return FTOPO_ERR_ARG;
    size_t diffs = 0;
    unsigned top = a->lid_top > b->lid_top ? a->lid_top : b->lid_top;
    for (size_t s = 0; s < a->num_switches; s++) {
        for (unsigned lid = 1; lid <= top; lid++) {
            uint8_t pa = entry_or_none(a, s, lid), pb = entry_or_none(b, s, lid);
            if (pa == pb)
                continue;
            if (diffs++ == 0) {
                ftopo_node_id n = a->switches[s];
                ftopo__fail(diag, FTOPO_ERR_CONFLICT,
                            "switch 0x%016llx '%s' LID %u: port %u against %u",
                            (unsigned long long)a->fabric->nodes[n].guid, a->fabric->nodes[n].desc,
                            lid, pa, pb);
            }
        }
    }
    if (differences)
        *differences = diffs;
    return diffs ? FTOPO_ERR_CONFLICT : FTOPO_OK;
}

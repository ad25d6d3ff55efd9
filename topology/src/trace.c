/* Following the LFTs: the walk behind traces, paths and flow accounting,
 * and resolving what users type into ports. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "route_set.h"

const char *ftopo_path_result_str(ftopo_path_result result)
{
    switch (result) {
    case FTOPO_PATH_OK:
        return "ok";
    case FTOPO_PATH_NO_ROUTE:
        return "no route (black hole)";
    case FTOPO_PATH_DEAD_END:
        return "egress port not cabled (black hole)";
    case FTOPO_PATH_LOOP:
        return "loop";
    case FTOPO_PATH_MISDELIVERED:
        return "delivered to a port that does not own the LID";
    case FTOPO_PATH_NO_LID:
        return "no port owns the destination LID";
    case FTOPO_PATH_NOT_CONNECTED:
        return "source port not cabled";
    }
    return "?";
}

int ftopo__first_cabled_port(const ftopo_fabric *f, ftopo_node_id node)
{
    for (int p = 1; p <= f->nodes[node].num_ports; p++)
        if (ftopo__port_at(f, node, p)->peer_node != FTOPO_NONE)
            return p;
    return 0;
}

static void add_hop(ftopo__walk *w, ftopo_node_id node, int in_port, int out_port)
{
    if (w->hops && w->num_hops < w->hop_cap)
        w->hops[w->num_hops] = (ftopo_hop){node, in_port, out_port};
    w->num_hops++;
}

static void add_dlink(ftopo__walk *w, ftopo_dlink_id d)
{
    if (w->dlinks && w->num_dlinks < w->dlink_cap)
        w->dlinks[w->num_dlinks] = d;
    w->num_dlinks++;
}

/* Decides where switch index `s` (node `node`) sends the LID: returns the
 * egress port, or 0 with *res set when the walk ends here (hop recorded). */
static int switch_egress(const ftopo_routes *r, ftopo__walk *w, int32_t s, ftopo_node_id node,
                         int in_port, ftopo_lid dlid, size_t *switches_seen, ftopo_path_result *res)
{
    int out_port = 0;
    if (node == r->lid_node[dlid]) {
        *res = FTOPO_PATH_OK;
    } else if (w->visited ? w->visited[node] : ++*switches_seen > r->num_switches) {
        *res = FTOPO_PATH_LOOP;
    } else {
        if (w->visited)
            w->visited[node] = 1;
        out_port = ftopo__lft_row(r, (size_t)s)[dlid];
        if (out_port == FTOPO_LFT_NONE) {
            *res = FTOPO_PATH_NO_ROUTE;
            out_port = 0;
        } else if (out_port == 0) {
            *res = FTOPO_PATH_MISDELIVERED;
        } else if (out_port > r->sw_num_ports[s] ||
                   ftopo__sw_egress(r, s, out_port)->peer == FTOPO_NONE) {
            *res = FTOPO_PATH_DEAD_END;
            add_hop(w, node, in_port, out_port);
            return 0;
        } else {
            return out_port;
        }
    }
    add_hop(w, node, in_port, 0);
    return 0;
}

ftopo_path_result ftopo__route_walk(const ftopo_routes *r, ftopo_node_id src, int src_port,
                                    ftopo_lid dlid, ftopo__walk *w)
{
    const ftopo_fabric *f = r->fabric;
    w->num_hops = w->num_dlinks = 0;
    if (dlid == 0 || dlid > r->lid_top || r->lid_node[dlid] == FTOPO_NONE) {
        add_hop(w, src, 0, 0);
        return FTOPO_PATH_NO_LID;
    }
    ftopo_node_id dst = r->lid_node[dlid];
    int dst_port = r->lid_port[dlid];
    ftopo_path_result res = FTOPO_PATH_OK;
    size_t switches_seen = 0;
    ftopo_node_id node = src;
    int in_port = 0, out_port;
    int32_t s = r->switch_index[src];
    const ftopo__egress *e;

    if (s >= 0) {
        out_port = switch_egress(r, w, s, node, in_port, dlid, &switches_seen, &res);
        if (!out_port)
            return res;
        e = ftopo__sw_egress(r, s, out_port);
    } else {
        if (src == dst && src_port == dst_port) {
            add_hop(w, src, 0, 0);
            return FTOPO_PATH_OK;
        }
        out_port = src_port;
        if (out_port < 1 || out_port > f->nodes[src].num_ports ||
            (e = &r->egress[f->nodes[src].port_base + (size_t)out_port - 1])->peer == FTOPO_NONE) {
            add_hop(w, src, 0, 0);
            return FTOPO_PATH_NOT_CONNECTED;
        }
    }
    for (;;) {
        add_hop(w, node, in_port, out_port);
        add_dlink(w, e->dlink);
        node = e->peer;
        in_port = e->peer_port;
        s = r->switch_index[node];
        if (s < 0) {
            add_hop(w, node, in_port, 0);
            return (node == dst && in_port == dst_port) ? FTOPO_PATH_OK : FTOPO_PATH_MISDELIVERED;
        }
        out_port = switch_egress(r, w, s, node, in_port, dlid, &switches_seen, &res);
        if (!out_port)
            return res;
        e = ftopo__sw_egress(r, s, out_port);
    }
}

ftopo_status ftopo_trace_route(const ftopo_routes *r, ftopo_node_id src_node, int src_port,
                               ftopo_lid dlid, ftopo_trace *out, ftopo_diag *diag)
{
    if (!r || !out || src_node < 0 || (size_t)src_node >= r->fabric->num_nodes)
        return FTOPO_ERR_ARG;
    memset(out, 0, sizeof(*out));
    const ftopo_fabric *f = r->fabric;
    ftopo__walk w = {.visited = calloc(f->num_nodes + 1, 1)};
    /* A path visits each switch at most once, plus both ends and the switch
     * where a loop closes. */
    w.hop_cap = r->num_switches + 3;
    w.hops = malloc(w.hop_cap * sizeof(*w.hops));
    if (!w.visited || !w.hops) {
        free(w.visited);
        free(w.hops);
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "trace: out of memory");
    }
    out->result = ftopo__route_walk(r, src_node, src_port, dlid, &w);
    free(w.visited);
    out->hops = w.hops;
    out->num_hops = w.num_hops < w.hop_cap ? w.num_hops : w.hop_cap;
    return FTOPO_OK;
}

void ftopo_trace_free(ftopo_trace *trace)
{
    if (!trace)
        return;
    free(trace->hops);
    trace->hops = NULL;
    trace->num_hops = 0;
}

ftopo_path_result ftopo_routes_path(const ftopo_routes *r, ftopo_node_id src_node, int src_port,
                                    ftopo_lid dlid, ftopo_dlink_id *dlinks, size_t cap, size_t *len)
{
    ftopo__walk w = {.dlinks = dlinks, .dlink_cap = cap};
    ftopo_path_result res = ftopo__route_walk(r, src_node, src_port, dlid, &w);
    if (len)
        *len = w.num_dlinks;
    return res;
}

ftopo_path_result ftopo_routes_add_flow(const ftopo_routes *r, ftopo_node_id src_node, int src_port,
                                        ftopo_lid dlid, double weight, double *loads)
{
    ftopo_dlink_id buf[FTOPO_MAX_PATH_HOPS];
    size_t len;
    ftopo_path_result res =
        ftopo_routes_path(r, src_node, src_port, dlid, buf, FTOPO_MAX_PATH_HOPS, &len);
    if (res != FTOPO_PATH_OK)
        return res;
    if (len > FTOPO_MAX_PATH_HOPS) {
        /* Rare (huge tori): walk again into a buffer of the right size. */
        ftopo_dlink_id *big = malloc(len * sizeof(*big));
        if (!big)
            return FTOPO_PATH_NO_ROUTE;
        ftopo_routes_path(r, src_node, src_port, dlid, big, len, &len);
        for (size_t i = 0; i < len; i++)
            loads[big[i]] += weight;
        free(big);
        return res;
    }
    for (size_t i = 0; i < len; i++)
        loads[buf[i]] += weight;
    return res;
}

/* ---- Resolving user input ---------------------------------------------- */

static bool parse_u64(const char *text, int base, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, base);
    if (errno || end == text || *end)
        return false;
    *out = v;
    return true;
}

/* The port of a node a user means: port 0 of a switch, the first cabled
 * port of a CA (or the port whose GUID was given). */
static int default_port(const ftopo_fabric *f, ftopo_node_id n, uint64_t port_guid)
{
    if (f->nodes[n].type == FTOPO_NODE_SWITCH)
        return 0;
    for (int p = 1; port_guid && p <= f->nodes[n].num_ports; p++)
        if (ftopo__port_at(f, n, p)->guid == port_guid)
            return p;
    return ftopo__first_cabled_port(f, n);
}

ftopo_status ftopo_routes_resolve(const ftopo_routes *r, const char *text, ftopo_node_id *node,
                                  int *port, ftopo_diag *diag)
{
    if (!r || !text || !node || !port)
        return FTOPO_ERR_ARG;
    const ftopo_fabric *f = r->fabric;
    uint64_t v;
    ftopo_node_id n;
    bool hex = (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'));
    if (hex && parse_u64(text, 16, &v) && ftopo_find_by_guid(f, v, &n) == FTOPO_OK) {
        *node = n;
        *port = default_port(f, n, v);
        return FTOPO_OK;
    }
    if (parse_u64(text, hex ? 16 : 10, &v)) {
        if (v == 0 || v > r->lid_top || r->lid_node[v] == FTOPO_NONE)
            return ftopo__fail(diag, FTOPO_ERR_NOT_FOUND, "'%s': no port has this LID or GUID",
                               text);
        *node = r->lid_node[v];
        *port = r->lid_port[v];
        return FTOPO_OK;
    }
    ftopo_host_id h;
    if (ftopo_find_host(f, text, &h) == FTOPO_OK && ftopo_host_hca(f, h, 0, &n) == FTOPO_OK) {
        *node = n;
        *port = ftopo__first_cabled_port(f, n);
        return FTOPO_OK;
    }
    if (ftopo_find_by_desc(f, text, &n) == FTOPO_OK) {
        *node = n;
        *port = default_port(f, n, 0);
        return FTOPO_OK;
    }
    return ftopo__fail(diag, FTOPO_ERR_NOT_FOUND,
                       "'%s': not a known GUID, LID, host name or node description", text);
}

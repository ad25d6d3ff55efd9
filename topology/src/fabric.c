/* The fabric model's storage and builder: nodes with their ports in one
 * array, links, and the hash indices behind every lookup. finalize() hands
 * over to the derivation steps (graph.c, hosts.c, tiers.c, shape.c). */
#include <stdlib.h>
#include <string.h>

#include "model.h"

ftopo_status ftopo_fabric_create(ftopo_fabric **out)
{
    if (!out)
        return FTOPO_ERR_ARG;
    *out = calloc(1, sizeof(**out));
    return *out ? FTOPO_OK : FTOPO_ERR_NOMEM;
}

static void free_hosts(ftopo_fabric *f)
{
    for (size_t i = 0; i < f->num_hosts; i++)
        free(f->hosts[i].name);
    free(f->hosts);
    free(f->host_cas);
    f->hosts = NULL;
    f->host_cas = NULL;
    f->num_hosts = 0;
    ftopo__idmap_free(&f->by_host);
}

/* Drops what finalize derives, so that a failed finalize leaves nothing
 * half-built behind. */
static void free_derived(ftopo_fabric *f)
{
    free_hosts(f);
    ftopo__idmap_free(&f->by_port_guid);
    ftopo__idmap_free(&f->by_lid);
    ftopo__idmap_free(&f->by_desc);
    if (f->has_graph)
        igraph_destroy(&f->graph);
    f->has_graph = false;
}

void ftopo_fabric_destroy(ftopo_fabric *f)
{
    if (!f)
        return;
    free_derived(f);
    for (size_t i = 0; i < f->num_nodes; i++)
        free(f->nodes[i].desc);
    free(f->nodes);
    free(f->ports);
    free(f->links);
    ftopo__idmap_free(&f->by_node_guid);
    free(f);
}

/* Grows `*array` of `size`-byte items to hold `need`, doubling. */
static bool reserve(void **array, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *bigger = realloc(*array, n * size);
    if (!bigger)
        return false;
    *array = bigger;
    *cap = n;
    return true;
}

uint64_t ftopo__hash_str(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

ftopo_status ftopo_fabric_add_node(ftopo_fabric *f, const ftopo_node_spec *spec, ftopo_node_id *out)
{
    if (!f || !spec)
        return FTOPO_ERR_ARG;
    if (f->finalized)
        return FTOPO_ERR_STATE;
    if (spec->node_guid == 0 || spec->num_ports < 1 || spec->num_ports > 254 ||
        (spec->type != FTOPO_NODE_CA && spec->type != FTOPO_NODE_SWITCH &&
         spec->type != FTOPO_NODE_ROUTER))
        return FTOPO_ERR_ARG;
    if (f->num_nodes >= INT32_MAX)
        return FTOPO_ERR_NOMEM;
    if (ftopo__idmap_find(&f->by_node_guid, spec->node_guid) >= 0)
        return FTOPO_ERR_DUPLICATE;
    if (!reserve((void **)&f->nodes, &f->cap_nodes, f->num_nodes + 1, sizeof(*f->nodes)) ||
        !reserve((void **)&f->ports, &f->cap_ports, f->num_ports + (size_t)spec->num_ports,
                 sizeof(*f->ports)))
        return FTOPO_ERR_NOMEM;
    char *desc = strdup(spec->desc ? spec->desc : "");
    if (!desc)
        return FTOPO_ERR_NOMEM;
    ftopo_node_id id = (ftopo_node_id)f->num_nodes;
    if (!ftopo__idmap_add(&f->by_node_guid, spec->node_guid, id)) {
        free(desc);
        return FTOPO_ERR_NOMEM;
    }
    f->nodes[id] = (ftopo__node){
        .type = spec->type,
        .guid = spec->node_guid,
        .sysimg_guid = spec->sysimg_guid,
        .desc = desc,
        .num_ports = spec->num_ports,
        .lid = spec->lid,
        .lmc = spec->lmc,
        .port_base = f->num_ports,
        .tier = -1,
        .host = FTOPO_NONE,
        .rail = -1,
    };
    for (int p = 0; p < spec->num_ports; p++)
        f->ports[f->num_ports + (size_t)p] =
            (ftopo__port){.peer_node = FTOPO_NONE, .peer_port = 0, .link = FTOPO_NONE};
    f->num_ports += (size_t)spec->num_ports;
    f->num_nodes++;
    if (out)
        *out = id;
    return FTOPO_OK;
}

static bool valid_port(const ftopo_fabric *f, ftopo_node_id node, int port)
{
    return node >= 0 && (size_t)node < f->num_nodes && port >= 1 &&
           port <= f->nodes[node].num_ports;
}

static bool valid_width(ftopo_link_width w)
{
    return w == FTOPO_WIDTH_UNKNOWN || ftopo_width_lanes(w) > 0;
}

ftopo_status ftopo_fabric_set_port(ftopo_fabric *f, ftopo_node_id node, int port,
                                   const ftopo_port_spec *spec)
{
    if (!f || !spec)
        return FTOPO_ERR_ARG;
    if (f->finalized)
        return FTOPO_ERR_STATE;
    if (!valid_port(f, node, port) || spec->state > FTOPO_PORT_ACTIVE ||
        !valid_width(spec->width) || spec->speed > FTOPO_SPEED_XDR)
        return FTOPO_ERR_ARG;
    ftopo__port *p = ftopo__port_at(f, node, port);
    p->guid = spec->port_guid;
    p->lid = spec->lid;
    p->lmc = spec->lmc;
    p->state = (uint8_t)spec->state;
    p->width = (uint8_t)spec->width;
    p->speed = (uint8_t)spec->speed;
    return FTOPO_OK;
}

ftopo_status ftopo_fabric_add_link(ftopo_fabric *f, ftopo_node_id a, int port_a, ftopo_node_id b,
                                   int port_b)
{
    if (!f)
        return FTOPO_ERR_ARG;
    if (f->finalized)
        return FTOPO_ERR_STATE;
    if (!valid_port(f, a, port_a) || !valid_port(f, b, port_b) || (a == b && port_a == port_b))
        return FTOPO_ERR_ARG;
    ftopo__port *pa = ftopo__port_at(f, a, port_a);
    ftopo__port *pb = ftopo__port_at(f, b, port_b);
    if (pa->peer_node == b && pa->peer_port == port_b)
        return FTOPO_OK; /* the same cable seen from its other end */
    if (pa->peer_node != FTOPO_NONE || pb->peer_node != FTOPO_NONE)
        return FTOPO_ERR_CONFLICT;
    if (f->num_links >= INT32_MAX ||
        !reserve((void **)&f->links, &f->cap_links, f->num_links + 1, sizeof(*f->links)))
        return FTOPO_ERR_NOMEM;
    ftopo_link_id id = (ftopo_link_id)f->num_links++;
    f->links[id] = (ftopo__link){.a = a, .port_a = port_a, .b = b, .port_b = port_b};
    pa->peer_node = b;
    pa->peer_port = port_b;
    pa->link = id;
    pb->peer_node = a;
    pb->peer_port = port_a;
    pb->link = id;
    return FTOPO_OK;
}

/* Port GUIDs of CAs and routers (a switch's ports share its node GUID). */
static ftopo_status index_port_guids(ftopo_fabric *f, ftopo_diag *diag)
{
    for (size_t n = 0; n < f->num_nodes; n++) {
        const ftopo__node *node = &f->nodes[n];
        for (int p = 1; p <= node->num_ports; p++) {
            uint64_t g = ftopo__port_at(f, (ftopo_node_id)n, p)->guid;
            if (g == 0 || g == node->guid)
                continue;
            int64_t other = ftopo__idmap_find(&f->by_node_guid, g);
            if (other < 0)
                other = ftopo__idmap_find(&f->by_port_guid, g);
            if (other >= 0)
                return ftopo__fail(diag, FTOPO_ERR_DUPLICATE,
                                   "port GUID 0x%016llx of node 0x%016llx port %d is also used by "
                                   "node 0x%016llx",
                                   (unsigned long long)g, (unsigned long long)node->guid, p,
                                   (unsigned long long)f->nodes[other].guid);
            if (!ftopo__idmap_add(&f->by_port_guid, g, (int64_t)n))
                return FTOPO_ERR_NOMEM;
        }
    }
    return FTOPO_OK;
}

/* Adds every LID of a port's LMC range; a LID seen twice is kept for its
 * first owner and reported, since SMs do assign conflicting LIDs on broken
 * fabrics and the model should still load them. */
static ftopo_status index_lid(ftopo_fabric *f, ftopo_node_id n, int port, uint16_t lid, uint8_t lmc,
                              ftopo_diag *diag)
{
    if (lid == 0)
        return FTOPO_OK;
    unsigned count = 1u << (lmc > 7 ? 7 : lmc);
    for (unsigned i = 0; i < count && lid + i <= 0xffff; i++) {
        int64_t owner = ftopo__idmap_find(&f->by_lid, lid + i);
        if (owner >= 0) {
            ftopo__log(diag, FTOPO_LOG_WARN,
                       "LID %u of node 0x%016llx port %d is also used by node 0x%016llx port %d",
                       lid + i, (unsigned long long)f->nodes[n].guid, port,
                       (unsigned long long)f->nodes[owner >> 8].guid, (int)(owner & 0xff));
            continue;
        }
        if (!ftopo__idmap_add(&f->by_lid, lid + i, ((int64_t)n << 8) | port))
            return FTOPO_ERR_NOMEM;
    }
    return FTOPO_OK;
}

static ftopo_status index_lids_and_descs(ftopo_fabric *f, ftopo_diag *diag)
{
    for (size_t n = 0; n < f->num_nodes; n++) {
        const ftopo__node *node = &f->nodes[n];
        ftopo_node_id id = (ftopo_node_id)n;
        ftopo_status st = FTOPO_OK;
        if (node->type == FTOPO_NODE_SWITCH) {
            st = index_lid(f, id, 0, node->lid, node->lmc, diag);
        } else {
            for (int p = 1; p <= node->num_ports && st == FTOPO_OK; p++) {
                const ftopo__port *port = ftopo__port_at(f, id, p);
                st = index_lid(f, id, p, port->lid, port->lmc, diag);
            }
        }
        if (st != FTOPO_OK)
            return st;
        uint64_t h = ftopo__hash_str(node->desc, strlen(node->desc));
        ftopo_node_id first;
        if (ftopo_find_by_desc(f, node->desc, &first) != FTOPO_OK &&
            !ftopo__idmap_add(&f->by_desc, h, id))
            return FTOPO_ERR_NOMEM;
    }
    return FTOPO_OK;
}

ftopo_status ftopo_fabric_finalize(ftopo_fabric *f, ftopo_diag *diag)
{
    if (!f)
        return FTOPO_ERR_ARG;
    if (f->finalized)
        return ftopo__fail(diag, FTOPO_ERR_STATE, "fabric is already finalized");
    free_derived(f);
    ftopo_status st = index_port_guids(f, diag);
    if (st == FTOPO_OK)
        st = index_lids_and_descs(f, diag);
    if (st == FTOPO_OK)
        st = ftopo__build_graph(f, diag);
    if (st == FTOPO_OK)
        st = ftopo__derive_hosts(f, diag);
    if (st == FTOPO_OK)
        st = ftopo__derive_tiers(f, diag);
    if (st == FTOPO_OK)
        st = ftopo__derive_summary(f, diag);
    if (st != FTOPO_OK) {
        if (st == FTOPO_ERR_NOMEM)
            ftopo__fail(diag, st, "out of memory finalizing a fabric of %zu nodes", f->num_nodes);
        free_derived(f);
        return st;
    }
    f->finalized = true;
    ftopo__log(diag, FTOPO_LOG_INFO, "fabric: %zu nodes (%zu switches), %zu links, %zu hosts; %s%s",
               f->num_nodes, f->summary.switches, f->num_links, f->num_hosts,
               ftopo_shape_str(f->summary.shape), f->summary.degraded ? ", degraded" : "");
    return FTOPO_OK;
}

/* ---- Queries ----------------------------------------------------------- */

size_t ftopo_num_nodes(const ftopo_fabric *f)
{
    return f ? f->num_nodes : 0;
}

size_t ftopo_num_links(const ftopo_fabric *f)
{
    return f ? f->num_links : 0;
}

size_t ftopo_num_hosts(const ftopo_fabric *f)
{
    return f ? f->num_hosts : 0;
}

ftopo_status ftopo_node_get(const ftopo_fabric *f, ftopo_node_id node, ftopo_node_info *out)
{
    if (!f || !out || node < 0 || (size_t)node >= f->num_nodes)
        return FTOPO_ERR_ARG;
    const ftopo__node *n = &f->nodes[node];
    uint16_t lid = n->lid;
    uint8_t lmc = n->lmc;
    for (int p = 1; lid == 0 && n->type != FTOPO_NODE_SWITCH && p <= n->num_ports; p++) {
        lid = ftopo__port_at(f, node, p)->lid;
        lmc = ftopo__port_at(f, node, p)->lmc;
    }
    *out = (ftopo_node_info){
        .type = n->type,
        .node_guid = n->guid,
        .sysimg_guid = n->sysimg_guid,
        .desc = n->desc,
        .num_ports = n->num_ports,
        .lid = lid,
        .lmc = lmc,
        .tier = n->type == FTOPO_NODE_SWITCH ? n->tier : 0,
        .host = n->host,
        .rail = n->rail,
    };
    return FTOPO_OK;
}

ftopo_status ftopo_port_get(const ftopo_fabric *f, ftopo_node_id node, int port,
                            ftopo_port_info *out)
{
    if (!f || !out || !valid_port(f, node, port))
        return FTOPO_ERR_ARG;
    const ftopo__port *p = ftopo__port_at(f, node, port);
    const ftopo__node *n = &f->nodes[node];
    *out = (ftopo_port_info){
        .num = port,
        .port_guid = p->guid == 0 && n->type == FTOPO_NODE_SWITCH ? n->guid : p->guid,
        .lid = p->lid,
        .lmc = p->lmc,
        .state = (ftopo_port_state)p->state,
        .width = (ftopo_link_width)p->width,
        .speed = (ftopo_link_speed)p->speed,
        .peer_node = p->peer_node,
        .peer_port = p->peer_port,
        .link = p->link,
    };
    return FTOPO_OK;
}

/* The narrower width of two ends; an end that does not know loses. */
static ftopo_link_width narrower(ftopo_link_width a, ftopo_link_width b)
{
    if (a == FTOPO_WIDTH_UNKNOWN)
        return b;
    if (b == FTOPO_WIDTH_UNKNOWN)
        return a;
    return ftopo_width_lanes(a) <= ftopo_width_lanes(b) ? a : b;
}

static ftopo_link_speed slower(ftopo_link_speed a, ftopo_link_speed b)
{
    if (a == FTOPO_SPEED_UNKNOWN)
        return b;
    if (b == FTOPO_SPEED_UNKNOWN)
        return a;
    return a < b ? a : b;
}

ftopo_status ftopo_link_get(const ftopo_fabric *f, ftopo_link_id link, ftopo_link_info *out)
{
    if (!f || !out || link < 0 || (size_t)link >= f->num_links)
        return FTOPO_ERR_ARG;
    const ftopo__link *l = &f->links[link];
    const ftopo__port *pa = ftopo__port_at(f, l->a, l->port_a);
    const ftopo__port *pb = ftopo__port_at(f, l->b, l->port_b);
    ftopo_link_width w = narrower((ftopo_link_width)pa->width, (ftopo_link_width)pb->width);
    ftopo_link_speed s = slower((ftopo_link_speed)pa->speed, (ftopo_link_speed)pb->speed);
    *out = (ftopo_link_info){
        .node_a = l->a,
        .port_a = l->port_a,
        .node_b = l->b,
        .port_b = l->port_b,
        .width = w,
        .speed = s,
        .rate_gbps = ftopo_link_rate_gbps(w, s),
    };
    return FTOPO_OK;
}

ftopo_status ftopo_host_get(const ftopo_fabric *f, ftopo_host_id host, ftopo_host_info *out)
{
    if (!f || !out || host < 0 || (size_t)host >= f->num_hosts)
        return FTOPO_ERR_ARG;
    *out = (ftopo_host_info){.name = f->hosts[host].name, .num_hcas = f->hosts[host].num_hcas};
    return FTOPO_OK;
}

ftopo_status ftopo_host_hca(const ftopo_fabric *f, ftopo_host_id host, int rail, ftopo_node_id *out)
{
    if (!f || !out || host < 0 || (size_t)host >= f->num_hosts || rail < 0 ||
        rail >= f->hosts[host].num_hcas)
        return FTOPO_ERR_ARG;
    *out = f->host_cas[f->hosts[host].first + (size_t)rail];
    return FTOPO_OK;
}

ftopo_status ftopo_find_by_guid(const ftopo_fabric *f, uint64_t guid, ftopo_node_id *out)
{
    if (!f || !out)
        return FTOPO_ERR_ARG;
    int64_t n = ftopo__idmap_find(&f->by_node_guid, guid);
    if (n < 0)
        n = ftopo__idmap_find(&f->by_port_guid, guid);
    if (n < 0)
        return FTOPO_ERR_NOT_FOUND;
    *out = (ftopo_node_id)n;
    return FTOPO_OK;
}

ftopo_status ftopo_find_by_lid(const ftopo_fabric *f, uint16_t lid, ftopo_node_id *node, int *port)
{
    if (!f || !node)
        return FTOPO_ERR_ARG;
    int64_t v = ftopo__idmap_find(&f->by_lid, lid);
    if (lid == 0 || v < 0)
        return FTOPO_ERR_NOT_FOUND;
    *node = (ftopo_node_id)(v >> 8);
    if (port)
        *port = (int)(v & 0xff);
    return FTOPO_OK;
}

ftopo_status ftopo_find_by_desc(const ftopo_fabric *f, const char *desc, ftopo_node_id *out)
{
    if (!f || !desc || !out)
        return FTOPO_ERR_ARG;
    uint64_t h = ftopo__hash_str(desc, strlen(desc));
    size_t cursor = 0;
    for (int64_t n; (n = ftopo__idmap_find_next(&f->by_desc, h, &cursor)) >= 0;) {
        if (strcmp(f->nodes[n].desc, desc) == 0) {
            *out = (ftopo_node_id)n;
            return FTOPO_OK;
        }
    }
    return FTOPO_ERR_NOT_FOUND;
}

ftopo_status ftopo_find_host(const ftopo_fabric *f, const char *name, ftopo_host_id *out)
{
    if (!f || !name || !out)
        return FTOPO_ERR_ARG;
    uint64_t h = ftopo__hash_str(name, strlen(name));
    size_t cursor = 0;
    for (int64_t n; (n = ftopo__idmap_find_next(&f->by_host, h, &cursor)) >= 0;) {
        if (strcmp(f->hosts[n].name, name) == 0) {
            *out = (ftopo_host_id)n;
            return FTOPO_OK;
        }
    }
    return FTOPO_ERR_NOT_FOUND;
}

ftopo_status ftopo_fabric_summary(const ftopo_fabric *f, ftopo_summary *out)
{
    if (!f || !out)
        return FTOPO_ERR_ARG;
    if (!f->finalized)
        return FTOPO_ERR_STATE;
    *out = f->summary;
    return FTOPO_OK;
}

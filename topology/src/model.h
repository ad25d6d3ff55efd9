/* The fabric model's storage, shared by the files that build and derive it
 * (fabric.c, hosts.c, tiers.c, shape.c, graph.c, compare.c). Readers and
 * writers go through the public API instead. */
#ifndef FTOPO_MODEL_H
#define FTOPO_MODEL_H

#include <igraph.h>

#include "idmap.h"
#include "internal.h"

typedef struct ftopo__port {
    uint64_t guid;
    uint16_t lid;
    uint8_t lmc;
    uint8_t state; /* ftopo_port_state */
    uint8_t width; /* ftopo_link_width */
    uint8_t speed; /* ftopo_link_speed */
    ftopo_node_id peer_node;
    int peer_port;
    ftopo_link_id link;
} ftopo__port;

typedef struct ftopo__node {
    ftopo_node_type type;
    uint64_t guid;
    uint64_t sysimg_guid;
    char *desc;
    int num_ports;
    uint16_t lid;
    uint8_t lmc;
    size_t port_base; /* port p lives at fabric->ports[port_base + p - 1] */
    int tier;
    ftopo_host_id host;
    int rail;
} ftopo__node;

typedef struct ftopo__link {
    ftopo_node_id a, b;
    int port_a, port_b;
} ftopo__link;

typedef struct ftopo__host {
    char *name;
    int num_hcas;
    size_t first; /* this host's CAs are fabric->host_cas[first .. first + num_hcas), by rail */
} ftopo__host;

struct ftopo_fabric {
    bool finalized;
    ftopo__node *nodes;
    size_t num_nodes, cap_nodes;
    ftopo__port *ports;
    size_t num_ports, cap_ports;
    ftopo__link *links;
    size_t num_links, cap_links;
    ftopo__host *hosts;
    size_t num_hosts;
    ftopo_node_id *host_cas;

    ftopo__idmap by_node_guid; /* node GUID -> node, kept while building */
    ftopo__idmap by_port_guid; /* CA port GUIDs -> node, built at finalize */
    ftopo__idmap by_lid;       /* LID -> node << 8 | port, built at finalize */
    ftopo__idmap by_desc;      /* hash of the description -> first node with it */
    ftopo__idmap by_host;      /* hash of the host name -> host */

    igraph_t graph; /* vertex = node id, edge = link id; valid once finalized */
    bool has_graph;
    ftopo_summary summary; /* derived at finalize */
};

static inline ftopo__port *ftopo__port_at(const ftopo_fabric *f, ftopo_node_id node, int port)
{
    return &f->ports[f->nodes[node].port_base + (size_t)port - 1];
}

/* FNV-1a, for the string-keyed maps. */
uint64_t ftopo__hash_str(const char *s, size_t len);

/* Steps of finalize, one file each, in this order. */
ftopo_status ftopo__build_graph(ftopo_fabric *f, ftopo_diag *diag);
ftopo_status ftopo__derive_hosts(ftopo_fabric *f, ftopo_diag *diag);
ftopo_status ftopo__derive_tiers(ftopo_fabric *f, ftopo_diag *diag);
ftopo_status ftopo__derive_summary(ftopo_fabric *f, ftopo_diag *diag);
/* Part of the summary: sets summary.shape and summary.degraded. */
ftopo_status ftopo__derive_shape(ftopo_fabric *f, ftopo_diag *diag);

/* Makes igraph report errors instead of aborting, and gives graphs C
 * attributes (for the writers). Cheap; call before any igraph use. */
void ftopo__igraph_setup(void);
/* Turns an igraph error code into FTOPO_ERR_GRAPH with a message. */
ftopo_status ftopo__igraph_fail(ftopo_diag *diag, igraph_error_t code, const char *what);

#endif

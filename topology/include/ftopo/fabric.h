/* The fabric model: nodes, ports, links, hosts, tiers and shape of an
 * InfiniBand fabric, kept in an igraph graph behind this API.
 *
 * Life cycle: ftopo_fabric_create, then add nodes, set ports and add links
 * (readers, discovery and the generator do this), then ftopo_fabric_finalize,
 * which builds the graph and derives hosts, rails, tiers and shape. After
 * finalize the fabric is read-only and every query below is valid; builder
 * calls then return FTOPO_ERR_STATE. ftopo_fabric_destroy frees everything.
 *
 * Handles: nodes, hosts and links are dense indices (0 .. count-1) that stay
 * valid for the life of the fabric; iterate with plain loops. Strings handed
 * out (descriptions, host names) are owned by the fabric. */
#ifndef FTOPO_FABRIC_H
#define FTOPO_FABRIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftopo/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ftopo_fabric ftopo_fabric;

typedef int32_t ftopo_node_id;
typedef int32_t ftopo_host_id;
typedef int32_t ftopo_link_id;
#define FTOPO_NONE (-1)

/* Values are InfiniBand's NodeInfo.NodeType. */
typedef enum ftopo_node_type {
    FTOPO_NODE_CA = 1,
    FTOPO_NODE_SWITCH = 2,
    FTOPO_NODE_ROUTER = 3,
} ftopo_node_type;

/* Values are InfiniBand's PortInfo.PortState; 0 means not known. */
typedef enum ftopo_port_state {
    FTOPO_PORT_STATE_UNKNOWN = 0,
    FTOPO_PORT_DOWN = 1,
    FTOPO_PORT_INIT = 2,
    FTOPO_PORT_ARMED = 3,
    FTOPO_PORT_ACTIVE = 4,
} ftopo_port_state;

/* Values are InfiniBand's PortInfo.LinkWidthActive bits. */
typedef enum ftopo_link_width {
    FTOPO_WIDTH_UNKNOWN = 0,
    FTOPO_WIDTH_1X = 1,
    FTOPO_WIDTH_4X = 2,
    FTOPO_WIDTH_8X = 4,
    FTOPO_WIDTH_12X = 8,
    FTOPO_WIDTH_2X = 16,
} ftopo_link_width;

/* Per-lane signalling generations, slowest first. */
typedef enum ftopo_link_speed {
    FTOPO_SPEED_UNKNOWN = 0,
    FTOPO_SPEED_SDR,   /* 2.5 Gb/s per lane */
    FTOPO_SPEED_DDR,   /* 5 */
    FTOPO_SPEED_QDR,   /* 10 */
    FTOPO_SPEED_FDR10, /* 10 (64b/66b) */
    FTOPO_SPEED_FDR,   /* 14 */
    FTOPO_SPEED_EDR,   /* 25 */
    FTOPO_SPEED_HDR,   /* 50 */
    FTOPO_SPEED_NDR,   /* 100 */
    FTOPO_SPEED_XDR,   /* 200 */
} ftopo_link_speed;

/* Lanes in a width (4 for 4x), 0 when unknown. */
int ftopo_width_lanes(ftopo_link_width width);
/* The data rate a user sees, in Gb/s, as vendors quote it: 4x EDR = 100,
 * 4x HDR = 200, 4x NDR = 400, 4x QDR = 40. 0 when either part is unknown. */
double ftopo_link_rate_gbps(ftopo_link_width width, ftopo_link_speed speed);
/* "1x" "4x" ... and "SDR" ... "XDR"; "?" when unknown. */
const char *ftopo_width_str(ftopo_link_width width);
const char *ftopo_speed_str(ftopo_link_speed speed);
/* Parses "4x", "SDR".."XDR" (case-insensitive), or a combined "4xEDR". */
ftopo_status ftopo_width_parse(const char *text, ftopo_link_width *out);
ftopo_status ftopo_speed_parse(const char *text, ftopo_link_speed *out);
ftopo_status ftopo_rate_parse(const char *text, ftopo_link_width *width, ftopo_link_speed *speed);
/* Decodes PortInfo's LinkSpeedActive (1 SDR, 2 DDR, 4 QDR),
 * LinkSpeedExtActive (0 none, 1 FDR, 2 EDR, 4 HDR, 8 NDR, 16 XDR: wins when
 * non-zero) and the vendor FDR10 flag into one speed. */
ftopo_link_speed ftopo_speed_from_portinfo(unsigned speed_active, unsigned ext_speed_active,
                                           bool fdr10_active);

/* ---- Building ---------------------------------------------------------- */

/* What a reader knows about a node. `desc` is copied (NodeDescription, at
 * most 64 bytes on the wire; longer text is kept whole). For switches `lid`
 * and `lmc` are the LID of management port 0; for CAs leave them 0 and set
 * them per port. */
typedef struct ftopo_node_spec {
    ftopo_node_type type;
    uint64_t node_guid;   /* must be non-zero and unique */
    uint64_t sysimg_guid; /* 0 when unknown */
    const char *desc;     /* may be NULL: treated as "" */
    int num_ports;        /* 1..254 */
    uint16_t lid;
    uint8_t lmc;
} ftopo_node_spec;

typedef struct ftopo_port_spec {
    uint64_t port_guid; /* 0: same as the node GUID for switches, unknown for CAs */
    uint16_t lid;
    uint8_t lmc;
    ftopo_port_state state;
    ftopo_link_width width;
    ftopo_link_speed speed;
} ftopo_port_spec;

/* Creates an empty fabric; the caller owns it. */
ftopo_status ftopo_fabric_create(ftopo_fabric **out);
/* Frees the fabric and everything it handed out. NULL is fine. */
void ftopo_fabric_destroy(ftopo_fabric *fabric);

/* Adds a node. FTOPO_ERR_DUPLICATE if its GUID is already there,
 * FTOPO_ERR_ARG for a zero GUID, bad type or port count. */
ftopo_status ftopo_fabric_add_node(ftopo_fabric *fabric, const ftopo_node_spec *spec,
                                   ftopo_node_id *out);
/* Sets what is known of port `port` (1..num_ports) of a node. */
ftopo_status ftopo_fabric_set_port(ftopo_fabric *fabric, ftopo_node_id node, int port,
                                   const ftopo_port_spec *spec);
/* Cables port a of node a to port b of node b. Adding the same link again is
 * a no-op; a port already cabled elsewhere is FTOPO_ERR_CONFLICT; a port out
 * of range or a self-loop on one port is FTOPO_ERR_ARG. */
ftopo_status ftopo_fabric_add_link(ftopo_fabric *fabric, ftopo_node_id a, int port_a,
                                   ftopo_node_id b, int port_b);
/* Builds the graph and derives hosts, rails, tiers and shape. */
ftopo_status ftopo_fabric_finalize(ftopo_fabric *fabric, ftopo_diag *diag);

/* ---- Querying (after finalize) ----------------------------------------- */

typedef struct ftopo_node_info {
    ftopo_node_type type;
    uint64_t node_guid;
    uint64_t sysimg_guid;
    const char *desc; /* owned by the fabric */
    int num_ports;
    uint16_t lid; /* switches: port 0; CAs: the first port with a LID */
    uint8_t lmc;
    int tier; /* switches: 1 = leaf (next to hosts), 2, ...; 0 for CAs; -1 if no CA is reachable */
    ftopo_host_id host; /* CAs: the host it belongs to; FTOPO_NONE otherwise */
    int rail;           /* CAs: index within its host (0-based), -1 otherwise */
} ftopo_node_info;

typedef struct ftopo_port_info {
    int num;
    uint64_t port_guid;
    uint16_t lid;
    uint8_t lmc;
    ftopo_port_state state;
    ftopo_link_width width;
    ftopo_link_speed speed;
    ftopo_node_id peer_node; /* FTOPO_NONE when not cabled */
    int peer_port;           /* 0 when not cabled */
    ftopo_link_id link;      /* FTOPO_NONE when not cabled */
} ftopo_port_info;

typedef struct ftopo_link_info {
    ftopo_node_id node_a;
    int port_a;
    ftopo_node_id node_b;
    int port_b;
    ftopo_link_width width; /* the narrower of the two ends */
    ftopo_link_speed speed; /* the slower of the two ends */
    double rate_gbps;       /* ftopo_link_rate_gbps(width, speed) */
} ftopo_link_info;

typedef struct ftopo_host_info {
    const char *name; /* owned by the fabric */
    int num_hcas;
} ftopo_host_info;

size_t ftopo_num_nodes(const ftopo_fabric *fabric);
size_t ftopo_num_links(const ftopo_fabric *fabric);
size_t ftopo_num_hosts(const ftopo_fabric *fabric);

ftopo_status ftopo_node_get(const ftopo_fabric *fabric, ftopo_node_id node, ftopo_node_info *out);
ftopo_status ftopo_port_get(const ftopo_fabric *fabric, ftopo_node_id node, int port,
                            ftopo_port_info *out);
ftopo_status ftopo_link_get(const ftopo_fabric *fabric, ftopo_link_id link, ftopo_link_info *out);
ftopo_status ftopo_host_get(const ftopo_fabric *fabric, ftopo_host_id host, ftopo_host_info *out);
/* The CA of a host on rail `rail` (0 .. num_hcas-1). */
ftopo_status ftopo_host_hca(const ftopo_fabric *fabric, ftopo_host_id host, int rail,
                            ftopo_node_id *out);

/* Lookups; FTOPO_ERR_NOT_FOUND when absent. by_guid takes a node GUID or a
 * port GUID; by_lid also says which port owns the LID (0 for switch port 0);
 * by_desc matches the whole node description. */
ftopo_status ftopo_find_by_guid(const ftopo_fabric *fabric, uint64_t guid, ftopo_node_id *out);
ftopo_status ftopo_find_by_lid(const ftopo_fabric *fabric, uint16_t lid, ftopo_node_id *node,
                               int *port);
ftopo_status ftopo_find_by_desc(const ftopo_fabric *fabric, const char *desc, ftopo_node_id *out);
ftopo_status ftopo_find_host(const ftopo_fabric *fabric, const char *name, ftopo_host_id *out);

/* ---- Shape and summary ------------------------------------------------- */

typedef enum ftopo_shape {
    FTOPO_SHAPE_EMPTY = 0,      /* no switch or no CA */
    FTOPO_SHAPE_SINGLE_SWITCH,  /* every CA on one switch */
    FTOPO_SHAPE_FAT_TREE_2,     /* leaf/spine */
    FTOPO_SHAPE_FAT_TREE_3,     /* leaf/spine/core */
    FTOPO_SHAPE_RAIL_OPTIMIZED, /* fat tree whose leaves each serve one rail */
    FTOPO_SHAPE_TORUS_2D,       /* switches in a 2D wrap-around grid */
    FTOPO_SHAPE_IRREGULAR,
} ftopo_shape;

const char *ftopo_shape_str(ftopo_shape shape);

#define FTOPO_MAX_TIERS 8
#define FTOPO_MAX_RATES 16

typedef struct ftopo_rate_count {
    ftopo_link_width width;
    ftopo_link_speed speed;
    double rate_gbps;
    size_t links;
} ftopo_rate_count;

typedef struct ftopo_summary {
    size_t nodes, switches, cas, routers, hosts, links;
    size_t switch_links;                           /* switch to switch */
    size_t rails;                                  /* most HCAs on one host */
    int tiers;                                     /* switch tiers (1 = all switches are leaves) */
    size_t switches_per_tier[FTOPO_MAX_TIERS + 1]; /* index = tier */
    /* Oversubscription of tier t (1-based): bandwidth down towards hosts over
     * bandwidth up, summed over the tier's switches; 1.0 = non-blocking, 0
     * for the top tier or when undefined. */
    double oversubscription[FTOPO_MAX_TIERS + 1];
    size_t num_rates;                        /* distinct link rates */
    ftopo_rate_count rates[FTOPO_MAX_RATES]; /* fastest first */
    ftopo_shape shape;
    bool degraded; /* a fat tree with links missing against its regular form */
} ftopo_summary;

ftopo_status ftopo_fabric_summary(const ftopo_fabric *fabric, ftopo_summary *out);

/* Compares two fabrics by GUID: nodes (type, description, port count),
 * links (by both ends' GUID and port), widths and speeds. FTOPO_OK when
 * equal; FTOPO_ERR_CONFLICT when they differ, with the first difference in
 * diag->message and every difference sent to diag->log at FTOPO_LOG_INFO.
 * LIDs and port states are not compared. */
ftopo_status ftopo_fabric_compare(const ftopo_fabric *a, const ftopo_fabric *b, ftopo_diag *diag);

#ifdef __cplusplus
}
#endif

#endif

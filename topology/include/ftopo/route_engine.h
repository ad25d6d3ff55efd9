/* Routing engines: compute the LFTs of every switch of a fabric into a
 * route set (ftopo/route.h), as a subnet manager would, for the route set's
 * LIDs.
 *
 * Engines (ftopo_route_engine_name lists them):
 *  - "minhop": shortest paths (hops), each switch spreading destinations
 *    over its equally short ports, least used port first (OpenSM's default).
 *  - "updn": up/down, deadlock-free: switches are ranked by distance from
 *    the roots, and every path climbs towards the roots and then only
 *    descends. Roots: the top tier of a fat tree, otherwise the switch at the
 *    fabric's centre; or the caller's list. Ports are spread like minhop.
 *  - "ftree": fat-tree routing in the destination-mod-k style, also
 *    deadlock-free: up/down with the top tier as roots, destinations taken in
 *    host order, and each switch choosing, among its valid ports, the one
 *    that carries the fewest flows (counted from the endpoints whose traffic
 *    really crosses it). On a full fat tree this is D-mod-k: every shift
 *    permutation over the host order loads every link at most once. On a
 *    degraded tree the same rule routes each destination over the links
 *    that remain (a balanced up/down); on other shapes it is up/down from
 *    the centre.
 *  - "sssp": weighted shortest paths balanced over the whole fabric, any
 *    topology: LIDs one at a time, each link weighing its rate cost times
 *    1 + the flows already routed over it (as OpenSM's SSSP does), paths
 *    the cheapest among the minimal-hop ones, and one LID's sources spread
 *    over parallel ways. Minimal paths are up/down on fat trees (no credit
 *    loop there); on tori they can close credit loops: no virtual-lane
 *    layering is done. O(LIDs x links): for fabrics of thousands of
 *    endpoints, not the largest.
 *
 * Every engine: LIDs of switches are routed too (to port 0 at the switch)
 * but count as no traffic; traffic to a CA is counted from the CAs on the
 * same rail (HCA i talks to HCA i, as collectives do on rail-optimized
 * clusters); a LID owned by a CA port is delivered through
 * the switch port its cable is on; LIDs a switch cannot reach stay
 * FTOPO_LFT_NONE; those that strand a CA's traffic (at a switch with CAs)
 * are counted in the result. Up/down leaves a root without a legal path to
 * a leaf it is not cabled to, a path no CA's traffic takes. */
#ifndef FTOPO_ROUTE_ENGINE_H
#define FTOPO_ROUTE_ENGINE_H

#include <stddef.h>

#include "ftopo/route.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ftopo_route_engine_opts {
    /* updn and ftree: root switches (node ids), NULL for automatic. */
    const ftopo_node_id *roots;
    size_t num_roots;
} ftopo_route_engine_opts;

typedef struct ftopo_route_result {
    size_t destinations; /* LIDs routed */
    size_t unreachable;  /* (switch with CAs, CA LID) entries left without a route */
    size_t roots;        /* updn/ftree: roots used */
} ftopo_route_result;

/* Number of engines and their names ("minhop", "updn", "ftree", "sssp"),
 * and one line describing each. NULL past the end. */
size_t ftopo_route_engine_count(void);
const char *ftopo_route_engine_name(size_t index);
const char *ftopo_route_engine_summary(size_t index);

/* Clears the route set and fills every switch's LFT with engine `name`.
 * opts and result may be NULL. FTOPO_ERR_NOT_FOUND for an unknown engine,
 * FTOPO_ERR_ARG for roots that are not switches. Unreachable entries are
 * not an error (they are counted and logged as a warning). */
ftopo_status ftopo_route_compute(ftopo_routes *routes, const char *name,
                                 const ftopo_route_engine_opts *opts, ftopo_route_result *result,
                                 ftopo_diag *diag);

/* Parses a root list: node GUIDs (0x...) or node descriptions, separated
 * by commas, or "@FILE" for a file with one a line ('#'
 * comments, as OpenSM's root GUID file). *roots is malloc'ed, the caller
 * frees it. FTOPO_ERR_NOT_FOUND names the entry (and file:line) not found,
 * FTOPO_ERR_ARG one that is not a switch. */
ftopo_status ftopo_route_roots_parse(const ftopo_fabric *fabric, const char *text,
                                     ftopo_node_id **roots, size_t *num_roots, ftopo_diag *diag);

/* Virtual-lane layers, as OpenSM's dfsssp assigns them, for route sets
 * whose channel dependencies have cycles (sssp or minhop on a torus):
 * every delivered CA-to-CA path (source port, destination LID) gets a
 * layer such that no layer's channel dependency graph has a cycle. With
 * the source using SL = layer and each SL on its own VL (SLn -> VLn), the
 * routes are deadlock-free. OpenSM cannot load this from a file (its SL
 * comes from dfsssp's own path records): it is for the project's planner
 * and for checking how many VLs a route set needs. */
typedef struct ftopo_vl_layers {
    size_t num_layers;
    size_t num_paths;
    ftopo_node_id *src_node; /* per path: source CA and port */
    int *src_port;
    ftopo_lid *dlid; /* destination LID */
    uint8_t *layer;  /* 0 .. num_layers - 1 */
} ftopo_vl_layers;

/* Assigns layers (out is the caller's; free with ftopo_vl_layers_free).
 * FTOPO_ERR_CONFLICT when more than max_layers (1..16) would be needed. */
ftopo_status ftopo_route_vl_layers(const ftopo_routes *routes, int max_layers, ftopo_vl_layers *out,
                                   ftopo_diag *diag);
void ftopo_vl_layers_free(ftopo_vl_layers *layers);
/* "0xSRCLID 0xDSTLID SL" lines after a comment header. */
ftopo_status ftopo_vl_layers_write(const ftopo_routes *routes, const ftopo_vl_layers *layers,
                                   FILE *out, ftopo_diag *diag);

#ifdef __cplusplus
}
#endif

#endif

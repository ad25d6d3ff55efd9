/* Routes: the linear forwarding tables (LFTs) of a fabric's switches, the
 * LID map they are keyed by, and what can be learnt from them (traces,
 * link loads for traffic patterns, credit loops).
 *
 * A route set (ftopo_routes) belongs to one finalized fabric, which must
 * outlive it. It holds:
 *  - the LID map: LID -> (node, port) for every addressable port (switch
 *    port 0, cabled CA/router ports), with the LMC; every port owns
 *    2^lmc consecutive LIDs starting at its base LID;
 *  - one LFT per switch: LID -> egress port (0 = the switch itself,
 *    1..num_ports), FTOPO_LFT_NONE where the switch has no route.
 * Every LFT covers LIDs 0 .. ftopo_routes_lid_top(); LID 0 is never
 * routed.
 *
 * Ownership: the caller owns the route set (ftopo_routes_destroy) and every
 * result struct it passes in (the matching *_free releases their arrays).
 * Pointers handed out by getters belong to the route set.
 *
 * Directed links: a directed link id is 2 * link + dir, where dir 0 is the
 * direction from the link's node_a/port_a to node_b/port_b (ftopo_link_info)
 * and dir 1 the reverse. Arrays "per directed link" have 2 * ftopo_num_links
 * entries. */
#ifndef FTOPO_ROUTE_H
#define FTOPO_ROUTE_H

#include <stdint.h>
#include <stdio.h>

#include "ftopo/fabric.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ftopo_routes ftopo_routes;

/* An LFT entry with no route (OpenSM's OSM_NO_PATH, what switches hold for
 * LIDs they cannot reach). */
#define FTOPO_LFT_NONE 0xFF
/* A LID. InfiniBand's are 16 bits and unicast ones end at
 * FTOPO_LID_UNICAST_MAX (49151 ports a subnet); assigned LIDs may go past
 * it, up to FTOPO_LID_MAX, so that synthetic fabrics of 100k endpoints can
 * be routed and analyzed. Such route sets cannot be loaded into a subnet
 * manager: the dump and guid2lid writers refuse them. */
typedef uint32_t ftopo_lid;
#define FTOPO_LID_UNICAST_MAX 0xBFFF
#define FTOPO_LID_MAX         0xFFFFFF

typedef int32_t ftopo_dlink_id;

/* ---- LID map and route set --------------------------------------------- */

typedef enum ftopo_lid_mode {
    /* The fabric's own LIDs when any port has one, else assign. */
    FTOPO_LIDS_AUTO = 0,
    /* The fabric's LIDs; ports without a LID are not addressable. */
    FTOPO_LIDS_FABRIC,
    /* Ignore the fabric's LIDs and assign, in this deterministic order:
     * switches first, by ascending node GUID (port 0), then every cabled
     * CA and router port, by ascending node GUID then port number; LIDs
     * from 1 upwards, 2^lmc apart. The same fabric (by GUIDs and cabling)
     * always gets the same LIDs whatever file it was read from. Past
     * FTOPO_LID_UNICAST_MAX a warning is logged (see ftopo_lid). To make
     * OpenSM use them, write them with ftopo_routes_write_guid2lid into
     * OSM_CACHE_DIR/guid2lid and start opensm with --honor_guid2lid. */
    FTOPO_LIDS_ASSIGN,
} ftopo_lid_mode;

typedef struct ftopo_routes_opts {
    ftopo_lid_mode lid_mode;
    uint8_t lmc; /* assigned LIDs only (0..7); fabric LIDs keep their own LMC */
} ftopo_routes_opts;

/* Creates an empty route set (every entry FTOPO_LFT_NONE) for a finalized
 * fabric. opts may be NULL (AUTO, LMC 0). FTOPO_ERR_CONFLICT when two ports
 * claim the same LID; FTOPO_ERR_ARG when the fabric's LIDs leave the
 * unicast range or assigned ones pass FTOPO_LID_MAX. The caller owns
 * *out. */
ftopo_status ftopo_routes_create(const ftopo_fabric *fabric, const ftopo_routes_opts *opts,
                                 ftopo_routes **out, ftopo_diag *diag);
/* Frees the route set. NULL is fine. */
void ftopo_routes_destroy(ftopo_routes *routes);

const ftopo_fabric *ftopo_routes_fabric(const ftopo_routes *routes);
/* Highest LID owned by any port: every LFT covers 0 .. lid_top. */
ftopo_lid ftopo_routes_lid_top(const ftopo_routes *routes);
/* LMC of assigned LIDs (the fabric's when LIDs came from it: its largest). */
uint8_t ftopo_routes_lmc(const ftopo_routes *routes);

/* Owner of a LID (any LID of a port's 2^lmc range). FTOPO_ERR_NOT_FOUND
 * when no port owns it. port is 0 for a switch's own LID. */
ftopo_status ftopo_routes_lid_owner(const ftopo_routes *routes, ftopo_lid lid, ftopo_node_id *node,
                                    int *port);
/* Base LID of a node's port (port 0 for switches); 0 when it has none. */
ftopo_lid ftopo_routes_port_lid(const ftopo_routes *routes, ftopo_node_id node, int port);
/* LMC of the port that owns `lid` (0 when nobody owns it). */
uint8_t ftopo_routes_lid_lmc(const ftopo_routes *routes, ftopo_lid lid);

/* Switches in the route set: dense index 0 .. num_switches-1, in node id
 * order. switch_index is -1 for nodes that are not switches. */
size_t ftopo_routes_num_switches(const ftopo_routes *routes);
ftopo_node_id ftopo_routes_switch_node(const ftopo_routes *routes, size_t index);
int32_t ftopo_routes_switch_index(const ftopo_routes *routes, ftopo_node_id node);

/* One LFT entry. get returns FTOPO_LFT_NONE for non-switches and LIDs past
 * lid_top. set checks the port against the switch's port count:
 * FTOPO_ERR_ARG for a non-switch, a LID of 0 or past lid_top, or a port out
 * of range (FTOPO_LFT_NONE clears the entry). */
uint8_t ftopo_routes_get(const ftopo_routes *routes, ftopo_node_id sw, ftopo_lid lid);
ftopo_status ftopo_routes_set(ftopo_routes *routes, ftopo_node_id sw, ftopo_lid lid, uint8_t port);
/* The whole LFT of a switch, lid_top + 1 entries indexed by LID, for
 * engines and analysis that walk many entries; NULL for a non-switch. The
 * writable form is for engines, which must only store FTOPO_LFT_NONE or a
 * port 0..num_ports of that switch. */
const uint8_t *ftopo_routes_lft(const ftopo_routes *routes, ftopo_node_id sw);
uint8_t *ftopo_routes_lft_mut(ftopo_routes *routes, ftopo_node_id sw);
/* Clears every entry of every switch to FTOPO_LFT_NONE. */
void ftopo_routes_clear(ftopo_routes *routes);
/* Compares two route sets of the same fabric entry by entry (LIDs that one
 * side does not own are compared as FTOPO_LFT_NONE). FTOPO_OK when equal,
 * FTOPO_ERR_CONFLICT with the first difference in diag->message (switch,
 * LID, both ports) and the count of differing entries in *differences. */
ftopo_status ftopo_routes_compare(const ftopo_routes *a, const ftopo_routes *b, size_t *differences,
                                  ftopo_diag *diag);

/* ---- OpenSM's LFT dump --------------------------------------------------
 * The format OpenSM writes to opensm-lfts.dump and loads with
 * `opensm -R file -U FILE`:
 *   Unicast lids [0x0-0x1f] of switch Lid 3 guid 0x0002c90000000001 ('desc'):
 *   0x0001 001 : (Channel Adapter portguid 0x...: 'node001 HCA-1')
 *   ...
 *   31 lids dumped
 * One block per switch; entry lines are "LID PORT" (hex LID, decimal port)
 * and anything after them is a comment. */

/* Writes every switch's LFT (entries with a route only), switches in node
 * id order. */
ftopo_status ftopo_routes_write_dump(const ftopo_routes *routes, FILE *out, ftopo_diag *diag);
ftopo_status ftopo_routes_write_dump_file(const ftopo_routes *routes, const char *path,
                                          ftopo_diag *diag);
/* Reads a dump into an existing route set (entries not in the dump are left
 * as they are; call ftopo_routes_clear first for a fresh set). Strict: an
 * unknown switch GUID, a node that is not a switch, a port past the
 * switch's port count, a LID no port owns, a malformed line or an entry
 * before any switch header is FTOPO_ERR_PARSE naming the file (`name`) and
 * line. */
ftopo_status ftopo_routes_read_dump(ftopo_routes *routes, FILE *in, const char *name,
                                    ftopo_diag *diag);
ftopo_status ftopo_routes_read_dump_file(ftopo_routes *routes, const char *path, ftopo_diag *diag);

/* OpenSM's guid2lid file ("0xPORTGUID 0xMINLID 0xMAXLID" records, each
 * followed by a blank line as OpenSM's database files are), so
 * that OpenSM gives ports the LIDs of this route set. Ports need known port
 * GUIDs (switches use their node GUID). */
ftopo_status ftopo_routes_write_guid2lid(const ftopo_routes *routes, FILE *out, ftopo_diag *diag);

/* ---- Live LFTs ----------------------------------------------------------
 * Reads every switch's LFT through libibmad SMPs (directed routes are not
 * needed: switches are addressed by their LID), SwitchInfo for
 * LinearFDBTop then LinearForwardingTable blocks of 64 entries, into the
 * route set, overwriting the entries read. The fabric must carry the live
 * LIDs (e.g. from ftopo_discover) and the route set must use them
 * (FTOPO_LIDS_FABRIC or AUTO). A switch whose LID now answers with
 * another GUID is FTOPO_ERR_FABRIC; entries for LIDs no port owns are
 * skipped with a warning. */
typedef struct ftopo_lft_read_opts {
    const char *ca_name; /* NULL: the first CA */
    int ca_port;         /* 0: the first active port */
    int timeout_ms;      /* per MAD; 0: the library default */
    int retries;         /* per MAD; 0: the library default */
} ftopo_lft_read_opts;

ftopo_status ftopo_routes_read_live(ftopo_routes *routes, const ftopo_lft_read_opts *opts,
                                    ftopo_diag *diag);

/* ---- Endpoints and paths ------------------------------------------------ */

/* Resolves what a user typed to a port: a node or port GUID (0x...), a LID
 * (decimal, or 0x.. when no GUID matches), a host name (its HCA on rail 0,
 * first cabled port), or a node description. */
ftopo_status ftopo_routes_resolve(const ftopo_routes *routes, const char *text, ftopo_node_id *node,
                                  int *port, ftopo_diag *diag);

typedef enum ftopo_path_result {
    FTOPO_PATH_OK = 0,        /* delivered to the port that owns the LID */
    FTOPO_PATH_NO_ROUTE,      /* a switch has FTOPO_LFT_NONE for the LID */
    FTOPO_PATH_DEAD_END,      /* an egress port is not cabled */
    FTOPO_PATH_LOOP,          /* a switch was visited twice */
    FTOPO_PATH_MISDELIVERED,  /* reached a CA/router that does not own the LID */
    FTOPO_PATH_NO_LID,        /* the destination LID has no owner */
    FTOPO_PATH_NOT_CONNECTED, /* the source port is not cabled */
} ftopo_path_result;

const char *ftopo_path_result_str(ftopo_path_result result);

typedef struct ftopo_hop {
    ftopo_node_id node;
    int in_port;  /* 0 at the source */
    int out_port; /* 0 at the destination (or where the walk stopped) */
} ftopo_hop;

typedef struct ftopo_trace {
    ftopo_path_result result;
    ftopo_hop *hops; /* source first; the last hop is where it ended */
    size_t num_hops;
} ftopo_trace;

/* Follows the LFTs from a source port to a destination LID, hop by hop.
 * Loops and black holes end the walk with the result set (status FTOPO_OK:
 * the trace itself succeeded). out is the caller's; free with
 * ftopo_trace_free. */
ftopo_status ftopo_trace_route(const ftopo_routes *routes, ftopo_node_id src_node, int src_port,
                               ftopo_lid dlid, ftopo_trace *out, ftopo_diag *diag);
void ftopo_trace_free(ftopo_trace *trace);

/* Fast path for planners' inner loops: the directed links crossed from a
 * source port to a destination LID, written to dlinks (up to cap; *len is
 * the full length even when larger than cap). Computed on demand by
 * walking the LFTs (a few array reads per hop, no allocation). The result
 * says whether the LID was reached. */
ftopo_path_result ftopo_routes_path(const ftopo_routes *routes, ftopo_node_id src_node,
                                    int src_port, ftopo_lid dlid, ftopo_dlink_id *dlinks,
                                    size_t cap, size_t *len);
/* Adds `weight` to loads[d] for every directed link d of that path. */
ftopo_path_result ftopo_routes_add_flow(const ftopo_routes *routes, ftopo_node_id src_node,
                                        int src_port, ftopo_lid dlid, double weight, double *loads);

/* ---- Traffic patterns and analysis -------------------------------------- */

typedef enum ftopo_pattern_kind {
    FTOPO_PATTERN_ALL2ALL = 0, /* every ordered pair, one phase */
    FTOPO_PATTERN_SHIFT,       /* host i -> host (i+k) mod n, one phase per k */
    FTOPO_PATTERN_BISECT,      /* random perfect matchings (both ways), one phase each */
    FTOPO_PATTERN_RING,        /* host i -> host i+1, closing back to host 0, one phase */
} ftopo_pattern_kind;

/* A traffic pattern over hosts. A flow from host a to host b is one flow
 * from each HCA of a to the HCA of b on the same rail (where b has that
 * rail), from its first cabled port to the base LID of b's HCA port. */
typedef struct ftopo_pattern {
    ftopo_pattern_kind kind;
    const ftopo_host_id *hosts; /* the host order; NULL: every host in id order */
    size_t num_hosts;
    int shift;     /* SHIFT: only this k; 0: every k in 1 .. n-1 */
    int rounds;    /* BISECT: number of matchings; 0: 16 */
    uint64_t seed; /* BISECT */
} ftopo_pattern;

/* Parses "all2all", "shift", "shift:K", "bisect", "bisect:ROUNDS" (seed from
 * the caller). RING needs a host list: see ftopo_hostfile_read. */
ftopo_status ftopo_pattern_parse(const char *text, ftopo_pattern *out, ftopo_diag *diag);
/* Reads a host list (one name a line; '#' comments, blank lines and
 * anything after the first word ignored, as in MPI/Slurm hostfiles) into
 * host ids; unknown or repeated hosts are FTOPO_ERR_PARSE with file:line.
 * *hosts is malloc'ed, the caller frees it. */
ftopo_status ftopo_hostfile_read(const ftopo_fabric *fabric, const char *path,
                                 ftopo_host_id **hosts, size_t *num_hosts, ftopo_diag *diag);

#define FTOPO_MAX_PATH_HOPS 64

typedef struct ftopo_analysis {
    size_t phases;      /* permutations evaluated (1 for all2all and ring) */
    size_t flows;       /* flows routed, over all phases */
    size_t unreachable; /* flows not delivered (any result but OK) */
    size_t loops;       /* of which ended in a loop */
    size_t black_holes; /* of which ended in NO_ROUTE or DEAD_END */

    /* Per directed link (2 * num_links entries): flows crossing it in the
     * worst phase for that link (all2all: all flows). */
    uint32_t *dlink_flows;
    /* Same, weighted by rate: flows * fastest_rate / link_rate. */
    double *dlink_load;
    uint32_t max_flows;       /* edge forwarding index: max of dlink_flows */
    double max_load;          /* max of dlink_load */
    ftopo_dlink_id max_dlink; /* a directed link carrying max_load; -1 if none */
    /* load_hist[f]: directed links whose dlink_flows is f (last bucket: f
     * and more), over switch-to-switch and CA links alike. */
    size_t load_hist[65];

    /* Path lengths (links crossed) of delivered flows. */
    size_t hops_hist[FTOPO_MAX_PATH_HOPS + 1];
    unsigned hops_min, hops_max;
    double hops_mean;

    /* Credit loops: a cycle in the channel dependency graph (vertex per
     * directed link, edge d1 -> d2 when some flow crosses d1 then d2), over
     * every flow of every phase. */
    bool credit_loop;
    ftopo_dlink_id *cycle; /* the directed links of one cycle, in order */
    size_t cycle_len;
} ftopo_analysis;

/* Routes every flow of the pattern and fills *out (the caller's; free its
 * arrays with ftopo_analysis_free). All2all is computed per destination
 * LID over the tree its LFT entries form (linear in switches per
 * destination), the other patterns by walking each flow. */
ftopo_status ftopo_analyze(const ftopo_routes *routes, const ftopo_pattern *pattern,
                           ftopo_analysis *out, ftopo_diag *diag);
void ftopo_analysis_free(ftopo_analysis *analysis);
/* Report for people (table) or machines (JSON object). */
ftopo_status ftopo_analysis_write(const ftopo_routes *routes, const ftopo_analysis *analysis,
                                  bool json, FILE *out, ftopo_diag *diag);

#ifdef __cplusplus
}
#endif

#endif

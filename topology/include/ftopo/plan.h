/* The congestion-aware all-reduce planner: ring orders (one per channel)
 * and double binary trees for a set of hosts, under the routes a fabric
 * really uses and the capacity its links have left.
 *
 * Model. A ring over hosts h0 .. h(n-1) sends one flow from every host to
 * the next (h(n-1) to h0 closes it), from the host's HCA on the channel's
 * rail to the next host's HCA on that rail, along the route set's path.
 * An endpoint is a whole host, whose channel c uses rail c mod (HCAs of
 * the host), or one specific HCA, which every channel uses (a host may
 * then appear once per HCA it contributes, e.g. one rank per HCA). With
 * several channels each channel carries 1/channels of the data. The load of a directed link is
 *     sum over channels of flows(link) / channels / capacity(link)
 * where capacity = link rate / fastest link rate x available fraction
 * (1 = idle, 0 = down). A ring runs at the speed of its most loaded link,
 * so the plan minimizes the maximum load (ties: fewer total hops); 1.0
 * means every byte crosses a full-rate link once per step, which no ring
 * can beat.
 *
 * Ownership: the caller owns the options, the plan struct it passes in and
 * the congestion array; ftopo_plan_free releases what the planner put in
 * a plan. The route set (and its fabric) must outlive the call only. */
#ifndef FTOPO_PLAN_H
#define FTOPO_PLAN_H

#include <stdbool.h>
#include <stdio.h>

#include "ftopo/route.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ftopo_plan_opts {
    /* The job's endpoints, any order: hosts[i] is endpoint i's host. */
    const ftopo_host_id *hosts;
    size_t num_hosts; /* endpoints */
    int channels;     /* rings; 0: 1 */
    /* Available fraction of each directed link's capacity (2 * links
     * entries, see route.h), NULL: all idle. 0 marks a link down. Links
     * whose ports are DOWN in the fabric are down whatever this says. */
    const double *avail;
    /* Moves the local search may apply per channel; 0: 8 x hosts (at
     * least 1000). The search stops earlier at the lower bound. */
    size_t max_moves;
    /* NULL: every endpoint is a whole host (no host twice). Otherwise
     * num_hosts entries: cas[i] a CA node of hosts[i] that endpoint i is
     * pinned to, or FTOPO_NONE for the whole host. No HCA twice, no host
     * twice whole, no host both whole and by one of its HCAs. */
    const ftopo_node_id *cas;
} ftopo_plan_opts;

typedef struct ftopo_plan_ring {
    ftopo_host_id *order; /* num_hosts entries */
    double max_load;      /* this ring alone, carrying all the data */
    size_t hops;          /* links crossed by its flows */
    ftopo_node_id *cas;   /* num_hosts entries: the HCA order[i] uses on this channel */
} ftopo_plan_ring;

/* A double binary tree: two trees over the same hosts, each carrying half
 * of the data; parent[i] is the index (into the plan's host order of
 * channel 0) of host i's parent, -1 at the root. */
typedef struct ftopo_plan_tree {
    int32_t *parent[2];
    int depth;       /* edges from root to the deepest leaf, the larger tree */
    double max_load; /* flows on the worst directed link / capacity, both trees, each x 1/2 */
} ftopo_plan_tree;

typedef struct ftopo_plan {
    size_t num_hosts;
    int channels;
    ftopo_plan_ring *rings; /* channels entries */

    /* The all-reduce: max over directed links of the load defined above,
     * the link carrying it, and a lower bound no ring order can beat (the
     * plan is optimal when max_load equals it). */
    double max_load;
    ftopo_dlink_id max_dlink;
    double lower_bound;
    size_t total_hops;
    /* Per directed link (2 * links): load, and flows summed over channels. */
    double *dlink_load;
    uint32_t *dlink_flows;
    size_t num_dlinks;
    /* Predicted bus bandwidth of the ring all-reduce (fastest link rate /
     * max_load) and of each ring alone. */
    double fastest_gbps;
    double busbw_gbps;

    ftopo_plan_tree tree;
    double plan_seconds;
    size_t moves; /* local search moves applied, all channels */
} ftopo_plan;

/* Plans the rings and trees and validates them (every ring closes and
 * holds each endpoint once) before returning. Errors, each with the reason
 * in diag->message: FTOPO_ERR_ARG for an empty host set, a host id not in
 * the fabric, a cas[i] that is not an HCA of hosts[i], channels past 64 or
 * an available fraction outside [0, 1]; FTOPO_ERR_DUPLICATE for a host
 * listed twice, an HCA listed twice, or a host listed whole and by one of
 * its HCAs; FTOPO_ERR_NOT_FOUND for an endpoint whose HCA has no cabled
 * port or no LID, or no route to or from the first endpoint. *out is the caller's; free with
 * ftopo_plan_free. A plan whose rings must cross a down link has max_load = INFINITY. */
ftopo_status ftopo_plan_rings(const ftopo_routes *routes, const ftopo_plan_opts *opts,
                              ftopo_plan *out, ftopo_diag *diag);
void ftopo_plan_free(ftopo_plan *plan);

/* Scores a given host order (for every channel, as the planner would run
 * it) without changing it: the max load of the all-reduce, and the
 * directed link carrying it (-1 if none). Same errors as ftopo_plan_rings;
 * order is the host set (opts->hosts is ignored; opts->cas, if set, is
 * parallel to order). */
ftopo_status ftopo_plan_score_order(const ftopo_routes *routes, const ftopo_plan_opts *opts,
                                    const ftopo_host_id *order, double *max_load,
                                    ftopo_dlink_id *max_dlink, ftopo_diag *diag);

/* Checks that every ring of the plan holds each of `hosts` exactly once
 * (a ring of distinct hosts closes by construction) and that the trees
 * span them.
 * FTOPO_ERR_CONFLICT naming the first fault. */
ftopo_status ftopo_plan_validate(const ftopo_fabric *fabric, const ftopo_plan *plan,
                                 const ftopo_host_id *hosts, size_t num_hosts, ftopo_diag *diag);
/* The same for endpoints (cas as in ftopo_plan_opts, NULL: whole hosts):
 * every ring holds each endpoint once, a pinned one on its HCA (read from
 * the ring's cas). */
ftopo_status ftopo_plan_validate_endpoints(const ftopo_fabric *fabric, const ftopo_plan *plan,
                                           const ftopo_host_id *hosts, const ftopo_node_id *cas,
                                           size_t num_hosts, ftopo_diag *diag);

/* Endpoint file: one endpoint a line, '#' starts a comment:
 *     HOST             the whole host (a name as the fabric derives it)
 *     HOST:RAIL        the host's HCA on rail RAIL (0-based)
 *     0xGUID           the HCA with that node or port GUID
 *     "DESCRIPTION"    the HCA with that whole node description
 * Fills *hosts and *cas (FTOPO_NONE for a whole host; malloc'ed, the
 * caller frees both) and *num. Errors name file:line: FTOPO_ERR_PARSE for
 * an unknown host or HCA, a bad rail or a node that is not an HCA, and
 * for a repeat (the checks of ftopo_plan_rings); FTOPO_ERR_IO. */
ftopo_status ftopo_plan_endpoints_read(const ftopo_fabric *fabric, const char *path,
                                       ftopo_host_id **hosts, ftopo_node_id **cas, size_t *num,
                                       ftopo_diag *diag);

/* Congestion file, text or JSON (JSON when its first non-blank character
 * is '{' or '['). Text: one directed link a line,
 *     NODE PORT AVAIL [both]
 * NODE a node GUID (0x...) or a whole node description in double quotes,
 * PORT the egress port of that node, AVAIL the available fraction of the
 * link's capacity in [0, 1] (0 = down; 0.25 = three quarters taken by
 * other traffic); "both" sets the reverse direction too. '#' starts a
 * comment. JSON: the same fields, one object per directed link,
 *     {"links": [{"node": "leaf01", "port": 19, "avail": 0.25},
 *                {"guid": "0x0002c90300000001", "port": 1, "avail": 0,
 *                 "both": true}]}
 * with exactly one of "node" (whole description) and "guid" (a string,
 * 0x and hex), "port" an integer, "avail" a number, "both" optional
 * (false); other keys in an element are errors, other top-level keys are
 * ignored. Links not listed are idle (1); a link listed twice takes the
 * last value. Fills *avail (2 * links, malloc'ed, the caller frees);
 * errors are FTOPO_ERR_PARSE with file:line (JSON: also the element's
 * path, "links[3].port"), FTOPO_ERR_IO. */
ftopo_status ftopo_congestion_read_file(const ftopo_fabric *fabric, const char *path,
                                        double **avail, ftopo_diag *diag);

/* Report for people (text: summary, rings' figures, most loaded links,
 * trees) or machines (one JSON object with the orders, figures, every
 * loaded link and the trees). */
ftopo_status ftopo_plan_write(const ftopo_routes *routes, const ftopo_plan *plan, bool json,
                              FILE *out, ftopo_diag *diag);

#ifdef __cplusplus
}
#endif

#endif

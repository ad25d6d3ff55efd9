/* Cross-file internals of the ring planner (plan_*.c): the planning
 * context (endpoints of the channel being planned, link capacities, the
 * flows of every channel so far) and the steps plan.c runs in order. */
#ifndef FTOPO_PLAN_INT_H
#define FTOPO_PLAN_INT_H

#include <math.h>

#include "ftopo/plan.h"
#include "route_set.h"

/* Loads within this relative distance are equal (they are small integer
 * multiples of a few capacities). */
#define FTOPO__PLAN_TOL 1e-9

typedef struct ftopo__plan_ctx {
    const ftopo_routes *routes;
    const ftopo_fabric *fabric;
    const ftopo_host_id *hosts;
    const ftopo_node_id *pin; /* per endpoint: its HCA, FTOPO_NONE (or pin NULL): whole host */
    size_t n;
    int channels;
    size_t num_dlinks;
    double *inv;     /* per directed link: 1 / capacity; INFINITY when down */
    double fastest;  /* fastest link rate (Gb/s): capacity 1 */
    uint32_t *flows; /* per directed link: flows of the channels placed so far */

    /* Endpoints of the current channel, indexed like hosts: the HCA on the
     * channel's rail, its first cabled port, that port's LID and the
     * switch it is cabled to. */
    int channel;
    ftopo_node_id *ca;
    int *port;
    ftopo_lid *lid;
    ftopo_node_id *sw;
} ftopo__plan_ctx;

/* The load a directed link has with `flows` flows. */
static inline double ftopo__plan_value(const ftopo__plan_ctx *c, ftopo_dlink_id d, uint32_t flows)
{
    return flows ? (double)flows * c->inv[d] : 0.0;
}

static inline bool ftopo__plan_eq(double a, double b)
{
    if (isinf(a) || isinf(b))
        return a == b;
    return fabs(a - b) <= FTOPO__PLAN_TOL * (fabs(a) + fabs(b) + 1.0);
}

static inline bool ftopo__plan_gt(double a, double b)
{
    return a > b && !ftopo__plan_eq(a, b);
}

/* Checks a job's endpoints (the rules of ftopo_plan_opts): FTOPO_OK, or
 * the status with the reason in `what` and the first bad endpoint in *bad. */
ftopo_status ftopo__plan_check_endpoints(const ftopo_fabric *f, const ftopo_host_id *hosts,
                                         const ftopo_node_id *cas, size_t n, size_t *bad,
                                         char *what, size_t what_len);

/* Congestion files (plan_congestion*.c): sets the directed link leaving
 * node's port (and, with both, its reverse) to available fraction a;
 * false with the reason in `what` for a bad port or fraction. */
bool ftopo__congestion_set(const ftopo_fabric *f, double *avail, ftopo_node_id node, long port,
                           double a, bool both, char *what, size_t what_len);
/* The JSON form of data (len bytes, NUL-terminated) into avail. */
ftopo_status ftopo__congestion_read_json(const ftopo_fabric *f, const char *path, const char *data,
                                         size_t len, double *avail, ftopo_diag *diag);

/* Checks the options and builds the context (capacities from rates, port
 * states and opts->avail); channel 0's endpoints are set. */
ftopo_status ftopo__plan_ctx_init(ftopo__plan_ctx *c, const ftopo_routes *routes,
                                  const ftopo_plan_opts *opts, ftopo_diag *diag);
void ftopo__plan_ctx_free(ftopo__plan_ctx *c);
/* Resolves the endpoints of channel `channel` and checks that each can
 * reach, and be reached from, the first. */
ftopo_status ftopo__plan_set_channel(ftopo__plan_ctx *c, int channel, ftopo_diag *diag);

/* The directed links of the flow from endpoint a to endpoint b (up to
 * FTOPO_MAX_PATH_HOPS); -1 when the route does not deliver it. */
int ftopo__plan_path(const ftopo__plan_ctx *c, size_t a, size_t b, ftopo_dlink_id *dlinks);
/* Adds (sign +1) or removes (-1) the flows of a ring (endpoint indices)
 * to c->flows; returns the hops, or SIZE_MAX when a flow is not delivered. */
size_t ftopo__plan_ring_flows(ftopo__plan_ctx *c, const int32_t *order, int sign);

/* The starting order of the current channel: endpoints grouped by switch,
 * switches in a depth-first order of the switch graph that descends
 * first, so that leaves of one pod (and neighbours in a torus) follow each
 * other. Writes n endpoint indices. */
ftopo_status ftopo__plan_initial_order(const ftopo__plan_ctx *c, int32_t *order, ftopo_diag *diag);

/* Local search on the current channel's ring (its flows already in
 * c->flows), stopping at `bound` (unnormalized: flows / capacity) or after
 * max_moves moves. Returns the moves applied. */
size_t ftopo__plan_search(ftopo__plan_ctx *c, int32_t *order, double bound, size_t max_moves);

/* A lower bound on max over links of the flows / capacity of the
 * channels added so far (not divided by channels); add each channel once
 * (c set to it), read the value after any. */
typedef struct ftopo__plan_bound ftopo__plan_bound;
ftopo_status ftopo__plan_bound_create(const ftopo__plan_ctx *c, ftopo__plan_bound **out,
                                      ftopo_diag *diag);
void ftopo__plan_bound_add(ftopo__plan_bound *b, const ftopo__plan_ctx *c);
double ftopo__plan_bound_value(const ftopo__plan_bound *b, const ftopo__plan_ctx *c);
void ftopo__plan_bound_free(ftopo__plan_bound *b);

/* The entry-matching bound of one channel (plan_match.c): list holds its
 * m switches, sw_head/ep_next their endpoints. 0 when skipped. */
double ftopo__plan_entry_bound(const ftopo__plan_ctx *c, const ftopo_node_id *list, size_t m,
                               const int32_t *sw_head, const int32_t *ep_next);

/* Double binary tree over the ring order of channel 0 (endpoint indices;
 * c must be on channel 0). */
ftopo_status ftopo__plan_trees(const ftopo__plan_ctx *c, const int32_t *order,
                               ftopo_plan_tree *tree, ftopo_diag *diag);

#endif

/* The planner's entry points: plan every channel (starting order, then
 * local search down to the lower bound), measure the result, build the
 * trees, validate; score a given order; validate a plan. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan_int.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void ftopo_plan_free(ftopo_plan *plan)
{
    if (!plan)
        return;
    if (plan->rings)
        for (int ch = 0; ch < plan->channels; ch++) {
            free(plan->rings[ch].order);
            free(plan->rings[ch].cas);
        }
    free(plan->rings);
    free(plan->dlink_load);
    free(plan->dlink_flows);
    free(plan->tree.parent[0]);
    free(plan->tree.parent[1]);
    memset(plan, 0, sizeof(*plan));
}

/* The all-reduce's figures from c->flows (every channel placed). */
static void measure(const ftopo__plan_ctx *c, ftopo_plan *out)
{
    out->max_load = 0;
    out->max_dlink = -1;
    for (size_t d = 0; d < c->num_dlinks; d++) {
        out->dlink_flows[d] = c->flows[d];
        double v = ftopo__plan_value(c, (ftopo_dlink_id)d, c->flows[d]) / c->channels;
        out->dlink_load[d] = v;
        if (v > out->max_load && !ftopo__plan_eq(v, out->max_load)) {
            out->max_load = v;
            out->max_dlink = (ftopo_dlink_id)d;
        }
    }
    out->fastest_gbps = c->fastest;
    out->busbw_gbps = out->max_load > 0 ? c->fastest / out->max_load : c->fastest;
}

/* Each ring alone: its max load, hops and HCAs. Uses c->flows as scratch and
 * leaves it as it was. */
static ftopo_status measure_rings(ftopo__plan_ctx *c, int32_t **orders, ftopo_plan *out,
                                  ftopo_diag *diag)
{
    memset(c->flows, 0, c->num_dlinks * sizeof(*c->flows));
    out->total_hops = 0;
    for (int ch = 0; ch < c->channels; ch++) {
        ftopo_status st = ftopo__plan_set_channel(c, ch, diag);
        if (st != FTOPO_OK)
            return st;
        for (size_t i = 0; i < c->n; i++)
            out->rings[ch].cas[i] = c->ca[orders[ch][i]];
        size_t hops = ftopo__plan_ring_flows(c, orders[ch], +1);
        double worst = 0;
        for (size_t d = 0; d < c->num_dlinks; d++) {
            double v = ftopo__plan_value(c, (ftopo_dlink_id)d, c->flows[d]);
            if (v > worst)
                worst = v;
        }
        out->rings[ch].max_load = worst;
        out->rings[ch].hops = hops;
        out->total_hops += hops == SIZE_MAX ? 0 : hops;
        ftopo__plan_ring_flows(c, orders[ch], -1);
    }
    for (int ch = 0; ch < c->channels; ch++) {
        ftopo_status st = ftopo__plan_set_channel(c, ch, diag);
        if (st != FTOPO_OK)
            return st;
        ftopo__plan_ring_flows(c, orders[ch], +1);
    }
    return FTOPO_OK;
}

/* Max over directed links of flows / capacity, all channels so far. */
static double current_max(const ftopo__plan_ctx *c)
{
    double worst = 0;
    for (size_t d = 0; d < c->num_dlinks; d++) {
        double v = ftopo__plan_value(c, (ftopo_dlink_id)d, c->flows[d]);
        if (v > worst)
            worst = v;
    }
    return worst;
}

/* Adds channel ch's starting ring to c->flows: its initial order, or an
 * earlier channel's final order (the same endpoints, maybe on other
 * rails) where that puts a lower max load on the links. A ring that
 * dodged congested links on one channel dodges them again when channels
 * share HCAs, which the search from the initial order, with the earlier
 * channels' flows in its way, does not always find again; with it, when
 * every endpoint uses one HCA on all channels, c channels are never worse
 * than channel 0's ring run c times. */
static void start_channel(ftopo__plan_ctx *c, int32_t **orders, int ch)
{
    int best = -1;
    double best_max = 0;
    for (int k = -1; k < ch; k++) {
        const int32_t *o = orders[k < 0 ? ch : k];
        ftopo__plan_ring_flows(c, o, +1);
        double m = current_max(c);
        ftopo__plan_ring_flows(c, o, -1);
        if (k < 0 || ftopo__plan_gt(best_max, m)) {
            best = k;
            best_max = m;
        }
    }
    if (best >= 0)
        memcpy(orders[ch], orders[best], c->n * sizeof(*orders[ch]));
    ftopo__plan_ring_flows(c, orders[ch], +1);
}

static ftopo_status plan_channels(ftopo__plan_ctx *c, const ftopo_plan_opts *opts, int32_t **orders,
                                  ftopo_plan *out, ftopo_diag *diag)
{
    size_t max_moves = opts->max_moves ? opts->max_moves : (8 * c->n > 1000 ? 8 * c->n : 1000);
    ftopo__plan_bound *bound;
    ftopo_status st = ftopo__plan_bound_create(c, &bound, diag);
    for (int ch = 0; ch < c->channels && st == FTOPO_OK; ch++) {
        st = ftopo__plan_set_channel(c, ch, diag);
        if (st == FTOPO_OK)
            st = ftopo__plan_initial_order(c, orders[ch], diag);
        if (st != FTOPO_OK)
            break;
        /* Each channel aims at the bound of the channels placed so far. */
        ftopo__plan_bound_add(bound, c);
        start_channel(c, orders, ch);
        out->moves +=
            ftopo__plan_search(c, orders[ch], ftopo__plan_bound_value(bound, c), max_moves);
    }
    double final = st == FTOPO_OK ? ftopo__plan_bound_value(bound, c) : 0;
    /* Channels planned early could not see the later ones: with the
     * others fixed, search each again towards the bound of all. */
    for (int round = 0; round < 2 && st == FTOPO_OK && c->channels > 1; round++) {
        for (int ch = 0; ch < c->channels && st == FTOPO_OK; ch++) {
            if (!ftopo__plan_gt(current_max(c), final))
                break;
            st = ftopo__plan_set_channel(c, ch, diag);
            if (st == FTOPO_OK)
                out->moves += ftopo__plan_search(c, orders[ch], final, max_moves);
        }
    }
    out->lower_bound = final / c->channels;
    ftopo__plan_bound_free(bound);
    return st;
}

ftopo_status ftopo_plan_rings(const ftopo_routes *routes, const ftopo_plan_opts *opts,
                              ftopo_plan *out, ftopo_diag *diag)
{
    double t0 = now_seconds();
    if (!out)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "plan: no output");
    memset(out, 0, sizeof(*out));
    ftopo__plan_ctx c;
    ftopo_status st = ftopo__plan_ctx_init(&c, routes, opts, diag);
    if (st != FTOPO_OK)
        return st;
    out->num_hosts = c.n;
    out->channels = c.channels;
    out->num_dlinks = c.num_dlinks;
    out->rings = calloc((size_t)c.channels, sizeof(*out->rings));
    out->dlink_load = calloc(c.num_dlinks ? c.num_dlinks : 1, sizeof(*out->dlink_load));
    out->dlink_flows = calloc(c.num_dlinks ? c.num_dlinks : 1, sizeof(*out->dlink_flows));
    int32_t **orders = calloc((size_t)c.channels, sizeof(*orders));
    if (!out->rings || !out->dlink_load || !out->dlink_flows || !orders)
        st = ftopo__fail(diag, FTOPO_ERR_NOMEM, "plan: out of memory");
    for (int ch = 0; ch < c.channels && st == FTOPO_OK; ch++) {
        orders[ch] = malloc(c.n * sizeof(int32_t));
        out->rings[ch].order = malloc(c.n * sizeof(ftopo_host_id));
        out->rings[ch].cas = malloc(c.n * sizeof(ftopo_node_id));
        if (!orders[ch] || !out->rings[ch].order || !out->rings[ch].cas)
            st = ftopo__fail(diag, FTOPO_ERR_NOMEM, "plan: out of memory");
    }
    if (st == FTOPO_OK)
        st = plan_channels(&c, opts, orders, out, diag);
    if (st == FTOPO_OK)
        st = measure_rings(&c, orders, out, diag);
    if (st == FTOPO_OK) {
        measure(&c, out);
        for (int ch = 0; ch < c.channels; ch++)
            for (size_t i = 0; i < c.n; i++)
                out->rings[ch].order[i] = c.hosts[orders[ch][i]];
        st = ftopo__plan_set_channel(&c, 0, diag);
    }
    if (st == FTOPO_OK)
        st = ftopo__plan_trees(&c, orders[0], &out->tree, diag);
    if (st == FTOPO_OK)
        st = ftopo_plan_validate_endpoints(c.fabric, out, c.hosts, c.pin, c.n, diag);
    if (orders)
        for (int ch = 0; ch < c.channels; ch++)
            free(orders[ch]);
    free(orders);
    ftopo__plan_ctx_free(&c);
    if (st != FTOPO_OK)
        ftopo_plan_free(out);
    else
        out->plan_seconds = now_seconds() - t0;
    return st;
}

ftopo_status ftopo_plan_score_order(const ftopo_routes *routes, const ftopo_plan_opts *opts,
                                    const ftopo_host_id *order, double *max_load,
                                    ftopo_dlink_id *max_dlink, ftopo_diag *diag)
{
    if (!opts || !order || !max_load)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "plan: score needs options, an order and a result");
    ftopo_plan_opts o = *opts;
    o.hosts = order;
    ftopo__plan_ctx c;
    ftopo_status st = ftopo__plan_ctx_init(&c, routes, &o, diag);
    if (st != FTOPO_OK)
        return st;
    int32_t *idx = malloc(c.n * sizeof(*idx));
    if (!idx) {
        ftopo__plan_ctx_free(&c);
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "plan: out of memory");
    }
    for (size_t i = 0; i < c.n; i++)
        idx[i] = (int32_t)i;
    for (int ch = 0; ch < c.channels && st == FTOPO_OK; ch++) {
        st = ftopo__plan_set_channel(&c, ch, diag);
        if (st == FTOPO_OK)
            ftopo__plan_ring_flows(&c, idx, +1);
    }
    *max_load = 0;
    if (max_dlink)
        *max_dlink = -1;
    for (size_t d = 0; d < c.num_dlinks && st == FTOPO_OK; d++) {
        double v = ftopo__plan_value(&c, (ftopo_dlink_id)d, c.flows[d]) / c.channels;
        if (v > *max_load && !ftopo__plan_eq(v, *max_load)) {
            *max_load = v;
            if (max_dlink)
                *max_dlink = (ftopo_dlink_id)d;
        }
    }
    free(idx);
    ftopo__plan_ctx_free(&c);
    return st;
}

/* The endpoint a ring position holds: the index (into marks) of its HCA
 * when the job pins that HCA, else of its host (hosts come after nodes);
 * -1 when neither is in the job. */
static ptrdiff_t endpoint_key(const ftopo_fabric *f, const uint8_t *mark, ftopo_host_id h,
                              ftopo_node_id ca)
{
    if (h < 0 || (size_t)h >= f->num_hosts)
        return -1;
    if (ca >= 0 && (size_t)ca < f->num_nodes && mark[ca] && f->nodes[ca].host == h)
        return ca;
    size_t k = f->num_nodes + (size_t)h;
    return mark[k] ? (ptrdiff_t)k : -1;
}

/* The trees each have one root and parents inside the job. */
static ftopo_status validate_trees(const ftopo_plan *plan, size_t n, ftopo_diag *diag)
{
    for (int t = 0; t < 2 && plan->tree.parent[t]; t++) {
        size_t roots = 0;
        for (size_t i = 0; i < n; i++) {
            int32_t p = plan->tree.parent[t][i];
            if (p < 0)
                roots++;
            else if ((size_t)p >= n || (size_t)p == i)
                roots = SIZE_MAX - 1;
        }
        if (roots != 1)
            return ftopo__fail(diag, FTOPO_ERR_CONFLICT, "plan: tree %d does not have one root", t);
    }
    return FTOPO_OK;
}

ftopo_status ftopo_plan_validate_endpoints(const ftopo_fabric *fabric, const ftopo_plan *plan,
                                           const ftopo_host_id *hosts, const ftopo_node_id *cas,
                                           size_t num_hosts, ftopo_diag *diag)
{
    if (!fabric || !plan || !hosts || plan->num_hosts != num_hosts || !plan->rings)
        return ftopo__fail(diag, FTOPO_ERR_CONFLICT, "plan: does not match its %zu endpoints",
                           num_hosts);
    /* mark[k], k a pinned HCA's node or num_nodes + a whole host: 1 = in
     * the job, 2 = seen in the ring being checked. */
    size_t nm = fabric->num_nodes + fabric->num_hosts;
    uint8_t *mark = calloc(nm ? nm : 1, 1);
    if (!mark)
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "plan: out of memory");
    for (size_t i = 0; i < num_hosts; i++) {
        ftopo_node_id ca = cas ? cas[i] : FTOPO_NONE;
        if (ca >= 0 && (size_t)ca < fabric->num_nodes)
            mark[ca] = 1;
        else if (ca == FTOPO_NONE && hosts[i] >= 0 && (size_t)hosts[i] < fabric->num_hosts)
            mark[fabric->num_nodes + (size_t)hosts[i]] = 1;
    }
    ftopo_status st = FTOPO_OK;
    ptrdiff_t *keys = malloc((num_hosts ? num_hosts : 1) * sizeof(*keys));
    if (!keys)
        st = ftopo__fail(diag, FTOPO_ERR_NOMEM, "plan: out of memory");
    for (int ch = 0; ch < plan->channels && st == FTOPO_OK; ch++) {
        const ftopo_host_id *o = plan->rings[ch].order;
        const ftopo_node_id *rc = plan->rings[ch].cas;
        size_t seen = 0;
        for (size_t i = 0; i < num_hosts && st == FTOPO_OK; i++) {
            ptrdiff_t k = o ? endpoint_key(fabric, mark, o[i], rc ? rc[i] : FTOPO_NONE) : -1;
            if (k < 0 || mark[k] != 1)
                st =
                    ftopo__fail(diag, FTOPO_ERR_CONFLICT, "plan: ring %d position %zu holds %s", ch,
                                i, k >= 0 ? "an endpoint twice" : "an endpoint not in the job");
            else
                mark[keys[seen++] = k] = 2;
        }
        for (size_t i = 0; i < seen; i++)
            mark[keys[i]] = 1;
    }
    if (st == FTOPO_OK)
        st = validate_trees(plan, num_hosts, diag);
    free(keys);
    free(mark);
    return st;
}

ftopo_status ftopo_plan_validate(const ftopo_fabric *fabric, const ftopo_plan *plan,
                                 const ftopo_host_id *hosts, size_t num_hosts, ftopo_diag *diag)
{
    return ftopo_plan_validate_endpoints(fabric, plan, hosts, NULL, num_hosts, diag);
}

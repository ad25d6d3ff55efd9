/* The planner's context: checking the job's hosts, link capacities, the
 * endpoints of each channel, and flows along the route set's paths. */
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

static ftopo_status init_capacity(ftopo__plan_ctx *c, const double *avail, ftopo_diag *diag)
{
    const ftopo_fabric *f = c->fabric;
    c->fastest = 0;
    for (size_t l = 0; l < f->num_links; l++) {
        ftopo_link_info li;
        if (ftopo_link_get(f, (ftopo_link_id)l, &li) == FTOPO_OK && li.rate_gbps > c->fastest)
            c->fastest = li.rate_gbps;
    }
    for (size_t l = 0; l < f->num_links; l++) {
        ftopo_link_info li;
        ftopo_link_get(f, (ftopo_link_id)l, &li);
        const ftopo__link *k = &f->links[l];
        bool down = ftopo__port_at(f, k->a, k->port_a)->state == FTOPO_PORT_DOWN ||
                    ftopo__port_at(f, k->b, k->port_b)->state == FTOPO_PORT_DOWN;
        /* Unknown rates (rate 0) count as the fastest: nothing says otherwise. */
        double rel = li.rate_gbps > 0 && c->fastest > 0 ? li.rate_gbps / c->fastest : 1.0;
        for (int dir = 0; dir < 2; dir++) {
            size_t d = 2 * l + (size_t)dir;
            double a = avail ? avail[d] : 1.0;
            if (!(a >= 0.0 && a <= 1.0))
                return ftopo__fail(diag, FTOPO_ERR_ARG,
                                   "available fraction %g of directed link %zu is not in [0, 1]", a,
                                   d);
            c->inv[d] = down || a == 0.0 ? INFINITY : 1.0 / (rel * a);
        }
    }
    if (c->fastest == 0)
        c->fastest = 1;
    return FTOPO_OK;
}

ftopo_status ftopo__plan_ctx_init(ftopo__plan_ctx *c, const ftopo_routes *routes,
                                  const ftopo_plan_opts *opts, ftopo_diag *diag)
{
    memset(c, 0, sizeof(*c));
    if (!routes || !opts)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "plan: no route set or options");
    c->routes = routes;
    c->fabric = routes->fabric;
    c->hosts = opts->hosts;
    c->n = opts->num_hosts;
    c->channels = opts->channels ? opts->channels : 1;
    if (c->n == 0 || !c->hosts)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "plan: the host set is empty");
    if (c->channels < 1 || c->channels > 64)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "plan: %d channels (1 to 64)", c->channels);
    c->pin = opts->cas;
    char what[200];
    size_t bad;
    ftopo_status st =
        ftopo__plan_check_endpoints(c->fabric, c->hosts, c->pin, c->n, &bad, what, sizeof(what));
    if (st != FTOPO_OK)
        return ftopo__fail(diag, st, "plan: %s", what);
    c->num_dlinks = 2 * c->fabric->num_links;
    size_t nd = c->num_dlinks ? c->num_dlinks : 1;
    c->inv = malloc(nd * sizeof(*c->inv));
    c->flows = calloc(nd, sizeof(*c->flows));
    c->ca = malloc(c->n * sizeof(*c->ca));
    c->port = malloc(c->n * sizeof(*c->port));
    c->lid = malloc(c->n * sizeof(*c->lid));
    c->sw = malloc(c->n * sizeof(*c->sw));
    if (!c->inv || !c->flows || !c->ca || !c->port || !c->lid || !c->sw) {
        ftopo__plan_ctx_free(c);
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "plan: out of memory");
    }
    st = init_capacity(c, opts->avail, diag);
    if (st == FTOPO_OK)
        st = ftopo__plan_set_channel(c, 0, diag);
    if (st != FTOPO_OK)
        ftopo__plan_ctx_free(c);
    return st;
}

void ftopo__plan_ctx_free(ftopo__plan_ctx *c)
{
    free(c->inv);
    free(c->flows);
    free(c->ca);
    free(c->port);
    free(c->lid);
    free(c->sw);
    memset(c, 0, sizeof(*c));
}

ftopo_status ftopo__plan_set_channel(ftopo__plan_ctx *c, int channel, ftopo_diag *diag)
{
    const ftopo_fabric *f = c->fabric;
    c->channel = channel;
    for (size_t i = 0; i < c->n; i++) {
        const ftopo__host *h = &f->hosts[c->hosts[i]];
        if (h->num_hcas < 1)
            return ftopo__fail(diag, FTOPO_ERR_NOT_FOUND, "plan: host %s has no HCA", h->name);
        ftopo_node_id ca = c->pin && c->pin[i] != FTOPO_NONE
                               ? c->pin[i]
                               : f->host_cas[h->first + (size_t)(channel % h->num_hcas)];
        int port = ftopo__first_cabled_port(f, ca);
        ftopo_lid lid = port ? ftopo_routes_port_lid(c->routes, ca, port) : 0;
        if (!port || !lid)
            return ftopo__fail(diag, FTOPO_ERR_NOT_FOUND, "plan: host %s: HCA '%s' has %s", h->name,
                               f->nodes[ca].desc,
                               port ? "no LID in the route set" : "no cabled port");
        c->ca[i] = ca;
        c->port[i] = port;
        c->lid[i] = lid;
        c->sw[i] = ftopo__port_at(f, ca, port)->peer_node;
    }
    /* A ring may pair any two hosts: each must reach the first and be
     * reached from it (a full pairwise check would cost n^2 walks). */
    ftopo_dlink_id buf[FTOPO_MAX_PATH_HOPS];
    for (size_t i = 1; i < c->n; i++) {
        size_t from = i, to = 0;
        for (int k = 0; k < 2; k++) {
            size_t len;
            ftopo_path_result res = ftopo_routes_path(c->routes, c->ca[from], c->port[from],
                                                      c->lid[to], buf, FTOPO_MAX_PATH_HOPS, &len);
            if (res != FTOPO_PATH_OK)
                return ftopo__fail(diag, FTOPO_ERR_NOT_FOUND,
                                   "plan: no route from host %s (HCA '%s') to %s (HCA '%s'): %s",
                                   f->hosts[c->hosts[from]].name, f->nodes[c->ca[from]].desc,
                                   f->hosts[c->hosts[to]].name, f->nodes[c->ca[to]].desc,
                                   ftopo_path_result_str(res));
            from = 0;
            to = i;
        }
    }
    return FTOPO_OK;
}

int ftopo__plan_path(const ftopo__plan_ctx *c, size_t a, size_t b, ftopo_dlink_id *dlinks)
{
    size_t len;
    ftopo_path_result res = ftopo_routes_path(c->routes, c->ca[a], c->port[a], c->lid[b], dlinks,
                                              FTOPO_MAX_PATH_HOPS, &len);
    if (res != FTOPO_PATH_OK || len > FTOPO_MAX_PATH_HOPS)
        return -1;
    return (int)len;
}

size_t ftopo__plan_ring_flows(ftopo__plan_ctx *c, const int32_t *order, int sign)
{
    if (c->n < 2)
        return 0;
    ftopo_dlink_id buf[FTOPO_MAX_PATH_HOPS];
    size_t hops = 0;
    bool lost = false;
    for (size_t i = 0; i < c->n; i++) {
        int len = ftopo__plan_path(c, (size_t)order[i], (size_t)order[(i + 1) % c->n], buf);
        if (len < 0) {
            lost = true;
            continue;
        }
        hops += (size_t)len;
        for (int k = 0; k < len; k++)
            c->flows[buf[k]] = (uint32_t)((int64_t)c->flows[buf[k]] + sign);
    }
    return lost ? SIZE_MAX : hops;
}

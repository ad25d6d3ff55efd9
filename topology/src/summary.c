/* The summary finalize derives: counts, links by rate, switches and
 * oversubscription per tier; shape.c adds the shape. */
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* Counts a link under its rate, keeping the table fastest first. */
static void count_rate(ftopo_summary *s, const ftopo_link_info *l)
{
    size_t i = 0;
    while (i < s->num_rates && (s->rates[i].width != l->width || s->rates[i].speed != l->speed))
        i++;
    if (i == s->num_rates) {
        if (s->num_rates == FTOPO_MAX_RATES)
            return; /* more distinct rates than any real fabric has */
        /* Insert in order: by rate, then by newer signalling. */
        i = 0;
        while (i < s->num_rates &&
               (s->rates[i].rate_gbps > l->rate_gbps ||
                (s->rates[i].rate_gbps == l->rate_gbps && s->rates[i].speed > l->speed)))
            i++;
        memmove(&s->rates[i + 1], &s->rates[i], (s->num_rates - i) * sizeof(s->rates[0]));
        s->rates[i] = (ftopo_rate_count){l->width, l->speed, l->rate_gbps, 0};
        s->num_rates++;
    }
    s->rates[i].links++;
}

/* Bandwidth a switch link carries towards the hosts (down) or away from
 * them (up), by the tiers of its ends. Links within a tier count as
 * neither. */
static void count_bandwidth(const ftopo_fabric *f, const ftopo_link_info *l, double *down,
                            double *up)
{
    const ftopo__node *a = &f->nodes[l->node_a], *b = &f->nodes[l->node_b];
    for (int end = 0; end < 2; end++) {
        const ftopo__node *self = end ? b : a, *peer = end ? a : b;
        if (self->type != FTOPO_NODE_SWITCH || self->tier < 1 || self->tier > FTOPO_MAX_TIERS)
            continue;
        int peer_tier = peer->type == FTOPO_NODE_SWITCH ? peer->tier : 0;
        if (peer->type == FTOPO_NODE_ROUTER || peer_tier < 0)
            continue;
        if (peer_tier == self->tier - 1)
            down[self->tier] += l->rate_gbps;
        else if (peer_tier == self->tier + 1)
            up[self->tier] += l->rate_gbps;
    }
}

ftopo_status ftopo__derive_summary(ftopo_fabric *f, ftopo_diag *diag)
{
    ftopo_summary *s = &f->summary;
    memset(s, 0, sizeof(*s));
    s->nodes = f->num_nodes;
    s->hosts = f->num_hosts;
    s->links = f->num_links;
    for (size_t n = 0; n < f->num_nodes; n++) {
        const ftopo__node *node = &f->nodes[n];
        s->cas += node->type == FTOPO_NODE_CA;
        s->routers += node->type == FTOPO_NODE_ROUTER;
        if (node->type != FTOPO_NODE_SWITCH)
            continue;
        s->switches++;
        if (node->tier > s->tiers)
            s->tiers = node->tier;
        if (node->tier >= 1 && node->tier <= FTOPO_MAX_TIERS)
            s->switches_per_tier[node->tier]++;
    }
    for (size_t h = 0; h < f->num_hosts; h++)
        if ((size_t)f->hosts[h].num_hcas > s->rails)
            s->rails = (size_t)f->hosts[h].num_hcas;

    double down[FTOPO_MAX_TIERS + 2] = {0}, up[FTOPO_MAX_TIERS + 2] = {0};
    for (size_t i = 0; i < f->num_links; i++) {
        ftopo_link_info l;
        ftopo_link_get(f, (ftopo_link_id)i, &l);
        count_rate(s, &l);
        s->switch_links += f->nodes[l.node_a].type == FTOPO_NODE_SWITCH &&
                           f->nodes[l.node_b].type == FTOPO_NODE_SWITCH;
        count_bandwidth(f, &l, down, up);
    }
    for (int t = 1; t <= FTOPO_MAX_TIERS && t < s->tiers; t++)
        s->oversubscription[t] = up[t] > 0 ? down[t] / up[t] : 0.0;
    return ftopo__derive_shape(f, diag);
}

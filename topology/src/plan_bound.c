/* The lower bound on a ring all-reduce's max link load, from cuts.
 *
 * Host cut: every host sends one flow to its successor and receives one
 * from its predecessor on each channel, through its own HCA's link: a CA
 * used by m channels puts m flows on its uplink and m on its downlink.
 *
 * Switch cut: when switch X holds some but not all of a channel's hosts,
 * the ring leaves X's hosts at least once and enters them at least once.
 * The flow leaving goes out of X through a switch-facing port that X's LFT
 * uses for some host elsewhere (the routes decide which ports qualify);
 * the flow entering comes in over the last link of the route from some
 * other switch's hosts to one of X's hosts (with destination-based routes
 * such as D-mod-k, a host alone on its leaf is always entered over the
 * same link, whatever the ring does). With k
 * channels cut at X, k unit flows must be placed on those links of
 * capacities a_i; the least possible max of flows / a_i is found greedily
 * (each flow to the link where it ends lowest), which is exact for unit
 * flows. Congested links lower a_i, so the bound says how far a ring can
 * dodge them under the real routes. */
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

/* Least max of flows / cap placing k unit flows on links of capacities
 * cap[0 .. m-1] (inverse capacities given: INFINITY = unusable). */
static double waterfill(int k, const double *inv, size_t m, uint32_t *count)
{
    memset(count, 0, m * sizeof(*count));
    double worst = 0;
    for (int f = 0; f < k; f++) {
        size_t best = m;
        double best_v = INFINITY;
        for (size_t i = 0; i < m; i++) {
            double v = (double)(count[i] + 1) * inv[i];
            if (v < best_v) {
                best_v = v;
                best = i;
            }
        }
        if (best == m)
            return INFINITY;
        count[best]++;
        if (best_v > worst)
            worst = best_v;
    }
    return worst;
}

/* Walks spent finding the links that enter a switch, per channel; past
 * it the remaining switches count every incoming link (a weaker bound, so
 * that 16k-host jobs stay fast). */
#define IN_WALK_BUDGET 4000000

struct ftopo__plan_bound {
    uint16_t *ca_uses;   /* per node: channels using this CA */
    uint16_t *sw_cut;    /* per node: channels whose hosts this switch splits */
    int32_t *sw_head;    /* per node: first endpoint of the current channel on it, -1 */
    int32_t *ep_next;    /* per endpoint: next one on the same switch */
    uint8_t *usable_out; /* per fabric port: LFT sends hosts elsewhere through it */
    uint8_t *usable_in;  /* per fabric port: routes from elsewhere enter through it */
    ftopo_node_id *list; /* switches of the current channel */
    size_t listed;
    double entry; /* the entry-matching bound, max over channels */
};

ftopo_status ftopo__plan_bound_create(const ftopo__plan_ctx *c, ftopo__plan_bound **out,
                                      ftopo_diag *diag)
{
    const ftopo_fabric *f = c->fabric;
    size_t nn = f->num_nodes, np = f->num_ports ? f->num_ports : 1;
    ftopo__plan_bound *b = calloc(1, sizeof(*b));
    if (b) {
        b->ca_uses = calloc(nn, sizeof(*b->ca_uses));
        b->sw_cut = calloc(nn, sizeof(*b->sw_cut));
        b->sw_head = malloc(nn * sizeof(*b->sw_head));
        b->ep_next = malloc(c->n * sizeof(*b->ep_next));
        b->usable_out = calloc(np, 1);
        b->usable_in = calloc(np, 1);
        b->list = malloc(c->n * sizeof(*b->list));
    }
    if (!b || !b->ca_uses || !b->sw_cut || !b->sw_head || !b->ep_next || !b->usable_out ||
        !b->usable_in || !b->list) {
        ftopo__plan_bound_free(b);
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "plan: out of memory");
    }
    for (size_t i = 0; i < nn; i++)
        b->sw_head[i] = -1;
    *out = b;
    return FTOPO_OK;
}

void ftopo__plan_bound_free(ftopo__plan_bound *b)
{
    if (!b)
        return;
    free(b->ca_uses);
    free(b->sw_cut);
    free(b->sw_head);
    free(b->ep_next);
    free(b->usable_out);
    free(b->usable_in);
    free(b->list);
    free(b);
}

static bool is_switch_port(const ftopo_fabric *f, ftopo_node_id x, int p)
{
    ftopo_node_id peer = ftopo__port_at(f, x, p)->peer_node;
    return peer != FTOPO_NONE && f->nodes[peer].type == FTOPO_NODE_SWITCH;
}

/* Switch-facing ports of x not yet marked in `marks`. */
static int unmarked(const ftopo_fabric *f, ftopo_node_id x, const uint8_t *marks)
{
    const ftopo__node *nd = &f->nodes[x];
    int left = 0;
    for (int p = 1; p <= nd->num_ports; p++)
        if (is_switch_port(f, x, p) && !marks[nd->port_base + (size_t)p - 1])
            left++;
    return left;
}

/* Marks X's switch-facing ports that its LFT uses towards the channel's
 * hosts elsewhere; stops once every such port is marked. */
static void mark_out(const ftopo__plan_ctx *c, ftopo__plan_bound *b, ftopo_node_id x)
{
    const ftopo_fabric *f = c->fabric;
    const ftopo__node *nd = &f->nodes[x];
    int32_t si = c->routes->switch_index[x];
    if (si < 0)
        return;
    const uint8_t *lft = ftopo__lft_row(c->routes, (size_t)si);
    int left = unmarked(f, x, b->usable_out);
    for (size_t i = 0; i < c->n && left > 0; i++) {
        uint8_t p = lft[c->lid[i]];
        if (c->sw[i] == x || p == 0 || p == FTOPO_LFT_NONE || p > nd->num_ports ||
            !is_switch_port(f, x, p))
            continue;
        uint8_t *u = &b->usable_out[nd->port_base + (size_t)p - 1];
        if (!*u) {
            *u = 1;
            left--;
        }
    }
}

/* Whether every switch link into x runs at the fastest rate, idle. */
static bool in_links_full(const ftopo__plan_ctx *c, ftopo_node_id x)
{
    const ftopo_fabric *f = c->fabric;
    for (int p = 1; p <= f->nodes[x].num_ports; p++) {
        if (!is_switch_port(f, x, p))
            continue;
        ftopo_dlink_id d = ftopo__dlink(f, ftopo__port_at(f, x, p)->link, x, p);
        if (c->inv[d ^ 1] != 1.0)
            return false;
    }
    return true;
}

/* Marks X's ports where routes from the other switches' hosts to X's
 * hosts come in (one walk per host of X and other switch). Only worth it
 * when those links differ: with every one at full capacity the cut can
 * say no more than the host cut does (k flows over m >= 1 links of load
 * 1 each is at most k, what X's HCAs carry), so all are marked, as they
 * are once the walk budget is spent. */
static void mark_in(const ftopo__plan_ctx *c, ftopo__plan_bound *b, ftopo_node_id x, size_t *budget)
{
    const ftopo_fabric *f = c->fabric;
    const ftopo__node *nd = &f->nodes[x];
    int left = unmarked(f, x, b->usable_in);
    ftopo_dlink_id buf[FTOPO_MAX_PATH_HOPS];
    bool all = left > 0 && in_links_full(c, x);
    for (int32_t e = b->sw_head[x]; e >= 0 && left > 0; e = b->ep_next[e]) {
        for (size_t k = 0; k < b->listed && left > 0; k++) {
            ftopo_node_id s = b->list[k];
            if (s == x)
                continue;
            if (all || *budget == 0) {
                for (int p = 1; p <= nd->num_ports; p++)
                    if (is_switch_port(f, x, p))
                        b->usable_in[nd->port_base + (size_t)p - 1] = 1;
                return;
            }
            (*budget)--;
            int len = ftopo__plan_path(c, (size_t)b->sw_head[s], (size_t)e, buf);
            if (len < 2)
                continue;
            const ftopo__link *l = &f->links[buf[len - 2] / 2];
            bool fwd = buf[len - 2] % 2 == 0;
            ftopo_node_id to = fwd ? l->b : l->a;
            int port = fwd ? l->port_b : l->port_a;
            if (to != x || f->nodes[fwd ? l->a : l->b].type != FTOPO_NODE_SWITCH)
                continue;
            uint8_t *u = &b->usable_in[nd->port_base + (size_t)port - 1];
            if (!*u) {
                *u = 1;
                left--;
            }
        }
    }
}

void ftopo__plan_bound_add(ftopo__plan_bound *b, const ftopo__plan_ctx *c)
{
    const ftopo_fabric *f = c->fabric;
    b->listed = 0;
    for (size_t i = c->n; i-- > 0;) {
        b->ca_uses[c->ca[i]]++;
        if (b->sw_head[c->sw[i]] < 0)
            b->list[b->listed++] = c->sw[i];
        b->ep_next[i] = b->sw_head[c->sw[i]];
        b->sw_head[c->sw[i]] = (int32_t)i;
    }
    size_t budget = IN_WALK_BUDGET;
    for (size_t k = 0; k < b->listed; k++) {
        ftopo_node_id x = b->list[k];
        if (b->listed > 1 && f->nodes[x].type == FTOPO_NODE_SWITCH) {
            b->sw_cut[x]++;
            mark_out(c, b, x);
            mark_in(c, b, x, &budget);
        }
    }
    double entry = ftopo__plan_entry_bound(c, b->list, b->listed, b->sw_head, b->ep_next);
    if (entry > b->entry)
        b->entry = entry;
    for (size_t k = 0; k < b->listed; k++)
        b->sw_head[b->list[k]] = -1;
}

/* Max over the switch cuts. */
static double switch_cuts(const ftopo__plan_ctx *c, const ftopo__plan_bound *b)
{
    const ftopo_fabric *f = c->fabric;
    double worst = 0;
    double out[256], in[256];
    uint32_t count[256];
    for (size_t x = 0; x < f->num_nodes; x++) {
        if (!b->sw_cut[x])
            continue;
        const ftopo__node *nd = &f->nodes[x];
        size_t m_out = 0, m_in = 0;
        for (int p = 1; p <= nd->num_ports && p < 256; p++) {
            const ftopo__port *pt = ftopo__port_at(f, (ftopo_node_id)x, p);
            if (!is_switch_port(f, (ftopo_node_id)x, p))
                continue;
            ftopo_dlink_id d = ftopo__dlink(f, pt->link, (ftopo_node_id)x, p);
            if (b->usable_in[nd->port_base + (size_t)p - 1])
                in[m_in++] = c->inv[d ^ 1];
            if (b->usable_out[nd->port_base + (size_t)p - 1])
                out[m_out++] = c->inv[d];
        }
        double v_out = waterfill(b->sw_cut[x], out, m_out, count);
        double v_in = waterfill(b->sw_cut[x], in, m_in, count);
        if (v_out > worst)
            worst = v_out;
        if (v_in > worst)
            worst = v_in;
    }
    return worst;
}

static double host_cuts(const ftopo__plan_ctx *c, const ftopo__plan_bound *b)
{
    const ftopo_fabric *f = c->fabric;
    double worst = 0;
    for (size_t x = 0; x < f->num_nodes; x++) {
        if (!b->ca_uses[x])
            continue;
        int p = ftopo__first_cabled_port(f, (ftopo_node_id)x);
        ftopo_dlink_id d =
            ftopo__dlink(f, ftopo__port_at(f, (ftopo_node_id)x, p)->link, (ftopo_node_id)x, p);
        double up = ftopo__plan_value(c, d, b->ca_uses[x]);
        double down = ftopo__plan_value(c, d ^ 1, b->ca_uses[x]);
        if (up > worst)
            worst = up;
        if (down > worst)
            worst = down;
    }
    return worst;
}

double ftopo__plan_bound_value(const ftopo__plan_bound *b, const ftopo__plan_ctx *c)
{
    if (c->n < 2)
        return 0;
    double h = host_cuts(c, b), s = switch_cuts(c, b);
    double cuts = h > s ? h : s;
    return cuts > b->entry ? cuts : b->entry;
}

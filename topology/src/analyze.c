/* Route analysis: flows of a traffic pattern on every directed link, path
 * lengths, undelivered flows and credit loops.
 *
 * Permutation patterns (shift, bisection, ring) walk every flow. All-to-all
 * has n^2 flows, so it is computed per destination instead: the LFT entries
 * of one destination LID form a forest over the switches, and the flows on
 * a switch's egress link are the sources attached below it. One pass over
 * the switches that carry flows per destination, independent of n. */
#include <stdlib.h>
#include <string.h>

#include "cdg.h"
#include "route_set.h"

typedef struct endpoint {
    ftopo_node_id node; /* FTOPO_NONE: the host has no HCA on this rail */
    int port;           /* first cabled port, 0 when none */
    ftopo_lid lid;      /* base LID of that port, 0 when none */
    int32_t sw;         /* switch index it is cabled to, -1 otherwise */
    ftopo_dlink_id up;  /* directed link into the network */
} endpoint;

typedef struct an {
    const ftopo_routes *r;
    const ftopo_fabric *f;
    ftopo_analysis *out;
    const ftopo_host_id *hosts;
    size_t n;
    int rails;
    endpoint *ep; /* n * rails, host-major */
    size_t ndl;
    uint32_t *phase; /* permutations: flows of the current phase */
    ftopo_dlink_id *path;
    size_t path_cap;
    uint8_t *isl; /* per link: both ends are switches */
    ftopo__cdg cdg;
    double hop_sum;
    size_t delivered;
    ftopo_diag *diag;
} an;

static endpoint *ep_at(an *a, size_t host, int rail)
{
    return &a->ep[host * (size_t)a->rails + (size_t)rail];
}

static ftopo_status nomem(an *a)
{
    return ftopo__fail(a->diag, FTOPO_ERR_NOMEM, "analyze: out of memory");
}

static void count_hops(an *a, size_t hops, size_t flows)
{
    ftopo_analysis *o = a->out;
    o->hops_hist[hops < FTOPO_MAX_PATH_HOPS ? hops : FTOPO_MAX_PATH_HOPS] += flows;
    if (!a->delivered || hops < o->hops_min)
        o->hops_min = (unsigned)hops;
    if (hops > o->hops_max)
        o->hops_max = (unsigned)hops;
    a->hop_sum += (double)hops * (double)flows;
    a->delivered += flows;
}

static void count_failed(an *a, ftopo_path_result res, size_t flows)
{
    a->out->unreachable += flows;
    if (res == FTOPO_PATH_LOOP)
        a->out->loops += flows;
    else if (res == FTOPO_PATH_NO_ROUTE || res == FTOPO_PATH_DEAD_END)
        a->out->black_holes += flows;
}

/* ---- Setup --------------------------------------------------------------- */

static ftopo_status setup(an *a, const ftopo_pattern *p)
{
    const ftopo_fabric *f = a->f;
    const ftopo_routes *r = a->r;
    a->n = p->hosts ? p->num_hosts : f->num_hosts;
    if (!p->hosts) {
        ftopo_host_id *all = malloc((a->n + 1) * sizeof(*all));
        if (!all)
            return nomem(a);
        for (size_t i = 0; i < a->n; i++)
            all[i] = (ftopo_host_id)i;
        a->hosts = all;
    } else {
        a->hosts = p->hosts;
    }
    a->rails = 1;
    for (size_t i = 0; i < a->n; i++) {
        if (a->hosts[i] < 0 || (size_t)a->hosts[i] >= f->num_hosts)
            return ftopo__fail(a->diag, FTOPO_ERR_ARG, "analyze: host id %d out of range",
                               a->hosts[i]);
        if (f->hosts[a->hosts[i]].num_hcas > a->rails)
            a->rails = f->hosts[a->hosts[i]].num_hcas;
    }
    a->ep = malloc((a->n * (size_t)a->rails + 1) * sizeof(*a->ep));
    a->ndl = 2 * f->num_links;
    a->phase = calloc(a->ndl + 1, sizeof(*a->phase));
    a->path_cap = r->num_switches + 3;
    a->path = malloc(a->path_cap * sizeof(*a->path));
    a->isl = malloc(f->num_links + 1);
    a->out->dlink_flows = calloc(a->ndl + 1, sizeof(*a->out->dlink_flows));
    a->out->dlink_load = calloc(a->ndl + 1, sizeof(*a->out->dlink_load));
    if (!a->ep || !a->phase || !a->path || !a->isl || !a->out->dlink_flows || !a->out->dlink_load)
        return nomem(a);
    for (size_t l = 0; l < f->num_links; l++)
        a->isl[l] = f->nodes[f->links[l].a].type == FTOPO_NODE_SWITCH &&
                    f->nodes[f->links[l].b].type == FTOPO_NODE_SWITCH;
    for (size_t i = 0; i < a->n; i++) {
        const ftopo__host *h = &f->hosts[a->hosts[i]];
        for (int rail = 0; rail < a->rails; rail++) {
            endpoint *e = ep_at(a, i, rail);
            *e = (endpoint){.node = FTOPO_NONE, .sw = -1, .up = -1};
            if (rail >= h->num_hcas)
                continue;
            e->node = f->host_cas[h->first + (size_t)rail];
            e->port = ftopo__first_cabled_port(f, e->node);
            if (!e->port)
                continue;
            e->lid = ftopo_routes_port_lid(r, e->node, e->port);
            const ftopo__port *pp = ftopo__port_at(f, e->node, e->port);
            e->up = ftopo__dlink(f, pp->link, e->node, e->port);
            e->sw = r->switch_index[pp->peer_node];
        }
    }
    return FTOPO_OK;
}

/* ---- Walking single flows (permutations) ---------------------------------- */

/* Routes one flow (already counted in out->flows) into a->phase. */
static ftopo_status route_flow(an *a, const endpoint *s, const endpoint *d)
{
    if (!s->port || !d->lid) {
        count_failed(a, s->port ? FTOPO_PATH_NO_LID : FTOPO_PATH_NOT_CONNECTED, 1);
        return FTOPO_OK;
    }
    ftopo__walk w = {.dlinks = a->path, .dlink_cap = a->path_cap};
    ftopo_path_result res = ftopo__route_walk(a->r, s->node, s->port, d->lid, &w);
    if (res != FTOPO_PATH_OK) {
        count_failed(a, res, 1);
        return FTOPO_OK;
    }
    for (size_t i = 0; i < w.num_dlinks; i++) {
        a->phase[a->path[i]]++;
        if (i > 0 && a->isl[a->path[i - 1] / 2] && a->isl[a->path[i] / 2] &&
            !ftopo__cdg_add(&a->cdg, a->path[i - 1], a->path[i]))
            return nomem(a);
    }
    count_hops(a, w.num_dlinks, 1);
    return FTOPO_OK;
}

/* Flows from host index i to host index j, one per shared rail. */
static ftopo_status host_flow(an *a, size_t i, size_t j)
{
    for (int rail = 0; rail < a->rails; rail++) {
        const endpoint *s = ep_at(a, i, rail), *d = ep_at(a, j, rail);
        if (s->node == FTOPO_NONE || d->node == FTOPO_NONE)
            continue;
        a->out->flows++;
        ftopo_status st = route_flow(a, s, d);
        if (st != FTOPO_OK)
            return st;
    }
    return FTOPO_OK;
}

/* Ends a phase: each link keeps its worst phase. */
static void end_phase(an *a)
{
    for (size_t d = 0; d < a->ndl; d++) {
        if (a->phase[d] > a->out->dlink_flows[d])
            a->out->dlink_flows[d] = a->phase[d];
        a->phase[d] = 0;
    }
    a->out->phases++;
}

static ftopo_status run_shift(an *a, int only_k)
{
    size_t n = a->n;
    for (size_t k = only_k ? (size_t)only_k % n : 1; k < n; k++) {
        for (size_t i = 0; i < n; i++) {
            ftopo_status st = host_flow(a, i, (i + k) % n);
            if (st != FTOPO_OK)
                return st;
        }
        end_phase(a);
        if (only_k)
            break;
    }
    return FTOPO_OK;
}

static ftopo_status run_ring(an *a)
{
    for (size_t i = 0; a->n > 1 && i < a->n; i++) {
        ftopo_status st = host_flow(a, i, (i + 1) % a->n);
        if (st != FTOPO_OK)
            return st;
    }
    end_phase(a);
    return FTOPO_OK;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Random perfect matchings, both directions of every pair in one phase
 * (with an odd count one host sits out each round). */
static ftopo_status run_bisect(an *a, int rounds, uint64_t seed)
{
    size_t *perm = malloc((a->n + 1) * sizeof(*perm));
    if (!perm)
        return nomem(a);
    uint64_t state = seed;
    ftopo_status st = FTOPO_OK;
    for (int round = 0; round < rounds && st == FTOPO_OK; round++) {
        for (size_t i = 0; i < a->n; i++)
            perm[i] = i;
        for (size_t i = a->n; i > 1; i--) {
            size_t j = (size_t)(splitmix64(&state) % i);
            size_t t = perm[i - 1];
            perm[i - 1] = perm[j];
            perm[j] = t;
        }
        for (size_t i = 0; i + 1 < a->n && st == FTOPO_OK; i += 2) {
            st = host_flow(a, perm[i], perm[i + 1]);
            if (st == FTOPO_OK)
                st = host_flow(a, perm[i + 1], perm[i]);
        }
        end_phase(a);
    }
    free(perm);
    return st;
}

/* ---- All-to-all, per destination --------------------------------------- */

enum { ST_NEW = 0, ST_BUSY, ST_OK, ST_FAIL };

typedef struct tree {
    uint32_t *stamp; /* per switch: the destination count when state was set */
    uint8_t *state;
    uint8_t *fail;       /* ftopo_path_result when ST_FAIL */
    uint32_t *dist;      /* links from the switch to the destination CA */
    int32_t *next;       /* next switch index, -1 when the next hop is the CA */
    ftopo_dlink_id *out; /* egress directed link */
    size_t *total;       /* flows leaving the switch */
    int32_t *stack, *touched, *order;
    size_t *bucket;
    size_t *cnt;      /* per switch: sources of the current rail attached */
    size_t *ok_dests; /* per switch: destinations its sources reached */
    int32_t *src_sw;  /* switches with sources on the current rail */
    size_t num_src_sw, num_touched;
    size_t *direct; /* endpoints of the rail not cabled to a switch */
    size_t num_direct;
    uint8_t *self_hit; /* per host: its switch's ok_dests counted itself */
    uint32_t epoch;
} tree;

static void tree_free(tree *t)
{
    free(t->stamp);
    free(t->state);
    free(t->fail);
    free(t->dist);
    free(t->next);
    free(t->out);
    free(t->total);
    free(t->stack);
    free(t->touched);
    free(t->order);
    free(t->bucket);
    free(t->cnt);
    free(t->ok_dests);
    free(t->src_sw);
    free(t->direct);
    free(t->self_hit);
}

static bool tree_init(tree *t, size_t s, size_t hosts)
{
    memset(t, 0, sizeof(*t));
    s += 1;
    t->stamp = calloc(s, sizeof(*t->stamp));
    t->state = malloc(s);
    t->fail = malloc(s);
    t->dist = malloc(s * sizeof(*t->dist));
    t->next = malloc(s * sizeof(*t->next));
    t->out = malloc(s * sizeof(*t->out));
    t->total = malloc(s * sizeof(*t->total));
    t->stack = malloc(s * sizeof(*t->stack));
    t->touched = malloc(s * sizeof(*t->touched));
    t->order = malloc(s * sizeof(*t->order));
    t->bucket = calloc(s + 2, sizeof(*t->bucket));
    t->cnt = calloc(s, sizeof(*t->cnt));
    t->ok_dests = calloc(s, sizeof(*t->ok_dests));
    t->src_sw = malloc(s * sizeof(*t->src_sw));
    t->direct = malloc((hosts + 1) * sizeof(*t->direct));
    t->self_hit = calloc(hosts + 1, 1);
    return t->direct && t->self_hit && t->stamp && t->state && t->fail && t->dist && t->next &&
           t->out && t->total && t->stack && t->touched && t->order && t->bucket && t->cnt &&
           t->ok_dests && t->src_sw;
}

static uint8_t st_of(const tree *t, int32_t s)
{
    return t->stamp[s] == t->epoch ? t->state[s] : ST_NEW;
}

static void set_state(tree *t, int32_t s, uint8_t state)
{
    if (t->stamp[s] != t->epoch) {
        t->stamp[s] = t->epoch;
        t->touched[t->num_touched++] = s;
        t->total[s] = 0;
    }
    t->state[s] = state;
}

/* Works out one switch's next hop towards the destination endpoint; a
 * switch that ends the walk gets its final state here. */
static void step(an *a, tree *t, int32_t s, const endpoint *d)
{
    const ftopo_routes *r = a->r;
    uint8_t port = ftopo__lft_row(r, (size_t)s)[d->lid];
    ftopo_path_result res;
    const ftopo__egress *e = NULL;
    if (port == FTOPO_LFT_NONE) {
        res = FTOPO_PATH_NO_ROUTE;
    } else if (port == 0) {
        res = FTOPO_PATH_MISDELIVERED;
    } else if (port > r->sw_num_ports[s] ||
               (e = ftopo__sw_egress(r, s, port))->peer == FTOPO_NONE) {
        res = FTOPO_PATH_DEAD_END;
    } else {
        t->out[s] = e->dlink;
        t->next[s] = r->switch_index[e->peer];
        if (t->next[s] >= 0)
            return; /* still walking */
        if (e->peer == d->node && e->peer_port == d->port) {
            set_state(t, s, ST_OK);
            t->dist[s] = 1;
            return;
        }
        res = FTOPO_PATH_MISDELIVERED;
    }
    set_state(t, s, ST_FAIL);
    t->fail[s] = (uint8_t)res;
}

/* Resolves the walk from source switch s: every switch on it ends OK (with
 * its distance) or failed (with the reason). Switches met again while still
 * on the walk are a loop. */
static void resolve(an *a, tree *t, int32_t s, const endpoint *d)
{
    size_t depth = 0;
    for (int32_t cur = s; st_of(t, cur) == ST_NEW; cur = t->next[cur]) {
        set_state(t, cur, ST_BUSY);
        t->stack[depth++] = cur;
        step(a, t, cur, d);
        if (t->state[cur] != ST_BUSY)
            break;
    }
    /* Unwind: each switch takes its successor's outcome. */
    while (depth--) {
        int32_t u = t->stack[depth];
        if (t->state[u] != ST_BUSY)
            continue;
        int32_t v = t->next[u];
        if (t->state[v] == ST_OK) {
            t->state[u] = ST_OK;
            t->dist[u] = t->dist[v] + 1;
        } else {
            t->state[u] = ST_FAIL;
            t->fail[u] = t->state[v] == ST_BUSY ? (uint8_t)FTOPO_PATH_LOOP : t->fail[v];
        }
    }
}

/* All flows into one destination endpoint from the rail's other sources. */
static ftopo_status one_destination(an *a, tree *t, int rail, size_t di, size_t others)
{
    const endpoint *d = ep_at(a, di, rail);
    ftopo_analysis *o = a->out;
    o->flows += others;
    if (!d->lid) {
        count_failed(a, FTOPO_PATH_NO_LID, others);
        return FTOPO_OK;
    }
    t->epoch++;
    t->num_touched = 0;
    if (d->sw >= 0)
        t->cnt[d->sw]--;
    for (size_t i = 0; i < t->num_src_sw; i++) {
        int32_t s = t->src_sw[i];
        if (!t->cnt[s])
            continue;
        resolve(a, t, s, d);
        if (t->state[s] == ST_OK) {
            count_hops(a, 1 + t->dist[s], t->cnt[s]);
            t->ok_dests[s]++;
        } else {
            count_failed(a, t->fail[s], t->cnt[s]);
        }
    }
    /* The destination's own switch counted this destination for its
     * neighbours but not for the destination itself: remembered for the
     * uplink load. */
    if (d->sw >= 0)
        t->self_hit[di] = t->cnt[d->sw] && t->state[d->sw] == ST_OK;
    for (size_t i = 0; i < t->num_direct; i++) {
        if (t->direct[i] == di)
            continue;
        ftopo_status st = route_flow(a, ep_at(a, t->direct[i], rail), d);
        if (st != FTOPO_OK)
            return st;
    }
    /* Flows down the forest, farthest switches first (counting sort by
     * distance). */
    uint32_t maxd = 0;
    size_t ok = 0;
    for (size_t i = 0; i < t->num_touched; i++) {
        int32_t s = t->touched[i];
        if (t->state[s] == ST_OK) {
            t->bucket[t->dist[s]]++;
            ok++;
            if (t->dist[s] > maxd)
                maxd = t->dist[s];
        }
    }
    size_t pos = 0;
    for (uint32_t k = maxd + 1; k-- > 0;) {
        size_t c = t->bucket[k];
        t->bucket[k] = pos;
        pos += c;
    }
    for (size_t i = 0; i < t->num_touched; i++) {
        int32_t s = t->touched[i];
        if (t->state[s] == ST_OK)
            t->order[t->bucket[t->dist[s]]++] = s;
    }
    memset(t->bucket, 0, ((size_t)maxd + 2) * sizeof(*t->bucket));
    for (size_t i = 0; i < ok; i++) {
        int32_t s = t->order[i];
        size_t flows = t->total[s] + t->cnt[s];
        if (!flows)
            continue;
        o->dlink_flows[t->out[s]] += (uint32_t)flows;
        int32_t v = t->next[s];
        if (v < 0)
            continue;
        t->total[v] += flows;
        if (t->next[v] >= 0 && !ftopo__cdg_add(&a->cdg, t->out[s], t->out[v]))
            return nomem(a);
    }
    if (d->sw >= 0)
        t->cnt[d->sw]++;
    return FTOPO_OK;
}

static ftopo_status run_all2all(an *a)
{
    tree t;
    ftopo_status st = FTOPO_OK;
    if (!tree_init(&t, a->r->num_switches, a->n)) {
        tree_free(&t);
        return nomem(a);
    }
    for (int rail = 0; rail < a->rails && st == FTOPO_OK; rail++) {
        size_t members = 0;
        t.num_src_sw = t.num_direct = 0;
        for (size_t i = 0; i < a->n; i++) {
            const endpoint *e = ep_at(a, i, rail);
            t.self_hit[i] = 0;
            if (e->node == FTOPO_NONE)
                continue;
            members++;
            if (e->sw < 0)
                t.direct[t.num_direct++] = i;
            else if (t.cnt[e->sw]++ == 0)
                t.src_sw[t.num_src_sw++] = e->sw;
        }
        for (size_t i = 0; i < a->n && st == FTOPO_OK; i++)
            if (ep_at(a, i, rail)->node != FTOPO_NONE)
                st = one_destination(a, &t, rail, i, members - 1);
        /* Each source's uplink carries the flows it delivered. */
        for (size_t i = 0; i < a->n; i++) {
            const endpoint *e = ep_at(a, i, rail);
            if (e->node != FTOPO_NONE && e->sw >= 0)
                a->out->dlink_flows[e->up] += (uint32_t)(t.ok_dests[e->sw] - t.self_hit[i]);
        }
        for (size_t i = 0; i < t.num_src_sw; i++) {
            t.cnt[t.src_sw[i]] = 0;
            t.ok_dests[t.src_sw[i]] = 0;
        }
    }
    /* Flows walked one by one (sources not cabled to a switch). */
    for (size_t d = 0; d < a->ndl; d++)
        a->out->dlink_flows[d] += a->phase[d];
    a->out->phases = 1;
    tree_free(&t);
    return st;
}

/* ---- Results --------------------------------------------------------------- */

static void summarize(an *a)
{
    const ftopo_fabric *f = a->f;
    ftopo_analysis *o = a->out;
    double fastest = 0;
    for (size_t l = 0; l < f->num_links; l++) {
        ftopo_link_info li;
        if (ftopo_link_get(f, (ftopo_link_id)l, &li) == FTOPO_OK && li.rate_gbps > fastest)
            fastest = li.rate_gbps;
    }
    o->max_dlink = -1;
    for (size_t d = 0; d < a->ndl; d++) {
        ftopo_link_info li;
        double w = 1.0;
        if (ftopo_link_get(f, (ftopo_link_id)(d / 2), &li) == FTOPO_OK && li.rate_gbps > 0)
            w = fastest / li.rate_gbps;
        uint32_t flows = o->dlink_flows[d];
        o->dlink_load[d] = flows * w;
        if (flows > o->max_flows)
            o->max_flows = flows;
        if (flows && (o->max_dlink < 0 || o->dlink_load[d] > o->max_load)) {
            o->max_load = o->dlink_load[d];
            o->max_dlink = (ftopo_dlink_id)d;
        }
        o->load_hist[flows < 64 ? flows : 64]++;
    }
    o->hops_mean = a->delivered ? a->hop_sum / (double)a->delivered : 0.0;
}

ftopo_status ftopo_analyze(const ftopo_routes *routes, const ftopo_pattern *pattern,
                           ftopo_analysis *out, ftopo_diag *diag)
{
    if (!routes || !pattern || !out)
        return FTOPO_ERR_ARG;
    memset(out, 0, sizeof(*out));
    an a = {.r = routes, .f = routes->fabric, .out = out, .diag = diag};
    ftopo_status st = setup(&a, pattern);
    if (st == FTOPO_OK && a.n < 2)
        st = ftopo__fail(diag, FTOPO_ERR_ARG, "analyze: the pattern needs at least 2 hosts");
    if (st == FTOPO_OK && pattern->kind == FTOPO_PATTERN_SHIFT &&
        (pattern->shift < 0 || (pattern->shift > 0 && (size_t)pattern->shift % a.n == 0)))
        st = ftopo__fail(diag, FTOPO_ERR_ARG,
                         "analyze: shift %d sends every host to itself (%zu hosts)", pattern->shift,
                         a.n);
    if (st == FTOPO_OK) {
        switch (pattern->kind) {
        case FTOPO_PATTERN_ALL2ALL:
            st = run_all2all(&a);
            break;
        case FTOPO_PATTERN_SHIFT:
            st = run_shift(&a, pattern->shift);
            break;
        case FTOPO_PATTERN_BISECT:
            st = run_bisect(&a, pattern->rounds > 0 ? pattern->rounds : 16, pattern->seed);
            break;
        case FTOPO_PATTERN_RING:
            st = run_ring(&a);
            break;
        default:
            st = ftopo__fail(diag, FTOPO_ERR_ARG, "analyze: unknown pattern kind %d",
                             (int)pattern->kind);
        }
    }
    if (st == FTOPO_OK) {
        summarize(&a);
        st = ftopo__cdg_find_cycle(&a.cdg, a.ndl, &out->cycle, &out->cycle_len, diag);
        out->credit_loop = out->cycle_len > 0;
    }
    if (a.hosts != pattern->hosts)
        free((void *)a.hosts);
    free(a.ep);
    free(a.phase);
    free(a.path);
    free(a.isl);
    ftopo__cdg_free(&a.cdg);
    if (st != FTOPO_OK)
        ftopo_analysis_free(out);
    return st;
}

void ftopo_analysis_free(ftopo_analysis *o)
{
    if (!o)
        return;
    free(o->dlink_flows);
    free(o->dlink_load);
    free(o->cycle);
    o->dlink_flows = NULL;
    o->dlink_load = NULL;
    o->cycle = NULL;
    o->cycle_len = 0;
}

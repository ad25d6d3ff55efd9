/* Ring plans on the live fabric (the planner of ftopo/plan.h), the list of
 * recent plans, and their watch: after each round the sweeper checks that
 * the links a plan loads are still up and not newly congested, and re-plans
 * when they are not. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"

/* A directed link a plan loads, by its egress end, so it can be found in
 * later fabrics; whether it was congested when the plan was made (a plan
 * that had to use a congested link is not invalidated for it). */
typedef struct watched {
    uint64_t guid, peer_guid;
    int port, peer_port;
    bool congested;
} watched;

struct fabd__plan_priv {
    atomic_int refs;
    fabd_snapshot *snap;
    watched *watch;
    size_t num_watch;
    /* Invalidated and not yet replaced (sweeper only): re-planning failed
     * on the routes of lft_hash (none, or stale while the SM re-routes). */
    bool replan_pending;
    uint64_t failed_lft_hash;
};

/* The floor keeps a congested link usable: 0 would mean down. */
#define AVAIL_FLOOR 0.05

void fabd_plan_release(fabd_plan *plan)
{
    if (!plan || atomic_fetch_sub(&plan->priv->refs, 1) != 1)
        return;
    ftopo_plan_free(&plan->plan);
    for (size_t i = 0; i < plan->num_hosts; i++)
        free(plan->hosts[i]);
    free(plan->hosts);
    fabd_snapshot_release(plan->priv->snap);
    free(plan->priv->watch);
    free(plan->priv);
    free(plan);
}

static fabd_plan *plan_ref(fabd_plan *plan)
{
    atomic_fetch_add(&plan->priv->refs, 1);
    return plan;
}

/* Egress end of directed link d. */
static void dlink_ends(const ftopo_fabric *f, ftopo_dlink_id d, ftopo_node_info *from, int *port,
                       ftopo_node_info *to, int *peer_port)
{
    ftopo_link_info li;
    ftopo_link_get(f, d / 2, &li);
    bool rev = d % 2;
    ftopo_node_get(f, rev ? li.node_b : li.node_a, from);
    ftopo_node_get(f, rev ? li.node_a : li.node_b, to);
    *port = rev ? li.port_b : li.port_a;
    *peer_port = rev ? li.port_a : li.port_b;
}

static ftopo_status watch_list(fabd_plan *p)
{
    const fabd_snapshot *snap = p->priv->snap;
    size_t n = 0;
    for (size_t d = 0; d < p->plan.num_dlinks; d++)
        n += p->plan.dlink_flows[d] > 0;
    p->priv->watch = calloc(n ? n : 1, sizeof(watched));
    if (!p->priv->watch)
        return FTOPO_ERR_NOMEM;
    for (size_t d = 0; d < p->plan.num_dlinks; d++) {
        if (!p->plan.dlink_flows[d])
            continue;
        ftopo_node_info from, to;
        watched *w = &p->priv->watch[p->priv->num_watch++];
        dlink_ends(snap->fabric, (ftopo_dlink_id)d, &from, &w->port, &to, &w->peer_port);
        w->guid = from.node_guid;
        w->peer_guid = to.node_guid;
        w->congested = d < snap->num_dlinks && snap->dlinks[d].congested;
    }
    return FTOPO_OK;
}

static ftopo_status resolve_hosts(const ftopo_fabric *f, const char *const *names, size_t n,
                                  ftopo_host_id *ids, ftopo_diag *diag)
{
    for (size_t i = 0; i < n; i++) {
        if (!names[i] || ftopo_find_host(f, names[i], &ids[i]) != FTOPO_OK)
            return fabd__fail(diag, FTOPO_ERR_NOT_FOUND, "unknown host \"%s\"",
                              names[i] ? names[i] : "(null)");
        for (size_t j = 0; j < i; j++)
            if (ids[j] == ids[i])
                return fabd__fail(diag, FTOPO_ERR_ARG, "host \"%s\" is listed twice", names[i]);
    }
    return FTOPO_OK;
}

/* Available capacity per directed link from the snapshot's smoothed
 * figures: what congestion or other traffic leaves. */
static double *avail_from(const fabd_snapshot *snap)
{
    double *avail = malloc((snap->num_dlinks ? snap->num_dlinks : 1) * sizeof(*avail));
    if (!avail)
        return NULL;
    for (size_t d = 0; d < snap->num_dlinks; d++) {
        double busy = fmax(snap->dlinks[d].congestion, snap->dlinks[d].utilization);
        avail[d] = fmax(AVAIL_FLOOR, 1.0 - busy);
    }
    return avail;
}

static void keep_plan(fabd_core *core, fabd_plan *p)
{
    fabd_plan *dropped = NULL;
    pthread_mutex_lock(&core->lock);
    p->id = core->next_plan_id++;
    if (core->num_plans == core->opts.max_plans)
        dropped = core->plans[--core->num_plans];
    memmove(core->plans + 1, core->plans, core->num_plans * sizeof(*core->plans));
    core->plans[0] = plan_ref(p);
    core->num_plans++;
    pthread_mutex_unlock(&core->lock);
    fabd_plan_release(dropped);
}

/* Plans on `snap` (a reference is taken for the plan). */
static ftopo_status plan_on(fabd_core *core, fabd_snapshot *snap, const char *const *hosts,
                            size_t num_hosts, int channels, uint64_t replaces, fabd_plan **out,
                            ftopo_diag *diag)
{
    *out = NULL;
    if (num_hosts == 0 || !hosts)
        return fabd__fail(diag, FTOPO_ERR_ARG, "no hosts to plan for");
    if (channels < 0 || channels > 64)
        return fabd__fail(diag, FTOPO_ERR_ARG, "channels must be 0..64 (got %d)", channels);
    if (!snap->routes)
        return fabd__fail(diag, FTOPO_ERR_STATE, "no forwarding tables read yet");
    ftopo_host_id *ids = malloc(num_hosts * sizeof(*ids));
    double *avail = avail_from(snap);
    if (avail && core->opts.avail_hook.fn)
        core->opts.avail_hook.fn(core->opts.avail_hook.user, snap, avail);
    fabd_plan *p = calloc(1, sizeof(*p));
    struct fabd__plan_priv *priv = calloc(1, sizeof(*priv));
    char **names = calloc(num_hosts, sizeof(*names));
    ftopo_status st = ids && avail && p && priv && names ? FTOPO_OK : FTOPO_ERR_NOMEM;
    if (st == FTOPO_OK)
        st = resolve_hosts(snap->fabric, hosts, num_hosts, ids, diag);
    if (st == FTOPO_OK) {
        ftopo_plan_opts po = {
            .hosts = ids, .num_hosts = num_hosts, .channels = channels, .avail = avail};
        st = ftopo_plan_rings(snap->routes, &po, &p->plan, diag);
    }
    free(ids);
    free(avail);
    if (st != FTOPO_OK) {
        if (st == FTOPO_ERR_NOMEM)
            fabd__fail(diag, st, "planning: out of memory");
        if (p)
            ftopo_plan_free(&p->plan);
        free(names);
        free(priv);
        free(p);
        return st;
    }
    atomic_init(&priv->refs, 1);
    atomic_fetch_add(&snap->priv->refs, 1);
    priv->snap = snap;
    p->priv = priv;
    p->snap = snap;
    p->hosts = names;
    p->num_hosts = num_hosts;
    p->channels = p->plan.channels;
    p->replaces = replaces;
    p->created_at = fabd__now();
    atomic_init(&p->valid, true);
    atomic_init(&p->replaced_by, 0);
    bool ok = watch_list(p) == FTOPO_OK;
    for (size_t i = 0; ok && i < num_hosts; i++)
        ok = (names[i] = strdup(hosts[i])) != NULL;
    if (!ok) {
        fabd_plan_release(p);
        return fabd__fail(diag, FTOPO_ERR_NOMEM, "planning: out of memory");
    }
    keep_plan(core, p);
    *out = p;
    return FTOPO_OK;
}

ftopo_status fabd_core_plan(fabd_core *core, const char *const *hosts, size_t num_hosts,
                            int channels, fabd_plan **out, ftopo_diag *diag)
{
    fabd_snapshot *snap = fabd_core_snapshot(core);
    if (!snap)
        return fabd__fail(diag, FTOPO_ERR_STATE, "no sweep has finished yet");
    ftopo_status st = plan_on(core, snap, hosts, num_hosts, channels, 0, out, diag);
    fabd_snapshot_release(snap);
    return st;
}

void fabd_core_set_avail_hook(fabd_core *core, struct fabd_avail_hook hook)
{
    core->opts.avail_hook = hook;
}

ftopo_status fabd_core_plan_get(fabd_core *core, uint64_t id, fabd_plan **out)
{
    *out = NULL;
    pthread_mutex_lock(&core->lock);
    for (size_t i = 0; i < core->num_plans; i++)
        if (core->plans[i]->id == id)
            *out = plan_ref(core->plans[i]);
    pthread_mutex_unlock(&core->lock);
    return *out ? FTOPO_OK : FTOPO_ERR_NOT_FOUND;
}

ftopo_status fabd_core_plans(fabd_core *core, fabd_plan ***out, size_t *count)
{
    pthread_mutex_lock(&core->lock);
    size_t n = core->num_plans;
    fabd_plan **list = malloc((n ? n : 1) * sizeof(*list));
    for (size_t i = 0; list && i < n; i++)
        list[i] = plan_ref(core->plans[i]);
    pthread_mutex_unlock(&core->lock);
    *out = list;
    *count = list ? n : 0;
    return list ? FTOPO_OK : FTOPO_ERR_NOMEM;
}

void fabd__plans_free(fabd_core *core)
{
    for (size_t i = 0; i < core->num_plans; i++)
        fabd_plan_release(core->plans[i]);
    free(core->plans);
    core->plans = NULL;
    core->num_plans = 0;
}

/* Why a plan no longer holds on snap, or NULL. */
static bool broken(const fabd_plan *p, const fabd_snapshot *snap, char *why, size_t cap)
{
    for (size_t i = 0; i < p->priv->num_watch; i++) {
        const watched *w = &p->priv->watch[i];
        ftopo_link_id l;
        ftopo_node_id n = fabd__node_by_guid(snap->fabric, w->guid);
        ftopo_node_info ni = {0};
        if (n != FTOPO_NONE)
            ftopo_node_get(snap->fabric, n, &ni);
        if (!fabd__has_link(snap->fabric, w->guid, w->port, w->peer_guid, w->peer_port, &l)) {
            snprintf(why, cap, "link 0x%016" PRIx64 "[%d] -> 0x%016" PRIx64 "[%d] is down", w->guid,
                     w->port, w->peer_guid, w->peer_port);
            return true;
        }
        ftopo_link_info li;
        ftopo_link_get(snap->fabric, l, &li);
        size_t d = 2 * (size_t)l + (li.node_a == n && li.port_a == w->port ? 0 : 1);
        if (!w->congested && d < snap->num_dlinks && snap->dlinks[d].congested) {
            snprintf(why, cap, "link %s[%d] -> 0x%016" PRIx64 "[%d] is congested (score %.2f)",
                     ni.desc, w->port, w->peer_guid, w->peer_port, snap->dlinks[d].congestion);
            return true;
        }
    }
    return false;
}

/* Re-plans the hosts of `old` on snap; returns the new plan's id, 0 when
 * that failed (diag says why). */
static uint64_t replan(fabd_core *core, fabd_plan *old, fabd_snapshot *snap, ftopo_diag *d,
                       ftopo_status *st)
{
    fabd_plan *fresh = NULL;
    *st = plan_on(core, snap, (const char *const *)old->hosts, old->num_hosts, old->channels,
                  old->id, &fresh, d);
    uint64_t id = fresh ? fresh->id : 0;
    fabd_plan_release(fresh);
    atomic_store(&old->replaced_by, id);
    return id;
}

static void invalidate(fabd_core *core, fabd_plan *old, fabd_snapshot *snap, const char *why)
{
    ftopo_diag d = fabd__lib_diag(core);
    ftopo_status st;
    uint64_t id = replan(core, old, snap, &d, &st);
    fabd__copy_desc(old->invalid_reason, sizeof(old->invalid_reason), why);
    atomic_store(&old->valid, false);
    /* Without routes, or with routes that still lead into the hole (the
     * SM is re-routing), try again once the tables change. */
    old->priv->replan_pending = st != FTOPO_OK;
    old->priv->failed_lft_hash = snap->lft_hash;
    fabd_event ev = {.type = FABD_EV_PLAN_INVALIDATED, .plan_id = old->id, .value = (double)id};
    if (st == FTOPO_OK)
        fabd__fmt(ev.message, sizeof(ev.message),
                  "plan %" PRIu64 " invalidated (%s): plan %" PRIu64 " replaces it", old->id, why,
                  id);
    else
        fabd__fmt(ev.message, sizeof(ev.message),
                  "plan %" PRIu64 " invalidated (%s), re-plan when the tables change: %s", old->id,
                  why, d.message);
    fabd__event_emit(core, &ev);
}

static void retry_replan(fabd_core *core, fabd_plan *old, fabd_snapshot *snap)
{
    ftopo_diag d = fabd__lib_diag(core);
    ftopo_status st;
    uint64_t id = replan(core, old, snap, &d, &st);
    old->priv->failed_lft_hash = snap->lft_hash;
    if (st != FTOPO_OK)
        return; /* said once, by plan_invalidated */
    old->priv->replan_pending = false;
    fabd_event ev = {.type = FABD_EV_PLAN_REPLANNED, .plan_id = id, .value = (double)old->id};
    fabd__fmt(ev.message, sizeof(ev.message), "plan %" PRIu64 " replaces plan %" PRIu64, id,
              old->id);
    fabd__event_emit(core, &ev);
}

void fabd__plans_check(fabd_core *core)
{
    fabd_snapshot *snap = fabd_core_snapshot(core);
    if (!snap)
        return;
    fabd_plan **list;
    size_t n;
    if (fabd_core_plans(core, &list, &n) != FTOPO_OK) {
        fabd_snapshot_release(snap);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char why[160];
        fabd_plan *p = list[i];
        if (atomic_load(&p->valid) && p->snap != snap && broken(p, snap, why, sizeof(why)))
            invalidate(core, p, snap, why);
        else if (p->priv->replan_pending && snap->routes &&
                 snap->lft_hash != p->priv->failed_lft_hash)
            retry_replan(core, p, snap);
        fabd_plan_release(p);
    }
    free(list);
    fabd_snapshot_release(snap);
}

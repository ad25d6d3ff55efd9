/* The sweeper thread: discovery, diff against the last sweep, events, down
 * links, LFT reads, counter polls, and the snapshot published after each
 * round. Everything here runs on that one thread (it owns core->w). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core_int.h"

/* ---- Events from a diff ------------------------------------------------------- */

static void link_event(fabd_core *core, fabd_event_type type, const fabd_diff_link *l)
{
    fabd_event ev = {.type = type,
                     .guid_a = l->guid_a,
                     .guid_b = l->guid_b,
                     .port_a = l->port_a,
                     .port_b = l->port_b};
    fabd__copy_desc(ev.desc_a, sizeof(ev.desc_a), l->desc_a);
    fabd__copy_desc(ev.desc_b, sizeof(ev.desc_b), l->desc_b);
    const char *what = type == FABD_EV_LINK_DOWN ? "down" : "up";
    if (type == FABD_EV_LINK_DEGRADED || type == FABD_EV_LINK_RESTORED) {
        snprintf(ev.message, sizeof(ev.message), "link %s[%d] <-> %s[%d] %s from %s%s to %s%s",
                 l->desc_a, l->port_a, l->desc_b, l->port_b,
                 type == FABD_EV_LINK_DEGRADED ? "degraded" : "restored",
                 ftopo_width_str(l->ref_width), ftopo_speed_str(l->ref_speed),
                 ftopo_width_str(l->width), ftopo_speed_str(l->speed));
    } else {
        snprintf(ev.message, sizeof(ev.message), "link %s[%d] <-> %s[%d] %s", l->desc_a, l->port_a,
                 l->desc_b, l->port_b, what);
    }
    fabd__event_queue(core, &ev);
}

static void node_event(fabd_core *core, const fabd_diff_node *n)
{
    fabd_event ev = {.type =
                         n->kind == FABD_DIFF_MISSING ? FABD_EV_NODE_REMOVED : FABD_EV_NODE_ADDED,
                     .guid_a = n->guid};
    fabd__copy_desc(ev.desc_a, sizeof(ev.desc_a), n->desc);
    snprintf(ev.message, sizeof(ev.message), "%s %s (0x%016" PRIx64 ") %s",
             n->type == FTOPO_NODE_SWITCH ? "switch" : "node", n->desc, n->guid,
             n->kind == FABD_DIFF_MISSING ? "removed" : "added");
    fabd__event_queue(core, &ev);
}

/* ---- Down links ----------------------------------------------------------------- */

static bool same_link(const fabd_down_link *d, uint64_t ga, int pa, uint64_t gb, int pb)
{
    return (d->guid_a == ga && d->port_a == pa && d->guid_b == gb && d->port_b == pb) ||
           (d->guid_a == gb && d->port_a == pb && d->guid_b == ga && d->port_b == pa);
}

static void down_add(fabd__worker *w, const fabd_diff_link *l, double now)
{
    for (size_t i = 0; i < w->num_down; i++)
        if (same_link(&w->down[i], l->guid_a, l->port_a, l->guid_b, l->port_b))
            return;
    if (w->num_down == w->cap_down) {
        size_t cap = w->cap_down ? 2 * w->cap_down : 16;
        fabd_down_link *p = realloc(w->down, cap * sizeof(*p));
        if (!p)
            return; /* the event was recorded; only the list misses it */
        w->down = p;
        w->cap_down = cap;
    }
    fabd_down_link *d = &w->down[w->num_down++];
    *d = (fabd_down_link){.guid_a = l->guid_a,
                          .guid_b = l->guid_b,
                          .port_a = l->port_a,
                          .port_b = l->port_b,
                          .width = l->ref_width,
                          .speed = l->ref_speed,
                          .since = now};
    fabd__copy_desc(d->desc_a, sizeof(d->desc_a), l->desc_a);
    fabd__copy_desc(d->desc_b, sizeof(d->desc_b), l->desc_b);
}

/* Drops links that are back, and links none of whose ends is in the fabric
 * any more (a removed switch's cables are no one's concern). */
static void down_prune(fabd__worker *w, const ftopo_fabric *fabric)
{
    size_t kept = 0;
    for (size_t i = 0; i < w->num_down; i++) {
        const fabd_down_link *d = &w->down[i];
        ftopo_link_id l;
        bool back = fabd__has_link(fabric, d->guid_a, d->port_a, d->guid_b, d->port_b, &l);
        bool orphan = fabd__node_by_guid(fabric, d->guid_a) == FTOPO_NONE &&
                      fabd__node_by_guid(fabric, d->guid_b) == FTOPO_NONE;
        if (!back && !orphan)
            w->down[kept++] = *d;
    }
    w->num_down = kept;
}

/* Records the events of base -> now and updates the down list; returns
 * whether anything differs. */
static bool record_changes(fabd_core *core, const ftopo_fabric *base, const ftopo_fabric *now,
                           double t)
{
    ftopo_diag d = fabd__lib_diag(core);
    fabd_diff diff;
    if (fabd_fabric_diff(base, now, &diff, &d) != FTOPO_OK) {
        fabd__log(core, FTOPO_LOG_ERROR, "sweep diff: %s", d.message);
        return true;
    }
    for (size_t i = 0; i < diff.num_nodes; i++)
        node_event(core, &diff.nodes[i]);
    for (size_t i = 0; i < diff.num_links; i++) {
        const fabd_diff_link *l = &diff.links[i];
        switch (l->kind) {
        case FABD_DIFF_MISSING:
            down_add(&core->w, l, t);
            link_event(core, FABD_EV_LINK_DOWN, l);
            break;
        case FABD_DIFF_EXTRA:
            link_event(core, FABD_EV_LINK_UP, l);
            break;
        case FABD_DIFF_DEGRADED:
            link_event(core, FABD_EV_LINK_DEGRADED, l);
            break;
        case FABD_DIFF_UPGRADED:
            link_event(core, FABD_EV_LINK_RESTORED, l);
            break;
        }
    }
    down_prune(&core->w, now);
    bool changed = diff.num_nodes || diff.num_links;
    fabd_diff_free(&diff);
    return changed;
}

/* LIDs or port states moved without a cabling change (the SM reassigned,
 * ports went ACTIVE): the routes must be re-read for the new fabric. */
static bool addressing_changed(const ftopo_fabric *old, const ftopo_fabric *now)
{
    for (size_t i = 0; i < ftopo_num_nodes(now); i++) {
        ftopo_node_info a, b;
        ftopo_node_get(now, (ftopo_node_id)i, &a);
        ftopo_node_id o = fabd__node_by_guid(old, a.node_guid);
        if (o == FTOPO_NONE || ftopo_node_get(old, o, &b) != FTOPO_OK || a.lid != b.lid)
            return true;
        for (int p = 1; p <= a.num_ports; p++) {
            ftopo_port_info pa, pb;
            if (ftopo_port_get(now, (ftopo_node_id)i, p, &pa) != FTOPO_OK ||
                ftopo_port_get(old, o, p, &pb) != FTOPO_OK || pa.lid != pb.lid ||
                pa.state != pb.state)
                return true;
        }
    }
    return false;
}

/* ---- LFTs ------------------------------------------------------------------------ */

/* Order-independent: XOR of one FNV-1a per switch over its GUID and LFT. */
static uint64_t lft_hash(const ftopo_routes *routes)
{
    const ftopo_fabric *f = ftopo_routes_fabric(routes);
    size_t entries = (size_t)ftopo_routes_lid_top(routes) + 1;
    uint64_t all = 0;
    for (size_t s = 0; s < ftopo_routes_num_switches(routes); s++) {
        ftopo_node_id sw = ftopo_routes_switch_node(routes, s);
        ftopo_node_info ni;
        ftopo_node_get(f, sw, &ni);
        uint64_t h = 1469598103934665603ULL;
        for (int i = 0; i < 8; i++)
            h = (h ^ ((ni.node_guid >> (8 * i)) & 0xff)) * 1099511628211ULL;
        const uint8_t *lft = ftopo_routes_lft(routes, sw);
        for (size_t l = 0; l < entries; l++)
            h = (h ^ lft[l]) * 1099511628211ULL;
        all ^= h;
    }
    return all ? all : 1;
}

/* Entries that differ between two route sets of possibly different fabric
 * objects, matched by switch GUID and LID. */
static size_t lft_differences(const ftopo_routes *old, const ftopo_routes *now)
{
    const ftopo_fabric *fo = ftopo_routes_fabric(old), *fn = ftopo_routes_fabric(now);
    ftopo_lid top_o = ftopo_routes_lid_top(old), top_n = ftopo_routes_lid_top(now);
    ftopo_lid top = top_o > top_n ? top_o : top_n;
    size_t diffs = 0;
    for (size_t s = 0; s < ftopo_routes_num_switches(now); s++) {
        ftopo_node_id sw = ftopo_routes_switch_node(now, s);
        ftopo_node_info ni;
        ftopo_node_get(fn, sw, &ni);
        ftopo_node_id o = fabd__node_by_guid(fo, ni.node_guid);
        for (ftopo_lid l = 1; l <= top; l++) {
            uint8_t a = ftopo_routes_get(now, sw, l);
            uint8_t b = o == FTOPO_NONE ? FTOPO_LFT_NONE : ftopo_routes_get(old, o, l);
            diffs += a != b;
        }
    }
    return diffs;
}

static ftopo_routes *read_lfts(fabd_core *core, const ftopo_fabric *fabric)
{
    ftopo_diag d = fabd__lib_diag(core);
    ftopo_routes *routes = NULL;
    double t0 = fabd__mono();
    ftopo_status st = fabd__read_lfts(core, &core->w.cfg, fabric, &routes, &d);
    if (st != FTOPO_OK)
        fabd__log(core, FTOPO_LOG_ERROR, "reading the LFTs: %s", d.message);
    pthread_mutex_lock(&core->lock);
    fabd_health *h = &core->health;
    h->last_lft_seconds = fabd__mono() - t0;
    h->last_lft_ok = st == FTOPO_OK;
    if (st != FTOPO_OK)
        h->lft_failures++;
    fabd__copy_desc(h->last_lft_error, sizeof(h->last_lft_error), st == FTOPO_OK ? "" : d.message);
    pthread_mutex_unlock(&core->lock);
    return routes;
}

/* ---- One sweep ----------------------------------------------------------------- */

static void replace_topo(fabd_core *core, fabd__topo *topo)
{
    fabd__worker *w = &core->w;
    fabd__counters_remap(core, w->topo, topo);
    fabd__topo_unref(w->topo);
    w->topo = topo;
}

/* Discovery and what follows from it. Returns false when discovery failed
 * (the last topology stays). */
static bool sweep(fabd_core *core, bool forced)
{
    fabd__worker *w = &core->w;
    const fabd_core_opts *c = &w->cfg;
    ftopo_diag d = fabd__lib_diag(core);
    ftopo_fabric *fabric = NULL;
    double t0 = fabd__mono(), now = fabd__now();
    ftopo_status st = fabd__discover(core, c, &fabric, &d);
    double secs = fabd__mono() - t0;

    pthread_mutex_lock(&core->lock);
    bool was_ok = core->health.last_sweep_ok || core->health.sweeps == 0;
    core->health.sweeps++;
    core->health.last_sweep_at = now;
    core->health.last_sweep_seconds = secs;
    core->health.last_sweep_ok = st == FTOPO_OK;
    if (st != FTOPO_OK) {
        core->health.sweep_failures++;
        core->health.failures_in_row++;
        core->health.last_error_at = now;
        fabd__copy_desc(core->health.last_error, sizeof(core->health.last_error), d.message);
    } else {
        core->health.failures_in_row = 0;
        core->health.last_error[0] = '\0';
    }
    pthread_mutex_unlock(&core->lock);
    w->sweeps++;
    if (st != FTOPO_OK) {
        /* One event when sweeps start failing, not one per sweep. */
        if (was_ok)
            fabd__event_queuef(core, FABD_EV_SWEEP_FAILED, 0, "discovery failed: %s", d.message);
        else
            fabd__log(core, FTOPO_LOG_DEBUG, "discovery still failing: %s", d.message);
        return false;
    }
    w->swept_at = now;
    w->sweep_seconds = secs;

    const ftopo_fabric *base = w->topo ? w->topo->fabric : w->prev_fabric;
    bool changed =
        !base || record_changes(core, base, fabric, now) || addressing_changed(base, fabric);
    ftopo_fabric_destroy(w->prev_fabric); /* only the first sweep diffs against disk */
    w->prev_fabric = NULL;
    if (changed)
        w->lft_settle_left = c->lft_settle_sweeps;

    bool need_lfts = changed || forced || !w->topo || !w->topo->routes || w->lft_settle_left > 0 ||
                     ++w->sweeps_since_lft >= c->lft_refresh_sweeps;
    if (!need_lfts) {
        ftopo_fabric_destroy(fabric);
        return true;
    }
    fabd__topo *topo = fabd__topo_new(fabric);
    if (!topo) {
        fabd__log(core, FTOPO_LOG_ERROR, "sweep: out of memory");
        ftopo_fabric_destroy(fabric);
        return true;
    }
    if (w->lft_settle_left > 0)
        w->lft_settle_left--;
    w->sweeps_since_lft = 0;
    topo->routes = read_lfts(core, fabric);
    if (topo->routes) {
        topo->lft_hash = lft_hash(topo->routes);
        topo->lft_read_at = fabd__now();
    }
    const fabd__topo *old = w->topo;
    if (!changed && old && old->routes && (!topo->routes || topo->lft_hash == old->lft_hash)) {
        fabd__topo_unref(topo); /* nothing new: keep sharing the published one */
        return true;
    }
    /* Against the last tables read, even when reads failed in between
     * (while the SM re-routes, LID-routed reads can fail). */
    if (topo->routes && w->lft_base && topo->lft_hash != w->lft_base->lft_hash) {
        size_t n = lft_differences(w->lft_base->routes, topo->routes);
        fabd__event_queuef(core, FABD_EV_LFT_CHANGED, (double)n,
                           "forwarding tables changed: %zu entries differ", n);
    }
    if (topo->routes) {
        fabd__topo_unref(w->lft_base);
        w->lft_base = fabd__topo_ref(topo);
    }
    replace_topo(core, topo);
    if (changed)
        fabd__store_save(core, fabric, w->down, w->num_down);
    return true;
}

/* ---- The snapshot --------------------------------------------------------------- */

static void publish(fabd_core *core)
{
    fabd__worker *w = &core->w;
    if (!w->topo)
        return;
    fabd_snapshot *snap = fabd__snapshot_new(w->topo);
    if (!snap) {
        fabd__log(core, FTOPO_LOG_ERROR, "publishing a snapshot: out of memory");
        return;
    }
    snap->sweep_seq = w->sweeps;
    snap->poll_seq = w->polls;
    snap->swept_at = w->swept_at;
    snap->sweep_seconds = w->sweep_seconds;
    snap->polled_at = w->polled_at;
    size_t slots = w->topo->num_port_slots, links = ftopo_num_links(w->topo->fabric);
    fabd_port_counters *counters = malloc((slots ? slots : 1) * sizeof(*counters));
    fabd_dlink_stats *dlinks = calloc(2 * links + 1, sizeof(*dlinks));
    fabd_down_link *down = malloc((w->num_down + 1) * sizeof(*down));
    if (!counters || !dlinks || !down) {
        free(counters);
        free(dlinks);
        free(down);
        fabd_snapshot_release(snap);
        fabd__log(core, FTOPO_LOG_ERROR, "publishing a snapshot: out of memory");
        return;
    }
    if (w->counters)
        memcpy(counters, w->counters, slots * sizeof(*counters));
    else
        memset(counters, 0, (slots ? slots : 1) * sizeof(*counters));
    if (w->num_down)
        memcpy(down, w->down, w->num_down * sizeof(*down));
    fabd__dlink_stats(core, dlinks);
    snap->counters = counters;
    snap->dlinks = dlinks;
    snap->num_dlinks = 2 * links;
    snap->down_links = down;
    snap->num_down_links = w->num_down;
    fabd__publish(core, snap);
}

/* ---- The thread ------------------------------------------------------------------ */

static struct timespec mono_ts(double t)
{
    struct timespec ts;
    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
    return ts;
}

void *fabd__sweeper_main(void *arg)
{
    fabd_core *core = arg;
    fabd__worker *w = &core->w;
    /* When the last sweep and poll ended; what is due follows from the
     * intervals as they are now, so a SIGHUP that shortens one applies at
     * once. */
    double last_sweep = -1e18, last_poll = -1e18;
    for (;;) {
        pthread_mutex_lock(&core->lock);
        double due_sweep, due_poll;
        for (;;) {
            due_sweep = last_sweep + core->opts.sweep_interval_ms / 1000.0;
            due_poll = core->opts.poll_interval_ms > 0
                           ? last_poll + core->opts.poll_interval_ms / 1000.0
                           : due_sweep;
            double due = due_poll < due_sweep ? due_poll : due_sweep;
            if (core->stop || core->trigger_req != core->trigger_done || fabd__mono() >= due)
                break;
            struct timespec until = mono_ts(due);
            pthread_cond_timedwait(&core->cond, &core->lock, &until);
        }
        if (core->stop) {
            pthread_mutex_unlock(&core->lock);
            break;
        }
        w->cfg = core->opts;
        uint64_t taken = core->trigger_req;
        bool forced = taken != core->trigger_done;
        pthread_mutex_unlock(&core->lock);

        double now = fabd__mono();
        bool swept = false;
        if (forced || now >= due_sweep) {
            sweep(core, forced);
            swept = true;
            last_sweep = fabd__mono();
        }
        if (w->topo && w->cfg.poll_interval_ms > 0 && (swept || now >= due_poll)) {
            fabd__poll_counters(core, fabd__now());
            last_poll = fabd__mono();
        }
        publish(core);
        fabd__events_flush(core);
        if (forced) {
            pthread_mutex_lock(&core->lock);
            core->trigger_done = taken;
            pthread_cond_broadcast(&core->cond);
            pthread_mutex_unlock(&core->lock);
        }
        fabd__plans_check(core);
    }
    return NULL;
}

void fabd__worker_free(fabd__worker *w)
{
    fabd__topo_unref(w->topo);
    fabd__topo_unref(w->lft_base);
    ftopo_fabric_destroy(w->prev_fabric);
    fabd__counters_close(w);
    free(w->counters);
    free(w->smooth);
    free(w->pm_capmask);
    free(w->down);
    free(w->pending);
    memset(w, 0, sizeof(*w));
}

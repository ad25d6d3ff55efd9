/* The core's life cycle, its snapshots and their references, health and
 * control. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core_int.h"

/* ---- Logging ---------------------------------------------------------------- */

static const char *const level_names[] = {"error", "warning", "info", "debug"};

static void vlog(fabd_core *core, ftopo_log_level level, const char *fmt, va_list ap)
{
    if ((int)level > atomic_load(&core->log_level))
        return;
    char line[FTOPO_DIAG_MESSAGE_MAX + 128];
    vsnprintf(line, sizeof(line), fmt, ap);
    if (core->opts.log)
        core->opts.log(core->opts.log_user, level, line);
    else
        fprintf(stderr, "fabricd: %s: %s\n", level_names[level], line);
}

void fabd__log(fabd_core *core, ftopo_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(core, level, fmt, ap);
    va_end(ap);
}

ftopo_status fabd__fail(ftopo_diag *diag, ftopo_status status, const char *fmt, ...)
{
    if (diag) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(diag->message, sizeof(diag->message), fmt, ap);
        va_end(ap);
    }
    return status;
}

void fabd__fmt(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
}

static void lib_log(void *user, ftopo_log_level level, const char *message)
{
    fabd__log(user, level, "%s", message);
}

ftopo_diag fabd__lib_diag(fabd_core *core)
{
    /* The library's progress lines (INFO) would repeat every sweep. */
    int level = atomic_load(&core->log_level);
    ftopo_log_level max = level < FTOPO_LOG_WARN ? (ftopo_log_level)level : FTOPO_LOG_WARN;
    return (ftopo_diag){.log = lib_log, .log_user = core, .max_level = max};
}

double fabd__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double fabd__mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void fabd__copy_desc(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* ---- Topologies and snapshots --------------------------------------------- */

fabd__topo *fabd__topo_new(ftopo_fabric *fabric)
{
    fabd__topo *t = calloc(1, sizeof(*t));
    size_t n = ftopo_num_nodes(fabric);
    size_t *index = calloc(n ? n : 1, sizeof(*index));
    if (!t || !index) {
        free(t);
        free(index);
        return NULL;
    }
    size_t slots = 0;
    for (size_t i = 0; i < n; i++) {
        ftopo_node_info ni;
        index[i] = slots;
        if (ftopo_node_get(fabric, (ftopo_node_id)i, &ni) == FTOPO_OK)
            slots += (size_t)ni.num_ports;
    }
    atomic_init(&t->refs, 1);
    fabd__cache_init(&t->cache);
    t->fabric = fabric;
    t->port_index = index;
    t->num_port_slots = slots;
    return t;
}

fabd__topo *fabd__topo_ref(fabd__topo *topo)
{
    atomic_fetch_add(&topo->refs, 1);
    return topo;
}

void fabd__topo_unref(fabd__topo *topo)
{
    if (!topo || atomic_fetch_sub(&topo->refs, 1) != 1)
        return;
    fabd__cache_free(&topo->cache);
    ftopo_routes_destroy(topo->routes);
    ftopo_fabric_destroy(topo->fabric);
    free(topo->port_index);
    free(topo);
}

/* One allocation holds the snapshot and its private part; the arrays are
 * filled by the caller before publishing. */
fabd_snapshot *fabd__snapshot_new(fabd__topo *topo)
{
    struct {
        fabd_snapshot snap;
        struct fabd__snap_priv priv;
    } *both = calloc(1, sizeof(*both));
    if (!both)
        return NULL;
    both->snap.priv = &both->priv;
    atomic_init(&both->priv.refs, 1);
    fabd__cache_init(&both->priv.cache);
    both->priv.topo = fabd__topo_ref(topo);
    both->snap.fabric = topo->fabric;
    both->snap.routes = topo->routes;
    both->snap.lft_hash = topo->lft_hash;
    both->snap.lft_read_at = topo->lft_read_at;
    both->snap.port_index = topo->port_index;
    return &both->snap;
}

fabd_snapshot *fabd_core_snapshot(fabd_core *core)
{
    pthread_mutex_lock(&core->lock);
    fabd_snapshot *snap = core->current;
    if (snap)
        atomic_fetch_add(&snap->priv->refs, 1);
    pthread_mutex_unlock(&core->lock);
    return snap;
}

void fabd_snapshot_release(fabd_snapshot *snap)
{
    if (!snap || atomic_fetch_sub(&snap->priv->refs, 1) != 1)
        return;
    fabd__cache_free(&snap->priv->cache);
    fabd__topo_unref(snap->priv->topo);
    free((void *)snap->counters);
    free((void *)snap->dlinks);
    free((void *)snap->down_links);
    free(snap); /* the snapshot is the first member of its allocation */
}

const fabd_port_counters *fabd_snapshot_port(const fabd_snapshot *snap, ftopo_node_id node,
                                             int port)
{
    ftopo_node_info ni;
    if (!snap || !snap->counters || ftopo_node_get(snap->fabric, node, &ni) != FTOPO_OK ||
        port < 1 || port > ni.num_ports)
        return NULL;
    return &snap->counters[snap->port_index[node] + (size_t)port - 1];
}

void fabd__publish(fabd_core *core, fabd_snapshot *snap)
{
    size_t congested = 0, erroring = 0;
    for (size_t d = 0; d < snap->num_dlinks; d++) {
        congested += snap->dlinks[d].congested;
        erroring += snap->dlinks[d].erroring;
    }
    pthread_mutex_lock(&core->lock);
    fabd_snapshot *old = core->current;
    core->current = snap;
    core->health.published_at = fabd__now();
    core->health.nodes = ftopo_num_nodes(snap->fabric);
    core->health.links = ftopo_num_links(snap->fabric);
    core->health.down_links = snap->num_down_links;
    core->health.congested_dlinks = congested;
    core->health.erroring_dlinks = erroring;
    pthread_mutex_unlock(&core->lock);
    fabd_snapshot_release(old);
}

/* ---- Health and control ----------------------------------------------------- */

const char *fabd_health_state_str(fabd_health_state state)
{
    static const char *const names[] = {"starting", "ok", "degraded", "failing", "stopped"};
    return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "unknown";
}

void fabd_core_health(fabd_core *core, fabd_health *out)
{
    pthread_mutex_lock(&core->lock);
    *out = core->health;
    out->last_event_id = core->next_event_id - 1;
    out->read_at = fabd__now();
    bool published = core->current != NULL;
    pthread_mutex_unlock(&core->lock);
    if (!out->running)
        out->state = FABD_HEALTH_STOPPED;
    else if (out->failures_in_row >= FABD_HEALTH_FAILING_SWEEPS)
        out->state = FABD_HEALTH_FAILING;
    else if (!published)
        out->state = FABD_HEALTH_STARTING;
    else
        out->state =
            out->failures_in_row || !out->last_lft_ok ? FABD_HEALTH_DEGRADED : FABD_HEALTH_OK;
}

static void deadline_after(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

ftopo_status fabd_core_trigger_sweep(fabd_core *core, int timeout_ms, uint64_t *sweep_seq)
{
    ftopo_status st = FTOPO_OK;
    pthread_mutex_lock(&core->lock);
    uint64_t req = ++core->trigger_req;
    pthread_cond_broadcast(&core->cond);
    if (timeout_ms > 0) {
        struct timespec until;
        deadline_after(&until, timeout_ms);
        while (core->trigger_done < req && !core->stop)
            if (pthread_cond_timedwait(&core->cond, &core->lock, &until) == ETIMEDOUT)
                break;
        if (core->trigger_done < req)
            st = FTOPO_ERR_TIMEOUT;
    }
    if (sweep_seq)
        *sweep_seq = core->health.sweeps;
    pthread_mutex_unlock(&core->lock);
    return st;
}

/* ---- Life cycle ------------------------------------------------------------- */

static void apply_defaults(fabd_core_opts *o)
{
    if (o->sweep_interval_ms <= 0)
        o->sweep_interval_ms = 10000;
    if (o->discover_timeout_ms <= 0)
        o->discover_timeout_ms = 120000;
    if (o->poll_interval_ms == 0)
        o->poll_interval_ms = 2000;
    if (o->lft_settle_sweeps <= 0)
        o->lft_settle_sweeps = 3;
    if (o->lft_refresh_sweeps <= 0)
        o->lft_refresh_sweeps = 10;
    if (!(o->ewma_alpha > 0 && o->ewma_alpha <= 1))
        o->ewma_alpha = 0.5;
    if (!(o->xmit_wait_ticks_per_s > 0))
        o->xmit_wait_ticks_per_s = 1e8;
    if (!(o->congested_threshold > 0))
        o->congested_threshold = 0.1;
    if (!(o->error_threshold > 0))
        o->error_threshold = 0.1;
    if (o->max_events == 0)
        o->max_events = 10000;
    if (o->max_plans == 0)
        o->max_plans = 16;
}

static char *dup_opt(const char *s, bool *ok)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *ok = false;
    return d;
}

ftopo_status fabd_core_create(const fabd_core_opts *opts, fabd_core **out, ftopo_diag *diag)
{
    if (!opts || !out)
        return fabd__fail(diag, FTOPO_ERR_ARG, "fabd_core_create: no options");
    *out = NULL;
    fabd_core *core = calloc(1, sizeof(*core));
    if (!core)
        return fabd__fail(diag, FTOPO_ERR_NOMEM, "out of memory");
    core->opts = *opts;
    apply_defaults(&core->opts);
    atomic_init(&core->log_level, (int)opts->log_level);
    bool ok = true;
    core->opts.state_dir = dup_opt(opts->state_dir, &ok);
    core->opts.master_path = dup_opt(opts->master_path, &ok);
    core->opts.ca_name = dup_opt(opts->ca_name, &ok);
    core->ev_cap = core->opts.max_events;
    core->events = calloc(core->ev_cap, sizeof(*core->events));
    core->plans = calloc(core->opts.max_plans, sizeof(*core->plans));
    core->next_event_id = 1;
    core->next_plan_id = 1;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&core->cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&core->lock, NULL);
    if (!ok || !core->events || !core->plans) {
        fabd_core_destroy(core);
        return fabd__fail(diag, FTOPO_ERR_NOMEM, "out of memory");
    }
    core->health.started_at = fabd__now();
    core->health.last_lft_ok = true; /* nothing has failed yet */

    ftopo_status st = fabd__store_open(core, diag);
    if (st != FTOPO_OK) {
        fabd_core_destroy(core);
        return st;
    }
    core->w.prev_fabric = fabd__store_load_topology(core);
    fabd__store_load_down(core, &core->w);
    *out = core;
    return FTOPO_OK;
}

ftopo_status fabd_core_start(fabd_core *core, ftopo_diag *diag)
{
    pthread_mutex_lock(&core->lock);
    bool started = core->thread_started;
    pthread_mutex_unlock(&core->lock);
    if (started)
        return fabd__fail(diag, FTOPO_ERR_STATE, "the sweeper is already running");
    fabd__event_emitf(core, FABD_EV_DAEMON_STARTED, 0,
                      "fabricd started (sweep every %d ms, counters every %d ms)",
                      core->opts.sweep_interval_ms, core->opts.poll_interval_ms);
    int rc = pthread_create(&core->thread, NULL, fabd__sweeper_main, core);
    if (rc != 0)
        return fabd__fail(diag, FTOPO_ERR_NOMEM, "cannot start the sweeper thread: %s",
                          strerror(rc));
    pthread_mutex_lock(&core->lock);
    core->thread_started = true;
    core->health.running = true;
    pthread_mutex_unlock(&core->lock);
    return FTOPO_OK;
}

void fabd_core_stop(fabd_core *core)
{
    pthread_mutex_lock(&core->lock);
    core->stop = true;
    bool join = core->thread_started;
    core->thread_started = false;
    pthread_cond_broadcast(&core->cond);
    pthread_mutex_unlock(&core->lock);
    if (!join)
        return;
    pthread_join(core->thread, NULL);
    pthread_mutex_lock(&core->lock);
    core->health.running = false;
    pthread_mutex_unlock(&core->lock);
    if (core->w.topo)
        fabd__store_save(core, core->w.topo->fabric, core->w.down, core->w.num_down);
}

void fabd_core_reconfigure(fabd_core *core, const fabd_core_opts *opts)
{
    fabd_core_opts o = *opts;
    apply_defaults(&o);
    pthread_mutex_lock(&core->lock);
    core->opts.sweep_interval_ms = o.sweep_interval_ms;
    core->opts.poll_interval_ms = o.poll_interval_ms;
    core->opts.discover_timeout_ms = o.discover_timeout_ms;
    core->opts.lft_settle_sweeps = o.lft_settle_sweeps;
    core->opts.lft_refresh_sweeps = o.lft_refresh_sweeps;
    core->opts.ewma_alpha = o.ewma_alpha;
    core->opts.xmit_wait_ticks_per_s = o.xmit_wait_ticks_per_s;
    core->opts.congested_threshold = o.congested_threshold;
    core->opts.error_threshold = o.error_threshold;
    core->opts.log_level = o.log_level;
    atomic_store(&core->log_level, (int)o.log_level);
    pthread_cond_broadcast(&core->cond); /* a shorter interval applies now */
    pthread_mutex_unlock(&core->lock);
}

void fabd_core_destroy(fabd_core *core)
{
    if (!core)
        return;
    fabd_core_stop(core);
    fabd__plans_free(core);
    fabd_snapshot_release(core->current);
    fabd__worker_free(&core->w);
    fabd__store_close(core);
    free(core->events);
    free((char *)core->opts.state_dir);
    free((char *)core->opts.master_path);
    free((char *)core->opts.ca_name);
    pthread_cond_destroy(&core->cond);
    pthread_mutex_destroy(&core->lock);
    free(core);
}

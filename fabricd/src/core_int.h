/* Internals shared by the core's files (fabd__ names). Not for the HTTP
 * layer: it uses state.h only.
 *
 * Threads and ownership:
 *  - core->lock guards the current snapshot pointer, the event ring and log
 *    file, the plan list, the control flags and the health figures; it is
 *    held only to copy or swap, never across a MAD or a plan.
 *  - core->w (fabd__worker) belongs to the sweeper thread alone.
 *  - a fabd__topo (fabric + routes) and a snapshot are immutable once
 *    published and freed by the last reference. */
#ifndef FABD_CORE_INT_H
#define FABD_CORE_INT_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

#include "state.h"

#define FABD__PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Built reply bodies (reply_cache.c). */
typedef struct fabd__cache {
    pthread_mutex_t lock;
    char *data[FABD_CACHE_SLOTS];
    size_t len[FABD_CACHE_SLOTS];
} fabd__cache;

void fabd__cache_init(fabd__cache *cache);
void fabd__cache_free(fabd__cache *cache);

/* A discovered fabric with the LFTs read for it, shared by the snapshots
 * published until the next topology change. */
typedef struct fabd__topo {
    atomic_int refs;
    ftopo_fabric *fabric;
    ftopo_routes *routes; /* NULL until an LFT read succeeded */
    uint64_t lft_hash;
    double lft_read_at;
    size_t *port_index; /* per node: first slot of its ports */
    size_t num_port_slots;
    fabd__cache cache; /* the topology slots */
} fabd__topo;

fabd__topo *fabd__topo_new(ftopo_fabric *fabric); /* takes the fabric; NULL: no memory */
fabd__topo *fabd__topo_ref(fabd__topo *topo);
void fabd__topo_unref(fabd__topo *topo);

struct fabd__snap_priv {
    atomic_int refs;
    fabd__topo *topo;
    fabd__cache cache; /* the per-snapshot slots */
};

/* Smoothed figures the poller keeps per port (worker only). */
typedef struct fabd__port_smooth {
    double util, cong, err; /* EWMA of transmit utilization, congestion, receive errors/s */
    bool congested, erroring, seen;
} fabd__port_smooth;

/* The sweeper thread's own state. */
typedef struct fabd__worker {
    fabd_core_opts cfg;             /* copied under the lock each round (SIGHUP) */
    double swept_at, sweep_seconds; /* the last successful discovery */
    uint64_t sweeps, polls;
    fabd__topo *topo;             /* the current topology (NULL before the first sweep) */
    fabd__topo *lft_base;         /* the last topology whose LFTs were read */
    ftopo_fabric *prev_fabric;    /* loaded from disk, for the first diff only */
    fabd_port_counters *counters; /* topo->num_port_slots */
    fabd__port_smooth *smooth;    /* same */
    uint32_t *pm_capmask;         /* per node: PMA CapabilityMask | FABD__CAP_ASKED */
    fabd_down_link *down;         /* known links now missing */
    size_t num_down, cap_down;
    double polled_at;
    int lft_settle_left; /* re-reads still due after a change */
    int sweeps_since_lft;
    struct ibmad_port *pma_port; /* kept open between polls */
    size_t poll_failures;        /* ports that did not answer the last poll */
    fabd_event *pending;         /* events of this round, recorded after its snapshot */
    size_t num_pending, cap_pending;
} fabd__worker;

struct fabd_core {
    fabd_core_opts opts;       /* strings owned (strdup); numbers change under lock (SIGHUP) */
    atomic_int log_level;      /* opts.log_level, read by every thread without the lock */
    ftopo_diag lib_diag_proto; /* log settings for library calls */

    pthread_mutex_t lock;
    pthread_cond_t cond; /* events, sweep done, trigger, stop (CLOCK_MONOTONIC) */

    fabd_snapshot *current;

    /* Events: ring of the newest max_events. */
    fabd_event *events;
    size_t ev_cap, ev_start, ev_count;
    uint64_t next_event_id;
    FILE *event_log;
    size_t event_log_lines;

    /* Control. */
    bool stop, thread_started;
    pthread_t thread;
    uint64_t trigger_req, trigger_done;

    fabd_health health;

    /* Plans, newest first. */
    fabd_plan **plans;
    size_t num_plans;
    uint64_t next_plan_id;

    fabd__worker w;
};

/* Logging and errors (core.c). fabd__fail writes the message into diag (when
 * given) and returns status; it does not log: the caller that ends the
 * error's path logs it once. */
void fabd__log(fabd_core *core, ftopo_log_level level, const char *fmt, ...) FABD__PRINTF(3, 4);
ftopo_status fabd__fail(ftopo_diag *diag, ftopo_status status, const char *fmt, ...)
    FABD__PRINTF(3, 4);
/* A diag for a library call, logging its warnings through the core. */
ftopo_diag fabd__lib_diag(fabd_core *core);
/* snprintf for one-line texts for people (event messages): cut when long. */
void fabd__fmt(char *buf, size_t cap, const char *fmt, ...) FABD__PRINTF(3, 4);
double fabd__now(void); /* Unix time */
double fabd__mono(void);
void fabd__copy_desc(char *dst, size_t cap, const char *src);

/* Snapshots (core.c): publish takes the topo reference and the arrays. */
void fabd__publish(fabd_core *core, fabd_snapshot *snap);
fabd_snapshot *fabd__snapshot_new(fabd__topo *topo);

/* Events (events.c). fill: type, guids/ports/descs, value, message; id and
 * time are set here. Locks core->lock. */
void fabd__event_emit(fabd_core *core, fabd_event *ev);
void fabd__event_emitf(fabd_core *core, fabd_event_type type, double value, const char *fmt, ...)
    FABD__PRINTF(4, 5);
/* The sweeper's events wait for the snapshot that shows them, so that a
 * client woken by an event reads a state that has it: queue during the
 * round (worker only), flush after publishing. */
void fabd__event_queue(fabd_core *core, const fabd_event *ev);
void fabd__event_queuef(fabd_core *core, fabd_event_type type, double value, const char *fmt, ...)
    FABD__PRINTF(4, 5);
void fabd__events_flush(fabd_core *core);
/* Ring insertion without persisting (the event log loader). Lock held. */
void fabd__event_push_locked(fabd_core *core, const fabd_event *ev);

/* Persistence (store.c). */
ftopo_status fabd__store_open(fabd_core *core, ftopo_diag *diag);
void fabd__store_close(fabd_core *core);
void fabd__store_append_event(fabd_core *core, const fabd_event *ev); /* lock held */
ftopo_fabric *fabd__store_load_topology(fabd_core *core);
void fabd__store_save(fabd_core *core, const ftopo_fabric *fabric, const fabd_down_link *down,
                      size_t num_down);
void fabd__store_load_down(fabd_core *core, fabd__worker *w);

/* MAD work in child processes (mad_child.c), worker thread only. Both fail
 * with FTOPO_ERR_TIMEOUT after c->discover_timeout_ms and FTOPO_ERR_STATE
 * when the core stops meanwhile. read_lfts: *out uses FTOPO_LIDS_FABRIC. */
ftopo_status fabd__discover(fabd_core *core, const fabd_core_opts *c, ftopo_fabric **out,
                            ftopo_diag *diag);
ftopo_status fabd__read_lfts(fabd_core *core, const fabd_core_opts *c, const ftopo_fabric *fabric,
                             ftopo_routes **out, ftopo_diag *diag);

/* Sweeps (sweep.c) and counters (counters.c), worker thread only. */
void *fabd__sweeper_main(void *arg);
#define FABD__CAP_ASKED 0x10000u
void fabd__poll_counters(fabd_core *core, double now);
/* Carries counters and smoothing over to a new topology, port by port (by
 * GUID): a topology change does not restart the rates. */
void fabd__counters_remap(fabd_core *core, const fabd__topo *old_topo, const fabd__topo *new_topo);
/* Per directed link figures of the current topology into dlinks (2 x links). */
void fabd__dlink_stats(fabd_core *core, fabd_dlink_stats *dlinks);
void fabd__counters_close(fabd__worker *w);
void fabd__worker_free(fabd__worker *w);

/* Plans (planner.c). */
void fabd__plans_check(fabd_core *core);
void fabd__plans_free(fabd_core *core);

/* Lookups by GUID that ignore port GUIDs (diff.c). */
ftopo_node_id fabd__node_by_guid(const ftopo_fabric *fabric, uint64_t guid);
/* Whether port `port` of node `guid` is cabled to port `peer_port` of node
 * `peer_guid` in fabric; *link gets the link (FTOPO_NONE when not). */
bool fabd__has_link(const ftopo_fabric *fabric, uint64_t guid, int port, uint64_t peer_guid,
                    int peer_port, ftopo_link_id *link);

#endif

/* The daemon's core: what fabricd knows about the fabric and how the HTTP
 * layer asks for it.
 *
 * One worker thread (the sweeper, sweep.c) owns every MAD: it discovers the
 * fabric, reads LFTs when they may have changed, polls port counters, diffs
 * each sweep against the last and records events. After each round it
 * publishes an immutable snapshot. Readers (the API threads) take a
 * reference to the current snapshot under a mutex held only for the pointer
 * swap, read it without any lock for as long as they like, and release it;
 * a sweep never waits for a reader and a reader never waits for a sweep.
 *
 * Errors use ftopo_status (see ftopo/status.h) with the reason in a
 * caller's ftopo_diag, so that the HTTP layer maps one status enum:
 * FTOPO_ERR_ARG / PARSE / NOT_FOUND -> 4xx, FTOPO_ERR_STATE (no snapshot
 * yet) -> 503, FTOPO_ERR_TIMEOUT -> 504, the rest -> 500. */
#ifndef FABD_STATE_H
#define FABD_STATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ftopo/fabric.h"
#include "ftopo/plan.h"
#include "ftopo/route.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fabd_core fabd_core;
struct fabd_snapshot;

/* ---- Options -------------------------------------------------------------- */

typedef struct fabd_core_opts {
    const char *state_dir;   /* topology and event log live here; NULL: nothing persisted */
    const char *master_path; /* saved master topology (any ftopo format); NULL: none */
    const char *ca_name;     /* local CA for MADs; NULL: the first */
    int ca_port;             /* 0: the first active port */
    int mad_timeout_ms;      /* 0: library default */
    int mad_retries;         /* 0: library default */
    int sweep_interval_ms;   /* discovery period; 0: 10000 */
    int discover_timeout_ms; /* a discovery or LFT read that takes longer fails; 0: 120000 */
    int poll_interval_ms;    /* counter poll period; 0: 2000; <0: counters off */
    /* LFTs are re-read after every topology change and on the next
     * `lft_settle_sweeps` sweeps (the SM re-routes after we see the change),
     * and anyway every `lft_refresh_sweeps` sweeps. 0: 3 and 10. */
    int lft_settle_sweeps;
    int lft_refresh_sweeps;
    /* Counter smoothing and thresholds. */
    double ewma_alpha;            /* weight of the newest sample, 0..1; 0: 0.5 */
    double xmit_wait_ticks_per_s; /* PortXmitWait ticks in one second of full stall; 0: 1e8 */
    double congested_threshold; /* congestion score at or above which a link is congested; 0: 0.1 */
    double error_threshold;     /* smoothed errors per second that mark a link erroring; 0: 0.1 */
    size_t max_events;          /* kept in memory and on disk; 0: 10000 */
    size_t max_plans;           /* recent ring plans kept; 0: 16 */
    /* Log sink for the core (and the ftopo library calls it makes); NULL:
     * stderr. Called from any thread. */
    ftopo_log_fn log;
    void *log_user;
    ftopo_log_level log_level; /* the most detailed level logged (0: errors only) */
    /* See fabd_core_set_avail_hook; NULL: none. */
    struct fabd_avail_hook {
        void (*fn)(void *user, const struct fabd_snapshot *snap, double *avail);
        void *user;
    } avail_hook;
} fabd_core_opts;

/* ---- Snapshot --------------------------------------------------------------
 * Immutable once published. Every pointer below is owned by the snapshot and
 * valid until fabd_snapshot_release drops the last reference. */

/* Raw port counters of the latest poll (PortCountersExtended for data and
 * packets where the port supports it, PortCounters otherwise; XmitWait and
 * error counters from PortCounters). Data counters are in bytes. */
typedef struct fabd_port_counters {
    bool valid;    /* false: never polled or the query failed */
    bool extended; /* 64-bit data/packet counters */
    uint64_t xmit_bytes, rcv_bytes, xmit_pkts, rcv_pkts;
    uint64_t xmit_wait;
    uint64_t symbol_errors, link_error_recovery, link_downed, rcv_errors;
    uint64_t rcv_remote_phys_errors, rcv_switch_relay_errors, xmit_discards;
    uint64_t xmit_constraint_errors, rcv_constraint_errors, local_link_integrity_errors;
    uint64_t excessive_buffer_overrun_errors, vl15_dropped;
    /* Rates from the last two polls (0 until there are two). */
    double xmit_bytes_per_s, rcv_bytes_per_s;
    double xmit_wait_per_s;
    double errors_per_s; /* every error counter above, summed */
} fabd_port_counters;

/* Derived figures per directed link (2 * link + dir, see ftopo/route.h):
 * the egress port's transmit side, the ingress port's receive errors. */
typedef struct fabd_dlink_stats {
    double utilization; /* smoothed, fraction of the link's rate, 0..1 */
    double congestion;  /* smoothed XmitWait growth / interval, 0..1 */
    double error_rate;  /* smoothed errors per second at the receiving port */
    bool congested;     /* congestion >= congested_threshold */
    bool erroring;      /* error_rate >= error_threshold */
} fabd_dlink_stats;

/* A link that was seen before (in an earlier sweep, or in the topology
 * saved on disk) and is not in the fabric now, with at least one end still
 * there. Ends by GUID: the nodes may be gone from `fabric`. */
typedef struct fabd_down_link {
    uint64_t guid_a, guid_b;
    int port_a, port_b;
    char desc_a[72], desc_b[72];
    ftopo_link_width width; /* as last seen */
    ftopo_link_speed speed;
    double since; /* Unix time the sweep found it missing */
} fabd_down_link;

typedef struct fabd_snapshot {
    uint64_t sweep_seq;   /* discovery sweeps done when this was published */
    uint64_t poll_seq;    /* counter polls done */
    double swept_at;      /* Unix time of the discovery behind `fabric` */
    double polled_at;     /* Unix time of the counters; 0: none yet */
    double sweep_seconds; /* how long that discovery took */

    const ftopo_fabric *fabric; /* the live fabric, finalized */
    /* The LFTs read from the switches; NULL until a read succeeded. */
    const ftopo_routes *routes;
    uint64_t lft_hash; /* FNV-1a over every switch's LFT; 0 with no routes */
    double lft_read_at;

    /* Per port: counters[port_index[node] + port - 1], port 1..num_ports. */
    const size_t *port_index; /* ftopo_num_nodes entries */
    const fabd_port_counters *counters;
    /* Per directed link: 2 * ftopo_num_links(fabric) entries. */
    const fabd_dlink_stats *dlinks;
    size_t num_dlinks;

    const fabd_down_link *down_links;
    size_t num_down_links;

    struct fabd__snap_priv *priv; /* the core's bookkeeping */
} fabd_snapshot;

/* The current snapshot with a reference taken, or NULL before the first
 * sweep finished (FTOPO_ERR_STATE for an API). Never blocks on a sweep. */
fabd_snapshot *fabd_core_snapshot(fabd_core *core);
/* Drops a reference. NULL is fine. */
void fabd_snapshot_release(fabd_snapshot *snap);

/* Reply bodies built once per snapshot and shared by every request on it
 * (reply_cache.c). The topology slots depend on the fabric alone and are
 * kept as long as the topology is. */
typedef enum fabd_cache_slot {
    FABD_CACHE_TOPOLOGY_JSON = 0,
    FABD_CACHE_TOPOLOGY_IBNETDISCOVER,
    FABD_CACHE_TOPOLOGY_DOT,
    FABD_CACHE_TOPOLOGY_GRAPHML,
    FABD_CACHE_TOPOLOGY_SLOTS,
    FABD_CACHE_LINKS = FABD_CACHE_TOPOLOGY_SLOTS, /* + the links filter (5 of them) */
    FABD_CACHE_SLOTS = FABD_CACHE_LINKS + 5
} fabd_cache_slot;

/* Writes a reply body for snap to out. */
typedef ftopo_status (*fabd_cache_build_fn)(const fabd_snapshot *snap, void *ctx, FILE *out,
                                            ftopo_diag *diag);

/* The body in `slot`, built by build(snap, ctx, ...) on the first call
 * (concurrent callers wait for it); *data stays valid while the caller
 * holds its reference to snap. A failed build is not kept. */
ftopo_status fabd_snapshot_cached(const fabd_snapshot *snap, fabd_cache_slot slot,
                                  fabd_cache_build_fn build, void *ctx, const char **data,
                                  size_t *len, ftopo_diag *diag);

/* Counters of a node's port, NULL for a port out of range. */
const fabd_port_counters *fabd_snapshot_port(const fabd_snapshot *snap, ftopo_node_id node,
                                             int port);

/* ---- Events ---------------------------------------------------------------- */

typedef enum fabd_event_type {
    FABD_EV_DAEMON_STARTED = 0,
    FABD_EV_SWEEP_FAILED,     /* discovery failed (message says why) */
    FABD_EV_NODE_ADDED,       /* guid_a: the node */
    FABD_EV_NODE_REMOVED,     /* guid_a: the node */
    FABD_EV_LINK_UP,          /* a, b: both ends */
    FABD_EV_LINK_DOWN,        /* a, b: both ends as last seen */
    FABD_EV_LINK_DEGRADED,    /* width or speed below what was seen before */
    FABD_EV_LINK_RESTORED,    /* back to the width and speed it had */
    FABD_EV_LFT_CHANGED,      /* value: entries that differ */
    FABD_EV_LINK_CONGESTED,   /* a: egress end; value: congestion score */
    FABD_EV_LINK_CLEARED,     /* congestion gone */
    FABD_EV_LINK_ERRORS,      /* a: receiving end; value: errors per second */
    FABD_EV_PLAN_INVALIDATED, /* plan_id: the old plan; value: the new plan's id (0: none
                                 yet, e.g. while the SM re-routes: plan_replanned follows
                                 once the LFTs change and planning succeeds) */
    FABD_EV_PLAN_REPLANNED,   /* plan_id: the new plan; value: the invalidated plan's id */
    FABD_EV_PROBE_ROUND_DONE, /* value: the round's id (GET /api/v1/probes/round/ID) */
    FABD_EV_COUNT
} fabd_event_type;

/* "link_down" etc.; stable names used in the API and the event log. */
const char *fabd_event_type_str(fabd_event_type type);

typedef struct fabd_event {
    uint64_t id; /* 1, 2, ...: strictly increasing, kept across restarts */
    double time; /* Unix time */
    fabd_event_type type;
    uint64_t guid_a, guid_b; /* 0 when not applicable */
    int port_a, port_b;
    char desc_a[72], desc_b[72];
    uint64_t plan_id;
    double value;
    char message[200]; /* one line for people */
} fabd_event;

/* Copies up to `max` events with id > since_id, oldest first, into *out
 * (malloc'ed; the caller frees; NULL when none). When none is there yet
 * waits up to timeout_ms (0: do not wait) for one, or for the core to stop.
 * *latest_id gets the newest id the core holds (for the next call). Events
 * older than the kept window are gone: a since_id below the window returns
 * from the oldest kept. */
ftopo_status fabd_core_events(fabd_core *core, uint64_t since_id, size_t max, int timeout_ms,
                              fabd_event **out, size_t *count, uint64_t *latest_id);

/* ---- Control ---------------------------------------------------------------- */

/* Asks for a discovery sweep (with LFT read and counter poll) now. With
 * timeout_ms > 0 waits until a sweep that started after this call has been
 * published (FTOPO_ERR_TIMEOUT otherwise); *sweep_seq gets its number (may
 * be NULL). */
ftopo_status fabd_core_trigger_sweep(fabd_core *core, int timeout_ms, uint64_t *sweep_seq);

/* What /healthz says. A probe (systemd, Kubernetes, a load balancer)
 * should treat OK and DEGRADED as serving. */
typedef enum fabd_health_state {
    FABD_HEALTH_STARTING = 0, /* no snapshot published yet */
    FABD_HEALTH_OK,           /* the last sweep found the fabric and was published */
    FABD_HEALTH_DEGRADED,     /* the last sweeps failed; the last good snapshot is served */
    FABD_HEALTH_FAILING,      /* FABD_HEALTH_FAILING_SWEEPS or more failed in a row */
    FABD_HEALTH_STOPPED,      /* the sweeper is not running */
} fabd_health_state;

#define FABD_HEALTH_FAILING_SWEEPS 3

/* "starting", "ok", "degraded", "failing", "stopped". */
const char *fabd_health_state_str(fabd_health_state state);

typedef struct fabd_health {
    fabd_health_state state;
    bool running;       /* the sweeper thread is alive */
    bool last_sweep_ok; /* the last discovery succeeded */
    uint64_t sweeps, sweep_failures, polls;
    uint64_t failures_in_row; /* discoveries failed since the last good one */
    double last_error_at;     /* Unix time of the last failed discovery, 0: never */
    double published_at;      /* Unix time the current snapshot was published, 0: none */
    double read_at;           /* Unix time these figures were read (for ages) */
    double started_at, last_sweep_at, last_poll_at; /* Unix times, 0: never */
    double last_sweep_seconds;                      /* discovery only */
    double last_lft_seconds;                        /* the last LFT read */
    /* Forwarding tables: traces, route quality and ring plans need them,
     * so a failed read (no SM has set LIDs, a switch not answering) makes
     * the daemon degraded even though discovery works. */
    bool last_lft_ok; /* the last LFT read succeeded (true before any) */
    uint64_t lft_failures;
    char last_lft_error[FTOPO_DIAG_MESSAGE_MAX]; /* "" when the last read was fine */
    double last_poll_seconds;                    /* the last counter poll */
    uint64_t last_event_id;
    size_t nodes, links, down_links, congested_dlinks, erroring_dlinks;
    char last_error[FTOPO_DIAG_MESSAGE_MAX]; /* "" when the last sweep was fine */
} fabd_health;

void fabd_core_health(fabd_core *core, fabd_health *out);

/* ---- Queries on a snapshot --------------------------------------------------- */

/* Path between two endpoints as the switches route it. src and dst are
 * anything ftopo_routes_resolve takes (host name, GUID, LID, description).
 * FTOPO_ERR_STATE when the snapshot has no routes. out: free with
 * ftopo_trace_free. */
ftopo_status fabd_snapshot_trace(const fabd_snapshot *snap, const char *src, const char *dst,
                                 ftopo_trace *out, ftopo_diag *diag);

/* Route quality of the live LFTs: all-to-all over every host (flows per
 * link, unreachable pairs, credit loops). out: ftopo_analysis_free. Write
 * it with ftopo_analysis_write(snap->routes, ...). */
ftopo_status fabd_snapshot_route_quality(const fabd_snapshot *snap, ftopo_analysis *out,
                                         ftopo_diag *diag);

/* Differences between a reference fabric and another, by GUID and port. */
typedef enum fabd_diff_kind {
    FABD_DIFF_MISSING = 0, /* in the reference, not in the other */
    FABD_DIFF_EXTRA,       /* in the other, not in the reference */
    FABD_DIFF_DEGRADED,    /* narrower or slower in the other */
    FABD_DIFF_UPGRADED,    /* wider or faster in the other */
} fabd_diff_kind;

const char *fabd_diff_kind_str(fabd_diff_kind kind);

typedef struct fabd_diff_node {
    fabd_diff_kind kind; /* MISSING or EXTRA */
    uint64_t guid;
    ftopo_node_type type;
    char desc[72];
} fabd_diff_node;

typedef struct fabd_diff_link {
    fabd_diff_kind kind;
    uint64_t guid_a, guid_b;
    int port_a, port_b;
    char desc_a[72], desc_b[72];
    ftopo_link_width ref_width, width; /* reference's and other's (UNKNOWN when absent) */
    ftopo_link_speed ref_speed, speed;
} fabd_diff_link;

typedef struct fabd_diff {
    fabd_diff_node *nodes;
    size_t num_nodes;
    fabd_diff_link *links;
    size_t num_links;
} fabd_diff;

/* Compares any two finalized fabrics; out is the caller's, free its arrays
 * with fabd_diff_free. Empty diff: equal (LIDs and port states aside). */
ftopo_status fabd_fabric_diff(const ftopo_fabric *ref, const ftopo_fabric *other, fabd_diff *out,
                              ftopo_diag *diag);
void fabd_diff_free(fabd_diff *diff);

/* The live fabric against a master topology: master_path (any readable
 * ftopo format), or the configured one when NULL (FTOPO_ERR_NOT_FOUND when
 * none is configured). FTOPO_ERR_STATE before the first sweep. */
ftopo_status fabd_core_master_diff(fabd_core *core, const char *master_path, fabd_diff *out,
                                   ftopo_diag *diag);
/* The live fabric against a master the caller has (e.g. uploaded to the API
 * and read with ftopo_read_buffer: a path from a remote client should not
 * be opened). Same errors. */
ftopo_status fabd_core_diff_with(fabd_core *core, const ftopo_fabric *master, fabd_diff *out,
                                 ftopo_diag *diag);

/* ---- Ring plans --------------------------------------------------------------
 * Plans are made on the live routes with the live congestion (available
 * capacity of a directed link = 1 - its smoothed congestion/utilization),
 * kept (the most recent max_plans), and watched: when a link a plan loads
 * goes down or becomes congested, the core records PLAN_INVALIDATED and
 * makes a fresh plan for the same hosts. */

typedef struct fabd_plan {
    uint64_t id;       /* 1, 2, ... */
    uint64_t replaces; /* the plan this one replaced after invalidation, 0: none */
    /* Set by the sweeper when the plan is invalidated (atomic: read them
     * without a lock). */
    _Atomic bool valid;
    _Atomic uint64_t replaced_by; /* 0: not replaced */
    char invalid_reason[160];     /* written before valid turns false */
    double created_at;
    char **hosts; /* the request's host names, num_hosts entries */
    size_t num_hosts;
    int channels;
    ftopo_plan plan;           /* the planner's result; host ids of snap->fabric */
    const fabd_snapshot *snap; /* the snapshot it was made on (for writing it) */
    struct fabd__plan_priv *priv;
} fabd_plan;

/* Plans rings (and trees) for the named hosts on the current snapshot.
 * Host names must be hosts of the fabric (FTOPO_ERR_NOT_FOUND naming the
 * first unknown one); repeated names, an empty list or channels < 0 are
 * FTOPO_ERR_ARG; no snapshot or no routes yet is FTOPO_ERR_STATE. *out has
 * a reference for the caller: fabd_plan_release. Write it with
 * ftopo_plan_write((*out)->snap->routes, &(*out)->plan, ...). */
ftopo_status fabd_core_plan(fabd_core *core, const char *const *hosts, size_t num_hosts,
                            int channels, fabd_plan **out, ftopo_diag *diag);
/* A kept plan by id (FTOPO_ERR_NOT_FOUND when not or no longer kept), with
 * a reference: fabd_plan_release. */
ftopo_status fabd_core_plan_get(fabd_core *core, uint64_t id, fabd_plan **out);
/* The kept plans, newest first, each with a reference; *out malloc'ed:
 * release each, then free the array. */
ftopo_status fabd_core_plans(fabd_core *core, fabd_plan ***out, size_t *count);
void fabd_plan_release(fabd_plan *plan);

/* ---- Life cycle ---------------------------------------------------------------- */

/* Discovery runs in a child process and so do LFT reads (mad_child.c says why), the
 * program's own executable run again. Every program that starts a core
 * must therefore begin main() with
 *     int rc = fabd_mad_child_main(argc, argv);
 *     if (rc >= 0)
 *         return rc;
 * It returns -1 unless argv is a discovery child's, whose exit status it
 * returns. */
int fabd_mad_child_main(int argc, char **argv);

/* Creates the core: reads the event log and last topology from state_dir
 * (creating it if needed), so that history and the last known fabric show
 * before the first sweep. Starts no thread. opts is copied (strings too). */
ftopo_status fabd_core_create(const fabd_core_opts *opts, fabd_core **out, ftopo_diag *diag);
/* Starts the sweeper thread (first sweep at once). */
ftopo_status fabd_core_start(fabd_core *core, ftopo_diag *diag);
/* Stops the sweeper (waits for the MAD in flight to end), wakes every
 * waiter in fabd_core_events, and saves state. Safe to call twice. */
void fabd_core_stop(fabd_core *core);
/* Applies the intervals and thresholds of a new config (SIGHUP); strings
 * (state_dir, CA, master) need a restart and are ignored here. */
void fabd_core_reconfigure(fabd_core *core, const fabd_core_opts *opts);
/* Stops if needed and frees everything. Snapshots and plans still
 * referenced by callers stay valid until released. NULL is fine. */
void fabd_core_destroy(fabd_core *core);

#ifdef __cplusplus
}
#endif
/* A hook that lowers avail (per directed link of snap, 0..1) where
 * something else than the port counters knows better (probes.h); called
 * by every planning, from API threads and the sweeper. Set it (fn NULL:
 * none) before fabd_core_start: it is read without a lock. */
void fabd_core_set_avail_hook(fabd_core *core, struct fabd_avail_hook hook);

#endif

/* Internals shared by the probe store's files (probe_*.c). */
#ifndef FABD_PROBE_INT_H
#define FABD_PROBE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "core_int.h"
#include "probe_index.h"
#include "probes.h"

_Static_assert(FABD__NAME_MAX == FABD_PROBE_NAME_MAX, "one name size");

typedef struct fabd__phost {
    char name[FABD_PROBE_NAME_MAX];
    char agent[FABD_PROBE_NAME_MAX]; /* "" when none */
    /* The agent's address and port (the default when left out): what a
     * result naming the agent is compared with. "" when none. */
    char agent_addr[FABD_PROBE_NAME_MAX];
    int agent_port;
    char *inventory; /* JSON text, NULL when none */
    double registered_at, last_seen;
} fabd__phost;

/* The latest result of one (a, b, kind), a < b by strcmp. */
typedef struct fabd__ppair {
    char a[FABD_PROBE_NAME_MAX], b[FABD_PROBE_NAME_MAX];
    uint32_t kind, size, duration_ms;
    bool ok;
    double mbps, avg; /* latest and smoothed bandwidth (ok only) */
    double lat_p50_us, lat_p99_us;
    double time;
    uint64_t samples;
    char error[160];
} fabd__ppair;

#define FABD__ROUND_ERROR_MAX 160

typedef enum { ROUND_QUEUED, ROUND_RUNNING, ROUND_DONE, ROUND_CANCELLED } fabd__round_state;

typedef struct fabd__pround {
    struct fabd_probes *owner;
    uint64_t id;
    fabd__round_state state;
    struct fprobe_req req;
    size_t n;
    char (*names)[FABD_PROBE_NAME_MAX];
    char (*agents)[FABD_PROBE_NAME_MAX];
    double created_at, started_at, finished_at;
    json_object *result;               /* the matrix's reading once done */
    char error[FABD__ROUND_ERROR_MAX]; /* a round that could not run */
} fabd__pround;

struct fabd_probes {
    fabd_core *core;
    char *path; /* STATE_DIR/probes.json, NULL: not persisted */
    pthread_mutex_t lock;
    pthread_cond_t idle; /* a round thread ended */
    fabd__phost *hosts;
    size_t num_hosts, cap_hosts;
    fabd__index host_ix; /* by name */
    fabd__ppair *pairs;
    size_t num_pairs, cap_pairs;
    fabd__index pair_ix; /* by kind, a and b */
    /* Every name of a host or a result, at most FABD_PROBE_MAX_HOSTS: a
     * matrix has a row for each, so results naming ever new hosts must
     * not grow it without bound. */
    fabd__nameset names;
    fabd__pround *rounds[FABD_PROBE_MAX_ROUNDS]; /* oldest first */
    size_t num_rounds;
    uint64_t next_round_id;
    int round_threads; /* started and not yet ended */
    bool stopping;
    atomic_bool cancel;       /* stopping, for the running round's steps */
    pthread_mutex_t run_lock; /* held by the round that probes */
    /* Held while the file is written, taken before lock (never inside
     * it): the store's lock is held only to copy the store out. */
    pthread_mutex_t save_lock;
    double saved_at; /* the file's last write (Unix time) */
    bool dirty;      /* changes not written yet (lock held to set) */
};

/* Lock held. */
fabd__phost *fabd__phost_find(fabd_probes *p, const char *name);
/* The node GUID of the first RDMA device in a host's inventory, 0 when
 * the host or its inventory has none (takes the lock). */
uint64_t fabd__phost_guid(fabd_probes *p, const char *name);
/* Writes the store's changes (p->dirty) to its file; lock NOT held: the
 * store is copied under it, the file written outside it, so requests and
 * rounds never wait for the disk; concurrent callers share one write, and
 * each returns once its change is on disk. Unless forced, at most once
 * per FABD__PROBES_SAVE_S (every agent re-registers every 30 s): the
 * change is written with the next one or at the end. */
#define FABD__PROBES_SAVE_S 5.0
void fabd__probes_save(fabd_probes *p, bool force);
void fabd__probes_load(fabd_probes *p);
void fabd__pround_free(fabd__pround *r);

#endif

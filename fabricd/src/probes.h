/* What fabricd knows from the probe agents (fabprobe): the registered
 * hosts with their inventory, the latest probe result per host pair and
 * kind (with a smoothed history), the bandwidth matrix and what it says
 * (slow pairs, groups of hosts fast inside and slow across, a ring), probe
 * rounds it schedules over the agents, and the planner's view of it.
 *
 * Thread safety: every function may be called from any thread; one mutex
 * guards the store and is never held across a probe or a file write.
 * Persistence: STATE_DIR/probes.json, rewritten after every change (hosts
 * and results, not rounds; heartbeats at most every 5 s); a file that is
 * not JSON is moved to probes.json.corrupt with a warning. */
#ifndef FABD_PROBES_H
#define FABD_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "proto.h"
#include "state.h"

typedef struct fabd_probes fabd_probes;

#define FABD_PROBE_NAME_MAX   64 /* host names and agent addresses, with the NUL */
#define FABD_PROBE_MAX_HOSTS  4096
#define FABD_PROBE_MAX_PAIRS  65536 /* (a, b, kind) records kept */
#define FABD_PROBE_MAX_ROUNDS 16    /* kept, queued and running together */

/* Creates the store and loads STATE_DIR/probes.json when state_dir is set
 * (a file that cannot be read is logged and set aside, a malformed record
 * logged and skipped). core: where events and logs go. */
ftopo_status fabd_probes_create(fabd_core *core, const char *state_dir, fabd_probes **out,
                                ftopo_diag *diag);
/* Cancels the queued rounds and the running one after the step in flight;
 * returns at once. */
void fabd_probes_stop(fabd_probes *p);
/* Stops, waits for the running round, frees. NULL is fine. */
void fabd_probes_destroy(fabd_probes *p);

/* Whether s is a usable host name or agent address: 1..63 bytes of
 * letters, digits and . _ - : [ ]. */
bool fabd_probe_name_ok(const char *s);

/* Registers a host or refreshes it (last seen, agent, inventory); agent
 * may be "" (no agent: its probes cannot be scheduled); inventory may be
 * NULL (keeps the last one); it is copied. *is_new: first registration. */
ftopo_status fabd_probes_register(fabd_probes *p, const char *name, const char *agent,
                                  json_object *inventory, bool *is_new, ftopo_diag *diag);
/* The hosts as JSON ({"hosts": [...]}), or one host (with its inventory)
 * when name is set; NULL when that host is unknown. */
json_object *fabd_probes_hosts_json(fabd_probes *p, const char *name);

/* One probe result. a and b name registered hosts or agent addresses
 * (mapped to the host whose agent it is). */
typedef struct fabd_probe_sample {
    char a[FABD_PROBE_NAME_MAX], b[FABD_PROBE_NAME_MAX];
    uint32_t kind; /* FPROBE_TCP_BW ... FPROBE_IB_LAT */
    uint32_t size, duration_ms;
    bool ok;
    double mbps;                   /* bandwidth kinds */
    double lat_p50_us, lat_p99_us; /* latency kinds */
    char error[160];               /* when !ok */
    double time;                   /* Unix time; 0: now */
} fabd_probe_sample;

/* Keeps the samples (each replaces the last of its pair and kind; the
 * bandwidth average is an EWMA). FTOPO_ERR_ARG when the store is full. */
ftopo_status fabd_probes_add(fabd_probes *p, const fabd_probe_sample *s, size_t n,
                             ftopo_diag *diag);

/* A bandwidth matrix: the latest successful figure per pair (NAN: none),
 * the latest error, and the slow split (probes/src/ring.h). */
typedef struct fabd_probe_matrix {
    uint32_t kind;
    size_t n;
    char (*names)[FABD_PROBE_NAME_MAX];
    double *bw;    /* n x n MB/s, symmetric, NAN where none */
    double *avg;   /* n x n smoothed MB/s, NAN where none */
    char **errors; /* n x n (a < b), malloc'ed strings, NULL where none */
    double median, slow_below;
} fabd_probe_matrix;

/* The matrix of kind (FPROBE_TCP_BW or FPROBE_IB_BW) over hosts (NULL:
 * every registered host and every name a result has). FTOPO_ERR_NOT_FOUND
 * naming a host the store does not know. */
ftopo_status fabd_probes_matrix(fabd_probes *p, uint32_t kind, const char *const *hosts,
                                size_t num_hosts, fabd_probe_matrix *out, ftopo_diag *diag);
void fabd_probe_matrix_free(fabd_probe_matrix *m);
/* The matrix with its reading: slow pairs, failed pairs, groups of hosts
 * whose pairs are fast inside and slow across, the bottlenecks between
 * groups, and a ring order. NULL out of memory. */
json_object *fabd_probe_matrix_json(const fabd_probe_matrix *m);
/* A ring over the matrix's hosts (indices into names); 0 or -1 (no memory). */
int fabd_probe_matrix_ring(const fabd_probe_matrix *m, size_t *order);

/* Schedules a round (fprobe_round_run over the hosts' agents: no host in
 * two probes at once; rounds run one after another). hosts NULL: every
 * registered host with an agent. req: kind FPROBE_TCP_BW or FPROBE_IB_BW,
 * size, duration. Answers at once with the round's id; the round records
 * its results, then the event probe_round_done. */
ftopo_status fabd_probes_round_start(fabd_probes *p, const char *const *hosts, size_t num_hosts,
                                     const struct fprobe_req *req, uint64_t *id, ftopo_diag *diag);
/* A kept round's state (and its matrix once done); NULL when not kept. */
json_object *fabd_probes_round_json(fabd_probes *p, uint64_t id);

/* The planner's hook (fabd_core_set_avail_hook): every measured pair of
 * fabric hosts below the median of its matrix lowers the available
 * capacity of the directed links of its path to at most avail * bw /
 * median. user: the fabd_probes. */
void fabd_probes_adjust_avail(void *user, const fabd_snapshot *snap, double *avail);
/* The same on a fabric and routes (a test can call it without a core). */
void fabd_probes_penalize(fabd_probes *p, const ftopo_fabric *fabric, const ftopo_routes *routes,
                          double *avail, size_t num_dlinks);

#endif

/* The versioned JSON API (/api/v1/...), /healthz and /metrics: one
 * function per endpoint, dispatched by api_dispatch.c. docs/api.md is the
 * reference for what each returns. */
#ifndef FABD_API_H
#define FABD_API_H

#include <stdatomic.h>
#include <stdint.h>

#include "http.h"
#include "state.h"

typedef struct fabd_api {
    fabd_core *core;
    struct fabd_probes *probes; /* the probe agents' store (probes.h) */
    bool probes_only;           /* no MAD fabric: /api/v1/ring orders from the probes */
    _Atomic int max_wait_s;     /* SIGHUP may change it */
} fabd_api;

/* The fabd_http_handler: routes by method and path. */
void fabd_api_handle(void *api, const fabd_req *req, fabd_reply *rep);

/* Paths open without the token: /healthz and the web page's files (they
 * hold no fabric data; the page asks for the token for the API). */
bool fabd_api_is_public(const char *path);

typedef void fabd_api_fn(fabd_api *api, const fabd_req *req, fabd_reply *rep);

fabd_api_fn fabd_api_healthz, fabd_api_status, fabd_api_metrics;
fabd_api_fn fabd_api_topology, fabd_api_nodes, fabd_api_ports, fabd_api_links;
fabd_api_fn fabd_api_trace, fabd_api_route_quality;
fabd_api_fn fabd_api_ring, fabd_api_plans;
fabd_api_fn fabd_api_events, fabd_api_diff, fabd_api_sweep;
fabd_api_fn fabd_api_hosts, fabd_api_probe_results, fabd_api_probe_matrix, fabd_api_probe_round;
/* /api/v1/ring without a fabric (probes-only, or no discovery yet or
 * possible): the ring from the probes' bandwidth matrix (api_probes.c).
 * With only_if_known, does nothing and returns false when the probes do
 * not know every host; else replies (an error too) and returns true. */
bool fabd_api_probe_ring(fabd_api *api, const char *const *hosts, size_t n, const fabd_req *req,
                         fabd_reply *rep, bool only_if_known);

/* Shared helpers. */
json_object *fabd_json_guid(uint64_t guid); /* "0x%016x" */
/* The current snapshot, or NULL with a 503 reply set. */
fabd_snapshot *fabd_api_snapshot(fabd_api *api, fabd_reply *rep);
/* Whether the daemon counts as up: /healthz answers 200 and /metrics says
 * fabricd_up 1 (ok, degraded, or probes-only, which runs no sweeper). */
bool fabd_api_serving(const fabd_api *api, const fabd_health *h);
/* Replies with the status's HTTP code and diag's message (or the status's
 * text). */
void fabd_api_fail(fabd_reply *rep, ftopo_status st, const ftopo_diag *diag);
/* Parses a non-negative integer argument; false (with a 400 reply set)
 * when malformed. *out keeps its value when the argument is absent. */
bool fabd_api_uint_arg(const fabd_req *req, fabd_reply *rep, const char *name, uint64_t max,
                       uint64_t *out);

/* "switch", "ca", "router" and "down", "init", "armed", "active", "unknown". */
const char *fabd_node_type_str(ftopo_node_type type);
const char *fabd_port_state_str(ftopo_port_state state);
#endif

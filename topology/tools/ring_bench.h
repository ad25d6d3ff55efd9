/* fabtopo ring --bench: the planner against other host orders over many
 * random job placements on one fabric and route set (scripts/
 * bench-planner.sh runs it per fabric and route set). */
#ifndef FABTOPO_RING_BENCH_H
#define FABTOPO_RING_BENCH_H

#include "cli.h"

typedef struct ring_bench_opts {
    size_t placements; /* random jobs */
    size_t min_hosts, max_hosts;
    uint64_t seed;
    int channels;
    const ftopo_host_id *ca_order; /* OpenSM's ftree CA order (hosts), or NULL */
    size_t ca_order_len;
    bool congest; /* also re-plan with 3 to 10 congested inter-switch links */
    bool verbose; /* one line per placement */
} ring_bench_opts;

/* Prints one summary line of key=value figures (and per-placement lines
 * when verbose) to stdout; returns a CLI exit code. */
int ring_bench_run(const ftopo_routes *routes, const ring_bench_opts *opts, ftopo_diag *diag);

#endif

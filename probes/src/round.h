/* A probe round: every pair of hosts measured once, scheduled so that no
 * host is in two probes at once; the pairs of one step run together. The
 * probe from a to b runs on a's agent (a relayed request). */
#ifndef FPROBE_ROUND_H
#define FPROBE_ROUND_H

#include <stdatomic.h>
#include <stdbool.h>

#include "probe.h"

struct fprobe_round {
    size_t n;
    char **hosts;                /* "HOST[:PORT]" of each agent */
    struct fprobe_result *pairs; /* n x n, [a * n + b] for a < b */
    double *bw;                  /* n x n MB/s, both halves, NAN: failed (see ring.h) */
    double median_mbps;          /* over the pairs that answered */
    double slow_below_mbps;      /* pairs below this are slow; 0: none */
    /* Set by another thread to stop the round before its next step (the
     * pairs left end in an error); NULL: never. */
    const atomic_bool *cancel;
};

/* Splits the comma-separated hosts (at least two); 0, or -1 (logged). */
int fprobe_round_init(struct fprobe_round *r, const char *hosts);
/* Runs every step; a pair that fails keeps its error. Then splits the
 * pairs at the widest bandwidth gap of at least 1/threshold (0.5: twice):
 * those below are slow. 0, or -1 when the round could not run (logged). */
int fprobe_round_run(struct fprobe_round *r, const struct fprobe_req *req, double threshold);
int fprobe_round_is_slow(const struct fprobe_round *r, size_t a, size_t b);
void fprobe_round_free(struct fprobe_round *r);

#endif

/* A probe round: every pair of hosts measured once, scheduled so that no
 * host is in two probes at once; the pairs of one step run together. The
 * probe from a to b runs on a's agent (a relayed request). */
#ifndef FPROBE_ROUND_H
#define FPROBE_ROUND_H

#include "probe.h"

struct fprobe_round {
    size_t n;
    char **hosts;                /* "HOST[:PORT]" of each agent */
    struct fprobe_result *pairs; /* n x n, [a * n + b] for a < b */
    double median_mbps;          /* over the pairs that answered */
};

/* Splits the comma-separated hosts (at least two); 0, or -1 (logged). */
int fprobe_round_init(struct fprobe_round *r, const char *hosts);
/* Runs every step; a pair that fails keeps its error. 0, or -1 when the
 * round could not run at all (logged). */
int fprobe_round_run(struct fprobe_round *r, const struct fprobe_req *req);
/* The pair's bandwidth over the median: slow below the threshold. */
int fprobe_round_is_slow(const struct fprobe_round *r, size_t a, size_t b, double threshold);
void fprobe_round_free(struct fprobe_round *r);

#endif

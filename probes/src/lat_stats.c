/* Latency percentiles: one-way time as half the round trip. */
#include <stdlib.h>

#include "probe.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int fprobe_lat_stats(uint64_t *rtt_ns, size_t n, struct fprobe_result *res)
{
    if (n == 0) {
        fprobe_res_fail(res, "no round trip completed");
        return -1;
    }
    qsort(rtt_ns, n, sizeof(*rtt_ns), cmp_u64);
    res->lat_min_ns = rtt_ns[0] / 2;
    res->lat_p50_ns = rtt_ns[n / 2] / 2;
    res->lat_p99_ns = rtt_ns[(n * 99) / 100] / 2;
    res->bytes = n; /* round trips measured */
    return 0;
}

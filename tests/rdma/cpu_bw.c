/* What the CPU alone can do, for tests/rdma/bench-in-vm.sh: the bound that
 * the emulated CPU of the VM puts on an allreduce next to the link's.
 * Times, for each size, memcpy of S bytes and libfcoll's own float32 sum
 * kernel (the one allreduce runs, AVX2 clone where the CPU has it) over S
 * bytes (dst = a + b, out of place, as the ring's reduce-scatter does), in
 * MB/s of S (10^6 B/s), best of ITERS runs.
 * usage: fcoll-ib-cpu-bw [-n ITERS] SIZE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int iters = 3, opt;
    while ((opt = getopt(argc, argv, "n:")) != -1) {
        if (opt != 'n' || (iters = atoi(optarg)) < 1) {
            fprintf(stderr, "usage: %s [-n ITERS] SIZE...\n", argv[0]);
            return 2;
        }
    }
    fcoll__reduce_fn sum = fcoll__reduce_kernel(FCOLL_FLOAT32, FCOLL_SUM);
    printf("%-10s %12s %12s\n", "size", "memcpy_MBps", "reduce_MBps");
    for (int i = optind; i < argc; i++) {
        size_t s = strtoull(argv[i], NULL, 0) & ~(size_t)3;
        float *a = malloc(s), *b = malloc(s), *d = malloc(s);
        if (s == 0 || a == NULL || b == NULL || d == NULL) {
            fprintf(stderr, "size %s: bad size or out of memory\n", argv[i]);
            return 1;
        }
        for (size_t k = 0; k < s / 4; k++) { /* faults every page in, too */
            a[k] = (float)k;
            b[k] = 1.0f;
            d[k] = 0.0f;
        }
        double best_copy = 1e30, best_reduce = 1e30;
        for (int it = 0; it < iters; it++) {
            double t0 = now_s();
            memcpy(d, a, s);
            double t1 = now_s();
            sum(d, a, b, s / 4);
            double t2 = now_s();
            best_copy = t1 - t0 < best_copy ? t1 - t0 : best_copy;
            best_reduce = t2 - t1 < best_reduce ? t2 - t1 : best_reduce;
        }
        if (d[s / 4 - 1] != a[s / 4 - 1] + 1.0f) {
            fprintf(stderr, "size %zu: the kernel computed a wrong sum\n", s);
            return 1;
        }
        printf("%-10zu %12.1f %12.1f\n", s, (double)s / best_copy / 1e6,
               (double)s / best_reduce / 1e6);
        free(a);
        free(b);
        free(d);
    }
    return 0;
}

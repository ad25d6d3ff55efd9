/*
 * What the peer benchmark harnesses share with each other: nccl-tests' size
 * flags and its output columns, so that scripts/bench-collectives.sh parses
 * fcoll-perf and every peer the same way. Header-only because the harnesses
 * are single-file programs in two languages built against different
 * libraries.
 */
#ifndef FCOLL_PEER_COMMON_H
#define FCOLL_PEER_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct peer_args {
    size_t min_bytes, max_bytes;
    double factor;
    int iters, warmup;
    const char *algo; /* -a: which algorithm, for peers that offer several */
};

/* "64K", "256M", "1G" as nccl-tests reads them (powers of 1024). */
static inline size_t peer_parse_size(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    switch (*end) {
    case 'G':
    case 'g':
        v *= 1024.0; /* fall through */
    case 'M':
    case 'm':
        v *= 1024.0; /* fall through */
    case 'K':
    case 'k':
        v *= 1024.0;
        break;
    default:
        break;
    }
    return (size_t)v;
}

static inline int peer_parse_args(int argc, char **argv, struct peer_args *a)
{
    int opt;

    a->min_bytes = a->max_bytes = 8;
    a->factor = 2.0;
    a->iters = 20;
    a->warmup = 5;
    a->algo = NULL;
    while ((opt = getopt(argc, argv, "b:e:f:n:w:a:")) != -1) {
        switch (opt) {
        case 'b':
            a->min_bytes = peer_parse_size(optarg);
            break;
        case 'e':
            a->max_bytes = peer_parse_size(optarg);
            break;
        case 'f':
            a->factor = strtod(optarg, NULL);
            break;
        case 'n':
            a->iters = atoi(optarg);
            break;
        case 'w':
            a->warmup = atoi(optarg);
            break;
        case 'a':
            a->algo = optarg;
            break;
        default:
            fprintf(stderr,
                    "usage: %s [-b MIN] [-e MAX] [-f FACTOR] [-n ITERS] [-w WARMUP] [-a ALGO]\n",
                    argv[0]);
            return -1;
        }
    }
    if (a->min_bytes < 4 || a->max_bytes < a->min_bytes || a->factor <= 1.0 || a->iters < 1 ||
        a->warmup < 0) {
        fprintf(stderr, "%s: bad arguments\n", argv[0]);
        return -1;
    }
    return 0;
}

static inline double peer_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void peer_print_header(const char *what, int nranks, const char *placement)
{
    printf("# %s, %d ranks, float sum, %s\n", what, nranks, placement);
    printf("#%11s %12s %8s %6s %6s %10s %8s %8s %6s\n", "size", "count", "type", "redop", "root",
           "time", "algbw", "busbw", "#wrong");
    printf("#%11s %12s %8s %6s %6s %10s %8s %8s %6s\n", "(B)", "(elements)", "", "", "", "(us)",
           "(GB/s)", "(GB/s)", "");
}

/* sec is the mean time per operation, averaged over the ranks (nccl-tests'
 * default, -a 1); busbw uses the allreduce factor 2(n-1)/n. */
static inline void peer_print_row(size_t bytes, int nranks, double sec, long wrong)
{
    double algbw = (double)bytes / sec / 1e9;
    double busbw = algbw * 2.0 * (nranks - 1) / nranks;
    printf("%12zu %12zu %8s %6s %6d %10.2f %8.2f %8.2f %6ld\n", bytes, bytes / 4, "float", "sum",
           -1, sec * 1e6, algbw, busbw, wrong);
    fflush(stdout);
}

/* Inputs whose float sum is exact: small integers, so any summation order
 * gives the same bits and the result can be checked with ==. */
static inline float peer_input(int rank, size_t i)
{
    return (float)((rank + 1) * (int)(i % 101));
}

static inline float peer_expected(int nranks, size_t i)
{
    return (float)(nranks * (nranks + 1) / 2 * (int)(i % 101));
}

#endif

/*
 * memcpy bandwidth: the shared-memory bound in scripts/bench-collectives.sh.
 * T threads each copy their own buffer of S bytes (out of cache for the
 * sizes the bench uses) at the same time, the way T ranks of a shm
 * collective do; the figure per thread is the bound for one rank's busbw.
 * Bandwidth counts bytes copied (read once, written once), as busbw does.
 *
 * usage: memcpy-bw [-s SIZE] [-n ITERS] [-t THREADS]
 */
#include <pthread.h>

#include "peer_common.h"

struct worker {
    size_t bytes;
    int iters;
    pthread_barrier_t *start;
    double sec;
};

static void *copy_loop(void *arg)
{
    struct worker *w = arg;
    char *src = malloc(w->bytes), *dst = malloc(w->bytes);

    if (!src || !dst) {
        free(src);
        free(dst);
        w->sec = -1;
        pthread_barrier_wait(w->start);
        return NULL;
    }
    /* Touch every page first so that page faults are not timed. */
    memset(src, 1, w->bytes);
    memset(dst, 0, w->bytes);
    memcpy(dst, src, w->bytes);
    pthread_barrier_wait(w->start);
    double t0 = peer_now();
    for (int i = 0; i < w->iters; i++) {
        memcpy(dst, src, w->bytes);
        /* Keep the copy from being optimised away or merged. */
        __asm__ volatile("" : : "r"(dst) : "memory");
    }
    w->sec = (peer_now() - t0) / w->iters;
    free(src);
    free(dst);
    return NULL;
}

int main(int argc, char **argv)
{
    size_t bytes = 256u << 20;
    int iters = 5, nthreads = 1, opt;

    while ((opt = getopt(argc, argv, "s:n:t:")) != -1) {
        switch (opt) {
        case 's':
            bytes = peer_parse_size(optarg);
            break;
        case 'n':
            iters = atoi(optarg);
            break;
        case 't':
            nthreads = atoi(optarg);
            break;
        default:
            fprintf(stderr, "usage: memcpy-bw [-s SIZE] [-n ITERS] [-t THREADS]\n");
            return 2;
        }
    }
    if (bytes == 0 || iters < 1 || nthreads < 1 || nthreads > 256) {
        fprintf(stderr, "memcpy-bw: bad arguments\n");
        return 2;
    }

    pthread_t tid[256];
    struct worker w[256];
    pthread_barrier_t start;
    double slowest = 0;

    pthread_barrier_init(&start, NULL, (unsigned)nthreads);
    for (int i = 0; i < nthreads; i++) {
        w[i] = (struct worker){.bytes = bytes, .iters = iters, .start = &start};
        if (pthread_create(&tid[i], NULL, copy_loop, &w[i]) != 0) {
            fprintf(stderr, "memcpy-bw: cannot start thread %d\n", i);
            return 1;
        }
    }
    for (int i = 0; i < nthreads; i++) {
        pthread_join(tid[i], NULL);
        if (w[i].sec < 0) {
            fprintf(stderr, "memcpy-bw: out of memory\n");
            return 1;
        }
        if (w[i].sec > slowest)
            slowest = w[i].sec;
    }
    pthread_barrier_destroy(&start);
    printf("memcpy %zu bytes x %d threads: %.2f GB/s per thread, %.2f GB/s total\n", bytes,
           nthreads, (double)bytes / slowest / 1e9, (double)bytes * nthreads / slowest / 1e9);
    return 0;
}

/*
 * MPI_Allreduce benchmark: the OpenMPI peer in scripts/bench-collectives.sh
 * (osu-micro-benchmarks is not packaged in Debian 12). Same flags and columns
 * as fcoll-perf; the transport is chosen on the mpirun line (--mca btl).
 */
#include <mpi.h>

#include "peer_common.h"

static long run_size(float *send, float *recv, size_t bytes, const struct peer_args *a, int rank,
                     int nranks, double *sec)
{
    int count = (int)(bytes / sizeof(float));
    double t0, local, total;
    long wrong = 0;

    for (int i = 0; i < count; i++)
        send[i] = peer_input(rank, (size_t)i);
    for (int i = 0; i < a->warmup; i++)
        MPI_Allreduce(send, recv, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = peer_now();
    for (int i = 0; i < a->iters; i++)
        MPI_Allreduce(send, recv, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    local = (peer_now() - t0) / a->iters;
    MPI_Allreduce(&local, &total, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    for (int i = 0; i < count; i++)
        wrong += recv[i] != peer_expected(nranks, (size_t)i);
    MPI_Allreduce(MPI_IN_PLACE, &wrong, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    *sec = total / nranks;
    return wrong;
}

int main(int argc, char **argv)
{
    struct peer_args a;
    int rank, nranks;
    float *send, *recv;
    long wrong_total = 0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    if (peer_parse_args(argc, argv, &a) != 0 || a.algo)
        MPI_Abort(MPI_COMM_WORLD, 2);
    send = malloc(a.max_bytes);
    recv = malloc(a.max_bytes);
    if (!send || !recv) {
        fprintf(stderr, "mpi-allreduce: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    if (rank == 0)
        peer_print_header("MPI_Allreduce", nranks, "out-of-place");
    for (size_t bytes = a.min_bytes; bytes <= a.max_bytes;
         bytes = (size_t)((double)bytes * a.factor)) {
        double sec;
        long wrong = run_size(send, recv, bytes, &a, rank, nranks, &sec);
        if (rank == 0)
            peer_print_row(bytes, nranks, sec, wrong);
        wrong_total += wrong;
    }
    free(send);
    free(recv);
    MPI_Finalize();
    return wrong_total != 0;
}

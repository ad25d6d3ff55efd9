/*
 * Gloo allreduce benchmark over TCP: the Gloo peer in
 * scripts/bench-collectives.sh. Same flags and columns as fcoll-perf, plus
 * -a ring|hd for AllreduceRing or AllreduceHalvingDoubling. Ranks come from
 * RANK/WORLD_SIZE (fcoll-run sets them); they meet through a FileStore in
 * $GLOO_STORE_DIR (default /tmp), keyed by MASTER_PORT so that concurrent
 * jobs do not mix. FileStore never removes its keys, so a later job on the
 * same port needs a fresh directory (scripts/bench-collectives.sh gives
 * every run one).
 */
#include <gloo/allreduce_halving_doubling.h>
#include <gloo/allreduce_ring.h>
#include <gloo/barrier_all_to_all.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/file_store.h>
#include <gloo/rendezvous/prefix_store.h>
#include <gloo/transport/tcp/device.h>

#include <memory>
#include <string>
#include <vector>

#include "peer_common.h"

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

template <typename Algo>
static double time_allreduce(const std::shared_ptr<gloo::Context> &ctx, float *buf, int count,
                             const peer_args &a)
{
    Algo algo(ctx, std::vector<float *>{buf}, count);
    for (int i = 0; i < a.warmup; i++)
        algo.run();
    gloo::BarrierAllToAll(ctx).run();
    double t0 = peer_now();
    for (int i = 0; i < a.iters; i++)
        algo.run();
    const double sec = (peer_now() - t0) / a.iters;
    /* No rank may free its buffers while a peer still writes into them. */
    gloo::BarrierAllToAll(ctx).run();
    return sec;
}

/* Sum of a value over the ranks: to average the time, as fcoll-perf and the
 * MPI peer do, and to total the wrong elements. */
static double sum_over_ranks(const std::shared_ptr<gloo::Context> &ctx, double v)
{
    gloo::AllreduceRing<double> sum(ctx, std::vector<double *>{&v}, 1);
    sum.run();
    return v;
}

int main(int argc, char **argv)
{
    peer_args a;
    if (peer_parse_args(argc, argv, &a) != 0)
        return 2;
    const std::string algo = a.algo ? a.algo : "ring";
    if (algo != "ring" && algo != "hd") {
        fprintf(stderr, "gloo-allreduce: -a ring|hd\n");
        return 2;
    }
    const int rank = atoi(env_or("RANK", "0"));
    const int nranks = atoi(env_or("WORLD_SIZE", "1"));

    gloo::transport::tcp::attr attr(env_or("MASTER_ADDR", "127.0.0.1"));
    auto dev = gloo::transport::tcp::CreateDevice(attr);
    gloo::rendezvous::FileStore files(env_or("GLOO_STORE_DIR", "/tmp"));
    gloo::rendezvous::PrefixStore store(
        std::string("fcoll-peer-gloo-") + env_or("MASTER_PORT", "0"), files);
    auto ctx = std::make_shared<gloo::rendezvous::Context>(rank, nranks);
    ctx->connectFullMesh(store, dev);

    std::vector<float> buf(a.max_bytes / sizeof(float));
    long wrong_total = 0;
    if (rank == 0)
        peer_print_header(algo == "ring" ? "gloo AllreduceRing" : "gloo AllreduceHalvingDoubling",
                          nranks, "in-place");
    for (size_t bytes = a.min_bytes; bytes <= a.max_bytes;
         bytes = (size_t)((double)bytes * a.factor)) {
        const int count = (int)(bytes / sizeof(float));
        double sec;
        /* The operation is in place, so each timed run reduces the previous
         * result: only the first run after filling the buffer is checked. */
        for (int i = 0; i < count; i++)
            buf[i] = peer_input(rank, (size_t)i);
        peer_args once = a;
        once.warmup = 0;
        once.iters = 1;
        if (algo == "ring")
            time_allreduce<gloo::AllreduceRing<float>>(ctx, buf.data(), count, once);
        else
            time_allreduce<gloo::AllreduceHalvingDoubling<float>>(ctx, buf.data(), count, once);
        long wrong = 0;
        for (int i = 0; i < count; i++)
            wrong += buf[i] != peer_expected(nranks, (size_t)i);
        if (algo == "ring")
            sec = time_allreduce<gloo::AllreduceRing<float>>(ctx, buf.data(), count, a);
        else
            sec = time_allreduce<gloo::AllreduceHalvingDoubling<float>>(ctx, buf.data(), count, a);
        sec = sum_over_ranks(ctx, sec) / nranks;
        const long all_wrong = (long)sum_over_ranks(ctx, (double)wrong);
        if (rank == 0)
            peer_print_row(bytes, nranks, sec, all_wrong);
        wrong_total += wrong;
    }
    return wrong_total != 0;
}

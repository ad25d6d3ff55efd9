/* Faults in the middle of a collective over the ib transport (run in the
 * RDMA VM by suite-in-vm.sh). Ranks run 8 MiB allreduces; in iteration 2
 * the victim (the last rank), from a helper thread, a third of the way
 * into the collective (timed by its own iteration 1, so the collective has
 * started everywhere, however slow the VM), either
 *   kill:  dies (SIGKILL), or
 *   abort: calls fcoll_comm_abort (its QPs go to the error state).
 * Every other rank must fail in iteration 2, with an error a dead or broken
 * peer explains, within the timeout, never hang; after fcoll_comm_destroy
 * the kernel must count no QP, CQ, MR or PD of the process.
 *   fcoll-ib-fault [-n RANKS]      exits 77 without an RDMA device
 */
#include <infiniband/verbs.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "verbs_objects.h"

#define TIMEOUT_MS 20000      /* the VM is slow: a few seconds per collective */
#define COUNT      (2u << 20) /* floats: 8 MiB */
#define FAULT_ITER 2

enum scenario { KILL, ABORT };

typedef struct victim_timer {
    enum scenario what;
    fcoll_comm_t *comm;
    double delay_s;
} victim_timer_t;

static void *strike(void *arg)
{
    const victim_timer_t *t = arg;
    struct timespec d = {(time_t)t->delay_s, (long)((t->delay_s - (time_t)t->delay_s) * 1e9)};
    nanosleep(&d, NULL);
    if (t->what == KILL)
        raise(SIGKILL);
    fcoll_comm_abort(t->comm);
    return NULL;
}

static int rank_main(int rank, int n, fcoll_unique_id_t id, void *arg)
{
    enum scenario what = *(const enum scenario *)arg;
    int victim = rank == n - 1;
    fcoll_config_t cfg;
    fcoll_config_init(&cfg);
    cfg.transport = "ib";
    cfg.timeout_ms = TIMEOUT_MS;
    cfg.log_level = FCOLL_LOG_ERROR;
    fcoll_comm_t *comm;
    fcoll_status_t st = fcoll_comm_init_rank_config(&comm, n, id, rank, &cfg);
    if (st != FCOLL_OK) {
        fprintf(stderr, "rank %d: init: %s\n", rank, fcoll_strerror(st));
        return 3;
    }
    float *buf = calloc(COUNT, sizeof(float));
    victim_timer_t timer = {what, comm, 0};
    pthread_t thr;
    int iter = 0, armed = 0;
    double began = 0, took = 0;
    for (; buf != NULL && iter <= FAULT_ITER + 2; iter++) {
        if (victim && iter == FAULT_ITER) {
            timer.delay_s = took / 3;
            armed = pthread_create(&thr, NULL, strike, &timer) == 0;
        }
        began = harness_now_s();
        st = fcoll_allreduce(buf, buf, COUNT, FCOLL_FLOAT32, FCOLL_SUM, comm);
        took = harness_now_s() - began;
        if (st != FCOLL_OK)
            break;
    }
    if (armed)
        pthread_join(thr, NULL);
    fcoll_comm_destroy(comm);
    free(buf);
    int left = verbs_objects();
    int ok;
    if (victim) { /* only abort gets here */
        ok = st == FCOLL_ERR_ABORTED;
    } else {
        ok = iter == FAULT_ITER &&
             (st == FCOLL_ERR_PEER_CLOSED || st == FCOLL_ERR_TIMEOUT || st == FCOLL_ERR_REMOTE) &&
             took < TIMEOUT_MS / 1000.0 + 10;
        printf("rank %d: iteration %d: %s after %.2f s\n", rank, iter, fcoll_strerror(st), took);
    }
    if (!ok)
        fprintf(stderr, "rank %d: iteration %d ended with \"%s\" after %.2f s\n", rank, iter,
                fcoll_strerror(st), took);
    if (left != 0)
        fprintf(stderr, "rank %d: after destroy the kernel counts %d QP/CQ/MR/PD%s\n", rank, left,
                left < 0 ? " (rdma resource show failed)" : "");
    return ok && left == 0 ? 0 : 1;
}

static int run(enum scenario what, int n)
{
    static const char *const names[] = {"kill", "abort"};
    harness_t h = {.nranks = n, .timeout_s = 6 * TIMEOUT_MS / 1000, .keep_going = 1};
    double t0 = harness_now_s();
    fflush(stdout);
    harness_run(&h, rank_main, &what);
    int fail = 0;
    for (int r = 0; r < n; r++) {
        int st = h.status[r];
        if (r == n - 1 && what == KILL) {
            fail |= !WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL;
            continue;
        }
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fail = 1;
            fprintf(stderr, "%s: rank %d %s %d\n", names[what], r,
                    WIFEXITED(st) ? "exited" : "signal",
                    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        }
    }
    printf("%s - %s mid-allreduce over ib, %d ranks: the others failed in time, no verbs "
           "objects left (%.1f s)\n",
           fail ? "not ok" : "ok", names[what], n, harness_now_s() - t0);
    return fail;
}

int main(int argc, char **argv)
{
    int n = 2, c;
    while ((c = getopt(argc, argv, "n:")) != -1) {
        if (c != 'n' || (n = atoi(optarg)) < 2 || n > 64) {
            fprintf(stderr, "usage: %s [-n RANKS]\n", argv[0]);
            return 2;
        }
    }
    int ndev = 0;
    struct ibv_device **l = ibv_get_device_list(&ndev);
    if (l != NULL)
        ibv_free_device_list(l);
    if (ndev == 0) {
        printf("SKIP: no RDMA device (run in the VM: scripts/vm-run.sh)\n");
        return 77;
    }
    return run(KILL, n) | run(ABORT, n);
}

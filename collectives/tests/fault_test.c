/* Fault tests: a rank killed (SIGKILL) or frozen (SIGSTOP) in the middle of
 * collectives, a rank that aborts its communicator, and a rank that passes a
 * different count from the others. Every surviving rank must return an
 * error within the timeout and never hang. Each runs with large allreduces
 * and again with tiny ones (16 bytes), which take other algorithms (on shm
 * the flat one, where ranks wait on each other's memory, not on messages).
 *
 *   fcoll-test-fault [-t shm|tcp] [-n RANKS]
 * Prints "PASS ..." or "FAIL ..." per scenario; exits 1 if any failed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define TIMEOUT_MS 3000
/* Ranks keep running collectives at most this long waiting for the fault. */
#define LOOP_S 20

enum scenario { KILL, STOP, ABORT, MISMATCH };

typedef struct fault {
    enum scenario what;
    const char *transport;
    int victim;
    size_t count; /* floats per allreduce */
} fault_t;

/* Runs allreduces of f->count floats until one fails. Exit 0 if the failure is one a
 * dead or stuck peer explains and came within the timeout (plus slack for
 * a loaded machine) after the last success. */
static int rank_main(int rank, int n, fcoll_unique_id_t id, void *arg)
{
    const fault_t *f = arg;
    fcoll_config_t cfg;
    fcoll_config_init(&cfg);
    cfg.transport = f->transport;
    cfg.timeout_ms = TIMEOUT_MS;
    cfg.log_level = FCOLL_LOG_ERROR;
    fcoll_comm_t *comm;
    fcoll_status_t st = fcoll_comm_init_rank_config(&comm, n, id, rank, &cfg);
    if (st != FCOLL_OK) {
        fprintf(stderr, "rank %d: init: %s\n", rank, fcoll_strerror(st));
        return 3;
    }
    size_t count = f->count;
    float *buf = calloc(count, sizeof(float));
    if (buf == NULL)
        return 3;
    double start = harness_now_s(), last_ok = start;
    int iter = 0;
    while (harness_now_s() - start < LOOP_S) {
        if (f->what == ABORT && rank == f->victim && iter == 3) {
            fcoll_comm_abort(comm);
            st = fcoll_allreduce(buf, buf, count, FCOLL_FLOAT32, FCOLL_SUM, comm);
            fcoll_comm_destroy(comm);
            free(buf);
            return st == FCOLL_ERR_ABORTED ? 0 : 4;
        }
        size_t c = f->what == MISMATCH && rank == f->victim && iter == 3 ? count / 2 + 1 : count;
        st = fcoll_allreduce(buf, buf, c, FCOLL_FLOAT32, FCOLL_SUM, comm);
        if (st != FCOLL_OK)
            break;
        last_ok = harness_now_s();
        iter++;
    }
    double took = harness_now_s() - last_ok;
    fcoll_status_t async;
    fcoll_comm_get_async_error(comm, &async);
    fcoll_comm_destroy(comm);
    free(buf);
    int ok = (st == FCOLL_ERR_PEER_CLOSED || st == FCOLL_ERR_TIMEOUT ||
              (f->what == MISMATCH && st == FCOLL_ERR_PROTOCOL)) &&
             async == st && took < TIMEOUT_MS / 1000.0 + 5;
    if (!ok)
        fprintf(stderr, "rank %d: after %d good iterations got \"%s\" %.2f s after the last one\n",
                rank, iter, fcoll_strerror(st), took);
    return ok ? 0 : 1;
}

static void inject(harness_t *h, void *arg)
{
    const fault_t *f = arg;
    usleep(700 * 1000); /* let them get going */
    if (f->what == KILL) {
        kill(h->pids[f->victim], SIGKILL);
    } else if (f->what == STOP) {
        /* A stopped rank never exits: once the others had their timeout
         * and some slack, it is killed. */
        kill(h->pids[f->victim], SIGSTOP);
        usleep((TIMEOUT_MS + 3000) * 1000);
        kill(h->pids[f->victim], SIGKILL);
    }
}

static int run(enum scenario what, const char *transport, int n, size_t count)
{
    static const char *const names[] = {"kill", "stop", "abort", "mismatch"};
    fault_t f = {what, transport, n - 1, count};
    harness_t h = {.nranks = n, .timeout_s = LOOP_S + 30, .keep_going = 1, .on_started = inject};
    double t0 = harness_now_s();
    harness_run(&h, rank_main, &f);
    int fail = 0;
    for (int r = 0; r < n; r++) {
        int st = h.status[r];
        if (r == f.victim && (what == KILL || what == STOP))
            continue;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fail = 1;
            fprintf(stderr, "%s: rank %d %s %d\n", names[what], r,
                    WIFEXITED(st) ? "exited" : "signal",
                    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        }
    }
    printf("%s fcoll-test-fault %s ranks=%d transport=%s bytes=%zu (%.1f s)\n",
           fail ? "FAIL" : "PASS", names[what], n, transport ? transport : "auto",
           count * sizeof(float), harness_now_s() - t0);
    return fail;
}

int main(int argc, char **argv)
{
    const char *transport = NULL;
    int n = 3, c;
    while ((c = getopt(argc, argv, "t:n:")) != -1) {
        if (c == 't')
            transport = optarg;
        else if (c == 'n')
            n = atoi(optarg);
        else
            return 2;
    }
    int fail = 0;
    static const size_t counts[] = {1u << 20, 4};
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        fail |= run(KILL, transport, n, counts[i]);
        fail |= run(STOP, transport, n, counts[i]);
        fail |= run(ABORT, transport, n, counts[i]);
        fail |= run(MISMATCH, transport, n, counts[i]);
    }
    return fail;
}

/* Test harness: runs a function as N ranks in forked processes that share a
 * unique id, waits with a deadline and kills every child on failure. Also
 * the inputs and reference results of the correctness suite. */
#ifndef FCOLL_TEST_HARNESS_H
#define FCOLL_TEST_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fcoll.h"

/* Runs in each child; returns the exit status (0 = pass). */
typedef int (*harness_fn)(int rank, int nranks, fcoll_unique_id_t id, void *arg);

typedef struct harness {
    int nranks;
    int timeout_s;  /* whole run; children are killed after it */
    pid_t pids[64]; /* filled while running, for tests that kill one */
    int status[64]; /* waitpid status of each rank */
    int keep_going; /* a failing rank does not stop the others */
    void (*on_started)(struct harness *h, void *arg); /* parent, after fork; may be NULL */
} harness_t;

/* 0 if every rank exited 0. Children never outlive the call. */
int harness_run(harness_t *h, harness_fn fn, void *arg);

/* rank's communicator over shm, forcing algo (NULL: automatic), with every
 * log line down to DEBUG going to log_fn; NULL after printing why. */
fcoll_comm_t *harness_shm_comm(int rank, int nranks, fcoll_unique_id_t id, const char *algo,
                               fcoll_log_fn log_fn, void *log_user);

/* The rank count of a test that takes only "-n RANKS" (default 2, at
 * most 64); -1 after printing why when the arguments are bad. */
int harness_ranks_arg(int argc, char **argv, const char *prog);

/* Seconds on the monotonic clock, for timing faults and deadlines. */
double harness_now_s(void);

/* Deterministic test data: element first+i of rank's input, and the exact
 * expected reduction over nranks (fp inputs are chosen so that every order
 * of reduction gives the same bits, except avg which is within tolerance). */
void ref_fill(void *buf, size_t count, fcoll_dtype_t dt, fcoll_op_t op, int rank, uint64_t seed,
              size_t first);
void ref_reduce(void *out, size_t count, fcoll_dtype_t dt, fcoll_op_t op, int nranks, uint64_t seed,
                size_t first);
/* Compares got with want; prints the first mismatch with label. Returns
 * the number of bad elements. */
size_t ref_compare(const void *got, const void *want, size_t count, fcoll_dtype_t dt, fcoll_op_t op,
                   const char *label);

#endif

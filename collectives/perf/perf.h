/*
 * fcoll-perf internals: options, the per-collective table and the
 * verifiable data shared by main.c, args.c, colls.c, data.c and report.c.
 */
#ifndef FCOLL_PERF_H
#define FCOLL_PERF_H

#include <fcoll.h>
#include <stddef.h>

/* Element counts of one test size, as nccl-tests' getCollByteCount gives
 * them: buffer lengths, the count passed to the call, and where the in-place
 * send and receive buffers start inside the receive buffer (times rank). */
struct perf_counts {
    size_t send, recv, param;
    size_t send_inplace_off, recv_inplace_off;
};

/* Verifiable data: the value a rank contributes at a global element index
 * depends on the pattern; the patterns keep every result exact in every
 * type (see data.c). Reductions use the pattern of their op. */
#define PERF_PATTERN_MOVE FCOLL_NUM_OPS

struct perf_coll {
    const char *name;
    int reduces;  /* takes a reduction op */
    int rooted;   /* takes a root */
    int in_place; /* has an in-place form */
    /* busbw = algbw * factor: nccl-tests' definitions (doc/PERFORMANCE.md) */
    double (*bus_factor)(int nranks);
    void (*counts)(size_t count, int nranks, struct perf_counts *c);
    fcoll_status_t (*run)(const void *send, void *recv, size_t param, fcoll_dtype_t type,
                          fcoll_op_t op, int root, fcoll_comm_t *comm);
    /* Writes this rank's input at send (c->send elements). */
    void (*fill)(void *send, const struct perf_counts *c, fcoll_dtype_t type, fcoll_op_t op,
                 int rank, int nranks, int root);
    /* Writes the expected receive buffer; returns how many elements of it
     * this rank must check (0 where the result is undefined). */
    size_t (*expect)(void *want, const struct perf_counts *c, fcoll_dtype_t type, fcoll_op_t op,
                     int rank, int nranks, int root);
};

extern const struct perf_coll perf_colls[];
extern const int perf_ncolls;
const struct perf_coll *perf_coll_find(const char *name);

enum perf_average { PERF_AVG_RANK0, PERF_AVG_MEAN, PERF_AVG_MIN, PERF_AVG_MAX };

struct perf_opts {
    const struct perf_coll *colls[16];
    int ncolls;
    size_t min_bytes, max_bytes, step_bytes;
    double step_factor; /* > 1: multiply; else add step_bytes */
    int iters, warmup, check;
    enum perf_average average;
    fcoll_dtype_t types[FCOLL_NUM_DTYPES];
    int ntypes;
    fcoll_op_t ops[FCOLL_NUM_OPS];
    int nops;
    int root;
    int timeout_s;
    int json;
    int registered; /* -R 1: buffers from fcoll_mem_alloc */
};

/* Returns 0, or 1 after printing why (usage errors), or -1 for --help. */
int perf_parse_args(int argc, char **argv, struct perf_opts *o);

/* buf[k] = value(pattern, rank, first + k) for k < n. */
void perf_fill(void *buf, size_t n, fcoll_dtype_t type, int pattern, int rank, int nranks,
               size_t first);
/* buf[k] = op over all ranks of value(op, r, first + k), computed exactly. */
void perf_fill_reduced(void *buf, size_t n, fcoll_dtype_t type, fcoll_op_t op, int nranks,
                       size_t first);
/* Elements of got that differ (bitwise) from want. */
size_t perf_count_wrong(const void *got, const void *want, size_t n, fcoll_dtype_t type);

struct perf_result {
    double time_us, algbw, busbw;
    long long wrong; /* -1: not checked */
};

struct perf_row {
    int index; /* 0 for the first row printed */
    const struct perf_coll *coll;
    size_t bytes, count;
    fcoll_dtype_t type;
    fcoll_op_t op;
    int root;
    struct perf_result out_of_place, in_place;
};

void perf_report_begin(const struct perf_opts *o, fcoll_comm_t *comm, int nranks);
void perf_report_coll(const struct perf_opts *o, const struct perf_coll *coll);
void perf_report_row(const struct perf_opts *o, const struct perf_row *row);
void perf_report_end(const struct perf_opts *o, double avg_busbw, long long wrong);

#endif

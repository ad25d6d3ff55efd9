/*
 * fcoll-perf output, printed by rank 0 only: nccl-tests' table (so that its
 * parsers work) or, with --json, one JSON document.
 */
#include "perf.h"

#include <stdio.h>

static const char *average_names[] = {"rank0", "mean", "min", "max"};

void perf_report_begin(const struct perf_opts *o, fcoll_comm_t *comm, int nranks)
{
    if (o->json) {
        printf("{\"tool\": \"fcoll-perf\", \"version\": %d, \"nranks\": %d, \"iters\": %d, "
               "\"warmup_iters\": %d, \"check\": %d, \"average\": \"%s\", \"registered\": %d,\n "
               "\"transports\": [",
               fcoll_version(), nranks, o->iters, o->warmup, o->check, average_names[o->average],
               o->registered);
        for (int p = 0; p < nranks; p++)
            printf("%s\"%s\"", p ? ", " : "", fcoll_comm_transport_name(comm, p));
        printf("],\n \"results\": [");
        return;
    }
    printf("# fcoll-perf %d: nranks %d minBytes %zu maxBytes %zu ", fcoll_version(), nranks,
           o->min_bytes, o->max_bytes);
    if (o->step_factor > 1)
        printf("step: %g(factor)", o->step_factor);
    else
        printf("step: %zu(bytes)", o->step_bytes);
    printf(" warmup iters: %d iters: %d validation: %d average: %s local_register: %d\n", o->warmup,
           o->iters, o->check, average_names[o->average], o->registered);
    printf("#\n# Transports from rank 0:");
    for (int p = 0; p < nranks; p++)
        printf(" %d=%s", p, fcoll_comm_transport_name(comm, p));
    printf("\n#\n");
}

void perf_report_coll(const struct perf_opts *o, const struct perf_coll *coll)
{
    if (o->json)
        return;
    printf("# Collective test: %s\n", coll->name);
    printf("# %64s %32s\n", "out-of-place", "in-place");
    printf("#%11s %12s %9s %6s %6s %8s %7s %7s %6s %8s %7s %7s %6s\n", "size", "count", "type",
           "redop", "root", "time", "algbw", "busbw", "#wrong", "time", "algbw", "busbw", "#wrong");
    printf("#%11s %12s %9s %6s %6s %8s %7s %7s %6s %8s %7s %7s %6s\n", "(B)", "(elements)", "", "",
           "", "(us)", "(GB/s)", "(GB/s)", "", "(us)", "(GB/s)", "(GB/s)", "");
    fflush(stdout);
}

/* nccl-tests' time format: fewer decimals as the number grows. */
static void print_result(const struct perf_result *r, int present)
{
    if (!present) {
        printf(" %8s %7s %7s %6s", "N/A", "N/A", "N/A", "N/A");
        return;
    }
    const char *fmt = r->time_us >= 10000 ? " %8.0f" : r->time_us >= 100 ? " %8.1f" : " %8.2f";
    printf(fmt, r->time_us);
    printf(" %7.2f %7.2f", r->algbw, r->busbw);
    if (r->wrong < 0)
        printf(" %6s", "N/A");
    else
        printf(" %6lld", r->wrong);
}

static void json_result(const char *key, const struct perf_result *r, int present)
{
    if (!present) {
        printf(", \"%s\": null", key);
        return;
    }
    printf(", \"%s\": {\"time_us\": %.3f, \"algbw_gbps\": %.4f, \"busbw_gbps\": %.4f, "
           "\"wrong\": ",
           key, r->time_us, r->algbw, r->busbw);
    if (r->wrong < 0)
        printf("null}");
    else
        printf("%lld}", r->wrong);
}

void perf_report_row(const struct perf_opts *o, const struct perf_row *row)
{
    static const char *none = "none";
    const char *op = row->coll->reduces ? fcoll_op_name(row->op) : none;
    int root = row->coll->rooted ? row->root : -1;

    if (o->json) {
        printf("%s\n  {\"collective\": \"%s\", \"size\": %zu, \"count\": %zu, \"type\": \"%s\", "
               "\"redop\": \"%s\", \"root\": %d",
               row->index ? "," : "", row->coll->name, row->bytes, row->count,
               fcoll_dtype_name(row->type), op, root);
        json_result("out_of_place", &row->out_of_place, 1);
        json_result("in_place", &row->in_place, row->coll->in_place);
        printf("}");
    } else {
        printf("%12zu %12zu %9s %6s %6d", row->bytes, row->count, fcoll_dtype_name(row->type), op,
               root);
        print_result(&row->out_of_place, 1);
        print_result(&row->in_place, row->coll->in_place);
        printf("\n");
    }
    fflush(stdout);
}

void perf_report_end(const struct perf_opts *o, double avg_busbw, long long wrong)
{
    if (o->json) {
        printf("\n ],\n \"avg_busbw_gbps\": %.4f, \"wrong\": %lld}\n", avg_busbw, wrong);
        return;
    }
    printf("# Out of bounds values : %lld %s\n", wrong, wrong ? "FAILED" : "OK");
    printf("# Avg bus bandwidth    : %g\n#\n", avg_busbw);
}

/* fabprobe round --hosts H1,H2,...: the bandwidth matrix of the hosts'
 * agents and the pairs well below its median. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "args.h"
#include "cmd.h"
#include "report.h"
#include "ring.h"
#include "round.h"

static json_object *matrix_json(const struct fprobe_round *r)
{
    json_object *m = json_object_new_array();
    for (size_t a = 0; a < r->n; a++) {
        json_object *row = json_object_new_array();
        for (size_t b = 0; b < r->n; b++) {
            const struct fprobe_result *res =
                a == b ? NULL : &r->pairs[(a < b ? a : b) * r->n + (a < b ? b : a)];
            json_object_array_add(row, res != NULL && res->status == 0
                                           ? json_object_new_double(fprobe_res_mbps(res))
                                           : NULL);
        }
        json_object_array_add(m, row);
    }
    return m;
}

static json_object *pair_json(const struct fprobe_round *r, size_t a, size_t b)
{
    json_object *o = json_object_new_object();
    const struct fprobe_result *res = &r->pairs[a * r->n + b];
    json_object_object_add(o, "a", json_object_new_string(r->hosts[a]));
    json_object_object_add(o, "b", json_object_new_string(r->hosts[b]));
    if (res->status == 0)
        json_object_object_add(o, "mb_per_s", json_object_new_double(fprobe_res_mbps(res)));
    else
        json_object_object_add(o, "error", json_object_new_string(res->error));
    return o;
}

static void print_json(const struct fprobe_round *r, const struct fprobe_args *a,
                       const size_t *ring)
{
    json_object *o = json_object_new_object(), *hosts = json_object_new_array();
    json_object *slow = json_object_new_array(), *errors = json_object_new_array();
    for (size_t i = 0; i < r->n; i++)
        json_object_array_add(hosts, json_object_new_string(r->hosts[i]));
    for (size_t i = 0; i < r->n; i++)
        for (size_t j = i + 1; j < r->n; j++) {
            if (r->pairs[i * r->n + j].status != 0)
                json_object_array_add(errors, pair_json(r, i, j));
            else if (fprobe_round_is_slow(r, i, j))
                json_object_array_add(slow, pair_json(r, i, j));
        }
    json_object_object_add(o, "kind", json_object_new_string(fprobe_kind_name(a->req.kind)));
    json_object_object_add(o, "size", json_object_new_int64(a->req.size));
    json_object_object_add(o, "duration_ms", json_object_new_int64(a->req.duration_ms));
    json_object_object_add(o, "hosts", hosts);
    json_object_object_add(o, "median_mb_per_s", json_object_new_double(r->median_mbps));
    json_object_object_add(o, "slow_gap", json_object_new_double(1 / a->slow));
    json_object_object_add(o, "slow_below_mb_per_s", json_object_new_double(r->slow_below_mbps));
    json_object_object_add(o, "matrix_mb_per_s", matrix_json(r));
    json_object_object_add(o, "slow_pairs", slow);
    json_object_object_add(o, "errors", errors);
    json_object *order = json_object_new_array();
    for (size_t i = 0; i < r->n; i++)
        json_object_array_add(order, json_object_new_int64((int64_t)ring[i]));
    json_object_object_add(o, "ring", order);
    puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
    json_object_put(o);
}

static void print_text(const struct fprobe_round *r, const struct fprobe_args *a,
                       const size_t *ring)
{
    printf("%s round, %u B messages for %u ms, median %.1f MB/s, slow below %.1f MB/s\n",
           fprobe_kind_name(a->req.kind), a->req.size, a->req.duration_ms, r->median_mbps,
           r->slow_below_mbps);
    for (size_t i = 0; i < r->n; i++) {
        printf("%-24s", r->hosts[i]);
        for (size_t j = 0; j < r->n; j++) {
            const struct fprobe_result *res =
                i == j ? NULL : &r->pairs[(i < j ? i : j) * r->n + (i < j ? j : i)];
            if (res == NULL)
                printf(" %9s", "-");
            else if (res->status != 0)
                printf(" %9s", "error");
            else
                printf(" %9.1f", fprobe_res_mbps(res));
        }
        printf("\n");
    }
    for (size_t i = 0; i < r->n; i++)
        for (size_t j = i + 1; j < r->n; j++) {
            const struct fprobe_result *res = &r->pairs[i * r->n + j];
            if (res->status != 0)
                printf("error %s - %s: %s\n", r->hosts[i], r->hosts[j], res->error);
            else if (fprobe_round_is_slow(r, i, j))
                printf("slow %s - %s: %.1f MB/s\n", r->hosts[i], r->hosts[j], fprobe_res_mbps(res));
        }
    printf("ring:");
    for (size_t i = 0; i < r->n; i++)
        printf(" %s", r->hosts[ring[i]]);
    printf("\n");
}

int fprobe_cmd_round(int argc, char **argv)
{
    struct fprobe_args a;
    struct fprobe_fabricd fd;
    struct fprobe_round r;
    if (fprobe_fabricd_args(&fd, &argc, argv) != 0 || fprobe_args_parse(&a, argc, argv, 1) != 0)
        return 2;
    if (a.req.kind != FPROBE_TCP_BW && a.req.kind != FPROBE_IB_BW) {
        fprintf(stderr, "fabprobe round: -k takes bw or ib-bw\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if (fprobe_round_init(&r, a.hosts) != 0)
        return 1;
    size_t *ring = malloc(r.n * sizeof(*ring));
    if (ring == NULL || fprobe_round_run(&r, &a.req, a.slow) != 0 ||
        fprobe_matrix_ring(r.n, r.bw, ring) != 0) {
        free(ring);
        fprobe_round_free(&r);
        return 1;
    }
    if (a.json)
        print_json(&r, &a, ring);
    else
        print_text(&r, &a, ring);
    free(ring);
    int failed = 0;
    json_object *results = json_object_new_array();
    for (size_t i = 0; i < r.n; i++)
        for (size_t j = i + 1; j < r.n; j++) {
            failed |= r.pairs[i * r.n + j].status != 0;
            json_object_array_add(results, fprobe_fabricd_result(r.hosts[i], r.hosts[j], &a.req,
                                                                 &r.pairs[i * r.n + j]));
        }
    if (fd.url != NULL)
        failed |= fprobe_fabricd_post(&fd, "/api/v1/probes/results", results) != 0;
    json_object_put(results);
    fprobe_round_free(&r);
    return failed ? 1 : 0;
}

/* fabtopo ring --bench: seeded random placements, each planned and scored
 * against host-name order, OpenSM's ftree CA order and a random order
 * under the same load model (ftopo_plan_score_order), then re-planned with
 * 3 to 10 of the inter-switch links its rings used congested to a tenth of
 * their capacity (the hardest links to lose). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ring_bench.h"

#define CONGESTED_AVAIL 0.1
#define TOL             1e-9

typedef struct totals {
    size_t runs, eq_lb, le_name, le_ca, le_rand;
    double sum_plan, sum_name, sum_ca, sum_rand, max_plan, max_name, max_ca, max_rand;
    double ms_sum, ms_max;
    size_t cong_runs, cong_allowed, cong_avoided, cong_eq_lb, cong_le_name, cong_le_ca;
    double cong_plan, cong_name, cong_ca; /* sums of max loads under congestion */
} totals;

typedef struct bench {
    const ftopo_routes *routes;
    const ftopo_fabric *fabric;
    const ring_bench_opts *opts;
    uint64_t rng;
    ftopo_host_id *all, *sel, *order;
    uint8_t *in_job;
    double *avail;
    ftopo_dlink_id *isl; /* inter-switch directed links a plan uses */
} bench;

static uint64_t next_rand(bench *b)
{
    b->rng ^= b->rng << 13;
    b->rng ^= b->rng >> 7;
    b->rng ^= b->rng << 17;
    return b->rng;
}

static void shuffle(bench *b, ftopo_host_id *a, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(next_rand(b) % i);
        ftopo_host_id t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

static int cmp_name(const void *x, const void *y, void *fabric)
{
    ftopo_host_info a, b;
    ftopo_host_get(fabric, *(const ftopo_host_id *)x, &a);
    ftopo_host_get(fabric, *(const ftopo_host_id *)y, &b);
    return strcmp(a.name, b.name);
}

/* OpenSM's CA order restricted to the job; hosts it lacks follow by name. */
static void ca_order(bench *b, size_t k)
{
    size_t m = 0;
    for (size_t i = 0; i < b->opts->ca_order_len; i++) {
        ftopo_host_id h = b->opts->ca_order[i];
        if (b->in_job[h] == 1) {
            b->order[m++] = h;
            b->in_job[h] = 2;
        }
    }
    size_t rest = m;
    for (size_t i = 0; i < k; i++)
        if (b->in_job[b->sel[i]] == 1)
            b->order[m++] = b->sel[i];
    qsort_r(b->order + rest, m - rest, sizeof(*b->order), cmp_name, (void *)b->fabric);
    for (size_t i = 0; i < k; i++)
        b->in_job[b->sel[i]] = 1;
}

static double score(bench *b, const ftopo_plan_opts *po, ftopo_diag *diag)
{
    double load;
    if (ftopo_plan_score_order(b->routes, po, b->order, &load, NULL, diag) != FTOPO_OK)
        return NAN;
    return load;
}

/* Host-name order of the job, scored. */
static double name_order_score(bench *b, const ftopo_plan_opts *po, ftopo_diag *diag)
{
    memcpy(b->order, b->sel, po->num_hosts * sizeof(*b->order));
    qsort_r(b->order, po->num_hosts, sizeof(*b->order), cmp_name, (void *)b->fabric);
    return score(b, po, diag);
}

/* Re-plans with some of the plan's inter-switch links congested. */
static void congested_run(bench *b, ftopo_plan_opts po, const ftopo_plan *plan, totals *t,
                          ftopo_diag *diag)
{
    const ftopo_fabric *f = b->fabric;
    size_t m = 0;
    for (size_t d = 0; d < plan->num_dlinks; d++) {
        if (!plan->dlink_flows[d])
            continue;
        ftopo_link_info li;
        ftopo_node_info na, nb;
        ftopo_link_get(f, (ftopo_link_id)(d / 2), &li);
        ftopo_node_get(f, li.node_a, &na);
        ftopo_node_get(f, li.node_b, &nb);
        if (na.type == FTOPO_NODE_SWITCH && nb.type == FTOPO_NODE_SWITCH)
            b->isl[m++] = (ftopo_dlink_id)d;
    }
    if (m == 0)
        return;
    size_t k = 3 + (size_t)(next_rand(b) % 8);
    if (k > m)
        k = m;
    for (size_t i = 0; i < k; i++) {
        size_t j = i + (size_t)(next_rand(b) % (m - i));
        ftopo_dlink_id tmp = b->isl[i];
        b->isl[i] = b->isl[j];
        b->isl[j] = tmp;
        b->avail[b->isl[i]] = CONGESTED_AVAIL;
    }
    po.avail = b->avail;
    ftopo_plan p2;
    if (ftopo_plan_rings(b->routes, &po, &p2, diag) == FTOPO_OK) {
        size_t crossed = 0;
        for (size_t i = 0; i < k; i++)
            crossed += p2.dlink_flows[b->isl[i]];
        /* One flow over a congested link costs 1 / (avail x channels). */
        bool allowed = p2.lower_bound * CONGESTED_AVAIL * p2.channels < 1 - TOL;
        t->cong_runs++;
        t->cong_allowed += allowed;
        t->cong_avoided += allowed && crossed == 0;
        t->cong_eq_lb += p2.max_load <= p2.lower_bound * (1 + TOL);
        /* The fixed orders cannot dodge: score them on the same links. */
        t->cong_plan += p2.max_load;
        double name = name_order_score(b, &po, diag);
        t->cong_name += name;
        t->cong_le_name += p2.max_load <= name * (1 + TOL);
        if (b->opts->ca_order) {
            ca_order(b, po.num_hosts);
            double ca = score(b, &po, diag);
            t->cong_ca += ca;
            t->cong_le_ca += p2.max_load <= ca * (1 + TOL);
        }
        if (b->opts->verbose)
            printf("  congested %zu links: plan %.3f lb %.3f crossed %zu%s\n", k, p2.max_load,
                   p2.lower_bound, crossed, allowed ? "" : " (bound forces a crossing)");
        ftopo_plan_free(&p2);
    }
    for (size_t i = 0; i < k; i++)
        b->avail[b->isl[i]] = 1.0;
}

static void tally(double *sum, double *max, size_t *le, double base, double plan)
{
    *sum += base;
    if (base > *max)
        *max = base;
    *le += plan <= base * (1 + TOL);
}

static int one_placement(bench *b, size_t idx, totals *t, ftopo_diag *diag)
{
    const ring_bench_opts *o = b->opts;
    size_t nh = ftopo_num_hosts(b->fabric);
    size_t hi = o->max_hosts < nh ? o->max_hosts : nh;
    size_t lo = o->min_hosts < hi ? o->min_hosts : hi;
    size_t k = lo + (size_t)(next_rand(b) % (hi - lo + 1));
    shuffle(b, b->all, nh);
    memcpy(b->sel, b->all, k * sizeof(*b->sel));
    for (size_t i = 0; i < k; i++)
        b->in_job[b->sel[i]] = 1;
    ftopo_plan_opts po = {.hosts = b->sel, .num_hosts = k, .channels = o->channels};
    ftopo_plan plan;
    int rc = CLI_EXIT_OK;
    if (ftopo_plan_rings(b->routes, &po, &plan, diag) != FTOPO_OK) {
        rc = cli_fail("ring", FTOPO_ERR_ARG, diag);
        goto out;
    }
    double name = name_order_score(b, &po, diag);
    double ca = NAN;
    if (o->ca_order) {
        ca_order(b, k);
        ca = score(b, &po, diag);
    }
    memcpy(b->order, b->sel, k * sizeof(*b->order));
    shuffle(b, b->order, k);
    double rnd = score(b, &po, diag);
    double pl = plan.max_load;
    t->runs++;
    t->eq_lb += pl <= plan.lower_bound * (1 + TOL);
    t->sum_plan += pl;
    if (pl > t->max_plan)
        t->max_plan = pl;
    tally(&t->sum_name, &t->max_name, &t->le_name, name, pl);
    if (o->ca_order)
        tally(&t->sum_ca, &t->max_ca, &t->le_ca, ca, pl);
    tally(&t->sum_rand, &t->max_rand, &t->le_rand, rnd, pl);
    double ms = plan.plan_seconds * 1e3;
    t->ms_sum += ms;
    if (ms > t->ms_max)
        t->ms_max = ms;
    if (o->verbose)
        printf("placement %zu: %zu hosts plan %.3f lb %.3f name %.3f ca %.3f random %.3f "
               "(%.1f ms, %zu moves)\n",
               idx, k, pl, plan.lower_bound, name, ca, rnd, ms, plan.moves);
    if (o->congest)
        congested_run(b, po, &plan, t, diag);
    ftopo_plan_free(&plan);
out:
    for (size_t i = 0; i < k; i++)
        b->in_job[b->sel[i]] = 0;
    return rc;
}

static void print_totals(const ring_bench_opts *o, const totals *t)
{
    double n = t->runs ? (double)t->runs : 1, cn = t->cong_runs ? (double)t->cong_runs : 1;
    printf("placements=%zu channels=%d eq_lb=%zu le_name=%zu le_ca=%zu le_rand=%zu "
           "plan_mean=%.3f plan_max=%.3f name_mean=%.3f name_max=%.3f ca_mean=%.3f ca_max=%.3f "
           "rand_mean=%.3f rand_max=%.3f ms_mean=%.2f ms_max=%.2f cong_runs=%zu "
           "cong_allowed=%zu cong_avoided=%zu cong_eq_lb=%zu cong_plan_mean=%.3f "
           "cong_name_mean=%.3f cong_ca_mean=%.3f cong_le_name=%zu cong_le_ca=%zu\n",
           t->runs, o->channels, t->eq_lb, t->le_name, o->ca_order ? t->le_ca : 0, t->le_rand,
           t->sum_plan / n, t->max_plan, t->sum_name / n, t->max_name,
           o->ca_order ? t->sum_ca / n : NAN, o->ca_order ? t->max_ca : NAN, t->sum_rand / n,
           t->max_rand, t->ms_sum / n, t->ms_max, t->cong_runs, t->cong_allowed, t->cong_avoided,
           t->cong_eq_lb, t->cong_plan / cn, t->cong_name / cn, o->ca_order ? t->cong_ca / cn : NAN,
           t->cong_le_name, o->ca_order ? t->cong_le_ca : 0);
}

int ring_bench_run(const ftopo_routes *routes, const ring_bench_opts *opts, ftopo_diag *diag)
{
    const ftopo_fabric *f = ftopo_routes_fabric(routes);
    size_t nh = ftopo_num_hosts(f), nd = 2 * ftopo_num_links(f);
    if (nh < 2) {
        fprintf(stderr, "fabtopo ring: --bench needs a fabric of 2 hosts or more\n");
        return CLI_EXIT_FAIL;
    }
    bench b = {.routes = routes, .fabric = f, .opts = opts, .rng = opts->seed * 2654435761u + 1};
    b.all = malloc(nh * sizeof(*b.all));
    b.sel = malloc(nh * sizeof(*b.sel));
    b.order = malloc(nh * sizeof(*b.order));
    b.in_job = calloc(nh, 1);
    b.avail = malloc((nd ? nd : 1) * sizeof(*b.avail));
    b.isl = malloc((nd ? nd : 1) * sizeof(*b.isl));
    int rc = CLI_EXIT_OK;
    if (!b.all || !b.sel || !b.order || !b.in_job || !b.avail || !b.isl) {
        fprintf(stderr, "fabtopo ring: out of memory\n");
        rc = CLI_EXIT_FAIL;
    } else {
        for (size_t i = 0; i < nh; i++)
            b.all[i] = (ftopo_host_id)i;
        for (size_t d = 0; d < nd; d++)
            b.avail[d] = 1.0;
        totals t;
        memset(&t, 0, sizeof(t));
        for (size_t i = 0; i < opts->placements && rc == CLI_EXIT_OK; i++)
            rc = one_placement(&b, i, &t, diag);
        if (rc == CLI_EXIT_OK)
            print_totals(opts, &t);
    }
    free(b.all);
    free(b.sel);
    free(b.order);
    free(b.in_job);
    free(b.avail);
    free(b.isl);
    return rc;
}

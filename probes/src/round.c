/* A probe round over relayed requests. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "round.h"
#include "schedule.h"

struct job {
    const struct fprobe_round *r;
    const struct fprobe_req *req;
    size_t a, b;
    pthread_t thread;
    int started;
};

int fprobe_round_init(struct fprobe_round *r, const char *hosts)
{
    memset(r, 0, sizeof(*r));
    char *copy = strdup(hosts), *save = NULL;
    if (copy == NULL)
        return -1;
    for (char *h = strtok_r(copy, ",", &save); h != NULL; h = strtok_r(NULL, ",", &save)) {
        char **v = realloc(r->hosts, (r->n + 1) * sizeof(*v));
        if (v == NULL || (v[r->n] = strdup(h)) == NULL) {
            r->hosts = v != NULL ? v : r->hosts;
            free(copy);
            fprobe_round_free(r);
            fprobe_log("out of memory");
            return -1;
        }
        r->hosts = v;
        r->n++;
    }
    free(copy);
    if (r->n < 2) {
        fprobe_log("a round needs at least two hosts");
        fprobe_round_free(r);
        return -1;
    }
    r->pairs = calloc(r->n * r->n, sizeof(*r->pairs));
    return r->pairs != NULL ? 0 : -1;
}

static void *job_main(void *arg)
{
    struct job *j = arg;
    struct fprobe_req relay = *j->req;
    relay.relay_kind = j->req->kind;
    relay.kind = FPROBE_RELAY;
    size_t len = strlen(j->r->hosts[j->b]);
    struct fprobe_result *res = &j->r->pairs[j->a * j->r->n + j->b];
    if (len >= sizeof(relay.target)) {
        fprobe_res_fail(res, "host name too long");
        return NULL;
    }
    memcpy(relay.target, j->r->hosts[j->b], len + 1);
    /* The relaying agent owns the connection to b; no ib options here. */
    struct fprobe_ib_opts none = {.port = 1, .gid_index = -1};
    fprobe_probe_run(&relay, j->r->hosts[j->a], &none, res);
    return NULL;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* The median, and the widest ratio gap between neighbouring bandwidths:
 * where it is at least 1/threshold, the pairs below it are slow. A slow
 * link shared by many pairs can make most pairs slow, so the median alone
 * cannot be the yardstick. */
static void classify(struct fprobe_round *r, double threshold)
{
    double *v = malloc(r->n * r->n * sizeof(*v));
    size_t k = 0;
    for (size_t a = 0; v != NULL && a < r->n; a++)
        for (size_t b = a + 1; b < r->n; b++)
            if (r->pairs[a * r->n + b].status == 0)
                v[k++] = fprobe_res_mbps(&r->pairs[a * r->n + b]);
    r->median_mbps = 0;
    r->slow_below_mbps = 0;
    if (k > 0) {
        qsort(v, k, sizeof(*v), cmp_double);
        r->median_mbps = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
        double best = 1.0;
        for (size_t i = 0; i + 1 < k; i++) {
            double ratio = v[i] > 0 ? v[i + 1] / v[i] : INFINITY;
            if (ratio > best && ratio * threshold >= 1.0) {
                best = ratio;
                r->slow_below_mbps = v[i + 1];
            }
        }
    }
    free(v);
}

int fprobe_round_run(struct fprobe_round *r, const struct fprobe_req *req, double threshold)
{
    size_t(*pairs)[2] = calloc(r->n / 2 + 1, sizeof(*pairs));
    struct job *jobs = calloc(r->n / 2 + 1, sizeof(*jobs));
    if (pairs == NULL || jobs == NULL) {
        free(pairs);
        free(jobs);
        fprobe_log("out of memory");
        return -1;
    }
    for (size_t s = 0; s < fprobe_schedule_steps(r->n); s++) {
        size_t k = fprobe_schedule_step(r->n, s, pairs);
        for (size_t i = 0; i < k; i++) {
            jobs[i] = (struct job){.r = r, .req = req, .a = pairs[i][0], .b = pairs[i][1]};
            jobs[i].started = pthread_create(&jobs[i].thread, NULL, job_main, &jobs[i]) == 0;
            if (!jobs[i].started)
                job_main(&jobs[i]); /* no thread: run it here, still alone */
        }
        for (size_t i = 0; i < k; i++)
            if (jobs[i].started)
                pthread_join(jobs[i].thread, NULL);
    }
    free(pairs);
    free(jobs);
    classify(r, threshold);
    return 0;
}

int fprobe_round_is_slow(const struct fprobe_round *r, size_t a, size_t b)
{
    const struct fprobe_result *res = &r->pairs[(a < b ? a : b) * r->n + (a < b ? b : a)];
    return res->status == 0 && fprobe_res_mbps(res) < r->slow_below_mbps;
}

void fprobe_round_free(struct fprobe_round *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->hosts[i]);
    free(r->hosts);
    free(r->pairs);
    memset(r, 0, sizeof(*r));
}

/* A probe round over relayed requests. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ring.h"
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
    r->bw = malloc(r->n * r->n * sizeof(*r->bw));
    if (r->pairs == NULL || r->bw == NULL) {
        fprobe_log("out of memory");
        fprobe_round_free(r);
        return -1;
    }
    return 0;
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

/* The matrix of what answered, then the slow split (ring.h). */
static int classify(struct fprobe_round *r, double threshold)
{
    for (size_t a = 0; a < r->n; a++)
        for (size_t b = 0; b < r->n; b++) {
            const struct fprobe_result *res = &r->pairs[(a < b ? a : b) * r->n + (a < b ? b : a)];
            r->bw[a * r->n + b] = a != b && res->status == 0 ? fprobe_res_mbps(res) : NAN;
        }
    return fprobe_matrix_split(r->n, r->bw, threshold, &r->median_mbps, &r->slow_below_mbps);
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
        if (r->cancel != NULL && atomic_load(r->cancel)) {
            for (size_t i = 0; i < k; i++)
                fprobe_res_fail(&r->pairs[pairs[i][0] * r->n + pairs[i][1]], "round cancelled");
            continue;
        }
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
    return classify(r, threshold);
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
    free(r->bw);
    memset(r, 0, sizeof(*r));
}

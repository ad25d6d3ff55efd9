/* Probe rounds fabricd schedules over the registered agents. Each round
 * gets a thread that waits for the rounds before it (run_lock: a host is
 * never in two probes at once, across rounds too), runs fprobe_round_run
 * (every pair once, no host twice in a step, every probe with a timeout),
 * records the results and tells with the event probe_round_done. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "probe_int.h"
#include "round.h"

void fabd__pround_free(fabd__pround *r)
{
    if (!r)
        return;
    json_object_put(r->result);
    free(r->names);
    free(r->agents);
    free(r);
}

static const char *state_name(fabd__round_state s)
{
    static const char *const names[] = {"queued", "running", "done", "cancelled"};
    return names[s];
}

/* The round's pairs as samples, by host name. */
static void record(fabd_probes *p, fabd__pround *r, const struct fprobe_round *fr)
{
    fabd_probe_sample *s = calloc(r->n * r->n, sizeof(*s));
    size_t k = 0;
    if (!s) {
        fabd__log(p->core, FTOPO_LOG_ERROR, "probe round %" PRIu64 ": out of memory", r->id);
        return;
    }
    for (size_t a = 0; a < r->n; a++)
        for (size_t b = a + 1; b < r->n; b++) {
            const struct fprobe_result *res = &fr->pairs[a * r->n + b];
            fabd_probe_sample *x = &s[k++];
            *x = (fabd_probe_sample){.kind = r->req.kind,
                                     .size = r->req.size,
                                     .duration_ms = r->req.duration_ms,
                                     .ok = res->status == 0,
                                     .mbps = fprobe_res_mbps(res),
                                     .lat_p50_us = NAN,
                                     .lat_p99_us = NAN};
            memcpy(x->a, r->names[a], sizeof(x->a));
            memcpy(x->b, r->names[b], sizeof(x->b));
            snprintf(x->error, sizeof(x->error), "%s", res->error);
        }
    ftopo_diag d = {0};
    if (fabd_probes_add(p, s, k, &d) != FTOPO_OK)
        fabd__log(p->core, FTOPO_LOG_ERROR, "probe round %" PRIu64 ": %s", r->id, d.message);
    free(s);
}

/* Runs the probes; the round's reading, or NULL with error set (not
 * r->error: readers of the round take the lock, the round does not hold
 * it while it runs). */
static json_object *run(fabd_probes *p, fabd__pround *r, char error[FABD__ROUND_ERROR_MAX])
{
    size_t len = r->n * FABD_PROBE_NAME_MAX + 1;
    char *agents = calloc(1, len);
    struct fprobe_round fr;
    if (!agents) {
        snprintf(error, FABD__ROUND_ERROR_MAX, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < r->n; i++) {
        strcat(agents, r->agents[i]);
        strcat(agents, i + 1 < r->n ? "," : "");
    }
    int rc = fprobe_round_init(&fr, agents);
    free(agents);
    fr.cancel = &p->cancel;
    if (rc != 0 || fprobe_round_run(&fr, &r->req, 0.5) != 0)
        snprintf(error, FABD__ROUND_ERROR_MAX, "the round could not run (out of memory)");
    else if (atomic_load(&p->cancel)) /* a part only: keep the last full figures */
        snprintf(error, FABD__ROUND_ERROR_MAX, "cancelled: fabricd is stopping");
    else
        record(p, r, &fr);
    if (rc == 0)
        fprobe_round_free(&fr);
    if (error[0])
        return NULL;
    fabd_probe_matrix m;
    ftopo_diag d = {0};
    const char **names = malloc(r->n * sizeof(*names));
    for (size_t i = 0; names && i < r->n; i++)
        names[i] = r->names[i];
    ftopo_status st = names ? fabd_probes_matrix(p, r->req.kind, names, r->n, &m, &d)
                            : fabd__fail(&d, FTOPO_ERR_NOMEM, "out of memory");
    free(names);
    if (st != FTOPO_OK) {
        snprintf(error, FABD__ROUND_ERROR_MAX, "%.159s", d.message);
        return NULL;
    }
    json_object *o = fabd_probe_matrix_json(&m);
    fabd_probe_matrix_free(&m);
    if (!o)
        snprintf(error, FABD__ROUND_ERROR_MAX, "out of memory");
    return o;
}

static void *round_main(void *arg)
{
    fabd__pround *r = arg;
    fabd_probes *p = r->owner;
    pthread_mutex_lock(&p->run_lock);
    pthread_mutex_lock(&p->lock);
    bool cancel = p->stopping;
    r->state = cancel ? ROUND_CANCELLED : ROUND_RUNNING;
    r->started_at = fabd__now();
    pthread_mutex_unlock(&p->lock);
    char error[sizeof(r->error)] = "";
    json_object *result = cancel ? NULL : run(p, r, error);
    pthread_mutex_unlock(&p->run_lock);

    size_t slow = 0, failed = 0;
    json_object *arr;
    if (result && json_object_object_get_ex(result, "slow_pairs", &arr))
        slow = json_object_array_length(arr);
    if (result && json_object_object_get_ex(result, "errors", &arr))
        failed = json_object_array_length(arr);
    pthread_mutex_lock(&p->lock);
    r->result = result;
    r->finished_at = fabd__now();
    cancel = cancel || atomic_load(&p->cancel);
    r->state = cancel ? ROUND_CANCELLED : ROUND_DONE;
    memcpy(r->error, error, sizeof(error));
    uint64_t id = r->id;
    size_t n = r->n;
    pthread_mutex_unlock(&p->lock);
    if (!cancel && error[0])
        fabd__log(p->core, FTOPO_LOG_ERROR, "probe round %" PRIu64 ": %s", id, error);
    if (!cancel)
        fabd__event_emitf(p->core, FABD_EV_PROBE_ROUND_DONE, (double)id,
                          "probe round %" PRIu64 " done: %zu hosts, %zu pairs, %zu slow, %zu "
                          "failed%s%s",
                          id, n, n * (n - 1) / 2, slow, failed, error[0] ? ": " : "", error);
    pthread_mutex_lock(&p->lock);
    p->round_threads--;
    pthread_cond_broadcast(&p->idle);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* The hosts of a round, under the lock: each registered with an agent. */
static ftopo_status pick_hosts(fabd_probes *p, const char *const *hosts, size_t num_hosts,
                               fabd__pround *r, ftopo_diag *diag)
{
    size_t cap = hosts ? num_hosts : p->num_hosts;
    r->names = calloc(cap ? cap : 1, sizeof(*r->names));
    r->agents = calloc(cap ? cap : 1, sizeof(*r->agents));
    if (!r->names || !r->agents)
        return fabd__fail(diag, FTOPO_ERR_NOMEM, "probes: out of memory");
    for (size_t i = 0; i < cap; i++) {
        const fabd__phost *h = hosts ? fabd__phost_find(p, hosts[i]) : &p->hosts[i];
        if (!h)
            return fabd__fail(diag, FTOPO_ERR_NOT_FOUND, "unknown host \"%s\"", hosts[i]);
        if (!h->agent[0]) {
            if (hosts)
                return fabd__fail(diag, FTOPO_ERR_ARG, "host \"%s\" has no agent", h->name);
            continue;
        }
        for (size_t j = 0; j < r->n; j++)
            if (!strcmp(r->names[j], h->name))
                return fabd__fail(diag, FTOPO_ERR_ARG, "host \"%s\" is listed twice", h->name);
        memcpy(r->names[r->n], h->name, FABD_PROBE_NAME_MAX);
        memcpy(r->agents[r->n], h->agent, FABD_PROBE_NAME_MAX);
        r->n++;
    }
    if (r->n < 2)
        return fabd__fail(diag, FTOPO_ERR_ARG, "a round needs two hosts with agents (%zu)", r->n);
    return FTOPO_OK;
}

/* Room for one more round: drops the oldest finished one. Lock held. */
static bool make_room(fabd_probes *p)
{
    if (p->num_rounds < FABD_PROBE_MAX_ROUNDS)
        return true;
    for (size_t i = 0; i < p->num_rounds; i++)
        if (p->rounds[i]->state == ROUND_DONE || p->rounds[i]->state == ROUND_CANCELLED) {
            fabd__pround_free(p->rounds[i]);
            memmove(&p->rounds[i], &p->rounds[i + 1],
                    (p->num_rounds - i - 1) * sizeof(p->rounds[0]));
            p->num_rounds--;
            return true;
        }
    return false;
}

ftopo_status fabd_probes_round_start(fabd_probes *p, const char *const *hosts, size_t num_hosts,
                                     const struct fprobe_req *req, uint64_t *id, ftopo_diag *diag)
{
    if (req->kind != FPROBE_TCP_BW && req->kind != FPROBE_IB_BW)
        return fabd__fail(diag, FTOPO_ERR_ARG, "kind: rounds measure bw or ib-bw");
    fabd__pround *r = calloc(1, sizeof(*r));
    if (!r)
        return fabd__fail(diag, FTOPO_ERR_NOMEM, "probes: out of memory");
    r->owner = p;
    r->req = *req;
    r->state = ROUND_QUEUED;
    r->created_at = fabd__now();
    pthread_mutex_lock(&p->lock);
    ftopo_status st = pick_hosts(p, hosts, num_hosts, r, diag);
    if (st == FTOPO_OK && (p->stopping || !make_room(p)))
        st = fabd__fail(diag, FTOPO_ERR_STATE, "%d rounds are queued or running already",
                        FABD_PROBE_MAX_ROUNDS);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (st == FTOPO_OK) {
        r->id = p->next_round_id;
        if (pthread_create(&t, &attr, round_main, r) != 0) {
            st = fabd__fail(diag, FTOPO_ERR_NOMEM, "probes: cannot start a round thread");
        } else {
            p->next_round_id++;
            p->rounds[p->num_rounds++] = r;
            p->round_threads++;
            *id = r->id;
        }
    }
    pthread_attr_destroy(&attr);
    pthread_mutex_unlock(&p->lock);
    if (st != FTOPO_OK)
        fabd__pround_free(r);
    return st;
}

json_object *fabd_probes_round_json(fabd_probes *p, uint64_t id)
{
    json_object *o = NULL;
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->num_rounds && !o; i++) {
        const fabd__pround *r = p->rounds[i];
        if (r->id != id)
            continue;
        o = json_object_new_object();
        json_object *hosts = json_object_new_array();
        for (size_t k = 0; k < r->n; k++)
            json_object_array_add(hosts, json_object_new_string(r->names[k]));
        json_object_object_add(o, "round_id", json_object_new_uint64(r->id));
        json_object_object_add(o, "state", json_object_new_string(state_name(r->state)));
        json_object_object_add(o, "kind", json_object_new_string(fprobe_kind_name(r->req.kind)));
        json_object_object_add(o, "size", json_object_new_int64(r->req.size));
        json_object_object_add(o, "duration_ms", json_object_new_int64(r->req.duration_ms));
        json_object_object_add(o, "hosts", hosts);
        json_object_object_add(o, "created_at", json_object_new_double(r->created_at));
        json_object_object_add(o, "started_at",
                               r->started_at > 0 ? json_object_new_double(r->started_at) : NULL);
        json_object_object_add(o, "finished_at",
                               r->finished_at > 0 ? json_object_new_double(r->finished_at) : NULL);
        if (r->error[0])
            json_object_object_add(o, "error", json_object_new_string(r->error));
        /* A copy: json-c's reference counts are not atomic. */
        json_object *result = NULL;
        if (r->result && json_object_deep_copy(r->result, &result, NULL) != 0)
            result = NULL;
        json_object_object_add(o, "result", result);
    }
    pthread_mutex_unlock(&p->lock);
    return o;
}

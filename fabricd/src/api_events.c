/* The daemon's own state and history: /healthz, status, events (with long
 * polling), master diff, and a sweep on demand. */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "events_json.h"
#include "ftopo/io.h"

static json_object *health_json(const fabd_health *h)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "running", json_object_new_boolean(h->running));
    json_object_object_add(o, "last_sweep_ok", json_object_new_boolean(h->last_sweep_ok));
    json_object_object_add(o, "sweeps", json_object_new_uint64(h->sweeps));
    json_object_object_add(o, "sweep_failures", json_object_new_uint64(h->sweep_failures));
    json_object_object_add(o, "polls", json_object_new_uint64(h->polls));
    json_object_object_add(o, "started_at", json_object_new_double(h->started_at));
    json_object_object_add(o, "last_sweep_at", json_object_new_double(h->last_sweep_at));
    json_object_object_add(o, "last_poll_at", json_object_new_double(h->last_poll_at));
    json_object_object_add(o, "last_sweep_seconds", json_object_new_double(h->last_sweep_seconds));
    json_object_object_add(o, "last_lft_seconds", json_object_new_double(h->last_lft_seconds));
    json_object_object_add(o, "last_lft_ok", json_object_new_boolean(h->last_lft_ok));
    json_object_object_add(o, "lft_failures", json_object_new_uint64(h->lft_failures));
    json_object_object_add(o, "last_lft_error", json_object_new_string(h->last_lft_error));
    json_object_object_add(o, "last_poll_seconds", json_object_new_double(h->last_poll_seconds));
    json_object_object_add(o, "last_event_id", json_object_new_uint64(h->last_event_id));
    json_object_object_add(o, "nodes", json_object_new_uint64(h->nodes));
    json_object_object_add(o, "links", json_object_new_uint64(h->links));
    json_object_object_add(o, "down_links", json_object_new_uint64(h->down_links));
    json_object_object_add(o, "congested_dlinks", json_object_new_uint64(h->congested_dlinks));
    json_object_object_add(o, "erroring_dlinks", json_object_new_uint64(h->erroring_dlinks));
    json_object_object_add(o, "failures_in_row", json_object_new_uint64(h->failures_in_row));
    json_object_object_add(o, "last_error", json_object_new_string(h->last_error));
    json_object_object_add(o, "last_error_at", json_object_new_double(h->last_error_at));
    /* Ages on the daemon's clock, so that a client's clock does not matter;
     * null when there is nothing to age. */
    double now = h->read_at;
    json_object_object_add(o, "last_error_age_s",
                           h->last_error_at > 0 ? json_object_new_double(now - h->last_error_at)
                                                : NULL);
    json_object_object_add(o, "snapshot_age_s",
                           h->published_at > 0 ? json_object_new_double(now - h->published_at)
                                               : NULL);
    json_object_object_add(o, "status", json_object_new_string(fabd_health_state_str(h->state)));
    return o;
}

/* Up while the daemon serves a fabric (ok, degraded); not before the
 * first snapshot, when sweeps keep failing, or when the sweeper stopped,
 * so that a probe (systemd, Kubernetes) sees a daemon that has no fabric
 * or has lost it. Probes-only runs no sweeper by design: answering is
 * being healthy. */
bool fabd_api_serving(const fabd_api *api, const fabd_health *h)
{
    return api->probes_only || h->state == FABD_HEALTH_OK || h->state == FABD_HEALTH_DEGRADED;
}

void fabd_api_healthz(fabd_api *api, const fabd_req *req, fabd_reply *rep)
{
    (void)req;
    fabd_health h;
    fabd_core_health(api->core, &h);
    json_object *o = health_json(&h);
    if (api->probes_only)
        json_object_object_add(o, "status", json_object_new_string("probes-only"));
    fabd_reply_json(rep, fabd_api_serving(api, &h) ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, o);
}

void fabd_api_status(fabd_api *api, const fabd_req *req, fabd_reply *rep)
{
    (void)req;
    fabd_health h;
    fabd_core_health(api->core, &h);
    json_object *top = json_object_new_object();
    json_object_object_add(top, "health", health_json(&h));
    fabd_snapshot *s = fabd_core_snapshot(api->core);
    ftopo_summary sum;
    if (s && ftopo_fabric_summary(s->fabric, &sum) == FTOPO_OK) {
        json_object *f = json_object_new_object();
        json_object_object_add(f, "sweep", json_object_new_uint64(s->sweep_seq));
        json_object_object_add(f, "swept_at", json_object_new_double(s->swept_at));
        json_object_object_add(f, "shape", json_object_new_string(ftopo_shape_str(sum.shape)));
        json_object_object_add(f, "degraded", json_object_new_boolean(sum.degraded));
        json_object_object_add(f, "nodes", json_object_new_uint64(sum.nodes));
        json_object_object_add(f, "switches", json_object_new_uint64(sum.switches));
        json_object_object_add(f, "cas", json_object_new_uint64(sum.cas));
        json_object_object_add(f, "hosts", json_object_new_uint64(sum.hosts));
        json_object_object_add(f, "links", json_object_new_uint64(sum.links));
        json_object_object_add(f, "switch_links", json_object_new_uint64(sum.switch_links));
        json_object_object_add(f, "tiers", json_object_new_int(sum.tiers));
        json_object_object_add(f, "rails", json_object_new_uint64(sum.rails));
        json_object_object_add(f, "routes", json_object_new_boolean(s->routes != NULL));
        json_object *rates = json_object_new_array();
        for (size_t i = 0; i < sum.num_rates; i++) {
            json_object *r = json_object_new_object();
            json_object_object_add(r, "width",
                                   json_object_new_string(ftopo_width_str(sum.rates[i].width)));
            json_object_object_add(r, "speed",
                                   json_object_new_string(ftopo_speed_str(sum.rates[i].speed)));
            json_object_object_add(r, "rate_gbps", json_object_new_double(sum.rates[i].rate_gbps));
            json_object_object_add(r, "links", json_object_new_uint64(sum.rates[i].links));
            json_object_array_add(rates, r);
        }
        json_object_object_add(f, "rates", rates);
        json_object_object_add(top, "fabric", f);
    }
    fabd_snapshot_release(s);
    fabd_reply_json(rep, MHD_HTTP_OK, top);
}

void fabd_api_events(fabd_api *api, const fabd_req *req, fabd_reply *rep)
{
    uint64_t since = 0, wait = 0, max = 1000;
    int max_wait = atomic_load(&api->max_wait_s);
    if (!fabd_api_uint_arg(req, rep, "since", UINT64_MAX, &since) ||
        !fabd_api_uint_arg(req, rep, "wait", (uint64_t)max_wait, &wait) ||
        !fabd_api_uint_arg(req, rep, "max", 100000, &max))
        return;
    fabd_event *evs = NULL;
    size_t n = 0;
    uint64_t latest = 0;
    ftopo_status st =
        fabd_core_events(api->core, since, max ? max : 1, (int)wait * 1000, &evs, &n, &latest);
    if (st != FTOPO_OK && st != FTOPO_ERR_TIMEOUT) {
        fabd_api_fail(rep, st, NULL);
        return;
    }
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(arr, fabd_event_to_json(&evs[i]));
    free(evs);
    json_object *top = json_object_new_object();
    json_object_object_add(top, "latest", json_object_new_uint64(latest));
    json_object_object_add(top, "events", arr);
    fabd_reply_json(rep, MHD_HTTP_OK, top);
}

static json_object *diff_json(const fabd_diff *d)
{
    json_object *nodes = json_object_new_array();
    for (size_t i = 0; i < d->num_nodes; i++) {
        const fabd_diff_node *n = &d->nodes[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "kind", json_object_new_string(fabd_diff_kind_str(n->kind)));
        json_object_object_add(o, "guid", fabd_json_guid(n->guid));
        json_object_object_add(o, "type", json_object_new_string(fabd_node_type_str(n->type)));
        json_object_object_add(o, "desc", json_object_new_string(n->desc));
        json_object_array_add(nodes, o);
    }
    json_object *links = json_object_new_array();
    for (size_t i = 0; i < d->num_links; i++) {
        const fabd_diff_link *l = &d->links[i];
        json_object *o = json_object_new_object(), *a = json_object_new_object(),
                    *b = json_object_new_object();
        json_object_object_add(a, "guid", fabd_json_guid(l->guid_a));
        json_object_object_add(a, "desc", json_object_new_string(l->desc_a));
        json_object_object_add(a, "port", json_object_new_int(l->port_a));
        json_object_object_add(b, "guid", fabd_json_guid(l->guid_b));
        json_object_object_add(b, "desc", json_object_new_string(l->desc_b));
        json_object_object_add(b, "port", json_object_new_int(l->port_b));
        json_object_object_add(o, "kind", json_object_new_string(fabd_diff_kind_str(l->kind)));
        json_object_object_add(o, "a", a);
        json_object_object_add(o, "b", b);
        json_object_object_add(o, "ref_width",
                               json_object_new_string(ftopo_width_str(l->ref_width)));
        json_object_object_add(o, "width", json_object_new_string(ftopo_width_str(l->width)));
        json_object_object_add(o, "ref_speed",
                               json_object_new_string(ftopo_speed_str(l->ref_speed)));
        json_object_object_add(o, "speed", json_object_new_string(ftopo_speed_str(l->speed)));
        json_object_array_add(links, o);
    }
    json_object *top = json_object_new_object();
    json_object_object_add(top, "equal", json_object_new_boolean(!d->num_nodes && !d->num_links));
    json_object_object_add(top, "nodes", nodes);
    json_object_object_add(top, "links", links);
    return top;
}

/* GET: against the configured master. POST: against the topology in the
 * body (any readable ftopo format, ?format= to say which), so that a
 * client compares with its own file without the daemon reading paths. */
void fabd_api_diff(fabd_api *api, const fabd_req *req, fabd_reply *rep)
{
    fabd_diff d = {0};
    ftopo_diag diag = {0};
    ftopo_status st;
    if (!strcmp(req->method, "POST")) {
        ftopo_format fmt = FTOPO_FORMAT_AUTO;
        const char *fa = fabd_req_arg(req, "format");
        if (fa && (ftopo_format_parse(fa, &fmt) != FTOPO_OK || !ftopo_format_can_read(fmt) ||
                   fmt == FTOPO_FORMAT_IBND_CACHE)) {
            fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "format: expected ibnetdiscover or json");
            return;
        }
        if (!req->body_len) {
            fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "POST the master topology as the body");
            return;
        }
        ftopo_fabric *master;
        st = ftopo_read_buffer(req->body, req->body_len, fmt, "master", &master, &diag);
        if (st != FTOPO_OK) {
            fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "%s", diag.message);
            return;
        }
        fabd_snapshot *s = fabd_api_snapshot(api, rep);
        if (!s) {
            ftopo_fabric_destroy(master);
            return;
        }
        st = fabd_fabric_diff(master, s->fabric, &d, &diag);
        fabd_snapshot_release(s);
        ftopo_fabric_destroy(master);
    } else {
        st = fabd_core_master_diff(api->core, NULL, &d, &diag);
    }
    if (st != FTOPO_OK) {
        fabd_api_fail(rep, st, &diag);
        return;
    }
    fabd_reply_json(rep, MHD_HTTP_OK, diff_json(&d));
    fabd_diff_free(&d);
}

void fabd_api_sweep(fabd_api *api, const fabd_req *req, fabd_reply *rep)
{
    uint64_t wait = 30, seq = 0;
    if (!fabd_api_uint_arg(req, rep, "wait", (uint64_t)atomic_load(&api->max_wait_s), &wait))
        return;
    ftopo_status st = fabd_core_trigger_sweep(api->core, (int)wait * 1000, &seq);
    if (st != FTOPO_OK) {
        fabd_api_fail(rep, st, NULL);
        return;
    }
    json_object *top = json_object_new_object();
    json_object_object_add(top, "sweep", json_object_new_uint64(seq));
    fabd_reply_json(rep, wait ? MHD_HTTP_OK : MHD_HTTP_ACCEPTED, top);
}

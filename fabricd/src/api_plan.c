/* Ring plans: make one for a list of hosts (GET ?hosts=a,b or POST a JSON
 * body or a hostfile), list the kept ones, fetch one by id. Each comes as
 * JSON (the planner's report inside) or as a hostfile in ring order. */
#include "api.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#define MAX_HOSTS 100000

typedef struct host_list {
    char **names;
    size_t n, cap;
} host_list;

static void hosts_free(host_list *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->names[i]);
    free(h->names);
}

static bool hosts_add(host_list *h, const char *s, size_t len)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        char **nn = realloc(h->names, cap * sizeof(*nn));
        if (!nn)
            return false;
        h->names = nn;
        h->cap = cap;
    }
    if (!(h->names[h->n] = strndup(s, len)))
        return false;
    h->n++;
    return true;
}

/* Words separated by commas, blanks or newlines; '#' comments a line out
 * (hostfile syntax: anything after the first word of a line is ignored). */
static bool hosts_parse_text(host_list *h, const char *text, bool hostfile)
{
    const char *p = text;
    while (*p) {
        while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (*p == '#') {
            p += strcspn(p, "\n");
            continue;
        }
        size_t len = strcspn(p, ", \t\r\n#");
        if (len && !hosts_add(h, p, len))
            return false;
        p += len;
        if (hostfile)
            p += strcspn(p, "\n");
    }
    return true;
}

/* {"hosts": ["a", "b"], "channels": N}. On error writes the reply. */
static bool parse_json_body(const fabd_req *req, fabd_reply *rep, host_list *h, int *channels)
{
    enum json_tokener_error jerr;
    json_object *top = json_tokener_parse_verbose(req->body, &jerr);
    json_object *arr, *ch;
    if (!top || !json_object_is_type(top, json_type_object) ||
        !json_object_object_get_ex(top, "hosts", &arr) ||
        !json_object_is_type(arr, json_type_array)) {
        fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "body: expected {\"hosts\": [...]}%s%s",
                         top ? "" : ": ", top ? "" : json_tokener_error_desc(jerr));
        json_object_put(top);
        return false;
    }
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        if (!json_object_is_type(e, json_type_string)) {
            fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "hosts[%zu]: expected a string", i);
            json_object_put(top);
            return false;
        }
        if (!hosts_add(h, json_object_get_string(e), (size_t)json_object_get_string_len(e))) {
            fabd_reply_error(rep, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
            json_object_put(top);
            return false;
        }
    }
    if (json_object_object_get_ex(top, "channels", &ch)) {
        if (!json_object_is_type(ch, json_type_int) || json_object_get_int(ch) < 0 ||
            json_object_get_int(ch) > 64) {
            fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "channels: expected an integer 0..64");
            json_object_put(top);
            return false;
        }
        *channels = json_object_get_int(ch);
    }
    json_object_put(top);
    return true;
}

/* Writes a plan as JSON or as a hostfile (ring 0's order). */
static void reply_plan(fabd_reply *rep, unsigned status, const fabd_plan *p, const char *fmt)
{
    const ftopo_fabric *f = p->snap->fabric;
    bool hostfile = fmt && !strcmp(fmt, "hostfile");
    FILE *out =
        fabd_reply_stream(rep, status, hostfile ? "text/plain; charset=utf-8" : "application/json");
    if (!out)
        return;
    if (hostfile) {
        for (size_t i = 0; i < p->plan.num_hosts; i++) {
            ftopo_host_info hi;
            if (ftopo_host_get(f, p->plan.rings[0].order[i], &hi) == FTOPO_OK)
                fprintf(out, "%s\n", hi.name);
        }
        return;
    }
    json_object *order = json_object_new_array();
    for (size_t i = 0; i < p->plan.num_hosts; i++) {
        ftopo_host_info hi;
        if (ftopo_host_get(f, p->plan.rings[0].order[i], &hi) == FTOPO_OK)
            json_object_array_add(order, json_object_new_string(hi.name));
    }
    bool valid = atomic_load(&p->valid);
    fprintf(out,
            "{\"id\":%" PRIu64 ",\"replaces\":%" PRIu64 ",\"replaced_by\":%" PRIu64
            ",\"valid\":%s,\"created_at\":%.3f,\"order\":%s,",
            p->id, p->replaces, (uint64_t)atomic_load(&p->replaced_by), valid ? "true" : "false",
            p->created_at, json_object_to_json_string_ext(order, JSON_C_TO_STRING_PLAIN));
    json_object_put(order);
    if (!valid) {
        json_object *why = json_object_new_string(p->invalid_reason);
        fprintf(out, "\"invalid_reason\":%s,", json_object_to_json_string(why));
        json_object_put(why);
    }
    fputs("\"plan\":", out);
    ftopo_diag diag = {0};
    ftopo_status st = ftopo_plan_write(p->snap->routes, &p->plan, true, out, &diag);
    if (st != FTOPO_OK) {
        fabd_api_fail(rep, st, &diag);
        return;
    }
    fputs("}\n", out);
}

static bool format_ok(const fabd_req *req, fabd_reply *rep)
{
    const char *fmt = fabd_req_arg(req, "format");
    if (fmt && strcmp(fmt, "json") != 0 && strcmp(fmt, "hostfile") != 0) {
        fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "format: expected json or hostfile");
        return false;
    }
    return true;
}

void fabd_api_ring(fabd_api *api, const fabd_req *req, fabd_reply *rep)
{
    if (!format_ok(req, rep))
        return;
    host_list h = {0};
    uint64_t channels = 1;
    if (!fabd_api_uint_arg(req, rep, "channels", 64, &channels))
        return;
    int ch = (int)channels;
    bool ok;
    if (!strcmp(req->method, "POST")) {
        const char *p = req->body + strspn(req->body, " \t\r\n");
        ok = *p == '{' ? parse_json_body(req, rep, &h, &ch) : hosts_parse_text(&h, p, true);
    } else {
        const char *list = fabd_req_arg(req, "hosts");
        ok = hosts_parse_text(&h, list ? list : "", false);
    }
    if (ok && h.n == 0) {
        fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST,
                         "no hosts: ?hosts=a,b,... or a POST body {\"hosts\": [...]}");
        ok = false;
    } else if (ok && h.n > MAX_HOSTS) {
        fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "over %d hosts", MAX_HOSTS);
        ok = false;
    }
    if (!ok) {
        if (!rep->stream && !rep->buf)
            fabd_reply_error(rep, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        hosts_free(&h);
        return;
    }
    /* No fabric: probes-only, or discovery has not worked (yet): the
     * probes' ring when they know every host; else the core says why. */
    fabd_snapshot *snap = api->probes_only ? NULL : fabd_core_snapshot(api->core);
    bool have_fabric = snap != NULL;
    fabd_snapshot_release(snap);
    if (!have_fabric &&
        fabd_api_probe_ring(api, (const char *const *)h.names, h.n, req, rep, !api->probes_only)) {
        hosts_free(&h);
        return;
    }
    fabd_plan *plan;
    ftopo_diag diag = {0};
    ftopo_status st =
        fabd_core_plan(api->core, (const char *const *)h.names, h.n, ch, &plan, &diag);
    hosts_free(&h);
    if (st != FTOPO_OK) {
        fabd_api_fail(rep, st, &diag);
        return;
    }
    reply_plan(rep, MHD_HTTP_OK, plan, fabd_req_arg(req, "format"));
    fabd_plan_release(plan);
}

/* JSON has no infinity: a plan that must cross a down link has an
 * infinite load, shown as null. */
static json_object *finite_or_null(double v)
{
    return isfinite(v) ? json_object_new_double(v) : NULL;
}

void fabd_api_plans(fabd_api *api, const fabd_req *req, fabd_reply *rep)
{
    const char *rest = req->path + strlen("/api/v1/plans");
    if (*rest == '/') {
        char *end;
        uint64_t id = strtoull(rest + 1, &end, 10);
        if (end == rest + 1 || *end) {
            fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "plan id: expected an integer");
            return;
        }
        if (!format_ok(req, rep))
            return;
        fabd_plan *p;
        ftopo_status st = fabd_core_plan_get(api->core, id, &p);
        if (st != FTOPO_OK) {
            fabd_reply_error(rep, fabd_http_status(st), "plan %" PRIu64 ": not kept", id);
            return;
        }
        reply_plan(rep, MHD_HTTP_OK, p, fabd_req_arg(req, "format"));
        fabd_plan_release(p);
        return;
    }
    fabd_plan **plans;
    size_t n;
    ftopo_status st = fabd_core_plans(api->core, &plans, &n);
    if (st != FTOPO_OK) {
        fabd_api_fail(rep, st, NULL);
        return;
    }
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        const fabd_plan *p = plans[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_uint64(p->id));
        json_object_object_add(o, "replaces", json_object_new_uint64(p->replaces));
        json_object_object_add(o, "replaced_by",
                               json_object_new_uint64(atomic_load(&p->replaced_by)));
        json_object_object_add(o, "valid", json_object_new_boolean(atomic_load(&p->valid)));
        json_object_object_add(o, "created_at", json_object_new_double(p->created_at));
        json_object_object_add(o, "hosts", json_object_new_uint64(p->num_hosts));
        json_object_object_add(o, "channels", json_object_new_int(p->channels));
        json_object_object_add(o, "max_load", finite_or_null(p->plan.max_load));
        json_object_object_add(o, "busbw_gbps", finite_or_null(p->plan.busbw_gbps));
        json_object_array_add(arr, o);
        fabd_plan_release(plans[i]);
    }
    free(plans);
    json_object *top = json_object_new_object();
    json_object_object_add(top, "plans", arr);
    fabd_reply_json(rep, MHD_HTTP_OK, top);
}

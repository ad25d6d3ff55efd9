/* Routing of requests to endpoints, and helpers the endpoints share. */
#include "api.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "web_assets.h"

typedef struct route {
    const char *path;
    const char *methods; /* "GET", "GET POST", ... */
    fabd_api_fn *fn;
    bool prefix; /* path is a prefix (".../plans/ID") */
} route;

static const route routes[] = {
    {"/healthz", "GET", fabd_api_healthz, false},
    {"/metrics", "GET", fabd_api_metrics, false},
    {"/api/v1/status", "GET", fabd_api_status, false},
    {"/api/v1/topology", "GET", fabd_api_topology, false},
    {"/api/v1/nodes", "GET", fabd_api_nodes, false},
    {"/api/v1/ports", "GET", fabd_api_ports, false},
    {"/api/v1/links", "GET", fabd_api_links, false},
    {"/api/v1/trace", "GET", fabd_api_trace, false},
    {"/api/v1/routes/quality", "GET", fabd_api_route_quality, false},
    {"/api/v1/ring", "GET POST", fabd_api_ring, false},
    {"/api/v1/plans", "GET", fabd_api_plans, true},
    {"/api/v1/events", "GET", fabd_api_events, false},
    {"/api/v1/diff", "GET POST", fabd_api_diff, false},
    {"/api/v1/sweep", "POST", fabd_api_sweep, false},
    {"/api/v1/hosts", "GET POST", fabd_api_hosts, true},
    {"/api/v1/probes/results", "POST", fabd_api_probe_results, false},
    {"/api/v1/probes/matrix", "GET", fabd_api_probe_matrix, false},
    {"/api/v1/probes/round", "GET POST", fabd_api_probe_round, true},
};

static bool method_allowed(const char *methods, const char *method)
{
    size_t ml = strlen(method);
    for (const char *p = methods; (p = strstr(p, method)); p += ml)
        if ((p == methods || p[-1] == ' ') && (p[ml] == ' ' || p[ml] == '\0'))
            return true;
    return false;
}

bool fabd_api_is_public(const char *path)
{
    return !strcmp(path, "/healthz") || !strcmp(path, "/") || !strcmp(path, "/index.html") ||
           !strncmp(path, "/ui/", 4);
}

void fabd_api_handle(void *user, const fabd_req *req, fabd_reply *rep)
{
    fabd_api *api = user;
    if (fabd_web_serve(req, rep))
        return;
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        const route *r = &routes[i];
        size_t pl = strlen(r->path);
        bool match = r->prefix ? !strncmp(req->path, r->path, pl) &&
                                     (req->path[pl] == '\0' || req->path[pl] == '/')
                               : !strcmp(req->path, r->path);
        if (!match)
            continue;
        /* HEAD is GET without the body; libmicrohttpd drops the body. */
        const char *m = !strcmp(req->method, "HEAD") ? "GET" : req->method;
        if (!method_allowed(r->methods, m)) {
            fabd_reply_error(rep, MHD_HTTP_METHOD_NOT_ALLOWED, "%s: use %s", r->path, r->methods);
            return;
        }
        r->fn(api, req, rep);
        return;
    }
    fabd_reply_error(rep, MHD_HTTP_NOT_FOUND, "no such endpoint: %.200s", req->path);
}

json_object *fabd_json_guid(uint64_t guid)
{
    char s[24];
    snprintf(s, sizeof(s), "0x%016" PRIx64, guid);
    return json_object_new_string(s);
}

fabd_snapshot *fabd_api_snapshot(fabd_api *api, fabd_reply *rep)
{
    fabd_snapshot *s = fabd_core_snapshot(api->core);
    if (!s)
        fabd_reply_error(rep, MHD_HTTP_SERVICE_UNAVAILABLE,
                         "no fabric yet: the first sweep has not finished");
    return s;
}

void fabd_api_fail(fabd_reply *rep, ftopo_status st, const ftopo_diag *diag)
{
    fabd_reply_error(rep, fabd_http_status(st), "%s",
                     diag && diag->message[0] ? diag->message : ftopo_strerror(st));
}

bool fabd_api_uint_arg(const fabd_req *req, fabd_reply *rep, const char *name, uint64_t max,
                       uint64_t *out)
{
    const char *v = fabd_req_arg(req, name);
    if (!v)
        return true;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || end == v || *end || v[0] == '-' || x > max) {
        fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "%s: expected an integer 0..%" PRIu64, name,
                         max);
        return false;
    }
    *out = x;
    return true;
}

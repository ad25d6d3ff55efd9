/* The probe agents' side of the API: hosts (register, list, one with its
 * inventory), probe results in, the bandwidth matrix out, probe rounds
 * fabricd schedules, and the ring from the matrix in probes-only mode.
 * docs/api.md and probes/README.md describe the documents. */
#include "api.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "probes.h"

#define MAX_RESULTS 65536 /* per request */

static fabd_probes *probes_or_fail(fabd_api *api, fabd_reply *rep)
{
    if (!api->probes)
        fabd_reply_error(rep, MHD_HTTP_SERVICE_UNAVAILABLE, "probe store not available");
    return api->probes;
}

/* The body as a JSON document of type want; NULL with a 400 set. */
static json_object *body_json(const fabd_req *req, fabd_reply *rep, json_type want,
                              const char *expected)
{
    enum json_tokener_error jerr = json_tokener_success;
    json_object *top = req->body_len ? json_tokener_parse_verbose(req->body, &jerr) : NULL;
    if (!top || !json_object_is_type(top, want)) {
        fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "body: expected %s%s%s", expected,
                         jerr != json_tokener_success ? ": " : "",
                         jerr != json_tokener_success ? json_tokener_error_desc(jerr) : "");
        json_object_put(top);
        return NULL;
    }
    return top;
}

/* Every key of o is one of the NULL-terminated names; else a 400. */
static bool keys_known(json_object *o, const char *const *names, const char *what, fabd_reply *rep)
{
    json_object_object_foreach(o, key, val)
    {
        (void)val;
        bool known = false;
        for (size_t i = 0; names[i] && !known; i++)
            known = !strcmp(key, names[i]);
        if (!known) {
            fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "%s: unknown key \"%.64s\"", what, key);
            return false;
        }
    }
    return true;
}

/* A string member; def when absent; NULL (with a 400) when not a string. */
static const char *str_member(json_object *o, const char *key, const char *def, const char *what,
                              fabd_reply *rep)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return def;
    if (!json_object_is_type(v, json_type_string)) {
        fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "%s%s: expected a string", what, key);
        return NULL;
    }
    return json_object_get_string(v);
}

/* A number member in [lo, hi]; def when absent; false (with a 400) when
 * not a number or out of range. */
static bool num_member(json_object *o, const char *key, double lo, double hi, double def,
                       double *out, const char *what, fabd_reply *rep)
{
    json_object *v;
    *out = def;
    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return true;
    if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))
        *out = json_object_get_double(v);
    if ((!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) ||
        !isfinite(*out) || *out < lo || *out > hi) {
        fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "%s%s: expected a number %g..%g", what, key, lo,
                         hi);
        return false;
    }
    return true;
}

/* ---- /api/v1/hosts ---------------------------------------------------------- */

static void hosts_post(fabd_probes *p, const fabd_req *req, fabd_reply *rep)
{
    static const char *const keys[] = {"hostname", "agent", "inventory", NULL};
    json_object *top =
        body_json(req, rep, json_type_object,
                  "{\"hostname\": ..., \"agent\": \"ADDR:PORT\", \"inventory\": {...}}");
    if (!top || !keys_known(top, keys, "body", rep)) {
        json_object_put(top);
        return;
    }
    const char *name = str_member(top, "hostname", "", "", rep);
    const char *agent = name ? str_member(top, "agent", "", "", rep) : NULL;
    json_object *inv = NULL;
    json_object_object_get_ex(top, "inventory", &inv);
    if (agent && inv && !json_object_is_type(inv, json_type_object) &&
        !json_object_is_type(inv, json_type_null)) {
        fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "inventory: expected an object");
        agent = NULL;
    }
    if (!agent) {
        json_object_put(top);
        return;
    }
    bool is_new;
    ftopo_diag diag = {0};
    ftopo_status st = fabd_probes_register(p, name, agent, inv, &is_new, &diag);
    if (st != FTOPO_OK) {
        fabd_api_fail(rep, st, &diag);
        json_object_put(top);
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "host_id", json_object_new_string(name));
    json_object_object_add(o, "new", json_object_new_boolean(is_new));
    json_object_put(top);
    fabd_reply_json(rep, is_new ? MHD_HTTP_CREATED : MHD_HTTP_OK, o);
}

void fabd_api_hosts(fabd_api *api, const fabd_req *req, fabd_reply *rep)
{
    fabd_probes *p = probes_or_fail(api, rep);
    if (!p)
        return;
    const char *rest = req->path + strlen("/api/v1/hosts");
    bool post = !strcmp(req->method, "POST");
    if (*rest == '/') {
        if (post) {
            fabd_reply_error(rep, MHD_HTTP_METHOD_NOT_ALLOWED, "%s: use GET", req->path);
            return;
        }
        json_object *h = fabd_probes_hosts_json(p, rest + 1);
        if (!h)
            fabd_reply_error(rep, MHD_HTTP_NOT_FOUND, "no host \"%.64s\" registered", rest + 1);
        else
            fabd_reply_json(rep, MHD_HTTP_OK, h);
        return;
    }
    if (post)
        hosts_post(p, req, rep);
    else
        fabd_reply_json(rep, MHD_HTTP_OK, fabd_probes_hosts_json(p, NULL));
}

/* ---- /api/v1/probes/results --------------------------------------------------- */

static bool parse_sample(json_object *o, size_t i, fabd_probe_sample *s, fabd_reply *rep)
{
    char what[32];
    snprintf(what, sizeof(what), "results[%zu].", i);
    if (!json_object_is_type(o, json_type_object)) {
        fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "results[%zu]: expected an object", i);
        return false;
    }
    const char *a = str_member(o, "a", "", what, rep);
    const char *b = a ? str_member(o, "b", "", what, rep) : NULL;
    const char *kind = b ? str_member(o, "kind", "", what, rep) : NULL;
    const char *err = kind ? str_member(o, "error", "", what, rep) : NULL;
    if (!err)
        return false;
    json_object *ok;
    s->kind = fprobe_kind_parse(kind);
    if (!fabd_probe_name_ok(a) || !fabd_probe_name_ok(b) || !s->kind ||
        !json_object_object_get_ex(o, "ok", &ok) || !json_object_is_type(ok, json_type_boolean)) {
        fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST,
                         "results[%zu]: needs \"a\" and \"b\" (host names), \"kind\" (bw, lat, "
                         "ib-bw, ib-lat) and \"ok\" (a boolean)",
                         i);
        return false;
    }
    snprintf(s->a, sizeof(s->a), "%s", a);
    snprintf(s->b, sizeof(s->b), "%s", b);
    snprintf(s->error, sizeof(s->error), "%s", err);
    s->ok = json_object_get_boolean(ok);
    bool bw = s->kind == FPROBE_TCP_BW || s->kind == FPROBE_IB_BW;
    double size, dur, time;
    if (!num_member(o, "size", 0, FPROBE_MAX_SIZE, 0, &size, what, rep) ||
        !num_member(o, "duration_ms", 0, FPROBE_MAX_DURATION, 0, &dur, what, rep) ||
        !num_member(o, "time", 0, 1e12, 0, &time, what, rep) ||
        !num_member(o, "mb_per_s", 0, 1e9, NAN, &s->mbps, what, rep) ||
        !num_member(o, "lat_p50_us", 0, 1e12, NAN, &s->lat_p50_us, what, rep) ||
        !num_member(o, "lat_p99_us", 0, 1e12, NAN, &s->lat_p99_us, what, rep))
        return false;
    s->size = (uint32_t)size;
    s->duration_ms = (uint32_t)dur;
    s->time = time;
    if (s->ok && (bw ? isnan(s->mbps) : isnan(s->lat_p50_us))) {
        fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "results[%zu]: a successful %s result needs %s",
                         i, kind, bw ? "\"mb_per_s\"" : "\"lat_p50_us\"");
        return false;
    }
    if (!s->ok && !s->error[0]) {
        fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "results[%zu]: a failed result needs \"error\"",
                         i);
        return false;
    }
    return true;
}

void fabd_api_probe_results(fabd_api *api, const fabd_req *req, fabd_reply *rep)
{
    fabd_probes *p = probes_or_fail(api, rep);
    json_object *top =
        p ? body_json(req, rep, json_type_array, "[{\"a\", \"b\", \"kind\", ...}]") : NULL;
    if (!top)
        return;
    size_t n = json_object_array_length(top);
    fabd_probe_sample *s = n <= MAX_RESULTS ? calloc(n ? n : 1, sizeof(*s)) : NULL;
    bool ok = s != NULL;
    if (!ok)
        fabd_reply_error(
            rep, n > MAX_RESULTS ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_INTERNAL_SERVER_ERROR,
            n > MAX_RESULTS ? "over %d results in one request" : "out of memory", MAX_RESULTS);
    for (size_t i = 0; ok && i < n; i++)
        ok = parse_sample(json_object_array_get_idx(top, i), i, &s[i], rep);
    json_object_put(top);
    ftopo_diag diag = {0};
    ftopo_status st = ok ? fabd_probes_add(p, s, n, &diag) : FTOPO_OK;
    free(s);
    if (!ok)
        return;
    if (st != FTOPO_OK) {
        fabd_api_fail(rep, st, &diag);
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "accepted", json_object_new_int64((int64_t)n));
    fabd_reply_json(rep, MHD_HTTP_OK, o);
}

/* ---- /api/v1/probes/matrix ------------------------------------------------------ */

/* ?kind=bw|ib-bw (default bw); 0 with a 400 set. */
static uint32_t bw_kind_arg(const fabd_req *req, fabd_reply *rep, const char *def)
{
    const char *k = fabd_req_arg(req, "kind");
    uint32_t kind = fprobe_kind_parse(k ? k : def);
    if (kind != FPROBE_TCP_BW && kind != FPROBE_IB_BW) {
        fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "kind: expected bw or ib-bw");
        return 0;
    }
    return kind;
}

void fabd_api_probe_matrix(fabd_api *api, const fabd_req *req, fabd_reply *rep)
{
    fabd_probes *p = probes_or_fail(api, rep);
    uint32_t kind = p ? bw_kind_arg(req, rep, "bw") : 0;
    if (!kind)
        return;
    fabd_probe_matrix m;
    ftopo_diag diag = {0};
    ftopo_status st = fabd_probes_matrix(p, kind, NULL, 0, &m, &diag);
    if (st != FTOPO_OK) {
        fabd_api_fail(rep, st, &diag);
        return;
    }
    json_object *o = fabd_probe_matrix_json(&m);
    fabd_probe_matrix_free(&m);
    if (o)
        fabd_reply_json(rep, MHD_HTTP_OK, o);
    else
        fabd_reply_error(rep, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
}

/* ---- /api/v1/probes/round ----------------------------------------------------- */

/* {"hosts": [...] | null, "kind", "size", "duration_ms"}: 0 or a 400. */
static bool parse_round(json_object *top, struct fprobe_req *r, char ***hosts, size_t *n,
                        fabd_reply *rep)
{
    static const char *const keys[] = {"hosts", "kind", "size", "duration_ms", NULL};
    if (!keys_known(top, keys, "body", rep))
        return false;
    const char *kind = str_member(top, "kind", "bw", "", rep);
    double size, dur;
    if (!kind || !num_member(top, "size", 1, FPROBE_MAX_SIZE, 65536, &size, "", rep) ||
        !num_member(top, "duration_ms", 1, FPROBE_MAX_DURATION, 1000, &dur, "", rep))
        return false;
    *r = (struct fprobe_req){.kind = fprobe_kind_parse(kind),
                             .size = (uint32_t)size,
                             .duration_ms = (uint32_t)dur,
                             .iters = 1};
    if (r->kind != FPROBE_TCP_BW && r->kind != FPROBE_IB_BW) {
        fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "kind: expected bw or ib-bw");
        return false;
    }
    json_object *arr;
    if (!json_object_object_get_ex(top, "hosts", &arr) || json_object_is_type(arr, json_type_null))
        return true;
    if (!json_object_is_type(arr, json_type_array) ||
        json_object_array_length(arr) > FABD_PROBE_MAX_HOSTS) {
        fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "hosts: expected an array of host names");
        return false;
    }
    *n = json_object_array_length(arr);
    *hosts = calloc(*n ? *n : 1, sizeof(**hosts));
    if (!*hosts) {
        fabd_reply_error(rep, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return false;
    }
    for (size_t i = 0; i < *n; i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        if (!json_object_is_type(e, json_type_string)) {
            fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "hosts[%zu]: expected a string", i);
            return false;
        }
        (*hosts)[i] = (char *)json_object_get_string(e); /* lives as long as top */
    }
    return true;
}

static void round_post(fabd_probes *p, const fabd_req *req, fabd_reply *rep)
{
    /* An empty body: a round over every registered agent, defaults. */
    json_object *top = req->body_len ? body_json(req, rep, json_type_object,
                                                 "{\"hosts\": [...], \"kind\", \"size\", "
                                                 "\"duration_ms\"}")
                                     : json_object_new_object();
    struct fprobe_req r;
    char **hosts = NULL;
    size_t n = 0;
    if (!top || !parse_round(top, &r, &hosts, &n, rep)) {
        free(hosts);
        json_object_put(top);
        return;
    }
    uint64_t id;
    ftopo_diag diag = {0};
    ftopo_status st = fabd_probes_round_start(p, (const char *const *)hosts, n, &r, &id, &diag);
    free(hosts);
    json_object_put(top);
    if (st != FTOPO_OK) {
        fabd_api_fail(rep, st, &diag);
        return;
    }
    json_object *o = fabd_probes_round_json(p, id);
    if (o)
        fabd_reply_json(rep, MHD_HTTP_ACCEPTED, o);
    else
        fabd_reply_error(rep, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
}

void fabd_api_probe_round(fabd_api *api, const fabd_req *req, fabd_reply *rep)
{
    fabd_probes *p = probes_or_fail(api, rep);
    if (!p)
        return;
    const char *rest = req->path + strlen("/api/v1/probes/round");
    bool post = !strcmp(req->method, "POST");
    if (!*rest && post) {
        round_post(p, req, rep);
        return;
    }
    if (!*rest || post) {
        fabd_reply_error(rep, MHD_HTTP_METHOD_NOT_ALLOWED, "%s: use %s", req->path,
                         post ? "GET" : "POST");
        return;
    }
    char *end;
    uint64_t id = strtoull(rest + 1, &end, 10);
    if (end == rest + 1 || *end || rest[1] == '-') {
        fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "round id: expected an integer");
        return;
    }
    json_object *o = fabd_probes_round_json(p, id);
    if (o)
        fabd_reply_json(rep, MHD_HTTP_OK, o);
    else
        fabd_reply_error(rep, MHD_HTTP_NOT_FOUND, "probe round %" PRIu64 ": not kept", id);
}

/* ---- /api/v1/ring without a fabric ---------------------------------------------- */

/* The bandwidth kind with the most measured pairs among the hosts. */
static uint32_t ring_kind(fabd_probes *p, const char *const *hosts, size_t n)
{
    size_t best = 0;
    uint32_t kind = FPROBE_TCP_BW;
    static const uint32_t kinds[] = {FPROBE_TCP_BW, FPROBE_IB_BW};
    for (size_t i = 0; i < 2; i++) {
        uint32_t k = kinds[i];
        fabd_probe_matrix m;
        ftopo_diag d = {0};
        if (fabd_probes_matrix(p, k, hosts, n, &m, &d) != FTOPO_OK)
            continue;
        size_t measured = 0;
        for (size_t j = 0; j < m.n * m.n; j++)
            measured += !isnan(m.bw[j]);
        if (measured > best) {
            best = measured;
            kind = k;
        }
        fabd_probe_matrix_free(&m);
    }
    return kind;
}

static void write_ring(const fabd_probe_matrix *m, const size_t *order, const char *fmt,
                       fabd_reply *rep)
{
    bool hostfile = fmt && !strcmp(fmt, "hostfile");
    if (hostfile) {
        FILE *out = fabd_reply_stream(rep, MHD_HTTP_OK, "text/plain; charset=utf-8");
        for (size_t i = 0; out && i < m->n; i++)
            fprintf(out, "%s\n", m->names[order[i]]);
        return;
    }
    json_object *o = json_object_new_object(), *names = json_object_new_array();
    json_object *hops = json_object_new_array();
    double slowest = INFINITY;
    for (size_t i = 0; i < m->n; i++) {
        size_t a = order[i], b = order[(i + 1) % m->n];
        double v = m->bw[a * m->n + b];
        json_object_array_add(names, json_object_new_string(m->names[a]));
        json_object *h = json_object_new_object();
        json_object_object_add(h, "a", json_object_new_string(m->names[a]));
        json_object_object_add(h, "b", json_object_new_string(m->names[b]));
        json_object_object_add(h, "mb_per_s", isnan(v) ? NULL : json_object_new_double(v));
        json_object_array_add(hops, h);
        slowest = fmin(slowest, isnan(v) ? 0 : v);
    }
    json_object_object_add(o, "source", json_object_new_string("probes"));
    json_object_object_add(o, "kind", json_object_new_string(fprobe_kind_name(m->kind)));
    json_object_object_add(o, "order", names);
    json_object_object_add(o, "hops", hops);
    json_object_object_add(o, "slowest_hop_mb_per_s",
                           m->n > 1 ? json_object_new_double(slowest) : NULL);
    fabd_reply_json(rep, MHD_HTTP_OK, o);
}

bool fabd_api_probe_ring(fabd_api *api, const char *const *hosts, size_t n, const fabd_req *req,
                         fabd_reply *rep, bool only_if_known)
{
    fabd_probes *p = only_if_known ? api->probes : probes_or_fail(api, rep);
    if (!p)
        return !only_if_known;
    const char *k = fabd_req_arg(req, "kind");
    uint32_t kind = k ? bw_kind_arg(req, rep, "bw") : ring_kind(p, hosts, n);
    if (!kind)
        return true;
    fabd_probe_matrix m;
    ftopo_diag diag = {0};
    ftopo_status st = fabd_probes_matrix(p, kind, hosts, n, &m, &diag);
    if (st != FTOPO_OK && only_if_known)
        return false;
    if (st != FTOPO_OK) {
        fabd_api_fail(rep, st, &diag);
        return true;
    }
    size_t *order = malloc((m.n + 1) * sizeof(*order));
    if (order && fabd_probe_matrix_ring(&m, order) == 0)
        write_ring(&m, order, fabd_req_arg(req, "format"), rep);
    else
        fabd_reply_error(rep, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    free(order);
    fabd_probe_matrix_free(&m);
    return true;
}

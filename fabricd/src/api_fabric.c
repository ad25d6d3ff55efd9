/* The fabric as it is: topology in every format, nodes, ports and links
 * with their state, rate and counters. */
#include "api.h"

#include <string.h>

#include <microhttpd.h>

#include "ftopo/io.h"

const char *fabd_node_type_str(ftopo_node_type type)
{
    switch (type) {
    case FTOPO_NODE_SWITCH:
        return "switch";
    case FTOPO_NODE_CA:
        return "ca";
    case FTOPO_NODE_ROUTER:
        return "router";
    }
    return "unknown";
}

const char *fabd_port_state_str(ftopo_port_state state)
{
    static const char *const names[] = {"unknown", "down", "init", "armed", "active"};
    return (unsigned)state < 5 ? names[state] : "unknown";
}

/* Replies with the body cached in `slot` of the current snapshot, built by
 * build(snap, ctx) the first time it is asked for. */
static void reply_cached(fabd_api *api, fabd_reply *rep, fabd_cache_slot slot,
                         fabd_cache_build_fn build, void *ctx, const char *type)
{
    fabd_snapshot *s = fabd_api_snapshot(api, rep);
    if (!s)
        return;
    ftopo_diag diag = {0};
    const char *body;
    size_t len;
    ftopo_status st = fabd_snapshot_cached(s, slot, build, ctx, &body, &len, &diag);
    if (st == FTOPO_OK)
        fabd_reply_bytes(rep, MHD_HTTP_OK, type, body, len);
    else
        fabd_api_fail(rep, st, &diag);
    fabd_snapshot_release(s);
}

static ftopo_status write_topology(const fabd_snapshot *snap, void *ctx, FILE *out,
                                   ftopo_diag *diag)
{
    return ftopo_write_stream(snap->fabric, out, *(const ftopo_format *)ctx, diag);
}

void fabd_api_topology(fabd_api *api, const fabd_req *req, fabd_reply *rep)
{
    static const struct {
        ftopo_format format;
        fabd_cache_slot slot;
        const char *type;
    } formats[] = {
        {FTOPO_FORMAT_JSON, FABD_CACHE_TOPOLOGY_JSON, "application/json"},
        {FTOPO_FORMAT_IBNETDISCOVER, FABD_CACHE_TOPOLOGY_IBNETDISCOVER,
         "text/plain; charset=utf-8"},
        {FTOPO_FORMAT_DOT, FABD_CACHE_TOPOLOGY_DOT, "text/vnd.graphviz"},
        {FTOPO_FORMAT_GRAPHML, FABD_CACHE_TOPOLOGY_GRAPHML, "application/graphml+xml"},
    };
    const size_t num_formats = sizeof(formats) / sizeof(formats[0]);
    const char *fmt = fabd_req_arg(req, "format");
    size_t i = 0; /* JSON when not asked */
    ftopo_format format;
    if (fmt && ftopo_format_parse(fmt, &format) != FTOPO_OK)
        i = num_formats;
    else if (fmt)
        while (i < num_formats && formats[i].format != format)
            i++;
    if (i == num_formats) {
        fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST,
                         "format: expected json, ibnetdiscover, dot or graphml");
        return;
    }
    reply_cached(api, rep, formats[i].slot, write_topology, (void *)&formats[i].format,
                 formats[i].type);
}

static json_object *node_json(const ftopo_fabric *f, const ftopo_node_info *ni)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "guid", fabd_json_guid(ni->node_guid));
    json_object_object_add(o, "type", json_object_new_string(fabd_node_type_str(ni->type)));
    json_object_object_add(o, "desc", json_object_new_string(ni->desc ? ni->desc : ""));
    json_object_object_add(o, "lid", json_object_new_int(ni->lid));
    json_object_object_add(o, "ports", json_object_new_int(ni->num_ports));
    json_object_object_add(o, "tier", json_object_new_int(ni->tier));
    ftopo_host_info hi;
    if (ni->host != FTOPO_NONE && ftopo_host_get(f, ni->host, &hi) == FTOPO_OK) {
        json_object_object_add(o, "host", json_object_new_string(hi.name));
        json_object_object_add(o, "rail", json_object_new_int(ni->rail));
    }
    return o;
}

void fabd_api_nodes(fabd_api *api, const fabd_req *req, fabd_reply *rep)
{
    (void)req;
    fabd_snapshot *s = fabd_api_snapshot(api, rep);
    if (!s)
        return;
    json_object *arr = json_object_new_array();
    for (size_t n = 0; n < ftopo_num_nodes(s->fabric); n++) {
        ftopo_node_info ni;
        if (ftopo_node_get(s->fabric, (ftopo_node_id)n, &ni) == FTOPO_OK)
            json_object_array_add(arr, node_json(s->fabric, &ni));
    }
    json_object *top = json_object_new_object();
    json_object_object_add(top, "sweep", json_object_new_uint64(s->sweep_seq));
    json_object_object_add(top, "nodes", arr);
    fabd_reply_json(rep, MHD_HTTP_OK, top);
    fabd_snapshot_release(s);
}

static json_object *counters_json(const fabd_port_counters *c)
{
    if (!c || !c->valid)
        return NULL;
    json_object *o = json_object_new_object();
#define U(field) json_object_object_add(o, #field, json_object_new_uint64(c->field))
#define D(field) json_object_object_add(o, #field, json_object_new_double(c->field))
    json_object_object_add(o, "extended", json_object_new_boolean(c->extended));
    U(xmit_bytes);
    U(rcv_bytes);
    U(xmit_pkts);
    U(rcv_pkts);
    U(xmit_wait);
    U(symbol_errors);
    U(link_error_recovery);
    U(link_downed);
    U(rcv_errors);
    U(rcv_remote_phys_errors);
    U(rcv_switch_relay_errors);
    U(xmit_discards);
    U(xmit_constraint_errors);
    U(rcv_constraint_errors);
    U(local_link_integrity_errors);
    U(excessive_buffer_overrun_errors);
    U(vl15_dropped);
    D(xmit_bytes_per_s);
    D(rcv_bytes_per_s);
    D(xmit_wait_per_s);
    D(errors_per_s);
#undef U
#undef D
    return o;
}

void fabd_api_ports(fabd_api *api, const fabd_req *req, fabd_reply *rep)
{
    fabd_snapshot *s = fabd_api_snapshot(api, rep);
    if (!s)
        return;
    const char *only = fabd_req_arg(req, "node"); /* a GUID or a description */
    ftopo_node_id only_node = FTOPO_NONE;
    if (only) {
        char *end;
        uint64_t guid = strtoull(only, &end, 0);
        if ((*end || ftopo_find_by_guid(s->fabric, guid, &only_node) != FTOPO_OK) &&
            ftopo_find_by_desc(s->fabric, only, &only_node) != FTOPO_OK) {
            fabd_reply_error(rep, MHD_HTTP_NOT_FOUND, "node %.100s: not in the fabric", only);
            fabd_snapshot_release(s);
            return;
        }
    }
    json_object *arr = json_object_new_array();
    for (size_t n = 0; n < ftopo_num_nodes(s->fabric); n++) {
        ftopo_node_info ni;
        if ((only_node != FTOPO_NONE && (ftopo_node_id)n != only_node) ||
            ftopo_node_get(s->fabric, (ftopo_node_id)n, &ni) != FTOPO_OK)
            continue;
        for (int p = 1; p <= ni.num_ports; p++) {
            ftopo_port_info pi;
            if (ftopo_port_get(s->fabric, (ftopo_node_id)n, p, &pi) != FTOPO_OK)
                continue;
            json_object *o = json_object_new_object();
            json_object_object_add(o, "guid", fabd_json_guid(ni.node_guid));
            json_object_object_add(o, "desc", json_object_new_string(ni.desc ? ni.desc : ""));
            json_object_object_add(o, "port", json_object_new_int(p));
            json_object_object_add(o, "state",
                                   json_object_new_string(fabd_port_state_str(pi.state)));
            json_object_object_add(o, "lid", json_object_new_int(pi.lid));
            json_object_object_add(o, "width", json_object_new_string(ftopo_width_str(pi.width)));
            json_object_object_add(o, "speed", json_object_new_string(ftopo_speed_str(pi.speed)));
            json_object_object_add(
                o, "rate_gbps", json_object_new_double(ftopo_link_rate_gbps(pi.width, pi.speed)));
            ftopo_node_info peer;
            if (pi.peer_node != FTOPO_NONE &&
                ftopo_node_get(s->fabric, pi.peer_node, &peer) == FTOPO_OK) {
                json_object_object_add(o, "peer_guid", fabd_json_guid(peer.node_guid));
                json_object_object_add(o, "peer_port", json_object_new_int(pi.peer_port));
            }
            json_object *c = counters_json(fabd_snapshot_port(s, (ftopo_node_id)n, p));
            if (c)
                json_object_object_add(o, "counters", c);
            json_object_array_add(arr, o);
        }
    }
    json_object *top = json_object_new_object();
    json_object_object_add(top, "sweep", json_object_new_uint64(s->sweep_seq));
    json_object_object_add(top, "polled_at", json_object_new_double(s->polled_at));
    json_object_object_add(top, "ports", arr);
    fabd_reply_json(rep, MHD_HTTP_OK, top);
    fabd_snapshot_release(s);
}

static json_object *end_json(uint64_t guid, const char *desc, int port)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "guid", fabd_json_guid(guid));
    json_object_object_add(o, "desc", json_object_new_string(desc));
    json_object_object_add(o, "port", json_object_new_int(port));
    return o;
}

static json_object *dir_json(const fabd_dlink_stats *d)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "utilization", json_object_new_double(d->utilization));
    json_object_object_add(o, "congestion", json_object_new_double(d->congestion));
    json_object_object_add(o, "error_rate", json_object_new_double(d->error_rate));
    json_object_object_add(o, "congested", json_object_new_boolean(d->congested));
    json_object_object_add(o, "erroring", json_object_new_boolean(d->erroring));
    return o;
}

typedef enum { SHOW_ALL, SHOW_UP, SHOW_DOWN, SHOW_CONGESTED, SHOW_ERRORS } link_filter;

static const char *const filter_names[] = {"all", "up", "down", "congested", "errors"};

static ftopo_status write_links(const fabd_snapshot *s, void *ctx, FILE *out, ftopo_diag *diag)
{
    (void)diag;
    link_filter filter = *(const link_filter *)ctx;
    json_object *arr = json_object_new_array();
    for (size_t l = 0; filter != SHOW_DOWN && l < ftopo_num_links(s->fabric); l++) {
        ftopo_link_info li;
        ftopo_node_info a, b;
        if (ftopo_link_get(s->fabric, (ftopo_link_id)l, &li) != FTOPO_OK ||
            ftopo_node_get(s->fabric, li.node_a, &a) != FTOPO_OK ||
            ftopo_node_get(s->fabric, li.node_b, &b) != FTOPO_OK)
            continue;
        const fabd_dlink_stats *ab = &s->dlinks[2 * l], *ba = &s->dlinks[2 * l + 1];
        if ((filter == SHOW_CONGESTED && !ab->congested && !ba->congested) ||
            (filter == SHOW_ERRORS && !ab->erroring && !ba->erroring))
            continue;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_int((int)l));
        json_object_object_add(o, "a", end_json(a.node_guid, a.desc ? a.desc : "", li.port_a));
        json_object_object_add(o, "b", end_json(b.node_guid, b.desc ? b.desc : "", li.port_b));
        json_object_object_add(o, "state", json_object_new_string("up"));
        json_object_object_add(o, "width", json_object_new_string(ftopo_width_str(li.width)));
        json_object_object_add(o, "speed", json_object_new_string(ftopo_speed_str(li.speed)));
        json_object_object_add(o, "rate_gbps", json_object_new_double(li.rate_gbps));
        json_object_object_add(o, "ab", dir_json(ab));
        json_object_object_add(o, "ba", dir_json(ba));
        json_object_array_add(arr, o);
    }
    for (size_t i = 0; (filter == SHOW_ALL || filter == SHOW_DOWN) && i < s->num_down_links; i++) {
        const fabd_down_link *d = &s->down_links[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "a", end_json(d->guid_a, d->desc_a, d->port_a));
        json_object_object_add(o, "b", end_json(d->guid_b, d->desc_b, d->port_b));
        json_object_object_add(o, "state", json_object_new_string("down"));
        json_object_object_add(o, "width", json_object_new_string(ftopo_width_str(d->width)));
        json_object_object_add(o, "speed", json_object_new_string(ftopo_speed_str(d->speed)));
        json_object_object_add(o, "rate_gbps",
                               json_object_new_double(ftopo_link_rate_gbps(d->width, d->speed)));
        json_object_object_add(o, "since", json_object_new_double(d->since));
        json_object_array_add(arr, o);
    }
    json_object *top = json_object_new_object();
    json_object_object_add(top, "sweep", json_object_new_uint64(s->sweep_seq));
    json_object_object_add(top, "filter", json_object_new_string(filter_names[filter]));
    json_object_object_add(top, "links", arr);
    fprintf(out, "%s\n", json_object_to_json_string_ext(top, JSON_C_TO_STRING_PLAIN));
    json_object_put(top);
    return FTOPO_OK;
}

void fabd_api_links(fabd_api *api, const fabd_req *req, fabd_reply *rep)
{
    const char *fa = fabd_req_arg(req, "filter");
    link_filter filter = SHOW_ALL;
    if (fa) {
        size_t i = 0;
        while (i < 5 && strcmp(fa, filter_names[i]) != 0)
            i++;
        if (i == 5) {
            fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST,
                             "filter: expected all, up, down, congested or errors");
            return;
        }
        filter = (link_filter)i;
    }
    reply_cached(api, rep, (fabd_cache_slot)(FABD_CACHE_LINKS + filter), write_links, &filter,
                 "application/json");
}

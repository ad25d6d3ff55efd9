/* Routes as the switches hold them: a path trace between two endpoints and
 * the all-to-all route quality report. */
#include "api.h"

#include <string.h>

#include <microhttpd.h>

void fabd_api_trace(fabd_api *api, const fabd_req *req, fabd_reply *rep)
{
    const char *src = fabd_req_arg(req, "src"), *dst = fabd_req_arg(req, "dst");
    if (!src || !dst || !*src || !*dst) {
        fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "trace needs ?src=A&dst=B");
        return;
    }
    fabd_snapshot *s = fabd_api_snapshot(api, rep);
    if (!s)
        return;
    ftopo_trace tr = {0};
    ftopo_diag diag = {0};
    ftopo_status st = fabd_snapshot_trace(s, src, dst, &tr, &diag);
    if (st != FTOPO_OK) {
        fabd_api_fail(rep, st, &diag);
        fabd_snapshot_release(s);
        return;
    }
    json_object *hops = json_object_new_array();
    for (size_t i = 0; i < tr.num_hops; i++) {
        ftopo_node_info ni;
        json_object *h = json_object_new_object();
        if (ftopo_node_get(s->fabric, tr.hops[i].node, &ni) == FTOPO_OK) {
            json_object_object_add(h, "guid", fabd_json_guid(ni.node_guid));
            json_object_object_add(h, "type", json_object_new_string(fabd_node_type_str(ni.type)));
            json_object_object_add(h, "desc", json_object_new_string(ni.desc ? ni.desc : ""));
            json_object_object_add(h, "lid", json_object_new_int(ni.lid));
        }
        json_object_object_add(h, "in_port", json_object_new_int(tr.hops[i].in_port));
        json_object_object_add(h, "out_port", json_object_new_int(tr.hops[i].out_port));
        json_object_array_add(hops, h);
    }
    json_object *top = json_object_new_object();
    json_object_object_add(top, "src", json_object_new_string(src));
    json_object_object_add(top, "dst", json_object_new_string(dst));
    json_object_object_add(top, "result", json_object_new_string(ftopo_path_result_str(tr.result)));
    json_object_object_add(top, "hops", hops);
    ftopo_trace_free(&tr);
    fabd_snapshot_release(s);
    fabd_reply_json(rep, MHD_HTTP_OK, top);
}

void fabd_api_route_quality(fabd_api *api, const fabd_req *req, fabd_reply *rep)
{
    const char *fmt = fabd_req_arg(req, "format");
    bool json = !fmt || !strcmp(fmt, "json");
    if (!json && strcmp(fmt, "text") != 0) {
        fabd_reply_error(rep, MHD_HTTP_BAD_REQUEST, "format: expected json or text");
        return;
    }
    fabd_snapshot *s = fabd_api_snapshot(api, rep);
    if (!s)
        return;
    ftopo_analysis an = {0};
    ftopo_diag diag = {0};
    ftopo_status st = fabd_snapshot_route_quality(s, &an, &diag);
    if (st == FTOPO_OK) {
        FILE *f = fabd_reply_stream(rep, MHD_HTTP_OK,
                                    json ? "application/json" : "text/plain; charset=utf-8");
        st = f ? ftopo_analysis_write(s->routes, &an, json, f, &diag) : FTOPO_ERR_NOMEM;
        ftopo_analysis_free(&an);
    }
    if (st != FTOPO_OK)
        fabd_api_fail(rep, st, &diag);
    fabd_snapshot_release(s);
}

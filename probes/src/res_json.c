/* A probe result as JSON. */
#include "res_json.h"

static void put_double(json_object *o, const char *key, double v)
{
    json_object_object_add(o, key, json_object_new_double(v));
}

json_object *fprobe_result_json(const struct fprobe_req *req, const char *target,
                                const struct fprobe_result *res)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "kind", json_object_new_string(fprobe_kind_name(req->kind)));
    json_object_object_add(o, "target", json_object_new_string(target));
    json_object_object_add(o, "size", json_object_new_int64(req->size));
    json_object_object_add(o, "ok", json_object_new_boolean(res->status == 0));
    if (res->status != 0) {
        json_object_object_add(o, "error", json_object_new_string(res->error));
        return o;
    }
    if (req->kind == FPROBE_TCP_BW || req->kind == FPROBE_IB_BW) {
        json_object_object_add(o, "bytes", json_object_new_uint64(res->bytes));
        put_double(o, "seconds", (double)res->ns / 1e9);
        put_double(o, "mb_per_s", fprobe_res_mbps(res));
        put_double(o, "gbit_per_s", fprobe_res_mbps(res) * 8 / 1000);
    } else {
        json_object_object_add(o, "round_trips", json_object_new_uint64(res->bytes));
        put_double(o, "lat_min_us", (double)res->lat_min_ns / 1e3);
        put_double(o, "lat_p50_us", (double)res->lat_p50_ns / 1e3);
        put_double(o, "lat_p99_us", (double)res->lat_p99_ns / 1e3);
    }
    return o;
}

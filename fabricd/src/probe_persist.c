/* STATE_DIR/probes.json: the registered hosts and the latest result per
 * pair, so that a restart keeps the matrix the planner folds in (the
 * smoothed figure restarts from the latest). Written
 * to a temporary file and renamed, so a crash leaves the old or the new. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "probe_int.h"

static json_object *num(double v)
{
    return isfinite(v) ? json_object_new_double(v) : NULL;
}

static json_object *store_json(const fabd_probes *p)
{
    json_object *hosts = json_object_new_array(), *pairs = json_object_new_array();
    for (size_t i = 0; i < p->num_hosts; i++) {
        const fabd__phost *h = &p->hosts[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "hostname", json_object_new_string(h->name));
        json_object_object_add(o, "agent", json_object_new_string(h->agent));
        json_object_object_add(o, "registered_at", num(h->registered_at));
        json_object_object_add(o, "last_seen", num(h->last_seen));
        json_object_object_add(o, "inventory",
                               h->inventory ? json_tokener_parse(h->inventory) : NULL);
        json_object_array_add(hosts, o);
    }
    for (size_t i = 0; i < p->num_pairs; i++) {
        const fabd__ppair *r = &p->pairs[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "a", json_object_new_string(r->a));
        json_object_object_add(o, "b", json_object_new_string(r->b));
        json_object_object_add(o, "kind", json_object_new_string(fprobe_kind_name(r->kind)));
        json_object_object_add(o, "size", json_object_new_int64(r->size));
        json_object_object_add(o, "duration_ms", json_object_new_int64(r->duration_ms));
        json_object_object_add(o, "ok", json_object_new_boolean(r->ok));
        json_object_object_add(o, "mb_per_s", num(r->mbps));
        json_object_object_add(o, "lat_p50_us", num(r->lat_p50_us));
        json_object_object_add(o, "lat_p99_us", num(r->lat_p99_us));
        json_object_object_add(o, "time", num(r->time));
        json_object_object_add(o, "error", json_object_new_string(r->error));
        json_object_array_add(pairs, o);
    }
    json_object *top = json_object_new_object();
    json_object_object_add(top, "hosts", hosts);
    json_object_object_add(top, "pairs", pairs);
    return top;
}

void fabd__probes_save_locked(fabd_probes *p, bool force)
{
    if (!p->path)
        return;
    double now = fabd__now();
    if (!force && now - p->saved_at < FABD__PROBES_SAVE_S) {
        p->dirty = true;
        return;
    }
    p->saved_at = now;
    p->dirty = false;
    size_t len = strlen(p->path) + 5;
    char *tmp = malloc(len);
    json_object *top = store_json(p);
    if (!tmp || !top) {
        fabd__log(p->core, FTOPO_LOG_ERROR, "%s: out of memory", p->path);
    } else {
        snprintf(tmp, len, "%s.tmp", p->path);
        if (json_object_to_file_ext(tmp, top, JSON_C_TO_STRING_PLAIN) != 0 ||
            rename(tmp, p->path) != 0)
            fabd__log(p->core, FTOPO_LOG_ERROR, "%s: cannot write: %s", p->path,
                      json_util_get_last_err() ? json_util_get_last_err() : "rename failed");
    }
    json_object_put(top);
    free(tmp);
}

static const char *str_of(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : "";
}

static double num_of(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && (json_object_is_type(v, json_type_double) ||
                                                     json_object_is_type(v, json_type_int))
               ? json_object_get_double(v)
               : NAN;
}

static void load_hosts(fabd_probes *p, const char *path, json_object *hosts)
{
    for (size_t i = 0; i < json_object_array_length(hosts); i++) {
        json_object *o = json_object_array_get_idx(hosts, i), *inv = NULL;
        bool is_new;
        json_object_object_get_ex(o, "inventory", &inv);
        ftopo_diag d = {0};
        if (fabd_probes_register(p, str_of(o, "hostname"), str_of(o, "agent"), inv, &is_new, &d) !=
            FTOPO_OK) {
            fabd__log(p->core, FTOPO_LOG_WARN, "%s: host %zu skipped: %s", path, i, d.message);
            continue;
        }
        fabd__phost *h = fabd__phost_find(p, str_of(o, "hostname"));
        if (isfinite(num_of(o, "registered_at")))
            h->registered_at = num_of(o, "registered_at");
        if (isfinite(num_of(o, "last_seen")))
            h->last_seen = num_of(o, "last_seen");
    }
}

static void load_pairs(fabd_probes *p, const char *path, json_object *pairs)
{
    for (size_t i = 0; i < json_object_array_length(pairs); i++) {
        json_object *o = json_object_array_get_idx(pairs, i), *ok;
        fabd_probe_sample s = {.kind = fprobe_kind_parse(str_of(o, "kind")),
                               .size = (uint32_t)fmax(0, num_of(o, "size")),
                               .duration_ms = (uint32_t)fmax(0, num_of(o, "duration_ms")),
                               .mbps = num_of(o, "mb_per_s"),
                               .lat_p50_us = num_of(o, "lat_p50_us"),
                               .lat_p99_us = num_of(o, "lat_p99_us"),
                               .time = num_of(o, "time")};
        s.ok = json_object_object_get_ex(o, "ok", &ok) && json_object_get_boolean(ok);
        snprintf(s.a, sizeof(s.a), "%s", str_of(o, "a"));
        snprintf(s.b, sizeof(s.b), "%s", str_of(o, "b"));
        snprintf(s.error, sizeof(s.error), "%s", str_of(o, "error"));
        ftopo_diag d = {0};
        if (!s.kind || !fabd_probe_name_ok(s.a) || !fabd_probe_name_ok(s.b) ||
            fabd_probes_add(p, &s, 1, &d) != FTOPO_OK) {
            fabd__log(p->core, FTOPO_LOG_WARN, "%s: result %zu skipped: %s", path, i,
                      d.message[0] ? d.message : "malformed");
            continue;
        }
    }
}

void fabd__probes_load(fabd_probes *p)
{
    FILE *f = fopen(p->path, "r");
    if (!f)
        return; /* first start */
    fclose(f);
    json_object *top = json_object_from_file(p->path), *hosts, *pairs;
    if (!top || !json_object_is_type(top, json_type_object)) {
        fabd__log(p->core, FTOPO_LOG_WARN, "%s: unreadable, starting with no probe data: %s",
                  p->path, json_util_get_last_err() ? json_util_get_last_err() : "not an object");
        json_object_put(top);
        return;
    }
    char *path = p->path;
    p->path = NULL; /* no rewrite per record while loading */
    if (json_object_object_get_ex(top, "hosts", &hosts) &&
        json_object_is_type(hosts, json_type_array))
        load_hosts(p, path, hosts);
    if (json_object_object_get_ex(top, "pairs", &pairs) &&
        json_object_is_type(pairs, json_type_array))
        load_pairs(p, path, pairs);
    p->path = path;
    json_object_put(top);
}

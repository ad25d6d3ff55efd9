/* The analysis report: a table for people, a JSON object for machines
 * (built with json-c: a report has at most one entry per loaded link). */
#include <inttypes.h>
#include <string.h>

#include <json-c/json.h>

#include "route_set.h"

/* The two ends of a directed link, in its direction. */
static void dlink_ends(const ftopo_fabric *f, ftopo_dlink_id d, ftopo_node_id *from, int *from_port,
                       ftopo_node_id *to, int *to_port)
{
    const ftopo__link *l = &f->links[d / 2];
    bool forward = (d % 2) == 0;
    *from = forward ? l->a : l->b;
    *from_port = forward ? l->port_a : l->port_b;
    *to = forward ? l->b : l->a;
    *to_port = forward ? l->port_b : l->port_a;
}

static void print_dlink(FILE *out, const ftopo_fabric *f, ftopo_dlink_id d)
{
    ftopo_node_id a, b;
    int pa, pb;
    dlink_ends(f, d, &a, &pa, &b, &pb);
    fprintf(out, "'%s'[%d] -> '%s'[%d]", f->nodes[a].desc, pa, f->nodes[b].desc, pb);
}

static void write_table(const ftopo_routes *r, const ftopo_analysis *o, FILE *out)
{
    const ftopo_fabric *f = r->fabric;
    fprintf(out, "phases:                %zu\n", o->phases);
    fprintf(out, "flows:                 %zu\n", o->flows);
    fprintf(out, "unreachable flows:     %zu (loops %zu, black holes %zu)\n", o->unreachable,
            o->loops, o->black_holes);
    if (o->flows > o->unreachable)
        fprintf(out, "path length (links):   min %u, mean %.2f, max %u\n", o->hops_min,
                o->hops_mean, o->hops_max);
    fprintf(out, "max link flows:        %u (edge forwarding index)\n", o->max_flows);
    fprintf(out, "max link load:         %.2f (flows weighted by link rate)", o->max_load);
    if (o->max_dlink >= 0) {
        fprintf(out, " on ");
        print_dlink(out, f, o->max_dlink);
    }
    fprintf(out, "\nlinks by flows:       ");
    for (size_t i = 0; i <= 64; i++)
        if (o->load_hist[i])
            fprintf(out, " %zu%s:%zu", i, i == 64 ? "+" : "", o->load_hist[i]);
    fprintf(out, "\ncredit loop:           %s\n", o->credit_loop ? "YES" : "none");
    for (size_t i = 0; i < o->cycle_len; i++) {
        fprintf(out, "  ");
        print_dlink(out, f, o->cycle[i]);
        fprintf(out, "\n");
    }
}

static json_object *guid_str(uint64_t guid)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "0x%016" PRIx64, guid);
    return json_object_new_string(buf);
}

static json_object *dlink_json(const ftopo_fabric *f, ftopo_dlink_id d)
{
    ftopo_node_id a, b;
    int pa, pb;
    dlink_ends(f, d, &a, &pa, &b, &pb);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "from", guid_str(f->nodes[a].guid));
    json_object_object_add(o, "from_desc", json_object_new_string(f->nodes[a].desc));
    json_object_object_add(o, "from_port", json_object_new_int(pa));
    json_object_object_add(o, "to", guid_str(f->nodes[b].guid));
    json_object_object_add(o, "to_desc", json_object_new_string(f->nodes[b].desc));
    json_object_object_add(o, "to_port", json_object_new_int(pb));
    return o;
}

static json_object *build_json(const ftopo_routes *r, const ftopo_analysis *o)
{
    const ftopo_fabric *f = r->fabric;
    json_object *j = json_object_new_object();
    json_object_object_add(j, "phases", json_object_new_int64((int64_t)o->phases));
    json_object_object_add(j, "flows", json_object_new_int64((int64_t)o->flows));
    json_object_object_add(j, "unreachable", json_object_new_int64((int64_t)o->unreachable));
    json_object_object_add(j, "loops", json_object_new_int64((int64_t)o->loops));
    json_object_object_add(j, "black_holes", json_object_new_int64((int64_t)o->black_holes));
    json_object_object_add(j, "max_flows", json_object_new_int64(o->max_flows));
    json_object_object_add(j, "max_load", json_object_new_double(o->max_load));
    json_object_object_add(j, "max_link", o->max_dlink >= 0 ? dlink_json(f, o->max_dlink) : NULL);

    json_object *hops = json_object_new_object();
    json_object_object_add(hops, "min", json_object_new_int(o->hops_min));
    json_object_object_add(hops, "max", json_object_new_int(o->hops_max));
    json_object_object_add(hops, "mean", json_object_new_double(o->hops_mean));
    json_object *hh = json_object_new_array();
    for (size_t i = 0; i <= (o->hops_max < FTOPO_MAX_PATH_HOPS ? o->hops_max : FTOPO_MAX_PATH_HOPS);
         i++)
        json_object_array_add(hh, json_object_new_int64((int64_t)o->hops_hist[i]));
    json_object_object_add(hops, "histogram", hh);
    json_object_object_add(j, "path_length", hops);

    json_object *lh = json_object_new_array();
    size_t last = 0;
    for (size_t i = 0; i <= 64; i++)
        if (o->load_hist[i])
            last = i;
    for (size_t i = 0; i <= last; i++)
        json_object_array_add(lh, json_object_new_int64((int64_t)o->load_hist[i]));
    json_object_object_add(j, "links_by_flows", lh);

    json_object_object_add(j, "credit_loop", json_object_new_boolean(o->credit_loop));
    json_object *cyc = json_object_new_array();
    for (size_t i = 0; i < o->cycle_len; i++)
        json_object_array_add(cyc, dlink_json(f, o->cycle[i]));
    json_object_object_add(j, "cycle", cyc);

    json_object *links = json_object_new_array();
    for (size_t d = 0; d < 2 * f->num_links; d++) {
        if (!o->dlink_flows[d])
            continue;
        json_object *l = dlink_json(f, (ftopo_dlink_id)d);
        json_object_object_add(l, "flows", json_object_new_int64(o->dlink_flows[d]));
        json_object_object_add(l, "load", json_object_new_double(o->dlink_load[d]));
        json_object_array_add(links, l);
    }
    json_object_object_add(j, "links", links);
    return j;
}

ftopo_status ftopo_analysis_write(const ftopo_routes *r, const ftopo_analysis *o, bool json,
                                  FILE *out, ftopo_diag *diag)
{
    if (!r || !o || !out)
        return FTOPO_ERR_ARG;
    if (!json) {
        write_table(r, o, out);
    } else {
        json_object *j = build_json(r, o);
        if (!j)
            return ftopo__fail(diag, FTOPO_ERR_NOMEM, "analyze: out of memory for JSON");
        fputs(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                    JSON_C_TO_STRING_NOSLASHESCAPE),
              out);
        fputc('\n', out);
        json_object_put(j);
    }
    if (ferror(out))
        return ftopo__fail(diag, FTOPO_ERR_IO, "analyze: write failed");
    return FTOPO_OK;
}

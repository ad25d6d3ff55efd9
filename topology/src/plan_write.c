/* The plan report: text for people, a JSON object (json-c) for machines.
 *
 * Predicted times use the usual alpha-beta model with alpha = 5 us per
 * step (a typical InfiniBand hop plus software) and beta from the fastest
 * link rate and the plan's max load: ring all-reduce 2(n-1) alpha +
 * 2(n-1)/n S load / B; double binary tree (reduce and broadcast
 * pipelined, each tree half the data) 2 depth alpha + S tree_load / B. */
#include <inttypes.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "plan_int.h"

#define ALPHA_US 5.0

static const double sizes[] = {8192.0, 1048576.0, 268435456.0};

static double ring_us(const ftopo_plan *p, double bytes)
{
    double n = (double)p->num_hosts;
    if (n < 2)
        return 0;
    double bw = p->fastest_gbps * 1e3 / 8.0; /* bytes per us */
    return 2 * (n - 1) * ALPHA_US + 2 * (n - 1) / n * bytes * p->max_load / bw;
}

static double tree_us(const ftopo_plan *p, double bytes)
{
    if (p->num_hosts < 2)
        return 0;
    double bw = p->fastest_gbps * 1e3 / 8.0;
    return 2 * p->tree.depth * ALPHA_US + bytes * p->tree.max_load / bw;
}

static void dlink_ends(const ftopo_fabric *f, ftopo_dlink_id d, ftopo_node_id *from, int *from_port,
                       ftopo_node_id *to, int *to_port)
{
    ftopo_link_info li;
    ftopo_link_get(f, d / 2, &li);
    bool fwd = d % 2 == 0;
    *from = fwd ? li.node_a : li.node_b;
    *from_port = fwd ? li.port_a : li.port_b;
    *to = fwd ? li.node_b : li.node_a;
    *to_port = fwd ? li.port_b : li.port_a;
}

static int cmp_load_desc(const void *a, const void *b, void *loads)
{
    const double *l = loads;
    double x = l[*(const ftopo_dlink_id *)a], y = l[*(const ftopo_dlink_id *)b];
    return (x < y) - (x > y);
}

/* Directed links with flows, most loaded first; *count set. */
static ftopo_dlink_id *loaded_links(const ftopo_plan *p, size_t *count)
{
    ftopo_dlink_id *ids = malloc((p->num_dlinks ? p->num_dlinks : 1) * sizeof(*ids));
    *count = 0;
    if (!ids)
        return NULL;
    for (size_t d = 0; d < p->num_dlinks; d++)
        if (p->dlink_flows[d])
            ids[(*count)++] = (ftopo_dlink_id)d;
    qsort_r(ids, *count, sizeof(*ids), cmp_load_desc, p->dlink_load);
    return ids;
}

static void print_dlink(FILE *out, const ftopo_fabric *f, ftopo_dlink_id d)
{
    ftopo_node_id a, b;
    int pa, pb;
    dlink_ends(f, d, &a, &pa, &b, &pb);
    fprintf(out, "'%s'[%d] -> '%s'[%d]", f->nodes[a].desc, pa, f->nodes[b].desc, pb);
}

static void write_text(const ftopo_fabric *f, const ftopo_plan *p, const ftopo_dlink_id *ids,
                       size_t count, FILE *out)
{
    bool optimal = ftopo__plan_eq(p->max_load, p->lower_bound);
    fprintf(out, "ring plan:        %zu hosts, %d channel%s, planned in %.1f ms (%zu moves)\n",
            p->num_hosts, p->channels, p->channels == 1 ? "" : "s", p->plan_seconds * 1e3,
            p->moves);
    fprintf(out, "max link load:    %.3f (lower bound %.3f%s)\n", p->max_load, p->lower_bound,
            optimal ? ": optimal" : "");
    fprintf(out, "all-reduce busbw: %.1f Gb/s predicted (fastest link %.1f Gb/s)\n", p->busbw_gbps,
            p->fastest_gbps);
    if (p->max_dlink >= 0) {
        fprintf(out, "bottleneck:       ");
        print_dlink(out, f, p->max_dlink);
        fprintf(out, "\n");
    }
    fprintf(out, "total hops:       %zu\n", p->total_hops);
    for (int ch = 0; ch < p->channels; ch++)
        fprintf(out, "channel %-3d       max load alone %.3f (%.1f Gb/s), %zu hops\n", ch,
                p->rings[ch].max_load,
                p->rings[ch].max_load > 0 ? p->fastest_gbps / p->rings[ch].max_load
                                          : p->fastest_gbps,
                p->rings[ch].hops);
    fprintf(out, "trees:            double binary, depth %d, max load %.3f\n", p->tree.depth,
            p->tree.max_load);
    fprintf(out, "predicted (alpha %.0f us):", ALPHA_US);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        fprintf(out, " %.0f KiB ring %.0f us tree %.0f us;", sizes[i] / 1024, ring_us(p, sizes[i]),
                tree_us(p, sizes[i]));
    fprintf(out, "\nmost loaded links:\n");
    for (size_t i = 0; i < count && i < 10; i++) {
        fprintf(out, "  %.3f  %3u flows  ", p->dlink_load[ids[i]], p->dlink_flows[ids[i]]);
        print_dlink(out, f, ids[i]);
        fprintf(out, "\n");
    }
}

static json_object *dlink_json(const ftopo_fabric *f, const ftopo_plan *p, ftopo_dlink_id d)
{
    ftopo_node_id a, b;
    int pa, pb;
    dlink_ends(f, d, &a, &pa, &b, &pb);
    char guid[24];
    json_object *o = json_object_new_object();
    snprintf(guid, sizeof(guid), "0x%016" PRIx64, f->nodes[a].guid);
    json_object_object_add(o, "from", json_object_new_string(guid));
    json_object_object_add(o, "from_desc", json_object_new_string(f->nodes[a].desc));
    json_object_object_add(o, "from_port", json_object_new_int(pa));
    snprintf(guid, sizeof(guid), "0x%016" PRIx64, f->nodes[b].guid);
    json_object_object_add(o, "to", json_object_new_string(guid));
    json_object_object_add(o, "to_desc", json_object_new_string(f->nodes[b].desc));
    json_object_object_add(o, "to_port", json_object_new_int(pb));
    json_object_object_add(o, "flows", json_object_new_int64(p->dlink_flows[d]));
    json_object_object_add(o, "load", json_object_new_double(p->dlink_load[d]));
    return o;
}

static json_object *build_json(const ftopo_fabric *f, const ftopo_plan *p,
                               const ftopo_dlink_id *ids, size_t count)
{
    json_object *j = json_object_new_object();
    json_object_object_add(j, "hosts", json_object_new_int64((int64_t)p->num_hosts));
    json_object_object_add(j, "channels", json_object_new_int(p->channels));
    json_object_object_add(j, "max_load", json_object_new_double(p->max_load));
    json_object_object_add(j, "lower_bound", json_object_new_double(p->lower_bound));
    json_object_object_add(j, "optimal",
                           json_object_new_boolean(ftopo__plan_eq(p->max_load, p->lower_bound)));
    json_object_object_add(j, "busbw_gbps", json_object_new_double(p->busbw_gbps));
    json_object_object_add(j, "fastest_gbps", json_object_new_double(p->fastest_gbps));
    json_object_object_add(j, "bottleneck",
                           p->max_dlink >= 0 ? dlink_json(f, p, p->max_dlink) : NULL);
    json_object_object_add(j, "total_hops", json_object_new_int64((int64_t)p->total_hops));
    json_object_object_add(j, "plan_ms", json_object_new_double(p->plan_seconds * 1e3));
    json_object_object_add(j, "moves", json_object_new_int64((int64_t)p->moves));
    json_object *rings = json_object_new_array();
    for (int ch = 0; ch < p->channels; ch++) {
        json_object *r = json_object_new_object();
        json_object_object_add(r, "channel", json_object_new_int(ch));
        json_object_object_add(r, "max_load", json_object_new_double(p->rings[ch].max_load));
        json_object_object_add(r, "hops", json_object_new_int64((int64_t)p->rings[ch].hops));
        json_object *order = json_object_new_array();
        for (size_t i = 0; i < p->num_hosts; i++)
            json_object_array_add(order,
                                  json_object_new_string(f->hosts[p->rings[ch].order[i]].name));
        json_object_object_add(r, "order", order);
        json_object *hcas = json_object_new_array();
        for (size_t i = 0; i < p->num_hosts; i++)
            json_object_array_add(hcas, json_object_new_string(f->nodes[p->rings[ch].cas[i]].desc));
        json_object_object_add(r, "hcas", hcas);
        json_object_array_add(rings, r);
    }
    json_object_object_add(j, "rings", rings);
    json_object *tree = json_object_new_object();
    json_object_object_add(tree, "depth", json_object_new_int(p->tree.depth));
    json_object_object_add(tree, "max_load", json_object_new_double(p->tree.max_load));
    for (int t = 0; t < 2; t++) {
        json_object *par = json_object_new_array();
        for (size_t i = 0; i < p->num_hosts; i++)
            json_object_array_add(par, json_object_new_int(p->tree.parent[t][i]));
        json_object_object_add(tree, t ? "parent_b" : "parent_a", par);
    }
    json_object_object_add(j, "trees", tree);
    json_object *pred = json_object_new_array();
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "bytes", json_object_new_int64((int64_t)sizes[i]));
        json_object_object_add(e, "ring_us", json_object_new_double(ring_us(p, sizes[i])));
        json_object_object_add(e, "tree_us", json_object_new_double(tree_us(p, sizes[i])));
        json_object_array_add(pred, e);
    }
    json_object_object_add(j, "predicted", pred);
    json_object *links = json_object_new_array();
    for (size_t i = 0; i < count; i++)
        json_object_array_add(links, dlink_json(f, p, ids[i]));
    json_object_object_add(j, "links", links);
    return j;
}

ftopo_status ftopo_plan_write(const ftopo_routes *routes, const ftopo_plan *plan, bool json,
                              FILE *out, ftopo_diag *diag)
{
    if (!routes || !plan || !out || !plan->rings)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "plan: nothing to write");
    const ftopo_fabric *f = routes->fabric;
    size_t count;
    ftopo_dlink_id *ids = loaded_links(plan, &count);
    if (!ids)
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "plan: out of memory");
    ftopo_status st = FTOPO_OK;
    if (!json) {
        write_text(f, plan, ids, count, out);
    } else {
        json_object *j = build_json(f, plan, ids, count);
        if (!j) {
            st = ftopo__fail(diag, FTOPO_ERR_NOMEM, "plan: out of memory for JSON");
        } else {
            fputs(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
                                                        JSON_C_TO_STRING_SPACED |
                                                        JSON_C_TO_STRING_NOSLASHESCAPE),
                  out);
            fputc('\n', out);
            json_object_put(j);
        }
    }
    free(ids);
    if (st == FTOPO_OK && ferror(out))
        st = ftopo__fail(diag, FTOPO_ERR_IO, "plan: write failed");
    return st;
}

/* DOT and GraphML, written by igraph's own writers from a copy of the
 * fabric graph that carries the model's facts as attributes:
 *   vertices: name, type, guid, desc, host (strings), tier, rail (numbers)
 *   edges:    width, speed (strings), rate_gbps, port_a, port_b (numbers)
 * Strings are reduced to printable ASCII first: igraph's GraphML writer
 * refuses control characters, and node descriptions are raw bytes. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

enum { V_NAME, V_TYPE, V_GUID, V_DESC, V_HOST, V_STRINGS };
static const char *const vertex_strings[V_STRINGS] = {"name", "type", "guid", "desc", "host"};
enum { V_TIER, V_RAIL, V_NUMBERS };
static const char *const vertex_numbers[V_NUMBERS] = {"tier", "rail"};
enum { E_WIDTH, E_SPEED, E_STRINGS };
static const char *const edge_strings[E_STRINGS] = {"width", "speed"};
enum { E_RATE, E_PORT_A, E_PORT_B, E_NUMBERS };
static const char *const edge_numbers[E_NUMBERS] = {"rate_gbps", "port_a", "port_b"};

/* Sets entry i of `sv` to `s` reduced to printable ASCII ('?' elsewhere). */
static igraph_error_t set_clean(igraph_strvector_t *sv, igraph_integer_t i, const char *s,
                                char **buf, size_t *cap)
{
    size_t n = strlen(s);
    if (n + 1 > *cap) {
        char *bigger = realloc(*buf, n + 1);
        if (!bigger)
            return IGRAPH_ENOMEM;
        *buf = bigger;
        *cap = n + 1;
    }
    for (size_t k = 0; k <= n; k++) {
        unsigned char c = (unsigned char)s[k];
        (*buf)[k] = c == '\0' || (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    return igraph_strvector_set(sv, i, *buf);
}

static const char *type_name(ftopo_node_type t)
{
    return t == FTOPO_NODE_SWITCH ? "switch" : t == FTOPO_NODE_CA ? "ca" : "router";
}

/* The per-vertex strings of node n, in vertex_strings order. */
static void vertex_texts(const ftopo_fabric *f, ftopo_node_id n, char guid[19],
                         const char *text[V_STRINGS])
{
    const ftopo__node *node = &f->nodes[n];
    snprintf(guid, 19, "0x%016" PRIx64, node->guid);
    text[V_GUID] = guid;
    text[V_DESC] = node->desc;
    text[V_NAME] = node->desc[0] ? node->desc : guid;
    text[V_TYPE] = type_name(node->type);
    text[V_HOST] = node->host != FTOPO_NONE ? f->hosts[node->host].name : "";
}

static igraph_error_t set_vertex_attributes(const ftopo_fabric *f, igraph_t *g)
{
    igraph_integer_t n = (igraph_integer_t)f->num_nodes;
    igraph_strvector_t sv[V_STRINGS];
    igraph_vector_t nv[V_NUMBERS];
    int ready_s = 0, ready_n = 0;
    char *buf = NULL, guid[19];
    size_t cap = 0;
    igraph_error_t rc = IGRAPH_SUCCESS;
    for (; ready_s < V_STRINGS && rc == IGRAPH_SUCCESS; ready_s++)
        rc = igraph_strvector_init(&sv[ready_s], n);
    ready_s -= rc != IGRAPH_SUCCESS;
    for (; ready_n < V_NUMBERS && rc == IGRAPH_SUCCESS; ready_n++)
        rc = igraph_vector_init(&nv[ready_n], n);
    ready_n -= rc != IGRAPH_SUCCESS;
    for (igraph_integer_t i = 0; i < n && rc == IGRAPH_SUCCESS; i++) {
        const char *text[V_STRINGS];
        vertex_texts(f, (ftopo_node_id)i, guid, text);
        for (int k = 0; k < V_STRINGS && rc == IGRAPH_SUCCESS; k++)
            rc = set_clean(&sv[k], i, text[k], &buf, &cap);
        VECTOR(nv[V_TIER])[i] = f->nodes[i].type == FTOPO_NODE_SWITCH ? f->nodes[i].tier : 0;
        VECTOR(nv[V_RAIL])[i] = f->nodes[i].rail;
    }
    for (int k = 0; k < V_STRINGS && rc == IGRAPH_SUCCESS; k++)
        rc = SETVASV(g, vertex_strings[k], &sv[k]);
    for (int k = 0; k < V_NUMBERS && rc == IGRAPH_SUCCESS; k++)
        rc = SETVANV(g, vertex_numbers[k], &nv[k]);
    free(buf);
    while (ready_s > 0)
        igraph_strvector_destroy(&sv[--ready_s]);
    while (ready_n > 0)
        igraph_vector_destroy(&nv[--ready_n]);
    return rc;
}

static igraph_error_t set_edge_attributes(const ftopo_fabric *f, igraph_t *g)
{
    igraph_integer_t n = (igraph_integer_t)f->num_links;
    igraph_strvector_t sv[E_STRINGS];
    igraph_vector_t nv[E_NUMBERS];
    int ready_s = 0, ready_n = 0;
    igraph_error_t rc = IGRAPH_SUCCESS;
    for (; ready_s < E_STRINGS && rc == IGRAPH_SUCCESS; ready_s++)
        rc = igraph_strvector_init(&sv[ready_s], n);
    ready_s -= rc != IGRAPH_SUCCESS;
    for (; ready_n < E_NUMBERS && rc == IGRAPH_SUCCESS; ready_n++)
        rc = igraph_vector_init(&nv[ready_n], n);
    ready_n -= rc != IGRAPH_SUCCESS;
    for (igraph_integer_t i = 0; i < n && rc == IGRAPH_SUCCESS; i++) {
        ftopo_link_info l;
        ftopo_link_get(f, (ftopo_link_id)i, &l);
        rc = igraph_strvector_set(&sv[E_WIDTH], i, ftopo_width_str(l.width));
        if (rc == IGRAPH_SUCCESS)
            rc = igraph_strvector_set(&sv[E_SPEED], i, ftopo_speed_str(l.speed));
        VECTOR(nv[E_RATE])[i] = l.rate_gbps;
        VECTOR(nv[E_PORT_A])[i] = l.port_a;
        VECTOR(nv[E_PORT_B])[i] = l.port_b;
    }
    for (int k = 0; k < E_STRINGS && rc == IGRAPH_SUCCESS; k++)
        rc = SETEASV(g, edge_strings[k], &sv[k]);
    for (int k = 0; k < E_NUMBERS && rc == IGRAPH_SUCCESS; k++)
        rc = SETEANV(g, edge_numbers[k], &nv[k]);
    while (ready_s > 0)
        igraph_strvector_destroy(&sv[--ready_s]);
    while (ready_n > 0)
        igraph_vector_destroy(&nv[--ready_n]);
    return rc;
}

typedef igraph_error_t (*igraph_writer)(const igraph_t *g, FILE *out);

static igraph_error_t write_graphml(const igraph_t *g, FILE *out)
{
    /* Unprefixed keys ("tier", not "v_tier"): vertex and edge attribute
     * names do not clash. */
    return igraph_write_graph_graphml(g, out, false);
}

static ftopo_status write_with(const ftopo_fabric *f, FILE *out, igraph_writer writer,
                               const char *what, ftopo_diag *diag)
{
    if (!f->finalized)
        return ftopo__fail(diag, FTOPO_ERR_STATE, "%s writer: fabric is not finalized", what);
    ftopo__igraph_setup();
    igraph_t g;
    igraph_error_t rc = igraph_copy(&g, &f->graph);
    if (rc != IGRAPH_SUCCESS)
        return ftopo__igraph_fail(diag, rc, what);
    rc = set_vertex_attributes(f, &g);
    if (rc == IGRAPH_SUCCESS)
        rc = set_edge_attributes(f, &g);
    if (rc == IGRAPH_SUCCESS)
        rc = writer(&g, out);
    igraph_destroy(&g);
    return rc == IGRAPH_SUCCESS ? FTOPO_OK : ftopo__igraph_fail(diag, rc, what);
}

ftopo_status ftopo__dot_write(const ftopo_fabric *fabric, FILE *out, ftopo_diag *diag)
{
    return write_with(fabric, out, igraph_write_graph_dot, "DOT", diag);
}

ftopo_status ftopo__graphml_write(const ftopo_fabric *fabric, FILE *out, ftopo_diag *diag)
{
    return write_with(fabric, out, write_graphml, "GraphML", diag);
}

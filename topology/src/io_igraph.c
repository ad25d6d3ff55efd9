/* DOT and GraphML, written by igraph's own writers from a copy of the
 * fabric graph that carries the model's facts as attributes:
 *   vertices: name, type, guid, desc, host (strings), tier, rail,
 *             num_ports (numbers)
 *   edges:    width, speed (strings), rate_gbps, port_a, port_b (numbers)
 * port_a is the port on the edge's source vertex (igraph's IGRAPH_FROM, the
 * higher vertex index for undirected graphs), port_b the one on its target.
 * Strings are reduced to printable ASCII first: igraph's GraphML writer
 * refuses control characters, and node descriptions are raw bytes. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

enum { V_NAME, V_TYPE, V_GUID, V_DESC, V_HOST, V_STRINGS };
static const char *const vertex_strings[V_STRINGS] = {"name", "type", "guid", "desc", "host"};
enum { V_TIER, V_RAIL, V_NUM_PORTS, V_NUMBERS };
static const char *const vertex_numbers[V_NUMBERS] = {"tier", "rail", "num_ports"};
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
        VECTOR(nv[V_NUM_PORTS])[i] = f->nodes[i].num_ports;
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
        /* igraph stores an undirected edge with the higher vertex first:
         * port_a is the port on IGRAPH_FROM, whichever end of the link it is. */
        bool a_is_from = IGRAPH_FROM(g, i) == l.node_a;
        VECTOR(nv[E_PORT_A])[i] = a_is_from ? l.port_a : l.port_b;
        VECTOR(nv[E_PORT_B])[i] = a_is_from ? l.port_b : l.port_a;
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

/* ---- GraphML reader ------------------------------------------------------
 * Reads back what ftopo__graphml_write writes: vertices with type, guid,
 * desc and num_ports, edges with width, speed, port_a (on IGRAPH_FROM) and
 * port_b (on IGRAPH_TO). Other attributes (name, host, tier, rail,
 * rate_gbps) are derived again by finalize and ignored here. The writer
 * reduces descriptions to printable ASCII ('?' elsewhere), so the round trip
 * is exact for printable descriptions only. */

/* True when `name` is an attribute of `kind` elements with type `type`. */
static bool has_attr(const igraph_t *g, igraph_attribute_elemtype_t kind, const char *name,
                     igraph_attribute_type_t type)
{
    igraph_attribute_type_t t;
    if (!igraph_cattribute_has_attr(g, kind, name))
        return false;
    return igraph_cattribute_table.gettype(g, &t, kind, name) == IGRAPH_SUCCESS && t == type;
}

static ftopo_status check_attributes(const igraph_t *g, const char *name, ftopo_diag *diag)
{
    static const char *const vs[] = {"type", "guid", "desc"};
    static const char *const es[] = {"width", "speed"};
    static const char *const en[] = {"port_a", "port_b"};
    for (size_t k = 0; k < sizeof(vs) / sizeof(vs[0]); k++)
        if (!has_attr(g, IGRAPH_ATTRIBUTE_VERTEX, vs[k], IGRAPH_ATTRIBUTE_STRING))
            return ftopo__fail(diag, FTOPO_ERR_PARSE, "%s: no string vertex attribute '%s'", name,
                               vs[k]);
    if (!has_attr(g, IGRAPH_ATTRIBUTE_VERTEX, "num_ports", IGRAPH_ATTRIBUTE_NUMERIC))
        return ftopo__fail(diag, FTOPO_ERR_PARSE, "%s: no numeric vertex attribute 'num_ports'",
                           name);
    if (igraph_ecount(g) == 0)
        return FTOPO_OK;
    for (size_t k = 0; k < sizeof(es) / sizeof(es[0]); k++)
        if (!has_attr(g, IGRAPH_ATTRIBUTE_EDGE, es[k], IGRAPH_ATTRIBUTE_STRING))
            return ftopo__fail(diag, FTOPO_ERR_PARSE, "%s: no string edge attribute '%s'", name,
                               es[k]);
    for (size_t k = 0; k < sizeof(en) / sizeof(en[0]); k++)
        if (!has_attr(g, IGRAPH_ATTRIBUTE_EDGE, en[k], IGRAPH_ATTRIBUTE_NUMERIC))
            return ftopo__fail(diag, FTOPO_ERR_PARSE, "%s: no numeric edge attribute '%s'", name,
                               en[k]);
    return FTOPO_OK;
}

/* A whole number in [lo, hi] (missing <data> reads as NaN). */
static bool whole_in(double v, int lo, int hi, int *out)
{
    if (!(v >= lo && v <= hi) || v != (double)(int)v)
        return false;
    *out = (int)v;
    return true;
}

static bool parse_type(const char *s, ftopo_node_type *out)
{
    if (strcmp(s, "switch") == 0)
        *out = FTOPO_NODE_SWITCH;
    else if (strcmp(s, "ca") == 0)
        *out = FTOPO_NODE_CA;
    else if (strcmp(s, "router") == 0)
        *out = FTOPO_NODE_ROUTER;
    else
        return false;
    return true;
}

static bool parse_guid(const char *s, uint64_t *out)
{
    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !isxdigit((unsigned char)s[2]))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s + 2, &end, 16);
    if (errno || *end != '\0' || v == 0)
        return false;
    *out = (uint64_t)v;
    return true;
}

static ftopo_status add_vertices(const igraph_t *g, ftopo_fabric *f, const char *name,
                                 ftopo_diag *diag)
{
    for (igraph_integer_t v = 0; v < igraph_vcount(g); v++) {
        ftopo_node_spec spec = {0};
        const char *type = VAS(g, "type", v), *guid = VAS(g, "guid", v);
        if (!parse_type(type, &spec.type))
            return ftopo__fail(diag, FTOPO_ERR_PARSE, "%s: vertex %" IGRAPH_PRId ": bad type '%s'",
                               name, v, type);
        if (!parse_guid(guid, &spec.node_guid))
            return ftopo__fail(diag, FTOPO_ERR_PARSE, "%s: vertex %" IGRAPH_PRId ": bad guid '%s'",
                               name, v, guid);
        if (!whole_in(VAN(g, "num_ports", v), 1, 254, &spec.num_ports))
            return ftopo__fail(diag, FTOPO_ERR_PARSE, "%s: vertex %" IGRAPH_PRId ": bad num_ports",
                               name, v);
        spec.desc = VAS(g, "desc", v);
        ftopo_node_id id;
        ftopo_status st = ftopo_fabric_add_node(f, &spec, &id);
        if (st != FTOPO_OK)
            return ftopo__fail(diag, FTOPO_ERR_PARSE, "%s: vertex %" IGRAPH_PRId ": %s", name, v,
                               ftopo_strerror(st));
    }
    return FTOPO_OK;
}

static ftopo_status add_edges(const igraph_t *g, ftopo_fabric *f, const char *name,
                              ftopo_diag *diag)
{
    for (igraph_integer_t e = 0; e < igraph_ecount(g); e++) {
        ftopo_node_id a = (ftopo_node_id)IGRAPH_FROM(g, e), b = (ftopo_node_id)IGRAPH_TO(g, e);
        ftopo_port_spec port = {0};
        int pa, pb;
        if (ftopo_width_parse(EAS(g, "width", e), &port.width) != FTOPO_OK ||
            ftopo_speed_parse(EAS(g, "speed", e), &port.speed) != FTOPO_OK)
            return ftopo__fail(diag, FTOPO_ERR_PARSE,
                               "%s: edge %" IGRAPH_PRId ": bad width '%s' or speed '%s'", name, e,
                               EAS(g, "width", e), EAS(g, "speed", e));
        if (!whole_in(EAN(g, "port_a", e), 1, f->nodes[a].num_ports, &pa) ||
            !whole_in(EAN(g, "port_b", e), 1, f->nodes[b].num_ports, &pb))
            return ftopo__fail(diag, FTOPO_ERR_PARSE,
                               "%s: edge %" IGRAPH_PRId ": bad port_a/port_b", name, e);
        ftopo_status st = ftopo_fabric_set_port(f, a, pa, &port);
        if (st == FTOPO_OK)
            st = ftopo_fabric_set_port(f, b, pb, &port);
        if (st == FTOPO_OK)
            st = ftopo_fabric_add_link(f, a, pa, b, pb);
        if (st != FTOPO_OK)
            return ftopo__fail(diag, FTOPO_ERR_PARSE, "%s: edge %" IGRAPH_PRId ": %s", name, e,
                               ftopo_strerror(st));
    }
    return FTOPO_OK;
}

ftopo_status ftopo__graphml_read(const char *data, size_t len, const char *name, ftopo_fabric **out,
                                 ftopo_diag *diag)
{
    *out = NULL;
    if (len == 0)
        return ftopo__fail(diag, FTOPO_ERR_PARSE, "%s: empty GraphML input", name);
    FILE *in = fmemopen((void *)data, len, "r");
    if (!in)
        return ftopo__fail(diag, FTOPO_ERR_IO, "%s: %s", name, strerror(errno));
    ftopo__igraph_setup();
    igraph_t g;
    igraph_error_t rc = igraph_read_graph_graphml(&g, in, 0);
    fclose(in);
    if (rc == IGRAPH_ENOMEM)
        return ftopo__igraph_fail(diag, rc, name);
    if (rc != IGRAPH_SUCCESS)
        return ftopo__fail(diag, FTOPO_ERR_PARSE, "%s: not readable GraphML: %s", name,
                           igraph_strerror(rc));
    ftopo_fabric *f = NULL;
    ftopo_status st = check_attributes(&g, name, diag);
    if (st == FTOPO_OK)
        st = ftopo_fabric_create(&f);
    if (st == FTOPO_OK)
        st = add_vertices(&g, f, name, diag);
    if (st == FTOPO_OK)
        st = add_edges(&g, f, name, diag);
    igraph_destroy(&g);
    if (st == FTOPO_OK)
        st = ftopo_fabric_finalize(f, diag);
    if (st != FTOPO_OK) {
        ftopo_fabric_destroy(f);
        return st;
    }
    *out = f;
    return FTOPO_OK;
}

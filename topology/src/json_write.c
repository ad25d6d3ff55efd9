/* The project's JSON format, written (docs/topology-json.md). Streamed with
 * stdio rather than built as a json-c tree: a 100k-endpoint fabric has
 * millions of values, and json-c spends a hash table on every object. */
#include <inttypes.h>
#include <string.h>

#include "model.h"

/* Writes `s` as a JSON string. Valid UTF-8 passes through; a byte that is
 * not (NodeDescription is raw bytes on the wire) becomes U+FFFD, so the
 * output is always valid JSON. */
static void put_string(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', out);
    while (*p) {
        unsigned c = *p;
        if (c == '"' || c == '\\') {
            fprintf(out, "\\%c", c);
            p++;
        } else if (c < 0x20) {
            fprintf(out, "\\u%04x", c);
            p++;
        } else if (c < 0x80) {
            fputc((int)c, out);
            p++;
        } else {
            int n = ftopo__utf8_seq_len(p);
            if (n > 0) {
                fwrite(p, 1, (size_t)n, out);
                p += n;
            } else {
                fputs("\\ufffd", out);
                p++;
            }
        }
    }
    fputc('"', out);
}

static const char *type_name(ftopo_node_type t)
{
    return t == FTOPO_NODE_SWITCH ? "switch" : t == FTOPO_NODE_CA ? "ca" : "router";
}

static const char *const state_names[] = {"unknown", "down", "init", "armed", "active"};

static void put_port(FILE *out, const ftopo_fabric *f, const ftopo__node *n,
                     const ftopo_port_info *p, bool last)
{
    fprintf(out, "        {\"num\": %d", p->num);
    if (p->port_guid && !(n->type == FTOPO_NODE_SWITCH && p->port_guid == n->guid))
        fprintf(out, ", \"guid\": \"0x%016" PRIx64 "\"", p->port_guid);
    if (p->lid)
        fprintf(out, ", \"lid\": %u", p->lid);
    if (p->lmc)
        fprintf(out, ", \"lmc\": %u", p->lmc);
    if (p->state != FTOPO_PORT_STATE_UNKNOWN)
        fprintf(out, ", \"state\": \"%s\"", state_names[p->state]);
    if (p->width != FTOPO_WIDTH_UNKNOWN)
        fprintf(out, ", \"width\": \"%s\"", ftopo_width_str(p->width));
    if (p->speed != FTOPO_SPEED_UNKNOWN)
        fprintf(out, ", \"speed\": \"%s\"", ftopo_speed_str(p->speed));
    if (p->peer_node != FTOPO_NONE)
        fprintf(out, ", \"peer\": {\"guid\": \"0x%016" PRIx64 "\", \"port\": %d}",
                f->nodes[p->peer_node].guid, p->peer_port);
    fprintf(out, "}%s\n", last ? "" : ",");
}

/* A port is written when it says anything: cabled, or any field known (a
 * switch port's GUID is the switch's own and says nothing). */
static bool port_known(const ftopo__node *n, const ftopo_port_info *p)
{
    bool own_guid = n->type == FTOPO_NODE_SWITCH && p->port_guid == n->guid;
    return p->peer_node != FTOPO_NONE || (p->port_guid && !own_guid) || p->lid || p->lmc ||
           p->state || p->width || p->speed;
}

static void put_node(FILE *out, const ftopo_fabric *f, ftopo_node_id id, bool last)
{
    const ftopo__node *n = &f->nodes[id];
    fprintf(out, "    {\"guid\": \"0x%016" PRIx64 "\", \"type\": \"%s\", \"desc\": ", n->guid,
            type_name(n->type));
    put_string(out, n->desc);
    fprintf(out, ", \"num_ports\": %d", n->num_ports);
    if (n->sysimg_guid)
        fprintf(out, ", \"sysimg_guid\": \"0x%016" PRIx64 "\"", n->sysimg_guid);
    if (n->lid)
        fprintf(out, ", \"lid\": %u", n->lid);
    if (n->lmc)
        fprintf(out, ", \"lmc\": %u", n->lmc);
    if (n->type == FTOPO_NODE_SWITCH)
        fprintf(out, ", \"tier\": %d", n->tier);
    if (n->host != FTOPO_NONE) {
        fputs(", \"host\": ", out);
        put_string(out, f->hosts[n->host].name);
        fprintf(out, ", \"rail\": %d", n->rail);
    }
    fputs(",\n      \"ports\": [\n", out);
    int written = 0, known = 0;
    ftopo_port_info p;
    for (int i = 1; i <= n->num_ports; i++) {
        ftopo_port_get(f, id, i, &p);
        known += port_known(n, &p);
    }
    for (int i = 1; i <= n->num_ports; i++) {
        ftopo_port_get(f, id, i, &p);
        if (port_known(n, &p))
            put_port(out, f, n, &p, ++written == known);
    }
    fprintf(out, "      ]}%s\n", last ? "" : ",");
}

static void put_links(FILE *out, const ftopo_fabric *f)
{
    fputs("  \"links\": [\n", out);
    for (size_t i = 0; i < f->num_links; i++) {
        ftopo_link_info l;
        ftopo_link_get(f, (ftopo_link_id)i, &l);
        fprintf(out,
                "    {\"a\": {\"guid\": \"0x%016" PRIx64 "\", \"port\": %d}, "
                "\"b\": {\"guid\": \"0x%016" PRIx64 "\", \"port\": %d}, "
                "\"width\": \"%s\", \"speed\": \"%s\", \"rate_gbps\": %g}%s\n",
                f->nodes[l.node_a].guid, l.port_a, f->nodes[l.node_b].guid, l.port_b,
                ftopo_width_str(l.width), ftopo_speed_str(l.speed), l.rate_gbps,
                i + 1 == f->num_links ? "" : ",");
    }
    fputs("  ],\n", out);
}

static void put_hosts(FILE *out, const ftopo_fabric *f)
{
    fputs("  \"hosts\": [\n", out);
    for (size_t h = 0; h < f->num_hosts; h++) {
        const ftopo__host *host = &f->hosts[h];
        fputs("    {\"name\": ", out);
        put_string(out, host->name);
        fputs(", \"hcas\": [", out);
        for (int r = 0; r < host->num_hcas; r++)
            fprintf(out, "%s\"0x%016" PRIx64 "\"", r ? ", " : "",
                    f->nodes[f->host_cas[host->first + (size_t)r]].guid);
        fprintf(out, "]}%s\n", h + 1 == f->num_hosts ? "" : ",");
    }
    fputs("  ],\n", out);
}

static void put_summary(FILE *out, const ftopo_summary *s)
{
    fprintf(out,
            "  \"summary\": {\"shape\": \"%s\", \"degraded\": %s, \"nodes\": %zu, "
            "\"switches\": %zu, \"cas\": %zu, \"routers\": %zu, \"hosts\": %zu, "
            "\"links\": %zu, \"tiers\": %d}\n",
            ftopo_shape_str(s->shape), s->degraded ? "true" : "false", s->nodes, s->switches,
            s->cas, s->routers, s->hosts, s->links, s->tiers);
}

ftopo_status ftopo__json_write(const ftopo_fabric *f, FILE *out, ftopo_diag *diag)
{
    if (!f->finalized)
        return ftopo__fail(diag, FTOPO_ERR_STATE, "JSON writer: fabric is not finalized");
    fputs("{\n  \"format\": \"fabric-manager/topology\",\n  \"version\": 1,\n  \"nodes\": [\n",
          out);
    for (size_t i = 0; i < f->num_nodes; i++)
        put_node(out, f, (ftopo_node_id)i, i + 1 == f->num_nodes);
    fputs("  ],\n", out);
    put_links(out, f);
    put_hosts(out, f);
    put_summary(out, &f->summary);
    fputs("}\n", out);
    return FTOPO_OK;
}

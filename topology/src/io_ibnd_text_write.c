/* Writer of ibnetdiscover's text format, shaped so that ibsim 0.10 loads it
 * with the same GUIDs, descriptions, widths and speeds:
 *   - every node is preceded by its GUID line (switchguid=/caguid=/rtguid=)
 *     and sysimgguid=, which ibsim applies to the next node;
 *   - rates go into the "lid N 4xEDR" trailer on both ends of a link, the
 *     one place ibsim reads EDR and HDR from; ibsim 0.10 knows SDR..HDR and
 *     FDR10, and loads NDR and XDR links as SDR (it warns "cannot parse
 *     speed"); libibnetdisc reports FDR10 only for Mellanox devices it
 *     knows to have the extended port info, so nodes with FDR10 ports get
 *     vendid=0x2c9 and a SwitchX (0xc738) or ConnectX-3 (0x1003) devid;
 *   - a blank line ends each record (ibsim swallows the line after a
 *     record's port lines).
 * ibsim's limits, checked here with a warning: descriptions of at most 63
 * bytes, no double quotes in them, and CA port GUIDs of node GUID + port
 * (ibsim derives them; ibnetdiscover's text carries them for readers). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define IBSIM_DESC_MAX      63
#define MELLANOX_VENDOR_ID  0x2c9
#define SWITCHX_DEVICE_ID   0xc738
#define CONNECTX3_DEVICE_ID 0x1003

static const char *type_word(ftopo_node_type type)
{
    return type == FTOPO_NODE_SWITCH ? "Switch" : type == FTOPO_NODE_CA ? "Ca" : "Rt";
}

static const char *guid_word(ftopo_node_type type)
{
    return type == FTOPO_NODE_SWITCH ? "switchguid" : type == FTOPO_NODE_CA ? "caguid" : "rtguid";
}

static char id_prefix(ftopo_node_type type)
{
    return type == FTOPO_NODE_SWITCH ? 'S' : type == FTOPO_NODE_CA ? 'H' : 'R';
}

/* The description as the format can carry it: no double quotes (they would
 * end the quoted text) and no line breaks or other control characters but
 * tabs (the reader refuses them). */
static bool carriable(char c)
{
    return c != '"' && ((unsigned char)c >= 0x20 || c == '\t');
}

static const char *clean_desc(const char *desc, char *buf, size_t size, bool *changed)
{
    size_t n = strlen(desc), i = 0;
    while (i < n && carriable(desc[i]))
        i++;
    if (i == n)
        return desc;
    if (n >= size)
        n = size - 1;
    for (i = 0; i < n; i++)
        buf[i] = carriable(desc[i]) ? desc[i] : desc[i] == '"' ? '\'' : ' ';
    buf[n] = '\0';
    *changed = true;
    return buf;
}

typedef struct writer {
    const ftopo_fabric *f;
    FILE *out;
    ftopo_diag *diag;
    char desc_buf[2][FTOPO_DIAG_MESSAGE_MAX];
    int warned_desc, warned_len, warned_guid, warned_speed;
} writer;

static const char *desc_of(writer *w, const ftopo_node_info *node, int slot)
{
    bool changed = false;
    const char *d = clean_desc(node->desc, w->desc_buf[slot], sizeof(w->desc_buf[slot]), &changed);
    if (changed && !w->warned_desc++)
        ftopo__log(w->diag, FTOPO_LOG_WARN,
                   "node 0x%016" PRIx64 ": quotes and control characters in its description "
                   "written as ' and space (and maybe more nodes)",
                   node->node_guid);
    return d;
}

static void check_ibsim_limits(writer *w, const ftopo_node_info *node, const ftopo_port_info *port)
{
    if (strlen(node->desc) > IBSIM_DESC_MAX && !w->warned_len++)
        ftopo__log(w->diag, FTOPO_LOG_WARN,
                   "node 0x%016" PRIx64 ": description longer than %d bytes, which ibsim cuts "
                   "(and maybe more nodes)",
                   node->node_guid, IBSIM_DESC_MAX);
    if (!port)
        return;
    if (node->type != FTOPO_NODE_SWITCH && port->port_guid &&
        port->port_guid != node->node_guid + (uint64_t)port->num && !w->warned_guid++)
        ftopo__log(w->diag, FTOPO_LOG_WARN,
                   "node 0x%016" PRIx64 " port %d: port GUID is not node GUID + port, which "
                   "ibsim cannot reproduce (and maybe more ports)",
                   node->node_guid, port->num);
    if (port->speed >= FTOPO_SPEED_NDR && !w->warned_speed++)
        ftopo__log(w->diag, FTOPO_LOG_WARN,
                   "%s links: ibsim 0.10 cannot simulate this speed and runs them at SDR",
                   ftopo_speed_str(port->speed));
}

static bool has_fdr10(const ftopo_fabric *f, ftopo_node_id id, int nports)
{
    for (int p = 1; p <= nports; p++) {
        ftopo_port_info port;
        if (ftopo_port_get(f, id, p, &port) == FTOPO_OK && port.peer_node != FTOPO_NONE &&
            port.speed == FTOPO_SPEED_FDR10)
            return true;
    }
    return false;
}

/* The trailer "lid N 4xEDR" (the rate only when both parts are known). */
static void write_trailer(FILE *out, uint16_t remote_lid, const ftopo_port_info *port)
{
    fprintf(out, " lid %u", remote_lid);
    if (port->width && port->speed)
        fprintf(out, " %s%s", ftopo_width_str(port->width), ftopo_speed_str(port->speed));
    fputc('\n', out);
}

static ftopo_status write_node(writer *w, ftopo_node_id id)
{
    const ftopo_fabric *f = w->f;
    FILE *out = w->out;
    ftopo_node_info node;
    ftopo_status st = ftopo_node_get(f, id, &node);
    if (st != FTOPO_OK)
        return ftopo__fail(w->diag, st, "node %d: %s", (int)id, ftopo_strerror(st));
    check_ibsim_limits(w, &node, NULL);

    if (has_fdr10(f, id, node.num_ports))
        fprintf(out, "vendid=0x%x\ndevid=0x%x\n", MELLANOX_VENDOR_ID,
                node.type == FTOPO_NODE_SWITCH ? SWITCHX_DEVICE_ID : CONNECTX3_DEVICE_ID);
    fprintf(out, "sysimgguid=0x%" PRIx64 "\n",
            node.sysimg_guid ? node.sysimg_guid : node.node_guid);
    bool is_switch = node.type == FTOPO_NODE_SWITCH;
    /* ibnetdiscover's form: a switch's line also names its port GUID. */
    fprintf(out, "%s=0x%" PRIx64, guid_word(node.type), node.node_guid);
    if (is_switch)
        fprintf(out, "(%" PRIx64 ")", node.node_guid);
    fputc('\n', out);
    fprintf(out, "%s\t%d \"%c-%016" PRIx64 "\"\t\t# \"%s\"", type_word(node.type), node.num_ports,
            id_prefix(node.type), node.node_guid, desc_of(w, &node, 0));
    if (is_switch)
        fprintf(out, " base port 0 lid %u lmc %u", node.lid, node.lmc);
    fputc('\n', out);

    for (int p = 1; p <= node.num_ports; p++) {
        ftopo_port_info port;
        ftopo_node_info peer;
        ftopo_port_info rport;
        if ((st = ftopo_port_get(f, id, p, &port)) != FTOPO_OK)
            return ftopo__fail(w->diag, st, "node 0x%016" PRIx64 " port %d: %s", node.node_guid, p,
                               ftopo_strerror(st));
        if (port.peer_node == FTOPO_NONE)
            continue;
        if ((st = ftopo_node_get(f, port.peer_node, &peer)) != FTOPO_OK ||
            (st = ftopo_port_get(f, port.peer_node, port.peer_port, &rport)) != FTOPO_OK)
            return ftopo__fail(w->diag, st, "node 0x%016" PRIx64 " port %d: %s", node.node_guid, p,
                               ftopo_strerror(st));
        check_ibsim_limits(w, &node, &port);
        bool peer_switch = peer.type == FTOPO_NODE_SWITCH;
        uint16_t remote_lid = peer_switch ? peer.lid : rport.lid;

        fprintf(out, "[%d]", p);
        if (!is_switch)
            fprintf(out, "(%" PRIx64 ") ",
                    port.port_guid ? port.port_guid : node.node_guid + (uint64_t)p);
        fprintf(out, "\t\"%c-%016" PRIx64 "\"[%d]", id_prefix(peer.type), peer.node_guid,
                port.peer_port);
        if (!peer_switch)
            fprintf(out, "(%" PRIx64 ") ",
                    rport.port_guid ? rport.port_guid : peer.node_guid + (uint64_t)port.peer_port);
        fputs("\t\t# ", out);
        if (!is_switch)
            fprintf(out, "lid %u lmc %u ", port.lid, port.lmc);
        fprintf(out, "\"%s\"", desc_of(w, &peer, 1));
        write_trailer(out, remote_lid, &port);
    }
    fputc('\n', out);
    return FTOPO_OK;
}

/* Nodes in the fabric's order, so that node ids survive a round trip. */
ftopo_status ftopo__ibnd_text_write(const ftopo_fabric *fabric, FILE *out, ftopo_diag *diag)
{
    writer w = {.f = fabric, .out = out, .diag = diag};
    fprintf(out, "#\n# Topology file: written by fabtopo (ibnetdiscover format, loads in "
                 "ibsim)\n#\n\n");
    for (size_t i = 0; i < ftopo_num_nodes(fabric); i++) {
        ftopo_status st = write_node(&w, (ftopo_node_id)i);
        if (st != FTOPO_OK)
            return st;
    }
    return FTOPO_OK;
}

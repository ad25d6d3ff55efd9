/* libibnetdisc's fabric -> the fabric model. PortInfo and NodeInfo arrive as
 * raw SMP payloads; they are decoded here with libibmad's field table, the
 * way infiniband-diags decodes them, so that the model says exactly what
 * ibnetdiscover would print. */
#include <inttypes.h>
#include <stdlib.h>

#include <infiniband/mad.h>

#include "ibnd_convert.h"
#include "idmap.h"

/* PortInfo.CapabilityMask bit: LinkSpeedExtActive is valid (IBA 14.2.5.6). */
#define CAP_HAS_EXT_SPEEDS 0x00004000u
/* Mellanox ExtendedPortInfo.LinkSpeedActive bit for FDR10. */
#define MLNX_EXT_SPEED_FDR10 0x1u
#define PHYS_STATE_LINKUP    5

/* NodeDescription is 64 bytes of free text from the remote agent; control
 * characters would break every text format we write, so they become spaces. */
static void clean_desc(const char *in, char *out, size_t size)
{
    size_t i = 0;
    for (; i + 1 < size && in[i]; i++)
        out[i] = ((unsigned char)in[i] < 0x20 || in[i] == 0x7f) ? ' ' : in[i];
    out[i] = '\0';
}

/* LinkSpeedExtActive only means something when the capability mask says so;
 * a switch announces its capabilities on management port 0 only. */
static bool has_ext_speeds(const ibnd_port_t *port)
{
    const ibnd_node_t *node = port->node;
    const ibnd_port_t *cap_port = node->type == IB_NODE_SWITCH ? node->ports[0] : port;
    if (!cap_port)
        return false;
    uint32_t cap = mad_get_field((void *)cap_port->info, 0, IB_PORT_CAPMASK_F);
    return (cap & CAP_HAS_EXT_SPEEDS) != 0;
}

static ftopo_port_spec port_spec(const ibnd_port_t *port)
{
    void *info = (void *)port->info;
    ftopo_port_spec spec = {
        .port_guid = port->guid,
        .state = (ftopo_port_state)mad_get_field(info, 0, IB_PORT_STATE_F),
    };
    /* A switch's external ports share the LID of port 0, which the node
     * carries; only CA and router ports own a LID of their own. */
    if (port->node->type != IB_NODE_SWITCH) {
        spec.lid = port->base_lid;
        spec.lmc = port->lmc;
    }
    /* Active width and speed are undefined while the link is not up. */
    if (mad_get_field(info, 0, IB_PORT_PHYS_STATE_F) == PHYS_STATE_LINKUP) {
        unsigned speed = mad_get_field(info, 0, IB_PORT_LINK_SPEED_ACTIVE_F);
        unsigned ext =
            has_ext_speeds(port) ? mad_get_field(info, 0, IB_PORT_LINK_SPEED_EXT_ACTIVE_F) : 0;
        unsigned fdr10 =
            mad_get_field((void *)port->ext_info, 0, IB_MLNX_EXT_PORT_LINK_SPEED_ACTIVE_F);
        spec.width = (ftopo_link_width)mad_get_field(info, 0, IB_PORT_LINK_WIDTH_ACTIVE_F);
        spec.speed = ftopo_speed_from_portinfo(speed, ext, (fdr10 & MLNX_EXT_SPEED_FDR10) != 0);
    }
    return spec;
}

static ftopo_status add_node(ftopo_fabric *fab, ibnd_node_t *node, const char *origin,
                             ftopo__idmap *ids, ftopo_diag *diag)
{
    char desc[sizeof(node->nodedesc)];
    clean_desc(node->nodedesc, desc, sizeof(desc));
    ftopo_node_spec spec = {
        .type = (ftopo_node_type)node->type,
        .node_guid = node->guid,
        .sysimg_guid = mad_get_field64(node->info, 0, IB_NODE_SYSTEM_GUID_F),
        .desc = desc,
        .num_ports = node->numports,
    };
    if (node->type == IB_NODE_SWITCH) {
        spec.lid = node->smalid;
        spec.lmc = node->smalmc;
    }
    ftopo_node_id id;
    ftopo_status st = ftopo_fabric_add_node(fab, &spec, &id);
    if (st != FTOPO_OK)
        return ftopo__fail(diag, st, "%s: node 0x%016" PRIx64 " \"%s\" (type %d, %d ports): %s",
                           origin, node->guid, desc, node->type, node->numports,
                           ftopo_strerror(st));
    if (!ftopo__idmap_add(ids, node->guid, id))
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "%s: out of memory", origin);

    for (int p = 1; p <= node->numports; p++) {
        if (!node->ports[p])
            continue;
        ftopo_port_spec ps = port_spec(node->ports[p]);
        st = ftopo_fabric_set_port(fab, id, p, &ps);
        if (st != FTOPO_OK)
            return ftopo__fail(diag, st, "%s: node 0x%016" PRIx64 " port %d: %s", origin,
                               node->guid, p, ftopo_strerror(st));
    }
    return FTOPO_OK;
}

/* Each cable is seen from both ends; it is added from the end with the
 * smaller (GUID, port) so the model gets it once. */
static ftopo_status add_links(ftopo_fabric *fab, ibnd_node_t *node, const char *origin,
                              const ftopo__idmap *ids, ftopo_diag *diag)
{
    for (int p = 1; p <= node->numports; p++) {
        const ibnd_port_t *port = node->ports[p];
        if (!port || !port->remoteport || !port->remoteport->node)
            continue;
        const ibnd_port_t *rport = port->remoteport;
        const ibnd_node_t *rnode = rport->node;
        if (rnode->guid < node->guid || (rnode->guid == node->guid && rport->portnum < p))
            continue;
        int64_t a = ftopo__idmap_find(ids, node->guid);
        int64_t b = ftopo__idmap_find(ids, rnode->guid);
        if (b < 0)
            return ftopo__fail(diag, FTOPO_ERR_PARSE,
                               "%s: node 0x%016" PRIx64
                               " port %d links to unknown node 0x%016" PRIx64,
                               origin, node->guid, p, rnode->guid);
        ftopo_status st =
            ftopo_fabric_add_link(fab, (ftopo_node_id)a, p, (ftopo_node_id)b, rport->portnum);
        if (st != FTOPO_OK)
            return ftopo__fail(diag, st, "%s: link 0x%016" PRIx64 "[%d] - 0x%016" PRIx64 "[%d]: %s",
                               origin, node->guid, p, rnode->guid, rport->portnum,
                               ftopo_strerror(st));
    }
    return FTOPO_OK;
}

ftopo_status ftopo__from_ibnd(ibnd_fabric_t *src, const char *origin, ftopo_fabric **out,
                              ftopo_diag *diag)
{
    *out = NULL;
    ftopo_fabric *fab = NULL;
    ftopo__idmap ids = {0};
    ftopo_status st = ftopo_fabric_create(&fab);
    if (st != FTOPO_OK)
        return ftopo__fail(diag, st, "%s: %s", origin, ftopo_strerror(st));

    for (ibnd_node_t *n = src->nodes; n && st == FTOPO_OK; n = n->next)
        st = add_node(fab, n, origin, &ids, diag);
    for (ibnd_node_t *n = src->nodes; n && st == FTOPO_OK; n = n->next)
        st = add_links(fab, n, origin, &ids, diag);
    if (st == FTOPO_OK)
        st = ftopo_fabric_finalize(fab, diag);

    ftopo__idmap_free(&ids);
    if (st != FTOPO_OK) {
        ftopo_fabric_destroy(fab);
        return st;
    }
    *out = fab;
    return FTOPO_OK;
}

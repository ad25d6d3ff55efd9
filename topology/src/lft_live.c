/* Reading the switches' LFTs live through libibmad SMPs, as ibroute does:
 * NodeInfo (to check the LID still belongs to the switch we think),
 * SwitchInfo for LinearFDBTop, then LinearForwardingTable blocks of 64. */
#include <inttypes.h>
#include <string.h>

#include <infiniband/mad.h>

#include "route_set.h"

typedef struct live_reader {
    ftopo_routes *r;
    struct ibmad_port *port;
    int timeout_ms;
    size_t unowned; /* entries for LIDs no port owns, over all switches */
    ftopo_diag *diag;
} live_reader;

static ftopo_status read_switch(live_reader *lr, ftopo_node_id n)
{
    ftopo_routes *r = lr->r;
    const ftopo__node *node = &r->fabric->nodes[n];
    ftopo_lid lid = r->node_lid[n];
    if (!lid)
        return ftopo__fail(lr->diag, FTOPO_ERR_ARG, "lfts: switch 0x%016" PRIx64 " '%s' has no LID",
                           node->guid, node->desc);
    ib_portid_t portid;
    memset(&portid, 0, sizeof(portid));
    ib_portid_set(&portid, lid, 0, 0);

    uint8_t buf[IB_SMP_DATA_SIZE];
    memset(buf, 0, sizeof(buf));
    if (!smp_query_via(buf, &portid, IB_ATTR_NODE_INFO, 0, lr->timeout_ms, lr->port))
        return ftopo__fail(lr->diag, FTOPO_ERR_FABRIC, "lfts: NodeInfo of LID %u failed", lid);
    uint64_t guid = 0;
    mad_decode_field(buf, IB_NODE_GUID_F, &guid);
    if (guid != node->guid)
        return ftopo__fail(lr->diag, FTOPO_ERR_FABRIC,
                           "lfts: LID %u is node 0x%016" PRIx64 ", expected switch 0x%016" PRIx64
                           " '%s' (LIDs changed since discovery?)",
                           lid, guid, node->guid, node->desc);

    memset(buf, 0, sizeof(buf));
    if (!smp_query_via(buf, &portid, IB_ATTR_SWITCH_INFO, 0, lr->timeout_ms, lr->port))
        return ftopo__fail(lr->diag, FTOPO_ERR_FABRIC, "lfts: SwitchInfo of LID %u failed", lid);
    unsigned top = 0;
    mad_decode_field(buf, IB_SW_LINEAR_FDB_TOP_F, &top);
    if (top > FTOPO_LID_UNICAST_MAX)
        top = FTOPO_LID_UNICAST_MAX;

    uint8_t *row = ftopo__lft_row(r, (size_t)r->switch_index[n]);
    memset(row, FTOPO_LFT_NONE, (size_t)r->lid_top + 1);
    /* Blocks 0 .. top/64 inclusive: ibroute's bound misses LID `top` when
     * it is a multiple of 64. */
    for (unsigned block = 0; block <= top / IB_SMP_DATA_SIZE; block++) {
        if (!smp_query_via(buf, &portid, IB_ATTR_LINEARFORWTBL, block, lr->timeout_ms, lr->port))
            return ftopo__fail(lr->diag, FTOPO_ERR_FABRIC,
                               "lfts: LinearForwardingTable block %u of LID %u failed", block, lid);
        for (unsigned i = 0; i < IB_SMP_DATA_SIZE; i++) {
            unsigned l = block * IB_SMP_DATA_SIZE + i;
            if (l == 0 || l > top || buf[i] == FTOPO_LFT_NONE)
                continue;
            if (l > r->lid_top || r->lid_node[l] == FTOPO_NONE) {
                lr->unowned++;
                continue;
            }
            if (buf[i] > node->num_ports)
                return ftopo__fail(lr->diag, FTOPO_ERR_FABRIC,
                                   "lfts: switch LID %u routes LID %u to port %u of %d", lid, l,
                                   buf[i], node->num_ports);
            row[l] = buf[i];
        }
    }
    return FTOPO_OK;
}

ftopo_status ftopo_routes_read_live(ftopo_routes *r, const ftopo_lft_read_opts *opts,
                                    ftopo_diag *diag)
{
    if (!r)
        return FTOPO_ERR_ARG;
    ftopo_lft_read_opts o = opts ? *opts : (ftopo_lft_read_opts){0};
    int classes[] = {IB_SMI_CLASS, IB_SMI_DIRECT_CLASS};
    struct ibmad_port *port = mad_rpc_open_port((char *)o.ca_name, o.ca_port, classes,
                                                (int)(sizeof(classes) / sizeof(classes[0])));
    if (!port)
        return ftopo__fail(diag, FTOPO_ERR_FABRIC, "lfts: cannot open CA %s port %d",
                           o.ca_name ? o.ca_name : "(first)", o.ca_port);
    if (o.timeout_ms > 0)
        mad_rpc_set_timeout(port, o.timeout_ms);
    if (o.retries > 0)
        mad_rpc_set_retries(port, o.retries);

    live_reader lr = {.r = r, .port = port, .timeout_ms = o.timeout_ms, .diag = diag};
    ftopo_status st = FTOPO_OK;
    for (size_t s = 0; s < r->num_switches && st == FTOPO_OK; s++) {
        st = read_switch(&lr, r->switches[s]);
        ftopo__log(diag, FTOPO_LOG_DEBUG, "lfts: read switch %zu of %zu", s + 1, r->num_switches);
    }
    mad_rpc_close_port(port);
    if (st == FTOPO_OK && lr.unowned)
        ftopo__log(diag, FTOPO_LOG_WARN,
                   "lfts: %zu entries route LIDs that no port of the fabric owns (ignored)",
                   lr.unowned);
    return st;
}

/* The counter poller: PMA queries through libibmad for every cabled port,
 * rates from consecutive polls, and smoothed utilization, congestion and
 * error rates per port. Runs on the sweeper thread.
 *
 * Congestion score: PortXmitWait counts ticks in which the port had data to
 * send and no credit to send it. Its growth over the interval, divided by
 * the ticks in that interval (xmit_wait_ticks_per_s; the tick is
 * implementation-defined, hence configurable), is the fraction of time the
 * link stalled: 0 idle or flowing, 1 blocked all the time. */
#include <infiniband/mad.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"

/* PortCounters ClassPortInfo CapabilityMask bits (IBA 1.3, 16.1.3.5). */
#define PM_CAP_EXT_WIDTH        (1u << 9)  /* PortCountersExtended */
#define PM_CAP_EXT_WIDTH_NOIETF (1u << 10) /* same, without the IETF counters */

void fabd__counters_close(fabd__worker *w)
{
    if (w->pma_port)
        mad_rpc_close_port(w->pma_port);
    w->pma_port = NULL;
}

static bool open_pma(fabd_core *core)
{
    fabd__worker *w = &core->w;
    if (w->pma_port)
        return true;
    int classes[] = {IB_PERFORMANCE_CLASS};
    w->pma_port = mad_rpc_open_port((char *)w->cfg.ca_name, w->cfg.ca_port, classes, 1);
    if (!w->pma_port) {
        fabd__log(core, FTOPO_LOG_ERROR, "counters: cannot open CA %s port %d",
                  w->cfg.ca_name ? w->cfg.ca_name : "(first)", w->cfg.ca_port);
        return false;
    }
    if (w->cfg.mad_timeout_ms > 0)
        mad_rpc_set_timeout(w->pma_port, w->cfg.mad_timeout_ms);
    if (w->cfg.mad_retries > 0)
        mad_rpc_set_retries(w->pma_port, w->cfg.mad_retries);
    return true;
}

static uint64_t field32(uint8_t *buf, enum MAD_FIELDS f)
{
    uint32_t v = 0;
    mad_decode_field(buf, f, &v);
    return v;
}

static uint64_t field64(uint8_t *buf, enum MAD_FIELDS f)
{
    uint64_t v = 0;
    mad_decode_field(buf, f, &v);
    return v;
}

/* Queries one port; false when the port did not answer. */
static bool query_port(fabd_core *core, uint16_t lid, int port, uint32_t capmask,
                       fabd_port_counters *c)
{
    fabd__worker *w = &core->w;
    uint8_t buf[1024];
    ib_portid_t id = {0};
    ib_portid_set(&id, lid, 0, 0);
    memset(buf, 0, sizeof(buf));
    if (!pma_query_via(buf, &id, port, w->cfg.mad_timeout_ms, IB_GSI_PORT_COUNTERS, w->pma_port))
        return false;
    c->symbol_errors = field32(buf, IB_PC_ERR_SYM_F);
    c->link_error_recovery = field32(buf, IB_PC_LINK_RECOVERS_F);
    c->link_downed = field32(buf, IB_PC_LINK_DOWNED_F);
    c->rcv_errors = field32(buf, IB_PC_ERR_RCV_F);
    c->rcv_remote_phys_errors = field32(buf, IB_PC_ERR_PHYSRCV_F);
    c->rcv_switch_relay_errors = field32(buf, IB_PC_ERR_SWITCH_REL_F);
    c->xmit_discards = field32(buf, IB_PC_XMT_DISCARDS_F);
    c->xmit_constraint_errors = field32(buf, IB_PC_ERR_XMTCONSTR_F);
    c->rcv_constraint_errors = field32(buf, IB_PC_ERR_RCVCONSTR_F);
    c->local_link_integrity_errors = field32(buf, IB_PC_ERR_LOCALINTEG_F);
    c->excessive_buffer_overrun_errors = field32(buf, IB_PC_ERR_EXCESS_OVR_F);
    c->vl15_dropped = field32(buf, IB_PC_VL15_DROPPED_F);
    c->xmit_wait = field32(buf, IB_PC_XMT_WAIT_F);
    /* Data counters count 4-octet words. */
    c->xmit_bytes = 4 * field32(buf, IB_PC_XMT_BYTES_F);
    c->rcv_bytes = 4 * field32(buf, IB_PC_RCV_BYTES_F);
    c->xmit_pkts = field32(buf, IB_PC_XMT_PKTS_F);
    c->rcv_pkts = field32(buf, IB_PC_RCV_PKTS_F);
    c->extended = false;
    if (capmask & (PM_CAP_EXT_WIDTH | PM_CAP_EXT_WIDTH_NOIETF)) {
        memset(buf, 0, sizeof(buf));
        if (pma_query_via(buf, &id, port, w->cfg.mad_timeout_ms, IB_GSI_PORT_COUNTERS_EXT,
                          w->pma_port)) {
            c->xmit_bytes = 4 * field64(buf, IB_PC_EXT_XMT_BYTES_F);
            c->rcv_bytes = 4 * field64(buf, IB_PC_EXT_RCV_BYTES_F);
            c->xmit_pkts = field64(buf, IB_PC_EXT_XMT_PKTS_F);
            c->rcv_pkts = field64(buf, IB_PC_EXT_RCV_PKTS_F);
            c->extended = true;
        }
    }
    return true;
}

static uint32_t capability_mask(fabd_core *core, uint16_t lid)
{
    uint8_t buf[1024] = {0};
    ib_portid_t id = {0};
    ib_portid_set(&id, lid, 0, 0);
    if (!pma_query_via(buf, &id, 0, core->w.cfg.mad_timeout_ms, CLASS_PORT_INFO, core->w.pma_port))
        return FABD__CAP_ASKED; /* PortCounters only */
    return FABD__CAP_ASKED | ((uint32_t)buf[2] << 8) | buf[3];
}

/* Growth of a counter; a smaller value means it was reset. */
static double growth(uint64_t now, uint64_t before)
{
    return (double)(now >= before ? now - before : now);
}

static uint64_t error_sum(const fabd_port_counters *c)
{
    return c->symbol_errors + c->link_error_recovery + c->link_downed + c->rcv_errors +
           c->rcv_remote_phys_errors + c->rcv_switch_relay_errors + c->xmit_discards +
           c->xmit_constraint_errors + c->rcv_constraint_errors + c->local_link_integrity_errors +
           c->excessive_buffer_overrun_errors + c->vl15_dropped;
}

static void port_event(fabd_core *core, fabd_event_type type, const ftopo_fabric *f,
                       ftopo_node_id node, const ftopo_port_info *pi, double value)
{
    ftopo_node_info a, b;
    ftopo_node_get(f, node, &a);
    ftopo_node_get(f, pi->peer_node, &b);
    fabd_event ev = {.type = type,
                     .guid_a = a.node_guid,
                     .port_a = pi->num,
                     .guid_b = b.node_guid,
                     .port_b = pi->peer_port,
                     .value = value};
    fabd__copy_desc(ev.desc_a, sizeof(ev.desc_a), a.desc);
    fabd__copy_desc(ev.desc_b, sizeof(ev.desc_b), b.desc);
    const char *what = type == FABD_EV_LINK_CONGESTED ? "congested (score %.2f)"
                       : type == FABD_EV_LINK_CLEARED ? "no longer congested (score %.2f)"
                                                      : "receiving errors (%.2f/s)";
    char detail[64];
    snprintf(detail, sizeof(detail), what, value);
    /* Congestion is the egress side's, errors the receiving side's. */
    snprintf(ev.message, sizeof(ev.message), "link %s[%d] %s %s[%d] %s", a.desc, pi->num,
             type == FABD_EV_LINK_ERRORS ? "<-" : "->", b.desc, pi->peer_port, detail);
    fabd__event_queue(core, &ev);
}

/* New rates and smoothed figures of one port from the previous sample. */
static void derive(fabd_core *core, const ftopo_fabric *f, ftopo_node_id node,
                   const ftopo_port_info *pi, const fabd_port_counters *prev, fabd_port_counters *c,
                   fabd__port_smooth *s, double dt)
{
    const fabd_core_opts *o = &core->w.cfg;
    if (!prev->valid || !c->valid || dt <= 0)
        return;
    c->xmit_bytes_per_s = growth(c->xmit_bytes, prev->xmit_bytes) / dt;
    c->rcv_bytes_per_s = growth(c->rcv_bytes, prev->rcv_bytes) / dt;
    c->xmit_wait_per_s = growth(c->xmit_wait, prev->xmit_wait) / dt;
    c->errors_per_s = growth(error_sum(c), error_sum(prev)) / dt;

    double rate = ftopo_link_rate_gbps(pi->width, pi->speed) * 1e9 / 8;
    double util = rate > 0 ? fmin(1.0, c->xmit_bytes_per_s / rate) : 0;
    double cong = fmin(1.0, c->xmit_wait_per_s / o->xmit_wait_ticks_per_s);
    double a = s->seen ? o->ewma_alpha : 1.0;
    s->util = a * util + (1 - a) * s->util;
    s->cong = a * cong + (1 - a) * s->cong;
    s->err = a * c->errors_per_s + (1 - a) * s->err;
    s->seen = true;

    /* Half the threshold to clear, so that a link near it does not flap. */
    if (!s->congested && s->cong >= o->congested_threshold) {
        s->congested = true;
        port_event(core, FABD_EV_LINK_CONGESTED, f, node, pi, s->cong);
    } else if (s->congested && s->cong < o->congested_threshold / 2) {
        s->congested = false;
        port_event(core, FABD_EV_LINK_CLEARED, f, node, pi, s->cong);
    }
    bool erroring = s->err >= o->error_threshold;
    if (erroring && !s->erroring)
        port_event(core, FABD_EV_LINK_ERRORS, f, node, pi, s->err);
    s->erroring = erroring;
}

void fabd__poll_counters(fabd_core *core, double now)
{
    fabd__worker *w = &core->w;
    const fabd__topo *t = w->topo;
    if (!t || !w->counters || !open_pma(core))
        return;
    double dt = w->polled_at > 0 ? now - w->polled_at : 0, t0 = fabd__mono();
    size_t failed = 0, asked = 0;
    for (size_t n = 0; n < ftopo_num_nodes(t->fabric); n++) {
        ftopo_node_info ni;
        ftopo_node_get(t->fabric, (ftopo_node_id)n, &ni);
        for (int p = 1; p <= ni.num_ports; p++) {
            ftopo_port_info pi;
            ftopo_port_get(t->fabric, (ftopo_node_id)n, p, &pi);
            fabd_port_counters *c = &w->counters[t->port_index[n] + (size_t)p - 1];
            uint16_t lid = ni.type == FTOPO_NODE_SWITCH ? ni.lid : pi.lid;
            if (pi.link == FTOPO_NONE || lid == 0) {
                c->valid = false;
                continue;
            }
            if (!(w->pm_capmask[n] & FABD__CAP_ASKED))
                w->pm_capmask[n] = capability_mask(core, lid);
            fabd_port_counters prev = *c;
            asked++;
            c->valid = query_port(core, lid, p, w->pm_capmask[n], c);
            failed += !c->valid;
            derive(core, t->fabric, (ftopo_node_id)n, &pi, &prev, c,
                   &w->smooth[t->port_index[n] + (size_t)p - 1], dt);
        }
    }
    /* Once per change, not once per poll: a broken path stays broken for
     * a while (until the SM re-routes). */
    if (failed != w->poll_failures)
        fabd__log(core, failed ? FTOPO_LOG_WARN : FTOPO_LOG_INFO,
                  "counters: %zu of %zu ports did not answer", failed, asked);
    w->poll_failures = failed;
    w->polled_at = now;
    w->polls++;
    pthread_mutex_lock(&core->lock);
    core->health.polls = w->polls;
    core->health.last_poll_at = now;
    core->health.last_poll_seconds = fabd__mono() - t0;
    pthread_mutex_unlock(&core->lock);
}

void fabd__counters_remap(fabd_core *core, const fabd__topo *old_topo, const fabd__topo *new_topo)
{
    fabd__worker *w = &core->w;
    size_t slots = new_topo->num_port_slots, nodes = ftopo_num_nodes(new_topo->fabric);
    fabd_port_counters *counters = calloc(slots ? slots : 1, sizeof(*counters));
    fabd__port_smooth *smooth = calloc(slots ? slots : 1, sizeof(*smooth));
    uint32_t *caps = calloc(nodes ? nodes : 1, sizeof(*caps));
    if (!counters || !smooth || !caps) {
        /* Keep the old arrays sized for the old topology: rather no
         * counters than wrong ones. */
        free(counters);
        free(smooth);
        free(caps);
        fabd__log(core, FTOPO_LOG_ERROR, "counters: out of memory");
        counters = NULL;
        smooth = NULL;
        caps = NULL;
    }
    for (size_t n = 0; old_topo && counters && n < nodes; n++) {
        ftopo_node_info ni, oi;
        ftopo_node_get(new_topo->fabric, (ftopo_node_id)n, &ni);
        ftopo_node_id o = fabd__node_by_guid(old_topo->fabric, ni.node_guid);
        if (o == FTOPO_NONE || ftopo_node_get(old_topo->fabric, o, &oi) != FTOPO_OK)
            continue;
        caps[n] = w->pm_capmask[o];
        int ports = ni.num_ports < oi.num_ports ? ni.num_ports : oi.num_ports;
        for (int p = 0; p < ports; p++) {
            counters[new_topo->port_index[n] + (size_t)p] =
                w->counters[old_topo->port_index[o] + (size_t)p];
            smooth[new_topo->port_index[n] + (size_t)p] =
                w->smooth[old_topo->port_index[o] + (size_t)p];
        }
    }
    free(w->counters);
    free(w->smooth);
    free(w->pm_capmask);
    w->counters = counters;
    w->smooth = smooth;
    w->pm_capmask = caps;
}

void fabd__dlink_stats(fabd_core *core, fabd_dlink_stats *dlinks)
{
    const fabd__worker *w = &core->w;
    const fabd__topo *t = w->topo;
    if (!w->smooth)
        return;
    for (size_t l = 0; l < ftopo_num_links(t->fabric); l++) {
        ftopo_link_info li;
        ftopo_link_get(t->fabric, (ftopo_link_id)l, &li);
        size_t a = t->port_index[li.node_a] + (size_t)li.port_a - 1;
        size_t b = t->port_index[li.node_b] + (size_t)li.port_b - 1;
        for (int dir = 0; dir < 2; dir++) {
            const fabd__port_smooth *tx = &w->smooth[dir ? b : a];
            const fabd__port_smooth *rx = &w->smooth[dir ? a : b];
            dlinks[2 * l + (size_t)dir] = (fabd_dlink_stats){.utilization = tx->util,
                                                             .congestion = tx->cong,
                                                             .error_rate = rx->err,
                                                             .congested = tx->congested,
                                                             .erroring = rx->erroring};
        }
    }
}

/* /metrics in Prometheus text format (version 0.0.4). Port counters use
 * the names InfiniBand exporters already use (infiniband_port_*_total,
 * labelled by node GUID, port and node description), so existing
 * dashboards work; fabricd's own figures are fabricd_*. */
#include "api.h"

#include <inttypes.h>
#include <math.h>

#include <microhttpd.h>

/* Label values escape backslash, double quote and newline. */
static void label_value(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            fputc('\\', f);
        if (*s == '\n') {
            fputs("\\n", f);
            continue;
        }
        fputc(*s, f);
    }
}

/* One metric per port: the link state, the rate, or a counter. */
typedef enum { PM_LINK_UP, PM_RATE, PM_COUNTER } port_metric_kind;

typedef struct port_metric {
    const char *name;
    const char *help;
    port_metric_kind kind;
    size_t offset; /* PM_COUNTER: of a uint64_t in fabd_port_counters */
} port_metric;

#define PM(n, field, h)                                                                            \
    {                                                                                              \
        "infiniband_port_" n, h, PM_COUNTER, offsetof(fabd_port_counters, field)                   \
    }

static const port_metric port_metrics[] = {
    {"infiniband_port_link_up", "1 when the port's link is active", PM_LINK_UP, 0},
    {"infiniband_port_rate_bytes_per_second", "Link rate of the port", PM_RATE, 0},
    PM("transmit_data_bytes_total", xmit_bytes, "Bytes transmitted"),
    PM("receive_data_bytes_total", rcv_bytes, "Bytes received"),
    PM("transmit_packets_total", xmit_pkts, "Packets transmitted"),
    PM("receive_packets_total", rcv_pkts, "Packets received"),
    PM("transmit_wait_total", xmit_wait, "Ticks with data to send but no credit (PortXmitWait)"),
    PM("symbol_error_total", symbol_errors, "SymbolErrorCounter"),
    PM("link_error_recovery_total", link_error_recovery, "LinkErrorRecoveryCounter"),
    PM("link_downed_total", link_downed, "LinkDownedCounter"),
    PM("receive_errors_total", rcv_errors, "PortRcvErrors"),
    PM("receive_remote_physical_errors_total", rcv_remote_phys_errors,
       "PortRcvRemotePhysicalErrors"),
    PM("receive_switch_relay_errors_total", rcv_switch_relay_errors, "PortRcvSwitchRelayErrors"),
    PM("transmit_discards_total", xmit_discards, "PortXmitDiscards"),
    PM("transmit_constraint_errors_total", xmit_constraint_errors, "PortXmitConstraintErrors"),
    PM("receive_constraint_errors_total", rcv_constraint_errors, "PortRcvConstraintErrors"),
    PM("local_link_integrity_errors_total", local_link_integrity_errors,
       "LocalLinkIntegrityErrors"),
    PM("excessive_buffer_overrun_errors_total", excessive_buffer_overrun_errors,
       "ExcessiveBufferOverrunErrors"),
    PM("vl15_dropped_total", vl15_dropped, "VL15Dropped"),
};

static void port_labels(FILE *f, const ftopo_node_info *ni, int port)
{
    fprintf(f, "{guid=\"0x%016" PRIx64 "\",port=\"%d\",type=\"%s\",name=\"", ni->node_guid, port,
            fabd_node_type_str(ni->type));
    label_value(f, ni->desc ? ni->desc : "");
    fputs("\"}", f);
}

/* The value of one metric for one cabled port, as text; false: none
 * (counters not polled yet, or the poll failed). */
static bool port_value(const fabd_snapshot *s, ftopo_node_id node, int port,
                       const ftopo_port_info *pi, const port_metric *pm, char *buf, size_t cap)
{
    switch (pm->kind) {
    case PM_LINK_UP:
        snprintf(buf, cap, "%d", pi->state == FTOPO_PORT_ACTIVE || pi->state == 0 ? 1 : 0);
        return true;
    case PM_RATE:
        snprintf(buf, cap, "%.0f", ftopo_link_rate_gbps(pi->width, pi->speed) * 1e9 / 8);
        return true;
    case PM_COUNTER:
        break;
    }
    const fabd_port_counters *c = fabd_snapshot_port(s, node, port);
    if (!c || !c->valid)
        return false;
    snprintf(buf, cap, "%" PRIu64, *(const uint64_t *)((const char *)c + pm->offset));
    return true;
}

/* infiniband_port_link_up 0 at each end of the links known but missing
 * now: such a port has no peer in the live fabric, so the walk over cabled
 * ports skips it, and an alert on link_up == 0 would never fire. Ends
 * whose node is gone (its series end with it) and ends cabled again to
 * another peer (the walk shows those) are left out, so no series repeats. */
static void write_down_ends(FILE *f, const fabd_snapshot *s, const char *name)
{
    for (size_t i = 0; i < s->num_down_links; i++) {
        const fabd_down_link *dl = &s->down_links[i];
        for (int end = 0; end < 2; end++) {
            int port = end ? dl->port_b : dl->port_a;
            ftopo_node_id node;
            ftopo_node_info ni;
            ftopo_port_info pi;
            if (ftopo_find_by_guid(s->fabric, end ? dl->guid_b : dl->guid_a, &node) != FTOPO_OK ||
                ftopo_node_get(s->fabric, node, &ni) != FTOPO_OK ||
                ftopo_port_get(s->fabric, node, port, &pi) != FTOPO_OK ||
                pi.peer_node != FTOPO_NONE)
                continue;
            fputs(name, f);
            port_labels(f, &ni, port);
            fputs(" 0\n", f);
        }
    }
}

/* Every metric of port_metrics, each over every cabled port. */
static void write_ports(FILE *f, const fabd_snapshot *s)
{
    const ftopo_fabric *fab = s->fabric;
    for (size_t m = 0; m < sizeof(port_metrics) / sizeof(port_metrics[0]); m++) {
        const port_metric *pm = &port_metrics[m];
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", pm->name, pm->help, pm->name,
                pm->kind == PM_COUNTER ? "counter" : "gauge");
        for (size_t n = 0; n < ftopo_num_nodes(fab); n++) {
            ftopo_node_info ni;
            ftopo_node_get(fab, (ftopo_node_id)n, &ni);
            for (int p = 1; p <= ni.num_ports; p++) {
                ftopo_port_info pi;
                char value[32];
                if (ftopo_port_get(fab, (ftopo_node_id)n, p, &pi) != FTOPO_OK ||
                    pi.peer_node == FTOPO_NONE ||
                    !port_value(s, (ftopo_node_id)n, p, &pi, pm, value, sizeof(value)))
                    continue;
                fputs(pm->name, f);
                port_labels(f, &ni, p);
                fprintf(f, " %s\n", value);
            }
        }
        if (pm->kind == PM_LINK_UP)
            write_down_ends(f, s, pm->name);
    }
}

/* Per directed link, labelled by its egress end. */
static void write_links(FILE *f, const fabd_snapshot *s)
{
    static const struct {
        const char *name, *help;
        size_t offset;
    } lm[] = {
        {"fabricd_link_utilization", "Smoothed utilization, 0..1",
         offsetof(fabd_dlink_stats, utilization)},
        {"fabricd_link_congestion", "Smoothed XmitWait growth over the interval, 0..1",
         offsetof(fabd_dlink_stats, congestion)},
        {"fabricd_link_error_rate", "Smoothed errors per second at the receiving end",
         offsetof(fabd_dlink_stats, error_rate)},
    };
    const ftopo_fabric *fab = s->fabric;
    size_t nl = ftopo_num_links(fab);
    for (size_t m = 0; m < sizeof(lm) / sizeof(lm[0]); m++) {
        fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", lm[m].name, lm[m].help, lm[m].name);
        for (size_t l = 0; l < nl && 2 * l + 1 < s->num_dlinks; l++) {
            ftopo_link_info li;
            ftopo_node_info a, b;
            ftopo_link_get(fab, (ftopo_link_id)l, &li);
            ftopo_node_get(fab, li.node_a, &a);
            ftopo_node_get(fab, li.node_b, &b);
            for (int dir = 0; dir < 2; dir++) {
                double v = *(const double *)((const char *)&s->dlinks[2 * l + dir] + lm[m].offset);
                fputs(lm[m].name, f);
                port_labels(f, dir ? &b : &a, dir ? li.port_b : li.port_a);
                fprintf(f, " %.6g\n", isfinite(v) ? v : 0.0);
            }
        }
    }
}

static void write_health(FILE *f, const fabd_health *h, bool up)
{
    fprintf(
        f,
        "# HELP fabricd_up 1 while /healthz answers 200 (ok, degraded or probes-only)\n"
        "# TYPE fabricd_up gauge\nfabricd_up %d\n"
        "# TYPE fabricd_sweeps_total counter\nfabricd_sweeps_total %" PRIu64 "\n"
        "# TYPE fabricd_sweep_failures_total counter\nfabricd_sweep_failures_total %" PRIu64 "\n"
        "# TYPE fabricd_sweep_failures_in_row gauge\nfabricd_sweep_failures_in_row %" PRIu64 "\n"
        "# TYPE fabricd_counter_polls_total counter\nfabricd_counter_polls_total %" PRIu64 "\n"
        "# TYPE fabricd_last_sweep_seconds gauge\nfabricd_last_sweep_seconds %.6f\n"
        "# TYPE fabricd_last_poll_seconds gauge\nfabricd_last_poll_seconds %.6f\n"
        "# HELP fabricd_lft_read_ok 1 while the last forwarding-table read succeeded\n"
        "# TYPE fabricd_lft_read_ok gauge\nfabricd_lft_read_ok %d\n"
        "# TYPE fabricd_lft_read_failures_total counter\nfabricd_lft_read_failures_total %" PRIu64
        "\n"
        "# TYPE fabricd_last_sweep_timestamp_seconds gauge\n"
        "fabricd_last_sweep_timestamp_seconds %.3f\n"
        "# TYPE fabricd_nodes gauge\nfabricd_nodes %zu\n"
        "# TYPE fabricd_links gauge\nfabricd_links %zu\n"
        "# TYPE fabricd_down_links gauge\nfabricd_down_links %zu\n"
        "# TYPE fabricd_congested_links gauge\nfabricd_congested_links %zu\n"
        "# TYPE fabricd_erroring_links gauge\nfabricd_erroring_links %zu\n"
        "# TYPE fabricd_last_event_id gauge\nfabricd_last_event_id %" PRIu64 "\n",
        up, h->sweeps, h->sweep_failures, h->failures_in_row, h->polls, h->last_sweep_seconds,
        h->last_poll_seconds, h->last_lft_ok, h->lft_failures, h->last_sweep_at, h->nodes, h->links,
        h->down_links, h->congested_dlinks, h->erroring_dlinks, h->last_event_id);
}

void fabd_api_metrics(fabd_api *api, const fabd_req *req, fabd_reply *rep)
{
    (void)req;
    FILE *f = fabd_reply_stream(rep, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8");
    if (!f)
        return;
    fabd_health h;
    fabd_core_health(api->core, &h);
    write_health(f, &h, fabd_api_serving(api, &h));
    fabd_snapshot *s = fabd_core_snapshot(api->core);
    if (s) {
        write_ports(f, s);
        write_links(f, s);
    }
    fabd_snapshot_release(s);
}

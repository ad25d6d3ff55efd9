/* The probes in the ring planner's congestion weights: a pair of fabric
 * hosts whose measured bandwidth is below the median of its matrix lowers
 * the available capacity of every directed link its traffic crosses (both
 * ways) to at most avail * bw / median, so the planner pays more for those
 * links. Port counters see where traffic waited; probes also see what no
 * counter shows (a cable that trains at a lower rate, a lossy optic). */
#include <math.h>
#include <stdlib.h>

#include "probe_int.h"

/* Keeps a link usable: 0 would mean down (the planner's own floor). */
#define PROBE_AVAIL_FLOOR 0.05

/* Where host traffic leaves and arrives: its first HCA's first cabled
 * port and that port's LID. false when the host is not in the fabric. */
static bool endpoint(const ftopo_fabric *f, const ftopo_routes *routes, const char *name,
                     ftopo_node_id *ca, int *port, ftopo_lid *lid)
{
    ftopo_host_id h;
    ftopo_node_info ni;
    if (ftopo_find_host(f, name, &h) != FTOPO_OK || ftopo_host_hca(f, h, 0, ca) != FTOPO_OK ||
        ftopo_node_get(f, *ca, &ni) != FTOPO_OK)
        return false;
    for (int p = 1; p <= ni.num_ports; p++) {
        ftopo_port_info pi;
        if (ftopo_port_get(f, *ca, p, &pi) == FTOPO_OK && pi.peer_node != FTOPO_NONE) {
            *port = p;
            *lid = ftopo_routes_port_lid(routes, *ca, p);
            return *lid != 0;
        }
    }
    return false;
}

static void lower_path(const ftopo_routes *routes, ftopo_node_id ca, int port, ftopo_lid dlid,
                       double factor, double *avail, size_t num_dlinks)
{
    ftopo_dlink_id path[FTOPO_MAX_PATH_HOPS];
    size_t len = 0;
    if (ftopo_routes_path(routes, ca, port, dlid, path, FTOPO_MAX_PATH_HOPS, &len) != FTOPO_PATH_OK)
        return;
    for (size_t i = 0; i < len && i < FTOPO_MAX_PATH_HOPS; i++)
        if (path[i] >= 0 && (size_t)path[i] < num_dlinks)
            avail[path[i]] = fmax(PROBE_AVAIL_FLOOR, fmin(avail[path[i]], avail[path[i]] * factor));
}

static void penalize_kind(fabd_probes *p, uint32_t kind, const ftopo_fabric *f,
                          const ftopo_routes *routes, double *avail, size_t num_dlinks)
{
    fabd_probe_matrix m;
    ftopo_diag d = {0};
    if (fabd_probes_matrix(p, kind, NULL, 0, &m, &d) != FTOPO_OK) {
        fabd__log(p->core, FTOPO_LOG_WARN, "probes left out of the plan: %s", d.message);
        return;
    }
    ftopo_node_id *ca = malloc((m.n + 1) * sizeof(*ca));
    int *port = malloc((m.n + 1) * sizeof(*port));
    ftopo_lid *lid = malloc((m.n + 1) * sizeof(*lid));
    bool *in = malloc((m.n + 1) * sizeof(*in));
    for (size_t i = 0; ca && port && lid && in && i < m.n; i++)
        in[i] = endpoint(f, routes, m.names[i], &ca[i], &port[i], &lid[i]);
    for (size_t a = 0; ca && port && lid && in && m.median > 0 && a < m.n; a++)
        for (size_t b = a + 1; b < m.n; b++) {
            double v = m.bw[a * m.n + b];
            if (!in[a] || !in[b] || isnan(v) || v >= m.median)
                continue;
            lower_path(routes, ca[a], port[a], lid[b], v / m.median, avail, num_dlinks);
            lower_path(routes, ca[b], port[b], lid[a], v / m.median, avail, num_dlinks);
        }
    if (!ca || !port || !lid || !in)
        fabd__log(p->core, FTOPO_LOG_ERROR, "probes left out of the plan: out of memory");
    free(ca);
    free(port);
    free(lid);
    free(in);
    fabd_probe_matrix_free(&m);
}

void fabd_probes_penalize(fabd_probes *p, const ftopo_fabric *fabric, const ftopo_routes *routes,
                          double *avail, size_t num_dlinks)
{
    if (!routes)
        return;
    penalize_kind(p, FPROBE_TCP_BW, fabric, routes, avail, num_dlinks);
    penalize_kind(p, FPROBE_IB_BW, fabric, routes, avail, num_dlinks);
}

void fabd_probes_adjust_avail(void *user, const fabd_snapshot *snap, double *avail)
{
    fabd_probes_penalize(user, snap->fabric, snap->routes, avail, snap->num_dlinks);
}

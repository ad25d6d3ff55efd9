/* The probes in the ring planner's congestion weights: a pair of fabric
 * hosts whose measured bandwidth is below the fabric's median lowers the
 * available capacity of the directed links its traffic crosses (both
 * ways) to avail * bw / median, so the planner pays more for those links;
 * links that a pair at or above the median crosses too are left alone
 * (they carried full speed: the bottleneck is elsewhere). Port counters
 * see where traffic waited; probes also see what no counter shows (a cable
 * that trains at a lower rate, a lossy optic). The median is that of the
 * pairs that are not slow (ring.h's split): one slow link shared by most
 * pairs would otherwise be the median itself and go unnoticed. */
#include <math.h>
#include <stdlib.h>

#include "probe_int.h"
#include "ring.h"

/* Keeps a link usable: 0 would mean down (the planner's own floor). */
#define PROBE_AVAIL_FLOOR 0.05

/* The first cabled port of a CA and its LID; false when none (or not a
 * CA). */
static bool ca_port(const ftopo_fabric *f, const ftopo_routes *routes, ftopo_node_id ca, int *port,
                    ftopo_lid *lid)
{
    ftopo_node_info ni;
    if (ftopo_node_get(f, ca, &ni) != FTOPO_OK || ni.type != FTOPO_NODE_CA)
        return false;
    for (int p = 1; p <= ni.num_ports; p++) {
        ftopo_port_info pi;
        if (ftopo_port_get(f, ca, p, &pi) == FTOPO_OK && pi.peer_node != FTOPO_NONE) {
            *port = p;
            *lid = ftopo_routes_port_lid(routes, ca, p);
            return *lid != 0;
        }
    }
    return false;
}

/* Where a probe host's traffic leaves and arrives: the fabric host of
 * that name (its first HCA), else the CA whose node GUID the host's
 * inventory gives (host names need not be the fabric's node
 * descriptions). false when the host is not in the fabric. */
static bool endpoint(fabd_probes *p, const ftopo_fabric *f, const ftopo_routes *routes,
                     const char *name, ftopo_node_id *ca, int *port, ftopo_lid *lid)
{
    ftopo_host_id h;
    if (ftopo_find_host(f, name, &h) == FTOPO_OK && ftopo_host_hca(f, h, 0, ca) == FTOPO_OK)
        return ca_port(f, routes, *ca, port, lid);
    uint64_t guid = fabd__phost_guid(p, name);
    *ca = guid ? fabd__node_by_guid(f, guid) : FTOPO_NONE;
    return *ca != FTOPO_NONE && ca_port(f, routes, *ca, port, lid);
}

/* For every directed link of the routes a -> b and b -> a: the lowest
 * factor of a slow pair that crosses it (factor 1: a pair as fast as the
 * reference crossed it, no bottleneck there, for good). */
static void each_link(const ftopo_routes *routes, const ftopo_node_id *ca, const int *port,
                      const ftopo_lid *lid, size_t a, size_t b, double factor, double *worst,
                      size_t num_dlinks)
{
    for (int dir = 0; dir < 2; dir++) {
        size_t from = dir ? b : a, to = dir ? a : b, len = 0;
        ftopo_dlink_id path[FTOPO_MAX_PATH_HOPS];
        if (ftopo_routes_path(routes, ca[from], port[from], lid[to], path, FTOPO_MAX_PATH_HOPS,
                              &len) != FTOPO_PATH_OK)
            continue;
        for (size_t i = 0; i < len && i < FTOPO_MAX_PATH_HOPS; i++) {
            size_t d = (size_t)path[i];
            if (path[i] < 0 || d >= num_dlinks)
                continue;
            if (factor >= 1)
                worst[d] = INFINITY;
            else if (!isinf(worst[d]))
                worst[d] = fmin(worst[d], factor);
        }
    }
}

/* The median of the pairs at or above the slow split (all pairs when
 * there is none); 0 when nothing was measured or out of memory. */
static double reference(fabd_probes *p, const fabd_probe_matrix *m)
{
    double *fast = malloc((m->n * m->n + 1) * sizeof(*fast));
    size_t k = 0;
    for (size_t i = 0; fast && i < m->n * m->n; i++)
        if (!isnan(m->bw[i]) && m->bw[i] >= m->slow_below)
            fast[k++] = m->bw[i]; /* both halves: the median is the same */
    double ref = k > 0 ? fprobe_median(fast, k) : 0;
    if (!fast)
        fabd__log(p->core, FTOPO_LOG_ERROR, "probes left out of the plan: out of memory");
    free(fast);
    return ref;
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
    double *worst = malloc((num_dlinks + 1) * sizeof(*worst));
    bool ok = ca && port && lid && in && worst;
    for (size_t i = 0; ok && i < num_dlinks; i++)
        worst[i] = 1.0;
    double ref = reference(p, &m);
    for (size_t i = 0; ok && i < m.n; i++)
        in[i] = endpoint(p, f, routes, m.names[i], &ca[i], &port[i], &lid[i]);
    /* The fast pairs first: the links they cross are not the bottleneck. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t a = 0; ok && ref > 0 && a < m.n; a++)
            for (size_t b = a + 1; b < m.n; b++) {
                double v = m.bw[a * m.n + b];
                if (in[a] && in[b] && !isnan(v) && (v >= ref) == (pass == 0))
                    each_link(routes, ca, port, lid, a, b, pass == 0 ? 1 : v / ref, worst,
                              num_dlinks);
            }
    for (size_t i = 0; ok && i < num_dlinks; i++)
        if (isfinite(worst[i]) && worst[i] < 1)
            avail[i] = fmax(PROBE_AVAIL_FLOOR, avail[i] * worst[i]);
    if (!ok)
        fabd__log(p->core, FTOPO_LOG_ERROR, "probes left out of the plan: out of memory");
    free(ca);
    free(port);
    free(lid);
    free(in);
    free(worst);
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

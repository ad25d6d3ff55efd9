/* The job's endpoints: the checks every plan runs on them (known hosts,
 * HCAs of those hosts, nothing listed twice, no host both whole and by
 * one of its HCAs), shared with the endpoint file reader. */
#include <stdarg.h>
#include <stdlib.h>

#include "plan_int.h"

static ftopo_status why(ftopo_status st, char *what, size_t what_len, const char *fmt, ...)
    FTOPO__PRINTF(4, 5);
static ftopo_status why(ftopo_status st, char *what, size_t what_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, what_len, fmt, ap);
    va_end(ap);
    return st;
}

enum { LISTED_WHOLE = 1, LISTED_BY_HCA = 2 };

/* Endpoint i against what the earlier ones listed (listed: per host, the
 * flags above; hca_seen: per node). */
static ftopo_status check_one(const ftopo_fabric *f, ftopo_host_id h, ftopo_node_id ca,
                              uint8_t *listed, uint8_t *hca_seen, char *what, size_t what_len)
{
    if (h < 0 || (size_t)h >= f->num_hosts)
        return why(FTOPO_ERR_ARG, what, what_len, "host id %d is not in the fabric (%zu hosts)", h,
                   f->num_hosts);
    const char *name = f->hosts[h].name;
    if (ca == FTOPO_NONE) {
        if (listed[h] & LISTED_WHOLE)
            return why(FTOPO_ERR_DUPLICATE, what, what_len, "host %s is listed twice", name);
        if (listed[h] & LISTED_BY_HCA)
            return why(FTOPO_ERR_DUPLICATE, what, what_len,
                       "host %s is listed whole and by one of its HCAs", name);
        listed[h] |= LISTED_WHOLE;
        return FTOPO_OK;
    }
    if (ca < 0 || (size_t)ca >= f->num_nodes || f->nodes[ca].type != FTOPO_NODE_CA)
        return why(FTOPO_ERR_ARG, what, what_len, "node id %d is not an HCA (host %s)", ca, name);
    if (f->nodes[ca].host != h)
        return why(FTOPO_ERR_ARG, what, what_len, "HCA '%s' is not on host %s", f->nodes[ca].desc,
                   name);
    if (hca_seen[ca])
        return why(FTOPO_ERR_DUPLICATE, what, what_len, "HCA '%s' is listed twice",
                   f->nodes[ca].desc);
    if (listed[h] & LISTED_WHOLE)
        return why(FTOPO_ERR_DUPLICATE, what, what_len,
                   "host %s is listed whole and by its HCA '%s'", name, f->nodes[ca].desc);
    hca_seen[ca] = 1;
    listed[h] |= LISTED_BY_HCA;
    return FTOPO_OK;
}

ftopo_status ftopo__plan_check_endpoints(const ftopo_fabric *f, const ftopo_host_id *hosts,
                                         const ftopo_node_id *cas, size_t n, size_t *bad,
                                         char *what, size_t what_len)
{
    uint8_t *listed = calloc(f->num_hosts ? f->num_hosts : 1, 1);
    uint8_t *hca_seen = calloc(f->num_nodes ? f->num_nodes : 1, 1);
    ftopo_status st =
        listed && hca_seen ? FTOPO_OK : why(FTOPO_ERR_NOMEM, what, what_len, "out of memory");
    for (size_t i = 0; i < n && st == FTOPO_OK; i++) {
        st = check_one(f, hosts[i], cas ? cas[i] : FTOPO_NONE, listed, hca_seen, what, what_len);
        *bad = i;
    }
    free(listed);
    free(hca_seen);
    return st;
}

/* Differences between two fabrics by node GUID and port number: what the
 * sweeper turns into events and what the master diff reports. */
#include <stdlib.h>
#include <string.h>

#include "core_int.h"

ftopo_node_id fabd__node_by_guid(const ftopo_fabric *fabric, uint64_t guid)
{
    ftopo_node_id n;
    ftopo_node_info ni;
    /* ftopo_find_by_guid also takes port GUIDs: keep node GUIDs only. */
    if (ftopo_find_by_guid(fabric, guid, &n) != FTOPO_OK ||
        ftopo_node_get(fabric, n, &ni) != FTOPO_OK || ni.node_guid != guid)
        return FTOPO_NONE;
    return n;
}

bool fabd__has_link(const ftopo_fabric *fabric, uint64_t guid, int port, uint64_t peer_guid,
                    int peer_port, ftopo_link_id *link)
{
    *link = FTOPO_NONE;
    ftopo_node_id n = fabd__node_by_guid(fabric, guid);
    ftopo_port_info pi;
    ftopo_node_info peer;
    if (n == FTOPO_NONE || ftopo_port_get(fabric, n, port, &pi) != FTOPO_OK ||
        pi.link == FTOPO_NONE || pi.peer_port != peer_port ||
        ftopo_node_get(fabric, pi.peer_node, &peer) != FTOPO_OK || peer.node_guid != peer_guid)
        return false;
    *link = pi.link;
    return true;
}

typedef struct builder {
    fabd_diff *out;
    size_t cap_nodes, cap_links;
    bool nomem;
} builder;

static void add_node(builder *b, fabd_diff_kind kind, const ftopo_node_info *ni)
{
    fabd_diff *d = b->out;
    if (d->num_nodes == b->cap_nodes) {
        size_t cap = b->cap_nodes ? 2 * b->cap_nodes : 16;
        fabd_diff_node *p = realloc(d->nodes, cap * sizeof(*p));
        if (!p) {
            b->nomem = true;
            return;
        }
        d->nodes = p;
        b->cap_nodes = cap;
    }
    fabd_diff_node *n = &d->nodes[d->num_nodes++];
    n->kind = kind;
    n->guid = ni->node_guid;
    n->type = ni->type;
    fabd__copy_desc(n->desc, sizeof(n->desc), ni->desc);
}

static fabd_diff_link *add_link(builder *b, fabd_diff_kind kind, const ftopo_fabric *f,
                                const ftopo_link_info *li)
{
    fabd_diff *d = b->out;
    if (d->num_links == b->cap_links) {
        size_t cap = b->cap_links ? 2 * b->cap_links : 16;
        fabd_diff_link *p = realloc(d->links, cap * sizeof(*p));
        if (!p) {
            b->nomem = true;
            return NULL;
        }
        d->links = p;
        b->cap_links = cap;
    }
    ftopo_node_info na, nb;
    ftopo_node_get(f, li->node_a, &na);
    ftopo_node_get(f, li->node_b, &nb);
    fabd_diff_link *l = &d->links[d->num_links++];
    memset(l, 0, sizeof(*l));
    l->kind = kind;
    l->guid_a = na.node_guid;
    l->guid_b = nb.node_guid;
    l->port_a = li->port_a;
    l->port_b = li->port_b;
    fabd__copy_desc(l->desc_a, sizeof(l->desc_a), na.desc);
    fabd__copy_desc(l->desc_b, sizeof(l->desc_b), nb.desc);
    return l;
}

/* Nodes of `from` that `to` lacks. */
static void missing_nodes(builder *b, fabd_diff_kind kind, const ftopo_fabric *from,
                          const ftopo_fabric *to)
{
    for (size_t i = 0; i < ftopo_num_nodes(from); i++) {
        ftopo_node_info ni;
        if (ftopo_node_get(from, (ftopo_node_id)i, &ni) == FTOPO_OK &&
            fabd__node_by_guid(to, ni.node_guid) == FTOPO_NONE)
            add_node(b, kind, &ni);
    }
}

/* Links of `from` that `to` lacks; with `compare`, also the ones whose
 * width or speed differ (from = reference). */
static void missing_links(builder *b, fabd_diff_kind kind, const ftopo_fabric *from,
                          const ftopo_fabric *to, bool compare)
{
    for (size_t i = 0; i < ftopo_num_links(from); i++) {
        ftopo_link_info li, lo;
        ftopo_node_info na, nb;
        ftopo_link_id other;
        if (ftopo_link_get(from, (ftopo_link_id)i, &li) != FTOPO_OK)
            continue;
        ftopo_node_get(from, li.node_a, &na);
        ftopo_node_get(from, li.node_b, &nb);
        if (!fabd__has_link(to, na.node_guid, li.port_a, nb.node_guid, li.port_b, &other)) {
            fabd_diff_link *l = add_link(b, kind, from, &li);
            if (l && kind == FABD_DIFF_MISSING) {
                l->ref_width = li.width;
                l->ref_speed = li.speed;
            } else if (l) {
                l->width = li.width;
                l->speed = li.speed;
            }
            continue;
        }
        if (!compare || ftopo_link_get(to, other, &lo) != FTOPO_OK ||
            (lo.width == li.width && lo.speed == li.speed))
            continue;
        /* Rate decides; equal rates with other lanes/speeds count as
         * degraded when either part is lower. */
        bool worse =
            lo.rate_gbps < li.rate_gbps ||
            (lo.rate_gbps == li.rate_gbps &&
             (ftopo_width_lanes(lo.width) < ftopo_width_lanes(li.width) || lo.speed < li.speed));
        fabd_diff_link *l = add_link(b, worse ? FABD_DIFF_DEGRADED : FABD_DIFF_UPGRADED, from, &li);
        if (l) {
            l->ref_width = li.width;
            l->ref_speed = li.speed;
            l->width = lo.width;
            l->speed = lo.speed;
        }
    }
}

ftopo_status fabd_fabric_diff(const ftopo_fabric *ref, const ftopo_fabric *other, fabd_diff *out,
                              ftopo_diag *diag)
{
    if (!ref || !other || !out)
        return fabd__fail(diag, FTOPO_ERR_ARG, "diff: missing fabric");
    memset(out, 0, sizeof(*out));
    builder b = {.out = out};
    missing_nodes(&b, FABD_DIFF_MISSING, ref, other);
    missing_nodes(&b, FABD_DIFF_EXTRA, other, ref);
    missing_links(&b, FABD_DIFF_MISSING, ref, other, true);
    missing_links(&b, FABD_DIFF_EXTRA, other, ref, false);
    if (b.nomem) {
        fabd_diff_free(out);
        return fabd__fail(diag, FTOPO_ERR_NOMEM, "diff: out of memory");
    }
    return FTOPO_OK;
}

void fabd_diff_free(fabd_diff *diff)
{
    if (!diff)
        return;
    free(diff->nodes);
    free(diff->links);
    memset(diff, 0, sizeof(*diff));
}

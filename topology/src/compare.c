/* Comparing two fabrics by GUID: what a test or an admin checks after a
 * discovery or a format round-trip. Every difference is logged; the first
 * one is also the diag message. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

typedef struct diff_ctx {
    ftopo_diag *diag;
    size_t count;
} diff_ctx;

static void differ(diff_ctx *ctx, const char *fmt, ...) FTOPO__PRINTF(2, 3);

static void differ(diff_ctx *ctx, const char *fmt, ...)
{
    char line[FTOPO_DIAG_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (ctx->count++ == 0 && ctx->diag)
        snprintf(ctx->diag->message, sizeof(ctx->diag->message), "%s", line);
    ftopo__log(ctx->diag, FTOPO_LOG_INFO, "%s", line);
}

#define GUID(f, n) ((unsigned long long)(f)->nodes[n].guid)

static void compare_ports(diff_ctx *ctx, const ftopo_fabric *a, ftopo_node_id na,
                          const ftopo_fabric *b, ftopo_node_id nb, const char *name_a,
                          const char *name_b)
{
    int ports = a->nodes[na].num_ports < b->nodes[nb].num_ports ? a->nodes[na].num_ports
                                                                : b->nodes[nb].num_ports;
    for (int p = 1; p <= ports; p++) {
        const ftopo__port *pa = ftopo__port_at(a, na, p), *pb = ftopo__port_at(b, nb, p);
        if (pa->peer_node == FTOPO_NONE && pb->peer_node == FTOPO_NONE)
            continue;
        if (pa->peer_node == FTOPO_NONE || pb->peer_node == FTOPO_NONE ||
            GUID(a, pa->peer_node) != GUID(b, pb->peer_node) || pa->peer_port != pb->peer_port) {
            const char *what[2] = {name_a, name_b};
            const ftopo__port *ends[2] = {pa, pb};
            const ftopo_fabric *fabs[2] = {a, b};
            char text[2][64];
            for (int i = 0; i < 2; i++) {
                if (ends[i]->peer_node == FTOPO_NONE)
                    snprintf(text[i], sizeof(text[i]), "not cabled in %s", what[i]);
                else
                    snprintf(text[i], sizeof(text[i]), "0x%016llx port %d in %s",
                             GUID(fabs[i], ends[i]->peer_node), ends[i]->peer_port, what[i]);
            }
            differ(ctx, "node 0x%016llx port %d: linked to %s, %s", GUID(a, na), p, text[0],
                   text[1]);
            continue;
        }
        if (pa->width != pb->width)
            differ(ctx, "node 0x%016llx port %d: width %s in %s, %s in %s", GUID(a, na), p,
                   ftopo_width_str(pa->width), name_a, ftopo_width_str(pb->width), name_b);
        if (pa->speed != pb->speed)
            differ(ctx, "node 0x%016llx port %d: speed %s in %s, %s in %s", GUID(a, na), p,
                   ftopo_speed_str(pa->speed), name_a, ftopo_speed_str(pb->speed), name_b);
    }
}

static const char *type_str(ftopo_node_type t)
{
    return t == FTOPO_NODE_SWITCH ? "switch" : t == FTOPO_NODE_CA ? "CA" : "router";
}

ftopo_status ftopo_fabric_compare(const ftopo_fabric *a, const ftopo_fabric *b, ftopo_diag *diag)
{
    if (!a || !b)
        return FTOPO_ERR_ARG;
    diff_ctx ctx = {diag, 0};
    for (size_t i = 0; i < a->num_nodes; i++) {
        ftopo_node_id na = (ftopo_node_id)i;
        int64_t nb = ftopo__idmap_find(&b->by_node_guid, a->nodes[i].guid);
        const ftopo__node *x = &a->nodes[i];
        if (nb < 0) {
            differ(&ctx, "node 0x%016llx (%s \"%s\") is missing from the second fabric",
                   GUID(a, na), type_str(x->type), x->desc);
            continue;
        }
        const ftopo__node *y = &b->nodes[nb];
        if (x->type != y->type)
            differ(&ctx, "node 0x%016llx: type %s, then %s", GUID(a, na), type_str(x->type),
                   type_str(y->type));
        if (strcmp(x->desc, y->desc) != 0)
            differ(&ctx, "node 0x%016llx: description \"%s\", then \"%s\"", GUID(a, na), x->desc,
                   y->desc);
        if (x->num_ports != y->num_ports)
            differ(&ctx, "node 0x%016llx: %d ports, then %d", GUID(a, na), x->num_ports,
                   y->num_ports);
        compare_ports(&ctx, a, na, b, (ftopo_node_id)nb, "the first", "the second");
    }
    /* Nodes only in b; their links were reported from a's side when the
     * other end exists in a. */
    for (size_t i = 0; i < b->num_nodes; i++) {
        if (ftopo__idmap_find(&a->by_node_guid, b->nodes[i].guid) >= 0)
            continue;
        differ(&ctx, "node 0x%016llx (%s \"%s\") is missing from the first fabric",
               GUID(b, (ftopo_node_id)i), type_str(b->nodes[i].type), b->nodes[i].desc);
    }
    if (ctx.count == 0)
        return FTOPO_OK;
    ftopo__log(diag, FTOPO_LOG_INFO, "%zu differences", ctx.count);
    return FTOPO_ERR_CONFLICT;
}

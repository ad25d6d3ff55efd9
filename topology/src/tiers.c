/* Switch tiers: a switch's hop distance from the nearest CA, so that leaves
 * (switches with CAs on them) are tier 1, spines 2, cores 3. One
 * breadth-first search started from every CA at once, over the port table:
 * linear in ports, which matters at 100k endpoints. */
#include <stdlib.h>

#include "model.h"

ftopo_status ftopo__derive_tiers(ftopo_fabric *f, ftopo_diag *diag)
{
    (void)diag;
    ftopo_node_id *queue = malloc((f->num_nodes + 1) * sizeof(*queue));
    if (!queue)
        return FTOPO_ERR_NOMEM;
    size_t head = 0, tail = 0;
    for (size_t n = 0; n < f->num_nodes; n++) {
        ftopo__node *node = &f->nodes[n];
        node->tier = node->type == FTOPO_NODE_CA ? 0 : -1;
        if (node->type == FTOPO_NODE_CA)
            queue[tail++] = (ftopo_node_id)n;
    }
    while (head < tail) {
        ftopo_node_id n = queue[head++];
        const ftopo__node *node = &f->nodes[n];
        for (int p = 1; p <= node->num_ports; p++) {
            ftopo_node_id peer = ftopo__port_at(f, n, p)->peer_node;
            /* Distances run through switches only: a CA is a dead end. */
            if (peer == FTOPO_NONE || f->nodes[peer].tier >= 0 ||
                f->nodes[peer].type != FTOPO_NODE_SWITCH)
                continue;
            f->nodes[peer].tier = node->tier + 1;
            queue[tail++] = peer;
        }
    }
    free(queue);
    return FTOPO_OK;
}

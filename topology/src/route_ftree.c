/* ftree: fat-tree routing, destination-mod-k style.
 *
 * It is up/down (route_updn.c: the top tier as roots) with two choices
 * that make a full fat tree come out as D-mod-k: destinations are routed in
 * host order, one leaf after another, and each switch picks, among its
 * valid ports, the one carrying the fewest flows so far, counting for each
 * destination the endpoints whose traffic really reaches the switch. A
 * leaf then sends its i-th destination up to its (i mod k)-th spine, and a
 * spine spreads only the destinations its leaves send it over its cores,
 * so every shift permutation over the host order crosses each link at
 * most once. Degraded trees keep the same rule over the links that remain;
 * other shapes route as balanced up/down from the centre. */
#include "route_core.h"

ftopo_status ftopo__route_ftree(ftopo_routes *routes, const ftopo_route_engine_opts *opts,
                                ftopo_route_result *result, ftopo_diag *diag)
{
    ftopo_summary sum;
    if (ftopo_fabric_summary(routes->fabric, &sum) == FTOPO_OK &&
        sum.shape != FTOPO_SHAPE_FAT_TREE_2 && sum.shape != FTOPO_SHAPE_FAT_TREE_3 &&
        sum.shape != FTOPO_SHAPE_RAIL_OPTIMIZED && sum.shape != FTOPO_SHAPE_SINGLE_SWITCH)
        ftopo__log(diag, FTOPO_LOG_INFO, "ftree: fabric is %s, not a fat tree: balanced up/down",
                   ftopo_shape_str(sum.shape));
    return ftopo__route_updown(routes, opts, FTOPO__ORDER_HOST, true, result, diag);
}

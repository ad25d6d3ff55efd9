/* fabtopo trace: the path from a source to a destination through the LFTs,
 * hop by hop, in ibtracert's layout. */
#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#include "cli_routes.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: fabtopo trace FABRIC --lfts FILE [-l MODE] [-f FORMAT] [-v] SRC DST\n"
                 "\n"
                 "Follows the LFTs from SRC to DST and prints every hop as ibtracert does.\n"
                 "SRC and DST are node or port GUIDs (0x...), LIDs, host names (their HCA on\n"
                 "rail 0) or node descriptions. Loops and black holes end the trace with\n"
                 "the reason.\n"
                 "\n"
                 "  -L, --lfts FILE     OpenSM LFT dump\n"
                 "  -l, --lids MODE     auto, fabric, assign (default auto)\n"
                 "  -f, --format F      FABRIC's format (default: guess)\n"
                 "  -v, --verbose       print progress and warnings\n"
                 "  -h, --help          this text\n"
                 "\n"
                 "Exit status: 0 delivered, 3 not delivered (loop, black hole, ...),\n"
                 "1 failure, 2 usage error.\n");
}

static const char *kind(ftopo_node_type t)
{
    return t == FTOPO_NODE_SWITCH ? "switch" : t == FTOPO_NODE_ROUTER ? "router" : "ca";
}

static void print_lid(const ftopo_routes *r, ftopo_node_id n, int port)
{
    ftopo_node_info ni;
    ftopo_node_get(ftopo_routes_fabric(r), n, &ni);
    ftopo_lid lid = ftopo_routes_port_lid(r, n, ni.type == FTOPO_NODE_SWITCH ? 0 : port);
    uint8_t lmc = ftopo_routes_lid_lmc(r, lid);
    printf("lid %u-%u \"%s\"", lid, lid ? lid + (1u << lmc) - 1 : 0, ni.desc);
}

/* ibtracert names the ends by node GUID, the hops by the GUID of the port
 * entered (a switch's is its node GUID). */
static uint64_t port_guid(const ftopo_fabric *f, ftopo_node_id n, int port)
{
    ftopo_node_info ni;
    ftopo_port_info pi;
    ftopo_node_get(f, n, &ni);
    if (ni.type != FTOPO_NODE_SWITCH && ftopo_port_get(f, n, port, &pi) == FTOPO_OK && pi.port_guid)
        return pi.port_guid;
    return ni.node_guid;
}

static void print_end(const ftopo_routes *r, const char *what, ftopo_node_id n, int port)
{
    ftopo_node_info ni;
    ftopo_node_get(ftopo_routes_fabric(r), n, &ni);
    printf("%s %s {0x%016" PRIx64 "} portnum %d ", what, kind(ni.type), ni.node_guid, port);
    print_lid(r, n, port);
    printf("\n");
}

static void print_trace(const ftopo_routes *r, const ftopo_trace *t, int src_port,
                        ftopo_node_id dst, int dst_port)
{
    const ftopo_fabric *f = ftopo_routes_fabric(r);
    print_end(r, "From", t->hops[0].node, src_port);
    for (size_t i = 1; i < t->num_hops; i++) {
        const ftopo_hop *h = &t->hops[i];
        ftopo_node_info ni;
        ftopo_node_get(f, h->node, &ni);
        printf("[%d] -> %s port {0x%016" PRIx64 "}[%d] ", t->hops[i - 1].out_port, kind(ni.type),
               port_guid(f, h->node, h->in_port), h->in_port);
        print_lid(r, h->node, h->in_port);
        printf("\n");
    }
    if (t->result == FTOPO_PATH_OK) {
        print_end(r, "To", dst, dst_port);
    } else {
        const ftopo_hop *last = &t->hops[t->num_hops - 1];
        ftopo_node_info ni;
        ftopo_node_get(f, last->node, &ni);
        printf("Not delivered: %s at \"%s\"", ftopo_path_result_str(t->result), ni.desc);
        if (last->out_port)
            printf(" port %d", last->out_port);
        printf("\n");
    }
}

int fabtopo_cmd_trace(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"lfts", required_argument, NULL, 'L'},   {"lids", required_argument, NULL, 'l'},
        {"format", required_argument, NULL, 'f'}, {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *lfts_path = NULL;
    ftopo_format format = FTOPO_FORMAT_AUTO;
    ftopo_routes_opts ropts = {FTOPO_LIDS_AUTO, 0};
    bool verbose = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "L:l:f:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'L':
            lfts_path = optarg;
            break;
        case 'l':
            if (!cli_parse_lid_mode("trace", optarg, &ropts.lid_mode))
                return CLI_EXIT_USAGE;
            break;
        default: {
            int rc = cli_common_opt("trace", c, &format, &verbose, usage);
            if (rc != CLI_CONTINUE)
                return rc;
            break;
        }
        }
    }
    if (optind != argc - 3 || !lfts_path) {
        fprintf(stderr, "fabtopo trace: need FABRIC, --lfts, SRC and DST\n");
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    ftopo_diag diag;
    cli_diag_init(&diag, verbose);
    ftopo_fabric *fabric;
    ftopo_routes *routes;
    if (cli_load_routes("trace", argv[optind], format, &ropts, lfts_path, &fabric, &routes,
                        &diag) != CLI_EXIT_OK)
        return CLI_EXIT_FAIL;
    ftopo_node_id src, dst;
    int src_port, dst_port;
    ftopo_trace t = {0};
    ftopo_status st = ftopo_routes_resolve(routes, argv[optind + 1], &src, &src_port, &diag);
    if (st == FTOPO_OK)
        st = ftopo_routes_resolve(routes, argv[optind + 2], &dst, &dst_port, &diag);
    if (st == FTOPO_OK)
        st = ftopo_trace_route(routes, src, src_port, ftopo_routes_port_lid(routes, dst, dst_port),
                               &t, &diag);
    int rc = CLI_EXIT_OK;
    if (st != FTOPO_OK) {
        rc = cli_fail("trace", st, &diag);
    } else {
        print_trace(routes, &t, src_port, dst, dst_port);
        if (t.result != FTOPO_PATH_OK)
            rc = 3;
    }
    ftopo_trace_free(&t);
    ftopo_routes_destroy(routes);
    ftopo_fabric_destroy(fabric);
    return rc;
}

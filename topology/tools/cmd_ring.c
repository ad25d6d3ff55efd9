/* fabtopo ring: plan the all-reduce rings (and trees) of a job's hosts
 * under the fabric's routes and congestion.
 *
 * Output choice: without --json, stdout is only the ring order of channel
 * 0 as a hostfile (one host a line), so `fabtopo ring ... > hosts` feeds
 * mpirun/srun directly, and the report goes to stderr. With --json, stdout
 * is one JSON object holding every channel's order and the report. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_routes.h"
#include "ring_bench.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fabtopo ring FABRIC --lfts FILE --hosts HOSTFILE [-c N] [-C FILE] [-j] [-q]\n"
            "       fabtopo ring FABRIC {--lfts FILE | -e ENGINE} --bench N [--min K] [--max K]\n"
            "                    [-s SEED]\n"
            "                    [-c N] [--ca-order DUMP] [--congest] [-v]\n"
            "\n"
            "Plans the ring order (one per channel) of an all-reduce over the hosts so\n"
            "that the most loaded link carries as few flows per capacity as possible\n"
            "under the LFTs' real paths, avoiding congested links where a lower bound\n"
            "allows, and a double binary tree for small messages. stdout: channel 0's\n"
            "order as a hostfile (mpirun/srun); the report goes to stderr. With --json\n"
            "stdout is one JSON object with every channel's order and the report.\n"
            "A whole host's channel c runs on rail c mod (HCAs of the host); an\n"
            "endpoint naming one HCA runs every channel on that HCA (list a host once\n"
            "per HCA for one rank per HCA; its name then repeats in the hostfile).\n"
            "\n"
            "  -L, --lfts FILE        OpenSM LFT dump (opensm-lfts.dump, fabtopo lfts --live)\n"
            "  -e, --engine NAME      route with a project engine instead (fabtopo route --list)\n"
            "  -H, --hosts FILE       the job's endpoints, one a line ('#' comments): HOST\n"
            "                         (whole host), HOST:RAIL (its HCA on rail RAIL, from\n"
            "                         0), 0xGUID (an HCA's node or port GUID) or\n"
            "                         \"node description\" (an HCA's, quoted); no HCA\n"
            "                         twice, no host both whole and by an HCA\n"
            "  -c, --channels N       rings (default 1, at most 64)\n"
            "  -C, --congestion FILE  available capacity per directed link, text lines\n"
            "                         'NODE PORT AVAIL [both]': NODE 0xGUID or \"description\",\n"
            "                         PORT its egress port, AVAIL in [0,1] (0 = down);\n"
            "                         or JSON {\"links\": [{\"node\": DESC | \"guid\": \"0x..\",\n"
            "                         \"port\": P, \"avail\": A, \"both\": true}, ...]}\n"
            "  -j, --json             JSON on stdout\n"
            "  -q, --quiet            no report on stderr\n"
            "  -l, --lids MODE        auto, fabric, assign (default auto)\n"
            "  -f, --format F         FABRIC's format (default: guess)\n"
            "  -B, --bench N          benchmark: N seeded random placements, planner against\n"
            "                         host-name, CA and random order (key=value summary)\n"
            "      --min K, --max K   placement sizes (default 16 and 512)\n"
            "  -s, --seed S           placements' seed (default 1)\n"
            "      --ca-order DUMP    OpenSM's opensm-ftree-ca-order.dump as an order\n"
            "      --congest          also re-plan with 3-10 used inter-switch links congested\n"
            "  -v, --verbose          progress; with --bench one line per placement\n"
            "  -h, --help             this text\n"
            "\n"
            "Exit status: 0 planned, 1 failure (unknown or repeated host or HCA, no\n"
            "route...), 2 usage error.\n");
}

/* OpenSM's CA order dump: "0xLID<tab>node description" lines; the host is
 * the description's first word; a host's later HCAs are skipped, and so
 * are the "0xFFFF DUMMY" lines that stand for empty leaf ports. */
static ftopo_status read_ca_order(const ftopo_fabric *f, const char *path, ftopo_host_id **out,
                                  size_t *len, ftopo_diag *diag)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        snprintf(diag->message, sizeof(diag->message), "%s: cannot open", path);
        return FTOPO_ERR_IO;
    }
    size_t nh = ftopo_num_hosts(f);
    ftopo_host_id *order = malloc((nh ? nh : 1) * sizeof(*order));
    uint8_t *seen = calloc(nh ? nh : 1, 1);
    ftopo_status st = order && seen ? FTOPO_OK : FTOPO_ERR_NOMEM;
    char line[512], name[256];
    int lineno = 0;
    *len = 0;
    while (st == FTOPO_OK && fgets(line, sizeof(line), in)) {
        lineno++;
        ftopo_host_id h;
        char lid[16];
        if (sscanf(line, "%15s %255s", lid, name) != 2 || strcasecmp(lid, "0xFFFF") == 0)
            continue;
        if (ftopo_find_host(f, name, &h) != FTOPO_OK) {
            snprintf(diag->message, sizeof(diag->message), "%s:%d: unknown host '%s'", path, lineno,
                     name);
            st = FTOPO_ERR_PARSE;
        } else if (!seen[h]++) {
            order[(*len)++] = h;
        }
    }
    fclose(in);
    free(seen);
    if (st != FTOPO_OK) {
        free(order);
        return st;
    }
    *out = order;
    return FTOPO_OK;
}

static int plan_job(const ftopo_routes *routes, const char *hosts_path, const char *cong_path,
                    int channels, bool json, bool quiet, ftopo_diag *diag)
{
    const ftopo_fabric *f = ftopo_routes_fabric(routes);
    ftopo_host_id *hosts = NULL;
    ftopo_node_id *cas = NULL;
    double *avail = NULL;
    size_t n = 0;
    ftopo_status st = ftopo_plan_endpoints_read(f, hosts_path, &hosts, &cas, &n, diag);
    if (st == FTOPO_OK && n == 0) {
        snprintf(diag->message, sizeof(diag->message), "%s: no hosts", hosts_path);
        st = FTOPO_ERR_ARG;
    }
    if (st == FTOPO_OK && cong_path)
        st = ftopo_congestion_read_file(f, cong_path, &avail, diag);
    ftopo_plan plan;
    memset(&plan, 0, sizeof(plan));
    if (st == FTOPO_OK) {
        ftopo_plan_opts po = {
            .hosts = hosts, .num_hosts = n, .channels = channels, .avail = avail, .cas = cas};
        st = ftopo_plan_rings(routes, &po, &plan, diag);
    }
    if (st == FTOPO_OK) {
        if (json) {
            st = ftopo_plan_write(routes, &plan, true, stdout, diag);
        } else {
            for (size_t i = 0; i < n; i++) {
                ftopo_host_info hi;
                ftopo_host_get(f, plan.rings[0].order[i], &hi);
                printf("%s\n", hi.name);
            }
            if (!quiet)
                st = ftopo_plan_write(routes, &plan, false, stderr, diag);
        }
    }
    int rc = st == FTOPO_OK ? CLI_EXIT_OK : cli_fail("ring", st, diag);
    ftopo_plan_free(&plan);
    free(hosts);
    free(cas);
    free(avail);
    return rc;
}

int fabtopo_cmd_ring(int argc, char **argv)
{
    enum { OPT_MIN = 256, OPT_MAX, OPT_CA_ORDER, OPT_CONGEST };
    static const struct option longopts[] = {{"lfts", required_argument, NULL, 'L'},
                                             {"hosts", required_argument, NULL, 'H'},
                                             {"channels", required_argument, NULL, 'c'},
                                             {"congestion", required_argument, NULL, 'C'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"quiet", no_argument, NULL, 'q'},
                                             {"lids", required_argument, NULL, 'l'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"bench", required_argument, NULL, 'B'},
                                             {"min", required_argument, NULL, OPT_MIN},
                                             {"max", required_argument, NULL, OPT_MAX},
                                             {"seed", required_argument, NULL, 's'},
                                             {"ca-order", required_argument, NULL, OPT_CA_ORDER},
                                             {"congest", no_argument, NULL, OPT_CONGEST},
                                             {"verbose", no_argument, NULL, 'v'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *lfts_path = NULL, *engine = NULL, *hosts_path = NULL, *cong_path = NULL,
               *ca_path = NULL;
    ftopo_format format = FTOPO_FORMAT_AUTO;
    ftopo_routes_opts ropts = {FTOPO_LIDS_AUTO, 0};
    ring_bench_opts bo = {.min_hosts = 16, .max_hosts = 512, .seed = 1, .channels = 1};
    bool json = false, quiet = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "L:e:H:c:C:jql:f:B:s:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'L':
            lfts_path = optarg;
            break;
        case 'e':
            engine = optarg;
            break;
        case 'H':
            hosts_path = optarg;
            break;
        case 'c':
            bo.channels = atoi(optarg);
            if (bo.channels < 1 || bo.channels > 64) {
                fprintf(stderr, "fabtopo ring: --channels takes 1 to 64\n");
                return CLI_EXIT_USAGE;
            }
            break;
        case 'C':
            cong_path = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'l':
            if (!cli_parse_lid_mode("ring", optarg, &ropts.lid_mode))
                return CLI_EXIT_USAGE;
            break;
        case 'B':
            bo.placements = strtoull(optarg, NULL, 10);
            break;
        case OPT_MIN:
            bo.min_hosts = strtoull(optarg, NULL, 10);
            break;
        case OPT_MAX:
            bo.max_hosts = strtoull(optarg, NULL, 10);
            break;
        case 's':
            bo.seed = strtoull(optarg, NULL, 0);
            break;
        case OPT_CA_ORDER:
            ca_path = optarg;
            break;
        case OPT_CONGEST:
            bo.congest = true;
            break;
        default: {
            int rc = cli_common_opt("ring", c, &format, &bo.verbose, usage);
            if (rc != CLI_CONTINUE)
                return rc;
            break;
        }
        }
    }
    if (optind != argc - 1 || !lfts_path == !engine || (!hosts_path && !bo.placements)) {
        fprintf(stderr, "fabtopo ring: need one FABRIC, --lfts or --engine, and --hosts (or "
                        "--bench)\n");
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (bo.min_hosts < 2 || bo.max_hosts < bo.min_hosts) {
        fprintf(stderr, "fabtopo ring: need 2 <= --min <= --max\n");
        return CLI_EXIT_USAGE;
    }
    ftopo_diag diag;
    cli_diag_init(&diag, bo.verbose && !bo.placements);
    ftopo_fabric *fabric;
    ftopo_routes *routes;
    if (cli_load_routes("ring", argv[optind], format, &ropts, lfts_path, &fabric, &routes, &diag) !=
        CLI_EXIT_OK)
        return CLI_EXIT_FAIL;
    ftopo_status st = engine ? ftopo_route_compute(routes, engine, NULL, NULL, &diag) : FTOPO_OK;
    if (st != FTOPO_OK) {
        ftopo_routes_destroy(routes);
        ftopo_fabric_destroy(fabric);
        return cli_fail("ring", st, &diag);
    }
    int rc;
    ftopo_host_id *ca = NULL;
    if (!bo.placements) {
        rc = plan_job(routes, hosts_path, cong_path, bo.channels, json, quiet, &diag);
    } else if (ca_path &&
               read_ca_order(fabric, ca_path, &ca, &bo.ca_order_len, &diag) != FTOPO_OK) {
        rc = cli_fail("ring", FTOPO_ERR_PARSE, &diag);
    } else {
        bo.ca_order = ca;
        rc = ring_bench_run(routes, &bo, &diag);
    }
    free(ca);
    ftopo_routes_destroy(routes);
    ftopo_fabric_destroy(fabric);
    return rc;
}

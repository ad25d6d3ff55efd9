/* fabtopo analyze: how a route set carries a traffic pattern: flows per
 * directed link (weighted by rate), path lengths, undelivered flows and
 * credit loops. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli_routes.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: fabtopo analyze FABRIC --lfts FILE [-p PATTERN] [-H HOSTFILE] [-s SEED]\n"
                 "                       [-l MODE] [-j] [-v]\n"
                 "\n"
                 "Routes every flow of a traffic pattern through the LFTs and reports the\n"
                 "flows on every directed link (the largest is the edge forwarding index),\n"
                 "the same weighted by link rate (flows x fastest rate / link rate), path\n"
                 "lengths, flows lost in loops or black holes, and credit loops (a cycle in\n"
                 "the channel dependency graph of all the pattern's paths).\n"
                 "\n"
                 "  -L, --lfts FILE     OpenSM LFT dump (opensm-lfts.dump, dump_lfts.sh, ibroute)\n"
                 "  -p, --pattern P     all2all (default); shift (every k) or shift:K;\n"
                 "                      bisect (16 random matchings) or bisect:ROUNDS;\n"
                 "                      ring:HOSTFILE (hosts in that order, closing the ring)\n"
                 "  -H, --hosts FILE    host order (and subset) for all2all, shift, bisect\n"
                 "  -s, --seed N        seed of the bisection matchings (default 1)\n"
                 "  -l, --lids MODE     auto, fabric, assign (default auto)\n"
                 "  -j, --json          JSON report\n"
                 "  -S, --strict        exit 3 when flows are lost or a credit loop exists\n"
                 "  -f, --format F      FABRIC's format (default: guess)\n"
                 "  -v, --verbose       print progress and warnings\n"
                 "  -h, --help          this text\n"
                 "\n"
                 "Exit status: 0 analyzed (with --strict: and clean), 3 with --strict when\n"
                 "flows are lost or a credit loop exists, 1 failure, 2 usage error.\n");
}

int fabtopo_cmd_analyze(int argc, char **argv)
{
    static const struct option longopts[] = {{"lfts", required_argument, NULL, 'L'},
                                             {"pattern", required_argument, NULL, 'p'},
                                             {"hosts", required_argument, NULL, 'H'},
                                             {"seed", required_argument, NULL, 's'},
                                             {"lids", required_argument, NULL, 'l'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"strict", no_argument, NULL, 'S'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"verbose", no_argument, NULL, 'v'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *lfts_path = NULL, *pattern_text = "all2all", *hosts_path = NULL;
    ftopo_format format = FTOPO_FORMAT_AUTO;
    ftopo_routes_opts ropts = {FTOPO_LIDS_AUTO, 0};
    uint64_t seed = 1;
    bool json = false, verbose = false, strict = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "L:p:H:s:l:jSf:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'L':
            lfts_path = optarg;
            break;
        case 'p':
            pattern_text = optarg;
            break;
        case 'H':
            hosts_path = optarg;
            break;
        case 's':
            seed = strtoull(optarg, NULL, 0);
            break;
        case 'l':
            if (!cli_parse_lid_mode("analyze", optarg, &ropts.lid_mode))
                return CLI_EXIT_USAGE;
            break;
        case 'j':
            json = true;
            break;
        case 'S':
            strict = true;
            break;
        default: {
            int rc = cli_common_opt("analyze", c, &format, &verbose, usage);
            if (rc != CLI_CONTINUE)
                return rc;
            break;
        }
        }
    }
    if (optind != argc - 1 || !lfts_path) {
        fprintf(stderr, "fabtopo analyze: need one FABRIC and --lfts\n");
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    ftopo_diag diag;
    cli_diag_init(&diag, verbose);
    ftopo_pattern pattern = {.seed = seed};
    bool ring = strncmp(pattern_text, "ring:", 5) == 0;
    if (ring) {
        pattern.kind = FTOPO_PATTERN_RING;
        hosts_path = pattern_text + 5;
    } else if (ftopo_pattern_parse(pattern_text, &pattern, &diag) != FTOPO_OK) {
        fprintf(stderr, "fabtopo analyze: %s\n", diag.message);
        return CLI_EXIT_USAGE;
    }

    ftopo_fabric *fabric;
    ftopo_routes *routes;
    if (cli_load_routes("analyze", argv[optind], format, &ropts, lfts_path, &fabric, &routes,
                        &diag) != CLI_EXIT_OK)
        return CLI_EXIT_FAIL;
    ftopo_host_id *hosts = NULL;
    ftopo_analysis an;
    memset(&an, 0, sizeof(an));
    ftopo_status st = FTOPO_OK;
    if (hosts_path) {
        st = ftopo_hostfile_read(fabric, hosts_path, &hosts, &pattern.num_hosts, &diag);
        pattern.hosts = hosts;
    }
    if (st == FTOPO_OK)
        st = ftopo_analyze(routes, &pattern, &an, &diag);
    if (st == FTOPO_OK) {
        if (!json)
            printf("pattern:               %s over %zu hosts\n", pattern_text,
                   pattern.hosts ? pattern.num_hosts : ftopo_num_hosts(fabric));
        st = ftopo_analysis_write(routes, &an, json, stdout, &diag);
    }
    int rc = CLI_EXIT_OK;
    if (st != FTOPO_OK)
        rc = cli_fail("analyze", st, &diag);
    else if (strict && (an.unreachable || an.credit_loop))
        rc = 3;
    ftopo_analysis_free(&an);
    free(hosts);
    ftopo_routes_destroy(routes);
    ftopo_fabric_destroy(fabric);
    return rc;
}

/* fabtopo gen: write a synthetic fabric (fat tree, rail-optimized, torus),
 * by default as an ibsim netfile. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_format.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: fabtopo gen [KIND] [--kind KIND] --hosts N [options]\n"
                 "\n"
                 "Writes a synthetic fabric. KIND: ft2 (fat-tree-2: leaf/spine), ft3\n"
                 "(fat-tree-3: leaf/spine/core in pods), rail (hosts with several HCAs, HCA i\n"
                 "on rail i's leaves), torus (2D wrap-around grid of switches with hosts).\n"
                 "CAs are described \"node017 HCA-3\", switches \"leaf03\", \"spine02\",\n"
                 "\"core01\", \"torus05\"; hosts sit on a leaf's low ports, uplinks above.\n"
                 "\n"
                 "  -k, --kind KIND       ft2, ft3, rail or torus (or as first argument)\n"
                 "  -n, --hosts N         number of hosts (required)\n"
                 "  -r, --radix R         switch ports (default 36)\n"
                 "  -O, --oversub X       leaf down:up ratio, e.g. 2 for 2:1 (default 1)\n"
                 "  -H, --hcas K          HCAs per host (default 1; rail: 8)\n"
                 "  -t, --torus XxY       torus size (default: near-square from hosts)\n"
                 "  -d, --degrade F       remove this fraction of inter-switch links,\n"
                 "                        keeping the fabric connected\n"
                 "  -s, --seed S          seed for --degrade and --shuffle-names (default 1)\n"
                 "  -S, --shuffle-names   host names do not follow the cabling order\n"
                 "  -p, --speed RATE      link speed (SDR..XDR) or rate (4xHDR); default 4xEDR\n"
                 "  -o, --out FILE        output file (default: standard output)\n"
                 "  -f, --format F        ibnetdiscover (default; ibsim loads it), json, dot,\n"
                 "                        graphml; default follows FILE's extension\n"
                 "  -v, --verbose         print progress and warnings\n"
                 "  -h, --help            this text\n");
}

static bool parse_int(const char *text, long min, long max, int *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (end == text || *end || v < min || v > max)
        return false;
    *out = (int)v;
    return true;
}

static int bad_value(const char *option, const char *text)
{
    fprintf(stderr, "fabtopo gen: bad value '%s' for %s\n", text, option);
    return CLI_EXIT_USAGE;
}

int fabtopo_cmd_gen(int argc, char **argv)
{
    static const struct option opts[] = {{"kind", required_argument, NULL, 'k'},
                                         {"hosts", required_argument, NULL, 'n'},
                                         {"radix", required_argument, NULL, 'r'},
                                         {"oversub", required_argument, NULL, 'O'},
                                         {"hcas", required_argument, NULL, 'H'},
                                         {"torus", required_argument, NULL, 't'},
                                         {"degrade", required_argument, NULL, 'd'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"shuffle-names", no_argument, NULL, 'S'},
                                         {"speed", required_argument, NULL, 'p'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"verbose", no_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    ftopo_gen_params p = {.seed = 1};
    const char *out = "-", *kind = NULL;
    ftopo_format format = FTOPO_FORMAT_AUTO;
    bool verbose = false;
    char *end;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "k:n:r:O:H:t:d:s:Sp:o:f:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            kind = optarg;
            break;
        case 'n':
            if (!parse_int(optarg, 1, 10000000, &p.hosts))
                return bad_value("--hosts", optarg);
            break;
        case 'r':
            if (!parse_int(optarg, 4, 254, &p.radix))
                return bad_value("--radix", optarg);
            break;
        case 'O':
            p.oversubscription = strtod(optarg, &end);
            if (end == optarg || *end || p.oversubscription < 1.0)
                return bad_value("--oversub", optarg);
            break;
        case 'H':
            if (!parse_int(optarg, 1, 16, &p.hcas_per_host))
                return bad_value("--hcas", optarg);
            break;
        case 't':
            if (sscanf(optarg, "%dx%d%c", &p.torus_x, &p.torus_y, &(char){0}) != 2 ||
                p.torus_x < 1 || p.torus_y < 1)
                return bad_value("--torus", optarg);
            break;
        case 'd':
            p.degrade_fraction = strtod(optarg, &end);
            if (end == optarg || *end || p.degrade_fraction < 0 || p.degrade_fraction >= 1)
                return bad_value("--degrade", optarg);
            break;
        case 's':
            p.seed = strtoull(optarg, &end, 0);
            if (end == optarg || *end)
                return bad_value("--seed", optarg);
            break;
        case 'S':
            p.shuffle_names = true;
            break;
        case 'p':
            if (ftopo_speed_parse(optarg, &p.speed) != FTOPO_OK &&
                (ftopo_rate_parse(optarg, &p.width, &p.speed) != FTOPO_OK || !p.speed))
                return bad_value("--speed", optarg);
            break;
        case 'o':
            out = optarg;
            break;
        default: {
            int rc = cli_common_opt("gen", c, &format, &verbose, usage);
            if (rc != CLI_CONTINUE)
                return rc;
            break;
        }
        }
    }
    if (!kind && optind < argc)
        kind = argv[optind++];
    if (optind != argc || !kind || !p.hosts) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (ftopo_gen_kind_parse(kind, &p.kind) != FTOPO_OK)
        return bad_value("--kind (ft2, ft3, rail, torus)", kind);
    if (format == FTOPO_FORMAT_AUTO)
        format = cli_format_for_output(out);
    if (!ftopo_format_can_write(format)) {
        fprintf(stderr, "fabtopo gen: %s cannot be written\n", ftopo_format_name(format));
        return CLI_EXIT_USAGE;
    }

    ftopo_diag diag;
    cli_diag_init(&diag, verbose);
    ftopo_fabric *fabric = NULL;
    ftopo_status st = ftopo_generate(&p, &fabric, &diag);
    if (st != FTOPO_OK)
        return cli_fail("gen", st, &diag);
    st = ftopo_write_file(fabric, out, format, &diag);
    ftopo_fabric_destroy(fabric);
    if (st != FTOPO_OK)
        return cli_fail("gen", st, &diag);
    return CLI_EXIT_OK;
}

/* fabtopo route: compute LFTs for a fabric with one of the library's
 * routing engines and write them as OpenSM's LFT dump (for
 * `opensm -R file -U FILE`). */
#include <getopt.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli_routes.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fabtopo route [-f FORMAT] -e ENGINE [-r ROOTS] [-o OUT] [-l MODE] [-m LMC]\n"
            "                     [-g GUID2LID] [-V VLFILE [-M N]] [-n] [-q] [-v] FABRIC\n"
            "       fabtopo route --list\n"
            "\n"
            "Routes every switch's LFT with a routing engine and writes the tables in\n"
            "OpenSM's LFT dump format, which `opensm -R file -U OUT` programs.\n"
            "\n"
            "  -e, --engine E     minhop, updn, ftree, sssp (--list describes them)\n"
            "  -r, --roots R      updn/ftree root switches: GUIDs or descriptions,\n"
            "                     comma-separated, or a FILE (or @FILE) with one a line\n"
            "  -o, --out FILE     the LFT dump (default: standard output)\n"
            "  -l, --lids MODE    auto (the fabric's LIDs if it has any, else assign),\n"
            "                     fabric, assign (deterministic; see -g)\n"
            "  -m, --lmc N        LMC of assigned LIDs (0..7, default 0)\n"
            "  -g, --guid2lid F   also write OpenSM's guid2lid file for these LIDs\n"
            "  -V, --vls FILE     also assign VL layers (as dfsssp) that make the routes\n"
            "                     deadlock-free; write \"SRCLID DSTLID SL\" lines\n"
            "  -M, --max-vls N    most layers allowed (1..16, default 8: VL0-7)\n"
            "  -f, --format F     input format: ibnetdiscover, cache, json (default: guess)\n"
            "  -n, --dry-run      route and report, write nothing (timing large fabrics,\n"
            "                     whose dump runs to gigabytes)\n"
            "  -q, --quiet        no summary line on standard error\n"
            "  -v, --verbose      print progress and warnings\n"
            "  -h, --help         this text\n"
            "\n"
            "Exit status: 0 routed (even with unreachable entries, which are reported),\n"
            "1 failure, 2 usage error.\n");
}

static int list_engines(void)
{
    for (size_t i = 0; i < ftopo_route_engine_count(); i++)
        printf("%-8s %s\n", ftopo_route_engine_name(i), ftopo_route_engine_summary(i));
    return CLI_EXIT_OK;
}

/* Seconds on `clock` since *t0: wall time (CLOCK_MONOTONIC) and this
 * process's CPU time, which a busy machine does not inflate. */
static double seconds_since(clockid_t clock, const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(clock, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int write_outputs(const ftopo_routes *routes, const char *out_path, const char *g2l_path,
                         ftopo_diag *diag)
{
    ftopo_status st = out_path ? ftopo_routes_write_dump_file(routes, out_path, diag)
                               : ftopo_routes_write_dump(routes, stdout, diag);
    if (st != FTOPO_OK)
        return cli_fail("route", st, diag);
    if (g2l_path) {
        FILE *f = fopen(g2l_path, "w");
        if (!f) {
            fprintf(stderr, "fabtopo route: cannot write %s\n", g2l_path);
            return CLI_EXIT_FAIL;
        }
        st = ftopo_routes_write_guid2lid(routes, f, diag);
        if (fclose(f) != 0 && st == FTOPO_OK)
            st = FTOPO_ERR_IO;
        if (st != FTOPO_OK)
            return cli_fail("route", st, diag);
    }
    return CLI_EXIT_OK;
}

static int write_vl_layers(const ftopo_routes *routes, const char *path, int max_vls, bool quiet,
                           ftopo_diag *diag)
{
    ftopo_vl_layers layers;
    ftopo_status st = ftopo_route_vl_layers(routes, max_vls, &layers, diag);
    if (st != FTOPO_OK)
        return cli_fail("route", st, diag);
    FILE *f = fopen(path, "w");
    if (!f) {
        ftopo_vl_layers_free(&layers);
        fprintf(stderr, "fabtopo route: cannot write %s\n", path);
        return CLI_EXIT_FAIL;
    }
    st = ftopo_vl_layers_write(routes, &layers, f, diag);
    if (fclose(f) != 0 && st == FTOPO_OK)
        st = FTOPO_ERR_IO;
    if (!quiet && st == FTOPO_OK)
        fprintf(stderr, "fabtopo route: %zu paths in %zu VL layer%s\n", layers.num_paths,
                layers.num_layers, layers.num_layers == 1 ? "" : "s");
    ftopo_vl_layers_free(&layers);
    return st == FTOPO_OK ? CLI_EXIT_OK : cli_fail("route", st, diag);
}

int fabtopo_cmd_route(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"engine", required_argument, NULL, 'e'}, {"roots", required_argument, NULL, 'r'},
        {"out", required_argument, NULL, 'o'},    {"lids", required_argument, NULL, 'l'},
        {"lmc", required_argument, NULL, 'm'},    {"guid2lid", required_argument, NULL, 'g'},
        {"format", required_argument, NULL, 'f'}, {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},      {"list", no_argument, NULL, 'L'},
        {"dry-run", no_argument, NULL, 'n'},      {"vls", required_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *engine = NULL, *roots_text = NULL, *out_path = NULL, *g2l_path = NULL,
               *vl_path = NULL;
    ftopo_format format = FTOPO_FORMAT_AUTO;
    ftopo_routes_opts ropts = {FTOPO_LIDS_AUTO, 0};
    bool quiet = false, verbose = false, dry_run = false;
    int max_vls = 8;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "e:r:o:l:m:g:f:V:M:nqvh", longopts, NULL)) != -1) {
        switch (c) {
        case 'e':
            engine = optarg;
            break;
        case 'r':
            roots_text = optarg;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'g':
            g2l_path = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'n':
            dry_run = true;
            break;
        case 'V':
            vl_path = optarg;
            break;
        case 'M': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 16) {
                fprintf(stderr, "fabtopo route: --max-vls must be 1..16, not '%s'\n", optarg);
                return CLI_EXIT_USAGE;
            }
            max_vls = (int)v;
            break;
        }
        case 'L':
            return list_engines();
        case 'l':
            if (!cli_parse_lid_mode("route", optarg, &ropts.lid_mode))
                return CLI_EXIT_USAGE;
            break;
        case 'm': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > 7) {
                fprintf(stderr, "fabtopo route: LMC must be 0..7, not '%s'\n", optarg);
                return CLI_EXIT_USAGE;
            }
            ropts.lmc = (uint8_t)v;
            break;
        }
        default: {
            int rc = cli_common_opt("route", c, &format, &verbose, usage);
            if (rc != CLI_CONTINUE)
                return rc;
            break;
        }
        }
    }
    if (optind != argc - 1 || !engine) {
        fprintf(stderr, "fabtopo route: need one FABRIC and --engine\n");
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *path = argv[optind];

    ftopo_diag diag;
    cli_diag_init(&diag, verbose);
    ftopo_fabric *fabric = NULL;
    ftopo_routes *routes = NULL;
    ftopo_node_id *roots = NULL;
    int rc = CLI_EXIT_FAIL;
    ftopo_status st = ftopo_read_file(path, format, &fabric, &diag);
    if (st == FTOPO_OK)
        st = ftopo_routes_create(fabric, &ropts, &routes, &diag);
    ftopo_route_engine_opts eopts = {NULL, 0};
    if (st == FTOPO_OK && roots_text) {
        /* A readable file is a root file (OpenSM's root_guid_file habit). */
        char file_arg[4096];
        if (roots_text[0] != '@' && access(roots_text, R_OK) == 0 &&
            snprintf(file_arg, sizeof(file_arg), "@%s", roots_text) < (int)sizeof(file_arg))
            roots_text = file_arg;
        st = ftopo_route_roots_parse(fabric, roots_text, &roots, &eopts.num_roots, &diag);
        eopts.roots = roots;
    }
    if (st != FTOPO_OK) {
        rc = cli_fail("route", st, &diag);
        goto out;
    }
    struct timespec t0, c0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    ftopo_route_result res;
    st = ftopo_route_compute(routes, engine, &eopts, &res, &diag);
    double took = seconds_since(CLOCK_MONOTONIC, &t0);
    double cpu = seconds_since(CLOCK_PROCESS_CPUTIME_ID, &c0);
    if (st != FTOPO_OK) {
        rc = st == FTOPO_ERR_NOT_FOUND ? CLI_EXIT_USAGE : cli_fail("route", st, &diag);
        if (st == FTOPO_ERR_NOT_FOUND)
            fprintf(stderr, "fabtopo route: %s\n", diag.message);
        goto out;
    }
    rc = dry_run ? CLI_EXIT_OK : write_outputs(routes, out_path, g2l_path, &diag);
    if (rc == CLI_EXIT_OK && vl_path && !dry_run)
        rc = write_vl_layers(routes, vl_path, max_vls, quiet, &diag);
    if (!quiet)
        fprintf(stderr,
                "fabtopo route: %s: %zu switches, %zu LIDs routed in %.6f s (cpu %.6f s), %zu "
                "unreachable entries\n",
                engine, ftopo_routes_num_switches(routes), res.destinations, took, cpu,
                res.unreachable);
out:
    free(roots);
    ftopo_routes_destroy(routes);
    ftopo_fabric_destroy(fabric);
    return rc;
}

/* fabtopo lfts: the switches' LFTs, read live through MADs (as ibroute does)
 * or checked from an OpenSM LFT dump, written as OpenSM's LFT dump. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_routes.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fabtopo lfts --live [-C CA] [-P PORT] [-t MS] [-o OUT] [-g GUID2LID] [-v]\n"
            "                   [FABRIC]\n"
            "       fabtopo lfts --lfts FILE [-l MODE] [-o OUT] [-g GUID2LID] [-v] FABRIC\n"
            "\n"
            "--live reads every switch's linear forwarding table from the fabric\n"
            "(SwitchInfo, then LinearForwardingTable blocks) and writes them in OpenSM's\n"
            "LFT dump format. The LIDs come from FABRIC when given (it must match the\n"
            "live fabric), else from a discovery through the same port.\n"
            "--lfts checks a dump (OpenSM's, dump_lfts.sh's or ibroute's) against FABRIC\n"
            "and writes it back in OpenSM's format.\n"
            "\n"
            "  -C, --Ca CA        local CA to send MADs from (default: the first)\n"
            "  -P, --Port N       its port (default: the first active one)\n"
            "  -t, --timeout MS   per-MAD timeout\n"
            "  -L, --lfts FILE    the dump to check instead of reading live\n"
            "  -l, --lids MODE    auto, fabric, assign (with --lfts; default auto)\n"
            "  -o, --out FILE     the LFT dump (default: standard output)\n"
            "  -g, --guid2lid F   also write OpenSM's guid2lid file of the LIDs\n"
            "  -f, --format F     FABRIC's format (default: guess)\n"
            "  -v, --verbose      print progress and warnings\n"
            "  -h, --help         this text\n");
}

static ftopo_status write_guid2lid(const ftopo_routes *routes, const char *path, ftopo_diag *diag)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(diag->message, sizeof(diag->message), "%s: %s", path, strerror(errno));
        return FTOPO_ERR_IO;
    }
    ftopo_status st = ftopo_routes_write_guid2lid(routes, f, diag);
    if (fclose(f) != 0 && st == FTOPO_OK)
        st = FTOPO_ERR_IO;
    return st;
}

/* The fabric the live tables are keyed by: a file, or a fresh discovery. */
static ftopo_status live_fabric(const char *path, ftopo_format format,
                                const ftopo_discover_opts *dopts, ftopo_fabric **out,
                                ftopo_diag *diag)
{
    if (path)
        return ftopo_read_file(path, format, out, diag);
    return ftopo_discover(dopts, out, diag);
}

int fabtopo_cmd_lfts(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"live", no_argument, NULL, 'X'},         {"Ca", required_argument, NULL, 'C'},
        {"Port", required_argument, NULL, 'P'},   {"timeout", required_argument, NULL, 't'},
        {"lfts", required_argument, NULL, 'L'},   {"lids", required_argument, NULL, 'l'},
        {"out", required_argument, NULL, 'o'},    {"guid2lid", required_argument, NULL, 'g'},
        {"format", required_argument, NULL, 'f'}, {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *lfts_path = NULL, *out_path = "-", *g2l_path = NULL;
    ftopo_format format = FTOPO_FORMAT_AUTO;
    ftopo_routes_opts ropts = {FTOPO_LIDS_AUTO, 0};
    ftopo_discover_opts dopts = {0};
    ftopo_lft_read_opts lopts = {0};
    bool live = false, verbose = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "C:P:t:L:l:o:g:f:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'X':
            live = true;
            break;
        case 'C':
            dopts.ca_name = lopts.ca_name = optarg;
            break;
        case 'P':
            dopts.ca_port = lopts.ca_port = atoi(optarg);
            break;
        case 't':
            dopts.timeout_ms = lopts.timeout_ms = atoi(optarg);
            break;
        case 'L':
            lfts_path = optarg;
            break;
        case 'l':
            if (!cli_parse_lid_mode("lfts", optarg, &ropts.lid_mode))
                return CLI_EXIT_USAGE;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'g':
            g2l_path = optarg;
            break;
        default: {
            int rc = cli_common_opt("lfts", c, &format, &verbose, usage);
            if (rc != CLI_CONTINUE)
                return rc;
            break;
        }
        }
    }
    const char *fabric_path = optind < argc ? argv[optind] : NULL;
    if (live == !!lfts_path || optind + 1 < argc || (!live && !fabric_path)) {
        fprintf(stderr, "fabtopo lfts: give --live [FABRIC] or --lfts FILE FABRIC\n");
        usage(stderr);
        return CLI_EXIT_USAGE;
    }

    ftopo_diag diag;
    cli_diag_init(&diag, verbose);
    ftopo_fabric *fabric = NULL;
    ftopo_routes *routes = NULL;
    ftopo_status st = FTOPO_OK;
    if (!live) {
        if (cli_load_routes("lfts", fabric_path, format, &ropts, lfts_path, &fabric, &routes,
                            &diag) != CLI_EXIT_OK)
            return CLI_EXIT_FAIL;
    } else {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        ropts.lid_mode = FTOPO_LIDS_FABRIC;
        st = live_fabric(fabric_path, format, &dopts, &fabric, &diag);
        if (st == FTOPO_OK)
            st = ftopo_routes_create(fabric, &ropts, &routes, &diag);
        if (st == FTOPO_OK)
            st = ftopo_routes_read_live(routes, &lopts, &diag);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (st == FTOPO_OK && verbose)
            fprintf(stderr, "fabtopo lfts: read %zu switches in %.3f s\n",
                    ftopo_routes_num_switches(routes),
                    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    }
    if (st == FTOPO_OK)
        st = ftopo_routes_write_dump_file(routes, out_path, &diag);
    if (st == FTOPO_OK && g2l_path)
        st = write_guid2lid(routes, g2l_path, &diag);
    int rc = st == FTOPO_OK ? CLI_EXIT_OK : cli_fail("lfts", st, &diag);
    ftopo_routes_destroy(routes);
    ftopo_fabric_destroy(fabric);
    return rc;
}

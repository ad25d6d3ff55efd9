/* fabtopo discover: sweep the live fabric through MADs and write it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_format.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fabtopo discover [-C ca] [-P port] [-t ms] [-r n] [-m hops]\n"
            "                        [-f format] [-o file] [--cache file] [-v]\n"
            "  -C, --Ca NAME        local CA to sweep from (default: the first)\n"
            "  -P, --Port N         its port (default: the first with a link)\n"
            "  -t, --timeout MS     per-MAD timeout (default: libibmad's)\n"
            "  -r, --retries N      per-MAD retries (default: libibmad's)\n"
            "  -m, --max-hops N     stop this many hops away (default: no limit)\n"
            "  -f, --format F       ibnetdiscover, json, dot, graphml, or cache (libibnetdisc's\n"
            "                       cache, needs -o); default follows FILE's extension\n"
            "  -o, --out FILE       output file (default: standard output)\n"
            "      --cache FILE     also save libibnetdisc's cache file\n"
            "  -v, --verbose        progress on standard error\n");
}

/* Parses a non-negative int option or returns false. */
static bool parse_count(const char *text, int *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || v < 0 || v > 1000000)
        return false;
    *out = (int)v;
    return true;
}

int fabtopo_cmd_discover(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"Ca", required_argument, NULL, 'C'},
        {"Port", required_argument, NULL, 'P'},
        {"timeout", required_argument, NULL, 't'},
        {"retries", required_argument, NULL, 'r'},
        {"max-hops", required_argument, NULL, 'm'},
        {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'},
        {"cache", required_argument, NULL, 'c'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    ftopo_discover_opts opts = {0};
    ftopo_format format = FTOPO_FORMAT_AUTO;
    const char *out = "-";
    bool verbose = false;
    int c;
    while ((c = getopt_long(argc, argv, "C:P:t:r:m:f:o:vh", longopts, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'C':
            opts.ca_name = optarg;
            break;
        case 'P':
            ok = parse_count(optarg, &opts.ca_port);
            break;
        case 't':
            ok = parse_count(optarg, &opts.timeout_ms);
            break;
        case 'r':
            ok = parse_count(optarg, &opts.retries);
            break;
        case 'm':
            ok = parse_count(optarg, &opts.max_hops);
            break;
        case 'o':
            out = optarg;
            break;
        case 'c':
            opts.cache_path = optarg;
            break;
        default: {
            int rc = cli_common_opt("discover", c, &format, &verbose, usage);
            if (rc != CLI_CONTINUE)
                return rc;
            break;
        }
        }
        if (!ok) {
            fprintf(stderr, "fabtopo discover: -%c needs a non-negative number, not '%s'\n", c,
                    optarg);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (format == FTOPO_FORMAT_AUTO)
        format = cli_format_for_output(out);
    /* The cache is written by libibnetdisc during the sweep, not by a writer. */
    if (format == FTOPO_FORMAT_IBND_CACHE) {
        if (opts.cache_path || out[0] == '-') {
            fprintf(stderr, "fabtopo discover: -f cache needs -o FILE (and no --cache)\n");
            return CLI_EXIT_USAGE;
        }
        opts.cache_path = out;
    } else if (!ftopo_format_can_write(format)) {
        fprintf(stderr, "fabtopo discover: cannot write format '%s'\n", ftopo_format_name(format));
        return CLI_EXIT_USAGE;
    }

    ftopo_diag diag;
    cli_diag_init(&diag, verbose);
    ftopo_fabric *fabric = NULL;
    ftopo_status st = ftopo_discover(&opts, &fabric, &diag);
    if (st == FTOPO_OK && format != FTOPO_FORMAT_IBND_CACHE)
        st = ftopo_write_file(fabric, out, format, &diag);
    ftopo_fabric_destroy(fabric);
    return st == FTOPO_OK ? CLI_EXIT_OK : cli_fail("discover", st, &diag);
}

/* fabtopo diff: compare two fabrics, from any readable formats, by GUID.
 * Exit codes follow diff(1): 0 same, 1 different, 2 trouble. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: fabtopo diff [-q] [-f format] [-F format] A B\n"
                 "  compares nodes (type, description, ports), links, widths and speeds\n"
                 "  by GUID; LIDs and port states are ignored\n"
                 "  -f, --format-a F   format of A (default: guessed)\n"
                 "  -F, --format-b F   format of B (default: guessed)\n"
                 "  -q, --quiet        no listing, only the exit status\n"
                 "exit status: 0 same, 1 different, 2 trouble\n");
}

/* Differences go to standard output, one a line; warnings to stderr. */
static void print_difference(void *user, ftopo_log_level level, const char *message)
{
    (void)user;
    if (level == FTOPO_LOG_INFO)
        printf("%s\n", message);
    else if (level == FTOPO_LOG_WARN)
        fprintf(stderr, "warning: %s\n", message);
}

static bool read_side(const char *path, ftopo_format format, ftopo_fabric **out)
{
    ftopo_diag diag;
    cli_diag_init(&diag, false);
    ftopo_status st = ftopo_read_file(path, format, out, &diag);
    if (st != FTOPO_OK)
        cli_fail("diff", st, &diag);
    return st == FTOPO_OK;
}

int fabtopo_cmd_diff(int argc, char **argv)
{
    enum { EXIT_SAME = 0, EXIT_DIFFERENT = 1, EXIT_TROUBLE = 2 };
    static const struct option longopts[] = {
        {"format-a", required_argument, NULL, 'f'},
        {"format-b", required_argument, NULL, 'F'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    ftopo_format fa = FTOPO_FORMAT_AUTO, fb = FTOPO_FORMAT_AUTO;
    bool quiet = false;
    int c;
    while ((c = getopt_long(argc, argv, "f:F:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!cli_parse_format("diff", optarg, &fa))
                return EXIT_TROUBLE;
            break;
        case 'F':
            if (!cli_parse_format("diff", optarg, &fb))
                return EXIT_TROUBLE;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            usage(stdout);
            return EXIT_SAME;
        default:
            usage(stderr);
            return EXIT_TROUBLE;
        }
    }
    if (argc - optind != 2) {
        usage(stderr);
        return EXIT_TROUBLE;
    }

    ftopo_fabric *a = NULL, *b = NULL;
    int rc = EXIT_TROUBLE;
    if (read_side(argv[optind], fa, &a) && read_side(argv[optind + 1], fb, &b)) {
        ftopo_diag diag = {.log = quiet ? NULL : print_difference, .max_level = FTOPO_LOG_INFO};
        ftopo_status st = ftopo_fabric_compare(a, b, &diag);
        rc = st == FTOPO_OK ? EXIT_SAME : st == FTOPO_ERR_CONFLICT ? EXIT_DIFFERENT : EXIT_TROUBLE;
        if (rc == EXIT_TROUBLE)
            cli_fail("diff", st, &diag);
    }
    ftopo_fabric_destroy(a);
    ftopo_fabric_destroy(b);
    return rc;
}

/* fabtopo convert: read a fabric in any readable format, write it in any
 * writable one. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "cli_format.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: fabtopo convert [--from F] [--to F] [-v] IN OUT\n"
                 "\n"
                 "Reads the fabric in IN and writes it to OUT (\"-\": standard input and\n"
                 "output). Formats: ibnetdiscover (also ibsim's netfile), cache (read\n"
                 "only), json, graphml, and dot (write only). Without --from the input\n"
                 "format is guessed from the content; without --to the output format\n"
                 "follows OUT's extension (.json .dot .gv .graphml), else ibnetdiscover.\n"
                 "\n"
                 "  -F, --from F     input format\n"
                 "  -T, --to F       output format\n"
                 "  -v, --verbose    print progress and warnings\n"
                 "  -h, --help       this text\n");
}

int fabtopo_cmd_convert(int argc, char **argv)
{
    static const struct option opts[] = {{"from", required_argument, NULL, 'F'},
                                         {"to", required_argument, NULL, 'T'},
                                         {"verbose", no_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    ftopo_format from = FTOPO_FORMAT_AUTO, to = FTOPO_FORMAT_AUTO;
    bool verbose = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "F:T:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'F':
            if (!cli_parse_format("convert", optarg, &from))
                return CLI_EXIT_USAGE;
            break;
        case 'T':
            if (!cli_parse_format("convert", optarg, &to))
                return CLI_EXIT_USAGE;
            break;
        default: {
            int rc = cli_common_opt("convert", c, NULL, &verbose, usage);
            if (rc != CLI_CONTINUE)
                return rc;
            break;
        }
        }
    }
    if (argc - optind != 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *in = argv[optind], *out = argv[optind + 1];
    if (from != FTOPO_FORMAT_AUTO && !ftopo_format_can_read(from)) {
        fprintf(stderr, "fabtopo convert: %s cannot be read\n", ftopo_format_name(from));
        return CLI_EXIT_USAGE;
    }
    if (to == FTOPO_FORMAT_AUTO)
        to = cli_format_for_output(out);
    if (!ftopo_format_can_write(to)) {
        fprintf(stderr, "fabtopo convert: %s cannot be written\n", ftopo_format_name(to));
        return CLI_EXIT_USAGE;
    }

    ftopo_diag diag;
    cli_diag_init(&diag, verbose);
    ftopo_fabric *fabric = NULL;
    ftopo_status st = ftopo_read_file(in, from, &fabric, &diag);
    if (st != FTOPO_OK)
        return cli_fail("convert", st, &diag);
    st = ftopo_write_file(fabric, out, to, &diag);
    ftopo_fabric_destroy(fabric);
    if (st != FTOPO_OK)
        return cli_fail("convert", st, &diag);
    return CLI_EXIT_OK;
}

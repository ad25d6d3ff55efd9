/* fabtopo: the topology library on the command line. Each subcommand lives
 * in its own cmd_*.c file and is listed in the table below. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_command commands[] = {
    {"show", "summarize a fabric: nodes, hosts, links by rate, tiers, shape", fabtopo_cmd_show},
    {"convert", "read a fabric in one format, write it in another", fabtopo_cmd_convert},
    {"gen", "generate a synthetic fabric (fat tree, rail-optimized, torus)", fabtopo_cmd_gen},
    {"discover", "discover the live fabric through MADs and write it", fabtopo_cmd_discover},
    {"route", "compute LFTs with a routing engine, write an OpenSM LFT dump", fabtopo_cmd_route},
    {"lfts", "read the LFTs live or check a dump, write an OpenSM LFT dump", fabtopo_cmd_lfts},
    {"analyze", "link loads, path lengths, lost flows, credit loops of a pattern",
     fabtopo_cmd_analyze},
    {"trace", "follow the LFTs from a source to a destination, hop by hop", fabtopo_cmd_trace},
    {"diff", "compare two fabrics by GUID (exit 0 same, 1 different)", fabtopo_cmd_diff},
    {"ring", "plan congestion-aware all-reduce rings and trees for hosts", fabtopo_cmd_ring},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: fabtopo COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'fabtopo COMMAND --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "fabtopo: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return CLI_EXIT_USAGE;
}

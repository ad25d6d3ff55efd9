/* Shared pieces of the fabtopo command line: one function per subcommand,
 * and the helpers they all use. Exit codes: 0 success, 1 the operation
 * failed, 2 usage error. */
#ifndef FABTOPO_CLI_H
#define FABTOPO_CLI_H

#include <stdio.h>

#include "ftopo.h"

enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2 };

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
} cli_command;

int fabtopo_cmd_show(int argc, char **argv);
int fabtopo_cmd_convert(int argc, char **argv);
int fabtopo_cmd_gen(int argc, char **argv);
int fabtopo_cmd_discover(int argc, char **argv);
int fabtopo_cmd_route(int argc, char **argv);
int fabtopo_cmd_lfts(int argc, char **argv);
int fabtopo_cmd_analyze(int argc, char **argv);
int fabtopo_cmd_trace(int argc, char **argv);
int fabtopo_cmd_diff(int argc, char **argv);
int fabtopo_cmd_ring(int argc, char **argv);

/* A diag that prints warnings (and info when verbose) to stderr. */
void cli_diag_init(ftopo_diag *diag, bool verbose);
/* Prints "fabtopo CMD: <status text>: <diag message>" to stderr, returns 1. */
int cli_fail(const char *cmd, ftopo_status status, const ftopo_diag *diag);
/* Parses a format name or exits with a usage error message; returns false
 * when the name is unknown. */
bool cli_parse_format(const char *cmd, const char *name, ftopo_format *out);

/* Returned by cli_common_opt when the option was taken and parsing goes on. */
enum { CLI_CONTINUE = -1 };
/* The options every subcommand shares, for the `default:` of its getopt
 * switch: -f FORMAT (when `format` is not NULL; the argument is optarg),
 * -v (sets *verbose) and -h. Returns CLI_CONTINUE after -f or -v, CLI_EXIT_OK
 * after printing usage to stdout for -h, and CLI_EXIT_USAGE for a bad format
 * or any other option (after printing usage to stderr). */
int cli_common_opt(const char *cmd, int c, ftopo_format *format, bool *verbose,
                   void (*usage)(FILE *out));

#endif

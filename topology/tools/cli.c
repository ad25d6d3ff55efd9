/* Helpers shared by the fabtopo subcommands. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static void log_to_stderr(void *user, ftopo_log_level level, const char *message)
{
    (void)user;
    static const char *const names[] = {"error", "warning", "info", "debug"};
    /* Errors are printed once by cli_fail; the log carries the rest. */
    if (level == FTOPO_LOG_ERROR)
        return;
    fprintf(stderr, "%s: %s\n", names[level], message);
}

void cli_diag_init(ftopo_diag *diag, bool verbose)
{
    diag->message[0] = '\0';
    diag->log = log_to_stderr;
    diag->log_user = NULL;
    diag->max_level = verbose ? FTOPO_LOG_INFO : FTOPO_LOG_WARN;
}

int cli_fail(const char *cmd, ftopo_status status, const ftopo_diag *diag)
{
    if (diag && diag->message[0])
        fprintf(stderr, "fabtopo %s: %s\n", cmd, diag->message);
    else
        fprintf(stderr, "fabtopo %s: %s\n", cmd, ftopo_strerror(status));
    return CLI_EXIT_FAIL;
}

bool cli_parse_format(const char *cmd, const char *name, ftopo_format *out)
{
    if (ftopo_format_parse(name, out) == FTOPO_OK)
        return true;
    fprintf(stderr, "fabtopo %s: unknown format '%s' (ibnetdiscover, cache, json, dot, graphml)\n",
            cmd, name);
    return false;
}

int cli_common_opt(const char *cmd, int c, ftopo_format *format, bool *verbose,
                   void (*usage)(FILE *out))
{
    if (c == 'f' && format)
        return cli_parse_format(cmd, optarg, format) ? CLI_CONTINUE : CLI_EXIT_USAGE;
    if (c == 'v') {
        *verbose = true;
        return CLI_CONTINUE;
    }
    if (c == 'h') {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    usage(stderr);
    return CLI_EXIT_USAGE;
}

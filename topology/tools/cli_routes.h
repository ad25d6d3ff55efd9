/* Helpers of the fabtopo subcommands that work on route sets (lfts,
 * analyze, trace, route). */
#ifndef FABTOPO_CLI_ROUTES_H
#define FABTOPO_CLI_ROUTES_H

#include "cli.h"

/* "auto", "fabric" or "assign"; false, after telling stderr (as `cmd`),
 * when the name is unknown. */
bool cli_parse_lid_mode(const char *cmd, const char *text, ftopo_lid_mode *out);

/* Reads FABRIC, builds its route set with `opts` and, when lfts_path is
 * set, loads that OpenSM LFT dump into it. On failure prints the error
 * (as `cmd`) and returns CLI_EXIT_FAIL with nothing to free. */
int cli_load_routes(const char *cmd, const char *fabric_path, ftopo_format format,
                    const ftopo_routes_opts *opts, const char *lfts_path, ftopo_fabric **fabric,
                    ftopo_routes **routes, ftopo_diag *diag);

#endif

/* Helpers shared by the fabtopo subcommands that work on route sets. */
#include <stdio.h>
#include <string.h>

#include "cli_routes.h"

bool cli_parse_lid_mode(const char *cmd, const char *text, ftopo_lid_mode *out)
{
    static const struct {
        const char *name;
        ftopo_lid_mode mode;
    } modes[] = {
        {"auto", FTOPO_LIDS_AUTO}, {"fabric", FTOPO_LIDS_FABRIC}, {"assign", FTOPO_LIDS_ASSIGN}};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (strcmp(text, modes[i].name) == 0) {
            *out = modes[i].mode;
            return true;
        }
    }
    fprintf(stderr, "fabtopo %s: unknown LID mode '%s' (auto, fabric, assign)\n", cmd, text);
    return false;
}

int cli_load_routes(const char *cmd, const char *fabric_path, ftopo_format format,
                    const ftopo_routes_opts *opts, const char *lfts_path, ftopo_fabric **fabric,
                    ftopo_routes **routes, ftopo_diag *diag)
{
    *fabric = NULL;
    *routes = NULL;
    ftopo_status st = ftopo_read_file(fabric_path, format, fabric, diag);
    if (st == FTOPO_OK)
        st = ftopo_routes_create(*fabric, opts, routes, diag);
    if (st == FTOPO_OK && lfts_path)
        st = ftopo_routes_read_dump_file(*routes, lfts_path, diag);
    if (st == FTOPO_OK)
        return CLI_EXIT_OK;
    ftopo_routes_destroy(*routes);
    ftopo_fabric_destroy(*fabric);
    *routes = NULL;
    *fabric = NULL;
    return cli_fail(cmd, st, diag);
}

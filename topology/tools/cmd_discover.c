/* STUB (to be replaced): fabtopo discover. */
#include <stdio.h>

#include "cli.h"

int fabtopo_cmd_discover(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fabtopo discover: not built yet\n");
    return CLI_EXIT_FAIL;
}

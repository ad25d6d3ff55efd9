/* STUB (to be replaced): fabtopo show. */
#include <stdio.h>

#include "cli.h"

int fabtopo_cmd_show(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fabtopo show: not built yet\n");
    return CLI_EXIT_FAIL;
}

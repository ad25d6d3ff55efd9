/* STUB (to be replaced): fabtopo convert. */
#include <stdio.h>

#include "cli.h"

int fabtopo_cmd_convert(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fabtopo convert: not built yet\n");
    return CLI_EXIT_FAIL;
}

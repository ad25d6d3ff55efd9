/* STUB (to be replaced): fabtopo gen. */
#include <stdio.h>

#include "cli.h"

int fabtopo_cmd_gen(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fabtopo gen: not built yet\n");
    return CLI_EXIT_FAIL;
}

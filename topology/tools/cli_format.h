/* Output format from a file name, shared by the commands that write
 * fabrics (convert, gen). */
#ifndef FABTOPO_CLI_FORMAT_H
#define FABTOPO_CLI_FORMAT_H

#include "ftopo.h"

/* The format a file name asks for by its extension (.json, .dot/.gv,
 * .graphml, .net/.topo/.txt), else ibnetdiscover: the format ibsim loads. */
ftopo_format cli_format_for_output(const char *path);

#endif

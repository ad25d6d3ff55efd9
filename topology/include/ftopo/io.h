/* Reading and writing fabrics in the formats admins already have. */
#ifndef FTOPO_IO_H
#define FTOPO_IO_H

#include <stdio.h>

#include "ftopo/fabric.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ftopo_format {
    FTOPO_FORMAT_AUTO = 0,      /* reading: guess from the name and the content */
    FTOPO_FORMAT_IBNETDISCOVER, /* ibnetdiscover's text, also ibsim's netfile */
    FTOPO_FORMAT_IBND_CACHE,    /* libibnetdisc's cache file (ibnetdiscover --cache) */
    FTOPO_FORMAT_JSON,          /* the project's JSON, docs/topology-json.md */
    FTOPO_FORMAT_DOT,           /* Graphviz, written by igraph (write only) */
    FTOPO_FORMAT_GRAPHML,       /* GraphML, written and read by igraph */
} ftopo_format;

/* Names: "ibnetdiscover" (alias "net", "topo"), "cache", "json", "dot",
 * "graphml". */
ftopo_status ftopo_format_parse(const char *name, ftopo_format *out);
const char *ftopo_format_name(ftopo_format format);
/* Whether the library can read / write a format. */
bool ftopo_format_can_read(ftopo_format format);
bool ftopo_format_can_write(ftopo_format format);

/* Reads a fabric from a file ("-" is standard input, except for the cache
 * format) and finalizes it. On success the caller owns *out; on error *out
 * is NULL and diag->message names the file and line. */
ftopo_status ftopo_read_file(const char *path, ftopo_format format, ftopo_fabric **out,
                             ftopo_diag *diag);
/* Same from memory (not for the binary cache format). `name` is used in
 * messages only. */
ftopo_status ftopo_read_buffer(const char *data, size_t len, ftopo_format format, const char *name,
                               ftopo_fabric **out, ftopo_diag *diag);

/* Writes a finalized fabric to a file ("-" is standard output) or stream. */
ftopo_status ftopo_write_file(const ftopo_fabric *fabric, const char *path, ftopo_format format,
                              ftopo_diag *diag);
ftopo_status ftopo_write_stream(const ftopo_fabric *fabric, FILE *out, ftopo_format format,
                                ftopo_diag *diag);

#ifdef __cplusplus
}
#endif

#endif

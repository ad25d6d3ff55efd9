/* Cross-file internals of the topology library (ftopo__ prefix). Not
 * installed; nothing here is part of the public API. */
#ifndef FTOPO_INTERNAL_H
#define FTOPO_INTERNAL_H

#include <stdio.h>

#include "ftopo.h"

#if defined(__GNUC__)
#define FTOPO__PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#else
#define FTOPO__PRINTF(fmt_idx, arg_idx)
#endif

/* Records the error line in diag->message (when diag is set), sends it to the
 * log at FTOPO_LOG_ERROR, and returns `status` so callers can write
 * `return ftopo__fail(diag, FTOPO_ERR_PARSE, "%s:%d: ...", ...)`. */
ftopo_status ftopo__fail(ftopo_diag *diag, ftopo_status status, const char *fmt, ...)
    FTOPO__PRINTF(3, 4);
/* Sends a line to diag->log when the level is enabled. */
void ftopo__log(ftopo_diag *diag, ftopo_log_level level, const char *fmt, ...) FTOPO__PRINTF(3, 4);

/* Length of the UTF-8 sequence starting at p (1 for ASCII), -1 when the
 * bytes there are not valid UTF-8. p must be NUL-terminated. */
int ftopo__utf8_seq_len(const unsigned char *p);
bool ftopo__utf8_valid(const char *s);

/* Reads a whole file ("-": stdin) into *data and *len (malloc'ed, not
 * NUL-terminated, the caller frees); errors name the path. */
ftopo_status ftopo__read_all(const char *path, char **data, size_t *len, ftopo_diag *diag);

/* One entry per file format; unsupported directions point at stubs. */
typedef struct ftopo__format_ops {
    const char *name;
    ftopo_format format;
    /* Parses a buffer into a new, finalized fabric. */
    ftopo_status (*read_buffer)(const char *data, size_t len, const char *name, ftopo_fabric **out,
                                ftopo_diag *diag);
    /* Reads a file directly (formats that need their own file handling). */
    ftopo_status (*read_file)(const char *path, ftopo_fabric **out, ftopo_diag *diag);
    ftopo_status (*write)(const ftopo_fabric *fabric, FILE *out, ftopo_diag *diag);
} ftopo__format_ops;

/* Format implementations (one file each). */
ftopo_status ftopo__ibnd_text_read(const char *data, size_t len, const char *name,
                                   ftopo_fabric **out, ftopo_diag *diag);
ftopo_status ftopo__ibnd_text_write(const ftopo_fabric *fabric, FILE *out, ftopo_diag *diag);
ftopo_status ftopo__json_read(const char *data, size_t len, const char *name, ftopo_fabric **out,
                              ftopo_diag *diag);
ftopo_status ftopo__json_write(const ftopo_fabric *fabric, FILE *out, ftopo_diag *diag);
ftopo_status ftopo__dot_write(const ftopo_fabric *fabric, FILE *out, ftopo_diag *diag);
ftopo_status ftopo__graphml_read(const char *data, size_t len, const char *name, ftopo_fabric **out,
                                 ftopo_diag *diag);
ftopo_status ftopo__graphml_write(const ftopo_fabric *fabric, FILE *out, ftopo_diag *diag);
ftopo_status ftopo__cache_read_file(const char *path, ftopo_fabric **out, ftopo_diag *diag);

#endif

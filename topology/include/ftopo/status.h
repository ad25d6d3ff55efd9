/* Status codes and diagnostics of the topology library (ftopo_). */
#ifndef FTOPO_STATUS_H
#define FTOPO_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One status enum for the whole library. FTOPO_OK is 0, errors are negative
 * and grouped by tens: argument/input, system, fabric (remote), timeout,
 * unsupported. No errno or igraph code crosses the public API. */
typedef enum ftopo_status {
    FTOPO_OK = 0,

    /* The caller's arguments or input data are wrong. */
    FTOPO_ERR_ARG = -1,       /* bad argument (NULL, out of range) */
    FTOPO_ERR_PARSE = -2,     /* malformed input file or buffer */
    FTOPO_ERR_DUPLICATE = -3, /* duplicate GUID, node or link */
    FTOPO_ERR_CONFLICT = -4,  /* contradicting facts (link ends disagree) */
    FTOPO_ERR_NOT_FOUND = -5, /* lookup found nothing */
    FTOPO_ERR_STATE = -6,     /* call not valid now (e.g. add after finalize) */

    /* The system failed us. */
    FTOPO_ERR_NOMEM = -10, /* out of memory */
    FTOPO_ERR_IO = -11,    /* file or stream I/O failed */
    FTOPO_ERR_GRAPH = -12, /* igraph reported an error */

    /* The fabric (a remote party) failed us. */
    FTOPO_ERR_FABRIC = -20, /* MAD/umad failure, discovery failed */

    FTOPO_ERR_TIMEOUT = -30,

    FTOPO_ERR_UNSUPPORTED = -40, /* operation not offered by this format/engine */
} ftopo_status;

/* Static English text for a status; never NULL. */
const char *ftopo_strerror(ftopo_status status);

/* Log levels of the optional diagnostics callback. */
typedef enum ftopo_log_level {
    FTOPO_LOG_ERROR = 0,
    FTOPO_LOG_WARN = 1,
    FTOPO_LOG_INFO = 2,
    FTOPO_LOG_DEBUG = 3,
} ftopo_log_level;

typedef void (*ftopo_log_fn)(void *user, ftopo_log_level level, const char *message);

/* Diagnostics channel passed (optionally: NULL is fine) to every call that
 * can fail for reasons worth explaining. On error the library writes one
 * line into `message` that names the place (e.g. "fabric.net:17: port 40 out
 * of range (switch has 36 ports)"). Warnings and progress go to `log` when
 * set. The caller owns the struct. */
#define FTOPO_DIAG_MESSAGE_MAX 512
typedef struct ftopo_diag {
    char message[FTOPO_DIAG_MESSAGE_MAX];
    ftopo_log_fn log;          /* optional */
    void *log_user;            /* passed back to log */
    ftopo_log_level max_level; /* messages above this level are not sent */
} ftopo_diag;

#ifdef __cplusplus
}
#endif

#endif

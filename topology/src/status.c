/* Status strings and the diagnostics channel. */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

const char *ftopo_strerror(ftopo_status status)
{
    switch (status) {
    case FTOPO_OK:
        return "success";
    case FTOPO_ERR_ARG:
        return "invalid argument";
    case FTOPO_ERR_PARSE:
        return "malformed input";
    case FTOPO_ERR_DUPLICATE:
        return "duplicate entry";
    case FTOPO_ERR_CONFLICT:
        return "conflicting data";
    case FTOPO_ERR_NOT_FOUND:
        return "not found";
    case FTOPO_ERR_STATE:
        return "operation not valid in this state";
    case FTOPO_ERR_NOMEM:
        return "out of memory";
    case FTOPO_ERR_IO:
        return "input/output error";
    case FTOPO_ERR_GRAPH:
        return "graph library error";
    case FTOPO_ERR_FABRIC:
        return "fabric access failed";
    case FTOPO_ERR_TIMEOUT:
        return "timed out";
    case FTOPO_ERR_UNSUPPORTED:
        return "not supported";
    }
    return "unknown status";
}

static void send_to_log(ftopo_diag *diag, ftopo_log_level level, const char *text)
{
    if (diag && diag->log && level <= diag->max_level)
        diag->log(diag->log_user, level, text);
}

ftopo_status ftopo__fail(ftopo_diag *diag, ftopo_status status, const char *fmt, ...)
{
    if (!diag)
        return status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(diag->message, sizeof(diag->message), fmt, ap);
    va_end(ap);
    send_to_log(diag, FTOPO_LOG_ERROR, diag->message);
    return status;
}

void ftopo__log(ftopo_diag *diag, ftopo_log_level level, const char *fmt, ...)
{
    if (!diag || !diag->log || level > diag->max_level)
        return;
    char line[FTOPO_DIAG_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    send_to_log(diag, level, line);
}

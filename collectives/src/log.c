/* Logging through the application's callback, or stderr by default. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "internal.h"

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void fcoll__log(const fcoll__log_t *log, fcoll_log_level_t level, const char *fmt, ...)
{
    if (log == NULL || level > log->level)
        return;
    char msg[512];
    int off = 0;
    if (log->rank >= 0)
        off = snprintf(msg, sizeof(msg), "fcoll rank %d: ", log->rank);
    else
        off = snprintf(msg, sizeof(msg), "fcoll: ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + off, sizeof(msg) - (size_t)off, fmt, ap);
    va_end(ap);
    if (log->fn != NULL)
        log->fn(log->user, level, msg);
    else
        fprintf(stderr, "%s %s\n", level_names[level], msg);
}

uint64_t fcoll__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Logging to stderr and a monotonic clock. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

void fprobe_log(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "fabprobe: %s\n", msg);
}

uint64_t fprobe_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Logging to stderr and a monotonic clock, shared by every part of fabprobe. */
#ifndef FPROBE_LOG_H
#define FPROBE_LOG_H

#include <stdint.h>

void fprobe_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t fprobe_now_ns(void);

#endif

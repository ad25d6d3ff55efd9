/* Reading small sysfs attribute files. */
#ifndef FPROBE_SYSFS_H
#define FPROBE_SYSFS_H

#include <stddef.h>
#include <stdint.h>

/* The first line of the file at fmt..., without its newline; 0, or -1 when
 * it cannot be read (not logged: many attributes are optional). */
int fprobe_read_line(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same, parsed as an unsigned number (decimal or 0x hex). */
int fprobe_read_u64(uint64_t *value, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Formats a path into buf; 0, or -1 when it does not fit. */
int fprobe_path(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif

/* Reading small sysfs attribute files. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysfs.h"

static int read_line_v(char *buf, size_t size, const char *fmt, va_list ap)
{
    char path[1024];
    vsnprintf(path, sizeof(path), fmt, ap);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char *got = fgets(buf, (int)size, f);
    fclose(f);
    if (got == NULL)
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

int fprobe_read_line(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = read_line_v(buf, size, fmt, ap);
    va_end(ap);
    return rc;
}

int fprobe_read_u64(uint64_t *value, const char *fmt, ...)
{
    char buf[64];
    va_list ap;
    va_start(ap, fmt);
    int rc = read_line_v(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (rc != 0)
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 0);
    if (errno != 0 || end == buf)
        return -1;
    *value = v;
    return 0;
}

int fprobe_path(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* One libFuzzer entry point per text reader: the input goes through the
 * public reader; a fabric that reads must also write and compare equal to
 * itself, and nothing may crash, hang or leak. */
#ifndef FUZZ_READ_H
#define FUZZ_READ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ftopo.h"

static inline int fuzz_read(const uint8_t *data, size_t size, ftopo_format format)
{
    ftopo_fabric *f = NULL;
    ftopo_diag diag = {0};
    if (ftopo_read_buffer((const char *)data, size, format, "fuzz", &f, &diag) != FTOPO_OK)
        return 0;
    /* What reads must write back in the same format and read back equal. */
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out)
        abort();
    if (ftopo_write_stream(f, out, format, &diag) != FTOPO_OK)
        abort();
    fclose(out);
    ftopo_fabric *back = NULL;
    if (ftopo_read_buffer(text, len, format, "fuzz-back", &back, &diag) != FTOPO_OK ||
        ftopo_fabric_compare(f, back, &diag) != FTOPO_OK) {
        fprintf(stderr, "round trip failed: %s\n", diag.message);
        abort();
    }
    ftopo_fabric_destroy(back);
    free(text);
    ftopo_fabric_destroy(f);
    return 0;
}

#endif

/* STUB (to be replaced): the project's JSON reader and writer. */
#include "internal.h"

ftopo_status ftopo__json_read(const char *data, size_t len, const char *name, ftopo_fabric **out,
                              ftopo_diag *diag)
{
    (void)data;
    (void)len;
    (void)out;
    return ftopo__fail(diag, FTOPO_ERR_UNSUPPORTED, "%s: reader not built yet", name);
}

ftopo_status ftopo__json_write(const ftopo_fabric *fabric, FILE *out, ftopo_diag *diag)
{
    (void)fabric;
    (void)out;
    return ftopo__fail(diag, FTOPO_ERR_UNSUPPORTED, "writer not built yet");
}

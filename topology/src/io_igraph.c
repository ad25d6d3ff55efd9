/* STUB (to be replaced): DOT and GraphML through igraph's writers. */
#include "internal.h"

ftopo_status ftopo__dot_write(const ftopo_fabric *fabric, FILE *out, ftopo_diag *diag)
{
    (void)fabric;
    (void)out;
    return ftopo__fail(diag, FTOPO_ERR_UNSUPPORTED, "writer not built yet");
}

ftopo_status ftopo__graphml_write(const ftopo_fabric *fabric, FILE *out, ftopo_diag *diag)
{
    (void)fabric;
    (void)out;
    return ftopo__fail(diag, FTOPO_ERR_UNSUPPORTED, "writer not built yet");
}

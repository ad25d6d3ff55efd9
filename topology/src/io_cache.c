/* STUB (to be replaced): libibnetdisc cache file reader. */
#include "internal.h"

ftopo_status ftopo__cache_read_file(const char *path, ftopo_fabric **out, ftopo_diag *diag)
{
    (void)out;
    return ftopo__fail(diag, FTOPO_ERR_UNSUPPORTED, "%s: reader not built yet", path);
}

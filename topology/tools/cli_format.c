/* Output format from a file name. */
#include <string.h>
#include <strings.h>

#include "cli_format.h"

ftopo_format cli_format_for_output(const char *path)
{
    static const struct {
        const char *ext;
        ftopo_format format;
    } exts[] = {{".json", FTOPO_FORMAT_JSON},
                {".dot", FTOPO_FORMAT_DOT},
                {".gv", FTOPO_FORMAT_DOT},
                {".graphml", FTOPO_FORMAT_GRAPHML},
                {".net", FTOPO_FORMAT_IBNETDISCOVER},
                {".topo", FTOPO_FORMAT_IBNETDISCOVER}};
    const char *dot = path ? strrchr(path, '.') : NULL;
    for (size_t i = 0; dot && i < sizeof(exts) / sizeof(exts[0]); i++)
        if (strcasecmp(dot, exts[i].ext) == 0)
            return exts[i].format;
    return FTOPO_FORMAT_IBNETDISCOVER;
}

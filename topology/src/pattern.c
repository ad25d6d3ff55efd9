/* Traffic patterns as users name them, and host lists (hostfiles). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool parse_count(const char *text, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < 1 || v > 1000000000L)
        return false;
    *out = v;
    return true;
}

ftopo_status ftopo_pattern_parse(const char *text, ftopo_pattern *out, ftopo_diag *diag)
{
    if (!text || !out)
        return FTOPO_ERR_ARG;
    uint64_t seed = out->seed;
    memset(out, 0, sizeof(*out));
    out->seed = seed;
    const char *colon = strchr(text, ':');
    size_t name_len = colon ? (size_t)(colon - text) : strlen(text);
    long v = 0;
    if (colon && !parse_count(colon + 1, &v))
        return ftopo__fail(diag, FTOPO_ERR_ARG, "pattern '%s': '%s' is not a positive count", text,
                           colon + 1);
    if (name_len == 7 && strncmp(text, "all2all", 7) == 0 && !colon) {
        out->kind = FTOPO_PATTERN_ALL2ALL;
    } else if (name_len == 5 && strncmp(text, "shift", 5) == 0) {
        out->kind = FTOPO_PATTERN_SHIFT;
        out->shift = (int)v;
    } else if (name_len == 6 && strncmp(text, "bisect", 6) == 0) {
        out->kind = FTOPO_PATTERN_BISECT;
        out->rounds = (int)v;
    } else {
        return ftopo__fail(diag, FTOPO_ERR_ARG,
                           "unknown pattern '%s' (all2all, shift[:K], bisect[:ROUNDS], "
                           "ring:HOSTFILE)",
                           text);
    }
    return FTOPO_OK;
}

ftopo_status ftopo_hostfile_read(const ftopo_fabric *fabric, const char *path,
                                 ftopo_host_id **hosts, size_t *num_hosts, ftopo_diag *diag)
{
    if (!fabric || !path || !hosts || !num_hosts)
        return FTOPO_ERR_ARG;
    *hosts = NULL;
    *num_hosts = 0;
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!in)
        return ftopo__fail(diag, FTOPO_ERR_IO, "%s: %s", path, strerror(errno));
    size_t nh = ftopo_num_hosts(fabric);
    ftopo_host_id *list = malloc((nh + 1) * sizeof(*list));
    uint8_t *seen = calloc(nh + 1, 1);
    ftopo_status st = FTOPO_OK;
    if (!list || !seen)
        st = ftopo__fail(diag, FTOPO_ERR_NOMEM, "%s: out of memory", path);
    char *line = NULL;
    size_t cap = 0, lineno = 0, n = 0;
    while (st == FTOPO_OK && getline(&line, &cap, in) >= 0) {
        lineno++;
        char *p = line, *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        while (isspace((unsigned char)*p))
            p++;
        char *e = p;
        while (*e && !isspace((unsigned char)*e))
            e++;
        *e = '\0';
        if (!*p)
            continue;
        ftopo_host_id h;
        if (ftopo_find_host(fabric, p, &h) != FTOPO_OK)
            st = ftopo__fail(diag, FTOPO_ERR_PARSE, "%s:%zu: unknown host '%s'", path, lineno, p);
        else if (seen[h])
            st = ftopo__fail(diag, FTOPO_ERR_PARSE, "%s:%zu: host '%s' listed twice", path, lineno,
                             p);
        else {
            seen[h] = 1;
            list[n++] = h;
        }
    }
    if (st == FTOPO_OK && n == 0)
        st = ftopo__fail(diag, FTOPO_ERR_PARSE, "%s: no hosts", path);
    free(line);
    free(seen);
    if (in != stdin)
        fclose(in);
    if (st != FTOPO_OK) {
        free(list);
        return st;
    }
    *hosts = list;
    *num_hosts = n;
    return FTOPO_OK;
}

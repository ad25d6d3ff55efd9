/* The routing engines' registry and the public entry points: one const ops
 * table per engine in one static const array. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "route_core.h"

typedef struct ftopo__route_engine_ops {
    const char *name;
    const char *summary;
    ftopo_status (*route)(ftopo_routes *routes, const ftopo_route_engine_opts *opts,
                          ftopo_route_result *result, ftopo_diag *diag);
    /* Accepts a root list; the stub refuses one (the engine has no roots). */
    ftopo_status (*take_roots)(const char *engine, size_t num_roots, ftopo_diag *diag);
} ftopo__route_engine_ops;

static ftopo_status roots_accepted(const char *engine, size_t num_roots, ftopo_diag *diag)
{
    (void)engine;
    (void)num_roots;
    (void)diag;
    return FTOPO_OK;
}

static ftopo_status roots_unsupported(const char *engine, size_t num_roots, ftopo_diag *diag)
{
    return ftopo__fail(diag, FTOPO_ERR_UNSUPPORTED, "engine %s takes no roots (%zu given)", engine,
                       num_roots);
}

static const ftopo__route_engine_ops engines[] = {
    {"minhop", "shortest paths, ports balanced per switch (OpenSM's default)", ftopo__route_minhop,
     roots_unsupported},
    {"updn", "up/down from root switches, deadlock-free", ftopo__route_updn, roots_accepted},
    {"ftree", "fat-tree D-mod-k, deadlock-free, congestion-free shifts on full trees",
     ftopo__route_ftree, roots_accepted},
    {"sssp", "weighted shortest paths balanced over the whole fabric", ftopo__route_sssp,
     roots_unsupported},
};

#define NUM_ENGINES (sizeof(engines) / sizeof(engines[0]))

size_t ftopo_route_engine_count(void)
{
    return NUM_ENGINES;
}

const char *ftopo_route_engine_name(size_t index)
{
    return index < NUM_ENGINES ? engines[index].name : NULL;
}

const char *ftopo_route_engine_summary(size_t index)
{
    return index < NUM_ENGINES ? engines[index].summary : NULL;
}

ftopo_status ftopo_route_compute(ftopo_routes *routes, const char *name,
                                 const ftopo_route_engine_opts *opts, ftopo_route_result *result,
                                 ftopo_diag *diag)
{
    if (!routes || !name)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "route: no route set or engine name");
    const ftopo__route_engine_ops *ops = NULL;
    for (size_t i = 0; i < NUM_ENGINES; i++)
        if (strcmp(engines[i].name, name) == 0)
            ops = &engines[i];
    if (!ops)
        return ftopo__fail(diag, FTOPO_ERR_NOT_FOUND,
                           "unknown routing engine '%s' (minhop, updn, ftree, sssp)", name);
    if (opts && opts->num_roots) {
        ftopo_status st = ops->take_roots(ops->name, opts->num_roots, diag);
        if (st != FTOPO_OK)
            return st;
        for (size_t i = 0; i < opts->num_roots; i++)
            if (ftopo_routes_switch_index(routes, opts->roots[i]) < 0)
                return ftopo__fail(diag, FTOPO_ERR_ARG, "root node %d is not a switch",
                                   (int)opts->roots[i]);
    }
    ftopo_route_result local = {0};
    ftopo_routes_clear(routes);
    ftopo_status st = ops->route(routes, opts, &local, diag);
    if (st != FTOPO_OK)
        return st;
    if (local.unreachable)
        ftopo__log(diag, FTOPO_LOG_WARN, "%s: %zu switch/LID entries have no route", ops->name,
                   local.unreachable);
    if (result)
        *result = local;
    return FTOPO_OK;
}

/* One root by node GUID or node description. */
static ftopo_status find_root(const ftopo_fabric *fabric, const char *word, ftopo_node_id *out)
{
    if (word[0] == '0' && (word[1] == 'x' || word[1] == 'X')) {
        char *end;
        errno = 0;
        unsigned long long guid = strtoull(word, &end, 16);
        if (errno == 0 && *end == '\0' && ftopo_find_by_guid(fabric, guid, out) == FTOPO_OK)
            return FTOPO_OK;
    }
    return ftopo_find_by_desc(fabric, word, out);
}

static ftopo_status add_root(const ftopo_fabric *fabric, const char *word, const char *where,
                             ftopo_node_id **roots, size_t *num, size_t *cap, ftopo_diag *diag)
{
    ftopo_node_id node;
    if (find_root(fabric, word, &node) != FTOPO_OK)
        return ftopo__fail(diag, FTOPO_ERR_NOT_FOUND, "%sroot '%s' not found in the fabric", where,
                           word);
    ftopo_node_info info;
    if (ftopo_node_get(fabric, node, &info) != FTOPO_OK || info.type != FTOPO_NODE_SWITCH)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "%sroot '%s' is not a switch", where, word);
    if (*num == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        ftopo_node_id *grown = realloc(*roots, ncap * sizeof(*grown));
        if (!grown)
            return ftopo__fail(diag, FTOPO_ERR_NOMEM, "roots: out of memory");
        *roots = grown;
        *cap = ncap;
    }
    (*roots)[(*num)++] = node;
    return FTOPO_OK;
}

static ftopo_status roots_from_file(const ftopo_fabric *fabric, const char *path,
                                    ftopo_node_id **roots, size_t *num, size_t *cap,
                                    ftopo_diag *diag)
{
    FILE *in = fopen(path, "r");
    if (!in)
        return ftopo__fail(diag, FTOPO_ERR_IO, "%s: %s", path, strerror(errno));
    char line[512], where[600];
    unsigned lineno = 0;
    ftopo_status st = FTOPO_OK;
    while (st == FTOPO_OK && fgets(line, sizeof(line), in)) {
        lineno++;
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        char *end = p;
        while (*end && *end != '#' && *end != '\n' && *end != '\r')
            end++;
        while (end > p && isspace((unsigned char)end[-1]))
            end--;
        if (end == p)
            continue;
        *end = '\0';
        snprintf(where, sizeof(where), "%s:%u: ", path, lineno);
        st = add_root(fabric, p, where, roots, num, cap, diag);
    }
    fclose(in);
    return st;
}

ftopo_status ftopo_route_roots_parse(const ftopo_fabric *fabric, const char *text,
                                     ftopo_node_id **roots, size_t *num_roots, ftopo_diag *diag)
{
    if (!fabric || !text || !roots || !num_roots)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "roots: missing argument");
    *roots = NULL;
    *num_roots = 0;
    size_t cap = 0;
    ftopo_status st = FTOPO_OK;
    if (text[0] == '@') {
        st = roots_from_file(fabric, text + 1, roots, num_roots, &cap, diag);
    } else {
        char *copy = strdup(text);
        if (!copy)
            return ftopo__fail(diag, FTOPO_ERR_NOMEM, "roots: out of memory");
        for (char *save = NULL, *w = strtok_r(copy, ",", &save); w && st == FTOPO_OK;
             w = strtok_r(NULL, ",", &save))
            st = add_root(fabric, w, "", roots, num_roots, &cap, diag);
        free(copy);
    }
    if (st == FTOPO_OK && *num_roots == 0)
        st = ftopo__fail(diag, FTOPO_ERR_ARG, "roots: the list '%s' names no switch", text);
    if (st != FTOPO_OK) {
        free(*roots);
        *roots = NULL;
        *num_roots = 0;
    }
    return st;
}

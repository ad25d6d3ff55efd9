/* Options: the application's config first, then the environment, then
 * defaults. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

void fcoll_config_init(fcoll_config_t *cfg)
{
    if (cfg == NULL)
        return;
    memset(cfg, 0, sizeof(*cfg));
    cfg->size = sizeof(*cfg);
    cfg->log_level = FCOLL_LOG_WARN;
}

static fcoll_log_level_t env_log_level(void)
{
    static const char *const names[] = {"ERROR", "WARN", "INFO", "DEBUG"};
    const char *v = getenv("FCOLL_DEBUG");
    if (v == NULL || *v == '\0')
        return FCOLL_LOG_WARN;
    for (int i = 0; i < 4; i++)
        if (strcasecmp(v, names[i]) == 0)
            return (fcoll_log_level_t)i;
    if (strcasecmp(v, "TRACE") == 0 || strcmp(v, "1") == 0)
        return FCOLL_LOG_DEBUG;
    return FCOLL_LOG_WARN;
}

/* Parses "3,1,0,2" into a new array. */
static fcoll_status_t parse_order(const char *s, int **out, int *len)
{
    int n = 1;
    for (const char *p = s; *p; p++)
        n += *p == ',';
    int *v = malloc(sizeof(int) * (size_t)n);
    if (v == NULL)
        return FCOLL_ERR_NO_MEMORY;
    const char *p = s;
    for (int i = 0; i < n; i++) {
        char *end;
        errno = 0;
        long x = strtol(p, &end, 10);
        if (errno != 0 || end == p || x < 0 || x > 1 << 24 || (*end != ',' && *end != '\0')) {
            free(v);
            return FCOLL_ERR_INVALID_ARG;
        }
        v[i] = (int)x;
        p = end + 1;
    }
    *out = v;
    *len = n;
    return FCOLL_OK;
}

static void copy_name(char *dst, size_t cap, const char *cfgval, const char *env)
{
    const char *v = cfgval != NULL ? cfgval : getenv(env);
    dst[0] = '\0';
    if (v != NULL && strcasecmp(v, "auto") != 0) {
        strncpy(dst, v, cap - 1);
        dst[cap - 1] = '\0';
    }
}

fcoll_status_t fcoll__opts_resolve(fcoll__opts_t *o, const fcoll_config_t *cfg)
{
    fcoll_config_t def;
    if (cfg == NULL) {
        fcoll_config_init(&def);
        cfg = &def;
    }
    memset(o, 0, sizeof(*o));
    o->log.rank = -1;
    o->log.fn = cfg->log_fn;
    o->log.user = cfg->log_user;
    o->log.level = cfg->log_fn != NULL ? cfg->log_level : env_log_level();

    o->timeout_ms = cfg->timeout_ms;
    const char *t = getenv("FCOLL_TIMEOUT");
    if (o->timeout_ms <= 0 && t != NULL && atof(t) > 0)
        o->timeout_ms = (int)(atof(t) * 1000.0);
    if (o->timeout_ms <= 0)
        o->timeout_ms = FCOLL__DEFAULT_TIMEOUT_MS;
    o->timeout_default_ms = o->timeout_ms;

    copy_name(o->transport, sizeof(o->transport), cfg->transport, "FCOLL_TRANSPORT");
    char algo[16];
    copy_name(algo, sizeof(algo), cfg->algo, "FCOLL_ALGO");
    static const char *const algos[] = {"", "ring", "rhd", "rd", "tree", "direct"};
    o->algo = -1;
    for (int i = 0; i < (int)(sizeof(algos) / sizeof(algos[0])); i++)
        if (strcasecmp(algo, algos[i]) == 0)
            o->algo = i;
    if (o->algo < 0) {
        FCOLL__ERR(&o->log, "unknown algorithm \"%s\" (have ring, rhd, rd, tree, direct, auto)",
                   algo);
        return FCOLL_ERR_INVALID_ARG;
    }

    if (cfg->ring_order != NULL) {
        if (cfg->ring_order_len <= 0)
            return FCOLL_ERR_INVALID_ARG;
        o->ring_order = malloc(sizeof(int) * (size_t)cfg->ring_order_len);
        if (o->ring_order == NULL)
            return FCOLL_ERR_NO_MEMORY;
        memcpy(o->ring_order, cfg->ring_order, sizeof(int) * (size_t)cfg->ring_order_len);
        o->ring_order_len = cfg->ring_order_len;
    } else if (getenv("FCOLL_RING_ORDER") != NULL && *getenv("FCOLL_RING_ORDER") != '\0') {
        fcoll_status_t st =
            parse_order(getenv("FCOLL_RING_ORDER"), &o->ring_order, &o->ring_order_len);
        if (st != FCOLL_OK) {
            FCOLL__ERR(&o->log, "FCOLL_RING_ORDER=\"%s\": not a list of ranks",
                       getenv("FCOLL_RING_ORDER"));
            return st;
        }
    }
    return FCOLL_OK;
}

void fcoll__opts_free(fcoll__opts_t *o)
{
    free(o->ring_order);
    o->ring_order = NULL;
}

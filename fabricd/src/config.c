/* Settings from the config file and the command line; see config.h. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { K_STR, K_INT, K_OCTAL, K_SIZE, K_DOUBLE, K_BOOL, K_LEVEL } key_type;

typedef struct key_def {
    const char *name;
    key_type type;
    size_t offset;
    const char *help;
} key_def;

#define KEY(name, type, field, help)                                                               \
    {                                                                                              \
        name, type, offsetof(fabd_config, field), help                                             \
    }

static const key_def keys[] = {
    KEY("listen", K_STR, listen, "TCP bind address (\"none\": no TCP)"),
    KEY("port", K_INT, port, "TCP port"),
    KEY("socket", K_STR, socket_path, "Unix socket path (\"\": none)"),
    KEY("socket-mode", K_OCTAL, socket_mode, "Unix socket permissions"),
    KEY("token", K_STR, token, "bearer token the API asks for"),
    KEY("token-file", K_STR, token_file, "file holding the token (first line)"),
    KEY("max-connections", K_INT, max_connections, "concurrent connections"),
    KEY("connection-timeout", K_INT, connection_timeout_s, "idle seconds before closing"),
    KEY("max-body", K_SIZE, max_body_bytes, "largest request body in bytes"),
    KEY("max-wait", K_INT, max_wait_s, "longest event long poll in seconds"),
    KEY("state-dir", K_STR, state_dir, "event log and last topology"),
    KEY("master", K_STR, master, "master topology file for diff"),
    KEY("ca", K_STR, ca, "local CA name (\"\": the first)"),
    KEY("ca-port", K_INT, ca_port, "local CA port (0: first active)"),
    KEY("sweep-interval-ms", K_INT, sweep_interval_ms, "discovery period"),
    KEY("discover-timeout-ms", K_INT, discover_timeout_ms, "longest discovery or LFT read"),
    KEY("poll-interval-ms", K_INT, poll_interval_ms, "counter poll period (<0: off)"),
    KEY("mad-timeout-ms", K_INT, mad_timeout_ms, "MAD timeout (0: library default)"),
    KEY("mad-retries", K_INT, mad_retries, "MAD retries (0: library default)"),
    KEY("congested-threshold", K_DOUBLE, congested_threshold, "congestion score 0..1"),
    KEY("error-threshold", K_DOUBLE, error_threshold, "errors per second"),
    KEY("max-events", K_INT, max_events, "events kept"),
    KEY("syslog", K_BOOL, syslog, "log to syslog instead of stderr"),
    KEY("probes-only", K_BOOL, probes_only, "no MAD sweeps: the fabric from probe agents only"),
    KEY("log-level", K_LEVEL, log_level, "error, warn, info or debug"),
};

static const char *const level_names[] = {"error", "warn", "info", "debug"};

static void defaults(fabd_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    strcpy(cfg->listen, "127.0.0.1");
    cfg->port = 8734;
    cfg->socket_mode = 0660;
    cfg->max_connections = 256;
    cfg->connection_timeout_s = 10;
    cfg->max_body_bytes = 4u << 20;
    cfg->max_wait_s = 60;
    strcpy(cfg->state_dir, "/var/lib/fabricd");
    cfg->sweep_interval_ms = 10000;
    cfg->discover_timeout_ms = 120000;
    cfg->poll_interval_ms = 2000;
    cfg->log_level = FTOPO_LOG_INFO;
}

static const key_def *find_key(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strlen(keys[i].name) == len && strncmp(keys[i].name, name, len) == 0)
            return &keys[i];
    return NULL;
}

static bool set_key(fabd_config *cfg, const key_def *k, const char *value, char *err, size_t errlen)
{
    char *field = (char *)cfg + k->offset;
    char *end;
    errno = 0;
    switch (k->type) {
    case K_STR:
        if (strlen(value) >= FABD_CONFIG_STR) {
            snprintf(err, errlen, "%s: value longer than %d bytes", k->name, FABD_CONFIG_STR - 1);
            return false;
        }
        strcpy(field, value);
        return true;
    case K_INT:
    case K_OCTAL: {
        long v = strtol(value, &end, k->type == K_OCTAL ? 8 : 10);
        if (errno || end == value || *end || v < INT_MIN || v > INT_MAX)
            break;
        *(int *)field = (int)v;
        return true;
    }
    case K_SIZE: {
        unsigned long long v = strtoull(value, &end, 10);
        if (errno || end == value || *end || value[0] == '-')
            break;
        *(size_t *)field = (size_t)v;
        return true;
    }
    case K_DOUBLE: {
        double v = strtod(value, &end);
        if (errno || end == value || *end)
            break;
        *(double *)field = v;
        return true;
    }
    case K_BOOL:
        if (!strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "1")) {
            *(bool *)field = true;
            return true;
        }
        if (!strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "0")) {
            *(bool *)field = false;
            return true;
        }
        break;
    case K_LEVEL:
        for (int i = 0; i < 4; i++)
            if (!strcasecmp(value, level_names[i])) {
                *(int *)field = i;
                return true;
            }
        break;
    }
    snprintf(err, errlen, "%s: bad value '%s'", k->name, value);
    return false;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

static bool read_file(fabd_config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    char line[1024];
    char msg[512];
    int lineno = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof(line), f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = trim(line);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
            ok = false;
            break;
        }
        *eq = '\0';
        char *name = trim(s), *value = trim(eq + 1);
        /* Quotes let a value hold leading spaces or be empty. */
        size_t vl = strlen(value);
        if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
            value[vl - 1] = '\0';
            value++;
        }
        const key_def *k = find_key(name, strlen(name));
        if (!k) {
            snprintf(err, errlen, "%s:%d: unknown key '%s'", path, lineno, name);
            ok = false;
        } else if (!set_key(cfg, k, value, msg, sizeof(msg))) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
            ok = false;
        }
    }
    fclose(f);
    return ok;
}

static bool read_token_file(fabd_config *cfg, char *err, size_t errlen)
{
    FILE *f = fopen(cfg->token_file, "r");
    if (!f) {
        snprintf(err, errlen, "token file %s: %s", cfg->token_file, strerror(errno));
        return false;
    }
    char line[FABD_CONFIG_STR];
    bool ok = fgets(line, sizeof(line), f) != NULL;
    fclose(f);
    if (!ok || !*trim(line)) {
        snprintf(err, errlen, "token file %s: empty", cfg->token_file);
        return false;
    }
    strcpy(cfg->token, trim(line));
    return true;
}

/* Walks argv: with `config_only` just finds -c/--config, else applies every
 * other flag. */
static bool parse_args(fabd_config *cfg, int argc, char **argv, bool config_only, char *err,
                       size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cfg->help = true;
            continue;
        }
        if (!strcmp(a, "-v")) {
            if (!config_only)
                cfg->log_level = FTOPO_LOG_DEBUG;
            continue;
        }
        if (strncmp(a, "--", 2) != 0 && strcmp(a, "-c") != 0) {
            snprintf(err, errlen, "unexpected argument '%s' (see --help)", a);
            return false;
        }
        const char *name = a[1] == 'c' ? "config" : a + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const char *value = eq ? eq + 1 : NULL;
        if (!value) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "%s needs a value", a);
                return false;
            }
            value = argv[++i];
        }
        if (nlen == 6 && !strncmp(name, "config", 6)) {
            if (config_only &&
                !set_key(cfg, &(key_def){"config", K_STR, offsetof(fabd_config, config_path), ""},
                         value, err, errlen))
                return false;
            continue;
        }
        const key_def *k = find_key(name, nlen);
        if (!k) {
            snprintf(err, errlen, "unknown option '%s' (see --help)", a);
            return false;
        }
        if (!config_only && !set_key(cfg, k, value, err, errlen))
            return false;
    }
    return true;
}

bool fabd_config_load(fabd_config *cfg, int argc, char **argv, char *err, size_t errlen)
{
    defaults(cfg);
    if (!parse_args(cfg, argc, argv, true, err, errlen))
        return false;
    if (cfg->config_path[0] && !read_file(cfg, cfg->config_path, err, errlen))
        return false;
    if (!parse_args(cfg, argc, argv, false, err, errlen))
        return false;
    if (cfg->token_file[0] && !read_token_file(cfg, err, errlen))
        return false;
    if (cfg->port < 0 || cfg->port > 65535 || cfg->max_connections < 1 ||
        cfg->connection_timeout_s < 1 || cfg->max_wait_s < 0 || cfg->max_body_bytes < 1024) {
        snprintf(err, errlen,
                 "out of range: port 0..65535, max-connections >= 1, "
                 "connection-timeout >= 1, max-wait >= 0, max-body >= 1024");
        return false;
    }
    return true;
}

void fabd_config_core_opts(const fabd_config *cfg, fabd_core_opts *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->state_dir = cfg->state_dir[0] ? cfg->state_dir : NULL;
    opts->master_path = cfg->master[0] ? cfg->master : NULL;
    opts->ca_name = cfg->ca[0] ? cfg->ca : NULL;
    opts->ca_port = cfg->ca_port;
    opts->mad_timeout_ms = cfg->mad_timeout_ms;
    opts->mad_retries = cfg->mad_retries;
    opts->sweep_interval_ms = cfg->sweep_interval_ms;
    opts->poll_interval_ms = cfg->poll_interval_ms;
    opts->discover_timeout_ms = cfg->discover_timeout_ms;
    opts->congested_threshold = cfg->congested_threshold;
    opts->error_threshold = cfg->error_threshold;
    opts->max_events = cfg->max_events > 0 ? (size_t)cfg->max_events : 0;
    opts->log_level = (ftopo_log_level)cfg->log_level;
}

void fabd_config_usage(FILE *out)
{
    fprintf(out, "usage: fabricd [-c FILE] [-v] [--KEY VALUE]...\n"
                 "Every config file key is also a flag; flags win over the file.\n"
                 "SIGHUP re-reads the file; SIGTERM/SIGINT stop.\n\n");
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        fprintf(out, "  --%-22s %s\n", keys[i].name, keys[i].help);
}

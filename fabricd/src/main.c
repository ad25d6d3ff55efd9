/* fabricd: the live fabric daemon. Loads the config, starts the core's
 * sweeper and the HTTP listeners, then waits for signals on the main
 * thread (SIGHUP reloads, SIGTERM/SIGINT stop); every other thread has
 * them blocked, so no handler runs in a random thread. */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "api.h"
#include "config.h"
#include "http.h"
#include "probes.h"
#include "state.h"

typedef struct fabd_log {
    _Atomic int level;
    bool syslog; /* fixed at start: the sink does not change under a reload */
} fabd_log;

static void log_cb(void *user, ftopo_log_level level, const char *msg)
{
    fabd_log *lg = user;
    if ((int)level > atomic_load(&lg->level))
        return;
    static const char *const names[] = {"error", "warn", "info", "debug"};
    static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
    int l = (unsigned)level < 4 ? (int)level : 3;
    if (lg->syslog)
        syslog(prio[l], "%s", msg);
    else
        fprintf(stderr, "fabricd: %s: %s\n", names[l], msg);
}

static void logf_(fabd_log *lg, ftopo_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void logf_(fabd_log *lg, ftopo_log_level level, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_cb(lg, level, msg);
}

static void http_opts(const fabd_config *cfg, fabd_log *lg, fabd_api *api, fabd_http_opts *o)
{
    *o = (fabd_http_opts){.listen = cfg->listen,
                          .port = cfg->port,
                          .socket_path = cfg->socket_path,
                          .socket_mode = cfg->socket_mode,
                          .max_connections = cfg->max_connections,
                          .connection_timeout_s = cfg->connection_timeout_s,
                          .max_body_bytes = cfg->max_body_bytes,
                          .token = cfg->token,
                          .is_public = fabd_api_is_public,
                          .handler = fabd_api_handle,
                          .handler_user = api,
                          .log = log_cb,
                          .log_user = lg};
}

/* SIGHUP: what can change live does; the rest is logged as needing a
 * restart. A config that fails to load leaves everything as it was. */
static void reload(fabd_config *cfg, int argc, char **argv, fabd_log *lg, fabd_core *core,
                   fabd_http *http, fabd_api *api)
{
    fabd_config *next = malloc(sizeof(*next));
    char err[512];
    if (!next) {
        logf_(lg, FTOPO_LOG_ERROR, "reload: out of memory");
        return;
    }
    if (!fabd_config_load(next, argc, argv, err, sizeof(err))) {
        logf_(lg, FTOPO_LOG_ERROR, "reload: %s; keeping the running config", err);
        free(next);
        return;
    }
    if (strcmp(next->listen, cfg->listen) || next->port != cfg->port ||
        strcmp(next->socket_path, cfg->socket_path) || strcmp(next->state_dir, cfg->state_dir) ||
        strcmp(next->ca, cfg->ca) || strcmp(next->master, cfg->master) ||
        next->syslog != cfg->syslog || next->max_connections != cfg->max_connections)
        logf_(lg, FTOPO_LOG_WARN,
              "reload: listeners, state-dir, ca, master, syslog and "
              "max-connections change on restart only");
    atomic_store(&lg->level, next->log_level);
    fabd_core_opts co;
    fabd_config_core_opts(next, &co);
    co.log = log_cb;
    co.log_user = lg;
    fabd_core_reconfigure(core, &co);
    fabd_http_set_token(http, next->token);
    atomic_store(&api->max_wait_s, next->max_wait_s);
    /* Keep the strings the core and listeners were started with. */
    memcpy(next->listen, cfg->listen, sizeof(cfg->listen));
    memcpy(next->socket_path, cfg->socket_path, sizeof(cfg->socket_path));
    memcpy(next->state_dir, cfg->state_dir, sizeof(cfg->state_dir));
    next->port = cfg->port;
    *cfg = *next;
    free(next);
    logf_(lg, FTOPO_LOG_INFO, "config reloaded");
}

int main(int argc, char **argv)
{
    int child_rc = fabd_mad_child_main(argc, argv);
    if (child_rc >= 0)
        return child_rc;
    static fabd_config cfg_storage; /* large: off the stack, not shared */
    fabd_config *cfg = &cfg_storage;
    char err[512];
    if (!fabd_config_load(cfg, argc, argv, err, sizeof(err))) {
        fprintf(stderr, "fabricd: %s\n", err);
        return 2;
    }
    if (cfg->help) {
        fabd_config_usage(stdout);
        return 0;
    }
    fabd_log lg = {.level = cfg->log_level, .syslog = cfg->syslog};
    if (lg.syslog)
        openlog("fabricd", LOG_PID, LOG_DAEMON);

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGHUP);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    fabd_core_opts co;
    fabd_config_core_opts(cfg, &co);
    co.log = log_cb;
    co.log_user = &lg;
    fabd_core *core;
    ftopo_diag diag = {0};
    ftopo_status st = fabd_core_create(&co, &core, &diag);
    if (st != FTOPO_OK) {
        logf_(&lg, FTOPO_LOG_ERROR, "cannot start: %s",
              diag.message[0] ? diag.message : ftopo_strerror(st));
        return 1;
    }
    fabd_probes *probes;
    st = fabd_probes_create(core, co.state_dir, &probes, &diag);
    if (st != FTOPO_OK) {
        logf_(&lg, FTOPO_LOG_ERROR, "cannot start: %s", diag.message);
        fabd_core_destroy(core);
        return 1;
    }
    fabd_core_set_avail_hook(core, (struct fabd_avail_hook){fabd_probes_adjust_avail, probes});
    fabd_api api = {.core = core,
                    .probes = probes,
                    .probes_only = cfg->probes_only,
                    .max_wait_s = cfg->max_wait_s};
    fabd_http_opts ho;
    http_opts(cfg, &lg, &api, &ho);
    fabd_http *http = fabd_http_start(&ho);
    if (!http) {
        fabd_probes_destroy(probes);
        fabd_core_destroy(core);
        return 1;
    }
    /* Probes-only: no MADs at all (a RoCE fabric, or no umad port); the
     * fabric is what the probe agents report. */
    st = cfg->probes_only ? FTOPO_OK : fabd_core_start(core, &diag);
    if (st != FTOPO_OK) {
        logf_(&lg, FTOPO_LOG_ERROR, "cannot start the sweeper: %s",
              diag.message[0] ? diag.message : ftopo_strerror(st));
        fabd_http_stop(http);
        fabd_probes_destroy(probes);
        fabd_core_destroy(core);
        return 1;
    }
    if (cfg->probes_only)
        logf_(&lg, FTOPO_LOG_INFO, "probes-only: no fabric sweeps, the probe agents' picture");
    if (fabd_http_port(http))
        logf_(&lg, FTOPO_LOG_INFO, "listening on http://%s:%d/ (token %s)", cfg->listen,
              fabd_http_port(http), cfg->token[0] ? "required" : "not required");
    if (cfg->socket_path[0])
        logf_(&lg, FTOPO_LOG_INFO, "listening on unix:%s", cfg->socket_path);

    for (;;) {
        int sig;
        if (sigwait(&sigs, &sig))
            continue;
        if (sig == SIGHUP) {
            reload(cfg, argc, argv, &lg, core, http, &api);
            continue;
        }
        logf_(&lg, FTOPO_LOG_INFO, "%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        break;
    }
    /* The core first: it wakes every long poll, so the HTTP threads can
     * finish and be joined; then the listeners; the core's memory last.
     * A probe round in flight stops after its current step meanwhile. */
    fabd_probes_stop(probes);
    fabd_core_stop(core);
    fabd_http_stop(http);
    fabd_probes_destroy(probes);
    fabd_core_destroy(core);
    logf_(&lg, FTOPO_LOG_INFO, "stopped");
    if (lg.syslog)
        closelog();
    return 0;
}

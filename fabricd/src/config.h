/* fabricd's settings: a `key = value` file (fabricd.conf.example documents
 * every key) overridden by command-line flags of the same names
 * (`--sweep-interval-ms 1000` or `--sweep-interval-ms=1000`), so that the
 * file and the flags can never disagree on what a setting means. */
#ifndef FABD_CONFIG_H
#define FABD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "state.h"

#define FABD_CONFIG_STR 256

typedef struct fabd_config {
    char config_path[FABD_CONFIG_STR]; /* "" when none */
    /* HTTP */
    char listen[FABD_CONFIG_STR]; /* bind address; "" or "none": no TCP listener */
    int port;
    char socket_path[FABD_CONFIG_STR]; /* Unix socket; "": none */
    int socket_mode;                   /* octal in the file, e.g. 0660 */
    char token[FABD_CONFIG_STR];       /* bearer token; "": no token asked */
    char token_file[FABD_CONFIG_STR];  /* read into token when set */
    int max_connections;
    int connection_timeout_s; /* idle time before a connection is closed */
    size_t max_body_bytes;
    int max_wait_s; /* longest event long poll */
    /* Core */
    char state_dir[FABD_CONFIG_STR];
    char master[FABD_CONFIG_STR];
    char ca[FABD_CONFIG_STR];
    int ca_port;
    int sweep_interval_ms;
    int discover_timeout_ms;
    int poll_interval_ms;
    int mad_timeout_ms;
    int mad_retries;
    double congested_threshold;
    double error_threshold;
    int max_events;
    /* Logging */
    bool probes_only; /* no MADs: hosts, matrix and rings from the probe agents */
    bool syslog;
    int log_level; /* ftopo_log_level */
    bool help;     /* -h given: print usage and exit */
} fabd_config;

/* Defaults, then the config file (-c/--config in argv, if any), then every
 * other flag in argv. On error writes one line to err and returns false. */
bool fabd_config_load(fabd_config *cfg, int argc, char **argv, char *err, size_t errlen);

/* The core's options pointing into cfg (valid while cfg lives). */
void fabd_config_core_opts(const fabd_config *cfg, fabd_core_opts *opts);

void fabd_config_usage(FILE *out);

#endif

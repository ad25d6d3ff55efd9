/* What fabricctl's command files share: the connection, the calls that
 * print the API's error and set the exit code, and JSON accessors. */
#ifndef FABCTL_CTL_H
#define FABCTL_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "client.h"

#define EXIT_API   1
#define EXIT_USAGE 2
#define EXIT_CONN  3

typedef struct ctl {
    fabctl_conn conn;
    bool json;
} ctl;

/* Performs a request; on success returns the body (caller frees), else
 * prints why and sets *rc. */
char *fabctl_call(const ctl *c, const char *method, const char *path, const char *ctype,
                  const char *body, size_t blen, int *rc);
/* The same for a JSON reply (printed as it came with --json). */
json_object *fabctl_call_json(const ctl *c, const char *method, const char *path, const char *body,
                              int *rc);
json_object *fabctl_get(json_object *o, const char *key); /* NULL when absent */
const char *fabctl_str(json_object *o, const char *key);  /* "" when absent */
double fabctl_num(json_object *o, const char *key);       /* 0 when absent */

/* The probe agents' commands (probes_cmd.c). */
typedef struct fabctl_probe_opts {
    const char *kind;       /* bw, ib-bw; NULL: the API's default */
    long size, duration_ms; /* 0: the API's default */
    bool no_wait;
} fabctl_probe_opts;

int fabctl_cmd_hosts(const ctl *c, const char *name);
/* probes matrix | probes round [HOSTS...] | probes show ID */
int fabctl_cmd_probes(const ctl *c, const fabctl_probe_opts *o, char **args, int nargs);

#endif

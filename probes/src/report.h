/* Reporting to fabricd (`--fabricd URL [--token TOKEN]`): register this
 * host with its agent address and inventory, push probe results. Plain
 * HTTP/1.1 over TCP, one request per connection, every step with a
 * timeout: fabricd being away costs a logged error, never a hang. */
#ifndef FPROBE_REPORT_H
#define FPROBE_REPORT_H

#include <json-c/json.h>

#include "proto.h"

struct fprobe_fabricd {
    const char *url;   /* http://HOST[:PORT][/]; NULL: no reporting */
    const char *token; /* bearer token, NULL or "": none */
    char name[64];     /* this host's name in fabricd */
};

/* Takes --fabricd URL, --token TOKEN and --name NAME out of argv
 * (shifting the rest down, argc updated); the token defaults to
 * $FABRICD_TOKEN, the name to the host name. 0, or -1 when an option
 * lacks its value (printed). */
int fprobe_fabricd_args(struct fprobe_fabricd *f, int *argc, char **argv);

/* POSTs body (JSON) to PATH; 0 on a 2xx answer, -1 otherwise (logged
 * with fabricd's error message). */
int fprobe_fabricd_post(const struct fprobe_fabricd *f, const char *path, json_object *body);

/* POST /api/v1/hosts with this host's name, agent address (may be "")
 * and inventory (read now). 0 or -1 (logged). */
int fprobe_fabricd_register(const struct fprobe_fabricd *f, const char *agent);

/* A probe result as /api/v1/probes/results takes it (a: the host the
 * probe ran from, b: its target). */
json_object *fprobe_fabricd_result(const char *a, const char *b, const struct fprobe_req *req,
                                   const struct fprobe_result *res);

#endif

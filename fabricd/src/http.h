/* The HTTP layer: libmicrohttpd listeners (TCP and a Unix socket) that
 * collect a request, check the bearer token and hand it to one handler,
 * which fills a reply. Handlers run on the connection's own thread
 * (libmicrohttpd's thread-per-connection mode), so a long poll blocks only
 * its own client. */
#ifndef FABD_HTTP_H
#define FABD_HTTP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#include "ftopo/status.h"

struct MHD_Connection;

typedef struct fabd_req {
    struct MHD_Connection *conn;
    const char *method;
    const char *path; /* without the query string */
    const char *body; /* NUL-terminated; "" when none */
    size_t body_len;
} fabd_req;

/* A query argument, NULL when absent. */
const char *fabd_req_arg(const fabd_req *req, const char *name);

typedef struct fabd_reply {
    unsigned status;
    const char *content_type; /* static string */
    char *buf;                /* malloc'ed body, or NULL */
    size_t len;
    FILE *stream; /* open_memstream over buf while a handler writes */
} fabd_reply;

/* Sets the reply to a JSON document; takes ownership of obj. */
void fabd_reply_json(fabd_reply *rep, unsigned status, json_object *obj);
/* {"error": {"status": N, "message": "..."}} */
void fabd_reply_error(fabd_reply *rep, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A stream the handler writes the body into (closed by the server); NULL
 * (with a 500 reply set) when out of memory. */
FILE *fabd_reply_stream(fabd_reply *rep, unsigned status, const char *content_type);
/* Sets the reply to a copy of len bytes of data (a 500 reply when out of
 * memory). */
void fabd_reply_bytes(fabd_reply *rep, unsigned status, const char *content_type, const char *data,
                      size_t len);
/* Closes the stream, if any, so that buf/len hold the body. */
void fabd_reply_finish(fabd_reply *rep);
/* The HTTP status for a library status (see state.h). */
unsigned fabd_http_status(ftopo_status st);

typedef void (*fabd_http_handler)(void *user, const fabd_req *req, fabd_reply *rep);

typedef struct fabd_http_opts {
    const char *listen; /* NULL, "" or "none": no TCP listener */
    int port;           /* 0: any free port (see fabd_http_port) */
    const char *socket_path;
    int socket_mode;
    int max_connections;
    int connection_timeout_s;
    size_t max_body_bytes;
    const char *token; /* "" or NULL: none asked */
    /* Paths served without the token (health probes, the web page's
     * files); NULL: only the token decides. */
    bool (*is_public)(const char *path);
    fabd_http_handler handler;
    void *handler_user;
    ftopo_log_fn log;
    void *log_user;
} fabd_http_opts;

typedef struct fabd_http fabd_http;

/* Opens the listeners and starts serving. On error logs why and returns
 * NULL. */
fabd_http *fabd_http_start(const fabd_http_opts *opts);
/* The TCP port bound (0: no TCP listener). */
int fabd_http_port(const fabd_http *http);
/* Replaces the token (SIGHUP). */
void fabd_http_set_token(fabd_http *http, const char *token);
/* Stops accepting, waits for every connection thread, closes and removes
 * the Unix socket. NULL is fine. */
void fabd_http_stop(fabd_http *http);

#endif

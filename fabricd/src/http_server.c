/* libmicrohttpd glue: listeners, limits, body collection, token check.
 * libmicrohttpd (Debian's libmicrohttpd-dev) gives a correct HTTP/1.1
 * server with connection limits and timeouts; we only add the policy. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "config.h"

struct fabd_http {
    fabd_http_opts opts; /* strings below point into this struct */
    char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    struct MHD_Daemon *tcp, *unix_sock;
    int port;
    pthread_mutex_t token_lock; /* guards token: SIGHUP replaces it */
    char token[FABD_CONFIG_STR];
    /* Requests begun and not yet answered, and whether the daemon is
     * stopping: a stop lets them finish (up to FABD_HTTP_DRAIN_MS) and
     * answers new ones 503. */
    atomic_int in_flight;
    atomic_bool stopping;
};

#define FABD_HTTP_DRAIN_MS 5000

/* Per request: the body collected so far. */
typedef struct req_ctx {
    char *body;
    size_t len, cap;
} req_ctx;

static void logf_(const fabd_http *h, ftopo_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void logf_(const fabd_http *h, ftopo_log_level level, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (h->opts.log)
        h->opts.log(h->opts.log_user, level, msg);
    else
        fprintf(stderr, "fabricd: %s\n", msg);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    const fabd_http *h = cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    logf_(h, FTOPO_LOG_WARN, "http: %s", msg);
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, fabd_reply *rep)
{
    fabd_reply_finish(rep);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(rep->len, rep->buf ? rep->buf : "", MHD_RESPMEM_MUST_COPY);
    free(rep->buf);
    rep->buf = NULL;
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rep->content_type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (rep->status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"fabricd\"");
    enum MHD_Result ret = MHD_queue_response(conn, rep->status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, unsigned status, const char *msg)
{
    fabd_reply rep = {0};
    fabd_reply_error(&rep, status, "%s", msg);
    return send_reply(conn, &rep);
}

/* Constant time in the token's length, so that timing does not reveal how
 * much of a guess was right. */
static bool token_ok(fabd_http *h, const char *auth)
{
    pthread_mutex_lock(&h->token_lock);
    bool ok = true;
    if (h->token[0]) {
        const char *given = auth && !strncmp(auth, "Bearer ", 7) ? auth + 7 : "";
        size_t tl = strlen(h->token), gl = strlen(given);
        unsigned char diff = tl != gl;
        for (size_t i = 0; i < tl; i++)
            diff |= (unsigned char)(h->token[i] ^ (i < gl ? given[i] : 0));
        ok = diff == 0;
    }
    pthread_mutex_unlock(&h->token_lock);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    fabd_http *h = cls;
    req_ctx *ctx = *con_cls;
    if (!ctx) {
        /* First call: headers only. Refuse an announced oversized body
         * before reading it. */
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > h->opts.max_body_bytes) {
            char msg[96];
            snprintf(msg, sizeof(msg), "request body over the %zu byte limit",
                     h->opts.max_body_bytes);
            return send_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, msg);
        }
        if (atomic_load(&h->stopping))
            return send_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "fabricd is stopping");
        ctx = calloc(1, sizeof(*ctx));
        if (!ctx)
            return MHD_NO;
        *con_cls = ctx;
        atomic_fetch_add(&h->in_flight, 1);
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* A chunked body that grows past the limit: drop the connection. */
        if (ctx->len + *upload_data_size > h->opts.max_body_bytes)
            return MHD_NO;
        if (ctx->len + *upload_data_size + 1 > ctx->cap) {
            size_t cap = (ctx->len + *upload_data_size + 1) * 2;
            if (cap > h->opts.max_body_bytes + 1)
                cap = h->opts.max_body_bytes + 1;
            char *nb = realloc(ctx->body, cap);
            if (!nb)
                return MHD_NO;
            ctx->body = nb;
            ctx->cap = cap;
        }
        memcpy(ctx->body + ctx->len, upload_data, *upload_data_size);
        ctx->len += *upload_data_size;
        ctx->body[ctx->len] = '\0';
        *upload_data_size = 0;
        return MHD_YES;
    }
    /* Requests on the Unix socket are trusted by its file permissions. */
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    bool local = ci && ci->client_addr && ci->client_addr->sa_family == AF_UNIX;
    if (!local && !(h->opts.is_public && h->opts.is_public(url)) &&
        !token_ok(
            h, MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION)))
        return send_error(conn, MHD_HTTP_UNAUTHORIZED, "missing or wrong bearer token");

    fabd_req req = {.conn = conn,
                    .method = method,
                    .path = url,
                    .body = ctx->body ? ctx->body : "",
                    .body_len = ctx->len};
    fabd_reply rep = {.status = MHD_HTTP_INTERNAL_SERVER_ERROR, .content_type = "application/json"};
    h->opts.handler(h->opts.handler_user, &req, &rep);
    return send_reply(conn, &rep);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    fabd_http *h = cls;
    req_ctx *ctx = *con_cls;
    if (ctx) {
        free(ctx->body);
        free(ctx);
        *con_cls = NULL;
        atomic_fetch_sub(&h->in_flight, 1);
    }
}

static struct MHD_Daemon *start_daemon(fabd_http *h, int fd)
{
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    return MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER,
                            mhd_log, h, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)h->opts.max_connections,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)h->opts.connection_timeout_s,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_END);
}

static int open_tcp(fabd_http *h)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res;
    char port[16];
    snprintf(port, sizeof(port), "%d", h->opts.port);
    int rc = getaddrinfo(h->opts.listen, port, &hints, &res);
    if (rc) {
        logf_(h, FTOPO_LOG_ERROR, "listen %s: %s", h->opts.listen, gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
        bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 128)) {
        logf_(h, FTOPO_LOG_ERROR, "listen %s port %d: %s", h->opts.listen, h->opts.port,
              strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    } else {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        if (!getsockname(fd, (struct sockaddr *)&ss, &sl))
            h->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                     : ((struct sockaddr_in *)&ss)->sin_port);
    }
    freeaddrinfo(res);
    return fd;
}

static int open_unix(fabd_http *h)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(h->opts.socket_path) >= sizeof(sa.sun_path)) {
        logf_(h, FTOPO_LOG_ERROR, "socket %s: path too long", h->opts.socket_path);
        return -1;
    }
    strcpy(sa.sun_path, h->opts.socket_path);
    /* A socket left by a daemon that died; anything else is not ours. */
    struct stat st;
    if (!lstat(sa.sun_path, &st)) {
        if (!S_ISSOCK(st.st_mode)) {
            logf_(h, FTOPO_LOG_ERROR, "socket %s: exists and is not a socket", sa.sun_path);
            return -1;
        }
        unlink(sa.sun_path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
        chmod(sa.sun_path, (mode_t)h->opts.socket_mode) || listen(fd, 128)) {
        logf_(h, FTOPO_LOG_ERROR, "socket %s: %s", sa.sun_path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    strcpy(h->socket_path, sa.sun_path);
    return fd;
}

fabd_http *fabd_http_start(const fabd_http_opts *opts)
{
    fabd_http *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->opts = *opts;
    pthread_mutex_init(&h->token_lock, NULL);
    fabd_http_set_token(h, opts->token);
    bool want_tcp = opts->listen && opts->listen[0] && strcmp(opts->listen, "none") != 0;
    if (want_tcp) {
        int fd = open_tcp(h);
        if (fd < 0 || !(h->tcp = start_daemon(h, fd))) {
            if (fd >= 0) {
                logf_(h, FTOPO_LOG_ERROR, "http: cannot start the TCP server");
                close(fd);
            }
            fabd_http_stop(h);
            return NULL;
        }
    }
    if (opts->socket_path && opts->socket_path[0]) {
        int fd = open_unix(h);
        if (fd < 0 || !(h->unix_sock = start_daemon(h, fd))) {
            if (fd >= 0) {
                logf_(h, FTOPO_LOG_ERROR, "http: cannot start the Unix socket server");
                close(fd);
            }
            fabd_http_stop(h);
            return NULL;
        }
    }
    h->opts.listen = h->opts.socket_path = h->opts.token = NULL; /* not kept: callers' */
    return h;
}

int fabd_http_port(const fabd_http *http)
{
    return http && http->tcp ? http->port : 0;
}

void fabd_http_set_token(fabd_http *http, const char *token)
{
    pthread_mutex_lock(&http->token_lock);
    snprintf(http->token, sizeof(http->token), "%s", token ? token : "");
    pthread_mutex_unlock(&http->token_lock);
}

/* Waits until the requests in flight are answered (their replies sent),
 * at most FABD_HTTP_DRAIN_MS; new requests meanwhile get 503. */
static void drain(fabd_http *http)
{
    atomic_store(&http->stopping, true);
    const struct timespec tick = {0, 10 * 1000 * 1000};
    for (int waited = 0; atomic_load(&http->in_flight) > 0; waited += 10) {
        if (waited >= FABD_HTTP_DRAIN_MS) {
            logf_(http, FTOPO_LOG_WARN, "http: %d requests still in flight after %d ms, cut",
                  atomic_load(&http->in_flight), FABD_HTTP_DRAIN_MS);
            return;
        }
        nanosleep(&tick, NULL);
    }
}

/* MHD_stop_daemon closes the listen socket we passed and joins every
 * connection thread, cutting whatever they were doing: so the requests in
 * flight are let finish first. */
void fabd_http_stop(fabd_http *http)
{
    if (!http)
        return;
    drain(http);
    if (http->tcp)
        MHD_stop_daemon(http->tcp);
    if (http->unix_sock)
        MHD_stop_daemon(http->unix_sock);
    if (http->socket_path[0])
        unlink(http->socket_path);
    pthread_mutex_destroy(&http->token_lock);
    free(http);
}

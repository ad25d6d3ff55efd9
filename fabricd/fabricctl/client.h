/* A minimal HTTP/1.1 client for fabricctl: one request per connection
 * (Connection: close) over TCP or a Unix socket. fabricd's replies always
 * carry Content-Length, so no chunked decoding is needed. */
#ifndef FABCTL_CLIENT_H
#define FABCTL_CLIENT_H

#include <stddef.h>

typedef struct fabctl_conn {
    const char *host; /* TCP: host name or address */
    int port;
    const char *socket_path; /* when set, used instead of TCP */
    const char *token;       /* bearer token, or NULL */
    int timeout_s;           /* per read/write */
} fabctl_conn;

typedef struct fabctl_resp {
    int status; /* HTTP status; 0 when no reply came */
    char *body; /* malloc'ed, NUL-terminated */
    size_t len;
    char error[256]; /* why no reply came */
} fabctl_resp;

/* Returns 0 with resp filled (any HTTP status), -1 with resp->error set
 * when the daemon could not be reached or the reply was malformed. */
int fabctl_request(const fabctl_conn *c, const char *method, const char *path,
                   const char *content_type, const char *body, size_t body_len, fabctl_resp *resp);
void fabctl_resp_free(fabctl_resp *resp);

#endif

/* fabricctl's HTTP client; see client.h. */
#include "client.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static int connect_to(const fabctl_conn *c, fabctl_resp *r)
{
    int fd;
    if (c->socket_path) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(c->socket_path) >= sizeof(sa.sun_path)) {
            snprintf(r->error, sizeof(r->error), "%s: path too long", c->socket_path);
            return -1;
        }
        strcpy(sa.sun_path, c->socket_path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
            return fd;
        snprintf(r->error, sizeof(r->error), "unix:%s: %s", c->socket_path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res, *ai;
    char port[16];
    snprintf(port, sizeof(port), "%d", c->port);
    int rc = getaddrinfo(c->host, port, &hints, &res);
    if (rc) {
        snprintf(r->error, sizeof(r->error), "%s: %s", c->host, gai_strerror(rc));
        return -1;
    }
    fd = -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        snprintf(r->error, sizeof(r->error), "%s:%d: %s", c->host, c->port, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int fabctl_request(const fabctl_conn *c, const char *method, const char *path,
                   const char *content_type, const char *body, size_t body_len, fabctl_resp *r)
{
    memset(r, 0, sizeof(*r));
    int fd = connect_to(c, r);
    if (fd < 0)
        return -1;
    struct timeval tv = {.tv_sec = c->timeout_s};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    char head[1024 + 2048];
    int hl = snprintf(head, sizeof(head),
                      "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
                      "User-Agent: fabricctl\r\nAccept: */*\r\n%s%s%s"
                      "Content-Length: %zu\r\n%s%s%s\r\n",
                      method, path, c->socket_path ? "localhost" : c->host,
                      c->token ? "Authorization: Bearer " : "", c->token ? c->token : "",
                      c->token ? "\r\n" : "", body_len, content_type ? "Content-Type: " : "",
                      content_type ? content_type : "", content_type ? "\r\n" : "");
    if (hl < 0 || (size_t)hl >= sizeof(head)) {
        snprintf(r->error, sizeof(r->error), "request too long");
        close(fd);
        return -1;
    }
    if (send_all(fd, head, (size_t)hl) || (body_len && send_all(fd, body, body_len))) {
        snprintf(r->error, sizeof(r->error), "send: %s", strerror(errno));
        close(fd);
        return -1;
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            snprintf(r->error, sizeof(r->error), "out of memory");
            close(fd);
            return -1;
        }
        if (len + 1 >= cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                continue;
            }
            buf = nb;
        }
        ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(r->error, sizeof(r->error), "no reply: %s",
                     errno == EAGAIN ? "timed out" : strerror(errno));
            free(buf);
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    char *sep = strstr(buf, "\r\n\r\n");
    if (strncmp(buf, "HTTP/1.", 7) != 0 || !sep || sscanf(buf + 8, " %d", &r->status) != 1) {
        snprintf(r->error, sizeof(r->error), "malformed reply");
        free(buf);
        return -1;
    }
    size_t off = (size_t)(sep + 4 - buf);
    r->len = len - off;
    memmove(buf, buf + off, r->len + 1);
    r->body = buf;
    return 0;
}

void fabctl_resp_free(fabctl_resp *resp)
{
    free(resp->body);
    resp->body = NULL;
}

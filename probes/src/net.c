/* TCP sockets with timeouts everywhere. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "net.h"

int fprobe_split_hostport(const char *hostport, char *host, size_t size, int *port)
{
    const char *colon = NULL;
    const char *start = hostport;
    size_t len;
    if (hostport[0] == '[') {
        const char *end = strchr(hostport, ']');
        if (end == NULL || (end[1] != '\0' && end[1] != ':'))
            return -1;
        start = hostport + 1;
        len = (size_t)(end - start);
        colon = end[1] == ':' ? end + 1 : NULL;
    } else {
        colon = strrchr(hostport, ':');
        len = colon != NULL ? (size_t)(colon - hostport) : strlen(hostport);
    }
    if (len >= size)
        return -1;
    memcpy(host, start, len);
    host[len] = '\0';
    *port = FPROBE_DEFAULT_PORT;
    if (colon != NULL) {
        char *end;
        long p = strtol(colon + 1, &end, 10);
        if (*end != '\0' || p <= 0 || p > 65535)
            return -1;
        *port = (int)p;
    }
    return 0;
}

static struct addrinfo *resolve(const char *hostport, int passive, char *err, size_t err_size)
{
    char host[256], port[16];
    int p;
    if (fprobe_split_hostport(hostport, host, sizeof(host), &p) != 0) {
        snprintf(err, err_size, "malformed address '%s' (HOST[:PORT])", hostport);
        return NULL;
    }
    snprintf(port, sizeof(port), "%d", p);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = passive ? AI_PASSIVE : 0};
    struct addrinfo *res;
    int rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, err_size, "cannot resolve '%s': %s", hostport, gai_strerror(rc));
        return NULL;
    }
    return res;
}

int fprobe_set_timeout(int fd, int ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
        return -1;
    return 0;
}

/* A non-blocking connect bounded by poll, then back to blocking. */
static int connect_within(int fd, const struct addrinfo *ai, int timeout_ms)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
        return -1;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS)
            return -1;
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        int n = poll(&pfd, 1, timeout_ms);
        if (n == 0)
            errno = ETIMEDOUT;
        if (n <= 0)
            return -1;
        int err = 0;
        socklen_t len = sizeof(err);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            return -1;
        if (err != 0) {
            errno = err;
            return -1;
        }
    }
    return fcntl(fd, F_SETFL, flags);
}

int fprobe_connect(const char *hostport, int timeout_ms, int io_timeout_ms, char *err,
                   size_t err_size)
{
    struct addrinfo *res = resolve(hostport, 0, err, err_size);
    if (res == NULL)
        return -1;
    int fd = -1, last = 0;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd >= 0 && connect_within(fd, ai, timeout_ms) == 0 &&
            fprobe_set_timeout(fd, io_timeout_ms) == 0)
            break;
        last = errno;
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, err_size, "cannot connect to %s: %s", hostport, strerror(last));
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

int fprobe_listen(const char *addrport)
{
    char err[256];
    struct addrinfo *res = resolve(addrport, 1, err, sizeof(err));
    if (res == NULL) {
        fprobe_log("%s", err);
        return -1;
    }
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 64) != 0) {
        fprobe_log("cannot listen on %s: %s", addrport, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

int fprobe_send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int fprobe_recv_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = recv(fd, p, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            errno = EPIPE;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

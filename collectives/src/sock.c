/* Socket helpers; see sock.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sock.h"

int fcoll__ifname_match(const char *spec, const char *name)
{
    int exclude = 0, exact = 0;
    if (*spec == '^') {
        exclude = 1;
        spec++;
    }
    if (*spec == '=') {
        exact = 1;
        spec++;
    }
    int hit = 0;
    const char *p = spec;
    while (*p && !hit) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > 0) {
            if (exact)
                hit = strlen(name) == n && strncmp(name, p, n) == 0;
            else
                hit = strncmp(name, p, n) == 0;
        }
        p = end ? end + 1 : p + n;
    }
    return exclude ? !hit : hit;
}

fcoll_status_t fcoll__sock_pick_addr(const fcoll__log_t *log, struct sockaddr_storage *out)
{
    const char *spec = getenv("FCOLL_SOCKET_IFNAME");
    if (spec != NULL && *spec == '\0')
        spec = NULL;
    struct ifaddrs *ifs;
    if (getifaddrs(&ifs) != 0) {
        FCOLL__ERR(log, "getifaddrs: %s", strerror(errno));
        return FCOLL_ERR_SYSTEM;
    }
    const struct ifaddrs *best = NULL, *lo = NULL;
    for (const struct ifaddrs *i = ifs; i != NULL; i = i->ifa_next) {
        if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP))
            continue;
        if (spec != NULL) {
            if (fcoll__ifname_match(spec, i->ifa_name)) {
                best = i;
                break;
            }
            continue;
        }
        if (i->ifa_flags & IFF_LOOPBACK) {
            if (lo == NULL)
                lo = i;
        } else if (best == NULL && strncmp(i->ifa_name, "docker", 6) != 0) {
            best = i;
        }
    }
    if (best == NULL)
        best = spec == NULL ? lo : NULL;
    if (best == NULL) {
        FCOLL__ERR(log, "no up IPv4 interface matches FCOLL_SOCKET_IFNAME=\"%s\"",
                   spec ? spec : "");
        freeifaddrs(ifs);
        return FCOLL_ERR_SYSTEM;
    }
    memset(out, 0, sizeof(*out));
    memcpy(out, best->ifa_addr, sizeof(struct sockaddr_in));
    ((struct sockaddr_in *)out)->sin_port = 0;
    FCOLL__DEBUG(log, "using interface %s", best->ifa_name);
    freeifaddrs(ifs);
    return FCOLL_OK;
}

const char *fcoll__sock_str(const struct sockaddr_storage *a, char *buf, size_t cap)
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)a;
        inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
        port = ntohs(s->sin_port);
    } else if (a->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)a;
        inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
        port = ntohs(s->sin6_port);
    }
    snprintf(buf, cap, "%s:%d", host, port);
    return buf;
}

static socklen_t addr_len(const struct sockaddr_storage *a)
{
    return a->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

void fcoll__sock_tune(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

fcoll_status_t fcoll__sock_listen(const fcoll__log_t *log, const struct sockaddr_storage *addr,
                                  int *fd, struct sockaddr_storage *bound)
{
    char s[64];
    int l = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (l < 0) {
        FCOLL__ERR(log, "socket: %s", strerror(errno));
        return FCOLL_ERR_SYSTEM;
    }
    int one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(l, (const struct sockaddr *)addr, addr_len(addr)) != 0 || listen(l, 1024) != 0) {
        FCOLL__ERR(log, "listen on %s: %s", fcoll__sock_str(addr, s, sizeof(s)), strerror(errno));
        close(l);
        return FCOLL_ERR_SYSTEM;
    }
    socklen_t len = sizeof(*bound);
    memset(bound, 0, sizeof(*bound));
    getsockname(l, (struct sockaddr *)bound, &len);
    *fd = l;
    return FCOLL_OK;
}

/* Waits for events on fd until deadline; FCOLL_OK when ready. */
static fcoll_status_t wait_fd(const fcoll__log_t *log, int fd, short ev, uint64_t deadline_ns,
                              const char *what)
{
    for (;;) {
        uint64_t now = fcoll__now_ns();
        if (now >= deadline_ns) {
            FCOLL__ERR(log, "%s: timed out", what);
            return FCOLL_ERR_TIMEOUT;
        }
        uint64_t left_ms = (deadline_ns - now) / 1000000 + 1;
        struct pollfd p = {.fd = fd, .events = ev};
        int r = poll(&p, 1, left_ms > 1000 ? 1000 : (int)left_ms);
        if (r > 0)
            return FCOLL_OK;
        if (r < 0 && errno != EINTR) {
            FCOLL__ERR(log, "%s: poll: %s", what, strerror(errno));
            return FCOLL_ERR_SYSTEM;
        }
    }
}

fcoll_status_t fcoll__sock_connect(const fcoll__log_t *log, const struct sockaddr_storage *addr,
                                   uint64_t deadline_ns, int *fd)
{
    char s[64];
    fcoll__sock_str(addr, s, sizeof(s));
    for (;;) {
        int c = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c < 0) {
            FCOLL__ERR(log, "socket: %s", strerror(errno));
            return FCOLL_ERR_SYSTEM;
        }
        set_nonblock(c);
        int r = connect(c, (const struct sockaddr *)addr, addr_len(addr));
        if (r != 0 && errno == EINPROGRESS) {
            fcoll_status_t st = wait_fd(log, c, POLLOUT, deadline_ns, "connect");
            if (st != FCOLL_OK) {
                close(c);
                return st;
            }
            int err = 0;
            socklen_t el = sizeof(err);
            getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el);
            r = err == 0 ? 0 : -1;
            errno = err;
        }
        if (r == 0) {
            fcoll__sock_tune(c);
            *fd = c;
            return FCOLL_OK;
        }
        int err = errno;
        close(c);
        if (err != ECONNREFUSED && err != ETIMEDOUT && err != EAGAIN) {
            FCOLL__ERR(log, "connect to %s: %s", s, strerror(err));
            return FCOLL_ERR_SYSTEM;
        }
        if (fcoll__now_ns() >= deadline_ns) {
            FCOLL__ERR(log, "connect to %s: %s until the timeout", s, strerror(err));
            return FCOLL_ERR_TIMEOUT;
        }
        usleep(10000); /* the listener is not up yet */
    }
}

fcoll_status_t fcoll__sock_accept(const fcoll__log_t *log, int lfd, uint64_t deadline_ns, int *fd)
{
    for (;;) {
        int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (c >= 0) {
            fcoll__sock_tune(c);
            *fd = c;
            return FCOLL_OK;
        }
        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
            FCOLL__ERR(log, "accept: %s", strerror(errno));
            return FCOLL_ERR_SYSTEM;
        }
        fcoll_status_t st = wait_fd(log, lfd, POLLIN, deadline_ns, "accept");
        if (st != FCOLL_OK)
            return st;
    }
}

fcoll_status_t fcoll__sock_send_all(const fcoll__log_t *log, int fd, const void *buf, size_t len,
                                    uint64_t deadline_ns)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t r = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r > 0) {
            p += r;
            len -= (size_t)r;
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
            fcoll_status_t st = wait_fd(log, fd, POLLOUT, deadline_ns, "send");
            if (st != FCOLL_OK)
                return st;
            continue;
        }
        FCOLL__ERR(log, "send: %s", strerror(errno));
        return errno == EPIPE || errno == ECONNRESET ? FCOLL_ERR_PEER_CLOSED : FCOLL_ERR_SYSTEM;
    }
    return FCOLL_OK;
}

fcoll_status_t fcoll__sock_recv_all(const fcoll__log_t *log, int fd, void *buf, size_t len,
                                    uint64_t deadline_ns)
{
    char *p = buf;
    while (len > 0) {
        ssize_t r = recv(fd, p, len, MSG_DONTWAIT);
        if (r > 0) {
            p += r;
            len -= (size_t)r;
            continue;
        }
        if (r == 0) {
            FCOLL__ERR(log, "recv: peer closed the connection");
            return FCOLL_ERR_PEER_CLOSED;
        }
        if (errno == EAGAIN || errno == EINTR) {
            fcoll_status_t st = wait_fd(log, fd, POLLIN, deadline_ns, "recv");
            if (st != FCOLL_OK)
                return st;
            continue;
        }
        FCOLL__ERR(log, "recv: %s", strerror(errno));
        return errno == ECONNRESET ? FCOLL_ERR_PEER_CLOSED : FCOLL_ERR_SYSTEM;
    }
    return FCOLL_OK;
}

/* TCP probes: bandwidth (stream for the duration, the server counts what
 * arrived) and latency (ping-pong of the request's size). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "net.h"
#include "probe.h"

static const char *io_error(void)
{
    return errno == EAGAIN ? "timed out" : strerror(errno);
}

int fprobe_tcp_bw_client(int fd, const struct fprobe_req *req, struct fprobe_result *res)
{
    char *buf = calloc(1, req->size);
    if (buf == NULL) {
        fprobe_res_fail(res, "out of memory");
        return -1;
    }
    uint64_t start = fprobe_now_ns(), end = start + (uint64_t)req->duration_ms * 1000000u;
    int rc = 0;
    while (rc == 0 && fprobe_now_ns() < end)
        rc = fprobe_send_all(fd, buf, req->size);
    free(buf);
    if (rc != 0 || shutdown(fd, SHUT_WR) != 0) {
        fprobe_res_fail(res, "sending: %s", io_error());
        return -1;
    }
    unsigned char out[FPROBE_RES_BYTES];
    if (fprobe_recv_all(fd, out, sizeof(out)) != 0) {
        fprobe_res_fail(res, "no count from the peer: %s", io_error());
        return -1;
    }
    if (fprobe_res_decode(res, out) != 0 || res->status != 0)
        return -1;
    /* The peer's count over the time until it had all of it. */
    res->ns = fprobe_now_ns() - start;
    return 0;
}

int fprobe_tcp_bw_server(int fd, const struct fprobe_req *req, struct fprobe_result *res)
{
    size_t cap = req->size < (1u << 20) ? (1u << 20) : req->size;
    char *buf = malloc(cap);
    if (buf == NULL) {
        fprobe_res_fail(res, "out of memory");
        return -1;
    }
    uint64_t start = fprobe_now_ns();
    ssize_t n;
    while ((n = recv(fd, buf, cap, 0)) > 0 || (n < 0 && errno == EINTR))
        res->bytes += n > 0 ? (uint64_t)n : 0;
    free(buf);
    res->ns = fprobe_now_ns() - start;
    if (n < 0)
        fprobe_res_fail(res, "receiving: %s", io_error());
    unsigned char out[FPROBE_RES_BYTES];
    fprobe_res_encode(res, out);
    return fprobe_send_all(fd, out, sizeof(out)) == 0 && res->status == 0 ? 0 : -1;
}

int fprobe_tcp_lat_client(int fd, const struct fprobe_req *req, struct fprobe_result *res)
{
    char *buf = calloc(1, req->size);
    uint64_t *rtt = malloc(req->iters * sizeof(*rtt));
    size_t n = 0;
    int rc = buf == NULL || rtt == NULL ? -1 : 0;
    if (rc != 0)
        fprobe_res_fail(res, "out of memory");
    uint64_t end = fprobe_now_ns() + (uint64_t)req->duration_ms * 1000000u;
    while (rc == 0 && n < req->iters && fprobe_now_ns() < end) {
        uint64_t t = fprobe_now_ns();
        if (fprobe_send_all(fd, buf, req->size) != 0 || fprobe_recv_all(fd, buf, req->size) != 0) {
            fprobe_res_fail(res, "ping-pong %zu: %s", n, io_error());
            rc = -1;
        } else {
            rtt[n++] = fprobe_now_ns() - t;
        }
    }
    if (rc == 0)
        rc = fprobe_lat_stats(rtt, n, res);
    free(buf);
    free(rtt);
    return rc;
}

int fprobe_tcp_lat_server(int fd, const struct fprobe_req *req, struct fprobe_result *res)
{
    char *buf = malloc(req->size);
    if (buf == NULL) {
        fprobe_res_fail(res, "out of memory");
        return -1;
    }
    /* Echo until the client closes (EPIPE) or goes silent. */
    while (fprobe_recv_all(fd, buf, req->size) == 0 && fprobe_send_all(fd, buf, req->size) == 0)
        ;
    int rc = errno == EPIPE || errno == ECONNRESET ? 0 : -1;
    if (rc != 0)
        fprobe_res_fail(res, "echo: %s", io_error());
    free(buf);
    return rc;
}

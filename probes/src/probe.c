/* A probe from the client's side, and one connection from the server's. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "net.h"
#include "probe.h"

int fprobe_probe_budget_ms(const struct fprobe_req *req)
{
    return (int)req->duration_ms + FPROBE_IO_MS;
}

static int send_res(int fd, const struct fprobe_result *res)
{
    unsigned char buf[FPROBE_RES_BYTES];
    fprobe_res_encode(res, buf);
    return fprobe_send_all(fd, buf, sizeof(buf));
}

static int recv_res(int fd, struct fprobe_result *res, const char *what)
{
    unsigned char buf[FPROBE_RES_BYTES];
    if (fprobe_recv_all(fd, buf, sizeof(buf)) != 0) {
        fprobe_res_fail(res, "no %s from the peer: %s", what,
                        errno == EAGAIN ? "timed out" : strerror(errno));
        return -1;
    }
    return fprobe_res_decode(res, buf);
}

static int run_kind(int fd, const struct fprobe_req *req, const struct fprobe_ib_opts *ib,
                    struct fprobe_result *res)
{
    switch (req->kind) {
    case FPROBE_TCP_BW:
        return fprobe_tcp_bw_client(fd, req, res);
    case FPROBE_TCP_LAT:
        return fprobe_tcp_lat_client(fd, req, res);
    case FPROBE_IB_BW:
    case FPROBE_IB_LAT:
        return fprobe_ib_client(fd, req, ib, res);
    default: /* FPROBE_RELAY: the peer runs it (connect, answer, probe) and answers */
        fprobe_set_timeout(fd, fprobe_probe_budget_ms(req) + 2 * FPROBE_IO_MS + FPROBE_CONNECT_MS);
        return recv_res(fd, res, "relayed result");
    }
}

void fprobe_probe_run(const struct fprobe_req *req, const char *target,
                      const struct fprobe_ib_opts *ib, struct fprobe_result *res)
{
    memset(res, 0, sizeof(*res));
    int fd =
        fprobe_connect(target, FPROBE_CONNECT_MS, FPROBE_IO_MS, res->error, sizeof(res->error));
    if (fd < 0) {
        res->status = -1;
        return;
    }
    unsigned char buf[FPROBE_REQ_BYTES];
    fprobe_req_encode(req, buf);
    if (fprobe_send_all(fd, buf, sizeof(buf)) != 0) {
        fprobe_res_fail(res, "cannot send the request to %s: %s", target, strerror(errno));
    } else if (recv_res(fd, res, "answer") == 0 && res->status == 0) {
        run_kind(fd, req, ib, res);
    }
    close(fd);
}

static int serve_kind(int fd, const struct fprobe_req *req, const struct fprobe_ib_opts *ib,
                      struct fprobe_result *res)
{
    switch (req->kind) {
    case FPROBE_TCP_BW:
        return fprobe_tcp_bw_server(fd, req, res);
    case FPROBE_TCP_LAT:
        return fprobe_tcp_lat_server(fd, req, res);
    case FPROBE_IB_BW:
    case FPROBE_IB_LAT:
        return fprobe_ib_server(fd, req, ib, res);
    default: {
        struct fprobe_req inner = *req;
        inner.kind = req->relay_kind;
        inner.relay_kind = 0;
        inner.target[0] = '\0';
        fprobe_probe_run(&inner, req->target, ib, res);
        return send_res(fd, res);
    }
    }
}

void fprobe_serve_conn(int fd, const struct fprobe_ib_opts *ib)
{
    unsigned char buf[FPROBE_REQ_BYTES];
    struct fprobe_req req = {0};
    struct fprobe_result res = {0};
    fprobe_set_timeout(fd, FPROBE_IO_MS);
    if (fprobe_recv_all(fd, buf, sizeof(buf)) != 0) {
        fprobe_res_fail(&res, "malformed request: short or missing");
        send_res(fd, &res);
    } else if (fprobe_req_decode(&req, buf, res.error, sizeof(res.error)) != 0) {
        res.status = -1;
        send_res(fd, &res);
    } else if (send_res(fd, &res) == 0) {
        fprobe_set_timeout(fd, fprobe_probe_budget_ms(&req));
        serve_kind(fd, &req, ib, &res);
    }
    if (res.status != 0)
        fprobe_log("%s probe: %s", fprobe_kind_name(req.kind), res.error);
    close(fd);
}

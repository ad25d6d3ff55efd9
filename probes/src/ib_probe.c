/* Verbs probes over RDMA WRITE, as perftest's ib_write_bw and ib_write_lat
 * measure: bandwidth keeps FPROBE_IB_DEPTH writes in flight to one remote
 * buffer for the duration; latency ping-pongs writes, each side polling the
 * last byte of its receive half. Each side's buffer is [send half | receive
 * half], both of the request's size. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ib_conn.h"
#include "log.h"
#include "net.h"

/* Bandwidth probes ask for one completion per SIGNAL_EVERY writes, as
 * perftest's --cq-mod does: a completion per write costs the sender. */
#define SIGNAL_EVERY 16

static int post_write(struct fprobe_ib_conn *c, uint32_t size, int signaled)
{
    struct ibv_sge sge = {.addr = (uintptr_t)c->buf, .length = size, .lkey = c->mr->lkey};
    struct ibv_send_wr wr = {
        .sg_list = &sge,
        .num_sge = 1,
        .opcode = IBV_WR_RDMA_WRITE,
        .send_flags = signaled ? IBV_SEND_SIGNALED : 0,
        .wr.rdma = {.remote_addr = c->remote.addr + size, .rkey = c->remote.rkey},
    };
    struct ibv_send_wr *bad;
    return ibv_post_send(c->qp, &wr, &bad);
}

/* Completions polled now: their count, or -1 with res->error. */
static int poll_some(struct fprobe_ib_conn *c, struct fprobe_result *res)
{
    struct ibv_wc wc[16];
    int n = ibv_poll_cq(c->cq, 16, wc);
    for (int i = 0; i < n; i++) {
        if (wc[i].status != IBV_WC_SUCCESS) {
            fprobe_res_fail(res, "write completion: %s", ibv_wc_status_str(wc[i].status));
            return -1;
        }
    }
    if (n < 0)
        fprobe_res_fail(res, "ibv_poll_cq failed");
    return n;
}

static int bw_client(struct fprobe_ib_conn *c, const struct fprobe_req *req,
                     struct fprobe_result *res)
{
    uint64_t posted = 0, done = 0, start = fprobe_now_ns();
    uint64_t end = start + (uint64_t)req->duration_ms * 1000000u;
    uint64_t give_up = end + (uint64_t)FPROBE_IO_MS * 1000000u;
    /* Posting stops at the end of the duration, at a whole signaled batch. */
    for (uint64_t now = start; done < posted || now < end; now = fprobe_now_ns()) {
        while ((now < end || posted % SIGNAL_EVERY != 0) && posted - done < FPROBE_IB_DEPTH) {
            if (post_write(c, req->size, posted % SIGNAL_EVERY == SIGNAL_EVERY - 1) != 0) {
                fprobe_res_fail(res, "ibv_post_send: %s", strerror(errno));
                return -1;
            }
            posted++;
        }
        int n = poll_some(c, res);
        if (n < 0)
            return -1;
        done += (uint64_t)n * SIGNAL_EVERY;
        if (now > give_up) {
            fprobe_res_fail(res, "writes did not complete in time");
            return -1;
        }
    }
    res->ns = fprobe_now_ns() - start;
    res->bytes = done * req->size;
    return 0;
}

/* Spins until the last byte of the receive half is seq; 0, or -1 past the
 * deadline. */
static int wait_byte(const struct fprobe_ib_conn *c, uint32_t size, char seq, uint64_t deadline)
{
    const volatile char *last = c->buf + 2 * (size_t)size - 1;
    for (unsigned spin = 0; *last != seq; spin++)
        if ((spin & 4095) == 0 && fprobe_now_ns() > deadline)
            return -1;
    return 0;
}

/* Writes seq into the peer's receive half; completions are reaped without
 * waiting (one per SIGNAL_EVERY writes) unless the send queue is full. */
static int write_seq(struct fprobe_ib_conn *c, uint32_t size, char seq, uint64_t *posted,
                     uint64_t *done, uint64_t deadline, struct fprobe_result *res)
{
    c->buf[size - 1] = seq;
    if (post_write(c, size, *posted % SIGNAL_EVERY == SIGNAL_EVERY - 1) != 0) {
        fprobe_res_fail(res, "ibv_post_send: %s", strerror(errno));
        return -1;
    }
    (*posted)++;
    do {
        int n = poll_some(c, res);
        if (n < 0)
            return -1;
        *done += (uint64_t)n * SIGNAL_EVERY;
        if (fprobe_now_ns() > deadline) {
            fprobe_res_fail(res, "writes did not complete in time");
            return -1;
        }
    } while (*posted - *done >= FPROBE_IB_DEPTH - SIGNAL_EVERY);
    return 0;
}

static int lat(struct fprobe_ib_conn *c, const struct fprobe_req *req, int client,
               struct fprobe_result *res)
{
    uint64_t deadline = fprobe_now_ns() + (uint64_t)(req->duration_ms + FPROBE_IO_MS) * 1000000u;
    uint64_t *rtt = client ? malloc(req->iters * sizeof(*rtt)) : NULL;
    uint64_t posted = 0, done = 0;
    if (client && rtt == NULL) {
        fprobe_res_fail(res, "out of memory");
        return -1;
    }
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && i < req->iters; i++) {
        char seq = (char)(i % 250 + 1);
        uint64_t t = fprobe_now_ns();
        if (client)
            rc = write_seq(c, req->size, seq, &posted, &done, deadline, res);
        if (rc == 0 && wait_byte(c, req->size, seq, deadline) != 0) {
            fprobe_res_fail(res, "ping-pong %u: no write from the peer in time", i);
            rc = -1;
        }
        if (rc == 0 && !client)
            rc = write_seq(c, req->size, seq, &posted, &done, deadline, res);
        if (client)
            rtt[i] = fprobe_now_ns() - t;
    }
    if (rc == 0 && client)
        rc = fprobe_lat_stats(rtt, req->iters, res);
    free(rtt);
    return rc;
}

static int run(struct fprobe_ib_conn *c, int fd, const struct fprobe_req *req, int client,
               struct fprobe_result *res)
{
    if (fprobe_ib_connect(c, fd, client, res) != 0)
        return -1;
    if (req->kind == FPROBE_IB_LAT)
        return lat(c, req, client, res);
    if (client) {
        /* Tell the server it may tear down, and wait till it has seen it. */
        int rc = bw_client(c, req, res);
        char b = rc == 0 ? 'D' : 'F';
        if ((fprobe_send_all(fd, &b, 1) != 0 || fprobe_recv_all(fd, &b, 1) != 0) && rc == 0) {
            fprobe_res_fail(res, "no end of probe from the peer");
            rc = -1;
        }
        return rc;
    }
    char b;
    if (fprobe_recv_all(fd, &b, 1) != 0 || fprobe_send_all(fd, &b, 1) != 0) {
        fprobe_res_fail(res, "no end of probe from the client");
        return -1;
    }
    return 0;
}

int fprobe_ib_client(int fd, const struct fprobe_req *req, const struct fprobe_ib_opts *ib,
                     struct fprobe_result *res)
{
    struct fprobe_ib_conn c;
    unsigned char peer[FPROBE_RES_BYTES];
    int rc = fprobe_ib_open(&c, ib, 2 * (size_t)req->size, res);
    if (rc == 0 && fprobe_recv_all(fd, peer, sizeof(peer)) != 0) {
        fprobe_res_fail(res, "no verbs setup from the peer");
        rc = -1;
    }
    if (rc == 0 && fprobe_res_decode(res, peer) != 0)
        rc = -1;
    if (rc == 0 && res->status != 0) {
        char why[sizeof(res->error)];
        memcpy(why, res->error, sizeof(why));
        fprobe_res_fail(res, "peer: %.150s", why);
        rc = -1;
    }
    if (rc == 0)
        rc = run(&c, fd, req, 1, res);
    fprobe_ib_close(&c);
    return rc;
}

int fprobe_ib_server(int fd, const struct fprobe_req *req, const struct fprobe_ib_opts *ib,
                     struct fprobe_result *res)
{
    struct fprobe_ib_conn c;
    unsigned char out[FPROBE_RES_BYTES];
    int rc = fprobe_ib_open(&c, ib, 2 * (size_t)req->size, res);
    fprobe_res_encode(res, out);
    if (fprobe_send_all(fd, out, sizeof(out)) != 0 && rc == 0) {
        fprobe_res_fail(res, "client went away");
        rc = -1;
    }
    if (rc == 0)
        rc = run(&c, fd, req, 0, res);
    fprobe_ib_close(&c);
    return rc;
}

/* A verbs RC connection for probes: device, PD, one registered buffer, CQ
 * and QP, connected through an out-of-band exchange on a TCP socket. */
#ifndef FPROBE_IB_CONN_H
#define FPROBE_IB_CONN_H

#include <infiniband/verbs.h>

#include "probe.h"

#define FPROBE_IB_DEPTH 128

struct fprobe_ib_peer {
    uint32_t qpn, psn, rkey;
    uint16_t lid;
    uint64_t addr;
    uint8_t gid[16];
};

struct fprobe_ib_conn {
    struct ibv_context *ctx;
    struct ibv_pd *pd;
    struct ibv_cq *cq;
    struct ibv_qp *qp;
    struct ibv_mr *mr;
    char *buf;
    size_t size;
    int port, gid_index, roce;
    struct ibv_port_attr port_attr;
    struct fprobe_ib_peer local, remote;
};

/* Opens the device and sets up the resources; 0, or -1 with res->error. */
int fprobe_ib_open(struct fprobe_ib_conn *c, const struct fprobe_ib_opts *o, size_t size,
                   struct fprobe_result *res);
/* Swaps connection data over fd (the client sends first) and brings the QP
 * to RTS; 0, or -1 with res->error. */
int fprobe_ib_connect(struct fprobe_ib_conn *c, int fd, int client, struct fprobe_result *res);
void fprobe_ib_close(struct fprobe_ib_conn *c);

#endif

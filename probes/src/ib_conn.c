/* A verbs RC connection for probes, with RoCE v2 GID selection. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ib_conn.h"
#include "net.h"

static struct ibv_context *open_dev(const char *name, struct fprobe_result *res)
{
    int n = 0;
    struct ibv_device **list = ibv_get_device_list(&n);
    struct ibv_context *ctx = NULL;
    for (int i = 0; list != NULL && i < n && ctx == NULL; i++)
        if (name == NULL || strcmp(ibv_get_device_name(list[i]), name) == 0)
            ctx = ibv_open_device(list[i]);
    if (list != NULL)
        ibv_free_device_list(list);
    if (ctx == NULL)
        fprobe_res_fail(res, "no RDMA device%s%s", name ? " " : "", name ? name : "");
    return ctx;
}

static int ipv4_mapped(const union ibv_gid *g)
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(g->raw, prefix, sizeof(prefix)) == 0;
}

/* The first RoCE v2 GID, IPv4-mapped preferred (what RoCE v2 traffic over
 * IPv4 routes with); index 0 on InfiniBand. */
static int pick_gid(struct fprobe_ib_conn *c)
{
    int best = -1;
    for (int i = 0; i < c->port_attr.gid_tbl_len; i++) {
        struct ibv_gid_entry e;
        if (ibv_query_gid_ex(c->ctx, (uint32_t)c->port, (uint32_t)i, &e, 0) != 0 ||
            e.gid_type != IBV_GID_TYPE_ROCE_V2)
            continue;
        if (ipv4_mapped(&e.gid))
            return i;
        if (best < 0)
            best = i;
    }
    return best;
}

static int make_qp(struct fprobe_ib_conn *c, struct fprobe_result *res)
{
    struct ibv_qp_init_attr qa = {
        .send_cq = c->cq,
        .recv_cq = c->cq,
        .cap = {.max_send_wr = FPROBE_IB_DEPTH,
                .max_recv_wr = 1,
                .max_send_sge = 1,
                .max_recv_sge = 1},
        .qp_type = IBV_QPT_RC,
    };
    c->qp = ibv_create_qp(c->pd, &qa);
    if (c->qp == NULL) {
        fprobe_res_fail(res, "ibv_create_qp: %s", strerror(errno));
        return -1;
    }
    struct ibv_qp_attr a = {.qp_state = IBV_QPS_INIT,
                            .port_num = (uint8_t)c->port,
                            .qp_access_flags = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE};
    if (ibv_modify_qp(c->qp, &a,
                      IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS)) {
        fprobe_res_fail(res, "QP to INIT: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int set_gid(struct fprobe_ib_conn *c, const struct fprobe_ib_opts *o,
                   struct fprobe_result *res)
{
    c->roce = c->port_attr.link_layer == IBV_LINK_LAYER_ETHERNET;
    c->gid_index = o->gid_index >= 0 ? o->gid_index : c->roce ? pick_gid(c) : 0;
    union ibv_gid gid;
    if (c->gid_index < 0 || ibv_query_gid(c->ctx, (uint8_t)c->port, c->gid_index, &gid) != 0) {
        fprobe_res_fail(res, "no usable GID on port %d", c->port);
        return -1;
    }
    memcpy(c->local.gid, gid.raw, sizeof(c->local.gid));
    return 0;
}

int fprobe_ib_open(struct fprobe_ib_conn *c, const struct fprobe_ib_opts *o, size_t size,
                   struct fprobe_result *res)
{
    memset(c, 0, sizeof(*c));
    c->port = o->port > 0 ? o->port : 1;
    c->size = size;
    long page = sysconf(_SC_PAGESIZE);
    c->ctx = open_dev(o->dev, res);
    if (c->ctx == NULL)
        return -1;
    if (ibv_query_port(c->ctx, (uint8_t)c->port, &c->port_attr) != 0) {
        fprobe_res_fail(res, "no port %d", c->port);
        return -1;
    }
    if (set_gid(c, o, res) != 0)
        return -1;
    c->pd = ibv_alloc_pd(c->ctx);
    c->cq = ibv_create_cq(c->ctx, FPROBE_IB_DEPTH * 2, NULL, NULL, 0);
    if (c->pd == NULL || c->cq == NULL ||
        posix_memalign((void **)&c->buf, (size_t)page, size) != 0) {
        fprobe_res_fail(res, "verbs resources: %s", strerror(errno));
        return -1;
    }
    memset(c->buf, 0, size);
    c->mr = ibv_reg_mr(c->pd, c->buf, size, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
    if (c->mr == NULL) {
        fprobe_res_fail(res, "ibv_reg_mr: %s", strerror(errno));
        return -1;
    }
    if (make_qp(c, res) != 0)
        return -1;
    c->local.qpn = c->qp->qp_num;
    c->local.psn = (uint32_t)lrand48() & 0xffffff;
    c->local.rkey = c->mr->rkey;
    c->local.lid = c->port_attr.lid;
    c->local.addr = (uintptr_t)c->buf;
    return 0;
}

static int to_rts(struct fprobe_ib_conn *c, struct fprobe_result *res)
{
    struct ibv_qp_attr a = {
        .qp_state = IBV_QPS_RTR,
        .path_mtu = c->port_attr.active_mtu,
        .dest_qp_num = c->remote.qpn,
        .rq_psn = c->remote.psn,
        .max_dest_rd_atomic = 1,
        .min_rnr_timer = 12,
        .ah_attr = {.dlid = c->remote.lid, .port_num = (uint8_t)c->port},
    };
    if (c->roce) {
        a.ah_attr.is_global = 1;
        memcpy(a.ah_attr.grh.dgid.raw, c->remote.gid, 16);
        a.ah_attr.grh.sgid_index = (uint8_t)c->gid_index;
        a.ah_attr.grh.hop_limit = 64;
    }
    if (ibv_modify_qp(c->qp, &a,
                      IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
                          IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER)) {
        fprobe_res_fail(res, "QP to RTR: %s", strerror(errno));
        return -1;
    }
    a.qp_state = IBV_QPS_RTS;
    a.timeout = 14;
    a.retry_cnt = 7;
    a.rnr_retry = 7;
    a.sq_psn = c->local.psn;
    a.max_rd_atomic = 1;
    if (ibv_modify_qp(c->qp, &a,
                      IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
                          IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC)) {
        fprobe_res_fail(res, "QP to RTS: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* The peer's data travels as fixed-width big-endian fields. */
#define PEER_BYTES 44

static void pack(const struct fprobe_ib_peer *p, unsigned char out[PEER_BYTES])
{
    uint32_t w[5] = {htobe32(p->qpn), htobe32(p->psn), htobe32(p->rkey), htobe32(p->lid),
                     htobe32(0)};
    uint64_t addr = htobe64(p->addr);
    memcpy(out, w, sizeof(w));
    memcpy(out + 20, &addr, 8);
    memcpy(out + 28, p->gid, 16);
}

static void unpack(struct fprobe_ib_peer *p, const unsigned char in[PEER_BYTES])
{
    uint32_t w[5];
    uint64_t addr;
    memcpy(w, in, sizeof(w));
    memcpy(&addr, in + 20, 8);
    p->qpn = be32toh(w[0]);
    p->psn = be32toh(w[1]);
    p->rkey = be32toh(w[2]);
    p->lid = (uint16_t)be32toh(w[3]);
    p->addr = be64toh(addr);
    memcpy(p->gid, in + 28, 16);
}

int fprobe_ib_connect(struct fprobe_ib_conn *c, int fd, int client, struct fprobe_result *res)
{
    unsigned char mine[PEER_BYTES], theirs[PEER_BYTES];
    pack(&c->local, mine);
    int rc = client ? fprobe_send_all(fd, mine, sizeof(mine))
                    : fprobe_recv_all(fd, theirs, sizeof(theirs));
    if (rc == 0)
        rc = client ? fprobe_recv_all(fd, theirs, sizeof(theirs))
                    : fprobe_send_all(fd, mine, sizeof(mine));
    if (rc != 0) {
        fprobe_res_fail(res, "QP exchange: %s", errno == EAGAIN ? "timed out" : strerror(errno));
        return -1;
    }
    unpack(&c->remote, theirs);
    if (to_rts(c, res) != 0)
        return -1;
    /* Neither side writes before the other's QP can take it. */
    char ready = 'R', got;
    if (fprobe_send_all(fd, &ready, 1) != 0 || fprobe_recv_all(fd, &got, 1) != 0) {
        fprobe_res_fail(res, "QP ready handshake failed");
        return -1;
    }
    return 0;
}

void fprobe_ib_close(struct fprobe_ib_conn *c)
{
    if (c->qp != NULL)
        ibv_destroy_qp(c->qp);
    if (c->mr != NULL)
        ibv_dereg_mr(c->mr);
    if (c->cq != NULL)
        ibv_destroy_cq(c->cq);
    if (c->pd != NULL)
        ibv_dealloc_pd(c->pd);
    if (c->ctx != NULL)
        ibv_close_device(c->ctx);
    free(c->buf);
}

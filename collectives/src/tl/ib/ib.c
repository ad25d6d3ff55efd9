/* ib transport: the transport interface (tl.h) on libibverbs.
 *
 * FCOLL_IB_QPS_PER_PEER (default 1, at most 4) RC queue pairs per peer,
 * connected out of band through the library's bootstrap (an allgather of
 * QP numbers, PSN, GID/LID, MTU and the address and rkey of the receive
 * arena). A put is an RDMA WRITE WITH IMMEDIATE into the peer's registered
 * arena: the peer gets the immediate as a receive completion, exactly the
 * interface's contract. A notify is a zero-byte SEND WITH IMMEDIATE. Flow
 * control is the channel layer's (a sender only writes into slots the
 * receiver granted, and consumes them by the slot the immediate names, so
 * chunks may arrive on any QP in any order); underneath, receive work
 * requests are reposted as they complete and RNR retries are unlimited, so
 * a burst never fails. Puts of at least FCOLL_IB_STRIPE_MIN bytes and the
 * pieces of a get take the QPs in turn; everything else uses the first.
 *
 * Small puts are copied into a registered per-peer staging ring and
 * complete at once. Puts of at least FCOLL_IB_ZCOPY_MIN bytes are written
 * straight from the caller's buffer (zero copy), registered through the
 * registration cache (ib_rcache.c), and complete when the write does. The
 * cache serves mem_reg and get as well, so a buffer used again is not
 * registered again.
 *
 * Completion errors (retry exceeded, remote access, flush) are logged once
 * with the QP and peer and fail every later call with FCOLL_ERR_REMOTE,
 * which the channel layer turns into a communicator error. close releases
 * every QP, MR, CQ, channel and PD, also after an error or abort.
 *
 * Device, port and GID: FCOLL_IB_HCA (NCCL syntax: "mlx5_0:1,rxe", "^mlx5_1"
 * excludes, "=rxe0" exact), else the first device with an active port.
 * FCOLL_IB_GID_INDEX picks the GID; by default a RoCE v2 IPv4-mapped GID,
 * then any other RoCE v2 global GID, then RoCE v1; zero and link-local GIDs
 * are never chosen. InfiniBand ports use the LID. FCOLL_IB_TIMEOUT (default
 * 18) and FCOLL_IB_RETRY_CNT (default 6) set the QP's ACK timeout exponent
 * and retry count.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <infiniband/verbs.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "internal.h"
#include "tl/ib/ib.h"
#include "tl/ib/ib_rcache.h"

#define IB_SLOT_SIZE  (1u << 20) /* chunk size; imm carries 24 bits of length */
#define IB_NSLOTS     8u
#define IB_NSTAGE     (2u * IB_NSLOTS) /* send staging buffers per peer */
#define IB_RECV_WR    (4u * IB_NSLOTS + 8u)
#define IB_SEND_WR    (4u * IB_NSLOTS + 8u)
#define IB_MAX_QPS    4u
#define IB_POLL_MAX   32
#define IB_GET_PIECE  (1u << 30) /* longest single RDMA READ */
#define IB_GET_MIN    (256u << 10)
#define IB_ZCOPY_MIN  (256u << 10)
#define IB_STRIPE_MIN (256u << 10)
/* Bounds of what idle cached registrations may pin. */
#define IB_RCACHE_MB      1024
#define IB_RCACHE_ENTRIES 256
/* Longest a put waits for a staging buffer or a send slot to free. */
#define IB_STALL_NS (60ull * 1000000000ull)

/* Work request ids: peer, kind, QP index, and an index of the kind's own
 * (staging buffer, zero-copy put). */
/* WR_GET: a blocking one-sided READ or WRITE (get, write). */
enum { WR_PUT = 1, WR_NOTIFY = 2, WR_RECV = 3, WR_GET = 4, WR_ZPUT = 5 };
#define WR_ID(peer, kind, qpi, idx)                                                                \
    ((uint64_t)(uint32_t)(peer) << 32 | (uint64_t)(kind) << 24 | (uint64_t)(qpi) << 16 | (idx))
#define WR_PEER(id) ((int)((id) >> 32))
#define WR_KIND(id) ((unsigned)((id) >> 24) & 0xffu)
#define WR_QPI(id)  ((unsigned)((id) >> 16) & 0xffu)
#define WR_IDX(id)  ((unsigned)(id)&0xffffu)

/* What a rank tells one peer about the QPs it made for that peer. */
typedef struct ib_wire {
    uint32_t valid; /* 0: this rank failed to set up ib */
    uint32_t nqps;
    uint32_t qpn[IB_MAX_QPS];
    uint32_t psn, rkey;
    uint64_t addr, len; /* receive arena */
    uint8_t gid[16];
    uint16_t lid;
    uint8_t mtu; /* enum ibv_mtu */
    uint8_t pad[5];
} ib_wire_t;

/* A zero-copy put in flight: its registration and the caller's wr_id. */
typedef struct ib_zput {
    int handle; /* registration cache handle; -1: free */
    uint64_t wr_id;
} ib_zput_t;

typedef struct ib_peer {
    struct ibv_qp *qp[IB_MAX_QPS];    /* qp[0] NULL: peer unused */
    unsigned send_posted[IB_MAX_QPS]; /* send WRs not yet completed, per QP */
    unsigned nqps, next_qp;
    /* receive side: the arena the peer writes into */
    char *arena;
    size_t arena_len;
    struct ibv_mr *arena_mr;
    int arena_given;
    /* send side */
    uint64_t raddr, rlen;
    uint32_t rkey;
    char *stage;
    struct ibv_mr *stage_mr;
    uint8_t stage_busy[IB_NSTAGE];
    unsigned stage_next;
    ib_zput_t zput[IB_MAX_QPS * IB_SEND_WR];
} ib_peer_t;

struct fcoll__tl_ctx {
    const fcoll__log_t *log;
    int rank, nranks;
    _Atomic int aborted;
    fcoll_status_t error; /* first completion error, sticky */
    struct ibv_context *dev;
    struct ibv_pd *pd;
    struct ibv_comp_channel *chan;
    struct ibv_cq *cq;
    int armed;
    char devname[IBV_SYSFS_NAME_MAX];
    uint8_t port;
    int gid_index; /* -1 on InfiniBand */
    union ibv_gid gid;
    uint16_t lid;
    enum ibv_mtu mtu;
    uint8_t timeout, retry_cnt, rd_atom;
    unsigned nqps;    /* QPs made per peer */
    ib_peer_t *peers; /* nranks entries, qp[0] NULL where unused */
    fcoll__ib_rcache_t *rcache;
    unsigned get_done; /* RDMA READs completed (get waits on them) */
    size_t get_min, zcopy_min, stripe_min;
    fcoll__cqe_queue_t pending; /* completions waiting for poll */
};

/* ---------------------------------------------------------------- setup */

static int env_int(const char *name, int def, int lo, int hi)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        return def;
    char *end;
    long x = strtol(v, &end, 0);
    if (*end != '\0' || x < lo || x > hi)
        return def;
    return (int)x;
}

/* Does device name/port match an NCCL_IB_HCA-style spec? Entries are
 * "name[:port]" separated by commas, matched as prefixes unless the spec
 * starts with '='; a leading '^' makes the list one of exclusions. */
int fcoll__ib_hca_match(const char *spec, const char *name, int port)
{
    if (spec == NULL || *spec == '\0')
        return 1;
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
    while (*spec != '\0' && !hit) {
        size_t len = strcspn(spec, ",");
        char ent[128];
        size_t el = len < sizeof(ent) - 1 ? len : sizeof(ent) - 1;
        memcpy(ent, spec, el);
        ent[el] = '\0';
        int want_port = -1;
        char *colon = strchr(ent, ':');
        if (colon != NULL) {
            *colon = '\0';
            want_port = atoi(colon + 1);
        }
        int name_ok = exact ? strcmp(ent, name) == 0 : strncmp(ent, name, strlen(ent)) == 0;
        if (ent[0] != '\0' && name_ok && (want_port < 0 || want_port == port))
            hit = 1;
        spec += len;
        if (*spec == ',')
            spec++;
    }
    return exclude ? !hit : hit;
}

static int gid_is_zero(const union ibv_gid *g)
{
    static const uint8_t zero[16];
    return memcmp(g->raw, zero, 16) == 0;
}

static int gid_is_link_local(const union ibv_gid *g)
{
    return g->raw[0] == 0xfe && (g->raw[1] & 0xc0) == 0x80;
}

static int gid_is_v4_mapped(const union ibv_gid *g)
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(g->raw, prefix, 12) == 0;
}

/* Preference of a GID table entry: 0 never, higher is better. */
static int gid_score(const struct ibv_gid_entry *e)
{
    if (gid_is_zero(&e->gid) || gid_is_link_local(&e->gid))
        return 0;
    int v2 = e->gid_type == IBV_GID_TYPE_ROCE_V2;
    return (v2 ? 2 : 0) + (gid_is_v4_mapped(&e->gid) ? 1 : 0) + 1;
}

static fcoll_status_t pick_gid(fcoll__tl_ctx_t *c, const struct ibv_port_attr *pa)
{
    int forced = env_int("FCOLL_IB_GID_INDEX", -1, 0, 65535);
    if (forced >= 0) {
        if (ibv_query_gid(c->dev, c->port, forced, &c->gid) != 0 || gid_is_zero(&c->gid)) {
            FCOLL__ERR(c->log, "ib %s port %u: FCOLL_IB_GID_INDEX=%d is not a valid GID",
                       c->devname, c->port, forced);
            return FCOLL_ERR_INVALID_ARG;
        }
        c->gid_index = forced;
        return FCOLL_OK;
    }
    /* One query per index: ibv_query_gid_table rejects large tables. */
    int best = 0;
    for (int i = 0; i < pa->gid_tbl_len; i++) {
        struct ibv_gid_entry e;
        if (ibv_query_gid_ex(c->dev, c->port, (uint32_t)i, &e, 0) != 0)
            continue; /* empty entry */
        int s = gid_score(&e);
        if (s > best) {
            best = s;
            c->gid_index = i;
            c->gid = e.gid;
        }
    }
    if (best == 0) {
        FCOLL__ERR(c->log, "ib %s port %u: no usable RoCE GID (only zero or link-local ones)",
                   c->devname, c->port);
        return FCOLL_ERR_UNSUPPORTED;
    }
    return FCOLL_OK;
}

/* Opens the first device/port that FCOLL_IB_HCA allows and that is active. */
static fcoll_status_t open_device(fcoll__tl_ctx_t *c)
{
    const char *spec = getenv("FCOLL_IB_HCA");
    int ndev = 0;
    struct ibv_device **list = ibv_get_device_list(&ndev);
    if (list == NULL || ndev == 0) {
        FCOLL__ERR(c->log, "ib: no RDMA device (%s)",
                   list == NULL ? strerror(errno) : "none found");
        if (list != NULL)
            ibv_free_device_list(list);
        return FCOLL_ERR_UNSUPPORTED;
    }
    struct ibv_port_attr pa;
    for (int d = 0; d < ndev && c->dev == NULL; d++) {
        const char *name = ibv_get_device_name(list[d]);
        struct ibv_context *ctx = ibv_open_device(list[d]);
        struct ibv_device_attr da;
        if (ctx == NULL || ibv_query_device(ctx, &da) != 0) {
            if (ctx != NULL)
                ibv_close_device(ctx);
            continue;
        }
        for (int p = 1; p <= da.phys_port_cnt; p++) {
            if (!fcoll__ib_hca_match(spec, name, p) || ibv_query_port(ctx, (uint8_t)p, &pa) != 0 ||
                pa.state != IBV_PORT_ACTIVE)
                continue;
            c->dev = ctx;
            c->port = (uint8_t)p;
            snprintf(c->devname, sizeof(c->devname), "%s", name);
            break;
        }
        if (c->dev == NULL)
            ibv_close_device(ctx);
    }
    ibv_free_device_list(list);
    if (c->dev == NULL) {
        FCOLL__ERR(c->log, "ib: no active port%s%s", spec ? " matching FCOLL_IB_HCA=" : "",
                   spec ? spec : "");
        return FCOLL_ERR_UNSUPPORTED;
    }
    c->mtu = pa.active_mtu;
    c->lid = pa.lid;
    c->gid_index = -1;
    fcoll_status_t st = FCOLL_OK;
    if (pa.link_layer == IBV_LINK_LAYER_ETHERNET)
        st = pick_gid(c, &pa);
    if (st != FCOLL_OK)
        return st;
    char gs[INET6_ADDRSTRLEN] = "-";
    if (c->gid_index >= 0)
        inet_ntop(AF_INET6, c->gid.raw, gs, sizeof(gs));
    FCOLL__INFO(c->log, "ib: %s port %u, %s, gid index %d %s, mtu %d", c->devname, c->port,
                c->gid_index >= 0 ? "RoCE" : "InfiniBand", c->gid_index, gs, 128 << (int)c->mtu);
    return FCOLL_OK;
}

int fcoll__ib_probe(void)
{
    const char *spec = getenv("FCOLL_IB_HCA");
    int ndev = 0, found = 0;
    struct ibv_device **list = ibv_get_device_list(&ndev);
    for (int d = 0; list != NULL && d < ndev && !found; d++) {
        struct ibv_context *ctx = ibv_open_device(list[d]);
        struct ibv_device_attr da;
        if (ctx == NULL)
            continue;
        for (int p = 1; ibv_query_device(ctx, &da) == 0 && p <= da.phys_port_cnt && !found; p++) {
            struct ibv_port_attr pa;
            found = fcoll__ib_hca_match(spec, ibv_get_device_name(list[d]), p) &&
                    ibv_query_port(ctx, (uint8_t)p, &pa) == 0 && pa.state == IBV_PORT_ACTIVE;
        }
        ibv_close_device(ctx);
    }
    if (list != NULL)
        ibv_free_device_list(list);
    return found;
}

static void *alloc_pages(size_t len)
{
    void *p = NULL;
    return posix_memalign(&p, 4096, len) == 0 ? p : NULL;
}

static fcoll_status_t post_recv(fcoll__tl_ctx_t *c, int p, unsigned qpi)
{
    struct ibv_qp *qp = c->peers[p].qp[qpi];
    struct ibv_recv_wr wr = {.wr_id = WR_ID(p, WR_RECV, qpi, 0)}, *bad;
    int r = ibv_post_recv(qp, &wr, &bad);
    if (r != 0) {
        FCOLL__ERR(c->log, "ib qp 0x%x (peer %d): post_recv: %s", qp->qp_num, p, strerror(r));
        return FCOLL_ERR_SYSTEM;
    }
    return FCOLL_OK;
}

/* One RC QP for peer p, left in INIT with its receives posted. */
static fcoll_status_t qp_create(fcoll__tl_ctx_t *c, int p, unsigned qpi)
{
    ib_peer_t *pe = &c->peers[p];
    struct ibv_qp_init_attr qa = {
        .send_cq = c->cq,
        .recv_cq = c->cq,
        .cap = {.max_send_wr = IB_SEND_WR,
                .max_recv_wr = IB_RECV_WR,
                .max_send_sge = 1,
                .max_recv_sge = 1},
        .qp_type = IBV_QPT_RC,
    };
    pe->qp[qpi] = ibv_create_qp(c->pd, &qa);
    if (pe->qp[qpi] == NULL) {
        FCOLL__ERR(c->log, "ib %s: ibv_create_qp for peer %d: %s", c->devname, p, strerror(errno));
        return FCOLL_ERR_SYSTEM;
    }
    struct ibv_qp_attr a = {
        .qp_state = IBV_QPS_INIT,
        .pkey_index = 0,
        .port_num = c->port,
        .qp_access_flags = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ,
    };
    int r = ibv_modify_qp(pe->qp[qpi], &a,
                          IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS);
    if (r != 0) {
        FCOLL__ERR(c->log, "ib qp 0x%x (peer %d): to INIT: %s", pe->qp[qpi]->qp_num, p,
                   strerror(r));
        return FCOLL_ERR_SYSTEM;
    }
    fcoll_status_t st = FCOLL_OK;
    for (unsigned i = 0; i < IB_RECV_WR && st == FCOLL_OK; i++)
        st = post_recv(c, p, qpi);
    return st;
}

/* The QPs, arena and staging ring for one peer. */
static fcoll_status_t peer_create(fcoll__tl_ctx_t *c, int p, ib_wire_t *w)
{
    ib_peer_t *pe = &c->peers[p];
    for (unsigned i = 0; i < IB_MAX_QPS * IB_SEND_WR; i++)
        pe->zput[i].handle = -1;
    pe->arena_len = (size_t)IB_SLOT_SIZE * IB_NSLOTS;
    pe->arena = alloc_pages(pe->arena_len);
    pe->stage = alloc_pages((size_t)IB_SLOT_SIZE * IB_NSTAGE);
    if (pe->arena == NULL || pe->stage == NULL)
        return FCOLL_ERR_NO_MEMORY;
    pe->arena_mr = ibv_reg_mr(c->pd, pe->arena, pe->arena_len,
                              IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
    pe->stage_mr = ibv_reg_mr(c->pd, pe->stage, (size_t)IB_SLOT_SIZE * IB_NSTAGE, 0);
    if (pe->arena_mr == NULL || pe->stage_mr == NULL) {
        FCOLL__ERR(c->log, "ib %s: ibv_reg_mr for peer %d: %s", c->devname, p, strerror(errno));
        return FCOLL_ERR_SYSTEM;
    }
    fcoll_status_t st = FCOLL_OK;
    for (unsigned i = 0; i < c->nqps && st == FCOLL_OK; i++)
        st = qp_create(c, p, i);
    if (st != FCOLL_OK)
        return st;
    uint32_t psn = 0;
    if (getentropy(&psn, sizeof(psn)) != 0)
        psn = (uint32_t)fcoll__now_ns();
    *w = (ib_wire_t){
        .valid = 1,
        .nqps = c->nqps,
        .psn = psn & 0xffffffu,
        .rkey = pe->arena_mr->rkey,
        .addr = (uint64_t)(uintptr_t)pe->arena,
        .len = pe->arena_len,
        .lid = c->lid,
        .mtu = (uint8_t)c->mtu,
    };
    for (unsigned i = 0; i < c->nqps; i++)
        w->qpn[i] = pe->qp[i]->qp_num;
    memcpy(w->gid, c->gid.raw, 16);
    return FCOLL_OK;
}

/* The smaller of both ports' active MTUs: what a QP between them uses. */
static enum ibv_mtu path_mtu(const fcoll__tl_ctx_t *c, const ib_wire_t *rw)
{
    return rw->mtu < (uint8_t)c->mtu ? (enum ibv_mtu)rw->mtu : c->mtu;
}

/* INIT -> RTR -> RTS of my QP qpi towards the peer's QP rqpn. */
static fcoll_status_t qp_connect(fcoll__tl_ctx_t *c, int p, struct ibv_qp *qp, uint32_t psn,
                                 const ib_wire_t *rw, uint32_t rqpn)
{
    struct ibv_qp_attr a = {
        .qp_state = IBV_QPS_RTR,
        .path_mtu = path_mtu(c, rw),
        .dest_qp_num = rqpn,
        .rq_psn = rw->psn,
        .max_dest_rd_atomic = c->rd_atom,
        .min_rnr_timer = 12,
        .ah_attr = {.dlid = rw->lid, .sl = 0, .port_num = c->port},
    };
    if (c->gid_index >= 0) {
        a.ah_attr.is_global = 1;
        memcpy(a.ah_attr.grh.dgid.raw, rw->gid, 16);
        a.ah_attr.grh.sgid_index = (uint8_t)c->gid_index;
        a.ah_attr.grh.hop_limit = 64;
    }
    int r = ibv_modify_qp(qp, &a,
                          IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
                              IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER);
    if (r != 0) {
        FCOLL__ERR(c->log, "ib qp 0x%x (peer %d, remote qp 0x%x): to RTR: %s", qp->qp_num, p, rqpn,
                   strerror(r));
        return FCOLL_ERR_SYSTEM;
    }
    a = (struct ibv_qp_attr){
        .qp_state = IBV_QPS_RTS,
        .timeout = c->timeout,
        .retry_cnt = c->retry_cnt,
        .rnr_retry = 7, /* unlimited: the receiver reposts as fast as it polls */
        .sq_psn = psn,
        .max_rd_atomic = c->rd_atom,
    };
    r = ibv_modify_qp(qp, &a,
                      IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
                          IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
    if (r != 0) {
        FCOLL__ERR(c->log, "ib qp 0x%x (peer %d): to RTS: %s", qp->qp_num, p, strerror(r));
        return FCOLL_ERR_SYSTEM;
    }
    return FCOLL_OK;
}

/* Connects my QPs to the peer described by rw (mine is what I sent); both
 * sides use as many as the one with fewer made. */
static fcoll_status_t peer_connect(fcoll__tl_ctx_t *c, int p, const ib_wire_t *mine,
                                   const ib_wire_t *rw)
{
    ib_peer_t *pe = &c->peers[p];
    pe->raddr = rw->addr;
    pe->rlen = rw->len;
    pe->rkey = rw->rkey;
    pe->nqps = rw->nqps < mine->nqps ? rw->nqps : mine->nqps;
    if (pe->nqps == 0 || pe->nqps > IB_MAX_QPS) {
        FCOLL__ERR(c->log, "ib peer %d: offers %u QPs (1 to %u expected)", p, rw->nqps, IB_MAX_QPS);
        return FCOLL_ERR_PROTOCOL;
    }
    fcoll_status_t st = FCOLL_OK;
    for (unsigned i = 0; i < pe->nqps && st == FCOLL_OK; i++)
        st = qp_connect(c, p, pe->qp[i], mine->psn, rw, rw->qpn[i]);
    if (st == FCOLL_OK)
        FCOLL__INFO(c->log, "ib peer %d: %u QPs, path mtu %d", p, pe->nqps,
                    128 << (int)path_mtu(c, rw));
    return st;
}

static void ib_close(fcoll__tl_ctx_t *c)
{
    if (c == NULL)
        return;
    for (int p = 0; c->peers != NULL && p < c->nranks; p++) {
        ib_peer_t *pe = &c->peers[p];
        for (unsigned i = 0; i < IB_MAX_QPS; i++)
            if (pe->qp[i] != NULL)
                ibv_destroy_qp(pe->qp[i]);
        if (pe->arena_mr != NULL)
            ibv_dereg_mr(pe->arena_mr);
        if (pe->stage_mr != NULL)
            ibv_dereg_mr(pe->stage_mr);
        free(pe->arena);
        free(pe->stage);
    }
    /* After the QPs: nothing can touch a cached region any more. */
    fcoll__ib_rcache_destroy(c->rcache);
    if (c->cq != NULL)
        ibv_destroy_cq(c->cq);
    if (c->chan != NULL)
        ibv_destroy_comp_channel(c->chan);
    if (c->pd != NULL)
        ibv_dealloc_pd(c->pd);
    if (c->dev != NULL)
        ibv_close_device(c->dev);
    free(c->peers);
    fcoll__cqe_queue_free(&c->pending);
    free(c);
}

/* Device, PD, CQ, registration cache and the QPs of every used peer; fills
 * mine[p] for each. */
static fcoll_status_t setup_local(fcoll__tl_ctx_t *c, const uint8_t *use, ib_wire_t *mine)
{
    fcoll_status_t st = open_device(c);
    if (st != FCOLL_OK)
        return st;
    int npeers = 0;
    for (int p = 0; p < c->nranks; p++)
        npeers += use[p] && p != c->rank;
    struct ibv_device_attr da;
    c->rd_atom = 1;
    if (ibv_query_device(c->dev, &da) == 0 && da.max_qp_rd_atom > 1)
        c->rd_atom = (uint8_t)(da.max_qp_rd_atom < 16 ? da.max_qp_rd_atom : 16);
    c->pd = ibv_alloc_pd(c->dev);
    c->chan = ibv_create_comp_channel(c->dev);
    if (c->pd == NULL || c->chan == NULL) {
        FCOLL__ERR(c->log, "ib %s: PD or completion channel: %s", c->devname, strerror(errno));
        return FCOLL_ERR_SYSTEM;
    }
    int cqe = npeers * (int)c->nqps * (int)(IB_SEND_WR + IB_RECV_WR);
    c->cq = ibv_create_cq(c->dev, cqe, NULL, c->chan, 0);
    if (c->cq == NULL) {
        FCOLL__ERR(c->log, "ib %s: ibv_create_cq(%d): %s", c->devname, cqe, strerror(errno));
        return FCOLL_ERR_SYSTEM;
    }
    size_t rcache_mb = (size_t)env_int("FCOLL_IB_RCACHE_MB", IB_RCACHE_MB, 0, 1 << 20);
    st = fcoll__ib_rcache_create(c->pd, c->log, rcache_mb << 20, IB_RCACHE_ENTRIES, &c->rcache);
    for (int p = 0; p < c->nranks && st == FCOLL_OK; p++)
        if (use[p] && p != c->rank)
            st = peer_create(c, p, &mine[p]);
    return st;
}

static fcoll_status_t ib_open(fcoll_comm_t *comm, const uint8_t *use, fcoll__tl_ctx_t **out)
{
    int n = comm->nranks, any = 0;
    for (int p = 0; p < n; p++)
        any |= use[p] && p != comm->rank;
    fcoll__tl_ctx_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return FCOLL_ERR_NO_MEMORY;
    c->log = &comm->opts.log;
    c->rank = comm->rank;
    c->nranks = n;
    /* 4.096 us << 18 is about 1 s per try on hardware. rxe reads a retry
     * count of 7 as "retry forever" (like rnr_retry), so a dead peer would
     * never show: 6 is the default. */
    c->timeout = (uint8_t)env_int("FCOLL_IB_TIMEOUT", 18, 1, 31);
    c->retry_cnt = (uint8_t)env_int("FCOLL_IB_RETRY_CNT", 6, 0, 7);
    c->get_min = (size_t)env_int("FCOLL_IB_GET_MIN", IB_GET_MIN, 0, 1 << 30);
    c->zcopy_min = (size_t)env_int("FCOLL_IB_ZCOPY_MIN", IB_ZCOPY_MIN, 0, 1 << 30);
    c->stripe_min = (size_t)env_int("FCOLL_IB_STRIPE_MIN", IB_STRIPE_MIN, 0, 1 << 30);
    c->nqps = (unsigned)env_int("FCOLL_IB_QPS_PER_PEER", 1, 1, IB_MAX_QPS);
    c->peers = calloc((size_t)n, sizeof(ib_peer_t));
    ib_wire_t *mine = calloc((size_t)n, sizeof(ib_wire_t));
    ib_wire_t *all = calloc((size_t)n * (size_t)n, sizeof(ib_wire_t));
    fcoll_status_t st = c->peers && mine && all ? FCOLL_OK : FCOLL_ERR_NO_MEMORY;
    /* A rank with nothing to do here opens no device: machines without RDMA
     * must still be able to create communicators. */
    if (st == FCOLL_OK && any)
        st = setup_local(c, use, mine);
    if (st != FCOLL_OK && mine != NULL)
        memset(mine, 0, sizeof(ib_wire_t) * (size_t)n); /* tell peers we failed */
    /* Everyone exchanges, used or not, so the exchange stays collective. */
    fcoll_status_t bst =
        mine && all ? fcoll__boot_allgather(comm->boot, mine, all, sizeof(ib_wire_t) * (size_t)n)
                    : FCOLL_ERR_NO_MEMORY;
    if (st == FCOLL_OK)
        st = bst;
    for (int p = 0; p < n && st == FCOLL_OK; p++) {
        if (!use[p] || p == c->rank)
            continue;
        const ib_wire_t *rw = &all[(size_t)p * (size_t)n + (size_t)c->rank];
        if (!rw->valid) {
            FCOLL__ERR(c->log, "ib: peer %d could not set up its ib side", p);
            st = FCOLL_ERR_REMOTE;
            break;
        }
        st = peer_connect(c, p, &mine[p], rw);
    }
    free(mine);
    free(all);
    if (st != FCOLL_OK) {
        ib_close(c);
        return st;
    }
    *out = c;
    return FCOLL_OK;
}

static void ib_attr(const fcoll__tl_ctx_t *c, fcoll__tl_attr_t *a)
{
    /* Fields this transport does not know stay zero (their defaults). */
    *a = (fcoll__tl_attr_t){
        .slot_size = IB_SLOT_SIZE,
        .nslots = IB_NSLOTS,
        .spin = 1024,
        .get_min = c->get_min,
    };
}

/* The peer's arena is the only region it can reach: it was exchanged at
 * open, so one region per peer of up to slot_size * nslots bytes. */
static fcoll_status_t ib_mem_alloc(fcoll__tl_ctx_t *c, int peer, size_t len, fcoll__mr_t *mr)
{
    if (peer < 0 || peer >= c->nranks || c->peers[peer].qp[0] == NULL)
        return FCOLL_ERR_INVALID_RANK;
    ib_peer_t *pe = &c->peers[peer];
    if (pe->arena_given || len > pe->arena_len) {
        FCOLL__ERR(c->log, "ib peer %d: mem_alloc of %zu bytes: only one region of up to %zu", peer,
                   len, pe->arena_len);
        return FCOLL_ERR_UNSUPPORTED;
    }
    pe->arena_given = 1;
    mr->addr = pe->arena;
    mr->len = len;
    mr->rkey = pe->arena_mr->rkey;
    mr->handle = (uint64_t)peer;
    return FCOLL_OK;
}

/* Registers caller memory for peers' puts and gets, through the
 * registration cache. Regions address their bytes from 0, so the key alone
 * names a byte for the peer (no address exchange): rkey64 = rkey << 32 |
 * offset of addr in the region, remote address = that offset + roff. */
static fcoll_status_t ib_mem_reg(fcoll__tl_ctx_t *c, void *addr, size_t len, fcoll__mr_t *mr)
{
    if (c->rcache == NULL)
        return FCOLL_ERR_UNSUPPORTED;
    fcoll__ib_rref_t ref;
    fcoll_status_t st = fcoll__ib_rcache_get(c->rcache, addr, len, &ref);
    if (st != FCOLL_OK)
        return st;
    if (ref.mr->rkey == 0 || ref.off + len > UINT32_MAX) {
        /* Key 0 would read as an arena; offsets must fit the key's half. */
        fcoll__ib_rcache_put(c->rcache, ref.handle);
        FCOLL__ERR(c->log, "ib %s: region of %zu bytes cannot be named by a 64-bit key", c->devname,
                   len);
        return FCOLL_ERR_UNSUPPORTED;
    }
    *mr = (fcoll__mr_t){addr, len, (uint64_t)ref.mr->rkey << 32 | ref.off, (uint64_t)ref.handle};
    return FCOLL_OK;
}

static fcoll_status_t ib_mem_dereg(fcoll__tl_ctx_t *c, fcoll__mr_t *mr)
{
    if ((mr->rkey >> 32) == 0) {
        /* An arena: it lives until close. */
        if (mr->handle < (uint64_t)c->nranks)
            c->peers[mr->handle].arena_given = 0;
        return FCOLL_OK;
    }
    fcoll__ib_rcache_put(c->rcache, (int)mr->handle);
    return FCOLL_OK;
}

/* ---------------------------------------------------------------- data */

/* A send WR of peer's QP qpi is done (or flushed): free what it held. */
static void send_done(fcoll__tl_ctx_t *c, uint64_t wr_id)
{
    ib_peer_t *pe = &c->peers[WR_PEER(wr_id)];
    pe->send_posted[WR_QPI(wr_id)]--;
    unsigned idx = WR_IDX(wr_id);
    if (WR_KIND(wr_id) == WR_PUT) {
        pe->stage_busy[idx] = 0;
    } else if (WR_KIND(wr_id) == WR_ZPUT) {
        fcoll__ib_rcache_put(c->rcache, pe->zput[idx].handle);
        pe->zput[idx].handle = -1;
    }
}

static fcoll_status_t wc_error(fcoll__tl_ctx_t *c, const struct ibv_wc *wc)
{
    int peer = WR_PEER(wc->wr_id);
    if (WR_KIND(wc->wr_id) != WR_RECV && peer < c->nranks)
        send_done(c, wc->wr_id);
    fcoll_status_t st = c->aborted ? FCOLL_ERR_ABORTED : FCOLL_ERR_REMOTE;
    if (c->error == FCOLL_OK) {
        /* The first error is the cause; flushes of the other WRs follow. */
        if (!(c->aborted && wc->status == IBV_WC_WR_FLUSH_ERR))
            FCOLL__ERR(c->log, "ib qp 0x%x (peer %d): completion error: %s (vendor 0x%x)",
                       wc->qp_num, peer, ibv_wc_status_str(wc->status), wc->vendor_err);
        c->error = st;
    }
    return c->error;
}

static fcoll_status_t recv_done(fcoll__tl_ctx_t *c, const struct ibv_wc *wc)
{
    int p = WR_PEER(wc->wr_id);
    fcoll_status_t st = post_recv(c, p, WR_QPI(wc->wr_id));
    if (st != FCOLL_OK && c->error == FCOLL_OK)
        c->error = st;
    if (!(wc->wc_flags & IBV_WC_WITH_IMM)) {
        FCOLL__ERR(c->log, "ib qp 0x%x (peer %d): message without immediate", wc->qp_num, p);
        c->error = FCOLL_ERR_PROTOCOL;
        return FCOLL_OK;
    }
    return fcoll__cqe_queue_push(
        &c->pending,
        (fcoll__cqe_t){.kind = FCOLL__CQE_RECV, .peer = p, .imm = ntohl(wc->imm_data)});
}

/* Moves what the CQ holds into the queue, reposting receives. */
static fcoll_status_t drain_cq(fcoll__tl_ctx_t *c)
{
    struct ibv_wc wc[IB_POLL_MAX];
    for (;;) {
        int n = ibv_poll_cq(c->cq, IB_POLL_MAX, wc);
        if (n < 0) {
            FCOLL__ERR(c->log, "ib %s: ibv_poll_cq failed", c->devname);
            return c->error = FCOLL_ERR_SYSTEM;
        }
        for (int i = 0; i < n; i++) {
            fcoll_status_t st = FCOLL_OK;
            unsigned kind = WR_KIND(wc[i].wr_id);
            if (wc[i].status != IBV_WC_SUCCESS) {
                wc_error(c, &wc[i]);
            } else if (kind == WR_RECV) {
                st = recv_done(c, &wc[i]);
            } else {
                ib_peer_t *pe = &c->peers[WR_PEER(wc[i].wr_id)];
                uint64_t user = kind == WR_ZPUT ? pe->zput[WR_IDX(wc[i].wr_id)].wr_id : 0;
                send_done(c, wc[i].wr_id);
                if (kind == WR_GET)
                    c->get_done++;
                else if (kind == WR_ZPUT)
                    st = fcoll__cqe_queue_push(&c->pending,
                                               (fcoll__cqe_t){.kind = FCOLL__CQE_SEND,
                                                              .peer = WR_PEER(wc[i].wr_id),
                                                              .wr_id = user});
            }
            if (st != FCOLL_OK)
                return st;
        }
        if (n < IB_POLL_MAX)
            return c->error;
    }
}

static fcoll_status_t check_usable(fcoll__tl_ctx_t *c, int peer)
{
    if (c->aborted)
        return FCOLL_ERR_ABORTED;
    if (c->error != FCOLL_OK)
        return c->error;
    if (peer < 0 || peer >= c->nranks || c->peers[peer].qp[0] == NULL)
        return FCOLL_ERR_INVALID_RANK;
    return FCOLL_OK;
}

/* Polls until QP qpi of the peer has room for a send (and, for a staged
 * put, its next staging buffer is free). Completions found meanwhile wait
 * in the queue. */
static fcoll_status_t wait_send_room(fcoll__tl_ctx_t *c, ib_peer_t *pe, unsigned qpi,
                                     int need_stage)
{
    uint64_t deadline = 0;
    for (;;) {
        if (pe->send_posted[qpi] < IB_SEND_WR && !(need_stage && pe->stage_busy[pe->stage_next]))
            return FCOLL_OK;
        fcoll_status_t st = drain_cq(c);
        if (st != FCOLL_OK)
            return st;
        if (c->aborted)
            return FCOLL_ERR_ABORTED;
        uint64_t now = fcoll__now_ns();
        if (deadline == 0)
            deadline = now + IB_STALL_NS;
        else if (now > deadline) {
            FCOLL__ERR(c->log, "ib qp 0x%x: send completions stalled", pe->qp[qpi]->qp_num);
            return c->error = FCOLL_ERR_TIMEOUT;
        }
    }
}

static fcoll_status_t post_send(fcoll__tl_ctx_t *c, int peer, unsigned qpi, struct ibv_send_wr *wr)
{
    ib_peer_t *pe = &c->peers[peer];
    struct ibv_send_wr *bad;
    int r = ibv_post_send(pe->qp[qpi], wr, &bad);
    if (r != 0) {
        FCOLL__ERR(c->log, "ib qp 0x%x (peer %d): post_send: %s", pe->qp[qpi]->qp_num, peer,
                   strerror(r));
        return c->error = FCOLL_ERR_SYSTEM;
    }
    pe->send_posted[qpi]++;
    return FCOLL_OK;
}

/* The QP a transfer of len bytes takes: large ones go round the QPs. */
static unsigned pick_qp(const fcoll__tl_ctx_t *c, ib_peer_t *pe, size_t len)
{
    if (pe->nqps < 2 || len < c->stripe_min)
        return 0;
    pe->next_qp = (pe->next_qp + 1) % pe->nqps;
    return pe->next_qp;
}

/* Fills sge with src: a registration of the caller's buffer (zero copy,
 * *zslot the put's slot) or a copy in the next staging buffer (*zslot -1). */
static fcoll_status_t put_source(fcoll__tl_ctx_t *c, ib_peer_t *pe, unsigned qpi, const void *src,
                                 size_t len, struct ibv_sge *sge, int *zslot)
{
    *zslot = -1;
    if (len >= c->zcopy_min && len > 0) {
        unsigned z = 0;
        while (z < IB_MAX_QPS * IB_SEND_WR && pe->zput[z].handle >= 0)
            z++;
        fcoll__ib_rref_t ref;
        /* Registration failures fall back to the copy (logged by the cache). */
        if (z < IB_MAX_QPS * IB_SEND_WR &&
            fcoll__ib_rcache_get(c->rcache, src, len, &ref) == FCOLL_OK) {
            pe->zput[z].handle = ref.handle;
            *sge = (struct ibv_sge){.addr = ref.off, .length = (uint32_t)len, .lkey = ref.mr->lkey};
            *zslot = (int)z;
            return FCOLL_OK;
        }
    }
    fcoll_status_t st = wait_send_room(c, pe, qpi, 1);
    if (st != FCOLL_OK)
        return st;
    char *buf = pe->stage + (size_t)pe->stage_next * IB_SLOT_SIZE;
    if (len > 0) /* src may be NULL then */
        memcpy(buf, src, len);
    *sge = (struct ibv_sge){
        .addr = (uint64_t)(uintptr_t)buf, .length = (uint32_t)len, .lkey = pe->stage_mr->lkey};
    return FCOLL_OK;
}

static fcoll_status_t ib_put(fcoll__tl_ctx_t *c, int peer, const void *src, size_t len,
                             uint64_t rkey, uint64_t roff, uint32_t imm, uint64_t wr_id,
                             int *completed)
{
    fcoll_status_t st = check_usable(c, peer);
    if (st != FCOLL_OK)
        return st;
    ib_peer_t *pe = &c->peers[peer];
    uint64_t raddr = pe->raddr + roff;
    uint32_t rk = pe->rkey;
    if (rkey >> 32) { /* a region the peer registered with mem_reg */
        raddr = (rkey & 0xffffffffu) + roff;
        rk = (uint32_t)(rkey >> 32);
    } else if (roff > pe->rlen || len > pe->rlen - roff || rkey != pe->rkey) {
        rk = 0;
    }
    if (len > IB_SLOT_SIZE || rk == 0) {
        FCOLL__ERR(c->log, "ib peer %d: put of %zu bytes at key 0x%llx+%llu is out of bounds", peer,
                   len, (unsigned long long)rkey, (unsigned long long)roff);
        return FCOLL_ERR_INVALID_ARG;
    }
    unsigned qpi = pick_qp(c, pe, len);
    st = wait_send_room(c, pe, qpi, 0);
    struct ibv_sge sge;
    int z = -1;
    if (st == FCOLL_OK)
        st = put_source(c, pe, qpi, src, len, &sge, &z);
    if (st != FCOLL_OK)
        return st;
    unsigned s = pe->stage_next;
    struct ibv_send_wr wr = {
        .wr_id = z >= 0 ? WR_ID(peer, WR_ZPUT, qpi, z) : WR_ID(peer, WR_PUT, qpi, s),
        .sg_list = &sge,
        .num_sge = len > 0 ? 1 : 0,
        .opcode = IBV_WR_RDMA_WRITE_WITH_IMM,
        .send_flags = IBV_SEND_SIGNALED,
        .imm_data = htonl(imm),
        .wr.rdma = {.remote_addr = raddr, .rkey = rk},
    };
    st = post_send(c, peer, qpi, &wr);
    if (st != FCOLL_OK) {
        if (z >= 0) {
            fcoll__ib_rcache_put(c->rcache, pe->zput[z].handle);
            pe->zput[z].handle = -1;
        }
        return st;
    }
    if (z >= 0) {
        pe->zput[z].wr_id = wr_id;
        *completed = 0; /* src is read until the write completes */
    } else {
        pe->stage_busy[s] = 1;
        pe->stage_next = (s + 1) % IB_NSTAGE;
        *completed = 1; /* src was copied */
    }
    return FCOLL_OK;
}

static fcoll_status_t ib_notify(fcoll__tl_ctx_t *c, int peer, uint32_t imm)
{
    fcoll_status_t st = check_usable(c, peer);
    if (st != FCOLL_OK)
        return st;
    st = wait_send_room(c, &c->peers[peer], 0, 0);
    if (st != FCOLL_OK)
        return st;
    struct ibv_send_wr wr = {
        .wr_id = WR_ID(peer, WR_NOTIFY, 0, 0),
        .num_sge = 0,
        .opcode = IBV_WR_SEND_WITH_IMM,
        .send_flags = IBV_SEND_SIGNALED,
        .imm_data = htonl(imm),
    };
    return post_send(c, peer, 0, &wr);
}

/* One-sided RDMA READ (into buf) or WRITE (from buf, no immediate) of len
 * bytes at roff of a region the peer registered with mem_reg; buf is
 * registered through the cache, pieces go round the peer's QPs. Blocks
 * until every piece completed. */
static fcoll_status_t rdma_blocking(fcoll__tl_ctx_t *c, int peer, enum ibv_wr_opcode opcode,
                                    const void *buf, size_t len, uint64_t rkey, uint64_t roff)
{
    fcoll_status_t st = check_usable(c, peer);
    if (st != FCOLL_OK)
        return st;
    if ((rkey >> 32) == 0) {
        FCOLL__ERR(c->log, "ib peer %d: %s key 0x%llx, not a mem_reg region", peer,
                   opcode == IBV_WR_RDMA_READ ? "get from" : "write to", (unsigned long long)rkey);
        return FCOLL_ERR_INVALID_ARG;
    }
    if (len == 0)
        return FCOLL_OK;
    fcoll__ib_rref_t local;
    st = fcoll__ib_rcache_get(c->rcache, buf, len, &local);
    if (st != FCOLL_OK)
        return st;
    ib_peer_t *pe = &c->peers[peer];
    size_t piece = len / pe->nqps < c->stripe_min ? len : (len + pe->nqps - 1) / pe->nqps;
    if (piece > IB_GET_PIECE)
        piece = IB_GET_PIECE;
    unsigned want = 0, base = c->get_done;
    for (size_t off = 0; off < len && st == FCOLL_OK; off += piece) {
        size_t n = len - off < piece ? len - off : piece;
        unsigned qpi = pick_qp(c, pe, n);
        st = wait_send_room(c, pe, qpi, 0);
        if (st != FCOLL_OK)
            break;
        struct ibv_sge sge = {
            .addr = local.off + off, .length = (uint32_t)n, .lkey = local.mr->lkey};
        struct ibv_send_wr wr = {
            .wr_id = WR_ID(peer, WR_GET, qpi, 0),
            .sg_list = &sge,
            .num_sge = 1,
            .opcode = opcode,
            .send_flags = IBV_SEND_SIGNALED,
            .wr.rdma = {.remote_addr = (rkey & 0xffffffffu) + roff + off,
                        .rkey = (uint32_t)(rkey >> 32)},
        };
        st = post_send(c, peer, qpi, &wr);
        if (st == FCOLL_OK)
            want++;
    }
    uint64_t deadline = fcoll__now_ns() + IB_STALL_NS;
    while (st == FCOLL_OK && c->get_done - base < want) {
        st = drain_cq(c);
        if (st == FCOLL_OK && c->aborted)
            st = FCOLL_ERR_ABORTED;
        if (st == FCOLL_OK && fcoll__now_ns() > deadline) {
            FCOLL__ERR(c->log, "ib qp 0x%x (peer %d): RDMA %s stalled", pe->qp[0]->qp_num, peer,
                       opcode == IBV_WR_RDMA_READ ? "READ" : "WRITE");
            st = c->error = FCOLL_ERR_TIMEOUT;
        }
    }
    /* On an error the pieces may still be flushing: the region stays
     * registered (close releases it) rather than vanish under them. */
    if (st == FCOLL_OK)
        fcoll__ib_rcache_put(c->rcache, local.handle);
    return st;
}

static fcoll_status_t ib_get(fcoll__tl_ctx_t *c, int peer, void *dst, size_t len, uint64_t rkey,
                             uint64_t roff)
{
    return rdma_blocking(c, peer, IBV_WR_RDMA_READ, dst, len, rkey, roff);
}

static fcoll_status_t ib_write(fcoll__tl_ctx_t *c, int peer, const void *src, size_t len,
                               uint64_t rkey, uint64_t roff)
{
    return rdma_blocking(c, peer, IBV_WR_RDMA_WRITE, src, len, rkey, roff);
}

/* Steering helps transports that copy on receipt; RDMA already lands the
 * data in the registered slot, so ib declines the hint. */
static fcoll_status_t ib_steer(fcoll__tl_ctx_t *c, int peer, uint64_t rkey, uint64_t roff,
                               void *dst, size_t len)
{
    (void)c;
    (void)peer;
    (void)rkey;
    (void)roff;
    (void)dst;
    (void)len;
    return FCOLL_ERR_UNSUPPORTED;
}

static fcoll_status_t ib_unsteer(fcoll__tl_ctx_t *c, int peer, uint64_t rkey, uint64_t roff)
{
    (void)c;
    (void)peer;
    (void)rkey;
    (void)roff;
    return FCOLL_ERR_UNSUPPORTED;
}

static fcoll_status_t ib_poll(fcoll__tl_ctx_t *c, fcoll__cqe_t *cqe, int max, int *n)
{
    *n = 0;
    if (c->aborted)
        return FCOLL_ERR_ABORTED;
    if (c->cq == NULL)
        return FCOLL_OK;
    fcoll_status_t st = drain_cq(c);
    int k = fcoll__cqe_queue_take(&c->pending, cqe, max);
    *n = k;
    /* Hand out what arrived before the error first. */
    return k > 0 ? FCOLL_OK : st;
}

static fcoll_status_t ib_wait(fcoll__tl_ctx_t *c, int timeout_ms)
{
    if (c->pending.n > 0 || c->cq == NULL || c->error != FCOLL_OK || c->aborted)
        return FCOLL_OK;
    if (!c->armed) {
        if (ibv_req_notify_cq(c->cq, 0) != 0) {
            FCOLL__ERR(c->log, "ib %s: ibv_req_notify_cq failed", c->devname);
            return FCOLL_ERR_SYSTEM;
        }
        c->armed = 1;
        /* Completions that came before the arming raise no event. */
        fcoll_status_t st = drain_cq(c);
        if (st != FCOLL_OK || c->pending.n > 0)
            return FCOLL_OK;
    }
    struct pollfd pf = {.fd = c->chan->fd, .events = POLLIN};
    int r = poll(&pf, 1, timeout_ms);
    if (r < 0 && errno != EINTR) {
        FCOLL__ERR(c->log, "ib: poll on the completion channel: %s", strerror(errno));
        return FCOLL_ERR_SYSTEM;
    }
    if (r > 0) {
        struct ibv_cq *cq;
        void *user;
        if (ibv_get_cq_event(c->chan, &cq, &user) == 0) {
            ibv_ack_cq_events(cq, 1);
            c->armed = 0;
        }
    }
    return FCOLL_OK;
}

void fcoll__ib_rcache_stats_of(const fcoll__tl_ctx_t *c, fcoll__ib_rcache_stats_t *st)
{
    if (c->rcache != NULL)
        fcoll__ib_rcache_stats(c->rcache, st);
    else
        *st = (fcoll__ib_rcache_stats_t){0};
}

void fcoll__ib_break_qps(fcoll__tl_ctx_t *c, int peer)
{
    for (unsigned i = 0; i < IB_MAX_QPS; i++) {
        if (c->peers[peer].qp[i] == NULL)
            continue;
        struct ibv_qp_attr a = {.qp_state = IBV_QPS_ERR};
        ibv_modify_qp(c->peers[peer].qp[i], &a, IBV_QP_STATE);
    }
}

static fcoll_status_t ib_abort(fcoll__tl_ctx_t *c)
{
    c->aborted = 1;
    /* Error state flushes our WRs and drops what the peers send, so they
     * see their own completion errors. */
    for (int p = 0; c->peers != NULL && p < c->nranks; p++)
        fcoll__ib_break_qps(c, p);
    return FCOLL_OK;
}

const fcoll__tl_ops_t fcoll__tl_ib_ops = {
    .name = "ib",
    .open = ib_open,
    .close = ib_close,
    .attr = ib_attr,
    .mem_alloc = ib_mem_alloc,
    .mem_reg = ib_mem_reg,
    .mem_dereg = ib_mem_dereg,
    .put = ib_put,
    .notify = ib_notify,
    .get = ib_get,
    .write = ib_write,
    .steer = ib_steer,
    .unsteer = ib_unsteer,
    .poll = ib_poll,
    .wait = ib_wait,
    .abort = ib_abort,
};

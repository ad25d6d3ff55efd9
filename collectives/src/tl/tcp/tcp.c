/* tcp transport: one-sided puts emulated over non-blocking sockets.
 *
 * Each put travels as a 16-byte header (length, immediate, key, offset)
 * followed by the payload, which the receiver reads straight into the
 * registered region the key names, then reports the immediate: the same
 * contract as an RDMA write with immediate. Large puts are spread over
 * several sockets per peer (FCOLL_TCP_NSOCKS, default 2) so that more than
 * one flow and core work on a link. A put that the socket cannot take at
 * once is queued and completes later with a send completion.
 *
 * Each recv also reads ahead what follows the current message (the next
 * header, or a few KiB of small messages) into a per-socket buffer, so a
 * small message costs one system call instead of three and a stream of
 * large ones one per message.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "boot.h"
#include "internal.h"
#include "sock.h"

/* A chunk and its 16-byte header fit one segment of loopback's 64 KiB MTU
 * (MSS 65483): with 64 KiB slots every chunk took a second, 16-byte
 * segment, and its acks (4 ranks, 1 MiB allreduce: 15% less system time).
 * A multiple of 128, so that chunks hold whole elements of every type. */
#define TCP_SLOT_SIZE ((64u << 10) - 128)
#define TCP_NSLOTS    16u
#define TCP_MAX_SOCKS 8
/* Queued items per socket: bounded by data puts and credits in flight. */
#define TCP_SENDQ 64u
/* Full chunks may take any socket; smaller puts keep to the first so that
 * latency-bound traffic sees one ordered stream. */
#define TCP_STRIPE_MIN TCP_SLOT_SIZE
/* Read-ahead per socket. Behind a payload this big or bigger only the next
 * header is read ahead, so that large payloads land in place, not copied
 * twice. */
#define TCP_RXBUF 4096u

typedef struct hdr {
    uint32_t len, imm, rkey, roff;
} hdr_t;

typedef struct sendq_item {
    hdr_t hdr;
    const char *data;
    size_t sent; /* of sizeof(hdr) + hdr.len */
    uint64_t wr_id;
    int want_cqe;
} sendq_item_t;

typedef struct tsock {
    int fd;
    int closed;
    int peer;
    sendq_item_t q[TCP_SENDQ];
    unsigned qhead, qtail;
    hdr_t rhdr; /* receive state: header, then payload */
    size_t rgot;
    char *rdst; /* where the payload goes */
    int rsteered;
    char *rx; /* TCP_RXBUF bytes read ahead; [rx_at, rx_end) not yet used */
    size_t rx_at, rx_end;
    int pollout; /* EPOLLOUT is in the epoll interest: the send queue waits */
} tsock_t;

typedef struct mreg {
    char *addr;
    size_t len;
} mreg_t;

/* A receiver's hint: the put into (rkey, roff) of len bytes goes to dst. */
typedef struct steer {
    uint64_t rkey, roff;
    char *dst;
    size_t len;
} steer_t;

struct fcoll__tl_ctx {
    const fcoll__log_t *log;
    int rank, nranks, nsock;
    unsigned spin; /* see tcp_attr */
    _Atomic int aborted;
    tsock_t *socks; /* nranks * nsock, fd -1 where unused */
    unsigned *rr;   /* next socket for a striped put, per peer */
    mreg_t *mr;     /* registered regions, rkey = index */
    int nmr;
    fcoll__cqe_queue_t pending; /* completions waiting for poll */
    steer_t *steer;             /* nranks * TCP_NSLOTS hints, dst NULL when unused */
    /* epoll, not poll(2): a poll of every socket per empty round cost a
     * fifth of the CPU of a small allreduce (4 ranks, 8 B); epoll_wait
     * looks at a ready list instead. */
    int epfd;
    struct epoll_event *evs; /* scratch for progress(); data.u32 = socket */
    int ahead_left;          /* a drain stopped with read-ahead unused */
};

static tsock_t *sock_of(fcoll__tl_ctx_t *c, int peer, int k)
{
    return &c->socks[peer * c->nsock + k];
}

static void tcp_close(fcoll__tl_ctx_t *c)
{
    if (c == NULL)
        return;
    for (int i = 0; c->socks && i < c->nranks * c->nsock; i++) {
        if (c->socks[i].fd >= 0)
            close(c->socks[i].fd);
        free(c->socks[i].rx);
    }
    for (int i = 0; i < c->nmr; i++)
        free(c->mr[i].addr);
    free(c->mr);
    free(c->socks);
    free(c->rr);
    fcoll__cqe_queue_free(&c->pending);
    if (c->epfd >= 0)
        close(c->epfd);
    free(c->evs);
    free(c->steer);
    free(c);
}

static int nsock_from_env(void)
{
    const char *v = getenv("FCOLL_TCP_NSOCKS");
    int n = v ? atoi(v) : 2;
    return n < 1 ? 1 : n > TCP_MAX_SOCKS ? TCP_MAX_SOCKS : n;
}

static fcoll_status_t tcp_open(fcoll_comm_t *comm, const uint8_t *use, fcoll__tl_ctx_t **out)
{
    int n = comm->nranks, any = 0;
    for (int p = 0; p < n; p++)
        any |= use[p];
    fcoll__tl_ctx_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return FCOLL_ERR_NO_MEMORY;
    c->epfd = -1;
    c->log = &comm->opts.log;
    c->rank = comm->rank;
    c->nranks = n;
    c->nsock = nsock_from_env();
    /* Waking from poll(2) costs tens of microseconds: keep polling without
     * blocking for a while (about a millisecond), unless ranks outnumber
     * CPUs here, where the peer we wait for probably needs this CPU: yield
     * it after one empty poll (4 ranks on 2 CPUs, 8 B allreduce: 22 us
     * against 31 us after 8 polls, medians of 10 runs). */
    c->spin = comm->oversubscribed ? 1 : 1000;
    c->socks = calloc((size_t)n * (size_t)c->nsock, sizeof(tsock_t));
    c->rr = calloc((size_t)n, sizeof(unsigned));
    c->evs = calloc((size_t)n * (size_t)c->nsock, sizeof(struct epoll_event));
    c->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (c->epfd < 0)
        FCOLL__ERR(c->log, "epoll_create1: %s", strerror(errno));
    c->steer = calloc((size_t)n * TCP_NSLOTS, sizeof(steer_t));
    uint8_t *addrs = calloc((size_t)n, FCOLL__ADDR_BYTES);
    int *fds = calloc((size_t)n * (size_t)c->nsock, sizeof(int));
    fcoll_status_t st =
        c->socks && c->rr && c->evs && c->steer && addrs && fds ? FCOLL_OK : FCOLL_ERR_NO_MEMORY;
    if (st == FCOLL_OK && c->epfd < 0)
        st = FCOLL_ERR_SYSTEM;
    int lfd = -1;
    uint8_t mine[FCOLL__ADDR_BYTES] = {0};
    if (st == FCOLL_OK && any) {
        struct sockaddr_storage a, bound;
        st = fcoll__sock_pick_addr(c->log, &a);
        if (st == FCOLL_OK)
            st = fcoll__sock_listen(c->log, &a, &lfd, &bound);
        if (st == FCOLL_OK)
            memcpy(mine, &bound, FCOLL__ADDR_BYTES);
    }
    /* Everyone exchanges, used or not, so the exchange stays collective;
     * all-zero addresses mark a rank that failed. */
    fcoll_status_t bst = addrs ? fcoll__boot_allgather(comm->boot, mine, addrs, FCOLL__ADDR_BYTES)
                               : FCOLL_ERR_NO_MEMORY;
    if (st == FCOLL_OK)
        st = bst;
    for (int p = 0; p < n && st == FCOLL_OK; p++) {
        static const uint8_t zero[FCOLL__ADDR_BYTES];
        if (use[p] && memcmp(addrs + (size_t)p * FCOLL__ADDR_BYTES, zero, sizeof(zero)) == 0)
            st = FCOLL_ERR_REMOTE;
    }
    if (st == FCOLL_OK && any)
        st = fcoll__boot_mesh(comm->boot, lfd, addrs, use, c->nsock, fds);
    if (lfd >= 0)
        close(lfd);
    for (int i = 0; c->socks && i < n * c->nsock; i++) {
        tsock_t *s = &c->socks[i];
        s->fd = st == FCOLL_OK && any ? fds[i] : -1;
        s->peer = i / c->nsock;
        if (s->fd < 0 || st != FCOLL_OK)
            continue;
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        if ((s->rx = malloc(TCP_RXBUF)) == NULL) {
            st = FCOLL_ERR_NO_MEMORY;
        } else if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, s->fd, &ev) != 0) {
            FCOLL__ERR(c->log, "epoll_ctl add (peer %d): %s", s->peer, strerror(errno));
            st = FCOLL_ERR_SYSTEM;
        }
    }
    free(addrs);
    free(fds);
    if (st != FCOLL_OK) {
        tcp_close(c);
        return st;
    }
    *out = c;
    return FCOLL_OK;
}

static void tcp_attr(const fcoll__tl_ctx_t *c, fcoll__tl_attr_t *a)
{
    a->slot_size = TCP_SLOT_SIZE;
    a->nslots = TCP_NSLOTS;
    a->spin = c->spin;
    a->get_min = 0;
}

static fcoll_status_t tcp_mem_alloc(fcoll__tl_ctx_t *c, int peer, size_t len, fcoll__mr_t *mr)
{
    (void)peer;
    mreg_t *m = realloc(c->mr, sizeof(mreg_t) * (size_t)(c->nmr + 1));
    if (m == NULL)
        return FCOLL_ERR_NO_MEMORY;
    c->mr = m;
    void *buf = NULL;
    if (posix_memalign(&buf, 4096, len) != 0)
        return FCOLL_ERR_NO_MEMORY;
    c->mr[c->nmr] = (mreg_t){buf, len};
    mr->addr = buf;
    mr->len = len;
    mr->rkey = (uint64_t)c->nmr;
    mr->handle = (uint64_t)c->nmr;
    c->nmr++;
    return FCOLL_OK;
}

/* Hints are kept per peer and slot; a slot is roff / TCP_SLOT_SIZE. */
static steer_t *steer_of(fcoll__tl_ctx_t *c, int peer, uint64_t roff)
{
    uint64_t k = roff / TCP_SLOT_SIZE;
    return k < TCP_NSLOTS ? &c->steer[(size_t)peer * TCP_NSLOTS + k] : NULL;
}

static fcoll_status_t tcp_steer(fcoll__tl_ctx_t *c, int peer, uint64_t rkey, uint64_t roff,
                                void *dst, size_t len)
{
    steer_t *st = steer_of(c, peer, roff);
    if (st == NULL)
        return FCOLL_ERR_UNSUPPORTED;
    *st = (steer_t){rkey, roff, dst, len};
    return FCOLL_OK;
}

static fcoll_status_t tcp_unsteer(fcoll__tl_ctx_t *c, int peer, uint64_t rkey, uint64_t roff)
{
    steer_t *st = steer_of(c, peer, roff);
    if (st != NULL && st->rkey == rkey && st->roff == roff)
        st->dst = NULL;
    return FCOLL_OK;
}

/* A closed connection is normal once the peer is done with us; the channel
 * layer reports it when it still needed that peer. */
static fcoll_status_t peer_gone(fcoll__tl_ctx_t *c, tsock_t *s, int err)
{
    if (!s->closed) {
        FCOLL__DEBUG(c->log, "tcp peer %d: %s", s->peer, err ? strerror(err) : "connection closed");
        /* Level-triggered epoll would report it forever. */
        if (s->fd >= 0)
            epoll_ctl(c->epfd, EPOLL_CTL_DEL, s->fd, NULL);
    }
    s->closed = 1;
    return FCOLL_ERR_PEER_CLOSED;
}

/* Asks epoll to report s writable exactly while its send queue waits. */
static fcoll_status_t watch_out(fcoll__tl_ctx_t *c, tsock_t *s)
{
    int want = s->qhead != s->qtail;
    if (want == s->pollout || s->closed)
        return FCOLL_OK;
    struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0u),
                             .data.u32 = (uint32_t)(s - c->socks)};
    if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, s->fd, &ev) != 0) {
        FCOLL__ERR(c->log, "epoll_ctl (peer %d): %s", s->peer, strerror(errno));
        return FCOLL_ERR_SYSTEM;
    }
    s->pollout = want;
    return FCOLL_OK;
}

/* Writes queued items until the socket is full. */
static fcoll_status_t flush_queue(fcoll__tl_ctx_t *c, tsock_t *s)
{
    while (s->qhead != s->qtail) {
        sendq_item_t *it = &s->q[s->qhead % TCP_SENDQ];
        struct iovec iov[2];
        int niov = 0;
        size_t hl = sizeof(hdr_t);
        if (it->sent < hl)
            iov[niov++] = (struct iovec){(char *)&it->hdr + it->sent, hl - it->sent};
        size_t doff = it->sent > hl ? it->sent - hl : 0;
        if (it->hdr.len > doff)
            iov[niov++] = (struct iovec){(void *)(it->data + doff), it->hdr.len - doff};
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)niov};
        ssize_t r = sendmsg(s->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r < 0) {
            if (errno == EAGAIN || errno == EINTR)
                return FCOLL_OK;
            return peer_gone(c, s, errno);
        }
        it->sent += (size_t)r;
        if (it->sent < hl + it->hdr.len)
            return FCOLL_OK;
        if (it->want_cqe) {
            fcoll_status_t st = fcoll__cqe_queue_push(
                &c->pending,
                (fcoll__cqe_t){.kind = FCOLL__CQE_SEND, .peer = s->peer, .wr_id = it->wr_id});
            if (st != FCOLL_OK)
                return st;
        }
        s->qhead++;
    }
    return FCOLL_OK;
}

static fcoll_status_t flush(fcoll__tl_ctx_t *c, tsock_t *s)
{
    fcoll_status_t st = flush_queue(c, s);
    return st == FCOLL_OK ? watch_out(c, s) : st;
}

static fcoll_status_t enqueue(fcoll__tl_ctx_t *c, int peer, int k, const hdr_t *h, const void *data,
                              uint64_t wr_id, int want_cqe, int *completed)
{
    if (c->aborted)
        return FCOLL_ERR_ABORTED;
    tsock_t *s = sock_of(c, peer, k);
    if (s->fd < 0 || s->closed)
        return peer_gone(c, s, 0);
    if (s->qtail - s->qhead == TCP_SENDQ) {
        FCOLL__ERR(c->log, "tcp peer %d: send queue overflow", peer);
        return FCOLL_ERR_PROTOCOL;
    }
    int was_empty = s->qhead == s->qtail;
    s->q[s->qtail % TCP_SENDQ] =
        (sendq_item_t){.hdr = *h, .data = data, .wr_id = wr_id, .want_cqe = want_cqe};
    s->qtail++;
    if (!was_empty) {
        *completed = 0;
        return FCOLL_OK;
    }
    /* Try at once: most puts fit the socket buffer and complete inline. */
    sendq_item_t *it = &s->q[(s->qtail - 1) % TCP_SENDQ];
    it->want_cqe = 0;
    fcoll_status_t st = flush(c, s);
    if (st != FCOLL_OK)
        return st;
    *completed = s->qhead == s->qtail;
    it->want_cqe = !*completed && want_cqe;
    return FCOLL_OK;
}

static fcoll_status_t tcp_put(fcoll__tl_ctx_t *c, int peer, const void *src, size_t len,
                              uint64_t rkey, uint64_t roff, uint32_t imm, uint64_t wr_id,
                              int *completed)
{
    hdr_t h = {(uint32_t)len, imm, (uint32_t)rkey, (uint32_t)roff};
    int k = 0;
    if (len >= TCP_STRIPE_MIN)
        k = (int)(c->rr[peer]++ % (unsigned)c->nsock);
    return enqueue(c, peer, k, &h, src, wr_id, 1, completed);
}

static fcoll_status_t tcp_notify(fcoll__tl_ctx_t *c, int peer, uint32_t imm)
{
    hdr_t h = {0, imm, UINT32_MAX, 0};
    int completed;
    fcoll_status_t st = enqueue(c, peer, 0, &h, NULL, 0, 0, &completed);
    /* A peer that left needs no more credits from us. */
    return st == FCOLL_ERR_PEER_CLOSED ? FCOLL_OK : st;
}

/* Moves up to want bytes of read-ahead to dst; returns how many. */
static size_t take_ahead(tsock_t *s, char *dst, size_t want)
{
    size_t n = s->rx_end - s->rx_at;
    if (n > want)
        n = want;
    memcpy(dst, s->rx + s->rx_at, n);
    s->rx_at += n;
    return n;
}

/* With the read-ahead used up: one recv of the rest of the current header
 * or payload (want bytes, straight to dst) and of up to ahead bytes of what
 * follows. *got: bytes for dst, 0 when nothing was there; *empty: the
 * socket had less than asked, so another recv now would find nothing. */
static fcoll_status_t read_more(fcoll__tl_ctx_t *c, tsock_t *s, char *dst, size_t want,
                                size_t ahead, size_t *got, int *empty)
{
    struct iovec iov[2] = {{dst, want}, {s->rx, ahead}};
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
    ssize_t r = recvmsg(s->fd, &mh, MSG_DONTWAIT);
    *got = 0;
    if (r == 0)
        return peer_gone(c, s, 0);
    if (r < 0) {
        if (errno == EAGAIN || errno == EINTR)
            return FCOLL_OK;
        return peer_gone(c, s, errno);
    }
    *got = (size_t)r < want ? (size_t)r : want;
    s->rx_at = 0;
    s->rx_end = (size_t)r - *got;
    *empty = (size_t)r < want + ahead;
    return FCOLL_OK;
}

/* Header complete: checks where the payload goes and points rdst there. */
static fcoll_status_t place_payload(fcoll__tl_ctx_t *c, tsock_t *s)
{
    if (s->rhdr.rkey >= (uint32_t)c->nmr ||
        (size_t)s->rhdr.roff + s->rhdr.len > c->mr[s->rhdr.rkey].len) {
        FCOLL__ERR(c->log, "tcp peer %d: put of %u bytes to key %u+%u is out of bounds", s->peer,
                   s->rhdr.len, s->rhdr.rkey, s->rhdr.roff);
        return FCOLL_ERR_PROTOCOL;
    }
    /* Straight to the final buffer when the receiver asked for it. */
    steer_t *st = steer_of(c, s->peer, s->rhdr.roff);
    s->rsteered = st != NULL && st->dst != NULL && st->rkey == s->rhdr.rkey &&
                  st->roff == s->rhdr.roff && st->len == s->rhdr.len;
    s->rdst = s->rsteered ? st->dst : c->mr[s->rhdr.rkey].addr + s->rhdr.roff;
    if (s->rsteered)
        st->dst = NULL;
    return FCOLL_OK;
}

/* Reads what the socket has: headers, then payloads into registered memory. */
static fcoll_status_t drain(fcoll__tl_ctx_t *c, tsock_t *s)
{
    const size_t hl = sizeof(hdr_t);
    int empty = 0;
    for (int msgs = 0; msgs < 64;) {
        int in_payload = s->rgot >= hl;
        char *dst = in_payload ? s->rdst + (s->rgot - hl) : (char *)&s->rhdr + s->rgot;
        size_t want = in_payload ? hl + s->rhdr.len - s->rgot : hl - s->rgot;
        if (want > 0) {
            size_t n = take_ahead(s, dst, want);
            if (n == 0) {
                if (empty)
                    return FCOLL_OK;
                size_t ahead = in_payload && s->rhdr.len >= TCP_RXBUF ? hl : TCP_RXBUF;
                fcoll_status_t st = read_more(c, s, dst, want, ahead, &n, &empty);
                if (st != FCOLL_OK || n == 0)
                    return st;
            }
            s->rgot += n;
            if (n < want)
                continue;
        }
        if (s->rgot == hl && s->rhdr.len > 0) {
            fcoll_status_t st = place_payload(c, s);
            if (st != FCOLL_OK)
                return st;
            continue;
        }
        fcoll_status_t st = fcoll__cqe_queue_push(
            &c->pending, (fcoll__cqe_t){.kind = FCOLL__CQE_RECV,
                                        .peer = s->peer,
                                        .imm = s->rhdr.imm,
                                        .steered = s->rhdr.len > 0 && s->rsteered});
        if (st != FCOLL_OK)
            return st;
        s->rgot = 0;
        msgs++;
    }
    c->ahead_left |= s->rx_at < s->rx_end;
    return FCOLL_OK;
}

/* Sends and reads on a socket that epoll reported with events ev. */
static fcoll_status_t serve(fcoll__tl_ctx_t *c, tsock_t *s, uint32_t ev)
{
    /* A peer that closed after sending everything is not an error here:
     * the channel layer decides whether it still needed that peer. */
    fcoll_status_t st = FCOLL_OK;
    if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
        st = flush(c, s);
    if (st == FCOLL_OK && (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)))
        st = drain(c, s);
    return st == FCOLL_ERR_PEER_CLOSED ? FCOLL_OK : st;
}

/* One epoll_wait (up to timeout_ms), then sends and reads on the ready
 * sockets: a single system call when nothing happened. Read-ahead that a
 * drain left unused is served too: epoll cannot see it. */
static fcoll_status_t progress(fcoll__tl_ctx_t *c, int timeout_ms)
{
    int ahead = c->ahead_left;
    c->ahead_left = 0;
    int r = epoll_wait(c->epfd, c->evs, c->nranks * c->nsock, ahead ? 0 : timeout_ms);
    if (r < 0 && errno != EINTR) {
        FCOLL__ERR(c->log, "epoll_wait: %s", strerror(errno));
        return FCOLL_ERR_SYSTEM;
    }
    fcoll_status_t st = FCOLL_OK;
    for (int k = 0; k < r && st == FCOLL_OK; k++) {
        tsock_t *s = &c->socks[c->evs[k].data.u32];
        if (!s->closed) /* closed by an earlier entry of this batch */
            st = serve(c, s, c->evs[k].events);
    }
    for (int i = 0; ahead && st == FCOLL_OK && i < c->nranks * c->nsock; i++)
        if (c->socks[i].rx_at < c->socks[i].rx_end)
            st = serve(c, &c->socks[i], EPOLLIN);
    return st;
}

static fcoll_status_t tcp_poll(fcoll__tl_ctx_t *c, fcoll__cqe_t *cqe, int max, int *n)
{
    *n = 0;
    if (c->aborted)
        return FCOLL_ERR_ABORTED;
    fcoll_status_t st = c->pending.n < max ? progress(c, 0) : FCOLL_OK;
    if (st != FCOLL_OK)
        return st;
    *n = fcoll__cqe_queue_take(&c->pending, cqe, max);
    return FCOLL_OK;
}

static fcoll_status_t tcp_wait(fcoll__tl_ctx_t *c, int timeout_ms)
{
    if (c->pending.n > 0 || c->aborted)
        return FCOLL_OK;
    return progress(c, timeout_ms);
}

static fcoll_status_t tcp_abort(fcoll__tl_ctx_t *c)
{
    c->aborted = 1;
    for (int i = 0; i < c->nranks * c->nsock; i++)
        if (c->socks[i].fd >= 0)
            shutdown(c->socks[i].fd, SHUT_RDWR);
    return FCOLL_OK;
}

const fcoll__tl_ops_t fcoll__tl_tcp_ops = {
    .name = "tcp",
    .open = tcp_open,
    .close = tcp_close,
    .attr = tcp_attr,
    .mem_alloc = tcp_mem_alloc,
    .mem_reg = fcoll__tl_mem_reg_unsupported,
    .mem_dereg = fcoll__tl_mem_dereg_unsupported,
    .put = tcp_put,
    .notify = tcp_notify,
    .get = fcoll__tl_get_unsupported,
    .write = fcoll__tl_write_unsupported,
    .steer = tcp_steer,
    .unsteer = tcp_unsteer,
    .poll = tcp_poll,
    .wait = tcp_wait,
    .abort = tcp_abort,
};

/* Channels: point-to-point streams over any transport, with receiver-driven
 * flow control, and the engine that runs a plan of transfers.
 *
 * Each receiver owns, per sender, nslots staging slots in memory registered
 * with the pair's transport. A sender may have at most nslots chunks
 * unconsumed (its credits); it puts each chunk into the next slot with an
 * immediate naming the slot and length. The receiver consumes slots in order
 * (copying out, or reducing straight from the slot into the destination) and
 * returns one credit per slot with a notify. Streams are FIFO per direction,
 * so chunks that arrive before their operation starts wait in their slots.
 *
 * Large plain copies go by rendezvous where the transport can get: once the
 * data is complete (dependency finished) the sender registers its buffer and
 * puts a descriptor (key, length) into a slot; the receiver gets the bytes
 * straight into its destination and notifies "done", which completes the
 * send. Reduced data always goes through slots (the receiver reduces out of
 * them), and so do pipelined chains; plans mark those messages eager on
 * both ends, so sender and receiver agree on the protocol.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "boot.h"
#include "internal.h"

/* Immediates: data chunks carry slot and length, bit 30 marking a
 * rendezvous descriptor; control messages have bit 31 set, bit 30 telling
 * "rendezvous done" from returned credits. */
#define IMM_CONTROL    0x80000000u
#define IMM_RNDV       0x40000000u
#define IMM_SLOT_SHIFT 24
#define IMM_SLOT_MASK  0xfu
#define IMM_LEN_MASK   0x00ffffffu
/* Rendezvous gets move this much at a time, so a dependent op can follow. */
#define RNDV_PIECE (1u << 20)
/* Oversubscribed hosts: idle rounds spent yielding before sleeping. */
#define YIELD_ROUNDS 256

fcoll_status_t fcoll__chan_setup(fcoll_comm_t *comm)
{
    int n = comm->nranks;
    uint64_t *mine = calloc((size_t)n, sizeof(uint64_t));
    uint64_t *all = calloc((size_t)n * (size_t)n, sizeof(uint64_t));
    fcoll_status_t st = mine && all ? FCOLL_OK : FCOLL_ERR_NO_MEMORY;
    for (int p = 0; p < n && st == FCOLL_OK; p++) {
        fcoll__peer_t *pe = &comm->peers[p];
        if (p == comm->rank)
            continue;
        fcoll__tl_attr_t a = {0};
        pe->tl->attr(pe->tlctx, &a);
        pe->slot_size = a.slot_size;
        pe->nslots = a.nslots > FCOLL__MAX_SLOTS ? FCOLL__MAX_SLOTS : a.nslots;
        /* Busy-poll while that is cheap, then yield or sleep in the
         * transport: short waits stay fast, oversubscribed hosts usable. */
        if (comm->spin == 0 || a.spin < comm->spin)
            comm->spin = a.spin;
        pe->get_min = a.get_min;
        pe->rma = a.rma;
        pe->rndv_op = -1;
        st = pe->tl->mem_alloc(pe->tlctx, p, pe->slot_size * pe->nslots, &pe->slots);
        mine[p] = pe->slots.rkey;
    }
    if (st == FCOLL_OK)
        st = fcoll__boot_allgather(comm->boot, mine, all, sizeof(uint64_t) * (size_t)n);
    for (int p = 0; p < n && st == FCOLL_OK; p++)
        comm->peers[p].rkey = all[(size_t)p * (size_t)n + (size_t)comm->rank];
    free(mine);
    free(all);
    return st;
}

fcoll_status_t fcoll__comm_fail(fcoll_comm_t *comm, fcoll_status_t st)
{
    int expected = FCOLL_OK;
    if (!atomic_compare_exchange_strong(&comm->error, &expected, (int)st))
        return st;
    /* Close our links so that peers waiting on us fail now rather than at
     * their timeout. */
    for (int p = 0; p < comm->nranks; p++)
        if (comm->peers[p].ctrl_fd >= 0)
            shutdown(comm->peers[p].ctrl_fd, SHUT_RDWR);
    for (int t = 0; t < FCOLL__TL_COUNT; t++)
        if (comm->tlctx[t] != NULL)
            fcoll__tl_get(t)->abort(comm->tlctx[t]);
    return st;
}

static int op_finished(const fcoll__xfer_t *op)
{
    return op->chunks_done == op->nchunks;
}

/* May op process bytes up to end, given its dependency? */
static int dep_allows(const fcoll__plan_t *p, const fcoll__xfer_t *op, size_t end)
{
    if (op->dep < 0)
        return 1;
    const fcoll__xfer_t *d = &p->ops[op->dep];
    return op_finished(d) || d->done >= end;
}

/* Retires locally complete send chunks in order. */
static void send_retire(fcoll__peer_t *pe, fcoll__plan_t *p)
{
    while (pe->send_done_seq < pe->send_seq) {
        unsigned s = (unsigned)(pe->send_done_seq % pe->nslots);
        if (!pe->send_done[s])
            break;
        fcoll__xfer_t *op = &p->ops[pe->send_op[s]];
        if (!pe->send_desc[s]) { /* a descriptor completes nothing */
            op->done = pe->send_end[s];
            op->chunks_done++;
        }
        pe->send_done[s] = 0;
        pe->send_done_seq++;
    }
}

/* Puts one chunk (or descriptor) into the peer's next slot. */
static fcoll_status_t put_chunk(fcoll_comm_t *comm, const fcoll__plan_t *p, fcoll__peer_t *pe,
                                int i, const void *src, size_t len, size_t end, int desc)
{
    const fcoll__xfer_t *op = &p->ops[i];
    unsigned s = (unsigned)(pe->send_seq % pe->nslots);
    uint32_t imm = (desc ? IMM_RNDV : 0) | (uint32_t)s << IMM_SLOT_SHIFT | (uint32_t)len;
    int completed = 0;
    fcoll_status_t st = pe->tl->put(pe->tlctx, op->peer, src, len, pe->rkey,
                                    (uint64_t)s * pe->slot_size, imm, pe->send_seq, &completed);
    if (st != FCOLL_OK) {
        FCOLL__ERR(&comm->opts.log, "put of %zu bytes to peer %d failed: %s", len, op->peer,
                   fcoll_strerror(st));
        return st;
    }
    pe->send_op[s] = i;
    pe->send_end[s] = end;
    pe->send_desc[s] = (uint8_t)desc;
    pe->send_done[s] = (uint8_t)completed;
    pe->send_seq++;
    return FCOLL_OK;
}

/* Rendezvous send: once the data is complete, offer it to the peer. */
static fcoll_status_t step_send_rndv(fcoll_comm_t *comm, fcoll__plan_t *p, int i, int *progress)
{
    fcoll__xfer_t *op = &p->ops[i];
    fcoll__peer_t *pe = &comm->peers[op->peer];
    if (op->chunks_posted > 0 || pe->send_seq - pe->send_credits >= pe->nslots ||
        (op->dep >= 0 && !op_finished(&p->ops[op->dep])))
        return FCOLL_OK;
    fcoll_status_t st = pe->tl->mem_reg(pe->tlctx, (void *)op->sbuf, op->len, &pe->rndv_mr);
    if (st != FCOLL_OK)
        return st;
    pe->desc[0] = pe->rndv_mr.rkey;
    pe->desc[1] = op->len;
    st = put_chunk(comm, p, pe, i, pe->desc, sizeof(pe->desc), 0, 1);
    if (st != FCOLL_OK)
        return st;
    pe->rndv_op = i;
    op->posted = op->len;
    op->chunks_posted = 1;
    *progress = 1;
    return FCOLL_OK;
}

static fcoll_status_t step_send(fcoll_comm_t *comm, fcoll__plan_t *p, int i, int *progress)
{
    fcoll__xfer_t *op = &p->ops[i];
    fcoll__peer_t *pe = &comm->peers[op->peer];
    if (op->rndv) {
        fcoll_status_t st = step_send_rndv(comm, p, i, progress);
        send_retire(pe, p);
        return st;
    }
    while (op->chunks_posted < op->nchunks && pe->send_seq - pe->send_credits < pe->nslots) {
        size_t clen = op->len - op->posted;
        if (clen > pe->slot_size)
            clen = pe->slot_size;
        if (!dep_allows(p, op, op->posted + clen))
            break;
        fcoll_status_t st =
            put_chunk(comm, p, pe, i, op->sbuf + op->posted, clen, op->posted + clen, 0);
        if (st != FCOLL_OK)
            return st;
        op->posted += clen;
        op->chunks_posted++;
        *progress = 1;
    }
    send_retire(pe, p);
    return FCOLL_OK;
}

/* Frees slot s of pe and returns its credit. */
/* Credits go back in batches of half the window: a message fewer per chunk
 * (most of the cost of a small operation on tcp), and never a deadlock,
 * since a sender whose chunks were all consumed always keeps more than half
 * of its window. */
static fcoll_status_t release_slot(fcoll__peer_t *pe, int peer, unsigned s)
{
    pe->ready[s] = 0;
    pe->recv_seq++;
    if (++pe->credits_owed < (pe->nslots + 1) / 2)
        return FCOLL_OK;
    uint32_t n = pe->credits_owed;
    pe->credits_owed = 0;
    return pe->tl->notify(pe->tlctx, peer, IMM_CONTROL | n);
}

/* Rendezvous receive: take the descriptor, then get the data piece by
 * piece, then tell the sender it may reuse its buffer. */
static fcoll_status_t step_recv_rndv(fcoll_comm_t *comm, fcoll__plan_t *p, int i, int *progress)
{
    fcoll__xfer_t *op = &p->ops[i];
    fcoll__peer_t *pe = &comm->peers[op->peer];
    fcoll_status_t st = FCOLL_OK;
    if (!op->have_desc) {
        unsigned s = (unsigned)(pe->recv_seq % pe->nslots);
        if (!pe->ready[s])
            return FCOLL_OK;
        uint64_t desc[2];
        if (pe->ready_desc[s] && pe->ready_len[s] == sizeof(desc))
            memcpy(desc, (const char *)pe->slots.addr + (size_t)s * pe->slot_size, sizeof(desc));
        if (!pe->ready_desc[s] || pe->ready_len[s] != sizeof(desc) || desc[1] != op->len) {
            FCOLL__ERR(&comm->opts.log,
                       "peer %d: expected an offer of %zu bytes (mismatched counts or call "
                       "order)",
                       op->peer, op->len);
            return FCOLL_ERR_PROTOCOL;
        }
        op->rkey = desc[0];
        op->have_desc = 1;
        *progress = 1;
        st = release_slot(pe, op->peer, s);
    }
    while (st == FCOLL_OK && op->chunks_done < op->nchunks) {
        size_t clen = op->len - op->done < RNDV_PIECE ? op->len - op->done : RNDV_PIECE;
        if (!dep_allows(p, op, op->done + clen))
            break;
        st = pe->tl->get(pe->tlctx, op->peer, op->rbuf + op->done, clen, op->rkey, op->done);
        if (st != FCOLL_OK)
            break;
        op->done += clen;
        op->chunks_done++;
        *progress = 1;
        if (op->chunks_done == op->nchunks)
            st = pe->tl->notify(pe->tlctx, op->peer, IMM_CONTROL | IMM_RNDV);
    }
    return st;
}

/* Tells the transport where the op's coming chunks belong, so that it can
 * place them there instead of in the slots (plain copies without a
 * dependency only: anything else must not land early). Slots that already
 * hold data, or may be receiving it, just miss the hint. */
static void steer_ahead(fcoll__peer_t *pe, const fcoll__xfer_t *op)
{
    if (pe->no_steer || op->reduce != NULL || op->dep >= 0)
        return;
    for (unsigned k = 0; k < pe->nslots; k++) {
        size_t off = op->done + (size_t)k * pe->slot_size;
        if (off >= op->len)
            break;
        unsigned s = (unsigned)((pe->recv_seq + k) % pe->nslots);
        if (pe->ready[s] || pe->steered[s])
            continue;
        size_t len = op->len - off < pe->slot_size ? op->len - off : pe->slot_size;
        if (pe->tl->steer(pe->tlctx, op->peer, pe->slots.rkey, (uint64_t)s * pe->slot_size,
                          op->rbuf + off, len) != FCOLL_OK) {
            pe->no_steer = 1;
            return;
        }
        pe->steered[s] = 1;
    }
}

static fcoll_status_t step_recv(fcoll_comm_t *comm, fcoll__plan_t *p, int i, int *progress)
{
    fcoll__xfer_t *op = &p->ops[i];
    fcoll__peer_t *pe = &comm->peers[op->peer];
    if (op->rndv)
        return step_recv_rndv(comm, p, i, progress);
    steer_ahead(pe, op);
    while (op->chunks_done < op->nchunks) {
        unsigned s = (unsigned)(pe->recv_seq % pe->nslots);
        if (!pe->ready[s])
            break;
        size_t clen = pe->ready_len[s];
        size_t want = op->len - op->done;
        if (want > pe->slot_size)
            want = pe->slot_size;
        if (clen != want || pe->ready_desc[s]) {
            FCOLL__ERR(&comm->opts.log,
                       "peer %d sent a chunk of %zu bytes where %zu were expected "
                       "(mismatched counts or call order)",
                       op->peer, clen, want);
            return FCOLL_ERR_PROTOCOL;
        }
        if (!dep_allows(p, op, op->done + clen))
            break;
        const char *src = (const char *)pe->slots.addr + (size_t)s * pe->slot_size;
        if (op->reduce != NULL)
            op->reduce(op->rbuf + op->done, op->rsrc ? op->rsrc + op->done : op->rbuf + op->done,
                       src, clen / op->esize);
        else if (pe->steered[s] && pe->ready_steered[s])
            ; /* already in place */
        else if (clen > 0)
            memcpy(op->rbuf + op->done, src, clen);
        if (pe->steered[s] && !pe->ready_steered[s])
            pe->tl->unsteer(pe->tlctx, op->peer, pe->slots.rkey, (uint64_t)s * pe->slot_size);
        pe->steered[s] = 0;
        op->done += clen;
        op->chunks_done++;
        *progress = 1;
        fcoll_status_t st = release_slot(pe, op->peer, s);
        if (st != FCOLL_OK)
            return st;
    }
    return FCOLL_OK;
}

static fcoll_status_t handle_cqe(fcoll_comm_t *comm, fcoll__plan_t *p, const fcoll__cqe_t *c)
{
    fcoll__peer_t *pe = &comm->peers[c->peer];
    if (c->kind == FCOLL__CQE_SEND) {
        pe->send_done[c->wr_id % pe->nslots] = 1;
        send_retire(pe, p);
        return FCOLL_OK;
    }
    if ((c->imm & (IMM_CONTROL | IMM_RNDV)) == IMM_CONTROL) {
        pe->send_credits += c->imm & IMM_LEN_MASK;
        return FCOLL_OK;
    }
    if (c->imm & IMM_CONTROL) {
        /* The peer finished reading my buffer. */
        if (pe->rndv_op < 0) {
            FCOLL__ERR(&comm->opts.log, "peer %d: read done, but nothing was offered", c->peer);
            return FCOLL_ERR_PROTOCOL;
        }
        fcoll__xfer_t *op = &p->ops[pe->rndv_op];
        op->done = op->len;
        op->chunks_done = op->nchunks;
        pe->rndv_op = -1;
        return pe->tl->mem_dereg(pe->tlctx, &pe->rndv_mr);
    }
    unsigned s = (c->imm >> IMM_SLOT_SHIFT) & IMM_SLOT_MASK;
    if (s >= pe->nslots || pe->ready[s] || (c->imm & IMM_LEN_MASK) > pe->slot_size) {
        FCOLL__ERR(&comm->opts.log, "peer %d: bad chunk notification 0x%x", c->peer, c->imm);
        return FCOLL_ERR_PROTOCOL;
    }
    pe->ready[s] = 1;
    pe->ready_steered[s] = (uint8_t)c->steered;
    pe->ready_desc[s] = (c->imm & IMM_RNDV) != 0;
    pe->ready_len[s] = c->imm & IMM_LEN_MASK;
    return FCOLL_OK;
}

static fcoll_status_t poll_all(fcoll_comm_t *comm, fcoll__plan_t *p, int *progress)
{
    fcoll__cqe_t cqe[32];
    for (int t = 0; t < FCOLL__TL_COUNT; t++) {
        if (comm->tlctx[t] == NULL)
            continue;
        int n = 0;
        fcoll_status_t st = fcoll__tl_get(t)->poll(comm->tlctx[t], cqe, 32, &n);
        for (int k = 0; k < n && st == FCOLL_OK; k++)
            st = handle_cqe(comm, p, &cqe[k]);
        if (st != FCOLL_OK)
            return st;
        if (n > 0)
            *progress = 1;
    }
    return FCOLL_OK;
}

int fcoll__peer_closed(fcoll_comm_t *comm, int peer)
{
    struct pollfd pf = {.fd = comm->peers[peer].ctrl_fd, .events = POLLIN};
    if (poll(&pf, 1, 0) > 0) {
        char c;
        if (recv(pf.fd, &c, 1, MSG_DONTWAIT | MSG_PEEK) <= 0 || (pf.revents & POLLERR))
            return 1;
    }
    return 0;
}

/* Is some peer we still wait on gone? */
static int dead_peer(fcoll_comm_t *comm, const fcoll__plan_t *p)
{
    for (int i = 0; i < p->n; i++) {
        const fcoll__xfer_t *op = &p->ops[i];
        if (!op_finished(op) && fcoll__peer_closed(comm, op->peer))
            return op->peer;
    }
    return -1;
}

/* Sleeps in the transport when only one is in use, else yields. */
static fcoll_status_t idle_wait(fcoll_comm_t *comm, unsigned idle)
{
    /* Ranks outnumber CPUs: the peer we wait for probably needs this CPU,
     * so hand it over for a while before sleeping in the transport. */
    if (comm->oversubscribed && idle < comm->spin + YIELD_ROUNDS) {
        sched_yield();
        return FCOLL_OK;
    }
    int used = -1, count = 0;
    for (int t = 0; t < FCOLL__TL_COUNT; t++)
        if (comm->tlctx[t] != NULL) {
            used = t;
            count++;
        }
    if (count == 1)
        return fcoll__tl_get(used)->wait(comm->tlctx[used], 1);
    sched_yield();
    return FCOLL_OK;
}

static void plan_prepare(fcoll_comm_t *comm, fcoll__plan_t *p)
{
    for (int i = 0; i < p->n; i++) {
        fcoll__xfer_t *op = &p->ops[i];
        const fcoll__peer_t *pe = &comm->peers[op->peer];
        op->rndv = pe->get_min > 0 && op->len >= pe->get_min && !op->eager;
        size_t piece = op->rndv ? RNDV_PIECE : pe->slot_size;
        op->nchunks = op->len == 0 ? 1 : (op->len + piece - 1) / piece;
        if (op->rndv && op->kind == FCOLL__XFER_SEND)
            op->nchunks = 1; /* completes at once, on the peer's "done" */
        op->posted = op->done = op->chunks_posted = op->chunks_done = 0;
        op->have_desc = 0;
        op->prev = -1;
        for (int j = i - 1; j >= 0; j--)
            if (p->ops[j].peer == op->peer && p->ops[j].kind == op->kind) {
                op->prev = j;
                break;
            }
    }
}

fcoll_status_t fcoll__plan_run(fcoll_comm_t *comm, fcoll__plan_t *p, const char *what)
{
    if (atomic_load(&comm->aborted))
        return FCOLL_ERR_ABORTED;
    if (atomic_load(&comm->error) != FCOLL_OK)
        return FCOLL_ERR_COMM_FAILED;
    if (p->bad) { /* an op could not be added; the next plan starts afresh */
        p->bad = 0;
        return FCOLL_ERR_NO_MEMORY;
    }
    plan_prepare(comm, p);
    /* The clock starts at the first real wait: operations that never wait
     * (most small ones) do not pay for reading it. */
    uint64_t deadline = 0;
    unsigned idle = 0;
    int dead_seen = 0;
    fcoll_status_t st = FCOLL_OK;
    for (;;) {
        int progress = 0, pending = 0;
        for (int i = 0; i < p->n && st == FCOLL_OK; i++) {
            fcoll__xfer_t *op = &p->ops[i];
            if (op_finished(op))
                continue;
            pending = 1;
            if (op->prev >= 0 && !op_finished(&p->ops[op->prev]))
                continue;
            st = op->kind == FCOLL__XFER_SEND ? step_send(comm, p, i, &progress)
                                              : step_recv(comm, p, i, &progress);
        }
        if (st != FCOLL_OK || !pending)
            break;
        st = poll_all(comm, p, &progress);
        if (st != FCOLL_OK)
            break;
        if (progress) {
            idle = 0;
            dead_seen = 0;
            continue;
        }
        if (++idle < comm->spin)
            continue;
        if (deadline == 0)
            deadline = fcoll__now_ns() + (uint64_t)comm->opts.timeout_ms * 1000000u;
        st = idle_wait(comm, idle);
        if (st != FCOLL_OK)
            break;
        if ((idle & 15) != 0)
            continue;
        if (atomic_load(&comm->aborted)) {
            st = FCOLL_ERR_ABORTED;
            break;
        }
        /* A closed peer will never send more; but what it sent before closing
         * may have landed after our last poll, so poll once more first. */
        int dead = dead_peer(comm, p);
        if (dead >= 0 && !dead_seen) {
            dead_seen = 1;
            continue;
        }
        if (dead >= 0) {
            FCOLL__ERR(&comm->opts.log, "%s: peer %d closed its connection or died", what, dead);
            st = FCOLL_ERR_PEER_CLOSED;
            break;
        }
        if (fcoll__now_ns() > deadline) {
            FCOLL__ERR(&comm->opts.log, "%s: not complete after %d ms, timed out", what,
                       comm->opts.timeout_ms);
            st = FCOLL_ERR_TIMEOUT;
            break;
        }
    }
    if (st != FCOLL_OK) {
        if (atomic_load(&comm->aborted))
            st = FCOLL_ERR_ABORTED;
        fcoll__comm_fail(comm, st);
    }
    return st;
}

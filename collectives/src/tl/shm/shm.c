/* shm transport: ranks on one host write straight into each other's shared
 * segment.
 *
 * Every rank creates one segment (/dev/shm, unlinked as soon as all peers
 * mapped it) with one region per possible sender: a notification queue and
 * the staging slots. A put is one memcpy into the receiver's slot followed by
 * a release-store of the immediate into the receiver's queue for this
 * sender; the receiver reduces or copies directly out of the slot, so data
 * crosses memory once on the way in. Untouched regions cost nothing: the
 * file is sparse.
 *
 * Large plain copies skip the staging slots: get reads the sender's own
 * buffer with cross-memory attach (process_vm_readv), one copy in all, and
 * write (process_vm_writev) lets direct algorithms store results straight
 * into a peer's buffer. Whether the kernel allows it (ptrace rules) is
 * probed once at open; all ranks then agree to use it or not.
 * FCOLL_SHM_CMA=0 turns it off.
 *
 * After the regions, each segment holds a small area that every rank reads
 * and only its owner writes: the flat small allreduce's slots (shm.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "boot.h"
#include "internal.h"
#include "tl/shm/shm.h"

#define SHM_SLOT_SIZE (256u << 10)
#define SHM_NSLOTS    8u
/* Unpolled entries per queue are bounded by 2 * nslots (data + credits). */
#define SHM_QLEN   64u
#define SHM_QBYTES (SHM_QLEN * sizeof(uint64_t))
#define SHM_REGION (SHM_QBYTES + (size_t)SHM_NSLOTS * SHM_SLOT_SIZE)
/* Below this, one copy into a slot and one out beat a system call. */
#define SHM_GET_MIN (1u << 20)
#define PROBE_MAGIC 0xfc011c3au

struct fcoll__tl_ctx {
    const fcoll__log_t *log;
    int rank, nranks;
    _Atomic int aborted;
    char name[64]; /* my segment, until unlinked */
    size_t seg_len;
    char **base;    /* base[p]: p's segment mapped here (mine at base[rank]) */
    uint32_t *tail; /* tail[p]: entries I pushed into p's queue for me */
    uint32_t *head; /* head[p]: entries I consumed from p's queue in my segment */
    uint8_t *used;  /* copy of use[] */
    unsigned spin;  /* see shm_attr */
    int cma;        /* every rank can read every other one's memory */
    uint32_t probe; /* PROBE_MAGIC: what peers read to test cross-memory attach */
    pid_t *pid;     /* pid[p] of every rank */
};

static _Atomic uint64_t *queue(char *seg, int sender)
{
    return (_Atomic uint64_t *)(void *)(seg + (size_t)sender * SHM_REGION);
}

static void seg_name(char *buf, size_t cap, uint64_t nonce, int rank)
{
    snprintf(buf, cap, "/fcoll-%016llx-%d", (unsigned long long)nonce, rank);
}

static void shm_close(fcoll__tl_ctx_t *c)
{
    if (c == NULL)
        return;
    for (int p = 0; p < c->nranks && c->base; p++)
        if (c->base[p] != NULL)
            munmap(c->base[p], c->seg_len);
    if (c->name[0])
        shm_unlink(c->name);
    free(c->base);
    free(c->tail);
    free(c->head);
    free(c->used);
    free(c->pid);
    free(c);
}

static fcoll_status_t map_seg(fcoll__tl_ctx_t *c, const char *name, int create, char **out)
{
    int fd = shm_open(name, create ? O_RDWR | O_CREAT | O_EXCL : O_RDWR, 0600);
    if (fd < 0) {
        FCOLL__ERR(c->log, "shm_open %s: %s", name, strerror(errno));
        return FCOLL_ERR_SYSTEM;
    }
    if (create && ftruncate(fd, (off_t)c->seg_len) != 0) {
        FCOLL__ERR(c->log, "ftruncate %s to %zu: %s", name, c->seg_len, strerror(errno));
        close(fd);
        return FCOLL_ERR_SYSTEM;
    }
    void *m = mmap(NULL, c->seg_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        FCOLL__ERR(c->log, "mmap %s (%zu bytes): %s", name, c->seg_len, strerror(errno));
        return FCOLL_ERR_SYSTEM;
    }
    *out = m;
    return FCOLL_OK;
}

/* Can we read every shm peer's memory, and can all the others? Each rank
 * publishes where its probe word is, reads everyone's, and the verdicts are
 * combined so that senders and receivers agree on the protocol. */
static fcoll_status_t probe_cma(fcoll__tl_ctx_t *c, fcoll_comm_t *comm, const uint8_t *use)
{
    int n = c->nranks;
    const char *env = getenv("FCOLL_SHM_CMA");
    uint64_t mine = (uint64_t)(uintptr_t)&c->probe, *where = calloc((size_t)n, sizeof(uint64_t));
    int32_t ok = env == NULL || strcmp(env, "0") != 0, *oks = calloc((size_t)n, sizeof(int32_t));
    fcoll_status_t st = where && oks ? FCOLL_OK : FCOLL_ERR_NO_MEMORY;
    if (st == FCOLL_OK)
        st = fcoll__boot_allgather(comm->boot, &mine, where, sizeof(mine));
    for (int p = 0; p < n && st == FCOLL_OK; p++) {
        c->pid[p] = (pid_t)comm->info[p].pid;
        if (!use[p] || !ok)
            continue;
        uint32_t got = 0;
        struct iovec l = {&got, sizeof(got)}, r = {(void *)(uintptr_t)where[p], sizeof(got)};
        if (process_vm_readv(c->pid[p], &l, 1, &r, 1, 0) != sizeof(got) || got != PROBE_MAGIC) {
            FCOLL__INFO(c->log, "shm: cannot read rank %d's memory (%s): copying through slots", p,
                        strerror(errno));
            ok = 0;
        }
    }
    if (st == FCOLL_OK)
        st = fcoll__boot_allgather(comm->boot, &ok, oks, sizeof(ok));
    c->cma = st == FCOLL_OK;
    for (int p = 0; p < n && st == FCOLL_OK; p++)
        c->cma &= oks[p] != 0;
    free(where);
    free(oks);
    return st;
}

static fcoll_status_t shm_open_ctx(fcoll_comm_t *comm, const uint8_t *use, fcoll__tl_ctx_t **out)
{
    fcoll__boot_t *b = comm->boot;
    int n = comm->nranks, any = 0;
    for (int p = 0; p < n; p++)
        any |= use[p];
    fcoll__tl_ctx_t *c = calloc(1, sizeof(*c));
    if (c != NULL) {
        c->log = &comm->opts.log;
        c->rank = comm->rank;
        c->nranks = n;
        c->seg_len = (size_t)n * SHM_REGION + FCOLL__SHM_FLAT_BYTES;
        c->base = calloc((size_t)n, sizeof(char *));
        c->tail = calloc((size_t)n, sizeof(uint32_t));
        c->head = calloc((size_t)n, sizeof(uint32_t));
        c->used = malloc((size_t)n);
        c->pid = calloc((size_t)n, sizeof(pid_t));
        c->probe = PROBE_MAGIC;
    }
    fcoll_status_t st =
        c && c->base && c->tail && c->head && c->used && c->pid ? FCOLL_OK : FCOLL_ERR_NO_MEMORY;
    if (st == FCOLL_OK) {
        memcpy(c->used, use, (size_t)n);
        /* A poll is a few loads, but spinning long only pays while the
         * peer has a CPU of its own. On a busy host the two ranks often
         * share one, and every wait then spins out before the peer runs:
         * 2 ranks, 8 B allreduce, load 3 on 2 cores: 25-32 us per
         * operation with 2048 polls before yielding, 4.3 us with 256,
         * 1.4-1.7 us with 4-32 (64 KiB: 60-119 us against 15). */
        c->spin = comm->oversubscribed ? 4 : 32;
        if (any) {
            seg_name(c->name, sizeof(c->name), b->nonce, comm->rank);
            shm_unlink(c->name); /* a leftover of a crashed job with the same id */
            st = map_seg(c, c->name, 1, &c->base[comm->rank]);
            if (st != FCOLL_OK)
                c->name[0] = '\0';
        }
    }
    /* Every rank takes part in both exchanges, used or not, failed or not,
     * so that the others do not wait for a partner that left. */
    int32_t ok = st == FCOLL_OK, *oks = malloc(sizeof(int32_t) * (size_t)n);
    fcoll_status_t bst = oks ? fcoll__boot_allgather(b, &ok, oks, sizeof(ok)) : FCOLL_ERR_NO_MEMORY;
    for (int p = 0; p < n && bst == FCOLL_OK && st == FCOLL_OK; p++) {
        if (!oks[p]) {
            st = FCOLL_ERR_REMOTE;
            break;
        }
        if (use[p] && p != comm->rank) {
            char name[64];
            seg_name(name, sizeof(name), b->nonce, p);
            st = map_seg(c, name, 0, &c->base[p]);
        }
    }
    ok = st == FCOLL_OK;
    if (bst == FCOLL_OK)
        bst = fcoll__boot_allgather(b, &ok, oks, sizeof(ok));
    for (int p = 0; p < n && bst == FCOLL_OK && st == FCOLL_OK; p++)
        if (!oks[p])
            st = FCOLL_ERR_REMOTE;
    free(oks);
    if (st == FCOLL_OK)
        st = bst;
    if (st == FCOLL_OK)
        st = probe_cma(c, comm, use);
    /* Everyone mapped it: the name is no longer needed, and a crash can no
     * longer leave the segment behind. */
    if (c != NULL && c->name[0]) {
        shm_unlink(c->name);
        c->name[0] = '\0';
    }
    if (st != FCOLL_OK) {
        shm_close(c);
        return st;
    }
    *out = c;
    return FCOLL_OK;
}

void *fcoll__shm_flat_area(fcoll__tl_ctx_t *c, int rank)
{
    if (c == NULL || rank < 0 || rank >= c->nranks || c->base[rank] == NULL)
        return NULL;
    return c->base[rank] + (size_t)c->nranks * SHM_REGION;
}

static void shm_attr(const fcoll__tl_ctx_t *c, fcoll__tl_attr_t *a)
{
    a->slot_size = SHM_SLOT_SIZE;
    a->nslots = SHM_NSLOTS;
    a->spin = c->spin;
    a->get_min = c->cma ? SHM_GET_MIN : 0;
    a->rma = c->cma;
}

static fcoll_status_t shm_mem_alloc(fcoll__tl_ctx_t *c, int peer, size_t len, fcoll__mr_t *mr)
{
    if (len > SHM_REGION - SHM_QBYTES)
        return FCOLL_ERR_INVALID_ARG;
    /* The staging slots for peer follow its queue in my region for it. */
    mr->rkey = (uint64_t)peer * SHM_REGION + SHM_QBYTES;
    mr->addr = c->base[c->rank] + mr->rkey;
    mr->len = len;
    mr->handle = 0;
    return FCOLL_OK;
}

static void push(fcoll__tl_ctx_t *c, int peer, uint32_t imm)
{
    uint32_t seq = ++c->tail[peer];
    atomic_store_explicit(&queue(c->base[peer], c->rank)[seq % SHM_QLEN], (uint64_t)seq << 32 | imm,
                          memory_order_release);
}

static fcoll_status_t shm_put(fcoll__tl_ctx_t *c, int peer, const void *src, size_t len,
                              uint64_t rkey, uint64_t roff, uint32_t imm, uint64_t wr_id,
                              int *completed)
{
    (void)wr_id;
    if (c->aborted)
        return FCOLL_ERR_ABORTED;
    if (rkey + roff + len > (size_t)c->nranks * SHM_REGION || c->base[peer] == NULL) {
        FCOLL__ERR(c->log, "shm put to peer %d: key %llu+%llu len %zu outside its segment", peer,
                   (unsigned long long)rkey, (unsigned long long)roff, len);
        return FCOLL_ERR_INVALID_ARG;
    }
    if (len > 0)
        memcpy(c->base[peer] + rkey + roff, src, len);
    push(c, peer, imm);
    *completed = 1;
    return FCOLL_OK;
}

/* For cross-memory attach the key is the address itself. */
static fcoll_status_t shm_mem_reg(fcoll__tl_ctx_t *c, void *addr, size_t len, fcoll__mr_t *mr)
{
    (void)c;
    *mr = (fcoll__mr_t){.addr = addr, .len = len, .rkey = (uint64_t)(uintptr_t)addr};
    return FCOLL_OK;
}

static fcoll_status_t shm_mem_dereg(fcoll__tl_ctx_t *c, fcoll__mr_t *mr)
{
    (void)c;
    (void)mr;
    return FCOLL_OK;
}

typedef ssize_t (*cma_fn)(pid_t, const struct iovec *, unsigned long, const struct iovec *,
                          unsigned long, unsigned long);

/* Moves len bytes between local and peer's registered memory (the key is
 * the address) with process_vm_readv or process_vm_writev. */
static fcoll_status_t cma(fcoll__tl_ctx_t *c, int peer, cma_fn fn, const char *what, char *local,
                          size_t len, uint64_t rkey, uint64_t roff)
{
    if (c->aborted)
        return FCOLL_ERR_ABORTED;
    uintptr_t remote = (uintptr_t)(rkey + roff);
    while (len > 0) {
        struct iovec l = {local, len}, r = {(void *)remote, len};
        ssize_t done = fn(c->pid[peer], &l, 1, &r, 1, 0);
        if (done <= 0) {
            int e = done < 0 ? errno : EFAULT;
            if (e == EINTR)
                continue;
            FCOLL__ERR(c->log, "shm %s of %zu bytes, rank %d: %s", what, len, peer, strerror(e));
            return e == ESRCH ? FCOLL_ERR_PEER_CLOSED : FCOLL_ERR_SYSTEM;
        }
        local += done;
        remote += (uintptr_t)done;
        len -= (size_t)done;
    }
    return FCOLL_OK;
}

static fcoll_status_t shm_get(fcoll__tl_ctx_t *c, int peer, void *dst, size_t len, uint64_t rkey,
                              uint64_t roff)
{
    return cma(c, peer, process_vm_readv, "get", dst, len, rkey, roff);
}

static fcoll_status_t shm_write(fcoll__tl_ctx_t *c, int peer, const void *src, size_t len,
                                uint64_t rkey, uint64_t roff)
{
    /* process_vm_writev only reads the local side. */
    return cma(c, peer, process_vm_writev, "write", (char *)(uintptr_t)src, len, rkey, roff);
}

static fcoll_status_t shm_notify(fcoll__tl_ctx_t *c, int peer, uint32_t imm)
{
    if (c->aborted)
        return FCOLL_ERR_ABORTED;
    push(c, peer, imm);
    return FCOLL_OK;
}

static fcoll_status_t shm_poll(fcoll__tl_ctx_t *c, fcoll__cqe_t *cqe, int max, int *n)
{
    int got = 0;
    if (c->aborted)
        return FCOLL_ERR_ABORTED;
    for (int p = 0; p < c->nranks && got < max; p++) {
        if (!c->used[p])
            continue;
        _Atomic uint64_t *q = queue(c->base[c->rank], p);
        while (got < max) {
            uint32_t want = c->head[p] + 1;
            uint64_t v = atomic_load_explicit(&q[want % SHM_QLEN], memory_order_acquire);
            if ((uint32_t)(v >> 32) != want)
                break;
            c->head[p] = want;
            cqe[got++] = (fcoll__cqe_t){.kind = FCOLL__CQE_RECV, .peer = p, .imm = (uint32_t)v};
        }
    }
    *n = got;
    return FCOLL_OK;
}

static fcoll_status_t shm_wait(fcoll__tl_ctx_t *c, int timeout_ms)
{
    (void)c;
    (void)timeout_ms;
    /* Peers write memory, there is nothing to sleep on: let them run. */
    sched_yield();
    return FCOLL_OK;
}

static fcoll_status_t shm_abort(fcoll__tl_ctx_t *c)
{
    c->aborted = 1;
    return FCOLL_OK;
}

const fcoll__tl_ops_t fcoll__tl_shm_ops = {
    .name = "shm",
    .open = shm_open_ctx,
    .close = shm_close,
    .attr = shm_attr,
    .mem_alloc = shm_mem_alloc,
    .mem_reg = shm_mem_reg,
    .mem_dereg = shm_mem_dereg,
    .put = shm_put,
    .notify = shm_notify,
    .get = shm_get,
    .write = shm_write,
    .steer = fcoll__tl_steer_unsupported,
    .unsteer = fcoll__tl_unsteer_unsupported,
    .poll = shm_poll,
    .wait = shm_wait,
    .abort = shm_abort,
};

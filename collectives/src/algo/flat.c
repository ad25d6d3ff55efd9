/* Flat allreduce for small messages between ranks that all share memory.
 *
 * Every rank copies its input into a slot of its own shm segment and
 * publishes the operation's number there; each rank then waits until every
 * rank's slot carries that number and reduces all n inputs itself, in rank
 * order, so every rank computes the same bits. One wait per operation,
 * where recursive doubling waits log2(n) times for a message: with more
 * ranks than cores every wait costs a round of the scheduler.
 *
 * Two slots per rank, used by alternate operations: a rank writes slot
 * k % 2 for operation k only after it finished operation k - 1, which
 * needed every rank to publish k - 1, which each did only after it had
 * finished reading the slots of operation k - 2. So nobody still reads a
 * slot when its owner reuses it.
 */
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "algo/algo.h"
#include "tl/shm/shm.h"

typedef struct flat_slot {
    _Alignas(64) _Atomic uint64_t op; /* the operation whose input data holds; 0 none */
    uint64_t bytes;                   /* its length: ranks called with other counts are caught */
    /* Aligned for any type. Its first 48 bytes share the line of op, so a
     * reader of a small input misses in its cache once, not twice. */
    unsigned char data[FCOLL__FLAT_MAX_BYTES];
} flat_slot_t;

/* The layout of a rank's flat area (zeroed at creation). */
typedef struct flat_area {
    uint64_t ops; /* operations this rank has started; only it writes this */
    flat_slot_t slot[2];
} flat_area_t;

_Static_assert(sizeof(flat_area_t) <= FCOLL__SHM_FLAT_BYTES, "flat area outgrows its space");

static flat_area_t *area(fcoll_comm_t *c, int rank)
{
    return fcoll__shm_flat_area(c->tlctx[FCOLL__TL_SHM], rank);
}

int fcoll__flat_usable(fcoll_comm_t *c, size_t bytes)
{
    if (bytes > FCOLL__FLAT_MAX_BYTES)
        return 0;
    for (int q = 0; q < c->nranks; q++)
        if (q != c->rank && c->peers[q].tl != &fcoll__tl_shm_ops)
            return 0;
    return area(c, c->rank) != NULL;
}

/* Waits until rank q's slot holds operation op, polling, and now and then
 * checks whether it died, whether comm was aborted and whether the time
 * is up. It yields only when ranks outnumber CPUs (the rank we wait for
 * may need this one). Otherwise a yield hands the rest of the time slice
 * to whatever else shares the CPU: with a busy loop pinned beside one of
 * 2 ranks, 8 B took 1.0-3.3 us yielding after 32 polls and 0.41-0.50 us
 * without (vader, which polls, 0.72-0.75); quiet, 0.31 and 0.22. */
static fcoll_status_t wait_slot(fcoll_comm_t *c, int q, const flat_slot_t *slot, uint64_t op)
{
    uint64_t deadline = 0;
    int dead_seen = 0;
    for (unsigned idle = 0; atomic_load_explicit(&slot->op, memory_order_acquire) != op; idle++) {
        if (idle < c->spin)
            continue;
        if (c->oversubscribed)
            sched_yield();
        if ((idle & 15) != 0)
            continue;
        if (deadline == 0)
            deadline = fcoll__now_ns() + (uint64_t)c->opts.timeout_ms * 1000000u;
        if (atomic_load(&c->aborted))
            return FCOLL_ERR_ABORTED;
        /* It may have published just before it closed: look once more. */
        if (fcoll__peer_closed(c, q) && dead_seen++) {
            FCOLL__ERR(&c->opts.log, "allreduce(flat): peer %d closed its connection or died", q);
            return FCOLL_ERR_PEER_CLOSED;
        }
        if (fcoll__now_ns() > deadline) {
            FCOLL__ERR(&c->opts.log, "allreduce(flat): peer %d not there after %d ms, timed out", q,
                       c->opts.timeout_ms);
            return FCOLL_ERR_TIMEOUT;
        }
    }
    return FCOLL_OK;
}

fcoll_status_t fcoll__allreduce_flat(fcoll_comm_t *c, const void *s, void *r, size_t count,
                                     fcoll__red_t red)
{
    int n = c->nranks;
    size_t bytes = count * red.esize;
    flat_area_t *me = area(c, c->rank);
    uint64_t op = ++me->ops;
    if (op == 1)
        FCOLL__DEBUG(&c->opts.log, "allreduce(flat): first operation, %d ranks", n);
    int k = (int)(op & 1);
    memcpy(me->slot[k].data, s, bytes);
    me->slot[k].bytes = bytes;
    atomic_store_explicit(&me->slot[k].op, op, memory_order_release);
    fcoll_status_t st = FCOLL_OK;
    for (int q = 0; q < n && st == FCOLL_OK; q++) {
        const flat_slot_t *slot = &area(c, q)->slot[k];
        st = wait_slot(c, q, slot, op);
        if (st == FCOLL_OK && slot->bytes != bytes) {
            FCOLL__ERR(&c->opts.log,
                       "allreduce(flat): peer %d has %llu bytes where this rank has %zu "
                       "(mismatched counts or call order)",
                       q, (unsigned long long)slot->bytes, bytes);
            st = FCOLL_ERR_PROTOCOL;
        }
    }
    if (st != FCOLL_OK) {
        if (atomic_load(&c->aborted))
            st = FCOLL_ERR_ABORTED;
        return fcoll__comm_fail(c, st);
    }
    red.fn(r, area(c, 0)->slot[k].data, area(c, 1)->slot[k].data, count);
    for (int q = 2; q < n; q++)
        red.fn(r, r, area(c, q)->slot[k].data, count);
    return FCOLL_OK;
}

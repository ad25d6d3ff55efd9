/* Transport interface. Shaped after RDMA so an ib transport fits without
 * changing the layers above:
 *  - memory the peer writes into is registered (mem_alloc for transport-owned
 *    staging memory, mem_reg for caller memory) and named remotely by a key;
 *  - data moves by one-sided put of local bytes into a peer's registered
 *    region, carrying a 32-bit immediate that the receiver gets as a
 *    completion (RDMA WRITE with immediate);
 *  - notify sends an immediate alone (zero-byte write with immediate);
 *  - completions are polled; a put either completes at once (shm copies
 *    synchronously) or later as a send completion (tcp, ib);
 *  - where the transport can read a peer's registered memory (RDMA READ,
 *    or cross-memory attach between processes on one host), get moves large
 *    messages straight from the sender's buffer to the receiver's: the
 *    sender registers its buffer and puts a small descriptor, the receiver
 *    gets the data and tells the sender it is done (rendezvous).
 * Flow control is receiver-driven and lives above (chan.c): a sender only
 * puts into a slot the receiver has granted.
 */
#ifndef FCOLL_TL_H
#define FCOLL_TL_H

#include <stddef.h>
#include <stdint.h>

#include "fcoll.h"

typedef struct fcoll_comm fcoll_comm_t;
typedef struct fcoll__tl_ctx fcoll__tl_ctx_t; /* one per transport per comm */

typedef struct fcoll__mr {
    void *addr; /* local address */
    size_t len;
    uint64_t rkey;   /* what a peer passes to put to reach this region */
    uint64_t handle; /* transport's own bookkeeping */
} fcoll__mr_t;

typedef enum {
    FCOLL__CQE_RECV, /* peer's put or notify arrived; imm valid */
    FCOLL__CQE_SEND, /* my put with wr_id is locally complete */
} fcoll__cqe_kind_t;

typedef struct fcoll__cqe {
    fcoll__cqe_kind_t kind;
    int peer;
    uint32_t imm;
    uint64_t wr_id;
    int steered; /* RECV: the payload went to the steer destination */
} fcoll__cqe_t;

typedef struct fcoll__tl_attr {
    size_t slot_size; /* preferred chunk size for staging */
    unsigned nslots;  /* staging slots per peer */
    unsigned spin;    /* empty polls worth repeating before sleeping in wait */
    size_t get_min;   /* copy messages this big by rendezvous + get; 0: never */
    int rma;          /* get and write reach every peer's mem_reg memory cheaply
                         enough for direct algorithms (algo/direct.c) */
} fcoll__tl_attr_t;

typedef struct fcoll__tl_ops {
    const char *name;
    /* Collective over all ranks of comm (every rank calls it for every
     * transport, use[] marks the peers that will use it, possibly none). */
    fcoll_status_t (*open)(fcoll_comm_t *comm, const uint8_t *use, fcoll__tl_ctx_t **ctx);
    void (*close)(fcoll__tl_ctx_t *ctx);
    void (*attr)(const fcoll__tl_ctx_t *ctx, fcoll__tl_attr_t *attr);
    /* Registered memory for peer to write into, owned by the transport. */
    fcoll_status_t (*mem_alloc)(fcoll__tl_ctx_t *ctx, int peer, size_t len, fcoll__mr_t *mr);
    /* Registers caller memory (zero-copy receive); may be unsupported. */
    fcoll_status_t (*mem_reg)(fcoll__tl_ctx_t *ctx, void *addr, size_t len, fcoll__mr_t *mr);
    fcoll_status_t (*mem_dereg)(fcoll__tl_ctx_t *ctx, fcoll__mr_t *mr);
    /* Writes len bytes at src into peer's region rkey at roff, then delivers
     * imm there. *completed = 1 when src may be reused already; otherwise a
     * FCOLL__CQE_SEND with wr_id follows. */
    fcoll_status_t (*put)(fcoll__tl_ctx_t *ctx, int peer, const void *src, size_t len,
                          uint64_t rkey, uint64_t roff, uint32_t imm, uint64_t wr_id,
                          int *completed);
    fcoll_status_t (*notify)(fcoll__tl_ctx_t *ctx, int peer, uint32_t imm);
    /* Reads len bytes at roff of peer's region rkey (registered by the peer
     * with mem_reg) into dst; returns when the data is in dst. */
    fcoll_status_t (*get)(fcoll__tl_ctx_t *ctx, int peer, void *dst, size_t len, uint64_t rkey,
                          uint64_t roff);
    /* Writes len bytes at src into roff of peer's region rkey (registered
     * by the peer with mem_reg); returns when the data is there. Neither
     * side gets a completion (RDMA WRITE without immediate). */
    fcoll_status_t (*write)(fcoll__tl_ctx_t *ctx, int peer, const void *src, size_t len,
                            uint64_t rkey, uint64_t roff);
    /* Receiver-side hint for transports that copy on receipt (tcp): the
     * next put of exactly len bytes into my region rkey at roff may land at
     * dst instead; its completion says whether it did (steered). Saves the
     * copy out of the staging slot. unsteer withdraws an unused hint. */
    fcoll_status_t (*steer)(fcoll__tl_ctx_t *ctx, int peer, uint64_t rkey, uint64_t roff, void *dst,
                            size_t len);
    fcoll_status_t (*unsteer)(fcoll__tl_ctx_t *ctx, int peer, uint64_t rkey, uint64_t roff);
    /* Makes progress and returns up to max completions. */
    fcoll_status_t (*poll)(fcoll__tl_ctx_t *ctx, fcoll__cqe_t *cqe, int max, int *n);
    /* Blocks up to timeout_ms until poll may find something (may return
     * early). */
    fcoll_status_t (*wait)(fcoll__tl_ctx_t *ctx, int timeout_ms);
    /* Makes every later call fail and peers see the connection close. */
    fcoll_status_t (*abort)(fcoll__tl_ctx_t *ctx);
} fcoll__tl_ops_t;

enum { FCOLL__TL_SHM, FCOLL__TL_TCP, FCOLL__TL_IB, FCOLL__TL_COUNT };

extern const fcoll__tl_ops_t fcoll__tl_shm_ops;
extern const fcoll__tl_ops_t fcoll__tl_tcp_ops;
extern const fcoll__tl_ops_t fcoll__tl_ib_ops;

/* The registry (tl.c), indexed by the enum above. */
const fcoll__tl_ops_t *fcoll__tl_get(int index);
/* Index of the transport named name, -1 if none. */
int fcoll__tl_find(const char *name);

/* Completions a transport has produced and poll has not handed out yet,
 * oldest first; zero-initialised is empty. */
typedef struct fcoll__cqe_queue {
    fcoll__cqe_t *e;
    int n, cap;
} fcoll__cqe_queue_t;

fcoll_status_t fcoll__cqe_queue_push(fcoll__cqe_queue_t *q, fcoll__cqe_t e);
/* Moves up to max of the oldest completions to out; returns how many. */
int fcoll__cqe_queue_take(fcoll__cqe_queue_t *q, fcoll__cqe_t *out, int max);
void fcoll__cqe_queue_free(fcoll__cqe_queue_t *q);

/* Stubs for missing ops: return FCOLL_ERR_UNSUPPORTED. */
fcoll_status_t fcoll__tl_mem_reg_unsupported(fcoll__tl_ctx_t *ctx, void *addr, size_t len,
                                             fcoll__mr_t *mr);
fcoll_status_t fcoll__tl_mem_dereg_unsupported(fcoll__tl_ctx_t *ctx, fcoll__mr_t *mr);
fcoll_status_t fcoll__tl_steer_unsupported(fcoll__tl_ctx_t *ctx, int peer, uint64_t rkey,
                                           uint64_t roff, void *dst, size_t len);
fcoll_status_t fcoll__tl_unsteer_unsupported(fcoll__tl_ctx_t *ctx, int peer, uint64_t rkey,
                                             uint64_t roff);
fcoll_status_t fcoll__tl_write_unsupported(fcoll__tl_ctx_t *ctx, int peer, const void *src,
                                           size_t len, uint64_t rkey, uint64_t roff);
fcoll_status_t fcoll__tl_get_unsupported(fcoll__tl_ctx_t *ctx, int peer, void *dst, size_t len,
                                         uint64_t rkey, uint64_t roff);

#endif

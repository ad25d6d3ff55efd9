/* Internals shared by the files of libfcoll: the communicator, logging,
 * time, and the cross-file functions (prefix fcoll__). */
#ifndef FCOLL_INTERNAL_H
#define FCOLL_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stddef.h>

#include "fcoll.h"
#include "tl/tl.h"

#define FCOLL__DEFAULT_TIMEOUT_MS (600 * 1000)

/* Where log lines go; copied from the config at init. */
typedef struct fcoll__log {
    fcoll_log_fn fn;
    void *user;
    fcoll_log_level_t level;
    int rank; /* -1 before the rank is known */
} fcoll__log_t;

void fcoll__log(const fcoll__log_t *log, fcoll_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define FCOLL__ERR(lg, ...)   fcoll__log((lg), FCOLL_LOG_ERROR, __VA_ARGS__)
#define FCOLL__WARN(lg, ...)  fcoll__log((lg), FCOLL_LOG_WARN, __VA_ARGS__)
#define FCOLL__INFO(lg, ...)  fcoll__log((lg), FCOLL_LOG_INFO, __VA_ARGS__)
#define FCOLL__DEBUG(lg, ...) fcoll__log((lg), FCOLL_LOG_DEBUG, __VA_ARGS__)

/* Monotonic clock in nanoseconds. */
uint64_t fcoll__now_ns(void);

/* Algorithm forced by config or FCOLL_ALGO. */
enum {
    FCOLL__ALGO_AUTO,
    FCOLL__ALGO_RING,
    FCOLL__ALGO_RHD,
    FCOLL__ALGO_RD,
    FCOLL__ALGO_TREE,
    FCOLL__ALGO_DIRECT
};

/* Options resolved from config and environment. */
typedef struct fcoll__opts {
    int timeout_ms;
    int timeout_default_ms; /* config or environment, restored by set_timeout(0) */
    char transport[16];     /* "" = auto */
    int algo;               /* FCOLL__ALGO_* */
    int *ring_order;        /* malloc'd, nranks entries, or NULL */
    int ring_order_len;
    fcoll__log_t log;
} fcoll__opts_t;

fcoll_status_t fcoll__opts_resolve(fcoll__opts_t *o, const fcoll_config_t *cfg);
void fcoll__opts_free(fcoll__opts_t *o);

/* What every rank publishes about itself at init. */
typedef struct fcoll__rankinfo {
    uint64_t host_id; /* equal for ranks that can share memory */
    int32_t pid;
    int32_t caps;          /* FCOLL__CAP_* */
    uint8_t ctrl_addr[32]; /* sockaddr of the control listener */
} fcoll__rankinfo_t;

#define FCOLL__CAP_RDMA 1 /* an RDMA device with an active port (ib transport) */

/* tl.c: the transport for a peer when none is forced: shm on the same
 * host, ib between hosts that both have RDMA, else tcp. */
int fcoll__tl_choose(const fcoll__log_t *log, const fcoll__rankinfo_t *me,
                     const fcoll__rankinfo_t *peer, int peer_rank);
/* tl.c: opens ib for the peers use[] gives it (collective); if it fails on
 * any rank, every rank moves those peers to tcp instead. */
fcoll_status_t fcoll__tl_open_ib_or_tcp(fcoll_comm_t *comm, uint8_t *use);

/* Per-peer channel state (see chan.c): receiver-driven flow control over
 * slots in the receiver's registered memory. */
#define FCOLL__MAX_SLOTS 16
typedef struct fcoll__peer {
    const fcoll__tl_ops_t *tl;
    fcoll__tl_ctx_t *tlctx;
    size_t slot_size;
    unsigned nslots;
    size_t get_min; /* plain copies this big go by rendezvous */
    int rma;        /* get and write reach this peer's registered buffers */
    /* sending side: me -> peer */
    uint64_t rkey;          /* peer's slot region for my data */
    uint64_t send_seq;      /* chunks posted */
    uint64_t send_credits;  /* chunks the peer has freed */
    uint64_t send_done_seq; /* chunks locally complete, in order */
    uint8_t send_done[FCOLL__MAX_SLOTS];
    uint8_t send_desc[FCOLL__MAX_SLOTS]; /* chunk is a rendezvous descriptor */
    int rndv_op;                         /* my send op the peer is reading, -1 */
    fcoll__mr_t rndv_mr;                 /* its registration */
    uint64_t desc[2];                    /* its descriptor, until put completes */
    int send_op[FCOLL__MAX_SLOTS];       /* plan op of each in-flight chunk */
    size_t send_end[FCOLL__MAX_SLOTS];   /* op offset after the chunk */
    /* receiving side: peer -> me */
    fcoll__mr_t slots;     /* my slot region for this peer's data */
    uint64_t recv_seq;     /* chunks consumed */
    unsigned credits_owed; /* consumed, not yet returned */
    uint8_t ready[FCOLL__MAX_SLOTS];
    uint8_t ready_desc[FCOLL__MAX_SLOTS];
    uint8_t steered[FCOLL__MAX_SLOTS];       /* hint posted: land in the destination */
    uint8_t ready_steered[FCOLL__MAX_SLOTS]; /* ...and the chunk did */
    int no_steer;                            /* the transport takes no hints */
    uint32_t ready_len[FCOLL__MAX_SLOTS];
    int ctrl_fd; /* liveness: EOF when the peer dies */
} fcoll__peer_t;

typedef enum { FCOLL__XFER_SEND, FCOLL__XFER_RECV } fcoll__xfer_kind_t;

/* A reduction kernel: dst[i] = a[i] op b[i], n elements; dst may be a. */
typedef void (*fcoll__reduce_fn)(void *dst, const void *a, const void *b, size_t n);

/* One transfer of a plan. Operations to the same peer in the same direction
 * run in plan order; dep lets an operation stream behind another one. */
typedef struct fcoll__xfer {
    fcoll__xfer_kind_t kind;
    int peer;
    const char *sbuf;        /* SEND: data */
    char *rbuf;              /* RECV: destination */
    const char *rsrc;        /* RECV with reduce: other operand (NULL: rbuf) */
    fcoll__reduce_fn reduce; /* RECV: NULL copies */
    int eager;               /* always through slots: set on both ends of a message */
    size_t esize;            /* element size for reduce */
    size_t len;              /* bytes */
    int dep;                 /* index of the op whose done bytes bound this one, -1 */
    /* progress */
    size_t posted; /* SEND: bytes handed to the transport */
    size_t done;   /* bytes locally complete (sent or consumed) */
    size_t nchunks, chunks_posted, chunks_done;
    int prev;      /* earlier op of the same stream, -1 */
    int rndv;      /* moves by rendezvous + get */
    uint64_t rkey; /* RECV rendezvous: the sender's buffer */
    int have_desc; /* RECV rendezvous: descriptor consumed */
} fcoll__xfer_t;

typedef struct fcoll__plan {
    fcoll__xfer_t *ops;
    int n, cap;
    int bad; /* an add failed: running it would be wrong */
} fcoll__plan_t;

typedef struct fcoll__req_args fcoll__req_args_t;
typedef struct fcoll__worker fcoll__worker_t;

struct fcoll_comm {
    int rank, nranks;
    int *ring;    /* ring[i]: rank at ring position i */
    int ring_pos; /* my position */
    fcoll__opts_t opts;
    fcoll__rankinfo_t *info; /* nranks entries */
    fcoll__peer_t *peers;    /* nranks entries; mine unused */
    fcoll__tl_ctx_t *tlctx[FCOLL__TL_COUNT];
    _Atomic int aborted;
    _Atomic int error; /* first fatal status, FCOLL_OK while healthy */
    int in_group;
    fcoll__plan_t group;
    fcoll__plan_t plan; /* reused by blocking operations */
    void *scratch;      /* reused temporary buffer */
    size_t scratch_len;
    unsigned spin;      /* idle rounds before waiting: least of the peers' transports */
    int oversubscribed; /* more ranks on this host than CPUs we may run on */
    fcoll__worker_t *worker;
    struct fcoll__mem *mem;   /* fcoll_mem_alloc's segments, peers' mappings (shm_mem.c) */
    struct fcoll__boot *boot; /* during init only */
    int ctrl_listen;          /* during init only */
};

/* plan.c: the add helpers return the op index (-1 and plan->bad on ENOMEM) */
void fcoll__plan_free(fcoll__plan_t *p);
int fcoll__plan_send(fcoll__plan_t *p, int peer, const void *buf, size_t len, int dep);
/* Keeps op i (and so its message) off the rendezvous path: for sends whose
 * receiver reduces (plan_recv_reduce ops are eager already), and for chains
 * where each hop must stream behind the previous one. Returns i. */
int fcoll__plan_eager(fcoll__plan_t *p, int i);
int fcoll__plan_recv(fcoll__plan_t *p, int peer, void *buf, size_t len, int dep);
int fcoll__plan_recv_reduce(fcoll__plan_t *p, int peer, void *dst, const void *src, size_t len,
                            fcoll__reduce_fn fn, size_t esize, int dep);

/* chan.c: runs a plan to completion, honouring the timeout. */
fcoll_status_t fcoll__chan_setup(fcoll_comm_t *comm);
fcoll_status_t fcoll__plan_run(fcoll_comm_t *comm, fcoll__plan_t *p, const char *what);
/* Marks comm failed with st (first error wins) and closes its links so that
 * peers fail fast too. Returns st. */
fcoll_status_t fcoll__comm_fail(fcoll_comm_t *comm, fcoll_status_t st);
/* Has peer closed its control connection (died, aborted or failed)? */
int fcoll__peer_closed(fcoll_comm_t *comm, int peer);

/* reduce.c */
fcoll__reduce_fn fcoll__reduce_kernel(fcoll_dtype_t dtype, fcoll_op_t op);
void fcoll__avg_finish(void *buf, size_t count, fcoll_dtype_t dtype, int nranks);

/* copy.c: memcpy of n bytes at src to each of dst[0..ndst) with
 * non-temporal stores, for large results written once and not read soon.
 * Others see them in order with later stores only after
 * fcoll__copy_stream_fence (one fence for many copies: each costs a drain
 * of the write-combining buffers). */
void fcoll__copy_stream(char *const *dst, int ndst, const void *src, size_t n);
void fcoll__copy_stream_fence(void);

/* comm.c: creation once the store address is known (env.c) */
struct sockaddr_storage;
fcoll_status_t fcoll__comm_create(fcoll_comm_t **out, int nranks, int rank,
                                  const fcoll_config_t *cfg, const struct sockaddr_storage *addr,
                                  uint64_t nonce);

/* scratch memory owned by comm, valid until the next call */
void *fcoll__scratch(fcoll_comm_t *comm, size_t len);

#endif

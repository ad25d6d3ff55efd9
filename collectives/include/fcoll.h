/*
 * fcoll: collective communication for CPU (and later RDMA) clusters.
 *
 * An NCCL-shaped C API: create a communicator of N ranks, then call
 * collectives on it from every rank in the same order.
 *
 * Ownership rules that hold for the whole API unless a function says
 * otherwise:
 *  - Buffers passed to operations (sendbuf, recvbuf, buf) stay owned by the
 *    caller. Blocking calls do not keep them after returning; non-blocking
 *    calls use them until the request completes (fcoll_test reports done or
 *    fcoll_wait returns), and the caller must neither free nor modify them
 *    (nor read a receive buffer) before that.
 *  - Handles (fcoll_comm_t, fcoll_request_t) are created by the library and
 *    released only by the matching destroy/wait/test/free call.
 *  - Strings and arrays passed in (config fields, rank orders) are copied
 *    during the call; the caller may free them afterwards.
 *  - Strings returned (fcoll_strerror, fcoll_dtype_name, ...) are static and
 *    must not be freed.
 *
 * Thread safety: one communicator may be used by one thread at a time,
 * except fcoll_comm_abort and fcoll_comm_get_async_error, which may be called
 * from any thread at any time while the communicator exists.
 *
 * Environment variables read (explicit config fields win over them):
 *  FCOLL_TIMEOUT        per-operation timeout in seconds (default 600)
 *  FCOLL_TRANSPORT      force a transport for every peer: "shm" or "tcp"
 *  FCOLL_ALGO           force an algorithm: "ring", "rhd" (recursive
 *                       halving-doubling), "rd" (recursive doubling), "tree",
 *                       "direct" (allreduce reading and writing peers'
 *                       buffers; shm only, else ring)
 *  FCOLL_RING_ORDER     comma-separated ranks giving the ring order
 *  FCOLL_SOCKET_IFNAME  interfaces for tcp, NCCL syntax ("eth", "^docker",
 *                       "=eth0", comma-separated)
 *  FCOLL_DEBUG          log level to stderr when no callback is set:
 *                       ERROR, WARN (default), INFO, DEBUG
 *  FCOLL_TCP_NSOCKS     sockets per peer for tcp (default 2, at most 8)
 *  FCOLL_SHM_CMA        0 stops shm from reading peers' buffers directly
 *                       (cross-memory attach) for large copies
 */
#ifndef FCOLL_H
#define FCOLL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with -fvisibility=hidden; only FCOLL_API symbols are
 * exported. */
#if defined(__GNUC__)
#define FCOLL_API __attribute__((visibility("default")))
#else
#define FCOLL_API
#endif

#define FCOLL_VERSION_MAJOR 0
#define FCOLL_VERSION_MINOR 1
#define FCOLL_VERSION_PATCH 0
/* Encoded as major * 10000 + minor * 100 + patch. */
#define FCOLL_VERSION_CODE                                                                         \
    (FCOLL_VERSION_MAJOR * 10000 + FCOLL_VERSION_MINOR * 100 + FCOLL_VERSION_PATCH)

/* Version of the library actually loaded, encoded like FCOLL_VERSION_CODE. */
FCOLL_API int fcoll_version(void);

/* ------------------------------------------------------------------------ */
/* Status codes                                                             */
/* ------------------------------------------------------------------------ */

/* Every function returns one of these. Errors are negative and grouped by
 * hundreds, so FCOLL_ERR_GROUP(st) tells the caller what kind of failure it
 * is without knowing every code. */
typedef enum fcoll_status {
    FCOLL_OK = 0,

    /* -1xx: the caller passed something wrong; nothing was sent. */
    FCOLL_ERR_INVALID_ARG = -100,    /* generic bad argument */
    FCOLL_ERR_NULL_POINTER = -101,   /* a required pointer is NULL */
    FCOLL_ERR_INVALID_DTYPE = -102,  /* unknown fcoll_dtype_t */
    FCOLL_ERR_INVALID_OP = -103,     /* unknown fcoll_op_t, or op invalid for type */
    FCOLL_ERR_INVALID_RANK = -104,   /* rank/root/peer out of range */
    FCOLL_ERR_COUNT_OVERFLOW = -105, /* count * type size (* nranks) overflows */
    FCOLL_ERR_INVALID_USAGE = -106,  /* call not allowed now (e.g. nested group) */

    /* -2xx: a local system resource failed. */
    FCOLL_ERR_SYSTEM = -200,    /* a system call failed (details in the log) */
    FCOLL_ERR_NO_MEMORY = -201, /* allocation failed */

    /* -3xx: a remote peer or the communicator's state. */
    FCOLL_ERR_REMOTE = -300,      /* generic remote failure */
    FCOLL_ERR_PEER_CLOSED = -301, /* a peer closed its connection or died */
    FCOLL_ERR_PROTOCOL = -302,    /* a peer sent something unexpected */
    FCOLL_ERR_ABORTED = -303,     /* fcoll_comm_abort was called */
    FCOLL_ERR_COMM_FAILED = -304, /* an earlier operation failed; comm is unusable */

    /* -4xx: a deadline passed. */
    FCOLL_ERR_TIMEOUT = -400,

    /* -5xx: valid request this build or transport cannot do. */
    FCOLL_ERR_UNSUPPORTED = -500,
} fcoll_status_t;

#define FCOLL_ERR_GROUP(st) (((int)(st) / 100) * 100)

/* Static English description of a status; never NULL (unknown codes give
 * "unknown status"). */
FCOLL_API const char *fcoll_strerror(fcoll_status_t st);

/* ------------------------------------------------------------------------ */
/* Data types and reduction operators                                       */
/* ------------------------------------------------------------------------ */

typedef enum fcoll_dtype {
    FCOLL_INT8 = 0,
    FCOLL_UINT8 = 1,
    FCOLL_INT32 = 2,
    FCOLL_UINT32 = 3,
    FCOLL_INT64 = 4,
    FCOLL_UINT64 = 5,
    FCOLL_FLOAT16 = 6,  /* IEEE 754 binary16 */
    FCOLL_BFLOAT16 = 7, /* bfloat16 */
    FCOLL_FLOAT32 = 8,
    FCOLL_FLOAT64 = 9,
    FCOLL_NUM_DTYPES
} fcoll_dtype_t;

/* Integer sums and products wrap modulo 2^bits (two's complement). fp16 and
 * bf16 are reduced in float and rounded to nearest-even once per pairwise
 * step. FCOLL_AVG is the sum divided by the rank count: integers divide
 * with truncation toward zero after an exact (wrapping) sum; floats divide
 * in their own precision (fp16/bf16 through float). */
typedef enum fcoll_op {
    FCOLL_SUM = 0,
    FCOLL_PROD = 1,
    FCOLL_MIN = 2,
    FCOLL_MAX = 3,
    FCOLL_AVG = 4,
    FCOLL_NUM_OPS
} fcoll_op_t;

/* Size in bytes of one element; 0 for an unknown type. */
FCOLL_API size_t fcoll_dtype_size(fcoll_dtype_t dtype);
/* "int8", ..., "bfloat16", "float64"; NULL for an unknown type. Static. */
FCOLL_API const char *fcoll_dtype_name(fcoll_dtype_t dtype);
/* "sum", "prod", "min", "max", "avg"; NULL for an unknown op. Static. */
FCOLL_API const char *fcoll_op_name(fcoll_op_t op);

/* ------------------------------------------------------------------------ */
/* Logging                                                                  */
/* ------------------------------------------------------------------------ */

typedef enum fcoll_log_level {
    FCOLL_LOG_ERROR = 0,
    FCOLL_LOG_WARN = 1,
    FCOLL_LOG_INFO = 2,
    FCOLL_LOG_DEBUG = 3,
} fcoll_log_level_t;

/* Receives one complete line without trailing newline. msg is valid only
 * during the call. May be called from the library's progress thread. */
typedef void (*fcoll_log_fn)(void *user, fcoll_log_level_t level, const char *msg);

/* ------------------------------------------------------------------------ */
/* Communicator configuration                                               */
/* ------------------------------------------------------------------------ */

typedef struct fcoll_comm fcoll_comm_t;

/* Options for communicator creation. Always start from fcoll_config_init so
 * fields added in later versions get their defaults. */
typedef struct fcoll_config {
    size_t size;           /* sizeof(fcoll_config_t); set by fcoll_config_init */
    int timeout_ms;        /* per-operation timeout; <= 0: FCOLL_TIMEOUT or 600 s */
    const char *transport; /* "shm", "tcp" or NULL (auto / FCOLL_TRANSPORT) */
    const char *algo;      /* "ring", "rhd", "rd", "tree", "direct" or NULL (auto / FCOLL_ALGO) */
    /* Ring order: ring_order_len == nranks entries, a permutation of
     * 0..nranks-1; the ring goes ring_order[0] -> ring_order[1] -> ...
     * NULL: FCOLL_RING_ORDER, else ranks grouped by host. Copied. */
    const int *ring_order;
    int ring_order_len;
    fcoll_log_fn log_fn;         /* NULL: stderr at the FCOLL_DEBUG level */
    void *log_user;              /* passed to log_fn; not touched by fcoll */
    fcoll_log_level_t log_level; /* most verbose level passed to log_fn */
} fcoll_config_t;

/* Fills cfg with defaults (all "auto"). */
FCOLL_API void fcoll_config_init(fcoll_config_t *cfg);

/* ------------------------------------------------------------------------ */
/* Communicator creation                                                    */
/* ------------------------------------------------------------------------ */

#define FCOLL_UNIQUE_ID_BYTES 128

/* Opaque, plain bytes: copy it to the other ranks by any means (MPI_Bcast,
 * a file, an environment variable after hex encoding). */
typedef struct fcoll_unique_id {
    char internal[FCOLL_UNIQUE_ID_BYTES];
} fcoll_unique_id_t;

/* Creates an id naming a rendezvous point hosted by the process that calls
 * this (it opens a listening socket). That process, or a child forked from
 * it afterwards, must then call fcoll_comm_init_rank with rank 0 and the
 * same id, which takes over and closes the socket. The address used is the first interface matching
 * FCOLL_SOCKET_IFNAME (default: first non-loopback up interface, else
 * loopback). */
FCOLL_API fcoll_status_t fcoll_get_unique_id(fcoll_unique_id_t *id);

/* Collective over nranks processes: each calls it with its own rank in
 * [0, nranks) and the same id. Blocks until all have joined or the timeout
 * passes. On success *comm is a new communicator the caller owns and frees
 * with fcoll_comm_destroy; on failure *comm is set to NULL. */
FCOLL_API fcoll_status_t fcoll_comm_init_rank(fcoll_comm_t **comm, int nranks, fcoll_unique_id_t id,
                                              int rank);
/* Same, with options (cfg may be NULL for defaults). */
FCOLL_API fcoll_status_t fcoll_comm_init_rank_config(fcoll_comm_t **comm, int nranks,
                                                     fcoll_unique_id_t id, int rank,
                                                     const fcoll_config_t *cfg);

/* Creates a communicator from what launchers set, first match wins:
 *   torchrun:  RANK, WORLD_SIZE (LOCAL_RANK)
 *   OpenMPI:   OMPI_COMM_WORLD_RANK, OMPI_COMM_WORLD_SIZE
 *   PMI:       PMI_RANK, PMI_SIZE
 *   Slurm:     SLURM_PROCID, SLURM_NTASKS
 * Rendezvous goes through a TCP store that rank 0 hosts at
 * MASTER_ADDR:MASTER_PORT. Without MASTER_ADDR, 127.0.0.1 is used (all
 * ranks on one host); without MASTER_PORT, a port derived from the job id
 * (SLURM_JOB_ID, OMPI_MCA_ess_base_jobid, PMI_JOBID) or 29500. cfg may be
 * NULL. Ownership as for fcoll_comm_init_rank. */
FCOLL_API fcoll_status_t fcoll_comm_init_env(fcoll_comm_t **comm, const fcoll_config_t *cfg);

/* Frees the communicator and everything it holds; comm may be NULL.
 * Non-blocking operations still queued run to completion (or their timeout)
 * first; requests must not be used afterwards, so wait for them before
 * destroying. While the communicator is healthy, destroy is collective: it
 * waits (at most the operation timeout) until every rank has reached it, so
 * that no rank closes connections a peer's last operation still needs; after
 * an error or fcoll_comm_abort it returns at once. */
FCOLL_API fcoll_status_t fcoll_comm_destroy(fcoll_comm_t *comm);

/* Makes every operation in progress on comm (in any thread) and every later
 * one fail with FCOLL_ERR_ABORTED, and closes its connections so peers see
 * FCOLL_ERR_PEER_CLOSED. Thread-safe; does not free: call
 * fcoll_comm_destroy afterwards. */
FCOLL_API fcoll_status_t fcoll_comm_abort(fcoll_comm_t *comm);

/* Stores in *err the first error that made comm unusable (FCOLL_OK while it
 * is healthy), including errors of non-blocking operations not yet waited
 * on. Thread-safe, does not block. */
FCOLL_API fcoll_status_t fcoll_comm_get_async_error(fcoll_comm_t *comm, fcoll_status_t *err);

FCOLL_API fcoll_status_t fcoll_comm_rank(const fcoll_comm_t *comm, int *rank);
FCOLL_API fcoll_status_t fcoll_comm_size(const fcoll_comm_t *comm, int *nranks);

/* Per-operation timeout for later operations on comm; <= 0 restores the
 * default. Every wait inside an operation honours it; when it passes the
 * operation returns FCOLL_ERR_TIMEOUT and comm becomes unusable. */
FCOLL_API fcoll_status_t fcoll_comm_set_timeout(fcoll_comm_t *comm, int timeout_ms);

/* Name of the transport used towards peer ("shm", "tcp", "self"); static
 * string, NULL if peer is out of range. */
FCOLL_API const char *fcoll_comm_transport_name(const fcoll_comm_t *comm, int peer);

/* ------------------------------------------------------------------------ */
/* Library-allocated buffers                                                */
/* ------------------------------------------------------------------------ */

/* Allocates bytes (> 0) of memory that comm's peers on the same host can map
 * and load/store directly (like ncclMemAlloc). An allreduce whose send and
 * receive buffers lie inside such allocations on every rank runs without
 * kernel copies: each rank reduces its share straight from the peers' inputs
 * into their outputs. Other buffers still work, through copies. Not
 * collective; page-aligned; contents undefined. Free with fcoll_mem_free
 * on the same comm before destroying it (destroy releases what is left). */
FCOLL_API fcoll_status_t fcoll_mem_alloc(void **ptr, size_t bytes, fcoll_comm_t *comm);
/* Frees what fcoll_mem_alloc returned on comm; NULL is a no-op; any other
 * pointer gives FCOLL_ERR_INVALID_ARG. No operation may still use it. */
FCOLL_API fcoll_status_t fcoll_mem_free(void *ptr, fcoll_comm_t *comm);

/* ------------------------------------------------------------------------ */
/* Operations                                                               */
/* ------------------------------------------------------------------------ */
/* Counts are in elements. In place: pass sendbuf == recvbuf (for allgather,
 * sendbuf == recvbuf + rank * count elements; for reduce_scatter,
 * recvbuf == sendbuf + rank * recvcount elements). A count of 0 is a valid
 * no-op that still validates its arguments; buffers may then be NULL. */

FCOLL_API fcoll_status_t fcoll_allreduce(const void *sendbuf, void *recvbuf, size_t count,
                                         fcoll_dtype_t dtype, fcoll_op_t op, fcoll_comm_t *comm);
/* recvbuf on root receives the reduction; recvbuf is ignored (may be NULL)
 * on other ranks. */
FCOLL_API fcoll_status_t fcoll_reduce(const void *sendbuf, void *recvbuf, size_t count,
                                      fcoll_dtype_t dtype, fcoll_op_t op, int root,
                                      fcoll_comm_t *comm);
/* sendbuf is read on root only (may be NULL elsewhere); every rank's recvbuf
 * receives count elements. */
FCOLL_API fcoll_status_t fcoll_broadcast(const void *sendbuf, void *recvbuf, size_t count,
                                         fcoll_dtype_t dtype, int root, fcoll_comm_t *comm);
/* recvbuf holds nranks * sendcount elements, rank r's contribution at
 * r * sendcount. */
FCOLL_API fcoll_status_t fcoll_allgather(const void *sendbuf, void *recvbuf, size_t sendcount,
                                         fcoll_dtype_t dtype, fcoll_comm_t *comm);
/* sendbuf holds nranks * recvcount elements; rank r receives the reduction
 * of block r. */
FCOLL_API fcoll_status_t fcoll_reduce_scatter(const void *sendbuf, void *recvbuf, size_t recvcount,
                                              fcoll_dtype_t dtype, fcoll_op_t op,
                                              fcoll_comm_t *comm);
/* Both buffers hold nranks * count elements; block j of sendbuf goes to rank
 * j, which stores it at block (sender) of its recvbuf. */
FCOLL_API fcoll_status_t fcoll_alltoall(const void *sendbuf, void *recvbuf, size_t count,
                                        fcoll_dtype_t dtype, fcoll_comm_t *comm);
FCOLL_API fcoll_status_t fcoll_barrier(fcoll_comm_t *comm);

/* Point to point. Messages between a pair arrive in the order posted; the
 * receiver's count must equal the sender's. Outside a group each call blocks
 * until its buffer may be reused (sends may need the receiver to post).
 * peer may be the caller's own rank inside a group only (as NCCL allows):
 * the sends to oneself pair with the receives from oneself in order, each
 * pair a copy at group_end; a send or receive left unpaired, or a pair of
 * different sizes, fails the group with FCOLL_ERR_INVALID_USAGE and makes
 * the communicator unusable (peers may be waiting on the rest of it).
 * Outside a group, peer == rank returns FCOLL_ERR_INVALID_RANK. */
FCOLL_API fcoll_status_t fcoll_send(const void *buf, size_t count, fcoll_dtype_t dtype, int peer,
                                    fcoll_comm_t *comm);
FCOLL_API fcoll_status_t fcoll_recv(void *buf, size_t count, fcoll_dtype_t dtype, int peer,
                                    fcoll_comm_t *comm);

/* Between fcoll_group_start and fcoll_group_end, fcoll_send/fcoll_recv only
 * record the operation (buffers must stay valid until group_end returns);
 * group_end runs them all concurrently, so any exchange pattern completes
 * without deadlock. Collectives inside a group return
 * FCOLL_ERR_INVALID_USAGE. Groups do not nest. */
FCOLL_API fcoll_status_t fcoll_group_start(fcoll_comm_t *comm);
FCOLL_API fcoll_status_t fcoll_group_end(fcoll_comm_t *comm);

/* ------------------------------------------------------------------------ */
/* Non-blocking operations                                                  */
/* ------------------------------------------------------------------------ */

/* A pending operation, run by the communicator's progress thread in the
 * order posted (interleaved with blocking calls in program order). */
typedef struct fcoll_request fcoll_request_t;

/* Each posts the operation and returns at once with *req set to a new
 * request the caller owns; on error nothing is posted and *req is NULL.
 * Arguments and buffer rules as for the blocking versions. */
FCOLL_API fcoll_status_t fcoll_iallreduce(const void *sendbuf, void *recvbuf, size_t count,
                                          fcoll_dtype_t dtype, fcoll_op_t op, fcoll_comm_t *comm,
                                          fcoll_request_t **req);
FCOLL_API fcoll_status_t fcoll_ireduce(const void *sendbuf, void *recvbuf, size_t count,
                                       fcoll_dtype_t dtype, fcoll_op_t op, int root,
                                       fcoll_comm_t *comm, fcoll_request_t **req);
FCOLL_API fcoll_status_t fcoll_ibroadcast(const void *sendbuf, void *recvbuf, size_t count,
                                          fcoll_dtype_t dtype, int root, fcoll_comm_t *comm,
                                          fcoll_request_t **req);
FCOLL_API fcoll_status_t fcoll_iallgather(const void *sendbuf, void *recvbuf, size_t sendcount,
                                          fcoll_dtype_t dtype, fcoll_comm_t *comm,
                                          fcoll_request_t **req);
FCOLL_API fcoll_status_t fcoll_ireduce_scatter(const void *sendbuf, void *recvbuf, size_t recvcount,
                                               fcoll_dtype_t dtype, fcoll_op_t op,
                                               fcoll_comm_t *comm, fcoll_request_t **req);
FCOLL_API fcoll_status_t fcoll_ialltoall(const void *sendbuf, void *recvbuf, size_t count,
                                         fcoll_dtype_t dtype, fcoll_comm_t *comm,
                                         fcoll_request_t **req);
FCOLL_API fcoll_status_t fcoll_ibarrier(fcoll_comm_t *comm, fcoll_request_t **req);
FCOLL_API fcoll_status_t fcoll_isend(const void *buf, size_t count, fcoll_dtype_t dtype, int peer,
                                     fcoll_comm_t *comm, fcoll_request_t **req);
FCOLL_API fcoll_status_t fcoll_irecv(void *buf, size_t count, fcoll_dtype_t dtype, int peer,
                                     fcoll_comm_t *comm, fcoll_request_t **req);

/* Does not block. Sets *done to 1 when the operation finished; then the
 * request is freed, *req is set to NULL and the operation's status is
 * returned. Otherwise *done is 0 and FCOLL_OK is returned. */
FCOLL_API fcoll_status_t fcoll_test(fcoll_request_t **req, int *done);
/* Blocks until the operation finishes (its own timeout applies), frees the
 * request, sets *req to NULL and returns the operation's status. */
FCOLL_API fcoll_status_t fcoll_wait(fcoll_request_t **req);

#ifdef __cplusplus
}
#endif

#endif /* FCOLL_H */

/* Registration cache of the ib transport: memory regions of caller buffers
 * kept registered across operations, so that a buffer used again (the
 * common case in training loops) is not registered again.
 *
 * Keyed by address range: a lookup hits an entry whose range contains the
 * one asked for. An entry in use (referenced) is never dropped; an idle one
 * stays registered while the cache is within its bounds (bytes and
 * entries), least recently used evicted first, everything deregistered on
 * destroy.
 *
 * Safety: a registration pins the physical pages it was made on. If the
 * caller frees a buffer and a new one appears at the same address, a stale
 * registration would move the old pages. Before an idle entry is reused,
 * the page frames now behind the range (/proc/self/pagemap) are compared
 * with those recorded at registration (the check UCX offers as
 * UCX_RCACHE_CHECK_PFN); any difference drops the entry. Where page frames
 * cannot be read (no CAP_SYS_ADMIN), idle entries are not kept at all:
 * every operation registers afresh, correct but slower.
 */
#ifndef FCOLL_TL_IB_RCACHE_H
#define FCOLL_TL_IB_RCACHE_H

#include <infiniband/verbs.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

typedef struct fcoll__ib_rcache fcoll__ib_rcache_t;

/* What a lookup hands out: addr lies at offset off of the region mr, whose
 * I/O virtual addresses start at 0 (sge.addr and remote addresses are
 * offsets in the region). */
typedef struct fcoll__ib_rref {
    struct ibv_mr *mr;
    uint64_t off;
    int handle; /* for fcoll__ib_rcache_put */
} fcoll__ib_rref_t;

typedef struct fcoll__ib_rcache_stats {
    uint64_t registrations; /* ibv_reg_mr calls made */
    uint64_t hits;          /* lookups served by an existing entry */
    uint64_t invalidated;   /* entries dropped because their pages changed */
    int live;               /* memory regions registered now */
    size_t live_bytes;
    int keeps_idle; /* page frames readable: idle entries are kept */
} fcoll__ib_rcache_stats_t;

/* max_bytes and max_entries bound what idle entries may hold. */
fcoll_status_t fcoll__ib_rcache_create(struct ibv_pd *pd, const fcoll__log_t *log, size_t max_bytes,
                                       int max_entries, fcoll__ib_rcache_t **out);
/* Deregisters every entry, in use or not. NULL is fine. */
void fcoll__ib_rcache_destroy(fcoll__ib_rcache_t *rc);
/* A registration covering [addr, addr + len), with local and remote
 * read/write access, referenced until fcoll__ib_rcache_put. */
fcoll_status_t fcoll__ib_rcache_get(fcoll__ib_rcache_t *rc, const void *addr, size_t len,
                                    fcoll__ib_rref_t *ref);
void fcoll__ib_rcache_put(fcoll__ib_rcache_t *rc, int handle);
void fcoll__ib_rcache_stats(const fcoll__ib_rcache_t *rc, fcoll__ib_rcache_stats_t *st);

#endif

/* Library-allocated buffers (fcoll_mem_alloc) and peers' views of them.
 *
 * Each allocation is its own memfd, mapped shared. A rank names the segment
 * holding a buffer (segment id, fd number, base address, length); a peer on
 * the same host opens /proc/PID/fd/FD and maps the whole segment once, so it
 * can load and store the buffer directly. Mappings of peers' segments stay
 * cached until the communicator is destroyed or the peer frees a segment.
 */
#ifndef FCOLL_SHM_MEM_H
#define FCOLL_SHM_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* What a rank tells its peers about the segment holding one of its buffers.
 * id 0: the buffer is not (entirely) inside a library-allocated segment. */
typedef struct fcoll__seg_ref {
    uint64_t id;   /* unique per rank and communicator, never reused */
    uint64_t base; /* segment's address in its owner */
    uint64_t len;
    uint64_t off; /* the buffer's offset in the segment */
    int64_t fd;   /* the owner's memfd */
} fcoll__seg_ref_t;

typedef struct fcoll__mem fcoll__mem_t;

fcoll_status_t fcoll__mem_create(fcoll__mem_t **out, const fcoll__log_t *log, int nranks);
/* Unmaps peers' segments and releases allocations the caller did not free. */
void fcoll__mem_destroy(fcoll__mem_t *m);

/* Names the segment that holds [addr, addr + len); id 0 if none does. */
void fcoll__mem_describe(fcoll__mem_t *m, const void *addr, size_t len, fcoll__seg_ref_t *ref);
/* How many segments this rank has freed: when a peer sees it change, it
 * drops its mappings of this rank's segments (they may be gone). */
uint64_t fcoll__mem_frees(fcoll__mem_t *m);

/* Where the len bytes of peer's buffer that ref describes are mapped in
 * this process (mapping the segment on first use); NULL when ref names no
 * segment or it cannot be mapped (the caller copies through the transport
 * instead). Only for peers on this host. frees is the peer's
 * fcoll__mem_frees. */
char *fcoll__mem_peer_view(fcoll__mem_t *m, int peer, int32_t pid, uint64_t frees,
                           const fcoll__seg_ref_t *ref, size_t len);

#endif

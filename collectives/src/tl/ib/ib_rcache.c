/* Registration cache of the ib transport (see ib_rcache.h). A small array
 * scanned linearly: the bounds keep it to tens of entries, and a lookup
 * costs nothing next to the registration it saves. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tl/ib/ib_rcache.h"

#define PAGEMAP_PFN     ((1ull << 55) - 1)
#define PAGEMAP_PRESENT (1ull << 63)

typedef struct rentry {
    char *base; /* page aligned */
    size_t len; /* whole pages */
    struct ibv_mr *mr;
    uint64_t *pfn; /* page frame per page at registration; NULL: not kept */
    int refs;
    int stale;          /* pages changed under it: no new users */
    uint64_t last_used; /* lookup clock, for least-recently-used eviction */
} rentry_t;

struct fcoll__ib_rcache {
    struct ibv_pd *pd;
    const fcoll__log_t *log;
    size_t page;
    size_t max_bytes;
    int max_entries;
    int pagemap_fd; /* -1: page frames unreadable, idle entries not kept */
    rentry_t *e;    /* mr NULL: free slot; indices are handles */
    int n, cap;
    uint64_t clock;
    fcoll__ib_rcache_stats_t st;
};

/* Page frames behind npages pages from addr; 0 where a page is absent. */
static int read_pfns(const fcoll__ib_rcache_t *rc, const char *addr, size_t npages, uint64_t *out)
{
    off_t at = (off_t)((uintptr_t)addr / rc->page * sizeof(uint64_t));
    size_t want = npages * sizeof(uint64_t), got = 0;
    while (got < want) {
        ssize_t r = pread(rc->pagemap_fd, (char *)out + got, want - got, at + (off_t)got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    for (size_t i = 0; i < npages; i++)
        out[i] = out[i] & PAGEMAP_PRESENT ? out[i] & PAGEMAP_PFN : 0;
    return 0;
}

/* Are page frames visible to us (CAP_SYS_ADMIN)? Asked of a page we own. */
static int open_pagemap(fcoll__ib_rcache_t *rc)
{
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    rc->pagemap_fd = fd;
    char *probe = NULL;
    uint64_t pfn = 0;
    if (posix_memalign((void **)&probe, rc->page, rc->page) == 0) {
        memset(probe, 1, rc->page);
        if (read_pfns(rc, probe, 1, &pfn) != 0)
            pfn = 0;
    }
    free(probe);
    if (pfn == 0) {
        close(fd);
        rc->pagemap_fd = -1;
    }
    return rc->pagemap_fd;
}

fcoll_status_t fcoll__ib_rcache_create(struct ibv_pd *pd, const fcoll__log_t *log, size_t max_bytes,
                                       int max_entries, fcoll__ib_rcache_t **out)
{
    fcoll__ib_rcache_t *rc = calloc(1, sizeof(*rc));
    if (rc == NULL)
        return FCOLL_ERR_NO_MEMORY;
    rc->pd = pd;
    rc->log = log;
    rc->page = (size_t)sysconf(_SC_PAGESIZE);
    rc->max_bytes = max_bytes;
    rc->max_entries = max_entries;
    rc->st.keeps_idle = open_pagemap(rc) >= 0;
    if (!rc->st.keeps_idle)
        FCOLL__DEBUG(log, "ib: page frames unreadable (no CAP_SYS_ADMIN): user buffers are "
                          "registered per operation, not cached");
    *out = rc;
    return FCOLL_OK;
}

static void drop(fcoll__ib_rcache_t *rc, rentry_t *e)
{
    ibv_dereg_mr(e->mr);
    rc->st.live--;
    rc->st.live_bytes -= e->len;
    free(e->pfn);
    *e = (rentry_t){0};
}

void fcoll__ib_rcache_destroy(fcoll__ib_rcache_t *rc)
{
    if (rc == NULL)
        return;
    for (int i = 0; i < rc->n; i++)
        if (rc->e[i].mr != NULL)
            drop(rc, &rc->e[i]);
    if (rc->pagemap_fd >= 0)
        close(rc->pagemap_fd);
    free(rc->e);
    free(rc);
}

/* Evicts idle entries, least recently used first, until the cache is
 * within its bounds (entries in use may keep it above them). */
static void trim(fcoll__ib_rcache_t *rc)
{
    while (rc->st.live_bytes > rc->max_bytes || rc->st.live > rc->max_entries) {
        rentry_t *lru = NULL;
        for (int i = 0; i < rc->n; i++) {
            rentry_t *e = &rc->e[i];
            if (e->mr != NULL && e->refs == 0 && (lru == NULL || e->last_used < lru->last_used))
                lru = e;
        }
        if (lru == NULL)
            return;
        drop(rc, lru);
    }
}

/* Do the pages of [addr, addr + len) in e still hold the frames that e
 * registered? */
static int pages_unchanged(fcoll__ib_rcache_t *rc, const rentry_t *e, const char *addr, size_t len)
{
    if (e->pfn == NULL)
        return 1; /* not kept idle, so in use since registration */
    size_t first = (size_t)(addr - e->base) / rc->page;
    size_t last = (size_t)(addr + len - 1 - e->base) / rc->page;
    uint64_t now[64];
    for (size_t p = first; p <= last; p += 64) {
        size_t k = last - p + 1 < 64 ? last - p + 1 : 64;
        if (read_pfns(rc, e->base + p * rc->page, k, now) != 0 ||
            memcmp(now, e->pfn + p, k * sizeof(uint64_t)) != 0)
            return 0;
    }
    return 1;
}

static int free_slot(fcoll__ib_rcache_t *rc)
{
    for (int i = 0; i < rc->n; i++)
        if (rc->e[i].mr == NULL)
            return i;
    if (rc->n == rc->cap) {
        int cap = rc->cap ? 2 * rc->cap : 16;
        rentry_t *t = realloc(rc->e, sizeof(*t) * (size_t)cap);
        if (t == NULL)
            return -1;
        rc->e = t;
        rc->cap = cap;
    }
    rc->e[rc->n] = (rentry_t){0};
    return rc->n++;
}

static fcoll_status_t add(fcoll__ib_rcache_t *rc, const char *addr, size_t len, int *slot)
{
    char *base = (char *)((uintptr_t)addr & ~(uintptr_t)(rc->page - 1));
    size_t span = (size_t)(addr + len - base + rc->page - 1) & ~(rc->page - 1);
    int i = free_slot(rc);
    if (i < 0)
        return FCOLL_ERR_NO_MEMORY;
    rentry_t *e = &rc->e[i];
    if (rc->pagemap_fd >= 0) {
        e->pfn = malloc(span / rc->page * sizeof(uint64_t));
        if (e->pfn == NULL)
            return FCOLL_ERR_NO_MEMORY;
    }
    /* Offsets from the region's start address the bytes (iova 0), so one
     * 64-bit key (rkey and offset) names any byte for a peer. */
    e->mr =
        ibv_reg_mr_iova(rc->pd, base, span, 0,
                        IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ);
    if (e->mr == NULL) {
        FCOLL__ERR(rc->log, "ib: ibv_reg_mr of %zu bytes at %p: %s", span, (void *)base,
                   strerror(errno));
        free(e->pfn);
        *e = (rentry_t){0};
        return FCOLL_ERR_SYSTEM;
    }
    /* Frames are read after registration: it faulted every page in. */
    if (e->pfn != NULL && read_pfns(rc, base, span / rc->page, e->pfn) != 0) {
        free(e->pfn);
        e->pfn = NULL;
    }
    e->base = base;
    e->len = span;
    rc->st.registrations++;
    rc->st.live++;
    rc->st.live_bytes += span;
    *slot = i;
    return FCOLL_OK;
}

fcoll_status_t fcoll__ib_rcache_get(fcoll__ib_rcache_t *rc, const void *addr, size_t len,
                                    fcoll__ib_rref_t *ref)
{
    const char *a = addr;
    if (len == 0)
        len = 1; /* a zero-length use still names a valid region */
    int found = -1;
    for (int i = 0; i < rc->n && found < 0; i++) {
        rentry_t *e = &rc->e[i];
        if (e->mr == NULL || e->stale || a < e->base || a + len > e->base + e->len)
            continue;
        if (pages_unchanged(rc, e, a, len)) {
            found = i;
            rc->st.hits++;
        } else {
            rc->st.invalidated++;
            FCOLL__DEBUG(rc->log, "ib: registration of %p+%zu is stale (pages changed)",
                         (void *)e->base, e->len);
            if (e->refs == 0)
                drop(rc, e);
            else
                e->stale = 1; /* dropped when its users are done */
        }
    }
    if (found < 0) {
        fcoll_status_t st = add(rc, a, len, &found);
        if (st != FCOLL_OK)
            return st;
    }
    rentry_t *e = &rc->e[found];
    e->refs++;
    e->last_used = ++rc->clock;
    *ref = (fcoll__ib_rref_t){.mr = e->mr, .off = (uint64_t)(a - e->base), .handle = found};
    trim(rc);
    return FCOLL_OK;
}

void fcoll__ib_rcache_put(fcoll__ib_rcache_t *rc, int handle)
{
    if (handle < 0 || handle >= rc->n || rc->e[handle].mr == NULL || rc->e[handle].refs <= 0)
        return;
    rentry_t *e = &rc->e[handle];
    if (--e->refs > 0)
        return;
    if (e->stale || e->pfn == NULL)
        drop(rc, e);
    else
        trim(rc);
}

void fcoll__ib_rcache_stats(const fcoll__ib_rcache_t *rc, fcoll__ib_rcache_stats_t *st)
{
    *st = rc->st;
}

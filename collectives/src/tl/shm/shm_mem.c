/* Library-allocated buffers and the mappings of peers' ones (shm_mem.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tl/shm/shm_mem.h"

/* One of my allocations. */
typedef struct own_seg {
    uint64_t id;
    char *base;
    size_t len;
    int fd;
} own_seg_t;

/* One peer segment mapped here. */
typedef struct peer_seg {
    uint64_t id, base, len;
    char *local;
} peer_seg_t;

typedef struct peer_segs {
    peer_seg_t *e;
    size_t n, cap;
    uint64_t frees; /* the peer's free count when these were mapped */
} peer_segs_t;

struct fcoll__mem {
    const fcoll__log_t *log;
    /* fcoll_mem_alloc/free may run on the caller's thread while the
     * progress thread describes buffers of a queued operation. */
    pthread_mutex_t lock;
    own_seg_t *own;
    size_t nown, capown;
    uint64_t next_id, frees;
    int nranks;
    peer_segs_t *peers; /* touched by operations only, which never overlap */
};

fcoll_status_t fcoll__mem_create(fcoll__mem_t **out, const fcoll__log_t *log, int nranks)
{
    fcoll__mem_t *m = calloc(1, sizeof(*m));
    if (m != NULL)
        m->peers = calloc((size_t)nranks, sizeof(peer_segs_t));
    if (m == NULL || m->peers == NULL || pthread_mutex_init(&m->lock, NULL) != 0) {
        if (m != NULL)
            free(m->peers);
        free(m);
        return FCOLL_ERR_NO_MEMORY;
    }
    m->log = log;
    m->nranks = nranks;
    *out = m;
    return FCOLL_OK;
}

static void forget_peer(peer_segs_t *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        munmap(ps->e[i].local, ps->e[i].len);
    ps->n = 0;
}

void fcoll__mem_destroy(fcoll__mem_t *m)
{
    if (m == NULL)
        return;
    for (int p = 0; p < m->nranks; p++) {
        forget_peer(&m->peers[p]);
        free(m->peers[p].e);
    }
    for (size_t i = 0; i < m->nown; i++) {
        munmap(m->own[i].base, m->own[i].len);
        close(m->own[i].fd);
    }
    pthread_mutex_destroy(&m->lock);
    free(m->peers);
    free(m->own);
    free(m);
}

void fcoll__mem_describe(fcoll__mem_t *m, const void *addr, size_t len, fcoll__seg_ref_t *ref)
{
    uintptr_t a = (uintptr_t)addr;
    *ref = (fcoll__seg_ref_t){0};
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->nown; i++) {
        const own_seg_t *s = &m->own[i];
        uintptr_t b = (uintptr_t)s->base;
        if (a >= b && len <= s->len && a - b <= s->len - len) {
            *ref = (fcoll__seg_ref_t){s->id, (uint64_t)b, s->len, (uint64_t)(a - b), s->fd};
            break;
        }
    }
    pthread_mutex_unlock(&m->lock);
}

uint64_t fcoll__mem_frees(fcoll__mem_t *m)
{
    pthread_mutex_lock(&m->lock);
    uint64_t f = m->frees;
    pthread_mutex_unlock(&m->lock);
    return f;
}

static char *map_peer_seg(fcoll__mem_t *m, int peer, int32_t pid, const fcoll__seg_ref_t *ref)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/fd/%lld", (int)pid, (long long)ref->fd);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    struct stat sb;
    void *p = MAP_FAILED;
    /* The fd number may have been reused for something else by now: only a
     * memfd at least as long as announced is mapped. */
    if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size >= ref->len)
        p = mmap(NULL, ref->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        FCOLL__INFO(m->log, "shm: cannot map rank %d's buffer segment %s (%s): copying instead",
                    peer, path, strerror(errno));
    if (fd >= 0)
        close(fd);
    return p == MAP_FAILED ? NULL : p;
}

char *fcoll__mem_peer_view(fcoll__mem_t *m, int peer, int32_t pid, uint64_t frees,
                           const fcoll__seg_ref_t *ref, size_t len)
{
    if (ref->id == 0 || len > ref->len || ref->off > ref->len - len)
        return NULL;
    peer_segs_t *ps = &m->peers[peer];
    if (ps->frees != frees) {
        forget_peer(ps);
        ps->frees = frees;
    }
    for (size_t i = 0; i < ps->n; i++)
        if (ps->e[i].id == ref->id && ps->e[i].base == ref->base && ps->e[i].len == ref->len)
            return ps->e[i].local + ref->off;
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? 2 * ps->cap : 4;
        peer_seg_t *e = realloc(ps->e, cap * sizeof(*e));
        if (e == NULL)
            return NULL;
        ps->e = e;
        ps->cap = cap;
    }
    char *local = map_peer_seg(m, peer, pid, ref);
    if (local == NULL)
        return NULL;
    ps->e[ps->n++] = (peer_seg_t){ref->id, ref->base, ref->len, local};
    return local + ref->off;
}

fcoll_status_t fcoll_mem_alloc(void **ptr, size_t bytes, fcoll_comm_t *comm)
{
    if (ptr == NULL || comm == NULL)
        return FCOLL_ERR_NULL_POINTER;
    *ptr = NULL;
    long page = sysconf(_SC_PAGESIZE);
    if (bytes == 0 || bytes > (size_t)PTRDIFF_MAX - (size_t)page)
        return FCOLL_ERR_INVALID_ARG;
    fcoll__mem_t *m = comm->mem;
    size_t len = (bytes + (size_t)page - 1) / (size_t)page * (size_t)page;
    int fd = memfd_create("fcoll-mem", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, (off_t)len) != 0) {
        FCOLL__ERR(m->log, "fcoll_mem_alloc: memfd of %zu bytes: %s", len, strerror(errno));
        if (fd >= 0)
            close(fd);
        return FCOLL_ERR_SYSTEM;
    }
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        FCOLL__ERR(m->log, "fcoll_mem_alloc: mapping %zu bytes: %s", len, strerror(errno));
        close(fd);
        return FCOLL_ERR_NO_MEMORY;
    }
    fcoll_status_t st = FCOLL_OK;
    pthread_mutex_lock(&m->lock);
    if (m->nown == m->capown) {
        size_t cap = m->capown ? 2 * m->capown : 8;
        own_seg_t *own = realloc(m->own, cap * sizeof(*own));
        if (own != NULL) {
            m->own = own;
            m->capown = cap;
        } else {
            st = FCOLL_ERR_NO_MEMORY;
        }
    }
    if (st == FCOLL_OK)
        m->own[m->nown++] = (own_seg_t){++m->next_id, p, len, fd};
    pthread_mutex_unlock(&m->lock);
    if (st != FCOLL_OK) {
        munmap(p, len);
        close(fd);
        return st;
    }
    *ptr = p;
    return FCOLL_OK;
}

fcoll_status_t fcoll_mem_free(void *ptr, fcoll_comm_t *comm)
{
    if (comm == NULL)
        return FCOLL_ERR_NULL_POINTER;
    if (ptr == NULL)
        return FCOLL_OK;
    fcoll__mem_t *m = comm->mem;
    own_seg_t gone = {0};
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->nown; i++)
        if (m->own[i].base == ptr) {
            gone = m->own[i];
            m->own[i] = m->own[--m->nown];
            m->frees++;
            break;
        }
    pthread_mutex_unlock(&m->lock);
    if (gone.base == NULL) {
        FCOLL__ERR(m->log,
                   "fcoll_mem_free: %p was not allocated by fcoll_mem_alloc on this "
                   "communicator",
                   ptr);
        return FCOLL_ERR_INVALID_ARG;
    }
    munmap(gone.base, gone.len);
    close(gone.fd);
    return FCOLL_OK;
}

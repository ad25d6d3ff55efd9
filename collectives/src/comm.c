/* Communicator life cycle: unique id, rendezvous, transport choice per peer,
 * ring order, destroy and abort. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "internal.h"
#include "tl/ib/ib.h"
#include "tl/shm/shm_mem.h"
#include "sock.h"
#include "worker.h"

#define ID_MAGIC 0xfc0111d0u

/* Layout of fcoll_unique_id_t's bytes. */
typedef struct id_layout {
    uint32_t magic;
    int32_t listen_fd; /* rank 0 adopts it where valid (see adopt_listener) */
    uint64_t nonce;
    uint8_t addr[FCOLL__ADDR_BYTES];
} id_layout_t;

_Static_assert(sizeof(id_layout_t) <= FCOLL_UNIQUE_ID_BYTES, "unique id too small");

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* Ranks with equal ids can share memory: same kernel boot, same host name,
 * same network namespace (ranks in separate namespaces act as separate
 * hosts, which is how multi-host runs are tested on one machine). */
static uint64_t host_id(void)
{
    uint64_t h = 0xcbf29ce484222325ull;
    char buf[256] = {0};
    gethostname(buf, sizeof(buf) - 1);
    h = fnv1a(h, buf, strlen(buf));
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (f != NULL) {
        if (fgets(buf, sizeof(buf), f) != NULL)
            h = fnv1a(h, buf, strlen(buf));
        fclose(f);
    }
    struct stat st;
    if (stat("/proc/self/ns/net", &st) == 0)
        h = fnv1a(h, &st.st_ino, sizeof(st.st_ino));
    return h;
}

fcoll_status_t fcoll_get_unique_id(fcoll_unique_id_t *id)
{
    if (id == NULL)
        return FCOLL_ERR_NULL_POINTER;
    fcoll__log_t log = {.level = FCOLL_LOG_WARN, .rank = -1};
    id_layout_t l = {.magic = ID_MAGIC};
    if (getrandom(&l.nonce, sizeof(l.nonce), 0) != sizeof(l.nonce))
        l.nonce = fcoll__now_ns() ^ ((uint64_t)getpid() << 32);
    struct sockaddr_storage a, bound;
    fcoll_status_t st = fcoll__sock_pick_addr(&log, &a);
    int fd = -1;
    if (st == FCOLL_OK)
        st = fcoll__sock_listen(&log, &a, &fd, &bound);
    if (st != FCOLL_OK)
        return st;
    l.listen_fd = fd;
    memcpy(l.addr, &bound, FCOLL__ADDR_BYTES);
    memset(id, 0, sizeof(*id));
    memcpy(id->internal, &l, sizeof(l));
    return FCOLL_OK;
}

/* Rank 0 takes over the id's listening socket when it has it: in the process
 * that made the id, or in a child forked after that (the fd is inherited).
 * The fd number is trusted only if it is a listening socket bound to the
 * id's address. */
static int adopt_listener(const id_layout_t *l, const struct sockaddr_storage *addr)
{
    int acc = 0;
    socklen_t len = sizeof(acc);
    struct sockaddr_storage got;
    socklen_t glen = sizeof(got);
    memset(&got, 0, sizeof(got));
    if (l->listen_fd < 0 || getsockopt(l->listen_fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) != 0 ||
        !acc || getsockname(l->listen_fd, (struct sockaddr *)&got, &glen) != 0 ||
        memcmp(&got, addr, sizeof(struct sockaddr_in)) != 0)
        return -1;
    return l->listen_fd;
}

static void comm_free(fcoll_comm_t *c)
{
    if (c == NULL)
        return;
    fcoll__worker_stop(c);
    for (int t = 0; t < FCOLL__TL_COUNT; t++)
        if (c->tlctx[t] != NULL)
            fcoll__tl_get(t)->close(c->tlctx[t]);
    fcoll__mem_destroy(c->mem);
    for (int p = 0; c->peers && p < c->nranks; p++)
        if (c->peers[p].ctrl_fd >= 0)
            close(c->peers[p].ctrl_fd);
    fcoll__plan_free(&c->plan);
    fcoll__plan_free(&c->group);
    fcoll__opts_free(&c->opts);
    free(c->scratch);
    free(c->peers);
    free(c->info);
    free(c->ring);
    free(c);
}

/* Ring order: the one given if it is a permutation, else ranks grouped by
 * host in order of first appearance (so each host's ranks are adjacent and
 * the ring crosses the network as rarely as possible). */
static fcoll_status_t make_ring(fcoll_comm_t *c)
{
    int n = c->nranks;
    c->ring = malloc(sizeof(int) * (size_t)n);
    if (c->ring == NULL)
        return FCOLL_ERR_NO_MEMORY;
    if (c->opts.ring_order != NULL) {
        int ok = c->opts.ring_order_len == n;
        char *seen = calloc((size_t)n, 1);
        for (int i = 0; ok && seen && i < n; i++) {
            int r = c->opts.ring_order[i];
            ok = r >= 0 && r < n && !seen[r];
            if (ok)
                seen[r] = 1;
        }
        free(seen);
        if (!ok) {
            FCOLL__ERR(&c->opts.log, "ring order is not a permutation of 0..%d", n - 1);
            return FCOLL_ERR_INVALID_ARG;
        }
        memcpy(c->ring, c->opts.ring_order, sizeof(int) * (size_t)n);
    } else {
        int k = 0;
        for (int r = 0; r < n; r++) {
            int first = 1;
            for (int q = 0; q < r && first; q++)
                first = c->info[q].host_id != c->info[r].host_id;
            for (int q = r; first && q < n; q++)
                if (c->info[q].host_id == c->info[r].host_id)
                    c->ring[k++] = q;
        }
    }
    char text[256];
    int off = 0;
    for (int i = 0; i < n; i++) {
        if (c->ring[i] == c->rank)
            c->ring_pos = i;
        if (off < (int)sizeof(text) - 12)
            off += snprintf(text + off, sizeof(text) - (size_t)off, " %d", c->ring[i]);
    }
    FCOLL__INFO(&c->opts.log, "ring order:%s%s", text, off >= (int)sizeof(text) - 12 ? " ..." : "");
    return FCOLL_OK;
}

/* Opens the control mesh (one socket per peer, watched for EOF to notice a
 * dead peer) and every transport for the peers that chose it. */
static fcoll_status_t connect_peers(fcoll_comm_t *c)
{
    int n = c->nranks;
    uint8_t *addrs = calloc((size_t)n, FCOLL__ADDR_BYTES);
    uint8_t *use = calloc((size_t)FCOLL__TL_COUNT * (size_t)n, 1);
    int *fds = calloc((size_t)n, sizeof(int));
    if (addrs == NULL || use == NULL || fds == NULL) {
        free(addrs);
        free(use);
        free(fds);
        return FCOLL_ERR_NO_MEMORY;
    }
    for (int p = 0; p < n; p++)
        memcpy(addrs + (size_t)p * FCOLL__ADDR_BYTES, c->info[p].ctrl_addr, FCOLL__ADDR_BYTES);
    int forced = c->opts.transport[0] ? fcoll__tl_find(c->opts.transport) : -1;
    for (int p = 0; p < n; p++) {
        if (p == c->rank)
            continue;
        int t = forced >= 0 ? forced
                            : fcoll__tl_choose(&c->opts.log, &c->info[c->rank], &c->info[p], p);
        use[t * n + p] = 1;
        c->peers[p].tl = fcoll__tl_get(t);
    }
    uint8_t *every = malloc((size_t)n);
    fcoll_status_t st = every ? FCOLL_OK : FCOLL_ERR_NO_MEMORY;
    if (st == FCOLL_OK) {
        for (int p = 0; p < n; p++)
            every[p] = 1;
        st = fcoll__boot_mesh(c->boot, c->ctrl_listen, addrs, every, 1, fds);
    }
    free(every);
    for (int p = 0; p < n && st == FCOLL_OK; p++)
        c->peers[p].ctrl_fd = p == c->rank ? -1 : fds[p];
    /* Chosen, not forced, ib goes first: where it fails, tcp takes over. */
    if (st == FCOLL_OK && forced < 0)
        st = fcoll__tl_open_ib_or_tcp(c, use);
    for (int t = 0; t < FCOLL__TL_COUNT && st == FCOLL_OK; t++) {
        if (t != FCOLL__TL_IB || forced >= 0)
            st = fcoll__tl_get(t)->open(c, use + (size_t)t * (size_t)n, &c->tlctx[t]);
        int any = 0;
        for (int p = 0; p < n; p++)
            any |= use[t * n + p];
        if (st == FCOLL_OK && !any) {
            /* Nobody uses it here: keep it out of the progress loop. */
            fcoll__tl_get(t)->close(c->tlctx[t]);
            c->tlctx[t] = NULL;
        }
        for (int p = 0; p < n && st == FCOLL_OK; p++)
            if (use[t * n + p])
                c->peers[p].tlctx = c->tlctx[t];
    }
    free(addrs);
    free(use);
    free(fds);
    return st;
}

/* Everything after the store is reachable: exchange, connect, set up. */
static fcoll_status_t comm_setup(fcoll_comm_t *c)
{
    fcoll__rankinfo_t mine = {.host_id = host_id(), .pid = (int32_t)getpid()};
    if (c->opts.transport[0] == '\0' && fcoll__ib_probe())
        mine.caps |= FCOLL__CAP_RDMA;
    struct sockaddr_storage a, bound;
    fcoll_status_t st = fcoll__sock_pick_addr(&c->opts.log, &a);
    if (st == FCOLL_OK)
        st = fcoll__sock_listen(&c->opts.log, &a, &c->ctrl_listen, &bound);
    if (st != FCOLL_OK)
        return st;
    memcpy(mine.ctrl_addr, &bound, FCOLL__ADDR_BYTES);
    st = fcoll__boot_allgather(c->boot, &mine, c->info, sizeof(mine));
    if (st == FCOLL_OK) {
        /* Busy-polling only pays while every rank here has a CPU. */
        int local = 0;
        for (int p = 0; p < c->nranks; p++)
            local += c->info[p].host_id == mine.host_id;
        cpu_set_t cpus;
        int ncpu = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 ? CPU_COUNT(&cpus) : 1;
        c->oversubscribed = local > ncpu;
        st = make_ring(c);
    }
    if (st == FCOLL_OK)
        st = connect_peers(c);
    close(c->ctrl_listen);
    c->ctrl_listen = -1;
    if (st == FCOLL_OK)
        st = fcoll__chan_setup(c);
    return st;
}

static fcoll_status_t comm_create(fcoll_comm_t **out, int nranks, int rank,
                                  const fcoll_config_t *cfg, int listen_fd,
                                  const struct sockaddr_storage *addr, uint64_t nonce)
{
    fcoll_comm_t *c = calloc(1, sizeof(*c));
    fcoll_status_t st = c ? FCOLL_OK : FCOLL_ERR_NO_MEMORY;
    if (st == FCOLL_OK) {
        c->rank = rank;
        c->nranks = nranks;
        c->ctrl_listen = -1;
        st = fcoll__opts_resolve(&c->opts, cfg);
        c->opts.log.rank = rank;
    }
    if (st == FCOLL_OK) {
        c->info = calloc((size_t)nranks, sizeof(*c->info));
        c->peers = calloc((size_t)nranks, sizeof(*c->peers));
        st = c->info && c->peers ? FCOLL_OK : FCOLL_ERR_NO_MEMORY;
        if (st == FCOLL_OK)
            st = fcoll__mem_create(&c->mem, &c->opts.log, nranks);
        for (int p = 0; st == FCOLL_OK && p < nranks; p++)
            c->peers[p].ctrl_fd = -1;
    }
    if (st == FCOLL_OK && c->opts.transport[0] && fcoll__tl_find(c->opts.transport) < 0) {
        FCOLL__ERR(&c->opts.log, "unknown transport \"%s\" (have shm, tcp, ib)", c->opts.transport);
        st = FCOLL_ERR_INVALID_ARG;
    }
    fcoll__boot_t boot = {.rank = rank, .nranks = nranks};
    if (st == FCOLL_OK) {
        boot.log = &c->opts.log;
        boot.deadline_ns = fcoll__now_ns() + (uint64_t)c->opts.timeout_ms * 1000000u;
        c->boot = &boot;
        st = fcoll__boot_open(&boot, listen_fd, addr, nonce);
        listen_fd = -1;
    }
    if (st == FCOLL_OK)
        st = comm_setup(c);
    fcoll__boot_close(&boot);
    if (listen_fd >= 0)
        close(listen_fd);
    if (st != FCOLL_OK) {
        if (c != NULL)
            FCOLL__DEBUG(&c->opts.log, "init failed: %s", fcoll_strerror(st));
        comm_free(c);
        return st;
    }
    c->boot = NULL;
    FCOLL__INFO(&c->opts.log, "communicator of %d ranks ready", nranks);
    *out = c;
    return FCOLL_OK;
}

fcoll_status_t fcoll_comm_init_rank_config(fcoll_comm_t **comm, int nranks, fcoll_unique_id_t id,
                                           int rank, const fcoll_config_t *cfg)
{
    if (comm == NULL)
        return FCOLL_ERR_NULL_POINTER;
    *comm = NULL;
    id_layout_t l;
    memcpy(&l, id.internal, sizeof(l));
    if (l.magic != ID_MAGIC)
        return FCOLL_ERR_INVALID_ARG;
    if (nranks < 1 || rank < 0 || rank >= nranks)
        return FCOLL_ERR_INVALID_RANK;
    if (cfg != NULL && cfg->size != sizeof(*cfg))
        return FCOLL_ERR_INVALID_ARG;
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof(addr));
    memcpy(&addr, l.addr, FCOLL__ADDR_BYTES);
    int fd = rank == 0 ? adopt_listener(&l, &addr) : -1;
    return comm_create(comm, nranks, rank, cfg, fd, &addr, l.nonce);
}

fcoll_status_t fcoll_comm_init_rank(fcoll_comm_t **comm, int nranks, fcoll_unique_id_t id, int rank)
{
    return fcoll_comm_init_rank_config(comm, nranks, id, rank, NULL);
}

fcoll_status_t fcoll_comm_destroy(fcoll_comm_t *comm)
{
    /* A rank may reach destroy while a peer's part of the last operation
     * still needs this rank's connections (flow-control replies, a chain
     * hop): closing them would fail that peer. So a healthy communicator
     * first meets every rank in a barrier, bounded by the operation timeout;
     * after an error or abort there is nobody to wait for. */
    if (comm != NULL && comm->nranks > 1 && !atomic_load(&comm->aborted) &&
        atomic_load(&comm->error) == FCOLL_OK)
        (void)fcoll_barrier(comm);
    comm_free(comm);
    return FCOLL_OK;
}

fcoll_status_t fcoll_comm_abort(fcoll_comm_t *comm)
{
    if (comm == NULL)
        return FCOLL_ERR_NULL_POINTER;
    atomic_store(&comm->aborted, 1);
    fcoll__comm_fail(comm, FCOLL_ERR_ABORTED);
    return FCOLL_OK;
}

fcoll_status_t fcoll_comm_get_async_error(fcoll_comm_t *comm, fcoll_status_t *err)
{
    if (comm == NULL || err == NULL)
        return FCOLL_ERR_NULL_POINTER;
    *err = (fcoll_status_t)atomic_load(&comm->error);
    return FCOLL_OK;
}

fcoll_status_t fcoll_comm_rank(const fcoll_comm_t *comm, int *rank)
{
    if (comm == NULL || rank == NULL)
        return FCOLL_ERR_NULL_POINTER;
    *rank = comm->rank;
    return FCOLL_OK;
}

fcoll_status_t fcoll_comm_size(const fcoll_comm_t *comm, int *nranks)
{
    if (comm == NULL || nranks == NULL)
        return FCOLL_ERR_NULL_POINTER;
    *nranks = comm->nranks;
    return FCOLL_OK;
}

fcoll_status_t fcoll_comm_set_timeout(fcoll_comm_t *comm, int timeout_ms)
{
    if (comm == NULL)
        return FCOLL_ERR_NULL_POINTER;
    comm->opts.timeout_ms = timeout_ms > 0 ? timeout_ms : comm->opts.timeout_default_ms;
    return FCOLL_OK;
}

const char *fcoll_comm_transport_name(const fcoll_comm_t *comm, int peer)
{
    if (comm == NULL || peer < 0 || peer >= comm->nranks)
        return NULL;
    if (peer == comm->rank)
        return "self";
    return comm->peers[peer].tl->name;
}

/* fcoll_comm_init_env lives in env.c; it ends in comm_create too. */
fcoll_status_t fcoll__comm_create(fcoll_comm_t **out, int nranks, int rank,
                                  const fcoll_config_t *cfg, const struct sockaddr_storage *addr,
                                  uint64_t nonce)
{
    return comm_create(out, nranks, rank, cfg, -1, addr, nonce);
}

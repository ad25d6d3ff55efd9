/* The ib transport (collectives/src/tl/ib) driven directly through its ops
 * table, on a real RDMA device (Soft-RoCE in the VM: tests/rdma, scripts/
 * vm-run.sh). Forks N ranks that bootstrap through the library's own
 * bootstrap and then:
 *   data:  every rank streams messages of many sizes (0 B to one slot) to
 *          every peer with receiver-driven credits, like the channel layer;
 *          the receiver checks every byte; then teardown.
 *   kill:  rank 1 dies after setup; rank 0's puts must end in an error, not
 *          hang.
 *   abort: rank 1 aborts its context; rank 0 must see an error.
 *   qperr: rank 1 moves its QPs to rank 0 into the error state and stays;
 *          both must see an error.
 * Data mode also checks the registration cache (a buffer used again is
 * registered once, new pages at an old address are registered anew), and
 * every mode checks that close leaves no QP, CQ, MR or PD of the process
 * in the kernel (rdma resource show).
 * usage: test_ib_tl [-n RANKS] [-m data|kill|abort|qperr] [-i ITERS]
 * Exits 77 when there is no active RDMA device (the test needs the VM).
 */
#include <arpa/inet.h>
#include <infiniband/verbs.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot.h"
#include "internal.h"
#include "sock.h"
#include "tl/ib/ib.h"
#include "verbs_objects.h"

#define IMM_CREDIT 0x80000000u
#define DEADLINE_S 120

static const fcoll__tl_ops_t *tl = &fcoll__tl_ib_ops;

static unsigned char pattern(int from, int to, uint64_t msg, size_t j)
{
    return (unsigned char)(from * 31 + to * 17 + msg * 7 + j * 13 + (j >> 8));
}

static size_t msg_len(uint64_t k, size_t slot)
{
    static const size_t lens[] = {1, 0, 4095, 4096, 65539, 1, 300000};
    if (k % 8 == 7)
        return slot; /* a full slot now and then */
    return lens[k % 7] > slot ? slot : lens[k % 7];
}

#define MAX_SLOTS 16

typedef struct peer_state {
    uint64_t rkey;   /* peer's region for my data */
    fcoll__mr_t mr;  /* my region for its data */
    uint64_t sent;   /* messages posted */
    uint64_t credit; /* messages the peer consumed */
    uint64_t recvd;  /* messages consumed */
    char *src;       /* one send buffer per slot: zero-copy puts read it late */
    uint8_t src_busy[MAX_SLOTS];
    int32_t ready_len[MAX_SLOTS]; /* arrived, not consumed; -1: empty */
} peer_state_t;

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "rank %d: ", rank);                                                        \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fprintf(stderr, "\n");                                                                     \
        return 1;                                                                                  \
    } while (0)

/* Zero-copy path: every rank registers a buffer with mem_reg and reads
 * every peer's with get (RDMA READ), in two unaligned pieces. */
static int get_phase(fcoll__tl_ctx_t *ctx, fcoll__boot_t *boot, int rank, int n)
{
    const size_t glen = 3 * 1048576 + 5, cut = 1048576 + 3;
    char *gbuf = malloc(glen), *dst = malloc(glen);
    uint64_t *keys = calloc((size_t)n, sizeof(uint64_t));
    for (size_t j = 0; j < glen; j++)
        gbuf[j] = (char)pattern(rank, 99, 0, j);
    fcoll__mr_t gmr;
    fcoll_status_t st = tl->mem_reg(ctx, gbuf, glen, &gmr);
    if (st != FCOLL_OK)
        FAIL("mem_reg: %s", fcoll_strerror(st));
    if (fcoll__boot_allgather(boot, &gmr.rkey, keys, sizeof(uint64_t)) != FCOLL_OK)
        FAIL("allgather of mem_reg keys failed");
    uint64_t t0 = fcoll__now_ns();
    for (int p = 0; p < n; p++) {
        if (p == rank)
            continue;
        memset(dst, 0, glen);
        if ((st = tl->get(ctx, p, dst, cut, keys[p], 0)) != FCOLL_OK ||
            (st = tl->get(ctx, p, dst + cut, glen - cut, keys[p], cut)) != FCOLL_OK)
            FAIL("get from %d: %s", p, fcoll_strerror(st));
        for (size_t j = 0; j < glen; j++)
            if ((unsigned char)dst[j] != pattern(p, 99, 0, j))
                FAIL("get from %d: byte %zu is 0x%02x, expected 0x%02x", p, j,
                     (unsigned char)dst[j], pattern(p, 99, 0, j));
    }
    double secs = (fcoll__now_ns() - t0) / 1e9;

    /* Zero-copy receive: every rank puts a piece into a region each peer
     * registered with mem_reg, at an unaligned offset of its own. */
    const size_t plen = 65536 + 3, pstride = 65536 + 64;
    char *pbuf = calloc((size_t)n, pstride), *psrc = malloc(plen);
    fcoll__mr_t pmr;
    if ((st = tl->mem_reg(ctx, pbuf, (size_t)n * pstride, &pmr)) != FCOLL_OK)
        FAIL("mem_reg for puts: %s", fcoll_strerror(st));
    if (fcoll__boot_allgather(boot, &pmr.rkey, keys, sizeof(uint64_t)) != FCOLL_OK)
        FAIL("allgather of put keys failed");
    for (size_t j = 0; j < plen; j++)
        psrc[j] = (char)pattern(rank, 77, 0, j);
    for (int p = 0; p < n; p++) {
        int done = 0;
        if (p != rank && (st = tl->put(ctx, p, psrc, plen, keys[p], (uint64_t)rank * pstride + 5,
                                       0x40000000u | (uint32_t)rank, 0, &done)) != FCOLL_OK)
            FAIL("put into the mem_reg region of %d: %s", p, fcoll_strerror(st));
    }
    uint64_t until = fcoll__now_ns() + (uint64_t)DEADLINE_S * 1000000000ull;
    for (int got_all = 0; got_all < n - 1;) {
        fcoll__cqe_t cq[8];
        int k = 0;
        if ((st = tl->poll(ctx, cq, 8, &k)) != FCOLL_OK)
            FAIL("poll for puts: %s", fcoll_strerror(st));
        for (int i = 0; i < k; i++) {
            if (cq[i].kind != FCOLL__CQE_RECV || cq[i].imm != (0x40000000u | (uint32_t)cq[i].peer))
                continue;
            const unsigned char *d = (unsigned char *)pbuf + (size_t)cq[i].peer * pstride + 5;
            for (size_t j = 0; j < plen; j++)
                if (d[j] != pattern(cq[i].peer, 77, 0, j))
                    FAIL("put from %d into mem_reg region: byte %zu is 0x%02x", cq[i].peer, j,
                         d[j]);
            got_all++;
        }
        if (k == 0)
            tl->wait(ctx, 10);
        if (fcoll__now_ns() > until)
            FAIL("puts into mem_reg regions did not arrive");
    }
    printf("ok - rank %d: puts into mem_reg regions from %d peers checked\n", rank, n - 1);

    /* Nobody deregisters while a peer may still read or write. */
    int one = 1, *all = calloc((size_t)n, sizeof(int));
    if (fcoll__boot_allgather(boot, &one, all, sizeof(int)) != FCOLL_OK)
        FAIL("allgather after get failed");
    if ((st = tl->mem_dereg(ctx, &gmr)) != FCOLL_OK || (st = tl->mem_dereg(ctx, &pmr)) != FCOLL_OK)
        FAIL("mem_dereg: %s", fcoll_strerror(st));
    free(pbuf);
    free(psrc);
    printf("ok - rank %d: get (RDMA READ) of %zu bytes from each of %d peers checked, %.1f MB/s\n",
           rank, glen, n - 1, (double)glen * (n - 1) / secs / 1e6);
    free(all);
    free(keys);
    free(gbuf);
    free(dst);
    return 0;
}

/* qperr: only the QPs to rank 0 go to the error state, as a broken link
 * would put them, with nothing else told; this rank must then see the
 * error itself (its posted receives flush). */
static int qp_error_seen(fcoll__tl_ctx_t *ctx, int rank)
{
    fcoll__ib_break_qps(ctx, 0);
    uint64_t t0 = fcoll__now_ns(), until = t0 + (uint64_t)DEADLINE_S * 1000000000ull;
    for (;;) {
        fcoll__cqe_t cq[8];
        int k = 0;
        fcoll_status_t st = tl->poll(ctx, cq, 8, &k);
        if (st != FCOLL_OK) {
            printf("ok - rank %d: poll after its QP went to error: %s after %.1f s\n", rank,
                   fcoll_strerror(st), (fcoll__now_ns() - t0) / 1e9);
            return 0;
        }
        if (fcoll__now_ns() > until)
            FAIL("QP in error state, but poll saw no error for %d s", DEADLINE_S);
        if (k == 0)
            tl->wait(ctx, 10);
    }
}

/* Registration cache: a buffer used again is registered once; a buffer
 * freed and mapped anew at the same address is registered again (its
 * pages changed) where page frames are readable. */
static int rcache_phase(fcoll__tl_ctx_t *ctx, int rank)
{
    fcoll__ib_rcache_stats_t a, b;
    size_t len = 4u << 20;
    char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        FAIL("mmap: %s", strerror(errno));
    memset(buf, 1, len);
    fcoll__ib_rcache_stats_of(ctx, &a);
    for (int i = 0; i < 10; i++) {
        fcoll__mr_t mr;
        /* The whole buffer, then pieces of it at other offsets. */
        size_t off = (size_t)i * 4099, part = i == 0 ? len : len / 2;
        fcoll_status_t st = tl->mem_reg(ctx, buf + off, part, &mr);
        if (st != FCOLL_OK || tl->mem_dereg(ctx, &mr) != FCOLL_OK)
            FAIL("mem_reg/mem_dereg of %zu bytes at offset %zu: %s", part, off, fcoll_strerror(st));
    }
    fcoll__ib_rcache_stats_of(ctx, &b);
    uint64_t regs = b.registrations - a.registrations;
    if (b.keeps_idle ? regs != 1 : regs != 10)
        FAIL("10 uses of one buffer (whole, then parts) made %llu registrations (expected %d)",
             (unsigned long long)regs, b.keeps_idle ? 1 : 10);
    printf("ok - rank %d: 10 uses of one buffer (whole, then parts), %llu registration(s)%s\n",
           rank, (unsigned long long)regs,
           b.keeps_idle ? "" : " (page frames unreadable: none kept)");
    if (!b.keeps_idle)
        return munmap(buf, len);
    /* New pages at the same address must not meet the old registration. */
    munmap(buf, len);
    char *again = mmap(buf, len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (again != buf)
        FAIL("could not map a buffer again at %p", (void *)buf);
    memset(again, 2, len);
    fcoll__mr_t mr;
    if (tl->mem_reg(ctx, again, len / 2, &mr) != FCOLL_OK || tl->mem_dereg(ctx, &mr) != FCOLL_OK)
        FAIL("mem_reg of the new buffer failed");
    fcoll__ib_rcache_stats_of(ctx, &a);
    if (a.registrations != b.registrations + 1 || a.invalidated != b.invalidated + 1)
        FAIL("new pages at an old address: %llu registrations, %llu invalidated (expected 1, 1)",
             (unsigned long long)(a.registrations - b.registrations),
             (unsigned long long)(a.invalidated - b.invalidated));
    printf("ok - rank %d: a buffer mapped anew at the same address is registered anew\n", rank);
    return munmap(again, len);
}

static int run_rank(int rank, int n, int lfd, const struct sockaddr_storage *addr, const char *mode,
                    uint64_t iters)
{
    fcoll_comm_t *comm = calloc(1, sizeof(*comm));
    fcoll__boot_t boot = {.rank = rank, .nranks = n};
    comm->rank = rank;
    comm->nranks = n;
    comm->opts.log = (fcoll__log_t){.level = FCOLL_LOG_INFO, .rank = rank};
    boot.log = &comm->opts.log;
    boot.deadline_ns = fcoll__now_ns() + (uint64_t)DEADLINE_S * 1000000000ull;
    if (fcoll__boot_open(&boot, rank == 0 ? lfd : -1, addr, 0x1b7e57ull) != FCOLL_OK)
        FAIL("bootstrap failed");
    comm->boot = &boot;

    uint8_t *use = calloc((size_t)n, 1);
    for (int p = 0; p < n; p++)
        use[p] = p != rank;
    fcoll__tl_ctx_t *ctx = NULL;
    fcoll_status_t st = tl->open(comm, use, &ctx);
    if (st != FCOLL_OK)
        FCOLL__ERR(&comm->opts.log, "open: %s", fcoll_strerror(st));
    /* Everyone learns whether everyone opened. */
    int okv = st == FCOLL_OK, *oks = calloc((size_t)n, sizeof(int));
    if (fcoll__boot_allgather(&boot, &okv, oks, sizeof(int)) != FCOLL_OK)
        FAIL("allgather failed");
    for (int p = 0; p < n; p++)
        if (!oks[p])
            FAIL("rank %d could not open the ib transport", p);

    fcoll__tl_attr_t attr;
    tl->attr(ctx, &attr);
    size_t region = attr.slot_size * attr.nslots;
    peer_state_t *ps = calloc((size_t)n, sizeof(*ps));
    uint64_t *mine = calloc((size_t)n, sizeof(uint64_t)), *all = calloc((size_t)n * n, 8);
    for (int p = 0; p < n; p++) {
        if (p == rank)
            continue;
        if ((st = tl->mem_alloc(ctx, p, region, &ps[p].mr)) != FCOLL_OK)
            FAIL("mem_alloc: %s", fcoll_strerror(st));
        mine[p] = ps[p].mr.rkey;
    }
    if (fcoll__boot_allgather(&boot, mine, all, sizeof(uint64_t) * (size_t)n) != FCOLL_OK)
        FAIL("allgather of keys failed");
    for (int p = 0; p < n; p++)
        ps[p].rkey = all[(size_t)p * (size_t)n + (size_t)rank];

    int fault = strcmp(mode, "data") != 0;
    if (attr.nslots > MAX_SLOTS)
        FAIL("%u slots, the test handles %d", attr.nslots, MAX_SLOTS);
    for (int p = 0; p < n; p++) {
        ps[p].src = malloc(attr.slot_size * attr.nslots);
        memset(ps[p].ready_len, -1, sizeof(ps[p].ready_len));
    }
    if (fault && rank != 0) {
        if (rank == 1 && strcmp(mode, "kill") == 0)
            _exit(0); /* dies with its QPs open: the kernel destroys them */
        if (rank == 1 && strcmp(mode, "abort") == 0)
            tl->abort(ctx); /* every QP to error state, the process stays */
        if (rank == 1 && strcmp(mode, "qperr") == 0 && qp_error_seen(ctx, rank) != 0)
            return 1;
        goto done; /* waits there until rank 0 is done */
    }

    uint64_t deadline = fcoll__now_ns() + (uint64_t)DEADLINE_S * 1000000000ull;
    uint64_t t0 = fcoll__now_ns(), bytes = 0, last_ping = 0;
    for (;;) {
        int busy = 0, pending = 0;
        for (int p = 0; p < n; p++) {
            if (p == rank || (fault && p != 1))
                continue;
            peer_state_t *q = &ps[p];
            uint64_t want = fault ? UINT64_MAX : iters;
            while (q->sent < want && q->sent - q->credit < attr.nslots &&
                   !q->src_busy[q->sent % attr.nslots]) {
                size_t len = msg_len(q->sent, attr.slot_size);
                unsigned slot = (unsigned)(q->sent % attr.nslots);
                char *src = q->src + (size_t)slot * attr.slot_size;
                for (size_t j = 0; j < len; j++)
                    src[j] = (char)pattern(rank, p, q->sent, j);
                int completed = 0;
                st = tl->put(ctx, p, src, len, q->rkey, (uint64_t)slot * attr.slot_size,
                             slot << 24 | (uint32_t)len, q->sent, &completed);
                if (st != FCOLL_OK) {
                    if (fault) {
                        printf("ok - rank 0: put to the failed peer: %s after %.1f s\n",
                               fcoll_strerror(st), (fcoll__now_ns() - t0) / 1e9);
                        goto done;
                    }
                    FAIL("put: %s", fcoll_strerror(st));
                }
                q->src_busy[slot] = !completed; /* until its send completion */
                q->sent++;
                bytes += len;
                busy = 1;
            }
            int in_flight = 0;
            for (unsigned k = 0; k < attr.nslots; k++)
                in_flight |= q->src_busy[k];
            pending |= q->sent < iters || q->credit < iters || q->recvd < iters || in_flight;
        }
        fcoll__cqe_t cqe[32];
        int got = 0;
        st = tl->poll(ctx, cqe, 32, &got);
        if (st != FCOLL_OK) {
            if (fault) {
                printf("ok - rank 0: poll after the peer failed: %s after %.1f s\n",
                       fcoll_strerror(st), (fcoll__now_ns() - t0) / 1e9);
                goto done;
            }
            FAIL("poll: %s", fcoll_strerror(st));
        }
        for (int i = 0; i < got; i++) {
            peer_state_t *q = &ps[cqe[i].peer];
            if (cqe[i].kind == FCOLL__CQE_SEND) {
                q->src_busy[cqe[i].wr_id % attr.nslots] = 0;
                continue;
            }
            if (cqe[i].imm & IMM_CREDIT) {
                q->credit += cqe[i].imm & 0xffffu;
                continue;
            }
            /* With several QPs, messages may overtake each other: the slot
             * says where each one is, and they are consumed in order. */
            unsigned slot = cqe[i].imm >> 24;
            if (slot >= attr.nslots || q->ready_len[slot] >= 0)
                FAIL("from %d: message in slot %u, which is not free", cqe[i].peer, slot);
            q->ready_len[slot] = (int32_t)(cqe[i].imm & 0xffffffu);
            for (;;) {
                slot = (unsigned)(q->recvd % attr.nslots);
                size_t len = (size_t)q->ready_len[slot];
                if (q->ready_len[slot] < 0)
                    break;
                if (len != msg_len(q->recvd, attr.slot_size))
                    FAIL("from %d: message %llu has %zu bytes, expected %zu", cqe[i].peer,
                         (unsigned long long)q->recvd, len, msg_len(q->recvd, attr.slot_size));
                const unsigned char *d =
                    (const unsigned char *)q->mr.addr + (size_t)slot * attr.slot_size;
                for (size_t j = 0; j < len; j++)
                    if (d[j] != pattern(cqe[i].peer, rank, q->recvd, j))
                        FAIL("from %d: message %llu byte %zu is 0x%02x, expected 0x%02x",
                             cqe[i].peer, (unsigned long long)q->recvd, j, d[j],
                             pattern(cqe[i].peer, rank, q->recvd, j));
                q->ready_len[slot] = -1;
                q->recvd++;
                if ((st = tl->notify(ctx, cqe[i].peer, IMM_CREDIT | 1u)) != FCOLL_OK)
                    FAIL("notify: %s", fcoll_strerror(st));
            }
            busy = 1;
        }
        if (!fault && !pending)
            break;
        if (fcoll__now_ns() > deadline)
            FAIL("no progress: deadline of %d s passed (a hang)", DEADLINE_S);
        if (fault && fcoll__now_ns() - last_ping > 100000000ull) {
            /* Keep traffic going: a peer that is gone only shows when a
             * work request gets no answer. */
            last_ping = fcoll__now_ns();
            st = tl->notify(ctx, 1, IMM_CREDIT);
            if (st != FCOLL_OK) {
                printf("ok - rank 0: notify to the failed peer: %s after %.1f s\n",
                       fcoll_strerror(st), (fcoll__now_ns() - t0) / 1e9);
                goto done;
            }
        }
        if (!busy && got == 0)
            tl->wait(ctx, 10);
    }
    double secs = (fcoll__now_ns() - t0) / 1e9;
    printf("ok - rank %d: %llu messages to each of %d peers checked, %.1f MB/s sent\n", rank,
           (unsigned long long)iters, n - 1, bytes / secs / 1e6);
    if (get_phase(ctx, &boot, rank, n) != 0 || rcache_phase(ctx, rank) != 0)
        return 1;
done:
    /* Nobody closes before everyone is done: the last credits are in flight. */
    if (fcoll__boot_allgather(&boot, &okv, oks, sizeof(int)) != FCOLL_OK && !fault)
        FAIL("final allgather failed");
    for (int p = 0; p < n; p++)
        if (p != rank)
            tl->mem_dereg(ctx, &ps[p].mr);
    tl->close(ctx);
    fcoll__boot_close(&boot);
    int left = verbs_objects();
    if (left != 0)
        FAIL("after close the kernel still counts %d QP/CQ/MR/PD of this process%s", left,
             left < 0 ? " (rdma resource show failed)" : "");
    printf("ok - rank %d: close released every QP, CQ, MR and PD\n", rank);
    for (int p = 0; p < n; p++)
        free(ps[p].src);
    free(ps);
    free(mine);
    free(all);
    free(use);
    free(oks);
    free(comm);
    return 0;
}

static int have_device(void)
{
    int n = 0;
    struct ibv_device **l = ibv_get_device_list(&n);
    if (l != NULL)
        ibv_free_device_list(l);
    return n > 0;
}

int main(int argc, char **argv)
{
    int n = 2, opt;
    const char *mode = "data";
    uint64_t iters = 64;
    while ((opt = getopt(argc, argv, "n:m:i:")) != -1) {
        switch (opt) {
        case 'n':
            n = atoi(optarg);
            break;
        case 'm':
            mode = optarg;
            break;
        case 'i':
            iters = strtoull(optarg, NULL, 0);
            break;
        default:
            fprintf(stderr, "usage: %s [-n RANKS] [-m data|kill|abort|qperr] [-i ITERS]\n",
                    argv[0]);
            return 2;
        }
    }
    if (n < 2 || (strcmp(mode, "data") != 0 && strcmp(mode, "kill") != 0 &&
                  strcmp(mode, "abort") != 0 && strcmp(mode, "qperr") != 0)) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    /* The NCCL_IB_HCA-style matcher, no device needed. */
    int hca_ok =
        fcoll__ib_hca_match(NULL, "rxe0", 1) && fcoll__ib_hca_match("rxe", "rxe0", 1) &&
        fcoll__ib_hca_match("rxe0:1", "rxe0", 1) && !fcoll__ib_hca_match("rxe0:2", "rxe0", 1) &&
        !fcoll__ib_hca_match("=rxe", "rxe0", 1) && fcoll__ib_hca_match("=mlx5_0,rxe0", "rxe0", 1) &&
        !fcoll__ib_hca_match("^rxe", "rxe0", 1) && fcoll__ib_hca_match("^mlx5", "rxe0", 1);
    printf("%s - FCOLL_IB_HCA matching\n", hca_ok ? "ok" : "not ok");
    if (!hca_ok)
        return 1;
    if (!have_device()) {
        printf("SKIP: no RDMA device (run in the VM: scripts/vm-run.sh)\n");
        return 77;
    }

    fcoll__log_t log = {.level = FCOLL_LOG_WARN, .rank = -1};
    struct sockaddr_storage a = {0}, bound;
    struct sockaddr_in *sin = (struct sockaddr_in *)&a;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int lfd = -1;
    if (fcoll__sock_listen(&log, &a, &lfd, &bound) != FCOLL_OK)
        return 1;
    fflush(stdout);
    pid_t *pids = calloc((size_t)n, sizeof(pid_t));
    for (int r = 0; r < n; r++) {
        pids[r] = fork();
        if (pids[r] == 0) {
            if (r != 0)
                close(lfd);
            alarm(DEADLINE_S + 30); /* last resort against a hang */
            int rc = run_rank(r, n, lfd, &bound, mode, iters);
            exit(rc); /* not _exit: LeakSanitizer checks at exit */
        }
    }
    close(lfd);
    int fail = 0;
    for (int r = 0; r < n; r++) {
        int status = 0;
        waitpid(pids[r], &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("not ok - rank %d ended with status 0x%x\n", r, status);
            fail = 1;
        }
    }
    free(pids);
    printf("%s - ib transport, %d ranks, mode %s\n", fail ? "not ok" : "ok", n, mode);
    return fail;
}

/* Bootstrap; see boot.h. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "sock.h"

#define BOOT_MAGIC 0xfc011b00u

typedef struct hello {
    uint32_t magic;
    int32_t rank, nranks, index;
    uint64_t nonce;
} hello_t;

static fcoll_status_t check_hello(const fcoll__boot_t *b, const hello_t *h)
{
    if (h->magic != BOOT_MAGIC || h->nonce != b->nonce || h->nranks != b->nranks || h->rank < 0 ||
        h->rank >= b->nranks) {
        FCOLL__ERR(b->log, "bootstrap: unexpected hello (rank %d of %d, nonce %llx)", h->rank,
                   h->nranks, (unsigned long long)h->nonce);
        return FCOLL_ERR_PROTOCOL;
    }
    return FCOLL_OK;
}

fcoll_status_t fcoll__boot_open(fcoll__boot_t *b, int listen_fd,
                                const struct sockaddr_storage *addr, uint64_t nonce)
{
    b->nonce = nonce;
    b->fds = malloc(sizeof(int) * (size_t)b->nranks);
    if (b->fds == NULL) {
        if (listen_fd >= 0)
            close(listen_fd);
        return FCOLL_ERR_NO_MEMORY;
    }
    for (int i = 0; i < b->nranks; i++)
        b->fds[i] = -1;
    fcoll_status_t st = FCOLL_OK;
    hello_t h = {BOOT_MAGIC, b->rank, b->nranks, 0, nonce};
    if (b->rank != 0) {
        st = fcoll__sock_connect(b->log, addr, b->deadline_ns, &b->fds[0]);
        if (st == FCOLL_OK)
            st = fcoll__sock_send_all(b->log, b->fds[0], &h, sizeof(h), b->deadline_ns);
        return st;
    }
    if (listen_fd < 0) {
        struct sockaddr_storage bound;
        st = fcoll__sock_listen(b->log, addr, &listen_fd, &bound);
        if (st != FCOLL_OK)
            return st;
    }
    for (int joined = 1; joined < b->nranks && st == FCOLL_OK;) {
        int fd;
        st = fcoll__sock_accept(b->log, listen_fd, b->deadline_ns, &fd);
        if (st != FCOLL_OK)
            break;
        st = fcoll__sock_recv_all(b->log, fd, &h, sizeof(h), b->deadline_ns);
        if (st == FCOLL_OK && check_hello(b, &h) != FCOLL_OK) {
            /* A stray connection (an old job, a port scanner): drop it. */
            close(fd);
            continue;
        }
        if (st == FCOLL_OK && (h.rank == 0 || b->fds[h.rank] >= 0)) {
            FCOLL__ERR(b->log, "bootstrap: rank %d joined twice", h.rank);
            st = FCOLL_ERR_INVALID_RANK;
        }
        if (st != FCOLL_OK) {
            close(fd);
            break;
        }
        b->fds[h.rank] = fd;
        joined++;
    }
    close(listen_fd);
    return st;
}

fcoll_status_t fcoll__boot_allgather(fcoll__boot_t *b, const void *mine, void *all, size_t len)
{
    char *out = all;
    fcoll_status_t st = FCOLL_OK;
    if (b->rank != 0) {
        st = fcoll__sock_send_all(b->log, b->fds[0], mine, len, b->deadline_ns);
        if (st == FCOLL_OK)
            st = fcoll__sock_recv_all(b->log, b->fds[0], all, len * (size_t)b->nranks,
                                      b->deadline_ns);
        return st;
    }
    memmove(out, mine, len);
    for (int r = 1; r < b->nranks && st == FCOLL_OK; r++)
        st = fcoll__sock_recv_all(b->log, b->fds[r], out + (size_t)r * len, len, b->deadline_ns);
    for (int r = 1; r < b->nranks && st == FCOLL_OK; r++)
        st = fcoll__sock_send_all(b->log, b->fds[r], all, len * (size_t)b->nranks, b->deadline_ns);
    return st;
}

void fcoll__boot_close(fcoll__boot_t *b)
{
    if (b->fds == NULL)
        return;
    for (int i = 0; i < b->nranks; i++)
        if (b->fds[i] >= 0)
            close(b->fds[i]);
    free(b->fds);
    b->fds = NULL;
}

fcoll_status_t fcoll__boot_mesh(fcoll__boot_t *b, int lfd, const uint8_t *addrs, const uint8_t *use,
                                int nsock, int *fds)
{
    fcoll_status_t st = FCOLL_OK;
    int expect = 0;
    for (int p = 0; p < b->nranks; p++)
        for (int k = 0; k < nsock; k++)
            fds[p * nsock + k] = -1;
    /* Connect to lower ranks, accept from higher ones: listen backlogs hold
     * the connections, so the order cannot deadlock. */
    for (int p = 0; p < b->nranks && st == FCOLL_OK; p++) {
        if (!use[p] || p == b->rank)
            continue;
        if (p > b->rank) {
            expect += nsock;
            continue;
        }
        struct sockaddr_storage a;
        memset(&a, 0, sizeof(a));
        memcpy(&a, addrs + (size_t)p * FCOLL__ADDR_BYTES, FCOLL__ADDR_BYTES);
        for (int k = 0; k < nsock && st == FCOLL_OK; k++) {
            hello_t h = {BOOT_MAGIC, b->rank, b->nranks, k, b->nonce};
            st = fcoll__sock_connect(b->log, &a, b->deadline_ns, &fds[p * nsock + k]);
            if (st == FCOLL_OK)
                st =
                    fcoll__sock_send_all(b->log, fds[p * nsock + k], &h, sizeof(h), b->deadline_ns);
        }
    }
    while (expect > 0 && st == FCOLL_OK) {
        int fd;
        hello_t h;
        st = fcoll__sock_accept(b->log, lfd, b->deadline_ns, &fd);
        if (st != FCOLL_OK)
            break;
        st = fcoll__sock_recv_all(b->log, fd, &h, sizeof(h), b->deadline_ns);
        if (st == FCOLL_OK && check_hello(b, &h) != FCOLL_OK) {
            close(fd);
            continue;
        }
        if (st == FCOLL_OK && (h.rank <= b->rank || !use[h.rank] || h.index < 0 ||
                               h.index >= nsock || fds[h.rank * nsock + h.index] >= 0)) {
            FCOLL__ERR(b->log, "mesh: unexpected connection from rank %d socket %d", h.rank,
                       h.index);
            st = FCOLL_ERR_PROTOCOL;
        }
        if (st != FCOLL_OK) {
            close(fd);
            break;
        }
        fds[h.rank * nsock + h.index] = fd;
        expect--;
    }
    if (st != FCOLL_OK)
        for (int i = 0; i < b->nranks * nsock; i++)
            if (fds[i] >= 0) {
                close(fds[i]);
                fds[i] = -1;
            }
    return st;
}

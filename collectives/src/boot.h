/* Bootstrap: the rendezvous store hosted by rank 0 (reached through the
 * unique id or MASTER_ADDR:MASTER_PORT), allgather through it, and the
 * all-to-all socket mesh used for liveness and by the tcp transport. */
#ifndef FCOLL_BOOT_H
#define FCOLL_BOOT_H

#include <sys/socket.h>

#include "internal.h"

typedef struct fcoll__boot {
    int rank, nranks;
    uint64_t nonce;       /* identifies the job: joins with another nonce fail */
    int *fds;             /* rank 0: socket to every rank; others: fds[0] to rank 0 */
    uint64_t deadline_ns; /* of the whole init */
    const fcoll__log_t *log;
} fcoll__boot_t;

/* rank 0 passes listen_fd >= 0 (adopted, closed by boot_close) or the
 * address to bind; others pass the address to connect to. */
fcoll_status_t fcoll__boot_open(fcoll__boot_t *b, int listen_fd,
                                const struct sockaddr_storage *addr, uint64_t nonce);
fcoll_status_t fcoll__boot_allgather(fcoll__boot_t *b, const void *mine, void *all, size_t len);
void fcoll__boot_close(fcoll__boot_t *b);

/* Opens nsock sockets to every peer p with use[p] (use[] must agree on all
 * ranks), listening on the local address lfd is bound to; addrs holds every
 * rank's listen address (FCOLL__ADDR_BYTES each). fds[p * nsock + k]. */
fcoll_status_t fcoll__boot_mesh(fcoll__boot_t *b, int lfd, const uint8_t *addrs, const uint8_t *use,
                                int nsock, int *fds);

#endif

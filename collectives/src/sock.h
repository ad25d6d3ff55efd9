/* Socket helpers for bootstrap and the tcp transport: address choice
 * (FCOLL_SOCKET_IFNAME), listen/connect/accept and whole-buffer transfers
 * that honour a deadline. */
#ifndef FCOLL_SOCK_H
#define FCOLL_SOCK_H

#include <stdint.h>
#include <stddef.h>
#include <sys/socket.h>

#include "internal.h"

#define FCOLL__ADDR_BYTES 32

/* Picks the local address to listen on from FCOLL_SOCKET_IFNAME (NCCL
 * syntax: "eth,ib" prefixes, "^docker" excludes, "=eth0" exact names).
 * Unset: the first up non-loopback IPv4 interface, else loopback. */
fcoll_status_t fcoll__sock_pick_addr(const fcoll__log_t *log, struct sockaddr_storage *out);

/* Does name match an FCOLL_SOCKET_IFNAME-style spec? (exported for tests) */
int fcoll__ifname_match(const char *spec, const char *name);

/* Listens on addr (port 0: any free port); *bound gets the real address. */
fcoll_status_t fcoll__sock_listen(const fcoll__log_t *log, const struct sockaddr_storage *addr,
                                  int *fd, struct sockaddr_storage *bound);
/* Connects, retrying refused connections until deadline_ns. */
fcoll_status_t fcoll__sock_connect(const fcoll__log_t *log, const struct sockaddr_storage *addr,
                                   uint64_t deadline_ns, int *fd);
fcoll_status_t fcoll__sock_accept(const fcoll__log_t *log, int lfd, uint64_t deadline_ns, int *fd);
fcoll_status_t fcoll__sock_send_all(const fcoll__log_t *log, int fd, const void *buf, size_t len,
                                    uint64_t deadline_ns);
fcoll_status_t fcoll__sock_recv_all(const fcoll__log_t *log, int fd, void *buf, size_t len,
                                    uint64_t deadline_ns);
void fcoll__sock_tune(int fd);
/* "1.2.3.4:5678" for logs. */
const char *fcoll__sock_str(const struct sockaddr_storage *a, char *buf, size_t cap);

#endif

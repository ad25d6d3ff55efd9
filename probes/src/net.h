/* TCP sockets with timeouts everywhere: a peer that is down, firewalled or
 * silent ends in an error, never a hang. */
#ifndef FPROBE_NET_H
#define FPROBE_NET_H

#include <stddef.h>

#define FPROBE_DEFAULT_PORT 18515

/* Connects to "HOST[:PORT]" within timeout_ms; the socket's reads and writes
 * then time out after io_timeout_ms. The fd, or -1 with why in err (not
 * logged: a failed probe is a result). */
int fprobe_connect(const char *hostport, int timeout_ms, int io_timeout_ms, char *err,
                   size_t err_size);
/* A listening socket on "[ADDR][:PORT]"; the fd, or -1 (logged). */
int fprobe_listen(const char *addrport);
/* Sets the read and write timeouts of fd (0: none). */
int fprobe_set_timeout(int fd, int ms);
/* Whole-buffer I/O: 0, or -1 with errno (EAGAIN: timed out; EPIPE: the
 * peer closed). Not logged: the caller knows what was being done. */
int fprobe_send_all(int fd, const void *buf, size_t len);
int fprobe_recv_all(int fd, void *buf, size_t len);
/* Splits "HOST[:PORT]" (IPv6 as [ADDR]:PORT); 0, or -1 when malformed. */
int fprobe_split_hostport(const char *hostport, char *host, size_t size, int *port);

#endif

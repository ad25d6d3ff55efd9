/* Running probes: the client side (fprobe_probe_run) and the server side of
 * one connection (fprobe_serve_conn). */
#ifndef FPROBE_PROBE_H
#define FPROBE_PROBE_H

#include "proto.h"

/* Where verbs probes run: device (NULL: the first), port, GID index (-1:
 * the first RoCE v2 GID, IPv4-mapped preferred). */
struct fprobe_ib_opts {
    const char *dev;
    int port;
    int gid_index;
};

/* Connect and I/O timeouts; bandwidth probes add their duration. */
#define FPROBE_CONNECT_MS 3000
#define FPROBE_IO_MS      10000

/* Runs req against target ("HOST[:PORT]"); res tells success or why not. */
void fprobe_probe_run(const struct fprobe_req *req, const char *target,
                      const struct fprobe_ib_opts *ib, struct fprobe_result *res);
/* Answers one request on fd, then closes it. */
void fprobe_serve_conn(int fd, const struct fprobe_ib_opts *ib);

/* The time a probe may take before it is given up: duration (or a latency
 * probe's allowance) plus the I/O timeout. */
int fprobe_probe_budget_ms(const struct fprobe_req *req);

/* The transports' two halves: 0, or -1 with res->error set. */
int fprobe_tcp_bw_client(int fd, const struct fprobe_req *req, struct fprobe_result *res);
int fprobe_tcp_bw_server(int fd, const struct fprobe_req *req, struct fprobe_result *res);
int fprobe_tcp_lat_client(int fd, const struct fprobe_req *req, struct fprobe_result *res);
int fprobe_tcp_lat_server(int fd, const struct fprobe_req *req, struct fprobe_result *res);
int fprobe_ib_client(int fd, const struct fprobe_req *req, const struct fprobe_ib_opts *ib,
                     struct fprobe_result *res);
int fprobe_ib_server(int fd, const struct fprobe_req *req, const struct fprobe_ib_opts *ib,
                     struct fprobe_result *res);

/* Latency percentiles of round-trip samples (halved) into res. */
int fprobe_lat_stats(uint64_t *rtt_ns, size_t n, struct fprobe_result *res);

#endif

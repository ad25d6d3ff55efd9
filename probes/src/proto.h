/* The probe protocol: a fixed-size request and result, big-endian, with a
 * magic and a version; every field is range-checked on receipt. */
#ifndef FPROBE_PROTO_H
#define FPROBE_PROTO_H

#include <stdint.h>

enum fprobe_kind {
    FPROBE_TCP_BW = 1,
    FPROBE_TCP_LAT = 2,
    FPROBE_IB_BW = 3,
    FPROBE_IB_LAT = 4,
    FPROBE_RELAY = 5, /* run relay_kind from the receiving host to target */
};

#define FPROBE_MAX_SIZE     (64u << 20)
#define FPROBE_MAX_DURATION 60000u
#define FPROBE_MAX_ITERS    10000000u
#define FPROBE_TARGET_LEN   128
#define FPROBE_REQ_BYTES    156
#define FPROBE_RES_BYTES    208

struct fprobe_req {
    uint32_t kind;
    uint32_t size;        /* message size in bytes */
    uint32_t duration_ms; /* bandwidth probes: how long to send */
    uint32_t iters;       /* latency probes: ping-pongs */
    uint32_t relay_kind;  /* FPROBE_RELAY only */
    char target[FPROBE_TARGET_LEN];
};

struct fprobe_result {
    int32_t status; /* 0, or -1 with error set */
    uint64_t bytes; /* bandwidth: bytes that arrived */
    uint64_t ns;    /* bandwidth: the time they took */
    uint64_t lat_p50_ns, lat_p99_ns, lat_min_ns;
    char error[160];
};

void fprobe_req_encode(const struct fprobe_req *req, unsigned char out[FPROBE_REQ_BYTES]);
/* 0, or -1 with why in err (the request is malformed). */
int fprobe_req_decode(struct fprobe_req *req, const unsigned char in[FPROBE_REQ_BYTES], char *err,
                      unsigned long err_size);
void fprobe_res_encode(const struct fprobe_result *res, unsigned char out[FPROBE_RES_BYTES]);
int fprobe_res_decode(struct fprobe_result *res, const unsigned char in[FPROBE_RES_BYTES]);
/* Sets res to an error with a message. */
void fprobe_res_fail(struct fprobe_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Bandwidth in MB/s (10^6 bytes), 0 when nothing was timed. */
double fprobe_res_mbps(const struct fprobe_result *res);
/* The command name of a kind ("bw", "lat", "ib-bw", "ib-lat"), and back
 * (0 for an unknown name). */
const char *fprobe_kind_name(uint32_t kind);
uint32_t fprobe_kind_parse(const char *name);

#endif

/* The probe protocol's encoding and validation. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

#define MAGIC   0x46505242u /* "FPRB" */
#define VERSION 1u

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (24 - 8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const unsigned char *p)
{
    return (uint64_t)get32(p) << 32 | get32(p + 4);
}

void fprobe_req_encode(const struct fprobe_req *req, unsigned char out[FPROBE_REQ_BYTES])
{
    memset(out, 0, FPROBE_REQ_BYTES);
    put32(out, MAGIC);
    put32(out + 4, VERSION);
    put32(out + 8, req->kind);
    put32(out + 12, req->size);
    put32(out + 16, req->duration_ms);
    put32(out + 20, req->iters);
    put32(out + 24, req->relay_kind);
    memcpy(out + 28, req->target, strnlen(req->target, FPROBE_TARGET_LEN - 1));
}

static int valid_kind(uint32_t kind)
{
    return kind >= FPROBE_TCP_BW && kind <= FPROBE_IB_LAT;
}

int fprobe_req_decode(struct fprobe_req *req, const unsigned char in[FPROBE_REQ_BYTES], char *err,
                      unsigned long err_size)
{
    memset(req, 0, sizeof(*req));
    const char *why = NULL;
    req->kind = get32(in + 8);
    req->size = get32(in + 12);
    req->duration_ms = get32(in + 16);
    req->iters = get32(in + 20);
    req->relay_kind = get32(in + 24);
    memcpy(req->target, in + 28, FPROBE_TARGET_LEN);
    if (get32(in) != MAGIC)
        why = "bad magic";
    else if (get32(in + 4) != VERSION)
        why = "unsupported version";
    else if (!valid_kind(req->kind) && req->kind != FPROBE_RELAY)
        why = "unknown probe kind";
    else if (req->kind == FPROBE_RELAY && !valid_kind(req->relay_kind))
        why = "unknown relayed probe kind";
    else if (req->size == 0 || req->size > FPROBE_MAX_SIZE)
        why = "size out of range (1 B .. 64 MiB)";
    else if (req->duration_ms == 0 || req->duration_ms > FPROBE_MAX_DURATION)
        why = "duration out of range (1 .. 60000 ms)";
    else if (req->iters == 0 || req->iters > FPROBE_MAX_ITERS)
        why = "iterations out of range (1 .. 10^7)";
    else if (req->target[FPROBE_TARGET_LEN - 1] != '\0')
        why = "target not terminated";
    else if (req->kind == FPROBE_RELAY && req->target[0] == '\0')
        why = "relay without a target";
    if (why != NULL)
        snprintf(err, err_size, "malformed request: %s", why);
    return why != NULL ? -1 : 0;
}

void fprobe_res_encode(const struct fprobe_result *res, unsigned char out[FPROBE_RES_BYTES])
{
    memset(out, 0, FPROBE_RES_BYTES);
    put32(out, MAGIC);
    put32(out + 4, (uint32_t)res->status);
    put64(out + 8, res->bytes);
    put64(out + 16, res->ns);
    put64(out + 24, res->lat_p50_ns);
    put64(out + 32, res->lat_p99_ns);
    put64(out + 40, res->lat_min_ns);
    memcpy(out + 48, res->error, strnlen(res->error, sizeof(res->error) - 1));
}

int fprobe_res_decode(struct fprobe_result *res, const unsigned char in[FPROBE_RES_BYTES])
{
    memset(res, 0, sizeof(*res));
    if (get32(in) != MAGIC) {
        fprobe_res_fail(res, "malformed result from the peer");
        return -1;
    }
    res->status = (int32_t)get32(in + 4);
    res->bytes = get64(in + 8);
    res->ns = get64(in + 16);
    res->lat_p50_ns = get64(in + 24);
    res->lat_p99_ns = get64(in + 32);
    res->lat_min_ns = get64(in + 40);
    memcpy(res->error, in + 48, sizeof(res->error) - 1);
    return 0;
}

void fprobe_res_fail(struct fprobe_result *res, const char *fmt, ...)
{
    res->status = -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->error, sizeof(res->error), fmt, ap);
    va_end(ap);
}

double fprobe_res_mbps(const struct fprobe_result *res)
{
    return res->ns == 0 ? 0.0 : (double)res->bytes * 1e3 / (double)res->ns;
}

uint32_t fprobe_kind_parse(const char *name)
{
    for (uint32_t k = FPROBE_TCP_BW; k <= FPROBE_IB_LAT; k++)
        if (strcmp(fprobe_kind_name(k), name) == 0)
            return k;
    return 0;
}

const char *fprobe_kind_name(uint32_t kind)
{
    switch (kind) {
    case FPROBE_TCP_BW:
        return "bw";
    case FPROBE_TCP_LAT:
        return "lat";
    case FPROBE_IB_BW:
        return "ib-bw";
    case FPROBE_IB_LAT:
        return "ib-lat";
    case FPROBE_RELAY:
        return "relay";
    default:
        return "unknown";
    }
}

/*
 * Verifiable data for fcoll-perf -c: inputs chosen so that every result is
 * exact in every type, whatever order the library reduces in, so results
 * are compared bit for bit.
 *  - sum:  small integers 0..4; partial sums stay integers <= 4n, exact in
 *          bf16 up to 64 ranks and in every wider type far beyond.
 *  - prod: 1 or 2; products are powers of two, exact until they overflow to
 *          inf (fp16 from 2^16), which happens at the same point in any order;
 *          integers wrap modulo 2^bits as the API defines.
 *  - avg:  (i mod 3) + e(rank) with the e(rank) summing to n, so the sum is a
 *          multiple of n and the quotient (i mod 3) + 1 is exact.
 *  - min, max and data movement: (37 rank + i) mod 101, distinct per rank.
 * Expected reductions are computed in uint64 (integers, wrapping like the
 * library) or double (floats, exact for these inputs) and then stored.
 */
#include "perf.h"

#include <stdint.h>
#include <string.h>

static double value(int pattern, int rank, int nranks, size_t i)
{
    switch (pattern) {
    case FCOLL_SUM:
        return (double)((i * 7 + (size_t)rank * 3) % 5);
    case FCOLL_PROD:
        return (double)(1 + (i + (size_t)rank) % 2);
    case FCOLL_AVG: {
        /* Even ranks give 2, odd ranks 0; an unpaired last rank gives 1. */
        int e = (rank == nranks - 1 && nranks % 2) ? 1 : (rank % 2 ? 0 : 2);
        return (double)(i % 3) + e;
    }
    default:
        return (double)(((size_t)rank * 37 + i) % 101);
    }
}

/* IEEE binary16 from float, round to nearest even, subnormals included. */
static uint16_t half_from_float(float f)
{
    uint32_t x, mant;
    int exp;
    uint16_t sign;

    memcpy(&x, &f, sizeof(x));
    sign = (uint16_t)((x >> 16) & 0x8000);
    exp = (int)((x >> 23) & 0xff);
    mant = x & 0x7fffff;
    if (exp == 0xff)
        return sign | 0x7c00 | (mant ? 0x200 : 0);
    exp = exp - 127 + 15;
    if (exp >= 31)
        return sign | 0x7c00;
    if (exp <= 0) {
        if (exp < -10)
            return sign;
        mant |= 0x800000;
    }
    /* Bits to drop: 13 for normals, more for subnormals. */
    int shift = exp <= 0 ? 14 - exp : 13;
    uint32_t h = mant >> shift, rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (exp > 0)
        h = ((uint32_t)exp << 10) | (h & 0x3ff);
    if (rem > half || (rem == half && (h & 1)))
        h++; /* a carry into the exponent is still the right value (or inf) */
    return sign | (uint16_t)h;
}

static uint16_t bf16_from_float(float f)
{
    uint32_t x;
    memcpy(&x, &f, sizeof(x));
    if ((x & 0x7fffffff) > 0x7f800000)
        return (uint16_t)((x >> 16) | 0x40);
    return (uint16_t)((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

static int is_float(fcoll_dtype_t t)
{
    return t == FCOLL_FLOAT16 || t == FCOLL_BFLOAT16 || t == FCOLL_FLOAT32 || t == FCOLL_FLOAT64;
}

static int is_signed_int(fcoll_dtype_t t)
{
    return t == FCOLL_INT8 || t == FCOLL_INT32 || t == FCOLL_INT64;
}

static void store_float(void *buf, size_t k, fcoll_dtype_t t, double v)
{
    char *p = (char *)buf + k * fcoll_dtype_size(t);
    float f = (float)v;
    uint16_t h;

    switch (t) {
    case FCOLL_FLOAT16:
        h = half_from_float(f);
        memcpy(p, &h, 2);
        break;
    case FCOLL_BFLOAT16:
        h = bf16_from_float(f);
        memcpy(p, &h, 2);
        break;
    case FCOLL_FLOAT32:
        memcpy(p, &f, 4);
        break;
    default:
        memcpy(p, &v, 8);
        break;
    }
}

/* Integers as two's complement of the type's width: the low bytes of a
 * little-endian uint64 (this tool runs on x86-64 and aarch64 Linux). */
static void store_int(void *buf, size_t k, fcoll_dtype_t t, uint64_t v)
{
    size_t size = fcoll_dtype_size(t);
    memcpy((char *)buf + k * size, &v, size);
}

void perf_fill(void *buf, size_t n, fcoll_dtype_t type, int pattern, int rank, int nranks,
               size_t first)
{
    for (size_t k = 0; k < n; k++) {
        double v = value(pattern, rank, nranks, first + k);
        if (is_float(type))
            store_float(buf, k, type, v);
        else
            store_int(buf, k, type, (uint64_t)v);
    }
}

/* The integer average: the wrapped sum read back in the type's width and
 * signedness, divided with truncation toward zero, as fcoll.h defines it. */
static uint64_t int_average(uint64_t sum, fcoll_dtype_t t, int nranks)
{
    unsigned bits = 8 * (unsigned)fcoll_dtype_size(t);
    uint64_t mask = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;

    sum &= mask;
    if (is_signed_int(t)) {
        int64_t s = (int64_t)sum;
        if (bits < 64 && (sum >> (bits - 1)))
            s = (int64_t)(sum | ~mask); /* sign-extend */
        return (uint64_t)(s / nranks);
    }
    return sum / (uint64_t)nranks;
}

void perf_fill_reduced(void *buf, size_t n, fcoll_dtype_t type, fcoll_op_t op, int nranks,
                       size_t first)
{
    for (size_t k = 0; k < n; k++) {
        double acc = value(op, 0, nranks, first + k);
        uint64_t iacc = (uint64_t)acc;
        for (int r = 1; r < nranks; r++) {
            double v = value(op, r, nranks, first + k);
            switch (op) {
            case FCOLL_PROD:
                acc *= v;
                iacc *= (uint64_t)v;
                break;
            case FCOLL_MIN:
                acc = v < acc ? v : acc;
                break;
            case FCOLL_MAX:
                acc = v > acc ? v : acc;
                break;
            default: /* sum, avg */
                acc += v;
                iacc += (uint64_t)v;
                break;
            }
        }
        if (op == FCOLL_MIN || op == FCOLL_MAX)
            iacc = (uint64_t)acc;
        if (is_float(type))
            store_float(buf, k, type, op == FCOLL_AVG ? acc / nranks : acc);
        else
            store_int(buf, k, type, op == FCOLL_AVG ? int_average(iacc, type, nranks) : iacc);
    }
}

size_t perf_count_wrong(const void *got, const void *want, size_t n, fcoll_dtype_t type)
{
    size_t size = fcoll_dtype_size(type), wrong = 0;

    for (size_t k = 0; k < n; k++)
        wrong += memcmp((const char *)got + k * size, (const char *)want + k * size, size) != 0;
    return wrong;
}

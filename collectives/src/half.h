/* fp16 and bf16 <-> float conversions, branch-free so that loops over them
 * vectorise, rounding to nearest even. Shared by the reduction kernels and
 * the tests. */
#ifndef FCOLL_HALF_H
#define FCOLL_HALF_H

#include <stdint.h>
#include <string.h>

static inline uint32_t fcoll__f2u(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static inline float fcoll__u2f(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static inline float fcoll__half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t em = h & 0x7fffu;
    /* Shifted into place, em reads as the value times 2^-112 (subnormals
     * included); the multiply restores the scale exactly. */
    uint32_t r = fcoll__f2u(fcoll__u2f(em << 13) * 0x1p112f);
    uint32_t special = (em << 13) | 0x7f800000u; /* inf, nan */
    r = em >= 0x7c00u ? special : r;
    return fcoll__u2f(r | sign);
}

static inline uint16_t fcoll__float_to_half(float f)
{
    uint32_t u = fcoll__f2u(f);
    uint32_t sign = u & 0x80000000u;
    u ^= sign;
    /* too big: inf, nan stays a (quiet) nan */
    uint32_t big = u > 0x7f800000u ? 0x7e00u : 0x7c00u;
    /* subnormal or zero: let the FPU round by adding a magic number */
    const uint32_t magic = (127u - 15u + 23u - 10u + 1u) << 23;
    uint32_t sub = fcoll__f2u(fcoll__u2f(u) + fcoll__u2f(magic)) - magic;
    /* normal: rebias, round to nearest even on the 13 dropped bits */
    uint32_t odd = (u >> 13) & 1u;
    uint32_t norm = (u + ((uint32_t)(15 - 127) << 23) + 0xfffu + odd) >> 13;
    uint32_t r = u >= (143u << 23) ? big : u < (113u << 23) ? sub : norm;
    return (uint16_t)(r | (sign >> 16));
}

static inline float fcoll__bf16_to_float(uint16_t b)
{
    return fcoll__u2f((uint32_t)b << 16);
}

static inline uint16_t fcoll__float_to_bf16(float f)
{
    uint32_t u = fcoll__f2u(f);
    uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    uint32_t nan = (u >> 16) | 0x40u;
    return (uint16_t)((u & 0x7fffffffu) > 0x7f800000u ? nan : rounded);
}

#endif

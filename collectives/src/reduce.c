/* Reduction kernels: one plain loop per (type, op) that the compiler
 * vectorises (this file is built with -O3; check with -fopt-info-vec).
 * Integer sums and products wrap, computed in the unsigned twin type so that
 * overflow is defined. fp16 and bf16 go through float and round to nearest
 * even after every pairwise step. */
#include "half.h"
#include "internal.h"

#define SUM(a, b)  ((a) + (b))
#define PROD(a, b) ((a) * (b))
#define MIN(a, b)  ((b) < (a) ? (b) : (a))
#define MAX(a, b)  ((b) > (a) ? (b) : (a))

/* Each kernel is also built for AVX2 and picked at load time (ifunc):
 * twice the vector width, and the 64-bit compares and multiplies that
 * baseline x86-64 (SSE2) cannot vectorise. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define FCOLL__CLONES __attribute__((target_clones("avx2", "default")))
#else
#define FCOLL__CLONES
#endif

/* T: element type, U: type the arithmetic runs in. restrict is not used:
 * dst may be a (in place). */
#define KERNEL(name, T, U, OP)                                                                     \
    FCOLL__CLONES static void name(void *dst, const void *a, const void *b, size_t n)              \
    {                                                                                              \
        T *d = dst;                                                                                \
        const T *x = a, *y = b;                                                                    \
        for (size_t i = 0; i < n; i++)                                                             \
            d[i] = (T)OP((U)x[i], (U)y[i]);                                                        \
    }

#define INT_KERNELS(tn, T, U)                                                                      \
    KERNEL(sum_##tn, T, U, SUM)                                                                    \
    KERNEL(prod_##tn, T, U, PROD)                                                                  \
    KERNEL(min_##tn, T, T, MIN)                                                                    \
    KERNEL(max_##tn, T, T, MAX)

INT_KERNELS(i8, int8_t, uint8_t)
INT_KERNELS(u8, uint8_t, uint32_t)
INT_KERNELS(i32, int32_t, uint32_t)
INT_KERNELS(u32, uint32_t, uint32_t)
INT_KERNELS(i64, int64_t, uint64_t)
INT_KERNELS(u64, uint64_t, uint64_t)
INT_KERNELS(f32, float, float)
INT_KERNELS(f64, double, double)

#define HALF_KERNEL(name, TO_F, FROM_F, OP)                                                        \
    FCOLL__CLONES static void name(void *dst, const void *a, const void *b, size_t n)              \
    {                                                                                              \
        uint16_t *d = dst;                                                                         \
        const uint16_t *x = a, *y = b;                                                             \
        for (size_t i = 0; i < n; i++)                                                             \
            d[i] = FROM_F(OP(TO_F(x[i]), TO_F(y[i])));                                             \
    }

#define HALF_KERNELS(tn, TO_F, FROM_F)                                                             \
    HALF_KERNEL(sum_##tn, TO_F, FROM_F, SUM)                                                       \
    HALF_KERNEL(prod_##tn, TO_F, FROM_F, PROD)                                                     \
    HALF_KERNEL(min_##tn, TO_F, FROM_F, MIN)                                                       \
    HALF_KERNEL(max_##tn, TO_F, FROM_F, MAX)

HALF_KERNELS(f16, fcoll__half_to_float, fcoll__float_to_half)
HALF_KERNELS(bf16, fcoll__bf16_to_float, fcoll__float_to_bf16)

#define ROW(tn)                                                                                    \
    {                                                                                              \
        sum_##tn, prod_##tn, min_##tn, max_##tn, sum_##tn                                          \
    }

/* AVG moves as a sum; fcoll__avg_finish divides at the end. */
static const fcoll__reduce_fn kernels[FCOLL_NUM_DTYPES][FCOLL_NUM_OPS] = {
    [FCOLL_INT8] = ROW(i8),     [FCOLL_UINT8] = ROW(u8),      [FCOLL_INT32] = ROW(i32),
    [FCOLL_UINT32] = ROW(u32),  [FCOLL_INT64] = ROW(i64),     [FCOLL_UINT64] = ROW(u64),
    [FCOLL_FLOAT16] = ROW(f16), [FCOLL_BFLOAT16] = ROW(bf16), [FCOLL_FLOAT32] = ROW(f32),
    [FCOLL_FLOAT64] = ROW(f64),
};

fcoll__reduce_fn fcoll__reduce_kernel(fcoll_dtype_t dtype, fcoll_op_t op)
{
    if ((unsigned)dtype >= FCOLL_NUM_DTYPES || (unsigned)op >= FCOLL_NUM_OPS)
        return NULL;
    return kernels[dtype][op];
}

#define DIV_LOOP(T, buf, count, n)                                                                 \
    do {                                                                                           \
        T *v = (buf);                                                                              \
        for (size_t i = 0; i < (count); i++)                                                       \
            v[i] = (T)(v[i] / (T)(n));                                                             \
    } while (0)

#define HALF_DIV_LOOP(buf, count, n, TO_F, FROM_F)                                                 \
    do {                                                                                           \
        uint16_t *v = (buf);                                                                       \
        for (size_t i = 0; i < (count); i++)                                                       \
            v[i] = FROM_F(TO_F(v[i]) / (float)(n));                                                \
    } while (0)

void fcoll__avg_finish(void *buf, size_t count, fcoll_dtype_t dtype, int nranks)
{
    switch (dtype) {
    case FCOLL_INT8:
        DIV_LOOP(int8_t, buf, count, nranks);
        break;
    case FCOLL_UINT8:
        DIV_LOOP(uint8_t, buf, count, nranks);
        break;
    case FCOLL_INT32:
        DIV_LOOP(int32_t, buf, count, nranks);
        break;
    case FCOLL_UINT32:
        DIV_LOOP(uint32_t, buf, count, nranks);
        break;
    case FCOLL_INT64:
        DIV_LOOP(int64_t, buf, count, nranks);
        break;
    case FCOLL_UINT64:
        DIV_LOOP(uint64_t, buf, count, nranks);
        break;
    case FCOLL_FLOAT16:
        HALF_DIV_LOOP(buf, count, nranks, fcoll__half_to_float, fcoll__float_to_half);
        break;
    case FCOLL_BFLOAT16:
        HALF_DIV_LOOP(buf, count, nranks, fcoll__bf16_to_float, fcoll__float_to_bf16);
        break;
    case FCOLL_FLOAT32:
        DIV_LOOP(float, buf, count, nranks);
        break;
    case FCOLL_FLOAT64:
        DIV_LOOP(double, buf, count, nranks);
        break;
    case FCOLL_NUM_DTYPES:
        break;
    }
}

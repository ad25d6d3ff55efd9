/* A copy for results nobody reads soon: non-temporal stores write whole
 * lines to memory without first reading them into the cache (a plain store
 * to a line not cached reads it: a third of a large copy's memory traffic)
 * and without evicting data that is still in use. */
#include <stdint.h>
#include <string.h>

#include "internal.h"

#if defined(__x86_64__)
#include <emmintrin.h>

void fcoll__copy_stream(void *dst, const void *src, size_t n)
{
    char *d = dst;
    const char *s = src;
    /* Streaming stores need 16-byte aligned destinations. */
    size_t head = (16 - ((uintptr_t)d & 15)) & 15;
    if (head > n)
        head = n;
    memcpy(d, s, head);
    d += head;
    s += head;
    n -= head;
    for (; n >= 64; n -= 64, d += 64, s += 64) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)s);
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + 16));
        __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(s + 32));
        __m128i e = _mm_loadu_si128((const __m128i *)(const void *)(s + 48));
        _mm_stream_si128((__m128i *)(void *)d, a);
        _mm_stream_si128((__m128i *)(void *)(d + 16), b);
        _mm_stream_si128((__m128i *)(void *)(d + 32), c);
        _mm_stream_si128((__m128i *)(void *)(d + 48), e);
    }
    memcpy(d, s, n);
}

void fcoll__copy_stream_fence(void)
{
    /* Streaming stores are weakly ordered: without this, a later store
     * (the completion a peer waits for) could become visible first. */
    _mm_sfence();
}
#else
void fcoll__copy_stream(void *dst, const void *src, size_t n)
{
    memcpy(dst, src, n);
}

void fcoll__copy_stream_fence(void)
{
}
#endif

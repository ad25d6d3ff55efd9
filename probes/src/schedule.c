/* The circle method: host 0 (or the bye, for odd n) stays put while the
 * others rotate; position i meets position m-1-i. */
#include "schedule.h"

size_t fprobe_schedule_steps(size_t n)
{
    if (n < 2)
        return 0;
    return n % 2 == 0 ? n - 1 : n;
}

size_t fprobe_schedule_step(size_t n, size_t s, size_t (*pairs)[2])
{
    size_t m = n % 2 == 0 ? n : n + 1; /* slot m-1 is the bye for odd n */
    size_t count = 0;
    for (size_t i = 0; i < m / 2; i++) {
        /* Slot 0 is fixed; slots 1..m-1 hold hosts rotated by s. */
        size_t a = i == 0 ? 0 : 1 + (i - 1 + s) % (m - 1);
        size_t b = 1 + (m - 2 - i + s) % (m - 1);
        if (a >= n || b >= n)
            continue; /* the bye */
        pairs[count][0] = a < b ? a : b;
        pairs[count][1] = a < b ? b : a;
        count++;
    }
    return count;
}

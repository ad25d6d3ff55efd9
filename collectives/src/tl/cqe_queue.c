/* The queue of completions a transport has produced and poll has not
 * handed out yet, shared by the transports. */
#include <stdlib.h>
#include <string.h>

#include "tl/tl.h"

fcoll_status_t fcoll__cqe_queue_push(fcoll__cqe_queue_t *q, fcoll__cqe_t e)
{
    if (q->n == q->cap) {
        int cap = q->cap ? 2 * q->cap : 64;
        fcoll__cqe_t *bigger = realloc(q->e, sizeof(*bigger) * (size_t)cap);
        if (bigger == NULL)
            return FCOLL_ERR_NO_MEMORY;
        q->e = bigger;
        q->cap = cap;
    }
    q->e[q->n++] = e;
    return FCOLL_OK;
}

int fcoll__cqe_queue_take(fcoll__cqe_queue_t *q, fcoll__cqe_t *out, int max)
{
    int k = q->n < max ? q->n : max;
    if (k > 0) {
        memcpy(out, q->e, sizeof(*out) * (size_t)k);
        memmove(q->e, q->e + k, sizeof(*out) * (size_t)(q->n - k));
        q->n -= k;
    }
    return k;
}

void fcoll__cqe_queue_free(fcoll__cqe_queue_t *q)
{
    free(q->e);
    *q = (fcoll__cqe_queue_t){0};
}

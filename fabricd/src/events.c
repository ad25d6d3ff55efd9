/* The event ring: the newest max_events events in memory (and on disk, see
 * store.c), and long polling for new ones. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core_int.h"

void fabd__event_push_locked(fabd_core *core, const fabd_event *ev)
{
    size_t slot = (core->ev_start + core->ev_count) % core->ev_cap;
    if (core->ev_count == core->ev_cap)
        core->ev_start = (core->ev_start + 1) % core->ev_cap; /* drop the oldest */
    else
        core->ev_count++;
    core->events[slot] = *ev;
    if (ev->id >= core->next_event_id)
        core->next_event_id = ev->id + 1;
}

void fabd__event_emit(fabd_core *core, fabd_event *ev)
{
    ev->time = fabd__now();
    pthread_mutex_lock(&core->lock);
    ev->id = core->next_event_id;
    fabd__event_push_locked(core, ev);
    fabd__store_append_event(core, ev);
    pthread_cond_broadcast(&core->cond);
    pthread_mutex_unlock(&core->lock);
    /* INFO: an event that reports an error (sweep_failed) was logged as
     * an error where it started. */
    fabd__log(core, FTOPO_LOG_INFO, "event %llu %s: %s", (unsigned long long)ev->id,
              fabd_event_type_str(ev->type), ev->message);
}

void fabd__event_emitf(fabd_core *core, fabd_event_type type, double value, const char *fmt, ...)
{
    fabd_event ev = {.type = type, .value = value};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev.message, sizeof(ev.message), fmt, ap);
    va_end(ap);
    fabd__event_emit(core, &ev);
}

void fabd__event_queue(fabd_core *core, const fabd_event *ev)
{
    fabd__worker *w = &core->w;
    if (w->num_pending == w->cap_pending) {
        size_t cap = w->cap_pending ? 2 * w->cap_pending : 16;
        fabd_event *p = realloc(w->pending, cap * sizeof(*p));
        if (!p) {
            fabd_event now = *ev; /* rather early than lost */
            fabd__event_emit(core, &now);
            return;
        }
        w->pending = p;
        w->cap_pending = cap;
    }
    w->pending[w->num_pending++] = *ev;
}

void fabd__event_queuef(fabd_core *core, fabd_event_type type, double value, const char *fmt, ...)
{
    fabd_event ev = {.type = type, .value = value};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev.message, sizeof(ev.message), fmt, ap);
    va_end(ap);
    fabd__event_queue(core, &ev);
}

void fabd__events_flush(fabd_core *core)
{
    fabd__worker *w = &core->w;
    for (size_t i = 0; i < w->num_pending; i++)
        fabd__event_emit(core, &w->pending[i]);
    w->num_pending = 0;
}

/* Events with id > since_id, at most max, copied out. Lock held. */
static ftopo_status copy_since(fabd_core *core, uint64_t since_id, size_t max, fabd_event **out,
                               size_t *count)
{
    size_t first = 0;
    while (first < core->ev_count &&
           core->events[(core->ev_start + first) % core->ev_cap].id <= since_id)
        first++;
    size_t n = core->ev_count - first;
    if (n > max)
        n = max;
    if (n == 0)
        return FTOPO_OK;
    fabd_event *evs = malloc(n * sizeof(*evs));
    if (!evs)
        return FTOPO_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        evs[i] = core->events[(core->ev_start + first + i) % core->ev_cap];
    *out = evs;
    *count = n;
    return FTOPO_OK;
}

ftopo_status fabd_core_events(fabd_core *core, uint64_t since_id, size_t max, int timeout_ms,
                              fabd_event **out, size_t *count, uint64_t *latest_id)
{
    *out = NULL;
    *count = 0;
    if (max == 0)
        return FTOPO_ERR_ARG;
    struct timespec until;
    if (timeout_ms > 0) {
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&core->lock);
    /* The newest id is next_event_id - 1; wait only while nothing is newer
     * than since_id. */
    while (timeout_ms > 0 && core->next_event_id - 1 <= since_id && !core->stop)
        if (pthread_cond_timedwait(&core->cond, &core->lock, &until) == ETIMEDOUT)
            break;
    ftopo_status st = copy_since(core, since_id, max, out, count);
    if (latest_id)
        *latest_id = core->next_event_id - 1;
    pthread_mutex_unlock(&core->lock);
    return st;
}

/* Reply bodies built once and shared: a snapshot is immutable, so the
 * links reply (and the topology in each format, which depends on the
 * fabric alone and so lives as long as the topology) is the same for every
 * request on it. The first request builds a body under the cache's lock,
 * requests meanwhile wait for it, later ones only copy it. */
#include <stdlib.h>

#include "core_int.h"

void fabd__cache_init(fabd__cache *cache)
{
    pthread_mutex_init(&cache->lock, NULL);
    for (size_t i = 0; i < FABD_CACHE_SLOTS; i++) {
        cache->data[i] = NULL;
        cache->len[i] = 0;
    }
}

void fabd__cache_free(fabd__cache *cache)
{
    for (size_t i = 0; i < FABD_CACHE_SLOTS; i++)
        free(cache->data[i]);
    pthread_mutex_destroy(&cache->lock);
}

static fabd__cache *cache_of(const fabd_snapshot *snap, fabd_cache_slot slot)
{
    return slot < FABD_CACHE_TOPOLOGY_SLOTS ? &snap->priv->topo->cache : &snap->priv->cache;
}

ftopo_status fabd_snapshot_cached(const fabd_snapshot *snap, fabd_cache_slot slot,
                                  fabd_cache_build_fn build, void *ctx, const char **data,
                                  size_t *len, ftopo_diag *diag)
{
    *data = NULL;
    *len = 0;
    if ((unsigned)slot >= FABD_CACHE_SLOTS)
        return fabd__fail(diag, FTOPO_ERR_ARG, "no reply cache slot %d", (int)slot);
    fabd__cache *cache = cache_of(snap, slot);
    ftopo_status st = FTOPO_OK;
    pthread_mutex_lock(&cache->lock);
    if (!cache->data[slot]) {
        char *buf = NULL;
        size_t n = 0;
        FILE *out = open_memstream(&buf, &n);
        st = out ? build(snap, ctx, out, diag) : fabd__fail(diag, FTOPO_ERR_NOMEM, "out of memory");
        if (out && fclose(out) != 0 && st == FTOPO_OK)
            st = fabd__fail(diag, FTOPO_ERR_NOMEM, "out of memory");
        if (st == FTOPO_OK) {
            cache->data[slot] = buf;
            cache->len[slot] = n;
        } else {
            free(buf); /* a failure is not kept: the next request tries again */
        }
    }
    *data = cache->data[slot];
    *len = cache->len[slot];
    pthread_mutex_unlock(&cache->lock);
    return st;
}

/* Open addressing with linear probing; no deletion is ever needed because
 * the model only grows until it is destroyed. */
#include <stdlib.h>

#include "idmap.h"

/* Keys are GUIDs (vendor OUI in the high bits, serials in the low ones),
 * LIDs and FNV hashes: mix them so linear probing stays short. */
static size_t slot_of(uint64_t key, size_t cap)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    key *= 0xc4ceb9fe1a85ec53ULL;
    key ^= key >> 33;
    return (size_t)key & (cap - 1);
}

void ftopo__idmap_free(ftopo__idmap *map)
{
    free(map->slots);
    map->slots = NULL;
    map->cap = map->used = 0;
}

static void put(ftopo__idmap_slot *slots, size_t cap, uint64_t key, int64_t value)
{
    size_t i = slot_of(key, cap);
    while (slots[i].value >= 0)
        i = (i + 1) & (cap - 1);
    slots[i].key = key;
    slots[i].value = value;
}

static bool grow(ftopo__idmap *map)
{
    size_t cap = map->cap ? map->cap * 2 : 64;
    ftopo__idmap_slot *slots = malloc(cap * sizeof(*slots));
    if (!slots)
        return false;
    for (size_t i = 0; i < cap; i++)
        slots[i].value = -1;
    for (size_t i = 0; i < map->cap; i++)
        if (map->slots[i].value >= 0)
            put(slots, cap, map->slots[i].key, map->slots[i].value);
    free(map->slots);
    map->slots = slots;
    map->cap = cap;
    return true;
}

bool ftopo__idmap_add(ftopo__idmap *map, uint64_t key, int64_t value)
{
    /* Keep the load under one half. */
    if ((map->used + 1) * 2 > map->cap && !grow(map))
        return false;
    put(map->slots, map->cap, key, value);
    map->used++;
    return true;
}

int64_t ftopo__idmap_find_next(const ftopo__idmap *map, uint64_t key, size_t *cursor)
{
    if (map->cap == 0)
        return -1;
    size_t start = slot_of(key, map->cap);
    for (size_t step = *cursor; step < map->cap; step++) {
        const ftopo__idmap_slot *s = &map->slots[(start + step) & (map->cap - 1)];
        if (s->value < 0)
            break;
        if (s->key == key) {
            *cursor = step + 1;
            return s->value;
        }
    }
    *cursor = map->cap;
    return -1;
}

int64_t ftopo__idmap_find(const ftopo__idmap *map, uint64_t key)
{
    size_t cursor = 0;
    return ftopo__idmap_find_next(map, key, &cursor);
}

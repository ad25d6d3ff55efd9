/* An open-addressing hash map from 64-bit keys to 64-bit values, the index
 * behind every lookup of the fabric model (GUID, LID, description, host
 * name). Several entries may share a key: find_next walks them. */
#ifndef FTOPO_IDMAP_H
#define FTOPO_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ftopo__idmap_slot {
    uint64_t key;
    int64_t value; /* -1: empty slot */
} ftopo__idmap_slot;

typedef struct ftopo__idmap {
    ftopo__idmap_slot *slots;
    size_t cap; /* a power of two, or 0 */
    size_t used;
} ftopo__idmap;

void ftopo__idmap_free(ftopo__idmap *map);
/* Adds an entry (value >= 0); false when out of memory. */
bool ftopo__idmap_add(ftopo__idmap *map, uint64_t key, int64_t value);
/* Walks the values stored under `key`: start with *cursor = 0; returns -1
 * when there are no more. */
int64_t ftopo__idmap_find_next(const ftopo__idmap *map, uint64_t key, size_t *cursor);
/* The first value stored under `key`, or -1. */
int64_t ftopo__idmap_find(const ftopo__idmap *map, uint64_t key);

#endif

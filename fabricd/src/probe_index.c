/* Open addressing with linear probing; the table doubles at half full. */
#include "probe_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t fabd__hash_str(uint64_t h, const char *s)
{
    do {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    } while (*s++);
    return h;
}

static void put(struct fabd__islot *slot, size_t cap, uint64_t hash, size_t pos)
{
    size_t i = (size_t)hash & (cap - 1);
    while (slot[i].pos != SIZE_MAX)
        i = (i + 1) & (cap - 1);
    slot[i] = (struct fabd__islot){hash, pos};
}

int fabd__index_add(fabd__index *ix, uint64_t hash, size_t pos)
{
    if (2 * (ix->used + 1) > ix->cap) {
        size_t cap = ix->cap ? 2 * ix->cap : 64;
        struct fabd__islot *slot = malloc(cap * sizeof(*slot));
        if (!slot)
            return -1;
        for (size_t i = 0; i < cap; i++)
            slot[i].pos = SIZE_MAX;
        for (size_t i = 0; i < ix->cap; i++)
            if (ix->slot[i].pos != SIZE_MAX)
                put(slot, cap, ix->slot[i].hash, ix->slot[i].pos);
        free(ix->slot);
        ix->slot = slot;
        ix->cap = cap;
    }
    put(ix->slot, ix->cap, hash, pos);
    ix->used++;
    return 0;
}

size_t fabd__index_next(const fabd__index *ix, uint64_t hash, size_t *cursor)
{
    for (; *cursor < ix->cap; (*cursor)++) {
        const struct fabd__islot *s = &ix->slot[((size_t)hash + *cursor) & (ix->cap - 1)];
        if (s->pos == SIZE_MAX)
            break;
        if (s->hash == hash) {
            (*cursor)++;
            return s->pos;
        }
    }
    *cursor = ix->cap; /* an empty slot ends the run */
    return SIZE_MAX;
}

void fabd__index_free(fabd__index *ix)
{
    free(ix->slot);
    *ix = (fabd__index){0};
}

size_t fabd__nameset_find(const fabd__nameset *s, const char *name)
{
    uint64_t h = fabd__hash_str(FABD__HASH_SEED, name);
    size_t pos;
    for (size_t c = 0; (pos = fabd__index_next(&s->ix, h, &c)) != SIZE_MAX;)
        if (!strcmp(s->v[pos], name))
            return pos;
    return SIZE_MAX;
}

size_t fabd__nameset_add(fabd__nameset *s, const char *name)
{
    size_t pos = fabd__nameset_find(s, name);
    if (pos != SIZE_MAX)
        return pos;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        char(*v)[FABD__NAME_MAX] = realloc(s->v, cap * sizeof(*v));
        if (!v)
            return SIZE_MAX;
        s->v = v;
        s->cap = cap;
    }
    if (fabd__index_add(&s->ix, fabd__hash_str(FABD__HASH_SEED, name), s->n) != 0)
        return SIZE_MAX;
    snprintf(s->v[s->n], FABD__NAME_MAX, "%s", name);
    return s->n++;
}

int fabd__nameset_reindex(fabd__nameset *s)
{
    fabd__index_free(&s->ix);
    for (size_t i = 0; i < s->n; i++)
        if (fabd__index_add(&s->ix, fabd__hash_str(FABD__HASH_SEED, s->v[i]), i) != 0)
            return -1;
    return 0;
}

void fabd__nameset_free(fabd__nameset *s)
{
    free(s->v);
    fabd__index_free(&s->ix);
    *s = (fabd__nameset){0};
}

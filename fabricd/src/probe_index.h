/* A hash index from keys to positions in an array the caller keeps (the
 * probe store's hosts, pairs and names, a matrix's names), so that a
 * lookup does not walk the array: with thousands of hosts and tens of
 * thousands of pairs a walk per result made one request take seconds
 * under the store's lock. Entries are never removed; the caller hashes
 * its key and compares the candidates (stale ones included) itself. */
#ifndef FABD_PROBE_INDEX_H
#define FABD_PROBE_INDEX_H

#include <stddef.h>
#include <stdint.h>

typedef struct fabd__index {
    struct fabd__islot {
        uint64_t hash;
        size_t pos; /* SIZE_MAX: empty */
    } * slot;
    size_t cap, used;
} fabd__index;

#define FABD__HASH_SEED 14695981039346656037ull

/* h extended by the bytes of s and its NUL (FNV-1a). */
uint64_t fabd__hash_str(uint64_t h, const char *s);
/* 0, or -1 out of memory (the index is unchanged). */
int fabd__index_add(fabd__index *ix, uint64_t hash, size_t pos);
/* The positions added with hash, one per call: *cursor starts at 0;
 * SIZE_MAX when there are no more. */
size_t fabd__index_next(const fabd__index *ix, uint64_t hash, size_t *cursor);
void fabd__index_free(fabd__index *ix);

/* Distinct names in the order they came, with their index. */
#define FABD__NAME_MAX 64 /* FABD_PROBE_NAME_MAX */
typedef struct fabd__nameset {
    char (*v)[FABD__NAME_MAX];
    size_t n, cap;
    fabd__index ix;
} fabd__nameset;

/* The position of name, SIZE_MAX when absent. */
size_t fabd__nameset_find(const fabd__nameset *s, const char *name);
/* Adds name (at most FABD__NAME_MAX - 1 bytes) unless there: its
 * position, or SIZE_MAX out of memory. */
size_t fabd__nameset_add(fabd__nameset *s, const char *name);
/* Indexes v again after the caller reordered it. 0, or -1 out of memory. */
int fabd__nameset_reindex(fabd__nameset *s);
void fabd__nameset_free(fabd__nameset *s);

#endif

/* Reading a large JSON document a piece at a time with json-c: the top
 * level object is split into members by a light scanner, and big arrays
 * are parsed one element at a time, so that memory stays near the size of
 * one element instead of json-c's (large) tree of the whole file. */
#ifndef FTOPO_JSON_SCAN_H
#define FTOPO_JSON_SCAN_H

#include <json-c/json.h>

#include "internal.h"

typedef struct ftopo__json_text {
    const char *name; /* for messages */
    const char *data;
    size_t len;
    ftopo_diag *diag;
} ftopo__json_text;

/* Where a member's value lies in the text; start == end when absent. */
typedef struct ftopo__json_span {
    size_t start, end;
} ftopo__json_span;

/* Finds the values of `keys` in the top-level object (the last one wins
 * when a key repeats, as in json-c). A top level that is not an object is
 * FTOPO_ERR_PARSE with "$: must be an object". */
ftopo_status ftopo__json_scan_top(const ftopo__json_text *t, const char *const *keys, size_t nkeys,
                                  ftopo__json_span *spans);

/* Parses one value; the caller owns *out (json_object_put). */
ftopo_status ftopo__json_parse_span(const ftopo__json_text *t, ftopo__json_span span,
                                    json_object **out);

typedef struct ftopo__json_array {
    size_t pos, end;
    size_t index;   /* of the element last returned */
    size_t line;    /* where that element starts, for messages */
    size_t counted; /* newlines are counted up to here */
} ftopo__json_array;

/* Starts walking an array value; false when the value is not an array. */
bool ftopo__json_array_open(const ftopo__json_text *t, ftopo__json_span span,
                            ftopo__json_array *it);
/* The next element (the caller owns it) or NULL at the end. */
ftopo_status ftopo__json_array_next(const ftopo__json_text *t, ftopo__json_array *it,
                                    json_object **elem);

#endif

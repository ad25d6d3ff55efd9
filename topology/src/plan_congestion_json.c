/* The congestion file's JSON form (schema in plan.h): {"links": [...]},
 * each element one directed link. Errors say file:line and the element's
 * path ("links[3].port"). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "json_scan.h"
#include "plan_int.h"

static const char *const entry_keys[] = {"node", "guid", "port", "avail", "both"};

/* Checks that every key of e is known and that the known ones have their
 * type; false with the path and the reason in `what`. */
static bool check_keys(json_object *e, size_t index, char *what, size_t what_len)
{
    static const json_type types[] = {json_type_string, json_type_string, json_type_int,
                                      json_type_double, json_type_boolean};
    json_object_object_foreach(e, key, val)
    {
        size_t k = 0;
        while (k < sizeof(entry_keys) / sizeof(entry_keys[0]) && strcmp(key, entry_keys[k]) != 0)
            k++;
        if (k == sizeof(entry_keys) / sizeof(entry_keys[0])) {
            snprintf(what, what_len, "links[%zu]: unknown key \"%.64s\"", index, key);
            return false;
        }
        json_type t = json_object_get_type(val);
        /* An integer is a fine fraction (0, 1). */
        bool ok = t == types[k] || (types[k] == json_type_double && t == json_type_int);
        if (!ok) {
            snprintf(what, what_len, "links[%zu].%s: must be %s, not %s", index, key,
                     json_type_to_name(types[k]), json_type_to_name(t));
            return false;
        }
    }
    return true;
}

/* The node an element names by "node" (whole description) or "guid". */
static bool entry_node(const ftopo_fabric *f, json_object *e, size_t index, ftopo_node_id *node,
                       char *what, size_t what_len)
{
    json_object *desc = NULL, *guid = NULL;
    json_object_object_get_ex(e, "node", &desc);
    json_object_object_get_ex(e, "guid", &guid);
    if (!desc == !guid) {
        snprintf(what, what_len, "links[%zu]: needs one of \"node\" and \"guid\"", index);
        return false;
    }
    if (desc) {
        const char *s = json_object_get_string(desc);
        if (ftopo_find_by_desc(f, s, node) == FTOPO_OK)
            return true;
        snprintf(what, what_len, "links[%zu].node: no node described \"%.160s\"", index, s);
        return false;
    }
    const char *s = json_object_get_string(guid);
    char *end;
    errno = 0;
    unsigned long long g = strtoull(s, &end, 16);
    if (errno || strncmp(s, "0x", 2) != 0 || end == s + 2 || *end) {
        snprintf(what, what_len, "links[%zu].guid: \"%.40s\" is not 0x and hex digits", index, s);
        return false;
    }
    if (ftopo_find_by_guid(f, g, node) == FTOPO_OK)
        return true;
    snprintf(what, what_len, "links[%zu].guid: no node with GUID 0x%llx", index, g);
    return false;
}

static bool read_entry(const ftopo_fabric *f, json_object *e, size_t index, double *avail,
                       char *what, size_t what_len)
{
    if (!json_object_is_type(e, json_type_object)) {
        snprintf(what, what_len, "links[%zu]: must be an object, not %s", index,
                 json_type_to_name(json_object_get_type(e)));
        return false;
    }
    ftopo_node_id node;
    if (!check_keys(e, index, what, what_len) || !entry_node(f, e, index, &node, what, what_len))
        return false;
    json_object *port, *a, *both = NULL;
    if (!json_object_object_get_ex(e, "port", &port) ||
        !json_object_object_get_ex(e, "avail", &a)) {
        snprintf(what, what_len, "links[%zu]: needs \"port\" and \"avail\"", index);
        return false;
    }
    json_object_object_get_ex(e, "both", &both);
    int64_t p = json_object_get_int64(port);
    char why[192];
    if (ftopo__congestion_set(f, avail, node, p < 0 || p > INT_MAX ? -1 : (long)p,
                              json_object_get_double(a), both && json_object_get_boolean(both), why,
                              sizeof(why)))
        return true;
    snprintf(what, what_len, "links[%zu]: %s", index, why);
    return false;
}

ftopo_status ftopo__congestion_read_json(const ftopo_fabric *f, const char *path, const char *data,
                                         size_t len, double *avail, ftopo_diag *diag)
{
    ftopo__json_text t = {.name = path, .data = data, .len = len, .diag = diag};
    static const char *const top_keys[] = {"links"};
    ftopo__json_span span;
    ftopo_status st = ftopo__json_scan_top(&t, top_keys, 1, &span);
    if (st != FTOPO_OK)
        return st;
    ftopo__json_array it;
    if (span.start == span.end || !ftopo__json_array_open(&t, span, &it))
        return ftopo__fail(diag, FTOPO_ERR_PARSE, "%s: $: needs a \"links\" array", path);
    char what[256];
    for (;;) {
        json_object *e;
        st = ftopo__json_array_next(&t, &it, &e);
        if (st != FTOPO_OK || !e)
            return st;
        bool ok = read_entry(f, e, it.index, avail, what, sizeof(what));
        json_object_put(e);
        if (!ok)
            return ftopo__fail(diag, FTOPO_ERR_PARSE, "%s:%zu: %s", path, it.line, what);
    }
}

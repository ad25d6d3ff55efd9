/* The project's JSON format, read (docs/topology-json.md; json_write.c
 * writes it). Every error names the file and the JSON path of the value at
 * fault and the line where its node or link starts, e.g.
 * "fab.json:12: nodes[3].ports[0]: unknown width \"5x\""; syntax errors
 * name the line and column. */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json_scan.h"
#include "model.h"

#define FORMAT_NAME    "fabric-manager/topology"
#define FORMAT_VERSION 1

/* A port as listed in "ports", kept to check its "peer" against "links"
 * once every node is known. */
typedef struct listed_port {
    ftopo_node_id node;
    int num;
    bool has_peer;
    int peer_port;
    uint64_t peer_guid;
    size_t index; /* in the node's "ports", for messages */
    size_t line;  /* where the node starts */
} listed_port;

typedef struct reader {
    const char *name;
    ftopo_diag *diag;
    ftopo_fabric *fabric;
    listed_port *listed;
    size_t num_listed, cap_listed;
    size_t line; /* where the array element being read starts; 0 outside */
} reader;

/* "file:line: path: what", the line being where the node or link starts. */
static ftopo_status fail_at(reader *r, ftopo_status st, const char *path, const char *fmt, ...)
    FTOPO__PRINTF(4, 5);

static ftopo_status fail_at(reader *r, ftopo_status st, const char *path, const char *fmt, ...)
{
    char what[FTOPO_DIAG_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (r->line)
        return ftopo__fail(r->diag, st, "%s:%zu: %s: %s", r->name, r->line, path, what);
    return ftopo__fail(r->diag, st, "%s: %s: %s", r->name, path, what);
}

/* Looks up `key` in `obj` and checks its type; a missing optional key
 * leaves *out NULL and succeeds. */
static ftopo_status field(reader *r, json_object *obj, const char *path, const char *key,
                          json_type type, bool required, json_object **out)
{
    *out = NULL;
    json_object *v;
    if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null)) {
        if (required)
            return fail_at(r, FTOPO_ERR_PARSE, path, "missing \"%s\"", key);
        return FTOPO_OK;
    }
    if (!json_object_is_type(v, type))
        return fail_at(r, FTOPO_ERR_PARSE, path, "\"%s\" must be %s, not %s", key,
                       json_type_to_name(type), json_type_to_name(json_object_get_type(v)));
    *out = v;
    return FTOPO_OK;
}

static ftopo_status int_field(reader *r, json_object *obj, const char *path, const char *key,
                              bool required, int64_t lo, int64_t hi, int64_t *out)
{
    json_object *v;
    ftopo_status st = field(r, obj, path, key, json_type_int, required, &v);
    if (st != FTOPO_OK || !v)
        return st;
    errno = 0;
    int64_t n = json_object_get_int64(v);
    if (errno || n < lo || n > hi)
        return fail_at(r, FTOPO_ERR_PARSE, path, "\"%s\" is %s, not in %" PRId64 "..%" PRId64, key,
                       json_object_to_json_string(v), lo, hi);
    *out = n;
    return FTOPO_OK;
}

static ftopo_status guid_field(reader *r, json_object *obj, const char *path, const char *key,
                               bool required, uint64_t *out)
{
    json_object *v;
    ftopo_status st = field(r, obj, path, key, json_type_string, required, &v);
    if (st != FTOPO_OK || !v)
        return st;
    /* "0x" and 1 to 16 hex digits, nothing else (strtoull alone would take
     * signs and white space). */
    const char *s = json_object_get_string(v);
    size_t digits = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? strlen(s + 2) : 0;
    if (digits == 0 || digits > 16 || strspn(s + 2, "0123456789abcdefABCDEF") != digits)
        return fail_at(r, FTOPO_ERR_PARSE, path,
                       "\"%s\" is \"%s\", not a GUID like \"0x0002c903000a1b2c\"", key, s);
    uint64_t g = strtoull(s + 2, NULL, 16);
    *out = g;
    return FTOPO_OK;
}

static ftopo_status string_field(reader *r, json_object *obj, const char *path, const char *key,
                                 bool required, const char **out)
{
    json_object *v;
    ftopo_status st = field(r, obj, path, key, json_type_string, required, &v);
    if (st != FTOPO_OK || !v)
        return st;
    /* The writer could not give invalid UTF-8 back unchanged: refuse it. */
    if (!ftopo__utf8_valid(json_object_get_string(v)))
        return fail_at(r, FTOPO_ERR_PARSE, path, "\"%s\" is not valid UTF-8", key);
    *out = json_object_get_string(v);
    return st;
}

static ftopo_status parse_type(reader *r, const char *path, const char *s, ftopo_node_type *out)
{
    static const struct {
        const char *name;
        ftopo_node_type type;
    } types[] = {
        {"switch", FTOPO_NODE_SWITCH}, {"ca", FTOPO_NODE_CA}, {"router", FTOPO_NODE_ROUTER}};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(s, types[i].name) == 0) {
            *out = types[i].type;
            return FTOPO_OK;
        }
    }
    return fail_at(r, FTOPO_ERR_PARSE, path, "unknown node type \"%s\" (switch, ca, router)", s);
}

static ftopo_status parse_state(reader *r, const char *path, const char *s, ftopo_port_state *out)
{
    static const char *const names[] = {"unknown", "down", "init", "armed", "active"};
    for (int i = 0; i <= FTOPO_PORT_ACTIVE; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (ftopo_port_state)i;
            return FTOPO_OK;
        }
    }
    return fail_at(r, FTOPO_ERR_PARSE, path, "unknown port state \"%s\"", s);
}

/* Checks a port's "peer" and keeps it for check_peers. */
static ftopo_status read_peer(reader *r, json_object *port, const char *path, listed_port *entry)
{
    char peer_path[128];
    snprintf(peer_path, sizeof(peer_path), "%s.peer", path);
    json_object *peer;
    int64_t peer_port = 0;
    ftopo_status st = field(r, port, path, "peer", json_type_object, false, &peer);
    if (st == FTOPO_OK && peer)
        st = guid_field(r, peer, peer_path, "guid", true, &entry->peer_guid);
    if (st == FTOPO_OK && peer)
        st = int_field(r, peer, peer_path, "port", true, INT_MIN, INT_MAX, &peer_port);
    if (st != FTOPO_OK)
        return st;
    entry->has_peer = peer != NULL;
    entry->peer_port = (int)peer_port;
    if (r->num_listed == r->cap_listed) {
        size_t cap = r->cap_listed ? r->cap_listed * 2 : 1024;
        listed_port *bigger = realloc(r->listed, cap * sizeof(*bigger));
        if (!bigger)
            return FTOPO_ERR_NOMEM;
        r->listed = bigger;
        r->cap_listed = cap;
    }
    r->listed[r->num_listed++] = *entry;
    return FTOPO_OK;
}

/* Reads one port of node `id`; its peer, if given, is checked later
 * against the links. */
static ftopo_status read_port(reader *r, ftopo_node_id id, const char *node_path, json_object *port,
                              size_t index, int num_ports, bool *seen)
{
    char path[96];
    snprintf(path, sizeof(path), "%s.ports[%zu]", node_path, index);
    if (!json_object_is_type(port, json_type_object))
        return fail_at(r, FTOPO_ERR_PARSE, path, "must be an object");
    int64_t num = 0, lid = 0, lmc = 0;
    const char *state = NULL, *width = NULL, *speed = NULL;
    ftopo_port_spec spec = {0};
    ftopo_status st = int_field(r, port, path, "num", true, INT_MIN, INT_MAX, &num);
    if (st == FTOPO_OK && (num < 1 || num > num_ports))
        return fail_at(r, FTOPO_ERR_ARG, path, "port %" PRId64 " out of range (node has %d ports)",
                       num, num_ports);
    if (st == FTOPO_OK && seen[num])
        return fail_at(r, FTOPO_ERR_DUPLICATE, path, "port %" PRId64 " listed twice", num);
    if (st == FTOPO_OK)
        st = guid_field(r, port, path, "guid", false, &spec.port_guid);
    if (st == FTOPO_OK)
        st = int_field(r, port, path, "lid", false, 0, 0xffff, &lid);
    if (st == FTOPO_OK)
        st = int_field(r, port, path, "lmc", false, 0, 7, &lmc);
    if (st == FTOPO_OK)
        st = string_field(r, port, path, "state", false, &state);
    if (st == FTOPO_OK && state)
        st = parse_state(r, path, state, &spec.state);
    if (st == FTOPO_OK)
        st = string_field(r, port, path, "width", false, &width);
    if (st == FTOPO_OK && width && ftopo_width_parse(width, &spec.width) != FTOPO_OK)
        st = fail_at(r, FTOPO_ERR_PARSE, path, "unknown width \"%s\"", width);
    if (st == FTOPO_OK)
        st = string_field(r, port, path, "speed", false, &speed);
    if (st == FTOPO_OK && speed && ftopo_speed_parse(speed, &spec.speed) != FTOPO_OK)
        st = fail_at(r, FTOPO_ERR_PARSE, path, "unknown speed \"%s\"", speed);
    if (st != FTOPO_OK)
        return st;
    listed_port entry = {.node = id, .num = (int)num, .index = index, .line = r->line};
    st = read_peer(r, port, path, &entry);
    if (st != FTOPO_OK)
        return st;
    seen[num] = true;
    spec.lid = (uint16_t)lid;
    spec.lmc = (uint8_t)lmc;
    st = ftopo_fabric_set_port(r->fabric, id, (int)num, &spec);
    return st == FTOPO_OK ? st : fail_at(r, st, path, "%s", ftopo_strerror(st));
}

static ftopo_status read_node(reader *r, json_object *node, size_t index)
{
    char path[64];
    snprintf(path, sizeof(path), "nodes[%zu]", index);
    if (!json_object_is_type(node, json_type_object))
        return fail_at(r, FTOPO_ERR_PARSE, path, "must be an object");
    ftopo_node_spec spec = {0};
    const char *type = NULL;
    int64_t num_ports = 0, lid = 0, lmc = 0;
    json_object *ports = NULL;
    ftopo_status st = guid_field(r, node, path, "guid", true, &spec.node_guid);
    if (st == FTOPO_OK)
        st = string_field(r, node, path, "type", true, &type);
    if (st == FTOPO_OK)
        st = parse_type(r, path, type, &spec.type);
    if (st == FTOPO_OK)
        st = string_field(r, node, path, "desc", false, &spec.desc);
    if (st == FTOPO_OK)
        st = int_field(r, node, path, "num_ports", true, 1, 254, &num_ports);
    if (st == FTOPO_OK)
        st = guid_field(r, node, path, "sysimg_guid", false, &spec.sysimg_guid);
    if (st == FTOPO_OK)
        st = int_field(r, node, path, "lid", false, 0, 0xffff, &lid);
    if (st == FTOPO_OK)
        st = int_field(r, node, path, "lmc", false, 0, 7, &lmc);
    if (st == FTOPO_OK)
        st = field(r, node, path, "ports", json_type_array, false, &ports);
    if (st != FTOPO_OK)
        return st;
    if (spec.node_guid == 0)
        return fail_at(r, FTOPO_ERR_ARG, path, "GUID must not be zero");
    spec.num_ports = (int)num_ports;
    spec.lid = (uint16_t)lid;
    spec.lmc = (uint8_t)lmc;
    ftopo_node_id id;
    st = ftopo_fabric_add_node(r->fabric, &spec, &id);
    if (st == FTOPO_ERR_DUPLICATE)
        return fail_at(r, st, path, "duplicate GUID 0x%016" PRIx64, spec.node_guid);
    if (st != FTOPO_OK)
        return fail_at(r, st, path, "%s", ftopo_strerror(st));
    bool seen[256] = {false};
    size_t n = ports ? json_object_array_length(ports) : 0;
    for (size_t i = 0; i < n && st == FTOPO_OK; i++)
        st = read_port(r, id, path, json_object_array_get_idx(ports, i), i, spec.num_ports, seen);
    return st;
}

/* One end of a link: {"guid": "0x...", "port": N}. */
static ftopo_status read_end(reader *r, json_object *link, const char *path, const char *key,
                             ftopo_node_id *node, int *port)
{
    char end_path[96];
    snprintf(end_path, sizeof(end_path), "%s.%s", path, key);
    json_object *end;
    uint64_t guid = 0;
    int64_t num = 0;
    ftopo_status st = field(r, link, path, key, json_type_object, true, &end);
    if (st == FTOPO_OK)
        st = guid_field(r, end, end_path, "guid", true, &guid);
    if (st == FTOPO_OK)
        st = int_field(r, end, end_path, "port", true, INT_MIN, INT_MAX, &num);
    if (st != FTOPO_OK)
        return st;
    if (ftopo_find_by_guid(r->fabric, guid, node) != FTOPO_OK)
        return fail_at(r, FTOPO_ERR_NOT_FOUND, end_path, "no node with GUID 0x%016" PRIx64, guid);
    int max = r->fabric->nodes[*node].num_ports;
    if (num < 1 || num > max)
        return fail_at(r, FTOPO_ERR_ARG, end_path,
                       "port %" PRId64 " out of range (node 0x%016" PRIx64 " has %d ports)", num,
                       guid, max);
    *port = (int)num;
    return FTOPO_OK;
}

static ftopo_status read_link(reader *r, json_object *link, size_t index)
{
    char path[64];
    snprintf(path, sizeof(path), "links[%zu]", index);
    if (!json_object_is_type(link, json_type_object))
        return fail_at(r, FTOPO_ERR_PARSE, path, "must be an object");
    ftopo_node_id a, b;
    int pa, pb;
    ftopo_status st = read_end(r, link, path, "a", &a, &pa);
    if (st == FTOPO_OK)
        st = read_end(r, link, path, "b", &b, &pb);
    if (st != FTOPO_OK)
        return st;
    st = ftopo_fabric_add_link(r->fabric, a, pa, b, pb);
    if (st == FTOPO_ERR_CONFLICT)
        return fail_at(r, st, path,
                       "port %d of 0x%016" PRIx64 " or port %d of 0x%016" PRIx64
                       " is already linked elsewhere",
                       pa, r->fabric->nodes[a].guid, pb, r->fabric->nodes[b].guid);
    if (st == FTOPO_ERR_ARG)
        return fail_at(r, st, path, "links a port to itself");
    return st == FTOPO_OK ? st : fail_at(r, st, path, "%s", ftopo_strerror(st));
}

/* A port's "peer" repeats its link for readers of one node; it must agree
 * with "links". */
static ftopo_status check_peers(reader *r)
{
    for (size_t i = 0; i < r->num_listed; i++) {
        const listed_port *e = &r->listed[i];
        r->line = e->line;
        const ftopo__port *p = ftopo__port_at(r->fabric, e->node, e->num);
        char path[96];
        snprintf(path, sizeof(path), "nodes[%d].ports[%zu]", (int)e->node, e->index);
        if (!e->has_peer) {
            if (p->peer_node != FTOPO_NONE)
                return fail_at(r, FTOPO_ERR_CONFLICT, path,
                               "has no \"peer\" but \"links\" cables it to 0x%016" PRIx64
                               " port %d",
                               r->fabric->nodes[p->peer_node].guid, p->peer_port);
            continue;
        }
        snprintf(path + strlen(path), sizeof(path) - strlen(path), ".peer");
        ftopo_node_id peer;
        if (ftopo_find_by_guid(r->fabric, e->peer_guid, &peer) != FTOPO_OK)
            return fail_at(r, FTOPO_ERR_NOT_FOUND, path, "no node with GUID 0x%016" PRIx64,
                           e->peer_guid);
        if (p->peer_node != peer || p->peer_port != e->peer_port)
            return fail_at(
                r, FTOPO_ERR_CONFLICT, path, "says 0x%016" PRIx64 " port %d, but \"links\" %s",
                e->peer_guid, e->peer_port,
                p->peer_node == FTOPO_NONE ? "has no link for this port" : "cables it elsewhere");
    }
    return FTOPO_OK;
}

enum { KEY_FORMAT, KEY_VERSION, KEY_NODES, KEY_LINKS, NUM_KEYS };
static const char *const top_keys[NUM_KEYS] = {"format", "version", "nodes", "links"};

/* "format" and "version", parsed into a small object for the field checks. */
static ftopo_status check_header(reader *r, const ftopo__json_text *t,
                                 const ftopo__json_span *spans)
{
    json_object *head = json_object_new_object();
    if (!head)
        return FTOPO_ERR_NOMEM;
    ftopo_status st = FTOPO_OK;
    for (int k = KEY_FORMAT; k <= KEY_VERSION && st == FTOPO_OK; k++) {
        json_object *v = NULL;
        if (spans[k].end > spans[k].start)
            st = ftopo__json_parse_span(t, spans[k], &v);
        if (v)
            json_object_object_add(head, top_keys[k], v);
    }
    const char *format = NULL;
    int64_t version = 0;
    if (st == FTOPO_OK)
        st = string_field(r, head, "$", "format", true, &format);
    if (st == FTOPO_OK && strcmp(format, FORMAT_NAME) != 0)
        st = fail_at(r, FTOPO_ERR_PARSE, "$.format", "is \"%s\", expected \"" FORMAT_NAME "\"",
                     format);
    if (st == FTOPO_OK)
        st = int_field(r, head, "$", "version", true, INT64_MIN, INT64_MAX, &version);
    if (st == FTOPO_OK && version != FORMAT_VERSION)
        st = fail_at(r, FTOPO_ERR_UNSUPPORTED, "$.version",
                     "is %" PRId64 ", this reader knows version %d", version, FORMAT_VERSION);
    json_object_put(head);
    return st;
}

/* Walks the array member `key`, handing each element to `read`. */
static ftopo_status read_array(reader *r, const ftopo__json_text *t, ftopo__json_span span,
                               const char *key,
                               ftopo_status (*read)(reader *, json_object *, size_t))
{
    if (span.end == span.start)
        return fail_at(r, FTOPO_ERR_PARSE, "$", "missing \"%s\"", key);
    ftopo__json_array it;
    if (!ftopo__json_array_open(t, span, &it)) {
        json_object *v;
        ftopo_status st = ftopo__json_parse_span(t, span, &v);
        if (st != FTOPO_OK)
            return st;
        json_type type = json_object_get_type(v);
        json_object_put(v);
        return fail_at(r, FTOPO_ERR_PARSE, "$", "\"%s\" must be array, not %s", key,
                       json_type_to_name(type));
    }
    for (;;) {
        json_object *elem;
        ftopo_status st = ftopo__json_array_next(t, &it, &elem);
        if (st != FTOPO_OK || !elem)
            return st;
        r->line = it.line;
        st = read(r, elem, it.index);
        r->line = 0;
        json_object_put(elem);
        if (st != FTOPO_OK)
            return st;
    }
}

static ftopo_status read_fabric(reader *r, const ftopo__json_text *t)
{
    ftopo__json_span spans[NUM_KEYS];
    ftopo_status st = ftopo__json_scan_top(t, top_keys, NUM_KEYS, spans);
    if (st == FTOPO_OK)
        st = check_header(r, t, spans);
    if (st == FTOPO_OK)
        st = read_array(r, t, spans[KEY_NODES], "nodes", read_node);
    if (st == FTOPO_OK)
        st = read_array(r, t, spans[KEY_LINKS], "links", read_link);
    if (st == FTOPO_OK)
        st = check_peers(r);
    r->line = 0;
    if (st == FTOPO_OK)
        st = ftopo_fabric_finalize(r->fabric, r->diag);
    return st;
}

ftopo_status ftopo__json_read(const char *data, size_t len, const char *name, ftopo_fabric **out,
                              ftopo_diag *diag)
{
    reader r = {.name = name, .diag = diag};
    ftopo__json_text t = {.name = name, .data = data, .len = len, .diag = diag};
    ftopo_status st = ftopo_fabric_create(&r.fabric);
    if (st == FTOPO_OK)
        st = read_fabric(&r, &t);
    free(r.listed);
    if (st != FTOPO_OK) {
        if (st == FTOPO_ERR_NOMEM)
            ftopo__fail(diag, st, "%s: out of memory", name);
        ftopo_fabric_destroy(r.fabric);
        return st;
    }
    *out = r.fabric;
    return FTOPO_OK;
}

/* libibnetdisc's cache file (`ibnetdiscover --cache`), read with
 * ibnd_load_fabric and converted like a live sweep.
 *
 * ibnd_load_fabric trusts its input: a port number above the node's port
 * count writes past an array, a port record no node claims is freed while
 * other ports still point at it, and an LMC above 7 makes it loop forever.
 * So the file is checked here first, record by record, and only a
 * well-formed file reaches libibnetdisc. The layout (all fields little
 * endian) is the one libibnetdisc documents in ibnetdisc_cache.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ibnd_convert.h"
#include "idmap.h"

#define CACHE_MAGIC   0x8FE7832Bu
#define CACHE_VERSION 1u
#define SMP_DATA      64
#define HEADER_LEN    28
/* smalid 2, smalmc 1, enhsp0 1, switchinfo, guid 8, type 1, numports 1,
 * nodeinfo, nodedesc, number of port keys 1 */
#define NODE_LEN     (15 + 3 * SMP_DATA)
#define NODE_TYPE_AT (4 + SMP_DATA + 8)
#define NODE_GUID_AT (4 + SMP_DATA)
#define KEY_LEN      9 /* port GUID 8, port number 1 */
/* guid 8, portnum 1, ext portnum 1, lid 2, lmc 1, portinfo, node guid 8,
 * remote flag 1, remote guid 8, remote portnum 1 */
#define PORT_LEN          (31 + SMP_DATA)
#define PORT_LMC_AT       12
#define PORT_NODE_GUID_AT (13 + SMP_DATA)
/* LMC is a 3-bit field; libibnetdisc loops over 2^LMC LIDs with a 16-bit
 * counter, which never ends for a larger value. */
#define MAX_LMC 7
/* Larger than any real fabric's cache (about 400 bytes per port). */
#define MAX_CACHE_BYTES (1024L * 1024 * 1024)

static uint64_t get_le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

typedef struct port_key {
    uint64_t guid;
    unsigned num;
    uint64_t node_guid; /* the node that lists this key */
    size_t record;      /* offset of the port record with this key, 0: none yet */
} port_key;

typedef struct checker {
    const char *path;
    const unsigned char *data;
    size_t len;
    port_key *keys;
    size_t num_keys;
    ftopo__idmap by_key;  /* mix(guid, num) -> index into keys */
    ftopo__idmap by_node; /* node GUID -> node index */
    ftopo_diag *diag;
} checker;

static uint64_t mix(uint64_t guid, unsigned num)
{
    return guid * 0x9E3779B97F4A7C15ull ^ num;
}

static int64_t find_key(const checker *c, uint64_t guid, unsigned num)
{
    size_t cursor = 0;
    int64_t i;
    while ((i = ftopo__idmap_find_next(&c->by_key, mix(guid, num), &cursor)) >= 0)
        if (c->keys[i].guid == guid && c->keys[i].num == num)
            return i;
    return -1;
}

static ftopo_status bad(checker *c, size_t off, const char *what)
{
    return ftopo__fail(c->diag, FTOPO_ERR_PARSE, "%s: byte %zu: %s", c->path, off, what);
}

static ftopo_status check_node(checker *c, size_t *off, unsigned index)
{
    char msg[128];
    if (c->len - *off < NODE_LEN)
        return bad(c, *off, "truncated node record");
    const unsigned char *n = c->data + *off;
    uint64_t guid = get_le(n + NODE_GUID_AT, 8);
    unsigned type = n[NODE_TYPE_AT], numports = n[NODE_TYPE_AT + 1];
    unsigned keys = n[NODE_LEN - 1];
    if (type < 1 || type > 3) {
        snprintf(msg, sizeof(msg), "node 0x%016" PRIx64 ": unknown node type %u", guid, type);
        return bad(c, *off, msg);
    }
    if (ftopo__idmap_find(&c->by_node, guid) >= 0) {
        snprintf(msg, sizeof(msg), "duplicate node GUID 0x%016" PRIx64, guid);
        return bad(c, *off, msg);
    }
    if (!ftopo__idmap_add(&c->by_node, guid, index))
        return FTOPO_ERR_NOMEM;
    *off += NODE_LEN;
    if (c->len - *off < (size_t)keys * KEY_LEN)
        return bad(c, *off, "truncated port list of a node");
    for (unsigned k = 0; k < keys; k++, *off += KEY_LEN) {
        uint64_t pguid = get_le(c->data + *off, 8);
        unsigned num = c->data[*off + 8];
        if (num > numports) {
            snprintf(msg, sizeof(msg), "node 0x%016" PRIx64 ": port %u out of range (%u ports)",
                     guid, num, numports);
            return bad(c, *off, msg);
        }
        if (find_key(c, pguid, num) >= 0) {
            snprintf(msg, sizeof(msg), "port 0x%016" PRIx64 "[%u] listed twice", pguid, num);
            return bad(c, *off, msg);
        }
        c->keys[c->num_keys] = (port_key){pguid, num, guid, 0};
        if (!ftopo__idmap_add(&c->by_key, mix(pguid, num), (int64_t)c->num_keys))
            return FTOPO_ERR_NOMEM;
        c->num_keys++;
    }
    return FTOPO_OK;
}

static ftopo_status check_port(checker *c, size_t off)
{
    char msg[128];
    const unsigned char *p = c->data + off;
    uint64_t guid = get_le(p, 8);
    unsigned num = p[8];
    int64_t k = find_key(c, guid, num);
    if (k < 0 || c->keys[k].node_guid != get_le(p + PORT_NODE_GUID_AT, 8)) {
        snprintf(msg, sizeof(msg), "port 0x%016" PRIx64 "[%u] not listed by its node", guid, num);
        return bad(c, off, msg);
    }
    if (p[PORT_LMC_AT] > MAX_LMC) {
        snprintf(msg, sizeof(msg), "port 0x%016" PRIx64 "[%u]: LMC %u out of range (0-7)", guid,
                 num, p[PORT_LMC_AT]);
        return bad(c, off, msg);
    }
    if (c->keys[k].record) {
        snprintf(msg, sizeof(msg), "port 0x%016" PRIx64 "[%u] stored twice", guid, num);
        return bad(c, off, msg);
    }
    c->keys[k].record = off;
    return FTOPO_OK;
}

/* Every link must end at a stored port. */
static ftopo_status check_remote(checker *c, size_t off)
{
    const unsigned char *p = c->data + off + PORT_NODE_GUID_AT + 8;
    if (p[0] && find_key(c, get_le(p + 1, 8), p[9]) < 0)
        return bad(c, off, "link to a port that is not in the file");
    return FTOPO_OK;
}

static ftopo_status check_layout(checker *c)
{
    if (c->len < HEADER_LEN || get_le(c->data, 4) != CACHE_MAGIC)
        return bad(c, 0, "not a libibnetdisc cache file (bad magic)");
    if (get_le(c->data + 4, 4) != CACHE_VERSION)
        return bad(c, 4, "unsupported cache version");
    uint64_t nodes = get_le(c->data + 8, 4), ports = get_le(c->data + 12, 4);
    uint64_t from = get_le(c->data + 16, 8);
    if (nodes > (c->len - HEADER_LEN) / NODE_LEN || ports > c->len / PORT_LEN)
        return bad(c, 8, "node or port count larger than the file");
    /* A node lists at most 256 keys; the file length bounds them too. */
    size_t max_keys = (c->len - HEADER_LEN) / KEY_LEN;
    c->keys = calloc(max_keys ? max_keys : 1, sizeof(*c->keys));
    if (!c->keys)
        return FTOPO_ERR_NOMEM;

    size_t off = HEADER_LEN;
    ftopo_status st = FTOPO_OK;
    for (unsigned i = 0; i < nodes && st == FTOPO_OK; i++)
        st = check_node(c, &off, i);
    if (st != FTOPO_OK)
        return st;
    if (ftopo__idmap_find(&c->by_node, from) < 0)
        return bad(c, 16, "the node discovery started from is not in the file");
    if ((c->len - off) / PORT_LEN != ports || (c->len - off) % PORT_LEN != 0)
        return bad(c, off, "port records do not fill the rest of the file");
    size_t first_port = off;
    for (; off < c->len && st == FTOPO_OK; off += PORT_LEN)
        st = check_port(c, off);
    for (size_t k = 0; k < c->num_keys && st == FTOPO_OK; k++)
        if (!c->keys[k].record)
            st = bad(c, first_port, "a node lists a port that is not stored");
    for (off = first_port; off < c->len && st == FTOPO_OK; off += PORT_LEN)
        st = check_remote(c, off);
    return st;
}

static ftopo_status read_all(const char *path, unsigned char **data, size_t *len, ftopo_diag *diag)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ftopo__fail(diag, FTOPO_ERR_IO, "%s: %s", path, strerror(errno));
    ftopo_status st = FTOPO_OK;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0)
        st = ftopo__fail(diag, FTOPO_ERR_IO, "%s: not a regular file", path);
    else if (size > MAX_CACHE_BYTES)
        st = ftopo__fail(diag, FTOPO_ERR_PARSE, "%s: larger than %ld bytes", path, MAX_CACHE_BYTES);
    unsigned char *buf = NULL;
    if (st == FTOPO_OK && !(buf = malloc(size ? (size_t)size : 1)))
        st = ftopo__fail(diag, FTOPO_ERR_NOMEM, "%s: out of memory", path);
    if (st == FTOPO_OK && fread(buf, 1, (size_t)size, f) != (size_t)size)
        st = ftopo__fail(diag, FTOPO_ERR_IO, "%s: read failed", path);
    fclose(f);
    if (st != FTOPO_OK) {
        free(buf);
        return st;
    }
    *data = buf;
    *len = (size_t)size;
    return FTOPO_OK;
}

ftopo_status ftopo__cache_read_file(const char *path, ftopo_fabric **out, ftopo_diag *diag)
{
    *out = NULL;
    checker c = {.path = path, .diag = diag};
    ftopo_status st = read_all(path, (unsigned char **)&c.data, &c.len, diag);
    if (st != FTOPO_OK)
        return st;
    st = check_layout(&c);
    if (st == FTOPO_ERR_NOMEM)
        ftopo__fail(diag, st, "%s: out of memory", path);
    free((void *)c.data);
    free(c.keys);
    ftopo__idmap_free(&c.by_key);
    ftopo__idmap_free(&c.by_node);
    if (st != FTOPO_OK)
        return st;

    /* The file is read a second time by libibnetdisc; a file changed in
     * between is the caller's race, as with any reader. */
    ibnd_fabric_t *raw = ibnd_load_fabric(path, 0);
    if (!raw)
        return ftopo__fail(diag, FTOPO_ERR_PARSE, "%s: libibnetdisc could not load the cache",
                           path);
    st = ftopo__from_ibnd(raw, path, out, diag);
    ibnd_destroy_fabric(raw);
    return st;
}

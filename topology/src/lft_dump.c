/* OpenSM's LFT dump: what `opensm -R file -U FILE` loads (osm_ucast_file.c),
 * what dump_lfts.sh and ibroute print, and OpenSM's guid2lid file. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "route_set.h"

static const char *type_str(ftopo_node_type type)
{
    switch (type) {
    case FTOPO_NODE_SWITCH:
        return "Switch";
    case FTOPO_NODE_ROUTER:
        return "Router";
    case FTOPO_NODE_CA:
        break;
    }
    return "Channel Adapter";
}

/* GUID of the port that owns a LID, as OpenSM prints it: a switch's node
 * GUID, a CA port's own GUID (the node GUID when unknown). */
static uint64_t owner_port_guid(const ftopo_routes *r, ftopo_lid lid)
{
    const ftopo_fabric *f = r->fabric;
    ftopo_node_id n = r->lid_node[lid];
    uint64_t guid = 0;
    if (r->lid_port[lid] > 0)
        guid = ftopo__port_at(f, n, r->lid_port[lid])->guid;
    return guid ? guid : f->nodes[n].guid;
}

/* OpenSM's files hold 16-bit unicast LIDs only. */
static ftopo_status check_unicast(const ftopo_routes *r, const char *what, ftopo_diag *diag)
{
    if (r->lid_top <= FTOPO_LID_UNICAST_MAX)
        return FTOPO_OK;
    return ftopo__fail(diag, FTOPO_ERR_UNSUPPORTED,
                       "%s: LIDs up to %u are past the unicast range (0x%x): a subnet manager "
                       "cannot load them",
                       what, r->lid_top, FTOPO_LID_UNICAST_MAX);
}

/* Each entry line names its destination: formatted once per LID rather
 * than once per switch and LID (large dumps have millions of lines). All
 * strings live in one block; *index[lid] is an offset into it. */
static char *destination_texts(const ftopo_routes *r, size_t **index)
{
    const ftopo_fabric *f = r->fabric;
    size_t lids = (size_t)r->lid_top + 1, cap = lids * 64 + 64, used = 0;
    char *text = malloc(cap);
    *index = malloc(lids * sizeof(**index));
    if (!text || !*index) {
        free(text);
        free(*index);
        return NULL;
    }
    for (size_t lid = 0; lid < lids; lid++) {
        const char *desc = r->lid_node[lid] == FTOPO_NONE ? "" : f->nodes[r->lid_node[lid]].desc;
        size_t need = strlen(desc) + 64;
        if (used + need > cap) {
            cap = (used + need) * 2;
            char *bigger = realloc(text, cap);
            if (!bigger) {
                free(text);
                free(*index);
                return NULL;
            }
            text = bigger;
        }
        (*index)[lid] = used;
        if (r->lid_node[lid] == FTOPO_NONE)
            used += (size_t)sprintf(text + used, "(unknown node and type)\n") + 1;
        else
            used += (size_t)sprintf(text + used, "(%s portguid 0x%016" PRIx64 ": '%s')\n",
                                    type_str(f->nodes[r->lid_node[lid]].type),
                                    owner_port_guid(r, (ftopo_lid)lid), desc) +
                    1;
    }
    return text;
}

ftopo_status ftopo_routes_write_dump(const ftopo_routes *r, FILE *out, ftopo_diag *diag)
{
    if (!r || !out)
        return FTOPO_ERR_ARG;
    ftopo_status st = check_unicast(r, "lfts", diag);
    if (st != FTOPO_OK)
        return st;
    const ftopo_fabric *f = r->fabric;
    size_t *index;
    char *texts = destination_texts(r, &index);
    if (!texts)
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "lfts: out of memory");
    for (size_t s = 0; s < r->num_switches; s++) {
        ftopo_node_id n = r->switches[s];
        const uint8_t *row = ftopo__lft_row(r, s);
        fprintf(out, "Unicast lids [0x0-0x%x] of switch Lid %u guid 0x%016" PRIx64 " ('%s'):\n",
                r->lid_top, r->node_lid[n], f->nodes[n].guid, f->nodes[n].desc);
        size_t count = 0;
        for (unsigned lid = 1; lid <= r->lid_top; lid++) {
            if (row[lid] == FTOPO_LFT_NONE)
                continue;
            fprintf(out, "0x%04x %03u : ", lid, row[lid]);
            fputs(texts + index[lid], out);
            count++;
        }
        fprintf(out, "%zu valid lids dumped\n", count);
    }
    free(texts);
    free(index);
    if (ferror(out))
        return ftopo__fail(diag, FTOPO_ERR_IO, "lfts: write failed");
    return FTOPO_OK;
}

ftopo_status ftopo_routes_write_dump_file(const ftopo_routes *r, const char *path, ftopo_diag *diag)
{
    if (!r || !path)
        return FTOPO_ERR_ARG;
    if (strcmp(path, "-") == 0)
        return ftopo_routes_write_dump(r, stdout, diag);
    FILE *out = fopen(path, "w");
    if (!out)
        return ftopo__fail(diag, FTOPO_ERR_IO, "%s: %s", path, strerror(errno));
    ftopo_status st = ftopo_routes_write_dump(r, out, diag);
    if (fclose(out) != 0 && st == FTOPO_OK)
        st = ftopo__fail(diag, FTOPO_ERR_IO, "%s: %s", path, strerror(errno));
    return st;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Lines OpenSM and ibroute print around the entries, which carry nothing. */
static bool is_filler(const char *p)
{
    if (*p == '\0' || *p == '#' || starts_with(p, "Lid ") || starts_with(p, "Port "))
        return true;
    /* "N lids dumped", "N valid lids dumped" */
    if (!isdigit((unsigned char)*p))
        return false;
    while (isdigit((unsigned char)*p))
        p++;
    return starts_with(p, " lids dumped") || starts_with(p, " valid lids dumped");
}

typedef struct dump_reader {
    ftopo_routes *r;
    const char *name;
    size_t line;
    ftopo_node_id sw;  /* switch of the current block; FTOPO_NONE before any */
    bool in_multicast; /* inside a "Multicast mlids" block: skipped */
    ftopo_diag *diag;
} dump_reader;

static ftopo_status parse_header(dump_reader *d, const char *p)
{
    const ftopo_fabric *f = d->r->fabric;
    const char *g = strstr(p, " guid 0x");
    char *end;
    errno = 0;
    uint64_t guid = g ? strtoull(g + 8, &end, 16) : 0;
    if (!g || errno || end == g + 8 || (*end && !isspace((unsigned char)*end) && *end != ':'))
        return ftopo__fail(d->diag, FTOPO_ERR_PARSE, "%s:%zu: switch header without a guid",
                           d->name, d->line);
    ftopo_node_id n;
    if (ftopo_find_by_guid(f, guid, &n) != FTOPO_OK)
        return ftopo__fail(d->diag, FTOPO_ERR_PARSE, "%s:%zu: unknown switch guid 0x%016" PRIx64,
                           d->name, d->line, guid);
    if (f->nodes[n].type != FTOPO_NODE_SWITCH)
        return ftopo__fail(d->diag, FTOPO_ERR_PARSE,
                           "%s:%zu: guid 0x%016" PRIx64 " ('%s') is not a switch", d->name, d->line,
                           guid, f->nodes[n].desc);
    d->sw = n;
    return FTOPO_OK;
}

static ftopo_status parse_entry(dump_reader *d, const char *p)
{
    ftopo_routes *r = d->r;
    const ftopo__node *sw = &r->fabric->nodes[d->sw];
    char *end;
    errno = 0;
    unsigned long lid = strtoul(p, &end, 16);
    if (errno || end <= p + 2 || !isspace((unsigned char)*end))
        return ftopo__fail(d->diag, FTOPO_ERR_PARSE, "%s:%zu: malformed LID", d->name, d->line);
    p = end;
    while (isspace((unsigned char)*p))
        p++;
    unsigned long port = strtoul(p, &end, 10);
    if (errno || end == p || !isdigit((unsigned char)*p) || (*end && !isspace((unsigned char)*end)))
        return ftopo__fail(d->diag, FTOPO_ERR_PARSE, "%s:%zu: malformed port for LID 0x%lx",
                           d->name, d->line, lid);
    if (lid == 0) /* reserved, never routed */
        return FTOPO_OK;
    if (lid > r->lid_top || r->lid_node[lid] == FTOPO_NONE)
        return ftopo__fail(d->diag, FTOPO_ERR_PARSE, "%s:%zu: LID %lu (0x%lx) has no owner",
                           d->name, d->line, lid, lid);
    if (port > (unsigned long)sw->num_ports)
        return ftopo__fail(d->diag, FTOPO_ERR_PARSE,
                           "%s:%zu: port %lu out of range (switch 0x%016" PRIx64
                           " '%s' has %d ports)",
                           d->name, d->line, port, sw->guid, sw->desc, sw->num_ports);
    ftopo__lft_row(r, (size_t)r->switch_index[d->sw])[lid] = (uint8_t)port;
    return FTOPO_OK;
}

static ftopo_status parse_line(dump_reader *d, char *line)
{
    char *p = line;
    while (isspace((unsigned char)*p))
        p++;
    size_t len = strlen(p);
    while (len && isspace((unsigned char)p[len - 1]))
        p[--len] = '\0';
    if (starts_with(p, "Unicast lids")) {
        d->in_multicast = false;
        return parse_header(d, p);
    }
    if (starts_with(p, "Multicast mlids")) {
        d->in_multicast = true;
        return FTOPO_OK;
    }
    if (d->in_multicast || is_filler(p))
        return FTOPO_OK;
    if (starts_with(p, "0x") || starts_with(p, "0X")) {
        if (d->sw == FTOPO_NONE)
            return ftopo__fail(d->diag, FTOPO_ERR_PARSE,
                               "%s:%zu: entry before any 'Unicast lids' switch header", d->name,
                               d->line);
        return parse_entry(d, p);
    }
    return ftopo__fail(d->diag, FTOPO_ERR_PARSE, "%s:%zu: unexpected line '%.40s'", d->name,
                       d->line, p);
}

ftopo_status ftopo_routes_read_dump(ftopo_routes *r, FILE *in, const char *name, ftopo_diag *diag)
{
    if (!r || !in)
        return FTOPO_ERR_ARG;
    dump_reader d = {.r = r, .name = name ? name : "<lfts>", .sw = FTOPO_NONE, .diag = diag};
    char *line = NULL;
    size_t cap = 0;
    ftopo_status st = FTOPO_OK;
    while (st == FTOPO_OK && getline(&line, &cap, in) >= 0) {
        d.line++;
        st = parse_line(&d, line);
    }
    if (st == FTOPO_OK && ferror(in))
        st = ftopo__fail(diag, FTOPO_ERR_IO, "%s: read failed", d.name);
    free(line);
    return st;
}

ftopo_status ftopo_routes_read_dump_file(ftopo_routes *r, const char *path, ftopo_diag *diag)
{
    if (!r || !path)
        return FTOPO_ERR_ARG;
    if (strcmp(path, "-") == 0)
        return ftopo_routes_read_dump(r, stdin, "<stdin>", diag);
    FILE *in = fopen(path, "r");
    if (!in)
        return ftopo__fail(diag, FTOPO_ERR_IO, "%s: %s", path, strerror(errno));
    ftopo_status st = ftopo_routes_read_dump(r, in, path, diag);
    fclose(in);
    return st;
}

ftopo_status ftopo_routes_write_guid2lid(const ftopo_routes *r, FILE *out, ftopo_diag *diag)
{
    if (!r || !out)
        return FTOPO_ERR_ARG;
    ftopo_status st = check_unicast(r, "guid2lid", diag);
    if (st != FTOPO_OK)
        return st;
    for (unsigned lid = 1; lid <= r->lid_top; lid++) {
        ftopo_node_id n = r->lid_node[lid];
        /* One line per port, at its base LID. */
        if (n == FTOPO_NONE ||
            (lid > 1 && r->lid_node[lid - 1] == n && r->lid_port[lid - 1] == r->lid_port[lid]))
            continue;
        uint64_t guid = 0;
        if (r->lid_port[lid] > 0)
            guid = ftopo__port_at(r->fabric, n, r->lid_port[lid])->guid;
        else
            guid = r->fabric->nodes[n].guid;
        if (!guid)
            return ftopo__fail(diag, FTOPO_ERR_ARG,
                               "guid2lid: port %u of node 0x%016" PRIx64 " has no port GUID",
                               r->lid_port[lid], r->fabric->nodes[n].guid);
        /* OpenSM's database files end every record with a blank line
         * (records may span lines): without it they run together. */
        fprintf(out, "0x%016" PRIx64 " 0x%04x 0x%04x\n\n", guid, lid,
                lid + (1u << r->lid_lmc[lid]) - 1);
    }
    if (ferror(out))
        return ftopo__fail(diag, FTOPO_ERR_IO, "guid2lid: write failed");
    return FTOPO_OK;
}

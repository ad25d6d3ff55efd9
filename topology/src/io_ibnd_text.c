/* Reader of ibnetdiscover's text format, which is also ibsim's netfile.
 *
 * Two dialects share one grammar. ibnetdiscover writes GUID lines
 * (switchguid=0x..(portguid), caguid=), ids "S-<guid>"/"H-<guid>" and the
 * node description in the trailing comment; a hand-written netfile has no
 * GUIDs and uses the quoted id as the description. GUIDs are assigned the
 * way ibsim 0.10 (sim_net.c) does, so that a netfile and its live discovery
 * under ibsim agree:
 *   - per type counters start at 0x200000 (switches), 0x100000 (CAs) and 0
 *     (routers); a node takes its type's counter, then the counter moves on
 *     by 1 for a switch and by ports + 1 for a CA or router;
 *   - `switchguid=X` / `caguid=X` (alias hcaguids) / `rtguid=X` set the
 *     counter to X; `...guid+X` sets it to the last absolute value plus X;
 *   - `sysimgguid=X` applies to the next node only; otherwise the system
 *     image GUID is the node GUID; a CA's port p has GUID node GUID + p.
 * Widths and speeds come from the comment trailer ("lid 4 4xEDR", the last
 * "lid" after any quoted text, as ibsim reads it), else from per-port
 * options w= s= e= (PortInfo bit masks), else from the file-wide width=,
 * speed=, extspeed= lines, else ibsim's default 4x SDR. A link runs at what
 * both ends support, so both ports get the narrower width and slower speed.
 *
 * ibsim ignores what it does not know; this reader rejects it instead, with
 * file and line, since a silently ignored line is usually a broken file. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* Real lines are under 200 bytes (ibsim's own limit is 255). */
#define MAX_LINE  4096
#define MAX_PORTS 254

typedef struct rd_port {
    const char *rid; /* remote node id, in the reader's id store; NULL: not listed */
    int rport;
    int line;
    uint64_t guid;
    uint16_t lid;
    uint8_t lmc;
    ftopo_link_width width;
    ftopo_link_speed speed;
    ftopo_node_id peer; /* resolved remote node */
} rd_port;

typedef struct rd_node {
    char *id;
    ftopo_node_type type;
    uint64_t guid, sysimg;
    char *desc;
    int nports, line;
    uint16_t lid;
    uint8_t lmc;
    size_t first_port; /* ports[first_port + p - 1] */
} rd_node;

enum { GUID_CA, GUID_SWITCH, GUID_ROUTER, GUID_TYPES };

typedef struct reader {
    const char *name;
    ftopo_diag *diag;
    int line;
    char buf[MAX_LINE + 1];

    rd_node *nodes;
    size_t num_nodes, cap_nodes;
    rd_port *ports;
    size_t num_ports, cap_ports;
    ftopo__idmap by_id;   /* hash of id -> node */
    ftopo__idmap by_guid; /* node GUID -> node */

    uint64_t abs_guid[GUID_TYPES], next_guid[GUID_TYPES];
    uint64_t pending_sysimg;
    ftopo_link_width default_width;
    ftopo_link_speed default_speed;

    rd_node *cur;       /* record whose port lines are being read */
    int cur_port_lines; /* port lines seen in it */
} reader;

#define FAIL(r, st, ...) ftopo__fail((r)->diag, (st), __VA_ARGS__)

static ftopo_status nomem(reader *r)
{
    return FAIL(r, FTOPO_ERR_NOMEM, "%s:%d: out of memory", r->name, r->line);
}

static ftopo_status syntax(reader *r, const char *what)
{
    return FAIL(r, FTOPO_ERR_PARSE, "%s:%d: %s", r->name, r->line, what);
}

static const char *skip_ws(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* An unsigned number in C notation (0x.., decimal); false when there is no
 * digit or it overflows `max`. */
static bool parse_num(const char **s, uint64_t max, uint64_t *out)
{
    const char *p = skip_ws(*s);
    if (!isdigit((unsigned char)*p))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p, &end, 0);
    if (errno || v > max)
        return false;
    *s = end;
    *out = v;
    return true;
}

/* A quoted string at *s: returns its start (NUL-terminated in place) and
 * moves *s past the closing quote; NULL when unterminated or absent. */
static char *take_quoted(char **s)
{
    char *p = (char *)skip_ws(*s);
    if (*p != '"')
        return NULL;
    char *end = strchr(p + 1, '"');
    if (!end)
        return NULL;
    *end = '\0';
    *s = end + 1;
    return p + 1;
}

/* Highest width in a PortInfo LinkWidthEnabled mask, the way ibsim picks the
 * active width: 12x, 8x, 4x, 2x, 1x. */
static ftopo_link_width width_of_mask(uint64_t mask)
{
    static const ftopo_link_width order[] = {FTOPO_WIDTH_12X, FTOPO_WIDTH_8X, FTOPO_WIDTH_4X,
                                             FTOPO_WIDTH_2X, FTOPO_WIDTH_1X};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if (mask & order[i])
            return order[i];
    return FTOPO_WIDTH_UNKNOWN;
}

/* Highest speed in LinkSpeedExtEnabled (FDR..XDR), else LinkSpeedEnabled. */
static ftopo_link_speed speed_of_masks(uint64_t speed, uint64_t ext)
{
    for (int bit = 4; bit >= 0; bit--)
        if (ext & (1u << bit))
            return ftopo_speed_from_portinfo(0, 1u << bit, false);
    for (int bit = 2; bit >= 0; bit--)
        if (speed & (1u << bit))
            return ftopo_speed_from_portinfo(1u << bit, 0, false);
    return FTOPO_SPEED_UNKNOWN;
}

static ftopo_status add_node(reader *r, ftopo_node_type type, char *id, char *desc, int nports,
                             rd_node **out)
{
    if (r->num_nodes == r->cap_nodes) {
        size_t cap = r->cap_nodes ? r->cap_nodes * 2 : 256;
        rd_node *n = realloc(r->nodes, cap * sizeof(*n));
        if (!n)
            return nomem(r);
        r->nodes = n;
        r->cap_nodes = cap;
    }
    if (r->num_ports + (size_t)nports > r->cap_ports) {
        size_t cap = r->cap_ports ? r->cap_ports : 1024;
        while (cap < r->num_ports + (size_t)nports)
            cap *= 2;
        rd_port *p = realloc(r->ports, cap * sizeof(*p));
        if (!p)
            return nomem(r);
        r->ports = p;
        r->cap_ports = cap;
    }

    uint64_t h = ftopo__hash_str(id, strlen(id));
    size_t cursor = 0;
    for (int64_t v; (v = ftopo__idmap_find_next(&r->by_id, h, &cursor)) >= 0;)
        if (strcmp(r->nodes[v].id, id) == 0)
            return FAIL(r, FTOPO_ERR_DUPLICATE, "%s:%d: node id \"%s\" already used on line %d",
                        r->name, r->line, id, r->nodes[v].line);

    int t = type == FTOPO_NODE_SWITCH ? GUID_SWITCH : type == FTOPO_NODE_CA ? GUID_CA : GUID_ROUTER;
    uint64_t guid = r->next_guid[t];
    if (guid == 0)
        return FAIL(r, FTOPO_ERR_PARSE,
                    "%s:%d: node \"%s\" would get GUID 0 (routers need an rtguid= line)", r->name,
                    r->line, id);
    int64_t other = ftopo__idmap_find(&r->by_guid, guid);
    if (other >= 0)
        return FAIL(r, FTOPO_ERR_DUPLICATE, "%s:%d: GUID 0x%016llx already used by line %d",
                    r->name, r->line, (unsigned long long)guid, r->nodes[other].line);
    r->next_guid[t] += type == FTOPO_NODE_SWITCH ? 1 : (uint64_t)nports + 1;

    char *id_copy = strdup(id), *desc_copy = strdup(desc ? desc : id);
    size_t index = r->num_nodes;
    if (!id_copy || !desc_copy || !ftopo__idmap_add(&r->by_id, h, (int64_t)index) ||
        !ftopo__idmap_add(&r->by_guid, guid, (int64_t)index)) {
        free(id_copy);
        free(desc_copy);
        return nomem(r);
    }
    rd_node *n = &r->nodes[r->num_nodes++];
    *n = (rd_node){.id = id_copy,
                   .type = type,
                   .guid = guid,
                   .sysimg = r->pending_sysimg ? r->pending_sysimg : guid,
                   .desc = desc_copy,
                   .nports = nports,
                   .line = r->line,
                   .first_port = r->num_ports};
    r->pending_sysimg = 0;
    for (int p = 1; p <= nports; p++)
        r->ports[r->num_ports++] = (rd_port){.peer = FTOPO_NONE};
    *out = n;
    return FTOPO_OK;
}

/* `Switch 36 "id" # "desc" base port 0 lid 3 lmc 0`, `Ca 2 "id" # "desc"`,
 * also ibsim's `Hca` and `Rt`, and an unquoted description ended by " lid"
 * and friends the way ibsim cuts it. */
static ftopo_status parse_header(reader *r, char *s, ftopo_node_type type, size_t keyword_len)
{
    char *p = s + keyword_len;
    uint64_t nports;
    if (*p != ' ' && *p != '\t')
        return syntax(r, "expected a port count after the node type");
    const char *q = p;
    if (!parse_num(&q, 1000000, &nports))
        return syntax(r, "expected a port count after the node type");
    if (nports < 1 || nports > MAX_PORTS)
        return FAIL(r, FTOPO_ERR_PARSE, "%s:%d: port count %llu out of range (1..%d)", r->name,
                    r->line, (unsigned long long)nports, MAX_PORTS);
    p = (char *)q;
    char *id = take_quoted(&p);
    if (!id || !*id)
        return syntax(r, "expected a quoted node id");
    if (strpbrk(id, "#@"))
        return syntax(r, "node ids may not contain '#' or '@' (reserved by ibsim)");

    char *desc = NULL, *rest = (char *)skip_ws(p);
    if (*rest && *rest != '#')
        return syntax(r, "unexpected text after the node id");
    if (*rest) {
        rest = (char *)skip_ws(rest + 1);
        if (*rest == '"') {
            desc = take_quoted(&rest);
            if (!desc)
                return syntax(r, "unterminated quote in the node description");
        } else {
            /* Unquoted: cut where ibsim cuts it. */
            static const char *const cuts[] = {" enhanced port ", " base port ", " lid ", " lmc "};
            desc = rest;
            if (strchr(desc, '"'))
                return syntax(r, "stray quote in the node description");
            char *end = desc + strlen(desc);
            for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
                char *c = strstr(desc, cuts[i]);
                if (c && c < end)
                    end = c;
            }
            rest = *end ? end + 1 : end;
            *end = '\0';
        }
    }

    rd_node *n = NULL;
    ftopo_status st = add_node(r, type, id, desc, (int)nports, &n);
    if (st != FTOPO_OK)
        return st;
    if (type == FTOPO_NODE_SWITCH) {
        uint64_t v;
        const char *at;
        if ((at = strstr(rest, "lid "))) {
            at += 4;
            if (!parse_num(&at, 0xffff, &v))
                return syntax(r, "bad switch LID");
            n->lid = (uint16_t)v;
        }
        if ((at = strstr(rest, "lmc "))) {
            at += 4;
            if (!parse_num(&at, 7, &v))
                return syntax(r, "bad switch LMC");
            n->lmc = (uint8_t)v;
        }
    }
    r->cur = n;
    r->cur_port_lines = 0;
    return FTOPO_OK;
}

/* Port options before the comment: w=, s=, e= (PortInfo enabled masks). */
static ftopo_status parse_options(reader *r, const char *s, rd_port *port)
{
    uint64_t width = 0, speed = 0, ext = 0;
    for (s = skip_ws(s); *s; s = skip_ws(s)) {
        char opt = *s;
        if ((opt != 'w' && opt != 's' && opt != 'e') || s[1] != '=')
            return syntax(r, "unexpected text in port line (options are w=, s=, e=)");
        s += 2;
        uint64_t v;
        if (!parse_num(&s, opt == 's' ? 7 : 31, &v) || (opt != 'e' && v == 0))
            return FAIL(r, FTOPO_ERR_PARSE, "%s:%d: bad value for port option %c=", r->name,
                        r->line, opt);
        *(opt == 'w' ? &width : opt == 's' ? &speed : &ext) = v;
    }
    if (width)
        port->width = width_of_mask(width);
    if (speed || ext)
        port->speed = speed_of_masks(speed, ext);
    return FTOPO_OK;
}

/* The comment of a port line: a CA's own "lid N lmc M" before any quoted
 * remote description, then the trailer "lid N 4xEDR": like ibsim, the first
 * "lid" after the last quote. A trailer without a rate leaves the rate as
 * the options or defaults set it. */
static ftopo_status parse_port_comment(reader *r, char *c, const rd_node *n, rd_port *port)
{
    size_t quotes = 0;
    for (const char *q = c; (q = strchr(q, '"')); q++)
        quotes++;
    if (quotes % 2)
        return syntax(r, "unterminated quote in the port comment");
    char *first_quote = strchr(c, '"'), *last_quote = strrchr(c, '"');
    uint64_t v;
    const char *at;
    if (n->type != FTOPO_NODE_SWITCH) {
        if (first_quote)
            *first_quote = '\0';
        if ((at = strstr(c, "lid "))) {
            at += 4;
            if (!parse_num(&at, 0xffff, &v))
                return syntax(r, "bad port LID");
            port->lid = (uint16_t)v;
        }
        if ((at = strstr(c, "lmc "))) {
            at += 4;
            if (!parse_num(&at, 7, &v))
                return syntax(r, "bad port LMC");
            port->lmc = (uint8_t)v;
        }
        if (first_quote)
            *first_quote = '"';
    }

    at = strstr(last_quote ? last_quote + 1 : c, "lid");
    if (!at)
        return FTOPO_OK;
    at += 3;
    if (!parse_num(&at, 0xffff, &v))
        return syntax(r, "expected a LID after \"lid\" in the port comment");
    at = skip_ws(at);
    /* A rate looks like "4xEDR"; anything else (", lmc 0") is not one. */
    if (!isdigit((unsigned char)at[0]) || !strpbrk(at, "xX"))
        return FTOPO_OK;
    char rate[32];
    size_t len = strcspn(at, " \t");
    if (len >= sizeof(rate))
        len = sizeof(rate) - 1;
    memcpy(rate, at, len);
    rate[len] = '\0';
    ftopo_link_width width = FTOPO_WIDTH_UNKNOWN;
    ftopo_link_speed speed = FTOPO_SPEED_UNKNOWN;
    if (ftopo_rate_parse(rate, &width, &speed) != FTOPO_OK || !width || !speed)
        return FAIL(r, FTOPO_ERR_PARSE, "%s:%d: unknown link rate \"%s\"", r->name, r->line, rate);
    port->width = width;
    port->speed = speed;
    return FTOPO_OK;
}

/* `[1](portguid) "S-..."[3](guid) w=2 # lid 4 lmc 0 "desc" lid 1 4xEDR`;
 * the remote port defaults to 1 as in ibsim. */
static ftopo_status parse_port(reader *r, char *s)
{
    rd_node *n = r->cur;
    if (!n)
        return syntax(r, "port line outside a node record");
    char *p = s + 1;
    uint64_t num, v;
    const char *q = p;
    if (!parse_num(&q, 1000000, &num) || *q != ']')
        return syntax(r, "expected \"[port]\"");
    if (num < 1 || num > (uint64_t)n->nports)
        return FAIL(r, FTOPO_ERR_PARSE, "%s:%d: port %llu out of range (\"%s\" has %d ports)",
                    r->name, r->line, (unsigned long long)num, n->id, n->nports);
    p = (char *)q + 1;
    rd_port *port = &r->ports[n->first_port + num - 1];
    if (port->rid)
        return FAIL(r, FTOPO_ERR_DUPLICATE, "%s:%d: port %llu of \"%s\" already listed on line %d",
                    r->name, r->line, (unsigned long long)num, n->id, port->line);
    if (starts_with(p, "[ext ")) { /* ibnetdiscover's external port number */
        char *end = strchr(p, ']');
        if (!end)
            return syntax(r, "unterminated \"[ext N]\"");
        p = end + 1;
    }
    if (*p == '(') {
        q = p + 1;
        char *end;
        errno = 0;
        v = strtoull(q, &end, 16);
        if (errno || end == q || *end != ')')
            return syntax(r, "bad port GUID");
        port->guid = v;
        p = end + 1;
    }
    char *rid = take_quoted(&p);
    if (!rid)
        return syntax(r, "expected a quoted remote node id");
    port->rport = 1;
    if (*p == '[') {
        q = p + 1;
        if (!parse_num(&q, 1000000, &v) || *q != ']' || v < 1 || v > MAX_PORTS)
            return syntax(r, "bad remote port number");
        port->rport = (int)v;
        p = (char *)q + 1;
    }
    if (*p == '(') { /* remote port GUID: the remote's own record has it */
        char *end = strchr(p, ')');
        if (!end)
            return syntax(r, "unterminated remote port GUID");
        p = end + 1;
    }
    char *comment = strchr(p, '#');
    if (comment)
        *comment++ = '\0';
    port->width = r->default_width;
    port->speed = r->default_speed;
    ftopo_status st = parse_options(r, p, port);
    if (st == FTOPO_OK && comment)
        st = parse_port_comment(r, comment, n, port);
    if (st != FTOPO_OK)
        return st;
    port->rid = strdup(rid);
    if (!port->rid)
        return nomem(r);
    port->line = r->line;
    r->cur_port_lines++;
    return FTOPO_OK;
}

/* `switchguid=0x..(portguid)`, `caguid+0x10`, ...: ibsim's GUID counters. */
static ftopo_status parse_guid_line(reader *r, const char *s, int type)
{
    const char *op = s + strcspn(s, "=+");
    uint64_t v;
    const char *q = op + 1;
    if (!*op || !parse_num(&q, UINT64_MAX, &v))
        return syntax(r, "expected \"=GUID\" or \"+OFFSET\"");
    if (*op == '=')
        r->abs_guid[type] = v;
    r->next_guid[type] = r->abs_guid[type] + (*op == '+' ? v : 0);
    return FTOPO_OK;
}

static ftopo_status parse_assignment(reader *r, const char *s, uint64_t max, uint64_t *out)
{
    const char *eq = strchr(s, '=');
    if (!eq)
        return syntax(r, "missing '='");
    const char *q = eq + 1;
    if (!parse_num(&q, max, out) || (*skip_ws(q) && *skip_ws(q) != '#'))
        return syntax(r, "bad number after '='");
    return FTOPO_OK;
}

static ftopo_status parse_line(reader *r, char *s)
{
    static const struct {
        const char *word;
        ftopo_node_type type;
    } headers[] = {{"Switch", FTOPO_NODE_SWITCH},
                   {"Hca", FTOPO_NODE_CA},
                   {"Ca", FTOPO_NODE_CA},
                   {"Rt", FTOPO_NODE_ROUTER}};
    static const struct {
        const char *word;
        int type;
    } guid_lines[] = {{"switchguid", GUID_SWITCH},
                      {"hcaguids", GUID_CA},
                      {"caguid", GUID_CA},
                      {"rtguid", GUID_ROUTER}};

    s = (char *)skip_ws(s);
    if (*s == '\0') {
        r->cur = NULL;
        return FTOPO_OK;
    }
    if (*s == '#')
        return FTOPO_OK;
    if (*s == '[')
        return parse_port(r, s);
    /* ibsim reads a record's port lines until a line that is not one and
     * swallows that line: a record must end with a blank line unless it
     * listed all of its ports. */
    if (r->cur && r->cur_port_lines < r->cur->nports)
        return syntax(r, "a node record must end with a blank line");
    r->cur = NULL;

    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
        if (starts_with(s, headers[i].word))
            return parse_header(r, s, headers[i].type, strlen(headers[i].word));
    for (size_t i = 0; i < sizeof(guid_lines) / sizeof(guid_lines[0]); i++)
        if (starts_with(s, guid_lines[i].word))
            return parse_guid_line(r, s + strlen(guid_lines[i].word), guid_lines[i].type);

    uint64_t v;
    ftopo_status st;
    if (starts_with(s, "sysimgguid")) {
        if ((st = parse_assignment(r, s, UINT64_MAX, &v)) == FTOPO_OK)
            r->pending_sysimg = v;
        return st;
    }
    if (starts_with(s, "vendid") || starts_with(s, "devid"))
        return parse_assignment(r, s, UINT32_MAX, &v);
    /* File-wide enabled masks; like ibsim, a width or speed must enable
     * something (an extended speed of 0 means none). */
    if (starts_with(s, "width")) {
        if ((st = parse_assignment(r, s, 31, &v)) == FTOPO_OK &&
            !(r->default_width = width_of_mask(v)))
            st = syntax(r, "width= must enable a width (1..31)");
        return st;
    }
    if (starts_with(s, "extspeed") || starts_with(s, "speed")) {
        bool ext = s[0] == 'e';
        if ((st = parse_assignment(r, s, ext ? 31 : 7, &v)) != FTOPO_OK)
            return st;
        ftopo_link_speed sp = ext ? speed_of_masks(0, v) : speed_of_masks(v, 0);
        if (!ext && !sp)
            return syntax(r, "speed= must enable a speed (1..7)");
        if (sp)
            r->default_speed = sp;
        return FTOPO_OK;
    }
    /* ibnetdiscover -g groups nodes under these headings. */
    if (starts_with(s, "Chassis ") || starts_with(s, "Non-Chassis Nodes"))
        return FTOPO_OK;
    if (starts_with(s, "include") || starts_with(s, "module") || starts_with(s, "do"))
        return syntax(r, "ibsim's include/module/do lines are not supported");
    return syntax(r, "unrecognized line");
}

/* Checks that every listed port is listed the same way at its other end. */
static ftopo_status resolve_links(reader *r)
{
    for (size_t i = 0; i < r->num_nodes; i++) {
        rd_node *n = &r->nodes[i];
        for (int p = 1; p <= n->nports; p++) {
            rd_port *port = &r->ports[n->first_port + p - 1];
            if (!port->rid)
                continue;
            r->line = port->line;
            uint64_t h = ftopo__hash_str(port->rid, strlen(port->rid));
            size_t cursor = 0;
            int64_t v;
            while ((v = ftopo__idmap_find_next(&r->by_id, h, &cursor)) >= 0 &&
                   strcmp(r->nodes[v].id, port->rid) != 0)
                ;
            if (v < 0)
                return FAIL(r, FTOPO_ERR_PARSE, "%s:%d: remote node \"%s\" is not in the file",
                            r->name, r->line, port->rid);
            rd_node *m = &r->nodes[v];
            if (port->rport > m->nports)
                return FAIL(r, FTOPO_ERR_PARSE,
                            "%s:%d: remote port %d out of range (\"%s\" has %d ports)", r->name,
                            r->line, port->rport, m->id, m->nports);
            if (m == n && port->rport == p)
                return syntax(r, "port cabled to itself");
            rd_port *back = &r->ports[m->first_port + port->rport - 1];
            if (!back->rid)
                return FAIL(r, FTOPO_ERR_PARSE,
                            "%s:%d: link to \"%s\"[%d] is listed on this end only (line %d "
                            "has no port %d)",
                            r->name, r->line, m->id, port->rport, m->line, port->rport);
            if (strcmp(back->rid, n->id) != 0 || back->rport != p)
                return FAIL(r, FTOPO_ERR_CONFLICT,
                            "%s:%d: \"%s\"[%d] is cabled to \"%s\"[%d], but line %d cables it "
                            "to \"%s\"[%d]",
                            r->name, r->line, n->id, p, m->id, port->rport, back->line, back->rid,
                            back->rport);
            port->peer = (ftopo_node_id)v;
        }
    }
    return FTOPO_OK;
}

static ftopo_link_width narrower(ftopo_link_width a, ftopo_link_width b)
{
    if (!a || !b)
        return a ? a : b;
    return ftopo_width_lanes(a) <= ftopo_width_lanes(b) ? a : b;
}

static ftopo_link_speed slower(ftopo_link_speed a, ftopo_link_speed b)
{
    if (!a || !b)
        return a ? a : b;
    return a < b ? a : b;
}

static ftopo_status build(reader *r, ftopo_fabric **out)
{
    ftopo_fabric *f;
    ftopo_status st = ftopo_fabric_create(&f);
    if (st != FTOPO_OK)
        return nomem(r);
    for (size_t i = 0; i < r->num_nodes && st == FTOPO_OK; i++) {
        rd_node *n = &r->nodes[i];
        ftopo_node_spec spec = {.type = n->type,
                                .node_guid = n->guid,
                                .sysimg_guid = n->sysimg,
                                .desc = n->desc,
                                .num_ports = n->nports,
                                .lid = n->lid,
                                .lmc = n->lmc};
        ftopo_node_id id;
        st = ftopo_fabric_add_node(f, &spec, &id);
        for (int p = 1; p <= n->nports && st == FTOPO_OK; p++) {
            rd_port *port = &r->ports[n->first_port + p - 1];
            if (!port->rid)
                continue;
            /* Both ends run at what both support. */
            const rd_port *back = &r->ports[r->nodes[port->peer].first_port + port->rport - 1];
            ftopo_port_spec ps = {.port_guid = port->guid,
                                  .lid = port->lid,
                                  .lmc = port->lmc,
                                  .width = narrower(port->width, back->width),
                                  .speed = slower(port->speed, back->speed)};
            if (n->type != FTOPO_NODE_SWITCH && !ps.port_guid)
                ps.port_guid = n->guid + (uint64_t)p;
            st = ftopo_fabric_set_port(f, id, p, &ps);
        }
        if (st != FTOPO_OK)
            st = FAIL(r, st, "%s:%d: node \"%s\": %s", r->name, n->line, n->id, ftopo_strerror(st));
    }
    for (size_t i = 0; i < r->num_nodes && st == FTOPO_OK; i++) {
        rd_node *n = &r->nodes[i];
        for (int p = 1; p <= n->nports && st == FTOPO_OK; p++) {
            rd_port *port = &r->ports[n->first_port + p - 1];
            /* Each link once, from its lower end. */
            if (!port->rid || (size_t)port->peer < i ||
                ((size_t)port->peer == i && port->rport < p))
                continue;
            st = ftopo_fabric_add_link(f, (ftopo_node_id)i, p, port->peer, port->rport);
            if (st != FTOPO_OK)
                st = FAIL(r, st, "%s:%d: link \"%s\"[%d] - \"%s\"[%d]: %s", r->name, port->line,
                          n->id, p, port->rid, port->rport, ftopo_strerror(st));
        }
    }
    if (st == FTOPO_OK)
        st = ftopo_fabric_finalize(f, r->diag);
    if (st != FTOPO_OK) {
        ftopo_fabric_destroy(f);
        return st;
    }
    *out = f;
    return FTOPO_OK;
}

static void reader_free(reader *r)
{
    for (size_t i = 0; i < r->num_nodes; i++) {
        free(r->nodes[i].id);
        free(r->nodes[i].desc);
    }
    for (size_t i = 0; i < r->num_ports; i++)
        free((char *)r->ports[i].rid);
    free(r->nodes);
    free(r->ports);
    ftopo__idmap_free(&r->by_id);
    ftopo__idmap_free(&r->by_guid);
    free(r);
}

/* Copies line by line into r->buf, refusing bytes no text file has. */
static ftopo_status parse_all(reader *r, const char *data, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        r->line++;
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;
        if (n > MAX_LINE)
            return FAIL(r, FTOPO_ERR_PARSE, "%s:%d: line longer than %d bytes", r->name, r->line,
                        MAX_LINE);
        memcpy(r->buf, data + pos, n);
        pos += n + (nl ? 1 : 0);
        if (n && r->buf[n - 1] == '\r')
            n--;
        r->buf[n] = '\0';
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)r->buf[i];
            if (c < 0x20 && c != '\t')
                return FAIL(r, FTOPO_ERR_PARSE, "%s:%d: %s byte 0x%02x in column %zu", r->name,
                            r->line, c ? "control" : "NUL", c, i + 1);
        }
        ftopo_status st = parse_line(r, r->buf);
        if (st != FTOPO_OK)
            return st;
    }
    if (r->num_nodes == 0)
        return FAIL(r, FTOPO_ERR_PARSE, "%s:%d: no Switch, Ca or Rt record in the file", r->name,
                    r->line);
    return FTOPO_OK;
}

ftopo_status ftopo__ibnd_text_read(const char *data, size_t len, const char *name,
                                   ftopo_fabric **out, ftopo_diag *diag)
{
    reader *r = calloc(1, sizeof(*r));
    if (!r)
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "%s: out of memory", name);
    r->name = name;
    r->diag = diag;
    r->abs_guid[GUID_CA] = r->next_guid[GUID_CA] = 0x100000;
    r->abs_guid[GUID_SWITCH] = r->next_guid[GUID_SWITCH] = 0x200000;
    r->default_width = FTOPO_WIDTH_4X;
    r->default_speed = FTOPO_SPEED_SDR;
    ftopo_status st = parse_all(r, data, len);
    if (st == FTOPO_OK)
        st = resolve_links(r);
    if (st == FTOPO_OK)
        st = build(r, out);
    reader_free(r);
    return st;
}

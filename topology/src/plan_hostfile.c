/* The endpoint file (format in plan.h): a hostfile whose lines may also
 * name one HCA of a host, by rail, GUID or node description. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

typedef struct endpoints {
    ftopo_host_id *hosts;
    ftopo_node_id *cas;
    size_t *lines;
    size_t n, cap;
} endpoints;

/* The HCA named by a GUID or a node description, with its host. */
static bool hca_node(const ftopo_fabric *f, ftopo_node_id node, ftopo_host_id *h, ftopo_node_id *ca,
                     char *what, size_t what_len)
{
    if (f->nodes[node].type != FTOPO_NODE_CA || f->nodes[node].host == FTOPO_NONE) {
        snprintf(what, what_len, "'%.200s' is not an HCA of a host", f->nodes[node].desc);
        return false;
    }
    *h = f->nodes[node].host;
    *ca = node;
    return true;
}

/* HOST:RAIL. */
static bool host_rail(const ftopo_fabric *f, char *tok, char *colon, ftopo_host_id *h,
                      ftopo_node_id *ca, char *what, size_t what_len)
{
    *colon = '\0';
    if (ftopo_find_host(f, tok, h) != FTOPO_OK) {
        snprintf(what, what_len, "unknown host '%.200s'", tok);
        return false;
    }
    char *end;
    errno = 0;
    long rail = strtol(colon + 1, &end, 10);
    int num = f->hosts[*h].num_hcas;
    if (errno || end == colon + 1 || *end || rail < 0 || rail >= num) {
        snprintf(what, what_len, "host %.160s has no rail '%.20s' (rails 0 to %d)", tok, colon + 1,
                 num - 1);
        return false;
    }
    *ca = f->host_cas[f->hosts[*h].first + (size_t)rail];
    return true;
}

/* One line's endpoint; false with the reason in what, or true with
 * *h = FTOPO_NONE for a blank line. */
static bool parse_line(const ftopo_fabric *f, char *line, ftopo_host_id *h, ftopo_node_id *ca,
                       char *what, size_t what_len)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char *p = line + strspn(line, " \t\r\n");
    char *e = p + strlen(p);
    while (e > p && isspace((unsigned char)e[-1]))
        *--e = '\0';
    *h = FTOPO_NONE;
    *ca = FTOPO_NONE;
    if (!*p)
        return true;
    ftopo_node_id node;
    if (*p == '"') {
        if (e - p < 2 || e[-1] != '"') {
            snprintf(what, what_len, "expected \"node description\" alone on the line");
            return false;
        }
        e[-1] = '\0';
        if (ftopo_find_by_desc(f, p + 1, &node) != FTOPO_OK) {
            snprintf(what, what_len, "no node described \"%.200s\"", p + 1);
            return false;
        }
        return hca_node(f, node, h, ca, what, what_len);
    }
    if (strpbrk(p, " \t")) {
        snprintf(what, what_len, "one endpoint a line (quote a node description)");
        return false;
    }
    if (ftopo_find_host(f, p, h) == FTOPO_OK)
        return true;
    char *colon = strrchr(p, ':');
    if (colon)
        return host_rail(f, p, colon, h, ca, what, what_len);
    char *end;
    errno = 0;
    unsigned long long guid = strncmp(p, "0x", 2) == 0 ? strtoull(p, &end, 16) : 0;
    if (guid && !errno && !*end) {
        if (ftopo_find_by_guid(f, guid, &node) != FTOPO_OK) {
            snprintf(what, what_len, "no node with GUID 0x%llx", guid);
            return false;
        }
        return hca_node(f, node, h, ca, what, what_len);
    }
    snprintf(what, what_len, "unknown host '%.200s'", p);
    return false;
}

static bool push(endpoints *eps, ftopo_host_id h, ftopo_node_id ca, size_t line)
{
    if (eps->n == eps->cap) {
        size_t cap = eps->cap ? 2 * eps->cap : 64;
        ftopo_host_id *hs = realloc(eps->hosts, cap * sizeof(*hs));
        if (hs)
            eps->hosts = hs;
        ftopo_node_id *cs = realloc(eps->cas, cap * sizeof(*cs));
        if (cs)
            eps->cas = cs;
        size_t *ls = realloc(eps->lines, cap * sizeof(*ls));
        if (ls)
            eps->lines = ls;
        if (!hs || !cs || !ls)
            return false;
        eps->cap = cap;
    }
    eps->hosts[eps->n] = h;
    eps->cas[eps->n] = ca;
    eps->lines[eps->n++] = line;
    return true;
}

ftopo_status ftopo_plan_endpoints_read(const ftopo_fabric *fabric, const char *path,
                                       ftopo_host_id **hosts, ftopo_node_id **cas, size_t *num,
                                       ftopo_diag *diag)
{
    if (!fabric || !path || !hosts || !cas || !num)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "endpoints: no fabric, path or output");
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!in)
        return ftopo__fail(diag, FTOPO_ERR_IO, "%s: %s", path, strerror(errno));
    endpoints eps = {0};
    char *line = NULL, what[256];
    size_t cap = 0, lineno = 0;
    ftopo_status st = FTOPO_OK;
    while (st == FTOPO_OK && getline(&line, &cap, in) >= 0) {
        lineno++;
        ftopo_host_id h;
        ftopo_node_id ca;
        if (!parse_line(fabric, line, &h, &ca, what, sizeof(what)))
            st = ftopo__fail(diag, FTOPO_ERR_PARSE, "%s:%zu: %s", path, lineno, what);
        else if (h != FTOPO_NONE && !push(&eps, h, ca, lineno))
            st = ftopo__fail(diag, FTOPO_ERR_NOMEM, "%s: out of memory", path);
    }
    if (st == FTOPO_OK && ferror(in))
        st = ftopo__fail(diag, FTOPO_ERR_IO, "%s: read failed", path);
    size_t bad = 0;
    if (st == FTOPO_OK && ftopo__plan_check_endpoints(fabric, eps.hosts, eps.cas, eps.n, &bad, what,
                                                      sizeof(what)) != FTOPO_OK)
        st = ftopo__fail(diag, FTOPO_ERR_PARSE, "%s:%zu: %s", path, eps.lines[bad], what);
    free(line);
    free(eps.lines);
    if (in != stdin)
        fclose(in);
    if (st != FTOPO_OK) {
        free(eps.hosts);
        free(eps.cas);
        return st;
    }
    *hosts = eps.hosts;
    *cas = eps.cas;
    *num = eps.n;
    return FTOPO_OK;
}

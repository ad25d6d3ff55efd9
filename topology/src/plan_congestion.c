/* The congestion file: available fraction of capacity per directed link
 * (formats in plan.h). Plain text so that an admin or a script can write
 * one by hand, or JSON (plan_congestion_json.c) for fabricd and tools
 * that compute it from port counters or probes. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

/* Writes why a line is wrong; returns false for the caller to pass up. */
static bool bad(char *what, size_t what_len, const char *fmt, ...) FTOPO__PRINTF(3, 4);
static bool bad(char *what, size_t what_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, what_len, fmt, ap);
    va_end(ap);
    return false;
}

/* Parses the node field (0xGUID or "description") at *p; advances *p. */
static bool parse_node(const ftopo_fabric *f, char **p, ftopo_node_id *node, char *what,
                       size_t what_len)
{
    char *s = *p + strspn(*p, " \t");
    if (*s == '"') {
        char *end = strchr(s + 1, '"');
        if (!end)
            return bad(what, what_len, "unterminated quote");
        *end = '\0';
        *p = end + 1;
        if (ftopo_find_by_desc(f, s + 1, node) != FTOPO_OK)
            return bad(what, what_len, "no node described \"%.200s\"", s + 1);
        return true;
    }
    char *end;
    errno = 0;
    unsigned long long guid = strtoull(s, &end, 0);
    if (errno || end == s || (*end && *end != ' ' && *end != '\t'))
        return bad(what, what_len, "expected a node GUID or \"description\"");
    *p = end;
    if (ftopo_find_by_guid(f, guid, node) != FTOPO_OK)
        return bad(what, what_len, "no node with GUID 0x%llx", guid);
    return true;
}

bool ftopo__congestion_set(const ftopo_fabric *f, double *avail, ftopo_node_id node, long port,
                           double a, bool both, char *what, size_t what_len)
{
    if (port < 1 || port > f->nodes[node].num_ports)
        return bad(what, what_len, "port %ld out of range (node has %d ports)", port,
                   f->nodes[node].num_ports);
    if (!(a >= 0.0 && a <= 1.0))
        return bad(what, what_len, "available fraction %g not in [0, 1]", a);
    const ftopo__port *pt = ftopo__port_at(f, node, (int)port);
    if (pt->link == FTOPO_NONE)
        return bad(what, what_len, "port %ld is not cabled", port);
    ftopo_dlink_id d = ftopo__dlink(f, pt->link, node, (int)port);
    avail[d] = a;
    if (both)
        avail[d ^ 1] = a;
    return true;
}

static bool parse_line(const ftopo_fabric *f, char *line, double *avail, char *what,
                       size_t what_len)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char *p = line + strspn(line, " \t\r\n");
    if (!*p)
        return true;
    ftopo_node_id node;
    if (!parse_node(f, &p, &node, what, what_len))
        return false;
    char *end;
    long port = strtol(p, &end, 10);
    if (end == p)
        return bad(what, what_len, "port missing");
    p = end;
    double a = strtod(p, &end);
    if (end == p)
        return bad(what, what_len, "available fraction missing");
    p = end + strspn(end, " \t\r\n");
    bool both = strncmp(p, "both", 4) == 0;
    if (both)
        p += 4;
    if (*(p + strspn(p, " \t\r\n")))
        return bad(what, what_len, "unexpected text after the fraction");
    return ftopo__congestion_set(f, avail, node, port, a, both, what, what_len);
}

/* The text form; data is NUL-terminated and the lines are cut in place. */
static ftopo_status read_text(const ftopo_fabric *f, const char *path, char *data, double *avail,
                              ftopo_diag *diag)
{
    char what[256];
    size_t lineno = 0;
    for (char *line = data; line; lineno++) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (!parse_line(f, line, avail, what, sizeof(what)))
            return ftopo__fail(diag, FTOPO_ERR_PARSE, "%s:%zu: %s", path, lineno + 1, what);
        line = nl ? nl + 1 : NULL;
    }
    return FTOPO_OK;
}

ftopo_status ftopo_congestion_read_file(const ftopo_fabric *fabric, const char *path,
                                        double **avail, ftopo_diag *diag)
{
    if (!fabric || !path || !avail)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "congestion: no fabric, path or output");
    char *data;
    size_t len;
    ftopo_status st = ftopo__read_all(path, &data, &len, diag);
    if (st != FTOPO_OK)
        return st;
    size_t nd = 2 * fabric->num_links;
    double *a = malloc((nd ? nd : 1) * sizeof(*a));
    char *text = realloc(data, len + 1);
    if (!a || !text) {
        free(a);
        free(text ? text : data);
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "congestion: out of memory");
    }
    text[len] = '\0';
    for (size_t d = 0; d < nd; d++)
        a[d] = 1.0;
    char first = text[strspn(text, " \t\r\n")];
    if (memchr(text, '\0', len))
        st = ftopo__fail(diag, FTOPO_ERR_PARSE, "%s: binary data (a NUL byte)", path);
    else if (first == '{' || first == '[')
        st = ftopo__congestion_read_json(fabric, path, text, len, a, diag);
    else
        st = read_text(fabric, path, text, a, diag);
    free(text);
    if (st != FTOPO_OK) {
        free(a);
        return st;
    }
    *avail = a;
    return FTOPO_OK;
}

/* The light scanner behind io_json.c: finds where values start and end
 * (strings, nesting) without building them; json-c then parses, and fully
 * checks, each piece the reader needs. */
#include <string.h>

#include "json_scan.h"

/* A syntax error at byte `pos`, as "name:line:column: why". */
static ftopo_status syntax_error(const ftopo__json_text *t, size_t pos, const char *why)
{
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos && i < t->len; i++, col++) {
        if (t->data[i] == '\n') {
            line++;
            col = 0;
        }
    }
    return ftopo__fail(t->diag, FTOPO_ERR_PARSE, "%s:%zu:%zu: %s", t->name, line, col, why);
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

static size_t skip_ws(const ftopo__json_text *t, size_t pos)
{
    while (pos < t->len && is_ws(t->data[pos]))
        pos++;
    return pos;
}

/* Past the end of the string starting at `pos` (a quote); 0 if unclosed. */
static size_t skip_string(const ftopo__json_text *t, size_t pos)
{
    for (pos++; pos < t->len; pos++) {
        if (t->data[pos] == '\\')
            pos++;
        else if (t->data[pos] == '"')
            return pos + 1;
    }
    return 0;
}

/* Past the end of the value starting at `pos`. Only the structure is
 * checked here; json-c checks the rest when the value is parsed. */
static ftopo_status skip_value(const ftopo__json_text *t, size_t pos, size_t *end)
{
    size_t depth = 0;
    do {
        pos = skip_ws(t, pos);
        if (pos >= t->len)
            return syntax_error(t, pos, "unexpected end of input");
        char c = t->data[pos];
        if (c == '"') {
            size_t next = skip_string(t, pos);
            if (!next)
                return syntax_error(t, t->len, "unexpected end of input");
            pos = next;
        } else if (c == '{' || c == '[') {
            depth++;
            pos++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return syntax_error(t, pos, "unexpected character");
            depth--;
            pos++;
        } else {
            /* Scalars, commas and colons; a scalar alone runs to the next
             * delimiter. */
            pos++;
            while (depth == 0 && pos < t->len && !strchr(",:{}[]\" \t\r\n", t->data[pos]))
                pos++;
        }
    } while (depth > 0);
    *end = pos;
    return FTOPO_OK;
}

/* Parses the value at `start` with json-c, reading no further than
 * `limit`; *end is where the value ended. */
static ftopo_status parse_at(const ftopo__json_text *t, size_t start, size_t limit,
                             json_object **out, size_t *end)
{
    *out = NULL;
    if (limit - start > INT32_MAX)
        return syntax_error(t, start, "value too large for the JSON parser");
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return FTOPO_ERR_NOMEM;
    *out = json_tokener_parse_ex(tok, t->data + start, (int)(limit - start));
    enum json_tokener_error err = json_tokener_get_error(tok);
    *end = start + json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (err == json_tokener_success && *out)
        return FTOPO_OK;
    json_object_put(*out);
    *out = NULL;
    if (err == json_tokener_continue || err == json_tokener_success)
        return syntax_error(t, *end, "unexpected end of input");
    return syntax_error(t, *end, json_tokener_error_desc(err));
}

ftopo_status ftopo__json_parse_span(const ftopo__json_text *t, ftopo__json_span span,
                                    json_object **out)
{
    /* One byte past the value lets json-c see where a number ends. */
    size_t end;
    ftopo_status st = parse_at(t, span.start, span.end + (span.end < t->len), out, &end);
    if (st == FTOPO_OK && end < span.end) {
        json_object_put(*out);
        *out = NULL;
        return syntax_error(t, end, "unexpected character");
    }
    return st;
}

/* A top level that is not an object: json-c says whether it is JSON at all. */
static ftopo_status not_an_object(const ftopo__json_text *t, size_t pos)
{
    size_t end;
    json_object *v;
    ftopo_status st = skip_value(t, pos, &end);
    if (st == FTOPO_OK)
        st = ftopo__json_parse_span(t, (ftopo__json_span){pos, end}, &v);
    if (st != FTOPO_OK)
        return st;
    json_object_put(v);
    return ftopo__fail(t->diag, FTOPO_ERR_PARSE, "%s: $: must be an object", t->name);
}

ftopo_status ftopo__json_scan_top(const ftopo__json_text *t, const char *const *keys, size_t nkeys,
                                  ftopo__json_span *spans)
{
    for (size_t k = 0; k < nkeys; k++)
        spans[k] = (ftopo__json_span){0, 0};
    size_t pos = skip_ws(t, 0);
    if (pos >= t->len)
        return syntax_error(t, pos, "unexpected end of input");
    if (t->data[pos] != '{')
        return not_an_object(t, pos);
    pos = skip_ws(t, pos + 1);
    if (pos < t->len && t->data[pos] == '}')
        pos++;
    else {
        for (;;) {
            if (pos >= t->len)
                return syntax_error(t, pos, "unexpected end of input");
            if (t->data[pos] != '"')
                return syntax_error(t, pos, "expected a member name");
            size_t key_end = skip_string(t, pos);
            if (!key_end)
                return syntax_error(t, t->len, "unexpected end of input");
            const char *key = t->data + pos + 1;
            size_t key_len = key_end - pos - 2;
            pos = skip_ws(t, key_end);
            if (pos >= t->len || t->data[pos] != ':')
                return syntax_error(t, pos,
                                    pos >= t->len ? "unexpected end of input" : "expected ':'");
            size_t start = skip_ws(t, pos + 1), end;
            ftopo_status st = skip_value(t, start, &end);
            if (st != FTOPO_OK)
                return st;
            for (size_t k = 0; k < nkeys; k++)
                if (strlen(keys[k]) == key_len && memcmp(keys[k], key, key_len) == 0)
                    spans[k] = (ftopo__json_span){start, end};
            pos = skip_ws(t, end);
            if (pos < t->len && t->data[pos] == ',') {
                pos = skip_ws(t, pos + 1);
                continue;
            }
            if (pos < t->len && t->data[pos] == '}') {
                pos++;
                break;
            }
            return syntax_error(t, pos,
                                pos >= t->len ? "unexpected end of input" : "expected ',' or '}'");
        }
    }
    pos = skip_ws(t, pos);
    if (pos < t->len)
        return syntax_error(t, pos, "unexpected text after the JSON document");
    return FTOPO_OK;
}

/* Adds the newlines between it->counted and `pos` to it->line: counting as
 * the walk goes keeps line numbers linear in the file size. */
static void count_lines(const ftopo__json_text *t, ftopo__json_array *it, size_t pos)
{
    for (; it->counted < pos; it->counted++)
        it->line += t->data[it->counted] == '\n';
}

bool ftopo__json_array_open(const ftopo__json_text *t, ftopo__json_span span, ftopo__json_array *it)
{
    *it = (ftopo__json_array){
        .pos = span.start + 1, .end = span.end - 1, .index = (size_t)-1, .line = 1};
    count_lines(t, it, span.start);
    return span.end > span.start && t->data[span.start] == '[';
}

ftopo_status ftopo__json_array_next(const ftopo__json_text *t, ftopo__json_array *it,
                                    json_object **elem)
{
    *elem = NULL;
    size_t pos = skip_ws(t, it->pos);
    if (it->index != (size_t)-1 && pos < it->end) {
        if (t->data[pos] != ',')
            return syntax_error(t, pos, "expected ',' or ']'");
        pos = skip_ws(t, pos + 1);
        if (pos >= it->end)
            return syntax_error(t, pos, "unexpected ']'");
    }
    if (pos >= it->end)
        return FTOPO_OK;
    count_lines(t, it, pos);
    /* json-c stops after one value; the closing ']' ends a last number. */
    size_t end;
    ftopo_status st = parse_at(t, pos, it->end + 1, elem, &end);
    if (st != FTOPO_OK)
        return st;
    it->pos = end;
    it->index++;
    return FTOPO_OK;
}

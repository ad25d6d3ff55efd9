/* Format dispatch: one const table of format ops, file slurping, and format
 * guessing for FTOPO_FORMAT_AUTO. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* Refuse inputs that cannot be a real fabric description, before reading
 * them into memory (1 GiB holds well over a million-endpoint fabric). */
#define MAX_INPUT_BYTES (1024L * 1024 * 1024)

static ftopo_status no_read_buffer(const char *data, size_t len, const char *name,
                                   ftopo_fabric **out, ftopo_diag *diag)
{
    (void)data;
    (void)len;
    (void)out;
    return ftopo__fail(diag, FTOPO_ERR_UNSUPPORTED, "%s: this format cannot be read from memory",
                       name);
}

static ftopo_status no_read_file(const char *path, ftopo_fabric **out, ftopo_diag *diag)
{
    (void)out;
    return ftopo__fail(diag, FTOPO_ERR_UNSUPPORTED, "%s: this format cannot be read", path);
}

static ftopo_status no_write(const ftopo_fabric *fabric, FILE *out, ftopo_diag *diag)
{
    (void)fabric;
    (void)out;
    return ftopo__fail(diag, FTOPO_ERR_UNSUPPORTED, "this format cannot be written");
}

static const ftopo__format_ops formats[] = {
    {"ibnetdiscover", FTOPO_FORMAT_IBNETDISCOVER, ftopo__ibnd_text_read, NULL,
     ftopo__ibnd_text_write},
    {"cache", FTOPO_FORMAT_IBND_CACHE, no_read_buffer, ftopo__cache_read_file, no_write},
    {"json", FTOPO_FORMAT_JSON, ftopo__json_read, NULL, ftopo__json_write},
    {"dot", FTOPO_FORMAT_DOT, no_read_buffer, no_read_file, ftopo__dot_write},
    {"graphml", FTOPO_FORMAT_GRAPHML, ftopo__graphml_read, NULL, ftopo__graphml_write},
};

static const struct {
    const char *alias;
    ftopo_format format;
} aliases[] = {
    {"net", FTOPO_FORMAT_IBNETDISCOVER},
    {"topo", FTOPO_FORMAT_IBNETDISCOVER},
    {"ibnd-cache", FTOPO_FORMAT_IBND_CACHE},
    {"gv", FTOPO_FORMAT_DOT},
};

static const ftopo__format_ops *find_format(ftopo_format format)
{
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (formats[i].format == format)
            return &formats[i];
    return NULL;
}

ftopo_status ftopo_format_parse(const char *name, ftopo_format *out)
{
    if (!name || !out)
        return FTOPO_ERR_ARG;
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        if (strcasecmp(name, formats[i].name) == 0) {
            *out = formats[i].format;
            return FTOPO_OK;
        }
    }
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
        if (strcasecmp(name, aliases[i].alias) == 0) {
            *out = aliases[i].format;
            return FTOPO_OK;
        }
    }
    return FTOPO_ERR_NOT_FOUND;
}

const char *ftopo_format_name(ftopo_format format)
{
    const ftopo__format_ops *ops = find_format(format);
    return ops ? ops->name : "auto";
}

bool ftopo_format_can_read(ftopo_format format)
{
    const ftopo__format_ops *ops = find_format(format);
    return ops && (ops->read_buffer != no_read_buffer || ops->read_file);
}

bool ftopo_format_can_write(ftopo_format format)
{
    const ftopo__format_ops *ops = find_format(format);
    return ops && ops->write != no_write;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Guesses from the content first (it cannot lie), then from the name. */
static ftopo_format guess_format(const char *path, const char *data, size_t len)
{
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'))
        i++;
    if (i < len && (data[i] == '{' || data[i] == '['))
        return FTOPO_FORMAT_JSON;
    if ((len - i >= 5 && memcmp(data + i, "<?xml", 5) == 0) ||
        (len - i >= 8 && memcmp(data + i, "<graphml", 8) == 0))
        return FTOPO_FORMAT_GRAPHML;
    if (path && has_suffix(path, ".json"))
        return FTOPO_FORMAT_JSON;
    return FTOPO_FORMAT_IBNETDISCOVER;
}

/* libibnetdisc's cache files start with its magic 0x8FE7832B, stored little
 * endian (checked against a file written by `ibnetdiscover --cache`). */
static bool looks_like_cache(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    unsigned char magic[4] = {0};
    size_t n = fread(magic, 1, sizeof(magic), f);
    fclose(f);
    return n == 4 && magic[0] == 0x2b && magic[1] == 0x83 && magic[2] == 0xe7 && magic[3] == 0x8f;
}

ftopo_status ftopo__read_all(const char *path, char **data, size_t *len, ftopo_diag *diag)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return ftopo__fail(diag, FTOPO_ERR_IO, "%s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    ftopo_status st = buf ? FTOPO_OK : FTOPO_ERR_NOMEM;
    while (st == FTOPO_OK) {
        if (n == cap) {
            if (cap >= (size_t)MAX_INPUT_BYTES) {
                st = ftopo__fail(diag, FTOPO_ERR_PARSE, "%s: larger than %ld bytes", path,
                                 MAX_INPUT_BYTES);
                break;
            }
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                st = FTOPO_ERR_NOMEM;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                st = ftopo__fail(diag, FTOPO_ERR_IO, "%s: read failed", path);
            break;
        }
    }
    if (!is_stdin)
        fclose(f);
    if (st != FTOPO_OK) {
        free(buf);
        if (st == FTOPO_ERR_NOMEM)
            ftopo__fail(diag, st, "%s: out of memory", path);
        return st;
    }
    *data = buf;
    *len = n;
    return FTOPO_OK;
}

ftopo_status ftopo_read_buffer(const char *data, size_t len, ftopo_format format, const char *name,
                               ftopo_fabric **out, ftopo_diag *diag)
{
    if (!out)
        return FTOPO_ERR_ARG;
    *out = NULL;
    if (!data && len)
        return FTOPO_ERR_ARG;
    if (!name)
        name = "<buffer>";
    if (format == FTOPO_FORMAT_AUTO)
        format = guess_format(NULL, data, len);
    const ftopo__format_ops *ops = find_format(format);
    if (!ops)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "%s: unknown format %d", name, (int)format);
    return ops->read_buffer(data ? data : "", len, name, out, diag);
}

ftopo_status ftopo_read_file(const char *path, ftopo_format format, ftopo_fabric **out,
                             ftopo_diag *diag)
{
    if (!path || !out)
        return FTOPO_ERR_ARG;
    *out = NULL;
    if (format == FTOPO_FORMAT_AUTO && strcmp(path, "-") != 0 && looks_like_cache(path))
        format = FTOPO_FORMAT_IBND_CACHE;
    const ftopo__format_ops *ops = format == FTOPO_FORMAT_AUTO ? NULL : find_format(format);
    if (format != FTOPO_FORMAT_AUTO && !ops)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "%s: unknown format %d", path, (int)format);
    if (ops && ops->read_file)
        return ops->read_file(path, out, diag);

    char *data = NULL;
    size_t len = 0;
    ftopo_status st = ftopo__read_all(path, &data, &len, diag);
    if (st != FTOPO_OK)
        return st;
    if (!ops)
        ops = find_format(guess_format(path, data, len));
    st = ops->read_buffer(data, len, path, out, diag);
    free(data);
    return st;
}

ftopo_status ftopo_write_stream(const ftopo_fabric *fabric, FILE *out, ftopo_format format,
                                ftopo_diag *diag)
{
    if (!fabric || !out)
        return FTOPO_ERR_ARG;
    const ftopo__format_ops *ops = find_format(format);
    if (!ops)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "unknown output format %d", (int)format);
    ftopo_status st = ops->write(fabric, out, diag);
    if (st == FTOPO_OK && (fflush(out) != 0 || ferror(out)))
        st = ftopo__fail(diag, FTOPO_ERR_IO, "writing %s output failed", ops->name);
    return st;
}

ftopo_status ftopo_write_file(const ftopo_fabric *fabric, const char *path, ftopo_format format,
                              ftopo_diag *diag)
{
    if (!fabric || !path)
        return FTOPO_ERR_ARG;
    if (strcmp(path, "-") == 0)
        return ftopo_write_stream(fabric, stdout, format, diag);
    FILE *f = fopen(path, "w");
    if (!f)
        return ftopo__fail(diag, FTOPO_ERR_IO, "%s: %s", path, strerror(errno));
    ftopo_status st = ftopo_write_stream(fabric, f, format, diag);
    if (fclose(f) != 0 && st == FTOPO_OK)
        st = ftopo__fail(diag, FTOPO_ERR_IO, "%s: %s", path, strerror(errno));
    if (st != FTOPO_OK)
        remove(path);
    return st;
}

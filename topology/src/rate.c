/* Link widths and speeds: decoding PortInfo, names, and the data rate a user
 * sees. Rates are the per-lane figures vendors quote (4x EDR is "100 Gb/s"
 * although the line runs at 4 x 25.78125), so that summaries read the way
 * datasheets do. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

static const struct {
    ftopo_link_speed speed;
    const char *name;
    double lane_gbps;
} speeds[] = {
    {FTOPO_SPEED_SDR, "SDR", 2.5},   {FTOPO_SPEED_DDR, "DDR", 5.0},
    {FTOPO_SPEED_QDR, "QDR", 10.0},  {FTOPO_SPEED_FDR10, "FDR10", 10.0},
    {FTOPO_SPEED_FDR, "FDR", 14.0},  {FTOPO_SPEED_EDR, "EDR", 25.0},
    {FTOPO_SPEED_HDR, "HDR", 50.0},  {FTOPO_SPEED_NDR, "NDR", 100.0},
    {FTOPO_SPEED_XDR, "XDR", 200.0},
};

static const struct {
    ftopo_link_width width;
    const char *name;
    int lanes;
} widths[] = {
    {FTOPO_WIDTH_1X, "1x", 1}, {FTOPO_WIDTH_2X, "2x", 2},    {FTOPO_WIDTH_4X, "4x", 4},
    {FTOPO_WIDTH_8X, "8x", 8}, {FTOPO_WIDTH_12X, "12x", 12},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

int ftopo_width_lanes(ftopo_link_width width)
{
    for (size_t i = 0; i < COUNT(widths); i++)
        if (widths[i].width == width)
            return widths[i].lanes;
    return 0;
}

static double lane_gbps(ftopo_link_speed speed)
{
    for (size_t i = 0; i < COUNT(speeds); i++)
        if (speeds[i].speed == speed)
            return speeds[i].lane_gbps;
    return 0.0;
}

double ftopo_link_rate_gbps(ftopo_link_width width, ftopo_link_speed speed)
{
    return ftopo_width_lanes(width) * lane_gbps(speed);
}

const char *ftopo_width_str(ftopo_link_width width)
{
    for (size_t i = 0; i < COUNT(widths); i++)
        if (widths[i].width == width)
            return widths[i].name;
    return "?";
}

const char *ftopo_speed_str(ftopo_link_speed speed)
{
    for (size_t i = 0; i < COUNT(speeds); i++)
        if (speeds[i].speed == speed)
            return speeds[i].name;
    return "?";
}

/* Width prefix of `text` ("4x", "12X"): its length, 0 when there is none. */
static size_t width_prefix(const char *text, ftopo_link_width *out)
{
    for (size_t i = 0; i < COUNT(widths); i++) {
        size_t n = strlen(widths[i].name);
        if (strncasecmp(text, widths[i].name, n) == 0) {
            /* "1x" must not match the start of "12x". */
            if (isdigit((unsigned char)text[n - 1]) && isdigit((unsigned char)text[n]))
                continue;
            *out = widths[i].width;
            return n;
        }
    }
    return 0;
}

ftopo_status ftopo_width_parse(const char *text, ftopo_link_width *out)
{
    if (!text || !out)
        return FTOPO_ERR_ARG;
    ftopo_link_width w;
    size_t n = width_prefix(text, &w);
    if (n == 0 || text[n] != '\0')
        return FTOPO_ERR_PARSE;
    *out = w;
    return FTOPO_OK;
}

ftopo_status ftopo_speed_parse(const char *text, ftopo_link_speed *out)
{
    if (!text || !out)
        return FTOPO_ERR_ARG;
    for (size_t i = 0; i < COUNT(speeds); i++) {
        if (strcasecmp(text, speeds[i].name) == 0) {
            *out = speeds[i].speed;
            return FTOPO_OK;
        }
    }
    return FTOPO_ERR_PARSE;
}

ftopo_status ftopo_rate_parse(const char *text, ftopo_link_width *width, ftopo_link_speed *speed)
{
    if (!text || !width || !speed)
        return FTOPO_ERR_ARG;
    ftopo_link_width w;
    size_t n = width_prefix(text, &w);
    if (n == 0)
        return FTOPO_ERR_PARSE;
    while (text[n] == ' ')
        n++;
    ftopo_link_speed s;
    if (ftopo_speed_parse(text + n, &s) != FTOPO_OK)
        return FTOPO_ERR_PARSE;
    *width = w;
    *speed = s;
    return FTOPO_OK;
}

ftopo_link_speed ftopo_speed_from_portinfo(unsigned speed_active, unsigned ext_speed_active,
                                           bool fdr10_active)
{
    /* Extended speeds win; a port reports one active bit, but should several
     * be set the fastest is what the link trained to. */
    static const ftopo_link_speed ext[] = {FTOPO_SPEED_FDR, FTOPO_SPEED_EDR, FTOPO_SPEED_HDR,
                                           FTOPO_SPEED_NDR, FTOPO_SPEED_XDR};
    for (int bit = (int)COUNT(ext) - 1; bit >= 0; bit--)
        if (ext_speed_active & (1u << bit))
            return ext[bit];
    if (fdr10_active)
        return FTOPO_SPEED_FDR10;
    if (speed_active & 4)
        return FTOPO_SPEED_QDR;
    if (speed_active & 2)
        return FTOPO_SPEED_DDR;
    if (speed_active & 1)
        return FTOPO_SPEED_SDR;
    return FTOPO_SPEED_UNKNOWN;
}

/* UTF-8 checks shared by the JSON reader and writer: NodeDescription is raw
 * bytes on the wire, JSON text must be UTF-8. */
#include "internal.h"

int ftopo__utf8_seq_len(const unsigned char *p)
{
    unsigned c = *p;
    if (c < 0x80)
        return 1;
    int extra = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : -1;
    if (extra < 0)
        return -1;
    for (int i = 1; i <= extra; i++)
        if ((p[i] & 0xc0) != 0x80)
            return -1;
    return extra + 1;
}

bool ftopo__utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = ftopo__utf8_seq_len(p);
        if (n < 0)
            return false;
        p += n;
    }
    return true;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "url-unescape.h"

static int hex_value(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

size_t url_unescape_inplace(char *s) {
        char *w = s;

        /* A NUL after '%' fails hex_value(), so nothing is read past the end. */
        for (const char *p = s; *p; p++) {
                int hi, lo;
                if (p[0] == '%' && (hi = hex_value(p[1])) >= 0 && (lo = hex_value(p[2])) >= 0 && (hi | lo) != 0) {
                        *w++ = (char) (hi * 16 + lo);
                        p += 2;
                } else
                        *w++ = *p;
        }
        *w = 0;
        return (size_t) (w - s);
}

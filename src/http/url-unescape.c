/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "hex-util.h"
#include "url-unescape.h"

size_t url_unescape_inplace(char *s) {
        char *w = s;

        /* A NUL after '%' fails unhexchar(), so nothing is read past the end. */
        for (const char *p = s; *p; p++) {
                int hi, lo;
                if (p[0] == '%' && (hi = unhexchar(p[1])) >= 0 && (lo = unhexchar(p[2])) >= 0 && (hi | lo) != 0) {
                        *w++ = (char) (hi * 16 + lo);
                        p += 2;
                } else
                        *w++ = *p;
        }
        *w = 0;
        return (size_t) (w - s);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "utf8.h"

size_t utf8_decode(const char *s, size_t len, uint32_t *ret_cp) {
        const uint8_t *p = (const uint8_t *) s;
        uint32_t cp, min;
        size_t n;

        if (len == 0)
                return 0;

        if (p[0] < 0x80) {
                *ret_cp = p[0];
                return 1;
        }
        if ((p[0] & 0xe0) == 0xc0) {
                n = 2;
                cp = p[0] & 0x1f;
                min = 0x80;
        } else if ((p[0] & 0xf0) == 0xe0) {
                n = 3;
                cp = p[0] & 0x0f;
                min = 0x800;
        } else if ((p[0] & 0xf8) == 0xf0) {
                n = 4;
                cp = p[0] & 0x07;
                min = 0x10000;
        } else
                return 0;

        if (len < n)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (p[i] & 0x3f);
        }

        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;

        *ret_cp = cp;
        return n;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "cli-printable.h"
#include "macro.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid; stores the code point. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *ret_cp) {
        uint32_t cp;
        size_t k;

        if (s[0] < 0x80) {
                *ret_cp = s[0];
                return 1;
        }
        if (s[0] >= 0xc2 && s[0] <= 0xdf) {
                cp = s[0] & 0x1f;
                k = 2;
        } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
                cp = s[0] & 0x0f;
                k = 3;
        } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
                cp = s[0] & 0x07;
                k = 4;
        } else
                return 0;

        if (n < k)
                return 0;
        for (size_t i = 1; i < k; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        /* Overlong forms, surrogates and values past U+10FFFF are not valid UTF-8. */
        if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        *ret_cp = cp;
        return k;
}

int printable_dup(const char *s, size_t len, size_t max, char **ret) {
        const unsigned char *u = (const unsigned char *) s;
        _cleanup_free_ char *out = malloc(MIN(len, max) + 1);
        if (!out)
                return -ENOMEM;

        size_t o = 0;
        for (size_t i = 0; i < len;) {
                uint32_t cp;
                size_t k = utf8_decode(u + i, len - i, &cp);
                bool bad = k == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0);
                size_t w = bad ? 1 : k;
                if (o + w > max)
                        break;
                if (bad) {
                        out[o++] = '?';
                        i += k ?: 1;
                } else {
                        for (size_t j = 0; j < k; j++)
                                out[o++] = s[i + j];
                        i += k;
                }
        }
        out[o] = 0;
        *ret = TAKE_PTR(out);
        return 0;
}

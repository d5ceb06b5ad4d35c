/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json-escape.h"
#include "utf8.h"

/* Whether s[0..len) (len < 4) could still become a valid sequence with more bytes. */
static bool utf8_incomplete(const uint8_t *s, size_t len) {
        size_t need;

        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                need = 2;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                need = 3;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                need = 4;
        else
                return false;
        if (len >= need)
                return false;
        for (size_t i = 1; i < len; i++)
                if ((s[i] & 0xc0) != 0x80)
                        return false;
        /* The second byte's range rules out overlong forms, surrogates and code points past U+10FFFF. */
        if (len >= 2 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
                         (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f)))
                return false;
        return true;
}

static size_t escape_ascii(uint8_t c, char out[static JSON_ESCAPE_MAX_PER_BYTE]) {
        switch (c) {
        case '\b': memcpy(out, "\\b", 2); return 2;
        case '\f': memcpy(out, "\\f", 2); return 2;
        case '\n': memcpy(out, "\\n", 2); return 2;
        case '\r': memcpy(out, "\\r", 2); return 2;
        case '\t': memcpy(out, "\\t", 2); return 2;
        case '"': memcpy(out, "\\\"", 2); return 2;
        case '\\': memcpy(out, "\\\\", 2); return 2;
        }
        if (c < 0x20) {
                static const char hex[] = "0123456789abcdef";
                memcpy(out, "\\u00", 4);
                out[4] = hex[c >> 4];
                out[5] = hex[c & 15];
                return 6;
        }
        out[0] = (char) c;
        return 1;
}

size_t json_escape_chunk(const char *in, size_t in_len, bool final, char *out, size_t out_max,
                         size_t *ret_consumed) {
        static const char replacement[] = "\xef\xbf\xbd";
        const uint8_t *p = (const uint8_t *) in;
        size_t i = 0, o = 0;

        while (i < in_len) {
                char tmp[JSON_ESCAPE_MAX_PER_BYTE];
                const char *piece = tmp;
                size_t take, len;
                uint32_t cp;

                if (p[i] < 0x80) {
                        len = escape_ascii(p[i], tmp);
                        take = 1;
                } else if ((take = utf8_decode(in + i, in_len - i, &cp)) > 0) {
                        piece = in + i;
                        len = take;
                } else if (!final && in_len - i < 4 && utf8_incomplete(p + i, in_len - i))
                        break;
                else {
                        piece = replacement;
                        len = 3;
                        take = 1;
                }
                if (o + len > out_max)
                        break;
                memcpy(out + o, piece, len);
                o += len;
                i += take;
        }
        *ret_consumed = i;
        return o;
}

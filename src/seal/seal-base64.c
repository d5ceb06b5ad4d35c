/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>

#include "seal-base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int seal_base64_char(char c) {
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

size_t seal_base64_encoded_len(size_t len, bool pad) {
        if (pad)
                return (len + 2) / 3 * 4;
        return len / 3 * 4 + (len % 3 == 0 ? 0 : len % 3 + 1);
}

void seal_base64_encode(const uint8_t *src, size_t len, bool pad, char *dst) {
        size_t i = 0;

        for (; i + 3 <= len; i += 3) {
                uint32_t v = (uint32_t) src[i] << 16 | (uint32_t) src[i + 1] << 8 | src[i + 2];
                *dst++ = alphabet[v >> 18 & 63];
                *dst++ = alphabet[v >> 12 & 63];
                *dst++ = alphabet[v >> 6 & 63];
                *dst++ = alphabet[v & 63];
        }
        if (len - i == 1) {
                uint32_t v = (uint32_t) src[i] << 16;
                *dst++ = alphabet[v >> 18 & 63];
                *dst++ = alphabet[v >> 12 & 63];
                if (pad) {
                        *dst++ = '=';
                        *dst++ = '=';
                }
        } else if (len - i == 2) {
                uint32_t v = (uint32_t) src[i] << 16 | (uint32_t) src[i + 1] << 8;
                *dst++ = alphabet[v >> 18 & 63];
                *dst++ = alphabet[v >> 12 & 63];
                *dst++ = alphabet[v >> 6 & 63];
                if (pad)
                        *dst++ = '=';
        }
}

int seal_base64_decode(const char *src, size_t len, bool pad, uint8_t *dst, size_t dst_max, size_t *ret_len) {
        size_t tail, out = 0, i;

        assert(src || len == 0);

        if (pad) {
                size_t padding = 0;

                if (len % 4 != 0)
                        return -EINVAL;
                while (padding < 2 && len > padding && src[len - 1 - padding] == '=')
                        padding++;
                if (padding > 0 && padding == len)
                        return -EINVAL;
                len -= padding;
                /* What is left after the padding must be the unpadded form of the same length class. */
                if (padding > 0 && len % 4 != 4 - padding)
                        return -EINVAL;
        }
        tail = len % 4;
        if (tail == 1)
                return -EINVAL;
        if (len / 4 * 3 + (tail == 0 ? 0 : tail - 1) > dst_max)
                return -ENOBUFS;

        for (i = 0; i + 4 <= len; i += 4) {
                int a = seal_base64_char(src[i]), b = seal_base64_char(src[i + 1]);
                int c = seal_base64_char(src[i + 2]), d = seal_base64_char(src[i + 3]);
                if (a < 0 || b < 0 || c < 0 || d < 0)
                        return -EINVAL;
                uint32_t v = (uint32_t) a << 18 | (uint32_t) b << 12 | (uint32_t) c << 6 | (uint32_t) d;
                dst[out++] = v >> 16;
                dst[out++] = v >> 8 & 0xff;
                dst[out++] = v & 0xff;
        }
        if (tail >= 2) {
                int a = seal_base64_char(src[i]), b = seal_base64_char(src[i + 1]);
                int c = tail == 3 ? seal_base64_char(src[i + 2]) : 0;
                if (a < 0 || b < 0 || c < 0)
                        return -EINVAL;
                uint32_t v = (uint32_t) a << 18 | (uint32_t) b << 12 | (uint32_t) c << 6;
                /* Canonical: the bits below the last whole byte are zero. */
                if ((tail == 2 && (v & 0xffff) != 0) || (tail == 3 && (v & 0xff) != 0))
                        return -EINVAL;
                dst[out++] = v >> 16;
                if (tail == 3)
                        dst[out++] = v >> 8 & 0xff;
        }
        *ret_len = out;
        return 0;
}

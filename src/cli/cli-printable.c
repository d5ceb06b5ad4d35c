/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "cli-printable.h"
#include "macro.h"
#include "utf8.h"

int printable_dup(const char *s, size_t len, size_t max, char **ret) {
        _cleanup_free_ char *out = malloc(MIN(len, max) + 1);
        if (!out)
                return -ENOMEM;

        size_t o = 0;
        for (size_t i = 0; i < len;) {
                uint32_t cp;
                size_t k = utf8_decode(s + i, len - i, &cp);
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

/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Input: a URL as bytes (cut at its first NUL, as MHD hands it over). Checks what the decoder promises. */

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "url-unescape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);

        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = 0;
        size_t before = strlen(s), after = url_unescape_inplace(s);
        /* Never longer, NUL-terminated at the length returned, and never a NUL inside. */
        assert(after <= before);
        assert(strlen(s) == after);

        /* Round trip: every byte of the result escaped as %XX decodes back to the result. */
        char *e = malloc(3 * after + 1);
        if (e) {
                static const char hex[] = "0123456789ABCDEF";
                for (size_t i = 0; i < after; i++) {
                        e[3 * i] = '%';
                        e[3 * i + 1] = hex[(uint8_t) s[i] >> 4];
                        e[3 * i + 2] = hex[(uint8_t) s[i] & 15];
                }
                e[3 * after] = 0;
                assert(url_unescape_inplace(e) == after);
                assert(memcmp(e, s, after) == 0);
                free(e);
        }
        free(s);
        return 0;
}

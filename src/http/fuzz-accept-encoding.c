/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Input: an Accept-Encoding value as bytes. Checks that the parser stays in bounds and is consistent. */

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "accept-encoding.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* An exact-size copy, so that reading past the length is caught by the sanitizers. */
        char *s = malloc(size ?: 1);

        if (!s)
                return 0;
        memcpy(s, data, size);
        bool gzip = accept_encoding_allows(s, size, "gzip");
        bool star = accept_encoding_allows(s, size, "*");
        (void) accept_encoding_allows(s, size, "br");
        /* The same value with ", identity" after it says the same about gzip when it was well-formed. */
        if (gzip && size + 10 <= ACCEPT_ENCODING_MAX) {
                char *t = malloc(size + 10);
                if (t) {
                        memcpy(t, s, size);
                        memcpy(t + size, ", identity", 10);
                        assert(accept_encoding_allows(t, size + 10, "gzip"));
                        free(t);
                }
        }
        (void) star;
        free(s);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include "accept-encoding.h"
#include "macro.h"
#include "tests.h"

static bool gzip_ok(const char *v) {
        return accept_encoding_allows(v, v ? strlen(v) : 0, "gzip");
}

int main(void) {
        static const char *const accepted[] = {
                /* What browsers and curl send, and the rest of the grammar. */
                "gzip, deflate, br, zstd", "gzip", "deflate, gzip", "GZip", "br;q=1.0, gzip;q=0.8, *;q=0.1", "*",
                " , gzip ,", "gzip;q=0.001", "gzip ; level=9 ; Q=1",
        };
        static const char *const refused[] = {
                "", "identity", "deflate, br", "gzip;q=0", "gzip;q=0.000", "*;q=0", "x-gzip", "gzipx",
                "gzip;q=0, *",                                  /* named beats "*" */
                /* Malformed: nothing is accepted. */
                "gzip;q=2", "gzip;q=1.5", "gzip;q=", "gzip;q", "gzip;=1", "gzip deflate", "gzip;q=0.5x", "\"gzip\"",
                "gzip\x01",
        };

        for (size_t i = 0; i < ELEMENTSOF(accepted); i++)
                ASSERT_TRUE(gzip_ok(accepted[i]));
        for (size_t i = 0; i < ELEMENTSOF(refused); i++)
                ASSERT_TRUE(!gzip_ok(refused[i]));
        ASSERT_TRUE(!gzip_ok(NULL));
        ASSERT_TRUE(!accept_encoding_allows("gzip", 4, NULL));
        /* Bytes after the given length do not count; NUL inside does not end the value early. */
        ASSERT_TRUE(accept_encoding_allows("gzip;q=0", 4, "gzip"));
        ASSERT_TRUE(!accept_encoding_allows("gzip\0", 5, "gzip"));

        /* Longer than the limit: not read at all. */
        char long_value[ACCEPT_ENCODING_MAX + 2];
        memset(long_value, ' ', sizeof(long_value));
        memcpy(long_value, "gzip", 4);
        ASSERT_TRUE(accept_encoding_allows(long_value, ACCEPT_ENCODING_MAX, "gzip"));
        ASSERT_TRUE(!accept_encoding_allows(long_value, ACCEPT_ENCODING_MAX + 1, "gzip"));
        return 0;
}

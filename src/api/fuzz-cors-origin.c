/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Input: a request's Origin header. */

#include <stdlib.h>
#include <string.h>

#include "cors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *n = NULL, *again = NULL;

        if (cors_origin_normalize((const char *) data, size, &n) < 0)
                return 0;
        /* A normalised origin is short, lowercase, and normalises to itself. */
        if (strlen(n) != size || size > CORS_ORIGIN_MAX)
                abort();
        for (const char *p = n; *p; p++)
                if ((*p >= 'A' && *p <= 'Z') || (unsigned char) *p < 0x21 || (unsigned char) *p > 0x7e)
                        abort();
        if (cors_origin_normalize(n, strlen(n), &again) < 0 || strcmp(n, again) != 0)
                abort();

        CorsPolicy p = {};
        if (cors_policy_add(&p, n) < 0 || cors_check(&p, n, NULL, true) != CORS_ALLOWED)
                abort();
        cors_policy_done(&p);
        return 0;
}

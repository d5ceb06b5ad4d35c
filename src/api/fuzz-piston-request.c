/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "piston-request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        PistonRequest *r = NULL;
        const char *err = NULL;

        if (piston_request_parse((const char *) data, size, &r, &err) >= 0) {
                /* What the endpoint does next with a parsed request. */
                (void) piston_version_matches("3.11.2", r->version);
                piston_request_free(r);
        }
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "run-request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const RunLimits limits = { .max_args = 64, .max_arg_len = 4096, .max_name_len = 32 };
        RunRequest *r = NULL;
        const char *err;

        /* The first byte picks how the body is declared. */
        const char *ct = size > 0 && (data[0] & 1) ? "application/json" : "text/plain";
        if (size > 0) {
                data++;
                size--;
        }
        if (run_request_parse(ct, NULL, (const char *) data, size, &limits, &r, &err) >= 0)
                run_request_free(r);
        return 0;
}

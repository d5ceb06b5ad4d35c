/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdint.h>

#include "cli-retry-after.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        uint64_t seconds;
        /* A fixed "now" keeps runs reproducible: 2020-01-01. */
        if (retry_after_parse((const char *) data, size, 1577836800, &seconds) >= 0 &&
            seconds > RETRY_AFTER_MAX_SECONDS)
                __builtin_trap();
        return 0;
}

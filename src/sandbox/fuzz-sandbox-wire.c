/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "sandbox-wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        SandboxWire *w = NULL;

        if (sandbox_wire_parse(data, size, &w) >= 0)
                /* The fd numbers in the input are not ours to close. */
                sandbox_wire_free(w, false);
        return 0;
}

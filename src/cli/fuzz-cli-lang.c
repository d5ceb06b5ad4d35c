/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli-lang.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        (void) lang_from_shebang((const char *) data, size);
        (void) lang_from_interpreter((const char *) data, size);

        /* File names are C strings: up to the first NUL. */
        char *name = strndup((const char *) data, size);
        if (name) {
                (void) lang_detect(name, (const char *) data, size);
                free(name);
        }
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli-archive-path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *path = NULL;
        if (archive_path_check((const char *) data, size, &path) < 0)
                return 0;

        /* Whatever passes must be relative and must not climb. */
        if (path[0] == '/' || strlen(path) > size)
                __builtin_trap();
        for (const char *c = path; c; c = strchr(c, '/') ? strchr(c, '/') + 1 : NULL)
                if (strncmp(c, "..", 2) == 0 && (c[2] == '/' || c[2] == 0))
                        __builtin_trap();
        free(path);
        return 0;
}

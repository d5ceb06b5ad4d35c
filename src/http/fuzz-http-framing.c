/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Input: a version line, then "name:value" lines (as many as fit), split on '\n' and the first ':'. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http-framing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        HttpField fields[HTTP_FRAMING_FIELDS_MAX + 2];
        size_t n = 0;
        char *copy = malloc(size + 1), *version, *line, *save = NULL;

        if (!copy)
                return 0;
        memcpy(copy, data, size);
        copy[size] = 0;
        version = strtok_r(copy, "\n", &save);
        while (n < sizeof(fields) / sizeof(fields[0]) && (line = strtok_r(NULL, "\n", &save))) {
                char *colon = strchr(line, ':');
                if (colon)
                        *colon = 0;
                fields[n++] = (HttpField) { line, colon ? colon + 1 : NULL };
        }
        (void) http_framing_check(version, fields, n);
        free(copy);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdint.h>
#include <string.h>

#include "macro.h"
#include "upload-path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *path = NULL, *again = NULL;
        const char *why = NULL;

        if (upload_path_normalize((const char *) data, size, &path, &why) < 0) {
                if (!why)
                        abort();
                return 0;
        }

        /* The normal form is a fixed point, never grows, and never escapes. */
        if (!upload_path_is_normal(path) || strlen(path) > size || path[0] == '/')
                abort();
        if (upload_path_normalize(path, strlen(path), &again, NULL) < 0 || !streq(path, again))
                abort();
        if (streq(path, "..") || strneq(path, "../", 3) || strstr(path, "/../") || strstr(path, "//"))
                abort();
        return 0;
}

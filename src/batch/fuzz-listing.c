/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdint.h>
#include <string.h>

#include "listing.h"
#include "macro.h"
#include "upload-path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *path = NULL, *line = NULL, *again = NULL;
        uint64_t n, m;

        if (listing_parse_line((const char *) data, size, &path, &n) < 0)
                return 0;

        /* What parses is a valid path, and formats back to a line that parses the same. */
        if (!upload_path_is_normal(path))
                abort();
        if (listing_format_line(path, n, &line) < 0)
                abort();
        if (listing_parse_line(line, strlen(line) - 1, &again, &m) < 0 || !streq(again, path) || m != n)
                abort();
        return 0;
}

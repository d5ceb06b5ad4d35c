/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "archive-sniff.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        int whole = archive_sniff(data, size);
        bool known = whole >= ARCHIVE_KIND_TAR && whole <= ARCHIVE_KIND_ZIP;

        if (whole != -EAGAIN && whole != -EMEDIUMTYPE && !known)
                abort();
        if (size >= ARCHIVE_SNIFF_BYTES && whole == -EAGAIN)
                abort();

        /* A decision never changes as more data comes. */
        for (size_t n = 0; n < MIN(size, (size_t) ARCHIVE_SNIFF_BYTES + 1); n++) {
                int r = archive_sniff(data, n);

                if (r != -EAGAIN && r != whole)
                        abort();
        }
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdint.h>
#include <string.h>

#include "bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Walks the records of a bundle held in memory, as sandrun-stage does with its fd. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        size_t offset;

        if (bundle_check_magic(data, size) < 0)
                offset = 0;     /* still exercise the record parser on the whole input */
        else
                offset = BUNDLE_MAGIC_SIZE;

        while (offset < size) {
                BundleRecord rec = {};
                const char *why = NULL;
                size_t header_size = 0;
                int r;

                r = bundle_parse_header(data + offset, size - offset, &rec, &header_size, &why);
                if (r < 0) {
                        if (r == -EBADMSG && !why)
                                abort();
                        break;
                }
                if (header_size == 0 || header_size > BUNDLE_HEADER_MAX || header_size > size - offset)
                        abort();
                if ((rec.type == BUNDLE_RECORD_FILE) != !!rec.path)
                        abort();
                if (rec.path && !upload_path_is_normal(rec.path))
                        abort();

                offset += header_size;
                if (rec.size > size - offset) {
                        bundle_record_done(&rec);
                        break;
                }
                offset += rec.size;
                bundle_record_done(&rec);
        }
        return 0;
}

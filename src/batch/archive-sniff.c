/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "archive-sniff.h"
#include "macro.h"

#define TAR_BLOCK 512U

/* A tar header block is valid if its checksum field (octal, at 148, 8 bytes) equals the sum of its bytes
 * with that field counted as spaces. This holds for v7, ustar, pax and GNU tar alike. */
static bool tar_header_is_valid(const uint8_t *h) {
        unsigned long sum = 0, expected = 0;
        size_t i = 148, digits = 0;

        for (size_t k = 0; k < TAR_BLOCK; k++)
                sum += k >= 148 && k < 156 ? ' ' : h[k];

        while (i < 156 && h[i] == ' ')
                i++;
        for (; i < 156 && h[i] >= '0' && h[i] <= '7'; i++, digits++)
                expected = expected * 8 + (h[i] - '0');
        /* Then only a terminating NUL or spaces. */
        for (; i < 156; i++)
                if (h[i] != 0 && h[i] != ' ')
                        return false;

        /* An all-zero block (the end marker) sums to 256 and has no digits: not a header. */
        return digits > 0 && sum == expected;
}

int archive_sniff(const void *data, size_t len) {
        static const uint8_t gzip_magic[] = { 0x1f, 0x8b, 0x08 };
        static const uint8_t zip_local[] = { 'P', 'K', 3, 4 }, zip_empty[] = { 'P', 'K', 5, 6 };
        const uint8_t *buf = data;
        size_t n = MIN(len, sizeof(gzip_magic));

        if (memcmp(buf, gzip_magic, n) == 0)
                return n == sizeof(gzip_magic) ? ARCHIVE_KIND_GZIP : -EAGAIN;

        n = MIN(len, sizeof(zip_local));
        if (memcmp(buf, zip_local, n) == 0 || memcmp(buf, zip_empty, n) == 0) {
                if (n == sizeof(zip_local))
                        return ARCHIVE_KIND_ZIP;
                /* "P" or "PK" might still be the start of a tar member's name: decide later. */
        }

        if (len < TAR_BLOCK)
                return -EAGAIN;
        return tar_header_is_valid(buf) ? ARCHIVE_KIND_TAR : -EMEDIUMTYPE;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "archive-sniff.h"
#include "macro.h"
#include "test-archive-util.h"
#include "tests.h"

static void assert_kind(TestFormat format, int kind) {
        static const TestEntry entries[] = { { .path = "PK-looks-like-zip", .data = "x" } };
        _cleanup_free_ void *archive = NULL;
        size_t len;

        archive = test_archive_build(format, entries, 1, &len);
        ASSERT_EQ(archive_sniff(archive, len), kind);
        ASSERT_EQ(archive_sniff(archive, MIN(len, (size_t) ARCHIVE_SNIFF_BYTES)), kind);
        ASSERT_ERROR(archive_sniff(archive, 0), EAGAIN);
        ASSERT_ERROR(archive_sniff(archive, 2), EAGAIN);
}

TEST(real_archives) {
        assert_kind(TEST_TAR, ARCHIVE_KIND_TAR);
        assert_kind(TEST_TAR_GZ, ARCHIVE_KIND_GZIP);
        assert_kind(TEST_ZIP, ARCHIVE_KIND_ZIP);
        assert_kind(TEST_ZIP_STORED, ARCHIVE_KIND_ZIP);
        /* bzip2 is not offered, whatever the name says. */
        {
                static const TestEntry e[] = { { .path = "a", .data = "b" } };
                _cleanup_free_ void *bz2 = NULL;
                size_t len;

                bz2 = test_archive_build(TEST_TAR_BZ2, e, 1, &len);
                ASSERT_ERROR(archive_sniff(bz2, MAX(len, (size_t) 0)), len < 512 ? EAGAIN : EMEDIUMTYPE);
        }
}

TEST(not_archives) {
        char block[1024] = {};

        ASSERT_ERROR(archive_sniff(block, sizeof(block)), EMEDIUMTYPE);        /* zeros: an end marker */
        memset(block, 'a', sizeof(block));
        ASSERT_ERROR(archive_sniff(block, sizeof(block)), EMEDIUMTYPE);
        ASSERT_ERROR(archive_sniff(block, 100), EAGAIN);
        ASSERT_ERROR(archive_sniff("\x1f\x8b\x09", 3), EAGAIN);    /* not deflate: decided at 512 */

        /* A tar header whose checksum is off by one. */
        memset(block, 0, sizeof(block));
        strcpy(block, "file.txt");
        memcpy(block + 148, "0001750", 7);      /* not the sum */
        ASSERT_ERROR(archive_sniff(block, sizeof(block)), EMEDIUMTYPE);
}

int main(void) {
        RUN(real_archives);
        RUN(not_archives);
        return 0;
}

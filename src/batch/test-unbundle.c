/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "macro.h"
#include "test-archive-util.h"
#include "tests.h"
#include "unbundle.h"

static char *top_path;
static int top_fd = -EBADF;

static int fresh_dir(void) {
        return test_subdir_new(top_fd);
}

static int new_bundle(BundleWriter **ret) {
        int fd = memfd_create("bundle", MFD_CLOEXEC);

        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(bundle_writer_new(ret, fd, UINT64_C(1) << 30));
        return fd;
}

static void add_file(BundleWriter *w, const char *path, const char *data) {
        const char *why;

        ASSERT_OK(bundle_writer_begin_file(w, path, &why));
        ASSERT_OK(bundle_writer_write(w, data, strlen(data)));
        ASSERT_OK(bundle_writer_end(w));
}

static void add_archive(BundleWriter *w, TestFormat format, const TestEntry *entries, size_t n) {
        _cleanup_free_ void *archive = NULL;
        size_t len;

        archive = test_archive_build(format, entries, n, &len);
        ASSERT_OK(bundle_writer_begin_archive(w));
        /* In odd pieces, as parts stream in. */
        for (size_t i = 0; i < len; i += 777)
                ASSERT_OK(bundle_writer_write(w, (uint8_t *) archive + i, MIN((size_t) 777, len - i)));
        ASSERT_OK(bundle_writer_end(w));
}

static void assert_content(int dirfd, const char *path, const char *content) {
        _cleanup_free_ char *got = test_read_file(dirfd, path);

        ASSERT_STREQ(got, content);
}

TEST(files_and_archives) {
        static const TestEntry tgz[] = {
                { .path = "lib/a.py", .data = "A" },
                { .path = "main.py", .data = "from the archive" },
        };
        static const TestEntry zip[] = { { .path = "data/input.csv", .data = "1,2\n" } };
        _cleanup_(bundle_writer_freep) BundleWriter *w = NULL;
        _cleanup_close_ int bundle = new_bundle(&w), dir = fresh_dir();
        ExtractUsage usage = {};
        const char *why = NULL;

        add_file(w, "./config/settings.json", "{}");
        add_archive(w, TEST_TAR_GZ, tgz, ELEMENTSOF(tgz));
        add_file(w, "main.py", "print('uploaded last wins')\n");
        add_archive(w, TEST_ZIP, zip, ELEMENTSOF(zip));
        add_file(w, "empty", "");

        /* The reader does not depend on the fd's offset. */
        ASSERT_EQ(lseek(bundle, 5, SEEK_SET), 5);
        ASSERT_OK(unbundle(bundle, dir, NULL, &usage, &why));
        assert_content(dir, "config/settings.json", "{}");
        assert_content(dir, "lib/a.py", "A");
        assert_content(dir, "main.py", "print('uploaded last wins')\n");
        assert_content(dir, "data/input.csv", "1,2\n");
        assert_content(dir, "empty", "");
        ASSERT_EQ(usage.entries, 6);
        ASSERT_EQ(usage.bytes, 2 + 1 + 16 + 28 + 4);
}

TEST(empty_bundle) {
        _cleanup_(bundle_writer_freep) BundleWriter *w = NULL;
        _cleanup_close_ int bundle = new_bundle(&w), dir = fresh_dir();
        ExtractUsage usage = {};
        const char *why = NULL;

        ASSERT_OK(unbundle(bundle, dir, NULL, &usage, &why));
        ASSERT_EQ(usage.entries, 0);
}

static void assert_bad_bundle(const void *data, size_t len, int err, const char *expected_why) {
        _cleanup_close_ int bundle = memfd_create("bundle", MFD_CLOEXEC), dir = fresh_dir();
        ExtractUsage usage = {};
        const char *why = NULL;

        ASSERT_TRUE(bundle >= 0);
        ASSERT_EQ(write(bundle, data, len), (ssize_t) len);
        ASSERT_ERROR(unbundle(bundle, dir, NULL, &usage, &why), err);
        if (expected_why)
                ASSERT_STREQ(why, expected_why);
}

#define BAD(s, err, why) assert_bad_bundle(s, sizeof(s) - 1, err, why)

TEST(hostile_bundles) {
        BAD("", EBADMSG, "not a bundle");
        BAD("SANDRUN-BUNDLE", EBADMSG, "not a bundle");
        BAD("PK\3\4 some zip", EBADMSG, "not a bundle");
        BAD(BUNDLE_MAGIC "F 00000000000000000010 a\nshort", EBADMSG, "bundle truncated");
        BAD(BUNDLE_MAGIC "F 00000000000000000001 a\nxF 0000", EBADMSG, "bundle truncated");
        BAD(BUNDLE_MAGIC "F 99999999999999999999 a\n", EBADMSG, "bundle record size out of range");
        BAD(BUNDLE_MAGIC "F 18446744073709551615 a\n", EBADMSG, "bundle truncated");
        BAD(BUNDLE_MAGIC "F 00000000000000000001 ../escape\nx", EBADMSG, "path contains \"..\"");
        BAD(BUNDLE_MAGIC "F 00000000000000000001 /etc/passwd\nx", EBADMSG, "absolute path");
        BAD(BUNDLE_MAGIC "X 00000000000000000001\nx", EBADMSG, "unknown bundle record type");
        BAD(BUNDLE_MAGIC "A 00000000000000000005\nhello", EBADMSG, "not a tar, tar.gz or zip archive");
        BAD(BUNDLE_MAGIC "F 00000000000000000001 a/b\nxF 00000000000000000001 a\ny", EBADMSG,
            "upload would replace a directory");
        BAD(BUNDLE_MAGIC "F 00000000000000000001 a\nxF 00000000000000000001 a/b\ny", EBADMSG,
            "upload path goes through a symlink or a file");
}

TEST(never_through_symlinks) {
        _cleanup_(bundle_writer_freep) BundleWriter *w = NULL;
        _cleanup_close_ int bundle = new_bundle(&w), dir = fresh_dir(), outside = fresh_dir();
        ExtractUsage usage = {};
        const char *why = NULL;
        char link[64];
        struct stat st;

        snprintf(link, sizeof(link), "/proc/self/fd/%d", outside);
        ASSERT_OK(symlinkat(link, dir, "escape"));
        add_file(w, "escape/pwned", "x");
        ASSERT_ERROR(unbundle(bundle, dir, NULL, &usage, &why), EBADMSG);
        ASSERT_STREQ(why, "upload path goes through a symlink or a file");
        ASSERT_TRUE(fstatat(outside, "pwned", &st, 0) < 0);
}

TEST(shared_limits) {
        static const TestEntry two[] = { { .path = "a", .data = "aaaa" }, { .path = "b", .data = "bbbb" } };
        ExtractLimits limits = { .max_entries = 3, .max_bytes = 100 };

        /* Entries: two files and an archive of two is one too many. */
        {
                _cleanup_(bundle_writer_freep) BundleWriter *w = NULL;
                _cleanup_close_ int bundle = new_bundle(&w), dir = fresh_dir();
                ExtractUsage usage = {};
                const char *why = NULL;

                add_file(w, "x", "1");
                add_file(w, "y", "2");
                add_archive(w, TEST_TAR, two, 2);
                ASSERT_ERROR(unbundle(bundle, dir, &limits, &usage, &why), E2BIG);
                ASSERT_STREQ(why, "archive has too many entries");
        }

        /* Bytes: an archive fills most of the budget, a file after it overflows it. */
        {
                _cleanup_(bundle_writer_freep) BundleWriter *w = NULL;
                _cleanup_close_ int bundle = new_bundle(&w), dir = fresh_dir();
                ExtractUsage usage = {};
                const char *why = NULL;
                char big[100];

                memset(big, 'z', sizeof(big) - 1);
                big[sizeof(big) - 1] = 0;
                add_archive(w, TEST_TAR, two, 2);
                add_file(w, "big", big);
                ASSERT_ERROR(unbundle(bundle, dir, &limits, &usage, &why), E2BIG);
                ASSERT_STREQ(why, "uploads too large");
        }

        /* A bomb inside a bundle stops as it would alone. */
        {
                static const TestEntry bomb[] = { { .path = "zeros", .zeros = UINT64_C(200) << 20 } };
                _cleanup_(bundle_writer_freep) BundleWriter *w = NULL;
                _cleanup_close_ int bundle = new_bundle(&w), dir = fresh_dir();
                ExtractUsage usage = {};
                const char *why = NULL;

                add_archive(w, TEST_TAR_GZ, bomb, 1);
                ASSERT_ERROR(unbundle(bundle, dir, NULL, &usage, &why), E2BIG);
                ASSERT_STREQ(why, "archive expands too much");
        }
}

int main(void) {
        top_fd = test_dir_new(&top_path);

        RUN(files_and_archives);
        RUN(empty_bundle);
        RUN(hostile_bundles);
        RUN(never_through_symlinks);
        RUN(shared_limits);

        safe_close(top_fd);
        test_dir_remove(top_path);
        return 0;
}

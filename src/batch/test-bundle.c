/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bundle.h"
#include "macro.h"
#include "tests.h"

static void assert_header(const char *buf, size_t len, char type, uint64_t size, const char *path,
                          size_t *offset) {
        BundleRecord rec = {};
        size_t header_size;

        ASSERT_OK(bundle_parse_header(buf + *offset, len - *offset, &rec, &header_size, NULL));
        ASSERT_EQ(rec.type, type);
        ASSERT_EQ(rec.size, size);
        if (path)
                ASSERT_STREQ(rec.path, path);
        else
                ASSERT_TRUE(!rec.path);
        *offset += header_size + rec.size;
        bundle_record_done(&rec);
        ASSERT_TRUE(!rec.path);
}

TEST(write_and_read) {
        _cleanup_(bundle_writer_freep) BundleWriter *w = NULL;
        _cleanup_close_ int fd = memfd_create("bundle", MFD_CLOEXEC);
        const char *why = NULL;
        char buf[4096];
        size_t len, offset = BUNDLE_MAGIC_SIZE;

        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(bundle_writer_new(&w, fd, sizeof(buf)));

        ASSERT_OK(bundle_writer_begin_file(w, "./src/main.py", &why));
        ASSERT_ERROR(bundle_writer_begin_archive(w), EBUSY);
        ASSERT_ERROR(bundle_writer_begin_file(w, "x", &why), EBUSY);
        ASSERT_OK(bundle_writer_write(w, "print(1)\n", 9));
        ASSERT_OK(bundle_writer_end(w));
        ASSERT_ERROR(bundle_writer_end(w), EBADF);
        ASSERT_ERROR(bundle_writer_write(w, "x", 1), EBADF);

        /* An archive streamed in pieces of unknown total size. */
        ASSERT_OK(bundle_writer_begin_archive(w));
        for (int i = 0; i < 10; i++)
                ASSERT_OK(bundle_writer_write(w, "0123456789", 10));
        ASSERT_OK(bundle_writer_write(w, "", 0));
        ASSERT_OK(bundle_writer_end(w));

        ASSERT_OK(bundle_writer_begin_file(w, "empty/", &why));
        ASSERT_OK(bundle_writer_end(w));

        /* The writer never moves the file offset, so a reader starts at the magic. */
        ASSERT_EQ(lseek(fd, 0, SEEK_CUR), 0);
        len = pread(fd, buf, sizeof(buf), 0);
        ASSERT_EQ(len, bundle_writer_size(w));
        ASSERT_OK(bundle_check_magic(buf, len));

        assert_header(buf, len, 'F', 9, "src/main.py", &offset);
        ASSERT_TRUE(memcmp(buf + offset - 9, "print(1)\n", 9) == 0);
        assert_header(buf, len, 'A', 100, NULL, &offset);
        ASSERT_TRUE(memcmp(buf + offset - 100, "0123456789", 10) == 0);
        assert_header(buf, len, 'F', 0, "empty", &offset);
        ASSERT_EQ(offset, len);
}

TEST(writer_refusals) {
        static const char *const bad[] = { "../x", "/etc/passwd", "", ".", "a/../../b", "a\nb", "a//b" };
        _cleanup_(bundle_writer_freep) BundleWriter *w = NULL;
        _cleanup_close_ int fd = memfd_create("bundle", MFD_CLOEXEC);
        BundleWriter *none = NULL;
        char big[100] = {};

        ASSERT_TRUE(fd >= 0);
        ASSERT_ERROR(bundle_writer_new(&none, -1, 100), EBADF);
        ASSERT_ERROR(bundle_writer_new(&none, fd, 3), E2BIG);
        ASSERT_TRUE(!none);
        ASSERT_TRUE(!bundle_writer_free(NULL));

        ASSERT_OK(ftruncate(fd, 0));
        ASSERT_OK(bundle_writer_new(&w, fd, 100));
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                const char *why = NULL;

                ASSERT_ERROR(bundle_writer_begin_file(w, bad[i], &why), EINVAL);
                ASSERT_TRUE(why && *why);
        }

        /* Past the cap the bundle is broken for good. */
        ASSERT_OK(bundle_writer_begin_archive(w));
        ASSERT_OK(bundle_writer_write(w, "0123456789", 10));
        ASSERT_ERROR(bundle_writer_write(w, big, sizeof(big)), E2BIG);
        ASSERT_ERROR(bundle_writer_write(w, "x", 1), E2BIG);
        ASSERT_ERROR(bundle_writer_end(w), E2BIG);
}

TEST(write_errors) {
        _cleanup_(bundle_writer_freep) BundleWriter *w = NULL;
        _cleanup_close_pair_ int pipe_fds[2] = { -EBADF, -EBADF };
        _cleanup_close_ int fd = memfd_create("bundle", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        BundleWriter *none = NULL;
        const char *why;

        /* pwrite() on a pipe fails. */
        ASSERT_OK(pipe2(pipe_fds, O_CLOEXEC));
        ASSERT_ERROR(bundle_writer_new(&none, pipe_fds[1], 100), ESPIPE);

        /* A file that may not grow: the error comes back, and stays. */
        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(bundle_writer_new(&w, fd, 1000));
        ASSERT_OK(bundle_writer_begin_file(w, "a", &why));
        ASSERT_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
        ASSERT_ERROR(bundle_writer_write(w, "x", 1), EPERM);
        ASSERT_ERROR(bundle_writer_end(w), EPERM);
        ASSERT_ERROR(bundle_writer_write(w, "", 0), EPERM);
}

TEST(magic) {
        ASSERT_OK(bundle_check_magic(BUNDLE_MAGIC, BUNDLE_MAGIC_SIZE));
        ASSERT_OK(bundle_check_magic(BUNDLE_MAGIC "F 0", BUNDLE_MAGIC_SIZE + 3));
        ASSERT_ERROR(bundle_check_magic("", 0), EAGAIN);
        ASSERT_ERROR(bundle_check_magic("SANDRUN", 7), EAGAIN);
        ASSERT_ERROR(bundle_check_magic("SANDRUN-BUNDLE 2\n", 17), EBADMSG);
        ASSERT_ERROR(bundle_check_magic("PK\3\4", 4), EBADMSG);
}

static void assert_bad_header(const char *header, const char *expected_why) {
        BundleRecord rec = { .path = NULL };
        size_t header_size = 4242;
        const char *why = NULL;

        ASSERT_ERROR(bundle_parse_header(header, strlen(header), &rec, &header_size, &why), EBADMSG);
        ASSERT_TRUE(why && *why);
        if (expected_why)
                ASSERT_STREQ(why, expected_why);
        ASSERT_TRUE(!rec.path && rec.size == 0 && header_size == 4242);
}

TEST(hostile_headers) {
        assert_bad_header("F 99999999999999999999 x\n", "bundle record size out of range");
        assert_bad_header("A 18446744073709551616\n", "bundle record size out of range");
        assert_bad_header("F 0000000000000000001 x\n", NULL);
        assert_bad_header("F +0000000000000000001 x\n", "malformed bundle record size");
        assert_bad_header("F  0000000000000000001 x\n", "malformed bundle record size");
        assert_bad_header("F 0000000000000000000x x\n", "malformed bundle record size");
        assert_bad_header("X 00000000000000000001\n", "unknown bundle record type");
        assert_bad_header("f 00000000000000000001 x\n", "unknown bundle record type");
        assert_bad_header("F 00000000000000000001\n", "malformed bundle file record");
        assert_bad_header("F 00000000000000000001 \n", "malformed bundle file record");
        assert_bad_header("F 00000000000000000001x\n", "malformed bundle file record");
        assert_bad_header("F 00000000000000000001 ../etc/passwd\n", "path contains \"..\"");
        assert_bad_header("F 00000000000000000001 /etc/passwd\n", "absolute path");
        assert_bad_header("F 00000000000000000001 a\rb\n", "control character in path");
        assert_bad_header("A 00000000000000000001 x\n", "malformed bundle archive record");
        assert_bad_header("A 00000000000000000001 \n", "malformed bundle archive record");
        assert_bad_header("\n", "malformed bundle record header");
        assert_bad_header("F\n", "malformed bundle record header");
        assert_bad_header("F00000000000000000001 x\n", "malformed bundle record header");

        /* A header that never ends. */
        {
                char long_header[BUNDLE_HEADER_MAX + 10];

                memset(long_header, 'a', sizeof(long_header) - 1);
                memcpy(long_header, "F 00000000000000000001 ", 23);
                long_header[sizeof(long_header) - 1] = 0;
                assert_bad_header(long_header, "bundle record header too long");
        }
}

TEST(incomplete_headers) {
        static const char header[] = "F 00000000000000000042 dir/file.txt\n";
        BundleRecord rec = {};
        size_t header_size;

        for (size_t i = 0; i + 1 < strlen(header); i++)
                ASSERT_ERROR(bundle_parse_header(header, i, &rec, &header_size, NULL), EAGAIN);
        ASSERT_OK(bundle_parse_header(header, strlen(header), &rec, &header_size, NULL));
        ASSERT_EQ(header_size, strlen(header));
        ASSERT_EQ(rec.size, 42);
        ASSERT_STREQ(rec.path, "dir/file.txt");
        bundle_record_done(&rec);

        /* The longest valid path still fits in BUNDLE_HEADER_MAX. */
        {
                char longest[BUNDLE_HEADER_MAX + 1];

                memcpy(longest, "F 00000000000000000000 ", 23);
                memset(longest + 23, 'x', UPLOAD_PATH_LENGTH_MAX);
                for (size_t i = 23 + 200; i < 23 + UPLOAD_PATH_LENGTH_MAX; i += 200)
                        longest[i] = '/';
                longest[23 + UPLOAD_PATH_LENGTH_MAX] = '\n';
                ASSERT_EQ(23 + UPLOAD_PATH_LENGTH_MAX + 1, BUNDLE_HEADER_MAX);
                ASSERT_OK(bundle_parse_header(longest, BUNDLE_HEADER_MAX, &rec, &header_size, NULL));
                ASSERT_EQ(header_size, BUNDLE_HEADER_MAX);
                bundle_record_done(&rec);
        }
}

int main(void) {
        RUN(write_and_read);
        RUN(writer_refusals);
        RUN(write_errors);
        RUN(magic);
        RUN(hostile_headers);
        RUN(incomplete_headers);
        return 0;
}

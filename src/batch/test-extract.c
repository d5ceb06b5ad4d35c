/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <archive_entry.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "extract.h"
#include "macro.h"
#include "test-archive-util.h"
#include "tests.h"

static char *top_path;
static int top_fd = -EBADF;

static int fresh_dir(void) {
        return test_subdir_new(top_fd);
}

static int extract_entries(int dirfd, TestFormat format, const TestEntry *entries, size_t n,
                           const ExtractLimits *limits, const char **ret_why) {
        _cleanup_free_ void *archive = NULL;
        ExtractUsage usage = {};
        const char *why = NULL;
        size_t len;
        int r;

        archive = test_archive_build(format, entries, n, &len);
        r = extract_archive_memory(dirfd, archive, len, limits, &usage, &why);
        if (r < 0)
                ASSERT_TRUE(why && *why);
        if (ret_why)
                *ret_why = why;
        return r;
}

static void assert_file(int dirfd, const char *path, const char *content, mode_t perm) {
        _cleanup_free_ char *got = test_read_file(dirfd, path);
        struct stat st;

        ASSERT_STREQ(got, content);
        ASSERT_OK(fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW));
        ASSERT_TRUE(S_ISREG(st.st_mode));
        ASSERT_EQ(st.st_mode & 07777, perm);
}

static bool exists(int dirfd, const char *path) {
        struct stat st;

        return fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) >= 0;
}

static void assert_refused(TestFormat format, const TestEntry *entries, size_t n, int err, const char *why) {
        _cleanup_close_ int dir = fresh_dir();
        const char *got = NULL;

        ASSERT_ERROR(extract_entries(dir, format, entries, n, NULL, &got), err);
        if (why)
                ASSERT_STREQ(got, why);
}

TEST(formats) {
        static const TestEntry entries[] = {
                { .path = "main.py", .data = "print('hello')\n" },
                { .path = "./src/", .type = AE_IFDIR, .perm = 0755 },
                { .path = "src/lib/util.py", .data = "x = 1\n", .perm = 0600 },
                { .path = "run.sh", .data = "#!/bin/sh\n", .perm = 0755 },
                { .path = "empty", .data = "" },
                { .path = "caf\xc3\xa9.txt", .data = "utf8\n" },
        };
        static const TestFormat formats[] = { TEST_TAR, TEST_TAR_GZ, TEST_ZIP, TEST_ZIP_STORED };

        umask(022);
        for (size_t f = 0; f < ELEMENTSOF(formats); f++) {
                _cleanup_close_ int dir = fresh_dir();
                struct stat st;

                ASSERT_OK(extract_entries(dir, formats[f], entries, ELEMENTSOF(entries), NULL, NULL));
                assert_file(dir, "main.py", "print('hello')\n", 0644);
                assert_file(dir, "src/lib/util.py", "x = 1\n", 0600);
                assert_file(dir, "run.sh", "#!/bin/sh\n", 0755);
                assert_file(dir, "empty", "", 0644);
                assert_file(dir, "caf\xc3\xa9.txt", "utf8\n", 0644);
                ASSERT_OK(fstatat(dir, "main.py", &st, 0));
                ASSERT_EQ(st.st_mtim.tv_sec, 1700000000);
        }
}

TEST(damaged_gzip) {
        /* The tar inside ends before the gzip trailer: without checking the CRC a flipped byte in a
         * file would be unpacked as if nothing were wrong. */
        static const TestEntry entries[] = {
                { .path = "data.txt", .data = "The quick brown fox jumps over the lazy dog, again and again.\n" },
        };
        size_t len;
        _cleanup_free_ uint8_t *tgz = test_archive_build(TEST_TAR_GZ, entries, ELEMENTSOF(entries), &len);
        _cleanup_close_ int good = fresh_dir(), bad = fresh_dir();
        ExtractUsage usage_good = {}, usage_bad = {};
        const char *why = NULL;

        ASSERT_OK(extract_archive_memory(good, tgz, len, NULL, &usage_good, &why));
        /* The gzip trailer is CRC32 then size, 8 bytes: damage the CRC. */
        tgz[len - 8] ^= 0x01;
        ASSERT_ERROR(extract_archive_memory(bad, tgz, len, NULL, &usage_bad, &why), EBADMSG);
        ASSERT_STREQ(why, "damaged archive (gzip checksum)");
}

TEST(not_archives) {
        static const TestEntry one[] = { { .path = "a", .data = "b" } };
        static const char *const junk[] = { "", "hello world", "\x1f\x8b\x08\x00garbage", "PK\x03\x04xx" };
        _cleanup_free_ void *gz = NULL;
        size_t len;

        for (size_t i = 0; i < ELEMENTSOF(junk); i++) {
                _cleanup_close_ int dir = fresh_dir();
                ExtractUsage usage = {};
                const char *why = NULL;

                ASSERT_ERROR(extract_archive_memory(dir, junk[i], strlen(junk[i]), NULL, &usage, &why),
                             EBADMSG);
                ASSERT_TRUE(why);
        }

        /* bzip2 is not one of the formats offered. */
        assert_refused(TEST_TAR_BZ2, one, 1, EBADMSG, "not a tar, tar.gz or zip archive");

        /* A truncated tar.gz. */
        gz = test_archive_build(TEST_TAR_GZ, one, 1, &len);
        {
                _cleanup_close_ int dir = fresh_dir();
                ExtractUsage usage = {};
                const char *why = NULL;

                ASSERT_ERROR(extract_archive_memory(dir, gz, len / 2, NULL, &usage, &why), EBADMSG);
        }
}

TEST(hostile_names) {
        static const char *const bad[] = {
                "../evil", "../../../../tmp/evil", "/tmp/evil", "a/../../evil", "a/../b", "a//b", "a\nb",
                "\xff\xfe", "..",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                TestEntry e[] = { { .path = bad[i], .data = "pwned" } };

                assert_refused(TEST_TAR, e, 1, EBADMSG, NULL);
                assert_refused(TEST_ZIP, e, 1, EBADMSG, NULL);
        }
        ASSERT_TRUE(!exists(top_fd, "../evil") && access("/tmp/evil", F_OK) < 0);

        /* A name over the depth limit. */
        {
                char deep[200] = "";
                TestEntry e[] = { { .path = deep, .data = "x" } };

                for (int i = 0; i < 40; i++)
                        strcat(deep, "d/");
                strcat(deep, "f");
                assert_refused(TEST_TAR, e, 1, EBADMSG, "path too deep");
        }
}

TEST(setuid_stripped) {
        static const TestEntry entries[] = {
                { .path = "suid", .data = "x", .perm = 04755 },
                { .path = "sgid", .data = "x", .perm = 02755 },
                { .path = "sticky", .type = AE_IFDIR, .perm = 01777 },
                { .path = "sgiddir", .type = AE_IFDIR, .perm = 02775 },
                { .path = "sgiddir/f", .data = "x", .perm = 06777 },
                { .path = "unreadable", .data = "x", .perm = 0200 },
        };
        _cleanup_close_ int dir = fresh_dir();
        struct stat st;

        umask(0);
        ASSERT_OK(extract_entries(dir, TEST_TAR, entries, ELEMENTSOF(entries), NULL, NULL));
        assert_file(dir, "suid", "x", 0755);
        assert_file(dir, "sgid", "x", 0755);
        assert_file(dir, "sgiddir/f", "x", 0777);
        assert_file(dir, "unreadable", "x", 0600);
        ASSERT_OK(fstatat(dir, "sticky", &st, 0));
        ASSERT_EQ(st.st_mode & 07777, 0777);
        ASSERT_OK(fstatat(dir, "sgiddir", &st, 0));
        ASSERT_EQ(st.st_mode & 07777, 0775);
        umask(022);
}

TEST(device_nodes) {
        static const mode_t types[] = { AE_IFCHR, AE_IFBLK, AE_IFIFO, AE_IFSOCK };

        for (size_t i = 0; i < ELEMENTSOF(types); i++) {
                TestEntry e[] = {
                        { .path = "before", .data = "ok" },
                        { .path = "node", .type = types[i], .perm = 0666 },
                };
                _cleanup_close_ int dir = fresh_dir();
                const char *why = NULL;

                if (types[i] == AE_IFSOCK)
                        continue;       /* tar cannot hold sockets; see below */
                ASSERT_ERROR(extract_entries(dir, TEST_TAR, e, 2, NULL, &why), EBADMSG);
                ASSERT_STREQ(why, "archive contains a device node, FIFO or socket");
                ASSERT_TRUE(exists(dir, "before") && !exists(dir, "node"));
        }
}

TEST(symlinks) {
        static const TestEntry good[] = {
                { .path = "data.txt", .data = "d" },
                { .path = "link", .type = AE_IFLNK, .link = "data.txt" },
                { .path = "sub/up", .type = AE_IFLNK, .link = "../data.txt" },
                { .path = "sub/dot", .type = AE_IFLNK, .link = "./x/../../data.txt" },
                { .path = "dangling", .type = AE_IFLNK, .link = "nowhere/at/all" },
        };
        static const char *const bad_targets[] = {
                "/etc/passwd", "..", "../", "../outside", "a/../../outside", "./../x", "",
        };
        _cleanup_close_ int dir = fresh_dir();
        char target[64];

        ASSERT_OK(extract_entries(dir, TEST_TAR, good, ELEMENTSOF(good), NULL, NULL));
        ASSERT_EQ(readlinkat(dir, "sub/up", target, sizeof(target)), 11);
        ASSERT_TRUE(memcmp(target, "../data.txt", 11) == 0);

        for (size_t i = 0; i < ELEMENTSOF(bad_targets); i++) {
                TestEntry e[] = { { .path = "l", .type = AE_IFLNK, .link = bad_targets[i] } };

                assert_refused(TEST_TAR, e, 1, EBADMSG, NULL);
        }
        {
                TestEntry e[] = { { .path = "a/b/l", .type = AE_IFLNK, .link = "../../../x" } };

                assert_refused(TEST_TAR, e, 1, EBADMSG, "archive symlink points outside the work directory");
        }
        {
                /* Zip carries symlinks too. */
                TestEntry e[] = { { .path = "l", .type = AE_IFLNK, .link = "../../etc/shadow" } };

                assert_refused(TEST_ZIP, e, 1, EBADMSG, NULL);
        }

        ASSERT_TRUE(extract_symlink_is_contained("a/b/c", "../../x"));
        ASSERT_TRUE(!extract_symlink_is_contained("a/b/c", "../../../x"));
        ASSERT_TRUE(extract_symlink_is_contained("l", "a/b/../../c"));
        ASSERT_TRUE(!extract_symlink_is_contained("l", "a/../../c"));
        ASSERT_TRUE(extract_symlink_is_contained("l", "a//b/./"));
        ASSERT_TRUE(!extract_symlink_is_contained("l", "/"));
}

TEST(never_through_symlinks) {
        _cleanup_close_ int dir = fresh_dir();
        _cleanup_close_ int outside = fresh_dir();
        const char *why = NULL;
        struct stat st;

        /* A link the archive itself made, to a directory inside, is not followed by later entries. */
        {
                TestEntry e[] = {
                        { .path = "real", .type = AE_IFDIR, .perm = 0755 },
                        { .path = "alias", .type = AE_IFLNK, .link = "real" },
                        { .path = "alias/file", .data = "x" },
                };

                ASSERT_ERROR(extract_entries(dir, TEST_TAR, e, 3, NULL, &why), EBADMSG);
                ASSERT_STREQ(why, "archive entry goes through a symlink or a file");
                ASSERT_TRUE(!exists(dir, "real/file"));
        }

        /* A symlink already in the work dir pointing outside (as the job or an earlier upload could
         * leave): entries below it are refused, and one at its name replaces the link itself. */
        {
                TestEntry below[] = { { .path = "escape/pwned", .data = "x" } };
                TestEntry over[] = { { .path = "escape", .data = "replaced" } };
                char link[64];

                snprintf(link, sizeof(link), "/proc/self/fd/%d", outside);
                ASSERT_OK(symlinkat(link, dir, "escape"));

                ASSERT_ERROR(extract_entries(dir, TEST_TAR, below, 1, NULL, &why), EBADMSG);
                ASSERT_TRUE(!exists(outside, "pwned"));
                ASSERT_OK(extract_entries(dir, TEST_TAR, over, 1, NULL, &why));
                assert_file(dir, "escape", "replaced", 0644);
                ASSERT_OK(fstat(outside, &st));
                ASSERT_TRUE(S_ISDIR(st.st_mode) && !exists(outside, "escape"));
        }

        /* A file in the way of a directory. */
        {
                TestEntry e[] = { { .path = "plain", .data = "x" }, { .path = "plain/below", .data = "y" } };

                ASSERT_ERROR(extract_entries(dir, TEST_TAR, e, 2, NULL, &why), EBADMSG);
        }

        /* A file where a directory is. */
        {
                TestEntry e[] = { { .path = "real", .data = "x" } };

                ASSERT_ERROR(extract_entries(dir, TEST_TAR, e, 1, NULL, &why), EBADMSG);
                ASSERT_STREQ(why, "archive entry would replace a directory");
        }
}

TEST(hardlinks) {
        static const TestEntry good[] = {
                { .path = "a.txt", .data = "shared" },
                { .path = "sub/b.txt", .link = "a.txt", .hardlink = true },
        };
        _cleanup_close_ int dir = fresh_dir();
        struct stat a, b;

        ASSERT_OK(extract_entries(dir, TEST_TAR, good, ELEMENTSOF(good), NULL, NULL));
        ASSERT_OK(fstatat(dir, "a.txt", &a, 0));
        ASSERT_OK(fstatat(dir, "sub/b.txt", &b, 0));
        ASSERT_EQ(a.st_ino, b.st_ino);

        {
                TestEntry e[] = { { .path = "h", .link = "../../etc/passwd", .hardlink = true } };

                assert_refused(TEST_TAR, e, 1, EBADMSG, "archive hardlink target refused");
        }
        {
                TestEntry e[] = { { .path = "h", .link = "/etc/passwd", .hardlink = true } };

                assert_refused(TEST_TAR, e, 1, EBADMSG, "archive hardlink target refused");
        }
        {
                TestEntry e[] = { { .path = "h", .link = "missing", .hardlink = true } };

                assert_refused(TEST_TAR, e, 1, EBADMSG,
                               "archive hardlink to something that is not a file extracted before");
        }
        {
                TestEntry e[] = {
                        { .path = "l", .type = AE_IFLNK, .link = "x" },
                        { .path = "h", .link = "l", .hardlink = true },
                };

                assert_refused(TEST_TAR, e, 2, EBADMSG,
                               "archive hardlink to something that is not a file extracted before");
        }
        {
                TestEntry e[] = {
                        { .path = "d", .type = AE_IFDIR, .perm = 0755 },
                        { .path = "h", .link = "d", .hardlink = true },
                };

                assert_refused(TEST_TAR, e, 2, EBADMSG,
                               "archive hardlink to something that is not a file extracted before");
        }
}

static double now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Extracts a bomb of the given size and checks that it stops soon, having written little. */
static void assert_bomb_stops(TestFormat format, uint64_t zeros, const char *expected_why) {
        TestEntry bomb[] = { { .path = "zeros", .zeros = zeros } };
        _cleanup_close_ int dir = fresh_dir();
        _cleanup_free_ void *archive = NULL;
        ExtractUsage usage = {};
        const char *why = NULL;
        double start;
        size_t len;
        struct stat st;

        archive = test_archive_build(format, bomb, 1, &len);
        fprintf(stderr, "    %" PRIu64 " MiB of zeros in %zu KiB\n", zeros >> 20, len >> 10);

        start = now();
        ASSERT_ERROR(extract_archive_memory(dir, archive, len, NULL, &usage, &why), E2BIG);
        ASSERT_STREQ(why, expected_why);
        ASSERT_TRUE(now() - start < 2.0);
        ASSERT_TRUE(usage.bytes < 64 * 1024 * 1024);
        if (fstatat(dir, "zeros", &st, 0) >= 0)
                ASSERT_TRUE((uint64_t) st.st_size <= usage.bytes);
}

TEST(bombs) {
        /* Declaring its size, a gigabyte is refused before a byte is written. (Built at the fastest
         * level, as the ratio does not matter here.) */
        assert_bomb_stops(TEST_TAR_GZ_FAST, UINT64_C(1) << 30, "archive contents too large");
        assert_bomb_stops(TEST_ZIP_FAST, UINT64_C(1) << 30, "archive contents too large");

        /* Within the size cap, the compression ratio stops it. */
        assert_bomb_stops(TEST_TAR_GZ, UINT64_C(200) << 20, "archive expands too much");
        assert_bomb_stops(TEST_ZIP, UINT64_C(200) << 20, "archive expands too much");
}

TEST(limits) {
        ExtractLimits limits = { .max_entries = 3, .max_bytes = 1000 };
        _cleanup_free_ void *archive = NULL;
        char big[1002];
        size_t len;

        /* Entries. */
        {
                TestEntry e[] = {
                        { .path = "a", .data = "" }, { .path = "b", .data = "" },
                        { .path = "c", .data = "" }, { .path = "d", .data = "" },
                };
                _cleanup_close_ int dir = fresh_dir();
                const char *why;

                ASSERT_ERROR(extract_entries(dir, TEST_TAR, e, 4, &limits, &why), E2BIG);
                ASSERT_STREQ(why, "archive has too many entries");
                ASSERT_OK(extract_entries(dir, TEST_TAR, e, 3, &limits, &why));
        }

        /* Bytes: one over is refused, from its declared size already; exactly at the limit passes. */
        memset(big, 'x', sizeof(big) - 1);
        big[1001] = 0;
        {
                TestEntry e[] = { { .path = "big", .data = big } };
                _cleanup_close_ int dir = fresh_dir();
                const char *why;

                ASSERT_ERROR(extract_entries(dir, TEST_ZIP, e, 1, &limits, &why), E2BIG);
                ASSERT_STREQ(why, "archive contents too large");
                ASSERT_TRUE(!exists(dir, "big"));
                big[1000] = 0;
                ASSERT_OK(extract_entries(dir, TEST_ZIP, e, 1, &limits, &why));
        }

        /* The budget is shared between archives through the usage. */
        {
                TestEntry e[] = { { .path = "half", .data = "0123456789" } };
                _cleanup_close_ int dir = fresh_dir();
                ExtractUsage usage = {};
                const char *why;

                archive = test_archive_build(TEST_TAR, e, 1, &len);
                limits = (ExtractLimits) { .max_entries = 100, .max_bytes = 25 };
                ASSERT_OK(extract_archive_memory(dir, archive, len, &limits, &usage, &why));
                ASSERT_OK(extract_archive_memory(dir, archive, len, &limits, &usage, &why));
                ASSERT_EQ(usage.bytes, 20);
                ASSERT_EQ(usage.entries, 2);
                ASSERT_ERROR(extract_archive_memory(dir, archive, len, &limits, &usage, &why), E2BIG);
        }
}

TEST(from_fd_window) {
        static const TestFormat formats[] = { TEST_TAR_GZ, TEST_ZIP };

        for (size_t f = 0; f < ELEMENTSOF(formats); f++) {
                TestEntry e[] = {
                        { .path = "x/y.txt", .data = "in a window" },
                        { .path = "z", .data = "2" },
                };
                _cleanup_close_ int dir = fresh_dir();
                _cleanup_close_ int fd = memfd_create("bundle", MFD_CLOEXEC);
                _cleanup_free_ void *archive = NULL;
                ExtractUsage usage = {};
                const char *why = NULL;
                size_t len;

                /* Junk on both sides of the archive: the window must be respected, seeks included. */
                archive = test_archive_build(formats[f], e, 2, &len);
                ASSERT_TRUE(fd >= 0);
                ASSERT_EQ(pwrite(fd, "JUNKJUNKJUNK", 12, 0), 12);
                ASSERT_EQ(pwrite(fd, archive, len, 12), (ssize_t) len);
                ASSERT_EQ(pwrite(fd, "PK\x05\x06TRAILINGJUNK", 16, 12 + len), 16);

                ASSERT_OK(extract_archive_fd(dir, fd, 12, len, NULL, &usage, &why));
                assert_file(dir, "x/y.txt", "in a window", 0644);
                ASSERT_EQ(lseek(fd, 0, SEEK_CUR), 0);

                /* A window cut short is a damaged archive, not a read past it. */
                ASSERT_ERROR(extract_archive_fd(dir, fd, 12, len / 2, NULL, &usage, &why), EBADMSG);
        }
}

int main(void) {
        top_fd = test_dir_new(&top_path);

        RUN(formats);
        RUN(damaged_gzip);
        RUN(not_archives);
        RUN(hostile_names);
        RUN(setuid_stripped);
        RUN(device_nodes);
        RUN(symlinks);
        RUN(never_through_symlinks);
        RUN(hardlinks);
        RUN(bombs);
        RUN(limits);
        RUN(from_fd_window);

        safe_close(top_fd);
        test_dir_remove(top_path);
        return 0;
}

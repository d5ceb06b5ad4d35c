/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "macro.h"
#include "test-archive-util.h"
#include "tests.h"

typedef struct Growing {
        uint8_t *buf;
        size_t len, size;
} Growing;

static la_ssize_t growing_write(struct archive *a, void *userdata, const void *p, size_t n) {
        Growing *g = userdata;

        if (g->len + n > g->size) {
                g->size = (g->len + n) * 2;
                g->buf = realloc(g->buf, g->size);
                ASSERT_TRUE(g->buf);
        }
        memcpy(g->buf + g->len, p, n);
        g->len += n;
        return n;
}

void *test_archive_build(TestFormat format, const TestEntry *entries, size_t n, size_t *ret_len) {
        struct archive *a = archive_write_new();
        Growing g = {};

        ASSERT_TRUE(a);
        switch (format) {
        case TEST_TAR:
        case TEST_TAR_GZ:
        case TEST_TAR_GZ_FAST:
        case TEST_TAR_BZ2:
                ASSERT_EQ(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
                break;
        case TEST_ZIP:
        case TEST_ZIP_FAST:
        case TEST_ZIP_STORED:
                ASSERT_EQ(archive_write_set_format_zip(a), ARCHIVE_OK);
                ASSERT_EQ(archive_write_set_options(a, format == TEST_ZIP_STORED ?
                                                    "zip:compression=store" : "zip:compression=deflate"),
                          ARCHIVE_OK);
                if (format == TEST_ZIP_FAST)
                        ASSERT_EQ(archive_write_set_options(a, "zip:compression-level=1"), ARCHIVE_OK);
                break;
        }
        if (format == TEST_TAR_GZ || format == TEST_TAR_GZ_FAST)
                ASSERT_EQ(archive_write_add_filter_gzip(a), ARCHIVE_OK);
        if (format == TEST_TAR_GZ_FAST)
                ASSERT_EQ(archive_write_set_options(a, "gzip:compression-level=1"), ARCHIVE_OK);
        if (format == TEST_TAR_BZ2)
                ASSERT_EQ(archive_write_add_filter_bzip2(a), ARCHIVE_OK);
        ASSERT_EQ(archive_write_set_bytes_in_last_block(a, 1), ARCHIVE_OK);
        ASSERT_EQ(archive_write_open2(a, &g, NULL, growing_write, NULL, NULL), ARCHIVE_OK);

        for (size_t i = 0; i < n; i++) {
                const TestEntry *t = &entries[i];
                struct archive_entry *e = archive_entry_new();
                mode_t type = t->type ?: AE_IFREG;
                uint64_t size = 0;

                if (type == AE_IFREG && !t->hardlink)
                        size = t->data ? strlen(t->data) : t->zeros;

                archive_entry_set_pathname(e, t->path);
                archive_entry_set_filetype(e, type);
                archive_entry_set_perm(e, t->perm ?: 0644);
                archive_entry_set_size(e, size);
                archive_entry_set_mtime(e, 1700000000, 0);
                if (t->link && t->hardlink)
                        archive_entry_set_hardlink(e, t->link);
                else if (t->link)
                        archive_entry_set_symlink(e, t->link);
                if (type == AE_IFCHR || type == AE_IFBLK)
                        archive_entry_set_rdev(e, makedev(1, 3));
                ASSERT_TRUE(archive_write_header(a, e) >= ARCHIVE_WARN);

                if (t->data)
                        ASSERT_EQ(archive_write_data(a, t->data, size), (la_ssize_t) size);
                else if (size > 0) {
                        static const uint8_t zero[1 << 16];

                        for (uint64_t left = size; left > 0;) {
                                size_t k = MIN(left, sizeof(zero));

                                ASSERT_EQ(archive_write_data(a, zero, k), (la_ssize_t) k);
                                left -= k;
                        }
                }
                archive_entry_free(e);
        }

        ASSERT_EQ(archive_write_close(a), ARCHIVE_OK);
        archive_write_free(a);
        *ret_len = g.len;
        return g.buf;
}

int test_dir_new(char **ret_path) {
        char *path = strdup("/tmp/sandrun-batch-test-XXXXXX");
        int fd;

        ASSERT_TRUE(path);
        ASSERT_TRUE(mkdtemp(path));
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        *ret_path = path;
        return fd;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        /* Make directories writable again first, in case a test took the bits away. */
        if (flag == FTW_DP)
                (void) chmod(path, 0700);
        (void) remove(path);
        return 0;
}

void test_dir_remove(char *path) {
        if (!path)
                return;
        ASSERT_OK(nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS));
        free(path);
}

int test_subdir_new(int top_fd) {
        static unsigned counter;
        char name[32];
        int fd;

        snprintf(name, sizeof(name), "case%u", counter++);
        ASSERT_OK(mkdirat(top_fd, name, 0755));
        fd = openat(top_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        return fd;
}

char *test_read_file(int dirfd, const char *path) {
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        size_t size = 1 << 20, len = 0;
        char *buf;

        if (fd < 0)
                return NULL;
        buf = malloc(size + 1);
        ASSERT_TRUE(buf);
        for (;;) {
                ssize_t n = read(fd, buf + len, size - len);

                ASSERT_TRUE(n >= 0);
                if (n == 0)
                        break;
                len += n;
        }
        buf[len] = 0;
        return buf;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Helpers for the extract, unbundle and pack tests: archives built with libarchive, scratch dirs. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct TestEntry {
        const char *path;
        mode_t type;            /* AE_IFREG (the default when 0), AE_IFDIR, AE_IFLNK, AE_IFCHR, ... */
        mode_t perm;            /* 0644 when 0 */
        const char *data;       /* content of a regular file */
        uint64_t zeros;         /* or this many zero bytes */
        const char *link;       /* symlink target, or hardlink target if hardlink */
        bool hardlink;
} TestEntry;

typedef enum TestFormat {
        TEST_TAR,
        TEST_TAR_GZ,
        TEST_ZIP,
        TEST_ZIP_STORED,
        TEST_TAR_BZ2,
        TEST_TAR_GZ_FAST,       /* compression level 1: quicker to build, compresses less */
        TEST_ZIP_FAST,
} TestFormat;

/* Builds an archive in memory; aborts on failure. */
void *test_archive_build(TestFormat format, const TestEntry *entries, size_t n, size_t *ret_len);

/* A fresh directory under /tmp, and its fd; test_dir_remove() deletes it with all inside. */
int test_dir_new(char **ret_path);
void test_dir_remove(char *path);

/* A fresh empty directory below top_fd, opened. */
int test_subdir_new(int top_fd);

/* Reads a whole regular file below dirfd (at most 1 MiB) into a NUL-terminated string, or NULL. */
char *test_read_file(int dirfd, const char *path);

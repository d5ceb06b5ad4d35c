/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "cli-archive-path.h"
#include "tests.h"

static void check_ok(const char *path, const char *expected) {
        char *out = NULL;
        ASSERT_OK(archive_path_check(path, strlen(path), &out));
        ASSERT_STREQ(out, expected);
        free(out);
}

static void check_bad(const char *path, size_t len) {
        char *out = (char *) "untouched";
        ASSERT_ERROR(archive_path_check(path, len, &out), EINVAL);
        ASSERT_STREQ(out, "untouched");
}

TEST(good) {
        check_ok("a.txt", "a.txt");
        check_ok("results/a.txt", "results/a.txt");
        check_ok("./results//a.txt", "results/a.txt");
        check_ok("results/", "results");
        check_ok("./", "");
        check_ok(".", "");
        check_ok("a/./b/.", "a/b");
        check_ok("..a/b..", "..a/b..");
        check_ok("...", "...");
        check_ok(" space /x", " space /x");
}

TEST(hostile) {
        check_bad("/etc/passwd", 11);
        check_bad("../x", 4);
        check_bad("a/../../x", 9);
        check_bad("a/..", 4);
        check_bad("..", 2);
        check_bad("./../x", 6);
        check_bad("", 0);
        check_bad("a\0b", 3);
        check_bad(NULL, 3);

        char name[ARCHIVE_NAME_MAX + 2];
        memset(name, 'n', sizeof name);
        check_bad(name, ARCHIVE_NAME_MAX + 1);
        char *out = NULL;
        ASSERT_OK(archive_path_check(name, ARCHIVE_NAME_MAX, &out));
        free(out);

        static char deep[ARCHIVE_PATH_MAX + 2];
        for (size_t i = 0; i < sizeof deep; i++)
                deep[i] = i % 2 ? '/' : 'd';
        check_bad(deep, ARCHIVE_PATH_MAX + 1);
}

int main(void) {
        RUN(good);
        RUN(hostile);
        return 0;
}

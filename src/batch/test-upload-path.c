/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "macro.h"
#include "tests.h"
#include "upload-path.h"

static void assert_normal(const char *in, const char *expected) {
        _cleanup_free_ char *out = NULL;
        const char *why = NULL;

        ASSERT_OK(upload_path_normalize(in, strlen(in), &out, &why));
        ASSERT_STREQ(out, expected);
        ASSERT_TRUE(upload_path_is_normal(out));
        ASSERT_TRUE(upload_path_is_normal(in) == streq(in, expected));
}

static void assert_refused_len(const char *in, size_t len, int err) {
        char *out = (char *) 0x1;
        const char *why = NULL;

        ASSERT_ERROR(upload_path_normalize(in, len, &out, &why), err);
        ASSERT_TRUE(why && *why);
        ASSERT_TRUE(out == (char *) 0x1);       /* untouched on failure */
}

static void assert_refused(const char *in, int err) {
        assert_refused_len(in, strlen(in), err);
        ASSERT_TRUE(!upload_path_is_normal(in));
}

TEST(plain) {
        assert_normal("main.py", "main.py");
        assert_normal("src/lib/util.c", "src/lib/util.c");
        assert_normal(".hidden", ".hidden");
        assert_normal("a/.b/..c/c..", "a/.b/..c/c..");
        assert_normal("...", "...");
        assert_normal("with space/and-dash_ok", "with space/and-dash_ok");
        assert_normal("caf\xc3\xa9/\xe2\x82\xac.txt", "caf\xc3\xa9/\xe2\x82\xac.txt");
        assert_normal("back\\slash", "back\\slash");
}

TEST(normalised) {
        assert_normal("./main.py", "main.py");
        assert_normal("././a/./b/.", "a/b");
        assert_normal("dir/", "dir");
        assert_normal("./dir/", "dir");
}

TEST(traversal) {
        assert_refused("..", EINVAL);
        assert_refused("../etc/passwd", EINVAL);
        assert_refused("a/../../b", EINVAL);
        assert_refused("a/..", EINVAL);
        assert_refused("a/../b", EINVAL);
        assert_refused("/etc/passwd", EINVAL);
        assert_refused("/", EINVAL);
        assert_refused("//a", EINVAL);
}

TEST(empty) {
        assert_refused("", EINVAL);
        assert_refused(".", EINVAL);
        assert_refused("./", EINVAL);
        assert_refused("./.", EINVAL);
        assert_refused("a//b", EINVAL);
        assert_refused("a//", EINVAL);
        assert_refused("a/b//", EINVAL);
}

TEST(bad_bytes) {
        assert_refused_len("a\0b", 3, EINVAL);
        assert_refused_len("\0", 1, EINVAL);
        assert_refused("a\nb", EINVAL);
        assert_refused("a\rb", EINVAL);
        assert_refused("\x1b[31mred", EINVAL);
        assert_refused("del\x7f", EINVAL);
        assert_refused("tab\there", EINVAL);
        assert_refused("\xff", EINVAL);                 /* not UTF-8 */
        assert_refused("\xc0\xaf", EINVAL);             /* overlong '/' */
        assert_refused("\xe0\x80\xaf", EINVAL);         /* overlong '/' */
        assert_refused("\xed\xa0\x80", EINVAL);         /* surrogate */
        assert_refused("\xf4\x90\x80\x80", EINVAL);     /* above U+10FFFF */
        assert_refused("\xc3", EINVAL);                 /* truncated */
        assert_refused("a\xc3/b", EINVAL);
}

TEST(limits) {
        char buf[UPLOAD_PATH_LENGTH_MAX + 2];
        _cleanup_free_ char *out = NULL;

        /* A component of exactly the maximum length passes, one more does not. */
        memset(buf, 'x', UPLOAD_PATH_COMPONENT_MAX);
        buf[UPLOAD_PATH_COMPONENT_MAX] = 0;
        assert_normal(buf, buf);
        buf[UPLOAD_PATH_COMPONENT_MAX] = 'x';
        buf[UPLOAD_PATH_COMPONENT_MAX + 1] = 0;
        assert_refused(buf, ENAMETOOLONG);

        /* Depth: "a/a/.../a". */
        for (size_t i = 0; i < UPLOAD_PATH_DEPTH_MAX; i++) {
                buf[2 * i] = 'a';
                buf[2 * i + 1] = '/';
        }
        buf[2 * UPLOAD_PATH_DEPTH_MAX - 1] = 0;
        assert_normal(buf, buf);
        buf[2 * UPLOAD_PATH_DEPTH_MAX - 1] = '/';
        buf[2 * UPLOAD_PATH_DEPTH_MAX] = 'a';
        buf[2 * UPLOAD_PATH_DEPTH_MAX + 1] = 0;
        assert_refused(buf, ENAMETOOLONG);

        /* Dot components do not count towards depth, but do towards length. */
        for (size_t i = 0; i < UPLOAD_PATH_LENGTH_MAX / 2; i++) {
                buf[2 * i] = '.';
                buf[2 * i + 1] = '/';
        }
        buf[UPLOAD_PATH_LENGTH_MAX - 2] = 'y';
        buf[UPLOAD_PATH_LENGTH_MAX - 1] = 'z';
        buf[UPLOAD_PATH_LENGTH_MAX] = 0;
        ASSERT_OK(upload_path_normalize(buf, UPLOAD_PATH_LENGTH_MAX, &out, NULL));
        ASSERT_STREQ(out, "yz");
        buf[UPLOAD_PATH_LENGTH_MAX] = 'z';
        buf[UPLOAD_PATH_LENGTH_MAX + 1] = 0;
        assert_refused(buf, ENAMETOOLONG);

        ASSERT_TRUE(!upload_path_is_normal(NULL));
}

TEST(length_is_respected) {
        _cleanup_free_ char *out = NULL;

        /* Only len bytes count; what follows is not part of the path. */
        ASSERT_OK(upload_path_normalize("abc/../../x", 3, &out, NULL));
        ASSERT_STREQ(out, "abc");
}

int main(void) {
        RUN(plain);
        RUN(normalised);
        RUN(traversal);
        RUN(empty);
        RUN(bad_bytes);
        RUN(limits);
        RUN(length_is_respected);
        return 0;
}

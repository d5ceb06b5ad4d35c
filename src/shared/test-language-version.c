/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <unistd.h>

#include "language-version.h"
#include "tests.h"

static int parse(const char *s, char ret[static LANGUAGE_VERSION_MAX]) {
        return language_version_parse(s, strlen(s), ret);
}

TEST(real_outputs) {
        char v[LANGUAGE_VERSION_MAX];
        ASSERT_OK(parse("12.2.0\n", v));
        ASSERT_STREQ(v, "12.2.0");
        ASSERT_OK(parse("Python 3.11.2\n", v));
        ASSERT_STREQ(v, "3.11.2");
        ASSERT_OK(parse("v18.19.0\n", v));
        ASSERT_STREQ(v, "18.19.0");
        ASSERT_OK(parse("openjdk version \"17.0.13\" 2024-10-15\nOpenJDK Runtime", v));
        ASSERT_STREQ(v, "17.0.13");
        ASSERT_OK(parse("GNU bash, version 5.2.15(1)-release (x86_64-pc-linux-gnu)", v));
        ASSERT_STREQ(v, "5.2.15");
        ASSERT_OK(parse("\nThis is perl 5, version 36, subversion 0 (v5.36.0) built for x86_64-linux", v));
        ASSERT_STREQ(v, "5.36.0");
        ASSERT_OK(parse("go version go1.19.8 linux/amd64", v));
        ASSERT_STREQ(v, "1.19.8");
        ASSERT_OK(parse("rustc 1.63.0", v));
        ASSERT_STREQ(v, "1.63.0");
}

TEST(hostile) {
        char v[LANGUAGE_VERSION_MAX];
        ASSERT_EQ(parse("", v), -ENOENT);
        ASSERT_EQ(parse("no version here 12 x86_64", v), -ENOENT);
        ASSERT_EQ(parse("1.", v), -ENOENT);
        ASSERT_EQ(parse(".5", v), -ENOENT);
        /* Too long to be a version: skipped, the next one found. */
        ASSERT_OK(parse("1.2.3.4.5.6.7.8.9.10.11.12.13.14.15 2.0", v));
        ASSERT_STREQ(v, "2.0");
        ASSERT_EQ(language_version_parse("3.1", 1, v), -ENOENT);
}

TEST(detect_runs_a_program) {
        char v[LANGUAGE_VERSION_MAX];
        if (access("/bin/sh", X_OK) < 0)
                return;
        ASSERT_OK(language_version_detect("/bin/sh", (const char *const[]) { "-c", "echo tool 4.5.6; exit 3", NULL }, v));
        ASSERT_STREQ(v, "4.5.6");
        ASSERT_TRUE(language_version_detect("/nonexistent", NULL, v) < 0);
}

int main(void) {
        RUN(real_outputs);
        RUN(hostile);
        RUN(detect_runs_a_program);
        return 0;
}

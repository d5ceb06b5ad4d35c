/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "listing.h"
#include "macro.h"
#include "tests.h"

TEST(round_trip) {
        static const char *const paths[] = { "a", "results/a.csv", "caf\xc3\xa9/\"quoted\"\\back", "x y/z" };

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                _cleanup_free_ char *line = NULL, *path = NULL;
                uint64_t size = 0;

                ASSERT_OK(listing_format_line(paths[i], 1000 + i, &line));
                ASSERT_TRUE(line[strlen(line) - 1] == '\n');
                ASSERT_OK(listing_parse_line(line, strlen(line) - 1, &path, &size));
                ASSERT_STREQ(path, paths[i]);
                ASSERT_EQ(size, 1000 + i);
        }
        {
                _cleanup_free_ char *line = NULL;

                ASSERT_OK(listing_format_line("results/a.csv", 123, &line));
                ASSERT_STREQ(line, "{\"path\":\"results/a.csv\",\"size\":123}\n");
        }
}

TEST(format_refuses) {
        char *line = NULL;

        ASSERT_ERROR(listing_format_line("../x", 1, &line), EINVAL);
        ASSERT_ERROR(listing_format_line("/x", 1, &line), EINVAL);
        ASSERT_ERROR(listing_format_line("x", UINT64_MAX, &line), EINVAL);
        ASSERT_TRUE(!line);
}

static void assert_bad(const char *line) {
        char *path = NULL;
        uint64_t size = 4242;

        ASSERT_ERROR(listing_parse_line(line, strlen(line), &path, &size), EBADMSG);
        ASSERT_TRUE(!path && size == 4242);
}

TEST(hostile_lines) {
        char long_line[LISTING_LINE_MAX + 64];

        assert_bad("");
        assert_bad("{}");
        assert_bad("[]");
        assert_bad("null");
        assert_bad("{\"path\":\"a\"}");
        assert_bad("{\"size\":1}");
        assert_bad("{\"path\":\"a\",\"size\":1,\"extra\":2}");
        assert_bad("{\"path\":\"a\",\"size\":-1}");
        assert_bad("{\"path\":\"a\",\"size\":1.5}");
        assert_bad("{\"path\":\"a\",\"size\":\"1\"}");
        assert_bad("{\"path\":\"a\",\"size\":99999999999999999999999}");
        assert_bad("{\"path\":1,\"size\":1}");
        assert_bad("{\"path\":\"../../etc/passwd\",\"size\":1}");
        assert_bad("{\"path\":\"/etc/passwd\",\"size\":1}");
        assert_bad("{\"path\":\"a\\u0000b\",\"size\":1}");
        assert_bad("{\"path\":\"a\\nb\",\"size\":1}");
        assert_bad("{\"path\":\"\xff\",\"size\":1}");
        assert_bad("{\"path\":\"a\",\"size\":1} x");
        assert_bad("{\"path\":\"a\",\"size\":1}{}");
        assert_bad("{\"path\":[\"a\"],\"size\":1}");
        assert_bad("{\"path\":\"a\",\"size\":{\"x\":[1]}}");

        memset(long_line, ' ', sizeof(long_line) - 1);
        long_line[sizeof(long_line) - 1] = 0;
        memcpy(long_line, "{\"path\":\"a\",\"size\":1", 20);
        long_line[sizeof(long_line) - 2] = '}';
        assert_bad(long_line);
}

int main(void) {
        RUN(round_trip);
        RUN(format_refuses);
        RUN(hostile_lines);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>
#include <time.h>

#include "glob-match.h"
#include "macro.h"
#include "tests.h"
#include "upload-path.h"

#define MATCH(pattern, path) ASSERT_EQ(glob_match(pattern, path), 1)
#define NO_MATCH(pattern, path) ASSERT_EQ(glob_match(pattern, path), 0)

static void assert_invalid(const char *pattern, int err) {
        const char *why = NULL;

        ASSERT_ERROR(glob_pattern_check(pattern, &why), err);
        ASSERT_TRUE(why && *why);
        ASSERT_ERROR(glob_match(pattern, "x"), err);
        ASSERT_ERROR(glob_match_below(pattern, "x"), err);
}

TEST(literal) {
        MATCH("plot.png", "plot.png");
        NO_MATCH("plot.png", "plot.pn");
        NO_MATCH("plot.png", "plot.pngx");
        NO_MATCH("plot.png", "sub/plot.png");
        MATCH("a/b/c", "a/b/c");
        MATCH("caf\xc3\xa9", "caf\xc3\xa9");
}

TEST(star) {
        MATCH("*", "x");
        MATCH("*", ".hidden");
        NO_MATCH("*", "a/b");
        MATCH("*.csv", "results.csv");
        MATCH("*.csv", ".csv");
        NO_MATCH("*.csv", "results.csv.bak");
        MATCH("results/*.csv", "results/a.csv");
        NO_MATCH("results/*.csv", "results/sub/a.csv");
        NO_MATCH("results/*.csv", "other/a.csv");
        MATCH("a*b*c", "abc");
        MATCH("a*b*c", "axxbyyc");
        NO_MATCH("a*b*c", "axxbyy");
        MATCH("*/*", "a/b");
        NO_MATCH("*/*", "a/b/c");
        MATCH("a***b", "a-b");          /* a run of stars inside a component is one star */
        MATCH("**x", "abcx");           /* "**" that is not a whole component is "*" */
        NO_MATCH("**x", "a/x");
}

TEST(question) {
        MATCH("?", "a");
        NO_MATCH("?", "");
        NO_MATCH("?", "ab");
        NO_MATCH("a?b", "a/b");
        MATCH("???", "abc");
        MATCH("?", "\xc3\xa9");         /* one character, two bytes */
        MATCH("caf?", "caf\xc3\xa9");
        MATCH("?", "\xf0\x9f\x98\x80");
        NO_MATCH("??", "\xc3\xa9");
}

TEST(class) {
        MATCH("[abc]", "b");
        NO_MATCH("[abc]", "d");
        MATCH("[a-z]x", "qx");
        NO_MATCH("[a-z]x", "Qx");
        MATCH("[!a-z]", "Q");
        MATCH("[^a-z]", "Q");
        NO_MATCH("[!a-z]", "q");
        NO_MATCH("[!a]", "/");
        MATCH("[]]", "]");
        MATCH("[!]]", "a");
        NO_MATCH("[!]]", "]");
        MATCH("[a-]", "-");
        MATCH("[-a]", "-");
        MATCH("[\\]]", "]");
        MATCH("[*?]", "*");
        NO_MATCH("[*?]", "x");
        MATCH("[\xc3\xa0-\xc3\xbf]", "\xc3\xa9");
        NO_MATCH("[\xc3\xa0-\xc3\xbf]", "e");
        MATCH("data[0-9][0-9].csv", "data42.csv");
}

TEST(escape) {
        MATCH("\\*", "*");
        NO_MATCH("\\*", "x");
        MATCH("a\\?", "a?");
        NO_MATCH("a\\?", "ab");
        MATCH("\\[x]", "[x]");
}

TEST(globstar) {
        MATCH("**", "a");
        MATCH("**", "a/b/c");
        MATCH("**/*.csv", "x.csv");
        MATCH("**/*.csv", "a/b/x.csv");
        NO_MATCH("**/*.csv", "a/b/x.txt");
        MATCH("results/**", "results/a");
        MATCH("results/**", "results/a/b/c.png");
        NO_MATCH("results/**", "results");
        NO_MATCH("results/**", "resultsx/a");
        MATCH("a/**/b", "a/b");
        MATCH("a/**/b", "a/x/b");
        MATCH("a/**/b", "a/x/y/z/b");
        NO_MATCH("a/**/b", "a/xb");
        NO_MATCH("a/**/b", "ab");
        NO_MATCH("**/b", "ab");
        MATCH("**/b", "a/b");
        MATCH("**/**/b", "b");
        MATCH("**/**/b", "x/y/b");
        MATCH("a/**/**", "a/b/c");
        MATCH("**/.hidden/*", "x/.hidden/y");
}

TEST(invalid) {
        char long_pattern[GLOB_PATTERN_MAX + 2];

        assert_invalid("", EINVAL);
        assert_invalid("/etc/*", EINVAL);
        assert_invalid("results/", EINVAL);
        assert_invalid("a//b", EINVAL);
        assert_invalid("../x", EINVAL);
        assert_invalid("a/../x", EINVAL);
        assert_invalid("./x", EINVAL);
        assert_invalid("[abc", EINVAL);
        assert_invalid("[", EINVAL);
        assert_invalid("[]", EINVAL);
        assert_invalid("[!]", EINVAL);
        assert_invalid("[z-a]", EINVAL);
        assert_invalid("[a/b]", EINVAL);
        assert_invalid("x\\", EINVAL);
        assert_invalid("a\nb", EINVAL);
        assert_invalid("\\\x01", EINVAL);
        assert_invalid("\xff", EINVAL);
        assert_invalid("[\xff]", EINVAL);

        memset(long_pattern, 'x', sizeof(long_pattern) - 1);
        long_pattern[sizeof(long_pattern) - 1] = 0;
        assert_invalid(long_pattern, ENAMETOOLONG);
        long_pattern[GLOB_PATTERN_MAX] = 0;
        ASSERT_OK(glob_pattern_check(long_pattern, NULL));
}

TEST(below) {
        ASSERT_EQ(glob_match_below("results/*.csv", "results"), 1);
        ASSERT_EQ(glob_match_below("results/*.csv", "other"), 0);
        ASSERT_EQ(glob_match_below("results/*.csv", "results/sub"), 0);
        ASSERT_EQ(glob_match_below("*.csv", "results"), 0);
        ASSERT_EQ(glob_match_below("**/*.csv", "a/b/c"), 1);
        ASSERT_EQ(glob_match_below("a/**", "a"), 1);
        ASSERT_EQ(glob_match_below("a/**", "a/b/c"), 1);
        ASSERT_EQ(glob_match_below("a/**", "b"), 0);
        ASSERT_EQ(glob_match_below("*/x", "anything"), 1);
        ASSERT_EQ(glob_match_below("plot.png", "plot.png"), 0);
        ASSERT_EQ(glob_match_below("a/**/b", "a/x/y"), 1);
}

/* A plain backtracking matcher, exponential but obviously right, to compare with on short inputs.
 * Classes here are only the ASCII ones the generator below makes. */
static bool ref_match(const char *base, const char *p, const char *s) {
        if (*p == 0)
                return *s == 0;

        if (p[0] == '*' && p[1] == '*' && (p == base || p[-1] == '/') && (p[2] == '/' || p[2] == 0)) {
                if (p[2] == 0)
                        return true;
                if (ref_match(base, p + 3, s))
                        return true;
                for (size_t k = 1; s[k - 1] && s[k - 1] != '/'; k++)
                        if (s[k] == '/' && ref_match(base, p, s + k + 1))
                                return true;
                return false;
        }
        if (*p == '*') {
                while (*p == '*')
                        p++;
                for (size_t k = 0; ; k++) {
                        if (ref_match(base, p, s + k))
                                return true;
                        if (!s[k] || s[k] == '/')
                                return false;
                }
        }
        if (*s == 0)
                return false;
        if (*p == '?')
                return *s != '/' && ref_match(base, p + 1, s + 1);
        if (*p == '[') {
                bool negated = p[1] == '!', found = false;
                const char *q = p + 1 + negated;

                for (; *q != ']'; q++)
                        found = found || *q == *s;
                return *s != '/' && found != negated && ref_match(base, q + 1, s + 1);
        }
        return *p == *s && ref_match(base, p + 1, s + 1);
}

TEST(against_reference) {
        static const char *const pieces[] = { "a", "b", "/", "*", "?", "[ab]", "[!a]", "**/", "**", "." };
        static const char *const path_pieces[] = { "a", "b", "/", "." };
        unsigned seed = 12345, compared = 0;

        for (unsigned round = 0; round < 200000; round++) {
                char pattern[64] = "", path[32] = "";
                int r;

                seed = seed * 1103515245 + 12345;
                for (unsigned n = 1 + (seed >> 16) % 6, i = 0; i < n; i++) {
                        seed = seed * 1103515245 + 12345;
                        strcat(pattern, pieces[(seed >> 16) % ELEMENTSOF(pieces)]);
                }
                for (unsigned n = 1 + (seed >> 8) % 8, i = 0; i < n; i++) {
                        seed = seed * 1103515245 + 12345;
                        strcat(path, path_pieces[(seed >> 16) % ELEMENTSOF(path_pieces)]);
                }
                if (glob_pattern_check(pattern, NULL) < 0 || !upload_path_is_normal(path))
                        continue;

                r = glob_match(pattern, path);
                if (r != ref_match(pattern, pattern, path)) {
                        fprintf(stderr, "pattern \"%s\" path \"%s\": got %d\n", pattern, path, r);
                        abort();
                }

                /* A match below a directory must have been announced for that directory. */
                if (r == 1)
                        for (char *slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
                                *slash = 0;
                                ASSERT_EQ(glob_match_below(pattern, path), 1);
                                *slash = '/';
                        }
                compared++;
        }
        ASSERT_TRUE(compared > 10000);
}

static double now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

TEST(no_exponential_blowup) {
        char pattern[GLOB_PATTERN_MAX + 1], path[1001];
        double start = now();
        size_t i;

        /* a*a*a*...a*b against aaaa...a: a backtracking matcher would never finish. */
        for (i = 0; i + 3 < GLOB_PATTERN_MAX; i += 2) {
                pattern[i] = 'a';
                pattern[i + 1] = '*';
        }
        pattern[i++] = 'b';
        pattern[i] = 0;
        memset(path, 'a', sizeof(path) - 1);
        path[sizeof(path) - 1] = 0;
        for (unsigned k = 0; k < 10; k++)
                NO_MATCH(pattern, path);

        /* The same with "**" directories against a deep path. */
        pattern[0] = 0;
        while (strlen(pattern) + 6 < GLOB_PATTERN_MAX)
                strcat(pattern, "**/a*");
        strcat(pattern, "/b");
        for (i = 0; i + 3 < sizeof(path); i += 2) {
                path[i] = 'a';
                path[i + 1] = '/';
        }
        path[i] = 'a';
        path[i + 1] = 0;
        for (unsigned k = 0; k < 10; k++)
                NO_MATCH(pattern, path);

        ASSERT_TRUE(now() - start < 5.0);
}

int main(void) {
        RUN(literal);
        RUN(star);
        RUN(question);
        RUN(class);
        RUN(escape);
        RUN(globstar);
        RUN(invalid);
        RUN(below);
        RUN(against_reference);
        RUN(no_exponential_blowup);
        return 0;
}

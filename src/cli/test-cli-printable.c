/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include "cli-printable.h"
#include "tests.h"

static void check(const char *in, size_t len, size_t max, const char *expected) {
        char *out = NULL;
        ASSERT_OK(printable_dup(in, len, max, &out));
        ASSERT_STREQ(out, expected);
        free(out);
}

TEST(plain) {
        check("hello", 5, 100, "hello");
        check("", 0, 100, "");
        check("grüße – ✓ 𝄞", strlen("grüße – ✓ 𝄞"), 100, "grüße – ✓ 𝄞");
}

TEST(controls) {
        check("a\033[31mred", 9, 100, "a?[31mred");
        check("line\nbreak\r\t", 12, 100, "line?break??");
        check("nul\0in", 6, 100, "nul?in");
        check("del\x7f", 4, 100, "del?");
        /* C1 controls: U+009B is a CSI on some terminals. */
        check("x\xc2\x9b" "31m", 6, 100, "x?31m");
}

TEST(invalid_utf8) {
        check("\xff\xfe", 2, 100, "??");
        check("\xc3", 1, 100, "?");                     /* cut sequence */
        check("\xc0\xaf", 2, 100, "??");                /* overlong "/" */
        check("\xed\xa0\x80", 3, 100, "???");           /* surrogate */
        check("\xf4\x90\x80\x80", 4, 100, "????");      /* past U+10FFFF */
        check("\xe2\x9c", 2, 100, "??");
}

TEST(limit) {
        check("abcdef", 6, 3, "abc");
        /* Never cut inside a character: "ü" is two bytes and does not fit in the third. */
        check("abü", 4, 3, "ab");
        check("abü", 4, 4, "abü");
        check("abc", 3, 0, "");
}

int main(void) {
        RUN(plain);
        RUN(controls);
        RUN(invalid_utf8);
        RUN(limit);
        return 0;
}

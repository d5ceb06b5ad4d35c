/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "tests.h"
#include "url-unescape.h"

static void check(const char *in, const char *want) {
        char buf[256];

        snprintf(buf, sizeof(buf), "%s", in);
        ASSERT_EQ(url_unescape_inplace(buf), strlen(want));
        ASSERT_STREQ(buf, want);
}

int main(void) {
        check("", "");
        check("/run", "/run");
        check("/a%20b", "/a b");
        check("%2F%2f", "//");
        check("%41%4a%6b", "AJk");
        /* %00 would cut the path short: it stays. */
        check("/%00x", "/%00x");
        check("/%00", "/%00");
        /* Incomplete or non-hex escapes stay as they are. */
        check("%", "%");
        check("%4", "%4");
        check("a%", "a%");
        check("%zz%4g%g4", "%zz%4g%g4");
        /* Decoded once: "%2541" is "%41", not "A". */
        check("%2541", "%41");
        check("%ff", "\xff");
        return 0;
}

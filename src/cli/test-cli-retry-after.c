/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "cli-retry-after.h"
#include "tests.h"

/* Sun, 06 Nov 1994 08:49:37 GMT */
#define T0 ((time_t) 784111777)

static int parse(const char *s, time_t now, uint64_t *ret) {
        return retry_after_parse(s, strlen(s), now, ret);
}

TEST(delay_seconds) {
        uint64_t s = 12345;
        ASSERT_OK(parse("0", T0, &s));
        ASSERT_EQ(s, 0);
        ASSERT_OK(parse("120", T0, &s));
        ASSERT_EQ(s, 120);
        ASSERT_OK(parse("  7\t", T0, &s));
        ASSERT_EQ(s, 7);
        ASSERT_OK(parse("0031622400", T0, &s));
        ASSERT_EQ(s, RETRY_AFTER_MAX_SECONDS);
}

TEST(http_date) {
        uint64_t s = 0;
        ASSERT_OK(parse("Sun, 06 Nov 1994 08:50:07 GMT", T0, &s));
        ASSERT_EQ(s, 30);
        ASSERT_OK(parse("Mon, 07 Nov 1994 08:49:37 GMT", T0, &s));
        ASSERT_EQ(s, 86400);
        /* A date in the past means "now". */
        s = 99;
        ASSERT_OK(parse("Sat, 05 Nov 1994 08:49:37 GMT", T0, &s));
        ASSERT_EQ(s, 0);
        /* Leap day, seen from 1996-02-28 00:00:00. */
        ASSERT_OK(parse("Thu, 29 Feb 1996 00:00:00 GMT", 825465600, &s));
        ASSERT_EQ(s, 86400);
}

TEST(hostile) {
        uint64_t s = 4242;
        ASSERT_ERROR(parse("", T0, &s), EINVAL);
        ASSERT_ERROR(parse("   ", T0, &s), EINVAL);
        ASSERT_ERROR(parse("-1", T0, &s), EINVAL);
        ASSERT_ERROR(parse("+5", T0, &s), EINVAL);
        ASSERT_ERROR(parse("1.5", T0, &s), EINVAL);
        ASSERT_ERROR(parse("12abc", T0, &s), EINVAL);
        ASSERT_ERROR(parse("0x10", T0, &s), EINVAL);
        ASSERT_ERROR(parse("31622401", T0, &s), ERANGE);
        ASSERT_ERROR(parse("99999999999999999999999999999999", T0, &s), ERANGE);
        ASSERT_ERROR(parse("Sun, 06 Nov 2094 08:49:37 GMT", T0, &s), ERANGE);
        ASSERT_ERROR(parse("Sun, 06 Nov 1994 08:49:37 UTC", T0, &s), EINVAL);
        ASSERT_ERROR(parse("Sunday, 06-Nov-94 08:49:37 GMT", T0, &s), EINVAL);
        ASSERT_ERROR(parse("Sun Nov  6 08:49:37 1994", T0, &s), EINVAL);
        ASSERT_ERROR(parse("Sun, 31 Feb 1994 08:49:37 GMT", T0, &s), EINVAL);
        ASSERT_ERROR(parse("Sun, 06 Foo 1994 08:49:37 GMT", T0, &s), EINVAL);
        ASSERT_ERROR(parse("Sun, 06 Nov 1994 24:49:37 GMT", T0, &s), EINVAL);
        ASSERT_ERROR(parse("Sun, 0x Nov 1994 08:49:37 GMT", T0, &s), EINVAL);
        ASSERT_ERROR(parse("Sun, 06 Nov 1969 08:49:37 GMT", T0, &s), EINVAL);
        ASSERT_ERROR(retry_after_parse("12", 2, T0, NULL), EINVAL);
        ASSERT_ERROR(retry_after_parse(NULL, 0, T0, &s), EINVAL);
        /* Only len bytes count: "30" cut to "3". */
        ASSERT_OK(retry_after_parse("30", 1, T0, &s));
        ASSERT_EQ(s, 3);
        /* Failures leave the output alone. */
        s = 4242;
        ASSERT_ERROR(parse("nope", T0, &s), EINVAL);
        ASSERT_EQ(s, 4242);
}

int main(void) {
        RUN(delay_seconds);
        RUN(http_date);
        RUN(hostile);
        return 0;
}

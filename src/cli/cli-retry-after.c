/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "cli-retry-after.h"
#include "macro.h"

#define IMF_FIXDATE_LEN 29      /* "Sun, 06 Nov 1994 08:49:37 GMT" */

static bool is_ows(char c) {
        return c == ' ' || c == '\t';
}

static bool parse_digits(const char *s, size_t n, int *ret) {
        int v = 0;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (s[i] - '0');
        }
        *ret = v;
        return true;
}

static int lookup(const char *s, const char *const *table, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (strneq(s, table[i], 3))
                        return (int) i;
        return -1;
}

static int parse_imf_fixdate(const char *s, size_t len, time_t *ret) {
        static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
        static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

        if (len != IMF_FIXDATE_LEN)
                return -EINVAL;
        if (lookup(s, days, ELEMENTSOF(days)) < 0 || !strneq(s + 3, ", ", 2) || s[7] != ' ' ||
            s[11] != ' ' || s[16] != ' ' || s[19] != ':' || s[22] != ':' || !strneq(s + 25, " GMT", 4))
                return -EINVAL;

        int mday, year, hour, min, sec;
        int mon = lookup(s + 8, months, ELEMENTSOF(months));
        if (mon < 0 ||
            !parse_digits(s + 5, 2, &mday) || !parse_digits(s + 12, 4, &year) ||
            !parse_digits(s + 17, 2, &hour) || !parse_digits(s + 20, 2, &min) ||
            !parse_digits(s + 23, 2, &sec))
                return -EINVAL;
        /* 60 allows a leap second. */
        if (mday < 1 || mday > 31 || hour > 23 || min > 59 || sec > 60 || year < 1970)
                return -EINVAL;

        struct tm tm = {
                .tm_year = year - 1900, .tm_mon = mon, .tm_mday = mday,
                .tm_hour = hour, .tm_min = min, .tm_sec = sec,
        };
        time_t t = timegm(&tm);
        /* timegm() normalises "31 Feb" into March; a real date survives the round trip. */
        if (t == (time_t) -1 || tm.tm_mday != mday || tm.tm_mon != mon)
                return -EINVAL;
        *ret = t;
        return 0;
}

int retry_after_parse(const char *value, size_t len, time_t now, uint64_t *ret_seconds) {
        if (!value || !ret_seconds)
                return -EINVAL;

        while (len > 0 && is_ows(value[0])) {
                value++;
                len--;
        }
        while (len > 0 && is_ows(value[len - 1]))
                len--;
        if (len == 0)
                return -EINVAL;

        if (value[0] >= '0' && value[0] <= '9') {
                uint64_t v = 0;
                for (size_t i = 0; i < len; i++) {
                        if (value[i] < '0' || value[i] > '9')
                                return -EINVAL;
                        v = v * 10 + (uint64_t) (value[i] - '0');
                        if (v > RETRY_AFTER_MAX_SECONDS)
                                return -ERANGE;
                }
                *ret_seconds = v;
                return 0;
        }

        time_t when;
        int r = parse_imf_fixdate(value, len, &when);
        if (r < 0)
                return r;
        if (when <= now) {
                *ret_seconds = 0;
                return 0;
        }
        if ((uint64_t) (when - now) > RETRY_AFTER_MAX_SECONDS)
                return -ERANGE;
        *ret_seconds = (uint64_t) (when - now);
        return 0;
}

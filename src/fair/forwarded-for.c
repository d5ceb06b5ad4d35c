/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "forwarded-for.h"

static bool is_blank(char ch) {
        return ch == ' ' || ch == '\t';
}

/* 1 to 5 digits, at most 65535. */
static bool is_port(const char *buf, size_t len) {
        unsigned v = 0;

        if (len == 0 || len > 5)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (buf[i] < '0' || buf[i] > '9')
                        return false;
                v = v * 10 + (unsigned) (buf[i] - '0');
        }
        return v <= 65535;
}

int forwarded_for_parse_hop(const char *buf, size_t len, IpAddress *ret) {
        if (!buf || len == 0 || len > FORWARDED_FOR_HOP_MAX)
                return -EINVAL;

        if (buf[0] == '[') {
                /* "[v6]" or "[v6]:port"; brackets are only for IPv6 text. */
                const char *close = memchr(buf, ']', len);
                if (!close)
                        return -EINVAL;

                const char *inner = buf + 1;
                size_t inner_len = (size_t) (close - inner);
                size_t after = len - (size_t) (close - buf) - 1;

                if (!memchr(inner, ':', inner_len))
                        return -EINVAL;
                if (after > 0 && (close[1] != ':' || !is_port(close + 2, after - 1)))
                        return -EINVAL;
                return ip_address_parse(inner, inner_len, ret);
        }

        const char *colon = memchr(buf, ':', len);
        if (colon && !memchr(colon + 1, ':', len - (size_t) (colon - buf) - 1)) {
                /* Exactly one colon: "a.b.c.d:port". */
                if (!is_port(colon + 1, len - (size_t) (colon - buf) - 1))
                        return -EINVAL;
                return ip_address_parse(buf, (size_t) (colon - buf), ret);
        }

        return ip_address_parse(buf, len, ret);
}

void forwarded_for_resolve(
                const IpAddress *peer,
                const char *xff,
                size_t xff_len,
                const CidrList *trusted_proxies,
                IpAddress *ret) {

        IpAddress client = *peer;
        size_t window_start = 0;
        bool left_end_cut = false;

        if (!xff || !cidr_list_contains(trusted_proxies, &client)) {
                *ret = client;
                return;
        }

        if (xff_len > FORWARDED_FOR_MAX_BYTES) {
                window_start = xff_len - FORWARDED_FOR_MAX_BYTES;
                left_end_cut = xff[window_start - 1] != ',';
        }

        size_t end = xff_len;   /* exclusive end of the element being looked at */
        for (unsigned hops = 0; hops < FORWARDED_FOR_MAX_HOPS; hops++) {
                size_t start = end;
                while (start > window_start && xff[start - 1] != ',')
                        start--;

                bool leftmost = start == window_start;
                if (leftmost && left_end_cut)
                        break;  /* a partial element could read as a different, valid address */

                size_t a = start, b = end;
                while (a < b && is_blank(xff[a]))
                        a++;
                while (b > a && is_blank(xff[b - 1]))
                        b--;

                if (a < b) {
                        IpAddress hop;

                        if (forwarded_for_parse_hop(xff + a, b - a, &hop) < 0)
                                break;
                        client = hop;
                        if (!cidr_list_contains(trusted_proxies, &client))
                                break;
                }

                if (leftmost)
                        break;
                end = start - 1;        /* step over the comma */
        }

        *ret = client;
}

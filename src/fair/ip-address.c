/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "ip-address.h"

/* Rewrites ::ffff:a.b.c.d as a.b.c.d; leaves everything else alone. */
static void ip_address_unmap(IpAddress *a) {
        if (a->family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&a->in6))
                return;

        uint8_t v4[4];
        memcpy(v4, a->bytes + 12, sizeof(v4));
        memset(a->bytes, 0, sizeof(a->bytes));
        memcpy(a->bytes, v4, sizeof(v4));
        a->family = AF_INET;
}

int ip_address_parse(const char *buf, size_t len, IpAddress *ret) {
        char text[IP_ADDRESS_TEXT_MAX + 1];
        IpAddress a = {};

        if (!buf || len == 0 || len > IP_ADDRESS_TEXT_MAX)
                return -EINVAL;
        /* inet_pton() needs a NUL-terminated string; an embedded NUL would silently cut the input. */
        if (memchr(buf, 0, len))
                return -EINVAL;
        memcpy(text, buf, len);
        text[len] = 0;

        if (inet_pton(AF_INET, text, &a.in) == 1)
                a.family = AF_INET;
        else if (inet_pton(AF_INET6, text, &a.in6) == 1)
                a.family = AF_INET6;
        else
                return -EINVAL;

        ip_address_unmap(&a);
        *ret = a;
        return 0;
}

int ip_address_from_sockaddr(const struct sockaddr *sa, socklen_t len, IpAddress *ret) {
        IpAddress a = {};

        if (!sa || len < (socklen_t) sizeof(sa_family_t))
                return -EINVAL;

        switch (sa->sa_family) {
        case AF_INET: {
                struct sockaddr_in sin;

                if (len < (socklen_t) sizeof(sin))
                        return -EINVAL;
                memcpy(&sin, sa, sizeof(sin));
                a.family = AF_INET;
                a.in = sin.sin_addr;
                break;
        }
        case AF_INET6: {
                struct sockaddr_in6 sin6;

                if (len < (socklen_t) sizeof(sin6))
                        return -EINVAL;
                memcpy(&sin6, sa, sizeof(sin6));
                a.family = AF_INET6;
                a.in6 = sin6.sin6_addr;
                break;
        }
        default:
                return -EAFNOSUPPORT;
        }

        ip_address_unmap(&a);
        *ret = a;
        return 0;
}

unsigned ip_address_bits(const IpAddress *a) {
        return a->family == AF_INET6 ? 128 : 32;
}

bool ip_address_equal(const IpAddress *a, const IpAddress *b) {
        return a->family == b->family && memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

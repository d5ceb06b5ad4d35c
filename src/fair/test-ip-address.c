/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "ip-address.h"
#include "macro.h"
#include "tests.h"

static IpAddress parse_ok(const char *s) {
        IpAddress a;

        ASSERT_OK(ip_address_parse(s, strlen(s), &a));
        return a;
}

TEST(parse_ipv4) {
        IpAddress a = parse_ok("192.0.2.1");

        ASSERT_EQ(a.family, AF_INET);
        ASSERT_EQ(ip_address_bits(&a), 32);
        ASSERT_EQ(a.bytes[0], 192);
        ASSERT_EQ(a.bytes[3], 1);
        for (size_t i = 4; i < sizeof(a.bytes); i++)
                ASSERT_EQ(a.bytes[i], 0);
}

TEST(parse_ipv6) {
        IpAddress a = parse_ok("2001:db8::1");

        ASSERT_EQ(a.family, AF_INET6);
        ASSERT_EQ(ip_address_bits(&a), 128);
        ASSERT_EQ(a.bytes[0], 0x20);
        ASSERT_EQ(a.bytes[15], 1);
}

TEST(mapped_ipv4_becomes_ipv4) {
        IpAddress mapped = parse_ok("::ffff:192.0.2.1"), plain = parse_ok("192.0.2.1");

        ASSERT_EQ(mapped.family, AF_INET);
        ASSERT_TRUE(ip_address_equal(&mapped, &plain));

        /* Other embeddings are real IPv6 addresses and stay so. */
        ASSERT_EQ(parse_ok("64:ff9b::192.0.2.1").family, AF_INET6);
        ASSERT_EQ(parse_ok("::1").family, AF_INET6);
}

TEST(parse_rejects) {
        static const char *const bad[] = {
                "", " 192.0.2.1", "192.0.2.1 ", "192.0.2", "192.0.2.256", "192.0.2.1.5", "0x7f.0.0.1",
                "[::1]", "::1%eth0", "1.2.3.4:80", "2001:db8::1::2", "localhost", "unknown", "-",
                "01234567890123456789012345678901234567890123456789",
        };
        IpAddress a = { .family = 12345 };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ASSERT_ERROR(ip_address_parse(bad[i], strlen(bad[i]), &a), EINVAL);
        ASSERT_EQ(a.family, 12345);     /* untouched on failure */

        /* Length is what counts, not a terminating NUL. */
        ASSERT_ERROR(ip_address_parse("1.2.3.4\0" "5", 9, &a), EINVAL);
        ASSERT_OK(ip_address_parse("1.2.3.45", 7, &a));
        ASSERT_EQ(a.bytes[3], 4);
        ASSERT_ERROR(ip_address_parse(NULL, 0, &a), EINVAL);
}

TEST(from_sockaddr) {
        struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(443) };
        struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
        struct sockaddr_un_like { sa_family_t family; char path[108]; } sun = { .family = AF_UNIX };
        IpAddress a, expected = parse_ok("198.51.100.7");

        ASSERT_EQ(inet_pton(AF_INET, "198.51.100.7", &sin.sin_addr), 1);
        ASSERT_OK(ip_address_from_sockaddr((struct sockaddr *) &sin, sizeof(sin), &a));
        ASSERT_TRUE(ip_address_equal(&a, &expected));

        ASSERT_EQ(inet_pton(AF_INET6, "::ffff:198.51.100.7", &sin6.sin6_addr), 1);
        ASSERT_OK(ip_address_from_sockaddr((struct sockaddr *) &sin6, sizeof(sin6), &a));
        ASSERT_EQ(a.family, AF_INET);
        ASSERT_TRUE(ip_address_equal(&a, &expected));

        ASSERT_ERROR(ip_address_from_sockaddr((struct sockaddr *) &sin6, sizeof(sin), &a), EINVAL);
        ASSERT_ERROR(ip_address_from_sockaddr((struct sockaddr *) &sin, 1, &a), EINVAL);
        ASSERT_ERROR(ip_address_from_sockaddr((struct sockaddr *) &sun, sizeof(sun), &a), EAFNOSUPPORT);
        ASSERT_ERROR(ip_address_from_sockaddr(NULL, 0, &a), EINVAL);
}

int main(void) {
        RUN(parse_ipv4);
        RUN(parse_ipv6);
        RUN(mapped_ipv4_becomes_ipv4);
        RUN(parse_rejects);
        RUN(from_sockaddr);
        return 0;
}

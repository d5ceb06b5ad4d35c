/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "client-key.h"
#include "forwarded-for.h"
#include "macro.h"
#include "tests.h"

/* A sockaddr as accept() would return it for the text address s. */
typedef struct Peer {
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
        };
        socklen_t len;
} Peer;

static Peer peer(const char *s) {
        Peer p = {};

        if (inet_pton(AF_INET, s, &p.in.sin_addr) == 1) {
                p.in.sin_family = AF_INET;
                p.len = sizeof(p.in);
        } else {
                ASSERT_EQ(inet_pton(AF_INET6, s, &p.in6.sin6_addr), 1);
                p.in6.sin6_family = AF_INET6;
                p.len = sizeof(p.in6);
        }
        return p;
}

static const char *key_string(const Peer *p, char buf[static CLIENT_KEY_STRING_MAX]) {
        ClientKey k;

        ASSERT_OK(client_key_from_sockaddr(&p->sa, p->len, &k));
        return client_key_to_string(&k, buf);
}

static ClientKey key_of(const char *s) {
        Peer p = peer(s);
        ClientKey k;

        ASSERT_OK(client_key_from_sockaddr(&p.sa, p.len, &k));
        return k;
}

TEST(ipv4) {
        char buf[CLIENT_KEY_STRING_MAX];
        Peer p = peer("198.51.100.7");
        ClientKey a = key_of("198.51.100.7"), b = key_of("198.51.100.8");

        ASSERT_STREQ(key_string(&p, buf), "198.51.100.7");
        ASSERT_TRUE(!client_key_equal(&a, &b));
}

TEST(ipv6_grouped_by_64) {
        char buf[CLIENT_KEY_STRING_MAX];
        Peer p = peer("2001:db8:1:2:aaaa:bbbb:cccc:dddd");
        ClientKey a = key_of("2001:db8:1:2::1"), b = key_of("2001:db8:1:2:ffff:ffff:ffff:ffff");
        ClientKey other = key_of("2001:db8:1:3::1");

        ASSERT_STREQ(key_string(&p, buf), "2001:db8:1:2::/64");
        ASSERT_TRUE(client_key_equal(&a, &b));
        ASSERT_TRUE(!client_key_equal(&a, &other));

        Peer full = peer("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        ASSERT_STREQ(key_string(&full, buf), "ffff:ffff:ffff:ffff::/64");
        ASSERT_TRUE(strlen(buf) < CLIENT_KEY_STRING_MAX);
}

TEST(ipv4_mapped_counts_as_ipv4) {
        char buf[CLIENT_KEY_STRING_MAX];
        Peer p = peer("::ffff:198.51.100.7");
        ClientKey mapped = key_of("::ffff:198.51.100.7"), plain = key_of("198.51.100.7");
        ClientKey neighbour = key_of("::ffff:198.51.100.8");

        ASSERT_STREQ(key_string(&p, buf), "198.51.100.7");
        ASSERT_TRUE(client_key_equal(&mapped, &plain));
        /* Not grouped by /64 like IPv6: every IPv4 address is its own client. */
        ASSERT_TRUE(!client_key_equal(&mapped, &neighbour));
}

TEST(ipv4_and_ipv6_never_equal) {
        /* 0.0.0.0 and ::/64 have the same bytes; the family tells them apart. */
        ClientKey v4 = key_of("0.0.0.0"), v6 = key_of("::");

        ASSERT_TRUE(!client_key_equal(&v4, &v6));
}

TEST(unsupported_peer) {
        struct sockaddr sa = { .sa_family = AF_UNIX };
        ClientKey k;

        ASSERT_ERROR(client_key_from_sockaddr(&sa, sizeof(sa), &k), EAFNOSUPPORT);
        ASSERT_ERROR(client_key_from_request(&sa, sizeof(sa), "1.2.3.4", 7, NULL, &k), EAFNOSUPPORT);
}

/* The key client_key_from_request() finds, as a string. */
static const char *resolve(const char *peer_text, const char *xff, const char *trusted,
                           char buf[static CLIENT_KEY_STRING_MAX]) {
        Peer p = peer(peer_text);
        CidrList l = {};
        ClientKey k;

        ASSERT_OK(cidr_list_parse(trusted, strlen(trusted), &l, NULL));
        ASSERT_OK(client_key_from_request(&p.sa, p.len, xff, xff ? strlen(xff) : 0, &l, &k));
        return client_key_to_string(&k, buf);
}

typedef struct XffCase {
        const char *peer, *xff, *expected;
} XffCase;

#define TRUSTED "10.0.0.0/8, 2001:db8:ffff::/48"

static const XffCase xff_cases[] = {
        /* From a peer that is not a trusted proxy the header is ignored. */
        { "203.0.113.9", "1.1.1.1", "203.0.113.9" },
        { "203.0.113.9", NULL, "203.0.113.9" },
        /* A trusted peer: the first untrusted hop from the right, skipping further trusted proxies. */
        { "10.0.0.1", "198.51.100.7", "198.51.100.7" },
        { "10.0.0.1", "198.51.100.7, 10.9.9.9, 10.8.8.8", "198.51.100.7" },
        /* Spoofed entries at the left are never looked at. */
        { "10.0.0.1", "1.1.1.1, 8.8.8.8, 198.51.100.7", "198.51.100.7" },
        { "10.0.0.1", "10.1.1.1, 198.51.100.7, 10.2.2.2", "198.51.100.7" },
        { "10.0.0.1", "garbage, 198.51.100.7", "198.51.100.7" },
        /* IPv6 hops, bracketed or with ports, grouped by /64; mapped hops and peers count as IPv4. */
        { "10.0.0.1", "2001:db8:5:6::7", "2001:db8:5:6::/64" },
        { "10.0.0.1", "[2001:db8:5:6::7]:4711", "2001:db8:5:6::/64" },
        { "2001:db8:ffff::1", "[2001:db8:5:6::7]", "2001:db8:5:6::/64" },
        { "10.0.0.1", "198.51.100.7:65535", "198.51.100.7" },
        { "10.0.0.1", "::ffff:198.51.100.7", "198.51.100.7" },
        { "::ffff:10.0.0.1", "198.51.100.7", "198.51.100.7" },
        /* Whitespace and empty list elements. */
        { "10.0.0.1", " \t198.51.100.7 ,, 10.3.3.3 ,", "198.51.100.7" },
        /* A hop that is not an address: the client is the last trusted hop before it. */
        { "10.0.0.1", "unknown", "10.0.0.1" },
        { "10.0.0.1", "198.51.100.7, unknown", "10.0.0.1" },
        { "10.0.0.1", "198.51.100.7, garbage, 10.5.5.5", "10.5.5.5" },
        { "10.0.0.1", "198.51.100.7:", "10.0.0.1" },
        { "10.0.0.1", "198.51.100.7:65536", "10.0.0.1" },
        { "10.0.0.1", "198.51.100.7:-1", "10.0.0.1" },
        { "10.0.0.1", "198.51.100.7:80:80", "10.0.0.1" },
        { "10.0.0.1", "[198.51.100.7]", "10.0.0.1" },
        { "10.0.0.1", "[2001:db8::1", "10.0.0.1" },
        { "10.0.0.1", "[2001:db8::1]x", "10.0.0.1" },
        { "10.0.0.1", "[2001:db8::1]:", "10.0.0.1" },
        { "10.0.0.1", "[2001:db8::1]:1234567", "10.0.0.1" },
        { "10.0.0.1", "fe80::1%eth0", "10.0.0.1" },
        { "10.0.0.1", "2001:db8::1 2001:db8::2", "10.0.0.1" },
        { "10.0.0.1", "_hidden", "10.0.0.1" },
        { "10.0.0.1", "198.51.100.7/24", "10.0.0.1" },
        { "10.0.0.1", "\"198.51.100.7\"", "10.0.0.1" },
        { "10.0.0.1", "for=198.51.100.7", "10.0.0.1" },
        /* Only trusted hops: the leftmost of them. Nothing in the header: the peer. */
        { "10.0.0.1", "10.7.7.7, 10.6.6.6", "10.7.7.7" },
        { "10.0.0.1", "", "10.0.0.1" },
        { "10.0.0.1", " , ,", "10.0.0.1" },
};

TEST(xff_rules) {
        char buf[CLIENT_KEY_STRING_MAX];

        for (size_t i = 0; i < ELEMENTSOF(xff_cases); i++) {
                const XffCase *c = &xff_cases[i];

                fprintf(stderr, "    %s via %s\n", c->xff ?: "(none)", c->peer);
                ASSERT_STREQ(resolve(c->peer, c->xff, TRUSTED, buf), c->expected);
        }
        /* Without trusted proxies nobody's header counts. */
        ASSERT_STREQ(resolve("10.0.0.1", "198.51.100.7", "", buf), "10.0.0.1");
}

TEST(xff_embedded_nul) {
        Peer p = peer("10.0.0.1");
        CidrList l = {};
        ClientKey k;
        char buf[CLIENT_KEY_STRING_MAX];
        const char xff[] = "198.51.100.7\0" "1";

        ASSERT_OK(cidr_list_parse("10.0.0.0/8", 10, &l, NULL));
        ASSERT_OK(client_key_from_request(&p.sa, p.len, xff, sizeof(xff) - 1, &l, &k));
        ASSERT_STREQ(client_key_to_string(&k, buf), "10.0.0.1");
}

TEST(xff_bounds) {
        char buf[CLIENT_KEY_STRING_MAX];
        const char *trusted = TRUSTED;
        char xff[FORWARDED_FOR_MAX_BYTES * 2] = "";

        /* More trusted hops than are walked: stop at the last one walked. */
        for (unsigned i = 0; i < FORWARDED_FOR_MAX_HOPS + 5; i++) {
                char hop[32];
                snprintf(hop, sizeof(hop), "%s10.0.0.%u", i == 0 ? "198.51.100.7, " : ", ", i + 1);
                strcat(xff, hop);
        }
        ASSERT_STREQ(resolve("10.0.0.1", xff, trusted, buf), "10.0.0.6");

        /* A long spoofed prefix does not push the real client out of sight. */
        memset(xff, ' ', sizeof(xff));
        memcpy(xff, "1.1.1.1", 7);
        strcpy(xff + sizeof(xff) - 32, ", 198.51.100.7, 10.4.4.4");
        ASSERT_STREQ(resolve("10.0.0.1", xff, trusted, buf), "198.51.100.7");

        /* An element cut by the window's left edge is not used, even if what is left parses: here
         * "11.2.3.4" is cut to "1.2.3.4". Every hop after it is trusted, so the leftmost of those wins. */
        memset(xff, 0, sizeof(xff));
        memset(xff, ' ', FORWARDED_FOR_MAX_BYTES + 1);
        memcpy(xff, "11.2.3.4,", 9);
        memcpy(xff + FORWARDED_FOR_MAX_BYTES + 1 - 8, "10.4.4.4", 8);
        ASSERT_STREQ(resolve("10.0.0.1", xff, trusted, buf), "10.4.4.4");
        /* The same with the cut exactly at a comma: the element left of the window is whole. */
        xff[0] = ',';
        memcpy(xff + 1, "1.2.3.4", 7);
        ASSERT_STREQ(resolve("10.0.0.1", xff, trusted, buf), "1.2.3.4");
}

int main(void) {
        RUN(ipv4);
        RUN(ipv6_grouped_by_64);
        RUN(ipv4_mapped_counts_as_ipv4);
        RUN(ipv4_and_ipv6_never_equal);
        RUN(unsupported_peer);
        RUN(xff_rules);
        RUN(xff_embedded_nul);
        RUN(xff_bounds);
        return 0;
}

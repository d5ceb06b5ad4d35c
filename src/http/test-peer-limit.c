/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>

#include "peer-limit.h"
#include "tests.h"

static struct sockaddr_in v4(const char *a) {
        struct sockaddr_in sa = { .sin_family = AF_INET };
        ASSERT_EQ(inet_pton(AF_INET, a, &sa.sin_addr), 1);
        return sa;
}

static struct sockaddr_in6 v6(const char *a) {
        struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
        ASSERT_EQ(inet_pton(AF_INET6, a, &sa.sin6_addr), 1);
        return sa;
}

/* One client is an IPv4 address or an IPv6 /64: a /64 cannot take more by using more of its addresses. */
static void test_client_keys(void) {
        PeerLimit *l;
        struct sockaddr_in6 a1 = v6("2001:db8:1:2::1"), a2 = v6("2001:db8:1:2:ffff:ffff:ffff:ffff"),
                            other = v6("2001:db8:1:3::1"), mapped = v6("::ffff:192.0.2.1");
        struct sockaddr_in v4a = v4("192.0.2.1");
        ClientKey k;

        ASSERT_EQ(peer_limit_new(&l, 2), 0);
        ASSERT_TRUE(peer_limit_acquire(l, (struct sockaddr *) &a1, sizeof(a1)));
        ASSERT_TRUE(peer_limit_acquire(l, (struct sockaddr *) &a2, sizeof(a2)));
        ASSERT_TRUE(!peer_limit_acquire(l, (struct sockaddr *) &a1, sizeof(a1)));
        ASSERT_TRUE(!peer_limit_acquire(l, (struct sockaddr *) &a2, sizeof(a2)));
        ASSERT_EQ(peer_limit_count(l, (struct sockaddr *) &a2, sizeof(a2)), 2);
        /* The next /64 is another client. */
        ASSERT_TRUE(peer_limit_acquire(l, (struct sockaddr *) &other, sizeof(other)));
        /* Released through another address of the same /64: the same client. */
        peer_limit_release(l, (struct sockaddr *) &a2, sizeof(a2));
        ASSERT_EQ(peer_limit_count(l, (struct sockaddr *) &a1, sizeof(a1)), 1);

        /* An IPv4-mapped IPv6 peer is its IPv4 address. */
        ASSERT_TRUE(peer_limit_acquire(l, (struct sockaddr *) &v4a, sizeof(v4a)));
        ASSERT_TRUE(peer_limit_acquire(l, (struct sockaddr *) &mapped, sizeof(mapped)));
        ASSERT_TRUE(!peer_limit_acquire(l, (struct sockaddr *) &v4a, sizeof(v4a)));

        /* By key, as the server counts requests in flight (the key from X-Forwarded-For). */
        ASSERT_EQ(client_key_from_sockaddr((struct sockaddr *) &other, sizeof(other), &k), 0);
        ASSERT_EQ(peer_limit_count_key(l, &k), 1);
        ASSERT_TRUE(peer_limit_acquire_key(l, &k));
        ASSERT_TRUE(!peer_limit_acquire_key(l, &k));
        peer_limit_release_key(l, &k);
        peer_limit_release_key(l, &k);
        ASSERT_EQ(peer_limit_count_key(l, &k), 0);
        peer_limit_free(l);
}

int main(void) {
        test_client_keys();

        PeerLimit *l;
        struct sockaddr_in a = v4("192.0.2.1"), b = v4("192.0.2.2");
        struct sockaddr_in6 c = { .sin6_family = AF_INET6 };
        struct sockaddr_un { sa_family_t f; char p[8]; } u = { .f = AF_UNIX };

        ASSERT_EQ(peer_limit_new(&l, 2), 0);
        ASSERT_TRUE(peer_limit_acquire(l, (struct sockaddr *) &a, sizeof(a)));
        ASSERT_TRUE(peer_limit_acquire(l, (struct sockaddr *) &a, sizeof(a)));
        ASSERT_TRUE(!peer_limit_acquire(l, (struct sockaddr *) &a, sizeof(a)));
        ASSERT_TRUE(peer_limit_acquire(l, (struct sockaddr *) &b, sizeof(b)));
        ASSERT_EQ(peer_limit_count(l, (struct sockaddr *) &a, sizeof(a)), 2);
        ASSERT_EQ(peer_limit_count(l, (struct sockaddr *) &b, sizeof(b)), 1);

        /* Ports do not matter, the address does. */
        a.sin_port = htons(1234);
        ASSERT_TRUE(!peer_limit_acquire(l, (struct sockaddr *) &a, sizeof(a)));
        peer_limit_release(l, (struct sockaddr *) &a, sizeof(a));
        ASSERT_TRUE(peer_limit_acquire(l, (struct sockaddr *) &a, sizeof(a)));

        /* Releasing b's only connection removes its entry without disturbing a's. */
        peer_limit_release(l, (struct sockaddr *) &b, sizeof(b));
        ASSERT_EQ(peer_limit_count(l, (struct sockaddr *) &b, sizeof(b)), 0);
        ASSERT_EQ(peer_limit_count(l, (struct sockaddr *) &a, sizeof(a)), 2);
        /* A release of an address never counted changes nothing. */
        peer_limit_release(l, (struct sockaddr *) &b, sizeof(b));
        ASSERT_EQ(peer_limit_count(l, (struct sockaddr *) &a, sizeof(a)), 2);

        /* IPv6 ::0 is not IPv4 0.0.0.0; truncated and non-IP addresses are refused. */
        ASSERT_TRUE(peer_limit_acquire(l, (struct sockaddr *) &c, sizeof(c)));
        ASSERT_TRUE(!peer_limit_acquire(l, (struct sockaddr *) &c, sizeof(c) - 1));
        ASSERT_TRUE(!peer_limit_acquire(l, (struct sockaddr *) &u, sizeof(u)));
        ASSERT_TRUE(!peer_limit_acquire(l, NULL, 0));

        /* Many peers: the table grows and shrinks. */
        for (unsigned i = 0; i < 1000; i++) {
                struct sockaddr_in p = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x0a000000 + i) };
                ASSERT_TRUE(peer_limit_acquire(l, (struct sockaddr *) &p, sizeof(p)));
        }
        for (unsigned i = 0; i < 1000; i++) {
                struct sockaddr_in p = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x0a000000 + i) };
                ASSERT_EQ(peer_limit_count(l, (struct sockaddr *) &p, sizeof(p)), 1);
                peer_limit_release(l, (struct sockaddr *) &p, sizeof(p));
        }
        ASSERT_EQ(peer_limit_count(l, (struct sockaddr *) &a, sizeof(a)), 2);
        peer_limit_free(l);

        ASSERT_EQ(peer_limit_new(&l, 0), 0);
        ASSERT_TRUE(!peer_limit_acquire(l, (struct sockaddr *) &a, sizeof(a)));
        peer_limit_free(l);
        return 0;
}

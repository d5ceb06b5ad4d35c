/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "cidr.h"
#include "macro.h"
#include "tests.h"

static Cidr cidr_ok(const char *s) {
        Cidr c;

        ASSERT_OK(cidr_parse(s, strlen(s), &c));
        return c;
}

static IpAddress ip(const char *s) {
        IpAddress a;

        ASSERT_OK(ip_address_parse(s, strlen(s), &a));
        return a;
}

static void assert_formats_as(const char *in, const char *expected) {
        char buf[CIDR_STRING_MAX];
        Cidr c = cidr_ok(in);

        ASSERT_STREQ(cidr_to_string(&c, buf), expected);
}

TEST(parse_and_format) {
        assert_formats_as("10.0.0.0/8", "10.0.0.0/8");
        assert_formats_as("192.168.1.7/24", "192.168.1.0/24");      /* host bits cleared */
        assert_formats_as("192.0.2.1", "192.0.2.1/32");
        assert_formats_as("0.0.0.0/0", "0.0.0.0/0");
        assert_formats_as("2001:db8:abcd::1/33", "2001:db8:8000::/33");
        assert_formats_as("::/0", "::/0");
        assert_formats_as("2001:db8::1", "2001:db8::1/128");
        /* Mapped prefixes are the IPv4 prefix they cover. */
        assert_formats_as("::ffff:10.1.2.3/104", "10.0.0.0/8");
        assert_formats_as("::ffff:0.0.0.0/96", "0.0.0.0/0");
        assert_formats_as("::ffff:10.1.2.3", "10.1.2.3/32");
}

TEST(parse_rejects) {
        static const char *const bad[] = {
                "", "/", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/08", "10.0.0.0/-1", "10.0.0.0/+8",
                "10.0.0.0/ 8", "10.0.0.0 /8", "10.0.0.0/8/8", "10.0.0.0/1000", "2001:db8::/129",
                "::ffff:10.0.0.0/95", "::ffff:10.0.0.0/129", "10.0.0/8", "host.example/8", "10.0.0.0/8x",
                "10.0.0.0/99999999999999999999",
        };
        Cidr c = { .prefixlen = 777 };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                fprintf(stderr, "    %s\n", bad[i]);
                ASSERT_ERROR(cidr_parse(bad[i], strlen(bad[i]), &c), EINVAL);
        }
        ASSERT_EQ(c.prefixlen, 777);
}

TEST(contains) {
        Cidr net8 = cidr_ok("10.0.0.0/8"), net25 = cidr_ok("192.0.2.128/25"), all4 = cidr_ok("0.0.0.0/0");
        Cidr net6 = cidr_ok("2001:db8::/32"), all6 = cidr_ok("::/0"), host = cidr_ok("192.0.2.1");
        IpAddress v4 = ip("10.200.3.4"), mapped = ip("::ffff:10.200.3.4"), v6 = ip("2001:db8:ffff::1");

        ASSERT_TRUE(cidr_contains(&net8, &v4));
        ASSERT_TRUE(cidr_contains(&net8, &mapped));
        ASSERT_TRUE(cidr_contains(&all4, &v4));
        ASSERT_TRUE(!cidr_contains(&all4, &v6));
        ASSERT_TRUE(!cidr_contains(&all6, &v4));
        ASSERT_TRUE(cidr_contains(&all6, &v6));
        ASSERT_TRUE(cidr_contains(&net6, &v6));
        ASSERT_TRUE(!cidr_contains(&net8, &v6));

        IpAddress edge_in = ip("192.0.2.128"), edge_out = ip("192.0.2.127"), top = ip("192.0.2.255");
        ASSERT_TRUE(cidr_contains(&net25, &edge_in));
        ASSERT_TRUE(cidr_contains(&net25, &top));
        ASSERT_TRUE(!cidr_contains(&net25, &edge_out));

        IpAddress h = ip("192.0.2.1"), h2 = ip("192.0.2.2");
        ASSERT_TRUE(cidr_contains(&host, &h));
        ASSERT_TRUE(!cidr_contains(&host, &h2));
}

TEST(list_parse) {
        const char *text = " 10.0.0.0/8,192.168.0.0/16 ,,\t2001:db8::/32\n127.0.0.1 ";
        CidrList l = {};
        IpAddress in = ip("2001:db8::5"), out = ip("172.16.0.1"), loop = ip("127.0.0.1");

        ASSERT_OK(cidr_list_parse(text, strlen(text), &l, NULL));
        ASSERT_EQ(l.n_entries, 4);
        ASSERT_TRUE(cidr_list_contains(&l, &in));
        ASSERT_TRUE(cidr_list_contains(&l, &loop));
        ASSERT_TRUE(!cidr_list_contains(&l, &out));
        ASSERT_TRUE(!cidr_list_contains(NULL, &in));

        ASSERT_OK(cidr_list_parse("", 0, &l, NULL));
        ASSERT_EQ(l.n_entries, 0);
        ASSERT_TRUE(!cidr_list_contains(&l, &loop));
}

TEST(list_parse_rejects) {
        CidrList l = {}, before;
        const char *reason = NULL;
        char many[CIDR_LIST_MAX * 12 + 16] = "";
        char huge[CIDR_LIST_TEXT_MAX + 2];

        ASSERT_OK(cidr_list_parse("10.0.0.0/8", 10, &l, NULL));
        before = l;

        ASSERT_ERROR(cidr_list_parse("10.0.0.0/8, bogus", 17, &l, &reason), EINVAL);
        ASSERT_TRUE(reason != NULL);
        ASSERT_TRUE(memcmp(&l, &before, sizeof(l)) == 0);      /* untouched on failure */

        for (size_t i = 0; i <= CIDR_LIST_MAX; i++)
                strcat(many, "10.0.0.1, ");
        reason = NULL;
        ASSERT_ERROR(cidr_list_parse(many, strlen(many), &l, &reason), E2BIG);
        ASSERT_TRUE(reason != NULL);

        memset(huge, ' ', sizeof(huge));
        ASSERT_ERROR(cidr_list_parse(huge, sizeof(huge), &l, NULL), E2BIG);
        ASSERT_TRUE(memcmp(&l, &before, sizeof(l)) == 0);
}

TEST(list_add) {
        CidrList l = {};
        Cidr c = cidr_ok("10.0.0.0/8");

        for (size_t i = 0; i < CIDR_LIST_MAX; i++)
                ASSERT_OK(cidr_list_add(&l, &c));
        ASSERT_ERROR(cidr_list_add(&l, &c), E2BIG);
        ASSERT_EQ(l.n_entries, CIDR_LIST_MAX);
}

int main(void) {
        RUN(parse_and_format);
        RUN(parse_rejects);
        RUN(contains);
        RUN(list_parse);
        RUN(list_parse_rejects);
        RUN(list_add);
        return 0;
}

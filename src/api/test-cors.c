/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "cors.h"
#include "tests.h"

static void normalizes(const char *in, const char *expected) {
        _cleanup_free_ char *n = NULL;
        ASSERT_OK(cors_origin_normalize(in, strlen(in), &n));
        ASSERT_STREQ(n, expected);
}

static void refuses(const char *in) {
        _cleanup_free_ char *n = NULL;
        ASSERT_ERROR(cors_origin_normalize(in, strlen(in), &n), EINVAL);
        ASSERT_TRUE(!n);
}

TEST(normalize) {
        normalizes("https://example.org", "https://example.org");
        normalizes("HTTPS://Docs.Example.ORG:8443", "https://docs.example.org:8443");
        normalizes("http://127.0.0.1:8481", "http://127.0.0.1:8481");
        normalizes("http://[::1]:80", "http://[::1]:80");
        normalizes("http://[::ffff:127.0.0.1]", "http://[::ffff:127.0.0.1]");
}

TEST(normalize_hostile) {
        refuses("");
        refuses("null");
        refuses("*");
        refuses("ftp://example.org");
        refuses("https://");
        refuses("https://example.org/");
        refuses("https://example.org/path");
        refuses("https://user@example.org");
        refuses("https://example.org:");
        refuses("https://example.org:0");
        refuses("https://example.org:65536");
        refuses("https://example.org:99999999999999999999");
        refuses("https://example.org:80x");
        refuses("https://exa mple.org");
        refuses("https://.example.org");
        refuses("https://[]");
        refuses("https://[::1");
        refuses("https://[g::1]");
        refuses("https://example.org\r\nX-Evil: 1");
        refuses("https://example.org\x80");
        _cleanup_free_ char *n = NULL;
        ASSERT_ERROR(cors_origin_normalize("https://a\0b", 11, &n), EINVAL);
        char long_origin[CORS_ORIGIN_MAX + 16];
        memset(long_origin, 'a', sizeof(long_origin));
        memcpy(long_origin, "https://", 8);
        ASSERT_ERROR(cors_origin_normalize(long_origin, sizeof(long_origin), &n), EINVAL);
}

TEST(any_origin) {
        CorsPolicy p = {};
        ASSERT_EQ(cors_check(&p, NULL, "127.0.0.1:8443", true), CORS_NO_ORIGIN);
        ASSERT_EQ(cors_check(&p, "https://127.0.0.1:8443", "127.0.0.1:8443", true), CORS_SAME_ORIGIN);
        ASSERT_EQ(cors_check(&p, "http://evil.example", "127.0.0.1:8443", true), CORS_ALLOWED);
        ASSERT_EQ(cors_check(&p, "null", NULL, true), CORS_ALLOWED);
        ASSERT_STREQ(cors_allow_origin_value(&p, "http://evil.example"), "*");
}

TEST(allow_list) {
        CorsPolicy p = {};
        ASSERT_OK(cors_policy_add(&p, "https://Docs.Example.org"));
        ASSERT_OK(cors_policy_add(&p, "http://127.0.0.1:8481"));
        ASSERT_ERROR(cors_policy_add(&p, "https://example.org/"), EINVAL);
        ASSERT_EQ(p.n_origins, 2);

        ASSERT_EQ(cors_check(&p, NULL, "h:1", true), CORS_NO_ORIGIN);
        ASSERT_EQ(cors_check(&p, "https://docs.example.org", "h:1", true), CORS_ALLOWED);
        ASSERT_EQ(cors_check(&p, "https://DOCS.example.org", "h:1", true), CORS_ALLOWED);
        ASSERT_EQ(cors_check(&p, "http://127.0.0.1:8481", "h:1", true), CORS_ALLOWED);
        ASSERT_EQ(cors_check(&p, "http://127.0.0.1:8482", "h:1", true), CORS_REFUSED);
        ASSERT_EQ(cors_check(&p, "http://docs.example.org", "h:1", true), CORS_REFUSED);
        ASSERT_EQ(cors_check(&p, "https://docs.example.org.evil", "h:1", true), CORS_REFUSED);
        ASSERT_EQ(cors_check(&p, "null", "h:1", true), CORS_REFUSED);
        ASSERT_EQ(cors_check(&p, "", "h:1", true), CORS_REFUSED);
        /* The page's own origin, by Host and scheme. */
        ASSERT_EQ(cors_check(&p, "https://127.0.0.1:8443", "127.0.0.1:8443", true), CORS_SAME_ORIGIN);
        ASSERT_EQ(cors_check(&p, "http://127.0.0.1:8443", "127.0.0.1:8443", true), CORS_REFUSED);
        ASSERT_EQ(cors_check(&p, "https://127.0.0.1:8443", NULL, true), CORS_REFUSED);
        ASSERT_STREQ(cors_allow_origin_value(&p, "http://127.0.0.1:8481"), "http://127.0.0.1:8481");

        /* "*" goes back to any origin. */
        ASSERT_OK(cors_policy_add(&p, "*"));
        ASSERT_EQ(cors_check(&p, "http://127.0.0.1:8482", "h:1", true), CORS_ALLOWED);
        cors_policy_done(&p);
}

TEST(allow_list_bounded) {
        CorsPolicy p = {};
        char o[64];
        for (unsigned i = 0; i < CORS_ORIGINS_MAX; i++) {
                snprintf(o, sizeof(o), "https://h%u.example", i);
                ASSERT_OK(cors_policy_add(&p, o));
        }
        ASSERT_ERROR(cors_policy_add(&p, "https://one-more.example"), E2BIG);
        cors_policy_done(&p);
        ASSERT_TRUE(!p.origins);
}

int main(void) {
        RUN(normalize);
        RUN(normalize_hostile);
        RUN(any_origin);
        RUN(allow_list);
        RUN(allow_list_bounded);
        return 0;
}

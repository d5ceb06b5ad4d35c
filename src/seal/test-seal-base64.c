/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "seal-base64.h"
#include "tests.h"

static int decode(const char *s, bool pad, uint8_t *out, size_t max, size_t *n) {
        return seal_base64_decode(s, strlen(s), pad, out, max, n);
}

static void test_round_trip(void) {
        uint8_t data[64], out[64];
        char text[128];
        size_t n;

        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t) (i * 37 + 11);
        for (size_t len = 0; len <= sizeof(data); len++)
                for (int pad = 0; pad <= 1; pad++) {
                        size_t t = seal_base64_encoded_len(len, pad);
                        seal_base64_encode(data, len, pad, text);
                        ASSERT_OK(seal_base64_decode(text, t, pad, out, sizeof(out), &n));
                        ASSERT_EQ(n, len);
                        ASSERT_TRUE(memcmp(out, data, len) == 0);
                }
}

static void test_known(void) {
        char text[16] = {};
        uint8_t out[16];
        size_t n;

        seal_base64_encode((const uint8_t *) "foob", 4, false, text);
        ASSERT_STREQ(text, "Zm9vYg");
        memset(text, 0, sizeof(text));
        seal_base64_encode((const uint8_t *) "foob", 4, true, text);
        ASSERT_STREQ(text, "Zm9vYg==");
        ASSERT_OK(decode("Zm9vYmE", false, out, sizeof(out), &n));
        ASSERT_EQ(n, 5);
        ASSERT_TRUE(memcmp(out, "fooba", 5) == 0);
        ASSERT_OK(decode("", false, out, sizeof(out), &n));
        ASSERT_EQ(n, 0);
}

static void test_hostile(void) {
        uint8_t out[16];
        size_t n;

        /* Non-canonical: the trailing bits must be zero. */
        ASSERT_ERROR(decode("Zh", false, out, sizeof(out), &n), EINVAL);
        ASSERT_ERROR(decode("Zm9", false, out, sizeof(out), &n), EINVAL);
        ASSERT_ERROR(decode("Zh==", true, out, sizeof(out), &n), EINVAL);
        /* Padding where there must be none, and missing where it must be. */
        ASSERT_ERROR(decode("Zg==", false, out, sizeof(out), &n), EINVAL);
        ASSERT_ERROR(decode("Zg", true, out, sizeof(out), &n), EINVAL);
        ASSERT_ERROR(decode("Zg=", true, out, sizeof(out), &n), EINVAL);
        ASSERT_ERROR(decode("Zm8==", true, out, sizeof(out), &n), EINVAL);
        ASSERT_ERROR(decode("Zm9v=", true, out, sizeof(out), &n), EINVAL);
        ASSERT_ERROR(decode("Z===", true, out, sizeof(out), &n), EINVAL);
        ASSERT_ERROR(decode("====", true, out, sizeof(out), &n), EINVAL);
        ASSERT_ERROR(decode("Zg==Zg==", true, out, sizeof(out), &n), EINVAL);
        /* A lone character is never whole bytes. */
        ASSERT_ERROR(decode("Z", false, out, sizeof(out), &n), EINVAL);
        ASSERT_ERROR(decode("Zm9vY", false, out, sizeof(out), &n), EINVAL);
        /* Other alphabets, whitespace and NULs. */
        ASSERT_ERROR(decode("Zm9v-_", false, out, sizeof(out), &n), EINVAL);
        ASSERT_ERROR(decode("Zm 9v", false, out, sizeof(out), &n), EINVAL);
        ASSERT_ERROR(decode("Zm9v\n", false, out, sizeof(out), &n), EINVAL);
        ASSERT_ERROR(seal_base64_decode("Zm\0v", 4, false, out, sizeof(out), &n), EINVAL);
        ASSERT_ERROR(decode("Zm9vYmFy", false, out, 5, &n), ENOBUFS);
}

int main(void) {
        test_round_trip();
        test_known();
        test_hostile();
        return 0;
}

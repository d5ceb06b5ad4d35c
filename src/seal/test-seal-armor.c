/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "seal-armor.h"
#include "tests.h"

#define BEGIN SEAL_ARMOR_BEGIN "\n"
#define END SEAL_ARMOR_END "\n"
#define LINE64 "YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBRZnR0R0gxU2xCSUZRcEEy\n"

static int decode(const char *s, size_t *n) {
        uint8_t *out = NULL;
        int r = seal_armor_decode(s, strlen(s), &out, n);
        free(out);
        return r;
}

static void test_round_trip(void) {
        uint8_t data[300], *out;
        char text[600];
        size_t n, t;

        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t) (i * 7);
        for (size_t len = 1; len <= sizeof(data); len++) {
                t = seal_armor_encoded_len(len);
                ASSERT_TRUE(t < sizeof(text));
                seal_armor_encode(data, len, text);
                ASSERT_TRUE(seal_armor_detect(text, t));
                ASSERT_OK(seal_armor_decode(text, t, &out, &n));
                ASSERT_EQ(n, len);
                ASSERT_TRUE(memcmp(out, data, len) == 0);
                free(out);
                /* Every line but the END line is followed by LF; lines are 64 columns but the last. */
                for (const char *p = text + strlen(BEGIN); p < text + t - strlen(END);) {
                        const char *nl = memchr(p, '\n', (size_t) (text + t - p));
                        ASSERT_TRUE(nl);
                        ASSERT_TRUE(nl - p <= 64);
                        if (nl + 1 < text + t - strlen(END))
                                ASSERT_EQ(nl - p, 64);
                        p = nl + 1;
                }
        }
}

static void test_tolerated(void) {
        size_t n;

        ASSERT_OK(decode(BEGIN LINE64 "Zg==\n" END, &n));
        ASSERT_EQ(n, 49);
        ASSERT_OK(decode(" \n\t" BEGIN "Zg==\n" END "\n\n  ", &n));
        ASSERT_OK(decode(SEAL_ARMOR_BEGIN "\r\nZg==\r\n" SEAL_ARMOR_END "\r\n", &n));
        ASSERT_OK(decode(BEGIN "Zg==\n" SEAL_ARMOR_END, &n));
        ASSERT_EQ(n, 1);
}

static void test_hostile(void) {
        size_t n;

        ASSERT_ERROR(decode("", &n), EBADMSG);
        ASSERT_ERROR(decode(BEGIN END, &n), EBADMSG);                           /* nothing inside */
        ASSERT_ERROR(decode(BEGIN "Zg==\n", &n), EBADMSG);                      /* no END */
        ASSERT_ERROR(decode("Zg==\n" END, &n), EBADMSG);                        /* no BEGIN */
        ASSERT_ERROR(decode("x" BEGIN "Zg==\n" END, &n), EBADMSG);              /* data before */
        ASSERT_ERROR(decode(BEGIN "Zg==\n" END "x", &n), EBADMSG);              /* data after */
        ASSERT_ERROR(decode(BEGIN "Zg==\n" END END, &n), EBADMSG);
        ASSERT_ERROR(decode("-----BEGIN AGE ENCRYPTED FILE----- \nZg==\n" END, &n), EBADMSG);
        ASSERT_ERROR(decode("-----BEGIN age ENCRYPTED FILE-----\nZg==\n" END, &n), EBADMSG);
        ASSERT_ERROR(decode(BEGIN "Zg==\n-----END AGE ENCRYPTED FILE----\n", &n), EBADMSG);
        ASSERT_ERROR(decode(BEGIN "Zg\n" END, &n), EBADMSG);                    /* unpadded */
        ASSERT_ERROR(decode(BEGIN "Zh==\n" END, &n), EBADMSG);                  /* non-canonical */
        ASSERT_ERROR(decode(BEGIN "Zg==\n\n" END, &n), EBADMSG);                /* empty line */
        ASSERT_ERROR(decode(BEGIN "Zg==\nZg==\n" END, &n), EBADMSG);            /* short line then more */
        ASSERT_ERROR(decode(BEGIN "Zm9v\n" LINE64 END, &n), EBADMSG);
        ASSERT_ERROR(decode(BEGIN "A" LINE64 END, &n), EBADMSG);                /* 65 columns */
        ASSERT_ERROR(decode(BEGIN " Zg==\n" END, &n), EBADMSG);
        ASSERT_ERROR(decode(BEGIN "Zg==\n" SEAL_ARMOR_BEGIN "\n" "Zg==\n" END, &n), EBADMSG);
        ASSERT_TRUE(!seal_armor_detect("age-encryption.org/v1\n", 22));
        ASSERT_TRUE(!seal_armor_detect("-----BEGIN AGE", 14));
}

int main(void) {
        test_round_trip();
        test_tolerated();
        test_hostile();
        return 0;
}

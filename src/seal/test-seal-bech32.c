/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "seal-bech32.h"
#include "seal-key.h"
#include "tests.h"

static int decode(const char *s, size_t *n) {
        char hrp[SEAL_BECH32_HRP_MAX + 1];
        uint8_t out[64];
        return seal_bech32_decode(s, strlen(s), hrp, out, sizeof(out), n);
}

/* BIP 173's valid and invalid Bech32 strings (those whose data part is whole bytes). */
static void test_bip173(void) {
        size_t n;

        ASSERT_OK(decode("A12UEL5L", &n));
        ASSERT_EQ(n, 0);
        ASSERT_OK(decode("a12uel5l", &n));
        ASSERT_OK(decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", &n));
        ASSERT_EQ(n, 20);
        ASSERT_OK(decode("split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w", &n));
        ASSERT_EQ(n, 30);

        ASSERT_ERROR(decode("pzry9x0s0muk", &n), EINVAL);       /* no separator */
        ASSERT_ERROR(decode("1pzry9x0s0muk", &n), EINVAL);      /* empty hrp */
        ASSERT_ERROR(decode("x1b4n0q5v", &n), EINVAL);          /* 'b' is not in the charset */
        ASSERT_ERROR(decode("li1dgmt3", &n), EINVAL);           /* checksum too short */
        ASSERT_ERROR(decode("de1lg7wt\xff", &n), EINVAL);
        ASSERT_ERROR(decode("A1G7SGD8", &n), EINVAL);           /* checksum over an upper-case hrp */
        ASSERT_ERROR(decode("10a06t8", &n), EINVAL);
        ASSERT_ERROR(decode("1qzzfhee", &n), EINVAL);
        ASSERT_ERROR(decode("a12UEL5L", &n), EINVAL);           /* mixed case */
        ASSERT_ERROR(decode("a12uel5m", &n), EINVAL);           /* one character off */
        ASSERT_ERROR(decode("a 12uel5l", &n), EINVAL);
}

/* The X25519 example of the age spec: the identity of 32 bytes 0x42 and its recipient. */
static const char spec_identity[] = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
static const char spec_recipient[] = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj";

static void test_spec_keys(void) {
        char text[SEAL_IDENTITY_LEN + 1], rtext[SEAL_RECIPIENT_LEN + 1];
        uint8_t pub[SEAL_KEY_SIZE];
        SealIdentity id;

        ASSERT_OK(seal_identity_parse(spec_identity, strlen(spec_identity), &id));
        for (size_t i = 0; i < SEAL_KEY_SIZE; i++)
                ASSERT_EQ(id.secret[i], 0x42);
        seal_identity_format(&id, text);
        ASSERT_STREQ(text, spec_identity);
        seal_recipient_format(id.public, rtext);
        ASSERT_STREQ(rtext, spec_recipient);
        ASSERT_OK(seal_recipient_parse(spec_recipient, strlen(spec_recipient), pub));
        ASSERT_TRUE(memcmp(pub, id.public, SEAL_KEY_SIZE) == 0);
}

static void test_hostile_keys(void) {
        char upper_recipient[sizeof(spec_recipient)], lower_identity[sizeof(spec_identity)];
        uint8_t pub[SEAL_KEY_SIZE];
        SealIdentity id;

        for (size_t i = 0; i < sizeof(spec_recipient); i++)
                upper_recipient[i] = spec_recipient[i] >= 'a' && spec_recipient[i] <= 'z' ?
                                             spec_recipient[i] - 32 : spec_recipient[i];
        for (size_t i = 0; i < sizeof(spec_identity); i++)
                lower_identity[i] = spec_identity[i] >= 'A' && spec_identity[i] <= 'Z' ?
                                            spec_identity[i] + 32 : spec_identity[i];
        ASSERT_ERROR(seal_recipient_parse(upper_recipient, strlen(upper_recipient), pub), EINVAL);
        ASSERT_ERROR(seal_identity_parse(lower_identity, strlen(lower_identity), &id), EINVAL);
        /* An identity is not a recipient and the other way round. */
        ASSERT_ERROR(seal_recipient_parse(spec_identity, strlen(spec_identity), pub), EINVAL);
        ASSERT_ERROR(seal_identity_parse(spec_recipient, strlen(spec_recipient), &id), EINVAL);
        /* Truncated, extended, one character changed, an age1 string of another length. */
        ASSERT_ERROR(seal_recipient_parse(spec_recipient, strlen(spec_recipient) - 1, pub), EINVAL);
        ASSERT_ERROR(seal_recipient_parse("age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwjq", 63, pub),
                     EINVAL);
        ASSERT_ERROR(seal_recipient_parse("age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwk", 62, pub),
                     EINVAL);
        ASSERT_ERROR(seal_recipient_parse("age1qyqszqgpqyqszqgpqyqszqgpqyqszqgp5xs2lx", 42, pub), EINVAL);
        ASSERT_ERROR(seal_recipient_parse("", 0, pub), EINVAL);
        /* A post-quantum or plugin recipient is not one we seal to. */
        ASSERT_ERROR(seal_recipient_parse("age1pq1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnuj", 62, pub),
                     EINVAL);
}

static void test_identity_file(void) {
        static const char file[] = "# created: 2026-12-06T02:46:41Z\n"
                                   "# public key: age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj\n"
                                   "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX\r\n\n";
        static const char two[] = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX\n"
                                  "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX\n";
        SealIdentity id;

        ASSERT_OK(seal_identity_file_parse(file, strlen(file), &id));
        ASSERT_EQ(id.secret[0], 0x42);
        ASSERT_ERROR(seal_identity_file_parse(two, strlen(two), &id), ENOTUNIQ);
        ASSERT_ERROR(seal_identity_file_parse("# nothing\n", 10, &id), ENOKEY);
        ASSERT_ERROR(seal_identity_file_parse(" AGE-SECRET-KEY-1\n", 18, &id), EINVAL);
}

static void test_generate(void) {
        char text[SEAL_IDENTITY_LEN + 1];
        SealIdentity a, b, c;

        ASSERT_OK(seal_identity_generate(&a));
        ASSERT_OK(seal_identity_generate(&b));
        ASSERT_TRUE(memcmp(a.secret, b.secret, SEAL_KEY_SIZE) != 0);
        seal_identity_format(&a, text);
        ASSERT_OK(seal_identity_parse(text, strlen(text), &c));
        ASSERT_TRUE(memcmp(a.public, c.public, SEAL_KEY_SIZE) == 0);
        seal_identity_erase(&a);
        for (size_t i = 0; i < sizeof(a); i++)
                ASSERT_EQ(((uint8_t *) &a)[i], 0);
}

int main(void) {
        test_bip173();
        test_spec_keys();
        test_hostile_keys();
        test_identity_file();
        test_generate();
        return 0;
}

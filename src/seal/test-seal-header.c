/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "seal-header.h"
#include "tests.h"

#define V1 "age-encryption.org/v1\n"
#define STANZA "-> X25519 XEl0dJ6y3C7KZkgmgWUicg63EyXJiwBJW8PdYJ/cYBE\nqRS0AMjdjPvZ/WT08U2KL4G+PIooA3hy38SvLpvaC1E\n"
#define MAC "--- HK2NmOBN9Dpq0Gw6xMCuhFcQlQLvZ/wQUi/2scLG75s\n"
#define FULL_LINE "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"

static SealHeader header;

static int parse(const char *s) {
        return seal_header_parse((const uint8_t *) s, strlen(s), &header);
}

static void test_spec_example(void) {
        static const char text[] = V1 STANZA MAC "payload";
        uint8_t body[64];
        size_t n;

        ASSERT_OK(parse(text));
        ASSERT_EQ(header.n_stanzas, 1);
        ASSERT_EQ(header.len, strlen(text) - strlen("payload"));
        ASSERT_EQ(header.mac_input_len, strlen(V1 STANZA) + 3);
        ASSERT_TRUE(seal_stanza_arg_is(&header.stanzas[0], 0, "X25519"));
        ASSERT_TRUE(!seal_stanza_arg_is(&header.stanzas[0], 0, "X2551"));
        ASSERT_TRUE(!seal_stanza_arg_is(&header.stanzas[0], 2, "X25519"));
        ASSERT_EQ(header.stanzas[0].n_args, 2);
        ASSERT_OK(seal_stanza_body(&header.stanzas[0], body, sizeof(body), &n));
        ASSERT_EQ(n, 32);
}

static void test_unknown_stanzas(void) {
        /* Stanzas of other types with odd arguments and multi-line bodies parse; an empty body too. */
        ASSERT_OK(parse(V1 "-> grease-1 a}b ~!\n" FULL_LINE FULL_LINE "AAAA\n"
                           "-> empty\n\n" STANZA MAC));
        ASSERT_EQ(header.n_stanzas, 3);
        ASSERT_EQ(header.stanzas[0].n_args, 3);
        ASSERT_EQ(header.stanzas[1].body_text_len, 1);
}

static void test_hostile(void) {
        ASSERT_ERROR(parse(""), EBADMSG);
        ASSERT_ERROR(parse("age-encryption.org/v2\n" STANZA MAC), EPROTONOSUPPORT);
        ASSERT_ERROR(parse("age-encryption.org/v1 \n" STANZA MAC), EPROTONOSUPPORT);
        ASSERT_ERROR(parse("rage-encryption.org/v1\n" STANZA MAC), EBADMSG);
        ASSERT_ERROR(parse(V1 MAC), EBADMSG);                           /* no stanza */
        ASSERT_ERROR(parse(V1 STANZA), EBADMSG);                        /* no MAC */
        ASSERT_ERROR(parse(V1 STANZA "--- HK2NmOBN9Dpq0Gw6xMCuhFcQlQLvZ/wQUi/2scLG75s"), EBADMSG);
        ASSERT_ERROR(parse(V1 STANZA "--- HK2NmOBN9Dpq0Gw6xMCuhFcQlQLvZ/wQUi/2scLG75\n"), EBADMSG);
        ASSERT_ERROR(parse(V1 STANZA "--- HK2NmOBN9Dpq0Gw6xMCuhFcQlQLvZ/wQUi/2scLG75t\n"), EBADMSG);
        ASSERT_ERROR(parse(V1 STANZA "---HK2NmOBN9Dpq0Gw6xMCuhFcQlQLvZ/wQUi/2scLG75s\n"), EBADMSG);
        ASSERT_ERROR(parse(V1 STANZA "--- HK2NmOBN9Dpq0Gw6xMCuhFcQlQLvZ/wQUi/2scLG75s=\n"), EBADMSG);
        ASSERT_ERROR(parse(V1 "->\n\n" MAC), EBADMSG);                  /* no argument */
        ASSERT_ERROR(parse(V1 "-> \n\n" MAC), EBADMSG);
        ASSERT_ERROR(parse(V1 "-> a \n\n" MAC), EBADMSG);               /* trailing space */
        ASSERT_ERROR(parse(V1 "-> a  b\n\n" MAC), EBADMSG);             /* empty argument */
        ASSERT_ERROR(parse(V1 "-> a\tb\n\n" MAC), EBADMSG);
        ASSERT_ERROR(parse(V1 "-> a\xc3\xa9\n\n" MAC), EBADMSG);
        ASSERT_ERROR(parse(V1 "->a\n\n" MAC), EBADMSG);
        ASSERT_ERROR(parse(V1 "-> a\n" FULL_LINE MAC), EBADMSG);        /* a full line must be followed */
        ASSERT_ERROR(parse(V1 "-> a\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n\n" MAC),
                     EBADMSG);                                          /* 65 columns */
        ASSERT_ERROR(parse(V1 "-> a\nAA==\n" MAC), EBADMSG);            /* padding */
        ASSERT_ERROR(parse(V1 "-> a\nAA\r\n" MAC), EBADMSG);
        ASSERT_ERROR(parse(V1 "-> a\n"), EBADMSG);
        ASSERT_ERROR(parse(V1 "-> a"), EBADMSG);
}

static void test_limits(void) {
        size_t cap = SEAL_HEADER_MAX + 4096, len = 0;
        char *buf = malloc(cap);
        ASSERT_TRUE(buf);

        /* One stanza more than allowed. */
        len = (size_t) sprintf(buf, V1);
        for (unsigned i = 0; i <= SEAL_STANZAS_MAX; i++)
                len += (size_t) sprintf(buf + len, "-> x\n\n");
        len += (size_t) sprintf(buf + len, MAC);
        ASSERT_ERROR(seal_header_parse((uint8_t *) buf, len, &header), EBADMSG);

        /* Too many arguments. */
        len = (size_t) sprintf(buf, V1 "->");
        for (unsigned i = 0; i <= SEAL_STANZA_ARGS_MAX; i++)
                len += (size_t) sprintf(buf + len, " a");
        len += (size_t) sprintf(buf + len, "\n\n" MAC);
        ASSERT_ERROR(seal_header_parse((uint8_t *) buf, len, &header), EBADMSG);

        /* A body over the limit. */
        len = (size_t) sprintf(buf, V1 "-> a\n");
        for (unsigned i = 0; i < SEAL_STANZA_BODY_MAX / 48 + 1; i++)
                len += (size_t) sprintf(buf + len, FULL_LINE);
        len += (size_t) sprintf(buf + len, "\n" MAC);
        ASSERT_ERROR(seal_header_parse((uint8_t *) buf, len, &header), EBADMSG);

        /* A header that does not end within SEAL_HEADER_MAX, however the rest looks. */
        len = (size_t) sprintf(buf, V1 "-> ");
        memset(buf + len, 'a', SEAL_HEADER_MAX);
        len += SEAL_HEADER_MAX;
        len += (size_t) sprintf(buf + len, "\n\n" MAC);
        ASSERT_ERROR(seal_header_parse((uint8_t *) buf, len, &header), EBADMSG);
        free(buf);
}

static void test_format(void) {
        const char *args[] = { "test", "arg" };
        uint8_t body[100], back[128];
        char text[512];
        size_t n;
        int len;

        for (size_t i = 0; i < sizeof(body); i++)
                body[i] = (uint8_t) i;
        /* 0, 48 (a full line then an empty one) and 100 bytes of body. */
        for (size_t blen = 0; blen <= 100; blen += blen == 48 ? 52 : 48) {
                len = seal_stanza_format(text, sizeof(text), args, 2, body, blen);
                ASSERT_TRUE(len > 0);
                ASSERT_EQ(text[len - 1], '\n');
                char full[700];
                int flen = snprintf(full, sizeof(full), V1 "%.*s" MAC, len, text);
                ASSERT_OK(seal_header_parse((uint8_t *) full, (size_t) flen, &header));
                ASSERT_EQ(header.n_stanzas, 1);
                ASSERT_OK(seal_stanza_body(&header.stanzas[0], back, sizeof(back), &n));
                ASSERT_EQ(n, blen);
                ASSERT_TRUE(memcmp(back, body, blen) == 0);
        }
        ASSERT_ERROR(seal_stanza_format(text, 10, args, 2, body, 10), ENOBUFS);
}

int main(void) {
        test_spec_example();
        test_unknown_stanzas();
        test_hostile();
        test_limits();
        test_format();
        return 0;
}

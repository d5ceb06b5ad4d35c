/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <json-c/json.h>
#include <stdlib.h>

#include "json-escape.h"
#include "json-util.h"
#include "tests.h"

/* What json-c prints for the string, without its quotes. */
static char *reference(const char *data, size_t len, size_t *ret_len) {
        json_object *o = json_string_from_bytes(data, len);
        size_t n;
        const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
        ASSERT_TRUE(n >= 2 && s[0] == '"' && s[n - 1] == '"');
        char *copy = strndup(s + 1, n - 2);
        *ret_len = n - 2;
        json_object_put(o);
        return copy;
}

/* Escapes in pieces of in_step input bytes into buffers of out_max bytes, as a streamed answer would. */
static char *escape_in_pieces(const char *data, size_t len, size_t in_step, size_t out_max, size_t *ret_len) {
        char *out = malloc(len * JSON_ESCAPE_MAX_PER_BYTE + 1);
        size_t o = 0, i = 0, held = 0;

        /* `held` bytes of input have been offered and not taken (a cut-short sequence). */
        while (i < len) {
                size_t offer = MIN(len - i, held + in_step), consumed;
                bool final = i + offer == len;
                size_t n = json_escape_chunk(data + i, offer, final, out + o, out_max, &consumed);
                ASSERT_TRUE(n <= out_max);
                o += n;
                i += consumed;
                held = offer - consumed;
                ASSERT_TRUE(consumed > 0 || held < 4 || n > 0 || out_max < JSON_ESCAPE_MAX_PER_BYTE);
        }
        *ret_len = o;
        return out;
}

static void check(const char *data, size_t len) {
        size_t ref_len, got_len;
        char *ref = reference(data, len, &ref_len);
        static const size_t in_steps[] = { 1, 2, 3, 7, 4096 }, outs[] = { 6, 7, 13, 65536 };

        for (size_t a = 0; a < ELEMENTSOF(in_steps); a++)
                for (size_t b = 0; b < ELEMENTSOF(outs); b++) {
                        char *got = escape_in_pieces(data, len, in_steps[a], outs[b], &got_len);
                        ASSERT_EQ(got_len, ref_len);
                        ASSERT_TRUE(memcmp(got, ref, ref_len) == 0);
                        free(got);
                }
        free(ref);
}

TEST(matches_json_c) {
        static const char *const samples[] = {
                "", "plain text\n", "quote \" backslash \\ slash /", "\b\f\n\r\t\x01\x1f\x7f",
                "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "bad \xff\xfe bytes", "cut \xe2\x82", "\xc0\xaf overlong",
                "\xed\xa0\x80 surrogate", "\xf4\x90\x80\x80 too high", "\xe2\x82\xe2\x82\xac",
        };
        for (size_t i = 0; i < ELEMENTSOF(samples); i++)
                check(samples[i], strlen(samples[i]));
        check("nul\0inside", 10);
}

TEST(random_bytes) {
        char buf[512];

        srand(17);
        for (int round = 0; round < 300; round++) {
                size_t len = (size_t) rand() % sizeof(buf);
                /* Mostly UTF-8 lead and continuation bytes, so that sequences are cut and broken often. */
                for (size_t i = 0; i < len; i++) {
                        static const unsigned char pick[] = { 'a', 0x01, '"', 0xc3, 0xa9, 0xe2, 0x82, 0xac,
                                                              0xf0, 0x9f, 0x98, 0x80, 0xed, 0xff, 0x80, '\n' };
                        buf[i] = (char) (rand() % 3 == 0 ? rand() : pick[rand() % ELEMENTSOF(pick)]);
                }
                check(buf, len);
        }
}

int main(void) {
        RUN(matches_json_c);
        RUN(random_bytes);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <json-c/json.h>
#include <stdlib.h>

#include "json-stream.h"
#include "json-util.h"
#include "tests.h"

typedef struct Pieces {
        const char *data[3];
        size_t len[3];
        bool gone;
} Pieces;

static ssize_t read_piece(void *userdata, unsigned tag, uint64_t offset, void *buf, size_t max, uint64_t *ret_size) {
        Pieces *p = userdata;

        if (p->gone)
                return -ENOENT;
        ASSERT_TRUE(tag < 3);
        *ret_size = p->len[tag];
        size_t n = offset < p->len[tag] ? MIN(max, p->len[tag] - (size_t) offset) : 0;
        if (n > 0)
                memcpy(buf, p->data[tag] + offset, n);
        return (ssize_t) n;
}

/* Reads the whole answer in reads of at most `max` bytes. */
static char *read_all(JsonStream *s, size_t max, size_t *ret_len) {
        char *out = NULL, *buf = malloc(max);
        size_t len = 0, size = 0;
        ssize_t n;

        while ((n = json_stream_read(s, buf, max)) > 0) {
                ASSERT_TRUE((size_t) n <= max);
                /* Grown by doubling: a realloc per 1-byte read made this test quadratic, a minute under ASan. */
                if (len + n + 1 > size) {
                        size = MAX(2 * size, len + n + 1);
                        out = realloc(out, size);
                        ASSERT_TRUE(out);
                }
                memcpy(out + len, buf, n);
                len += n;
                out[len] = 0;
        }
        ASSERT_EQ(n, 0);
        free(buf);
        *ret_len = len;
        return out;
}

/* The same answer built whole with json-c, as before streaming. */
static char *expected(Pieces *p, size_t *ret_len) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "job_id", json_object_new_string("ab\"c"));
        json_object_object_add(o, "stdout", json_string_from_bytes(p->data[0], p->len[0]));
        json_object *inner = json_object_new_object();
        json_object_object_add(inner, "stderr", json_string_from_bytes(p->data[1], p->len[1]));
        json_object_object_add(o, "compile", inner);
        json_object_object_add(o, "exit_code", json_object_new_int(3));
        char *both = malloc(p->len[0] + p->len[2] + 1);
        memcpy(both, p->data[0], p->len[0]);
        memcpy(both + p->len[0], p->data[2], p->len[2]);
        json_object_object_add(o, "output", json_string_from_bytes(both, p->len[0] + p->len[2]));
        free(both);
        size_t n;
        const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
        char *r = malloc(n + 2);
        memcpy(r, s, n);
        r[n] = '\n';
        r[n + 1] = 0;
        *ret_len = n + 1;
        json_object_put(o);
        return r;
}

static JsonStream *make(Pieces *p) {
        JsonStream *s;
        ASSERT_OK(json_stream_new(&s, read_piece, p, NULL));
        json_object *o = json_object_new_object();
        json_object_object_add(o, "job_id", json_object_new_string("ab\"c"));
        json_object_object_add(o, "stdout", json_stream_hole(s, (unsigned[]) { 0 }, 1));
        json_object *inner = json_object_new_object();
        json_object_object_add(inner, "stderr", json_stream_hole(s, (unsigned[]) { 1 }, 1));
        json_object_object_add(o, "compile", inner);
        json_object_object_add(o, "exit_code", json_object_new_int(3));
        json_object_object_add(o, "output", json_stream_hole(s, (unsigned[]) { 0, 2 }, 2));
        ASSERT_OK(json_stream_finish(s, o));
        json_object_put(o);
        return s;
}

TEST(same_as_whole) {
        /* Control bytes, quotes, and 3-byte characters that the stream's 16 KiB windows cut in two. */
        char big[70000];
        for (size_t i = 0; i < sizeof(big); i++)
                big[i] = (char) (i % 5 == 0 ? 0x01 : i % 7 == 0 ? '"' : 'a' + i % 26);
        for (size_t i = 16382; i + 3 <= sizeof(big); i += 16384)
                memcpy(big + i, "\xe2\x82\xac", 3);
        Pieces p = {
                .data = { big, "err \xff\n", "caf\xc3\xa9" },
                .len = { sizeof(big), 6, 5 },
        };
        static const size_t maxes[] = { 1, 2, 5, 6, 7, 100, 16384, 1 << 20 };
        size_t want_len;
        char *want = expected(&p, &want_len);

        for (size_t i = 0; i < ELEMENTSOF(maxes); i++) {
                JsonStream *s = make(&p);
                size_t got_len;
                char *got = read_all(s, maxes[i], &got_len);
                ASSERT_EQ(got_len, want_len);
                ASSERT_TRUE(memcmp(got, want, want_len) == 0);
                free(got);
                json_stream_free(s);
        }
        free(want);
}

TEST(snapshot_and_gone) {
        char grow[64] = "first";
        Pieces p = { .data = { grow, "", "" }, .len = { 5, 0, 0 } };
        JsonStream *s = make(&p);
        char buf[8];

        /* Bytes written after the hole was made are not sent. */
        memcpy(grow + 5, "second", 6);
        p.len[0] = 11;
        size_t len;
        char *got = read_all(s, 3, &len);
        ASSERT_TRUE(strstr(got, "\"stdout\":\"first\""));
        ASSERT_TRUE(!strstr(got, "second"));
        free(got);
        json_stream_free(s);

        /* The job went away mid-answer: an error, never a made-up end. */
        s = make(&p);
        ASSERT_TRUE(json_stream_read(s, buf, sizeof(buf)) > 0);
        p.gone = true;
        ssize_t n;
        while ((n = json_stream_read(s, buf, sizeof(buf))) > 0)
                ;
        ASSERT_EQ(n, -ENOENT);
        json_stream_free(s);
}

TEST(fills_the_buffer) {
        Pieces p = { .data = { "out", "err", "more" }, .len = { 3, 3, 4 } };
        size_t want_len;
        char *want = expected(&p, &want_len), buf[4096];
        JsonStream *s = make(&p);

        /* One read takes the whole small answer, skeleton and holes alike: one chunk, one TLS record. */
        ASSERT_EQ(json_stream_read(s, buf, sizeof(buf)), (ssize_t) want_len);
        ASSERT_TRUE(memcmp(buf, want, want_len) == 0);
        ASSERT_EQ(json_stream_read(s, buf, sizeof(buf)), 0);
        json_stream_free(s);

        /* A hole that fails after skeleton bytes were read: those come first, then the error, which stays. */
        s = make(&p);
        p.gone = true;
        ssize_t n = json_stream_read(s, buf, sizeof(buf));
        ASSERT_TRUE(n > 0 && (size_t) n < want_len);
        ASSERT_TRUE(memcmp(buf, want, n) == 0);
        ASSERT_EQ(json_stream_read(s, buf, sizeof(buf)), -ENOENT);
        ASSERT_EQ(json_stream_read(s, buf, sizeof(buf)), -ENOENT);
        json_stream_free(s);
        free(want);
}

int main(void) {
        RUN(same_as_whole);
        RUN(snapshot_and_gone);
        RUN(fills_the_buffer);
        return 0;
}

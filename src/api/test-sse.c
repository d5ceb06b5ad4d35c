/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <json-c/json.h>

#include "sse.h"
#include "tests.h"

/* Parses the events in buf back into "name id text" lines joined by '|'. */
static char *decode(const char *buf, size_t len) {
        char *out = strdup("");
        const char *p = buf, *end = buf + len;

        while (p < end) {
                const char *e = strstr(p, "\n\n");
                ASSERT_TRUE(e);
                char name[16] = "", id[32] = "";
                const char *data = NULL;
                for (const char *l = p; l < e;) {
                        const char *nl = memchr(l, '\n', (size_t) (e - l)) ?: e;
                        if (strncmp(l, "event: ", 7) == 0)
                                snprintf(name, sizeof(name), "%.*s", (int) (nl - l - 7), l + 7);
                        else if (strncmp(l, "id: ", 4) == 0)
                                snprintf(id, sizeof(id), "%.*s", (int) (nl - l - 4), l + 4);
                        else if (strncmp(l, "data: ", 6) == 0)
                                data = l + 6;
                        else
                                abort();
                        l = nl + 1;
                }
                ASSERT_TRUE(data);
                json_tokener *tok = json_tokener_new();
                json_object *o = json_tokener_parse_ex(tok, data, (int) (e - data)), *text;
                json_tokener_free(tok);
                ASSERT_TRUE(o && json_object_object_get_ex(o, "text", &text));
                char *n = NULL;
                ASSERT_TRUE(asprintf(&n, "%s%s%s %s %s", out, *out ? "|" : "", name, id, json_object_get_string(text)) > 0);
                free(out);
                out = n;
                json_object_put(o);
                p = e + 2;
        }
        return out;
}

TEST(events) {
        SseText t = { .name = "stdout" };
        _cleanup_free_ char *buf = NULL, *got = NULL;
        size_t len = 0;

        ASSERT_OK(sse_text_events(&t, "hello\n", 6, false, &buf, &len));
        ASSERT_OK(sse_text_events(&t, "a\"b\\c\x01", 6, false, &buf, &len));
        ASSERT_STREQ(buf, "event: stdout\nid: 6\ndata: {\"text\":\"hello\\n\"}\n\n"
                          "event: stdout\nid: 12\ndata: {\"text\":\"a\\\"b\\\\c\\u0001\"}\n\n");
        ASSERT_EQ(t.bytes, 12);
}

TEST(utf8_split_across_reads) {
        SseText t = { .name = "stderr" };
        _cleanup_free_ char *buf = NULL, *got = NULL;
        size_t len = 0;

        /* "é€😀" cut inside each character. */
        ASSERT_OK(sse_text_events(&t, "x\xc3", 2, false, &buf, &len));
        ASSERT_OK(sse_text_events(&t, "\xa9\xe2\x82", 3, false, &buf, &len));
        ASSERT_OK(sse_text_events(&t, "\xac\xf0\x9f", 3, false, &buf, &len));
        ASSERT_OK(sse_text_events(&t, "\x98\x80", 2, false, &buf, &len));
        got = decode(buf, len);
        ASSERT_STREQ(got, "stderr 1 x|stderr 3 é|stderr 6 €|stderr 10 😀");
        ASSERT_EQ(t.n_held, 0);
}

TEST(invalid_and_final) {
        SseText t = { .name = "stdout" };
        _cleanup_free_ char *buf = NULL, *got = NULL;
        size_t len = 0;

        ASSERT_OK(sse_text_events(&t, "a\xff" "b\xe2\x82", 5, false, &buf, &len));
        ASSERT_EQ(t.n_held, 2);
        /* The job ended mid-character: what was held goes out as U+FFFD. */
        ASSERT_OK(sse_text_events(&t, NULL, 0, true, &buf, &len));
        got = decode(buf, len);
        ASSERT_STREQ(got, "stdout 3 a\xef\xbf\xbd" "b|stdout 5 \xef\xbf\xbd\xef\xbf\xbd");
}

TEST(bounded_events) {
        SseText t = { .name = "stdout" };
        _cleanup_free_ char *buf = NULL, *big = malloc(3 * SSE_TEXT_MAX + 10);
        size_t len = 0, n = 0;

        /* Two-byte characters, so that the cuts fall inside some. */
        for (size_t i = 0; i + 1 < 3 * SSE_TEXT_MAX + 10; i += 2) {
                big[i] = '\xc3';
                big[i + 1] = '\xa9';
        }
        big[0] = 'x';
        big[1] = 'x';
        ASSERT_OK(sse_text_events(&t, big, 3 * SSE_TEXT_MAX + 10, false, &buf, &len));
        for (const char *p = buf; (p = strstr(p, "event: ")); p++)
                n++;
        ASSERT_EQ(n, 4);
        ASSERT_EQ(t.bytes, 3 * SSE_TEXT_MAX + 10);
        ASSERT_TRUE(!strstr(buf, "\\ufffd") && !strstr(buf, "\xef\xbf\xbd"));
}

TEST(pair_ids) {
        SseText out = { .name = "stdout" }, err = { .name = "stderr" };
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        uint64_t o, e;

        out.stdout_of = err.stdout_of = &out;
        out.stderr_of = err.stderr_of = &err;
        ASSERT_OK(sse_text_events(&out, "ab", 2, false, &buf, &len));
        ASSERT_OK(sse_text_events(&err, "xyz", 3, false, &buf, &len));
        ASSERT_TRUE(strstr(buf, "event: stdout\nid: 2,0\n"));
        ASSERT_TRUE(strstr(buf, "event: stderr\nid: 2,3\n"));

        ASSERT_OK(sse_parse_pair_id("2,3", &o, &e));
        ASSERT_EQ(o, 2);
        ASSERT_EQ(e, 3);
        ASSERT_OK(sse_parse_pair_id("18446744073709551615,0", &o, &e));
        ASSERT_TRUE(o == UINT64_MAX);
        static const char *const bad[] = { "", "1", "1,", ",1", "1,2,3", "-1,2", "1,-2", "1, 2", " 1,2", "1,2 ",
                                           "+1,2", "a,b", "1,2x", "123456789012345678901,1" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ASSERT_ERROR(sse_parse_pair_id(bad[i], &o, &e), EINVAL);
        ASSERT_ERROR(sse_parse_pair_id(NULL, &o, &e), EINVAL);
}

int main(void) {
        RUN(events);
        RUN(utf8_split_across_reads);
        RUN(invalid_and_final);
        RUN(bounded_events);
        RUN(pair_ids);
        return 0;
}

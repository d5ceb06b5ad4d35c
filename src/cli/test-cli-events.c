/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli-events.h"
#include "tests.h"

static char seen[4096];

static int record(const char *name, const char *data, size_t len, void *userdata) {
        size_t n = strlen(seen);
        snprintf(seen + n, sizeof(seen) - n, "[%s:%.*s]", name, (int) len, data);
        return streq(name, "stop") ? -ECANCELED : 0;
}

static void feed_bytewise(const char *s) {
        EventParser p = {};
        seen[0] = 0;
        for (const char *c = s; *c; c++)
                ASSERT_OK(event_parser_feed(&p, c, 1, record, NULL));
        event_parser_done(&p);
}

TEST(events) {
        const char *s = "event: stdout\nid: 3\ndata: {\"text\":\"hi\\n\"}\n\n"
                        ": a comment\n\n"
                        "event:stderr\r\ndata:x\r\ndata: y\r\n\n"
                        "data: plain\n\n"
                        "event: result\ndata: {}\n\n"
                        "event: partial\ndata: not yet";
        EventParser p = {};
        seen[0] = 0;
        ASSERT_OK(event_parser_feed(&p, s, strlen(s), record, NULL));
        ASSERT_STREQ(seen, "[stdout:{\"text\":\"hi\\n\"}][stderr:x\ny][message:plain][result:{}]");
        ASSERT_OK(event_parser_feed(&p, "\n\n", 2, record, NULL));
        ASSERT_TRUE(strstr(seen, "[partial:not yet]"));
        event_parser_done(&p);

        /* The same, a byte at a time. */
        feed_bytewise("event: stdout\ndata: a\n\nevent: result\ndata: b\n\n");
        ASSERT_STREQ(seen, "[stdout:a][result:b]");
}

TEST(handler_stops) {
        EventParser p = {};
        const char *s = "event: stop\ndata: 1\n\nevent: after\ndata: 2\n\n";
        seen[0] = 0;
        ASSERT_ERROR(event_parser_feed(&p, s, strlen(s), record, NULL), ECANCELED);
        ASSERT_STREQ(seen, "[stop:1]");
        event_parser_done(&p);
}

TEST(hostile) {
        EventParser p = {};
        char name[128];
        snprintf(name, sizeof(name), "event: %0*d\ndata: x\n\n", 64, 0);
        ASSERT_ERROR(event_parser_feed(&p, name, strlen(name), record, NULL), EBADMSG);
        event_parser_done(&p);
        ASSERT_ERROR(event_parser_feed(&p, "x", EVENT_MAX + 1, record, NULL), EBADMSG);
        event_parser_done(&p);
        ASSERT_ERROR(event_parser_feed(&p, "event: a\0b\ndata: x\n\n", 20, record, NULL), EBADMSG);
        event_parser_done(&p);
}

TEST(last_id) {
        EventParser p = {};
        const char *s = "event: stdout\nid: 3,0\ndata: {}\n\n"
                        "event: stderr\nid:3,5\ndata: {}\n\n"
                        "event: result\ndata: {}\n\n";
        seen[0] = 0;
        ASSERT_STREQ(p.last_id, "");
        size_t first = (size_t) (strstr(s, "\n\n") + 2 - s);
        ASSERT_OK(event_parser_feed(&p, s, first, record, NULL));
        ASSERT_STREQ(p.last_id, "3,0");
        ASSERT_OK(event_parser_feed(&p, s + first, strlen(s) - first, record, NULL));
        /* An event without an id keeps the last one, as SSE says. */
        ASSERT_STREQ(p.last_id, "3,5");

        /* Too long, or with a control character: ignored, so it never reaches a request header. */
        char id[128];
        snprintf(id, sizeof(id), "id: %0*d\ndata: x\n\n", 65, 0);
        ASSERT_OK(event_parser_feed(&p, id, strlen(id), record, NULL));
        static const char *const bad[] = { "id: 1\r2\ndata: x\n\n", "id: 1\x7f\ndata: x\n\n" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ASSERT_OK(event_parser_feed(&p, bad[i], strlen(bad[i]), record, NULL));
        ASSERT_STREQ(p.last_id, "3,5");
        ASSERT_OK(event_parser_feed(&p, "id:\ndata: x\n\n", strlen("id:\ndata: x\n\n"), record, NULL));
        ASSERT_STREQ(p.last_id, "");
        event_parser_done(&p);
}

TEST(pair_id) {
        size_t out = 7, err = 7;
        ASSERT_OK(event_id_parse_pair("12,0", &out, &err));
        ASSERT_TRUE(out == 12 && err == 0);
        ASSERT_OK(event_id_parse_pair("0,18446744073709551615", &out, &err));
        ASSERT_TRUE(out == 0 && err == SIZE_MAX);

        static const char *const bad[] = {
                "", ",", "1", "1,", ",1", "1,2,3", " 1,2", "1, 2", "+1,2", "-1,2", "1,-2", "1,2 ", "0x1,2",
                "18446744073709551616,0", "1;2", "a,b",
        };
        out = err = 7;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (event_id_parse_pair(bad[i], &out, &err) != -EINVAL || out != 7 || err != 7) {
                        fprintf(stderr, "\"%s\" was taken\n", bad[i]);
                        abort();
                }
}

int main(void) {
        RUN(events);
        RUN(handler_stops);
        RUN(hostile);
        RUN(last_id);
        RUN(pair_id);
        return 0;
}

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

int main(void) {
        RUN(events);
        RUN(handler_stops);
        RUN(hostile);
        return 0;
}

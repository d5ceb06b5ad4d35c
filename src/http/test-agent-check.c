/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include "agent-check.h"
#include "tests.h"

/* One check as HAProxy makes it: connect, read to the end, and return what was said. */
static void check(sd_event *e, const struct sockaddr_in *sa, const char *expected) {
        _cleanup_close_ int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        char buf[64];
        size_t got = 0;

        ASSERT_TRUE(c >= 0);
        ASSERT_EQ(connect(c, (const struct sockaddr *) sa, sizeof(*sa)), 0);
        ASSERT_TRUE(sd_event_run(e, 5 * 1000 * 1000) > 0);
        for (;;) {
                ssize_t k = read(c, buf + got, sizeof(buf) - 1 - got);
                ASSERT_TRUE(k >= 0);
                if (k == 0)
                        break;
                got += k;
        }
        buf[got] = 0;
        ASSERT_STREQ(buf, expected);
}

static bool is_draining(void *userdata) {
        return *(bool *) userdata;
}

int main(void) {
        /* Blocking, as systemd passes sockets: the listener must not hang on its second accept(). */
        _cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(sa);
        sd_event *e = NULL;
        AgentCheck *a = NULL;
        bool draining = false;

        ASSERT_STREQ(agent_check_reply(false), "up ready\n");
        ASSERT_STREQ(agent_check_reply(true), "drain\n");

        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        ASSERT_EQ(listen(fd, 16), 0);
        ASSERT_EQ(getsockname(fd, (struct sockaddr *) &sa, &len), 0);
        ASSERT_EQ(sd_event_new(&e), 0);
        ASSERT_EQ(agent_check_new(&a, e, TAKE_FD(fd), is_draining, &draining), 0);

        /* The answer follows the state at each check. */
        check(e, &sa, "up ready\n");
        draining = true;
        check(e, &sa, "drain\n");
        check(e, &sa, "drain\n");
        draining = false;
        check(e, &sa, "up ready\n");

        a = agent_check_free(a);
        sd_event_unref(e);
        return 0;
}

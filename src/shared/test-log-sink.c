/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "log-sink.h"
#include "tests.h"

static char last[512];
static int last_priority, last_error, n_logged;

static void capture(int priority, int error, const char *message, void *userdata) {
        snprintf(last, sizeof(last), "%s", message);
        last_priority = priority;
        last_error = error;
        n_logged++;
}

int main(void) {
        /* No sink: nothing happens, the error still comes back. */
        ASSERT_EQ(log_debug_errno(-ENOENT, "dropped"), -ENOENT);
        ASSERT_EQ(n_logged, 0);

        log_sink_set(capture, NULL);
        errno = EBUSY;
        ASSERT_EQ(log_debug_errno(ENOMEM, "Cannot do %s, ignoring", "it"), -ENOMEM);
        ASSERT_EQ(errno, EBUSY);
        ASSERT_STREQ(last, "Cannot do it, ignoring");
        ASSERT_EQ(last_priority, LOG_DEBUG);
        ASSERT_EQ(last_error, ENOMEM);
        ASSERT_EQ(log_debug("plain"), 0);
        ASSERT_EQ(last_error, 0);
        ASSERT_EQ(n_logged, 2);

        log_sink_set(NULL, NULL);
        (void) log_debug("gone");
        ASSERT_EQ(n_logged, 2);
        return 0;
}

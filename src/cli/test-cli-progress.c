/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include "cli-progress.h"
#include "tests.h"

static void check(const JobReply *j, double elapsed, const char *expected) {
        char buf[128];
        progress_format(j, elapsed, buf, sizeof buf);
        ASSERT_STREQ(buf, expected);
}

TEST(format) {
        JobReply queued = { .status = (char *) "queued", .queue_position = 3 };
        check(&queued, 2.14, "queued · position 3 · 2.1 s");

        JobReply running = { .status = (char *) "running", .queue_position = -1, .has_metrics = true,
                             .cpu_seconds = 1.2 };
        check(&running, 4.25, "running · 4.2 s · cpu 1.20 s");

        JobReply unknown = { .queue_position = -1 };
        check(&unknown, 0, "waiting · 0.0 s");

        /* A tiny buffer is cut, never overrun. */
        char small[8];
        progress_format(&running, 4.25, small, sizeof small);
        ASSERT_EQ(strlen(small), 7);
}

int main(void) {
        RUN(format);
        return 0;
}

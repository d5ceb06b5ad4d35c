/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <sys/inotify.h>

#include "cli-watch.h"
#include "tests.h"

TEST(events) {
        /* Written in place and closed (most editors, and `echo > file`). */
        ASSERT_TRUE(watch_event_is_save(IN_CLOSE_WRITE, "app.js", "app.js"));
        /* Saved to a temporary file and renamed over the original (vim, gedit, many IDEs). */
        ASSERT_TRUE(watch_event_is_save(IN_MOVED_TO, "app.js", "app.js"));
        /* The temporary file itself, or other files in the directory, are not saves. */
        ASSERT_TRUE(!watch_event_is_save(IN_CLOSE_WRITE, ".app.js.swp", "app.js"));
        ASSERT_TRUE(!watch_event_is_save(IN_MOVED_TO, "app.js~", "app.js"));
        ASSERT_TRUE(!watch_event_is_save(IN_CLOSE_WRITE, "app.j", "app.js"));
        /* Half-written or removed files are not run. */
        ASSERT_TRUE(!watch_event_is_save(IN_MODIFY, "app.js", "app.js"));
        ASSERT_TRUE(!watch_event_is_save(IN_CREATE, "app.js", "app.js"));
        ASSERT_TRUE(!watch_event_is_save(IN_DELETE, "app.js", "app.js"));
        ASSERT_TRUE(!watch_event_is_save(IN_MOVED_FROM, "app.js", "app.js"));
        ASSERT_TRUE(!watch_event_is_save(IN_CLOSE_WRITE, NULL, "app.js"));
}

int main(void) {
        RUN(events);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "listen-fds.h"
#include "tests.h"

int main(void) {
        const char *const side[] = { LISTEN_FD_NAME_AGENT, LISTEN_FD_NAME_METRICS, NULL };
        char *one[] = { (char *) "sandrun.socket" };
        char *three[] = { (char *) "agent", (char *) "sandrun.socket", (char *) "metrics" };
        char *two_public[] = { (char *) "sandrun.socket", (char *) "https" };
        char *two_agents[] = { (char *) "agent", (char *) "agent", (char *) "https" };
        char *unnamed[] = { NULL, (char *) "agent" };

        /* One socket under its unit's default name: the public port, no agent. */
        ASSERT_EQ(listen_fds_find(one, 1, NULL, side), 0);
        ASSERT_EQ(listen_fds_find(one, 1, LISTEN_FD_NAME_AGENT, side), -ENOENT);
        /* Order does not matter. */
        ASSERT_EQ(listen_fds_find(three, 3, NULL, side), 1);
        ASSERT_EQ(listen_fds_find(three, 3, LISTEN_FD_NAME_AGENT, side), 0);
        ASSERT_EQ(listen_fds_find(three, 3, LISTEN_FD_NAME_METRICS, side), 2);
        /* Ambiguity is an error, not a guess. */
        ASSERT_EQ(listen_fds_find(two_public, 2, NULL, side), -ENOTUNIQ);
        ASSERT_EQ(listen_fds_find(two_agents, 3, LISTEN_FD_NAME_AGENT, side), -ENOTUNIQ);
        ASSERT_EQ(listen_fds_find(two_agents, 3, NULL, side), 2);
        /* No names at all (sd_listen_fds_with_names may return none): every socket is public. */
        ASSERT_EQ(listen_fds_find(NULL, 1, NULL, side), 0);
        ASSERT_EQ(listen_fds_find(unnamed, 2, NULL, side), 0);
        ASSERT_EQ(listen_fds_find(NULL, 0, NULL, side), -ENOENT);
        return 0;
}

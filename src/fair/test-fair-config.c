/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>

#include "fair-config.h"
#include "macro.h"
#include "tests.h"

#define SEC ((int64_t) USEC_PER_SEC)

TEST(defaults) {
        FairConfig c;

        fair_config_init(&c, 2);

        ASSERT_EQ(c.budget_usec, 10 * SEC);
        ASSERT_EQ(c.budget_period_usec, 60 * SEC);
        ASSERT_EQ(c.max_running_per_client, 2);
        ASSERT_EQ(c.max_running, 4);
        ASSERT_EQ(c.max_queued_per_client, 16);
        ASSERT_EQ(c.max_queued, 256);
        ASSERT_EQ(c.max_clients, 65536);
        ASSERT_EQ(c.min_start_budget_usec, 1 * SEC);
        ASSERT_EQ(c.busy_window_usec, SEC / 2);
        ASSERT_EQ(c.busy_cpu_percent, 10);
        ASSERT_EQ(c.running_memory_max, 0);     /* no bound unless the daemon sets one */

        fair_config_init(&c, 0);
        ASSERT_EQ(c.max_running, 2);    /* an unknown CPU count counts as one */
}

TEST(validation) {
        FairConfig c, bad;
        const char *reason = NULL;

        fair_config_init(&c, 2);
        ASSERT_OK(fair_config_validate(&c, &reason));
        ASSERT_TRUE(reason == NULL);

        bad = c;
        bad.budget_usec = 0;
        ASSERT_ERROR(fair_config_validate(&bad, &reason), EINVAL);
        ASSERT_TRUE(reason != NULL);
        bad = c;
        bad.min_start_budget_usec = bad.budget_usec + 1;
        ASSERT_ERROR(fair_config_validate(&bad, NULL), EINVAL);
        bad = c;
        bad.max_running = 0;
        ASSERT_ERROR(fair_config_validate(&bad, NULL), EINVAL);
        bad = c;
        bad.max_queued_per_client = 0;
        ASSERT_ERROR(fair_config_validate(&bad, NULL), EINVAL);
        bad = c;
        bad.max_clients = 0;
        ASSERT_ERROR(fair_config_validate(&bad, NULL), EINVAL);
        bad = c;
        bad.budget_period_usec = UINT64_MAX;
        ASSERT_ERROR(fair_config_validate(&bad, NULL), EINVAL);
        bad = c;
        bad.busy_window_usec = 0;
        ASSERT_ERROR(fair_config_validate(&bad, NULL), EINVAL);
        bad = c;
        bad.busy_cpu_percent = 0;
        ASSERT_ERROR(fair_config_validate(&bad, NULL), EINVAL);
        bad = c;
        bad.busy_cpu_percent = 101;
        ASSERT_ERROR(fair_config_validate(&bad, NULL), EINVAL);
        bad = c;
        bad.expected_job_usec = 0;
        ASSERT_ERROR(fair_config_validate(&bad, NULL), EINVAL);
}

int main(void) {
        RUN(defaults);
        RUN(validation);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "fair-config.h"
#include "fair-quota.h"
#include "macro.h"
#include "tests.h"

#define SEC ((int64_t) USEC_PER_SEC)

static FairConfig config(void) {
        FairConfig c;

        fair_config_init(&c, 2);
        return c;
}

TEST(refill_rate) {
        FairConfig c = config();

        /* 10 CPU-s per 60 s: a sixth of a CPU. */
        ASSERT_EQ(fair_quota_refill_usec_per_sec(&c), 166666);
}

TEST(full_speed_with_budget) {
        FairConfig c = config();
        bool throttled = true;

        ASSERT_TRUE(fair_quota_decide(&c, 10 * SEC, 2, false, &throttled) == FAIR_QUOTA_UNLIMITED);
        ASSERT_TRUE(!throttled);
        ASSERT_TRUE(fair_quota_decide(&c, 1, 1, false, &throttled) == FAIR_QUOTA_UNLIMITED);
        ASSERT_TRUE(!throttled);
}

TEST(throttled_at_zero_shared_among_jobs) {
        FairConfig c = config();
        bool throttled = false;

        ASSERT_EQ(fair_quota_decide(&c, 0, 1, false, &throttled), 166666);
        ASSERT_TRUE(throttled);
        ASSERT_EQ(fair_quota_decide(&c, -5 * SEC, 2, false, &throttled), 83333);
        ASSERT_EQ(fair_quota_decide(&c, -5 * SEC, 3, true, &throttled), 55555);
        ASSERT_TRUE(throttled);
        /* Never zero, however many jobs. */
        ASSERT_EQ(fair_quota_decide(&c, -5 * SEC, 65536, true, &throttled), FAIR_QUOTA_MIN_USEC_PER_SEC);
}

TEST(restored_only_at_start_budget) {
        FairConfig c = config();
        bool throttled = false;

        /* Between zero and the start budget a client stays as it was... */
        ASSERT_EQ(fair_quota_decide(&c, SEC / 2, 1, true, &throttled), 166666);
        ASSERT_TRUE(throttled);
        ASSERT_TRUE(fair_quota_decide(&c, SEC / 2, 1, false, &throttled) == FAIR_QUOTA_UNLIMITED);
        ASSERT_TRUE(!throttled);
        /* ...and from the start budget on it runs at full speed again. */
        ASSERT_TRUE(fair_quota_decide(&c, SEC - 1, 1, true, &throttled) != FAIR_QUOTA_UNLIMITED);
        ASSERT_TRUE(fair_quota_decide(&c, SEC, 1, true, &throttled) == FAIR_QUOTA_UNLIMITED);
        ASSERT_TRUE(!throttled);
}

TEST(follows_config) {
        FairConfig c = config();
        bool throttled;

        c.budget_usec = 30 * USEC_PER_SEC;      /* half a CPU */
        ASSERT_EQ(fair_quota_decide(&c, -1, 2, false, &throttled), 250000);
}

int main(void) {
        RUN(refill_rate);
        RUN(full_speed_with_budget);
        RUN(throttled_at_zero_shared_among_jobs);
        RUN(restored_only_at_start_budget);
        RUN(follows_config);
        return 0;
}

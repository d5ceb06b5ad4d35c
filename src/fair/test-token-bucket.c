/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>

#include "macro.h"
#include "tests.h"
#include "token-bucket.h"

#define SEC USEC_PER_SEC
/* The default policy: 10 CPU-seconds per minute. */
#define CAPACITY (10 * SEC)
#define PERIOD (60 * SEC)
#define T0 (1000 * SEC)         /* fake CLOCK_MONOTONIC start, not zero to catch offsets */

static TokenBucket bucket(void) {
        TokenBucket b;

        ASSERT_OK(token_bucket_init(&b, CAPACITY, PERIOD, T0));
        return b;
}

TEST(init) {
        TokenBucket b = bucket();

        ASSERT_EQ(token_bucket_level(&b, T0), CAPACITY);
        ASSERT_TRUE(token_bucket_is_full(&b, T0));
        ASSERT_ERROR(token_bucket_init(&b, 0, PERIOD, T0), EINVAL);
        ASSERT_ERROR(token_bucket_init(&b, CAPACITY, 0, T0), EINVAL);
        ASSERT_ERROR(token_bucket_init(&b, TOKEN_BUCKET_CAPACITY_MAX + 1, PERIOD, T0), EINVAL);
        ASSERT_ERROR(token_bucket_init(&b, CAPACITY, TOKEN_BUCKET_PERIOD_MAX + 1, T0), EINVAL);
}

TEST(refill_is_continuous_and_capped) {
        TokenBucket b = bucket();

        token_bucket_charge(&b, CAPACITY, T0);
        ASSERT_EQ(token_bucket_level(&b, T0), 0);
        /* 10/60 CPU-s per second: 6 s of wall time buy 1 CPU-s. */
        ASSERT_EQ(token_bucket_level(&b, T0 + 6 * SEC), 1 * SEC);
        ASSERT_EQ(token_bucket_level(&b, T0 + 30 * SEC), 5 * SEC);
        ASSERT_TRUE(!token_bucket_is_full(&b, T0 + 59 * SEC));
        ASSERT_EQ(token_bucket_level(&b, T0 + 60 * SEC), CAPACITY);
        ASSERT_EQ(token_bucket_level(&b, T0 + 3600 * SEC), CAPACITY);
        ASSERT_TRUE(token_bucket_is_full(&b, T0 + 3600 * SEC));
}

TEST(small_refills_add_up_exactly) {
        TokenBucket b = bucket(), c = bucket();

        token_bucket_charge(&b, CAPACITY, T0);
        token_bucket_charge(&c, CAPACITY, T0);
        /* 7 usec steps earn 7/6 usec each; the fractions must not be lost. */
        for (uint64_t t = T0; t <= T0 + 7 * 100000; t += 7)
                token_bucket_refill(&b, t);
        ASSERT_EQ(token_bucket_level(&b, T0 + 700000), token_bucket_level(&c, T0 + 700000));
        ASSERT_EQ(token_bucket_level(&b, T0 + 700000), 700000 / 6);
}

TEST(debt) {
        TokenBucket b = bucket();

        token_bucket_charge(&b, 4 * SEC, T0);
        ASSERT_EQ(token_bucket_level(&b, T0), 6 * SEC);
        token_bucket_charge(&b, 20 * SEC, T0);
        ASSERT_EQ(token_bucket_level(&b, T0), -14 * SEC);
        /* Paying back 14 s of debt and refilling to full takes 24 CPU-s, i.e. 144 s. */
        ASSERT_EQ(token_bucket_level(&b, T0 + 84 * SEC), 0);
        ASSERT_EQ(token_bucket_usec_until(&b, CAPACITY, T0 + 84 * SEC), 60 * SEC);
        ASSERT_TRUE(!token_bucket_is_full(&b, T0 + 143 * SEC));
        ASSERT_TRUE(token_bucket_is_full(&b, T0 + 144 * SEC));

        /* Absurd charges saturate instead of wrapping around to a full bucket. */
        token_bucket_charge(&b, UINT64_MAX, T0 + 144 * SEC);
        ASSERT_EQ(token_bucket_level(&b, T0 + 144 * SEC), TOKEN_BUCKET_LEVEL_MIN);
        token_bucket_charge(&b, UINT64_MAX, T0 + 144 * SEC);
        ASSERT_EQ(token_bucket_level(&b, T0 + 144 * SEC), TOKEN_BUCKET_LEVEL_MIN);
        ASSERT_EQ(token_bucket_usec_until(&b, 0, T0 + 144 * SEC), UINT64_MAX);
}

TEST(usec_until) {
        TokenBucket b = bucket();

        ASSERT_EQ(token_bucket_usec_until(&b, CAPACITY, T0), 0);
        ASSERT_EQ(token_bucket_usec_until(&b, CAPACITY + 1, T0), UINT64_MAX);

        token_bucket_charge(&b, CAPACITY + 1, T0);      /* level -1 */
        ASSERT_EQ(token_bucket_usec_until(&b, 1, T0), 12);      /* 2 usec at 1/6 usec per usec */
        ASSERT_EQ(token_bucket_level(&b, T0 + 11), 0);
        ASSERT_EQ(token_bucket_level(&b, T0 + 12), 1);

        /* The answer is exact: the level is reached at that time and not a microsecond earlier. */
        for (int64_t target = 1; target < 50; target += 7) {
                TokenBucket x = bucket();
                token_bucket_charge(&x, CAPACITY, T0);
                token_bucket_refill(&x, T0 + 5);        /* leaves a fractional carry */
                uint64_t wait = token_bucket_usec_until(&x, target, T0 + 5);
                TokenBucket early = x;
                ASSERT_TRUE(token_bucket_level(&early, T0 + 5 + wait - 1) < target);
                ASSERT_TRUE(token_bucket_level(&x, T0 + 5 + wait) >= target);
        }
}

TEST(time_going_backwards_changes_nothing) {
        TokenBucket b = bucket();

        token_bucket_charge(&b, CAPACITY, T0 + 60 * SEC);
        ASSERT_EQ(token_bucket_level(&b, T0), 0);
        ASSERT_EQ(token_bucket_level(&b, T0 + 66 * SEC), 1 * SEC);
        ASSERT_EQ(token_bucket_level(&b, T0), 1 * SEC);
}

TEST(extreme_parameters) {
        TokenBucket b;

        ASSERT_OK(token_bucket_init(&b, TOKEN_BUCKET_CAPACITY_MAX, 1, 0));
        token_bucket_charge(&b, TOKEN_BUCKET_CAPACITY_MAX, 0);
        ASSERT_TRUE(token_bucket_is_full(&b, UINT64_MAX));

        ASSERT_OK(token_bucket_init(&b, 1, TOKEN_BUCKET_PERIOD_MAX, 0));
        token_bucket_charge(&b, UINT64_MAX, 0);
        ASSERT_EQ(token_bucket_usec_until(&b, 1, 0), UINT64_MAX);       /* beyond what a uint64 holds */
        ASSERT_TRUE(token_bucket_level(&b, UINT64_MAX) < 0);
}

int main(void) {
        RUN(init);
        RUN(refill_is_continuous_and_capped);
        RUN(small_refills_add_up_exactly);
        RUN(debt);
        RUN(usec_until);
        RUN(time_going_backwards_changes_nothing);
        RUN(extreme_parameters);
        return 0;
}

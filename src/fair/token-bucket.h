/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A token bucket of CPU time that refills continuously: capacity_usec of CPU time per period_usec of
 * wall time, never above capacity_usec. Charging may take it below zero (debt), since CPU time is billed
 * after it was used. Sub-microsecond refill is carried over, so that many small refills add up exactly
 * to one big one. Time only ever comes in as `now` (CLOCK_MONOTONIC usec); a `now` older than the last
 * one seen counts as no time passing.
 */

#include <stdbool.h>
#include <stdint.h>

/* Limits that keep all arithmetic far from overflowing: ~12.7 days. */
#define TOKEN_BUCKET_CAPACITY_MAX (UINT64_C(1) << 40)
#define TOKEN_BUCKET_PERIOD_MAX (UINT64_C(1) << 40)
/* Debt saturates here rather than wrapping. */
#define TOKEN_BUCKET_LEVEL_MIN (-(INT64_C(1) << 62))

typedef struct TokenBucket {
        uint64_t capacity_usec;
        uint64_t period_usec;           /* wall time to refill from empty to full */
        int64_t level_usec;             /* CPU time left at updated_usec; negative is debt */
        uint64_t carry;                 /* refill below one usec, in 1/period_usec units */
        uint64_t updated_usec;
} TokenBucket;

/* Starts full. -EINVAL for a zero or too large capacity or period. */
int token_bucket_init(TokenBucket *b, uint64_t capacity_usec, uint64_t period_usec, uint64_t now);

/* Brings the level up to date; the functions below do this themselves. */
void token_bucket_refill(TokenBucket *b, uint64_t now);

int64_t token_bucket_level(TokenBucket *b, uint64_t now);

bool token_bucket_is_full(TokenBucket *b, uint64_t now);

/* Takes cpu_usec out, going into debt if needed. */
void token_bucket_charge(TokenBucket *b, uint64_t cpu_usec, uint64_t now);

/* Wall time from now until the level reaches at least `level` if nothing is charged meanwhile: 0 if it
 * already has, UINT64_MAX if it never will (above capacity, or too far away to count). */
uint64_t token_bucket_usec_until(TokenBucket *b, int64_t level, uint64_t now);

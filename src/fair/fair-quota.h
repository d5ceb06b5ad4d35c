/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The throttling decision: what CPU quota each running job of a client gets, from the client's budget
 * level alone. A client with budget left runs at full speed. Once its level falls to zero or below, its
 * running jobs together get the bucket's refill rate (budget_usec per budget_period_usec, ~17% of a CPU
 * by default), split evenly, so that it spends no faster than it earns. It gets full speed back when the
 * level is at min_start_budget_usec again; between zero and that level it stays as it was.
 */

#include <stdbool.h>
#include <stdint.h>

#include "fair-config.h"

/* No fairness limit: the job keeps whatever CPUQuota it had to begin with. */
#define FAIR_QUOTA_UNLIMITED UINT64_MAX
/* The smallest quota handed out, so that a client with very many jobs never gets a quota of zero. */
#define FAIR_QUOTA_MIN_USEC_PER_SEC UINT64_C(1000)

/* CPU time per wall-clock second (usec) the client's budget refills at. */
uint64_t fair_quota_refill_usec_per_sec(const FairConfig *c);

/*
 * Returns the CPU quota in usec per second for each of the client's n_running jobs, or
 * FAIR_QUOTA_UNLIMITED, and stores whether the client is throttled now in *ret_throttled, which the
 * caller keeps and passes back as was_throttled next time.
 */
uint64_t fair_quota_decide(
                const FairConfig *c,
                int64_t level_usec,
                unsigned n_running,
                bool was_throttled,
                bool *ret_throttled);

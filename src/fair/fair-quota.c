/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "fair-quota.h"
#include "macro.h"

uint64_t fair_quota_refill_usec_per_sec(const FairConfig *c) {
        return (uint64_t) ((unsigned __int128) c->budget_usec * USEC_PER_SEC / c->budget_period_usec);
}

uint64_t fair_quota_decide(
                const FairConfig *c,
                int64_t level_usec,
                unsigned n_running,
                bool was_throttled,
                bool *ret_throttled) {

        bool throttled = level_usec <= 0 ||
                (was_throttled && level_usec < (int64_t) c->min_start_budget_usec);

        *ret_throttled = throttled;
        if (!throttled)
                return FAIR_QUOTA_UNLIMITED;

        uint64_t share = fair_quota_refill_usec_per_sec(c) / MAX(n_running, 1U);
        return MAX(share, FAIR_QUOTA_MIN_USEC_PER_SEC);
}

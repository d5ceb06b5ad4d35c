/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>

#include "share.h"

static uint64_t saturating_add(uint64_t a, uint64_t b) {
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* used + need <= limit, without overflowing. */
static bool fits(uint64_t used, uint64_t need, uint64_t limit) {
        return used <= limit && need <= limit - used;
}

ShareDecision share_decide(
                const ShareUse *users,
                size_t n,
                size_t requester,
                uint64_t need,
                uint64_t max,
                size_t *ret_victim) {

        uint64_t total = 0;

        assert(requester < n);

        for (size_t i = 0; i < n; i++)
                total = saturating_add(total, users[i].used);
        if (total < UINT64_MAX && fits(total, need, max))
                return SHARE_FITS;

        uint64_t share = max / n;
        if (!fits(users[requester].used, need, share))
                return SHARE_REFUSE_BEYOND_SHARE;

        /* The one most beyond its share; among equals the first, so that the caller's order (e.g. who
         * came first) decides ties the same way every time. */
        size_t victim = n;
        for (size_t i = 0; i < n; i++) {
                if (i == requester || !users[i].reclaimable || users[i].used <= share)
                        continue;
                if (victim == n || users[i].used > users[victim].used)
                        victim = i;
        }
        if (victim == n)
                return SHARE_REFUSE_FULL;

        *ret_victim = victim;
        return SHARE_RECLAIM;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>

#include "macro.h"
#include "token-bucket.h"

int token_bucket_init(TokenBucket *b, uint64_t capacity_usec, uint64_t period_usec, uint64_t now) {
        if (capacity_usec == 0 || capacity_usec > TOKEN_BUCKET_CAPACITY_MAX)
                return -EINVAL;
        if (period_usec == 0 || period_usec > TOKEN_BUCKET_PERIOD_MAX)
                return -EINVAL;

        *b = (TokenBucket) {
                .capacity_usec = capacity_usec,
                .period_usec = period_usec,
                .level_usec = (int64_t) capacity_usec,
                .updated_usec = now,
        };
        return 0;
}

void token_bucket_refill(TokenBucket *b, uint64_t now) {
        if (now <= b->updated_usec)
                return;

        uint64_t elapsed = now - b->updated_usec;
        b->updated_usec = now;

        if (b->level_usec >= (int64_t) b->capacity_usec) {
                b->carry = 0;
                return;
        }

        unsigned __int128 scaled = (unsigned __int128) elapsed * b->capacity_usec + b->carry;
        unsigned __int128 added = scaled / b->period_usec;
        unsigned __int128 missing = (unsigned __int128) ((__int128) b->capacity_usec - b->level_usec);

        if (added >= missing) {
                b->level_usec = (int64_t) b->capacity_usec;
                b->carry = 0;
        } else {
                b->level_usec += (int64_t) added;
                b->carry = (uint64_t) (scaled % b->period_usec);
        }
}

int64_t token_bucket_level(TokenBucket *b, uint64_t now) {
        token_bucket_refill(b, now);
        return b->level_usec;
}

bool token_bucket_is_full(TokenBucket *b, uint64_t now) {
        return token_bucket_level(b, now) >= (int64_t) b->capacity_usec;
}

void token_bucket_charge(TokenBucket *b, uint64_t cpu_usec, uint64_t now) {
        token_bucket_refill(b, now);

        __int128 level = (__int128) b->level_usec - cpu_usec;
        b->level_usec = level < TOKEN_BUCKET_LEVEL_MIN ? TOKEN_BUCKET_LEVEL_MIN : (int64_t) level;
}

uint64_t token_bucket_usec_until(TokenBucket *b, int64_t level, uint64_t now) {
        token_bucket_refill(b, now);

        if (b->level_usec >= level)
                return 0;
        if (level > (int64_t) b->capacity_usec)
                return UINT64_MAX;

        /* Smallest t with (t * capacity + carry) / period >= need, i.e. the inverse of the refill. */
        unsigned __int128 need = (unsigned __int128) ((__int128) level - b->level_usec);
        unsigned __int128 scaled = need * b->period_usec - b->carry;
        unsigned __int128 t = (scaled + b->capacity_usec - 1) / b->capacity_usec;

        return t >= UINT64_MAX ? UINT64_MAX : (uint64_t) t;
}
